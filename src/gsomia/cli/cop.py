"""``gsomia cop RUN.json``: the common operational picture replaying a run
(:mod:`gsomia.web.cop.replay`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gsomia.cli._app import app, console, guarded

__all__ = ["cop_command"]


@app.command("cop")
@guarded
def cop_command(
    run: Annotated[Path, typer.Argument(
        metavar="RUN_JSON", show_default=False,
        help="A run's JSON: gsomia run SCENARIO --json-out RUN_JSON (one scenario).")],
    port: Annotated[int, typer.Option("--port", min=0, max=65535,
                                      help="Port on 127.0.0.1 (0: any free port).")] = 8765,
    check: Annotated[bool, typer.Option("--check", help="Only check RUN_JSON: exit 0 if "
                                        "the page can replay it, else 2 naming the first "
                                        "fault; nothing is served.")] = False,
) -> None:
    """Serve the COP page replaying RUN_JSON on http://127.0.0.1:PORT/ (every party and
    route side by side, a time slider, play/pause, speed). Offline: nothing is fetched
    from another host. Stop with Ctrl-C. The file is checked first (exit 2 naming the
    member and its value when the page could not draw it)."""
    import uvicorn

    from gsomia.web import bind
    from gsomia.web.cop import load_run, replay_app
    from gsomia.web.cop.geo import layers

    doc = load_run(run)
    if check:
        console.print(f"{run}: a run the COP can replay ({doc['scenario']['name']}, "
                      f"{len(doc['launches'])} launches)", soft_wrap=True, highlight=False)
        return
    sock = bind("127.0.0.1", port)
    try:
        with console.status("building the map layers (Natural Earth land, zones)"):
            layers(doc["scenario"].get("parties", []))   # kept for the page's first request
        server = uvicorn.Server(uvicorn.Config(replay_app(doc), log_level="warning",
                                               access_log=False, lifespan="off"))
        console.print(f"COP replay of {doc['scenario'].get('name', run)} on "
                      f"http://127.0.0.1:{sock.getsockname()[1]}/ (Ctrl-C stops)",
                      soft_wrap=True, highlight=False)
        server.run(sockets=[sock])
    finally:
        sock.close()

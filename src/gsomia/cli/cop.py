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
    run: Annotated[Path, typer.Argument(help="A run's JSON: gsomia run SCENARIO --json-out "
                                             "RUN.json.")],
    port: Annotated[int, typer.Option("--port", min=0, max=65535,
                                      help="Port on 127.0.0.1 (0: any free port).")] = 8765,
) -> None:
    """Serve the COP page replaying RUN.json on http://127.0.0.1:PORT/ (every party and
    route side by side, a time slider, play/pause, speed). Offline: nothing is fetched
    from another host. Stop with Ctrl-C."""
    import uvicorn

    from gsomia.web import bind
    from gsomia.web.cop import load_run, replay_app
    from gsomia.web.cop.geo import layers

    doc = load_run(run)
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

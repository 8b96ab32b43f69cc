"""The COP page replaying a run (``gsomia cop RUN.json``): the same page as a live node's
``/cop``, fed with the JSON of ``gsomia run ... --json-out`` (:mod:`gsomia.sim.report`,
its ``"picture"`` member: :mod:`gsomia.sim.replay`).

Routes: ``GET /`` and ``GET /cop`` (the page), its assets and map layers
(:func:`gsomia.web.cop.live.add_page_routes`), ``GET /cop/api/config``
(``{"mode": "replay", "title", "parties", "routes"}``) and ``GET /cop/api/run`` (the run
document). Served on 127.0.0.1 only, without TLS: the file is the analyst's own.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import Response

from gsomia.errors import InputError
from gsomia.schemas.base import parse
from gsomia.schemas.run_view import RunView
from gsomia.web.cop.assets import add_offline_docs, asset_response
from gsomia.web.cop.live import add_page_routes

__all__ = ["load_run", "replay_app"]

_NEEDED = ("scenario", "routes", "launches", "picture")


def load_run(path: str | Path) -> dict[str, Any]:
    """Read and check a run document (schema ``gsomia.run/1`` with a ``picture``).

    Raises:
        InputError: an unreadable file, not JSON, another schema, a member missing
            (``picture`` is written by ``gsomia run --json-out`` of one scenario), or a
            member the page reads that is not as :class:`gsomia.schemas.run_view.RunView`
            describes (naming its key path and value).
    """
    file = Path(path)
    try:
        doc = json.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError("RUN", str(file), f"cannot read: {exc.strerror}") from None
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise InputError("RUN", str(file), f"not JSON: {exc}") from None
    if not isinstance(doc, dict) or doc.get("schema") != "gsomia.run/1":
        got = doc.get("schema") if isinstance(doc, dict) else type(doc).__name__
        raise InputError(f"{file}: schema", got, "expected gsomia.run/1 (gsomia run "
                         "SCENARIO --json-out FILE)")
    for key in _NEEDED:
        if key not in doc:
            raise InputError(f"{file}: {key}", None, "missing: write the run again with "
                             "gsomia run SCENARIO --json-out FILE (one scenario)")
    parse(RunView, doc, file=str(file))
    return doc


def replay_app(doc: dict[str, Any]) -> FastAPI:
    """The replay server of a run document (:func:`load_run`)."""
    app = FastAPI(title=f"gsomia COP replay {doc['scenario'].get('name', '')}",
                  docs_url=None, redoc_url=None)
    body = json.dumps(doc, ensure_ascii=False).encode()
    parties = list(doc["scenario"].get("parties", []))

    def config() -> dict[str, Any]:
        return {"mode": "replay", "title": doc["scenario"].get("title", ""),
                "name": doc["scenario"].get("name", ""), "parties": parties,
                "routes": list(doc["routes"])}

    app.add_api_route("/", lambda: asset_response("cop", "cop.html"), methods=["GET"],
                      include_in_schema=False)
    add_page_routes(app, config, parties)
    app.add_api_route("/cop/api/run", lambda: Response(body, media_type="application/json"),
                      methods=["GET"], include_in_schema=False)
    add_offline_docs(app)
    return app

"""The node's HTTP routes of custody and originator control (this party's operator only,
like every local-user route of :mod:`gsomia.web.app`).

``GET  /v1/items/{id}/custody``      who this node released the item to and holds it
                                     from (:meth:`gsomia.node.Node.custody`).
``POST /v1/items/{id}/actions``      the originator's action ``{"action", "new_classification"}``
                                     (``reclassify``, ``downgrade``, ``declassify``, ``recall``,
                                     ``destroy``; Art. 6(d)–(h)) to every holder; answers the
                                     notice with each holder ``pending``.
``GET  /v1/items/{id}/actions``      the notices on the item, per holder acknowledged or
                                     pending.
``POST /v1/items/{id}/compromise``   a holder's loss or compromise report ``{"what",
                                     "possible", "discovered_at"}``, sent to the originator
                                     at once (Art. 17); answers the case.
``GET  /v1/cases``                   the cases at this node (both sides).
``POST /v1/cases/{id}/investigation``  ``{"findings", "preventive_measures"}`` (the
                                     Receiving Party, Art. 17), reported to the originator.
``POST /v1/cases/{id}/close``        ``{"summary"}``, reported to the originator.

Bodies: the closed models of :mod:`gsomia.schemas.custody` (an unknown key is a 400
naming it; a case's free text at most :data:`~gsomia.schemas.custody.MAX_CASE_TEXT`
characters).

Answers: 200 with JSON; 400 on bad input (naming the field), 403 when only the
Originating Party (Art. 6) or the Receiving Party (Art. 17) may take the step, 404 for an
item or case this node does not know, 415 for a body that is not JSON, 503 when the store
refused the write (nothing kept). Sending goes on in
the background (the outbox retries).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from gsomia.errors import GsomiaError, InputError, SharingError, StoreError, short_repr
from gsomia.node import Node
from gsomia.schemas import parse
from gsomia.schemas.custody import (
    ActionRequest,
    CloseRequest,
    CompromiseRequest,
    InvestigationRequest,
)
from gsomia.web.unavailable import store_unavailable

__all__ = ["ActionRequest", "CloseRequest", "CompromiseRequest", "InvestigationRequest",
           "add_custody_routes"]


class _Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        self.status = status
        self.message = message


async def _body(request: Request) -> dict[str, Any]:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/json":
        raise _Refused(415, f"content-type={short_repr(ctype)}: expected application/json")
    try:
        data = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise _Refused(400, f"body: not JSON: {short_repr(str(exc))}") from None
    if not isinstance(data, dict):
        raise _Refused(400, f"body: expected a JSON object, got {type(data).__name__}")
    return data


def _status(exc: GsomiaError) -> int:
    if isinstance(exc, StoreError):
        return 503  # nothing kept: the caller may try again
    if isinstance(exc, InputError):
        field = getattr(exc, "field", "")
        missing = "no such" in str(exc)
        return 404 if field in ("item_id", "case_id") and missing else 400
    return 403 if type(exc) is SharingError else 400


def _endpoint(node: Node, work: Callable[..., Any], with_body: bool) -> Callable:
    """An endpoint calling ``work(key, body)`` in a worker thread, then flushing soon."""

    async def endpoint(request: Request) -> JSONResponse:
        key = next(iter(request.path_params.values()), "")
        try:
            body = await _body(request) if with_body else {}
            out = await run_in_threadpool(work, key, body)
        except _Refused as exc:
            return JSONResponse({"error": exc.message}, status_code=exc.status)
        except StoreError as exc:  # nothing kept: 503 with Retry-After
            return store_unavailable(exc)
        except GsomiaError as exc:
            return JSONResponse({"error": str(exc)}, status_code=_status(exc))
        if with_body:
            node.flush_soon()
        return JSONResponse(out)

    return endpoint


def add_custody_routes(app: FastAPI, node: Node) -> None:
    """Add the routes of the module docstring to ``app``."""

    def act(item_id: str, body: dict[str, Any]) -> Any:
        req = parse(ActionRequest, body)
        return node.act(item_id, req.action, req.new_classification, send=False)

    def compromise(item_id: str, body: dict[str, Any]) -> Any:
        req = parse(CompromiseRequest, body)
        return node.report_compromise(item_id, req.what, possible=req.possible,
                                      discovered_at=req.discovered_at, send=False)

    def investigation(case_id: str, body: dict[str, Any]) -> Any:
        req = parse(InvestigationRequest, body)
        return node.investigate(case_id, req.findings, req.preventive_measures, send=False)

    def close(case_id: str, body: dict[str, Any]) -> Any:
        return node.close_case(case_id, parse(CloseRequest, body).summary, send=False)

    Work = Callable[[str, dict[str, Any]], Any]
    routes: list[tuple[str, str, Work, str, type[BaseModel] | None]] = [
        ("/v1/items/{item_id}/custody", "GET", lambda k, _: node.custody(k), "Custody of an item",
         None),
        ("/v1/items/{item_id}/actions", "GET", lambda k, _: node.actions(k),
         "Originator notices and acknowledgements", None),
        ("/v1/items/{item_id}/actions", "POST", act, "Originator action (Art. 6(d)-(h))",
         ActionRequest),
        ("/v1/items/{item_id}/compromise", "POST", compromise,
         "Report a loss or compromise (Art. 17)", CompromiseRequest),
        ("/v1/cases", "GET", lambda _k, _b: node.cases(), "Loss or compromise cases", None),
        ("/v1/cases/{case_id}/investigation", "POST", investigation,
         "Investigation results (Art. 17)", InvestigationRequest),
        ("/v1/cases/{case_id}/close", "POST", close, "Close a case (Art. 17)", CloseRequest),
    ]
    for path, method, work, summary, model in routes:
        extra: dict[str, Any] = {"parameters": [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in re.findall(r"{(\w+)}", path)]}
        if model is not None:
            extra["requestBody"] = {"required": True, "content": {
                "application/json": {"schema": model.model_json_schema()}}}
        app.add_api_route(path, _endpoint(node, work, method == "POST"), methods=[method],
                          summary=summary, openapi_extra=extra)

"""The node's HTTP routes to create and release items of any kind (documents with
attachments): ``add_item_routes(app, node)``, called by :func:`gsomia.web.app.create_app`.

``POST /v1/items``
    An :class:`~gsomia.schemas.ItemCreateRequest`: ``classification`` (one of this
    party's markings), ``releasable_to`` (party codes), ``document``
    (:class:`~gsomia.schemas.DocumentDoc`: title, topic, body, attachments with base64
    ``data``, ``size`` and ``sha256``), optional ``purpose`` and ``release``
    (``[{"to", "route"}]``, made at once). The item is created by
    :meth:`gsomia.node.Node.create_item` (topic: the document's) and each release goes
    through :meth:`gsomia.node.Node.release` (decide → sign → seal → queue; sent in the
    background). Answer 201: ``{"item_id", "label", "releases": [...]}``, each release
    ``{"item_id", "to", "route", "status", "envelope_id", "denied_by", "reasons"}``; a
    denied release is listed with status ``denied`` and the reasons of the failed rules
    (e.g. ``scope:tisa``: TISA para 1 carries North Korea's nuclear and missile threats
    only). Every target is checked (party with keys, route) before the item is created:
    a bad one creates nothing.
``POST /v1/items/{item_id}/release``
    An :class:`~gsomia.schemas.ItemReleaseRequest` ``{"to", "route"}`` for an item this
    node holds (its own, or a received one as holder with the originator's consent,
    Art. 6). Answer 200 with the release (``queued``, ``awaiting_approval``, or
    ``already_released`` with the envelope of the release the party holds already: one
    copy per item at a holder), 403
    ``{"error", "release"}`` when the decision denies it (audited), naming the rules, or
    404 when the node holds no such item.

Bodies: JSON (``Content-Type: application/json``, else 415); ``POST /v1/items`` up to
:data:`~gsomia.schemas.document.MAX_ITEM_REQUEST_BYTES` (24 MiB; the limit is enforced
while the body streams in, :mod:`gsomia.web.app`), the release request up to 1 MiB. Bad
input is a 400 naming the field (``document.attachments[0].sha256``, ``classification``
with the party's markings, ``release[0].to``); a store that refused the write is a 503
(nothing kept). Only this party's operator may
call them (:mod:`gsomia.web.app`, access rules).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from gsomia.errors import GsomiaError, InputError, ReleaseDenied, StoreError, short_repr
from gsomia.node import Attachment, Document, Node, Release
from gsomia.schemas import ItemCreateRequest, ItemReleaseRequest, parse
from gsomia.sharing import Route
from gsomia.sharing.envelope import label_to_dict
from gsomia.web.unavailable import store_unavailable

__all__ = ["ITEM_REQUEST_MODELS", "add_item_routes", "release_view"]

#: Request bodies of these routes (for the OpenAPI components).
ITEM_REQUEST_MODELS = (ItemCreateRequest, ItemReleaseRequest)


class _Refused(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.status = status
        self.body = body


def release_view(rel: Release) -> dict[str, Any]:
    """A release as JSON: ``item_id``, ``to``, ``route``, ``next_hop``, ``status``,
    ``envelope_id``, ``denied_by`` (failed rules' ids) and ``reasons`` (their details)."""
    failed = rel.decision.failed
    return {"item_id": rel.item_id, "to": rel.to, "route": str(rel.route),
            "next_hop": rel.next_hop, "status": rel.status, "envelope_id": rel.envelope_id,
            "denied_by": [r.rule for r in failed],
            "reasons": [f"{r.rule}: {r.detail} ({r.source})" for r in failed]}


async def _object(request: Request) -> dict[str, Any]:
    """The request's JSON object (RFC 8259), or :class:`_Refused` 415/400."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/json":
        raise _Refused(415, {"error": f"content-type={short_repr(ctype)}: expected "
                                      "application/json"})
    raw = await request.body()
    try:
        data = json.loads(raw, parse_constant=lambda c: (_ for _ in ()).throw(
            ValueError(f"{c} is not JSON")))
    except (ValueError, UnicodeDecodeError) as exc:
        raise _Refused(400, {"error": f"body: not JSON: {short_repr(str(exc))}"}) from None
    except RecursionError:
        raise _Refused(400, {"error": "body: JSON nested too deeply"}) from None
    if not isinstance(data, dict):
        raise _Refused(400, {"error": f"body: expected a JSON object, got "
                                      f"{type(data).__name__}"})
    return data


def _endpoint(handle: Callable[[Request, dict[str, Any]], tuple[int, Any]]) -> Callable:
    """An endpoint reading a JSON object and running ``handle(request, body)`` in a worker
    thread; bad input is a 4xx naming the field."""

    async def endpoint(request: Request) -> JSONResponse:
        try:
            body = await _object(request)
            status, answer = await run_in_threadpool(handle, request, body)
        except _Refused as exc:
            return JSONResponse(exc.body, status_code=exc.status)
        except StoreError as exc:  # nothing kept (one transaction); try again later
            return store_unavailable(exc)
        except InputError as exc:
            status = 404 if exc.field == "item_id" else 400
            return JSONResponse({"error": str(exc)}, status_code=status)
        except GsomiaError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse(answer, status_code=status)

    return endpoint


def _target(node: Node, to: str, route: str, field: str) -> Route:
    """The route of a release target, after checking the party can be released to."""
    if to == node.party:
        raise InputError(f"{field}.to", to, "the node's own party")
    if to not in node.directory:
        known = ", ".join(node.directory.parties)
        raise InputError(f"{field}.to", to, "unknown party: no public keys in the node's "
                                            f"directory (known: {known})")
    return Route.parse(route, f"{field}.route")


def _create(node: Node) -> Callable[[Request, dict[str, Any]], tuple[int, Any]]:
    def create(request: Request, body: dict[str, Any]) -> tuple[int, Any]:
        req = parse(ItemCreateRequest, body)
        node.catalog.scheme(node.party).get(req.classification)
        for i, party in enumerate(req.releasable_to):
            if party not in node.directory and party not in node.catalog.schemes:
                raise InputError(f"releasable_to[{i}]", party, "unknown party (known: "
                                 + ", ".join(sorted(node.catalog.schemes)) + ")")
        targets = [(t.to, _target(node, t.to, t.route, f"release[{i}]"))
                   for i, t in enumerate(req.release)]
        d = req.document
        document = Document(d.title, d.topic, d.body, tuple(
            Attachment(a.name, a.media_type, base64.b64decode(a.data))
            for a in d.attachments))
        label = node.create_item(document.to_dict(), classification=req.classification,
                                 releasable_to=req.releasable_to, topic=document.topic,
                                 purpose=req.purpose)
        releases = []
        for to, route in targets:
            try:
                releases.append(node.release(label.item_id, to, route, send=False))
            except ReleaseDenied as exc:
                releases.append(exc.release)
        node.flush_soon()
        return 201, {"item_id": label.item_id, "label": label_to_dict(label),
                     "releases": [release_view(r) for r in releases]}

    return create


def _release(node: Node) -> Callable[[Request, dict[str, Any]], tuple[int, Any]]:
    def release(request: Request, body: dict[str, Any]) -> tuple[int, Any]:
        req = parse(ItemReleaseRequest, body)
        route = _target(node, req.to, req.route, "body")
        item_id = request.path_params["item_id"]
        try:
            rel = node.release(item_id, req.to, route, send=False)
        except ReleaseDenied as exc:
            return 403, {"error": str(exc), "release": release_view(exc.release)}
        node.flush_soon()
        return 200, release_view(rel)

    return release


def _body(model: type) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{model.__name__}"}}}}}


def add_item_routes(app: FastAPI, node: Node) -> None:
    """Add ``POST /v1/items`` and ``POST /v1/items/{item_id}/release`` (module notes)."""
    errors: dict[int | str, dict[str, Any]] = {
        400: {"description": "bad input, naming the field"},
        413: {"description": "body over the limit"}, 415: {"description": "not JSON"}}
    app.add_api_route("/v1/items", _endpoint(_create(node)), methods=["POST"],
                      summary="Create an item (a document with attachments) and release it",
                      status_code=201, openapi_extra=_body(ItemCreateRequest),
                      responses=errors)
    app.add_api_route("/v1/items/{item_id}/release", _endpoint(_release(node)),
                      methods=["POST"], summary="Release an item this node holds",
                      openapi_extra=_body(ItemReleaseRequest),
                      responses={**errors, 403: {"description": "release denied"},
                                 404: {"description": "no such item at this node"}})

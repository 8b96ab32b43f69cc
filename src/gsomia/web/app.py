"""The node's HTTP API: ``create_app(node) -> FastAPI`` (no module-level app).

Routes (OpenAPI at ``/openapi.json``, docs at ``/docs``):

``POST /v1/inbox``       a partner's sealed envelope (wire form of
                         :class:`~gsomia.sharing.envelope.Envelope`); answers a
                         :class:`~gsomia.node.Receipt`: 200 accepted or duplicate, 202 held
                         at the hub awaiting approval, 400 rejected (with ``check`` and
                         ``reason``), 503 when this node's store failed (not stored, not
                         acknowledged: the sender retries). Partners reach it over mutual
                         TLS only; with ``party_cas`` the hop sender named in the envelope
                         must be the party whose CA issued the client certificate (check
                         ``sender``).
``POST /v1/inbox/batch`` several envelopes of one partner in one request:
                         ``{"envelopes": [wire, ...]}`` (1 to 256, in queue order) →
                         ``{"receipts": [receipt, ...]}``, one per envelope in order, each
                         exactly the receipt ``/v1/inbox`` would give (status inside;
                         200 for the batch). Checked in one store transaction
                         (:meth:`gsomia.node.Node.receive_batch`): a rejected envelope
                         spoils none of the others; 503 when the store failed (nothing of
                         the batch stored); 400 naming ``envelopes`` when the body is no
                         such batch. Same access and sender binding as ``/v1/inbox``, for
                         every envelope; body limit that of ``/v1/inbox``.
``GET  /v1/items``       items delivered to this party that the calling person may read
                         (reads, below), of every kind, with the marking applied (Art.
                         4(2)); each names its ``kind``: ``missile_warning``,
                         ``radar_plots``, ``document`` or ``other``
                         (:func:`gsomia.node.item_kind`).
``GET  /v1/items/{id}``  one delivered item, if the calling person may read it: 200 (an
                         ``ItemView``), 403 with the reasons, 404 when this node holds no
                         delivered item of that id.
``GET  /v1/warnings``    the delivered missile warnings only (kind ``missile_warning``; the
                         same entries as ``/v1/items``). Radar plots share the warning topic
                         but are measurements, not warnings: they are never listed here.
``GET  /v1/plots``       the delivered radar-plot items only (kind ``radar_plots``,
                         :mod:`gsomia.node.plots`), payload as the originator signed it
                         (not re-checked here: ~0.15 ms a plot).
``POST /v1/warnings``    a local missile warning to publish to the partners (JSON payload
                         of :class:`~gsomia.node.MissileWarning`); answers at once with the
                         releases queued (sending goes on in the background).
``POST /v1/approvals``   the originator's approval ``{"item_id", "to", "route"}`` (TISA
                         para 4; ``route`` any spelling of :class:`gsomia.sharing.Route`,
                         default ``tisa_hub``; optional ``holder``: a party holding the
                         item, sent the consent so it may pass the item on to ``to``,
                         Art. 6); answers the consent given.
``POST /v1/items``       a document with attachments to create as this party's item, and
                         releases to make (:mod:`gsomia.web.items`).
``POST /v1/items/{item_id}/release``  release an item this node holds
                         (:mod:`gsomia.web.items`; 403 when denied, naming the rules).
``GET  /v1/health``      the truth about the node (:mod:`gsomia.node.health`): ``status``
                         ``ok`` / ``degraded`` / ``down``; ``store`` (backend, reachable,
                         latency of ``SELECT 1``, writable), ``audit`` (size, latest
                         checkpoint, writable), ``links`` per partner (last success, last
                         error, queued / retrying / acked / rejected); outbox counts, items
                         delivered (and of them warnings and plot items); witnessing:
                         ``incidents``, ``tampered``, ``checkpoint_size``, ``cosigned_by``.
                         503 (with ``Retry-After`` and ``error``) when ``down``.
``/v1/items/{id}/custody``, ``/v1/items/{id}/actions``, ``/v1/items/{id}/compromise``,
``/v1/cases…``           custody, originator actions and Art. 17 cases
                         (:mod:`gsomia.web.custody`; operator only).
``/cop…``                the common operational picture (:mod:`gsomia.web.cop`; operator
                         only; its items are read through ``GET /v1/items``).
``/taxii2/…``            TAXII 2.1 (STIX 2.1 objects; :mod:`gsomia.web.taxii`): partner nodes
                         read what was released to them, this party's persons what they may.

Who may call what (with ``party_cas``, i.e. every live server; the client's identity is
``(party, role, person_id)`` of its mutual-TLS certificate, :func:`gsomia.sharing.pki.
identity_of_certificate`, RFC 5280 path validation by the TLS handshake, RFC 8446
section 4.4.2):

- ``/v1/inbox``, ``/v1/inbox/batch``: a partner's **node** certificate only (another
  party than this node's).
- ``/v1/items``, ``/v1/warnings``, ``/v1/plots``, ``/v1/approvals`` (local-user routes)
  and any other path: this node's own party's **operator** certificate only
  (``operator.crt`` made by ``gsomia pki init``). A partner can therefore never publish
  as this party, approve a release of its items (Art. 6; TISA para 4: only the
  originator consents), nor read what it received.
- ``GET`` of ``/v1/items``, ``/v1/items/{id}``, ``/v1/warnings``, ``/v1/plots`` (the
  read routes): also this party's **persons** (``persons/<id>.crt`` made by ``gsomia pki
  person``, CN ``"<PARTY> person <id>"``); a person reaches no other route but the open
  ones below.
- ``/taxii2/…``: a partner's node certificate, this party's operator and its persons
  (:mod:`gsomia.web.taxii`: each reads only its own collections).
- ``/v1/health``, ``/openapi.json``, ``/docs`` (and its assets, served from a package:
  :mod:`gsomia.web.cop.assets`): any identity above, i.e. a partner's
  node certificate, this node's own operator or one of its persons. An operator or person
  certificate reaches only its own party's node: another party's gets 403 on every path.
- Any other certificate (none, a CA's, or one its CA issued with another subject, e.g.
  CN=rogue): 403.

Reads (Art. 7, Art. 16): every payload a read route answers is decided per person by
:func:`gsomia.node.persons.decide_read` against the node's personnel file (``personnel``
of :func:`create_app`; ``personnel`` in the node config) and audited
(``read.permitted`` / ``read.denied`` with person, item and reasons) before it is sent; an
audit log that refuses the write answers 503 and no payload. The caller is the person of
its certificate; the operator certificate reads as the file's ``[persons.operator]``
entry, and without one it reads no item (403), keeping every administrative route. A
list holds only the items the person may read, each audited ``read.permitted``; each
withheld item is audited ``read.denied`` and counted in the ``X-Withheld-Items`` answer
header. A caller not in the file (or past its ``valid_until``) gets 403 naming the file
(one ``read.denied`` record, ``item_id`` null); a single item denied answers 403 with
``{"error", "person", "item_id", "permitted": false, "reasons": [{"rule", "passed",
"detail", "source"}]}`` (e.g. ``personnel_clearance``, Art. 7: ``holds 秘; needs 極秘 or
higher``). Without ``party_cas`` (in-process use, no TLS) there is no person: reads
answer 403. The node's own process reads through :meth:`gsomia.node.Node.items` (the
subscribers, ``gsomia bench``), which is no person's read.

Store failures: while the store or the audit log cannot take a request (a
:class:`~gsomia.errors.StoreError`: server unreachable, connection lost, write refused),
every route answers 503 with ``Retry-After`` and ``{"error": "store unavailable"}`` (or
``"store refused the write"``; the detail only in the server log: :mod:`gsomia.web.
unavailable`, RFC 9110 sections 15.6.4 and 10.2.3): the request's transaction was
rolled back, so nothing was kept and nothing is acknowledged (200/202 only after the
commit); the same request may be sent again.

Requests: a body of at most :data:`MAX_BODY_BYTES` (1 MiB), except two routes that carry
documents with attachments (:mod:`gsomia.schemas.document`): ``POST /v1/items`` up to
:data:`~gsomia.schemas.document.MAX_ITEM_REQUEST_BYTES` (24 MiB: a document of at most
16 MiB, attachments of at most 8 MiB each, in base64) and ``POST /v1/inbox`` up to
:data:`~gsomia.schemas.document.MAX_ENVELOPE_BYTES` (64 MiB: such an item sealed, base64
three more times). The limit is enforced as the body streams in: a larger declared
``Content-Length`` is answered 413 before anything is read, and a body that passes the
limit is refused 413 at the chunk that passes it, never read whole first
(:func:`body_limit`). ``Content-Type: application/json`` (else 415; charset utf-8
only), a JSON object read as I-JSON within limits (UTF-8 without lone surrogates nor
U+0000, at most 64 levels deep, integers within ±(2**53 - 1), finite numbers:
:mod:`gsomia.web.bodies`; else 400 naming the key path). Every operator ``POST`` takes an
``Idempotency-Key``, a quoted RFC 8941 string (:mod:`gsomia.web.idempotency`: a 2xx
answer replayed, 422 for the key with another request; a 4xx or 5xx releases the key). Errors
answer ``{"error": ...}`` naming the field; offending values are cut to a few hundred
characters, never echoed whole.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from cryptography import x509
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from gsomia.errors import GsomiaError, StoreError, short_repr
from gsomia.node import WARNING_KIND, MissileWarning, Node
from gsomia.node.idempotency import IdempotencyKeys
from gsomia.node.links import MAX_BATCH_ENVELOPES
from gsomia.node.persons import Personnel
from gsomia.node.plots import PLOT_KIND
from gsomia.schemas import ApprovalRequest, ConsentDoc, MissileWarningDoc, parse
from gsomia.schemas.document import MAX_ENVELOPE_BYTES, MAX_ITEM_REQUEST_BYTES
from gsomia.sharing import Route
from gsomia.sharing.envelope import WIRE_KEYS
from gsomia.sharing.pki import party_of_certificate
from gsomia.web.bodies import BodyError, read_object, replay_body
from gsomia.web.cop import add_cop_routes, add_offline_docs
from gsomia.web.cop.assets import DOCS_ASSETS
from gsomia.web.custody import add_custody_routes
from gsomia.web.idempotency import IdempotencyMiddleware
from gsomia.web.identities import Identities, client_cert, client_identity
from gsomia.web.items import ITEM_REQUEST_MODELS, add_item_routes
from gsomia.web.models import (
    ErrorView,
    HealthView,
    InboxBatchDoc,
    ItemView,
    ReceiptsView,
    ReceiptView,
    ReleaseView,
)
from gsomia.web.reads import ItemReads
from gsomia.web.taxii import TAXII_PREFIX, add_taxii_routes, taxii_allowed
from gsomia.web.taxii_query import TaxiiError
from gsomia.web.unavailable import (
    add_store_handler,
    document_503,
    document_common_answers,
    store_unavailable,
    unavailable,
)

__all__ = ["MAX_BODY_BYTES", "body_limit", "client_identity", "client_party", "create_app"]

_STATUS = {"accepted": 200, "duplicate": 200, "held": 202, "rejected": 400}

#: Largest request body accepted [bytes] (a sealed warning is a few kB), except on the
#: routes that carry documents (:func:`body_limit`).
MAX_BODY_BYTES = 1024 * 1024
#: Routes with a larger body limit (documents with attachments; module notes).
_LARGE_BODIES = {("POST", "/v1/inbox"): MAX_ENVELOPE_BYTES,
                 ("POST", "/v1/inbox/batch"): MAX_ENVELOPE_BYTES,
                 ("POST", "/v1/items"): MAX_ITEM_REQUEST_BYTES}


def body_limit(method: str, path: str) -> int:
    """Largest body [bytes] a request of ``method`` to ``path`` may carry: 64 MiB for a
    partner's envelope, 24 MiB to create an item, else :data:`MAX_BODY_BYTES` (module
    notes; limits of :mod:`gsomia.schemas.document`)."""
    return _LARGE_BODIES.get((method.upper(), path), MAX_BODY_BYTES)

#: Paths any authenticated identity (node, operator or person) may use.
_OPEN_PATHS = ("/v1/health", "/openapi.json", "/docs", *DOCS_ASSETS)
#: Paths a person may GET (the read routes, decided per person); also ``/v1/items/{id}``.
_READ_PATHS = ("/v1/items", "/v1/warnings", "/v1/plots")


def _is_read(method: str, path: str) -> bool:
    """A ``GET`` of a read route (:data:`_READ_PATHS` or ``/v1/items/{id}``)."""
    if method != "GET":
        return False
    if path in _READ_PATHS:
        return True
    head, _, tail = path.rpartition("/")
    return head == "/v1/items" and bool(tail)


def client_party(request: Request, party_cas: Mapping[str, x509.Certificate]) -> str | None:
    """The party whose CA issued the client's TLS certificate (ASGI TLS extension, filled
    in by :class:`gsomia.web.server.MutualTlsH11Protocol`), or None if there is none."""
    cert = client_cert(request.scope)
    return party_of_certificate(cert, party_cas) if cert else None


class _Guard:
    """ASGI middleware: who may call which path (module docstring), and the body limit.

    The body is read here, at most :func:`body_limit` of it: a larger declared
    ``Content-Length`` is answered 413 before anything is read, and a longer stream is
    cut off at the limit and answered 413."""

    def __init__(self, app: Any, party: str,
                 party_cas: Mapping[str, x509.Certificate] | None) -> None:
        self.app = app
        self.party = party
        self.party_cas = party_cas
        self.identities = None if party_cas is None else Identities(party_cas)

    def _allowed(self, scope: dict) -> tuple[bool, str]:
        if self.identities is None:
            return True, ""
        who = self.identities.of(scope)
        if who is None:
            return False, ("no client certificate of a partner's node or of this party's "
                           "operator or persons")
        party, role, _ = who
        path = scope.get("path", "")
        if path in ("/v1/inbox", "/v1/inbox/batch"):
            if role == "node" and party != self.party:
                return True, ""
            return False, f"the inbox takes partner nodes only, not {party} {role}"
        if path.startswith(TAXII_PREFIX):  # partner nodes, own operator, persons: web.taxii
            return taxii_allowed(party, role, self.party)
        if (party, role) == (self.party, "operator"):
            return True, ""
        if role in ("operator", "person") and party != self.party:
            # an operator or a person reaches only its own party's node
            return False, f"{path} is not for {party}'s {role}: {self.party}'s node"
        if path in _OPEN_PATHS:
            return True, ""
        if role == "person" and _is_read(scope.get("method", ""), path):
            return True, ""
        return False, f"{path} is for {self.party}'s operator only, not {party} {role}"

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        ok, why = self._allowed(scope)
        def refuse(status: int, title: str, why: str) -> Any:  # TAXII 2.1 section 3.6.1
            return TaxiiError(status, title, why).response() if scope.get(
                "path", "").startswith(TAXII_PREFIX) else JSONResponse({"error": why}, status)

        if not ok:
            await refuse(403, "forbidden", why)(scope, receive, send)
            return
        limit = body_limit(scope.get("method", ""), scope.get("path", ""))
        too_big = refuse(413, "too large", f"request body over {limit} bytes (limit)")
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            await too_big(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await too_big(scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        await self.app(scope, replay_body(b"".join(chunks), receive), send)


class _BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        self.status = status
        self.message = message


async def _json_object(request: Request) -> dict[str, Any]:
    """The request's JSON object body (:func:`gsomia.web.bodies.read_object`: RFC 8259
    read as I-JSON, RFC 7493, depth, numbers and strings bounded)."""
    try:
        return await read_object(request)
    except BodyError as exc:
        raise _BadRequest(exc.status, exc.message) from None


def _error(exc: _BadRequest) -> JSONResponse:
    return JSONResponse({"error": exc.message}, status_code=exc.status)


def _json_route(handle: Callable[[dict[str, Any]], JSONResponse]) -> Callable:
    """An endpoint reading a JSON object and passing it to ``handle`` (run in a worker
    thread); a malformed request or a :class:`GsomiaError` is answered with a named
    error (400, or 415 for a wrong content type)."""

    async def endpoint(request: Request) -> JSONResponse:
        try:
            body = await _json_object(request)
            return await run_in_threadpool(handle, body)
        except _BadRequest as exc:
            return _error(exc)
        except StoreError as exc:  # the server's failure, never the input's: 503
            return store_unavailable(exc)
        except GsomiaError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)

    return endpoint


def _peer(request: Request, party_cas: Mapping[str, x509.Certificate] | None) -> str | None:
    """The party of the client certificate (the hop sender an envelope must name), or
    None without ``party_cas``."""
    if party_cas is None:
        return None
    who = client_identity(request.scope, party_cas)
    return who[0] if who else None


def _inbox(node: Node, party_cas: Mapping[str, x509.Certificate] | None) -> Callable:
    """``POST /v1/inbox``: a partner's envelope → the node's receipt (status by
    :data:`_STATUS`; 503 when the store failed)."""

    async def inbox(request: Request) -> JSONResponse:
        entered = time.perf_counter()
        peer = _peer(request, party_cas)
        try:
            envelope = await _json_object(request)
            if node.stamps is not None:
                node.stamps.mark_wires([envelope], "request", entered)
        except _BadRequest as exc:
            if exc.status != 400:
                return _error(exc)
            # the node reads it again and answers a rejected receipt naming the fault
            # (check format), audited
            envelope = await request.body()
        try:
            receipt = await run_in_threadpool(node.receive, envelope, peer=peer,
                                              deliver_now=True)
        except StoreError as exc:
            return store_unavailable(exc)
        return JSONResponse(receipt.to_dict(), status_code=_STATUS[receipt.status])

    return inbox


def _inbox_batch(node: Node, party_cas: Mapping[str, x509.Certificate] | None) -> Callable:
    """``POST /v1/inbox/batch``: a partner's envelopes → their receipts in order
    (module docstring; :class:`~gsomia.web.models.InboxBatchDoc`)."""

    async def inbox_batch(request: Request) -> JSONResponse:
        entered = time.perf_counter()
        peer = _peer(request, party_cas)
        try:
            body = await _json_object(request)
            wires = body.get("envelopes")
            if set(body) != {"envelopes"} or not isinstance(wires, list):
                raise _BadRequest(400, "body: expected {\"envelopes\": [envelope, ...]}, "
                                  f"got the members {short_repr(sorted(body))}")
            if not 1 <= len(wires) <= MAX_BATCH_ENVELOPES:
                raise _BadRequest(400, f"envelopes: {len(wires)} envelopes; 1 to "
                                  f"{MAX_BATCH_ENVELOPES} in one batch")
        except _BadRequest as exc:
            return _error(exc)
        if node.stamps is not None:
            node.stamps.mark_wires(wires, "request", entered)
        try:
            receipts = await run_in_threadpool(node.receive_batch, wires, peer=peer,
                                               deliver_now=True)
        except StoreError as exc:
            return store_unavailable(exc)
        return JSONResponse({"receipts": [r.to_dict() for r in receipts]})

    return inbox_batch


def _publish(node: Node) -> Callable[[dict[str, Any]], JSONResponse]:
    """``POST /v1/warnings``: publish a :class:`~gsomia.schemas.MissileWarningDoc`; the
    releases queued (:class:`~gsomia.web.models.ReleaseView`), sent in the background."""

    def publish(payload: dict[str, Any]) -> JSONResponse:
        releases = node.publish_warning(MissileWarning.from_dict(payload), send=False)
        node.flush_soon()
        return JSONResponse([
            {"item_id": r.item_id, "to": r.to, "route": r.route, "status": r.status,
             "envelope_id": r.envelope_id, "denied_by": [x.rule for x in r.decision.failed]}
            for r in releases
        ])

    return publish


def _approve(node: Node) -> Callable[[dict[str, Any]], JSONResponse]:
    """``POST /v1/approvals``: an :class:`~gsomia.schemas.ApprovalRequest` → the consent
    given (:class:`~gsomia.schemas.ConsentDoc`), sent to the route's hub in the
    background."""

    def approve(body: dict[str, Any]) -> JSONResponse:
        request = parse(ApprovalRequest, body)
        route = Route.parse(request.route)
        consent = node.approve(request.item_id, request.to, route, send=False,
                               holder=request.holder)
        node.flush_soon()
        return JSONResponse(consent.to_dict())

    return approve


def _health(node: Node) -> Callable[[], JSONResponse]:
    """``GET /v1/health``: :meth:`gsomia.node.Node.health`; 503 with ``Retry-After``
    when its status is ``down``."""

    def health() -> JSONResponse:
        body = node.health()
        return unavailable(body) if body["status"] == "down" else JSONResponse(body)

    return health


def _body(model: type[BaseModel] | None) -> dict[str, Any]:
    """``openapi_extra`` of a route reading a JSON body of ``model`` (None: any object)."""
    schema = ({"type": "object"} if model is None
              else {"$ref": f"#/components/schemas/{model.__name__}"})
    return {"requestBody": {"required": True,
                            "content": {"application/json": {"schema": schema}}}}


#: ``POST /v1/inbox``: an envelope's wire form (:meth:`gsomia.sharing.envelope.Envelope.
#: to_wire`; any other key is refused, check ``format``).
_INBOX_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "additionalProperties": False,
    "required": ["envelope_id", "sender", "recipient", "jwe"],
    "properties": {**{k: {"type": "string", "minLength": 1} for k in WIRE_KEYS[:4]},
                   "witness": {"type": "object"}}}}}}}

#: Request bodies read by hand (so that errors keep their 400/415 and their wording) and
#: added to the OpenAPI components by :func:`_with_request_schemas`.
_REQUEST_MODELS = (MissileWarningDoc, ApprovalRequest, InboxBatchDoc, *ITEM_REQUEST_MODELS)


def _with_request_schemas(app: FastAPI) -> None:
    """Make ``app.openapi()`` carry the JSON Schemas of :data:`_REQUEST_MODELS` and the
    answers every operation may give (:func:`~gsomia.web.unavailable.document_common_answers`)."""
    plain = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = plain()
            components = spec.setdefault("components", {}).setdefault("schemas", {})
            for model in _REQUEST_MODELS:
                schema = model.model_json_schema(
                    ref_template="#/components/schemas/{model}")
                components.update(schema.pop("$defs", {}))
                components[model.__name__] = schema
            document_common_answers(spec)
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _add_routes(app: FastAPI, node: Node,
                party_cas: Mapping[str, x509.Certificate] | None,
                personnel: Personnel) -> None:
    """The routes of the module docstring, with their bodies' models."""
    reads = ItemReads(node, personnel, None if party_cas is None else (
        lambda scope: client_identity(scope, party_cas)))
    refused: dict[int | str, dict[str, Any]] = {
        403: {"model": ErrorView, "description": "the read denied, with the reasons"},
        503: {"model": ErrorView, "description": "the read could not be audited"}}
    errors: dict[int | str, dict[str, Any]] = {
        400: {"model": ErrorView}, 415: {"model": ErrorView}}
    app.add_api_route("/v1/inbox", _inbox(node, party_cas), methods=["POST"],
                      summary="Partner inbox", openapi_extra=_INBOX_BODY,
                      response_model=ReceiptView,
                      responses={202: {"model": ReceiptView}, 400: {"model": ReceiptView},
                                 503: {"model": ErrorView}})
    app.add_api_route("/v1/inbox/batch", _inbox_batch(node, party_cas), methods=["POST"],
                      summary="Partner inbox, several envelopes",
                      openapi_extra=_body(InboxBatchDoc), response_model=ReceiptsView,
                      responses={400: {"model": ErrorView}, 503: {"model": ErrorView}})
    app.add_api_route("/v1/items", reads.listing(None), methods=["GET"],
                      summary="Items the calling person may read (Art. 7, 16)",
                      response_model=list[ItemView], responses=refused)
    app.add_api_route("/v1/items/{item_id}", reads.one(), methods=["GET"],
                      summary="One item, if the calling person may read it (Art. 7, 16)",
                      response_model=ItemView,
                      responses={**refused, 404: {"model": ErrorView}})
    app.add_api_route("/v1/warnings", reads.listing(WARNING_KIND), methods=["GET"],
                      summary="Missile warnings delivered (no radar plots)",
                      response_model=list[ItemView], responses=refused)
    app.add_api_route("/v1/plots", reads.listing(PLOT_KIND), methods=["GET"],
                      summary="Radar-plot items delivered", response_model=list[ItemView],
                      responses=refused)
    app.add_api_route("/v1/warnings", _json_route(_publish(node)), methods=["POST"],
                      summary="Publish a warning", openapi_extra=_body(MissileWarningDoc),
                      response_model=list[ReleaseView], responses=errors)
    app.add_api_route("/v1/approvals", _json_route(_approve(node)), methods=["POST"],
                      summary="Originator approval (TISA para 4)",
                      openapi_extra=_body(ApprovalRequest), response_model=ConsentDoc,
                      responses=errors)
    app.add_api_route("/v1/health", _health(node), methods=["GET"], summary="Health",
                      response_model=HealthView,
                      responses={503: {"model": HealthView,
                                       "description": "the store is down (Retry-After)"}})
    add_custody_routes(app, node)  # custody, originator actions, cases: gsomia.web.custody


def create_app(
    node: Node, *, party_cas: Mapping[str, x509.Certificate] | None = None,
    personnel: Personnel | None = None,
) -> FastAPI:
    """The HTTP API of ``node`` (routes and access rules in the module docstring; bodies
    in ``/openapi.json``: :mod:`gsomia.web.models` and the schema layer's requests).

    Parameters:
        node: the party's node.
        party_cas: each party's CA certificate (:func:`gsomia.sharing.pki.load_party_cas`).
            When given (live servers always pass it), each path is open only to the
            identities of the module docstring, and the inbox binds each envelope's hop
            sender to the party of the client certificate. None (in-process use, no TLS):
            no transport check (the hop signature still authenticates the sender).
        personnel: the node's personnel file (:func:`gsomia.node.persons.load_personnel`),
            by which every read is decided; None: nobody may read a classified item.
    """
    app = FastAPI(
        title=f"gsomia node {node.party}",
        version="1",
        description="Partner inbox (partner nodes, mutual TLS); items, warnings and "
                    "approvals for this party's operator; health.",
        docs_url=None, redoc_url=None,   # /docs offline: gsomia.web.cop.assets
    )
    # the key check runs inside the access check (the last middleware added is outermost)
    app.add_middleware(IdempotencyMiddleware, keys=IdempotencyKeys(node.store.db))
    app.add_middleware(_Guard, party=node.party, party_cas=party_cas)
    add_store_handler(app)  # any route: a StoreError is a 503 with Retry-After
    _add_routes(app, node, party_cas, personnel or Personnel(node.party))
    add_item_routes(app, node)
    add_offline_docs(app)
    add_cop_routes(app, node)   # /cop, the common operational picture (gsomia.web.cop)
    add_taxii_routes(app, node, None if party_cas is None else (
        lambda scope: client_identity(scope, party_cas)), personnel or Personnel(node.party))
    document_503(app)
    _with_request_schemas(app)
    return app

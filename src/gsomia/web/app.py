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
``GET  /v1/items``       items delivered to this party, with the marking applied (Art. 4(2)).
``POST /v1/warnings``    a local missile warning to publish to the partners (JSON payload
                         of :class:`~gsomia.node.MissileWarning`).
``POST /v1/approvals``   the originator's approval ``{"item_id", "to", "route"}`` (TISA
                         para 4).
``GET  /v1/health``      party, outbox counts, items delivered.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cryptography import x509
from fastapi import Body, FastAPI, Request
from fastapi.responses import JSONResponse

from gsomia.errors import GsomiaError, StoreError
from gsomia.node import MissileWarning, Node, Receipt
from gsomia.sharing.pki import party_of_certificate

__all__ = ["create_app"]

_STATUS = {"accepted": 200, "duplicate": 200, "held": 202, "rejected": 400}


def client_party(request: Request, party_cas: Mapping[str, x509.Certificate]) -> str | None:
    """The party whose CA issued the client's TLS certificate (ASGI TLS extension, filled
    in by :class:`gsomia.web.server.MutualTlsH11Protocol`), or None if there is none."""
    tls = (request.scope.get("extensions") or {}).get("tls") or {}
    chain = tls.get("client_cert_chain") or []
    return party_of_certificate(chain[0], party_cas) if chain else None


def create_app(
    node: Node, *, party_cas: Mapping[str, x509.Certificate] | None = None
) -> FastAPI:
    """The HTTP API of ``node`` (routes in the module docstring).

    Parameters:
        node: the party's node.
        party_cas: each partner's CA certificate by party
            (:func:`gsomia.sharing.pki.load_party_cas`). When given, the inbox binds each
            envelope's hop sender to the party of the mutual-TLS client certificate; live
            servers always pass it. None: no transport check (the hop signature still
            authenticates the sender).
    """
    app = FastAPI(
        title=f"gsomia node {node.party}",
        version="1",
        description="Partner inbox (mutual TLS), items for local users, health.",
    )

    def inbox(request: Request, envelope: Any = Body(...)) -> JSONResponse:  # noqa: B008
        peer = None
        if party_cas is not None:
            peer = client_party(request, party_cas)
            if peer is None:
                receipt = Receipt("rejected", "?", node.party, "sender",
                                  "no client certificate issued by a partner's CA")
                return JSONResponse(receipt.to_dict(), status_code=403)
        try:
            receipt = node.receive(envelope, peer=peer)
        except StoreError as exc:
            return JSONResponse({"error": str(exc)}, status_code=503)
        return JSONResponse(receipt.to_dict(), status_code=_STATUS[receipt.status])

    def items() -> list[dict[str, Any]]:
        return [
            {
                "item_id": i.item_id, "originator": i.originator, "sender": i.sender,
                "route": i.route, "marking": i.marking, "topic": i.label.topic,
                "elements": list(i.label.elements), "payload": i.payload,
                "sent_at": i.sent_at.isoformat(), "arrived_s": i.arrived_s,
            }
            for i in node.items()
        ]

    def warnings(payload: dict[str, Any] = Body(...)) -> JSONResponse:  # noqa: B008
        try:
            releases = node.publish_warning(MissileWarning.from_dict(payload))
        except GsomiaError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse([
            {"item_id": r.item_id, "to": r.to, "route": r.route, "status": r.status,
             "envelope_id": r.envelope_id, "denied_by": [x.rule for x in r.decision.failed]}
            for r in releases
        ])

    def approvals(body: dict[str, Any] = Body(...)) -> JSONResponse:  # noqa: B008
        try:
            consent = node.approve(str(body["item_id"]), str(body["to"]),
                                   str(body.get("route", "tisa")))
        except (GsomiaError, KeyError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse(consent.to_dict())

    def health() -> dict[str, Any]:
        return {"party": node.party, "status": "ok", "outbox": node.outbox_counts(),
                "items": len(node.items())}

    app.add_api_route("/v1/inbox", inbox, methods=["POST"], summary="Partner inbox")
    app.add_api_route("/v1/items", items, methods=["GET"], summary="Items for local users")
    app.add_api_route("/v1/warnings", warnings, methods=["POST"], summary="Publish a warning")
    app.add_api_route("/v1/approvals", approvals, methods=["POST"],
                      summary="Originator approval (TISA para 4)")
    app.add_api_route("/v1/health", health, methods=["GET"], summary="Health")
    return app

"""The node's HTTP API: ``create_app(node) -> FastAPI`` (no module-level app).

Routes (OpenAPI at ``/openapi.json``, docs at ``/docs``):

``POST /v1/inbox``       a partner's sealed envelope (wire form of
                         :class:`~gsomia.sharing.envelope.Envelope`); answers a
                         :class:`~gsomia.node.Receipt`: 200 accepted or duplicate, 202 held
                         at the hub awaiting approval, 400 rejected (with ``check`` and
                         ``reason``). Partners reach it over mutual TLS only.
``GET  /v1/items``       items delivered to this party, with the marking applied (Art. 4(2)).
``POST /v1/warnings``    a local missile warning to publish to the partners (JSON payload
                         of :class:`~gsomia.node.MissileWarning`).
``POST /v1/approvals``   the originator's approval ``{"item_id", "to", "route"}`` (TISA
                         para 4).
``GET  /v1/health``      party, outbox counts, items delivered.
"""

from __future__ import annotations

from typing import Any

from fastapi import Body, FastAPI
from fastapi.responses import JSONResponse

from gsomia.errors import GsomiaError
from gsomia.node import MissileWarning, Node

__all__ = ["create_app"]

_STATUS = {"accepted": 200, "duplicate": 200, "held": 202, "rejected": 400}


def create_app(node: Node) -> FastAPI:
    """The HTTP API of ``node`` (routes in the module docstring)."""
    app = FastAPI(
        title=f"gsomia node {node.party}",
        version="1",
        description="Partner inbox (mutual TLS), items for local users, health.",
    )

    def inbox(envelope: Any = Body(...)) -> JSONResponse:  # noqa: B008
        receipt = node.receive(envelope)
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

"""The read routes of the node's HTTP API (:mod:`gsomia.web.app`, docstring "Reads"):
``GET /v1/items``, ``/v1/items/{item_id}``, ``/v1/warnings``, ``/v1/plots``, each payload
decided per person (:func:`gsomia.node.persons.decide_read`, Art. 7, Art. 16) and audited
(``read.permitted`` / ``read.denied``) before it is answered.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from gsomia.errors import GsomiaError, short_repr
from gsomia.node import Node, ReceivedItem
from gsomia.node.persons import (
    OPERATOR_ENTRY,
    Personnel,
    ReadDecision,
    audit_reads,
    decide_read,
    read_time,
)
from gsomia.web.unavailable import store_message, unavailable

__all__ = ["MAX_ITEM_ID", "Identity", "ItemReads", "reader_of"]

#: Longest item id a read looks up [characters]; a longer one is answered 404 at once.
MAX_ITEM_ID = 256

#: A client's identity: ``(party, role, person_id)`` (:func:`gsomia.sharing.pki.
#: identity_of_certificate`).
Identity = tuple[str, str, str | None]


def reader_of(who: Identity | None, party: str) -> str | None:
    """The personnel-file id a read by the client ``who`` (``(party, role, person_id)``)
    is decided for: a person certificate's id, :data:`~gsomia.node.persons.OPERATOR_ENTRY`
    for ``party``'s operator, else None (a node, another party, no TLS)."""
    if who is None or who[0] != party:
        return None
    if who[1] == "person":
        return who[2]
    return OPERATOR_ENTRY if who[1] == "operator" else None


def _view(i: ReceivedItem) -> dict[str, Any]:
    """An item as :class:`~gsomia.web.models.ItemView`."""
    return {
        "item_id": i.item_id, "kind": i.kind, "originator": i.originator,
        "sender": i.sender, "route": i.route, "marking": i.marking,
        "topic": i.label.topic, "elements": list(i.label.elements),
        "payload": i.payload, "sent_at": i.sent_at.isoformat(), "arrived_s": i.arrived_s,
    }


def _refusal(decision: ReadDecision) -> dict[str, Any]:
    """The 403 body of a denied read: an ``error`` naming the failed rules, and the
    decision."""
    failed = "; ".join(f"{r.rule} ({r.source}): {r.detail}" for r in decision.failed)
    what = "items" if decision.item_id is None else f"item {decision.item_id}"
    return {"error": f"read of {what} denied to {decision.person_id!r}: {failed}",
            **decision.to_dict()}


class ItemReads:
    """The read routes of :mod:`gsomia.web.app` (its docstring, "Reads"): each payload
    decided per person and audited before it is answered.

    Parameters:
        node: the party's node; personnel: its personnel file.
        identify: the client's ``(party, role, person_id)`` from an ASGI scope
            (:func:`gsomia.web.app.client_identity`), or None when there is no TLS (then
            no caller is a person and every read is refused).
    """

    def __init__(self, node: Node, personnel: Personnel,
                 identify: Callable[[Mapping[str, Any]], Identity | None] | None) -> None:
        self.node = node
        self.personnel = personnel
        self.identify = identify

    def _reader(self, request: Request) -> str | None:
        who = None if self.identify is None else self.identify(request.scope)
        return reader_of(who, self.node.party)

    def _audited(self, decisions: list[ReadDecision], path: str) -> JSONResponse | None:
        """Audit ``decisions``; a 503 if the log refused (then nothing is answered)."""
        try:
            audit_reads(self.node, decisions, read_time(self.node), path)
        except GsomiaError as exc:
            return unavailable({"error": f"reads not audited: {store_message(exc)}"})
        return None

    def _gate(self, person_id: str | None, item_id: str | None,
              path: str) -> JSONResponse | None:
        """403 for a caller with no current personnel record (one ``read.denied``
        audited), else None."""
        who = person_id or "a caller without a person certificate"
        decision = decide_read(self.personnel, who, None, self.node.catalog,
                               read_time(self.node), item_id=item_id)
        if decision.permitted:
            return None
        return self._audited([decision], path) or JSONResponse(
            _refusal(decision), status_code=403)

    def listing(self, kind: str | None) -> Callable:
        """``GET`` of the delivered items (of ``kind`` only, unless None) the caller may
        read, in arrival order; ``X-Withheld-Items``: how many it may not."""

        def listed(request: Request) -> JSONResponse:
            person_id, path = self._reader(request), request.url.path
            refused = self._gate(person_id, None, path)
            if refused is not None:
                return refused
            assert person_id is not None
            at = read_time(self.node)
            items = [i for i in self.node.items() if kind is None or i.kind == kind]
            decisions = [decide_read(self.personnel, person_id, i, self.node.catalog, at)
                         for i in items]
            failed = self._audited(decisions, path)
            if failed is not None:
                return failed
            shown = [_view(i) for i, d in zip(items, decisions, strict=True) if d.permitted]
            return JSONResponse(shown, headers={
                "X-Withheld-Items": str(len(items) - len(shown))})

        async def endpoint(request: Request) -> JSONResponse:
            return await run_in_threadpool(listed, request)

        return endpoint

    def one(self) -> Callable:
        """``GET /v1/items/{item_id}``: 200 the item, 403 with the reasons, 404 unknown."""

        def read(request: Request, item_id: str) -> JSONResponse:
            if len(item_id) > MAX_ITEM_ID:  # no such item; not written to the audit log
                return JSONResponse({"error": f"item_id={short_repr(item_id)}: longer than "
                                              f"{MAX_ITEM_ID} characters"}, status_code=404)
            person_id, path = self._reader(request), request.url.path
            refused = self._gate(person_id, item_id, path)
            if refused is not None:
                return refused
            assert person_id is not None
            item = next((i for i in self.node.items() if i.item_id == item_id), None)
            if item is None:
                return JSONResponse({"error": f"item_id={short_repr(item_id)}: no delivered "
                                              "item of this id"}, status_code=404)
            decision = decide_read(self.personnel, person_id, item, self.node.catalog,
                                   read_time(self.node))
            failed = self._audited([decision], path)
            if failed is not None:
                return failed
            if not decision.permitted:
                return JSONResponse(_refusal(decision), status_code=403)
            return JSONResponse(_view(item))

        async def endpoint(request: Request, item_id: str) -> JSONResponse:
            return await run_in_threadpool(read, request, item_id)

        return endpoint

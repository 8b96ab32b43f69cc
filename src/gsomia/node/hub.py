"""The hub's part of a node: hold an item for a third party, forward it once allowed.

On a hub route the originator sends its item to the hub (the route's arrangement in the
catalog names it), which stores it ``held`` and forwards it to the final recipient as soon
as the release decision permits: on the TISA route once the originator's signed approval
of that item for that recipient is recorded (TISA para 4), on the automated hub route at
once (the originator's standing approval). A forwarded TISA item is preceded on the same
stream by the originator's matching signed approvals, so the recipient can check them.

A hub forwards an item only to the final recipient, by the route, that the originator
signed into that copy (its release authorisation, :mod:`gsomia.node.guard`), and only on
consents that carry the originator's signature: a standing approval covers what the
originator itself put on the automated hub for that recipient, nothing else (agreements.md
§4; TISA para 4).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

from gsomia.errors import EnvelopeError, ReleaseDenied
from gsomia.node.context import NodeContext
from gsomia.node.guard import check_route
from gsomia.node.ledger import AuditEntry
from gsomia.node.outbox import Outbox
from gsomia.node.store import InboxRow
from gsomia.sharing.decision import ReleaseRequest, decide
from gsomia.sharing.envelope import label_from_dict, verify
from gsomia.sharing.routes import Route

__all__ = ["Hub"]


class Hub:
    """Holding and forwarding at one node (it acts as hub when an envelope's final
    recipient is another party).

    Parameters:
        ctx: the node's shared state; outbox: where forwarded envelopes are queued.
    """

    def __init__(self, ctx: NodeContext, outbox: Outbox) -> None:
        self.ctx = ctx
        self.outbox = outbox

    def held(self) -> list[InboxRow]:
        """Items held awaiting the release to their final recipient, in arrival order."""
        with self.ctx.ledger.lock:
            return self.ctx.ledger.store.inbox(status="held", kind="item")

    def hold(self, row: InboxRow) -> bool:
        """Hold an arrived item and forward it at once if allowed (one transaction);
        True when it was queued to its final recipient (then flush the outbox)."""
        with self.ctx.ledger.transaction():
            self.ctx.ledger.store.set_status(row.envelope_id, "held")
            return self.forward([dataclasses.replace(row, status="held")]) > 0

    def recheck(self, only: Callable[[InboxRow], bool] | None = None,
                rows: list[InboxRow] | None = None, item_id: str | None = None) -> None:
        """Forward every held item whose release to its final recipient is now allowed,
        then flush the outbox.

        ``rows``: check only these held rows; ``item_id``: only the held rows of this item;
        ``only``: only the held rows it accepts (default: every held item). Limiting the
        check keeps a hub's work per arrival or consent independent of how many it holds.
        """
        with self.ctx.ledger.lock:
            held = rows if rows is not None else self.ctx.ledger.store.inbox(
                status="held", kind="item", item_id=item_id)
            forwarded = self.forward(held, only)
        if forwarded:
            self.outbox.flush()

    def forward(self, held: list[InboxRow],
                only: Callable[[InboxRow], bool] | None = None) -> int:
        """Decide on each held row (that ``only`` accepts); queue the allowed ones to their
        final recipient, each with the originator's matching signed approvals (TISA) and
        its status ``forwarded`` in one transaction; audit the others as ``hub.held``.
        Returns how many were queued."""
        with self.ctx.ledger.lock:
            return sum(self._forward_one(row) for row in held
                       if only is None or only(row))

    def _forward_one(self, row: InboxRow) -> bool:
        ctx = self.ctx
        t, at = ctx.now()
        label = dataclasses.replace(label_from_dict(row.label or {}), holder=ctx.party)
        decision = decide(ReleaseRequest(label, row.final, at, row.route),
                          ctx.catalog, ctx.consents.signed)
        summary = {"envelope_id": row.envelope_id, "item_id": row.item_id,
                   "to": row.final, "route": row.route, "permit": decision.permit,
                   "data": decision.data,
                   "denied_by": [r.rule for r in decision.failed]}
        try:  # the copy's signed release names this hub, route and final recipient
            check_route(ctx.party, label, row.originator, row.sender, row.final, row.route,
                        ctx.party, verify(row.jws, ctx.directory).release)
        except (ReleaseDenied, EnvelopeError) as exc:
            summary.update(permit=False, denied_by=["route"], reason=str(exc))
            with ctx.ledger.transaction():
                ctx.ledger.store.set_status(row.envelope_id, "refused")
                ctx.ledger.record([("hub.refused", summary)], at)
            return False
        if not decision.permit:
            ctx.ledger.record([("hub.held", summary)], at)
            return False
        with ctx.ledger.transaction():
            if row.route is Route.TISA_HUB:  # the originator's signed approval goes first
                for jws, msg_id in ctx.consents.signed_for(row.originator, row.final,
                                                           row.item_id):
                    self._queue(row, jws, "consent", [], msg_id, (t, at))
            self._queue(row, row.jws, "item", [("hub.forward", summary)], row.msg_id, (t, at))
            ctx.ledger.store.set_status(row.envelope_id, "forwarded")
        return True

    def _queue(self, row: InboxRow, jws: str, kind: str, audit: list[AuditEntry],
               msg_id: str | None, now: tuple[float, dt.datetime]) -> None:
        """Queue ``jws`` (kept as the originator signed it) to ``row``'s final recipient."""
        self.outbox.enqueue(jws, peer=row.final, final=row.final, route=row.route,
                            stream=row.stream, kind=kind, item_id=row.item_id, now=now,
                            audit=audit, msg_id=msg_id)

"""A node's custody ledger: per item, every party this node released it to, and from whom
it holds it.

The rows are written by the store in the release's and the receipt's own transaction
(:meth:`gsomia.node.Store.enqueue`, :meth:`gsomia.node.Store.accept`; table ``custody``):
a release is never queued without its custody record, nor an item stored without one.
This part reads them: :meth:`Custody.view` (``gsomia item holders``,
``GET /v1/items/{id}/custody``), :meth:`Custody.holders` (where an originator's notice
must go, Art. 6(d)–(h)) and :meth:`Custody.path_back` (how a holder's acknowledgement or
loss report reaches the originator, Art. 17: over the route the item came by).
"""

from __future__ import annotations

from typing import Any

from gsomia.errors import InputError
from gsomia.node.context import NodeContext
from gsomia.node.store import CustodyRow
from gsomia.sharing.routes import Route

__all__ = ["Custody", "custody_entry"]


def custody_entry(row: CustodyRow) -> dict[str, Any]:
    """One custody record as JSON: ``{"party", "final", "route", "next_hop", "envelope_id",
    "stream", "at_s", "status"}`` (and ``originator`` for a receipt)."""
    entry: dict[str, Any] = {
        "party": row.party, "final": row.final, "route": row.route.value,
        "next_hop": row.next_hop, "envelope_id": row.envelope_id, "stream": row.stream,
        "at_s": row.at_s, "status": row.status,
    }
    if row.direction == "received":
        entry["originator"] = row.originator
    return entry


class Custody:
    """The custody ledger of one node (read side).

    Parameters:
        ctx: the node's shared state.
    """

    def __init__(self, ctx: NodeContext) -> None:
        self.ctx = ctx

    def rows(self, item_id: str) -> list[CustodyRow]:
        """The item's custody records, oldest first."""
        with self.ctx.ledger.lock:
            return self.ctx.ledger.store.custody(item_id)

    def originator_of(self, item_id: str) -> str | None:
        """The item's Originating Party as this node knows it (its own item: this party;
        one received: the signer of its label), or None when it never had the item."""
        store = self.ctx.ledger.store
        if store.local_item(item_id) is not None:
            return self.ctx.party
        rows = store.inbox(kind="item", item_id=item_id)
        return rows[0].originator if rows else None

    def view(self, item_id: str) -> dict[str, Any]:
        """``{"item_id", "party", "originator", "released_to": [...], "received_from":
        [...], "holders": [...]}``: every release and receipt (:func:`custody_entry`), and
        the parties holding the item through this node (:meth:`holders`).

        Raises:
            InputError: this node never had the item.
        """
        with self.ctx.ledger.lock:
            originator = self.originator_of(item_id)
            if originator is None:
                raise InputError("item_id", item_id, f"no such item at {self.ctx.party}")
            rows = self.rows(item_id)
            holders = [r.final for r in self.holders(item_id)]
        return {
            "item_id": item_id, "party": self.ctx.party, "originator": originator,
            "released_to": [custody_entry(r) for r in rows if r.direction == "released"],
            "received_from": [custody_entry(r) for r in rows if r.direction == "received"],
            "holders": holders,
        }

    def holders(self, item_id: str) -> list[CustodyRow]:
        """Per final recipient (other than this party and the originator), the latest
        release of the item by this node that was not refused: where a notice on the
        item goes, by the same route and hop (Art. 6(d)–(h)). A hub's relay of an item
        for its final recipient counts (the hub released it on)."""
        originator = self.originator_of(item_id)
        latest: dict[str, CustodyRow] = {}
        for row in self.rows(item_id):
            if (row.direction == "released" and row.status != "rejected"
                    and row.final not in (self.ctx.party, originator)):
                latest[row.final] = row
        return [latest[p] for p in sorted(latest)]

    def path_back(self, item_id: str) -> tuple[str, str, Route, str]:
        """``(originator, next_hop, route, stream)`` for a message from this holder to the
        item's originator: through the hub when the item came from the hub of a hub
        route, else direct; on this node's control stream.

        Raises:
            InputError: this node holds no received copy of the item.
        """
        rows = [r for r in self.rows(item_id)
                if r.direction == "received" and r.final == self.ctx.party]
        if not rows or rows[-1].originator is None:
            raise InputError("item_id", item_id,
                             f"{self.ctx.party} holds no copy received from its originator")
        last = rows[-1]
        stream = f"control:{self.ctx.party}"
        hub = self.ctx.hub_of(last.route)
        if last.route.is_hub and hub is not None and last.party == hub \
                and hub != last.originator:
            return last.originator, hub, last.route, stream
        return last.originator, last.originator, Route.DIRECT, stream

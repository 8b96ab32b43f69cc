"""What a node released to a party, read page by page from its store (the TAXII feed).

A party's feed is exactly the items this node released to it, i.e. the rows of the
custody ledger (:mod:`gsomia.node.custody_db`) with ``direction = 'released'`` and
``final`` = the party whose envelope is ``pending`` or ``acked`` in the outbox. Each such
row exists only after a release decision permitted it and was audited
(:meth:`gsomia.node.Node.release`), so the feed discloses nothing the envelope path has
not. Left out, whatever the custody says:

- a release by the TISA hub route (``tisa_hub``): on that route a release may be queued
  while it still awaits the originator's approval (TISA para 4), so it is not read as
  permitted here;
- an item with a recall or destroy notice (Art. 6(d)–(h); table ``notices``);
- a received item that is no longer held here (recalled, destroyed: its row's status).

Pages are read by keyset on the indexed columns ``(final, direction, at_s,
envelope_id)`` (index ``custody_released``, created on opening; the store's schema version
is unchanged): a page costs an index range scan of its own rows, never a copy of the
feed. ``at_s`` is the release time [s since the node clock's epoch]: the object's TAXII
``date_added``.

This party's own persons read another feed: the items delivered to this party
(:meth:`Feed.delivered`; inbox rows ``delivered``, by ``(arrived_s, envelope_id)``, index
``inbox_delivered``), each then decided per person by the caller
(:func:`gsomia.node.persons.decide_read`).

Versions. An originator's action that changes an item's marking (``reclassify``,
``downgrade``, ``declassify``; Art. 6(d)-(h); :mod:`gsomia.node.actions`) makes a new
version of it: from the time the action took effect at this node (``notices.at_s`` of
the notice it issued, or of a received notice once ``applied``), the item's STIX
``modified`` is that time (:attr:`FeedRow.version_s`) and its ``date_added`` in each feed
holding it is the later of that time and the release (or arrival) time
(:attr:`FeedRow.at_s`), so a reader paging by ``added_after`` or by the keyset sees it
again, once, with its new marking. The keyset is ``(date_added, envelope_id)``.

Ids: a STIX id's UUID is UUIDv5 of the item id (:func:`gsomia.node.stix.item_stix_id`),
not invertible, so table ``stix_ids (uuid PRIMARY KEY, item_id)`` maps it back; it is
brought up to date (:meth:`Feed.sync_ids`) before a look-up by STIX id.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gsomia.node.items import ReceivedItem
from gsomia.node.stix import NAMESPACE
from gsomia.node.store import InboxRow, Store
from gsomia.sharing.envelope import label_from_dict

__all__ = ["Feed", "FeedRow", "received_item"]

_DDL = """
CREATE INDEX IF NOT EXISTS custody_released ON custody (final, direction, at_s, envelope_id);
CREATE INDEX IF NOT EXISTS inbox_delivered ON inbox (final, status, kind, arrived_s, envelope_id);
CREATE TABLE IF NOT EXISTS stix_ids (
    uuid TEXT PRIMARY KEY,
    item_id TEXT NOT NULL
)
"""

#: When the last marking change of ``{p}item_id`` took effect here [s], or NULL.
_CHANGED = ("(SELECT MAX(n.at_s) FROM notices n WHERE n.item_id = {p}item_id "
            "AND n.action IN ('reclassify', 'downgrade', 'declassify') "
            "AND (n.direction = 'issued' OR n.status = 'applied'))")
#: ``date_added`` of a row: the later of ``{p}{at}`` and its last marking change.
_ADDED = "(CASE WHEN {ch} > {p}{at} THEN {ch} ELSE {p}{at} END)"


def _added(prefix: str, at: str) -> str:
    return _ADDED.format(ch=_CHANGED.format(p=prefix), p=prefix, at=at)


_SELECT = f"""
SELECT {_added("c.", "at_s")}, c.envelope_id, c.item_id, COALESCE(l.label, i.label),
       COALESCE(l.payload, i.payload), {_CHANGED.format(p="c.")}
FROM custody c
JOIN outbox o ON o.envelope_id = c.envelope_id
LEFT JOIN local_items l ON l.item_id = c.item_id
LEFT JOIN inbox i ON l.item_id IS NULL AND i.item_id = c.item_id AND i.kind = 'item'
     AND i.final = ? AND i.status NOT IN ('recalled', 'destroyed')
WHERE c.final = ? AND c.direction = 'released' AND c.route <> 'tisa_hub'
  AND o.status IN ('pending', 'acked')
  AND (l.item_id IS NOT NULL OR i.envelope_id IS NOT NULL)
  AND NOT EXISTS (SELECT 1 FROM notices n WHERE n.item_id = c.item_id
                  AND n.action IN ('recall', 'destroy'))
"""


@dataclass(frozen=True, slots=True)
class FeedRow:
    """One item of a feed.

    Attributes:
        at_s: when it was released or its marking last changed here, the later [s since
            the clock epoch] (TAXII ``date_added``; module docstring).
        envelope_id: the release's envelope (with ``at_s``, the keyset position).
        item_id: the item; label: as stored (JSON); payload_json: the payload's JSON text
            as stored (RFC 8259; not parsed here).
    """

    at_s: float
    envelope_id: str
    item_id: str
    label: dict[str, Any]
    payload_json: str
    version_s: float | None = None
    """When its marking last changed here [s since the clock epoch] (STIX ``modified``),
    or None (never: ``modified`` is ``created``)."""

    @property
    def payload(self) -> dict[str, Any]:
        """The payload, parsed."""
        return json.loads(self.payload_json)


def _row(r: tuple) -> FeedRow:
    return FeedRow(float(r[0]), r[1], r[2], json.loads(r[3]), r[4],
                   None if r[5] is None else float(r[5]))


class Feed:
    """The released items of a node of ``party`` held in ``store`` (module docstring).

    Raises:
        StoreError: the database refused the index or a read.
    """

    def __init__(self, store: Store, party: str) -> None:
        self.store = store
        self.party = party
        with store.transaction():
            store.db.script(_DDL)

    def _keyset(self, sql: str, args: list[Any], prefix: str, at: str,
                after: tuple[float, str] | None, added_after_s: float | None,
                item_ids: list[str] | None, limit: int) -> list[tuple]:
        """``sql`` narrowed to the rows strictly after ``after`` (by date added, then
        ``envelope_id``), added strictly after ``added_after_s``, of ``item_ids`` when
        given; ordered, at most ``limit``. ``prefix``: the table's alias and a dot; the
        date added: the later of column ``at`` and the last marking change (module
        docstring). Two keyset reads merged: the rows whose marking did not change after
        ``at`` (date added = ``at``: the index order) and the few that did (sorted)."""
        if item_ids is not None and not item_ids:
            return []
        changed = (f"EXISTS (SELECT 1 FROM notices n WHERE n.item_id = {prefix}item_id "
                   "AND n.action IN ('reclassify', 'downgrade', 'declassify') "
                   "AND (n.direction = 'issued' OR n.status = 'applied') "
                   f"AND n.at_s > {prefix}{at})")
        marked = [r[0] for r in self.store.db.fetchall(
            "SELECT DISTINCT item_id FROM notices WHERE action IN "
            "('reclassify', 'downgrade', 'declassify') "
            "AND (direction = 'issued' OR status = 'applied')")]
        among = f"{prefix}item_id IN ({', '.join('?' * len(marked))})"
        rows: list[tuple] = []
        for cond, key, of in ((f"(NOT {among} OR NOT {changed})", f"{prefix}{at}", marked),
                              (f"{among} AND {changed}", _added(prefix, at), marked)):
            if not marked:  # no marking changed: the index order alone
                cond, of = "1 = 1", []
            part, part_args = f"{sql} AND {cond}", [*args, *of]
            if added_after_s is not None:
                part += f" AND {key} > ?"
                part_args.append(added_after_s)
            if after is not None:
                part += f" AND ({key} > ? OR ({key} = ? AND {prefix}envelope_id > ?))"
                part_args += [after[0], after[0], after[1]]
            if item_ids is not None:
                part += f" AND {prefix}item_id IN ({', '.join('?' * len(item_ids))})"
                part_args += item_ids
            part += f" ORDER BY {key}, {prefix}envelope_id LIMIT ?"
            rows += self.store.db.fetchall(part, [*part_args, int(limit)])
            if not marked:
                break
        return sorted(rows, key=lambda r: (float(r[0]), r[1]))[:limit]

    def page(self, to: str, *, after: tuple[float, str] | None = None,
             added_after_s: float | None = None, item_ids: list[str] | None = None,
             limit: int = 100) -> list[FeedRow]:
        """Up to ``limit`` items released to ``to``, by (release time, envelope id),
        strictly after the keyset position ``after``, released strictly after
        ``added_after_s`` [s since the clock epoch], of ``item_ids`` only when given."""
        return [_row(r) for r in self._keyset(_SELECT, [self.party, to], "c.", "at_s", after,
                                              added_after_s, item_ids, limit)]

    def delivered(self, *, after: tuple[float, str] | None = None,
                  added_after_s: float | None = None, item_ids: list[str] | None = None,
                  limit: int = 100,
                  check: Callable[[InboxRow], bool] | None = None
                  ) -> list[tuple[InboxRow, float, float | None]]:
        """Up to ``limit`` items delivered to this party, by (date added: the arrival
        time or the last marking change, the later [s since the clock epoch]; envelope
        id), strictly after ``after``, added strictly after ``added_after_s``, of
        ``item_ids`` only when given; a row ``check`` refuses (the node's witness:
        altered since it was signed) is left out. Each as ``(row, date added, last
        marking change or None)``."""
        found = self._keyset(
            f"SELECT {_added('i.', 'arrived_s')}, i.envelope_id, {_CHANGED.format(p='i.')} "
            "FROM inbox i WHERE i.final = ? AND i.status = 'delivered' "
            "AND i.kind = 'item'", [self.party], "i.", "arrived_s", after, added_after_s,
            item_ids, limit)
        rows = [(self.store.inbox_row(r[1]), float(r[0]),
                 None if r[2] is None else float(r[2])) for r in found]
        return [(r, a, v) for r, a, v in rows
                if r is not None and (check is None or check(r))]

    def sync_ids(self) -> None:
        """Map the STIX UUID of every released item not mapped yet (table ``stix_ids``)."""
        missing = self.store.db.fetchall(
            "SELECT DISTINCT item_id FROM custody WHERE item_id NOT IN "
            "(SELECT item_id FROM stix_ids)")
        if not missing:
            return
        with self.store.transaction():
            for (item_id,) in missing:
                self.store.db.execute(
                    "INSERT INTO stix_ids (uuid, item_id) VALUES (?, ?) "
                    "ON CONFLICT (uuid) DO NOTHING",
                    (str(uuid.uuid5(NAMESPACE, "item:" + item_id)), item_id))

    def item_ids(self, stix_ids: list[str]) -> list[str]:
        """The item ids of STIX ids (``<type>--<uuid>``; unknown ones are left out)."""
        uuids = [s.partition("--")[2] for s in stix_ids]
        if not uuids:
            return []
        self.sync_ids()
        rows = self.store.db.fetchall(
            f"SELECT item_id FROM stix_ids WHERE uuid IN ({', '.join('?' * len(uuids))})",
            uuids)
        return [r[0] for r in rows]


def received_item(row: InboxRow, party: str) -> ReceivedItem:
    """A delivered inbox row as the item a node hands out (holder: ``party``), as
    :meth:`gsomia.node.Node.items` gives it."""
    label = dataclasses.replace(label_from_dict(row.label or {}), holder=party)
    return ReceivedItem(
        item_id=label.item_id, originator=row.originator, sender=row.sender,
        route=row.route, label=label, marking=row.marking or {}, payload=row.payload,
        sent_at=dt.datetime.fromisoformat(row.sent_at), arrived_s=row.arrived_s,
        envelope_id=row.envelope_id)

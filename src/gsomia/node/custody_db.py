"""The custody and originator-control tables of a node's store, and their methods.

Kept apart from :mod:`gsomia.node.store` (which mixes :class:`CustodyTables` into its
:class:`~gsomia.node.Store`); the tables are described in that module's docstring:
``custody`` (per item, every release by this node and every receipt, written in the
release's or receipt's own transaction), ``notices`` (originator notices issued or
received, Art. 6(d)–(h)), ``notice_acks`` (per notice and holder, the signed
acknowledgement or ``pending``) and ``cases`` (loss or compromise, Art. 17).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from gsomia.sharing.audit_hash import canonical_json
from gsomia.sharing.routes import Route
from gsomia.sharing.sqldb import Database

__all__ = ["CUSTODY_SCHEMA", "CustodyRow", "CustodyTables", "custody_received",
           "custody_released"]


def _dumps(obj: Any) -> str:
    return canonical_json(obj)


def _canonical(value: Any) -> str:
    """A route as stored: its canonical spelling."""
    return Route.parse(value).value


#: The tables (templated by :class:`~gsomia.sharing.sqldb.Database` types).
CUSTODY_SCHEMA = """
CREATE TABLE IF NOT EXISTS custody (
    envelope_id TEXT PRIMARY KEY,
    item_id TEXT NOT NULL,
    direction TEXT NOT NULL,
    party TEXT NOT NULL,
    final TEXT NOT NULL,
    route TEXT NOT NULL,
    next_hop TEXT NOT NULL,
    originator TEXT,
    stream TEXT NOT NULL,
    at_s {real} NOT NULL
);
CREATE INDEX IF NOT EXISTS custody_item ON custody (item_id);
CREATE TABLE IF NOT EXISTS notices (
    {rowid}
    notice_id TEXT PRIMARY KEY,
    item_id TEXT NOT NULL,
    originator TEXT NOT NULL,
    action TEXT NOT NULL,
    new_classification TEXT,
    seq INTEGER NOT NULL,
    issued_at TEXT NOT NULL,
    jws TEXT NOT NULL,
    direction TEXT NOT NULL,
    sender TEXT,
    route TEXT,
    status TEXT NOT NULL,
    result TEXT,
    at_s {real} NOT NULL
);
CREATE INDEX IF NOT EXISTS notices_item ON notices (item_id, direction);
CREATE TABLE IF NOT EXISTS notice_acks (
    notice_id TEXT NOT NULL,
    holder TEXT NOT NULL,
    status TEXT NOT NULL,
    marking TEXT,
    ack_jws TEXT,
    at_s {real},
    PRIMARY KEY (notice_id, holder)
);
CREATE TABLE IF NOT EXISTS cases (
    case_id TEXT PRIMARY KEY,
    item_id TEXT NOT NULL,
    originator TEXT NOT NULL,
    holder TEXT NOT NULL,
    side TEXT NOT NULL,
    possible INTEGER NOT NULL,
    what TEXT NOT NULL,
    discovered_at TEXT NOT NULL,
    reported_at TEXT NOT NULL,
    status TEXT NOT NULL,
    findings TEXT,
    preventive_measures TEXT,
    closed_at TEXT,
    history TEXT NOT NULL
);
"""

_CUSTODY_COLS = ("c.envelope_id, c.item_id, c.direction, c.party, c.final, c.route, "
                 "c.next_hop, c.originator, c.stream, c.at_s")
_NOTICE_COLS = ("notice_id, item_id, originator, action, new_classification, seq, "
                "issued_at, jws, direction, sender, route, status, at_s")
_CASE_COLS = ("case_id, item_id, originator, holder, side, possible, what, discovered_at, "
              "reported_at, status, findings, preventive_measures, closed_at, history")


@dataclass(frozen=True, slots=True)
class CustodyRow:
    """One custody record (module docstring, table ``custody``).

    Attributes:
        envelope_id: the envelope of the release or receipt.
        item_id: the item.
        direction: ``released`` (by this node) or ``received`` (by this node).
        party: released: the final recipient; received: the hop sender.
        final: the final recipient of the envelope.
        route: the route (canonical).
        next_hop: released: the party the envelope went to first (the hub on a hub
            route); received: this party.
        originator: received: the item's Originating Party; released: None (read it from
            the item).
        stream: the ordered stream of the envelope.
        at_s: when queued or received [s since the clock epoch].
        status: released: the outbox status (``pending``, ``acked``, ``rejected``);
            received: the inbox status (``arrived``, ``delivered``, ``held``,
            ``forwarded``, ``recalled``, ``destroyed``).
    """

    envelope_id: str
    item_id: str
    direction: str
    party: str
    final: str
    route: Route
    next_hop: str
    originator: str | None
    stream: str
    at_s: float
    status: str | None


def custody_released(envelope_id: str, kind: str, item_id: str | None, final: str,
                      route: Route | str, peer: str, stream: str,
                      at_s: float) -> list[tuple[str, tuple]]:
    """The custody row of a release (items only), for the enqueue's transaction."""
    if kind != "item" or item_id is None:
        return []
    return [("INSERT INTO custody (envelope_id, item_id, direction, party, final, route, "
             "next_hop, originator, stream, at_s) VALUES (?, ?, 'released', ?, ?, ?, ?, "
             "NULL, ?, ?)",
             (envelope_id, item_id, final, final, _canonical(route), peer, stream, at_s))]


def custody_received(row: Any) -> list[tuple[str, tuple]]:
    """The custody row of a receipt (items only), for the accept's transaction."""
    if row.kind != "item" or row.item_id is None:
        return []
    return [("INSERT INTO custody (envelope_id, item_id, direction, party, final, route, "
             "next_hop, originator, stream, at_s) VALUES (?, ?, 'received', ?, ?, ?, ?, ?, "
             "?, ?)",
             (row.envelope_id, row.item_id, row.sender, row.final, _canonical(row.route),
              row.final, row.originator, row.stream, row.arrived_s))]


class CustodyTables:
    """The methods of the custody tables, mixed into :class:`~gsomia.node.Store` (which
    gives ``db``). Every write commits before it returns unless inside the store's
    transaction."""

    db: Database

    def _write(self, statements: list[tuple[str, tuple]]) -> None:
        self.db.write(statements)  # one transaction, run again if the connection was lost


    def custody(self, item_id: str) -> list[CustodyRow]:
        """The custody records of one item, oldest first, each with the status of its
        envelope (released: the outbox status; received: the inbox status)."""
        rows = self.db.fetchall(
            f"SELECT {_CUSTODY_COLS}, COALESCE(o.status, i.status) FROM custody c "
            "LEFT JOIN outbox o ON c.direction = 'released' AND o.envelope_id = c.envelope_id "
            "LEFT JOIN inbox i ON c.direction = 'received' AND i.envelope_id = c.envelope_id "
            "WHERE c.item_id = ? ORDER BY c.at_s, c.envelope_id", (item_id,))
        return [CustodyRow(*r[:5], Route.parse(r[5]), *r[6:]) for r in rows]

    def advance_in_stream(self, sender: str, stream: str, seq: int) -> None:
        """Advance the stream position of ``sender`` without storing a row (a message
        accepted once already, delivered again by another path)."""
        self._write([(
            "INSERT INTO in_streams (sender, stream, last_seq) VALUES (?, ?, ?) "
            "ON CONFLICT(sender, stream) DO UPDATE SET last_seq = excluded.last_seq",
            (sender, stream, seq))])

    def update_inbox_item(self, envelope_id: str, *, status: str | None = None,
                          label: dict[str, Any] | None = None,
                          marking: dict[str, Any] | None = None,
                          remove_content: bool = False) -> None:
        """Change a stored item: its status, label, marking; ``remove_content`` drops its
        payload and the originator's JWS (which carries the payload), keeping the row."""
        sets, args = [], []
        for column, value in (("status", status), ("label", label), ("marking", marking)):
            if value is not None:
                sets.append(f"{column} = ?")
                args.append(value if isinstance(value, str) else _dumps(value))
        if remove_content:
            sets += ["payload = ?", "jws = ?"]
            args += ["{}", ""]
        if sets:
            self._write([(f"UPDATE inbox SET {', '.join(sets)} WHERE envelope_id = ?",
                       (*args, envelope_id))])

    def update_local_label(self, item_id: str, label: dict[str, Any]) -> None:
        """Replace the label of an item this party originated."""
        self._write([("UPDATE local_items SET label = ? WHERE item_id = ?",
                   (_dumps(label), item_id))])

    def add_notice(self, notice: dict[str, Any], *, jws: str, direction: str,
                   sender: str | None, route: Route | str | None, status: str,
                   at_s: float) -> None:
        """Record a notice issued or received (``notice``: its signed payload)."""
        self._write([(
            f"INSERT INTO notices ({_NOTICE_COLS}) VALUES "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (notice["notice_id"], notice["item_id"], notice["originator"], notice["action"],
             notice.get("new_classification"), notice["seq"], notice["issued_at"], jws,
             direction, sender, None if route is None else _canonical(route), status, at_s))])

    def set_notice_status(self, notice_id: str, status: str, result: str | None) -> None:
        """Set a received notice's status: ``applied``, ``superseded``, ``refused``,
        ``not_held``, ``waiting`` (or back to ``received``)."""
        self._write([("UPDATE notices SET status = ?, result = ? WHERE notice_id = ?",
                   (status, result, notice_id))])

    def notices(self, item_id: str | None = None, direction: str | None = None,
                status: str | None = None) -> list[dict[str, Any]]:
        """Notices recorded (optionally of one item, direction, status), in order."""
        if self.db.known_empty("notices"):  # none at all (a private store's kept read)
            return []
        sql = f"SELECT {_NOTICE_COLS}, result FROM notices WHERE 1 = 1"
        args: list[Any] = []
        for column, value in (("item_id", item_id), ("direction", direction),
                              ("status", status)):
            if value is not None:
                sql += f" AND {column} = ?"
                args.append(value)
        names = [*_NOTICE_COLS.split(", "), "result"]
        return [dict(zip(names, r, strict=True))
                for r in self.db.fetchall(sql + " ORDER BY seq, rowid", args)]

    def notice(self, notice_id: str) -> dict[str, Any] | None:
        """One recorded notice, or None."""
        row = self.db.fetchone(
            f"SELECT {_NOTICE_COLS}, result FROM notices WHERE notice_id = ?", (notice_id,))
        names = [*_NOTICE_COLS.split(", "), "result"]
        return None if row is None else dict(zip(names, row, strict=True))

    def expect_ack(self, notice_id: str, holder: str) -> None:
        """Wait for ``holder``'s acknowledgement of ``notice_id`` (``pending``)."""
        self._write([("INSERT INTO notice_acks (notice_id, holder, status) VALUES (?, ?, "
                   "'pending') ON CONFLICT (notice_id, holder) DO NOTHING",
                   (notice_id, holder))])

    def record_ack(self, notice_id: str, holder: str, status: str, marking: str | None,
                   jws: str, at_s: float) -> None:
        """Record a holder's signed acknowledgement (also one not expected: a third party
        the notice reached through a holder)."""
        self._write([(
            "INSERT INTO notice_acks (notice_id, holder, status, marking, ack_jws, at_s) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (notice_id, holder) DO UPDATE SET "
            "status = excluded.status, marking = excluded.marking, "
            "ack_jws = excluded.ack_jws, at_s = excluded.at_s",
            (notice_id, holder, status, marking, jws, at_s))])

    def acks(self, notice_id: str) -> list[dict[str, Any]]:
        """The acknowledgements of one notice, by holder."""
        return [dict(zip(("holder", "status", "marking", "at_s"), r, strict=True))
                for r in self.db.fetchall(
                    "SELECT holder, status, marking, at_s FROM notice_acks "
                    "WHERE notice_id = ? ORDER BY holder", (notice_id,))]

    def put_case(self, case: dict[str, Any]) -> None:
        """Insert or replace a case (``case``: the columns of ``cases``, history a list)."""
        values = tuple(_dumps(case[c]) if c == "history"
                       else int(case[c]) if c == "possible" else case[c]
                       for c in _CASE_COLS.split(", "))
        self._write([(
            f"INSERT INTO cases ({_CASE_COLS}) VALUES ({', '.join('?' * len(values))}) "
            "ON CONFLICT (case_id) DO UPDATE SET "
            + ", ".join(f"{c} = excluded.{c}" for c in _CASE_COLS.split(", ")[1:]),
            values)])

    def cases(self, case_id: str | None = None) -> list[dict[str, Any]]:
        """Cases (or the one ``case_id``), oldest first; history as a list."""
        sql = f"SELECT {_CASE_COLS} FROM cases"
        args: tuple = ()
        if case_id is not None:
            sql += " WHERE case_id = ?"
            args = (case_id,)
        out = []
        for r in self.db.fetchall(sql + " ORDER BY reported_at, case_id", args):
            case = dict(zip(_CASE_COLS.split(", "), r, strict=True))
            case["history"] = json.loads(case["history"])
            case["possible"] = bool(case["possible"])
            out.append(case)
        return out

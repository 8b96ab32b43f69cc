"""A node's store: local items, outbox, inbox, stream positions and consents, in SQL.

The database is SQLite (a file, WAL journal; the default) or PostgreSQL, chosen by URL
(``sqlite:///PATH``, a plain path, or ``postgresql://…``; see
:class:`gsomia.sharing.sqldb.Database`). By default the node keeps its audit log in the
same database, so that a receipt's rows and its audit records commit in one transaction
(:meth:`Store.transaction`).

Schema version 1 (SQLite: ``PRAGMA user_version``; PostgreSQL: table ``gsomia_meta``).
Tables:

``local_items``  items this party originated (label and payload as JSON).
``outbox``       sealed envelopes to send, in order (``id``), with their hop recipient
                 (``peer``), stream and sequence number, attempts, next try time
                 [s since the clock epoch] and status ``pending`` → ``acked`` | ``rejected``.
                 A row is written (and committed) before any send is tried.
``out_streams``  last sequence number used per (peer, stream).
``inbox``        every accepted envelope, unique by ``envelope_id`` and by
                 ``(originator, msg_id)``: label, payload, the marking applied on receipt
                 (Art. 4(2)), the originator's JWS, arrival time and status ``arrived`` →
                 ``delivered`` (final recipient) or ``held`` → ``forwarded`` (hub).
                 Indexed by ``(item_id, status)``: a hub finds the held rows of one item
                 without reading the others (the index is created on opening, also in a
                 store written before it existed; the schema version is unchanged).
``in_streams``   last sequence number accepted per (sender, stream).
``consents``     originators' consents known to this node (Art. 6), with their JWS.
``witness``      checkpoints of audit logs (:mod:`gsomia.node.witness`): ``role`` ``seen``:
                 a sender's checkpoint this node cosigned, with its cosignature; ``by``:
                 this node's checkpoint a partner cosigned. Unique by (role, party, size).
``item_leaves``  the audit record (``seq``) of each own item's ``item.created``, whose body
                 holds the item's SHA-256 (checked on read).

Custody and originator control (methods in :mod:`gsomia.node.custody_db`; created
on opening, also in a store written before they existed; the schema version is
unchanged):

``custody``      per item, every release by this node (``direction = 'released'``: final
                 recipient ``party``, route, next hop, envelope id, stream, time), written
                 by :meth:`Store.enqueue` in the release's transaction, and every item
                 received (``'received'``: hop sender ``party``, originator, route), written
                 by :meth:`Store.accept` in the receipt's transaction.
``notices``      originator notices (Art. 6(d)–(h)) issued (``direction = 'issued'``) or
                 received (``'received'``), with the originator's JWS, ``seq`` and status
                 (received: ``received`` → ``applied`` | ``superseded`` | ``refused`` |
                 ``not_held``; ``waiting`` for an item not arrived yet).
``notice_acks``  per issued notice and holder: ``pending`` until the holder's signed
                 acknowledgement arrives (then its status and the holder's marking).
``cases``        loss or compromise cases (Art. 17), at the holder (``side = 'holder'``)
                 and at the originator (``'originator'``): status ``open`` →
                 ``investigated`` → ``closed``, with a JSON history of each step.

An item row of ``inbox`` a holder was told to recall or destroy ends ``recalled`` or
``destroyed``, its payload ``{}`` and its JWS empty (the fact stays, not the content).

Routes (column ``route`` of the outbox and the inbox) are written in their canonical
spelling (:class:`~gsomia.sharing.Route`: ``direct``, ``tisa_hub``, ``auto_hub``) and read
back as :class:`~gsomia.sharing.Route`; a store written before (``tisa``, ``auto-hub``)
reads the same.

Every write method commits before it returns, unless called inside
:meth:`Store.transaction`, whose outermost block commits (or rolls back) all of it. Calls
are serialised by the database's lock, so the store may be used from several threads.

Errors: :class:`~gsomia.errors.StoreError` when the database refuses a read or write;
:class:`~gsomia.errors.InputError` when it is not a store of this schema.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gsomia.errors import InputError, StoreError
from gsomia.node.custody_db import (
    CUSTODY_SCHEMA,
    CustodyRow,
    CustodyTables,
    custody_received,
    custody_released,
)
from gsomia.sharing.audit_hash import canonical_json
from gsomia.sharing.routes import Route
from gsomia.sharing.sqldb import Database

__all__ = ["SCHEMA_VERSION", "CustodyRow", "InboxRow", "OutboxRow", "Store", "WitnessRow"]

#: Current schema version (``PRAGMA user_version``).
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS local_items (
    {rowid}
    item_id TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_s {real} NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox (
    id {id},
    envelope_id TEXT NOT NULL UNIQUE,
    peer TEXT NOT NULL,
    final TEXT NOT NULL,
    route TEXT NOT NULL,
    stream TEXT NOT NULL,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    item_id TEXT,
    msg_id TEXT NOT NULL,
    wire TEXT NOT NULL,
    queued_s {real} NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_try_s {real} NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    result TEXT
);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (status, id);
CREATE TABLE IF NOT EXISTS out_streams (
    peer TEXT NOT NULL,
    stream TEXT NOT NULL,
    last_seq INTEGER NOT NULL,
    PRIMARY KEY (peer, stream)
);
CREATE TABLE IF NOT EXISTS inbox (
    {rowid}
    envelope_id TEXT PRIMARY KEY,
    msg_id TEXT NOT NULL,
    originator TEXT NOT NULL,
    sender TEXT NOT NULL,
    kind TEXT NOT NULL,
    item_id TEXT,
    route TEXT NOT NULL,
    final TEXT NOT NULL,
    stream TEXT NOT NULL,
    seq INTEGER NOT NULL,
    label TEXT,
    payload TEXT NOT NULL,
    marking TEXT,
    jws TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    arrived_s {real} NOT NULL,
    status TEXT NOT NULL,
    UNIQUE (originator, msg_id)
);
CREATE INDEX IF NOT EXISTS inbox_item ON inbox (item_id, status);
CREATE TABLE IF NOT EXISTS in_streams (
    sender TEXT NOT NULL,
    stream TEXT NOT NULL,
    last_seq INTEGER NOT NULL,
    PRIMARY KEY (sender, stream)
);
CREATE TABLE IF NOT EXISTS consents (
    {rowid}
    consent_id TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    jws TEXT
);
"""

# --- audit-log witnessing (gsomia.node.witness): created on opening, version unchanged ---
_SCHEMA += """;
CREATE TABLE IF NOT EXISTS witness (
    role TEXT NOT NULL,
    party TEXT NOT NULL,
    size INTEGER NOT NULL,
    root TEXT NOT NULL,
    note TEXT NOT NULL,
    cosignature TEXT,
    at TEXT NOT NULL,
    PRIMARY KEY (role, party, size)
);
CREATE TABLE IF NOT EXISTS item_leaves (
    item_id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL
)
"""
#: A row of table ``witness``: (role, party, size, root, note, cosignature, at).
WitnessRow = tuple[str, str, int, str, str, str | None, str]
# --- end of the witnessing block ---


def _dumps(obj: Any) -> str:
    return canonical_json(obj)


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """One outbox entry (see module docstring)."""

    id: int
    envelope_id: str
    peer: str
    final: str
    route: Route
    stream: str
    seq: int
    kind: str
    item_id: str | None
    msg_id: str
    wire: dict[str, Any]
    queued_s: float
    attempts: int
    next_try_s: float
    status: str
    result: str | None


@dataclass(frozen=True, slots=True)
class InboxRow:
    """One accepted envelope (see module docstring)."""

    envelope_id: str
    msg_id: str
    originator: str
    sender: str
    kind: str
    item_id: str | None
    route: Route
    final: str
    stream: str
    seq: int
    label: dict[str, Any] | None
    payload: dict[str, Any]
    marking: dict[str, Any] | None
    jws: str
    sent_at: str
    arrived_s: float
    status: str


_OUT_COLS = (
    "id, envelope_id, peer, final, route, stream, seq, kind, item_id, msg_id, wire, queued_s, "
    "attempts, next_try_s, status, result"
)
_IN_COLS = (
    "envelope_id, msg_id, originator, sender, kind, item_id, route, final, stream, seq, label, "
    "payload, marking, jws, sent_at, arrived_s, status"
)


def _route(value: Any) -> str:
    """A route as stored: its canonical spelling (any spelling :meth:`Route.parse` takes)."""
    return Route.parse(value).value


def _out(row: tuple) -> OutboxRow:
    values = list(row)
    values[4] = Route.parse(values[4])
    values[10] = json.loads(values[10])
    return OutboxRow(*values)


def _in(row: tuple, written: tuple[str, dict[str, Any]] | None = None) -> InboxRow:
    """An inbox row read; ``written``: ``(payload text, payload)`` as :meth:`Store.accept`
    wrote them (the payload as parsed from its signed JSON, equal to the text parsed
    again), standing for the text read back unchanged."""
    values = list(row)
    values[6] = Route.parse(values[6])
    for i in (10, 11, 12):
        if i == 11 and written is not None and values[i] == written[0]:
            values[i] = written[1]
        else:
            values[i] = None if values[i] is None else json.loads(values[i])
    return InboxRow(*values)


class Store(CustodyTables):
    """A node's store (schema in the module docstring).

    Parameters:
        path: a database URL (``sqlite:///PATH``, ``postgresql://…``), a SQLite file path
            (created when missing), ``":memory:"``, or an open
            :class:`~gsomia.sharing.sqldb.Database` to share.

    Attributes:
        db: the database; path: the SQLite file, or the URL (PostgreSQL).

    Raises:
        InputError: the database is not a store of this schema, or of a newer version.
        StoreError: the database cannot be opened or reached.
    """

    def __init__(self, path: str | Path | Database) -> None:
        self.db = path if isinstance(path, Database) else Database(path)
        self.path = self.db.path if self.db.path is not None else self.db.url
        # payload of the inbox rows accepted and not read back yet, with its text: the
        # first read of a row whose payload is unchanged takes it instead of parsing
        self._written: dict[str, tuple[str, dict[str, Any]]] = {}
        try:
            with self.db.transaction():
                version = self.db.user_version("store")
                if version > SCHEMA_VERSION:
                    raise InputError(
                        "store.schema_version", version, f"newer than supported {SCHEMA_VERSION}"
                    )
                self.db.script(_SCHEMA)
                self.db.script(CUSTODY_SCHEMA)
            self.db.set_user_version("store", SCHEMA_VERSION)
        except StoreError as exc:
            raise InputError("store.path", self.db.display, f"not a node store: {exc}") from None

    @property
    def url(self) -> str:
        """The database URL or path as given."""
        return self.db.url

    @property
    def schema_version(self) -> int:
        """The schema version stored in the database."""
        return self.db.user_version("store")

    def close(self) -> None:
        """Close the connection."""
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """Group several writes (and audit records in the same database) into one
        transaction: all are committed at the end of the block, or none."""
        with self.db.transaction():
            yield self

    def _tx(self, statements: list[tuple[str, tuple]]) -> None:
        self.db.write(statements)  # one transaction, run again if the connection was lost

    # local items ----------------------------------------------------------------------
    def add_local_item(
        self, item_id: str, label: dict[str, Any], payload: dict[str, Any], created_s: float
    ) -> None:
        """Store an item this party originated (no-op if the id exists with the same data)."""
        self._tx([(
            "INSERT INTO local_items (item_id, label, payload, created_s) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (item_id) DO NOTHING",
            (item_id, _dumps(label), _dumps(payload), created_s),
        )])

    def local_item(self, item_id: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """``(label, payload)`` of a local item, or None."""
        row = self.db.fetchone(
            "SELECT label, payload FROM local_items WHERE item_id = ?", (item_id,)
        )
        return None if row is None else (json.loads(row[0]), json.loads(row[1]))

    def local_items(self) -> list[tuple[str, dict[str, Any], dict[str, Any], float]]:
        """All local items as ``(item_id, label, payload, created_s)``, oldest first."""
        return [
            (r[0], json.loads(r[1]), json.loads(r[2]), r[3])
            for r in self.db.fetchall(
                "SELECT item_id, label, payload, created_s FROM local_items ORDER BY rowid"
            )
        ]

    # outbox ---------------------------------------------------------------------------
    def next_seq(self, peer: str, stream: str) -> int:
        """The next sequence number for (peer, stream) (not reserved until enqueued)."""
        row = self.db.fetchone(
            "SELECT last_seq FROM out_streams WHERE peer = ? AND stream = ?", (peer, stream)
        )
        return 1 if row is None else row[0] + 1

    def enqueue(
        self,
        *,
        envelope_id: str,
        peer: str,
        final: str,
        route: Route | str,
        stream: str,
        seq: int,
        kind: str,
        item_id: str | None,
        msg_id: str,
        wire: dict[str, Any],
        queued_s: float,
    ) -> None:
        """Persist one envelope to send and reserve its sequence number (one transaction)."""
        self._tx([
            (
                f"INSERT INTO outbox ({_OUT_COLS[4:]}) VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, 'pending', NULL)",
                (envelope_id, peer, final, _route(route), stream, seq, kind, item_id, msg_id,
                 _dumps(wire), queued_s, queued_s),
            ),
            (
                "INSERT INTO out_streams (peer, stream, last_seq) VALUES (?, ?, ?) "
                "ON CONFLICT(peer, stream) DO UPDATE SET last_seq = excluded.last_seq",
                (peer, stream, seq),
            ),
            *custody_released(envelope_id, kind, item_id, final, route, peer, stream,
                               queued_s),
        ])

    def pending(self) -> list[OutboxRow]:
        """Pending entries in queue order."""
        return [
            _out(r)
            for r in self.db.fetchall(
                f"SELECT {_OUT_COLS} FROM outbox WHERE status = 'pending' ORDER BY id"
            )
        ]

    def outbox(self) -> list[OutboxRow]:
        """Every outbox entry in queue order."""
        return [_out(r) for r in self.db.fetchall(f"SELECT {_OUT_COLS} FROM outbox ORDER BY id")]

    def outbox_route(self, envelope_id: str) -> Route | None:
        """The route of the outbox entry that holds ``envelope_id`` (canonical), or None if
        there is none."""
        row = self.db.fetchone("SELECT route FROM outbox WHERE envelope_id = ?", (envelope_id,))
        return None if row is None else Route.parse(row[0])

    def mark_sent(self, row_id: int, status: str, result: str) -> None:
        """Close an entry as ``acked`` or ``rejected`` with the receipt as JSON text."""
        self._tx([(
            "UPDATE outbox SET status = ?, result = ?, attempts = attempts + 1 WHERE id = ?",
            (status, result, row_id),
        )])

    def mark_retry(self, row_id: int, next_try_s: float, error: str) -> None:
        """Count a failed attempt and set the next try time."""
        self._tx([(
            "UPDATE outbox SET attempts = attempts + 1, next_try_s = ?, result = ? WHERE id = ?",
            (next_try_s, error, row_id),
        )])

    # inbox ----------------------------------------------------------------------------
    def has_envelope(self, envelope_id: str) -> bool:
        """True if an envelope with this id was accepted."""
        return self.db.fetchone(
            "SELECT 1 FROM inbox WHERE envelope_id = ?", (envelope_id,)
        ) is not None

    def envelope_of(self, originator: str, msg_id: str) -> str | None:
        """The envelope id under which (originator, msg_id) was accepted, or None."""
        row = self.db.fetchone(
            "SELECT envelope_id FROM inbox WHERE originator = ? AND msg_id = ?",
            (originator, msg_id),
        )
        return None if row is None else row[0]

    def last_in_seq(self, sender: str, stream: str) -> int:
        """The last sequence number accepted from ``sender`` on ``stream`` (0 if none)."""
        row = self.db.fetchone(
            "SELECT last_seq FROM in_streams WHERE sender = ? AND stream = ?", (sender, stream)
        )
        return 0 if row is None else row[0]

    def accept(self, row: InboxRow) -> None:
        """Store an accepted envelope and advance its stream position (one transaction)."""
        texts = (None if row.label is None else _dumps(row.label), _dumps(row.payload))
        self._tx([
            (
                f"INSERT INTO inbox ({_IN_COLS}) VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (row.envelope_id, row.msg_id, row.originator, row.sender, row.kind, row.item_id,
                 _route(row.route), row.final, row.stream, row.seq, *texts,
                 None if row.marking is None else _dumps(row.marking), row.jws, row.sent_at,
                 row.arrived_s, row.status),
            ),
            (
                "INSERT INTO in_streams (sender, stream, last_seq) VALUES (?, ?, ?) "
                "ON CONFLICT(sender, stream) DO UPDATE SET last_seq = excluded.last_seq",
                (row.sender, row.stream, row.seq),
            ),
            *custody_received(row),
        ])
        with self.db.lock:  # the row as written, for its one read back (inbox_row)
            if len(self._written) >= 1024:
                del self._written[next(iter(self._written))]
            self._written[row.envelope_id] = (texts[1], row.payload)

    def first_copy(self, item_id: str, final: str, originator: str) -> str | None:
        """The envelope id of the first item copy of ``item_id`` from ``originator``
        accepted for final recipient ``final`` (arrival order), or None."""
        rows = self.db.fetchall(  # few rows (by index): the first taken here, not sorted
            "SELECT rowid, envelope_id FROM inbox WHERE item_id = ? AND kind = 'item' "
            "AND final = ? AND originator = ?", (item_id, final, originator))
        return min(rows)[1] if rows else None

    def item_payloads(self, after: int = 0) -> list[tuple[int, str, dict[str, Any], str]]:
        """``(row, item_id, payload, jws)`` of every item accepted after inbox row ``after``
        (0: all), in arrival order (what a node's re-origination check reads)."""
        return [(r[0], r[1], json.loads(r[2]), r[3]) for r in self.db.fetchall(
            "SELECT rowid, item_id, payload, jws FROM inbox WHERE kind = 'item' AND rowid > ? "
            "ORDER BY rowid", (after,))]

    def set_status(self, envelope_id: str, status: str) -> None:
        """Change an inbox entry's status."""
        self._tx([("UPDATE inbox SET status = ? WHERE envelope_id = ?", (status, envelope_id))])

    def inbox_row(self, envelope_id: str) -> InboxRow | None:
        """One inbox entry, or None (its payload, when unchanged since :meth:`accept` wrote
        it, is the object written, handed out once)."""
        row = self.db.fetchone(
            f"SELECT {_IN_COLS} FROM inbox WHERE envelope_id = ?", (envelope_id,)
        )
        with self.db.lock:
            written = self._written.pop(envelope_id, None)
        return None if row is None else _in(row, written)

    def inbox(self, status: str | None = None, kind: str | None = None,
              item_id: str | None = None) -> list[InboxRow]:
        """Inbox entries in arrival order, optionally of one status, kind and item."""
        sql = f"SELECT {_IN_COLS} FROM inbox WHERE 1 = 1"
        args: list[Any] = []
        if item_id is not None:
            sql += " AND item_id = ?"
            args.append(item_id)
        if status is not None:
            sql += " AND status = ?"
            args.append(status)
        if kind is not None:
            sql += " AND kind = ?"
            args.append(kind)
        return [_in(r) for r in self.db.fetchall(sql + " ORDER BY rowid", args)]

    # consents -------------------------------------------------------------------------
    def add_consent(self, consent_id: str, body: dict[str, Any], jws: str | None) -> None:
        """Record a consent (replaces one with the same id, e.g. on revocation)."""
        self._tx([(
            "INSERT INTO consents (consent_id, body, jws) VALUES (?, ?, ?) "
            "ON CONFLICT(consent_id) DO UPDATE SET body = excluded.body, jws = excluded.jws",
            (consent_id, _dumps(body), jws),
        )])

    def consents(self) -> list[tuple[dict[str, Any], str | None]]:
        """All recorded consents as ``(body, jws)``."""
        return [
            (json.loads(b), j)
            for b, j in self.db.fetchall("SELECT body, jws FROM consents ORDER BY rowid")
        ]

    # --- audit-log witnessing (gsomia.node.witness) ---------------------------------------
    def put_checkpoint(self, row: WitnessRow) -> None:
        """Record a checkpoint (table ``witness``; replaces the one of the same role,
        party and size)."""
        self._tx([(
            "INSERT INTO witness (role, party, size, root, note, cosignature, at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (role, party, size) DO UPDATE SET "
            "root = excluded.root, note = excluded.note, cosignature = excluded.cosignature, "
            "at = excluded.at", tuple(row),
        )])

    def checkpoint(self, role: str, party: str, size: int | None = None) -> WitnessRow | None:
        """The checkpoint of ``role`` and ``party`` at ``size`` (None: the largest)."""
        sql = ("SELECT role, party, size, root, note, cosignature, at FROM witness "
               "WHERE role = ? AND party = ?")
        if size is None:
            row = self.db.fetchone_kept("witness", sql + " ORDER BY size DESC LIMIT 1",
                                        (role, party))
        else:
            row = self.db.fetchone_kept("witness", sql + " AND size = ?", (role, party, size))
        return None if row is None else tuple(row)  # type: ignore[return-value]

    def put_item_leaf(self, item_id: str, seq: int) -> None:
        """Record the audit record ``seq`` of own item ``item_id``'s creation."""
        self._tx([("INSERT INTO item_leaves (item_id, seq) VALUES (?, ?) "
                   "ON CONFLICT (item_id) DO NOTHING", (item_id, seq))])

    def item_leaf(self, item_id: str) -> int | None:
        """The audit record of own item ``item_id``'s creation, or None."""
        row = self.db.fetchone("SELECT seq FROM item_leaves WHERE item_id = ?", (item_id,))
        return None if row is None else int(row[0])

"""A tamper-evident, append-only audit log in SQL (a hash chain with a signed-off head).

Every decision, release, receipt, consent, originator action and compromise report is
appended as a record ``(seq, at, kind, body)``. Each record stores

    hash_n = SHA-256( "gsomia-audit-v1" ‖ 0x00 ‖ hash_{n-1} ‖ canonical JSON of
             {"seq": n, "at": at, "kind": kind, "body": body} )

with ``hash_0`` = 32 zero bytes (hex), and a one-row ``head`` table holds the count and the
last hash, written in the same transaction. Changing any stored field breaks that record's
hash; deleting or reordering records breaks the sequence or the links; deleting the last
records disagrees with the head. (Whoever can rewrite the whole file *and* the head can
forge a consistent log: publish or countersign the head elsewhere to detect that.)

Writes are transactions (``BEGIN IMMEDIATE`` … ``COMMIT``): a batch is all there or none
of it is. The log lives in its own SQLite file, or in a
:class:`~gsomia.sharing.sqldb.Database` shared with other tables (a node's store, SQLite
or PostgreSQL): an append made inside that database's
:meth:`~gsomia.sharing.sqldb.Database.transaction` joins it, so the audited change and its
record commit together. On PostgreSQL the head row is locked (``SELECT … FOR UPDATE``)
for the length of an append, so concurrent writers chain one after the other.
Canonical JSON: sorted keys, no spaces, UTF-8 (not ASCII-escaped).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gsomia.errors import AuditError, StoreError
from gsomia.sharing.sqldb import Database

__all__ = ["GENESIS", "AuditLog", "AuditRecord", "Verification", "record_hash", "verify_log"]

#: The link before the first record.
GENESIS = "0" * 64
_DOMAIN = b"gsomia-audit-v1\x00"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    count INTEGER NOT NULL,
    hash TEXT NOT NULL
);
"""


def _canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def record_hash(prev_hash: str, seq: int, at: str, kind: str, body: str) -> str:
    """The hex SHA-256 of one record chained to ``prev_hash`` (formula in module docstring)."""
    payload = _canonical({"seq": seq, "at": at, "kind": kind, "body": json.loads(body)})
    return hashlib.sha256(_DOMAIN + prev_hash.encode() + payload.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One stored record (``body`` is the parsed JSON object)."""

    seq: int
    at: str
    kind: str
    body: dict[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class Verification:
    """Outcome of :func:`verify_log`.

    Attributes:
        ok: True when every record and the head check out.
        count: records read.
        head: the last record's hash (the value to publish), or GENESIS when empty.
        failed_seq: sequence number of the first failing record, or None.
        reason: what failed, or ``"intact"``.
    """

    ok: bool
    count: int
    head: str
    failed_seq: int | None
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "ok": self.ok,
            "count": self.count,
            "head": self.head,
            "failed_record": self.failed_seq,
            "reason": self.reason,
        }


class AuditLog:
    """An append-only audit log; use as a context manager.

    Parameters:
        path: the SQLite file (created with its tables when missing), or an open
            :class:`~gsomia.sharing.sqldb.Database` (SQLite or PostgreSQL) to share with
            other tables, e.g. a node's store.

    The log may be used from several threads: its one connection is opened with
    ``check_same_thread=False`` and every statement and transaction holds the database's
    re-entrant lock (:attr:`Database.lock <gsomia.sharing.sqldb.Database.lock>`).

    Attributes:
        path: the SQLite file, or None on PostgreSQL; db: the database.

    Raises:
        AuditError: the file cannot be opened as an audit log.
    """

    def __init__(self, path: str | Path | Database) -> None:
        try:
            self.db = path if isinstance(path, Database) else Database(Path(path))
            self.path = None if self.db.path is None else Path(self.db.path)
            with self.db.transaction():
                self.db.script(_SCHEMA)
        except StoreError as exc:
            raise AuditError("path", str(path), f"not an audit database: {exc}") from None

    def __enter__(self) -> AuditLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the database connection."""
        self.db.close()

    def append(self, kind: str, body: dict[str, Any], at: dt.datetime) -> AuditRecord:
        """Append one record; see :meth:`append_many`."""
        return self.append_many([(kind, body, at)])[0]

    def append_many(
        self, entries: Iterable[tuple[str, dict[str, Any], dt.datetime]]
    ) -> list[AuditRecord]:
        """Append records in one transaction: all are written, or none.

        Parameters:
            entries: ``(kind, body, at)`` triples; ``body`` a JSON-ready dict, ``at`` an
                aware datetime.

        Raises:
            AuditError: ``kind`` empty, ``at`` naive, ``body`` not JSON-serialisable, or the
                database refuses the write (nothing is written then).
        """
        entries = list(entries)
        db = self.db
        out: list[AuditRecord] = []
        lock = " FOR UPDATE" if db.dialect == "postgresql" else ""
        with db.transaction():
            row = db.fetchone(f"SELECT count, hash FROM head WHERE id = 1{lock}")
            count, prev = row if row else (0, GENESIS)
            for kind, body, at in entries:
                if not isinstance(kind, str) or not kind:
                    raise AuditError("kind", kind, "expected a non-empty string")
                if not isinstance(at, dt.datetime) or at.tzinfo is None:
                    raise AuditError("at", at, "expected an aware datetime")
                try:
                    text = _canonical(body)
                except (TypeError, ValueError) as exc:
                    raise AuditError("body", repr(body)[:80], f"not JSON: {exc}") from None
                count += 1
                stamp = at.astimezone(dt.UTC).isoformat()
                digest = record_hash(prev, count, stamp, kind, text)
                db.execute(
                    "INSERT INTO audit (seq, at, kind, body, prev_hash, hash) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (count, stamp, kind, text, prev, digest),
                )
                out.append(AuditRecord(count, stamp, kind, json.loads(text), prev, digest))
                prev = digest
            db.execute(
                "INSERT INTO head (id, count, hash) VALUES (1, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET count = excluded.count, hash = excluded.hash",
                (count, prev),
            )
        return out

    def records(self) -> Iterator[AuditRecord]:
        """All records in sequence order."""
        for seq, at, kind, body, prev, digest in self.db.fetchall(
            "SELECT seq, at, kind, body, prev_hash, hash FROM audit ORDER BY seq"
        ):
            yield AuditRecord(seq, at, kind, json.loads(body), prev, digest)

    def verify(self) -> Verification:
        """Check every record, the links and the head (see module docstring)."""
        expected_prev = GENESIS
        count = 0
        try:
            # seq is the SQLite rowid (INTEGER PRIMARY KEY): storage order
            rows = self.db.fetchall(
                "SELECT seq, at, kind, body, prev_hash, hash FROM audit ORDER BY seq"
            )
            head = self.db.fetchone("SELECT count, hash FROM head WHERE id = 1")
        except StoreError as exc:
            return Verification(False, 0, GENESIS, None, f"unreadable: {exc}")
        for seq, at, kind, body, prev, digest in rows:
            expected_seq = count + 1
            if seq != expected_seq:
                word = "missing (deleted)" if seq > expected_seq else "out of order"
                return Verification(
                    False,
                    count,
                    expected_prev,
                    expected_seq,
                    f"record {expected_seq} {word}: found record {seq} in its place",
                )
            if prev != expected_prev:
                return Verification(
                    False,
                    count,
                    expected_prev,
                    seq,
                    f"record {seq}: link to the previous record broken",
                )
            try:
                actual = record_hash(prev, seq, at, kind, body)
            except (ValueError, TypeError):
                actual = None
            if actual != digest:
                return Verification(
                    False,
                    count,
                    expected_prev,
                    seq,
                    f"record {seq}: content does not match its hash (edited)",
                )
            expected_prev = digest
            count += 1
        if head is None:
            if count:
                return Verification(False, count, expected_prev, count, "head row missing")
            return Verification(True, 0, GENESIS, None, "intact (empty)")
        head_count, head_hash = head
        if head_count != count or head_hash != expected_prev:
            missing = count + 1 if head_count > count else head_count + 1
            return Verification(
                False,
                count,
                expected_prev,
                missing,
                f"record {missing}: head says {head_count} records ending in "
                f"{head_hash[:12]}…, log has {count} (deleted or appended "
                "outside the log)",
            )
        return Verification(True, count, expected_prev, None, "intact")


def verify_log(path: str | Path) -> Verification:
    """Verify the audit log at ``path``.

    Raises:
        AuditError: ``path`` does not exist or is not an audit database.
    """
    path = Path(path)
    if not path.is_file():
        raise AuditError("path", str(path), "no such audit log")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        conn.close()
    except sqlite3.DatabaseError as exc:
        raise AuditError("path", str(path), f"not an audit database: {exc}") from None
    if "audit" not in tables:
        raise AuditError("path", str(path), "no audit table in this database")
    with AuditLog(path) as log:
        return log.verify()

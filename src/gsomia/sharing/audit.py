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
Before appending, the last record is checked against its hash and the head, so a log
whose end was tampered with is not extended (a full check: :func:`verify_log`).

A file that is a directory, not SQLite, without an ``audit`` table, or whose tables do
not have this schema, is "not an audit log" (:class:`~gsomia.errors.AuditError`), for
reading, verifying and appending alike; errors name the field given (``path`` by
default; the command line passes ``PATH`` or ``--audit``).

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
import functools
import hashlib
import json
import re
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gsomia.errors import AuditError, StoreError
from gsomia.sharing.sqldb import Database

__all__ = [
    "GENESIS",
    "AuditLog",
    "AuditRecord",
    "Verification",
    "check_log_file",
    "record_hash",
    "verify_log",
]

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
#: Columns of the two tables (a table with other columns is not an audit log).
_COLUMNS = {
    "audit": ("seq", "at", "kind", "body", "prev_hash", "hash"),
    "head": ("id", "count", "hash"),
}


def _canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def record_hash(prev_hash: str, seq: int, at: str, kind: str, body: str) -> str:
    """The hex SHA-256 of one record chained to ``prev_hash`` (formula in module docstring).

    ``body`` is the stored JSON text; it is parsed and canonicalised again, so the hash is
    that of the content whatever the text's spacing.

    Raises:
        ValueError: ``body`` is not JSON.
    """
    return _hash_canonical(prev_hash, seq, at, kind, _canonical(json.loads(body)))


@functools.lru_cache(maxsize=256)
def _json_kind(kind: str) -> str:
    return _canonical(kind)


def _json_str(text: str) -> str:
    """``_canonical(text)`` of a string: the ISO times as they are (plain ASCII, nothing
    to escape), record kinds (few, repeated) cached."""
    if _PLAIN.fullmatch(text):
        return f'"{text}"'
    return _json_kind(text) if len(text) <= 64 else _canonical(text)


#: Strings JSON writes as they are between quotes (no escapes): ISO times, record kinds.
_PLAIN = re.compile(r"[0-9A-Za-z:+.\-_]*")


def _str_keys(obj: Any) -> bool:
    """True when every object key in ``obj`` (nested) is a string. Then the canonical
    JSON of ``obj`` is a fixed point (parsing and re-encoding it gives the same text);
    other keys (``{10: …, 9: …}``) are sorted as numbers before they become strings."""
    stack = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for k, v in item.items():
                if not isinstance(k, str):
                    return False
                if isinstance(v, dict | list | tuple):
                    stack.append(v)
        elif isinstance(item, list | tuple):
            stack.extend(v for v in item if isinstance(v, dict | list | tuple))
    return True


def _hash_canonical(prev_hash: str, seq: int, at: str, kind: str, body_text: str) -> str:
    """:func:`record_hash` of a body whose text is a canonical fixed point (``body_text``
    = ``_canonical(json.loads(body_text))``; see :func:`_str_keys`).

    The canonical JSON of ``{"seq", "at", "kind", "body"}`` is written out by hand: with
    sorted keys it is ``{"at":…,"body":<body_text>,"kind":…,"seq":n}``, and a canonical
    object nested in a canonical object is its canonical text, so this equals
    :func:`record_hash` (checked by the tests) without parsing and re-encoding the body.
    """
    payload = (f'{{"at":{_json_str(at)},"body":{body_text},"kind":{_json_str(kind)},'
               f'"seq":{int(seq)}}}')
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
        failed_seq: sequence number of the first failing (or missing) record, or None
            (intact, or only the head row is wrong).
        reason: what failed, or ``"intact"``.
        failed_at: where the check failed: ``"record N"`` or ``"head"`` (None when ok).
    """

    ok: bool
    count: int
    head: str
    failed_seq: int | None
    reason: str
    failed_at: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "ok": self.ok,
            "count": self.count,
            "head": self.head,
            "failed_record": self.failed_seq,
            "failed_at": self.failed_at,
            "reason": self.reason,
        }


class AuditLog:
    """An append-only audit log; use as a context manager.

    Parameters:
        path: the SQLite file (created with its tables when missing), or an open
            :class:`~gsomia.sharing.sqldb.Database` (SQLite or PostgreSQL) to share with
            other tables, e.g. a node's store.
        field: the name errors give the path (e.g. ``"--audit"``).

    The log may be used from several threads: its one connection is opened with
    ``check_same_thread=False`` and every statement and transaction holds the database's
    re-entrant lock (:attr:`Database.lock <gsomia.sharing.sqldb.Database.lock>`).

    Attributes:
        path: the SQLite file, or None on PostgreSQL; db: the database.

    Raises:
        AuditError: the file cannot be opened as an audit log, or its tables have another
            schema ("not an audit log").
    """

    def __init__(self, path: str | Path | Database, field: str = "path") -> None:
        self.field = field
        if not isinstance(path, Database) and Path(path).is_dir():
            raise AuditError(field, str(path), "is a directory, not an audit log")
        try:
            self.db = path if isinstance(path, Database) else Database(Path(path))
            self.path = None if self.db.path is None else Path(self.db.path)
            with self.db.transaction():
                self.db.script(_SCHEMA)
        except StoreError as exc:
            raise AuditError(field, str(path), f"not an audit log: {exc.reason}") from None
        try:  # both dialects: every column this module reads must be there
            for table, columns in _COLUMNS.items():
                self.db.fetchall(f"SELECT {', '.join(columns)} FROM {table} LIMIT 0")
        except StoreError as exc:
            self.db.close()
            raise AuditError(field, str(path), f"not an audit log: {exc.reason}") from None
        # The last record this object wrote (or found intact), field for field: the next
        # append still reads the last row and the head, but when the stored row equals
        # this tuple its hash is known to match its fields and is not computed again
        # (_check_end); any other row (edited, another writer's) is hashed as before.
        self._last_ok: tuple | None = None

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
            self._check_end(row)
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
                digest = (_hash_canonical(prev, count, stamp, kind, text) if _str_keys(body)
                          else record_hash(prev, count, stamp, kind, text))
                db.execute(
                    "INSERT INTO audit (seq, at, kind, body, prev_hash, hash) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (count, stamp, kind, text, prev, digest),
                )
                last = (count, stamp, kind, text, prev, digest)
                out.append(AuditRecord(count, stamp, kind, json.loads(text), prev, digest))
                prev = digest
            db.execute(
                "INSERT INTO head (id, count, hash) VALUES (1, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET count = excluded.count, hash = excluded.hash",
                (count, prev),
            )
            if out:  # a fact about the tuple (its hash is of its fields), committed or not
                self._last_ok = last
        return out

    def _check_end(self, head: tuple | None) -> None:
        """Refuse to extend a log whose last record disagrees with its hash or the head."""
        last = self.db.fetchone(
            "SELECT seq, at, kind, body, prev_hash, hash FROM audit ORDER BY seq DESC LIMIT 1"
        )
        if last is None and head is None:
            return
        why = None
        if head is None:
            why = "the head row is missing"
        elif last is None:
            why = f"the head says {head[0]} records, the log has none" if head[0] else None
        elif (last[0], last[5]) != (head[0], head[1]):
            why = (f"the head (record {head[0]}, {str(head[1])[:12]}…) is not the last "
                   f"record ({last[0]}, {str(last[5])[:12]}…)")
        elif tuple(last) != self._last_ok:  # else: the row as written, hash known
            try:
                actual = record_hash(last[4], last[0], last[1], last[2], last[3])
            except (TypeError, ValueError):
                actual = None
            if actual != last[5]:
                why = f"record {last[0]} does not match its hash (edited)"
            else:
                self._last_ok = tuple(last)
        if why:
            raise AuditError(
                self.field,
                str(self.path or self.db.display),
                f"refusing to append: {why}; run `gsomia audit verify`",
            )

    def records(self) -> Iterator[AuditRecord]:
        """All records in sequence order.

        Raises:
            AuditError: a record's body is not JSON (a damaged log; names the record).
        """
        for seq, at, kind, body, prev, digest in self.db.fetchall(
            "SELECT seq, at, kind, body, prev_hash, hash FROM audit ORDER BY seq"
        ):
            try:
                parsed = json.loads(body)
            except (TypeError, ValueError):
                raise AuditError(
                    "record", seq, "body is not JSON (a damaged log; run `gsomia audit verify`)"
                ) from None
            yield AuditRecord(seq, at, kind, parsed, prev, digest)

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
                    f"record {expected_seq}",
                )
            if prev != expected_prev:
                return Verification(
                    False,
                    count,
                    expected_prev,
                    seq,
                    f"record {seq}: link to the previous record broken",
                    f"record {seq}",
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
                    f"record {seq}",
                )
            expected_prev = digest
            count += 1
        if head is None:
            if count:
                return Verification(
                    False, count, expected_prev, None,
                    f"head row missing ({count} records; deleted, or the records "
                    "appended outside the log)", "head",
                )
            return Verification(True, 0, GENESIS, None, "intact (empty)")
        return _check_head(head, count, expected_prev)


def _check_head(head: tuple, count: int, last: str) -> Verification:
    """Compare the head row with the verified chain (``count`` records ending in ``last``)."""
    head_count, head_hash = head
    if head_count == count and head_hash == last:
        return Verification(True, count, last, None, "intact")
    says = f"the head says {head_count} records ending in {str(head_hash)[:12]}…, " \
        f"the log has {count} ending in {last[:12]}…"
    if not isinstance(head_count, int) or head_count < 0:
        return Verification(False, count, last, None, f"{says}: the head edited", "head")
    if head_count < count:  # the head is behind: later records were added without it
        first = head_count + 1
        return Verification(
            False, count, last, first,
            f"record {first}: not covered by the head ({says}): appended outside the log, "
            "or the head edited", f"record {first}",
        )
    if head_count > count and head_hash != last:
        return Verification(
            False, count, last, count + 1,
            f"{says}: record {count + 1} deleted from the end, or the head edited", "head",
        )
    return Verification(False, count, last, None, f"{says}: the head edited", "head")


def check_log_file(path: str | Path, field: str = "path") -> Path:
    """Check, read-only, that ``path`` is an existing SQLite audit log (module notes).

    Raises:
        AuditError: naming ``field``: a directory, no such file, not SQLite, no audit
            table, or tables with other columns ("not an audit log").
    """
    path = Path(path)
    if path.is_dir():
        raise AuditError(field, str(path), "is a directory, not an audit log")
    if not path.is_file():
        raise AuditError(field, str(path), "no such audit log")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
            columns = {
                t: tuple(r[1] for r in conn.execute(f"PRAGMA table_info({t})"))
                for t in _COLUMNS
                if t in tables
            }
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise AuditError(field, str(path), f"not an audit log: {exc}") from None
    if "audit" not in tables:
        raise AuditError(field, str(path), "not an audit log: no audit table")
    for table, cols in columns.items():
        if cols != _COLUMNS[table]:
            raise AuditError(
                field,
                str(path),
                f"not an audit log: table {table} has columns {list(cols)}, "
                f"expected {list(_COLUMNS[table])}",
            )
    return path


def verify_log(path: str | Path, field: str = "path") -> Verification:
    """Verify the audit log at ``path``.

    Raises:
        AuditError: ``path`` is not an audit log (see :func:`check_log_file`).
    """
    path = check_log_file(path, field)
    with AuditLog(path, field) as log:
        return log.verify()

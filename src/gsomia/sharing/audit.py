"""A tamper-evident, append-only audit log in SQL: a hash chain and an RFC 9162 Merkle tree
with signed, partner-cosigned checkpoints.

Every decision, release, receipt, consent, originator action and compromise report is
appended as a record ``(seq, at, kind, body)``. Each record stores its chain hash
(:mod:`gsomia.sharing.audit_hash`)

    hash_n = SHA-256( "gsomia-audit-v1" ‖ 0x00 ‖ hash_{n-1} ‖ canonical JSON of
             {"seq": n, "at": at, "kind": kind, "body": body} )

with ``hash_0`` = 32 zero bytes (hex), and a one-row ``head`` table holds the count and the
last hash, written in the same transaction. Record ``n`` is also leaf ``n - 1`` of an
RFC 9162 §2.1 Merkle tree whose leaf data is ``hash_n`` (32 bytes); the tree's perfect
subtrees are stored as they complete (:mod:`gsomia.sharing.audit_tree`), so the root at
any size and inclusion and consistency proofs are ``O(log n)`` reads
(:meth:`AuditLog.root`, :meth:`AuditLog.inclusion_proof`,
:meth:`AuditLog.consistency_proof`).

What :meth:`AuditLog.verify` detects: changing any stored field breaks that record's hash;
deleting or reordering records breaks the sequence or the links; deleting the last records
disagrees with the head and leaves tree nodes beyond the records; a stored tree node that
disagrees with the records is named. Whoever can rewrite the whole database (records,
head, tree, stored checkpoints) can forge a consistent log, truncate it, or empty it:
that is caught by **checkpoints** kept outside the log. :meth:`AuditLog.checkpoint` signs
the size and root as a C2SP signed note (tlog-checkpoint, Ed25519); the node sends it to
its partners, who check it consistent with the last one they saw and cosign it
(C2SP tlog-cosignature; :meth:`AuditLog.add_cosignature` keeps their lines). Verifying
with a checkpoint from outside (``verify(checkpoints=[note], verifiers={...})``, or
``gsomia audit verify LOG --checkpoint FILE``) recomputes the tree from the records and
requires the log to have at least the checkpoint's size and the same root at that size:
a forgery, a truncation or an emptied log then fails, naming the checkpoint. Before
appending, the last record is checked against its hash and the head, so a log whose end
was tampered with is not extended.

A file that is a directory, not SQLite, without an ``audit`` table, or whose tables do
not have this schema, is "not an audit log" (:class:`~gsomia.errors.AuditError`), for
reading, verifying and appending alike; errors name the field given (``path`` by
default; the command line passes ``PATH`` or ``--audit``). A log from before the tree
tables gets its tree built from its records when first opened (one transaction).

Writes are transactions (``BEGIN IMMEDIATE`` … ``COMMIT``): a batch, its tree nodes and
the head are all there or none of it is. The log lives in its own SQLite file, or in a
:class:`~gsomia.sharing.sqldb.Database` shared with other tables (a node's store, SQLite
or PostgreSQL): an append made inside that database's
:meth:`~gsomia.sharing.sqldb.Database.transaction` joins it, so the audited change and its
record commit together. On PostgreSQL the head row is locked (``SELECT … FOR UPDATE``)
for the length of an append or a checkpoint, so concurrent writers chain one after the
other.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from gsomia.errors import AuditError, StoreError
from gsomia.sharing.audit_hash import (
    GENESIS,
    canonical_json,
    hash_canonical,
    record_hash,
    str_keys,
)
from gsomia.sharing.audit_tree import (
    TREE_COLUMNS,
    CheckpointCheck,
    StoredCheckpoint,
    TreeMethods,
    TreeTable,
    check_all,
    check_stored_tree,
    load_checkpoints,
    record_leaf,
    sync_tree,
    tree_schema,
    unused_keys,
)
from gsomia.sharing.sqldb import Database
from gsomia.sharing.translog import CompactRange, MemoryHashes, root_from

__all__ = [
    "GENESIS",
    "AuditLog",
    "AuditRecord",
    "StoredCheckpoint",
    "Verification",
    "check_log_file",
    "open_log",
    "record_hash",
    "verify_log",
]

# The names this module had before the hashing moved to audit_hash (kept for callers).
_canonical = canonical_json
_hash_canonical = hash_canonical
_str_keys = str_keys

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
#: Columns of the tables (a table with other columns is not an audit log).
_COLUMNS = {
    "audit": ("seq", "at", "kind", "body", "prev_hash", "hash"),
    "head": ("id", "count", "hash"),
    **TREE_COLUMNS,
}


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
    """Outcome of :meth:`AuditLog.verify` / :func:`verify_log`.

    Attributes:
        ok: True when every record, the head, the stored tree and every checkpoint check
            out.
        count: records read (the tree size).
        head: the last record's hash, or GENESIS when empty.
        failed_seq: sequence number of the first failing (or missing) record, or None
            (intact, or only the head row or a checkpoint's root is wrong).
        reason: what failed, or ``"intact"``.
        failed_at: where the check failed: ``"record N"``, ``"head"``,
            ``"tree node (level L, index I)"`` or ``"checkpoint <origin> size <n>"``
            (None when ok).
        root: the tree root of the records read (hex; "" when a record failed first).
        checkpoints: each checkpoint checked (given ones first, then the stored ones).
        unused_keys: names of the keys given that verified no signature of any checkpoint.
    """

    ok: bool
    count: int
    head: str
    failed_seq: int | None
    reason: str
    failed_at: str | None = None
    root: str = ""
    checkpoints: tuple[CheckpointCheck, ...] = ()
    unused_keys: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "ok": self.ok,
            "count": self.count,
            "head": self.head,
            "root": self.root,
            "failed_record": self.failed_seq,
            "failed_at": self.failed_at,
            "reason": self.reason,
            "checkpoints": [
                {"checkpoint": c.label, "ok": c.ok, "reason": c.reason,
                 "signers": list(c.signers), "verified": bool(c.signers),
                 "failed_record": c.failed_seq}
                for c in self.checkpoints
            ],
            "unused_keys": list(self.unused_keys),
        }


class AuditLog(TreeMethods):
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
                self.db.script(_SCHEMA + tree_schema(self.db.dialect))
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
        # The tree's right edge after the last append, with the head hash it belongs to
        # (the head hash commits to every record, so to the whole tree).
        self._edge: tuple[CompactRange, str] | None = None
        self.tree = TreeTable(self.db, field)
        try:  # a log from before the tree: build it now (nothing if the log is damaged)
            with self.db.transaction():
                row = self.db.fetchone("SELECT count, hash FROM head WHERE id = 1")
                count = int(row[0]) if row and isinstance(row[0], int) else 0
                sync_tree(self.db, count, field)
        except StoreError as exc:
            self.db.close()
            raise AuditError(field, str(path), f"cannot build the tree: {exc.reason}") from None

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
        entries, db, out = list(entries), self.db, []
        lock = " FOR UPDATE" if db.dialect == "postgresql" else ""
        with db.transaction():
            row = db.audit_head  # a private database's head as written (Database notes)
            if row is None or not db.private or row[2] != db.undone:
                row = db.fetchone(f"SELECT count, hash FROM head WHERE id = 1{lock}")
                self._check_end(row)
            count, prev = row[:2] if row else (0, GENESIS)
            edge = self._tree_edge(count, prev)
            nodes: list[tuple[int, int, bytes]] = []
            rows: list[tuple[int, str, str, str, str, str]] = []
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
                rows.append(last := (count, stamp, kind, text, prev, digest))
                out.append(AuditRecord(count, stamp, kind, json.loads(text), prev, digest))
                nodes.extend(edge.append(record_leaf(digest)))
                prev = digest
            for start in range(0, len(rows), 150):  # one statement per 150 (900 values)
                chunk = rows[start:start + 150]
                db.execute("INSERT INTO audit (seq, at, kind, body, prev_hash, hash) VALUES "
                           + ", ".join(["(?, ?, ?, ?, ?, ?)"] * len(chunk)),
                           [v for r in chunk for v in r])
            self.tree.insert(nodes)
            db.execute(
                "INSERT INTO head (id, count, hash) VALUES (1, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET count = excluded.count, hash = excluded.hash",
                (count, prev),
            )
            if out:  # a fact about the tuple (its hash is of its fields), committed or not
                self._last_ok = last
            self._edge = (edge, prev)  # likewise: the tree of the records ending in prev
            db.audit_head = (count, prev, db.undone)
        return out

    def _tree_edge(self, count: int, head_hash: str) -> CompactRange:
        """The tree's right edge at ``count`` records (a copy: an append that fails leaves
        the cached one as it was).

        Raises:
            AuditError: the stored tree does not match the records (refusing to append).
        """
        if self._edge is not None and self._edge[0].size == count and \
                self._edge[1] == head_hash:
            cached = self._edge[0]
            return CompactRange(cached.size, cached.hashes)
        edge = sync_tree(self.db, count, self.field)
        if edge is None:
            raise AuditError(self.field, str(self.path or self.db.display),
                             "refusing to append: the stored tree does not match the "
                             "records; run `gsomia audit verify`")
        return edge

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

    def verify(self, checkpoints: Sequence[str] = (),
               verifiers: Mapping[str, Ed25519PublicKey] | None = None,
               origin: str | None = None, require_signed: bool = False) -> Verification:
        """Check every record, the links, the head, the stored tree, and checkpoints.

        Parameters:
            checkpoints: signed checkpoint notes from outside the log (a partner's cosigned
                copy, a file exported earlier); each must be signed or cosigned by one of
                ``verifiers`` (when given), and the log must have at least its size and the
                same root at that size (RFC 9162 §2.1.1). The log's stored checkpoints are
                checked the same way, except that a signature is required only from the
                keys in ``verifiers`` whose lines are there.
            verifiers: name → Ed25519 public key of the log's signer and of its witnesses
                (C2SP signed-note and tlog-cosignature key IDs are derived from them).
            origin, require_signed: as :func:`~gsomia.sharing.audit_tree.check_all` (the
                log's own origin; a checkpoint no key verified fails, else it is used but
                reported "unverified").

        Returns:
            The first failure found, in this order: a record (named by ``seq``), the head,
            a stored tree node, a checkpoint (named ``<origin> size <n>``).
        """
        hashes: list[str] = []
        chain = self._verify_chain(hashes)
        if not chain.ok:
            return chain
        tree = MemoryHashes([record_leaf(h) for h in hashes])
        root = root_from(tree, len(hashes)).hex()
        try:
            fault = check_stored_tree(self.db, tree)
            stored = load_checkpoints(self.db)
        except StoreError as exc:
            return Verification(False, chain.count, chain.head, None, f"unreadable: {exc}")
        if fault:
            where, seq = fault
            return Verification(False, chain.count, chain.head, seq,
                                f"{where} does not match the records (the tree edited, or "
                                f"records from {seq} on deleted)", where.split(" beyond")[0],
                                root)
        checks = check_all(checkpoints, stored, tree, len(hashes), verifiers or {}, origin,
                           require_signed)
        unused = unused_keys(checks, verifiers or {})
        bad = next((c for c in checks if not c.ok), None)
        if bad is not None:
            seq, reason = bad.failed_seq, bad.reason
            if reason.endswith("history rewritten") and bad.size:
                # the given checkpoints that still match bound where the change is
                low = max((c.size for c in checks[:len(checkpoints)]
                           if c.ok and c.size is not None and c.size < bad.size), default=0)
                reason += f"; the change is in records {low + 1}..{bad.size}"
                seq = low + 1 if low + 1 == bad.size else None
            return Verification(False, chain.count, chain.head, seq,
                                f"checkpoint {bad.label}: {reason}",
                                f"checkpoint {bad.label}", root, tuple(checks), unused)
        said = f"; {len(checks)} checkpoint(s) match" if checks else ""
        return Verification(True, chain.count, chain.head, None, chain.reason + said, None,
                            root, tuple(checks), unused)

    def _verify_chain(self, hashes: list[str]) -> Verification:
        """Check every record, the links and the head; collect the records' hashes."""
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
            hashes.append(digest)
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


def open_log(target: str | Path, field: str = "path") -> AuditLog:
    """Open an existing audit log for reading or verifying: a SQLite path, a
    ``sqlite:///PATH`` URL or a ``postgresql://`` URL (``?schema=`` as
    :class:`~gsomia.sharing.sqldb.Database`). Nothing is created where there is no log.

    Raises:
        AuditError: naming ``field``: not an audit log (as :func:`check_log_file`; on
            PostgreSQL: unreachable, or no ``audit`` table).
    """
    text = str(target)
    if text.startswith(("postgresql://", "postgres://")):
        try:
            db = Database(text)
        except StoreError as exc:
            raise AuditError(field, exc.value, f"cannot open: {exc.reason}") from None
        try:
            db.fetchall("SELECT seq FROM audit LIMIT 0")
        except StoreError:
            db.close()
            raise AuditError(field, db.display, "not an audit log: no audit table") from None
        return AuditLog(db, field)
    if text.startswith("sqlite:///"):
        text = text[len("sqlite:///"):].split("?", 1)[0]
    return AuditLog(check_log_file(text, field), field)


def verify_log(path: str | Path, field: str = "path", checkpoints: Sequence[str] = (),
               verifiers: Mapping[str, Ed25519PublicKey] | None = None,
               origin: str | None = None, require_signed: bool = False) -> Verification:
    """Verify the audit log at ``path`` (a path or URL, as :func:`open_log`) against
    ``checkpoints`` signed or cosigned by ``verifiers`` (:meth:`AuditLog.verify`).

    Raises:
        AuditError: ``path`` is not an audit log (see :func:`open_log`).
    """
    with open_log(path, field) as log:
        return log.verify(checkpoints, verifiers, origin, require_signed)

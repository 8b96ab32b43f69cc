"""The Merkle tree and signed checkpoints of an audit log, in SQL (SQLite or PostgreSQL).

The audit log (:mod:`gsomia.sharing.audit`) is an RFC 9162 §2.1 transparency log: record
``seq`` (1-based) is leaf ``seq - 1``, and its leaf data is the 32 raw bytes of the
record's chain hash (so a leaf commits to the record's fields and, through ``prev_hash``,
to every record before it): ``leaf = SHA-256(0x00 ‖ bytes.fromhex(hash))``.

Tables, written in the same transaction as the records they cover:

``audit_tree (level, idx, hash)``
    every perfect subtree hash (hex) as it completes (:class:`~gsomia.sharing.translog.
    CompactRange`): ``2n - popcount(n)`` rows for ``n`` records, so the root at any size,
    an inclusion proof and a consistency proof each read ``O(log n)`` rows in one query.
``audit_checkpoints (size, origin, root, note, issued_at)``
    the signed checkpoints the log issued (C2SP signed-note / tlog-checkpoint text), with
    the witnesses' cosignature lines (C2SP tlog-cosignature) appended as they come back.

A log written before these tables existed gets its tree built from its records the first
time it is opened (:func:`sync_tree`), in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from gsomia.errors import AuditError, TranslogError
from gsomia.sharing.sqldb import Database
from gsomia.sharing.translog import (
    Checkpoint,
    CompactRange,
    MemoryHashes,
    add_signature,
    consistency_proof_from,
    inclusion_proof_from,
    leaf_hash,
    open_cosignatures,
    open_note,
    parse_checkpoint,
    root_from,
    sign_note,
    split_note,
)

__all__ = [
    "TREE_COLUMNS",
    "TREE_SCHEMA",
    "CheckpointCheck",
    "StoredCheckpoint",
    "TreeMethods",
    "TreeTable",
    "check_all",
    "check_checkpoint",
    "check_stored_checkpoint",
    "check_stored_tree",
    "load_checkpoints",
    "record_leaf",
    "sync_tree",
    "tree_schema",
    "unused_keys",
]

TREE_SCHEMA = """
CREATE TABLE IF NOT EXISTS audit_tree (
    level INTEGER NOT NULL,
    idx BIGINT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (level, idx)
){without_rowid};
CREATE TABLE IF NOT EXISTS audit_checkpoints (
    size BIGINT PRIMARY KEY,
    origin TEXT NOT NULL,
    root TEXT NOT NULL,
    note TEXT NOT NULL,
    issued_at TEXT NOT NULL
);
"""


def tree_schema(dialect: str) -> str:
    """:data:`TREE_SCHEMA` for ``dialect`` (on SQLite the tree is a ``WITHOUT ROWID`` table:
    one B-tree keyed by ``(level, idx)``, not a table and an index)."""
    return TREE_SCHEMA.replace("{without_rowid}",
                               " WITHOUT ROWID" if dialect == "sqlite" else "")


#: Columns of the tree tables (a table with other columns is not an audit log's).
TREE_COLUMNS = {
    "audit_tree": ("level", "idx", "hash"),
    "audit_checkpoints": ("size", "origin", "root", "note", "issued_at"),
}


def record_leaf(record_hash: str) -> bytes:
    """The leaf hash of a record: ``SHA-256(0x00 ‖ bytes.fromhex(record_hash))``.

    Raises:
        ValueError: ``record_hash`` is not hex.
    """
    return leaf_hash(bytes.fromhex(record_hash))


class TreeTable:
    """The ``audit_tree`` table as a :class:`~gsomia.sharing.translog.HashSource`."""

    def __init__(self, db: Database, field: str = "path") -> None:
        self.db = db
        self.field = field

    def get_many(self, keys: Sequence[tuple[int, int]]) -> list[bytes]:
        """See :class:`~gsomia.sharing.translog.HashSource`.

        Raises:
            AuditError: a subtree is missing or not hex (a damaged tree).
        """
        found: dict[tuple[int, int], str] = {}
        for start in range(0, len(keys), 200):
            chunk = keys[start:start + 200]
            where = " OR ".join(["(level = ? AND idx = ?)"] * len(chunk))
            args = [v for key in chunk for v in key]
            for level, idx, value in self.db.fetchall(
                    f"SELECT level, idx, hash FROM audit_tree WHERE {where}", args):
                found[int(level), int(idx)] = value
        try:
            return [bytes.fromhex(found[k]) for k in keys]
        except (KeyError, ValueError, TypeError):
            bad = next(k for k in keys if k not in found or not _is_hex(found[k]))
            raise AuditError(self.field, self.db.display,
                             f"tree node (level {bad[0]}, index {bad[1]}) missing or "
                             "damaged; run `gsomia audit verify`") from None

    def insert(self, nodes: Sequence[tuple[int, int, bytes]]) -> None:
        """Write new perfect subtrees ``(level, index, hash)`` (inside the caller's
        transaction)."""
        for start in range(0, len(nodes), 300):  # one statement per 300 rows (900 values)
            chunk = nodes[start:start + 300]
            self.db.execute(
                "INSERT INTO audit_tree (level, idx, hash) VALUES "
                + ", ".join(["(?, ?, ?)"] * len(chunk)),
                [v for level, idx, value in chunk for v in (level, idx, value.hex())])

    def leaves(self) -> int:
        """How many leaves the stored tree has (1 + the highest level-0 index)."""
        row = self.db.fetchone("SELECT MAX(idx) FROM audit_tree WHERE level = 0")
        return 0 if row is None or row[0] is None else int(row[0]) + 1


def _is_hex(value: object) -> bool:
    try:
        return isinstance(value, str) and len(bytes.fromhex(value)) == 32
    except ValueError:
        return False


def sync_tree(db: Database, count: int, field: str = "path") -> CompactRange | None:
    """Bring the stored tree up to ``count`` records (a log from before the tree, or one
    whose tree was emptied) inside the caller's transaction; return its compact range.

    Returns None, writing nothing, when the records or the tree are not what an intact log
    has (a gap in ``seq``, a tree longer than the log, a hash not hex):
    :meth:`~gsomia.sharing.audit.AuditLog.verify` then names the fault.
    """
    table = TreeTable(db, field)
    have = table.leaves()
    if have > count:
        return None
    try:
        compact = CompactRange.load(table, have)
    except AuditError:
        return None
    if have == count:
        return compact
    rows = db.fetchall("SELECT seq, hash FROM audit WHERE seq > ? AND seq <= ? ORDER BY seq",
                       (have, count))
    if [r[0] for r in rows] != list(range(have + 1, count + 1)):
        return None
    nodes: list[tuple[int, int, bytes]] = []
    try:
        for _, digest in rows:
            nodes.extend(compact.append(record_leaf(digest)))
    except (ValueError, TypeError):
        return None
    table.insert(nodes)
    return compact


@dataclass(frozen=True, slots=True)
class StoredCheckpoint:
    """A checkpoint the log issued: ``size``, ``origin``, ``root`` (32 bytes), the signed
    ``note`` with any cosignature lines, ``issued_at`` (ISO 8601 UTC)."""

    size: int
    origin: str
    root: bytes
    note: str
    issued_at: str

    @property
    def issued(self) -> dt.datetime:
        """``issued_at`` as an aware datetime."""
        return dt.datetime.fromisoformat(self.issued_at)


def load_checkpoints(db: Database) -> list[tuple]:
    """The raw ``audit_checkpoints`` rows, by size."""
    return db.fetchall(
        "SELECT size, origin, root, note, issued_at FROM audit_checkpoints ORDER BY size")


@dataclass(frozen=True, slots=True)
class CheckpointCheck:
    """What :func:`check_checkpoint` found for one checkpoint.

    Attributes:
        label: ``"<origin> size <n>"`` (or ``"checkpoint[i]"`` when unreadable).
        ok: it is signed as required and the log's records hash to its root.
        reason: what failed, or what held.
        signers: names whose note signature or cosignature verified.
        failed_seq: the first record missing when the log is shorter, else None.
        size: the checkpoint's tree size (None when unreadable).
    """

    label: str
    ok: bool
    reason: str
    signers: tuple[str, ...] = ()
    failed_seq: int | None = None
    size: int | None = None


def _signers(text: str, verifiers: Mapping[str, Ed25519PublicKey]) -> tuple[str, ...]:
    """Names in ``verifiers`` with a valid signature or cosignature on the note.

    Raises:
        TranslogError: a line with a known key's name and key ID that does not verify.
    """
    try:
        names = open_note(text, verifiers)[1]
    except TranslogError as exc:
        if "no valid signature" not in exc.reason:
            raise
        names = []
    return tuple(names) + tuple(open_cosignatures(text, verifiers))


def _unchecked(text: str, origin: str) -> str:
    """``"signature not checked: no --key for <names>"``: the names on the note's signature
    lines (its origin when they cannot be read)."""
    try:
        names = sorted({sig.name for sig in split_note(text)[1]})
    except TranslogError:
        names = []
    return f"signature not checked: no --key for {', '.join(names) or origin}"


def check_checkpoint(text: str, label: str, tree: MemoryHashes, size: int,
                     verifiers: Mapping[str, Ed25519PublicKey],
                     origin: str | None = None) -> CheckpointCheck:
    """Check one checkpoint note against the tree recomputed from the records.

    Parameters:
        text: the signed note (or the bare checkpoint text, accepted only when
            ``verifiers`` is empty: a checkpoint the caller already trusts).
        label: what to call it when it cannot be read (e.g. the file name).
        tree: every perfect subtree of the verified records; size: their number.
        verifiers: name → Ed25519 key of the log and of its witnesses; when not empty,
            at least one of them must have signed or cosigned the note.
        origin: the log's own origin (C2SP tlog-checkpoint first line), when known: a
            checkpoint of another log fails before anything else is compared.

    Returns:
        The check. With no verified signature (``signers`` empty) the checkpoint is
        still compared, but nothing tells a forged checkpoint from a rewritten log: the
        reason says "unverified" and, on a mismatch, that either is not genuine (C2SP
        signed-note: only a verified signature binds the text to its signer).
    """
    try:
        try:
            body = split_note(text)[0]
        except TranslogError:
            if verifiers:
                raise
            body = text.rstrip("\n") + "\n"  # no signature lines (or none left)
        cp: Checkpoint = parse_checkpoint(body)
        label = f"{cp.origin} size {cp.size}"
        if origin is not None and cp.origin != origin:
            return CheckpointCheck(label, False, f"checkpoint of log {cp.origin}, not of "
                                   f"this log ({origin})", size=cp.size)
        signers = _signers(text, verifiers) if verifiers else ()
    except TranslogError as exc:
        why = ("unreadable, or badly signed (forged, or edited after signing)" if verifiers
               else "unreadable")
        return CheckpointCheck(label, False, f"{why}: {exc}")
    if verifiers and not signers:
        return CheckpointCheck(label, False,
                               f"no valid signature or cosignature by {sorted(verifiers)}",
                               size=cp.size)
    doubt = "" if signers else (
        f" (unverified: {_unchecked(text, cp.origin)}; either the checkpoint or the log "
        "is not genuine, and a key is needed to tell which)")
    if cp.size > size:
        return CheckpointCheck(
            label, False, f"the log has {size} records, the checkpoint vouches for {cp.size}: "
            f"records {size + 1}..{cp.size} deleted (truncated, or emptied){doubt}", signers,
            size + 1, cp.size)
    if root_from(tree, cp.size) != cp.root:
        return CheckpointCheck(
            label, False, f"the log's first {cp.size} records do not hash to the "
            f"checkpoint's root: {'history rewritten' if signers else doubt[2:-1]}",
            signers, size=cp.size)
    said = "" if signers else f" (unverified: {_unchecked(text, cp.origin)})"
    return CheckpointCheck(label, True, f"matches the records{said}", signers, size=cp.size)


def check_stored_checkpoint(row: tuple, tree: MemoryHashes, size: int,
                            verifiers: Mapping[str, Ed25519PublicKey],
                            origin: str | None = None) -> CheckpointCheck:
    """One ``audit_checkpoints`` row: its note as :func:`check_checkpoint` (a signature
    required only from the keys in ``verifiers`` whose lines are in it), and its columns
    equal to what the note says. Labelled ``"<origin> size <n> (stored)"``."""
    cp_size, row_origin, root_hex, note, _ = row
    label = f"{row_origin} size {cp_size} (stored)"
    found = check_checkpoint(note, label, tree, size, {}, origin)
    if verifiers and found.ok:
        known = {n: k for n, k in verifiers.items() if f"\u2014 {n} " in note}
        if known:
            found = check_checkpoint(note, label, tree, size, known, origin)
    if found.ok and (found.label != f"{row_origin} size {cp_size}"
                     or root_hex != root_from(tree, int(cp_size)).hex()):
        return CheckpointCheck(label, False, "its row (size, origin, root) differs from its "
                               "signed note", found.signers, size=found.size)
    return replace(found, label=label)


def check_all(given: Sequence[str], stored: Sequence[tuple], tree: MemoryHashes, size: int,
              verifiers: Mapping[str, Ed25519PublicKey], origin: str | None = None,
              require_signed: bool = False) -> list[CheckpointCheck]:
    """:func:`check_checkpoint` for each note in ``given`` (labelled ``checkpoint[i]``
    until read), then :func:`check_stored_checkpoint` for each ``audit_checkpoints`` row.

    ``origin`` is the log's own origin; None takes it from the latest stored checkpoint
    (none stored: not checked). ``require_signed``: a checkpoint that no key in
    ``verifiers`` verified fails instead of counting as unverified evidence.
    """
    if origin is None and stored:
        origin = str(stored[-1][1])
    checks = [check_checkpoint(text, f"checkpoint[{i}]", tree, size, verifiers, origin)
              for i, text in enumerate(given)]
    checks += [check_stored_checkpoint(row, tree, size, verifiers, origin) for row in stored]
    if require_signed:
        checks = [c if not c.ok or c.signers else replace(
            c, ok=False, reason=f"{c.reason}: no signature verified (--require-signed)")
            for c in checks]
    return checks


def unused_keys(checks: Sequence[CheckpointCheck],
                verifiers: Mapping[str, Ed25519PublicKey]) -> tuple[str, ...]:
    """The names in ``verifiers`` that verified no signature of any of ``checks``."""
    used = {name for c in checks for name in c.signers}
    return tuple(sorted(set(verifiers) - used))


def check_stored_tree(db: Database, tree: MemoryHashes) -> tuple[str, int] | None:
    """Compare the stored ``audit_tree`` with the one recomputed from the records.

    Returns:
        None when equal, else ``(where, first record seq covered)`` of the first stored
        node that differs, is missing, or is beyond the records.

    Raises:
        StoreError: the table cannot be read.
    """
    stored = {(int(lv), int(i)): h for lv, i, h in
              db.fetchall("SELECT level, idx, hash FROM audit_tree")}
    for level, row in enumerate(tree.levels):
        for idx, value in enumerate(row):
            if stored.pop((level, idx), None) != value.hex():
                return f"tree node (level {level}, index {idx})", idx * (1 << level) + 1
    if stored:
        level, idx = min(stored, key=lambda k: (k[1] << k[0], k[0]))
        return (f"tree node (level {level}, index {idx}) beyond the records: records "
                "deleted from the end"), idx * (1 << level) + 1
    return None



class TreeMethods:
    """The tree and checkpoint methods of :class:`~gsomia.sharing.audit.AuditLog` (which
    sets ``db``, ``tree`` and ``field``)."""

    db: Database
    tree: TreeTable
    field: str

    def size(self) -> int:
        """The number of records (the tree size), as the head row says."""
        row = self.db.fetchone_kept("head", "SELECT count FROM head WHERE id = 1")
        return 0 if row is None else int(row[0])

    def _size_arg(self, size: int | None, field: str) -> int:
        have = self.size()
        if size is None:
            return have
        if isinstance(size, bool) or not isinstance(size, int) or not 0 <= size <= have:
            raise AuditError(field, size, f"expected a tree size in [0, {have}]")
        return size

    def root(self, size: int | None = None) -> bytes:
        """The RFC 9162 root of the first ``size`` records (default: all), 32 bytes.

        Raises:
            AuditError: ``size`` beyond the log, or a stored tree node missing.
        """
        return root_from(self.tree, self._size_arg(size, "size"))

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """The inclusion proof of leaf ``index`` (record ``seq = index + 1``) in the tree
        of the first ``size`` records (default: all) (RFC 9162 §2.1.3.1).

        Raises:
            AuditError: ``size`` beyond the log; TranslogError: ``index`` not below it.
        """
        return inclusion_proof_from(self.tree, index, self._size_arg(size, "size"))

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """The consistency proof from the first ``old_size`` records to the first
        ``new_size`` (default: all) (RFC 9162 §2.1.4.1).

        Raises:
            AuditError: a size beyond the log; TranslogError: ``old_size`` > ``new_size``.
        """
        new = self._size_arg(new_size, "new_size")
        return consistency_proof_from(self.tree, self._size_arg(old_size, "old_size"), new)

    def checkpoint(self, origin: str, key: Ed25519PrivateKey, name: str,
                   at: dt.datetime) -> str:
        """Sign and store a checkpoint of the current size; return the signed note.

        The note is a C2SP tlog-checkpoint (``origin``, size, base64 root) signed as
        ``name`` with ``key`` (C2SP signed-note, Ed25519). When a checkpoint of this size is
        stored already, that one is returned as stored (with its cosignatures).

        Raises:
            AuditError: ``at`` naive; TranslogError: ``origin`` or ``name`` malformed.
        """
        if not isinstance(at, dt.datetime) or at.tzinfo is None:
            raise AuditError("at", at, "expected an aware datetime")
        lock = " FOR UPDATE" if self.db.dialect == "postgresql" else ""
        with self.db.transaction():
            row = self.db.fetchone(f"SELECT count FROM head WHERE id = 1{lock}")
            size = 0 if row is None else int(row[0])
            have = self.db.fetchone("SELECT note FROM audit_checkpoints WHERE size = ?",
                                    (size,))
            if have is not None:
                return str(have[0])
            cp = Checkpoint(origin, size, root_from(self.tree, size))
            note = sign_note(cp.body(), name, key)
            self.db.execute(
                "INSERT INTO audit_checkpoints (size, origin, root, note, issued_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (size, origin, cp.root.hex(), note, at.astimezone(dt.UTC).isoformat()))
        return note

    def checkpoints(self) -> list[StoredCheckpoint]:
        """The stored checkpoints, by size."""
        return [StoredCheckpoint(int(size), origin, bytes.fromhex(root), note, issued)
                for size, origin, root, note, issued in load_checkpoints(self.db)]

    def latest_checkpoint(self) -> str | None:
        """The note (with cosignatures) of the largest stored checkpoint, or None."""
        row = self.db.fetchone_kept(
            "audit_checkpoints", "SELECT note FROM audit_checkpoints ORDER BY size DESC LIMIT 1")
        return None if row is None else str(row[0])

    def checkpoint_due(self, now: dt.datetime, every_records: int, every_s: float) -> bool:
        """True when a new checkpoint should be issued: there are records past the latest
        checkpoint and either ``every_records`` of them or ``every_s`` seconds since it
        (or none was issued yet)."""
        size = self.size()
        last = self.db.fetchone_kept(
            "audit_checkpoints",
            "SELECT size, issued_at FROM audit_checkpoints ORDER BY size DESC LIMIT 1")
        if last is None:
            return size > 0
        if size <= int(last[0]):
            return False
        since = (now - dt.datetime.fromisoformat(last[1])).total_seconds()
        return size - int(last[0]) >= every_records or since >= every_s

    def add_cosignature(self, size: int, line: str) -> str:
        """Append a witness's cosignature line (C2SP tlog-cosignature) to the stored
        checkpoint of ``size``; return the note. The caller verifies the line first
        (:func:`~gsomia.sharing.translog.verify_cosignature`); a line already there is not
        added again.

        Raises:
            AuditError: no checkpoint of that size; TranslogError: ``line`` malformed.
        """
        with self.db.transaction():
            row = self.db.fetchone("SELECT note FROM audit_checkpoints WHERE size = ?",
                                   (size,))
            if row is None:
                raise AuditError("size", size, "no stored checkpoint of this size")
            note = add_signature(str(row[0]), line)
            self.db.execute("UPDATE audit_checkpoints SET note = ? WHERE size = ?",
                            (note, size))
        return note


"""The audit log as an RFC 9162 transparency log: stored tree, proofs, signed and cosigned
checkpoints, and every kind of tampering caught once a checkpoint is kept outside the log."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from gsomia.errors import AuditError, TranslogError
from gsomia.sharing import AuditLog, verify_log
from gsomia.sharing.audit_tree import TreeTable, record_leaf
from gsomia.sharing.translog import (
    Checkpoint,
    MemoryHashes,
    consistency_proof,
    consistency_proof_from,
    cosign,
    inclusion_proof,
    inclusion_proof_from,
    open_cosignatures,
    open_note,
    root_from,
    sign_note,
    tree_root,
    verify_consistency,
    verify_inclusion,
)

T = dt.datetime(2024, 1, 14, tzinfo=dt.UTC)
N = 11
ORIGIN = "gsomia.example/JPN/audit"
JPN = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
KOR = Ed25519PrivateKey.from_private_bytes(bytes(range(32, 64)))
WITNESS = "gsomia.example/KOR/witness"
KEYS = {ORIGIN: JPN.public_key(), WITNESS: KOR.public_key()}


def fill(log: AuditLog, n: int, start: int = 0, tag: str = "") -> None:
    log.append_many([("decision", {"i": i, "tag": tag}, T + dt.timedelta(minutes=i))
                     for i in range(start, start + n)])


def leaves(log: AuditLog) -> list[bytes]:
    return [record_leaf(r.hash) for r in log.records()]


def sql(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(path)
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()


@pytest.fixture
def cosigned(tmp_path: Path) -> tuple[Path, str]:
    """A log of N records with a checkpoint cosigned by KOR, the note kept outside."""
    path = tmp_path / "audit.db"
    with AuditLog(path) as log:
        fill(log, N)
        note = log.checkpoint(ORIGIN, JPN, ORIGIN, T)
        cp, _ = open_note(note, {ORIGIN: JPN.public_key()})
        note = log.add_cosignature(N, cosign(cp, WITNESS, KOR, 1_705_200_000))
    return path, note


class Counting:
    """A HashSource that counts the subtrees asked for (around the real table)."""

    def __init__(self, table: TreeTable) -> None:
        self.table, self.asked = table, 0

    def get_many(self, keys):  # noqa: ANN001, ANN201
        self.asked += len(keys)
        return self.table.get_many(keys)


def test_the_stored_tree_gives_the_rfc_root_and_proofs(tmp_path: Path) -> None:
    with AuditLog(tmp_path / "a.db") as log:
        for batch in (1, 2, 5, 1, 13):  # batches of several sizes
            fill(log, batch, log.size())
        hashes = leaves(log)
        n = len(hashes)
        assert log.size() == n == 22
        for size in range(n + 1):
            assert log.root(size) == tree_root(hashes[:size])
        for size in (1, 7, 16, 22):
            for index in range(size):
                proof = log.inclusion_proof(index, size)
                assert proof == inclusion_proof(hashes[:size], index)
                assert verify_inclusion(hashes[index], index, size, proof, log.root(size))
            for old in range(size + 1):
                proof = log.consistency_proof(old, size)
                assert proof == consistency_proof(hashes[:size], old)
                assert verify_consistency(old, size, log.root(old), log.root(size), proof)
        rows = log.db.fetchall("SELECT level, idx, hash FROM audit_tree")
        assert len(rows) == 2 * n - n.bit_count()  # every perfect subtree, once
        assert {(lv, i): bytes.fromhex(h) for lv, i, h in rows} == {
            (lv, i): h for lv, row in enumerate(MemoryHashes(hashes).levels)
            for i, h in enumerate(row)}
        with pytest.raises(AuditError, match="size=23"):
            log.root(23)
        with pytest.raises(TranslogError, match="index=22"):
            log.inclusion_proof(22)


def test_proofs_read_logarithmically_many_subtrees(tmp_path: Path) -> None:
    with AuditLog(tmp_path / "a.db") as log:
        fill(log, 1000)
        counting = Counting(log.tree)
        root_from(counting, 1000)
        assert counting.asked <= 10  # popcount(1000) = 6
        for index in (0, 499, 999):
            counting.asked = 0
            assert len(inclusion_proof_from(counting, index, 1000)) <= 10
            assert counting.asked <= 2 * 10
        counting.asked = 0
        consistency_proof_from(counting, 333, 1000)
        assert counting.asked <= 2 * 10


def test_a_log_from_before_the_tree_gets_it_on_first_open(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with AuditLog(path) as log:
        fill(log, 9)
        expected = log.root()
    sql(path, "DROP TABLE audit_tree", "DROP TABLE audit_checkpoints")
    with AuditLog(path) as log:
        assert log.root() == expected
        fill(log, 3, 9)
        assert log.root() == tree_root(leaves(log))
        assert log.verify().ok


def test_an_append_rolled_back_with_its_transaction_leaves_the_tree_right(tmp_path):
    with AuditLog(tmp_path / "a.db") as log:
        fill(log, 3)
        with pytest.raises(RuntimeError), log.db.transaction():
            fill(log, 2, 3, "lost")
            raise RuntimeError("the audited change failed")
        fill(log, 2, 3, "kept")
        assert log.size() == 5 and log.root() == tree_root(leaves(log))
        assert log.verify().ok


def test_checkpoints_are_signed_stored_and_cosigned(cosigned: tuple[Path, str]) -> None:
    path, note = cosigned
    with AuditLog(path) as log:
        cp, names = open_note(note, {ORIGIN: JPN.public_key()})
        assert (cp.origin, cp.size, cp.root, names) == (ORIGIN, N, log.root(), [ORIGIN])
        assert open_cosignatures(note, {WITNESS: KOR.public_key()}) == {WITNESS: 1_705_200_000}
        assert log.latest_checkpoint() == note
        assert log.checkpoint(ORIGIN, JPN, ORIGIN, T) == note  # same size: the stored one
        [stored] = log.checkpoints()
        assert (stored.size, stored.origin, stored.root, stored.note) == (N, ORIGIN, cp.root,
                                                                          note)
        assert not log.checkpoint_due(T, 5, 3600)
        fill(log, 5, N)
        assert log.checkpoint_due(T, 5, 3600) and not log.checkpoint_due(T, 6, 3600)
        assert log.checkpoint_due(T + dt.timedelta(hours=1), 6, 3600)
        with pytest.raises(AuditError, match="size=3"):
            log.add_cosignature(3, "— x AAAAAAA=")
        with pytest.raises(TranslogError):
            log.add_cosignature(N, "not a signature line")
    result = verify_log(path, checkpoints=[note], verifiers=KEYS)
    assert result.ok and [c.ok for c in result.checkpoints] == [True, True]
    assert result.checkpoints[0].signers == (ORIGIN, WITNESS)
    assert result.to_dict()["checkpoints"][0]["checkpoint"] == f"{ORIGIN} size {N}"


def forge(path: Path, tmp_path: Path, records: list[tuple[str, dict, dt.datetime]],
          reissue: bool = True) -> None:
    """Rewrite the whole log consistently (records, chain, head, tree, and a checkpoint
    re-signed with the log's own key): what an operator with the disk and the key can do."""
    fake = tmp_path / "forged.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{fake}{suffix}").unlink(missing_ok=True)
    with AuditLog(fake) as log:
        log.append_many(records)
        if reissue:
            log.checkpoint(ORIGIN, JPN, ORIGIN, T)
    path.unlink()
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    shutil.copy(fake, path)


def _records(path: Path) -> list[tuple[str, dict, dt.datetime]]:
    with AuditLog(path) as log:
        return [(r.kind, r.body, dt.datetime.fromisoformat(r.at)) for r in log.records()]


TAMPER = {
    "edit": lambda p, t: sql(p, "UPDATE audit SET body = '{\"i\":99}' WHERE seq = 4"),
    "delete": lambda p, t: sql(p, "DELETE FROM audit WHERE seq = 4"),
    "reorder": lambda p, t: sql(p, "UPDATE audit SET seq = 100 WHERE seq = 4",
                                "UPDATE audit SET seq = 4 WHERE seq = 5",
                                "UPDATE audit SET seq = 5 WHERE seq = 100"),
    "truncate": lambda p, t: sql(p, f"DELETE FROM audit WHERE seq > {N - 3}"),
    "truncate_rewrite_head": lambda p, t: sql(
        p, f"DELETE FROM audit WHERE seq > {N - 3}",
        f"UPDATE head SET count = {N - 3}, hash = (SELECT hash FROM audit WHERE seq = {N - 3})"),
    "truncate_rewrite_all": lambda p, t: forge(p, t, _records(p)[:N - 3]),
    "emptied": lambda p, t: sql(p, "DELETE FROM audit", "DELETE FROM head",
                                "DELETE FROM audit_tree", "DELETE FROM audit_checkpoints"),
    "rechained_forgery": lambda p, t: forge(
        p, t, [(k, {**b, "i": 77} if b["i"] == 4 else b, a) for k, b, a in _records(p)]),
}
#: What names the fault without a checkpoint from outside (None: nothing can).
INSIDE = {"edit": "record 4", "delete": "record 4", "reorder": "record 4",
          "truncate": "head", "truncate_rewrite_head": "tree node (level 0, index 8)",
          "truncate_rewrite_all": None, "emptied": None, "rechained_forgery": None}


@pytest.mark.parametrize("kind", list(TAMPER))
def test_every_tampering_is_caught_by_a_cosigned_checkpoint(kind: str, tmp_path: Path,
                                                            cosigned: tuple[Path, str]) -> None:
    path, note = cosigned
    TAMPER[kind](path, tmp_path)
    alone = verify_log(path)
    if INSIDE[kind] is None:
        assert alone.ok  # a consistent rewrite of everything inside the log…
    else:
        assert not alone.ok and alone.failed_at == INSIDE[kind]
    result = verify_log(path, checkpoints=[note], verifiers=KEYS)  # …is not, given the note
    assert not result.ok
    if INSIDE[kind] is None:
        assert result.failed_at == f"checkpoint {ORIGIN} size {N}"
        assert result.checkpoints[0].signers == (ORIGIN, WITNESS)
    expected_seq = {"truncate_rewrite_all": N - 2, "emptied": 1}.get(kind)
    if expected_seq:
        assert result.failed_seq == expected_seq and "deleted" in result.reason


def test_the_edit_names_the_record_even_when_rechained_from_there(tmp_path, cosigned):
    path, note = cosigned
    forge(path, tmp_path, [(k, {**b, "i": 77} if b["i"] == 4 else b, a)
                           for k, b, a in _records(path)])
    result = verify_log(path, checkpoints=[note], verifiers=KEYS)
    assert "history rewritten" in result.reason
    assert result.checkpoints[1].ok  # the forger's own re-signed checkpoint matches its log


def test_a_forged_or_unsigned_checkpoint_is_refused(tmp_path: Path, cosigned) -> None:
    path, note = cosigned
    forger = Ed25519PrivateKey.from_private_bytes(bytes(32))
    cp, _ = open_note(note, {ORIGIN: JPN.public_key()})
    fake = sign_note(Checkpoint(ORIGIN, N, bytes(32)).body(), ORIGIN, forger)
    result = verify_log(path, checkpoints=[fake], verifiers=KEYS)
    assert not result.ok and "no valid signature" in result.reason
    assert result.failed_at == f"checkpoint {ORIGIN} size {N}"
    tampered = note.replace(f"\n{N}\n", f"\n{N - 1}\n")
    result = verify_log(path, checkpoints=[tampered], verifiers=KEYS)
    assert not result.ok and "does not verify" in result.reason
    # without keys, a bare checkpoint text the caller trusts is compared as it is
    assert verify_log(path, checkpoints=[cp.body()]).ok
    other = Checkpoint(ORIGIN, N, bytes(32)).body()
    assert not verify_log(path, checkpoints=[other]).ok


def test_a_stored_checkpoint_row_edited_is_named(cosigned: tuple[Path, str]) -> None:
    path, _ = cosigned
    sql(path, f"UPDATE audit_checkpoints SET root = '{'00' * 32}'")
    result = verify_log(path)
    assert not result.ok and result.failed_at == f"checkpoint {ORIGIN} size {N} (stored)"


def test_a_stored_tree_node_edited_is_named_and_appends_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    with AuditLog(path) as log:
        fill(log, 6)
    sql(path, f"UPDATE audit_tree SET hash = '{'11' * 32}' WHERE level = 1 AND idx = 1")
    result = verify_log(path)
    assert not result.ok and result.failed_at == "tree node (level 1, index 1)"
    assert result.failed_seq == 3
    sql(path, "DELETE FROM audit_tree WHERE level = 2")
    with AuditLog(path) as log, pytest.raises(AuditError, match="refusing to append"):
        fill(log, 1, 6)


@settings(max_examples=15, deadline=None)
@given(batches=st.lists(st.integers(1, 9), min_size=1, max_size=6))
def test_any_sequence_of_batches_keeps_the_tree_of_its_records(tmp_path_factory, batches):
    path = tmp_path_factory.mktemp("h") / "a.db"
    with AuditLog(path) as log:
        sizes = []
        for b in batches:
            fill(log, b, log.size())
            sizes.append(log.size())
        hashes = leaves(log)
        for old, new in zip([0, *sizes], sizes, strict=False):
            assert verify_consistency(old, new, log.root(old), log.root(new),
                                      log.consistency_proof(old, new))
        assert log.root() == tree_root(hashes)
        assert log.verify().ok


def test_a_stored_checkpoint_re_signed_by_another_key_is_named(cosigned) -> None:
    path, note = cosigned
    forger = Ed25519PrivateKey.from_private_bytes(bytes(32))
    body = note.split("\n\n")[0] + "\n"
    fake = sign_note(body, ORIGIN, forger).replace("'", "''")
    sql(path, f"UPDATE audit_checkpoints SET note = '{fake}'")
    assert verify_log(path).ok  # without keys a stored note is only compared with the log
    result = verify_log(path, verifiers=KEYS)
    assert not result.ok and "no valid signature" in result.reason
    assert result.failed_at == f"checkpoint {ORIGIN} size {N} (stored)"


def test_checkpoints_at_several_sizes_bound_where_a_forgery_is(tmp_path: Path) -> None:
    path = tmp_path / "audit.db"
    notes = []
    with AuditLog(path) as log:
        for start in (0, 4, 8):
            fill(log, 4, start)
            notes.append(log.checkpoint(ORIGIN, JPN, ORIGIN, T))
    records = _records(path)
    forge(path, tmp_path, [(k, {**b, "i": -1} if b["i"] == 6 else b, a) for k, b, a in records])
    result = verify_log(path, checkpoints=notes, verifiers={ORIGIN: JPN.public_key()})
    assert not result.ok and result.failed_at == f"checkpoint {ORIGIN} size 8"
    assert result.reason.endswith("the change is in records 5..8")
    forge(path, tmp_path, [(k, {**b, "i": -1} if b["i"] == 11 else b, a) for k, b, a in records])
    result = verify_log(path, checkpoints=notes, verifiers={ORIGIN: JPN.public_key()})
    assert result.failed_at == f"checkpoint {ORIGIN} size 12"
    assert result.reason.endswith("in records 9..12")
    assert result.failed_seq is None

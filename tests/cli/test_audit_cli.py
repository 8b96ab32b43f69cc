"""The real ``gsomia audit`` commands on the transparency log: verify against cosigned
checkpoint files and keys, export a checkpoint, print proofs, read PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from typer.testing import CliRunner

from gsomia.cli import app
from gsomia.sharing import AuditLog
from gsomia.sharing.audit_tree import record_leaf
from gsomia.sharing.translog import cosign, decode_hashes, open_note, verify_inclusion

runner = CliRunner()
T = dt.datetime(2024, 1, 14, tzinfo=dt.UTC)
ORIGIN = "gsomia.example/JPN/audit"
WITNESS = "gsomia.example/KOR/witness"
JPN = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
KOR = Ed25519PrivateKey.from_private_bytes(bytes(range(32, 64)))


def run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path, list[str]]:
    """A 9-record log, its checkpoint cosigned by KOR exported to a file, and --key args."""
    db = tmp_path / "audit.db"
    with AuditLog(db) as log:
        log.append_many([("decision", {"i": i}, T) for i in range(9)])
        note = log.checkpoint(ORIGIN, JPN, ORIGIN, T)
        cp, _ = open_note(note, {ORIGIN: JPN.public_key()})
        log.add_cosignature(9, cosign(cp, WITNESS, KOR, 1_705_200_000))
    keys = []
    for name, key in ((ORIGIN, JPN), (WITNESS, KOR)):
        pub = tmp_path / f"{name.rsplit('/', 1)[-1]}.pub"
        pub.write_bytes(key.public_key().public_bytes(Encoding.PEM,
                                                      PublicFormat.SubjectPublicKeyInfo))
        keys += ["--key", f"{name}={pub}"]
    out = tmp_path / "cp.note"
    result = run("audit", "checkpoint", db, "--out", out)
    assert result.exit_code == 0, result.output
    return db, out, keys


def test_verify_with_a_cosigned_checkpoint_file(setup) -> None:
    db, note, keys = setup
    assert WITNESS in note.read_text()
    result = run("audit", "verify", db, "--checkpoint", note, *keys, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["ok"] and data["count"] == 9
    assert data["checkpoints"][0]["signers"] == [ORIGIN, WITNESS]
    text = run("audit", "verify", f"sqlite:///{db}", "--checkpoint", note, *keys)
    assert text.exit_code == 0 and f"checkpoint {ORIGIN} size 9" in text.stdout


def test_a_rewritten_log_fails_naming_the_checkpoint(setup) -> None:
    db, note, keys = setup
    conn = sqlite3.connect(db)  # a truncation of everything, consistent inside the log
    for statement in ("DELETE FROM audit WHERE seq > 6",
                      "UPDATE head SET count = 6, hash = (SELECT hash FROM audit WHERE seq = 6)",
                      "DELETE FROM audit_tree WHERE idx * (1 << level) + (1 << level) > 6",
                      "DELETE FROM audit_checkpoints"):
        conn.execute(statement)
    conn.commit()
    conn.close()
    assert run("audit", "verify", db).exit_code == 0
    result = run("audit", "verify", db, "--checkpoint", note, *keys)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"FAILED at checkpoint {ORIGIN} size 9: ")
    assert "the log has 6 records, the checkpoint vouches for 9" in result.stderr
    data = json.loads(run("audit", "verify", db, "--checkpoint", note, "--json").stdout)
    assert data["failed_record"] == 7 and data["failed_at"] == f"checkpoint {ORIGIN} size 9"


def test_bad_inputs_name_the_option(setup, tmp_path: Path) -> None:
    db, note, _ = setup
    result = run("audit", "verify", db, "--key", "no-equals-sign")
    assert result.exit_code == 2 and "--key='no-equals-sign'" in result.stderr
    result = run("audit", "verify", db, "--key", f"x={note}")
    assert result.exit_code == 2 and "cannot read a PEM public key" in result.stderr
    result = run("audit", "verify", db, "--checkpoint", tmp_path / "none.note")
    assert result.exit_code == 2 and "--checkpoint[0]=" in result.stderr
    result = run("audit", "verify", "sqlite://x.db")
    assert result.exit_code == 2 and "LOG=" in result.stderr
    result = run("audit", "proof", db)
    assert result.exit_code == 2 and "--seq/--old" in result.stderr
    result = run("audit", "proof", db, "--seq", "10")
    assert result.exit_code == 2 and "--seq=10" in result.stderr


def test_proofs_printed_verify(setup) -> None:
    db, _, _ = setup
    data = json.loads(run("audit", "proof", db, "--seq", "4", "--json").stdout)
    assert data["verifies"] and data["leaf_index"] == 3 and len(data["proof"]) == 4
    with AuditLog(db) as log:
        root = log.root()
        leaf = record_leaf(next(r.hash for r in log.records() if r.seq == 4))
    assert verify_inclusion(leaf, 3, 9, decode_hashes(data["proof"]), root)
    data = json.loads(run("audit", "proof", db, "--old", "5", "--size", "8", "--json").stdout)
    assert data["verifies"] and data["kind"] == "consistency" and data["size"] == 8


def test_checkpoint_export_without_one_exits_1(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    with AuditLog(db) as log:
        log.append("decision", {}, T)
    result = run("audit", "checkpoint", db, "--out", tmp_path / "x")
    assert result.exit_code == 1 and "no checkpoint" in result.stderr


@pytest.mark.services
def test_verify_reads_a_postgresql_log(setup) -> None:
    psycopg = pytest.importorskip("psycopg")
    import uuid

    from gsomia.sharing.sqldb import Database

    base = "postgresql://postgres@127.0.0.1:5432/test"
    schema = f"cli_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(base, autocommit=True, connect_timeout=3)
    except psycopg.Error as exc:
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    url = f"{base}?schema={schema}"
    try:
        _, note, keys = setup
        with AuditLog(Database(url)) as log:
            log.append_many([("decision", {"i": i}, T) for i in range(9)])
        data = json.loads(run("audit", "verify", url, "--json").stdout)
        assert data["ok"] and data["count"] == 9
        result = run("audit", "verify", url, "--checkpoint", note, *keys)
        assert result.exit_code == 0  # the same records, so the same root as the note
        admin.execute(f'UPDATE "{schema}".audit SET body = \'{{"i":5}}\' WHERE seq = 3')
        result = run("audit", "verify", url)
        assert result.exit_code == 1 and "FAILED at record 3" in result.stderr
    finally:
        admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.close()

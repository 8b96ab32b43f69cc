"""``gsomia audit proof`` and ``verify`` say what their evidence shows and no more: a proof
is for a record's content (RFC 9162 §2.1.3.2), a checkpoint's signature is checked only
with a key (C2SP signed-note), and a checkpoint of another log is named as such."""

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
from gsomia.sharing.audit import record_hash

runner = CliRunner()
T = dt.datetime(2024, 1, 14, tzinfo=dt.UTC)
ORIGIN = "gsomia.KOR.audit"
KOR = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
JPN = Ed25519PrivateKey.from_private_bytes(bytes(range(32, 64)))


def run(*args: object):
    return runner.invoke(app, [str(a) for a in args])


def _pub(tmp_path: Path, name: str, key: Ed25519PrivateKey) -> Path:
    pub = tmp_path / f"{name}.pub"
    pub.write_bytes(key.public_key().public_bytes(Encoding.PEM,
                                                  PublicFormat.SubjectPublicKeyInfo))
    return pub


@pytest.fixture
def log(tmp_path: Path) -> tuple[Path, Path]:
    """A 16-record log of gsomia.KOR.audit with a checkpoint at 16, exported to a file."""
    db = tmp_path / "kor.sqlite"
    with AuditLog(db) as opened:
        opened.append_many([("decision", {"i": i}, T) for i in range(16)])
        opened.checkpoint(ORIGIN, KOR, ORIGIN, T)
    note = tmp_path / "cp.note"
    assert run("audit", "checkpoint", db, "--out", note).exit_code == 0
    return db, note


def _sql(db: Path, *statements: str) -> None:
    conn = sqlite3.connect(db)
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()


def test_the_proof_of_an_edited_record_fails(log) -> None:
    db, _ = log
    assert json.loads(run("audit", "proof", db, "--seq", "12", "--json").stdout)["verifies"]
    _sql(db, """UPDATE audit SET body = '{"i": 999}' WHERE seq = 12""")
    assert run("audit", "verify", db).exit_code == 1
    result = run("audit", "proof", db, "--seq", "12")
    assert result.exit_code == 1
    assert "verifies: False" in result.stdout
    assert "record 12: its content does not match its stored hash" in result.stderr
    # the other records' proofs still hold
    assert run("audit", "proof", db, "--seq", "11").exit_code == 0


def test_a_rehashed_record_is_not_in_the_tree(log) -> None:
    db, _ = log
    conn = sqlite3.connect(db)
    prev, at, kind = conn.execute(
        "SELECT prev_hash, at, kind FROM audit WHERE seq = 12").fetchone()
    conn.close()
    body = '{"i":999}'
    _sql(db, f"UPDATE audit SET body = '{body}', "
         f"hash = '{record_hash(prev, 12, at, kind, body)}' WHERE seq = 12")
    result = run("audit", "proof", db, "--seq", "12", "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["verifies"] is False and "not the leaf of the tree" in data["reason"]

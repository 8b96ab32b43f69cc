"""``gsomia audit proof`` and ``verify`` say what their evidence shows and no more: a proof
is for a record's content (RFC 9162 §2.1.3.2), a checkpoint's signature is checked only
with a key (C2SP signed-note), and a checkpoint of another log is named as such."""

from __future__ import annotations

import base64
import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
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


def _edit(note: Path, tmp_path: Path, line: int, text: str | None, name: str) -> Path:
    """A copy of ``note`` with line ``line`` replaced by ``text`` (None: removed)."""
    lines = note.read_text().split("\n")
    if text is None:
        del lines[line]
    else:
        lines[line] = text
    out = tmp_path / name
    out.write_text("\n".join(lines))
    return out


def test_a_checkpoint_edited_after_signing_blames_neither_without_a_key(log, tmp_path):
    db, note = log
    with AuditLog(db) as opened:
        other_root = opened.root(15)
    bumped = _edit(note, tmp_path, 2, base64.b64encode(other_root).decode(), "bumped.note")
    result = run("audit", "verify", db, "--checkpoint", bumped)
    assert result.exit_code == 1
    assert "history rewritten" not in result.stderr
    assert "signature not checked: no --key for gsomia.KOR.audit" in result.stderr
    assert "either the checkpoint or the log is not genuine" in result.stderr
    assert "a key is needed to tell which" in result.stderr
    # a bigger size, unsigned: not "records deleted" alone
    grown = _edit(note, tmp_path, 1, "17", "grown.note")
    result = run("audit", "verify", db, "--checkpoint", grown)
    assert result.exit_code == 1 and "either the checkpoint or the log" in result.stderr
    # with the log's key the edited checkpoint is forged
    key = f"{ORIGIN}={_pub(tmp_path, 'kor', KOR)}"
    result = run("audit", "verify", db, "--checkpoint", bumped, "--key", key)
    assert result.exit_code == 1 and "forged" in result.stderr
    # the genuine one, without a key: it matches, said unverified
    result = run("audit", "verify", db, "--checkpoint", note)
    assert result.exit_code == 0
    assert (f"checkpoint {ORIGIN} size 16: matches the records (unverified: signature not "
            f"checked: no --key for {ORIGIN})") in result.stdout


def test_a_checkpoint_of_another_log_is_named_as_such(log, tmp_path):
    db, _ = log
    other = tmp_path / "jpn.sqlite"
    with AuditLog(other) as opened:
        opened.append_many([("decision", {"j": i}, T) for i in range(16)])
        opened.checkpoint("gsomia.JPN.audit", JPN, "gsomia.JPN.audit", T)
    jpn_note = tmp_path / "jpn.note"
    assert run("audit", "checkpoint", other, "--out", jpn_note).exit_code == 0
    said = "checkpoint of log gsomia.JPN.audit, not of this log (gsomia.KOR.audit)"
    result = run("audit", "verify", db, "--checkpoint", jpn_note)
    assert result.exit_code == 1 and said in result.stderr
    assert "history rewritten" not in result.stderr and "records 1.." not in result.stderr
    # a log with no stored checkpoint: its origin given
    _sql(db, "DELETE FROM audit_checkpoints")
    result = run("audit", "verify", db, "--checkpoint", jpn_note, "--origin", ORIGIN)
    assert result.exit_code == 1 and said in result.stderr
    data = json.loads(run("audit", "verify", db, "--checkpoint", jpn_note, "--origin",
                          ORIGIN, "--json").stdout)
    assert data["failed_at"] == "checkpoint gsomia.JPN.audit size 16"


def test_unverified_checkpoints_are_said_and_unused_keys_warned(log, tmp_path):
    db, note = log
    unsigned = _edit(note, tmp_path, -2, None, "unsigned.note")  # the signature line
    assert "\u2014" not in unsigned.read_text()
    result = run("audit", "verify", db, "--checkpoint", unsigned)
    assert result.exit_code == 0 and "unverified" in result.stdout
    result = run("audit", "verify", db, "--checkpoint", unsigned, "--require-signed")
    assert result.exit_code == 1 and "no signature verified (--require-signed)" in result.stderr
    jpn = f"gsomia.JPN.audit={_pub(tmp_path, 'jpn', JPN)}"
    result = run("audit", "verify", db, "--key", jpn)
    assert result.exit_code == 0 and "unverified" in result.stdout
    assert "warning: --key gsomia.JPN.audit verified no signature" in result.stderr
    data = json.loads(run("audit", "verify", db, "--key", jpn, "--json").stdout)
    assert data["unused_keys"] == ["gsomia.JPN.audit"] and data["warnings"]
    assert data["checkpoints"][0]["verified"] is False
    kor = f"{ORIGIN}={_pub(tmp_path, 'kor', KOR)}"
    result = run("audit", "verify", db, "--checkpoint", note, "--key", kor,
                 "--require-signed", "--json")
    data = json.loads(result.stdout)
    assert result.exit_code == 0 and data["warnings"] == []
    assert [c["signers"] for c in data["checkpoints"]] == [[ORIGIN], [ORIGIN]]


@pytest.mark.parametrize("name", ["gsomia KOR audit", "a+b", "tab\there", ""])
def test_a_key_name_must_be_a_signed_note_key_name(log, tmp_path, name):
    db, _ = log
    value = f"{name}={_pub(tmp_path, 'kor', KOR)}"
    result = run("audit", "verify", db, "--key", value)
    assert result.exit_code == 2 and f"--key={value!r}" in result.stderr


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(head=st.text(max_size=5), bad=st.sampled_from([" ", "+", "\t", "\n", "\x00"]),
       tail=st.text(max_size=5))
def test_any_key_name_with_a_space_plus_or_control_is_refused(log, tmp_path, head, bad,
                                                              tail) -> None:
    db, _ = log
    name = (head + bad + tail).replace("=", "")
    result = run("audit", "verify", db, "--key", f"{name}={_pub(tmp_path, 'kor', KOR)}")
    assert result.exit_code == 2 and "--key=" in result.stderr


def test_records_after_the_last_checkpoint_given_are_said_to_be_vouched_for_by_none(log):
    db, note = log
    with AuditLog(db) as opened:  # 16 cosigned, then 4 more that no checkpoint covers yet
        opened.append_many([("decision", {"i": i}, T) for i in range(16, 20)])
    result = run("audit", "verify", db, "--checkpoint", note)
    assert result.exit_code == 0
    assert "records 17..20 are covered by no checkpoint given" in result.stderr
    data = json.loads(run("audit", "verify", db, "--checkpoint", note, "--json").stdout)
    assert any("records 17..20" in w for w in data["warnings"])
    plain = run("audit", "verify", db)  # no checkpoint given: nothing to warn of
    assert plain.exit_code == 0 and "covered by no checkpoint" not in plain.stderr

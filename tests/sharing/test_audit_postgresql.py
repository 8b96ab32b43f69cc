"""The audit log's tree and checkpoints on PostgreSQL (127.0.0.1:5432, trust auth), in a
schema of its own per test, dropped afterwards."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gsomia.errors import AuditError
from gsomia.sharing import AuditLog, verify_log
from gsomia.sharing.audit_tree import record_leaf
from gsomia.sharing.sqldb import Database
from gsomia.sharing.translog import cosign, open_note, tree_root

pytestmark = pytest.mark.services

POSTGRESQL = "postgresql://postgres@127.0.0.1:5432/test"
T = dt.datetime(2024, 1, 14, tzinfo=dt.UTC)
ORIGIN = "gsomia.example/JPN/audit"
JPN = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
KOR = Ed25519PrivateKey.from_private_bytes(bytes(range(32, 64)))
WITNESS = "gsomia.example/KOR/witness"
KEYS = {ORIGIN: JPN.public_key(), WITNESS: KOR.public_key()}


@pytest.fixture
def url() -> Iterator[str]:
    psycopg = pytest.importorskip("psycopg")
    schema = f"audit_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(POSTGRESQL, autocommit=True, connect_timeout=3)
    except psycopg.Error as exc:
        pytest.skip(f"PostgreSQL not reachable at {POSTGRESQL}: {str(exc).strip()}")
    try:
        yield f"{POSTGRESQL}?schema={schema}"
    finally:
        admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.close()


def run(url: str, *statements: str) -> None:
    db = Database(url)
    try:
        for statement in statements:
            db.execute(statement)
    finally:
        db.close()


def test_tree_checkpoints_and_tampering_on_postgresql(url: str) -> None:
    with AuditLog(Database(url)) as log:
        log.append_many([("decision", {"i": i}, T) for i in range(7)])
        log.append("release", {"i": 7}, T)
        hashes = [record_leaf(r.hash) for r in log.records()]
        assert log.root() == tree_root(hashes) and log.size() == 8
        note = log.checkpoint(ORIGIN, JPN, ORIGIN, T)
        cp, _ = open_note(note, {ORIGIN: JPN.public_key()})
        note = log.add_cosignature(8, cosign(cp, WITNESS, KOR, 1_705_200_000))
    assert verify_log(url, "LOG", [note], KEYS).ok
    run(url, "DELETE FROM audit WHERE seq > 5",
        "UPDATE head SET count = 5, hash = (SELECT hash FROM audit WHERE seq = 5)",
        "DELETE FROM audit_tree WHERE idx * power(2, level) + power(2, level) > 5",
        "DELETE FROM audit_checkpoints")
    assert verify_log(url, "LOG").ok  # a clean truncation of everything inside…
    result = verify_log(url, "LOG", [note], KEYS)  # …caught by the cosigned checkpoint
    assert not result.ok and result.failed_seq == 6
    assert result.failed_at == f"checkpoint {ORIGIN} size 8"


def test_an_older_postgresql_log_gets_its_tree(url: str) -> None:
    with AuditLog(Database(url)) as log:
        log.append_many([("decision", {"i": i}, T) for i in range(5)])
        root = log.root()
    run(url, "DROP TABLE audit_tree", "DROP TABLE audit_checkpoints")
    with AuditLog(Database(url)) as log:
        assert log.root() == root and log.verify().ok


def test_a_postgresql_url_without_a_log_is_not_an_audit_log(url: str) -> None:
    with pytest.raises(AuditError, match="LOG=.*not an audit log: no audit table"):
        verify_log(url, "LOG")

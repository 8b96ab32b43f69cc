"""The node's store and audit log in one database (SQLite file or PostgreSQL schema):
a receipt's rows and its audit record commit together, or neither does."""

from __future__ import annotations

import datetime as dt

import pytest
from node_support import DELAY_S, warning

from gsomia.errors import InputError, StoreError
from gsomia.node import Store
from gsomia.sharing import AuditLog
from gsomia.sharing.sqldb import Database

AT = dt.datetime(2024, 1, 14, tzinfo=dt.UTC)

#: A real failure raised by the database between the inbox write and the audit record:
#: the audit insert of an accepted envelope aborts (as a crash at that point would).
_FAIL = {
    "sqlite": [
        "CREATE TRIGGER injected_crash BEFORE INSERT ON audit "
        "WHEN NEW.kind = 'receive.accepted' "
        "BEGIN SELECT RAISE(ABORT, 'injected crash before the audit record'); END",
    ],
    "postgresql": [
        "CREATE FUNCTION injected_crash() RETURNS trigger AS $$ BEGIN "
        "IF NEW.kind = 'receive.accepted' THEN "
        "RAISE EXCEPTION 'injected crash before the audit record'; END IF; "
        "RETURN NEW; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER injected_crash BEFORE INSERT ON audit FOR EACH ROW "
        "EXECUTE FUNCTION injected_crash()",
    ],
}
_HEAL = {
    "sqlite": ["DROP TRIGGER injected_crash"],
    "postgresql": ["DROP TRIGGER injected_crash ON audit", "DROP FUNCTION injected_crash()"],
}


def test_a_failure_between_store_and_audit_keeps_neither_and_acknowledges_nothing(net):
    kor, jpn = net.nodes["KOR"], net.nodes["JPN"]
    kor.routes = {"JPN": "direct"}
    db = jpn.store.db
    assert jpn.audit.db is db  # one database holds both
    for sql in _FAIL[db.dialect]:
        db.execute(sql)
    audited = len(list(jpn.audit.records()))
    net.clock.advance_to(10.0)
    kor.publish_warning(warning())
    [row] = kor.store.outbox()
    assert row.status == "pending" and row.attempts == 1  # not acknowledged: will retry
    assert "injected crash" in (row.result or "")
    assert jpn.store.inbox() == [] and not jpn.store.has_envelope(row.envelope_id)
    assert jpn.store.last_in_seq("KOR", row.stream) == 0
    assert len(list(jpn.audit.records())) == audited  # no record of the failed receipt
    assert jpn.audit.verify().ok
    for sql in _HEAL[db.dialect]:
        db.execute(sql)
    net.clock.advance_to(12.0 + DELAY_S)
    assert kor.outbox_counts() == {"pending": 0, "acked": 1, "rejected": 0}
    assert len(net.got["JPN"]) == 1
    accepted = [r for r in jpn.audit.records() if r.kind == "receive.accepted"]
    assert [r.body["envelope_id"] for r in accepted] == [row.envelope_id]
    assert jpn.audit.verify().ok


def test_receive_raises_store_error_rather_than_answering(net):
    """Called directly (as the web inbox does), the failure is a StoreError, not a receipt."""
    kor, jpn = net.nodes["KOR"], net.nodes["JPN"]
    kor.routes = {"JPN": "direct"}
    net.links[("KOR", "JPN")].up = False
    net.clock.advance_to(10.0)
    kor.publish_warning(warning())
    [row] = kor.store.outbox()
    for sql in _FAIL[jpn.store.db.dialect]:
        jpn.store.db.execute(sql)
    with pytest.raises(StoreError, match="injected crash"):
        jpn.receive(row.wire)
    assert jpn.store.inbox() == []


def test_store_and_audit_share_one_database_and_reopen(database_url):
    url = database_url("one")
    db = Database(url)
    store, log = Store(db), AuditLog(db)
    with store.transaction():
        store.add_local_item("i1", {"a": 1}, {"b": 2}, 1.5)
        log.append("item.created", {"item_id": "i1"}, AT)
    db.close()
    again = Store(url)
    assert again.local_item("i1") == ({"a": 1}, {"b": 2})
    assert again.schema_version == 1
    reopened = AuditLog(again.db)
    assert [r.kind for r in reopened.records()] == ["item.created"] and reopened.verify().ok
    again.close()


def test_a_rolled_back_transaction_keeps_nothing(database_url):
    store = Store(database_url("rollback"))
    log = AuditLog(store.db)
    with pytest.raises(RuntimeError), store.transaction():
        store.add_local_item("i1", {}, {}, 0.0)
        log.append("item.created", {"item_id": "i1"}, AT)
        raise RuntimeError("crash inside the transaction")
    assert store.local_item("i1") is None and list(log.records()) == []
    store.close()


@pytest.mark.parametrize(
    ("url", "match"),
    [("mysql://127.0.0.1/x", "unsupported scheme"), ("sqlite://x.db", "three slashes")],
    ids=["unknown-scheme", "two-slashes"],
)
def test_bad_store_urls_name_the_url(url, match):
    with pytest.raises(StoreError, match=match):
        Store(url)


@pytest.mark.services
def test_an_unreachable_postgresql_is_a_store_error():
    with pytest.raises(StoreError, match="open"):
        Database("postgresql://127.0.0.1:1/nothing?connect_timeout=1")


def test_a_file_that_is_not_a_store_is_refused(tmp_path):
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"not a database" * 100)
    with pytest.raises((InputError, StoreError)):
        Store(bad)

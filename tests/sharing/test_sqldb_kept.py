"""Reads kept on a private database (``Database.fetchone_kept``) are always what a fresh
read gives: after writes through any method, rolled-back transactions and savepoints."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gsomia.errors import StoreError
from gsomia.node.store import Store
from gsomia.sharing.audit import AuditLog
from gsomia.sharing.sqldb import Database

_READ = "SELECT v FROM kv WHERE k = ?"

#: One step: ("put", key, value), ("delete", key), ("fail", key, value): a write in a
#: transaction that then fails, ("undo", key, value): a write in a savepoint rolled back.
_STEP = st.one_of(
    st.tuples(st.just("put"), st.integers(0, 3), st.integers(0, 9)),
    st.tuples(st.just("delete"), st.integers(0, 3)),
    st.tuples(st.just("fail"), st.integers(0, 3), st.integers(0, 9)),
    st.tuples(st.just("undo"), st.integers(0, 3), st.integers(0, 9)),
)


def _run(db: Database, step: tuple) -> None:
    put = ("INSERT INTO kv (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v")
    if step[0] == "put":
        db.execute(put, step[1:])
    elif step[0] == "delete":
        db.execute("DELETE FROM kv WHERE k = ?", (step[1],))
    elif step[0] == "fail":
        with pytest.raises(RuntimeError), db.transaction():
            db.execute(put, step[1:])
            assert db.fetchone_kept("kv", _READ, (step[1],)) == (step[2],)
            raise RuntimeError("the step fails")
    else:
        with db.transaction():
            db.execute("SAVEPOINT part")
            db.execute(put, step[1:])
            db.fetchone_kept("kv", _READ, (step[1],))
            db.execute("ROLLBACK TO SAVEPOINT part")
            db.execute("RELEASE SAVEPOINT part")


@settings(max_examples=150, deadline=None)
@given(st.lists(_STEP, max_size=25))
def test_a_kept_read_equals_a_fresh_read_after_any_steps(steps):
    db = Database(":memory:")
    db.execute("CREATE TABLE kv (k INTEGER PRIMARY KEY, v INTEGER)")
    for step in steps:
        for k in range(4):
            db.fetchone_kept("kv", _READ, (k,))
        _run(db, step)
        for k in range(4):
            assert db.fetchone_kept("kv", _READ, (k,)) == db.fetchone(_READ, (k,))
    db.close()


def test_a_trigger_ends_keeping_reads():
    """A trigger writes a table its statement does not name: nothing is kept after it."""
    db = Database(":memory:")
    db.script("CREATE TABLE kv (k INTEGER PRIMARY KEY, v INTEGER);"
              "CREATE TABLE log (n INTEGER)")
    db.execute("CREATE TRIGGER copy AFTER INSERT ON log BEGIN "
               "INSERT INTO kv (k, v) VALUES (NEW.n, NEW.n); END")
    assert db.fetchone_kept("kv", _READ, (5,)) is None
    db.execute("INSERT INTO log (n) VALUES (5)")
    assert db.fetchone_kept("kv", _READ, (5,)) == (5,)


def test_a_failed_transaction_leaves_no_kept_checkpoint_nor_audit_size():
    """A node store's witness row and its audit log's size, read through the kept reads,
    are those committed after a transaction that wrote both and failed."""
    store = Store(":memory:")
    log = AuditLog(store.db)
    assert store.checkpoint("by", "JPN") is None and log.size() == 0
    with pytest.raises(StoreError), store.transaction():
        store.put_checkpoint(("by", "JPN", 3, "root", "note", None, "2017-03-06T00:00:00"))
        log.append_many([("test.record", {"n": 1}, _at())])
        assert store.checkpoint("by", "JPN")[2] == 3 and log.size() == 1
        store.db.execute("INSERT INTO no_such_table VALUES (1)")
    assert store.checkpoint("by", "JPN") is None and log.size() == 0
    assert [r.seq for r in log.append_many([("test.record", {"n": 2}, _at())])] == [1]
    assert log.size() == 1 and log.verify().ok
    store.close()


def _at() -> dt.datetime:
    return dt.datetime(2017, 3, 6, tzinfo=dt.UTC)

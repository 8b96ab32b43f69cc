"""A private in-memory audit log appends from the head it wrote: the chain stays whole
across appends, and a rolled-back append (a transaction or a savepoint) is not built on."""

from __future__ import annotations

import datetime as dt

import pytest

from gsomia.sharing import AuditLog
from gsomia.sharing.sqldb import Database

T = dt.datetime(2024, 1, 14, tzinfo=dt.UTC)


def test_memory_log_chain_is_whole_after_many_appends():
    db = Database(":memory:")
    assert db.private
    log = AuditLog(db)
    for i in range(10):
        log.append_many([("a", {"i": i}, T), ("b", {"i": -i}, T)])
    result = log.verify()
    assert result.ok and result.count == 20
    assert db.fetchone("SELECT count FROM head WHERE id = 1") == (20,)


def test_memory_log_after_a_rolled_back_transaction():
    db = Database(":memory:")
    log = AuditLog(db)
    log.append("a", {"i": 1}, T)
    with pytest.raises(RuntimeError), db.transaction():
        log.append("b", {"i": 2}, T)  # written, then rolled back with the transaction
        raise RuntimeError("undo")
    [rec] = log.append_many([("c", {"i": 3}, T)])
    assert rec.seq == 2  # built on record 1, not on the rolled-back record 2
    result = log.verify()
    assert result.ok and result.count == 2


def test_memory_log_after_a_rolled_back_savepoint():
    db = Database(":memory:")
    log = AuditLog(db)
    log.append("a", {"i": 1}, T)
    with db.transaction():
        db.execute("SAVEPOINT p")
        log.append("b", {"i": 2}, T)
        db.execute("ROLLBACK TO SAVEPOINT p")
        db.execute("RELEASE SAVEPOINT p")
        [rec] = log.append_many([("c", {"i": 3}, T)])
    assert rec.seq == 2
    assert log.verify().ok and log.verify().count == 2


def test_a_file_log_is_not_private(tmp_path):
    db = Database(tmp_path / "a.sqlite")
    assert not db.private
    db.close()


def test_two_log_objects_on_one_memory_database_chain_alike():
    db = Database(":memory:")
    first, second = AuditLog(db), AuditLog(db)
    first.append("a", {"i": 1}, T)
    second.append("b", {"i": 2}, T)
    [rec] = first.append_many([("c", {"i": 3}, T)])
    assert rec.seq == 3
    assert first.verify().ok and first.verify().count == 3

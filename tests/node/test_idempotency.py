"""Idempotency keys kept in a node's store (SQLite and PostgreSQL): reserved once, the
answer kept and read back after the database is opened again, released after a failure,
forgotten after the retention."""

from __future__ import annotations

from gsomia.node.idempotency import IdempotencyKeys
from gsomia.sharing.sqldb import Database


def test_a_key_is_reserved_once_answered_and_kept_across_a_reopening(database_url):
    url = database_url("KOR")
    keys = IdempotencyKeys(Database(url))
    first = keys.reserve("k-1", "f" * 64)
    running = keys.reserve("k-1", "f" * 64)
    assert (first.mine, first.status) == (True, 0)
    assert (running.mine, running.status) == (False, 0)
    keys.complete("k-1", 201, "application/json", b'{"item_id": "KOR-1"}')
    keys.db.close()
    reopened = IdempotencyKeys(Database(url))
    kept = reopened.reserve("k-1", "0" * 64)
    assert (kept.mine, kept.status, kept.fingerprint) == (False, 201, "f" * 64)
    assert (kept.content_type, kept.body) == ("application/json", b'{"item_id": "KOR-1"}')
    reopened.db.close()


def test_a_failed_request_releases_its_key_and_an_old_key_is_forgotten(database_url):
    keys = IdempotencyKeys(Database(database_url("KOR")), retention_s=3600.0)
    keys.reserve("k-2", "a")
    keys.release("k-2")
    assert keys.reserve("k-2", "b").mine  # processed again, for another request
    keys.complete("k-2", 200, "application/json", b"[]")
    keys.release("k-2")  # an answered key is never released
    assert keys.reserve("k-2", "b").status == 200
    keys.db.execute("UPDATE idempotency SET at_s = at_s - 7200 WHERE key = ?", ("k-2",))
    assert keys.reserve("k-2", "c").mine  # past the retention: a new request
    keys.db.close()

"""The PostgreSQL pool of :class:`gsomia.sharing.sqldb.Database`: a terminated backend is
replaced at checkout, a transaction whose connection dies commits nothing (and the store's
self-contained writes run once more on a fresh connection), one whose connection dies at
its ``COMMIT`` is reported as the server settled it (committed; or rolled back, and run
again), and a server stopped and
started again is reconnected to without opening the database again. PostgreSQL: a fresh
database on 127.0.0.1:5432 for the module (a schema per test), or a private server for
the restart."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from gsomia.errors import StoreError, StoreUnavailable
from gsomia.sharing.sqldb import Database
from pg_support import (
    CommitCutProxy,
    PrivatePostgres,
    fresh_database,
    shared_or_skip,
    terminate_backends,
)

pytestmark = pytest.mark.services

TABLE = "CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL)"


@pytest.fixture(scope="module")
def admin():
    conn = shared_or_skip()
    yield conn
    conn.close()


@pytest.fixture(scope="module")
def database(admin) -> Iterator[str]:
    """A fresh database for this module's tests (dropping one takes seconds here)."""
    with fresh_database(admin) as url:
        yield url


@pytest.fixture
def db(database) -> Iterator[Database]:
    """A schema of its own per test; only this module's tests use the database, one at a
    time, so terminating its backends touches no other test."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    database_ = Database(f"{database}?schema={schema}")
    database_.execute(TABLE)
    yield database_
    database_.execute(f'DROP SCHEMA "{schema}" CASCADE')
    database_.close()


@pytest.fixture
def cut(database) -> Iterator[tuple[CommitCutProxy, Database]]:
    """A database reached through a :class:`CommitCutProxy` (a schema of its own)."""
    proxy = CommitCutProxy(database)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    database_ = Database(f"{proxy.url}&schema={schema}")
    database_.execute(TABLE)
    yield proxy, database_
    database_.execute(f'DROP SCHEMA "{schema}" CASCADE')
    database_.close()
    proxy.close()


def _dbname(db: Database) -> str:
    return db.url.rsplit("/", 1)[1].split("?")[0]


def test_a_terminated_backend_is_replaced_at_checkout(admin, db):
    db.write([("INSERT INTO t (k, v) VALUES (?, ?)", ("a", 1))])
    assert terminate_backends(admin, _dbname(db)) >= 1
    assert db.fetchone("SELECT v FROM t WHERE k = ?", ("a",)) == (1,)
    db.write([("INSERT INTO t (k, v) VALUES (?, ?)", ("b", 2))])
    assert db.fetchall("SELECT k, v FROM t ORDER BY k") == [("a", 1), ("b", 2)]
    assert db.probe().reachable and db.probe().latency_s is not None


def test_a_connection_lost_inside_a_transaction_commits_nothing(admin, db):
    with pytest.raises(StoreUnavailable) as caught, db.transaction():
        db.execute("INSERT INTO t (k, v) VALUES (?, ?)", ("half", 1))
        pid = db.fetchone("SELECT pg_backend_pid()")[0]
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        db.execute("INSERT INTO t (k, v) VALUES (?, ?)", ("other", 2))
    assert caught.value.lost_before_commit
    assert db.fetchall("SELECT k FROM t") == []  # nothing half written
    assert db.refused is None  # unreachable is not a refusal


def test_retrying_runs_a_lost_transaction_once_more(admin, db):
    runs = []

    def work() -> None:
        runs.append(1)
        db.execute("INSERT INTO t (k, v) VALUES (?, ?)", ("once", len(runs)))
        if len(runs) == 1:  # the connection dies before COMMIT, the first time only
            pid = db.fetchone("SELECT pg_backend_pid()")[0]
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
            db.execute("SELECT 1")

    db.retrying(work)
    assert len(runs) == 2
    assert db.fetchall("SELECT k, v FROM t") == [("once", 2)]


def test_a_commit_whose_answer_is_lost_is_reported_committed(cut):
    """The server commits, the connection dies before its answer arrives: the block
    succeeds (the server's record says committed), it does not raise "unknown"."""
    proxy, db = cut
    with db.transaction():
        db.execute("INSERT INTO t (k, v) VALUES (?, ?)", ("kept", 1))
        proxy.arm("after")
    assert proxy.cuts == 1
    assert db.fetchall("SELECT k, v FROM t") == [("kept", 1)]
    db.write([("INSERT INTO t (k, v) VALUES (?, ?)", ("next", 2))])
    assert db.fetchall("SELECT k FROM t ORDER BY k") == [("kept",), ("next",)]


def test_a_commit_lost_on_its_way_is_reported_rolled_back_and_run_again(cut):
    """The connection dies with the ``COMMIT`` unsent: the server rolled the transaction
    back, so :meth:`Database.retrying` runs it once more (it used to raise "may or may
    not have been committed")."""
    proxy, db = cut
    runs = []

    def work() -> None:
        runs.append(1)
        db.execute("INSERT INTO t (k, v) VALUES (?, ?)", ("once", len(runs)))
        if len(runs) == 1:
            proxy.arm("before")

    db.retrying(work)
    assert proxy.cuts == 1 and len(runs) == 2
    assert db.fetchall("SELECT k, v FROM t") == [("once", 2)]


def test_a_lost_commit_of_a_transaction_that_wrote_nothing_may_run_again(cut):
    proxy, db = cut
    with pytest.raises(StoreUnavailable) as caught, db.transaction():
        db.fetchone("SELECT count(*) FROM t")
        proxy.arm("after")
    assert proxy.cuts == 1 and caught.value.lost_before_commit


def test_retrying_does_not_rerun_a_refused_transaction(db):
    runs = []

    def work() -> None:
        runs.append(1)
        db.execute("INSERT INTO t (k, v) VALUES (?, ?)", ("dup", 1))
        db.execute("INSERT INTO t (k, v) VALUES (?, ?)", ("dup", 2))

    with pytest.raises(StoreError, match="duplicate key") as caught:
        db.retrying(work)
    assert not isinstance(caught.value, StoreUnavailable) and len(runs) == 1
    assert db.refused is not None and "duplicate key" in db.refused[1]
    db.write([("INSERT INTO t (k, v) VALUES (?, ?)", ("fine", 1))])
    assert db.refused is None and db.fetchall("SELECT k FROM t") == [("fine",)]


@pytest.mark.slow
def test_a_stopped_server_is_unavailable_then_reconnected_without_reopening():
    with PrivatePostgres() as server:
        db = Database(server.url() + "?schema=s")
        try:
            db.execute(TABLE)
            db.write([("INSERT INTO t (k, v) VALUES (?, ?)", ("kept", 1))])
            server.stop()
            probe = db.probe()
            assert not probe.reachable and probe.latency_s is None and probe.error
            for _ in range(3):
                with pytest.raises(StoreUnavailable, match="connect|connection"):
                    db.fetchone("SELECT v FROM t")
                with pytest.raises(StoreUnavailable):
                    db.write([("INSERT INTO t (k, v) VALUES (?, ?)", ("lost", 2))])
            server.start()
            for _ in range(40):  # the pool reconnects in the background; bounded waits
                try:
                    rows = db.fetchall("SELECT k, v FROM t")
                    break
                except StoreUnavailable:
                    continue
            else:
                pytest.fail("no reconnection after the server came back")
            assert rows == [("kept", 1)]
            db.write([("INSERT INTO t (k, v) VALUES (?, ?)", ("after", 3))])
            assert db.fetchall("SELECT k FROM t ORDER BY k") == [("after",), ("kept",)]
        finally:
            db.close()

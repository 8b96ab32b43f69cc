"""One SQL database behind a node's store and its audit log: SQLite (default) or PostgreSQL.

A :class:`Database` is opened from a URL:

``sqlite:///relative/file.sqlite``, ``sqlite:////absolute/file.sqlite``, a plain path, or
``":memory:"``
    one SQLite file (WAL journal, ``synchronous=NORMAL``: a committed transaction survives
    a crash of the process, and the file a crash of the system). The embedded default.
``sqlite:///…?synchronous=off``
    the same without any fsync (SQLite ``PRAGMA synchronous=OFF``): a committed transaction
    still survives a crash of the process (the writes are with the operating system), but
    a crash of the operating system or a power loss may lose recent transactions or
    corrupt the file. Only for throw-away stores, e.g. the servers of ``gsomia run --live``
    in a temporary directory, where it saves the wait for the disk at each WAL
    checkpoint (the nodes of a simulated run, ``gsomia run``, keep theirs in memory,
    ``":memory:"``). ``synchronous=normal`` is the default; ``full`` syncs at every
    commit.
``postgresql://[user@]host[:port]/dbname[?schema=NAME&…]``
    a PostgreSQL database through psycopg 3 (the scale-out path of ARCHITECTURE.md). The
    optional ``schema`` parameter (ours, removed before connecting) selects, and creates
    when missing, the schema that holds the tables, so several nodes can share one
    database; the other parameters go to libpq as they are.

Both the store and the audit log write through :meth:`Database.transaction`, which nests:
the outermost ``with`` opens the transaction and commits it, inner ones join it. A receipt's
store rows and its audit records therefore commit together or not at all when the two live
in one database (the node's default).

Every statement and every transaction holds the database's re-entrant lock, so a
transaction is never interleaved with another thread's statements. SQLite: one connection
per :class:`Database`, usable from any thread. PostgreSQL: a
:class:`psycopg_pool.ConnectionPool` (settings in :data:`POOL`), from which each
transaction, and each statement outside one, checks a connection out and back in:

- a connection is checked on checkout (``check=ConnectionPool.check_connection``, an empty
  query), so one whose backend was terminated (``pg_terminate_backend``) or whose server
  restarted is discarded and replaced before it is used (psycopg_pool docs, "Connection
  quality": checking connections on request);
- waits are bounded: a checkout waits at most ``wait_s`` for a connection, and only
  ``down_wait_s`` once the server was found unreachable (until a checkout succeeds
  again), then raises :class:`~gsomia.errors.StoreUnavailable`; the pool reconnects in
  the background with exponential backoff, giving up after ``reconnect_s`` (the next
  checkout starts a new attempt), so a node recovers within seconds of the server's
  return, without a restart (psycopg_pool docs, "Pool operations": ``reconnect_timeout``);
- a transaction commits whole or not at all. A connection lost at its ``BEGIN`` is
  replaced and the ``BEGIN`` run again; one lost later rolls the whole transaction back on
  the server and raises :class:`~gsomia.errors.StoreUnavailable`
  (``lost_before_commit=True``), which :meth:`Database.retrying` (the store's
  self-contained writes) runs once more on a fresh connection. A connection lost during
  ``COMMIT`` does not leave the caller guessing: the transaction's id is read before it
  and its outcome asked of the server afterwards
  (:func:`~gsomia.sharing.sqlpool.settle_commit`): committed, the block succeeded;
  rolled back, ``lost_before_commit=True``; only when that cannot be learned within
  ``wait_s`` is the outcome reported unknown (told "failed" about a committed
  transaction, an inbox would never hand on a row committed ``delivered``). A read
  outside a transaction is retried once
  on a fresh connection; a write outside one is not.

SQL is written once, with ``?`` placeholders (converted to ``%s`` for PostgreSQL) and the
portable ``INSERT … ON CONFLICT`` (SQLite ≥ 3.24). DDL differences are filled in from
:attr:`Database.types` (``{id}``, ``{real}``, ``{rowid}``).

Errors: a failure of the database driver (locked file, broken connection, a constraint,
an exception raised by a trigger) is raised as :class:`~gsomia.errors.StoreError` naming
the database and the statement; the open transaction is rolled back. A database that
cannot be reached now (no connection within the wait, a connection lost) is the subclass
:class:`~gsomia.errors.StoreUnavailable`.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from gsomia.errors import StoreError, StoreUnavailable
from gsomia.sharing.sqlpool import (
    POOL,
    STATUS_SQL,
    XID_SQL,
    PoolSettings,
    Probe,
    open_pool,
    settle_commit,
)
from gsomia.sharing.sqlurl import (
    DIALECTS,
    SYNCHRONOUS,
    redact_url,
    split_url,
    synchronous_setting,
)

__all__ = ["DIALECTS", "POOL", "SYNCHRONOUS", "Database", "PoolSettings", "Probe"]

_T = TypeVar("_T")

_TYPES = {
    "sqlite": {
        "id": "INTEGER PRIMARY KEY AUTOINCREMENT",
        "real": "REAL",
        "rowid": "",  # SQLite tables have an implicit rowid
    },
    "postgresql": {
        "id": "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
        "real": "DOUBLE PRECISION",
        "rowid": "rowid BIGINT GENERATED ALWAYS AS IDENTITY,",
    },
}


class Database:
    """A connection to the SQLite file, or a pool of connections to the PostgreSQL
    database, named by ``url``.

    Parameters:
        url: see the module docstring; a :class:`~pathlib.Path` is a SQLite file.
        pool: PostgreSQL pool settings (default :data:`POOL`; ignored for SQLite).

    Attributes:
        url: the URL or path as given; display: the same without a password;
        dialect: ``"sqlite"`` or ``"postgresql"``;
        path: the SQLite file (``":memory:"``), or None for PostgreSQL;
        schema: the PostgreSQL schema (``?schema=``), or None;
        synchronous: SQLite's ``synchronous`` setting (``"normal"`` unless the URL says
            ``?synchronous=off`` or ``full``; ``"normal"`` on PostgreSQL, which is not
            changed);
        types: DDL fragments of the dialect (module docstring);
        pool: the pool settings (PostgreSQL), or None;
        refused: ``(unix time [s], message)`` of the last transaction the database refused
            (a driver error other than an unreachable server: a full disk, a read-only
            file, a constraint), cleared by the next commit; None when none since.
        closed: True once :meth:`close` was called.
        undone: how many ``ROLLBACK`` statements (of a transaction or to a savepoint)
            were run on this database: a writer that keeps what it wrote in memory (the
            audit log's head on a private ``":memory:"`` database) trusts it only while
            this count is unchanged.
        private: True for a SQLite ``":memory:"`` database: its one connection is the
            only way to its tables (nothing outside this object can write them).
        audit_head: ``(count, hash, undone)`` of the audit log's head as the last append
            on this database wrote it (:class:`gsomia.sharing.audit.AuditLog`), or None.
            On a private database the next append starts from it, without reading the
            head and the last record again (no other connection can change them), unless
            a ``ROLLBACK`` ran since (``undone`` changed): then it reads and checks them.

    Reads of :meth:`fetchone_kept` are kept on a private database (by statement and
    arguments) until a statement other than a ``SELECT`` names their table (any write to
    it, through any method of this object) or a ``ROLLBACK`` runs: the same rows as
    reading again, without the statement. Once given a trigger (whose writes name no
    table), a database keeps none.

    Raises:
        StoreError: unsupported URL, or the database cannot be opened or reached.
    """

    def __init__(self, url: str | Path, *, pool: PoolSettings | None = None) -> None:
        self.url = str(url)
        self.display = redact_url(self.url)
        self.dialect, target = split_url(self.url)
        self.types = _TYPES[self.dialect]
        self.lock = threading.RLock()
        self._depth = 0
        self._owner: int | None = None  # thread of the open transaction
        self._tx: Any = None  # PostgreSQL: the open transaction's connection
        self._pool: Any = None
        self._reachable = True
        self.refused: tuple[float, str] | None = None
        self.undone = 0
        self.audit_head: tuple[int, str, int] | None = None
        # private database: rows of fetchone_kept per table, by (sql, args)
        self._kept: dict[str, dict[tuple[str, tuple], tuple | None]] = {}
        self._keep = False
        self.closed = False
        self.schema: str | None = None
        self.path: str | None = None
        self.synchronous = "normal"
        self.private = False
        self.pool: PoolSettings | None = None
        if self.dialect == "sqlite":
            if self.url.startswith("sqlite:///") and "?" in target:
                target, query = target.split("?", 1)
                self.synchronous = synchronous_setting(self.display, query)
                target = target or ":memory:"
            self.path = target
            self.private = target == ":memory:"
            self._keep = self.private
            try:
                self._conn: Any = sqlite3.connect(
                    target, isolation_level=None, check_same_thread=False,
                    cached_statements=512,  # every statement of a node stays prepared
                )
                if target != ":memory:":
                    self._conn.execute("PRAGMA journal_mode=WAL")
                self._conn.execute(f"PRAGMA synchronous={self.synchronous.upper()}")
            except sqlite3.Error as exc:
                raise StoreError(self.display, "open", str(exc)) from None
        else:
            self.pool = pool or POOL
            self._conn = None
            self._pool = self._open_pool(target, self.pool)

    def _open_pool(self, url: str, settings: PoolSettings) -> Any:
        """The pool of :func:`gsomia.sharing.sqlpool.open_pool`; sets :attr:`schema`."""
        pool, self.schema = open_pool(url, settings, self.display)
        return pool

    @property
    def driver_errors(self) -> tuple[type[BaseException], ...]:
        """The driver's exception base classes (wrapped as StoreError)."""
        if self.dialect == "sqlite":
            return (sqlite3.Error,)
        import psycopg

        return (psycopg.Error,)

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.dialect == "postgresql" else sql

    def _statement(self, conn: Any, sql: str, args: Sequence[Any]) -> Any:
        """Run one statement on ``conn``; driver errors as StoreError (StoreUnavailable
        when the PostgreSQL connection was lost: then the server rolled back any open
        transaction)."""
        if sql[:8] == "ROLLBACK":  # a transaction or savepoint undone (counted first)
            self.undone += 1
            self._kept.clear()
        elif self._keep and sql[:6] != "SELECT":  # what it may change is read again
            for table in [t for t in self._kept if t in sql]:
                del self._kept[table]
            if "TRIGGER" in sql or "trigger" in sql:  # its writes name no table: keep none
                self._keep = False
                self._kept.clear()
        try:
            if self.dialect == "sqlite":
                return conn.execute(sql, tuple(args))
            return conn.execute(self._sql(sql), tuple(args) or None)
        except self.driver_errors as exc:
            operation = sql.split("(")[0].strip()[:60]
            if self.dialect == "postgresql" and (conn.closed or conn.broken):
                raise StoreUnavailable(self.display, operation, "connection lost: "
                                       f"{str(exc).strip()}", lost_before_commit=True) from exc
            raise StoreError(self.display, operation, str(exc).strip()) from exc

    def _getconn(self) -> Any:
        """A pooled connection, checked by the pool (return it with ``putconn``).

        Raises:
            StoreUnavailable: none within ``wait_s`` (``down_wait_s`` while the server is
                known unreachable), or the pool is closed.
        """
        from psycopg_pool import PoolClosed, PoolTimeout, TooManyRequests

        assert self.pool is not None
        wait = self.pool.wait_s if self._reachable else self.pool.down_wait_s
        try:
            conn = self._pool.getconn(timeout=wait)
        except PoolClosed:
            raise StoreUnavailable(self.display, "connect", "the database is closed") from None
        except (PoolTimeout, TooManyRequests) as exc:
            self._reachable = False
            raise StoreUnavailable(self.display, "connect",
                                   f"no connection within {wait:g} s: {exc}") from None
        self._reachable = True
        return conn

    @contextmanager
    def _checkout(self) -> Iterator[Any]:
        """:meth:`_getconn`, returned to the pool after the block."""
        conn = self._getconn()
        try:
            yield conn
        finally:
            self._pool.putconn(conn)

    def _call(self, sql: str, args: Sequence[Any], fetch: Callable[[Any], _T]) -> _T:
        """``fetch(cursor)`` of one statement: on the transaction's connection inside
        one, else (PostgreSQL) on a connection checked out for it; a read whose
        connection was lost is run once more on a fresh one."""
        with self.lock:
            if self._pool is None or self._tx is not None:
                conn = self._conn if self._tx is None else self._tx
                return fetch(self._statement(conn, sql, args))
            for again in (False, True):
                try:
                    with self._checkout() as conn:
                        return fetch(self._statement(conn, sql, args))
                except StoreUnavailable as exc:
                    if exc.lost_before_commit and not _is_read(sql):  # autocommit write
                        raise StoreUnavailable(
                            self.display, exc.field, f"{exc.reason}; outside a transaction: "
                            "it may or may not have taken effect") from exc
                    if again or not exc.lost_before_commit:
                        raise
            raise AssertionError("unreachable")  # pragma: no cover

    def execute(self, sql: str, args: Sequence[Any] = ()) -> Any:
        """Run one statement (``?`` placeholders); return the driver's cursor.

        Raises:
            StoreError: the driver refused it (the message names the statement);
                StoreUnavailable: the database cannot be reached now.
        """
        return self._call(sql, args, lambda cursor: cursor)

    def fetchone(self, sql: str, args: Sequence[Any] = ()) -> tuple | None:
        """The first row of a query, or None."""
        return self._call(sql, args, lambda cursor: cursor.fetchone())

    def fetchone_kept(self, table: str, sql: str, args: Sequence[Any] = ()) -> tuple | None:
        """:meth:`fetchone` of a query on ``table`` alone, kept on a private database until
        ``table`` is written or a ``ROLLBACK`` runs (class notes); elsewhere read each
        time."""
        if not self._keep:
            return self.fetchone(sql, args)
        key = (sql, tuple(args))
        with self.lock:
            rows = self._kept.get(table)
            if rows is not None and key in rows:
                return rows[key]
            row = self.fetchone(sql, args)
            self._kept.setdefault(table, {})[key] = row
            return row

    def known_empty(self, table: str) -> bool:
        """True when ``table`` has no row, known from a kept read (class notes); False when
        it has rows or when this database keeps no reads (then nothing is read)."""
        return self._keep and self.fetchone_kept(table, f"SELECT 1 FROM {table} LIMIT 1") is None

    def fetchall(self, sql: str, args: Sequence[Any] = ()) -> list[tuple]:
        """Every row of a query."""
        return self._call(sql, args, lambda cursor: list(cursor.fetchall()))

    def script(self, ddl: str) -> None:
        """Run DDL statements separated by ``;`` (after filling in :attr:`types`)."""
        text = ddl.format(**self.types)
        with self.lock:
            for statement in text.split(";"):
                if statement.strip():
                    self.execute(statement)

    @contextmanager
    def transaction(self) -> Iterator[Database]:
        """Run the block in one transaction (nested blocks join the outermost one).

        The outermost block commits on success and rolls back on any exception, which it
        re-raises (driver errors as StoreError; an unreachable server or a lost
        connection as StoreUnavailable).
        """
        with self.lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self
                finally:
                    self._depth -= 1
                return
            self._begin()
            self._depth, self._owner = 1, threading.get_ident()
            try:
                yield self
            except BaseException as exc:
                self._depth, self._owner = 0, None
                self._end("ROLLBACK")
                if isinstance(exc, StoreError) and not isinstance(exc, StoreUnavailable):
                    self.refused = (time.time(), str(exc))
                raise
            self._depth, self._owner = 0, None
            try:
                self._end("COMMIT")
            except StoreError as exc:
                if not isinstance(exc, StoreUnavailable):
                    self.refused = (time.time(), str(exc))
                raise
            self.refused = None

    def _begin(self) -> None:
        """Open the outermost transaction: SQLite ``BEGIN IMMEDIATE`` on its connection;
        PostgreSQL ``BEGIN`` on a checked-out connection, once more on a fresh one if
        that connection was lost (nothing was written on it)."""
        if self._pool is None:
            self.execute("BEGIN IMMEDIATE")
            return
        for again in (False, True):
            conn = self._getconn()
            try:
                self._statement(conn, "BEGIN", ())
            except StoreError as exc:
                self._pool.putconn(conn)
                if again or not isinstance(exc, StoreUnavailable):
                    raise
                continue
            self._tx = conn
            return

    def _end(self, command: str) -> None:
        """``COMMIT`` or ``ROLLBACK`` the outermost transaction (a failed ``ROLLBACK`` is
        ignored: the driver or the server already ended it); PostgreSQL: return its
        connection to the pool (which discards a broken one). A PostgreSQL connection lost
        during ``COMMIT``: the outcome is asked of the server (:meth:`_settle`).

        Raises:
            StoreError: the ``COMMIT`` failed (then rolled back); StoreUnavailable: the
                connection was lost before the ``COMMIT`` or the server rolled it back
                (``lost_before_commit=True``), or the outcome could not be learned.
        """
        conn, self._tx = self._tx, None
        target = self._conn if self._pool is None else conn
        xid: str | None = None
        sent = False
        try:
            if command == "COMMIT" and conn is not None:  # None: it wrote nothing
                xid = self._statement(conn, XID_SQL, ()).fetchone()[0]
            sent = True
            self._statement(target, command, ())
            return
        except StoreUnavailable as exc:
            if command != "COMMIT":
                return
            if not sent or xid is None:  # rolled back by the server, or nothing written
                raise StoreUnavailable(self.display, "COMMIT", exc.reason,
                                       lost_before_commit=True) from exc
            lost = exc
        except StoreError:
            if command != "COMMIT":
                return
            try:
                self._statement(target, "ROLLBACK", ())
            except StoreError:
                pass
            raise
        finally:
            if conn is not None:
                self._pool.putconn(conn)
        self._settle(xid, lost)

    def _settle(self, xid: str, lost: StoreUnavailable) -> None:
        """The outcome of transaction ``xid`` whose connection was lost during ``COMMIT``
        (``lost``), asked on fresh connections (:func:`~gsomia.sharing.sqlpool.
        settle_commit`: returns if it committed, else raises StoreUnavailable)."""
        assert self.pool is not None

        def ask() -> str:
            with self._checkout() as conn:
                return self._statement(conn, STATUS_SQL, (xid,)).fetchone()[0]

        settle_commit(ask, self.pool.wait_s, self.display, lost)

    def retrying(self, work: Callable[[], _T]) -> _T:
        """``work()`` in one transaction; if the PostgreSQL connection was lost before the
        ``COMMIT`` (the server rolled it back: nothing of it was written), run once more
        on a fresh connection. Inside an open transaction of this thread ``work()`` joins
        it and is never run again (the outermost transaction decides).

        ``work`` must be safe to run again after a rollback: it writes only through this
        database and keeps no other state that a rolled-back run would have changed.

        Raises:
            StoreError, StoreUnavailable: as :meth:`transaction`, after the second run.
        """
        for again in (False, True):
            nested = self._owner == threading.get_ident()
            try:
                with self.transaction():
                    return work()
            except StoreUnavailable as exc:
                if again or nested or not exc.lost_before_commit:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def write(self, statements: Sequence[tuple[str, Sequence[Any]]]) -> None:
        """Run ``(sql, args)`` statements in one transaction (:meth:`retrying`); inside an
        open transaction of this thread they join it (as :meth:`retrying` does)."""
        if self._depth and self._owner == threading.get_ident():
            with self.lock:
                for sql, args in statements:
                    self.execute(sql, args)
            return

        def run() -> None:
            for sql, args in statements:
                self.execute(sql, args)

        self.retrying(run)

    def probe(self) -> Probe:
        """Run ``SELECT 1`` and time it (wall clock): is the database reachable now?
        PostgreSQL: on a connection of its own, waiting at most ``down_wait_s``, without
        the database's lock (so a long transaction does not delay it); SQLite: under the
        lock."""
        try:
            if self._pool is None:
                with self.lock:
                    t0 = time.perf_counter()
                    self._statement(self._conn, "SELECT 1", ()).fetchone()
                    return Probe(True, time.perf_counter() - t0, None)
            from psycopg_pool import PoolClosed, PoolTimeout

            assert self.pool is not None
            try:
                conn = self._pool.getconn(timeout=self.pool.down_wait_s)
            except (PoolTimeout, PoolClosed) as exc:
                self._reachable = False
                return Probe(False, None, f"no connection within {self.pool.down_wait_s:g} "
                                          f"s: {exc}")
            try:
                t0 = time.perf_counter()
                self._statement(conn, "SELECT 1", ()).fetchone()
                return Probe(True, time.perf_counter() - t0, None)
            finally:
                self._pool.putconn(conn)
        except StoreError as exc:
            return Probe(False, None, exc.reason)

    @property
    def in_transaction(self) -> bool:
        """True inside :meth:`transaction` (in the thread holding the lock)."""
        return self._depth > 0

    def user_version(self, component: str) -> int:
        """The schema version recorded for ``component`` (0 if none)."""
        if self.dialect == "sqlite" and component == "store":
            return int(self.fetchone("PRAGMA user_version")[0])  # type: ignore[index]
        self.execute("CREATE TABLE IF NOT EXISTS gsomia_meta "
                     "(component TEXT PRIMARY KEY, version INTEGER NOT NULL)")
        row = self.fetchone("SELECT version FROM gsomia_meta WHERE component = ?", (component,))
        return 0 if row is None else int(row[0])

    def set_user_version(self, component: str, version: int) -> None:
        """Record the schema version of ``component``."""
        if self.dialect == "sqlite" and component == "store":
            self.execute(f"PRAGMA user_version = {int(version)}")
            return
        self.user_version(component)  # creates the table
        self.execute(
            "INSERT INTO gsomia_meta (component, version) VALUES (?, ?) "
            "ON CONFLICT (component) DO UPDATE SET version = excluded.version",
            (component, int(version)),
        )

    def close(self) -> None:
        """Close the connection, or the pool and its connections (idempotent)."""
        with self.lock:
            self.closed = True
            if self._pool is not None:
                self._pool.close(timeout=5.0)
                return
            try:
                self._conn.close()
            except self.driver_errors:
                pass

    def __repr__(self) -> str:
        return f"Database({self.display!r})"


def _is_read(sql: str) -> bool:
    """A statement that only reads (safe to run again): ``SELECT`` without ``FOR
    UPDATE``."""
    text = sql.lstrip().upper()
    return text.startswith("SELECT") and "FOR UPDATE" not in text

"""The PostgreSQL connection pool of :class:`gsomia.sharing.sqldb.Database`: its settings,
how it is opened, and the outcome of a probe.

The pool is psycopg_pool's ``ConnectionPool`` (psycopg 3 docs, "Connection pools"):
connections are checked when checked out (``check=ConnectionPool.check_connection``, an
empty query: "Connection quality"), replaced in the background when found broken, and
reconnected with exponential backoff (1 s, doubling, with jitter) for at most
``reconnect_timeout`` seconds, after which the pool gives up until the next checkout asks
for a connection again ("Pool operations"). Settings and why: :class:`PoolSettings`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from gsomia.errors import StoreError, StoreUnavailable

__all__ = ["POOL", "SETTLE_POLL_S", "STATUS_SQL", "XID_SQL", "PoolSettings", "Probe", "open_pool",
           "settle_commit"]


@dataclass(frozen=True, slots=True)
class PoolSettings:
    """How a PostgreSQL :class:`~gsomia.sharing.sqldb.Database` pools its connections (psycopg_pool
    ``ConnectionPool`` arguments, psycopg 3 docs "Connection pools").

    Attributes:
        min_size, max_size: connections kept open, at most opened (every statement holds
            the database's lock, so one serves the work; the second lets
            :meth:`~gsomia.sharing.sqldb.Database.probe` answer while a transaction runs).
        wait_s: longest wait for a connection at checkout [s] (``getconn(timeout=…)``),
            also the wait for the first connection when opening.
        down_wait_s: the same once the server was found unreachable [s], until a
            checkout succeeds again: requests fail fast (503) while it is down.
        reconnect_s: how long the pool's background reconnection backs off (1 s doubling)
            before giving up (``reconnect_timeout`` [s]); the next checkout starts again, so
            the gap between attempts stays under about half of it.
        connect_timeout_s: libpq ``connect_timeout`` of each new connection [s].
    """

    min_size: int = 1
    max_size: int = 2
    wait_s: float = 3.0
    down_wait_s: float = 0.5
    reconnect_s: float = 5.0
    connect_timeout_s: int = 3


#: The pool settings of every PostgreSQL :class:`~gsomia.sharing.sqldb.Database` unless
#: given.
POOL = PoolSettings()


@dataclass(frozen=True, slots=True)
class Probe:
    """A trivial query's outcome (:meth:`~gsomia.sharing.sqldb.Database.probe`):
    ``reachable``; ``latency_s`` [s] of ``SELECT 1`` (None when unreachable); ``error``
    (the driver's message, or None)."""

    reachable: bool
    latency_s: float | None
    error: str | None


def open_pool(url: str, settings: PoolSettings, display: str) -> tuple[Any, str | None]:
    """``(pool, schema)``: a psycopg_pool ``ConnectionPool`` on the PostgreSQL ``url``
    with one connection made, and the ``?schema=`` parameter (ours: removed before
    connecting; every connection's ``search_path``), or None.

    The first connection is made directly, so that an unreachable server is reported at
    once with libpq's message; it also creates the schema when missing. Connections are
    in autocommit mode (:class:`~gsomia.sharing.sqldb.Database` sends ``BEGIN`` and
    ``COMMIT`` itself).

    Raises:
        StoreError: the schema is not a plain identifier, or the server cannot be reached
            (operation ``open``); ``display`` names the database.
    """
    try:
        import psycopg
        from psycopg_pool import ConnectionPool
    except ImportError:  # pragma: no cover - psycopg and psycopg-pool are dependencies
        raise StoreError(display, "open", "psycopg or psycopg-pool is not installed") from None
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    schemas = [v for k, v in query if k == "schema"]
    conninfo = urlunsplit(parts._replace(
        query=urlencode([(k, v) for k, v in query if k != "schema"])))
    schema = schemas[-1] if schemas else None
    if schema is not None and (not schema.replace("_", "").isalnum() or schema[0].isdigit()):
        raise StoreError(display, "schema", f"not a plain identifier: {schema!r}")
    kwargs: dict[str, Any] = {"autocommit": True}
    if "connect_timeout" not in dict(query):
        kwargs["connect_timeout"] = settings.connect_timeout_s

    def configure(conn: Any) -> None:
        if schema:
            conn.execute(f'SET search_path TO "{schema}"')

    try:
        with psycopg.connect(conninfo, **kwargs) as first:
            if schema:
                first.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        pool = ConnectionPool(
            conninfo, kwargs=kwargs, min_size=settings.min_size, max_size=settings.max_size,
            open=False, configure=configure, check=ConnectionPool.check_connection,
            timeout=settings.wait_s, reconnect_timeout=settings.reconnect_s, num_workers=2,
            name=f"gsomia {display}")
        pool.open(wait=True, timeout=settings.wait_s)
    except psycopg.Error as exc:
        raise StoreError(display, "open", str(exc).strip()) from None
    return pool, schema


#: The open transaction's id (PostgreSQL 13+), None when it wrote nothing (none assigned).
XID_SQL = "SELECT pg_current_xact_id_if_assigned()::text"
#: ``committed``, ``aborted`` or ``in progress`` of a transaction id (PostgreSQL 13+).
STATUS_SQL = "SELECT pg_xact_status(CAST(? AS xid8))"
#: Wait between two questions about a transaction still in progress [s]
#: (:func:`settle_commit`): a terminated backend ends its transaction within milliseconds.
SETTLE_POLL_S = 0.01


def settle_commit(ask: Callable[[], str], wait_s: float, display: str,
                  lost: StoreUnavailable) -> None:
    """Settle a transaction whose connection was lost during ``COMMIT`` (``lost``) by asking
    its status (``ask()``: :data:`STATUS_SQL` on a fresh connection; PostgreSQL docs,
    "System Information Functions", ``pg_xact_status``): committed: return; still ``in
    progress`` (the lost backend not yet ended): asked again every :data:`SETTLE_POLL_S`
    for at most ``wait_s`` seconds.

    Raises:
        StoreUnavailable: rolled back (``lost_before_commit=True``: nothing written), or the
            outcome not learned within ``wait_s`` (the server unreachable), naming
            ``display``.
    """
    deadline = time.monotonic() + wait_s
    status: str | None = "in progress"
    reason = lost.reason
    while status == "in progress" and time.monotonic() < deadline:
        try:
            status = ask()
        except StoreUnavailable as exc:  # that one lost too: again, within the wait
            reason = f"{lost.reason}; asking its outcome: {exc.reason}"
            if not exc.lost_before_commit:
                break
            continue
        if status == "in progress":
            time.sleep(SETTLE_POLL_S)
    if status == "committed":
        return
    if status == "aborted":
        raise StoreUnavailable(display, "COMMIT", f"{lost.reason}; the server rolled the "
                               "transaction back", lost_before_commit=True)
    raise StoreUnavailable(display, "COMMIT", f"{reason}; the transaction may or may not "
                           "have been committed") from lost

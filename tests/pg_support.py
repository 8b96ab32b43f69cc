"""PostgreSQL for tests that break it: a private server to stop and start, a fresh database
on the machine's shared server, and ``pg_terminate_backend`` from an admin connection.

The shared server (127.0.0.1:5432, trust authentication; ``GSOMIA_TEST_POSTGRESQL``) is
never stopped or restarted by a test: a test that needs a server restart starts a
:class:`PrivatePostgres` of its own (``initdb`` in a new temporary directory, trust
authentication, user ``postgres``, listening on 127.0.0.1 only, on a free port chosen at
run time, socket in that directory) and stops it. As root (``initdb`` refuses to run as
root) the server's commands run as the ``postgres`` user (``runuser``) in a directory
owned by it.

API (import ``pg_support`` from any test; ``tests/`` is on the path):

``SHARED``                            the shared server's URL (database ``postgres``).
``postgres_bin()``                    the directory of ``initdb``/``pg_ctl``, or None.
``shared_or_skip()``                  an admin connection to the shared server (autocommit),
                                      or ``pytest.skip``.
``fresh_database(admin)``             context manager: ``CREATE DATABASE`` a new name,
                                      yield its URL, ``DROP DATABASE … WITH (FORCE)``.
``terminate_backends(admin, dbname)`` ``pg_terminate_backend`` every other backend
                                      connected to ``dbname``; returns how many.
``CommitCutProxy(url)``               a TCP pipe to the server of ``url`` that, once
                                      ``arm``ed, cuts the connection of the next ``COMMIT``:
                                      before the server gets it, or after it committed (its
                                      answer never reaching the client); ``.url`` goes
                                      through it.
``PrivatePostgres()``                 ``.start()`` / ``.stop()`` (fast shutdown, which
                                      terminates the connections) / ``.close()`` (stop and
                                      remove the directory); ``.port``, ``.url(dbname)``,
                                      ``.running``; a context manager (started on enter,
                                      closed on exit). Skips the test when the binaries are
                                      missing.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import tempfile
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from gsomia.web import fault_procs

__all__ = ["SHARED", "CommitCutProxy", "PrivatePostgres", "fresh_database", "postgres_bin",
           "shared_or_skip", "terminate_backends"]

#: The machine's shared PostgreSQL server (trust authentication).
SHARED = os.environ.get("GSOMIA_TEST_POSTGRESQL", "postgresql://127.0.0.1:5432/postgres")
_BIN_DIRS = ("/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin",
             "/usr/lib/postgresql/17/bin")


def postgres_bin() -> Path | None:
    """The directory holding ``initdb`` and ``pg_ctl`` (Debian's layout, else PATH)."""
    for d in _BIN_DIRS:
        if (Path(d) / "initdb").exists() and (Path(d) / "pg_ctl").exists():
            return Path(d)
    found = shutil.which("initdb")
    return None if found is None else Path(found).resolve().parent


def shared_or_skip() -> Any:
    """An autocommit admin connection to :data:`SHARED`; skips the test if unreachable."""
    psycopg = pytest.importorskip("psycopg")
    try:
        return psycopg.connect(SHARED, autocommit=True, connect_timeout=3)
    except psycopg.Error as exc:
        pytest.skip(f"PostgreSQL not reachable at {SHARED}: {str(exc).strip()}")


@contextmanager
def fresh_database(admin: Any, prefix: str = "gsomia_test") -> Iterator[str]:
    """A new database on ``admin``'s server for the block (its URL); dropped after it,
    with any connection left to it."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    info = admin.info
    try:
        yield f"postgresql://{info.user}@{info.host}:{info.port}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def terminate_backends(admin: Any, dbname: str) -> int:
    """``pg_terminate_backend`` each backend connected to ``dbname`` but ``admin``'s own;
    how many were terminated."""
    rows = admin.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = %s AND pid <> pg_backend_pid()", (dbname,)).fetchall()
    return sum(1 for (ok,) in rows if ok)


class PrivatePostgres(fault_procs.PrivatePostgres):
    """A PostgreSQL server of the test's own (module docstring;
    :class:`gsomia.web.fault_procs.PrivatePostgres` in a new temporary directory): stop it
    and start it again without touching the shared one. Data survive a stop (same
    directory, same port). ``fsync=off``: a test's server need not survive a power cut."""

    def __init__(self) -> None:
        if postgres_bin() is None:
            pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not found")
        super().__init__(Path(tempfile.mkdtemp(prefix="gsomia-pg-")))
        self.running = False

    def url(self, dbname: str = "postgres") -> str:
        """A libpq URL of ``dbname`` on this server (user postgres, no password)."""
        return super().url(dbname)

    def start(self) -> PrivatePostgres:
        """initdb (first time) and start the server; wait until it accepts connections."""
        if not self.running:
            super().start()
            self.running = True
        return self

    def stop(self) -> None:
        """Stop the server (fast shutdown: open connections are terminated)."""
        if self.running:
            self.down()
            self.running = False

    def close(self) -> None:
        """Stop the server and remove its directory."""
        try:
            self.stop()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> PrivatePostgres:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


#: A ``COMMIT`` statement in the frontend/backend protocol (PostgreSQL docs, "Message
#: Formats"): a simple Query, or a Parse naming the statement (group 1; psycopg prepares
#: a statement used often and then sends only a Bind of its name).
_QUERY_COMMIT = re.compile(rb"Q.{4}COMMIT\x00|P.{4}([^\x00]*)\x00COMMIT\x00", re.DOTALL)
#: The server's CommandComplete of a ``COMMIT`` that committed.
_COMMITTED = b"C\x00\x00\x00\x0bCOMMIT\x00"


class CommitCutProxy:
    """A byte pipe ``127.0.0.1:port`` → the PostgreSQL server of ``url`` (each client
    connection on a server connection of its own) that, once armed (:meth:`arm`), cuts the
    connection of the next ``COMMIT``, both ways: ``"before"`` the server gets it (the
    server rolls the transaction back) or ``"after"`` the server committed it, its answer
    dropped (the client told only that the connection was lost: what a backend terminated
    as it commits looks like to the client).

    :attr:`url` is ``url`` through the proxy, TLS off (``sslmode=disable``), so that the
    proxy reads the protocol's messages. :attr:`cuts` counts the connections cut. While
    :attr:`refusing` (set by ``arm(…, refuse=True)`` at the cut, cleared by the caller),
    every connection is closed, open or new: the server unreachable.
    """

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self._upstream = (parts.hostname or "127.0.0.1", parts.port or 5432)
        self._listener = socket.create_server(("127.0.0.1", 0))
        port = self._listener.getsockname()[1]
        user = f"{parts.username}@" if parts.username else ""
        query = "&".join(q for q in (parts.query, "sslmode=disable") if q)
        self.url = urlunsplit(parts._replace(netloc=f"{user}127.0.0.1:{port}", query=query))
        self.cuts = 0
        self.refusing = False
        self._refuse = False
        self._armed: str | None = None
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def arm(self, when: str, refuse: bool = False) -> None:
        """Cut the connection of the next ``COMMIT``, ``"before"`` or ``"after"`` it; with
        ``refuse``, every other connection then too, and new ones until :attr:`refusing`
        is cleared."""
        assert when in ("before", "after")
        self._refuse = refuse
        self._armed = when

    def close(self) -> None:
        self._listener.close()
        with self._lock:
            for sock in self._sockets:
                _shut(sock)

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self.refusing:
                _shut(client)
                continue
            server = socket.create_connection(self._upstream)
            with self._lock:
                self._sockets += [client, server]
            threading.Thread(target=self._up, args=(client, server), daemon=True).start()
            threading.Thread(target=self._down, args=(client, server), daemon=True).start()

    def _take(self, when: str) -> bool:
        """True (and disarmed) when armed ``when``."""
        with self._lock:
            if self._armed != when:
                return False
            self._armed = None
            return True

    def _up(self, client: socket.socket, server: socket.socket) -> None:
        names: set[bytes] = set()  # this connection's statements prepared as COMMIT
        while data := _recv(client):
            found = [m.group(1) for m in _QUERY_COMMIT.finditer(data)]
            names.update(n for n in found if n)
            commit = bool(found) or any(re.search(rb"B.{4}\x00" + re.escape(n) + rb"\x00",
                                                  data, re.DOTALL) for n in names)
            if commit and self._take("before"):
                self._cut(client, server)
                return
            try:
                server.sendall(data)
            except OSError:
                break
        _shut(server)

    def _down(self, client: socket.socket, server: socket.socket) -> None:
        while data := _recv(server):
            if _COMMITTED in data and self._take("after"):
                self._cut(client, server)
                return
            try:
                client.sendall(data)
            except OSError:
                break
        _shut(client)

    def _cut(self, client: socket.socket, server: socket.socket) -> None:
        with self._lock:
            self.cuts += 1
            self.refusing = self._refuse
            every = list(self._sockets) if self._refuse else []
        for sock in (client, server, *every):
            _shut(sock)


def _recv(sock: socket.socket) -> bytes:
    try:
        return sock.recv(65536)
    except OSError:
        return b""


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()

"""The blocking TCP proxy of ``gsomia bench faults`` (gsomia.web.fault_proxy) against real
sockets on 127.0.0.1: bytes piped both ways unchanged, connections cut and refused while
blocked, piped again once unblocked, a new upstream followed."""

from __future__ import annotations

import socket
import socketserver
import threading

import pytest

from gsomia.web.fault_proxy import BlockingProxy


class _Echo(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        prefix = self.server.prefix  # type: ignore[attr-defined]
        while data := self.request.recv(65536):
            self.request.sendall(prefix + data)


@pytest.fixture
def echo_servers():
    servers = []
    for prefix in (b"A:", b"B:"):
        srv = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Echo)
        srv.daemon_threads = True
        srv.prefix = prefix
        threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(srv)
    yield servers
    for srv in servers:
        srv.shutdown()
        srv.server_close()


@pytest.fixture
def proxy(echo_servers):
    p = BlockingProxy(echo_servers[0].server_address).start()
    yield p
    p.stop()


def _ask(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5.0) as s:
        s.sendall(data)
        return s.recv(65536)


def _refused(port: int) -> bool:
    """Whether a connection through the proxy gets no answer (closed or reset)."""
    try:
        return _ask(port, b"ping") == b""
    except OSError:
        return True


def test_bytes_are_piped_both_ways_unchanged(proxy):
    payload = bytes(range(256)) * 4
    assert _ask(proxy.port, payload)[:2] == b"A:"
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=5.0) as s:
        s.sendall(payload)
        got = b""
        while len(got) < len(payload) + 2:
            got += s.recv(65536)
    assert got == b"A:" + payload
    assert proxy.accepted == 2 and proxy.refused == 0


def test_block_cuts_open_connections_and_refuses_new_ones(proxy):
    s = socket.create_connection(("127.0.0.1", proxy.port), timeout=5.0)
    s.sendall(b"x")
    assert s.recv(100) == b"A:x"
    proxy.block()
    assert proxy.blocked
    try:
        s.sendall(b"y")
        assert s.recv(100) == b""  # closed by the cut
    except OSError:
        pass  # or reset
    finally:
        s.close()
    assert _refused(proxy.port)
    assert proxy.refused == 1
    proxy.unblock()
    assert _ask(proxy.port, b"z") == b"A:z"


def test_a_new_upstream_is_followed_and_a_dead_one_refused(proxy, echo_servers):
    proxy.set_upstream(echo_servers[1].server_address)
    assert _ask(proxy.port, b"q") == b"B:q"
    with socket.socket() as s:  # a port with nothing listening
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()
    proxy.set_upstream(dead)
    assert _refused(proxy.port)
    assert proxy.refused == 1

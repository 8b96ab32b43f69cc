"""Run a node's app with uvicorn over HTTPS with mutual TLS, in a thread (tests, bench) or
in the foreground (``gsomia serve``).

The listening socket is bound by :func:`bind` first (port 0: chosen by the system at run
time), so that peers can be told the port before the servers start, and a restarted node
can listen on the same port again.

The client's certificate reaches the app as the ASGI TLS extension
(``scope["extensions"]["tls"]["client_cert_chain"]``: PEM strings, the client's own
certificate first; asgiref "TLS" extension spec). uvicorn does not fill it in yet (uvicorn
issues #400, #745 and pull request #1119), so :class:`MutualTlsH11Protocol`, the h11
protocol class given to uvicorn, reads the peer certificate from the connection's SSL
object when the connection is made and adds it to the scope of each request on it.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
import time
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI
from uvicorn.protocols.http.h11_impl import H11Protocol

from gsomia.errors import InputError

__all__ = [
    "GRACEFUL_SHUTDOWN_S",
    "MutualTlsH11Protocol",
    "ThreadedServer",
    "bind",
    "uvicorn_config",
]

#: Longest wait for open connections when a server is asked to stop [s].
GRACEFUL_SHUTDOWN_S = 2.0


def bind(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0: any free port).

    Created with ``proto=IPPROTO_TCP``: asyncio sets ``TCP_NODELAY`` on accepted
    connections only when their protocol says TCP, and without it every answer's body
    waited for the client's delayed ACK (about 40 ms per request on Linux loopback),
    because uvicorn writes the head and the body of a response separately."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise InputError("listen", f"{host}:{port}", f"cannot bind: {exc.strerror}") from None
    sock.listen(128)
    return sock


def _with_tls_extension(app: Any, client_cert_pem: str | None) -> Any:
    """``app`` with the ASGI TLS extension of one connection added to every scope."""
    tls = {
        "client_cert_chain": [client_cert_pem] if client_cert_pem else [],
        "client_cert_name": None,
        "client_cert_error": None,
        "server_cert": None,
        "tls_version": None,
        "cipher_suite": None,
    }

    async def with_tls(scope: dict, receive: Any, send: Any) -> None:
        if scope.get("type") in ("http", "websocket"):
            scope["extensions"] = {**(scope.get("extensions") or {}), "tls": tls}
        await app(scope, receive, send)

    return with_tls


class MutualTlsH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, adding the client certificate to each request's scope as the
    ASGI TLS extension (see the module docstring)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        ssl_object = transport.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
        pem = ssl.DER_cert_to_PEM_cert(der) if der else None
        self.app = _with_tls_extension(self.config.loaded_app, pem)


def uvicorn_config(app: FastAPI, cert: Path, key: Path, trusted_cas: Path) -> uvicorn.Config:
    """uvicorn settings for mutual TLS: our certificate, client certificates required and
    checked against the partners' CAs, and passed to the app (:class:`MutualTlsH11Protocol`)."""
    return uvicorn.Config(
        app,
        http=MutualTlsH11Protocol,
        ssl_certfile=str(cert),
        ssl_keyfile=str(key),
        ssl_ca_certs=str(trusted_cas),
        ssl_cert_reqs=ssl.CERT_REQUIRED,
        log_level="warning",
        access_log=False,
        lifespan="off",
        # On SIGTERM/SIGINT uvicorn waits for open connections to close; a partner's idle
        # keep-alive TLS connection only closes when the partner answers close_notify,
        # so the wait is bounded (seconds).
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
    )


class ThreadedServer:
    """uvicorn serving ``app`` on an already bound socket, in a daemon thread.

    ``start()`` returns once the server accepts connections; ``stop()`` closes it.
    """

    def __init__(self, config: uvicorn.Config, sock: socket.socket) -> None:
        self.server = uvicorn.Server(config)
        self.sock = sock
        self.port = sock.getsockname()[1]
        self._thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [sock]}, daemon=True
        )

    def start(self, timeout_s: float = 10.0) -> ThreadedServer:
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise InputError("server", self.port, "did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.server.force_exit = True  # do not wait for idle keep-alive TLS connections
        self._thread.join(timeout=10.0)
        self.sock.close()

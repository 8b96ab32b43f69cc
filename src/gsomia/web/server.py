"""Run a node's app with uvicorn over HTTPS with mutual TLS, in a thread (tests, bench) or
in the foreground (``gsomia serve``).

The listening socket is bound by :func:`bind` first (port 0: chosen by the system at run
time), so that peers can be told the port before the servers start, and a restarted node
can listen on the same port again.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from gsomia.errors import InputError

__all__ = ["ThreadedServer", "bind", "uvicorn_config"]


def bind(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0: any free port)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise InputError("listen", f"{host}:{port}", f"cannot bind: {exc.strerror}") from None
    sock.listen(128)
    return sock


def uvicorn_config(app: FastAPI, cert: Path, key: Path, trusted_cas: Path) -> uvicorn.Config:
    """uvicorn settings for mutual TLS: our certificate, and client certificates required
    and checked against the partners' CAs."""
    return uvicorn.Config(
        app,
        ssl_certfile=str(cert),
        ssl_keyfile=str(key),
        ssl_ca_certs=str(trusted_cas),
        ssl_cert_reqs=ssl.CERT_REQUIRED,
        log_level="warning",
        access_log=False,
        lifespan="off",
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

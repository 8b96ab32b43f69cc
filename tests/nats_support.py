"""A NATS JetStream server of a test's own (``nats-server`` of Debian's package), on a port
chosen at run time, its store in a folder of the test; the machine's server is never
restarted by a test.

API (import ``nats_support`` from any test; ``tests/`` is on the path): ``NatsServer(root)``,
``.start()``, ``.kill()`` (kill -9; ``start()`` again: same port, same store), ``.url``,
``.port``.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from gsomia.web.fault_procs import free_port

__all__ = ["NatsServer"]


def _up(port: int, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


class NatsServer:
    """A NATS server of this test's own (JetStream on, its store under ``root``), on a
    port chosen at run time: the machine's server is never restarted by a test."""

    def __init__(self, root: Path) -> None:
        binary = shutil.which("nats-server") or "/usr/sbin/nats-server"
        if not Path(binary).is_file():
            pytest.fail("nats-server not found (Debian package nats-server): the services "
                        "tests need it")
        self.port = free_port()
        self.url = f"nats://127.0.0.1:{self.port}"
        self.args = [binary, "-a", "127.0.0.1", "-p", str(self.port), "-js", "-sd",
                     str(root)]
        self.proc: subprocess.Popen | None = None

    def start(self) -> NatsServer:
        self.proc = subprocess.Popen(self.args, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        if not _up(self.port, 20.0):
            pytest.fail(f"not within 20 s: nats-server on {self.url}")
        return self

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)

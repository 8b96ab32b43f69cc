"""Real processes for ``gsomia bench faults`` (:mod:`gsomia.web.bench_faults`): a node run
by ``gsomia serve`` (:class:`ServeProcess`), a private PostgreSQL server
(:class:`PrivatePostgres`) and a small tmpfs (:class:`Tmpfs`), each started and stopped by
the bench, on 127.0.0.1 only.

- :class:`ServeProcess`: writes the node's TOML file (:mod:`gsomia.node.config`; listen
  port 0, the port the server prints is read back), starts ``gsomia serve`` as a child
  process, and kills it with SIGKILL (``kill -9``: no shutdown code runs, what a power cut
  leaves) or stops it with SIGTERM. Its output goes to ``<name>.log`` in its folder.
- :class:`PrivatePostgres`: ``initdb`` (trust authentication, user ``postgres``) and
  ``pg_ctl`` on a free port of 127.0.0.1 with its own socket folder, run as the
  ``postgres`` user when the bench runs as root (PostgreSQL refuses to run as root). It is
  the bench's own server: :meth:`PrivatePostgres.restart` (``pg_ctl restart -m fast``)
  never touches another cluster of the machine.
- :class:`Tmpfs`: a RAM file system of a given size mounted on a folder (needs root and
  ``mount``); :meth:`Tmpfs.fill` writes a ballast file until the file system answers
  ENOSPC, :meth:`Tmpfs.drain` deletes it.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

__all__ = ["PrivatePostgres", "ServeProcess", "Tmpfs", "free_port", "gsomia_command"]

_URL = re.compile(rb"https://127\.0\.0\.1:(\d+)")


def gsomia_command() -> list[str]:
    """The command that runs this installation's ``gsomia`` CLI."""
    script = Path(sys.executable).with_name("gsomia")
    if script.exists():
        return [str(script)]
    found = shutil.which("gsomia")
    return [found] if found else [sys.executable, "-c", "from gsomia.cli import main; main()"]


def free_port() -> int:
    """A TCP port of 127.0.0.1 free at the time of the call (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServeProcess:
    """One node as a ``gsomia serve`` child process.

    Parameters:
        folder: where its configuration, log and (SQLite) store go.
        party: the node's party.
        keys: the PKI folder (``gsomia pki init``).
        store: the ``store`` value of the configuration (a path or a database URL).
        peers: ``{party: url}`` of its partners (route ``direct``).

    Attributes:
        port: the port of the running server (None while stopped); restarts: how many times
            it was started again.
    """

    def __init__(self, folder: Path, party: str, keys: Path, store: str,
                 peers: dict[str, str]) -> None:
        self.folder = Path(folder)
        self.party = party
        self.folder.mkdir(parents=True, exist_ok=True)
        self.config = self.folder / f"{party.lower()}.toml"
        lines = [f'party = "{party}"', 'listen = "127.0.0.1:0"', f'store = "{store}"',
                 f'keys = "{keys}"']
        for peer, url in peers.items():
            lines += ["", f"[peers.{peer}]", f'url = "{url}"', 'route = "direct"']
        self.config.write_text("\n".join(lines) + "\n", encoding="utf-8")
        self.log = self.folder / f"{party.lower()}.log"
        self.proc: subprocess.Popen | None = None
        self.port: int | None = None
        self.restarts = -1

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def alive(self) -> bool:
        """Whether the process runs (started and not exited)."""
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout_s: float = 60.0) -> ServeProcess:
        """Start the server; return once it has printed its URL.

        Raises:
            RuntimeError: it exited or printed no URL within ``timeout_s`` [s] (names the
                log file and its end).
        """
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}
        out = self.log.open("ab")
        self.proc = subprocess.Popen(
            [*gsomia_command(), "serve", "--config", str(self.config)], stdout=subprocess.PIPE,
            stderr=out, env=env, cwd=self.folder, start_new_session=True)
        found: list[int] = []
        ready = threading.Event()

        def drain(pipe, out=out) -> None:  # noqa: ANN001 - the child's stdout
            for line in pipe:
                out.write(line)
                out.flush()
                m = _URL.search(line)
                if m and not found:
                    found.append(int(m.group(1)))
                    ready.set()
            out.close()
            ready.set()

        threading.Thread(target=drain, args=(self.proc.stdout,), daemon=True).start()
        ready.wait(timeout_s)
        if not found:
            self.kill()
            tail = self.log.read_text(encoding="utf-8", errors="replace")[-2000:]
            raise RuntimeError(f"{self.party} node did not start (log {self.log}): {tail}")
        self.port = found[0]
        self.restarts += 1
        return self

    def kill(self) -> None:
        """SIGKILL (kill -9) and reap it."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait(timeout=30.0)
        self.port = None

    def stop(self, timeout_s: float = 15.0) -> None:
        """SIGTERM (a clean stop), SIGKILL after ``timeout_s`` [s]."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.kill()
        self.port = None


def _as_postgres() -> list[str]:
    """The prefix that runs a PostgreSQL program as ``postgres`` when we are root."""
    if os.geteuid() != 0:
        return []
    runuser = shutil.which("runuser")
    if runuser is None:
        raise RuntimeError("running as root without runuser: cannot start PostgreSQL")
    return [runuser, "-u", "postgres", "--"]


def _pg_bin(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
            if (folder / name).exists():
                return str(folder / name)
        raise RuntimeError(f"PostgreSQL program {name} not found (install PostgreSQL)")
    return found


class PrivatePostgres:
    """A PostgreSQL server of the bench's own, in ``folder`` on a free 127.0.0.1 port.

    Raises (:meth:`start`):
        RuntimeError: ``initdb``/``pg_ctl`` missing or failing (their output named).
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.data = self.folder / "data"
        self.sockets = self.folder / "sock"
        self.port = free_port()

    def url(self, database: str) -> str:
        """The URL of ``database`` on this server (user ``postgres``, trust)."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str, timeout_s: float = 120.0) -> str:
        done = subprocess.run([*_as_postgres(), *args], capture_output=True, text=True,
                              timeout=timeout_s, cwd="/")
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:2])} failed: {done.stderr[-1500:]}")
        return done.stdout

    def start(self) -> PrivatePostgres:
        """initdb (first time) and start; wait until it accepts connections."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self.sockets.mkdir(exist_ok=True)
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            for p in (self.folder, self.sockets):
                os.chown(p, user.pw_uid, user.pw_gid)
        if not (self.data / "PG_VERSION").exists():
            self._run(_pg_bin("initdb"), "-D", str(self.data), "-U", "postgres",
                      "--auth=trust", "-E", "UTF8", "--no-sync")
        self._ctl("start")
        return self

    def _ctl(self, action: str) -> None:
        opts = (f"-p {self.port} -c listen_addresses=127.0.0.1 "
                f"-k {self.sockets} -c fsync=off -c max_connections=60 "
                "-c max_wal_size=64MB -c min_wal_size=32MB")
        args = [_pg_bin("pg_ctl"), action, "-D", str(self.data), "-w", "-t", "60",
                "-l", str(self.folder / "server.log")]
        if action != "stop":
            args += ["-o", opts]
        if action != "start":
            args += ["-m", "fast"]
        self._run(*args)

    def restart(self) -> None:
        """``pg_ctl restart -m fast``: every connection is closed, the server comes back."""
        self._ctl("restart")

    def down(self) -> None:
        """``pg_ctl stop -m fast``: every connection is closed, none accepted until
        :meth:`up`."""
        self._ctl("stop")

    def up(self) -> None:
        """``pg_ctl start`` again after :meth:`down` (same data, port and settings)."""
        self._ctl("start")

    def execute(self, database: str, sql: str) -> list[tuple]:
        """Run ``sql`` in ``database`` (autocommit) and return its rows.

        Raises:
            RuntimeError: the server refused or failed it (psycopg's message)."""
        import psycopg

        try:
            with psycopg.connect(self.url(database), autocommit=True,
                                 connect_timeout=10) as conn:
                cur = conn.execute(sql)
                return cur.fetchall() if cur.description else []
        except psycopg.Error as exc:
            raise RuntimeError(f"PostgreSQL on port {self.port}: {exc}") from None

    def create_database(self, name: str) -> None:
        """A new, empty database ``name`` (one of an earlier run dropped first)."""
        self.execute("postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.execute("postgres", f'CREATE DATABASE "{name}"')

    def terminate(self, database: str) -> int:
        """``pg_terminate_backend`` of every other connection to ``database``; how many."""
        rows = self.execute("postgres", "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))"
                            " FROM pg_stat_activity WHERE datname = '" + database + "' "
                            "AND pid <> pg_backend_pid()")
        return int(rows[0][0])

    def stop(self) -> None:
        with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
            self._ctl("stop")


class Tmpfs:
    """A tmpfs of ``size_mb`` MiB mounted on ``folder`` (root only).

    Raises (:meth:`mount`):
        RuntimeError: not root, or ``mount`` failed (its message named).
    """

    def __init__(self, folder: Path, size_mb: int) -> None:
        self.folder = Path(folder)
        self.size_mb = size_mb
        self.mounted = False
        self.ballast = self.folder / "ballast.bin"

    def mount(self) -> Tmpfs:
        if os.geteuid() != 0:
            raise RuntimeError("a tmpfs needs root to mount")
        self.folder.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={self.size_mb}m,mode=0777",
                               "tmpfs", str(self.folder)], capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"mount tmpfs on {self.folder}: {done.stderr.strip()}")
        self.mounted = True
        return self

    def fill(self) -> int:
        """Write the ballast file until the file system is full; its size [bytes]."""
        block = b"\0" * (1 << 20)
        written = 0
        with self.ballast.open("wb", buffering=0) as f:
            while True:
                try:
                    written += f.write(block)
                except OSError:
                    break
        for size in (4096, 512, 1):  # the last partial blocks
            with self.ballast.open("ab", buffering=0) as f:
                with contextlib.suppress(OSError):
                    while True:
                        written += f.write(b"\0" * size)
        return written

    def drain(self) -> None:
        """Delete the ballast: space again."""
        self.ballast.unlink(missing_ok=True)

    def unmount(self) -> None:
        if self.mounted:
            subprocess.run(["umount", "-l", str(self.folder)], capture_output=True)
            self.mounted = False

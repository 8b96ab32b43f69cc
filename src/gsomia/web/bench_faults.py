"""``gsomia bench faults``: a stream of warnings between two real ``gsomia serve`` processes
under faults, and what was acknowledged, stored, lost and duplicated.

Setting (per case and store, fresh stores each time): Korea's node (the sender) and
Japan's node (the receiver) run as ``gsomia serve`` child processes on 127.0.0.1 (ports
chosen at run time, mutual TLS with the keys of ``gsomia pki init``;
:class:`~gsomia.web.fault_procs.ServeProcess`). Korea's peer URL for Japan is a TCP proxy
of the bench (:class:`~gsomia.web.fault_proxy.BlockingProxy`) that pipes the TLS bytes to
Japan's port, so the bench can cut the link and follow Japan to a new port. Korea's
operator publishes ``n`` warnings (``POST /v1/warnings``, ``rate`` a second); Korea's
outbox delivers each over the direct route (``POST /v1/inbox`` of Japan). A third of the
way through the stream, the case's fault begins:

``kill_sender``          SIGKILL (kill -9) of Korea's process with deliveries pending;
                         started again on the same configuration and store (publishing
                         waits meanwhile); its outbox resumes.
``kill_receiver``        SIGKILL of Japan's process; started again a second later on the
                         same store (publishing goes on; Korea's outbox retries).
``partner_unreachable``  the proxy cuts every connection and refuses new ones for
                         ``unreachable_s`` (20 s), then pipes again.
``disk_full``            the file system of Japan's store and audit log (a tmpfs of the
                         bench, root only) is filled with a ballast file for ``full_s``
                         seconds, then the ballast is deleted. With the PostgreSQL store
                         the audit log is in the database, so the tmpfs holds the data of
                         a second private PostgreSQL server that keeps Japan's database.
                         Japan must answer 503, never acknowledge, while it cannot write
                         (counted: Korea's ``send.retry`` audit records naming HTTP 503),
                         and go on without a restart once space is back.
``db_connection_killed`` (PostgreSQL only) ``pg_terminate_backend`` of every connection to
                         Japan's database.
``db_restarted``         (PostgreSQL only) the bench's private PostgreSQL server, which holds
                         both nodes' databases, stopped (``pg_ctl stop -m fast``) and started
                         again :data:`DB_DOWN_S` (2 s) later; the stream goes on meanwhile.

PostgreSQL runs as a private server of the bench (``initdb`` + ``pg_ctl`` on a free port,
:class:`~gsomia.web.fault_procs.PrivatePostgres`), never the machine's shared one.

The rule measured (the node's delivery contract, :mod:`gsomia.node.outbox` and
:mod:`gsomia.node.inbox`): delivery is at least once and receipt idempotent. A sender
keeps each envelope in its store until the receiver's signed receipt says ``accepted`` or
``duplicate``, and retries after a connection error, a timeout or a 5xx; a receiver
acknowledges only after the envelope and its audit record are committed in one
transaction (RFC 9110 section 15.6.4: 503 for a temporary failure), and de-duplicates by
envelope id, ``(originator, msg_id)`` and per-stream sequence. Hence, whatever the fault:
every item acknowledged is stored (0 lost), none is stored twice (0 duplicated), and
delivery resumes by itself.

Report (:func:`run_faults_bench`)::

    {"n": int, "rate_per_s": float, "cases": [{"case", "store", "published",
     "publish_failed", "publish_retries", "acked", "stored", "lost", "duplicated", "undelivered",
     "in_flight_at_fault", "answered_503", "fault_s", "start_s", "recover_s", "recovered",
     "survived", "restarted", "note"}], "skipped": [{"case", "store", "reason"}], "ok": bool}

``published``: warnings Korea's operator got a 200 for (``publish_failed``: those it did
not; ``publish_retries``: 503 answers tried again, :meth:`_Pair.publish`); ``acked``: items
Korea's outbox closed as acknowledged by Japan (its ``acked`` rows);
``stored``: item rows in Japan's inbox (read from its store after the run); ``lost``:
acked but not stored; ``duplicated``: rows beyond one per item id, plus item ids beyond
one per payload; ``undelivered``: published items never acknowledged;
``in_flight_at_fault``: items published before the fault began and not yet stored by
Japan when it began (the fault struck mid-stream); ``fault_s``: from
the fault's beginning to its end (for a kill and ``db_restarted``: to the start command);
``start_s``: for a kill, how long the process took to start again (until it listened);
``recover_s``: from the fault's end to the first item Japan stored after it (Japan's
arrival time; includes a restarted process's start-up); ``recovered``: that delivery
happened and every published item was acknowledged and stored within ``timeout_s``;
``survived``: no process died that
the fault did not kill on purpose (one that died is started again and named in
``restarted``). ``ok``: no case lost or duplicated an item and every case recovered.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from gsomia.errors import InputError
from gsomia.node import TlsFiles
from gsomia.node.store import Store
from gsomia.sharing.audit import AuditLog
from gsomia.sharing.pki import init_pki, operator_paths
from gsomia.web.bench import sample_warning
from gsomia.web.fault_procs import PrivatePostgres, ServeProcess, Tmpfs
from gsomia.web.fault_proxy import BlockingProxy

__all__ = ["CASES", "DB_DOWN_S", "PG_ONLY", "PUBLISH_RETRY_S", "STORES", "account",
           "run_faults_bench"]

#: The fault cases, in the report's order.
CASES = ("kill_sender", "kill_receiver", "partner_unreachable", "disk_full",
         "db_connection_killed", "db_restarted")
#: Cases that exist for the PostgreSQL store only.
PG_ONLY = frozenset({"db_connection_killed", "db_restarted"})
STORES = ("sqlite", "postgresql")
#: How long the database server is down in ``db_restarted`` [s].
DB_DOWN_S = 2.0
#: Longest time the operator's publication is tried again while it is answered 503 [s].
PUBLISH_RETRY_S = 15.0
Progress = Callable[[str, int, int], None]


def account(published: Iterable[str], acked: Iterable[str],
            stored: Iterable[tuple[str, str]]) -> dict[str, int]:
    """What a run delivered: ``published`` item ids (the operator's 200 answers),
    ``acked`` item ids (the sender's acknowledged outbox rows, one per row), ``stored``
    ``(item_id, content)`` of the receiver's item rows (content: the payload as canonical
    JSON). Returns ``acked`` (distinct), ``stored`` (rows), ``lost`` (acked, not stored),
    ``duplicated`` (rows beyond one per id, plus ids beyond one per content) and
    ``undelivered`` (published, not acked)."""
    rows = list(stored)
    acked_ids = set(acked)
    ids = Counter(i for i, _ in rows)
    contents = Counter(c for _, c in {(i, c) for i, c in rows})
    return {
        "acked": len(acked_ids),
        "stored": len(rows),
        "lost": len(acked_ids - set(ids)),
        "duplicated": sum(k - 1 for k in ids.values()) + sum(k - 1 for k in contents.values()),
        "undelivered": len(set(published) - acked_ids),
    }


@dataclass
class _Settings:
    n: int
    rate_per_s: float
    unreachable_s: float
    full_s: float
    timeout_s: float


class _Pair:
    """Korea (sender) and Japan (receiver) as processes, the proxy between them, and the
    operator's client; with the stores of one case."""

    def __init__(self, folder: Path, pki: Path, kor_store: str, jpn_store: str) -> None:
        self.pki = pki
        self.jpn_store, self.kor_store = jpn_store, kor_store
        self.jpn = ServeProcess(folder / "jpn", "JPN", pki, jpn_store, {})
        self.proxy = BlockingProxy(("127.0.0.1", 0))
        self.kor = ServeProcess(folder / "kor", "KOR", pki, kor_store, {})
        ctx = TlsFiles(*operator_paths(pki, "KOR")).client_context()
        self.client = httpx.Client(verify=ctx, timeout=10.0)
        try:
            self.jpn.start()
            self.proxy.set_upstream(("127.0.0.1", self.jpn.port))
            self.proxy.start()
            self.kor = ServeProcess(folder / "kor", "KOR", pki, kor_store,
                                    {"JPN": f"https://127.0.0.1:{self.proxy.port}"}).start()
        except BaseException:
            self.close()
            raise
        self.killed: set[str] = set()
        self.lock = threading.RLock()
        self.publish_retries = 0
        self.run_id = uuid.uuid4().hex[:12]
        self.restarted: list[str] = []

    def node(self, party: str) -> ServeProcess:
        return self.kor if party == "KOR" else self.jpn

    def kill(self, party: str) -> None:
        """SIGKILL of ``party``'s process (a fault: not started again by
        :meth:`revive_dead`)."""
        with self.lock:
            self.killed.add(party)
            self.node(party).kill()

    def restart(self, party: str) -> None:
        """Start ``party`` again on its store (Japan: the proxy follows its new port)."""
        with self.lock:
            self.node(party).start()
            if party == "JPN":
                self.proxy.set_upstream(("127.0.0.1", self.jpn.port))
            self.killed.discard(party)

    def revive_dead(self) -> None:
        """Start again a process that died although no fault killed it (named)."""
        with self.lock:
            for party in ("KOR", "JPN"):
                if party not in self.killed and not self.node(party).alive():
                    self.restarted.append(party)
                    self.restart(party)

    def publish(self, i: int) -> str | None:
        """Korea's operator publishes warning ``i``; its item id, None when refused.

        A 503 (the node could not store it, nothing kept: RFC 9110 section 15.6.4) is
        tried again after its ``Retry-After`` (at most 0.5 s), for up to
        :data:`PUBLISH_RETRY_S`, with the same ``Idempotency-Key`` (IETF draft
        draft-ietf-httpapi-idempotency-key-header; a node that does not read it ignores
        it); any other failure is not (its outcome is unknown)."""
        deadline = time.monotonic() + PUBLISH_RETRY_S
        key = {"Idempotency-Key": f'"bench-faults-{self.run_id}-{i}"'}
        while True:
            try:
                r = self.client.post(f"{self.kor.url}/v1/warnings", headers=key,
                                     json=sample_warning(i, "KOR").to_dict())
            except httpx.HTTPError:
                return None
            if r.status_code != 503 or time.monotonic() > deadline:
                break
            self.publish_retries += 1
            try:
                wait = float(r.headers.get("retry-after", "0.5"))
            except ValueError:
                wait = 0.5
            time.sleep(min(max(wait, 0.05), 0.5))
        return r.json()[0]["item_id"] if r.status_code == 200 and r.json() else None

    def outbox(self) -> dict[str, int] | None:
        try:
            r = self.client.get(f"{self.kor.url}/v1/health", timeout=5.0)
        except httpx.HTTPError:
            return None
        return r.json()["outbox"] if r.status_code == 200 else None

    def close(self) -> None:
        self.client.close()
        for p in (self.kor, self.jpn):
            p.stop()
        self.proxy.stop()


class _Fault:
    """A fault: ``begin`` and ``end`` act on the pair; ``hold_s`` between them;
    ``sender_down``: publishing waits while it lasts."""

    hold_s = 0.0
    sender_down = False

    def __init__(self, pair: _Pair, env: dict[str, Any], cfg: _Settings) -> None:
        self.pair, self.env, self.cfg = pair, env, cfg
        self.note = ""
        self.start_s: float | None = None
        self.began = self.over = 0.0
        self.started, self.done = threading.Event(), threading.Event()
        self.error: BaseException | None = None

    def begin(self) -> None: ...

    def end(self) -> None: ...

    def run(self) -> None:
        """begin, hold, end; ``began`` and ``over`` the wall-clock times [s] (a fault
        without hold, ``db_connection_killed``, is over once ``begin`` returned; otherwise
        it is over when ``end`` is called)."""
        try:
            t0, self.began = time.monotonic(), time.time()
            self.started.set()
            self.begin()
            self.over = time.time()
            if self.hold_s > 0:
                time.sleep(max(0.0, t0 + self.hold_s - time.monotonic()))
                self.over = time.time()
                self.end()
        except BaseException as exc:  # noqa: BLE001 - raised again by the stream
            self.error = exc
        finally:
            self.started.set()
            self.done.set()


class _Kill(_Fault):
    """SIGKILL of ``party``'s process; started again after ``hold_s``."""

    party = ""

    def begin(self) -> None:
        self.pair.kill(self.party)

    def end(self) -> None:
        t0 = time.monotonic()
        self.pair.restart(self.party)
        self.start_s = time.monotonic() - t0


class _KillSender(_Kill):
    party, hold_s, sender_down = "KOR", 0.5, True


class _KillReceiver(_Kill):
    party, hold_s = "JPN", 1.0


class _Unreachable(_Fault):
    def __init__(self, pair: _Pair, env: dict[str, Any], cfg: _Settings) -> None:
        super().__init__(pair, env, cfg)
        self.hold_s = cfg.unreachable_s

    def begin(self) -> None:
        self.pair.proxy.block()

    def end(self) -> None:
        self.pair.proxy.unblock()
        self.note = f"{self.pair.proxy.refused} connections refused"


class _DiskFull(_Fault):
    def __init__(self, pair: _Pair, env: dict[str, Any], cfg: _Settings) -> None:
        super().__init__(pair, env, cfg)
        self.hold_s = cfg.full_s

    def begin(self) -> None:
        self.env["tmpfs"].fill()

    def end(self) -> None:
        self.env["tmpfs"].drain()


class _DbConnectionKilled(_Fault):
    def begin(self) -> None:
        n = self.env["pg"].terminate(self.env["jpn_db"])
        self.note = f"{n} backends of Japan's database terminated"


class _DbRestarted(_Fault):
    hold_s = DB_DOWN_S

    def begin(self) -> None:
        self.env["pg"].down()

    def end(self) -> None:
        self.env["pg"].up()


_FAULTS: dict[str, type[_Fault]] = {
    "kill_sender": _KillSender, "kill_receiver": _KillReceiver,
    "partner_unreachable": _Unreachable, "disk_full": _DiskFull,
    "db_connection_killed": _DbConnectionKilled, "db_restarted": _DbRestarted,
}


def _stream(pair: _Pair, fault: _Fault, cfg: _Settings,
            tick: Callable[[int], None]) -> tuple[list[str], int, float, float, int]:
    """Publish the stream with the fault a third of the way through (run in its own
    thread, so that a publication waiting on the fault cannot stretch it); return the
    items published, the publications refused, the fault's beginning and end (wall clock,
    time.time() [s]), and how many items were published before it began."""
    published: list[str] = []
    failed = i = before = 0
    thread: threading.Thread | None = None
    burst = cfg.n // 3 - max(5, cfg.n // 10)  # published back to back up to the fault
    t0 = time.monotonic()
    while i < cfg.n:
        pair.revive_dead()
        if thread is None and i >= cfg.n // 3:
            before = len(published)
            thread = threading.Thread(target=fault.run, daemon=True, name="gsomia-fault")
            thread.start()
            fault.started.wait()
        if fault.sender_down and fault.started.is_set() and not fault.done.is_set():
            time.sleep(0.01)
        elif time.monotonic() >= t0 + i / cfg.rate_per_s or burst <= i < cfg.n // 3:
            item = pair.publish(i)
            if item is None:
                failed += 1
            else:
                published.append(item)
            i += 1
            tick(i)
        else:
            time.sleep(0.005)
    if thread is not None:
        thread.join()
    if fault.error is not None:
        raise fault.error
    return published, failed, fault.began, fault.over, before


def _settle(pair: _Pair, n_published: int, timeout_s: float) -> None:
    """Wait until Korea's outbox has nothing pending and every item is acknowledged (or
    ``timeout_s`` [s] pass), starting again any process that died."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        pair.revive_dead()
        counts = pair.outbox()
        if counts and not counts.get("pending") and counts.get("acked", 0) >= n_published:
            return
        time.sleep(0.1)


def _read(kor_store: str, jpn_store: str) -> tuple[list[str], list[tuple[str, str]],
                                                   list[float], int]:
    """From the stores (the nodes stopped): Korea's acknowledged item rows to Japan,
    Japan's item rows ``(item_id, payload JSON)`` and their arrival times, and Korea's
    retries answered HTTP 503."""
    import json

    kor = Store(kor_store)
    try:
        acked = [r.item_id for r in kor.outbox()
                 if r.status == "acked" and r.peer == "JPN" and r.kind == "item"]
        n503 = sum(1 for r in AuditLog(kor.db).records()
                   if r.kind == "send.retry" and "HTTP 503" in str(r.body.get("error")))
    finally:
        kor.close()
    jpn = Store(jpn_store)
    try:
        rows = [r for r in jpn.inbox(kind="item") if r.final == "JPN"]
    finally:
        jpn.close()
    stored = [(r.item_id, json.dumps(r.payload, sort_keys=True)) for r in rows]
    return acked, stored, [r.arrived_s for r in rows], n503


def _case(case: str, store: str, folder: Path, pki: Path, env: dict[str, Any],
          cfg: _Settings, tick: Callable[[int], None]) -> dict[str, Any]:
    """One case on one store (module docstring); the processes are stopped at the end."""
    pair = _Pair(folder, pki, env["kor_store"], env["jpn_store"])
    fault = _FAULTS[case](pair, env, cfg)
    try:
        published, failed, began, over, before = _stream(pair, fault, cfg, tick)
        _settle(pair, len(published), cfg.timeout_s)
        survived = not pair.restarted
    finally:
        pair.close()
    acked, stored, arrivals, n503 = _read(env["kor_store"], env["jpn_store"])
    counts = account(published, acked, stored)
    after = [a for a in arrivals if a >= over]
    first: dict[str, float] = {}
    for (item, _), at in zip(stored, arrivals, strict=True):
        first[item] = min(at, first.get(item, at))
    # published before the fault, not yet stored when it began: the stream was mid-way
    in_flight = sum(1 for item in published[:before] if first.get(item, began) >= began)
    return {
        "case": case, "store": store, "published": len(published), "publish_failed": failed,
        "publish_retries": pair.publish_retries,
        **counts, "in_flight_at_fault": in_flight, "answered_503": n503,
        "fault_s": round(over - began, 3),
        "start_s": None if fault.start_s is None else round(fault.start_s, 3),
        "recover_s": round(min(after) - over, 3) if after else None,
        "recovered": bool(after) and counts["undelivered"] == 0,
        "survived": survived, "restarted": pair.restarted, "note": fault.note,
    }


def _environment(case: str, store: str, folder: Path, shared: dict[str, Any],
                 cleanup: contextlib.ExitStack) -> dict[str, Any]:
    """The stores of one case: ``kor_store``, ``jpn_store`` and what the fault acts on
    (``tmpfs``, ``pg``, ``jpn_db``). Raises RuntimeError when the case cannot be set up
    here (no root for a tmpfs, no PostgreSQL programs)."""
    env: dict[str, Any] = {}
    if store == "sqlite":
        env["kor_store"] = str(folder / "kor" / "store.sqlite")
        jpn_dir = folder / "jpn"
        if case == "disk_full":
            env["tmpfs"] = cleanup.enter_context(_mounted(folder / "jpn-disk", 64))
            jpn_dir = env["tmpfs"].folder
        env["jpn_store"] = str(jpn_dir / "store.sqlite")
        return env
    if "pg" not in shared:
        if "pg_error" in shared:
            raise RuntimeError(shared["pg_error"])
        pg = PrivatePostgres(shared["root"] / "pg")
        shared["cleanup"].callback(pg.stop)
        try:
            shared["pg"] = pg.start()
        except RuntimeError as exc:
            shared["pg_error"] = f"the private PostgreSQL server did not start: {exc}"
            raise RuntimeError(shared["pg_error"]) from None
    pg = env["pg"] = shared["pg"]
    env["jpn_db"] = f"jpn_{case}"
    pg.create_database(f"kor_{case}")
    env["kor_store"] = pg.url(f"kor_{case}")
    if case == "disk_full":  # Japan's database (and audit log) on a server on a tmpfs
        env["tmpfs"] = cleanup.enter_context(_mounted(folder / "pg-disk", 256))
        full = PrivatePostgres(env["tmpfs"].folder / "pg")
        cleanup.callback(full.stop)
        full.start()
        full.create_database("jpn")
        env["jpn_store"] = full.url("jpn")
    else:
        pg.create_database(env["jpn_db"])
        env["jpn_store"] = pg.url(env["jpn_db"])
    return env


@contextlib.contextmanager
def _mounted(folder: Path, size_mb: int) -> Iterator[Tmpfs]:
    fs = Tmpfs(folder, size_mb).mount()
    try:
        yield fs
    finally:
        fs.unmount()


def run_faults_bench(stores: Iterable[str] = STORES, cases: Iterable[str] = CASES,
                     n: int = 200, rate_per_s: float = 50.0, unreachable_s: float = 20.0,
                     full_s: float = 5.0, timeout_s: float = 60.0,
                     progress: Progress | None = None,
                     workdir: Path | None = None) -> dict[str, Any]:
    """Run the fault cases on the stores (module docstring); every process it started is
    stopped and every tmpfs unmounted at the end.

    Parameters:
        stores: ``sqlite`` and/or ``postgresql``.
        cases: names of :data:`CASES` (those of :data:`PG_ONLY` run on PostgreSQL only).
        n: warnings published per case; rate_per_s: publications a second.
        unreachable_s: how long the partner is unreachable [s]; full_s: how long the
            disk stays full [s]; timeout_s: longest wait for the outbox to empty after the
            stream [s].
        progress: called ``(label, done, total)`` as warnings are published.
        workdir: where the keys, stores and logs go (kept); default: a temporary folder,
            removed at the end.

    Raises:
        InputError: an unknown store or case (names it).
    """
    stores, cases = _check(stores, STORES, "--store"), _check(cases, CASES, "--case")
    cfg = _Settings(n, rate_per_s, unreachable_s, full_s, timeout_s)
    root = Path(workdir or tempfile.mkdtemp(prefix="gsomia-faults-"))
    root.chmod(0o711)  # the postgres user (a private server run by root) passes through
    report: dict[str, Any] = {"n": n, "rate_per_s": rate_per_s, "cases": [], "skipped": []}
    try:
        with contextlib.ExitStack() as shared_cleanup:
            init_pki(root / "pki", ("JPN", "KOR"))
            shared = {"root": root, "cleanup": shared_cleanup}
            for store in stores:
                for case in cases:
                    if case in PG_ONLY and store != "postgresql":
                        continue
                    label = f"{case} ({store})"
                    tick = (lambda i, label=label: progress(label, i, n)) if progress \
                        else (lambda i: None)
                    folder = root / store / case
                    with contextlib.ExitStack() as cleanup:
                        try:
                            env = _environment(case, store, folder, shared, cleanup)
                        except RuntimeError as exc:
                            report["skipped"].append({"case": case, "store": store,
                                                      "reason": str(exc)})
                            continue
                        report["cases"].append(_case(case, store, folder, root / "pki",
                                                     env, cfg, tick))
    finally:
        if workdir is None:
            shutil.rmtree(root, ignore_errors=True)
    report["ok"] = bool(report["cases"]) and all(
        c["lost"] == 0 and c["duplicated"] == 0 and c["recovered"] for c in report["cases"])
    return report


def _check(values: Iterable[str], allowed: tuple[str, ...], name: str) -> tuple[str, ...]:
    out = tuple(values)
    for v in out:
        if v not in allowed:
            raise InputError(name, v, f"expected one of {', '.join(allowed)}")
    return out

"""Live mode of ``gsomia run``: every party's node a real server on 127.0.0.1.

:class:`LiveDelivery` is the delivery step of :func:`gsomia.sim.run.run_scenario` that
publishes the warnings on a :class:`ScaledWallClock` through the servers of
:class:`gsomia.web.live.LiveCluster`, and times what arrives.

End-to-end warning latency (issue 7: "detection at a Korean radar → fused PIP at Japan's
node"), measured on the wall clock (:func:`time.perf_counter`) in the same live run:

1. *Origin* (KOR): its radar scans (the observation's detections of that owner, grouped by
   time and sensor in the order of :meth:`~gsomia.warning.tracking.tracker.Tracker.process`)
   are handed, at their scenario times on the :class:`ScaledWallClock`, to a live
   incremental :class:`~gsomia.warning.tracking.tracker.Tracker` of the run's
   :class:`~gsomia.warning.tracking.tracker.TrackerConfig` (one
   :meth:`~gsomia.warning.tracking.tracker.Tracker.step` per scan). **The timer starts when
   the scan is handed to the tracker.** Each new confirmed, updated state that the sharing
   rule of :func:`gsomia.sim.run.party_warnings` selects (at most one per track every
   ``report_interval_s``) is checked against the precomputed warning of the same track and
   update (same time, state and covariance, bit for bit: the replay is the same computation
   as the batch tracker run); differences are counted, never hidden. The live state is
   published by the origin's node (sign, seal, HTTPS with mutual TLS, per route).
2. *Measuring party* (JPN): its node's subscriber callback queues every arriving track
   report to one worker, a process of its own (off the servers' event loops and off the
   interpreter lock of the process that runs the servers; the queueing counts in the
   latency, as a user would see it), which keeps the latest report of every partner track,
   fuses them with JPN's own confirmed tracks at that time (:class:`~gsomia.warning.fusion.
   TrackFuser`, the run's :class:`~gsomia.warning.fusion.FusionConfig`; JPN's tracks are its
   batch tracker run read at the current scenario time, as :func:`gsomia.sim.run.
   run_scenario` reads them) and computes the PIP of the fused track that contains the
   arrived report (:func:`~gsomia.warning.tracking.impact.predict_impact`, unscented
   transform, RK4 step ``pip_step_s``). **The timer stops when that PIP is computed.**
   Only the origin's reports are timed, and only their arrival makes the worker fuse a
   picture and compute PIPs (of the fused tracks holding them): the other partners'
   reports are kept as the latest of their tracks and fused into the next picture
   (``other_fused`` counts them when that picture holds their track).
3. On ``tisa_hub`` the relayed item waits for the originator's approval, a modelled human
   delay (``approval_delay_s``, scenario time): the latency of those items is measured
   from the approval (labelled ``"from": "tisa_approval"``), and a report older than the
   fuser's ``max_age_s`` when it arrives is left out of the fused picture by design
   (counted as ``stale``, no sample).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import numpy as np

from gsomia.errors import InputError
from gsomia.node import MissileWarning, Node, ReceivedItem
from gsomia.sharing import load_catalog
from gsomia.sim.delivery import RouteConfig, RoutePlan
from gsomia.sim.nodes import _NODE_ROUTE, _payload
from gsomia.sim.observe import Observation
from gsomia.sim.run import Delivered, RunConfig, Warning, _OwnPicture, _shared_report
from gsomia.sim.scenario import Scenario
from gsomia.warning.fusion import FusionConfig, TrackFuser, TrackReport
from gsomia.warning.tracking.impact import predict_impact
from gsomia.warning.tracking.states import GaussianStates
from gsomia.warning.tracking.tracker import Tracker, TrackerConfig, scans
from gsomia.warning.types import Detection

__all__ = ["LatencySample", "LiveDelivery", "ScaledWallClock"]


class ScaledWallClock:
    """A wall clock running at a scenario's time, ``speed`` times faster than real time:
    ``now_s = start_s + speed × (monotonic − m0)`` [s since the scenario epoch].
    Callbacks run on daemon timer threads (as :class:`~gsomia.node.WallClock`)."""

    def __init__(self, epoch: dt.datetime, start_s: float, speed: float) -> None:
        if not speed > 0:
            raise InputError("speed", speed, "must be positive")
        self.epoch = epoch
        self.start_s = float(start_s)
        self.speed = float(speed)
        self._m0 = time.monotonic()

    def now_s(self) -> float:
        return self.start_s + self.speed * (time.monotonic() - self._m0)

    def wall_of(self, t_s: float) -> float:
        """Seconds of real time from now until scenario time ``t_s`` (negative: past)."""
        return (t_s - self.now_s()) / self.speed

    def call_at(self, t_s: float, fn: Callable[[], object]) -> None:
        timer = threading.Timer(max(0.0, self.wall_of(t_s)), fn)
        timer.daemon = True
        timer.start()


@dataclass(frozen=True, slots=True)
class LatencySample:
    """One origin warning timed from detection to the fused PIP at the measuring party
    (module notes), wall clock [ms].

    Attributes:
        item_id: the published item; track_id: the origin's track.
        total_ms: scan handed to the tracker (``tisa_hub``: originator's approval) → PIP
            computed at the measuring party.
        step_ms: the tracker step of that scan.
        link_ms: publish call started (``tisa_hub``: approval) → the measuring node's
            subscriber callback.
        fuse_pip_ms: subscriber callback → PIP computed (queue wait, fusion, PIP).
        pip_valid: False when some sigma point did not come down within the horizon.
        publish_wait_ms: tracker step done → publish call started (the origin's node
            publishing the earlier reports of the same scan; 0 on ``tisa_hub``).
        queue_ms: subscriber callback → the fusion worker taking the report up (the part
            of ``fuse_pip_ms`` spent waiting for the worker).
    """

    item_id: str
    track_id: str
    total_ms: float
    step_ms: float
    link_ms: float
    fuse_pip_ms: float
    pip_valid: bool
    publish_wait_ms: float = 0.0
    queue_ms: float = 0.0


@dataclass(frozen=True, slots=True)
class _Prepared:
    scans: list[tuple[float, list[Detection]]]
    tracker: TrackerConfig
    report_interval_s: float
    own: _OwnPicture
    fusion: FusionConfig
    pip_step_s: float


@dataclass(slots=True)
class _Sent:
    track_id: str
    scan_s: float        # perf_counter when the scan was handed to the tracker
    step_s: float        # the step's wall time [s]
    publish_s: float     # perf_counter when publish_warning was called
    approved_s: float | None = None


def _scans(detections: Sequence[Detection]) -> list[tuple[float, list[Detection]]]:
    """``(time, scan)`` in the order of :meth:`Tracker.process` (:func:`scans`)."""
    return [(scan[0].t_s, list(scan)) for scan in scans(detections)]


def _track_report(originator: str, mw: MissileWarning) -> TrackReport:
    """The track report a received warning's trajectory element carries (update count: the
    estimate's time in ms, as :class:`gsomia.sim.nodes.NodeDelivery` numbers them)."""
    tr = mw.trajectory
    if tr is None:
        raise InputError("trajectory", None, f"warning {mw.track_id} has no track state")
    return TrackReport(originator, mw.track_id, int(round(tr["t_s"] * 1000.0)), tr["t_s"],
                       np.array(tr["x_ecef"]), np.array(tr["P"]))


class _MeasuringFusion:
    """What the measuring party's node does with arriving track reports (module notes, 2):
    the jobs waiting together are handled at once; a picture is fused and PIPs computed
    only when some of them are the origin's reports (what the measurement needs), the
    other partners' reports being held as the latest of their tracks for that picture."""

    def __init__(self, prep: _Prepared, origin: str, at: str,
                 clock: ScaledWallClock) -> None:
        self.prep, self.origin, self.clock = prep, origin, clock
        self.fuser = TrackFuser(at, prep.fusion)
        self.latest: dict[tuple[str, str], TrackReport] = {}
        self.others: list[tuple[str, str]] = []   # other partners' keys not yet fused
        self.fused: dict[str, tuple[float, float, float, bool]] = {}
        self.counts = {"stale": 0, "other_fused": 0, "fuse_batches": 0}

    def handle(self, batch: list[tuple[float, str, str, TrackReport]]) -> None:
        """``batch``: (arrival [perf_counter], originator, item id, report) per job."""
        prep, began = self.prep, time.perf_counter()
        for _, _, _, rep in batch:
            held = self.latest.get(rep.key)
            if held is None or rep.update > held.update:
                self.latest[rep.key] = rep
        mine = [job for job in batch if job[1] == self.origin]
        self.others += [job[3].key for job in batch if job[1] != self.origin]
        if not mine:
            return
        t = self.clock.now_s()
        picture = self.fuser.fuse(t, prep.own.at(t), list(self.latest.values()))
        where = {key: i for i, f in enumerate(picture) for key in f.sources}
        idx = sorted({where[job[3].key] for job in mine if job[3].key in where})
        pips = {} if not idx else dict(zip(idx, predict_impact(
            GaussianStates(t, np.stack([picture[i].x for i in idx]),
                           np.stack([picture[i].P for i in idx])),
            prep.fusion.earth, step_s=prep.pip_step_s), strict=True))
        done = time.perf_counter()
        self.counts["fuse_batches"] += 1
        self.counts["other_fused"] += sum(k in where for k in self.others)
        self.others.clear()
        for wall, _, item_id, rep in mine:
            i = where.get(rep.key)
            if i is None:   # older than max_age_s at the fusion time
                self.counts["stale"] += 1
            else:
                self.fused[item_id] = (wall, began, done, pips[i].valid)


def _fusion_main(fd: int) -> None:
    """Body of the measuring node's fusion process (:class:`_FusionProcess`), on the socket
    ``fd``: the run's inputs, then the clock, then jobs until None; the results (or the
    error) go back at the end."""
    conn = Connection(fd)
    try:
        prep, origin, at = conn.recv()
        conn.send("ready")
        work = _MeasuringFusion(prep, origin, at, conn.recv())
        running = True
        while running:
            jobs = [conn.recv()]
            while conn.poll():
                jobs.append(conn.recv())
            running = None not in jobs
            batch = [j for j in jobs if j is not None]
            if batch:
                work.handle(batch)
        conn.send(("ok", {"fused": work.fused, **work.counts}))
    except BaseException as exc:  # noqa: BLE001 - re-raised by the parent
        try:
            conn.send(("error", exc))
        except Exception:  # noqa: BLE001 - an exception that does not pickle
            conn.send(("error", RuntimeError(f"fusion process: {exc!r}")))


class _FusionProcess:
    """The measuring node's fusion worker (:class:`_MeasuringFusion`) in a process of its
    own, so that fusing and computing PIPs never wait for (nor hold up) the interpreter
    lock of the process that runs the three servers and the publishing loop. Jobs go over
    a socket pair as they arrive (the arrival time stamped before, on
    :func:`time.perf_counter`, the system's monotonic clock, common to both processes);
    the PIP time is stamped in the worker; the results come back at the end.

    The worker is a fresh interpreter (``python -c``, this copy of gsomia first on its
    path), not a fork of this threaded process nor a multiprocessing spawn (which would
    re-run the caller's main script)."""

    def __init__(self, prep: _Prepared, origin: str, at: str) -> None:
        import gsomia

        ours, theirs = socket.socketpair()
        root = str(Path(gsomia.__file__).resolve().parents[1])
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            [root] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])}
        self._proc = subprocess.Popen(
            [sys.executable, "-c", "import sys; from gsomia.sim.live import _fusion_main; "
             "_fusion_main(int(sys.argv[1]))", str(theirs.fileno())],
            pass_fds=[theirs.fileno()], env=env, stdin=subprocess.DEVNULL)
        theirs.close()
        self._conn = Connection(ours.detach())
        self._lock = threading.Lock()
        self.error: BaseException | None = None
        try:
            self._conn.send((prep, origin, at))
            ready = self._conn.recv()
        except (EOFError, OSError):
            ready = None
        if ready != "ready":
            self._stop()
            raise RuntimeError(f"the fusion process did not start (exit {self._proc.poll()})")

    def _stop(self, timeout_s: float = 0.1) -> None:
        try:
            self._proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self._proc.terminate()
            self._proc.wait()
        self._conn.close()

    def start(self, clock: ScaledWallClock) -> None:
        self._conn.send(clock)

    def put(self, wall: float, originator: str, item_id: str, rep: TrackReport) -> None:
        with self._lock:
            self._conn.send((wall, originator, item_id, rep))

    def finish(self, timeout_s: float) -> tuple[dict[str, Any], int]:
        """Send the end, wait up to ``timeout_s`` for the results: ``(results, pending)``
        (pending 1 when the worker did not finish in time; its results are then lost)."""
        with self._lock:
            try:
                self._conn.send(None)
            except OSError:   # the worker is gone: its error (if any) is still to read
                pass
        got: dict[str, Any] = {}
        pending = 1
        if self._conn.poll(timeout_s):
            try:
                status, value = self._conn.recv()
            except EOFError:
                status, value = "error", RuntimeError("the fusion process ended early")
            if status == "error":
                self.error = value
            else:
                got, pending = value, 0
        self._stop(timeout_s if pending == 0 else 0.1)
        return got, pending


def _stats(values: Sequence[float]) -> dict[str, float | None]:
    if not values:
        return {"p50_ms": None, "p99_ms": None, "max_ms": None}
    return {"p50_ms": round(float(np.percentile(values, 50)), 2),
            "p99_ms": round(float(np.percentile(values, 99)), 2),
            "max_ms": round(float(np.max(values)), 2)}


class LiveDelivery:
    """The delivery step in live mode (``gsomia run --live``): per route, every party's node
    is a real server on 127.0.0.1 (:class:`gsomia.web.live.LiveCluster`: uvicorn, HTTPS with
    mutual TLS, ports chosen at run time, a fresh PKI in a temporary directory), the warnings
    are published at their scenario times on a :class:`ScaledWallClock` and what arrives is
    timed on that clock. The routes run one after the other; all servers are stopped at
    the end of each.

    After :meth:`prepare` (called by :func:`gsomia.sim.run.run_scenario`), the origin's
    track warnings come from a live replay of its radar scans and each is timed to the fused
    PIP at the measuring party's node (module notes); without it the precomputed warnings
    are published as they are and only the link latencies are measured.

    Differences from the simulated delivery (documented, by design): link delays are the
    real loopback ones (milliseconds, times ``speed`` on the scenario clock) instead of the
    modelled ones, and the automated hub's processing is its real one (no ``hub_delay_s``).
    The TISA originator still approves ``approval_delay_s`` (scenario time) after
    publishing.

    Args:
        config: route assumptions (the TISA approval delay).
        speed: scenario seconds per wall second (ASSUMPTION of this mode, default 20: the
            2017-03-06 scenario's 11 minutes of warnings take about 35 s per route).
        timeout_s: longest wall wait for the last arrivals after the last publication.
        origin: the party whose radar-to-PIP latency is measured (default KOR, issue 7).
        at: the party whose node fuses and computes the PIP (default JPN).

    Attributes:
        latencies_ms: route → wall times [ms] from publishing (on the TISA route, relayed
            items: from the originator's approval) to the recipient's node handing the
            warning to its subscriber.
        lost: route → warnings expected but not delivered within ``timeout_s``.
        samples: route → :class:`LatencySample` of every origin track report that reached
            ``at`` and was fused into a PIP.
        counts: route → counters of the end-to-end measurement (:meth:`latency_stats`).
        handover_lag_ms: route → how late [wall ms] each origin scan was handed to the
            live tracker after its time on the :class:`ScaledWallClock` (the publishing
            loop falling behind the compressed clock; not part of the latency).

    Raises:
        InputError: ``speed`` or ``timeout_s`` not positive, or ``origin`` equal to ``at``.
    """

    def __init__(self, config: RouteConfig | None = None, speed: float = 20.0,
                 timeout_s: float = 30.0, origin: str = "KOR", at: str = "JPN") -> None:
        if not (math.isfinite(speed) and speed > 0):
            raise InputError("speed", speed, "must be a positive finite number")
        if not (math.isfinite(timeout_s) and timeout_s > 0):
            raise InputError("timeout_s", timeout_s, "must be a positive finite number")
        if origin == at:
            raise InputError("at", at, "must differ from origin")
        self.config = config or RouteConfig()
        self.speed = speed
        self.timeout_s = timeout_s
        self.origin = origin
        self.at = at
        self.latencies_ms: dict[str, list[float]] = {}
        self.lost: dict[str, int] = {}
        self.samples: dict[str, list[LatencySample]] = {}
        self.counts: dict[str, dict[str, int]] = {}
        self.handover_lag_ms: dict[str, list[float]] = {}
        self._prepared: _Prepared | None = None

    def prepare(self, observation: Observation, trackers: dict[str, Tracker],
                config: RunConfig) -> None:
        """Take what the end-to-end measurement needs from the run (hook of
        :func:`gsomia.sim.run.run_scenario`, called once before the routes).

        Args:
            observation: the run's detections (the origin's scans are replayed from them).
            trackers: the parties' finished tracker runs (the measuring party's own
                confirmed tracks are read from its run).
            config: the run's configuration (tracker, fusion, ``report_interval_s``,
                ``pip_step_s``).

        Raises:
            InputError: ``config.share`` is not ``"tracks"`` (live mode shares confirmed
                tracks only).
        """
        share = getattr(config, "share", "tracks")
        if share != "tracks":
            raise InputError("share", share, "live mode shares tracks only")
        if self.at not in trackers:
            self._prepared = None
            return
        self._prepared = _Prepared(
            _scans([d for d in observation.detections if d.owner == self.origin]),
            config.tracker, config.report_interval_s, _OwnPicture(self.at, trackers[self.at]),
            config.fusion, config.pip_step_s)

    def __call__(self, warnings: dict[str, list[Warning]], plan: RoutePlan,
                 scenario: Scenario) -> list[Delivered]:
        from gsomia.sharing.pki import init_pki
        from gsomia.web.live import LiveCluster

        if plan.route == "none":
            return []
        cfg = self.config
        parties = list(warnings)
        prep = self._prepared if self.origin in warnings and self.at in warnings else None
        lock = threading.Lock()
        out: list[Delivered] = []
        started: dict[str, float] = {}
        arrived: dict[tuple[str, str], float] = {}
        labels: dict[tuple[str, str], tuple[Warning, MissileWarning]] = {}
        for p, items in warnings.items():
            for w in items:
                mw = _payload(w, scenario)
                labels[(p, mw.track_id + f"@{w.t_s:.6f}")] = (w, mw)
        # events: (scenario time, party, kind, item); kind 0 publishes a precomputed
        # warning, kind 1 hands an origin's radar scan to the live tracker
        queue_: list[tuple[float, str, int, Any]] = [
            (w.t_s, p, 0, w) for p, items in warnings.items() for w in items
            if not (prep is not None and p == self.origin and w.report is not None)]
        shared: dict[tuple[str, int], Warning] = {}
        if prep is not None:
            shared = {(w.report.track_id, w.report.update): w for w in warnings[self.origin]
                      if w.report is not None}
            queue_ += [(t, self.origin, 1, scan) for t, scan in prep.scans]
        queue_.sort(key=lambda e: (e[0], e[1], e[2]))
        if not queue_:
            return []
        # the measuring node's fusion runs in a process of its own, started (and ready)
        # before the scenario clock starts
        fusion = _FusionProcess(prep, self.origin, self.at) if prep is not None else None
        clock = ScaledWallClock(scenario.epoch, queue_[0][0] - 1.0, self.speed)
        if fusion is not None:
            fusion.start(clock)
        counts = {"published": 0, "state_mismatches": 0, "missing": 0, "extra": 0,
                  "expected": 0, "stale": 0, "unfused": 0, "other_fused": 0,
                  "fuse_batches": 0, "worker_pending": 0}
        sent: dict[str, _Sent] = {}
        lags: list[float] = []   # wall ms each scan was handed over after its scenario time
        # item → (arrival, taken up by the worker, PIP done, valid)
        fused: dict[str, tuple[float, float, float, bool]] = {}

        def receiver(party: str) -> Callable[[MissileWarning, ReceivedItem], None]:
            def on_warning(mw: MissileWarning, item: ReceivedItem) -> None:
                now, wall = clock.now_s(), time.perf_counter()
                if fusion is not None and party == self.at and mw.trajectory is not None:
                    fusion.put(wall, item.originator, item.item_id,
                               _track_report(item.originator, mw))
                w, _ = labels[(item.originator, f"{mw.track_id}@{mw.t_s:.6f}")]
                with lock:
                    out.append(Delivered(now, party, w))
                    arrived[(item.item_id, party)] = wall
            return on_warning

        routes = {p: {q: (_NODE_ROUTE[plan.route] if next(
            (x.via for x in plan.paths if x.originator == p and x.recipient == q), None)
            else "direct") for q in parties if q != p and plan.delay(p, q) is not None}
            for p in parties}
        expected: set[tuple[str, str]] = set()
        tracker = Tracker(prep.tracker) if prep is not None else None
        seen_len: dict[int, int] = {}
        last_report: dict[int, float] = {}
        yielded: set[tuple[str, int]] = set()

        def publish(cluster: Any, p: str, t: float, w: Warning, mw: MissileWarning,
                    timing: tuple[float, float] | None) -> None:
            t0 = time.perf_counter()
            releases = cluster.nodes[p].publish_warning(mw)
            for rel in releases:
                if rel.status == "denied":
                    continue
                expected.add((rel.item_id, rel.to))
                started[rel.item_id + ">" + rel.to] = t0
                if timing is not None and rel.to == self.at:
                    sent[rel.item_id] = _Sent(mw.track_id, timing[0], timing[1], t0)
                    counts["expected"] += 1
                if rel.status == "awaiting_approval":
                    def approve(n: Node = cluster.nodes[p], i: str = rel.item_id,
                                to: str = rel.to) -> None:
                        now = time.perf_counter()
                        started[i + ">" + to] = now
                        if to == self.at and i in sent:
                            sent[i].approved_s = now
                        n.approve(i, to, "tisa")
                    clock.call_at(t + cfg.approval_delay_s, approve)

        def track_scan(cluster: Any, t: float, scan: list[Detection]) -> None:
            assert tracker is not None and prep is not None
            lags.append(1000.0 * -clock.wall_of(t))
            t0 = time.perf_counter()
            tracker.step(scan)
            step = time.perf_counter() - t0
            for tr in tracker.tracks:
                # a tentative track's entries wait: once it is confirmed at t, its entries of
                # time t made before the confirmation (another sensor's scan of the same
                # time) are shared by the same rule as party_warnings'
                if tr.confirmed_s is None:
                    continue
                n = len(tr.history)
                k0 = seen_len.get(tr.number, 0)
                if n == k0:
                    continue
                seen_len[tr.number] = n
                for k in range(k0, n):
                    live = _shared_report(self.origin, tr, k, last_report,
                                          prep.report_interval_s)
                    if live is None:
                        continue
                    key = (live.track_id, live.update)
                    w = shared.get(key)
                    if w is None:
                        counts["extra"] += 1
                        continue
                    yielded.add(key)
                    assert w.report is not None
                    if not (live.t_s == w.report.t_s and np.array_equal(live.x, w.report.x)
                            and np.array_equal(live.P, w.report.P)):
                        counts["state_mismatches"] += 1
                    lw = Warning(live.t_s, self.origin, report=live, truth_id=w.truth_id)
                    mw = _payload(lw, scenario)
                    labels.setdefault((self.origin, f"{mw.track_id}@{lw.t_s:.6f}"), (w, mw))
                    counts["published"] += 1
                    publish(cluster, self.origin, t, lw, mw, (t0, step))

        with tempfile.TemporaryDirectory(prefix="gsomia-live-") as tmp:
            try:
                init_pki(Path(tmp) / "pki", parties)
                cluster = LiveCluster(Path(tmp) / "pki", Path(tmp), load_catalog(), routes,
                                      on_warning={p: receiver(p) for p in parties},
                                      clock=clock, synchronous="off").start()
            except BaseException:
                if fusion is not None:
                    fusion.finish(1.0)
                raise
            try:
                for t, p, kind, obj in queue_:
                    wait = clock.wall_of(t)
                    if wait > 0:
                        time.sleep(wait)
                    if kind == 1:
                        track_scan(cluster, t, obj)
                        continue
                    mw = dataclasses.replace(labels[(p, f"{_payload(obj, scenario).track_id}"
                                                       f"@{obj.t_s:.6f}")][1])
                    publish(cluster, p, t, obj, mw, None)
                deadline = time.monotonic() + self.timeout_s + (
                    cfg.approval_delay_s / self.speed if plan.route == "tisa_hub" else 0.0)
                while time.monotonic() < deadline:
                    with lock:
                        if expected <= set(arrived):
                            break
                    time.sleep(0.05)
            finally:
                if fusion is not None:
                    got, pending = fusion.finish(self.timeout_s)
                    fused.update(got.pop("fused", {}))
                    for key, value in got.items():
                        counts[key] += value
                    counts["worker_pending"] = pending
                cluster.stop()
        if fusion is not None and fusion.error is not None:
            raise fusion.error
        counts["missing"] = len(set(shared) - yielded)
        samples = []
        for item_id, s in sent.items():
            if item_id not in fused:
                continue
            wall, began, done, valid = fused[item_id]
            start = s.scan_s if plan.route != "tisa_hub" else s.approved_s
            link0 = s.publish_s if plan.route != "tisa_hub" else s.approved_s
            if start is None or link0 is None:
                continue
            samples.append(LatencySample(item_id, s.track_id, 1000.0 * (done - start),
                                         1000.0 * s.step_s, 1000.0 * (wall - link0),
                                         1000.0 * (done - wall), valid,
                                         0.0 if plan.route == "tisa_hub" else
                                         1000.0 * (s.publish_s - s.scan_s - s.step_s),
                                         1000.0 * (began - wall)))
        counts["unfused"] = counts["expected"] - len(samples) - counts["stale"]
        with lock:
            self.samples[plan.route] = samples
            self.handover_lag_ms[plan.route] = lags
            self.counts[plan.route] = counts
            self.latencies_ms[plan.route] = [
                1000.0 * (arrived[k] - started[k[0] + ">" + k[1]]) for k in expected
                if k in arrived]
            self.lost[plan.route] = len(expected - set(arrived))
            result = sorted(out, key=lambda d: d.t_s)
        return result

    def link_stats(self) -> dict[str, dict[str, float | int | None]]:
        """route → {``delivered``, ``lost``, ``p50_ms``, ``p99_ms``} of the wall latencies."""
        stats: dict[str, dict[str, float | int | None]] = {}
        for route, lat in self.latencies_ms.items():
            stats[route] = {
                "delivered": len(lat), "lost": self.lost.get(route, 0),
                "p50_ms": round(float(np.percentile(lat, 50)), 2) if lat else None,
                "p99_ms": round(float(np.percentile(lat, 99)), 2) if lat else None}
        return stats

    def latency_stats(self) -> dict[str, dict[str, Any]]:
        """route → the end-to-end latency (JSON ``live.warning_latency``; fields documented
        in :mod:`gsomia.sim.report`)."""
        out: dict[str, dict[str, Any]] = {}
        for route, samples in self.samples.items():
            tisa = route == "tisa_hub"
            out[route] = {
                "origin": self.origin, "at": self.at,
                "from": "tisa_approval" if tisa else "detection",
                "n": len(samples), **_stats([s.total_ms for s in samples]),
                "parts_p50_ms": {
                    "tracker_step": _stats([s.step_ms for s in samples])["p50_ms"],
                    ("approval_to_arrival" if tisa else "publish_to_arrival"):
                        _stats([s.link_ms for s in samples])["p50_ms"],
                    "fuse_pip": _stats([s.fuse_pip_ms for s in samples])["p50_ms"]},
                "pip_valid": sum(s.pip_valid for s in samples),
                "handover_lag_ms": {k: v for k, v in _stats(
                    self.handover_lag_ms.get(route, [])).items() if k != "p99_ms"},
                **self.counts.get(route, {})}
        return out

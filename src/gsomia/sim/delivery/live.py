"""Live mode of ``gsomia run``: every party's node a real server on 127.0.0.1.

:class:`LiveDelivery` is the delivery step of :func:`gsomia.sim.run.run_scenario` that
publishes the warnings on a :class:`~gsomia.node.clock.ScaledWallClock` through the servers
of a live cluster, and times what arrives. The cluster comes from the caller
(:class:`ClusterFactory`: ``gsomia run --live`` passes :meth:`gsomia.web.live.LiveCluster.
for_run`), so nothing here imports the web layer.

End-to-end warning latency (issue 7: "detection at a Korean radar → fused PIP at Japan's
node"), measured on the wall clock (:func:`time.perf_counter`) in the same live run:

1. *Origin* (KOR): its radar scans (the observation's detections of that owner, grouped by
   time and sensor in the order of :meth:`~gsomia.warning.tracking.tracker.Tracker.process`)
   are handed, at their scenario times on the :class:`~gsomia.node.clock.ScaledWallClock`, to a live
   incremental :class:`~gsomia.warning.tracking.tracker.Tracker` of the run's
   :class:`~gsomia.warning.tracking.tracker.TrackerConfig` (one
   :meth:`~gsomia.warning.tracking.tracker.Tracker.step` per scan). **The timer starts when
   the scan is handed to the tracker.** Each new confirmed, updated state that the sharing
   rule of :func:`gsomia.sim.share.party_warnings` selects (at most one per track every
   ``report_interval_s``) is checked against the precomputed warning of the same track and
   update (same time, state and covariance, bit for bit: the replay is the same computation
   as the batch tracker run); differences are counted, never hidden. The live state is
   published by the origin's node (sign, seal, HTTPS with mutual TLS, per route).
2. *Measuring party* (JPN): its node's subscriber callback, in the thread of the request
   that stored the report (the inbox delivers a batch before answering it; no queue, no
   hand-off: :mod:`gsomia.sim.delivery.live_fusion`), keeps
   the latest report of every partner track,
   fuses them with JPN's own confirmed tracks at that time (:class:`~gsomia.warning.fusion.
   TrackFuser`, the run's :class:`~gsomia.warning.fusion.FusionConfig`; JPN's tracks are its
   batch tracker run read at the current scenario time, as :func:`gsomia.sim.run.
   run_scenario` reads them) and computes the PIP of the fused track that contains the
   arrived report (:func:`~gsomia.warning.tracking.impact.predict_impact`, unscented
   transform, RK4 step ``pip_step_s``). **The timer stops when that PIP is computed.**
   Only the origin's reports are timed, and only their arrival makes the fusion run on a
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
import math
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from gsomia.errors import InputError
from gsomia.node import Clock, MissileWarning, Node, ReceivedItem
from gsomia.node.clock import ScaledWallClock
from gsomia.node.stamps import Stamps
from gsomia.sharing import Catalog, Route
from gsomia.sim.config import RunConfig
from gsomia.sim.delivery.live_fusion import InlineFusion, Prepared, replay_scans
from gsomia.sim.delivery.live_stats import PARTS, LatencySample, load_1m, stats
from gsomia.sim.delivery.nodes import node_routes
from gsomia.sim.delivery.payloads import payload_of, received_report
from gsomia.sim.delivery.plan import NONE, RouteConfig, RoutePlan
from gsomia.sim.items import Delivered, Warning
from gsomia.sim.observe import Observation
from gsomia.sim.pictures import OwnPicture
from gsomia.sim.scenario import Scenario
from gsomia.sim.share import shared_report
from gsomia.warning.fusion import TrackReport
from gsomia.warning.tracking.tracker import Tracker
from gsomia.warning.types import Detection

__all__ = ["PARTS", "SWITCH_INTERVAL_S", "ClusterFactory", "LatencySample", "LiveDelivery",
           "LiveNodes"]

SWITCH_INTERVAL_S = 0.001
"""The interpreter's thread switch interval [s] while a live route runs
(:func:`sys.setswitchinterval`; CPython's default is 5 ms; restored after the route). The
route's three nodes, their servers and the publishing loop share one process and its
interpreter lock: a thread woken by a report (a server's request thread, the arrival
thread) waits for the lock until the thread holding it is made to drop it, up to one
switch interval when that thread is busy with another party's work. A shorter interval
bounds that wait (more switches: a little more CPU); each node in a process of its own
would not need it."""

OnWarning = Callable[[MissileWarning, ReceivedItem], None]
"""A node's subscriber callback: ``(warning, item)``."""


class LiveNodes(Protocol):
    """What live mode needs of a started cluster: each party's node, and a way to stop
    every server and close every node."""

    @property
    def nodes(self) -> Mapping[str, Node]: ...

    def stop(self) -> None: ...


class ClusterFactory(Protocol):
    """Makes and starts the live nodes of one route: keys and certificates, stores and
    servers under ``workdir`` (a temporary directory removed after the route), the nodes
    deciding by ``catalog`` with each party's partner ``routes``, subscribing
    ``on_warning``, on ``clock``. E.g. :meth:`gsomia.web.live.LiveCluster.for_run`."""

    def __call__(self, workdir: Path, catalog: Catalog,
                 routes: Mapping[str, Mapping[str, Route]],
                 on_warning: Mapping[str, OnWarning], clock: Clock) -> LiveNodes: ...


@dataclass(slots=True)
class _Sent:
    track_id: str
    scan_s: float        # perf_counter when the scan was handed to the tracker
    step_s: float        # the step's wall time [s]
    publish_s: float     # perf_counter when publish_warning was called
    approved_s: float | None = None
    sealed_s: float | None = None      # perf_counter when the release was committed
    envelope_id: str | None = None     # the envelope to ``at``


class LiveDelivery:
    """The delivery step in live mode (``gsomia run --live``): per route, every party's node
    is a real server on 127.0.0.1 (made by ``cluster``, e.g. :meth:`gsomia.web.live.
    LiveCluster.for_run`: uvicorn, HTTPS with mutual TLS, ports chosen at run time, a fresh
    PKI in a temporary directory), the warnings are published at their scenario times on a
    :class:`~gsomia.node.clock.ScaledWallClock` and what arrives is
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
        cluster: makes and starts the live nodes of one route (:class:`ClusterFactory`).
        config: route assumptions (the TISA approval delay).
        speed: scenario seconds per wall second (ASSUMPTION of this mode, default 20: the
            2017-03-06 scenario's 11 minutes of warnings take about 35 s per route).
        timeout_s: longest wall wait for the last arrivals after the last publication.
        origin: the party whose radar-to-PIP latency is measured (default KOR, issue 7).
        at: the party whose node fuses and computes the PIP (default JPN).
        switch_interval_s: the interpreter's switch interval while a route runs
            (:data:`SWITCH_INTERVAL_S`; None: left as it is).

    Attributes:
        latencies_ms: route → wall times [ms] from publishing (on the TISA route, relayed
            items: from the originator's approval) to the recipient's node handing the
            warning to its subscriber.
        lost: route → warnings expected but not delivered within ``timeout_s``.
        samples: route → :class:`LatencySample` of every origin track report that reached
            ``at`` and was fused into a PIP.
        counts: route → counters of the end-to-end measurement (:meth:`latency_stats`).
        prepared: what :meth:`prepare` took from the run (None: not prepared).
        handover_lag_ms: route → how late [wall ms] each origin scan was handed to the
            live tracker after its time on the scaled wall clock (the publishing
            loop falling behind the compressed clock; not part of the latency).

    Raises:
        InputError: ``speed``, ``timeout_s`` or ``switch_interval_s`` not positive, or
            ``origin`` equal to ``at``.
    """

    def __init__(self, cluster: ClusterFactory, config: RouteConfig | None = None,
                 speed: float = 20.0, timeout_s: float = 30.0, origin: str = "KOR",
                 at: str = "JPN", switch_interval_s: float | None = SWITCH_INTERVAL_S) -> None:
        if not (math.isfinite(speed) and speed > 0):
            raise InputError("speed", speed, "must be a positive finite number")
        if not (math.isfinite(timeout_s) and timeout_s > 0):
            raise InputError("timeout_s", timeout_s, "must be a positive finite number")
        if origin == at:
            raise InputError("at", at, "must differ from origin")
        if switch_interval_s is not None and not (
                math.isfinite(switch_interval_s) and switch_interval_s > 0):
            raise InputError("switch_interval_s", switch_interval_s,
                             "must be a positive finite number or None")
        self.switch_interval_s = switch_interval_s
        self.cluster = cluster
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
        self.load: dict[str, dict[str, float | None]] = {}
        self.prepared: Prepared | None = None

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
            self.prepared = None
            return
        self.prepared = Prepared(
            replay_scans([d for d in observation.detections if d.owner == self.origin]),
            config.tracker, config.report_interval_s, OwnPicture(self.at, trackers[self.at]),
            config.fusion, config.pip_step_s)

    def __call__(self, warnings: dict[str, list[Warning]], plan: RoutePlan,
                 scenario: Scenario, catalog: Catalog) -> list[Delivered]:
        """The arrivals of every party's items on ``plan``'s route through a live cluster
        deciding by ``catalog``, in time order; the route's latencies are kept in the
        attributes."""
        if plan.route == NONE:
            return []
        prep = self.prepared if self.origin in warnings and self.at in warnings else None
        run = _LiveRoute(self, prep, warnings, plan, scenario)
        if not run.queue:
            return []
        load0, cpu0, wall0 = load_1m(), time.process_time(), time.perf_counter()
        before = sys.getswitchinterval()
        if self.switch_interval_s is not None:
            sys.setswitchinterval(self.switch_interval_s)
        try:
            run.run(catalog)
        finally:
            sys.setswitchinterval(before)
        self.load[plan.route] = {
            "load_1m_start": load0, "load_1m_end": load_1m(), "cores": os.cpu_count(),
            "wall_s": round(time.perf_counter() - wall0, 2),
            "cpu_s": round(time.process_time() - cpu0, 2),
            "switch_interval_s": self.switch_interval_s}
        with run.lock:
            self.samples[plan.route] = run.latency_samples()
            self.handover_lag_ms[plan.route] = run.lags
            self.counts[plan.route] = run.counts
            self.latencies_ms[plan.route] = [
                1000.0 * (run.arrived[k] - run.started[k[0] + ">" + k[1]])
                for k in run.expected if k in run.arrived]
            self.lost[plan.route] = len(run.expected - set(run.arrived))
            return sorted(run.out, key=lambda d: d.t_s)

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
            tisa = route == Route.TISA_HUB
            out[route] = {
                "origin": self.origin, "at": self.at,
                "from": "tisa_approval" if tisa else "detection",
                "n": len(samples), **stats([s.total_ms for s in samples]),
                "parts_p50_ms": {
                    "tracker_step": stats([s.step_ms for s in samples])["p50_ms"],
                    ("approval_to_arrival" if tisa else "publish_to_arrival"):
                        stats([s.link_ms for s in samples])["p50_ms"],
                    "fuse_pip": stats([s.fuse_pip_ms for s in samples])["p50_ms"]},
                "parts_ms": {part: stats([s.parts_ms[part] for s in samples
                                           if part in s.parts_ms]) for part in PARTS},
                "pip_valid": sum(s.pip_valid for s in samples),
                "handover_lag_ms": {k: v for k, v in stats(
                    self.handover_lag_ms.get(route, [])).items() if k != "p99_ms"},
                "machine": self.load.get(route, {}),
                **self.counts.get(route, {})}
        return out


class _LiveRoute:
    """One route of a live run (:meth:`LiveDelivery.__call__`): the events to replay, the
    cluster's callbacks, the publishing loop and the timings it gathers.

    Events: ``(scenario time, party, kind, item)``; kind 0 publishes a precomputed warning,
    kind 1 hands an origin's radar scan to the live tracker (when prepared).
    """

    def __init__(self, owner: LiveDelivery, prep: Prepared | None,
                 warnings: dict[str, list[Warning]], plan: RoutePlan,
                 scenario: Scenario) -> None:
        self.owner, self.prep, self.plan, self.scenario = owner, prep, plan, scenario
        self.origin, self.at = owner.origin, owner.at
        self.parties = list(warnings)
        self.lock = threading.Lock()
        self.out: list[Delivered] = []
        self.started: dict[str, float] = {}
        self.arrived: dict[tuple[str, str], float] = {}
        self.expected: set[tuple[str, str]] = set()
        self.sent: dict[str, _Sent] = {}
        self.lags: list[float] = []   # wall ms each scan was handed over after its time
        # item → (arrival, taken up by the fusion, fused, PIP done, valid)
        self.fused: dict[str, tuple[float, float, float, float, bool]] = {}
        # every node's stage stamps of this route (gsomia.node.stamps)
        self.stamps = Stamps()
        self.counts = {"published": 0, "state_mismatches": 0, "missing": 0, "extra": 0,
                       "expected": 0, "stale": 0, "unfused": 0, "other_fused": 0,
                       "fuse_batches": 0, "worker_pending": 0}
        self.labels: dict[tuple[str, str], tuple[Warning, MissileWarning]] = {}
        for p, items in warnings.items():
            for w in items:
                mw = payload_of(w, scenario)
                self.labels[(p, mw.track_id + f"@{w.t_s:.6f}")] = (w, mw)
        self.queue: list[tuple[float, str, int, Any]] = [
            (w.t_s, p, 0, w) for p, items in warnings.items() for w in items
            if not (prep is not None and p == self.origin and w.report is not None)]
        self.shared: dict[tuple[str, int], Warning] = {}
        if prep is not None:
            self.shared = {(w.report.track_id, w.report.update): w
                           for w in warnings[self.origin] if w.report is not None}
            self.queue += [(t, self.origin, 1, scan) for t, scan in prep.scans]
        self.queue.sort(key=lambda e: (e[0], e[1], e[2]))
        self.tracker = Tracker(prep.tracker) if prep is not None else None
        self.seen_len: dict[int, int] = {}
        self.last_report: dict[int, float] = {}
        self.yielded: set[tuple[str, int]] = set()
        self.fusion: InlineFusion | None = None
        self.clock: ScaledWallClock | None = None
        self.nodes: Mapping[str, Node] = {}

    def receiver(self, party: str) -> OnWarning:
        """``party``'s subscriber: hand the origin's reports at ``at`` to the fusion
        in this thread, and keep every arrival (its item put back, its wall time)."""
        def on_warning(mw: MissileWarning, item: ReceivedItem) -> None:
            assert self.clock is not None
            now, wall = self.clock.now_s(), time.perf_counter()
            if self.fusion is not None and party == self.at and mw.trajectory is not None:
                self.fusion.put(wall, item.originator, item.item_id,
                                received_report(item.originator, mw))
            w, _ = self.labels[(item.originator, f"{mw.track_id}@{mw.t_s:.6f}")]
            with self.lock:
                self.out.append(Delivered(now, party, w))
                self.arrived[(item.item_id, party)] = wall
        return on_warning

    def publish(self, p: str, t: float, mw: MissileWarning,
                timing: tuple[float, float] | None, send: bool = True) -> None:
        """``p``'s node publishes ``mw`` at scenario time ``t``; on TISA the originator
        approves each relayed item ``approval_delay_s`` later. ``timing``: (scan handed
        over [perf_counter s], tracker step [s]) of an origin report, else None.
        ``send``: have ``p``'s background sender flush its outbox at once (False: the
        caller does). Each node sends from its own sender thread (as after its
        ``POST /v1/warnings``), so the publishing loop never waits for a round trip and the
        origin's reports never wait behind another party's sends."""
        assert self.clock is not None
        t0 = time.perf_counter()
        # released (decided, signed, sealed, committed), then sent: the same work as
        # publish_warning(mw), timed in two parts
        releases = self.nodes[p].publish_warning(mw, send=False)
        sealed = time.perf_counter()
        for rel in releases:
            if rel.status == "denied":
                continue
            self.expected.add((rel.item_id, rel.to))
            self.started[rel.item_id + ">" + rel.to] = t0
            if timing is not None and rel.to == self.at:
                self.sent[rel.item_id] = _Sent(mw.track_id, timing[0], timing[1], t0,
                                               sealed_s=sealed, envelope_id=rel.envelope_id)
                self.counts["expected"] += 1
        if send:  # by p's background sender: this loop never waits for a round trip
            self.nodes[p].flush_soon()
        for rel in releases:
            if rel.status == "awaiting_approval":
                def approve(n: Node = self.nodes[p], i: str = rel.item_id,
                            to: str = rel.to) -> None:
                    now = time.perf_counter()
                    self.started[i + ">" + to] = now
                    if to == self.at and i in self.sent:
                        self.sent[i].approved_s = now
                    n.approve(i, to, Route.TISA_HUB)
                self.clock.call_at(t + self.owner.config.approval_delay_s, approve)

    def track_scan(self, t: float, scan: list[Detection]) -> None:
        """Hand one origin scan to the live tracker; publish what the sharing rule shares
        of it, each checked against the precomputed warning of the same track and update:
        every report of the scan released first, then the origin's outbox flushed once by
        this thread (each peer's envelopes of the scan go as one batch, so a report never
        waits for the round trips of the scan's reports before it; no hand-off to another
        thread on the timed path; the other parties' sends are their background senders',
        so the origin's never wait behind them)."""
        assert self.tracker is not None and self.prep is not None and self.clock is not None
        self.lags.append(1000.0 * -self.clock.wall_of(t))
        t0 = time.perf_counter()
        self.tracker.step(scan)
        step = time.perf_counter() - t0
        for tr in self.tracker.tracks:
            # a tentative track's entries wait: once it is confirmed at t, its entries of
            # time t made before the confirmation (another sensor's scan of the same time)
            # are shared by the same rule as party_warnings'
            if tr.confirmed_s is None:
                continue
            n = len(tr.history)
            k0 = self.seen_len.get(tr.number, 0)
            if n == k0:
                continue
            self.seen_len[tr.number] = n
            for k in range(k0, n):
                live = shared_report(self.origin, tr, k, self.last_report,
                                     self.prep.report_interval_s)
                if live is not None:
                    self._publish_live(t, live, (t0, step))
        self.nodes[self.origin].flush()

    def _publish_live(self, t: float, live: TrackReport, timing: tuple[float, float]) -> None:
        """Release one live report (not sent: :meth:`track_scan` flushes the scan's)."""
        key = (live.track_id, live.update)
        w = self.shared.get(key)
        if w is None:
            self.counts["extra"] += 1
            return
        self.yielded.add(key)
        assert w.report is not None
        if not (live.t_s == w.report.t_s and np.array_equal(live.x, w.report.x)
                and np.array_equal(live.P, w.report.P)):
            self.counts["state_mismatches"] += 1
        lw = Warning(live.t_s, self.origin, report=live, truth_id=w.truth_id)
        mw = payload_of(lw, self.scenario)
        assert isinstance(mw, MissileWarning)
        self.labels.setdefault((self.origin, f"{mw.track_id}@{lw.t_s:.6f}"), (w, mw))
        self.counts["published"] += 1
        self.publish(self.origin, t, mw, timing, send=False)

    def run(self, catalog: Catalog) -> None:
        """Start the fusion and the cluster, replay the events on the scaled wall
        clock, wait for the last arrivals (at most ``timeout_s``, plus the TISA approval
        delay), then stop everything and gather the fusion's results.

        Raises:
            BaseException: the fusion's error, re-raised.
        """
        owner = self.owner
        # the measuring node's fusion, warmed up before the scenario clock starts
        if self.prep is not None:
            self.fusion = InlineFusion(self.prep, self.origin, self.at)
        self.clock = ScaledWallClock(self.scenario.epoch, self.queue[0][0] - 1.0, owner.speed)
        if self.fusion is not None:
            self.fusion.start(self.clock)
        routes = {p: node_routes(self.plan, p, self.parties) for p in self.parties}
        with tempfile.TemporaryDirectory(prefix="gsomia-live-") as tmp:
            try:
                cluster = owner.cluster(Path(tmp), catalog, routes,
                                        {p: self.receiver(p) for p in self.parties},
                                        self.clock)
            except BaseException:
                if self.fusion is not None:
                    self.fusion.finish(1.0)
                raise
            self.nodes = cluster.nodes
            for node in self.nodes.values():
                node.stamps = self.stamps
            if self.fusion is not None:  # a delivered batch's reports fused together
                self.nodes[self.at].on_batch = self.fusion.batch_done
            try:
                self._replay()
            finally:
                self._finish_fusion()
                cluster.stop()
        if self.fusion is not None and self.fusion.error is not None:
            raise self.fusion.error
        self.counts["missing"] = len(set(self.shared) - self.yielded)

    def _replay(self) -> None:
        assert self.clock is not None
        for t, p, kind, obj in self.queue:
            wait = self.clock.wall_of(t)
            if wait > 0:
                time.sleep(wait)
            if kind == 1:
                self.track_scan(t, obj)
                continue
            held = self.labels[(p, f"{payload_of(obj, self.scenario).track_id}@{obj.t_s:.6f}")]
            self.publish(p, t, dataclasses.replace(held[1]), None)
        owner = self.owner
        deadline = time.monotonic() + owner.timeout_s + (
            owner.config.approval_delay_s / owner.speed
            if self.plan.route == Route.TISA_HUB else 0.0)
        while time.monotonic() < deadline:
            with self.lock:
                if self.expected <= set(self.arrived):
                    break
            time.sleep(0.05)

    def _finish_fusion(self) -> None:
        if self.fusion is None:
            return
        got, pending = self.fusion.finish(self.owner.timeout_s)
        self.fused.update(got.pop("fused", {}))
        for key, value in got.items():
            self.counts[key] += value
        self.counts["worker_pending"] = pending

    def _parts(self, s: _Sent, tisa: bool, after: tuple[float, ...]) -> dict[str, float]:
        """:data:`PARTS` of one timed report [ms]: consecutive stamps (the release and the
        stages of its envelope, then ``after``: arrival, taken up, fused, PIP done); a
        part whose stamps are missing is left out. On ``tisa_hub`` the envelope that
        reaches ``at`` is the hub's, not the origin's: only the parts at ``at`` are kept."""
        got = self.stamps.get(s.envelope_id) if s.envelope_id else {}
        marks = [None if tisa else s.scan_s, None if tisa else s.scan_s + s.step_s,
                 None if tisa else s.publish_s, None if tisa else s.sealed_s,
                 None if tisa else got.get("sent"), None if tisa else got.get("request"),
                 None if tisa else got.get("opened"), None if tisa else got.get("decided"),
                 None if tisa else got.get("stored"), *after]
        return {part: 1000.0 * (b - a) for part, a, b in zip(PARTS, marks[:-1], marks[1:],
                                                            strict=True)
                if a is not None and b is not None}

    def latency_samples(self) -> list[LatencySample]:
        """A :class:`LatencySample` per origin report fused at ``at`` (``tisa_hub``: timed
        from the originator's approval); counts the unfused ones."""
        tisa = self.plan.route == Route.TISA_HUB
        samples = []
        for item_id, s in self.sent.items():
            if item_id not in self.fused:
                continue
            wall, began, fused, done, valid = self.fused[item_id]
            start = s.approved_s if tisa else s.scan_s
            link0 = s.approved_s if tisa else s.publish_s
            if start is None or link0 is None:
                continue
            samples.append(LatencySample(item_id, s.track_id, 1000.0 * (done - start),
                                         1000.0 * s.step_s, 1000.0 * (wall - link0),
                                         1000.0 * (done - wall), valid,
                                         0.0 if tisa else
                                         1000.0 * (s.publish_s - s.scan_s - s.step_s),
                                         1000.0 * (began - wall),
                                         self._parts(s, tisa, (wall, began, fused, done))))
        self.counts["unfused"] = self.counts["expected"] - len(samples) - self.counts["stale"]
        return samples

"""The delivery step through real nodes: decide → sign → seal → send → verify → open → mark.

One :class:`gsomia.node.Node` per party and route on one :class:`~gsomia.node.SimClock`,
linked by :class:`~gsomia.node.InProcessLink` with the scenario's link delays (or the
default of :class:`~gsomia.sim.delivery.RouteConfig`). Each party's warnings
(:class:`~gsomia.sim.run.Warning`) are published at their times as
:class:`~gsomia.node.MissileWarning` payloads (trajectory element: the track state; launch
point element: the infrared launch report); what arrives at each partner's node is handed
back, at its arrival time on the clock, as :class:`~gsomia.sim.run.Delivered`.

Routes: ``direct``: each pair with a bilateral in force, directly; ``tisa_hub``: Japan and
Korea through the US node, which holds each item until the originator's signed approval
arrives (the originator approves ``approval_delay_s`` after publishing: the ASSUMPTION of
:mod:`gsomia.sim.delivery`); ``auto_hub``: through the US node, which forwards with its
standing approval; the automated hub's processing time (``hub_delay_s``, ASSUMPTION of
:mod:`gsomia.sim.delivery`) is added to the hub's outgoing leg of each relayed item (the
hub's own items go out after the link delay alone). Items whose release is denied on the
scenario date are audited by the nodes and never arrive. Arrivals therefore equal the
planned delivery's (:func:`gsomia.sim.run.deliver_planned`), which the tests check.

Stores and audit logs: one SQLite file per party (WAL journal, ``synchronous=NORMAL``, as
:class:`gsomia.sharing.sqldb.Database` opens every file) in a temporary directory, removed
afterwards.

Cost (2017-03-06, four launches, 2 CPUs): about 2.5-5 ms per envelope (sign, seal, open,
verify twice, decide, store and audit rows); a relayed TISA item takes four envelopes (the
item and the originator's approval, each over two legs). The hub's recheck of held items is
per item (:meth:`gsomia.node.Node._recheck_held`), so the cost is linear in the warnings.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from gsomia.errors import InputError
from gsomia.node import Directory, InProcessLink, MissileWarning, Node, PartyKeys, SimClock
from gsomia.node.core import ReceivedItem
from gsomia.node.links import Receipt
from gsomia.sharing import load_catalog
from gsomia.sharing.envelope import Envelope
from gsomia.sim.delivery import RouteConfig, RoutePlan
from gsomia.sim.run import Delivered, Warning
from gsomia.sim.scenario import Scenario
from gsomia.warning.fusion import TrackReport
from gsomia.warning.sensors import LaunchReport
from gsomia.warning.tracking.launch import LaunchPointEstimate
from gsomia.warning.tracking.states import TrackState

__all__ = ["LiveDelivery", "NodeDelivery", "ScaledWallClock"]

_NODE_ROUTE = {"direct": "direct", "tisa_hub": "tisa", "auto_hub": "auto-hub"}


def _link_delay(scenario: Scenario, a: str, b: str, cfg: RouteConfig) -> float:
    for link in scenario.links:
        if link.from_party == a and link.to_party == b:
            return link.delay_s
    return cfg.default_link_delay_s


class _HubLink(InProcessLink):
    """The hub's link to a recipient on the automated hub route: an envelope the hub relays
    (outbox route ``auto-hub``) leaves ``hub_delay_s`` later than one of its own items
    (the hub's processing time; ASSUMPTION of :mod:`gsomia.sim.delivery`)."""

    def __init__(self, peer: str, receiver: Node, clock: SimClock, delay_s: float,
                 hub: Node, hub_delay_s: float) -> None:
        super().__init__(peer, receiver, clock, delay_s, sender=hub.party)
        self.base_s = delay_s
        self.hub = hub
        self.hub_delay_s = hub_delay_s

    def send(self, envelope: Envelope) -> Receipt:
        row = self.hub.store.db.fetchone(
            "SELECT route FROM outbox WHERE envelope_id = ?", (envelope.envelope_id,))
        relayed = row is not None and row[0] == "auto-hub"
        self.delay_s = self.base_s + (self.hub_delay_s if relayed else 0.0)
        return super().send(envelope)


def _payload(w: Warning, scenario: Scenario) -> MissileWarning:
    if w.report is not None:
        r = w.report
        state = TrackState(r.t_s, r.x, r.P, np.zeros(2), True)
        return MissileWarning.from_estimates(r.track_id, scenario.epoch, r.t_s, track=state)
    lr = w.launch
    if lr is None:
        raise ValueError("a warning carries a track report or a launch report")
    sig2 = lr.sigma_position_m**2
    lpe = LaunchPointEstimate(lr.launch_lat_deg, lr.launch_lon_deg, float(lr.launch_t_s), 0.0,
                              np.diag([sig2, sig2]), 0)
    return MissileWarning.from_estimates(f"ir-{lr.sensor_id}-{w.t_s:.3f}", scenario.epoch,
                                         lr.t_s, launch=lpe)


class NodeDelivery:
    """A delivery step for :func:`gsomia.sim.run.run_scenario` through real nodes.

    Args:
        config: route delays (the same assumptions as the planned delivery).
    """

    def __init__(self, config: RouteConfig | None = None) -> None:
        self.config = config or RouteConfig()

    def __call__(self, warnings: dict[str, list[Warning]], plan: RoutePlan,
                 scenario: Scenario) -> list[Delivered]:
        if plan.route == "none":
            return []
        cfg = self.config
        parties = list(warnings)
        catalog = load_catalog()
        # the nodes decide on their clock's date: as-if-in-force runs use the date that
        # plan_routes uses for it (every catalogued agreement in force)
        clock = SimClock(dt.datetime(2024, 1, 1, tzinfo=dt.UTC) if cfg.ignore_dates
                         else scenario.epoch)
        keys = {p: PartyKeys.generate(p) for p in parties}
        directory = Directory(k.public() for k in keys.values())
        labels: dict[tuple[str, str], str | None] = {}
        launches: dict[tuple[str, str], LaunchReport] = {}
        payloads: dict[int, MissileWarning] = {}
        for p, items in warnings.items():
            for w in items:
                mw = payloads[id(w)] = _payload(w, scenario)
                labels[(p, mw.track_id)] = w.truth_id
                if w.launch is not None:
                    launches[(p, mw.track_id)] = w.launch
        out: list[Delivered] = []

        def receiver(party: str):
            def on_warning(mw: MissileWarning, item: ReceivedItem) -> None:
                key = (item.originator, mw.track_id)
                if mw.trajectory is not None:
                    tr = mw.trajectory
                    rep = TrackReport(item.originator, mw.track_id,
                                      int(round(tr["t_s"] * 1000.0)), tr["t_s"],
                                      np.array(tr["x_ecef"]), np.array(tr["P"]))
                    w = Warning(mw.t_s, item.originator, report=rep, truth_id=labels.get(key))
                else:
                    w = Warning(mw.t_s, item.originator, launch=launches.get(key),
                                truth_id=labels.get(key))
                out.append(Delivered(clock.now_s(), party, w))
            return on_warning

        with tempfile.TemporaryDirectory() as tmp:
            nodes: dict[str, Node] = {}
            for p in parties:
                routes = {}
                for q in parties:
                    if q == p or plan.delay(p, q) is None:
                        continue
                    via = next((x.via for x in plan.paths
                                if x.originator == p and x.recipient == q), None)
                    routes[q] = _NODE_ROUTE[plan.route] if via else "direct"
                nodes[p] = Node(p, keys[p], directory, catalog, Path(tmp) / f"{p}.sqlite",
                                clock, routes=routes, on_warning=receiver(p))
            hubs = {x.via for x in plan.paths if x.via is not None}
            for p in parties:
                for q in parties:
                    if p == q:
                        continue
                    delay = _link_delay(scenario, p, q, cfg)
                    if plan.route == "auto_hub" and p in hubs:
                        nodes[p].connect(q, _HubLink(q, nodes[q], clock, delay, nodes[p],
                                                     cfg.hub_delay_s))
                    else:
                        nodes[p].connect(q, InProcessLink(q, nodes[q], clock, delay,
                                                          sender=p))
            queue = sorted(((w.t_s, p, w) for p, items in warnings.items() for w in items),
                           key=lambda e: (e[0], e[1]))
            for t, p, w in queue:
                clock.advance_to(max(t, clock.now_s()))
                releases = nodes[p].publish_warning(payloads[id(w)])
                if plan.route == "tisa_hub":
                    for rel in releases:
                        if rel.status == "awaiting_approval":
                            clock.call_at(t + cfg.approval_delay_s,
                                          lambda n=nodes[p], i=rel.item_id, to=rel.to:
                                          n.approve(i, to, "tisa"))
            clock.run(limit_s=math.inf)
            for n in nodes.values():
                n.close()
        out.sort(key=lambda d: d.t_s)
        return out



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


class LiveDelivery:
    """The delivery step in live mode (``gsomia run --live``): per route, every party's node
    is a real server on 127.0.0.1 (:class:`gsomia.web.live.LiveCluster`: uvicorn, HTTPS with
    mutual TLS, ports chosen at run time, a fresh PKI in a temporary directory), the warnings
    are published at their scenario times on a :class:`ScaledWallClock` and what arrives is
    timed on that clock. The routes run one after the other; all servers are stopped at
    the end of each.

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

    Attributes:
        latencies_ms: route → wall times [ms] from publishing (on the TISA route, relayed
            items: from the originator's approval) to the recipient's node handing the
            warning to its subscriber.
        lost: route → warnings expected but not delivered within ``timeout_s``.
    """

    def __init__(self, config: RouteConfig | None = None, speed: float = 20.0,
                 timeout_s: float = 30.0) -> None:
        self.config = config or RouteConfig()
        self.speed = speed
        self.timeout_s = timeout_s
        self.latencies_ms: dict[str, list[float]] = {}
        self.lost: dict[str, int] = {}

    def __call__(self, warnings: dict[str, list[Warning]], plan: RoutePlan,
                 scenario: Scenario) -> list[Delivered]:
        from gsomia.sharing.pki import init_pki
        from gsomia.web.live import LiveCluster

        if plan.route == "none":
            return []
        cfg = self.config
        parties = list(warnings)
        lock = threading.Lock()
        out: list[Delivered] = []
        started: dict[str, float] = {}
        arrived: dict[tuple[str, str], float] = {}
        labels: dict[tuple[str, str], tuple[Warning, MissileWarning]] = {}
        for p, items in warnings.items():
            for w in items:
                mw = _payload(w, scenario)
                labels[(p, mw.track_id + f"@{w.t_s:.6f}")] = (w, mw)
        queue = sorted(((w.t_s, p, w) for p, items in warnings.items() for w in items),
                       key=lambda e: (e[0], e[1]))
        if not queue:
            return []
        clock = ScaledWallClock(scenario.epoch, queue[0][0] - 1.0, self.speed)

        def receiver(party: str) -> Callable[[MissileWarning, ReceivedItem], None]:
            def on_warning(mw: MissileWarning, item: ReceivedItem) -> None:
                now, wall = clock.now_s(), time.perf_counter()
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
        with tempfile.TemporaryDirectory(prefix="gsomia-live-") as tmp:
            init_pki(Path(tmp) / "pki", parties)
            cluster = LiveCluster(Path(tmp) / "pki", Path(tmp), load_catalog(), routes,
                                  on_warning={p: receiver(p) for p in parties},
                                  clock=clock).start()
            try:
                for t, p, w in queue:
                    wait = clock.wall_of(t)
                    if wait > 0:
                        time.sleep(wait)
                    mw = dataclasses.replace(labels[(p, f"{_payload(w, scenario).track_id}"
                                                       f"@{w.t_s:.6f}")][1])
                    t0 = time.perf_counter()
                    releases = cluster.nodes[p].publish_warning(mw)
                    for rel in releases:
                        if rel.status == "denied":
                            continue
                        expected.add((rel.item_id, rel.to))
                        started[rel.item_id + ">" + rel.to] = t0
                        if rel.status == "awaiting_approval":
                            def approve(n: Node = cluster.nodes[p], i: str = rel.item_id,
                                        to: str = rel.to) -> None:
                                started[i + ">" + to] = time.perf_counter()
                                n.approve(i, to, "tisa")
                            clock.call_at(t + cfg.approval_delay_s, approve)
                deadline = time.monotonic() + self.timeout_s + (
                    cfg.approval_delay_s / self.speed if plan.route == "tisa_hub" else 0.0)
                while time.monotonic() < deadline:
                    with lock:
                        if expected <= set(arrived):
                            break
                    time.sleep(0.05)
            finally:
                cluster.stop()
        with lock:
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

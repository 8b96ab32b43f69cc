"""Live mode of ``gsomia run``: every party's node a real server on 127.0.0.1.

:class:`LiveDelivery` is the delivery step of :func:`gsomia.sim.run.run_scenario` that
publishes the warnings on a :class:`ScaledWallClock` through the servers of
:class:`gsomia.web.live.LiveCluster`, and times what arrives.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from gsomia.errors import InputError
from gsomia.node import MissileWarning, Node
from gsomia.node.core import ReceivedItem
from gsomia.sharing import load_catalog
from gsomia.sim.delivery import RouteConfig, RoutePlan
from gsomia.sim.nodes import _NODE_ROUTE, _payload
from gsomia.sim.run import Delivered, Warning
from gsomia.sim.scenario import Scenario

__all__ = ["LiveDelivery", "ScaledWallClock"]


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

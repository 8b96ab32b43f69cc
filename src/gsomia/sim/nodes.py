"""The delivery step through real nodes: decide → sign → seal → send → verify → open → mark.

One :class:`gsomia.node.Node` per party and route on one :class:`~gsomia.node.SimClock`,
linked by :class:`~gsomia.node.InProcessLink` with the scenario's link delays (or the
default of :class:`~gsomia.sim.delivery.RouteConfig`). Each party's warnings
(:class:`~gsomia.sim.run.Warning`) are published at their times as
:class:`~gsomia.node.MissileWarning` payloads (trajectory element: the track state; launch
point element: the infrared launch report), and a scan's plots (measurement-level sharing)
as :class:`~gsomia.node.plots.RadarPlots` through the node's generic item API
(:func:`gsomia.node.plots.publish_plots`; elements ``trajectory`` and ``sensor_location``,
decided by each node on its own). What arrives at each partner's node is handed back, at
its arrival time on the clock, as :class:`~gsomia.sim.run.Delivered` (the nodes subscribe
with ``on_item`` and tell plots from warnings by the payload's ``kind``). The plots' true
objects never travel: like the warnings' labels they are kept by the simulation, for
scoring only, and put back on arrival.

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
from pathlib import Path

import numpy as np

from gsomia.node import (
    Directory,
    InProcessLink,
    MissileWarning,
    Node,
    PartyKeys,
    ReceivedItem,
    SimClock,
)
from gsomia.node.links import Receipt
from gsomia.node.plots import RadarPlots, is_plot_payload, publish_plots
from gsomia.sharing import load_catalog
from gsomia.sharing.envelope import Envelope
from gsomia.sim.delivery import RouteConfig, RoutePlan
from gsomia.sim.run import Delivered, Warning
from gsomia.sim.scenario import Scenario
from gsomia.warning.fusion import TrackReport
from gsomia.warning.sensors import LaunchReport
from gsomia.warning.tracking.launch import LaunchPointEstimate
from gsomia.warning.tracking.states import TrackState
from gsomia.warning.types import Detection

__all__ = ["NodeDelivery"]

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
        relayed = self.hub.store.outbox_route(envelope.envelope_id) == "auto_hub"
        self.delay_s = self.base_s + (self.hub_delay_s if relayed else 0.0)
        return super().send(envelope)


def _payload(w: Warning, scenario: Scenario, n: int | None = None
             ) -> MissileWarning | RadarPlots:
    """The node payload of a warning. An infrared launch report's id names its sensor,
    time and reported launch point, and ``n`` (the report's place in its originator's
    list) where given: the missiles of a salvo are reported by one sensor at one time, and
    each report must stay its own item."""
    if w.plots:
        d = w.plots[0]
        return RadarPlots.from_detections(f"scan-{d.sensor_id}-{d.t_s:.6f}", scenario.epoch,
                                          w.plots)
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
    ident = (f"ir-{lr.sensor_id}-{w.t_s:.3f}-{lr.launch_lat_deg:.5f}-{lr.launch_lon_deg:.5f}"
             + ("" if n is None else f"-{n}"))
    return MissileWarning.from_estimates(ident, scenario.epoch, lr.t_s, launch=lpe)


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
        labels: dict[tuple[str, str], Warning] = {}
        launches: dict[tuple[str, str], LaunchReport] = {}
        truths: dict[tuple[str, str], tuple[Detection, ...]] = {}
        payloads: dict[int, MissileWarning | RadarPlots] = {}
        for p, items in warnings.items():
            for n, w in enumerate(items):
                mw = payloads[id(w)] = _payload(w, scenario, n)
                if isinstance(mw, RadarPlots):
                    truths[(p, mw.scan_id)] = w.plots
                    continue
                labels[(p, mw.track_id)] = w
                if w.launch is not None:
                    launches[(p, mw.track_id)] = w.launch
        out: list[Delivered] = []

        def receiver(party: str):
            def on_item(item: ReceivedItem) -> None:
                if is_plot_payload(item.payload):
                    rp = RadarPlots.from_dict(item.payload)
                    sent = truths.get((item.originator, rp.scan_id))
                    dets = rp.detections(item.originator,
                                         None if sent is None else [d.truth_id for d in sent])
                    if sent is not None:   # scoring only: the members of unresolved groups
                        dets = [dataclasses.replace(d, merged_truth_ids=o.merged_truth_ids)
                                for d, o in zip(dets, sent, strict=True)]
                    out.append(Delivered(clock.now_s(), party,
                                         Warning(rp.t_s, item.originator, plots=tuple(dets))))
                elif item.is_warning:
                    on_warning(MissileWarning.from_dict(item.payload), item)

            def on_warning(mw: MissileWarning, item: ReceivedItem) -> None:
                key = (item.originator, mw.track_id)
                sent = labels.get(key)
                truth = {"truth_id": None if sent is None else sent.truth_id,
                         "truth_group": () if sent is None else sent.truth_group}
                if mw.trajectory is not None:
                    tr = mw.trajectory
                    rep = TrackReport(item.originator, mw.track_id,
                                      int(round(tr["t_s"] * 1000.0)), tr["t_s"],
                                      np.array(tr["x_ecef"]), np.array(tr["P"]))
                    w = Warning(mw.t_s, item.originator, report=rep, **truth)
                else:
                    w = Warning(mw.t_s, item.originator, launch=launches.get(key), **truth)
                out.append(Delivered(clock.now_s(), party, w))
            return on_item

        with tempfile.TemporaryDirectory() as tmp:
            nodes: dict[str, Node] = {}
            for p in parties:
                routes = {}
                for q in parties:
                    if q == p or (plan.delay(p, q) is None
                                  and plan.delay(p, q, "plots") is None):
                        continue
                    via = next((x.via for x in plan.paths
                                if x.originator == p and x.recipient == q), None)
                    routes[q] = _NODE_ROUTE[plan.route] if via else "direct"
                nodes[p] = Node(p, keys[p], directory, catalog, Path(tmp) / f"{p}.sqlite",
                                clock, routes=routes, on_item=receiver(p))
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
                payload = payloads[id(w)]
                releases = (publish_plots(nodes[p], payload)
                            if isinstance(payload, RadarPlots)
                            else nodes[p].publish_warning(payload))
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

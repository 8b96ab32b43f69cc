"""The delivery step through real nodes: decide → sign → seal → send → verify → open → mark.

One :class:`gsomia.node.Node` per party and route on one :class:`~gsomia.node.SimClock`,
linked by :class:`~gsomia.node.InProcessLink` with the scenario's link delays (or the
default of :class:`~gsomia.sim.delivery.plan.RouteConfig`). Each party's warnings
(:class:`~gsomia.sim.items.Warning`) are published at their times as
:class:`~gsomia.node.MissileWarning` payloads (trajectory element: the track state; launch
point element: the infrared launch report), and a scan's plots (measurement-level sharing)
as :class:`~gsomia.node.plots.RadarPlots` through the node's generic item API
(:func:`gsomia.node.plots.publish_plots`; elements ``trajectory`` and ``sensor_location``,
decided by each node on its own), an entry of a party's public warning log as
:class:`~gsomia.node.alerts.AreaWarning` (element ``impact_point``), and a submarine
contact as :class:`~gsomia.node.contacts.SubmarineContact` (element
``pre_launch_indication``, which the automated hub's arrangement excludes). What arrives
at each partner's node is handed back, at its arrival time on the clock, as
:class:`~gsomia.sim.items.Delivered` (the nodes subscribe with ``on_item`` and tell plots,
public warnings and contacts from missile warnings by the payload's ``kind``). The plots' true
objects never travel: like the warnings' labels they are kept by the simulation, for
scoring only, and put back on arrival.

Routes: ``direct``: each pair with a bilateral in force, directly; ``tisa_hub``: Japan and
Korea through the US node, which holds each item until the originator's signed approval
arrives (the originator approves ``approval_delay_s`` after publishing: the ASSUMPTION of
:mod:`gsomia.sim.delivery.plan`); ``auto_hub``: through the US node, which forwards with its
standing approval; the automated hub's processing time (``hub_delay_s``, ASSUMPTION of
:mod:`gsomia.sim.delivery.plan`) is added to the hub's outgoing leg of each relayed item (the
hub's own items go out after the link delay alone). Items whose release is denied on the
scenario date are audited by the nodes and never arrive. Arrivals therefore equal the
planned delivery's (:func:`gsomia.sim.delivery.planned.deliver_planned`), which the tests check.

The nodes decide by the run's agreement catalog (the one passed to
:func:`gsomia.sim.run.run_scenario`), and each partner's route is the plan's
(:class:`~gsomia.sharing.Route`: the route's own where the path goes through the hub, else
``direct``).

Stores and audit logs: one in-memory SQLite database per party (``":memory:"``, the
store's and the audit log's tables together, as a node keeps them by default), dropped
when the route's run ends: nothing of a simulated run is kept, so nothing is written to
disk (the stores of ``gsomia serve`` keep their file and durability, :mod:`gsomia.sharing.
sqldb`). Every step still runs: decide, sign, seal, open, verify, store, audit, custody,
witness.

Cost (2017-03-06, four launches, 6622 envelopes over the three sharing routes and the
warning log): the delivery step about 4 ms CPU per envelope (sign, seal, open, verify
three times, decide, store and audit rows, signed receipts and cosigned checkpoints):
26-29 s in all, against 27-29 s before the private stores kept their reads in memory
(:meth:`gsomia.sharing.sqldb.Database.fetchone_kept`), 39 SQL statements per envelope
instead of 47 and 3.3 transactions; the whole run's CPU time 1.61 times that of
``--delivery planned`` (median of 3 alternated runs each: 72.3 s against 45.0 s;
``benchmarks/bench_run_delivery.py``), measured on 2 CPUs shared with other jobs (load
4-8), which move such figures by 10 %; a relayed TISA
item takes four envelopes (the item and the originator's approval, each over two legs).
The hub's recheck of held items is per item (:meth:`gsomia.node.hub.Hub.recheck`), so
the cost is linear in the warnings.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

from gsomia.node import (
    AreaWarning,
    Directory,
    InProcessLink,
    MissileWarning,
    Node,
    PartyKeys,
    Receipt,
    ReceivedItem,
    SimClock,
)
from gsomia.node.alerts import is_area_warning_payload
from gsomia.node.contacts import SubmarineContact, is_contact_payload
from gsomia.node.plots import RadarPlots, is_plot_payload
from gsomia.sharing import Catalog, Route
from gsomia.sharing.envelope import Envelope
from gsomia.sim.delivery.payloads import payload_of, received_report
from gsomia.sim.delivery.plan import NONE, RouteConfig, RoutePlan, link_delay
from gsomia.sim.items import Delivered, Warning
from gsomia.sim.scenario import Scenario
from gsomia.warning.sensors import LaunchReport
from gsomia.warning.sensors.maritime import ContactReport
from gsomia.warning.types import Detection

__all__ = ["NodeDelivery", "node_routes"]


def node_routes(plan: RoutePlan, party: str, partners: list[str]) -> dict[str, Route]:
    """A party's route to each partner its plan reaches (warnings or plots): the plan's
    route where the path goes through a hub, else :attr:`Route.DIRECT
    <gsomia.sharing.Route.DIRECT>`."""
    out = {}
    for q in partners:
        if q == party or (plan.delay(party, q) is None
                          and plan.delay(party, q, "plots") is None):
            continue
        via = next((x.via for x in plan.paths
                    if x.originator == party and x.recipient == q), None)
        out[q] = Route.parse(plan.route) if via else Route.DIRECT
    return out


class _HubLink(InProcessLink):
    """The hub's link to a recipient on the automated hub route: an envelope the hub relays
    (outbox route ``auto_hub``, in any spelling) leaves ``hub_delay_s`` later than one of
    its own items (the hub's processing time; ASSUMPTION of :mod:`gsomia.sim.delivery.plan`).
    """

    def __init__(self, peer: str, receiver: Node, clock: SimClock, delay_s: float,
                 hub: Node, hub_delay_s: float) -> None:
        super().__init__(peer, receiver, clock, delay_s, sender=hub.party)
        self.base_s = delay_s
        self.hub = hub
        self.hub_delay_s = hub_delay_s

    def send(self, envelope: Envelope) -> Receipt:
        stored = self.hub.store.outbox_route(envelope.envelope_id)
        relayed = stored is not None and Route.parse(stored) is Route.AUTO_HUB
        self.delay_s = self.base_s + (self.hub_delay_s if relayed else 0.0)
        return super().send(envelope)


class _Items:
    """Every party's items as node payloads, and what the simulation keeps of each for
    scoring only (labels, launch reports, the plots' true objects), to put back on
    arrival."""

    def __init__(self, warnings: dict[str, list[Warning]], scenario: Scenario) -> None:
        self.labels: dict[tuple[str, str], Warning] = {}
        self.launches: dict[tuple[str, str], LaunchReport] = {}
        self.truths: dict[tuple[str, str], tuple[Detection, ...]] = {}
        self.payloads: dict[int, MissileWarning | RadarPlots | AreaWarning
                            | SubmarineContact] = {}
        # public warning log entries, by (originator, warning id)
        self.alerts: dict[tuple[str, str], Warning] = {}
        self.contacts: dict[tuple[str, str], Warning] = {}
        # each warning as sent, by (originator, track id, time): a payload that arrives
        # equal to it (as JSON) reads as the warning sent, without parsing it again
        self.sent: dict[tuple[str, str, float], tuple[dict, MissileWarning]] = {}
        # each item's place in the run's item lists: (originator, its place in the
        # originators, its place in the originator's list), by (originator, scan id) or
        # (originator, track id, time)
        self.places: dict[tuple, tuple[int, int]] = {}
        for k, (p, items) in enumerate(warnings.items()):
            for n, w in enumerate(items):
                mw = self.payloads[id(w)] = payload_of(w, scenario, n)
                if isinstance(mw, SubmarineContact):
                    self.contacts[(p, mw.contact_id)] = w
                    self.places[(p, mw.contact_id)] = (k, n)
                    continue
                if isinstance(mw, RadarPlots):
                    self.truths[(p, mw.scan_id)] = w.plots
                    self.places[(p, mw.scan_id)] = (k, n)
                    continue
                if isinstance(mw, AreaWarning):
                    self.alerts[(p, mw.warning_id)] = w
                    self.places[(p, mw.warning_id)] = (k, n)
                    continue
                self.places[(p, mw.track_id, mw.t_s)] = (k, n)
                self.labels[(p, mw.track_id)] = w
                self.sent[(p, mw.track_id, mw.t_s)] = (mw.to_dict(), mw)
                if w.launch is not None:
                    self.launches[(p, mw.track_id)] = w.launch

    def place(self, item: ReceivedItem) -> tuple[int, int]:
        """Where a received item stands in the run's item lists (``(-1, -1)``: none)."""
        p = item.payload
        key = ((item.originator, p.get("scan_id")) if is_plot_payload(p)
               else (item.originator, p.get("warning_id")) if is_area_warning_payload(p)
               else (item.originator, p.get("contact_id")) if is_contact_payload(p)
               else (item.originator, p.get("track_id"), p.get("t_s")))
        return self.places.get(key, (-1, -1))

    def alert(self, item: ReceivedItem) -> Warning:
        """A received public warning (read back and checked) as the item the originator
        shared."""
        aw = AreaWarning.from_dict(item.payload, item.originator)
        sent = self.alerts.get((item.originator, aw.warning_id))
        if sent is not None and sent.alert == aw.entry:
            return sent
        return Warning(aw.t_s, item.originator, alert=aw.entry)

    def plots(self, item: ReceivedItem) -> Warning:
        """A received scan as the item the originator shared (true objects put back)."""
        rp = RadarPlots.from_dict(item.payload)
        sent = self.truths.get((item.originator, rp.scan_id))
        dets = rp.detections(item.originator,
                             None if sent is None else [d.truth_id for d in sent])
        if sent is not None:   # scoring only: the members of unresolved groups
            dets = [dataclasses.replace(d, merged_truth_ids=o.merged_truth_ids)
                    for d, o in zip(dets, sent, strict=True)]
        return Warning(rp.t_s, item.originator, plots=tuple(dets))

    def contact(self, item: ReceivedItem) -> Warning:
        """A received submarine contact as the item the originator shared (its true
        submarine put back from what the simulation kept)."""
        sc = SubmarineContact.from_dict(item.payload)
        sent = self.contacts.get((item.originator, sc.contact_id))
        truth = None if sent is None or sent.contact is None else sent.contact.truth_id
        return Warning(sc.t_s, item.originator, contact=ContactReport(
            sc.t_s, sc.contact_t_s, sc.sensor_id, item.originator, sc.lat_deg, sc.lon_deg,
            sc.sigma_m, sc.how, truth))

    def warning(self, item: ReceivedItem) -> Warning:
        """A received missile warning as the item the originator shared (labels put back)."""
        payload = item.payload
        sent = self.sent.get((item.originator, payload.get("track_id"), payload.get("t_s")))
        mw = (sent[1] if sent is not None and sent[0] == payload
              else MissileWarning.from_dict(payload))
        key = (item.originator, mw.track_id)
        sent = self.labels.get(key)
        truth = {"truth_id": None if sent is None else sent.truth_id,
                 "truth_group": () if sent is None else sent.truth_group}
        if mw.trajectory is not None:
            return Warning(mw.t_s, item.originator,
                           report=received_report(item.originator, mw), **truth)
        return Warning(mw.t_s, item.originator, launch=self.launches.get(key), **truth)


class NodeDelivery:
    """A delivery step for :func:`gsomia.sim.run.run_scenario` through real nodes (module
    notes).

    Args:
        config: route delays (the same assumptions as the planned delivery).
    """

    def __init__(self, config: RouteConfig | None = None) -> None:
        self.config = config or RouteConfig()

    def __call__(self, warnings: dict[str, list[Warning]], plan: RoutePlan,
                 scenario: Scenario, catalog: Catalog) -> list[Delivered]:
        """The arrivals of every party's items on ``plan``'s route, in time order; the
        nodes decide by ``catalog`` on their clock's date (:meth:`RouteConfig.decision_time
        <gsomia.sim.delivery.plan.RouteConfig.decision_time>`, the date the plan used)."""
        if plan.route == NONE:
            return []
        clock = SimClock(self.config.decision_time(scenario))
        items = _Items(warnings, scenario)
        out: list[tuple[float, int, int, int, Delivered]] = []
        order = {p: i for i, p in enumerate(warnings)}

        def receiver(party: str) -> Callable[[ReceivedItem], None]:
            def on_item(item: ReceivedItem) -> None:
                if is_plot_payload(item.payload):
                    got = Delivered(clock.now_s(), party, items.plots(item))
                elif is_area_warning_payload(item.payload):
                    got = Delivered(clock.now_s(), party, items.alert(item))
                elif is_contact_payload(item.payload):
                    got = Delivered(clock.now_s(), party, items.contact(item))
                elif item.is_warning:
                    got = Delivered(clock.now_s(), party, items.warning(item))
                else:
                    return
                k, n = items.place(item)
                out.append((got.t_s, k, order.get(party, -1), n, got))
            return on_item

        nodes = self._nodes(list(warnings), plan, scenario, catalog, clock, receiver)
        try:
            self._publish(warnings, items, plan, nodes, clock)
            clock.run(limit_s=math.inf)
        finally:
            for n in nodes.values():
                n.close()
        # arrivals at one time in the order of the planned delivery: originator, recipient,
        # item (so both steps list them alike)
        out.sort(key=lambda e: e[:4])
        return [e[4] for e in out]

    def _nodes(self, parties: list[str], plan: RoutePlan, scenario: Scenario,
               catalog: Catalog, clock: SimClock,
               receiver: Callable[[str], Callable[[ReceivedItem], None]]) -> dict[str, Node]:
        """One node per party, each linked to every other with the path's link delay (the
        automated hub's outgoing links add its processing time to relayed items)."""
        keys = {p: PartyKeys.generate(p) for p in parties}
        directory = Directory(k.public() for k in keys.values())
        nodes = {p: Node(p, keys[p], directory, catalog, ":memory:", clock,
                         routes=node_routes(plan, p, parties), on_item=receiver(p))
                 for p in parties}
        hubs = {x.via for x in plan.paths if x.via is not None}
        for p in parties:
            for q in parties:
                if p == q:
                    continue
                delay = link_delay(scenario, p, q, self.config)
                if plan.route == Route.AUTO_HUB and p in hubs:
                    nodes[p].connect(q, _HubLink(q, nodes[q], clock, delay, nodes[p],
                                                 self.config.hub_delay_s))
                else:
                    nodes[p].connect(q, InProcessLink(q, nodes[q], clock, delay, sender=p))
        return nodes

    def _publish(self, warnings: dict[str, list[Warning]], items: _Items, plan: RoutePlan,
                 nodes: dict[str, Node], clock: SimClock) -> None:
        """Publish every item at its time; on TISA the originator approves each relayed
        item ``approval_delay_s`` later (ASSUMPTION of :mod:`gsomia.sim.delivery.plan`)."""
        queue = sorted(((w.t_s, p, w) for p, ws in warnings.items() for w in ws),
                       key=lambda e: (e[0], e[1]))
        for t, p, w in queue:
            clock.advance_to(max(t, clock.now_s()))
            payload = items.payloads[id(w)]
            releases = (nodes[p].publish_warning(payload)
                        if isinstance(payload, MissileWarning) else nodes[p].publish(payload))
            if plan.route != Route.TISA_HUB:
                continue
            for rel in releases:
                if rel.status == "awaiting_approval":
                    clock.call_at(t + self.config.approval_delay_s,
                                  lambda n=nodes[p], i=rel.item_id, to=rel.to:
                                  n.approve(i, to, Route.TISA_HUB))

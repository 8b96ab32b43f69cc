"""The main job: every party's node on one simulated clock, each route compared in one run.

This module orchestrates; the parts are :mod:`gsomia.sim.config` (:class:`RunConfig`),
:mod:`gsomia.sim.share` (the sharing rule), :mod:`gsomia.sim.items` (the shared items and
the delivery contract), :mod:`gsomia.sim.delivery` (routes and delivery steps),
:mod:`gsomia.sim.pictures` and :mod:`gsomia.sim.measurements` (each party's picture),
:mod:`gsomia.sim.knowledge` (the figures) and :mod:`gsomia.sim.scoring` (area at risk).

Steps (ARCHITECTURE.md, data flow of the main job):

1. Fly the launches and let every sensor observe them (:func:`gsomia.sim.observe.observe`).
2. Each party's node tracks its *own* detections (:class:`~gsomia.warning.tracking.tracker.
   Tracker`, the same tracker as ``gsomia evaluate``) and issues its warnings: the state of
   each confirmed track (the trajectory element, with covariance) at most every
   ``report_interval_s``, and its infrared launch reports (the launch-point element). The
   impact point is computed by each receiver from the state it holds.
3. The delivery step carries each warning to each partner over each route, gated by the
   agreements in force on the scenario date (:mod:`gsomia.sim.delivery`): by default
   through the parties' real nodes (:mod:`gsomia.sim.delivery.nodes`: decide, sign, seal,
   send over in-process links with the modelled delays, open, mark, audit, TISA approval,
   hub processing) on one simulated clock per route; :func:`gsomia.sim.delivery.planned.
   deliver_planned` (arrival = send + the path's delay) is kept as the analytical
   cross-check, with the same arrivals. The tracker runs are the same on every route
   (track-level sharing does not change what a party's own radars see), so the routes are
   compared in one run: only the arrival times differ.
4. At every evaluation time ``t`` (a grid of ``pip_interval_s``), each party's picture on
   each route is the fusion (:class:`~gsomia.warning.fusion.TrackFuser`: association by a
   χ² test, covariance intersection, each originator's latest report once, never its own
   data back) of its own confirmed tracks with every report that has *arrived* by ``t``.
   The PIP of every fused track is computed by the unscented transform
   (:func:`~gsomia.warning.tracking.impact.predict_impact`); identical pictures (same inputs
   at the same time, e.g. every route before the first report arrives) are computed once.
5. Each party's node issues, updates and withdraws its public warnings
   (:mod:`gsomia.sim.warnlog`, from its picture on the last route compared) and shares each
   entry with its partners by the same delivery step on that route (a payload of its own,
   :class:`gsomia.node.alerts.AreaWarning`; the entries do not change any picture).

Measured per launch, party and route (seconds after that launch; ``None`` never reached
before the impact — what arrives after it is no warning):

``first_detection_s``
    first own detection of the missile (radar plot or infrared launch report), or first
    arrival of a partner's warning about it.
``first_confirmed_s``
    first own confirmed track of it, or first arrival of a partner's track report of it
    (partners share confirmed tracks only).
``first_pip_within_50km_s``
    first evaluation time at which the party's best fused track of the missile (smallest
    position covariance trace) has a valid PIP within ``pip_near_m`` of the true impact.
``area_at_risk_s``
    first evaluation time at which the party *knew the area at risk*: the most probable
    area of that PIP by :func:`gsomia.warning.areas.areas_at_risk` (``area_samples`` samples
    of the PIP's Gaussian, over the cells land / territorial sea / EEZ of *every* country of
    the region — Japan, Korea, but also North Korea, China, Russia — and the high seas
    beyond every EEZ) is the cell of the true impact point, with probability at least
    ``area_probability``; on the high seas (one cell from the middle of the Sea of Japan to
    the Pacific) the PIP must also lie within 200 nmi of the true impact. A PIP on North
    Korean land therefore does not "know" an impact on the high seas. No ellipse-size
    criterion: a PIP too uncertain to name the area gives no area a majority.

Which track follows which missile is decided, for scoring only, by the majority
``truth_id`` of its detections (the tracker and the fusion never read it).

Measurement-level sharing (``RunConfig.share = "measurements"``, ``gsomia run --share
measurements``; issue 7's option): instead of track reports, each party's node shares one
item per scan of its own radars with at least one plot (every plot of the scan, false
alarms included; :class:`gsomia.node.plots.RadarPlots`), plus its infrared launch reports as
before. Plot items carry the elements ``trajectory`` and ``sensor_location``, so each path
is decided for them apart (:func:`gsomia.sim.delivery.plan.plan_routes`: the automated hub
excludes ``sensor_location`` and never relays plots). Each receiver then tracks its own
plots together with the partners' plots that have arrived: its picture at ``t`` on a route
is the same tracker run over its own plots measured by ``t`` and the partners' plots arrived
by ``t``, in measurement-time order ("ideal reprocessing", :mod:`gsomia.sim.measurements`);
the PIPs, the 50 km test and the area test are those of track-level sharing, on that
tracker's confirmed tracks (each predicted to ``t`` as an own track is). Route ``none`` is
the own tracker in both modes. In this mode ``first_detection_s`` counts the arrival of a
partner's plot of the missile; ``first_confirmed_s`` is, over the evaluated pictures, the
earliest ``max(confirmed_s, latest arrival of the track's plots measured by confirmed_s)``
of a confirmed track of it (own plots arrive when measured); it is evaluated only for the
``measured`` parties (the others' sharing routes are not measured).

Fast path: after a party's route has reached the 50 km PIP for a launch, its PIP is
evaluated only every ``pip_tail_interval_s`` (for the PIP-error curves); ``horizon_s`` cuts
the observation window (the batch over the public record uses it).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from gsomia.sharing import Catalog, load_catalog
from gsomia.sim.config import RunConfig
from gsomia.sim.delivery.nodes import NodeDelivery
from gsomia.sim.delivery.plan import NONE, RoutePlan, plan_routes
from gsomia.sim.delivery.planned import planned
from gsomia.sim.engage import Engagements, run_engagements, ship_positions_key
from gsomia.sim.items import Delivered, Delivery, PreparedDelivery, Warning
from gsomia.sim.knowledge import Knowledge, measure
from gsomia.sim.maritime import contact_items, cue_table
from gsomia.sim.measurements import RoutePictures
from gsomia.sim.observe import Observation, observe
from gsomia.sim.pictures import FusedPictures, PictureSource
from gsomia.sim.scenario import Scenario
from gsomia.sim.scoring import load_zones, true_area
from gsomia.sim.share import party_warnings, plot_warnings
from gsomia.sim.warnlog import WarningRun, warning_logs
from gsomia.warning.areas import MaritimeZones
from gsomia.warning.sensors import Flight
from gsomia.warning.sensors.cueing import Cue
from gsomia.warning.tracking.tracker import Tracker

__all__ = ["RunResult", "observed_scenario", "run_scenario", "track_and_issue"]


@dataclass(slots=True)
class RunResult:
    """Everything a run measured.

    Attributes:
        scenario: the scenario; observation: flights and detections.
        plans: route → its paths (decisions on the scenario date).
        knowledge: launch id → party → route → :class:`~gsomia.sim.knowledge.
            LaunchKnowledge`.
        warnings: party → the warnings it issued; deliveries: route → arrivals.
        trackers: party → its tracker run over its own detections.
        timings_s: wall time of each stage [s].
        impact_areas: launch id → ``(country, zone)`` of its true impact point (``zone``:
            ``"land"``, ``"territorial_sea"``, ``"eez"`` or ``"high_seas"`` with country
            ``""``; :func:`gsomia.sim.scoring.true_area`).
        engagements: the engagement figures (:mod:`gsomia.sim.engage`).
        impact_areas_by_party: launch id → party → ``(country, zone)`` of the true impact
            point as that party judges it, from its own base points
            (:meth:`gsomia.warning.areas.MaritimeZones.for_party`).
        alerts: each party's log of public warnings (issue, update, withdraw) and its
            score (:mod:`gsomia.sim.warnlog`).
        contacts: party → its submarine contact items (:mod:`gsomia.sim.maritime`; kept
            apart from ``warnings``: they warn of no missile); contact_deliveries: route →
            their arrivals; first_cues: party → where its radars' first cue came from.
    """

    scenario: Scenario
    observation: Observation
    config: RunConfig
    plans: dict[str, RoutePlan]
    knowledge: Knowledge
    warnings: dict[str, list[Warning]]
    deliveries: dict[str, list[Delivered]]
    trackers: dict[str, Tracker]
    timings_s: dict[str, float] = field(default_factory=dict)
    impact_areas: dict[str, tuple[str, str]] = field(default_factory=dict)
    engagements: Engagements | None = None
    impact_areas_by_party: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)
    alerts: WarningRun | None = None
    contacts: dict[str, list[Warning]] = field(default_factory=dict)
    contact_deliveries: dict[str, list[Delivered]] = field(default_factory=dict)
    first_cues: dict[str, dict] = field(default_factory=dict)

    @property
    def flights(self) -> tuple[Flight, ...]:
        """The flown launches."""
        return self.observation.flights

    def gained_s(self, launch: str, party: str, route: str,
                 metric: str = "first_pip_within_50km_s") -> float | None:
        """Warning time gained on ``route`` against ``none`` [s] (positive: earlier).

        ``None`` when the route never reaches the figure, and when ``none`` never does (no
        baseline to count a gain from: such launches are counted apart, as reached only
        with sharing, by :func:`gsomia.sim.report.batch_summary`).
        """
        k = self.knowledge[launch][party]
        got, base = getattr(k[route], metric), getattr(k[NONE], metric)
        if got is None:
            return None
        if base is None:
            return None
        return base - got


class _Laps:
    """Wall time of each stage [s], rounded to ms."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._clock = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = round(now - self._clock, 3)
        self._clock = now


def observed_scenario(scenario: Scenario, cfg: RunConfig) -> Scenario:
    """The scenario cut at ``cfg.horizon_s`` after its first launch (when set)."""
    if cfg.horizon_s is None:
        return scenario
    end = min(spec.t_s for spec in scenario.launches) + cfg.horizon_s
    return dataclasses.replace(scenario, duration_s=end if scenario.duration_s is None
                               else min(end, scenario.duration_s))


def track_and_issue(sc: Scenario, obs: Observation, cfg: RunConfig
                     ) -> tuple[dict[str, Tracker], dict[str, list[Warning]]]:
    """Each party's tracker run over its own detections, and the items its node issues
    (:mod:`gsomia.sim.share`)."""
    trackers: dict[str, Tracker] = {}
    warnings: dict[str, list[Warning]] = {}
    for party in sc.parties:
        tr = Tracker(cfg.tracker)
        mine = [d for d in obs.detections if d.owner == party]
        tr.process(mine)
        tr.advance(max(tr.t_s, obs.t_end_s))   # tracks lost on time, no scan needed
        trackers[party] = tr
        reports = [r for r in obs.reports if r.owner == party]
        if cfg.share == "measurements":
            warnings[party] = plot_warnings(party, mine, reports)
        else:
            warnings[party] = party_warnings(party, tr, reports, cfg.report_interval_s)
    return trackers, warnings


def run_scenario(scenario: Scenario, config: RunConfig | None = None,
                 catalog: Catalog | None = None, delivery: Delivery | None = None,
                 progress: Callable[[str], None] | None = None,
                 zones: MaritimeZones | None = None,
                 cue_route: str | None = None) -> RunResult:
    """Run the main job on one scenario (module notes).

    Args:
        scenario: the scenario; config: the run's configuration.
        catalog: agreements for the route decisions and the nodes (default: the packaged
            catalog).
        delivery: the delivery step (default: :class:`gsomia.sim.delivery.nodes.
            NodeDelivery`, every warning through the parties' real nodes on a simulated
            clock; :func:`gsomia.sim.delivery.planned.planned` is the analytical
            cross-check with the same arrivals). A :class:`~gsomia.sim.items.
            PreparedDelivery` is prepared once before the routes.
        progress: called with the name of each stage as it starts.
        zones: the maritime zones of the area figures (default: loaded for this run,
            :func:`gsomia.sim.scoring.load_zones`, about a second: pass them to many runs).
        cue_route: the route whose arrivals of partners' submarine contacts cue each
            party's radars (:mod:`gsomia.sim.maritime`; ``"none"``: own contacts only);
            None: the earliest arrival over the run's sharing routes.

    Raises:
        PhysicsError: a launch that cannot be flown; InputError: a bad configuration.
    """
    cfg = config or RunConfig()
    cat = catalog or load_catalog()
    deliver: Delivery = delivery or NodeDelivery(cfg.route)
    note = progress or (lambda _: None)
    laps = _Laps()
    sc = observed_scenario(scenario, cfg)
    plans = plan_routes(sc, cat, cfg.route, cfg.routes, share=cfg.share)
    contacts, pre, cues, first_cues = _maritime(sc, cfg, plans, cat, deliver, cue_route)
    note("fly and observe")
    obs = observe(sc, cues=cues)
    laps.lap("observe")
    note("track")
    trackers, warnings = track_and_issue(sc, obs, cfg)
    laps.lap("track")
    note("decide and deliver")
    if isinstance(deliver, PreparedDelivery):
        deliver.prepare(obs, trackers, cfg)
    deliveries = {route: deliver(warnings, plans[route], sc, cat) for route in cfg.routes}
    laps.lap("deliver")
    note("fuse and predict impacts")
    zones = zones or load_zones()
    areas = {f.id: true_area(f, zones) for f in obs.flights}
    fused = FusedPictures(sc.parties, cfg, trackers, warnings, deliveries)
    source: PictureSource = fused
    if cfg.share == "measurements":
        source = RoutePictures(sc.parties, cfg, warnings, deliveries, fused)
    knowledge = measure(sc.parties, obs, cfg, trackers, deliveries, source, zones, areas)
    laps.lap("fuse_pip")
    note("engagements")
    engagements = run_engagements(ship_positions_key(sc), sc.epoch.date(), obs.flights,
                                  sc.parties, cfg.routes, knowledge, measured=cfg.measured,
                                  cells={lid: a.cell for lid, a in areas.items()})
    laps.lap("engage")
    cells = {lid: a.cell for lid, a in areas.items()}
    by_party = {f.id: {p: true_area(f, zones.for_party(p)).cell for p in sc.parties}
                for f in obs.flights}
    alerts = None
    if cfg.warnings:
        note("warnings")
        alerts = warning_logs(obs.flights, sc.parties, knowledge, trackers, cfg.routes[-1],
                              zones, by_party, samples=cfg.area_samples)
        # each log entry is an item its node shares, on the warning route, by the same
        # delivery step (a prepared one replays scans: the entries go through the nodes)
        share = NodeDelivery(cfg.route) if isinstance(deliver, PreparedDelivery) else deliver
        alerts.record(share(alerts.items(sc.parties), plans[cfg.routes[-1]], sc, cat))
        laps.lap("warn")
    return RunResult(sc, obs, cfg, plans, knowledge, warnings, deliveries, trackers,
                     laps.timings, cells, engagements, by_party, alerts, contacts, pre,
                     first_cues)


def _maritime(sc: Scenario, cfg: RunConfig, plans: dict[str, RoutePlan], cat: Catalog,
              deliver: Delivery, cue_route: str | None
              ) -> tuple[dict[str, list[Warning]], dict[str, list[Delivered]],
                         dict[str, list[Cue]], dict[str, dict]]:
    """Contact items, their arrivals on every route, each party's cues and first cue
    (:mod:`gsomia.sim.maritime`; from ``cue_route``'s arrivals only when given); all empty
    without maritime sources. A prepared (live) delivery step carries them by the planned
    delivery (same arrivals)."""
    if not sc.maritime:
        return {}, {}, {}, {}
    t_end = sc.duration_s if sc.duration_s is not None else \
        max(spec.t_s for spec in sc.launches) + 7200.0
    contacts = contact_items(sc, t_end)
    step: Delivery = planned if isinstance(deliver, PreparedDelivery) else deliver
    pre = {route: step(contacts, plans[route], sc, cat) for route in cfg.routes}
    cues, first = cue_table(contacts, pre if cue_route is None else
                            {r: got for r, got in pre.items() if r == cue_route})
    return contacts, pre, cues, first

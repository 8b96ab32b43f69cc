"""The main job: every party's node on one simulated clock, each route compared in one run.

Steps (ARCHITECTURE.md, data flow of the main job):

1. Fly the launches and let every sensor observe them (:func:`gsomia.sim.observe.observe`).
2. Each party's node tracks its *own* detections (:class:`~gsomia.warning.tracking.tracker.
   Tracker`, the same tracker as ``gsomia evaluate``) and issues its warnings: the state of
   each confirmed track (the trajectory element, with covariance) at most every
   ``report_interval_s``, and its infrared launch reports (the launch-point element). The
   impact point is computed by each receiver from the state it holds.
3. The delivery step carries each warning to each partner over each route, gated by the
   agreements in force on the scenario date (:mod:`gsomia.sim.delivery`): by default
   through the parties' real nodes (:mod:`gsomia.sim.nodes`: decide, sign, seal, send over
   in-process links with the modelled delays, open, mark, audit, TISA approval, hub
   processing) on one simulated clock per route; :func:`deliver_planned` (arrival = send +
   the path's delay) is kept as the analytical cross-check, with the same arrivals. The
   tracker runs are the same on every route (track-level sharing does not change what a
   party's own radars see), so the routes are compared in one run: only the arrival times
   differ.
4. At every evaluation time ``t`` (a grid of ``pip_interval_s``), each party's picture on
   each route is the fusion (:class:`~gsomia.warning.fusion.TrackFuser`: association by a
   χ² test, covariance intersection, each originator's latest report once, never its own
   data back) of its own confirmed tracks with every report that has *arrived* by ``t``.
   The PIP of every fused track is computed by the unscented transform
   (:func:`~gsomia.warning.tracking.impact.predict_impact`); identical pictures (same inputs
   at the same time, e.g. every route before the first report arrives) are computed once.

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
is decided for them apart (:func:`gsomia.sim.delivery.plan_routes`: the automated hub
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
import functools
import math
import time
import typing
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gsomia.errors import InputError
from gsomia.physics.geodesy import geodesic_inverse
from gsomia.sharing import Catalog, load_catalog
from gsomia.sim.delivery import RUN_ROUTES, SHARES, RouteConfig, RoutePlan, plan_routes
from gsomia.sim.observe import Observation, observe
from gsomia.sim.scenario import Scenario
from gsomia.warning.areas import EEZ_M, MaritimeZones, areas_at_risk
from gsomia.warning.fusion import FusedTrack, FusionConfig, TrackFuser, TrackReport
from gsomia.warning.sensors import Flight, LaunchReport
from gsomia.warning.tracking.impact import ImpactPrediction, predict_impact
from gsomia.warning.tracking.states import GaussianStates
from gsomia.warning.tracking.tracker import Track, Tracker, TrackerConfig
from gsomia.warning.types import Detection

__all__ = ["Delivered", "LaunchKnowledge", "impact_area", "PipSample", "RunConfig", "RunResult",
           "Warning", "deliver_planned", "party_warnings", "planned", "run_scenario"]

METRICS = ("first_detection_s", "first_confirmed_s", "first_pip_within_50km_s",
           "area_at_risk_s")
"""The per launch/party/route figures of a run (module notes)."""


@dataclass(frozen=True, slots=True)
class RunConfig:
    """The whole configuration of a run.

    Attributes:
        routes: routes compared (names of :data:`gsomia.sim.delivery.RUN_ROUTES`).
        route: delays and date gating of the routes (assumptions documented there).
        report_interval_s: least spacing of a track's reports [s].
        pip_interval_s: evaluation grid [s].
        pip_tail_interval_s: grid after the 50 km PIP has been reached [s] (fast path).
        pip_step_s: RK4 step of the PIP propagation [s] (10 s: the impact point moves by
            under 0.1 mm against a 2 s step, measured on 2017-03-06 at burnout + 10 s;
            ``benchmarks/bench_propagator.py`` finds 0.05 mm at 10 s on a 1,000 km flight).
        pip_near_m: the "PIP within" distance [m].
        area_probability: least probability of the true area (module notes).
        area_samples: samples of :func:`gsomia.warning.areas.areas_at_risk` (standard error
            of a probability ≤ 0.5/√n).
        horizon_s: observe only this long after the first launch [s] (None: to impact).
        measured: parties whose fused pictures and PIPs are evaluated (None: all; every
            party still tracks and shares).
        tracker, fusion: the trackers' and the fusers' configurations.
        share: what the nodes share: ``"tracks"`` (track and launch reports, the default)
            or ``"measurements"`` (radar plots and launch reports; module notes).
    """

    routes: tuple[str, ...] = RUN_ROUTES
    route: RouteConfig = field(default_factory=RouteConfig)
    report_interval_s: float = 5.0
    pip_interval_s: float = 5.0
    pip_tail_interval_s: float = 30.0
    pip_step_s: float = 10.0
    pip_near_m: float = 50_000.0
    area_probability: float = 0.5
    area_samples: int = 400
    horizon_s: float | None = None
    measured: tuple[str, ...] | None = None
    tracker: TrackerConfig = field(default_factory=TrackerConfig)
    fusion: FusionConfig = field(default_factory=FusionConfig)
    share: str = "tracks"

    def __post_init__(self) -> None:
        if self.share not in SHARES:
            raise InputError("share", self.share, f"expected one of {', '.join(SHARES)}")
        for name in ("report_interval_s", "pip_interval_s", "pip_tail_interval_s",
                     "pip_step_s", "pip_near_m", "area_samples"):
            if not getattr(self, name) > 0:
                raise InputError(name, getattr(self, name), "must be positive")
        if "none" not in self.routes:
            raise InputError("routes", list(self.routes), "'none' (the baseline) is needed")
        for r in self.routes:
            if r not in RUN_ROUTES:
                raise InputError("routes", r, f"expected some of {', '.join(RUN_ROUTES)}")


@dataclass(frozen=True, slots=True, eq=False)
class Warning:
    """One item a party's node issues: a track report, an infrared launch report, or the
    plots of one radar scan (measurement-level sharing).

    Attributes:
        t_s: sending time [s] (a scan's: its measurement time); originator: the issuing
            party.
        report: the track estimate (trajectory element), or None.
        launch: the infrared launch report (launch-point element), or None.
        truth_id: the launch it follows, for scoring only (None: a false track; plots carry
            their own in each detection's ``truth_id``, never shared).
        plots: the detections of one scan (one sensor, one time), or ``()``.
        truth_group: every launch a track report follows, for scoring only: more than one
            where the track follows a group of objects its radars could not resolve
            (:func:`_truth_labels`); ``()``: just ``truth_id``.
    """

    t_s: float
    originator: str
    report: TrackReport | None = None
    launch: LaunchReport | None = None
    truth_id: str | None = None
    plots: tuple[Detection, ...] = ()
    truth_group: tuple[str, ...] = ()

    @property
    def truth_ids(self) -> set[str]:
        """Launches the item concerns, for scoring only (a scan's: of its plots, every member
        of an unresolved group included)."""
        if self.plots:
            return {i for d in self.plots for i in _covered(d)}
        ids = set(self.truth_group) or {self.truth_id}
        return {i for i in ids if i is not None}


@dataclass(frozen=True, slots=True, eq=False)
class Delivered:
    """A warning as it arrived at a recipient on one route: ``t_s`` [s], ``to``, ``item``."""

    t_s: float
    to: str
    item: Warning


@dataclass(slots=True)
class PipSample:
    """The PIP of a party's best fused track of one launch at one evaluation time.

    Attributes:
        t_s: evaluation time [s since the epoch]; error_m: distance to the true impact [m].
        lat_deg, lon_deg: PIP; cov_en_m2: its east-north covariance ``(2, 2)`` [m²].
        sources: the originators whose estimates were fused into it.
    """

    t_s: float
    error_m: float
    lat_deg: float
    lon_deg: float
    cov_en_m2: np.ndarray
    sources: tuple[str, ...]


@dataclass(slots=True)
class LaunchKnowledge:
    """What one party knew of one launch on one route, and when ([s after the launch])."""

    first_detection_s: float | None = None
    first_confirmed_s: float | None = None
    first_pip_within_50km_s: float | None = None
    area_at_risk_s: float | None = None
    pips: list[PipSample] = field(default_factory=list)

    def figures(self) -> dict[str, float | None]:
        """The four figures, rounded to ms."""
        return {k: (None if getattr(self, k) is None else round(getattr(self, k), 3))
                for k in METRICS}


@dataclass(slots=True)
class RunResult:
    """Everything a run measured.

    Attributes:
        scenario: the scenario; observation: flights and detections.
        plans: route → its paths (decisions on the scenario date).
        knowledge: launch id → party → route → :class:`LaunchKnowledge`.
        warnings: party → the warnings it issued; deliveries: route → arrivals.
        timings_s: wall time of each stage [s].
    """

    scenario: Scenario
    observation: Observation
    config: RunConfig
    plans: dict[str, RoutePlan]
    knowledge: dict[str, dict[str, dict[str, LaunchKnowledge]]]
    warnings: dict[str, list[Warning]]
    deliveries: dict[str, list[Delivered]]
    trackers: dict[str, Tracker]
    timings_s: dict[str, float] = field(default_factory=dict)

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
        got, base = getattr(k[route], metric), getattr(k["none"], metric)
        if got is None:
            return None
        if base is None:
            return None
        return base - got


def _covered(d: Detection) -> tuple[str, ...]:
    """The launches a plot is of, for scoring: every member of an unresolved group
    (:attr:`~gsomia.warning.types.Detection.merged_truth_ids`), else its ``truth_id``."""
    if d.merged_truth_ids:
        return tuple(d.merged_truth_ids)
    return () if d.truth_id is None else (d.truth_id,)


def _truth_labels(track: Track) -> tuple[str, ...]:
    """The launches a track follows, for scoring: those covered (:func:`_covered`) by at
    least half of its detections after confirmation (all of them before), sorted. One launch
    for a track of one missile; every member for a track of a group its radars could not
    resolve (a salvo flying one trajectory: the group's PIP is each member's); ``()`` for a
    false or mixed track."""
    dets = [d for d in track.detections
            if track.confirmed_s is None or d.t_s >= track.confirmed_s]
    counts = Counter(i for d in dets for i in _covered(d))
    return tuple(sorted(i for i, c in counts.items() if 2 * c >= len(dets)))


def _report_of(party: str, track: Track, k: int) -> TrackReport:
    s = track.history[k]
    return TrackReport(party, str(track.number), k, s.t_s, s.x, s.P)


def _shared_report(party: str, tr: Track, k: int, last: dict[int, float],
                   interval_s: float) -> TrackReport | None:
    """The report of ``tr``'s history entry ``k`` if the sharing rule shares it (confirmed,
    updated, at least ``interval_s`` after the track's last report), else None; updates
    ``last`` (track number → time of its last report [s]). Entries must come in order.
    The one copy of the rule: :func:`party_warnings` and the live replay use it."""
    s = tr.history[k]
    if tr.confirmed_s is None or s.t_s < tr.confirmed_s or not s.updated:
        return None
    if s.t_s - last.get(tr.number, -math.inf) < interval_s - 1e-9:
        return None
    last[tr.number] = s.t_s
    return _report_of(party, tr, k)


def party_warnings(party: str, tracker: Tracker, reports: Sequence[LaunchReport],
                   report_interval_s: float) -> list[Warning]:
    """The warnings a party's node issues (module notes, step 2), in time order.

    Args:
        party: the issuing party; tracker: its finished tracker run over its own detections.
        reports: its own infrared launch reports.
        report_interval_s: least spacing of one track's reports [s].
    """
    out = [Warning(r.t_s, party, launch=r, truth_id=r.truth_id) for r in reports]
    for tr in tracker.tracks:
        if not tr.confirmed:
            continue
        group = _truth_labels(tr)
        label = group[0] if group else None
        last: dict[int, float] = {}
        for k in range(len(tr.history)):
            rep = _shared_report(party, tr, k, last, report_interval_s)
            if rep is not None:
                out.append(Warning(rep.t_s, party, report=rep, truth_id=label,
                                   truth_group=group))
    out.sort(key=lambda w: (w.t_s, w.originator))
    return out


def deliver_planned(warnings: dict[str, list[Warning]], plan: RoutePlan) -> list[Delivered]:
    """The delivery step, analytical: each warning reaches each partner the route allows
    after the path's delay (:mod:`gsomia.sim.delivery`; plots only where the path allows
    plot items). Returns arrivals in time order."""
    out = []
    parties = list(warnings)
    for sender, items in warnings.items():
        for to in parties:
            if to == sender:
                continue
            delays = {kind: plan.delay(sender, to, kind) for kind in ("warning", "plots")}
            for w in items:
                delay = delays["plots" if w.plots else "warning"]
                if delay is not None:
                    out.append(Delivered(w.t_s + delay, to, w))
    out.sort(key=lambda d: d.t_s)
    return out


Delivery = Callable[[dict[str, list[Warning]], RoutePlan, Scenario], list[Delivered]]
"""A delivery step: the warnings of every party and a route's plan → arrivals."""


def planned(warnings: dict[str, list[Warning]], plan: RoutePlan,
             scenario: Scenario) -> list[Delivered]:
    """:func:`deliver_planned` as a :data:`Delivery` step (the analytical cross-check)."""
    return deliver_planned(warnings, plan)


class _OwnPicture:
    """A party's own confirmed tracks, read at any time."""

    def __init__(self, party: str, tracker: Tracker) -> None:
        self.party = party
        self.tracks = [t for t in tracker.tracks if t.confirmed]
        self.labels = {(party, str(t.number)): _truth_labels(t) for t in self.tracks}
        self.times = [np.array([s.t_s for s in t.history]) for t in self.tracks]

    def at(self, t_s: float) -> list[TrackReport]:
        out = []
        for tr, times in zip(self.tracks, self.times, strict=True):
            if tr.confirmed_s > t_s or (tr.deleted_s is not None and tr.deleted_s <= t_s):
                continue
            k = int(np.searchsorted(times, t_s, side="right")) - 1
            if k >= 0:
                out.append(_report_of(self.party, tr, k))
        return out


def _best_by_launch(picture: list[FusedTrack], labels: dict[tuple[str, str], tuple[str, ...]]
                    ) -> dict[str, FusedTrack]:
    """Each launch's fused track, for scoring: a fused track goes to the launches most of
    its sources follow (labels: source key → :func:`_truth_labels`), and a launch with
    several gets the one of smallest position covariance trace."""
    best: dict[str, FusedTrack] = {}
    for f in picture:
        votes = Counter(i for s in f.sources for i in labels.get(s, ()))
        if not votes:
            continue
        top = max(votes.values())
        for launch in sorted(i for i, v in votes.items() if v == top):
            held = best.get(launch)
            if held is None or np.trace(f.P[:3, :3]) < np.trace(held.P[:3, :3]):
                best[launch] = f
    return best


AREA_PARTIES = ("JPN", "KOR")
"""Parties whose land, territorial sea and EEZ are the areas at risk (warning.areas)."""


@functools.cache
def _zones() -> MaritimeZones:
    """The areas' polygons, loaded once per process (about a second)."""
    return MaritimeZones.from_natural_earth(AREA_PARTIES)


@dataclass(frozen=True, slots=True)
class _TrueArea:
    """The cell (country, zone) of a true impact point and the point [deg]."""

    cell: tuple[str, str]
    lat_deg: float
    lon_deg: float


def _area_of(flight: Flight, zones: MaritimeZones) -> _TrueArea:
    """The true impact's cell over every country loaded, or ``("", "high_seas")``
    (:meth:`gsomia.warning.areas.MaritimeZones.zones`)."""
    lat, lon = flight.trajectory.impact_lat_deg, flight.trajectory.impact_lon_deg
    party, zone = zones.zones(lat, lon, np.zeros(1), np.zeros(1), every_country=True)
    return _TrueArea((str(party[0]), str(zone[0])), float(lat), float(lon))


def impact_area(flight: Flight) -> tuple[str, str]:
    """``(country, zone)`` of a flight's true impact point: ``zone`` is ``"land"``,
    ``"territorial_sea"``, ``"eez"`` or ``"high_seas"`` (country ``""``), by
    :meth:`gsomia.warning.areas.MaritimeZones.zones` over every country of the region."""
    return _area_of(flight, _zones()).cell


def _knows_area(pip: ImpactPrediction, truth: _TrueArea, zones: MaritimeZones,
                cfg: RunConfig) -> bool:
    """Whether the PIP names the true area at risk (module notes, ``area_at_risk_s``): the
    most probable (country, zone) cell of the PIP's distribution, over every country and the
    high seas, is the true one, with probability at least ``cfg.area_probability``; on the
    high seas, which are one cell from the middle of the Sea of Japan to the Pacific, the
    PIP must also lie within 200 nmi (:data:`gsomia.warning.areas.EEZ_M`, the breadth of a
    zone) of the true impact."""
    try:
        areas = areas_at_risk(pip, zones, n_samples=cfg.area_samples, every_country=True)
    except InputError:   # a degenerate covariance names no area
        return False
    if not areas or (areas[0]["party"], areas[0]["zone"]) != truth.cell or \
            areas[0]["probability"] < cfg.area_probability:
        return False
    if truth.cell == ("", "high_seas"):
        d, _ = geodesic_inverse(pip.lat_deg, pip.lon_deg, truth.lat_deg, truth.lon_deg)
        return float(d) <= EEZ_M
    return True


def run_scenario(scenario: Scenario, config: RunConfig | None = None,
                 catalog: Catalog | None = None, delivery: Delivery | None = None,
                 progress: Callable[[str], None] | None = None) -> RunResult:
    """Run the main job on one scenario (module notes).

    Args:
        scenario: the scenario; config: the run's configuration.
        catalog: agreements for the route decisions (default: the packaged catalog).
        delivery: the delivery step (default: :class:`gsomia.sim.nodes.NodeDelivery`, every
            warning through the parties' real nodes on a simulated clock;
            :func:`deliver_planned` is the analytical cross-check with the same arrivals).
        progress: called with the name of each stage as it starts.

    Raises:
        PhysicsError: a launch that cannot be flown; InputError: a bad configuration.
    """
    cfg = config or RunConfig()
    cat = catalog or load_catalog()
    if delivery is None:
        from gsomia.sim.nodes import NodeDelivery  # sim.nodes imports this module

        delivery = NodeDelivery(cfg.route)
    deliver = delivery
    note = progress or (lambda _: None)
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = round(now - clock, 3)
        clock = now

    note("fly and observe")
    sc = scenario
    if cfg.horizon_s is not None:
        first = min(spec.t_s for spec in sc.launches)
        end = first + cfg.horizon_s
        sc = dataclasses.replace(sc, duration_s=end if sc.duration_s is None
                                 else min(end, sc.duration_s))
    obs = observe(sc)
    lap("observe")
    note("track")
    trackers: dict[str, Tracker] = {}
    warnings: dict[str, list[Warning]] = {}
    for party in sc.parties:
        tr = Tracker(cfg.tracker)
        mine = [d for d in obs.detections if d.owner == party]
        tr.process(mine)
        trackers[party] = tr
        reports = [r for r in obs.reports if r.owner == party]
        if cfg.share == "measurements":
            from gsomia.sim.measurements import plot_warnings  # it imports this module

            warnings[party] = plot_warnings(party, mine, reports)
        else:
            warnings[party] = party_warnings(party, tr, reports, cfg.report_interval_s)
    lap("track")
    note("decide and deliver")
    plans = plan_routes(sc, cat, cfg.route, cfg.routes, share=cfg.share)
    prepare = getattr(deliver, "prepare", None)  # live delivery: replays the scans itself
    if prepare is not None:
        prepare(obs, trackers, cfg)
    deliveries = {route: deliver(warnings, plans[route], sc) for route in cfg.routes}
    lap("deliver")
    note("fuse and predict impacts")
    knowledge = _measure(sc, obs, cfg, trackers, warnings, deliveries)
    lap("fuse_pip")
    return RunResult(scenario, obs, cfg, plans, knowledge, warnings, deliveries, trackers,
                     timings)


def _first(values: list[float]) -> float | None:
    return min(values) if values else None


Pictures = tuple[dict[tuple[str, str], tuple[Any, ...]],
                 dict[tuple[Any, ...], dict[str, FusedTrack]]]
"""What a picture source gives at one time: ``chosen`` ((party, route) → the signature of
its picture; identical inputs, one signature) and ``pictures`` (signature → launch id →
the best track of that launch, :func:`_best_by_launch`)."""

PictureSource = Callable[[float, list[tuple[str, str]]], Pictures]
"""The pictures of the needed (party, route) pairs at evaluation time ``t`` [s]; called with
non-decreasing ``t``."""


@typing.runtime_checkable
class _Confirmations(typing.Protocol):
    """A picture source that also measures ``first_confirmed_s`` (measurement mode)."""

    def first_confirmed(self, launch: str, party: str, route: str, impact_s: float
                        ) -> float | None: ...


class _FusedPictures:
    """Track-level sharing's pictures (module notes, step 4): each party's own confirmed
    tracks fused with the partners' track reports arrived by ``t``."""

    def __init__(self, parties: Sequence[str], cfg: RunConfig, trackers: dict[str, Tracker],
                 warnings: dict[str, list[Warning]],
                 deliveries: dict[str, list[Delivered]]) -> None:
        self.cfg = cfg
        self.parties = list(parties)
        self.labels: dict[tuple[str, str], tuple[str, ...]] = {}
        self.own = {p: _OwnPicture(p, tr) for p, tr in trackers.items()}
        for p in self.parties:
            self.labels.update(self.own[p].labels)
        for items in warnings.values():
            for w in items:
                if w.report is not None:
                    self.labels[w.report.key] = tuple(sorted(w.truth_ids))
        self.arrivals: dict[tuple[str, str], tuple[np.ndarray, list[TrackReport]]] = {}
        for route, got in deliveries.items():
            for p in self.parties:
                mine = [d for d in got if d.to == p and d.item.report is not None]
                self.arrivals[(p, route)] = (np.array([d.t_s for d in mine]),
                                             [d.item.report for d in mine])  # type: ignore[misc]
        self.fusers = {p: TrackFuser(p, cfg.fusion) for p in self.parties}

    def __call__(self, t: float, needed: list[tuple[str, str]]) -> Pictures:
        pictures: dict[tuple[Any, ...], dict[str, FusedTrack]] = {}
        chosen: dict[tuple[str, str], tuple[Any, ...]] = {}
        own_now = {p: self.own[p].at(t) for p in {p for p, _ in needed}}
        for p, route in needed:
            times, reps = self.arrivals.get((p, route), (np.array([]), []))
            n = int(np.searchsorted(times, t, side="right"))
            recent = [r for r in reps[:n] if t - self.cfg.fusion.max_age_s <= r.t_s <= t]
            latest: dict[tuple[str, str], TrackReport] = {}
            for r in recent:
                held = latest.get(r.key)
                if held is None or r.update > held.update:
                    latest[r.key] = r
            sig = (p, tuple((r.key, r.update) for r in own_now[p]),
                   tuple(sorted((k, r.update) for k, r in latest.items())))
            chosen[(p, route)] = sig
            if sig not in pictures:
                picture = self.fusers[p].fuse(t, own_now[p], list(latest.values()))
                pictures[sig] = _best_by_launch(picture, self.labels)
        return chosen, pictures


def _measure(sc: Scenario, obs: Observation, cfg: RunConfig, trackers: dict[str, Tracker],
             warnings: dict[str, list[Warning]], deliveries: dict[str, list[Delivered]]
             ) -> dict[str, dict[str, dict[str, LaunchKnowledge]]]:
    flights = {f.id: f for f in obs.flights}
    parties = sc.parties
    routes = cfg.routes
    know = {lid: {p: {r: LaunchKnowledge() for r in routes} for p in parties}
            for lid in flights}

    # -- detection and confirmation: events, not the grid ---------------------------------
    own_seen: dict[tuple[str, str], list[float]] = {}
    for d in obs.detections:
        for lid in _covered(d):
            own_seen.setdefault((d.owner, lid), []).append(d.t_s)
    for r in obs.reports:
        if r.truth_id is not None:
            own_seen.setdefault((r.owner, r.truth_id), []).append(r.t_s)
    own_conf: dict[tuple[str, str], list[float]] = {}
    for party, tr in trackers.items():
        for t in tr.tracks:
            for label in _truth_labels(t) if t.confirmed else ():
                own_conf.setdefault((party, label), []).append(t.confirmed_s)
    for route in routes:
        got_seen: dict[tuple[str, str], list[float]] = {}
        got_conf: dict[tuple[str, str], list[float]] = {}
        for dl in deliveries[route]:
            for lid in dl.item.truth_ids:
                got_seen.setdefault((dl.to, lid), []).append(dl.t_s)
            if dl.item.report is not None:
                for lid in dl.item.truth_ids:
                    got_conf.setdefault((dl.to, lid), []).append(dl.t_s)
        for lid, f in flights.items():
            for p in parties:
                k = know[lid][p][route]
                # knowledge that arrives only after the impact is no warning: not counted
                seen = _first([t for t in own_seen.get((p, lid), []) + got_seen.get((p, lid), [])
                               if t <= f.impact_s])
                conf = _first([t for t in own_conf.get((p, lid), []) + got_conf.get((p, lid), [])
                               if t <= f.impact_s])
                k.first_detection_s = None if seen is None else seen - f.launch_s
                k.first_confirmed_s = None if conf is None else conf - f.launch_s

    # -- pictures and PIPs on the grid ----------------------------------------------------
    fused = _FusedPictures(parties, cfg, trackers, warnings, deliveries)
    source: PictureSource = fused
    if cfg.share == "measurements":
        from gsomia.sim.measurements import RoutePictures  # it imports this module

        source = RoutePictures(parties, cfg, warnings, deliveries, fused)
    zones = _zones()
    true_area = {lid: _area_of(f, zones) for lid, f in flights.items()}
    known_area: dict[tuple[Any, str], bool] = {}
    t0 = min(f.launch_s for f in flights.values())
    t1 = min(max(f.impact_s for f in flights.values()), obs.t_end_s)
    grid = np.arange(math.ceil(t0 / cfg.pip_interval_s) * cfg.pip_interval_s, t1 + 1e-9,
                     cfg.pip_interval_s)
    last_eval: dict[tuple[str, str, str], float] = {}
    for t in grid:
        t = float(t)
        active = [lid for lid, f in flights.items() if f.launch_s <= t < f.impact_s]
        if not active:
            continue
        # which (party, route) pictures are needed now
        needed: dict[tuple[str, str], list[str]] = {}
        for p in parties:
            if cfg.measured is not None and p not in cfg.measured:
                continue
            for route in routes:
                want = []
                for lid in active:
                    k = know[lid][p][route]
                    if k.first_pip_within_50km_s is None or k.area_at_risk_s is None:
                        want.append(lid)
                    elif t - last_eval.get((p, route, lid), -math.inf) >= \
                            cfg.pip_tail_interval_s - 1e-9:
                        want.append(lid)
                if want:
                    needed[(p, route)] = want
        if not needed:
            continue
        chosen, pictures = source(t, list(needed))
        # PIPs of every distinct fused track needed, in one batch
        batch: list[tuple[tuple[Any, ...], str]] = []
        for (p, route), want in needed.items():
            sig = chosen[(p, route)]
            for lid in want:
                if lid in pictures[sig] and (sig, lid) not in batch:
                    batch.append((sig, lid))
        if not batch:
            continue
        xs = np.stack([pictures[s][lid].x for s, lid in batch])
        Ps = np.stack([pictures[s][lid].P for s, lid in batch])
        pips = predict_impact(GaussianStates(t, xs, Ps), cfg.fusion.earth, step_s=cfg.pip_step_s)
        result = dict(zip(batch, pips, strict=True))
        for (p, route), want in needed.items():
            sig = chosen[(p, route)]
            for lid in want:
                pip = result.get((sig, lid))
                if pip is None or not pip.valid:
                    continue
                f = flights[lid]
                err, _ = geodesic_inverse(pip.lat_deg, pip.lon_deg,
                                          f.trajectory.impact_lat_deg,
                                          f.trajectory.impact_lon_deg)
                err = float(err)
                k = know[lid][p][route]
                last_eval[(p, route, lid)] = t
                k.pips.append(PipSample(t, err, pip.lat_deg, pip.lon_deg, pip.cov_en_m2,
                                        tuple(sorted({s[0] for s in
                                                      pictures[sig][lid].sources}))))
                if k.first_pip_within_50km_s is None and err <= cfg.pip_near_m:
                    k.first_pip_within_50km_s = t - f.launch_s
                if k.area_at_risk_s is None:
                    if (sig, lid) not in known_area:
                        known_area[(sig, lid)] = _knows_area(pip, true_area[lid], zones, cfg)
                    if known_area[(sig, lid)]:
                        k.area_at_risk_s = t - f.launch_s
    if isinstance(source, _Confirmations):
        for lid, f in flights.items():
            for p in parties:
                for route in routes:
                    if route != "none":
                        conf = source.first_confirmed(lid, p, route, f.impact_s)
                        know[lid][p][route].first_confirmed_s = \
                            None if conf is None else conf - f.launch_s
    return know


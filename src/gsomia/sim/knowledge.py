"""What each party knew of each launch on each route, and when (:mod:`gsomia.sim.run`
notes: the four figures, measured per launch, party and route).

:func:`measure` takes a run's observation, trackers, warnings and arrivals, and a picture
source (:mod:`gsomia.sim.pictures`, or :class:`gsomia.sim.measurements.RoutePictures`), and
fills :class:`LaunchKnowledge`: detection and confirmation from the events themselves, the
PIP and area figures on the evaluation grid.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gsomia.physics.geodesy import geodesic_inverse
from gsomia.sim.config import RunConfig
from gsomia.sim.delivery.plan import NONE
from gsomia.sim.items import Delivered, covered_launches
from gsomia.sim.observe import Observation
from gsomia.sim.pictures import Confirmations, Pictures, PictureSource, truth_labels
from gsomia.sim.scoring import TrueArea, knows_area
from gsomia.warning.areas import MaritimeZones
from gsomia.warning.sensors import Flight
from gsomia.warning.tracking.impact import ImpactPrediction, predict_impact
from gsomia.warning.tracking.states import GaussianStates
from gsomia.warning.tracking.tracker import Tracker

__all__ = ["METRICS", "Knowledge", "LaunchKnowledge", "PipSample", "measure"]

METRICS = ("first_detection_s", "first_confirmed_s", "first_pip_within_50km_s",
           "area_at_risk_s")
"""The per launch/party/route figures of a run (:mod:`gsomia.sim.run` notes)."""


@dataclass(slots=True)
class PipSample:
    """The PIP of a party's best fused track of one launch at one evaluation time.

    Attributes:
        t_s: evaluation time [s since the epoch]; error_m: distance to the true impact [m].
        lat_deg, lon_deg: PIP; cov_en_m2: its east-north covariance ``(2, 2)`` [m²].
        sources: the originators whose estimates were fused into it.
        x, P: the fused track's state ``(6,)`` and covariance ``(6, 6)`` (ECEF [m, m/s]) it
            was predicted from (the engagement analysis, :mod:`gsomia.sim.engage`).
    """

    t_s: float
    error_m: float
    lat_deg: float
    lon_deg: float
    cov_en_m2: np.ndarray
    sources: tuple[str, ...]
    x: np.ndarray | None = None
    P: np.ndarray | None = None


@dataclass(slots=True)
class LaunchKnowledge:
    """What one party knew of one launch on one route, and when ([s after the launch]).

    ``pips`` are the PIP evaluations (every ``pip_interval_s``, then every
    ``pip_tail_interval_s``); ``tracks`` holds the party's best fused track of the launch
    ``(t [s], x (6,), P (6, 6))`` (ECEF [m, m/s]) at every ``pip_interval_s`` while the
    launch flies, independent of the tail grid (the engagement analysis,
    :mod:`gsomia.sim.engage`).
    """

    first_detection_s: float | None = None
    first_confirmed_s: float | None = None
    first_pip_within_50km_s: float | None = None
    area_at_risk_s: float | None = None
    pips: list[PipSample] = field(default_factory=list)
    tracks: list[tuple[float, np.ndarray, np.ndarray]] = field(default_factory=list)

    def figures(self) -> dict[str, float | None]:
        """The four figures, rounded to ms."""
        return {k: (None if getattr(self, k) is None else round(getattr(self, k), 3))
                for k in METRICS}


Knowledge = dict[str, dict[str, dict[str, LaunchKnowledge]]]
"""launch id → party → route → :class:`LaunchKnowledge`."""


_PipCache = dict[tuple[Any, ...], tuple[ImpactPrediction, float | None]]


def _first(values: list[float]) -> float | None:
    return min(values) if values else None


def _event_figures(know: Knowledge, flights: dict[str, Flight], parties: Sequence[str],
                   obs: Observation, trackers: dict[str, Tracker],
                   deliveries: dict[str, list[Delivered]]) -> None:
    """``first_detection_s`` and ``first_confirmed_s``: from the events, not the grid; what
    arrives only after the impact is no warning (not counted)."""
    own_seen: dict[tuple[str, str], list[float]] = {}
    for d in obs.detections:
        for lid in covered_launches(d):
            own_seen.setdefault((d.owner, lid), []).append(d.t_s)
    for r in obs.reports:
        if r.truth_id is not None:
            own_seen.setdefault((r.owner, r.truth_id), []).append(r.t_s)
    own_conf: dict[tuple[str, str], list[float]] = {}
    for party, tr in trackers.items():
        for t in tr.tracks:
            for label in truth_labels(t) if t.confirmed else ():
                own_conf.setdefault((party, label), []).append(t.confirmed_s)
    for route, arrivals in deliveries.items():
        got_seen: dict[tuple[str, str], list[float]] = {}
        got_conf: dict[tuple[str, str], list[float]] = {}
        for dl in arrivals:
            for lid in dl.item.truth_ids:
                got_seen.setdefault((dl.to, lid), []).append(dl.t_s)
                if dl.item.report is not None:
                    got_conf.setdefault((dl.to, lid), []).append(dl.t_s)
        for lid, f in flights.items():
            for p in parties:
                k = know[lid][p][route]
                seen = _first([t for t in own_seen.get((p, lid), []) + got_seen.get((p, lid), [])
                               if t <= f.impact_s])
                conf = _first([t for t in own_conf.get((p, lid), []) + got_conf.get((p, lid), [])
                               if t <= f.impact_s])
                k.first_detection_s = None if seen is None else seen - f.launch_s
                k.first_confirmed_s = None if conf is None else conf - f.launch_s


class _Grid:
    """The PIP and area figures on the evaluation grid (:func:`measure`)."""

    def __init__(self, know: Knowledge, flights: dict[str, Flight], parties: Sequence[str],
                 cfg: RunConfig, zones: MaritimeZones, true_areas: dict[str, TrueArea],
                 area_cache: dict[tuple[Any, ...], bool] | None = None,
                 pip_cache: _PipCache | None = None) -> None:
        self.know, self.flights, self.parties, self.cfg = know, flights, parties, cfg
        self.pip_cache = pip_cache
        self.zones, self.true_areas = zones, true_areas
        self.known_area: dict[tuple[Any, str], bool] = {}
        self.area_cache = {} if area_cache is None else area_cache
        self.last_eval: dict[tuple[str, str, str], float] = {}

    def needed(self, t: float, active: list[str]) -> dict[tuple[str, str], list[str]]:
        """Which launches of which (party, route) pictures are evaluated at ``t``: those
        still short of a figure, and the others every ``pip_tail_interval_s``."""
        cfg = self.cfg
        needed: dict[tuple[str, str], list[str]] = {}
        for p in self.parties:
            if cfg.measured is not None and p not in cfg.measured:
                continue
            for route in cfg.routes:
                want = []
                for lid in active:
                    k = self.know[lid][p][route]
                    if k.first_pip_within_50km_s is None or k.area_at_risk_s is None:
                        want.append(lid)
                    elif t - self.last_eval.get((p, route, lid), -math.inf) >= \
                            cfg.pip_tail_interval_s - 1e-9:
                        want.append(lid)
                if want:
                    needed[(p, route)] = want
        return needed

    def evaluate(self, t: float, needed: dict[tuple[str, str], list[str]],
                 got: Pictures) -> None:
        """The PIPs of every distinct fused track needed at ``t``, in one batch, and the
        figures they reach."""
        chosen, pictures = got
        batch: list[tuple[tuple[Any, ...], str]] = []
        for (p, route), want in needed.items():
            sig = chosen[(p, route)]
            for lid in want:
                if lid in pictures[sig] and (sig, lid) not in batch:
                    batch.append((sig, lid))
        if not batch:
            return
        held = {} if self.pip_cache is None else self.pip_cache
        result = {key: held[(t, *key)] for key in batch if (t, *key) in held}
        todo = [key for key in batch if key not in result]
        if todo:
            xs = np.stack([pictures[s][lid].x for s, lid in todo])
            Ps = np.stack([pictures[s][lid].P for s, lid in todo])
            pips = predict_impact(GaussianStates(t, xs, Ps), self.cfg.fusion.earth,
                                  step_s=self.cfg.pip_step_s)
            for key, pip in zip(todo, pips, strict=True):
                result[key] = (pip, self._error_m(pip, key[1]) if pip.valid else None)
                held[(t, *key)] = result[key]
        for (p, route), want in needed.items():
            sig = chosen[(p, route)]
            for lid in want:
                pip, err = result.get((sig, lid), (None, None))
                if pip is not None and pip.valid:
                    sources = tuple(sorted({s[0] for s in pictures[sig][lid].sources}))
                    self._score(t, p, route, lid, sig, pip, err, sources, pictures[sig][lid])

    def _error_m(self, pip: ImpactPrediction, lid: str) -> float:
        """The PIP's distance to the launch's true impact [m] (geodesic)."""
        f = self.flights[lid]
        err, _ = geodesic_inverse(pip.lat_deg, pip.lon_deg, f.trajectory.impact_lat_deg,
                                  f.trajectory.impact_lon_deg)
        return float(err)

    def _score(self, t: float, p: str, route: str, lid: str, sig: tuple[Any, ...],
               pip: ImpactPrediction, err: float, sources: tuple[str, ...], track: Any
               ) -> None:
        cfg, f = self.cfg, self.flights[lid]
        k = self.know[lid][p][route]
        self.last_eval[(p, route, lid)] = t
        k.pips.append(PipSample(t, err, pip.lat_deg, pip.lon_deg, pip.cov_en_m2, sources,
                              track.x, track.P))
        if k.first_pip_within_50km_s is None and err <= cfg.pip_near_m:
            k.first_pip_within_50km_s = t - f.launch_s
        if k.area_at_risk_s is None:
            if (sig, lid) not in self.known_area:
                exact = (lid, pip.lat_deg, pip.lon_deg, pip.cov_en_m2.tobytes())
                if exact not in self.area_cache:
                    self.area_cache[exact] = knows_area(
                        pip, self.true_areas[lid], self.zones, cfg.area_probability,
                        cfg.area_samples)
                self.known_area[(sig, lid)] = self.area_cache[exact]
            if self.known_area[(sig, lid)]:
                k.area_at_risk_s = t - f.launch_s


def _keep_tracks(know: Knowledge, t: float, active: list[str],
                 pairs: list[tuple[str, str]], got: Pictures) -> None:
    """Each pair's best fused track of each active launch at ``t``
    (:attr:`LaunchKnowledge.tracks`)."""
    chosen, pictures = got
    for p, route in pairs:
        picture = pictures[chosen[(p, route)]]
        for lid in active:
            track = picture.get(lid)
            if track is not None:
                know[lid][p][route].tracks.append((t, track.x, track.P))


def measure(parties: Sequence[str], obs: Observation, cfg: RunConfig,
            trackers: dict[str, Tracker], deliveries: dict[str, list[Delivered]],
            source: PictureSource, zones: MaritimeZones, true_areas: dict[str, TrueArea],
            area_cache: dict[tuple[Any, ...], bool] | None = None, *,
            pip_cache: _PipCache | None = None,
            keep_tracks: bool = True) -> Knowledge:
    """The four figures of every launch, party and route (:mod:`gsomia.sim.run` notes).

    Args:
        parties: the scenario's parties; obs: the observation; cfg: the run's configuration.
        trackers: party → its tracker run; deliveries: route → arrivals.
        source: the pictures on the grid (``first_confirmed_s`` too when it is a
            :class:`~gsomia.sim.pictures.Confirmations`, except on ``none``).
        zones: the maritime zones; true_areas: launch id → its true impact cell.
        area_cache: ``(launch id, PIP lat, lon, covariance bytes)`` → whether that exact
            PIP names the true area (filled here; pass one dict to many re-scorings of a
            run, :mod:`gsomia.sim.attribution`: same PIP, same answer).
        pip_cache: ``(t, picture signature, launch id)`` → its PIP and the PIP's distance
            to the true impact [m] (None for an invalid PIP), shared the same way;
            only with a source whose signatures are the pictures' contents
            (:class:`~gsomia.sim.pictures.FusedPictures` with a ``cache``).
        keep_tracks: fill :attr:`LaunchKnowledge.tracks` (the engagement analysis); False
            (re-scorings that read the four figures only): pictures are computed only where
            a figure is still open, the same figures.
    """
    flights = {f.id: f for f in obs.flights}
    know = {lid: {p: {r: LaunchKnowledge() for r in cfg.routes} for p in parties}
            for lid in flights}
    _event_figures(know, flights, parties, obs, trackers, deliveries)
    grid = _Grid(know, flights, parties, cfg, zones, true_areas, area_cache, pip_cache)
    t0 = min(f.launch_s for f in flights.values())
    t1 = min(max(f.impact_s for f in flights.values()), obs.t_end_s)
    for t in np.arange(math.ceil(t0 / cfg.pip_interval_s) * cfg.pip_interval_s, t1 + 1e-9,
                       cfg.pip_interval_s):
        t = float(t)
        active = [lid for lid, f in flights.items() if f.launch_s <= t < f.impact_s]
        needed = grid.needed(t, active) if active else {}
        pairs = [(p, r) for p in parties if cfg.measured is None or p in cfg.measured
                 for r in cfg.routes] if active and keep_tracks else list(needed)
        if pairs:
            got = source(t, list(needed) + [pr for pr in pairs if pr not in needed])
            if needed:
                grid.evaluate(t, needed, got)
            if keep_tracks:
                _keep_tracks(know, t, active, pairs, got)
    if isinstance(source, Confirmations):
        for lid, f in flights.items():
            for p in parties:
                for route in cfg.routes:
                    if route != NONE:
                        conf = source.first_confirmed(lid, p, route, f.impact_s)
                        know[lid][p][route].first_confirmed_s = \
                            None if conf is None else conf - f.launch_s
    return know

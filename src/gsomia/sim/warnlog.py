"""Each party's warning log over a run (:mod:`gsomia.warning.alerts`), and its score.

At every multiple of ``policy.interval_s`` from a launch to its true impact, each party
with maritime zones (:data:`gsomia.sim.scoring.AREA_PARTIES`) assesses the launch from
its best fused track on the *warning route* (the last route compared, by default
``direct``; the picture's latest state within one interval, as kept in
:attr:`gsomia.sim.knowledge.LaunchKnowledge.tracks`):

- the boost-aware footprint (:func:`gsomia.warning.tracking.boost.predict_footprint`)
  with the launch's propulsion class (an assumption: the node is taken to know the missile
  class), the launch time of the party's own first confirmed track of the launch (its LPE,
  :func:`~gsomia.warning.tracking.boost.track_launch_time`), else the kinematic estimate
  of the picture's first state (none when it was not climbing: free flight only); it
  collapses to the free-flight PIP once the own track's IMM holds the ballistic mode
  (:func:`~gsomia.warning.tracking.boost.ballistic_since`) or every burn hypothesis has
  ended;
- the probability of each own area: the fraction of ``samples`` draws of the footprint in
  it (:func:`own_cells`, the one function that reads :mod:`gsomia.warning.areas`);
- the probability of an overflight of each own land or territorial sea below
  ``policy.overflight_alt_m``: the weight of the hypotheses whose mean trajectory has a
  ground point there (every 30 s from burnout; the spread of a hypothesis is ignored).

A time with no track of the launch counts toward "track lost". The log is scored against
the true impact area and the true overflights (:func:`gsomia.warning.alerts.score_log`).

Each entry is also an item its party's node issues and shares with its partners like any
other (:meth:`WarningRun.items`: payload :class:`gsomia.node.alerts.AreaWarning`, label
element ``impact_point``), released by the same decision rules and carried by the run's
delivery step on the warning route; :meth:`WarningRun.record` keeps when each partner
received each entry (``received`` in the JSON).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gsomia.errors import InputError
from gsomia.physics.geodesy import ecef2geodetic, geodesic_inverse, height_above_ellipsoid_fast
from gsomia.sim.items import Delivered, Warning
from gsomia.sim.knowledge import Knowledge
from gsomia.sim.pictures import truth_labels
from gsomia.sim.scoring import AREA_PARTIES
from gsomia.warning.alerts import (
    OVERFLIGHT_ZONES,
    OWN_ZONES,
    Assessment,
    WarningEntry,
    WarningLog,
    WarningPolicy,
    score_log,
)
from gsomia.warning.areas import MaritimeZones
from gsomia.warning.sensors import Flight
from gsomia.warning.tracking.boost import (
    KINEMATIC_SIGMA_FRACTION,
    BoostFootprint,
    ballistic_since,
    kinematic_launch_time,
    predict_footprint,
    track_launch_time,
)
from gsomia.warning.tracking.tracker import Track, Tracker

__all__ = ["WarningRun", "area_probabilities", "own_cells", "true_warning_areas",
           "warning_logs"]

Cell = tuple[str, str]


def own_cells(zones: MaritimeZones, lat0_deg: float, lon0_deg: float, east_m: np.ndarray,
              north_m: np.ndarray) -> list[Cell | None]:
    """Each point's own area ``(country, zone)`` (zones land / territorial sea / EEZ of a
    party of ``zones``), or None; points east-north [m] in the local azimuthal
    equidistant plane of ``(lat0, lon0)``. The one reader of :mod:`gsomia.warning.areas`
    here (:meth:`~gsomia.warning.areas.MaritimeZones.zones`)."""
    party, zone = zones.zones(lat0_deg, lon0_deg, east_m, north_m)
    return [(p, z) if p and z in OWN_ZONES else None
            for p, z in zip(party.tolist(), zone.tolist(), strict=True)]


def area_probabilities(zones: MaritimeZones, lat0_deg: float, lon0_deg: float,
                       east_m: np.ndarray, north_m: np.ndarray) -> dict[Cell, float]:
    """Fraction of the points in each own area (:func:`own_cells`):
    ``{(country, zone): fraction}``."""
    cells = own_cells(zones, lat0_deg, lon0_deg, east_m, north_m)
    n = max(len(cells), 1)
    out: dict[Cell, float] = {}
    for c in cells:
        if c is not None:
            out[c] = out.get(c, 0.0) + 1.0 / n
    return out


def _overflown(zones: MaritimeZones, points_deg: np.ndarray) -> set[Cell]:
    """Own land and territorial seas holding some of the ground points ``(M, 2)`` [deg]."""
    if len(points_deg) == 0:
        return set()
    return {c for c in _cells(zones, points_deg) if c is not None}


def _assess(zones: MaritimeZones, fp: BoostFootprint, samples: int) -> Assessment:
    en = fp.sample(samples)
    impact = area_probabilities(zones, fp.lat_deg, fp.lon_deg, en[:, 0], en[:, 1])
    over: dict[Cell, float] = {}
    tracks = [(float(w), pts) for w, pts in zip(fp.weights, fp.ground_tracks, strict=False)
              if len(pts)]
    if tracks:   # every hypothesis's ground points in one call, then each one's cells
        pts = np.concatenate([p for _, p in tracks])
        owner = np.concatenate([np.full(len(p), i) for i, (_, p) in enumerate(tracks)])
        cells = _cells(zones, pts)
        for i, (w, _) in enumerate(tracks):
            for cell in {c for c, o in zip(cells, owner, strict=True) if o == i and c}:
                over[cell] = over.get(cell, 0.0) + w
    return Assessment(fp.t_s, impact, over)


def _cells(zones: MaritimeZones, points_deg: np.ndarray) -> list[Cell | None]:
    """Each ground point's own land or territorial sea (None elsewhere), in the plane of
    the points' middle one (azimuthal equidistant, :meth:`gsomia.warning.areas.
    MaritimeZones.zones`)."""
    lat0, lon0 = (float(v) for v in points_deg[len(points_deg) // 2])
    d, az = geodesic_inverse(lat0, lon0, points_deg[:, 0], points_deg[:, 1])
    a = np.radians(np.atleast_1d(az))
    d = np.atleast_1d(d)
    return [c if c is not None and c[1] in OVERFLIGHT_ZONES else None
            for c in own_cells(zones, lat0, lon0, d * np.sin(a), d * np.cos(a))]


def true_warning_areas(flight: Flight, zones: MaritimeZones, alt_m: float,
                       true_cell: Cell) -> set[Cell]:
    """The areas truly at risk: the true impact cell when it is an own zone of a party of
    ``zones``, and the land and territorial seas flown over below ``alt_m`` [m] (the
    trajectory every 10 s)."""
    out = {true_cell} if true_cell[0] and true_cell[1] in OWN_ZONES else set()
    tr = flight.trajectory
    t = np.arange(0.0, tr.impact_s, 10.0)
    r = tr.position_at(t)
    low = height_above_ellipsoid_fast(r) < alt_m
    if np.any(low):
        lat, lon, _ = ecef2geodetic(r[low])
        out |= _overflown(zones, np.column_stack((np.atleast_1d(lat), np.atleast_1d(lon))))
    return out


@dataclass(slots=True)
class WarningRun:
    """The warning logs of a run: ``entries`` in time order, ``scores`` launch → party →
    :func:`gsomia.warning.alerts.score_log`, ``route`` the picture's route (on which the
    entries are shared too), ``policy``; ``received``: ``(party, launch, t_s)`` of an entry
    → recipient → arrival time [s since the epoch] (:meth:`record`)."""

    route: str
    policy: WarningPolicy
    entries: list[WarningEntry] = field(default_factory=list)
    scores: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    received: dict[tuple[str, str, float], dict[str, float]] = field(default_factory=dict)

    def items(self, parties: Sequence[str]) -> dict[str, list[Warning]]:
        """Each party's entries as the items its node issues (at the entry's time), for a
        delivery step (:class:`gsomia.sim.items.Delivery`); every party of ``parties`` has
        a list (the nodes of the delivery are the parties')."""
        out: dict[str, list[Warning]] = {p: [] for p in parties}
        for e in self.entries:
            out.setdefault(e.party, []).append(Warning(e.t_s, e.party, alert=e))
        return out

    def record(self, arrivals: Sequence[Delivered]) -> None:
        """Keep when each recipient received each entry (first arrival; other items than
        warning log entries are ignored)."""
        for d in arrivals:
            e = d.item.alert
            if e is not None:
                got = self.received.setdefault((e.party, e.launch, e.t_s), {})
                got.setdefault(d.to, d.t_s)

    def to_json(self) -> list[dict[str, Any]]:
        """The JSON ``warnings`` list: each entry (:meth:`WarningEntry.to_dict
        <gsomia.warning.alerts.WarningEntry.to_dict>`) with ``received``: recipient →
        arrival time [s since the epoch, ms] on :attr:`route` (``{}``: nobody)."""
        out = []
        for e in self.entries:
            got = self.received.get((e.party, e.launch, e.t_s), {})
            out.append({**e.to_dict(),
                        "received": {p: round(t, 3) for p, t in sorted(got.items())}})
        return out


def _own_track(tracker: Tracker | None, launch: str) -> Track | None:
    """The party's own confirmed track of the launch that was confirmed first (which
    track follows which launch: :func:`gsomia.sim.pictures.truth_labels`, as for the
    pictures)."""
    if tracker is None:
        return None
    mine = [t for t in tracker.tracks if t.confirmed and launch in truth_labels(t)]
    return min(mine, key=lambda t: t.confirmed_s) if mine else None


def _launch_estimate(own: Track | None, tracks: list[tuple[float, np.ndarray, np.ndarray]]
                     ) -> tuple[float, float] | None:
    """The own track's launch time and σ; else the kinematic estimate of the picture's
    first state (σ as :func:`~gsomia.warning.tracking.boost.track_launch_time`'s)."""
    if own is not None:
        got = track_launch_time(own.detections, own.history)
        if got is not None:
            return got
    if not tracks:
        return None
    t0, x0, _ = tracks[0]
    try:
        launch = kinematic_launch_time(t0, x0)
    except InputError:      # first seen descending: no boost left to model
        return None
    return launch, KINEMATIC_SIGMA_FRACTION * (t0 - launch)


def _party_log(flight: Flight, party: str, tracks: list[tuple[float, np.ndarray, np.ndarray]],
               own: Track | None, zones: MaritimeZones, policy: WarningPolicy, samples: int,
               cache: dict[tuple[float, bytes, bool], Assessment]) -> WarningLog:
    log = WarningLog(party, flight.id, policy)
    launch_est = _launch_estimate(own, tracks)
    times = np.array([t for t, _, _ in tracks])
    step = policy.interval_s
    t = math.ceil(flight.launch_s / step) * step
    while t < flight.impact_s:
        # the picture's latest state within one interval before t (its grid may differ)
        i = int(np.searchsorted(times, t + 1e-6)) - 1
        if i < 0 or t - times[i] >= step:
            log.no_track(t)
        else:
            _, x, P = tracks[i]
            burnt = own is not None and ballistic_since(own.history, t) is not None
            key = (t, x.tobytes(), burnt)
            if key not in cache:
                est, sigma = launch_est if launch_est is not None else (t - 1e6, 0.0)
                fp = predict_footprint(float(times[i]), x, P, est,
                                       flight.trajectory.propulsion,
                                       overflight_alt_m=policy.overflight_alt_m,
                                       track_step_s=30.0,
                                       launch_sigma_s=sigma, burnt_out=burnt)
                cache[key] = _assess(zones, fp, samples) if fp.valid else Assessment(t)
            a = cache[key]
            log.assess(Assessment(t, {c: p for c, p in a.impact.items() if c[0] == party},
                                  {c: p for c, p in a.overflight.items() if c[0] == party}))
        t += step
    return log


def warning_logs(flights: Sequence[Flight], parties: Sequence[str], knowledge: Knowledge,
                 trackers: dict[str, Tracker], route: str, zones: MaritimeZones,
                 true_cells: dict[str, dict[str, Cell]],
                 policy: WarningPolicy | None = None, samples: int = 400) -> WarningRun:
    """Every warning party's log of every launch, and the scores (module notes).

    Args:
        flights: the flown launches; parties: the scenario's parties (those in
            :data:`~gsomia.sim.scoring.AREA_PARTIES` warn).
        knowledge: the run's knowledge (its ``tracks`` on ``route``).
        trackers: party → its own tracker run (launch time and burnout of its own track
            of each launch).
        zones: the maritime zones; each party judges with its own
            (:meth:`~gsomia.warning.areas.MaritimeZones.for_party`).
        true_cells: launch id → party → the true impact cell as that party judges it.
        policy: the thresholds (default :class:`WarningPolicy`); samples: draws per
            assessment.
    """
    pol = policy or WarningPolicy()
    run = WarningRun(str(route), pol)
    caches: dict[str, dict[tuple[float, bytes, bool], Assessment]] = {}
    for f in flights:
        run.scores[f.id] = {}
        for party in parties:
            if party not in AREA_PARTIES or party not in knowledge[f.id]:
                continue
            view = zones.for_party(party)
            truth = true_warning_areas(f, view, pol.overflight_alt_m, true_cells[f.id][party])
            k = knowledge[f.id][party].get(route)
            log = _party_log(f, party, [] if k is None else k.tracks,
                             _own_track(trackers.get(party), f.id), view, pol, samples,
                             caches.setdefault(party, {}))
            run.entries.extend(log.entries)
            own = {c for c in truth if c[0] == party}
            run.scores[f.id][party] = score_log(log.entries, f.launch_s, f.impact_s, own)
    run.entries.sort(key=lambda e: (e.t_s, e.party, e.launch))
    return run

"""Tracking metrics: GOSPA, and the per-launch warning figures of a tracker run.

GOSPA (Rahmathullah, García-Fernández & Svensson, "Generalized optimal sub-pattern
assignment metric", FUSION 2017, eq. (1) with α = 2): for sets X (m points) and Y (n
points), cut-off ``c`` and order ``p``,

.. math::
    d_p^{(c,2)}(X, Y) = \\Big(\\min_{\\gamma} \\sum_{(i,j)\\in\\gamma} d(x_i, y_j)^p
        + \\frac{c^p}{2}\\,(m + n - 2|\\gamma|)\\Big)^{1/p}

over partial assignments γ whose pairs have ``d < c`` (their Prop. 1). Since a pair at
``d ≥ c`` costs the same ``c^p`` as leaving both points unassigned, the minimum equals the
optimal full assignment of :func:`scipy.optimize.linear_sum_assignment` on
``min(d, c)^p`` plus ``c^p/2`` for each of the ``|m − n|`` points left over.

:func:`evaluate_run` scores a finished :class:`~.tracker.Tracker` against the flights; it is
the only place that reads a detection's ``truth_id`` (evaluation, never tracking).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from gsomia.errors import InputError
from gsomia.physics.earth import Earth
from gsomia.physics.geodesy import geodesic_inverse
from gsomia.warning.areas import MaritimeZones, areas_at_risk
from gsomia.warning.sensors import Flight
from gsomia.warning.tracking.impact import ImpactPrediction, predict_impact
from gsomia.warning.tracking.launch import (
    LaunchPointEstimate,
    boost_detections,
    estimate_launch_point,
)
from gsomia.warning.tracking.launch_boost import estimate_launch_point_boost, launch_window
from gsomia.warning.tracking.states import GaussianStates, TrackState
from gsomia.warning.tracking.tracker import Track, Tracker

__all__ = ["GOSPA_C_MAX_M", "EvaluationConfig", "evaluate_run", "gospa", "lpe_holds"]

GOSPA_C_MAX_M = 1.0e7
"""Largest GOSPA cut-off accepted by :class:`EvaluationConfig` [m]: 10,000 km, a quarter of
the Earth's circumference; beyond it the cut-off no longer cuts anything on Earth."""


def gospa(X: np.ndarray, Y: np.ndarray, c: float, p: float = 1.0) -> float:
    """GOSPA distance (α = 2) between point sets (module notes).

    Args:
        X: ``(m, d)`` estimated points; Y: ``(n, d)`` true points (same units, e.g. m).
        c: cut-off (finite, > 0); p: order (finite, ≥ 1).

    Raises:
        InputError: c not finite or ≤ 0, p not finite or < 1, or mismatched dimensions.
    """
    if not (math.isfinite(c) and c > 0):
        raise InputError("c", c, "cut-off must be finite and positive")
    if not (math.isfinite(p) and p >= 1):
        raise InputError("p", p, "order must be finite and >= 1")
    X = np.asarray(X, dtype=float).reshape(len(X), -1) if len(X) else np.empty((0, 0))
    Y = np.asarray(Y, dtype=float).reshape(len(Y), -1) if len(Y) else np.empty((0, 0))
    m, n = X.shape[0], Y.shape[0]
    if m == 0 or n == 0:
        return (c**p / 2.0 * (m + n)) ** (1.0 / p)
    if X.shape[1] != Y.shape[1]:
        raise InputError("X", X.shape, f"dimension differs from Y's {Y.shape}")
    d = np.linalg.norm(X[:, None] - Y[None], axis=-1)
    cost = np.minimum(d, c) ** p
    rows, cols = linear_sum_assignment(cost)
    total = cost[rows, cols].sum() + c**p / 2.0 * abs(m - n)
    return float(total ** (1.0 / p))


@dataclass(frozen=True, slots=True)
class EvaluationConfig:
    """How a run is scored.

    Attributes:
        gospa_c_m: GOSPA cut-off [m]; gospa_p: GOSPA order.
        pip_interval_s: spacing of the PIPs computed along each track [s].
        pip_near_m: the "PIP within" distance of ``first_pip_within_50km_s`` [m].
        after_burnout_s: when the PIP error is read, after the true burnout [s].
        gospa_interval_s: spacing of the common time grid of GOSPA [s] (``_gospa_on_grid``:
            the same grid for every party, from the first launch to the last impact).
        pip_max_age_s: staleness limit of a PIP [s]: a PIP read at time t comes only from a
            confirmed track still alive (not deleted) at t whose last update by a detection
            is at most this old; the PIP is that of the updated state (its age is reported).
            A deleted track holds no PIP, and an estimate extrapolated for longer than this
            is not one (30 s: three revisits of a 10-s radar; the tracker deletes a
            confirmed track after 4 consecutive misses or ``max_coast_s`` = 60 s anyway).

    Raises:
        InputError: a cut-off that is not finite or outside (0, ``GOSPA_C_MAX_M``], an order
            that is not finite or < 1, or a non-finite or negative interval or distance.
    """

    gospa_c_m: float = 10_000.0
    gospa_p: float = 1.0
    pip_interval_s: float = 5.0
    pip_near_m: float = 50_000.0
    after_burnout_s: float = 60.0
    pip_max_age_s: float = 30.0
    gospa_interval_s: float = 5.0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.gospa_c_m) and 0.0 < self.gospa_c_m <= GOSPA_C_MAX_M):
            raise InputError("gospa_c_m", self.gospa_c_m,
                             f"must be finite, > 0 and <= {GOSPA_C_MAX_M:g} m")
        if not (math.isfinite(self.gospa_p) and self.gospa_p >= 1.0):
            raise InputError("gospa_p", self.gospa_p, "must be finite and >= 1")
        for name in ("pip_interval_s", "pip_near_m", "after_burnout_s", "pip_max_age_s",
                     "gospa_interval_s"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v >= 0.0) or (name.endswith("interval_s") and v == 0):
                raise InputError(name, v, "must be finite and non-negative (interval > 0)")


def _members(d) -> tuple[str, ...]:
    """The objects a detection measures: every member of an unresolved (merged) plot, the
    one object of an ordinary plot, none for a false alarm."""
    if d.merged_truth_ids:
        return tuple(d.merged_truth_ids)
    return () if d.truth_id is None else (d.truth_id,)


def _label(track: Track) -> str | None:
    """The launch a confirmed track follows: the object measured by most of its detections
    since confirmation, a plot of an unresolved group counting for each of its members (it
    measures all of them: Koch & van Keuk, "Multiple hypothesis track maintenance with
    possibly unresolved measurements", IEEE TAES 33(3), 1997; Blom & Bloem 2006); ties go
    to the object with more plots of its own, then to the larger id. ``None`` for a track
    of false alarms only."""
    dets = [d for d in track.detections
            if track.confirmed_s is None or d.t_s >= track.confirmed_s]
    counts: dict[str, list[int]] = {}
    for d in dets:
        ms = _members(d)
        for m in ms:
            c = counts.setdefault(m, [0, 0])
            c[0] += 1
            c[1] += len(ms) == 1
    if not counts:
        return None
    return max(counts, key=lambda i: (counts[i][0], counts[i][1], str(i)))


def _swaps(track: Track) -> int:
    """Changes of the object a confirmed track follows: the followed object changes when
    two consecutive detections both miss it and share another object (a plot of an
    unresolved group that holds the followed object still measures it: :func:`_label`);
    each change between two real objects is a swap."""
    dets = [d for d in track.detections if d.t_s >= (track.confirmed_s or math.inf)]
    label = _label(track)
    swaps, current = 0, None
    for a, b in zip(dets, dets[1:], strict=False):
        ma, mb = _members(a), _members(b)
        if current is not None and (current in ma or current in mb):
            continue
        common = [m for m in ma if m in mb]
        if not common:
            continue
        new = label if label in common else common[0]
        if current is not None:
            swaps += 1
        current = new
    return swaps


_PIP_BATCH = 8


def _true_area(flight: Flight, zones: MaritimeZones) -> dict[str, str] | None:
    party, zone = zones.zones(flight.trajectory.impact_lat_deg,
                              flight.trajectory.impact_lon_deg, np.zeros(1), np.zeros(1))
    return {"party": str(party[0]), "zone": str(zone[0])} if party[0] else None


def _pip_errors(pairs: Sequence[tuple[TrackState, Flight]],
                earth: Earth) -> tuple[list[ImpactPrediction], list[float]]:
    """PIPs of the states and their distances [m] to each one's flight's true impact point
    (one batched unscented transform; each state at its own time)."""
    if not pairs:
        return [], []
    pips = predict_impact(GaussianStates(0.0, np.stack([s.x for s, _ in pairs]),
                                         np.stack([s.P for s, _ in pairs])), earth)
    out = []
    for pip, (_, f) in zip(pips, pairs, strict=True):
        d, _ = geodesic_inverse(pip.lat_deg, pip.lon_deg, f.trajectory.impact_lat_deg,
                                f.trajectory.impact_lon_deg)
        out.append(float(d))
    return pips, out


_INITIATOR_ELLIPSE_RATIO = 2.0
_INITIATOR_CHI2 = 3.0
"""Reduced χ² of a track's boost-model LPE above which the fit without its first detection
is tried (:func:`_track_lpe`): fits of one missile's detections gave 0.5-2.1 on the flights
of ``tests/warning/test_tracking_launch_boost.py`` and on stress-20; with one foreign
detection among seventeen (stress-20, launch C-3, default seed), 48."""


_MAX_FOREIGN_LEADERS = 3
"""Leading detections of a track that :func:`_track_lpe` may set aside: the initiator, and
the first updates of a tentative track whose wide gate can take a neighbour's plot in a
salvo from one site (2017-03-06, Japan's radars alone: a track's first three detections
came from three different missiles)."""


def _gospa_on_grid(tracker: Tracker, confirmed: Sequence[Track], flights: Sequence[Flight],
                   cfg: EvaluationConfig) -> list[float]:
    """GOSPA at every ``gospa_interval_s`` from the first launch to the last impact.

    The grid is the same for every party and sensor set (whatever the scan times), so that
    runs compare: at grid time t the estimates are the confirmed tracks alive at t (confirmed
    at or before t, not deleted), each the latest state of its history at or before t carried
    to t by ``r + v·Δt − ½·GM·r/|r|³·Δt²`` (Δt is at most the time since the tracker's last
    scan); the truths are the missiles in flight. A missile present but not tracked costs
    ``c/2`` (Rahmathullah et al. 2017, eq. (1)), so a party that sees nothing scores ``c/2``
    per missile and not "no value".
    """
    if not flights:
        return []
    t0 = min(f.launch_s for f in flights)
    t1 = max(f.impact_s for f in flights)
    gm = tracker.config.earth.gm_m3_s2
    grid = t0 + cfg.gospa_interval_s * np.arange(int(math.floor((t1 - t0)
                                                                 / cfg.gospa_interval_s)) + 1)
    times = [np.array([s.t_s for s in tr.history]) for tr in confirmed]
    values = []
    for t in grid:
        est = []
        for tr, ts in zip(confirmed, times, strict=True):
            if tr.confirmed_s > t or (tr.deleted_s is not None and tr.deleted_s <= t):
                continue
            k = int(np.searchsorted(ts, t, side="right")) - 1
            if k < 0:
                continue
            x = tr.history[k].x
            dt = t - ts[k]
            r = x[:3]
            est.append(r + x[3:] * dt - 0.5 * gm * r / np.linalg.norm(r) ** 3 * dt**2)
        truth = [f.position_at(t) for f in flights if f.launch_s <= t <= f.impact_s]
        values.append(gospa(np.array(est).reshape(-1, 3), np.array(truth).reshape(-1, 3),
                            cfg.gospa_c_m, cfg.gospa_p))
    return values


def _track_lpe(track: Track, earth: Earth) -> LaunchPointEstimate | None:
    """LPE of a track through the boost model (:func:`~.launch_boost.
    estimate_launch_point_boost` of its :func:`~.launch_boost.launch_window`). When that
    fit is refused or its best hypothesis's reduced χ² exceeds ``_INITIATOR_CHI2``, the fits
    without the track's first 1, 2, … ``_MAX_FOREIGN_LEADERS`` detections are tried in turn
    (the first one under ``_INITIATOR_CHI2`` is kept, else the one of smallest reduced χ²):
    a foreign leading detection, another missile of a salvo, is a residual of kilometres
    that no flight explains. Without any, the ascent fit of the boost
    detections (:func:`~.launch.estimate_launch_point`), with the same initiator rule as
    before on the 95 % ellipses; ``None`` if every fit is refused."""
    fits = []
    for k in range(_MAX_FOREIGN_LEADERS + 1):
        fit = estimate_launch_point_boost(launch_window(track.detections[k:]), earth)
        if fit is not None and float(np.min(fit.reduced_chi2)) <= _INITIATOR_CHI2:
            return fit.estimate
        if fit is not None:
            fits.append(fit)
    if fits:
        return min(fits, key=lambda f: float(np.min(f.reduced_chi2))).estimate
    full_a, rest_a = (estimate_launch_point(boost_detections(dets, track.history), earth)
                      for dets in (track.detections, track.detections[1:]))
    if full_a is None or (rest_a is not None and full_a.ellipse(0.95)[0]
                          > _INITIATOR_ELLIPSE_RATIO * rest_a.ellipse(0.95)[0]):
        return rest_a
    return full_a


def evaluate_run(tracker: Tracker, flights: Sequence[Flight],
                 config: EvaluationConfig | None = None,
                 zones: MaritimeZones | None = None) -> dict[str, Any]:
    """Score a finished tracker run against the flights (JSON-ready dict, km and s).

    The steps: confirmed tracks grouped by the launch they follow (:func:`_tracks_by_launch`,
    :func:`_spurious`, :func:`_swaps`); GOSPA on the common grid (:func:`_gospa_on_grid`);
    per launch its LPE (:func:`_best_lpe`, :func:`_score_lpe`), the state whose PIP is read
    after burnout (:func:`_pip_read_state`, scored in one batch by :func:`_score_pip_reads`)
    and the states along its tracks (:func:`_states_along`, scored in rounds by
    :func:`_score_first_pip_within`).

    Returns:
        ``confirmed_tracks``, ``spurious_tracks`` (confirmed tracks following no launch,
        or duplicating a launch already held by a live confirmed track), ``track_swaps``
        (changes of followed launch after confirmation that persist for two detections),
        ``gospa_mean_m`` (mean over a common grid every ``gospa_interval_s`` from the first
        launch to the last impact, whatever the party's scans; an untracked missile costs
        c/2), and
        ``launches``: per flight ``id``, ``first_confirmed_s`` (seconds after launch),
        ``lpe_error_km``, ``lpe_time_error_s``, ``lpe_semi_major_95_km`` (of the LPE's 95 %
        ellipse), ``lpe_inside_95`` (the true launch point inside that ellipse:
        :func:`lpe_holds`), ``pip_error_km_60s_after_burnout`` (the PIP of the latest updated
        estimate
        of a track alive at burnout + ``after_burnout_s`` and at most ``pip_max_age_s`` old;
        ``None`` where there is none) with ``pip_age_s_60s_after_burnout`` (its age [s]),
        ``first_pip_within_50km_s`` (seconds after launch; PIPs every ``pip_interval_s`` of
        updated states of confirmed tracks) — ``None`` where never reached;
        with ``zones``, also ``true_impact_area`` (the zone of the true impact point, or
        ``None``) and ``areas_at_risk`` (:func:`gsomia.warning.areas.areas_at_risk` of the
        PIP read at burnout + ``after_burnout_s``; ``[]`` where no zone, ``None`` where no
        PIP).
    """
    cfg = config or EvaluationConfig()
    earth = tracker.config.earth
    confirmed = [t for t in tracker.tracks if t.confirmed]
    by_label = _tracks_by_launch(confirmed)
    values = _gospa_on_grid(tracker, confirmed, flights, cfg)
    launches = []
    reads: list[tuple[TrackState, Flight, dict[str, Any]]] = []
    along: list[tuple[list[TrackState], Flight, dict[str, Any]]] = []
    for f in flights:
        tracks = sorted(by_label.get(f.id, []), key=lambda t: t.confirmed_s)
        entry = _launch_entry(f, zones)
        launches.append(entry)
        if not tracks:
            continue
        entry["first_confirmed_s"] = round(tracks[0].confirmed_s - f.launch_s, 3)
        _score_lpe(entry, _best_lpe(tracks, earth), f)
        t_read = f.launch_s + f.trajectory.burnout_s + cfg.after_burnout_s
        best = _pip_read_state(tracks, t_read, cfg.pip_max_age_s)
        if best is not None:
            entry["pip_age_s_60s_after_burnout"] = round(t_read - best.t_s, 3)
            reads.append((best, f, entry))
        along.append((_states_along(tracks, cfg.pip_interval_s), f, entry))
    _score_pip_reads(reads, earth, zones)
    _score_first_pip_within(along, earth, cfg.pip_near_m)
    return {
        "confirmed_tracks": len(confirmed),
        "spurious_tracks": _spurious(by_label),
        "track_swaps": sum(_swaps(t) for t in confirmed),
        "gospa_mean_m": round(float(np.mean(values)), 3) if values else None,
        "gospa_c_m": cfg.gospa_c_m,
        "gospa_p": cfg.gospa_p,
        "launches": launches,
    }


def _tracks_by_launch(confirmed: Sequence[Track]) -> dict[str | None, list[Track]]:
    """Confirmed tracks grouped by the launch each follows (:func:`_label`: the truth id of
    most of its detections since confirmation; ``None`` for a track following no launch),
    each group in the order of ``confirmed``."""
    by_label: dict[str | None, list[Track]] = {}
    for t in confirmed:
        by_label.setdefault(_label(t), []).append(t)
    return by_label


def _spurious(by_label: dict[str | None, list[Track]]) -> int:
    """Number of spurious confirmed tracks: those following no launch, plus each track of a
    launch confirmed while an earlier-confirmed track of the same launch was still alive
    (a duplicate)."""
    spurious = len(by_label.get(None, []))
    for label, ts in by_label.items():
        if label is None:
            continue
        ts = sorted(ts, key=lambda t: t.confirmed_s)
        for i, t in enumerate(ts[1:], 1):
            if any((o.deleted_s or math.inf) > t.confirmed_s for o in ts[:i]):
                spurious += 1
    return spurious


def _launch_entry(flight: Flight, zones: MaritimeZones | None) -> dict[str, Any]:
    """The JSON entry of one launch with every figure ``None`` (filled in by the scoring
    steps); with ``zones`` also ``true_impact_area`` (set here) and ``areas_at_risk``."""
    entry: dict[str, Any] = {"id": flight.id, "first_confirmed_s": None,
                             "lpe_error_km": None, "lpe_time_error_s": None,
                             "lpe_semi_major_95_km": None, "lpe_inside_95": None,
                             "pip_error_km_60s_after_burnout": None,
                             "pip_age_s_60s_after_burnout": None,
                             "first_pip_within_50km_s": None}
    if zones is not None:
        entry["true_impact_area"] = _true_area(flight, zones)
        entry["areas_at_risk"] = None
    return entry


def _best_lpe(tracks: Sequence[Track], earth: Earth) -> LaunchPointEstimate | None:
    """LPE of a launch's best track: of its confirmed tracks with an LPE
    (:func:`_track_lpe`), the one with the smallest 95 % ellipse semi-major axis (a poor
    fit inflates it by its reduced chi-square); ``None`` if no track has one.

    A track's first detection is the initiator of its two-point initiation, paired by a
    speed bound only and never gated: in a salvo it can be an earlier detection of another
    missile of the same site, so each track is also fitted without it (:func:`_track_lpe`).
    """
    lpes = [e for e in (_track_lpe(tr, earth) for tr in tracks) if e is not None]
    return min(lpes, key=lambda e: e.ellipse(0.95)[0]) if lpes else None


def _put(entry: dict[str, Any], key: str, value: float, reason: str) -> None:
    """``entry[key] = round(value, 3)`` if finite; else ``None``, and ``reason`` under
    ``entry["undefined"][key]`` (a figure that is not defined is said so, never NaN)."""
    value = float(value)
    if math.isfinite(value):
        entry[key] = round(value, 3)
        return
    entry[key] = None
    entry.setdefault("undefined", {})[key] = reason


def _score_lpe(entry: dict[str, Any], lpe: LaunchPointEstimate | None, flight: Flight) -> None:
    """Write the LPE figures of ``entry`` (nothing without an LPE): ``lpe_error_km``
    (geodesic distance to the true launch point), ``lpe_time_error_s`` and
    ``lpe_semi_major_95_km``, each rounded to 3 decimals (``None``, with the reason under
    ``undefined``, where the estimate is not finite: a degenerate fit)."""
    if lpe is None:
        return
    why = "the launch-point fit is degenerate (its estimate is not finite)"
    if not (math.isfinite(lpe.lat_deg) and math.isfinite(lpe.lon_deg)):
        for key in ("lpe_error_km", "lpe_time_error_s", "lpe_semi_major_95_km"):
            _put(entry, key, math.nan, why)
        return
    d, _ = geodesic_inverse(lpe.lat_deg, lpe.lon_deg, flight.trajectory.launch_lat_deg,
                            flight.trajectory.launch_lon_deg)
    _put(entry, "lpe_error_km", float(d) / 1e3, why)
    _put(entry, "lpe_time_error_s", lpe.launch_s - flight.launch_s, why)
    _put(entry, "lpe_semi_major_95_km", lpe.ellipse(0.95)[0] / 1e3,
         "the launch-point covariance is not finite")
    entry["lpe_inside_95"] = lpe_holds(lpe, flight.trajectory.launch_lat_deg,
                                       flight.trajectory.launch_lon_deg)


def lpe_holds(lpe: LaunchPointEstimate, lat_deg: float, lon_deg: float,
              probability: float = 0.95) -> bool | None:
    """Whether the point (``lat_deg``, ``lon_deg``; geodetic WGS-84), e.g. the true launch
    point, lies inside the ellipse of ``lpe`` that holds the launch point with
    ``probability``: its squared Mahalanobis distance in the local east-north plane
    (``lpe.cov_en_m2`` [m²], offset from the geodesic distance and azimuth of
    :func:`gsomia.physics.geodesy.geodesic_inverse`) is at most the χ² quantile of 2 degrees
    of freedom, -2 ln(1 - probability) (5.991 at 95 %; the ellipse of
    :meth:`~gsomia.warning.tracking.launch.LaunchPointEstimate.ellipse`). ``None`` where the
    estimate or its covariance is not finite, or the covariance is singular. An LPE
    consistent with its covariance misses the truth at 95 % for about 1 launch in 20; more
    often means the covariance is too small.

    Raises:
        InputError: probability outside (0, 1).
    """
    if not (isinstance(probability, float | int) and 0.0 < probability < 1.0):
        raise InputError("probability", probability, "must be in (0, 1)")
    cov = np.asarray(lpe.cov_en_m2, float)
    if not (np.all(np.isfinite(cov)) and math.isfinite(lpe.lat_deg)
            and math.isfinite(lpe.lon_deg)):
        return None
    d, az = geodesic_inverse(lpe.lat_deg, lpe.lon_deg, lat_deg, lon_deg)
    if float(d) == 0.0:
        return True
    a = math.radians(float(az))
    en = float(d) * np.array([math.sin(a), math.cos(a)])
    try:
        m2 = float(en @ np.linalg.solve(cov, en))
    except np.linalg.LinAlgError:
        return None
    return bool(m2 <= -2.0 * math.log(1.0 - probability))


def _pip_read_state(tracks: Sequence[Track], t_read: float,
                    max_age_s: float) -> TrackState | None:
    """The state whose PIP is read at ``t_read`` [s since the epoch]: the freshest updated
    (:func:`_posteriors`)
    state, at most ``max_age_s`` old, of the launch's confirmed tracks alive at ``t_read``
    (a deleted track or a long extrapolation holds no PIP: :class:`EvaluationConfig`);
    ``None`` where there is none."""
    latest = [s for tr in tracks if (tr.deleted_s is None or tr.deleted_s > t_read)
              for s in _posteriors(tr)
              if tr.confirmed_s <= s.t_s <= t_read and t_read - s.t_s <= max_age_s]
    return max(latest, key=lambda s: s.t_s) if latest else None


def _posteriors(track: Track) -> list[TrackState]:
    """The track's estimate at each time it was updated, after every update at that time:
    scans of several sensors at one time are processed one after another, and only the
    last state holds all the detections of that time (the filtering estimate
    p(x_t | Z_1..t); the states between are partial)."""
    out: list[TrackState] = []
    for s in track.history:
        if not s.updated:
            continue
        if out and out[-1].t_s == s.t_s:
            out[-1] = s
        else:
            out.append(s)
    return out


def _states_along(tracks: Sequence[Track], interval_s: float) -> list[TrackState]:
    """Updated states of the confirmed part of the tracks (each one a live track's estimate
    after the detections of one time, :func:`_posteriors`), at least ``interval_s`` apart
    along each track, in time order."""
    states = []
    for tr in tracks:
        last = -math.inf
        for s in _posteriors(tr):
            if s.t_s >= tr.confirmed_s and s.t_s - last >= interval_s - 1e-9:
                states.append(s)
                last = s.t_s
    states.sort(key=lambda s: s.t_s)
    return states


def _score_pip_reads(reads: Sequence[tuple[TrackState, Flight, dict[str, Any]]],
                     earth: Earth, zones: MaritimeZones | None) -> None:
    """Write ``pip_error_km_60s_after_burnout`` (distance of the read state's PIP to the
    true impact point [km]) of each entry, all PIPs in one batch; with ``zones`` and a
    valid PIP also ``areas_at_risk`` (:func:`gsomia.warning.areas.areas_at_risk`,
    probabilities rounded to 3 decimals)."""
    if not reads:
        return
    pips, errs = _pip_errors([(s, f) for s, f, _ in reads], earth)
    for (_, _, entry), pip, e in zip(reads, pips, errs, strict=True):
        _put(entry, "pip_error_km_60s_after_burnout", e / 1e3,
             "the PIP of the read state is not finite")
        if zones is not None and pip.valid:
            entry["areas_at_risk"] = [
                {**a, "probability": round(a["probability"], 3)}
                for a in areas_at_risk(pip, zones)]


def _score_first_pip_within(along: Sequence[tuple[list[TrackState], Flight, dict[str, Any]]],
                            earth: Earth, near_m: float) -> None:
    """Write ``first_pip_within_50km_s`` (seconds after launch) of each entry: the time of
    the first state along its launch's tracks whose PIP lies within ``near_m`` [m] of the
    true impact point. Every launch's next ``_PIP_BATCH`` PIPs go in one batch per round,
    until each launch has one near enough or none is left."""
    for i in itertools.count(0, _PIP_BATCH):
        todo = [(states[i:i + _PIP_BATCH], f, entry) for states, f, entry in along
                if entry["first_pip_within_50km_s"] is None and i < len(states)]
        if not todo:
            break
        _, errs = _pip_errors([(s, f) for batch, f, _ in todo for s in batch], earth)
        k = 0
        for batch, f, entry in todo:
            near = [s.t_s for s, e in zip(batch, errs[k:k + len(batch)], strict=True)
                    if e <= near_m]
            k += len(batch)
            if near:
                entry["first_pip_within_50km_s"] = round(near[0] - f.launch_s, 3)

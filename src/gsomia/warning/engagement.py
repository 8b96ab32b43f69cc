"""Engagement analysis: firing solutions, engagement windows, shot opportunities and salvo
schedules, from a party's track estimates (analysis from public figures; no fire control).

Model (every choice documented; figures from :mod:`gsomia.warning.interceptors`):

- **Predicted path.** A track estimate ``(t, x, P)`` (ECEF, :class:`~gsomia.warning.fusion.
  FusedTrack`) is flown ballistically by the project's propagator
  (:func:`gsomia.physics.propagate.propagate`, RK4, vacuum) from ``t`` on a grid of
  ``step_s`` until it comes down; all estimates of a run are flown as one batch
  (:func:`predict_paths`). The position covariance along the path is the estimate's
  covariance carried by the free-flight transition ``Φ(τ) = [[I, τI], [0, I]]`` (position
  error grows with the velocity error times the time flown; the gravity-gradient terms are
  left out — a documented linearisation, a few per cent of the growth over the minutes of a
  flight). Its 95 % radius is ``sqrt(χ²₃(0.95) λ_max)`` (the semi-major axis of the 95 %
  ellipsoid, χ²₃(0.95) = 7.8147).
- **Envelope and flyout.** An interceptor flies at its average speed ``v`` on a straight
  line from its fire unit, so a point of the path at time ``τ``, slant range ``d`` and
  altitude ``h`` is reachable by a launch at ``L`` when ``L + d / v ≤ τ``, ``min_alt ≤ h ≤
  max_alt`` and ``min_range ≤ d ≤ max_range``: its latest launch time is ``τ − d / v``
  (:func:`latest_launch`). A point counts for a firing solution only when the track's 95 %
  radius there is below the interceptor's acquisition basket (the track-quality
  requirement; the basket figures are ASSUMPTIONS in the data file).
- **Firing solution.** An estimate at ``t`` gives one when some counted point's latest
  launch is at or after ``t + reaction_s``. The first such ``t`` is the first firing
  solution; the first launch is ``t + reaction_s``; the last launch is the latest launch
  time of a counted point over every estimate with a solution. The window is last − first.
- **Shots** (shoot-look-shoot): the first at the first launch; each next one after the
  previous shot's intercept (the earliest ``τ`` with ``τ − d(τ)/v ≥ L``, linearly
  interpolated, :func:`intercept_time`, on the path of the latest estimate known
  ``reaction_s`` before that launch) plus ``assessment_s``; counted while within the window.
- **Salvo** (:func:`schedule_salvo`): N threats, each with its windows per fire unit. A
  fire unit holds one engagement for ``reaction_s`` (launches of one unit at least that far
  apart) and has ``magazine`` rounds. Earliest-deadline-first: threats by their latest
  last-launch time, each given the fire unit that can launch at it earliest; a second round
  the same way for a second shot after the first shot's intercept plus assessment.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gsomia.physics.earth import WGS84, Earth
from gsomia.physics.geodesy import height_above_ellipsoid_fast
from gsomia.physics.propagate import propagate
from gsomia.warning.interceptors import FireUnit

__all__ = ["CHI2_3_95", "Engagement", "Paths", "SalvoResult", "ThreatWindows",
           "engagement", "intercept_time", "latest_launch", "predict_paths",
           "schedule_salvo"]

CHI2_3_95 = 7.814727903251178
"""χ² quantile of 3 degrees of freedom at 0.95 (the 95 % ellipsoid of a 3-D position)."""


@dataclass(frozen=True, slots=True)
class Paths:
    """Predicted paths of a batch of estimates.

    Attributes:
        t0_s: ``(N,)`` estimate times [s]; tau_s: ``(K,)`` time flown from the estimate [s].
        r_m: ``(N, K, 3)`` ECEF positions; alt_m: ``(N, K)`` heights (radial, above the
            ellipsoid, :func:`gsomia.physics.geodesy.height_above_ellipsoid_fast`);
            up_m: ``(N, K)`` whether still in flight (NaN-free: rows after the fall are
            False); u95_m: ``(N, K)`` 95 % position radius [m].
    """

    t0_s: np.ndarray
    tau_s: np.ndarray
    r_m: np.ndarray
    alt_m: np.ndarray
    up: np.ndarray
    u95_m: np.ndarray


def predict_paths(t_s: np.ndarray, x: np.ndarray, P: np.ndarray, *, step_s: float = 2.0,
                  max_time_s: float = 3600.0, earth: Earth = WGS84) -> Paths:
    """Fly every estimate ``(t_s[i], x[i], P[i])`` (``(N,)``, ``(N, 6)``, ``(N, 6, 6)``,
    ECEF [m, m/s]) to the ground on a grid of ``step_s`` (module notes), in one batch."""
    y = np.asarray(x, dtype=float).reshape(-1, 6).copy()
    n = y.shape[0]
    rs, alts = [y[:, :3].copy()], [height_above_ellipsoid_fast(y[:, :3], earth)]
    up = [alts[0] > -1.0]
    k = 0
    while np.any(up[-1]) and (k + 1) * step_s <= max_time_s:
        y = propagate(y, step_s, earth, step_s=step_s)
        h = height_above_ellipsoid_fast(y[:, :3], earth)
        rs.append(y[:, :3].copy())
        alts.append(h)
        up.append(up[-1] & (h > 0.0))
        k += 1
    tau = np.arange(len(rs)) * step_s
    Pp = np.asarray(P, dtype=float).reshape(n, 6, 6)
    Prr, Prv, Pvv = Pp[:, :3, :3], Pp[:, :3, 3:], Pp[:, 3:, 3:]
    cov = (Prr[:, None] + tau[None, :, None, None] * (Prv + np.swapaxes(Prv, 1, 2))[:, None]
           + tau[None, :, None, None] ** 2 * Pvv[:, None])
    lam = np.linalg.eigvalsh(0.5 * (cov + np.swapaxes(cov, 2, 3)))[..., -1]
    return Paths(np.asarray(t_s, dtype=float).reshape(n), tau, np.stack(rs, axis=1),
                 np.stack(alts, axis=1), np.stack(up, axis=1),
                 np.sqrt(CHI2_3_95 * np.maximum(lam, 0.0)))


def latest_launch(times_s: np.ndarray, r_m: np.ndarray, alt_m: np.ndarray,
                  unit: FireUnit) -> np.ndarray:
    """The latest launch time [s] from ``unit`` that reaches each path point (``times_s``
    ``(K,)``, ECEF ``r_m`` ``(K, 3)``, heights ``alt_m`` ``(K,)``): ``τ − d / v``, or
    ``-inf`` where the point is outside the altitude or range limits (module notes)."""
    i = unit.interceptor
    d = np.linalg.norm(r_m - unit.r_ecef_m, axis=-1)
    ok = (alt_m >= i.min_alt_m) & (alt_m <= i.max_alt_m) & (d >= i.min_range_m) & \
        (d <= i.max_range_m)
    return np.where(ok, times_s - d / i.speed_m_s, -np.inf)


def intercept_time(times_s: np.ndarray, latest_s: np.ndarray, launch_s: float
                   ) -> float | None:
    """The earliest intercept time [s] of a launch at ``launch_s``: the first ``τ`` with
    ``latest(τ) ≥ launch_s``, linearly interpolated between the path's points (exact for
    the first crossing when ``latest`` is linear between them); ``None`` when none."""
    ok = latest_s >= launch_s
    if not np.any(ok):
        return None
    j = int(np.argmax(ok))
    if j == 0 or not np.isfinite(latest_s[j - 1]):
        return float(times_s[j])
    a, b = latest_s[j - 1], latest_s[j]
    f = (launch_s - a) / (b - a)
    return float(times_s[j - 1] + f * (times_s[j] - times_s[j - 1]))


@dataclass(frozen=True, slots=True)
class Engagement:
    """One fire unit's engagement of one threat from a sequence of estimates.

    Attributes:
        fire_unit: its id; first_solution_s: time of the first firing solution [s];
        first_launch_s, last_launch_s: the window's ends [s]; window_s: their difference;
        shots: shoot-look-shoot opportunities; shot_times_s and intercepts_s: each shot's
        launch and intercept time [s]; times_s, latest_s: the path (of the last estimate
        with a solution) and its latest launch times, for :func:`intercept_time`.
    """

    fire_unit: str
    first_solution_s: float
    first_launch_s: float
    last_launch_s: float
    window_s: float
    shots: int
    shot_times_s: tuple[float, ...]
    intercepts_s: tuple[float, ...]
    times_s: np.ndarray
    latest_s: np.ndarray


def _shots(unit: FireUnit, first: float, last: float,
           per_estimate: list[tuple[float, np.ndarray, np.ndarray]]
           ) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Shoot-look-shoot launches and intercepts in ``[first, last]`` (module notes)."""
    i = unit.interceptor
    launches: list[float] = []
    hits: list[float] = []
    launch = first
    while launch <= last + 1e-9 and len(launches) < 1000:
        known = [e for e in per_estimate if e[0] + i.reaction_s <= launch + 1e-9]
        t0, times, latest = known[-1]
        hit = intercept_time(times, latest, launch)
        if hit is None:
            break
        launches.append(launch)
        hits.append(hit)
        launch = hit + i.assessment_s
    return tuple(launches), tuple(hits)


def engagement(rows: list[tuple[Paths, int]], unit: FireUnit) -> Engagement | None:
    """``unit``'s engagement from the estimates ``rows`` (each a batch of
    :func:`predict_paths` and a row of it; in time order: the estimates of one threat in
    a party's picture over time), or ``None`` when no estimate gives a firing solution
    (module notes)."""
    i = unit.interceptor
    first: float | None = None
    last = -math.inf
    per_estimate: list[tuple[float, np.ndarray, np.ndarray]] = []
    for paths, row in rows:
        t0 = float(paths.t0_s[row])
        times = t0 + paths.tau_s
        good = paths.up[row] & (paths.u95_m[row] <= i.basket_m) & (paths.tau_s > 0)
        latest = latest_launch(times, paths.r_m[row], paths.alt_m[row], unit)
        latest = np.where(good, latest, -np.inf)
        best = float(latest.max()) if latest.size else -math.inf
        if best < t0 + i.reaction_s:
            continue
        if first is None:
            first = t0
        last = max(last, best)
        per_estimate.append((t0, times, latest))
    if first is None:
        return None
    start = first + i.reaction_s
    launches, hits = _shots(unit, start, last, per_estimate)
    _, times, latest = per_estimate[-1]
    return Engagement(unit.id, first, start, last, last - start, len(launches), launches,
                      hits, times, latest)


@dataclass(frozen=True, slots=True)
class ThreatWindows:
    """One threat's engagements by its defender's fire units (``threat``: its id)."""

    threat: str
    by_unit: dict[str, Engagement]


@dataclass(frozen=True, slots=True)
class SalvoResult:
    """A salvo schedule: ``once`` and ``twice``: threats engaged at least once / twice;
    ``shots``: threat → ``(fire unit, launch time [s])`` of each shot; ``rounds_used``:
    fire unit → rounds fired."""

    once: int
    twice: int
    shots: dict[str, list[tuple[str, float]]]
    rounds_used: dict[str, int]


def _assign(order: list[ThreatWindows], units: dict[str, FireUnit], free: dict[str, float],
            left: dict[str, int], not_before: dict[str, float]
            ) -> dict[str, tuple[str, float, float]]:
    """One round of the earliest-deadline-first schedule: threat → (unit, launch, hit)."""
    got: dict[str, tuple[str, float, float]] = {}
    for tw in order:
        if tw.threat not in not_before:
            continue
        best: tuple[float, str, float] | None = None
        for uid, e in tw.by_unit.items():
            if left[uid] <= 0:
                continue
            launch = max(e.first_launch_s, free[uid], not_before[tw.threat])
            if launch > e.last_launch_s:
                continue
            hit = intercept_time(e.times_s, e.latest_s, launch)
            if hit is not None and (best is None or launch < best[0]):
                best = (launch, uid, hit)
        if best is not None:
            launch, uid, hit = best
            free[uid] = launch + units[uid].interceptor.reaction_s
            left[uid] -= 1
            got[tw.threat] = (uid, launch, hit)
    return got


def schedule_salvo(threats: list[ThreatWindows], units: dict[str, FireUnit]) -> SalvoResult:
    """Schedule one or two shots at each of ``threats`` with ``units`` (fire-unit id → unit;
    their magazines and reaction times), earliest deadline first (module notes)."""
    order = sorted(threats, key=lambda tw: (max((e.last_launch_s for e in tw.by_unit.values()),
                                                default=-math.inf), tw.threat))
    free = {u: -math.inf for u in units}
    left = {u: units[u].magazine for u in units}
    first = _assign(order, units, free, left, {tw.threat: -math.inf for tw in order})
    again = {tid: hit + units[uid].interceptor.assessment_s
             for tid, (uid, _, hit) in first.items()}
    second = _assign(order, units, free, left, again)
    shots = {tw.threat: [(first[tw.threat][0], first[tw.threat][1])] if tw.threat in first
             else [] for tw in threats}
    for tid, (uid, launch, _) in second.items():
        shots[tid].append((uid, launch))
    used = {u: units[u].magazine - left[u] for u in units}
    return SalvoResult(len(first), len(second), shots, used)

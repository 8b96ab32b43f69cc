"""Failed flights: the thrust stops early, or the missile comes apart into pieces.

Model
-----
*When*: a failure happens ``t_s`` seconds after launch. Range and apogee alone cannot tell
when a missile failed: a flight cut earlier with more Δv, or later with less, can fly both
(one unknown more than the figures). So:

- with the missile's total ideal Δv known (``dv_m_s``: e.g. that of its successful flights
  of the same type), the failure time is *fitted*: :func:`fit_failed_flight` solves for the
  time within the failing stage, the final pitch and the azimuth so that the failed flight
  has the reported range, bearing and apogee (Δv held);
- without it, the time is the middle of the failing stage (:func:`failure_time_s`; the last
  stage unless ``stage`` is given), an assumption, and the flight is then fitted to the
  reported figures with Δv free.

*The flight*: :func:`gsomia.physics.ballistics.fit_trajectory` with ``thrust_cut_s``: the
class's tilt program, powered until the failure, free from then on; Δv, final pitch and
azimuth are fitted so that the *failed* flight has the reported range, bearing and apogee
(the public record reports the flight as flown). The missile (or, after a breakup or
explosion, its largest piece, taken to keep the body's velocity) is the launch's own
trajectory.

*Pieces* (``breakup``, ``explosion``): ``pieces − 1`` further objects leave the body's
position at the failure time with its velocity plus an isotropic kick of log-normal speed,
then fly free (J2 gravity, rotating frame, no drag: :func:`gsomia.physics.propagate.
derivatives`) to the ellipsoid. Kick speeds: an explosion's fragments after the NASA
Standard Breakup Model (N. L. Johnson, P. H. Krisko, J.-C. Liou, P. D. Anz-Meador, "NASA's
new breakup model of EVOLVE 4.0", *Adv. Space Res.* 28(9), 2001, eq. for explosions:
log10 Δv normal with mean 0.2 χ + 1.85 and σ 0.4, χ = log10(A/m)) at χ = −1 (A/m =
0.1 m²/kg, a thin shell fragment): median 45 m/s; a structural breakup (no energetic event)
ASSUMED ten times slower (median 4.5 m/s, same spread): the pieces separate at the speeds
of springs and venting gas, not of a blast.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.integrate import solve_ivp
from scipy.optimize import least_squares

from gsomia.errors import InputError, PhysicsError
from gsomia.physics.ballistics import Controls, fly, kepler_burnout_state
from gsomia.physics.earth import WGS84, Earth
from gsomia.physics.geodesy import (
    ecef2enu,
    ecef2geodetic,
    geodesic_direct,
    geodesic_inverse,
    geodetic2ecef,
    height_above_ellipsoid_fast,
)
from gsomia.physics.propagate import derivatives
from gsomia.physics.propulsion import PropulsionClass, resolve_propulsion
from gsomia.physics.trajectory import Trajectory

__all__ = [
    "FAILURE_KINDS",
    "KICK_LOG10_MEDIAN_MPS",
    "KICK_LOG10_SIGMA",
    "Failure",
    "failing_stage_s",
    "failure_time_s",
    "fit_failed_flight",
    "piece_trajectories",
]

FAILURE_KINDS = ("thrust-cut", "breakup", "explosion")
"""The kinds of failure (module notes)."""

KICK_LOG10_MEDIAN_MPS = {"breakup": 0.65, "explosion": 1.65}
"""log10 of the median kick speed [m/s] of the pieces (module notes: NASA SBM explosion at
χ = −1; a breakup assumed ten times slower)."""

KICK_LOG10_SIGMA = 0.4
"""Spread of log10 of the kick speed (NASA SBM, explosions)."""

_SAMPLE_S = 1.0
_ATOL_M = 1e-3


@dataclass(frozen=True, slots=True)
class Failure:
    """How and when one missile fails (module notes).

    Attributes:
        kind: one of :data:`FAILURE_KINDS`.
        pieces: objects after the failure (1 for a thrust cut that leaves the missile
            whole; at least 2 for a breakup or an explosion).
        t_s: failure time [s after launch], or ``None``: :func:`failure_time_s`.
        stage: the failing stage (from 1) when ``t_s`` is not given, or ``None``: the last.
        source: where the facts come from (free text).
        dv_m_s: the missile's total ideal Δv [m/s] when known (module notes: the failure
            time is then fitted within the stage), or ``None``.

    Raises:
        InputError: an unknown kind, a piece count below its kind's minimum, a time that is
            not positive and finite, or both ``t_s`` and ``stage``.
    """

    kind: str = "thrust-cut"
    pieces: int = 1
    t_s: float | None = None
    stage: int | None = None
    source: str = ""
    dv_m_s: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in FAILURE_KINDS:
            raise InputError("failure.kind", self.kind,
                             f"expected one of {', '.join(FAILURE_KINDS)}")
        least = 1 if self.kind == "thrust-cut" else 2
        if isinstance(self.pieces, bool) or not isinstance(self.pieces, int) \
                or self.pieces < least:
            raise InputError("failure.pieces", self.pieces, f"a {self.kind} makes at least "
                             f"{least} piece(s)")
        if self.t_s is not None and not (math.isfinite(self.t_s) and self.t_s > 0.0):
            raise InputError("failure.t_s", self.t_s, "must be a finite time > 0 s")
        if self.t_s is not None and self.stage is not None:
            raise InputError("failure.stage", self.stage, "give t_s or stage, not both")
        if self.stage is not None and self.stage < 1:
            raise InputError("failure.stage", self.stage, "stages count from 1")
        if self.dv_m_s is not None and not (math.isfinite(self.dv_m_s) and self.dv_m_s > 0):
            raise InputError("failure.dv_m_s", self.dv_m_s, "must be a finite Δv > 0 m/s")
        if self.dv_m_s is not None and self.t_s is not None:
            raise InputError("failure.dv_m_s", self.dv_m_s,
                             "give t_s or dv_m_s (the time is then fitted), not both")


    @property
    def timing(self) -> str:
        """How the failure time is chosen, in words (module notes, *When*)."""
        if self.t_s is not None:
            return "time given"
        if self.dv_m_s is not None:
            return f"time fitted, Δv {self.dv_m_s:.0f} m/s"
        return "time assumed: middle of the stage, no Δv known"


def failing_stage_s(failure: Failure, prop: PropulsionClass) -> tuple[float, float]:
    """Start and end of the failing stage of ``prop`` [s after launch] (``failure.stage``,
    default the last).

    Raises:
        InputError: a stage the class does not have.
    """
    stage = len(prop.stages) if failure.stage is None else failure.stage
    if stage > len(prop.stages):
        raise InputError("failure.stage", stage,
                         f"the {prop.name} class has {len(prop.stages)} stage(s)")
    start = sum(s.burn_s for s in prop.stages[:stage - 1])
    return start, start + prop.stages[stage - 1].burn_s


def failure_time_s(failure: Failure, prop: PropulsionClass) -> float:
    """The failure time [s after launch] when it is not fitted: ``failure.t_s`` if given,
    else the middle of the failing stage of ``prop`` (:func:`failing_stage_s`).

    Raises:
        InputError: a stage the class does not have, or a ``t_s`` at or after the class's
            burnout (``prop.burn_s``): the model fails a missile while it burns (the
            flight is cut there and the pieces leave from there), so a later time would
            silently become the burnout.
    """
    if failure.t_s is not None:
        if not failure.t_s < prop.burn_s:
            raise InputError("failure.t_s", failure.t_s,
                             f"at or after the {prop.name} class's burnout at "
                             f"{prop.burn_s:g} s: a failure happens while the missile "
                             "burns (give an earlier t_s, or a stage)")
        return float(failure.t_s)
    start, end = failing_stage_s(failure, prop)
    return 0.5 * (start + end)


def fit_failed_flight(lat_deg: float, lon_deg: float, bearing_deg: float, range_m: float,
                      apogee_m: float, propulsion: str | PropulsionClass, failure: Failure,
                      alt_m: float = 0.0, tolerance: float = 1e-3,
                      earth: Earth = WGS84) -> Trajectory:
    """The failed flight whose failure time is fitted (module notes, *When*): the Δv is
    ``failure.dv_m_s``; the failure time (within the failing stage, :func:`failing_stage_s`),
    the final pitch of the class's tilt program and the azimuth are solved for so that the
    flight, powered until the failure and free after it (:func:`gsomia.physics.ballistics.
    fly`), lands at ``range_m`` along ``bearing_deg`` with apogee ``apogee_m``. Residuals as
    :func:`gsomia.physics.ballistics.fit_trajectory`'s (miss over the range, apogee error
    over ``max(apogee, range/10)``); trust-region reflective least squares with the time
    bounded to the stage.

    Returns:
        the flight (its ``burnout_s`` is the fitted failure time).

    Raises:
        InputError: ``failure.dv_m_s`` not given, or a stage the class does not have.
        PhysicsError: no failure time within the stage flies the figures within
            ``tolerance`` (relative; e.g. a Δv too small for them).
    """
    prop = resolve_propulsion(propulsion)
    if failure.dv_m_s is None:
        raise InputError("failure.dv_m_s", None, "the missile's Δv is needed to fit the time")
    dv = float(failure.dv_m_s)
    start, end = failing_stage_s(failure, prop)
    lat_t, lon_t = (float(v) for v in geodesic_direct(lat_deg, lon_deg, range_m, bearing_deg,
                                                      earth))

    def flight(x: np.ndarray, rtol: float) -> Trajectory:
        c = Controls(dv, float(np.clip(x[1], -45.0, 90.0)), float(x[2]))
        return fly(lat_deg, lon_deg, c, prop, alt_m, earth, rtol=rtol, thrust_cut_s=float(x[0]))

    def residuals(x: np.ndarray, rtol: float = 1e-7) -> np.ndarray:
        try:
            tr = flight(x, rtol)
        except PhysicsError:
            return np.full(3, 10.0)
        miss = ecef2enu(geodetic2ecef(tr.impact_lat_deg, tr.impact_lon_deg, 0.0, earth),
                        lat_t, lon_t, 0.0, earth)[:2]
        return np.array([miss[0] / range_m, miss[1] / range_m,
                         (tr.apogee_m - apogee_m) / max(apogee_m, 0.1 * range_m)])

    gamma = math.degrees(kepler_burnout_state(range_m, apogee_m, earth)[1])
    lo, hi = start + min(1.0, 0.01 * (end - start)), end
    sol = least_squares(residuals, np.array([0.5 * (start + end), gamma, bearing_deg]),
                        bounds=([lo, -45.0, -720.0], [hi, 90.0, 720.0]),
                        x_scale=np.array([10.0, 5.0, 1.0]), diff_step=np.array([1e-3, 1e-3,
                                                                                  1e-4]),
                        xtol=1e-10, ftol=1e-12, gtol=1e-12, max_nfev=120)
    none = (f"no failure of the {prop.name} class with Δv {dv:.0f} m/s between "
            f"{start:.0f} and {end:.0f} s flies range {range_m / 1e3:.1f} km and apogee "
            f"{apogee_m / 1e3:.1f} km")
    try:
        tr = flight(sol.x, 1e-9)
    except PhysicsError as exc:
        raise PhysicsError(f"{none} ({exc})") from None
    res = residuals(sol.x, 1e-9)
    if (abs(tr.range_m - range_m) > tolerance * range_m
            or abs(tr.apogee_m - apogee_m) > tolerance * apogee_m
            or math.hypot(res[0], res[1]) > tolerance):
        raise PhysicsError(f"{none}: best t {sol.x[0]:.1f} s, range {tr.range_m / 1e3:.1f} "
                           f"km, apogee {tr.apogee_m / 1e3:.1f} km")
    return tr


def piece_trajectories(trajectory: Trajectory, failure: Failure, rng: np.random.Generator,
                       earth: Earth = WGS84, max_time_s: float = 10_000.0
                       ) -> list[Trajectory]:
    """The ``pieces − 1`` other objects of a breakup or explosion (module notes, *Pieces*).

    Each piece exists from the failure (``trajectory.burnout_s``): its own clock starts
    there (``t_s[0] = 0`` at the failure, ``burnout_s = 0``), from the body's state plus
    its kick, free to the ellipsoid; ``range_m`` is counted from the launch point.

    Args:
        trajectory: the failed flight (its ``burnout_s`` is the failure time).
        failure: the failure; a thrust cut gives no other piece.
        rng: the source of the kicks (three normal and one normal draw per piece).

    Returns:
        one :class:`Trajectory` per further piece, in order.

    Raises:
        PhysicsError: a piece does not come down within ``max_time_s``.
    """
    n = failure.pieces - 1
    if failure.kind == "thrust-cut" or n <= 0:
        return []
    t_f = trajectory.burnout_s
    y_f = np.concatenate((trajectory.position_at(t_f), trajectory.velocity_at(t_f)))
    direction = rng.standard_normal((n, 3))
    direction /= np.linalg.norm(direction, axis=1)[:, None]
    speed = 10.0 ** (KICK_LOG10_MEDIAN_MPS[failure.kind]
                     + KICK_LOG10_SIGMA * rng.standard_normal(n))
    out = []
    for k in range(n):
        y0 = y_f.copy()
        y0[3:] += speed[k] * direction[k]
        t, y = _free_flight(y0, t_f, earth, max_time_s)
        t_all, r_all, v_all = t - t_f, y[:, :3], y[:, 3:]
        lat, lon, alt = ecef2geodetic(r_all, earth)
        top = int(np.argmax(alt))
        lat_i, lon_i = float(lat[-1]), float(lon[-1])
        rng_m, _ = geodesic_inverse(trajectory.launch_lat_deg, trajectory.launch_lon_deg,
                                    lat_i, lon_i, earth)
        out.append(Trajectory(
            t_s=t_all, r_ecef_m=r_all, v_ecef_m_s=v_all, burnout_s=0.0,
            launch_lat_deg=trajectory.launch_lat_deg, launch_lon_deg=trajectory.launch_lon_deg,
            launch_alt_m=trajectory.launch_alt_m, impact_lat_deg=lat_i, impact_lon_deg=lon_i,
            range_m=float(rng_m), apogee_m=float(alt[top]), apogee_s=float(t_all[top]),
            propulsion=trajectory.propulsion))
    return out


def _free_flight(y0: np.ndarray, t0: float, earth: Earth,
                 max_time_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Free flight from ``y0`` (ECEF ``(6,)``) at ``t0`` to the ellipsoid: samples at ``t0``,
    every second after it, and the impact; ``(t (N,), y (N, 6))``."""
    def ground(t, y):
        return height_above_ellipsoid_fast(y[:3], earth)

    ground.terminal = True
    ground.direction = -1
    sol = solve_ivp(lambda t, y: derivatives(y, earth), (t0, max_time_s), y0,
                    method="DOP853", rtol=1e-9, atol=_ATOL_M, dense_output=True,
                    events=ground)
    if sol.status != 1:
        raise PhysicsError(f"a piece does not come down within {max_time_s:.0f} s")
    t_imp = float(sol.t_events[0][0])
    grid = np.arange(math.floor(t0 / _SAMPLE_S) * _SAMPLE_S + _SAMPLE_S, t_imp, _SAMPLE_S)
    t = np.concatenate(([t0], grid[grid > t0 + 1e-9], [t_imp]))
    y = sol.sol(t).T
    y[-1] = sol.y_events[0][0]
    return t, y

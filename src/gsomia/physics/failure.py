"""Failed flights: the thrust stops early, or the missile comes apart into pieces.

Model
-----
*When*: a failure happens ``t_s`` seconds after launch. Where a scenario does not give the
time, it is the middle of the failing stage (:func:`failure_time_s`; the last stage unless
``stage`` is given). Range and apogee alone cannot tell when a missile failed: a flight cut
earlier with more Δv, or later with less, can fly both (one unknown more than the
figures), so the time is an assumption and the flight is then fitted to the reported figures.

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

from gsomia.errors import InputError, PhysicsError
from gsomia.physics.earth import WGS84, Earth
from gsomia.physics.geodesy import ecef2geodetic, geodesic_inverse, height_above_ellipsoid_fast
from gsomia.physics.propagate import derivatives
from gsomia.physics.propulsion import PropulsionClass
from gsomia.physics.trajectory import Trajectory

__all__ = [
    "FAILURE_KINDS",
    "KICK_LOG10_MEDIAN_MPS",
    "KICK_LOG10_SIGMA",
    "Failure",
    "failure_time_s",
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

    Raises:
        InputError: an unknown kind, a piece count below its kind's minimum, a time that is
            not positive and finite, or both ``t_s`` and ``stage``.
    """

    kind: str = "thrust-cut"
    pieces: int = 1
    t_s: float | None = None
    stage: int | None = None
    source: str = ""

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


def failure_time_s(failure: Failure, prop: PropulsionClass) -> float:
    """The failure time [s after launch]: ``failure.t_s`` if given, else the middle of the
    failing stage of ``prop`` (``failure.stage``, default the last).

    Raises:
        InputError: a stage the class does not have.
    """
    if failure.t_s is not None:
        return float(failure.t_s)
    stage = len(prop.stages) if failure.stage is None else failure.stage
    if stage > len(prop.stages):
        raise InputError("failure.stage", stage,
                         f"the {prop.name} class has {len(prop.stages)} stage(s)")
    start = sum(s.burn_s for s in prop.stages[:stage - 1])
    return start + 0.5 * prop.stages[stage - 1].burn_s


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

"""Ballistic-missile flight: powered ascent, free flight and re-entry, and the fit of a
flight to the figures that governments publish (launch site, bearing, range, apogee).

Model
-----
*Powered flight* (Earth-fixed ECEF frame, the same rotating-frame gravity as free flight):
each stage burns for a fixed time ``T`` with constant thrust and a linear loss of mass, so
its thrust acceleration is

.. math::  a(t') = \\frac{\\zeta\\,v_e/T}{1-\\zeta\\,t'/T},\\qquad
           \\Delta v_\\text{ideal} = -v_e\\ln(1-\\zeta)

(Tsiolkovsky; Sutton & Biblarz, *Rocket Propulsion Elements*, 9th ed., §4.1), with ζ the
stage's propellant fraction (the classes and their thrust:
:mod:`gsomia.physics.propulsion`). The missile rises vertically (along the geodetic normal) for
``vertical_rise_s``, then follows a linear tilt program: the thrust's elevation above the
local horizontal falls linearly in time from 90° to a final pitch θ_f at burnout, in the
vertical plane of the launch azimuth (a standard open-loop pitch program; cf. Sutton &
Biblarz §4.6 on flight paths, and Zarchan, *Tactical and Strategic Missile Guidance*, 6th ed.,
ch. 13 on ballistic-missile boost). Unlike a pure gravity turn from a tiny kick, the impact
point depends smoothly on θ_f even for lofted flights.

*Free flight and re-entry*: :mod:`gsomia.physics.propagate` (J2 gravity, Coriolis and
centrifugal terms, optional drag with an exponential USSA-1976 atmosphere and a ballistic
coefficient), until the body meets the WGS-84 ellipsoid.

*Fit*: the class of propulsion fixes the stages (burn times, propellant fractions, split
of Δv between stages, vertical rise); a launch is then fitted by three controls — the
total ideal Δv, the final pitch θ_f and the launch azimuth — so that the
impact point lies at the reported range along the reported bearing and the apogee equals
the reported apogee. The flight time is an output: it is never an input, and checks the
physics against the public record.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.integrate import solve_ivp
from scipy.optimize import least_squares

from gsomia.errors import InputError, PhysicsError
from gsomia.physics.earth import WGS84, Earth
from gsomia.physics.fit_checks import check_fit_inputs, check_impact_point, check_reach
from gsomia.physics.fit_start import FitStarts, initial_guess, kepler_burnout_state
from gsomia.physics.geodesy import (
    ecef2enu,
    ecef2geodetic,
    enu_basis,
    geodesic_direct,
    geodesic_inverse,
    geodetic2ecef,
    height_above_ellipsoid_fast,
)
from gsomia.physics.propagate import derivatives, derivatives_one
from gsomia.physics.propulsion import (
    PROPULSION_CLASSES,
    PropulsionClass,
    Stage,
    propulsion_class_for,
    resolve_propulsion,
    thrust_acceleration,
)
from gsomia.physics.trajectory import Trajectory

__all__ = [
    "PROPULSION_CLASSES",
    "Controls",
    "FitStarts",
    "PropulsionClass",
    "Stage",
    "fit_trajectory",
    "fly",
    "kepler_burnout_state",
    "propulsion_class_for",
]


@dataclass(frozen=True)
class Controls:
    """The controls of one flight (what a fit solves for).

    Attributes:
        dv_ideal_m_s: total ideal velocity increment of all stages [m/s].
        final_pitch_deg: elevation of the thrust above the local horizontal at burnout
            [deg], in [−45, 90]; 90 is a vertical flight. Negative values (thrust below the
            local horizontal at the end of the program) give the depressed trajectories of
            short-range missiles, whose real programs pitch over early and hold.
        azimuth_deg: launch azimuth, clockwise from north [deg].
    """

    dv_ideal_m_s: float
    final_pitch_deg: float
    azimuth_deg: float


class _NoLiftOff(PhysicsError):
    """The thrust of the first stage at this Δv does not exceed the weight."""


_SAMPLE_S = 1.0
_ATOL_M = 1e-3
"""Absolute tolerance of the integrator [m, and m/s for velocities]."""

_Piece = tuple[Any, float, float]
"""One integrated phase of a flight: the ``solve_ivp`` result (with dense output), and the
phase's start and end [s after launch]."""


def fly(lat_deg: float, lon_deg: float, controls: Controls, propulsion: str | PropulsionClass,
        alt_m: float = 0.0, earth: Earth = WGS84,
        ballistic_coefficient_kg_m2: float | None = None, rtol: float = 1e-9,
        max_time_s: float = 10_000.0, thrust_cut_s: float | None = None) -> Trajectory:
    """Fly one missile from launch to impact.

    The steps: :func:`_check_controls`; :func:`_powered_flight` (vertical rise, then the
    tilt program stage by stage, to burnout); :func:`_free_flight` (burnout to impact);
    :func:`_sample_pieces` (every second plus the phase boundaries and the impact);
    :func:`_apogee` (refined on the dense output of free flight).

    Args:
        lat_deg, lon_deg, alt_m: launch point (geodetic, WGS-84).
        controls: Δv, final pitch and azimuth (see :class:`Controls`).
        propulsion: a class name of :data:`PROPULSION_CLASSES` or a :class:`PropulsionClass`.
        ballistic_coefficient_kg_m2: β of the re-entering body for drag in free flight
            (``None``: vacuum; powered flight is always drag-free in this model).
        rtol: relative tolerance of the integrator (DOP853), absolute 1e-3 m.
        thrust_cut_s: a failure that stops the thrust at this time [s after launch]
            (:mod:`gsomia.physics.failure`): the tilt program is the class's, and the flight
            is free from then on (``burnout_s`` is the cut); ``None`` or a time after the
            class's burnout: the full burn.

    Returns:
        the :class:`Trajectory`, sampled every second plus burnout and impact.

    Raises:
        InputError: an unknown propulsion class or impossible control.
        PhysicsError: the missile never leaves the ground or never comes down.
    """
    prop = resolve_propulsion(propulsion)
    _check_controls(controls)
    t_bo = prop.burn_s if thrust_cut_s is None else min(float(thrust_cut_s), prop.burn_s)
    if not t_bo > 0.0:
        raise InputError("thrust_cut_s", thrust_cut_s, "must be after the launch (> 0 s)")
    powered, y_bo = _powered_flight(lat_deg, lon_deg, alt_m, controls, prop, earth, rtol,
                                    t_bo)
    coast, t_imp, y_imp = _free_flight(y_bo, t_bo, controls.dv_ideal_m_s, earth,
                                       ballistic_coefficient_kg_m2, rtol, max_time_s)
    t_all, y_all = _sample_pieces([*powered, (coast, t_bo, t_imp)], t_imp, y_imp)
    apogee_s, apogee_m = _apogee(t_all, y_all, coast, t_bo, earth)
    lat_i, lon_i, _ = ecef2geodetic(y_imp[:3], earth)
    rng, _ = geodesic_inverse(lat_deg, lon_deg, float(lat_i), float(lon_i), earth)
    return Trajectory(
        t_s=t_all, r_ecef_m=y_all[:, :3], v_ecef_m_s=y_all[:, 3:], burnout_s=t_bo,
        launch_lat_deg=float(lat_deg), launch_lon_deg=float(lon_deg), launch_alt_m=alt_m,
        impact_lat_deg=float(lat_i), impact_lon_deg=float(lon_i), range_m=float(rng),
        apogee_m=apogee_m, apogee_s=apogee_s, propulsion=prop.name,
        dv_ideal_m_s=float(controls.dv_ideal_m_s),
    )


def _check_controls(controls: Controls) -> None:
    """Raise InputError for a Δv that is not finite and positive [m/s], or a final pitch
    outside [−45, 90] deg."""
    if not (controls.dv_ideal_m_s > 0 and math.isfinite(controls.dv_ideal_m_s)):
        raise InputError("dv_ideal_m_s", controls.dv_ideal_m_s, "must be positive")
    if not (-45.0 <= controls.final_pitch_deg <= 90.0):
        raise InputError("final_pitch_deg", controls.final_pitch_deg, "must be in [-45, 90]")


def _powered_flight(lat_deg: float, lon_deg: float, alt_m: float, controls: Controls,
                    prop: PropulsionClass, earth: Earth, rtol: float,
                    t_end_s: float | None = None) -> tuple[list[_Piece], np.ndarray]:
    """Integrate the boost from the pad (at rest in ECEF) to burnout (module notes, *Powered
    flight*): thrust along the launch point's geodetic normal for ``vertical_rise_s``, then
    the linear tilt program from 90° down to ``controls.final_pitch_deg`` at burnout, in the
    vertical plane of ``controls.azimuth_deg``; thrust from :func:`thrust_acceleration`,
    gravity and the rotating-frame terms from :func:`gsomia.physics.propagate.derivatives`,
    no drag. DOP853 with relative tolerance ``rtol`` and absolute 1e-3.

    The tilt phase is integrated stage by stage: the thrust jumps at each staging, which
    an adaptive step would otherwise have to find.

    Returns:
        ``(pieces, y_burnout)``: the phases (vertical rise first, then one per stage burning
        after it), each ``(solve_ivp result, t_from_s, t_to_s)``; and the ECEF state at
        burnout, shape ``(6,)`` [m, m/s].

    Raises:
        PhysicsError (``_NoLiftOff``): still on the ground at the end of the vertical rise.
    """
    t_end = prop.burn_s if t_end_s is None else t_end_s
    up = enu_basis(lat_deg, lon_deg)[2]
    dv = controls.dv_ideal_m_s
    sin_az = math.sin(math.radians(controls.azimuth_deg))
    cos_az = math.cos(math.radians(controls.azimuth_deg))
    r0 = geodetic2ecef(lat_deg, lon_deg, alt_m, earth)

    up = up.tolist()

    def rhs_vertical(t, y):
        d = derivatives_one(y, earth)
        a = thrust_acceleration(prop, dv, t)
        return [*d[:3], d[3] + a * up[0], d[4] + a * up[1], d[5] + a * up[2]]

    t_v = min(prop.vertical_rise_s, prop.burn_s)
    pitch_rate = math.radians(90.0 - controls.final_pitch_deg) / max(prop.burn_s - t_v, 1e-9)

    def rhs_tilt(t, y):
        d = derivatives_one(y, earth)
        pitch = 0.5 * math.pi - pitch_rate * (t - t_v)
        a = thrust_acceleration(prop, dv, t)
        # thrust direction cos(pitch)(sin az ê + cos az n̂) + sin(pitch) û, the ENU basis
        # (geodesy.enu_basis) at the geocentric latitude/longitude, element by element
        lat, lon = _geocentric_latlon(y[:3])
        phi, lam = math.radians(lat), math.radians(lon)
        sp, cp, sl, cl = math.sin(phi), math.cos(phi), math.sin(lam), math.cos(lam)
        c_p, s_p = math.cos(pitch), math.sin(pitch)
        return [*d[:3],
                d[3] + a * (c_p * (sin_az * -sl + cos_az * (-sp * cl)) + s_p * (cp * cl)),
                d[4] + a * (c_p * (sin_az * cl + cos_az * (-sp * sl)) + s_p * (cp * sl)),
                d[5] + a * (c_p * (sin_az * 0.0 + cos_az * cp) + s_p * sp)]

    y0 = np.concatenate((r0, np.zeros(3)))
    if t_end <= t_v:
        seg = solve_ivp(rhs_vertical, (0.0, t_end), y0, method="DOP853", rtol=rtol,
                        atol=_ATOL_M, dense_output=True)
        return [(seg, 0.0, t_end)], seg.y[:, -1].copy()
    seg1 = solve_ivp(rhs_vertical, (0.0, t_v), y0, method="DOP853", rtol=rtol, atol=_ATOL_M,
                     dense_output=True)
    y1 = seg1.y[:, -1].copy()
    if height_above_ellipsoid_fast(y1[:3], earth) - alt_m <= 0:
        raise _NoLiftOff(f"dv_ideal_m_s={dv:.1f}: thrust too low to lift off")
    staging = np.cumsum([st.burn_s for st in prop.stages])[:-1]
    bounds = [t_v, *[float(t) for t in staging if t_v < t < t_end], t_end]
    pieces: list[_Piece] = [(seg1, 0.0, t_v)]
    y_stage = y1
    for a, b in itertools.pairwise(bounds):
        seg = solve_ivp(rhs_tilt, (a, b), y_stage, method="DOP853", rtol=rtol, atol=_ATOL_M,
                        dense_output=True)
        pieces.append((seg, a, b))
        y_stage = seg.y[:, -1]
    return pieces, y_stage


def _free_flight(y_burnout: np.ndarray, burnout_s: float, dv_m_s: float, earth: Earth,
                 ballistic_coefficient_kg_m2: float | None, rtol: float,
                 max_time_s: float) -> tuple[Any, float, np.ndarray]:
    """Integrate from burnout to the ground (module notes, *Free flight and re-entry*).

    Args:
        y_burnout: ECEF state at burnout, shape ``(6,)`` [m, m/s].
        burnout_s: burnout time [s after launch]; the integration runs to ``max_time_s``.
        dv_m_s: the flight's ideal Δv [m/s] (named in the error only).
        ballistic_coefficient_kg_m2: β for drag (``None``: vacuum).

    Returns:
        ``(solution, t_impact_s, y_impact)``: the ``solve_ivp`` result with dense output,
        the time the body meets the ellipsoid [s after launch] and the state there ``(6,)``.

    Raises:
        PhysicsError: no impact within ``max_time_s`` (orbit or escape).
    """
    def ground(t, y):
        return height_above_ellipsoid_fast(y[:3], earth)

    ground.terminal = True
    ground.direction = -1

    def free(t, y):
        if ballistic_coefficient_kg_m2 is None:
            return derivatives_one(y, earth)
        return derivatives(y, earth, ballistic_coefficient_kg_m2)

    seg = solve_ivp(free, (burnout_s, max_time_s), y_burnout, method="DOP853", rtol=rtol,
                    atol=_ATOL_M, dense_output=True, events=ground)
    if seg.status != 1:
        raise PhysicsError(
            f"dv_ideal_m_s={dv_m_s:.1f}: no impact within {max_time_s:.0f} s (orbit or escape)")
    return seg, float(seg.t_events[0][0]), seg.y_events[0][0]


def _sample_pieces(pieces: list[_Piece], t_imp: float,
                   y_imp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sample the phases every ``_SAMPLE_S`` (1 s) on the launch clock, plus each phase's
    start and the impact, from their dense outputs.

    Returns:
        ``(t_s, y)``: strictly increasing times ``(N,)`` [s after launch] and ECEF states
        ``(N, 6)`` [m, m/s]; of two samples less than 1 ns apart only the later is kept.

    Raises:
        PhysicsError: the times do not increase (an internal error).
    """
    ts, ys = [], []
    for sol, a, b in pieces:
        grid = np.arange(math.ceil(a / _SAMPLE_S) * _SAMPLE_S, b, _SAMPLE_S)
        grid = np.unique(np.concatenate(([a], grid)))
        ts.append(grid)
        ys.append(sol.sol(grid).T)
    ts.append([t_imp])
    ys.append(y_imp[None, :])
    t_all = np.concatenate(ts)
    y_all = np.concatenate(ys)
    keep = np.concatenate((np.diff(t_all) > 1e-9, [True]))
    t_all, y_all = t_all[keep], y_all[keep]
    if np.any(np.diff(t_all) <= 0):
        raise PhysicsError("internal: sample times not increasing")
    return t_all, y_all


def _apogee(t_all: np.ndarray, y_all: np.ndarray, coast: Any, burnout_s: float,
            earth: Earth) -> tuple[float, float]:
    """Time [s after launch] and geodetic height [m] of the apogee: the highest sample of
    ``y_all`` (``(N, 6)`` ECEF at ``t_all`` ``(N,)``), refined on 201 points of the free
    flight's dense output ``coast`` between its neighbours when both lie after burnout."""
    _, _, alt = ecef2geodetic(y_all[:, :3], earth)
    i = int(np.argmax(alt))
    apogee_s, apogee_m = float(t_all[i]), float(alt[i])
    if 0 < i < len(t_all) - 1:
        fine = np.linspace(t_all[i - 1], t_all[i + 1], 201)
        if fine[0] >= burnout_s:
            _, _, alt_f = ecef2geodetic(coast.sol(fine).T[:, :3], earth)
            j = int(np.argmax(alt_f))
            apogee_s, apogee_m = float(fine[j]), float(alt_f[j])
    return apogee_s, apogee_m


def fit_trajectory(lat_deg: float, lon_deg: float, bearing_deg: float, range_m: float,
                   apogee_m: float, propulsion: str | PropulsionClass = "auto",
                   missile: str | None = None, alt_m: float = 0.0, earth: Earth = WGS84,
                   ballistic_coefficient_kg_m2: float | None = None,
                   tolerance: float = 1e-3, thrust_cut_s: float | None = None,
                   impact_point_deg: tuple[float, float] | None = None,
                   impact_sigma_m: float = 20e3, starts: FitStarts | None = None) -> Trajectory:
    """Fit a flight to a launch site, bearing, ground range and apogee (or to a reported
    impact point together with the range and apogee).

    Solves for the three :class:`Controls` so that the impact point is the point at
    ``range_m`` along the geodesic of initial azimuth ``bearing_deg`` from the site, and the
    apogee equals ``apogee_m``; residuals are scaled by the range and the apogee, and the fit
    is accepted when range and apogee agree within ``tolerance`` (relative; default 0.1 %)
    and the impact lies within ``tolerance × range`` of the target point.

    With ``impact_point_deg`` (a reported impact point), the bearing is no longer an input
    (only the start of the search): the fit is the weighted least-squares solution of four
    residuals — the east and north miss from the reported point over ``impact_sigma_m``, and
    the range and apogee errors over ``max(tolerance, 2 %)`` of the reported figures (press
    figures are rounded to about 2 %, :data:`gsomia.sim.scenario.model.RECORD_FIT_TOLERANCE`)
    — and it is accepted when each residual is within 3 (three standard deviations).

    Args:
        lat_deg, lon_deg, alt_m: launch point (geodetic, WGS-84).
        bearing_deg: direction of flight, clockwise from north [deg].
        range_m: ground range launch → impact [m], > 0.
        apogee_m: greatest height [m], > 0.
        propulsion: class name, a :class:`PropulsionClass`, or ``"auto"`` (from ``missile``,
            else from the range: :func:`propulsion_class_for`).
        thrust_cut_s: a failed flight whose thrust stops at this time [s after launch]
            (:func:`fly`): range and apogee are then those of the failed flight, and the
            controls are those of the class's program that, cut there, flies them.
        impact_point_deg: ``(lat, lon)`` [deg] of a reported impact point, or ``None``.
        impact_sigma_m: its standard uncertainty [m] (> 0).
        starts: the fits done before (:class:`~gsomia.physics.fit_start.FitStarts`): the
            search then starts from the Kepler guess corrected as the nearest earlier fit
            of the same kind was (fewer flights; the same root within integration noise),
            and this fit is added to them. ``None``: the Kepler guess.

    Returns:
        the fitted :class:`Trajectory` (its ``flight_time_s`` is the model's prediction).

    Raises:
        InputError: a value out of its domain (names the field and value), or a range and
            apogee beyond the reach of the class (:func:`~gsomia.physics.fit_checks.check_reach`).
        PhysicsError: no flight of this class reaches that range and apogee.
    """
    check_fit_inputs(lat_deg, lon_deg, bearing_deg, range_m, apogee_m, alt_m, missile,
                  ballistic_coefficient_kg_m2, tolerance)
    if propulsion == "auto":
        propulsion = propulsion_class_for(missile, range_m)
    prop = resolve_propulsion(propulsion)
    check_reach(prop, range_m, apogee_m, earth=earth)
    if impact_point_deg is None:
        lat_t, lon_t = (float(v) for v in geodesic_direct(lat_deg, lon_deg, range_m,
                                                          bearing_deg, earth))
        sigmas = None
    else:
        lat_t, lon_t = check_impact_point(impact_point_deg, impact_sigma_m)
        _, az = geodesic_inverse(lat_deg, lon_deg, lat_t, lon_t, earth)
        bearing_deg = float(az)
        rtol = max(tolerance, _REPORTED_RTOL)
        sigmas = (impact_sigma_m, rtol * range_m, rtol * apogee_m)
    problem = _FitProblem(lat_deg, lon_deg, alt_m, prop, earth, ballistic_coefficient_kg_m2,
                          lat_t, lon_t, range_m, apogee_m, sigmas, thrust_cut_s)
    guess = initial_guess(range_m, apogee_m, bearing_deg, prop, earth, thrust_cut_s)
    kind = (prop.name, earth, ballistic_coefficient_kg_m2, thrust_cut_s, sigmas is None)
    offset = None if starts is None else starts.offset(kind, range_m, apogee_m)
    x = problem.solve(guess if offset is None else guess + offset)
    traj = problem.accept(x, tolerance)
    if starts is not None:
        starts.add(kind, range_m, apogee_m, x - guess)
    return traj


_REPORTED_RTOL = 0.02
"""Relative standard uncertainty of a reported range or apogee when a reported impact point
is fitted too (press figures are rounded to about 2 %)."""


_SEARCH_RTOL = 1e-7
"""Integrator tolerance while searching: integration noise stays far below the Jacobian's
steps."""
_FINAL_RTOL = 1e-9
"""Integrator tolerance of the accepted flight: the answer is flown at full accuracy."""
_JACOBIAN_STEPS = np.array([1e-3, 1e-2, 1e-2])
"""Forward-difference steps of the fit's Jacobian in the scaled controls (Δv [km/s], final
pitch [deg], azimuth [deg]): 1 m/s, 0.01°, 0.01°, well above integration noise."""
_FAILED_RESIDUALS = (10.0, 10.0, 10.0)
"""Residuals of a control vector whose flight fails (no lift-off, no impact): far worse
than any flight, so the search turns away from it."""


class _FitProblem:
    """The least-squares problem of :func:`fit_trajectory` for one launch.

    The unknowns are ``x = (Δv [km/s], final pitch [deg], azimuth [deg])`` (Δv floored at
    10 m/s, pitch clipped to [−45, 90]); the residuals ``(3,)`` are the east and north miss
    of the impact from the target point, divided by the range, and the apogee error divided
    by ``max(apogee, range/10)``. It keeps the residuals of the last ``x`` evaluated, since
    the Jacobian starts from the point ``least_squares`` has just evaluated (a one-entry
    memo owned by this fit, not shared between fits).
    """

    def __init__(self, lat_deg: float, lon_deg: float, alt_m: float, prop: PropulsionClass,
                 earth: Earth, beta: float | None, lat_t: float, lon_t: float,
                 range_m: float, apogee_m: float,
                 sigmas: tuple[float, float, float] | None = None,
                 thrust_cut_s: float | None = None) -> None:
        self.lat_deg, self.lon_deg, self.alt_m = lat_deg, lon_deg, alt_m
        self.thrust_cut_s = thrust_cut_s
        self.prop, self.earth, self.beta = prop, earth, beta
        self.lat_t, self.lon_t = lat_t, lon_t
        self.range_m, self.apogee_m = range_m, apogee_m
        self.sigmas = sigmas
        self._last: dict[bytes, np.ndarray] = {}

    def evaluate(self, x, rtol: float) -> tuple[np.ndarray, Trajectory]:
        """Fly the controls ``x`` (``(3,)``, see the class notes) with integrator tolerance
        ``rtol``; the residuals ``(3,)`` [-] and the flight.

        Raises:
            PhysicsError: the flight fails (:func:`fly`).
        """
        c = Controls(max(x[0], 0.01) * 1000.0, float(np.clip(x[1], -45.0, 90.0)), x[2])
        traj = fly(self.lat_deg, self.lon_deg, c, self.prop, self.alt_m, self.earth,
                   self.beta, rtol=rtol, thrust_cut_s=self.thrust_cut_s)
        miss = ecef2enu(geodetic2ecef(traj.impact_lat_deg, traj.impact_lon_deg, 0.0,
                                      self.earth),
                        self.lat_t, self.lon_t, 0.0, self.earth)[:2]
        if self.sigmas is not None:   # a reported point: four weighted residuals
            s_p, s_r, s_a = self.sigmas
            return np.array([miss[0] / s_p, miss[1] / s_p, (traj.range_m - self.range_m) / s_r,
                             (traj.apogee_m - self.apogee_m) / s_a]), traj
        res = np.array([miss[0] / self.range_m, miss[1] / self.range_m,
                        (traj.apogee_m - self.apogee_m)
                        / max(self.apogee_m, self.range_m * 0.1)])
        return res, traj

    def residuals(self, x) -> np.ndarray:
        """Residuals ``(3,)`` of ``x`` at the search tolerance (``_FAILED_RESIDUALS`` for a
        failed flight), from the memo when ``x`` is the last point evaluated."""
        key = np.asarray(x, dtype=float).tobytes()
        if key not in self._last:
            try:
                res = self.evaluate(x, _SEARCH_RTOL)[0]
            except PhysicsError:
                res = np.full(3 if self.sigmas is None else 4, _FAILED_RESIDUALS[0] *
                              (1.0 if self.sigmas is None else 1e3))
            self._last.clear()
            self._last[key] = res
        return self._last[key]

    def jacobian(self, x) -> np.ndarray:
        """Forward-difference Jacobian ``(3, 3)`` of :meth:`residuals` at ``x``, steps
        ``_JACOBIAN_STEPS``."""
        f0 = self.residuals(x)  # least_squares has just evaluated x: served from the memo
        cols = []
        for k in range(3):
            dx = np.zeros(3)
            dx[k] = _JACOBIAN_STEPS[k]
            cols.append((self.residuals(x + dx) - f0) / _JACOBIAN_STEPS[k])
        return np.column_stack(cols)

    def solve(self, x0: np.ndarray) -> np.ndarray:
        """The controls ``(3,)`` minimising the residuals from ``x0`` (trust-region
        reflective ``scipy.optimize.least_squares``; scales 0.5 km/s, 5°, 1°; at most 100
        evaluations)."""
        sol = least_squares(self.residuals, x0, jac=self.jacobian,
                            x_scale=np.array([0.5, 5.0, 1.0]), xtol=1e-10, ftol=1e-12,
                            gtol=1e-12, max_nfev=100)
        return sol.x

    def accept(self, x: np.ndarray, tolerance: float) -> Trajectory:
        """Fly ``x`` at full accuracy and return the flight if its range and apogee agree
        within ``tolerance`` (relative) and its impact lies within ``tolerance × range`` of
        the target.

        Raises:
            PhysicsError: the flight fails, or misses by more than the tolerance (the
                message names the class, site, range and apogee asked for).
        """
        prop, range_m, apogee_m = self.prop, self.range_m, self.apogee_m
        failure = (f"no {prop.name} flight from ({self.lat_deg:.3f}, {self.lon_deg:.3f}) "
                   f"reaches range {range_m / 1e3:.1f} km and apogee {apogee_m / 1e3:.1f} km")
        try:
            res, traj = self.evaluate(x, _FINAL_RTOL)
        except _NoLiftOff as exc:
            raise PhysicsError(f"{failure} ({exc}; with its fixed burn time of "
                               f"{prop.burn_s:.0f} s this class cannot fly so short: choose a "
                               "shorter-burning class)") from None
        except PhysicsError as exc:
            raise PhysicsError(f"{failure} ({exc})") from None
        range_err = abs(traj.range_m - range_m) / range_m
        apogee_err = abs(traj.apogee_m - apogee_m) / apogee_m
        miss = math.hypot(res[0], res[1])
        if self.sigmas is not None:
            if np.max(np.abs(res[2:])) > 3.0 or miss > 3.0:
                raise PhysicsError(f"{failure} and lands within 3 sigma of the reported point "
                                   f"({self.lat_t:.3f}, {self.lon_t:.3f}): best fit range "
                                   f"{traj.range_m / 1e3:.1f} km, apogee "
                                   f"{traj.apogee_m / 1e3:.1f} km, miss "
                                   f"{miss * self.sigmas[0] / 1e3:.1f} km")
            return traj
        if range_err > tolerance or apogee_err > tolerance or miss > tolerance:
            raise PhysicsError(f"{failure}: best fit range {traj.range_m / 1e3:.1f} km, "
                               f"apogee {traj.apogee_m / 1e3:.1f} km")
        return traj


def _geocentric_latlon(r: np.ndarray) -> tuple[float, float]:
    """Geocentric latitude and longitude [deg] of an ECEF point (cheap; used for steering)."""
    x, y, z = r
    return math.degrees(math.atan2(z, math.hypot(x, y))), math.degrees(math.atan2(y, x))

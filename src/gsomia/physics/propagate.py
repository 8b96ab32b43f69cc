"""Free-flight dynamics in the rotating ECEF frame, and a vectorised propagator.

The equations of motion of an unpowered body in the Earth-fixed (rotating) frame are

.. math::
    \\ddot{\\mathbf r} = \\mathbf g_{J2}(\\mathbf r) - 2\\boldsymbol\\omega\\times\\dot{\\mathbf r}
        - \\boldsymbol\\omega\\times(\\boldsymbol\\omega\\times\\mathbf r)
        + \\mathbf a_\\text{drag},\\qquad
    \\mathbf a_\\text{drag} = -\\frac{\\rho(h)}{2\\beta}\\,|\\dot{\\mathbf r}|\\,\\dot{\\mathbf r}

(Vallado 2013, §3.7 for the rotating-frame terms and §8.7 for J2; drag with the ballistic
coefficient β = m / (C_D A) [kg/m²], the air co-rotating with the Earth so that the ECEF
velocity is the air-relative velocity). This module is the single copy of those dynamics:
the trajectory fit, the tracker's motion model and the impact-point Monte Carlo all call it.

:func:`propagate` and :func:`propagate_to_impact` advance many states at once (arrays of
shape ``(N, 6)``) with the classical fourth-order Runge–Kutta scheme at a fixed step; the
surface crossing is found per row by bisection on the step fraction, re-integrating from the
start of the step, so the impact state is as accurate as the integrator.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gsomia.errors import InputError
from gsomia.physics.earth import WGS84, Earth
from gsomia.physics.geodesy import (
    centrifugal_coriolis_ecef,
    gravity_ecef,
    height_above_ellipsoid_fast,
)

__all__ = [
    "ImpactResult",
    "air_density",
    "check_impact_inputs",
    "derivatives",
    "derivatives_one",
    "propagate",
    "propagate_each",
    "propagate_to_impact",
]

# Exponential fit to the U.S. Standard Atmosphere 1976 (NOAA/NASA/USAF, 1976) below ~100 km:
# sea-level density 1.225 kg/m³ (USSA-1976 Table I) and a mean scale height of 7.2 km (the
# value that best reproduces USSA-1976 density over 0-100 km within a factor of ~1.5).
RHO0_KG_M3 = 1.225
SCALE_HEIGHT_M = 7200.0
ATMOSPHERE_TOP_M = 120_000.0


def air_density(h_m) -> np.ndarray:
    """Air density [kg/m³] at height ``h_m`` [m] above the ellipsoid (exponential model).

    ρ = ρ₀ exp(−h/H), ρ₀ = 1.225 kg/m³, H = 7.2 km (approximating USSA-1976), and 0 above
    120 km. Negative heights are clamped to 0.
    """
    h = np.maximum(np.asarray(h_m, dtype=float), 0.0)
    return np.where(h < ATMOSPHERE_TOP_M, RHO0_KG_M3 * np.exp(-h / SCALE_HEIGHT_M), 0.0)


def derivatives(y: np.ndarray, earth: Earth = WGS84,
                ballistic_coefficient_kg_m2: float | None = None) -> np.ndarray:
    """Time derivative of ECEF states for unpowered flight.

    Args:
        y: states ``(..., 6)``: position [m] then Earth-relative velocity [m/s], ECEF.
        earth: Earth model (J2, rotation rate, figure).
        ballistic_coefficient_kg_m2: β = m/(C_D A); ``None`` for vacuum flight.

    Returns:
        ``(..., 6)``: velocity then acceleration [m/s²].
    """
    if y.ndim == 2 and y.shape[1] == 6 and ballistic_coefficient_kg_m2 is None:
        return _vacuum_derivatives(y, earth)
    r = y[..., :3]
    v = y[..., 3:]
    a = gravity_ecef(r, earth) + centrifugal_coriolis_ecef(r, v, earth)
    if ballistic_coefficient_kg_m2 is not None:
        h = height_above_ellipsoid_fast(r, earth)
        speed = np.linalg.norm(v, axis=-1, keepdims=True)
        a = a - (air_density(h)[..., None] / (2.0 * ballistic_coefficient_kg_m2)) * speed * v
    return np.concatenate((v, a), axis=-1)


def derivatives_one(y: np.ndarray, earth: Earth = WGS84) -> list[float]:
    """:func:`derivatives` of one state in vacuum, in Python floats: the integrators of one
    flight (:mod:`gsomia.physics.ballistics`) call it tens of thousands of times, where the
    array version's per-call overhead dominated.

    The same operations in the same order as :func:`~gsomia.physics.geodesy.gravity_ecef`
    plus :func:`~gsomia.physics.geodesy.centrifugal_coriolis_ecef` (IEEE double arithmetic
    either way: bit-identical results).

    Args:
        y: one state ``(6,)``: ECEF position [m] then Earth-relative velocity [m/s].

    Returns:
        the six derivatives (velocity then acceleration [m/s²]) as a list.
    """
    x, yy, z, vx, vy, vz = y.tolist()
    r2 = x * x + yy * yy + z * z
    mu_r3 = earth.gm_m3_s2 / (r2 * math.sqrt(r2))
    k = 1.5 * earth.j2 * earth.a_m**2 / r2
    z2r2 = z * z / r2
    fxy = -mu_r3 * (1.0 + k * (1.0 - 5.0 * z2r2))
    w = earth.omega_rad_s
    return [vx, vy, vz,
            x * fxy + (w * w * x + 2.0 * w * vy),
            yy * fxy + (w * w * yy - 2.0 * w * vx),
            -mu_r3 * z * (1.0 + k * (3.0 - 5.0 * z2r2)) + 0.0]


def _vacuum_derivatives(y: np.ndarray, earth: Earth) -> np.ndarray:
    """:func:`derivatives` of states ``(N, 6)`` in vacuum, gravity (J2) and the rotating
    frame's terms in one pass: the same operations in the same order as
    :func:`~gsomia.physics.geodesy.gravity_ecef` + :func:`~gsomia.physics.geodesy.
    centrifugal_coriolis_ecef` (bit-identical results), fewer temporaries."""
    x, yy, z = y[:, 0], y[:, 1], y[:, 2]
    out = np.empty(y.shape)
    out[:, :3] = y[:, 3:]
    r2 = x * x
    r2 += yy * yy
    r2 += z * z
    mu_r3 = earth.gm_m3_s2 / (r2 * np.sqrt(r2))
    k = 1.5 * earth.j2 * earth.a_m**2 / r2
    t = z * z
    t /= r2
    t *= 5.0                                   # 5 z²/r²
    neg_mu = -mu_r3
    w = earth.omega_rad_s
    ww, w2 = w * w, 2.0 * w
    fxy = 1.0 - t
    fxy *= k
    fxy += 1.0
    fxy *= neg_mu
    ax = x * fxy
    ax += ww * x + w2 * y[:, 4]
    out[:, 3] = ax
    ay = yy * fxy
    ay += ww * yy - w2 * y[:, 3]
    out[:, 4] = ay
    fz = 3.0 - t
    fz *= k
    fz += 1.0
    fz *= neg_mu * z
    out[:, 5] = fz
    return out


def _rk4_step(y: np.ndarray, h, earth: Earth, beta: float | None) -> np.ndarray:
    """One RK4 step of size ``h`` (scalar or ``(N, 1)``) for every row of ``y``."""
    half = 0.5 * h
    k1 = derivatives(y, earth, beta)
    k2 = derivatives(y + half * k1, earth, beta)
    k3 = derivatives(y + half * k2, earth, beta)
    k4 = derivatives(y + h * k3, earth, beta)
    # k1 + 2 k2 + 2 k3 + k4 in the same order, in place
    acc = 2.0 * k2
    acc += k1
    acc += 2.0 * k3
    acc += k4
    acc *= h / 6.0
    acc += y
    return acc


def _as_states(y0) -> np.ndarray:
    y = np.array(y0, dtype=float, ndmin=2)
    if y.shape[-1] != 6 or y.ndim != 2:
        raise InputError("y0", f"array of shape {np.shape(y0)}", "expected shape (N, 6)")
    if not np.all(np.isfinite(y)):
        raise InputError("y0", "non-finite value", "states must be finite")
    return y


_MAX_STEPS = 10_000_000


def _check_step(step_s: float, beta: float | None) -> None:
    if not (math.isfinite(step_s) and step_s > 0):
        raise InputError("step_s", step_s, "must be a positive finite number of seconds")
    if beta is not None and not (math.isfinite(beta) and beta > 0):
        raise InputError("ballistic_coefficient_kg_m2", beta, "must be positive and finite")


def check_impact_inputs(y0, step_s: float, max_time_s: float, earth: Earth = WGS84,
                        ballistic_coefficient_kg_m2: float | None = None) -> np.ndarray:
    """The checked states ``(N, 6)`` (float) of a propagation to impact
    (:func:`propagate_to_impact` and its compiled form,
    :func:`gsomia.physics.impact_kernel.impact_rows`).

    Raises:
        InputError: states of the wrong shape or non-finite, a start more than 1 m below
            the ellipsoid, a step, horizon or ballistic coefficient not positive and finite,
            or a horizon over 10,000,000 steps.
    """
    y = _as_states(y0)
    _check_step(step_s, ballistic_coefficient_kg_m2)
    if not (math.isfinite(max_time_s) and 0 < max_time_s <= _MAX_STEPS * step_s):
        raise InputError("max_time_s", max_time_s,
                         f"must be positive and at most {_MAX_STEPS} steps of {step_s} s")
    h0 = height_above_ellipsoid_fast(y[:, :3], earth)
    if np.any(h0 < -1.0):
        i = int(np.argmax(h0 < -1.0))
        raise InputError(f"y0[{i}]", f"height {h0[i]:.1f} m", "starts below the ellipsoid")
    return y


def propagate(y0, dt_s: float, earth: Earth = WGS84, step_s: float = 1.0,
              ballistic_coefficient_kg_m2: float | None = None) -> np.ndarray:
    """Advance unpowered states by ``dt_s`` seconds (negative: backwards in time).

    Args:
        y0: states ``(N, 6)`` or ``(6,)``, ECEF [m, m/s].
        dt_s: time to advance [s].
        step_s: largest RK4 step [s]; the interval is split into equal steps no longer.

    Returns:
        states ``(N, 6)`` at ``t + dt_s`` (no surface check: use
        :func:`propagate_to_impact` for that).
    """
    y = _as_states(y0)
    _check_step(step_s, ballistic_coefficient_kg_m2)
    if not math.isfinite(dt_s):
        raise InputError("dt_s", dt_s, "must be finite")
    n = max(1, math.ceil(abs(dt_s) / step_s))
    if n > _MAX_STEPS:
        raise InputError("dt_s", dt_s, f"needs more than {_MAX_STEPS} steps of {step_s} s")
    h = dt_s / n
    for _ in range(n):
        y = _rk4_step(y, h, earth, ballistic_coefficient_kg_m2)
    return y


def propagate_each(y0, dt_s, earth: Earth = WGS84, step_s: float = 1.0) -> np.ndarray:
    """Advance every vacuum state by its own time: row ``i`` exactly as
    ``propagate(y0[i], dt_s[i], earth, step_s)`` (the same steps, bit for bit), all rows
    in one batch (rows needing fewer steps drop out as they finish); ``dt_s[i] == 0``
    leaves the row as it is.

    Args:
        y0: states ``(N, 6)``, ECEF [m, m/s]; dt_s: ``(N,)`` times to advance [s].

    Returns:
        states ``(N, 6)``.
    """
    y = _as_states(y0)
    _check_step(step_s, None)
    dt = np.asarray(dt_s, dtype=float).reshape(-1)
    if dt.shape != (y.shape[0],) or not np.all(np.isfinite(dt)):
        raise InputError("dt_s", np.shape(dt_s), f"expected {y.shape[0]} finite times")
    n = np.maximum(1, np.ceil(np.abs(dt) / step_s)).astype(np.int64)
    n[dt == 0.0] = 0
    if n.size and int(n.max()) > _MAX_STEPS:
        raise InputError("dt_s", float(np.max(np.abs(dt))),
                         f"needs more than {_MAX_STEPS} steps of {step_s} s")
    order = np.argsort(-n, kind="stable")          # rows needing more steps first
    ys, ns = y[order], n[order]
    hs = (dt[order] / np.maximum(ns, 1))[:, None]
    m = len(ns)
    for k in range(int(ns[0]) if m else 0):
        while m and ns[m - 1] <= k:
            m -= 1
        ys[:m] = _rk4_step(ys[:m], hs[:m], earth, None)
    out = np.empty_like(y)
    out[order] = ys
    return out


@dataclass(frozen=True)
class ImpactResult:
    """Where and when propagated states meet the ellipsoid.

    Attributes:
        t_s: time of impact after the start, ``(N,)`` [s]; ``nan`` where no impact occurred
            within ``max_time_s``.
        y_ecef: state at impact, ``(N, 6)`` (last state reached where no impact).
        hit: ``(N,)`` bool, True where the surface was reached.
    """

    t_s: np.ndarray
    y_ecef: np.ndarray
    hit: np.ndarray


def _crossing_fraction(y0: np.ndarray, y1: np.ndarray, h: float, earth: Earth,
                       bisections: int) -> np.ndarray:
    """Step fraction ``(N,)`` where the cubic Hermite interpolant of positions between the
    states ``y0`` (height > 0) and ``y1`` (height <= 0), a step ``h`` apart, meets the
    ellipsoid; by bisection on the interpolant."""
    p0, v0, p1, v1 = y0[:, :3], y0[:, 3:] * h, y1[:, :3], y1[:, 3:] * h
    # the interpolant in Horner form p0 + s (v0 + s (c2 + s c3)), coordinates scaled by the
    # ellipsoid's axes so that "on or below the surface" reads |q|² <= 1 (the sign of
    # height_above_ellipsoid_fast: |r| <= radius along r  <=>  ρ²/a² + z²/b² <= 1)
    scale = np.array([1.0 / earth.a_m, 1.0 / earth.a_m, 1.0 / earth.b_m])
    c0, c1 = p0 * scale, v0 * scale
    c2 = (3.0 * (p1 - p0) - 2.0 * v0 - v1) * scale
    c3 = (2.0 * (p0 - p1) + v0 + v1) * scale
    lo = np.zeros(len(y0))
    hi = np.ones(len(y0))
    for _ in range(bisections):
        m = lo + hi
        m *= 0.5
        s = m[:, None]
        q = c3 * s
        q += c2
        q *= s
        q += c1
        q *= s
        q += c0
        q *= q
        below = q.sum(axis=1) <= 1.0
        hi = np.where(below, m, hi)
        lo = np.where(below, lo, m)
    return 0.5 * (lo + hi)


_SURFACE_TOL_M = 1e-3
"""Largest |height| [m] of an impact state accepted from the Hermite + Newton location."""


def _bisect_crossing(y0: np.ndarray, h: float, earth: Earth, beta: float | None,
                     bisections: int) -> tuple[np.ndarray, np.ndarray]:
    """States at the surface crossing and step fractions by bisection on the step fraction,
    re-integrating one RK4 step from ``y0`` each time (the robust fallback)."""
    lo = np.zeros(len(y0))
    hi = np.ones(len(y0))
    for _ in range(bisections):
        mid = 0.5 * (lo + hi)
        below = height_above_ellipsoid_fast(_rk4_step(y0, (mid * h)[:, None], earth, beta)
                                            [:, :3], earth) <= 0.0
        hi = np.where(below, mid, hi)
        lo = np.where(below, lo, mid)
    frac = 0.5 * (lo + hi)
    return _rk4_step(y0, (frac * h)[:, None], earth, beta), frac


def _refine_crossing(y0: np.ndarray, frac: np.ndarray, h: float, earth: Earth,
                     beta: float | None, newton: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """States at the surface crossing and their step fractions: from ``frac``, Newton steps
    ``Δt = −height / (dheight/dt)`` (the rate taken as the velocity along the position's
    radial direction), each an RK4 step from ``y0``. Returns ``(states (N, 6), frac (N,))``."""
    y = _rk4_step(y0, (frac * h)[:, None], earth, beta)
    for _ in range(newton):
        hgt = height_above_ellipsoid_fast(y[:, :3], earth)
        rate = np.einsum("ij,ij->i", y[:, 3:], y[:, :3]) / np.linalg.norm(y[:, :3], axis=1)
        ok = rate < -1e-9
        frac = np.where(ok, np.clip(frac - np.where(ok, hgt / np.where(ok, rate, -1.0), 0.0)
                                    / h, 0.0, 1.0), frac)
        y = _rk4_step(y0, (frac * h)[:, None], earth, beta)
    return y, frac


def propagate_to_impact(y0, earth: Earth = WGS84, step_s: float = 1.0,
                        max_time_s: float = 7200.0,
                        ballistic_coefficient_kg_m2: float | None = None,
                        bisections: int = 40) -> ImpactResult:
    """Propagate unpowered states until each meets the ellipsoid (height 0).

    Every row is advanced with RK4 at a fixed step; rows that have landed stop. For a row
    whose height changes sign within a step, the crossing is first located on the cubic
    Hermite interpolant of the step's end states (positions and velocities; ``bisections``
    halvings of the step fraction, no force evaluations), then refined by two Newton steps
    on the height, each re-integrating one RK4 step from the step's start
    (:func:`_refine_crossing`); a row still more than 1 mm off the surface (steep drag near
    the ground) falls back to bisection on RK4 re-integrations. The interpolant's position
    error is ``h⁴/384·max|r⁗|`` (Burden & Faires, *Numerical Analysis*, 9th ed., Thm 3.9):
    ~1e-5 m for a 4 s step in vacuum; the Newton steps remove what is left, so the impact
    lies on the ellipsoid to within 1 mm.

    Args:
        y0: states ``(N, 6)``, ECEF [m, m/s], above the surface.
        step_s: RK4 step [s].
        max_time_s: give up after this time [s] (rows left have ``hit`` False).

    Returns:
        :class:`ImpactResult`.

    Raises:
        InputError: states of the wrong shape, non-finite, or a start below the surface.
    """
    beta = ballistic_coefficient_kg_m2
    y = check_impact_inputs(y0, step_s, max_time_s, earth, beta)
    n = y.shape[0]
    t_imp = np.full(n, np.nan)
    y_imp = y.copy()
    # the rows still in flight: their indices and states (all rows at first, no copy made
    # per step until one lands); a row that lands gets its impact state in y_imp, the
    # others their last state at the end
    idx = np.arange(n)
    ya = y
    t = 0.0
    while len(idx) and t < max_time_s:
        yn = _rk4_step(ya, step_s, earth, beta)
        hn = height_above_ellipsoid_fast(yn[:, :3], earth)
        crossed = hn <= 0.0
        if crossed.any():
            ci = idx[crossed]
            ys = ya[crossed]
            frac = _crossing_fraction(ys, yn[crossed], step_s, earth, bisections)
            yc, frac = _refine_crossing(ys, frac, step_s, earth, beta)
            off = np.abs(height_above_ellipsoid_fast(yc[:, :3], earth)) > _SURFACE_TOL_M
            if np.any(off):   # steep drag near the ground: bisection on RK4 re-integrations
                yc[off], frac[off] = _bisect_crossing(ys[off], step_s, earth, beta,
                                                      bisections)
            y_imp[ci] = yc
            t_imp[ci] = t + frac * step_s
            keep = ~crossed
            idx, yn = idx[keep], yn[keep]
        ya = yn
        t += step_s
    y_imp[idx] = ya
    return ImpactResult(t_s=t_imp, y_ecef=y_imp, hit=~np.isnan(t_imp))

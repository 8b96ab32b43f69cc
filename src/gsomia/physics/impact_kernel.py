"""Compiled form of :func:`gsomia.physics.propagate.propagate_to_impact` in vacuum.

The same computation, operation for operation and in the same order, as the NumPy
propagator (fixed-step RK4 of :func:`~gsomia.physics.propagate.derivatives` without drag;
surface crossing on the cubic Hermite interpolant of the step by bisection, two Newton
steps on the height re-integrating from the step's start, bisection on RK4
re-integrations when still more than 1 mm off the surface), compiled with Numba
(https://numba.pydata.org, no ``fastmath``: IEEE operations as written, no reordering or
contraction), one row at a time. A NumPy call costs about a microsecond whatever the
size of its arrays, so the vectorised propagator of a few rows (the 13 sigma points of one
track's PIP) spends its time in call overhead; this loop does not. The results equal the
NumPy propagator's (tests compare them bit for bit on random states).

Importing this module imports Numba; the kernels are compiled on first use (cached on
disk by Numba). Callers import it where they use it, so that commands not computing
PIPs never load Numba.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from gsomia.physics.earth import WGS84, Earth

__all__ = ["impact_rows"]


_jit = numba.njit(cache=True, nogil=True)


@_jit
def _deriv(y, out, gm, kj2, w):
    # gsomia.physics.propagate._vacuum_derivatives, same operations in the same order
    x, yy, z = y[0], y[1], y[2]
    r2 = x * x
    r2 += yy * yy
    r2 += z * z
    mu_r3 = gm / (r2 * math.sqrt(r2))
    k = kj2 / r2
    t = z * z
    t /= r2
    t *= 5.0
    neg_mu = -mu_r3
    ww, w2 = w * w, 2.0 * w
    fxy = 1.0 - t
    fxy *= k
    fxy += 1.0
    fxy *= neg_mu
    out[0], out[1], out[2] = y[3], y[4], y[5]
    out[3] = x * fxy + (ww * x + w2 * y[4])
    out[4] = yy * fxy + (ww * yy - w2 * y[3])
    fz = 3.0 - t
    fz *= k
    fz += 1.0
    out[5] = fz * (neg_mu * z)


@_jit
def _rk4(y, h, gm, kj2, w):
    # gsomia.physics.propagate._rk4_step for one row
    half = 0.5 * h
    k1, k2, k3, k4 = np.empty(6), np.empty(6), np.empty(6), np.empty(6)
    tmp = np.empty(6)
    _deriv(y, k1, gm, kj2, w)
    for j in range(6):
        tmp[j] = y[j] + half * k1[j]
    _deriv(tmp, k2, gm, kj2, w)
    for j in range(6):
        tmp[j] = y[j] + half * k2[j]
    _deriv(tmp, k3, gm, kj2, w)
    for j in range(6):
        tmp[j] = y[j] + h * k3[j]
    _deriv(tmp, k4, gm, kj2, w)
    out = np.empty(6)
    sixth = h / 6.0
    for j in range(6):
        out[j] = ((((2.0 * k2[j]) + k1[j]) + 2.0 * k3[j]) + k4[j]) * sixth + y[j]
    return out


@_jit
def _height(y, a, b):
    # gsomia.physics.geodesy.height_above_ellipsoid_fast
    rho2 = y[0] ** 2 + y[1] ** 2
    z2 = y[2] ** 2
    rn = math.sqrt(rho2 + z2)
    rr = rn * rn
    return rn - a * b / math.sqrt(b * b * rho2 / rr + a * a * z2 / rr)


@_jit
def _hermite_fraction(y0, y1, h, a, b, bisections):
    # gsomia.physics.propagate._crossing_fraction for one row
    c0, c1, c2, c3 = np.empty(3), np.empty(3), np.empty(3), np.empty(3)
    for j in range(3):
        s = 1.0 / a if j < 2 else 1.0 / b
        p0, p1 = y0[j], y1[j]
        v0, v1 = y0[j + 3] * h, y1[j + 3] * h
        c0[j] = p0 * s
        c1[j] = v0 * s
        c2[j] = (3.0 * (p1 - p0) - 2.0 * v0 - v1) * s
        c3[j] = (2.0 * (p0 - p1) + v0 + v1) * s
    lo, hi = 0.0, 1.0
    for _ in range(bisections):
        m = (lo + hi) * 0.5
        tot = 0.0
        for j in range(3):
            q = ((c3[j] * m + c2[j]) * m + c1[j]) * m + c0[j]
            tot += q * q
        if tot <= 1.0:
            hi = m
        else:
            lo = m
    return 0.5 * (lo + hi)


@_jit
def _crossing(y0, frac, h, gm, kj2, w, a, b, bisections, tol):
    # _refine_crossing (two Newton steps), then _bisect_crossing if still off
    y = _rk4(y0, frac * h, gm, kj2, w)
    for _ in range(2):
        hgt = _height(y, a, b)
        dot = 0.0
        for j in range(3):
            dot += y[j + 3] * y[j]
        nrm = 0.0
        for j in range(3):
            nrm += y[j] * y[j]
        rate = dot / math.sqrt(nrm)
        if rate < -1e-9:
            frac = min(max(frac - hgt / rate / h, 0.0), 1.0)
        y = _rk4(y0, frac * h, gm, kj2, w)
    if abs(_height(y, a, b)) > tol:
        lo, hi = 0.0, 1.0
        for _ in range(bisections):
            mid = 0.5 * (lo + hi)
            if _height(_rk4(y0, mid * h, gm, kj2, w), a, b) <= 0.0:
                hi = mid
            else:
                lo = mid
        frac = 0.5 * (lo + hi)
        y = _rk4(y0, frac * h, gm, kj2, w)
    return y, frac


@_jit
def _rows(y0, step, max_time, gm, kj2, w, a, b, bisections, tol):
    n = y0.shape[0]
    t_imp = np.full(n, np.nan)
    y_imp = y0.copy()
    for i in range(n):
        y = y0[i].copy()
        t = 0.0
        landed = False
        while t < max_time:
            yn = _rk4(y, step, gm, kj2, w)
            if _height(yn, a, b) <= 0.0:
                frac = _hermite_fraction(y, yn, step, a, b, bisections)
                yc, frac = _crossing(y, frac, step, gm, kj2, w, a, b, bisections, tol)
                y_imp[i] = yc
                t_imp[i] = t + frac * step
                landed = True
                break
            y = yn
            t += step
        if not landed:
            y_imp[i] = y
    return t_imp, y_imp





def impact_rows(y0: np.ndarray, earth: Earth = WGS84, step_s: float = 1.0,
                max_time_s: float = 7200.0, bisections: int = 40
                ) -> tuple[np.ndarray, np.ndarray]:
    """:func:`~gsomia.physics.propagate.propagate_to_impact` of vacuum states, compiled
    (module notes): ``(t_s (N,), y_ecef (N, 6))``, ``t_s`` nan where no impact within
    ``max_time_s`` (``y_ecef`` then the last state reached).

    Args:
        y0: states ``(N, 6)``, ECEF [m, m/s], finite, none more than 1 m below the
            ellipsoid; step_s: RK4 step [s]; max_time_s: horizon [s].

    Raises:
        InputError: wrong shape, a non-finite value, a start below the ellipsoid, or a bad
            step or horizon (the checks of ``propagate_to_impact``).
    """
    from gsomia.physics.propagate import check_impact_inputs

    y = check_impact_inputs(y0, step_s, max_time_s, earth)
    kj2 = 1.5 * earth.j2 * earth.a_m**2            # as _vacuum_derivatives' k numerator
    return _rows(np.ascontiguousarray(y), float(step_s), float(max_time_s),
                       earth.gm_m3_s2, kj2, earth.omega_rad_s, earth.a_m, earth.b_m,
                       int(bisections), 1e-3)

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

:func:`impact_moments` compiles the rest of a PIP the same way: the weighted mean and
covariance of the impact points of each track's sigma points in the east-north plane at the
mean impact point, with the geodetic conversions of :mod:`gsomia.physics.geodesy` (its
``ecef2geodetic`` iteration and pymap3d's ``geodetic2ecef``, operation for operation), equal
to the NumPy form of :func:`gsomia.warning.tracking.impact.predict_impact` within rounding
(tests: 1e-9 relative).

Importing this module imports Numba; the kernels are compiled on first use (cached on
disk by Numba). Callers import it where they use it, so that commands not computing
PIPs never load Numba.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from gsomia.physics.earth import WGS84, Earth

__all__ = ["impact_moments", "impact_rows"]


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





@_jit
def _geodetic(x, y, z, a, b):
    # gsomia.physics.geodesy.ecef2geodetic for one point (the same bracketed Newton steps)
    c = a * a - b * b
    p = math.hypot(x, y)
    za = abs(z)
    lo, hi = 0.0, 0.5 * math.pi
    beta = math.atan2(a * za, b * p)
    for _ in range(64):
        sb, cb = math.sin(beta), math.cos(beta)
        g = a * p * sb - b * za * cb - c * sb * cb
        dg = a * p * cb + b * za * sb - c * (cb * cb - sb * sb)
        if g <= 0.0:
            lo = beta
        if g >= 0.0:
            hi = beta
        newton = beta - g / dg if dg != 0.0 else math.nan
        if g == 0.0:
            nxt = beta
        elif math.isfinite(newton) and lo <= newton <= hi:
            nxt = newton
        else:
            nxt = 0.5 * (lo + hi)
        step = abs(nxt - beta)
        beta = nxt
        if not step > 1e-14:
            break
    sb, cb = math.sin(beta), math.cos(beta)
    phi = math.atan2(a * sb, b * cb)
    return math.degrees(-phi if z < 0.0 else phi), math.degrees(math.atan2(y, x))


@_jit
def _ecef(lat_deg, lon_deg, a, b):
    # pymap3d.geodetic2ecef at height 0
    lat, lon = math.radians(lat_deg), math.radians(lon_deg)
    n = a**2 / math.hypot(a * math.cos(lat), b * math.sin(lat))
    return (n * math.cos(lat) * math.cos(lon), n * math.cos(lat) * math.sin(lon),
            (n * (b / a) ** 2) * math.sin(lat))


@_jit
def _moments(r, timp, wm, wc, a, b):
    n, s = r.shape[0], r.shape[1]
    out = np.empty((n, 9))      # lat, lon, mean t, sigma t, valid, cov ee, en, ne, nn
    en = np.empty((s, 2))
    for k in range(n):
        m = np.zeros(3)
        for i in range(s):
            for j in range(3):
                m[j] += wm[i] * r[k, i, j]
        lat, lon = _geodetic(m[0], m[1], m[2], a, b)
        base = _ecef(lat, lon, a, b)
        phi, lam = math.radians(lat), math.radians(lon)
        sp, cp, sl, cl = math.sin(phi), math.cos(phi), math.sin(lam), math.cos(lam)
        east = (-sl, cl, 0.0)
        north = (-sp * cl, -sp * sl, cp)
        me, mn = 0.0, 0.0
        for i in range(s):
            d0, d1, d2 = r[k, i, 0] - base[0], r[k, i, 1] - base[1], r[k, i, 2] - base[2]
            en[i, 0] = d0 * east[0] + d1 * east[1] + d2 * east[2]
            en[i, 1] = d0 * north[0] + d1 * north[1] + d2 * north[2]
            me += wm[i] * en[i, 0]
            mn += wm[i] * en[i, 1]
        cee, cen, cnn = 0.0, 0.0, 0.0
        for i in range(s):
            de, dn = en[i, 0] - me, en[i, 1] - mn
            cee += wc[i] * de * de
            cen += wc[i] * de * dn
            cnn += wc[i] * dn * dn
        out[k, 0], out[k, 1] = _geodetic(base[0] + me * east[0] + mn * north[0],
                                         base[1] + me * east[1] + mn * north[1],
                                         base[2] + me * east[2] + mn * north[2], a, b)
        landed = True
        tm = 0.0
        for i in range(s):
            landed = landed and not math.isnan(timp[k, i])
            tm += wm[i] * timp[k, i]
        var = 0.0
        for i in range(s):
            var += wc[i] * (timp[k, i] - tm) ** 2
        out[k, 2] = tm
        out[k, 3] = math.sqrt(max(var, 0.0)) if landed else math.nan
        out[k, 4] = 1.0 if landed else 0.0
        out[k, 5], out[k, 6], out[k, 7], out[k, 8] = cee, cen, cen, cnn
    return out


def impact_moments(r: np.ndarray, t_s: np.ndarray, wm: np.ndarray, wc: np.ndarray,
                   earth: Earth = WGS84) -> np.ndarray:
    """Each track's PIP from its sigma points' impacts (module notes), compiled.

    Args:
        r: impact points ``(N, S, 3)`` (ECEF [m]); t_s: their times ``(N, S)`` [s] (nan: no
            impact); wm, wc: the unscented weights ``(S,)`` of the mean and covariance.

    Returns:
        ``(N, 9)``: latitude, longitude [deg] of the mean impact point moved onto the
        tangent plane's mean, mean time [s] (nan if a sigma point did not land), its 1-σ
        [s] (nan likewise), 1.0 where every sigma point landed, and the east-north
        covariance ``[[ee, en], [ne, nn]]`` [m²] row by row.
    """
    return _moments(np.ascontiguousarray(r, dtype=np.float64),
                    np.ascontiguousarray(t_s, dtype=np.float64),
                    np.ascontiguousarray(wm, dtype=np.float64),
                    np.ascontiguousarray(wc, dtype=np.float64), earth.a_m, earth.b_m)


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

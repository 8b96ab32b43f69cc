"""Vincenty's inverse and direct solutions from one centre to many points, compiled.

The formulas and the convergence test of ``pymap3d.vincenty.vdist`` and ``vreckon`` (what
:func:`gsomia.physics.geodesy.geodesic_inverse` and :func:`~gsomia.physics.geodesy.
geodesic_direct` call; T. Vincenty, "Direct and inverse solutions of geodesics on the
ellipsoid with application of nested equations", *Survey Review* 23 (176), 1975, pp.
88-93), one point at a time in a loop compiled with Numba (https://numba.pydata.org, no
``fastmath``). pymap3d's vectorised loops cost about 0.1-0.2 ms a call whatever the number
of points (some forty NumPy calls an iteration); the areas at risk
(:mod:`gsomia.warning.zoneindex`) call them for a few to a few hundred points per PIP.

Each point iterates until its own change is below 1e-12 rad (pymap3d iterates every
point until all have converged), so the numbers agree with pymap3d's to the convergence
test's resolution: distances within 1e-5 m, azimuths within 1e-5 m of displacement at the
point (``d Δα``), direct positions within 1e-9° (a change of 1e-12 rad in the longitude on the
auxiliary sphere moves the distance by at most ~6e-6 m; ``tests/physics/
test_vincenty_kernel.py``, Hypothesis). The callers'
special cases are not reproduced: points within 1e-9 rad of a pole and nearly antipodal
pairs (no convergence in 200 steps) come back as NaN, and the callers
(:func:`inverse_from`, :func:`direct_from`) then hand the whole call to pymap3d.

Importing this module imports Numba; the kernels are compiled on first use (cached on disk
by Numba).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from gsomia.physics.earth import WGS84, Earth
from gsomia.physics.geodesy import geodesic_direct, geodesic_inverse

__all__ = ["direct_from", "inverse_from"]

_jit = numba.njit(cache=True, nogil=True)


@_jit
def _inverse(lat1, lon1, lat, lon, a, f, dist, az):
    b = a * (1.0 - f)
    u1 = math.atan((1.0 - f) * math.tan(lat1))
    su1, cu1 = math.sin(u1), math.cos(u1)
    lon1m = lon1 % (2.0 * math.pi)
    for i in range(lat.size):
        if abs(lat[i]) > math.pi / 2 - 1e-9:
            dist[i] = az[i] = math.nan
            continue
        u2 = math.atan((1.0 - f) * math.tan(lat[i]))
        su2, cu2 = math.sin(u2), math.cos(u2)
        lon2m = lon[i] % (2.0 * math.pi)
        big_l = abs(lon2m - lon1m)
        if big_l > math.pi:
            big_l = 2.0 * math.pi - big_l
        lamb = big_l
        ok = False
        sin_s = cos_s = sigma = cos2_a = c2sm = sin_a = 0.0
        for _ in range(200):
            sl, cl = math.sin(lamb), math.cos(lamb)
            t = cu1 * su2 - su1 * cu2 * cl
            sin_s = math.sqrt((cu2 * sl) ** 2 + t * t)
            cos_s = su1 * su2 + cu1 * cu2 * cl
            sigma = math.atan2(sin_s, cos_s)
            ss = math.sin(sigma)
            sin_a = cu1 * cu2 * sl / ss if ss != 0.0 else 0.0
            alpha = math.pi / 2 if sin_a > 1.0 or abs(sin_a - 1.0) < 1e-16 else math.asin(sin_a)
            ca = math.cos(alpha)
            cos2_a = ca * ca
            c2sm = math.cos(sigma) - 2.0 * su1 * su2 / cos2_a
            sin_alpha = math.sin(alpha)
            c = f / 16.0 * cos2_a * (4.0 + f * (4.0 - 3.0 * cos2_a))
            old = lamb
            lamb = big_l + (1.0 - c) * f * sin_alpha * (
                sigma + c * math.sin(sigma) * (c2sm + c * math.cos(sigma)
                                               * (-1.0 + 2.0 * c2sm * c2sm)))
            if lamb > math.pi:
                break
            if abs(lamb - old) <= 1e-12:
                ok = True
                break
        if not ok:
            dist[i] = az[i] = math.nan
            continue
        u_sq = cos2_a * (a * a - b * b) / (b * b)
        big_a = 1.0 + u_sq / 16384.0 * (4096.0 + u_sq * (-768.0 + u_sq * (320.0 - 175.0 * u_sq)))
        big_b = u_sq / 1024.0 * (256.0 + u_sq * (-128.0 + u_sq * (74.0 - 47.0 * u_sq)))
        s2 = math.sin(sigma)
        d_sigma = big_b * s2 * (c2sm + big_b / 4.0 * (
            math.cos(sigma) * (-1.0 + 2.0 * c2sm * c2sm)
            - big_b / 6.0 * c2sm * (-3.0 + 4.0 * s2 * s2) * (-3.0 + 4.0 * c2sm * c2sm)))
        dist[i] = b * big_a * (sigma - d_sigma)
        lamb = abs(lamb)
        s_dl, s_l = math.sin(lon[i] - lon1), math.sin(lamb)
        if (s_dl > 0.0 and s_l < 0.0) or (s_dl < 0.0 and s_l > 0.0):
            lamb = -lamb
        sl, cl = math.sin(lamb), math.cos(lamb)
        a12 = math.atan2(cu2 * sl, cu1 * su2 - su1 * cu2 * cl) % (2.0 * math.pi)
        az[i] = math.degrees(a12)


@_jit
def _direct(lat1, lon1, s, alpha1, a, f, lat, lon):
    b = a * (1.0 - f)
    tan_u1 = (1.0 - f) * math.tan(lat1)
    cu1 = 1.0 / math.sqrt(1.0 + tan_u1 * tan_u1)
    su1 = tan_u1 * cu1
    for i in range(s.size):
        sa1, ca1 = math.sin(alpha1[i]), math.cos(alpha1[i])
        sigma1 = math.atan2(tan_u1, ca1)
        sin_a = cu1 * sa1
        cos2_a = 1.0 - sin_a * sin_a
        u_sq = cos2_a * (a * a - b * b) / (b * b)
        big_a = 1.0 + u_sq / 16384.0 * (4096.0 + u_sq * (-768.0 + u_sq * (320.0 - 175.0 * u_sq)))
        big_b = u_sq / 1024.0 * (256.0 + u_sq * (-128.0 + u_sq * (74.0 - 47.0 * u_sq)))
        sigma = s[i] / (b * big_a)
        sin_s = math.sin(sigma)
        cos_s = math.cos(sigma)
        c2sm = math.cos(2.0 * sigma1 + sigma)
        ok = False
        for _ in range(200):
            c2sm = math.cos(2.0 * sigma1 + sigma)
            sin_s, cos_s = math.sin(sigma), math.cos(sigma)
            d_sigma = big_b * sin_s * (c2sm + big_b / 4.0 * (
                cos_s * (-1.0 + 2.0 * c2sm * c2sm)
                - big_b / 6.0 * c2sm * (-3.0 + 4.0 * sin_s * sin_s) * (-3.0 + 4.0 * c2sm * c2sm)))
            old = sigma
            sigma = s[i] / (b * big_a) + d_sigma
            if abs(sigma - old) <= 1e-12:
                ok = True
                break
        if not ok:
            lat[i] = lon[i] = math.nan
            continue
        tmp = su1 * sin_s - cu1 * cos_s * ca1
        lat[i] = math.degrees(math.atan2(su1 * cos_s + cu1 * sin_s * ca1,
                                         (1.0 - f) * math.sqrt(sin_a * sin_a + tmp * tmp)))
        lamb = math.atan2(sin_s * sa1, cu1 * cos_s - su1 * sin_s * ca1)
        c = f / 16.0 * cos2_a * (4.0 + f * (4.0 - 3.0 * cos2_a))
        big_l = lamb - f * (1.0 - c) * sin_a * (
            sigma + c * sin_s * (c2sm + c * cos_s * (-1.0 + 2.0 * c2sm * c2sm)))
        lon[i] = math.degrees((lon1 + big_l) % (2.0 * math.pi))


def inverse_from(lat0_deg: float, lon0_deg: float, lat_deg: np.ndarray, lon_deg: np.ndarray,
                 earth: Earth = WGS84) -> tuple[np.ndarray, np.ndarray]:
    """Geodesic distance [m] and initial azimuth [deg, clockwise from north, [0, 360)] from
    ``(lat0_deg, lon0_deg)`` to each point ``(N,)`` [deg]: :func:`gsomia.physics.geodesy.
    geodesic_inverse` (pymap3d ``vdist``) within 1e-5 m (module notes)."""
    lat = np.radians(np.ascontiguousarray(lat_deg, dtype=float).ravel())
    lon = np.radians(np.ascontiguousarray(lon_deg, dtype=float).ravel())
    dist, az = np.empty(lat.size), np.empty(lat.size)
    lat1 = math.radians(lat0_deg)
    if abs(lat1) <= math.pi / 2 - 1e-9:
        _inverse(lat1, math.radians(lon0_deg), lat, lon, earth.a_m, earth.f, dist, az)
        if not np.isnan(dist).any():
            return dist, az
    d, a = geodesic_inverse(lat0_deg, lon0_deg, lat_deg, lon_deg, earth)
    return np.atleast_1d(d).astype(float), np.atleast_1d(a).astype(float)


def direct_from(lat0_deg: float, lon0_deg: float, distance_m: np.ndarray,
                azimuth_deg: np.ndarray, earth: Earth = WGS84
                ) -> tuple[np.ndarray, np.ndarray]:
    """Latitude and longitude ``(N,)`` [deg; longitude in [0, 360) as pymap3d's] reached
    from ``(lat0_deg, lon0_deg)`` over ``distance_m`` (≥ 0) [m] at initial azimuths
    ``azimuth_deg`` [deg]: :func:`gsomia.physics.geodesy.geodesic_direct` (pymap3d
    ``vreckon``) within 1e-9° (module notes)."""
    s = np.ascontiguousarray(distance_m, dtype=float).ravel()
    alpha = np.radians(np.ascontiguousarray(azimuth_deg, dtype=float).ravel())
    lat, lon = np.empty(s.size), np.empty(s.size)
    lat1 = math.radians(lat0_deg)
    if abs(lat1) <= math.pi / 2 - 1e-9:
        _direct(lat1, math.radians(lon0_deg), s, alpha, earth.a_m, earth.f, lat, lon)
        if not np.isnan(lat).any():
            return lat, lon
    la, lo = geodesic_direct(lat0_deg, lon0_deg, distance_m, azimuth_deg, earth)
    return np.atleast_1d(la).astype(float), np.atleast_1d(lo).astype(float)

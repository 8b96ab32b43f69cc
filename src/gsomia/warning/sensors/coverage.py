"""Coverage geometry of a sensor site: line of sight over the ellipsoid, refraction, sectors.

Frames and units: sites and targets are ECEF [m] on the WGS-84 ellipsoid (or the
:class:`~gsomia.physics.earth.Earth` passed in); azimuths are clockwise from north [rad] in
``[0, 2π)``.

Line of sight
-------------
Geometric line of sight is the straight segment from the site to the target not passing
below the WGS-84 ellipsoid. It is tested exactly: scaling ECEF coordinates by
``(1/a, 1/a, 1/b)`` maps the ellipsoid onto the unit sphere and segments onto segments, so
the test is whether the nearest point of the scaled segment to the origin lies inside the
unit sphere.

Refraction uses the effective-Earth-radius model: a standard atmosphere bends rays so that,
relative to the ray, the Earth looks ``k`` times larger, ``k = 4/3`` (M. I. Skolnik, *Radar
Handbook*, 3rd ed., McGraw-Hill 2008, ch. 26 "Radar propagation", 4/3-Earth model; first
due to Schelleng, Burrows and Ferrell, Proc. IRE 21 (1933)). We state it on the true
ellipsoid: the ray from site to target is an arc of curvature (1 − 1/k)/R bent toward the
Earth; it must clear the ellipsoid, and the elevation at which it leaves the site is the
*apparent* elevation, which is what the minimum-elevation limit applies to. The reported
measurement is always the true geometric range/azimuth/elevation plus noise (a radar
corrects for refraction before reporting).

The geometric radio horizon of a radar at height ``h_r`` for a target at height ``h_t``
is then ``d ≈ √(2Rh_r) + √(2Rh_t)`` (ground distance; ``R`` the Earth's radius of curvature,
``kR`` with refraction) — the formula the tests hold the model to.
"""

from __future__ import annotations

import math

import numpy as np

from gsomia.physics.earth import WGS84, Earth
from gsomia.physics.geodesy import height_above_ellipsoid_fast

__all__ = [
    "STANDARD_REFRACTION_K",
    "in_sector",
    "line_of_sight_clear",
    "refracted_line_of_sight",
    "wrap_angle_rad",
]

STANDARD_REFRACTION_K = 4.0 / 3.0
"""Effective-Earth-radius factor of the standard atmosphere (Skolnik, *Radar Handbook*)."""

_TWO_PI = 2.0 * math.pi

_RAY_POINTS = 257
"""Points along a refracted ray at which its clearance of the ellipsoid is checked."""


def wrap_angle_rad(angle_rad: np.ndarray) -> np.ndarray:
    """Wrap angles to ``[0, 2π)`` (float arrays in and out).

    ``np.mod`` of a tiny negative angle rounds to exactly 2π; that case is folded to 0.
    """
    w = np.mod(np.asarray(angle_rad, dtype=float), _TWO_PI)
    return np.where(w >= _TWO_PI, 0.0, w)


def line_of_sight_clear(site_ecef_m, target_ecef_m, earth: Earth = WGS84) -> np.ndarray:
    """True where the straight segment site → target stays on or above the ellipsoid.

    Exact for an ellipsoid of revolution: with ``s = diag(1/a, 1/a, 1/b)`` the ellipsoid is
    the unit sphere, segments stay segments, and the segment clears the Earth iff its point
    nearest the origin has norm ≥ 1 (a relative tolerance of 1e-12 lets end points lying
    exactly on the surface, such as a launch pad, count as visible when not masked).

    Args:
        site_ecef_m: sensor position, shape ``(3,)`` or ``(..., 3)`` [m], ECEF.
        target_ecef_m: target positions, shape ``(..., 3)`` [m], ECEF (broadcast with the site).
        earth: ellipsoid (default WGS-84).

    Returns:
        bool array of the broadcast leading shape.
    """
    scale = np.array([1.0 / earth.a_m, 1.0 / earth.a_m, 1.0 / earth.b_m])
    p = np.asarray(site_ecef_m, dtype=float) * scale
    q = np.asarray(target_ecef_m, dtype=float) * scale
    p, q = np.broadcast_arrays(p, q)
    d = q - p
    dd = np.einsum("...i,...i->...", d, d)
    pd = np.einsum("...i,...i->...", p, d)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.where(dd > 0.0, -pd / np.where(dd > 0.0, dd, 1.0), 0.0)
    s = np.clip(s, 0.0, 1.0)
    m = p + s[..., None] * d
    return np.einsum("...i,...i->...", m, m) >= 1.0 - 1e-12


def refracted_line_of_sight(site_ecef_m: np.ndarray, r_ecef_m, refraction_k: float,
                            earth: Earth = WGS84) -> tuple[np.ndarray, np.ndarray]:
    """Line of sight along the refracted ray, and the ray's departure angle above the
    chord [rad]; shapes ``(...)``.

    The ray is an arc of curvature κ = (1 − 1/k)/R₁ (R₁ the mean Earth radius) through
    the site and the target, bent toward the Earth, which is the effective-Earth model
    stated on the true Earth: the Earth's curvature relative to the ray is 1/(kR).
    Between its end points it rises above the chord by the sagitta κL²s(1 − s)/2
    (s ∈ [0, 1] along the chord of length L, small-angle form), and it leaves the site
    κL/2 above the chord. Clearance is checked at 257 points along the ray with
    :func:`~gsomia.physics.geodesy.height_above_ellipsoid_fast`, which bounds the
    grid error to about L²/(8·257²·R) (< 1 m at L = 1,000 km).

    Args:
        site_ecef_m: the sensor, shape ``(3,)`` [m], ECEF.
        r_ecef_m: targets, shape ``(..., 3)`` [m], ECEF.
        refraction_k: effective-Earth-radius factor ``k`` (1 = no bending).
        earth: the ellipsoid.

    Returns:
        ``(clear, lift_rad)``: bool ``(...)`` true where the ray stays above the ellipsoid
        (1 mm tolerance), and the angle [rad] by which the ray leaves the site above the
        chord (add it to the geometric elevation to get the apparent one).
    """
    site = site_ecef_m
    r = np.asarray(r_ecef_m, dtype=float)
    kappa = (1.0 - 1.0 / refraction_k) / earth.mean_radius_m
    chord = r - site
    length = np.linalg.norm(chord, axis=-1)
    s = np.linspace(0.0, 1.0, _RAY_POINTS)
    pts = site + s[:, None] * chord[..., None, :]                      # (..., S, 3)
    radial = pts / np.linalg.norm(pts, axis=-1, keepdims=True)
    sag = 0.5 * kappa * (length[..., None] ** 2) * s * (1.0 - s)        # (..., S)
    h = height_above_ellipsoid_fast(pts + sag[..., None] * radial, earth)
    return np.all(h >= -1e-3, axis=-1), 0.5 * kappa * length


def in_sector(az_rad, centre_rad: float | None, half_width_rad: float) -> np.ndarray:
    """True where azimuth(s) [rad] lie within ``half_width_rad`` of ``centre_rad`` (both
    clockwise from north [rad]); always true when ``centre_rad`` is ``None`` (all round).

    Returns:
        bool array of the shape of ``az_rad``.
    """
    az = np.asarray(az_rad, dtype=float)
    if centre_rad is None:
        return np.ones(az.shape, dtype=bool)
    off = np.mod(az - centre_rad + math.pi, _TWO_PI) - math.pi
    return np.abs(off) <= half_width_rad

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
    "aer_from_site",
    "in_sector",
    "line_of_sight_clear",
    "ray_clear_on_grid",
    "refracted_line_of_sight",
    "wrap_angle_rad",
]

STANDARD_REFRACTION_K = 4.0 / 3.0
"""Effective-Earth-radius factor of the standard atmosphere (Skolnik, *Radar Handbook*)."""

_TWO_PI = 2.0 * math.pi

_RAY_POINTS = 257
"""Points along a refracted ray at which its clearance of the ellipsoid is checked."""

_GRID_BLOCK = 4096
"""Targets checked at once on the ray grid (bounds memory: 4096 × 257 points)."""


def aer_from_site(site_ecef_m: np.ndarray, enu_rows: np.ndarray,
                  r_ecef_m) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Azimuth [rad, in ``[0, 2π)``], elevation [rad] and slant range [m] of ECEF
    position(s) ``r_ecef_m`` ``(..., 3)`` [m] from a site.

    ENU components are the projections of ``r − site`` on the site's east, north and up
    unit vectors (the rows of ``enu_rows``, :func:`gsomia.physics.geodesy.enu_basis`);
    az = atan2(e, n), el = atan2(u, √(e² + n²)), range = √(e² + n² + u²). Computed element
    by element (no matrix product), so a target gets the same bits whether it is
    computed alone or in a batch of any size — the vectorised radar scan relies on it.

    Returns:
        ``(az, el, range)``, each of shape ``(...)``.
    """
    rel = np.asarray(r_ecef_m, dtype=float) - site_ecef_m
    x, y, z = rel[..., 0], rel[..., 1], rel[..., 2]
    b = np.asarray(enu_rows, dtype=float)
    e = b[0, 0] * x + b[0, 1] * y + b[0, 2] * z
    n = b[1, 0] * x + b[1, 1] * y + b[1, 2] * z
    u = b[2, 0] * x + b[2, 1] * y + b[2, 2] * z
    return (wrap_angle_rad(np.arctan2(e, n)), np.arctan2(u, np.hypot(e, n)),
            np.sqrt(e * e + n * n + u * u))


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
    return _nearest_norm2(site_ecef_m, target_ecef_m, earth) >= 1.0 - 1e-12


def refracted_line_of_sight(site_ecef_m: np.ndarray, r_ecef_m, refraction_k: float,
                            earth: Earth = WGS84) -> tuple[np.ndarray, np.ndarray]:
    """Line of sight along the refracted ray, and the ray's departure angle above the
    chord [rad]; shapes ``(...)``.

    The ray is an arc of curvature κ = (1 − 1/k)/R₁ (R₁ the mean Earth radius) through
    the site and the target, bent toward the Earth, which is the effective-Earth model
    stated on the true Earth: the Earth's curvature relative to the ray is 1/(kR).
    Between its end points it rises above the chord by the sagitta κL²s(1 − s)/2
    (s ∈ [0, 1] along the chord of length L, small-angle form), and it leaves the site
    κL/2 above the chord. Clearance is checked at 257 points along the ray
    (:func:`ray_clear_on_grid`).

    Shortcut (the same answer, cheaper): for k ≥ 1 the sagitta is ≥ 0 and lifts each grid
    point radially, and the radial height of
    :func:`~gsomia.physics.geodesy.height_above_ellipsoid_fast` grows by exactly the lift
    along a radial (to rounding, far below the 1 mm tolerance), so every grid point is at
    least as high as the chord point below it;
    where the straight chord clears the ellipsoid (:func:`line_of_sight_clear` with no
    tolerance) the ray clears too, and only the other targets are checked on the grid.

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
    site = np.asarray(site_ecef_m, dtype=float)
    r = np.asarray(r_ecef_m, dtype=float)
    kappa = (1.0 - 1.0 / refraction_k) / earth.mean_radius_m
    length = _norm3(r - site)
    lift = 0.5 * kappa * length
    if kappa < 0.0:
        return ray_clear_on_grid(site, r, refraction_k, earth), lift
    clear = _chord_clear(site, r, earth).reshape(-1)
    flat = r.reshape(-1, 3)
    rest = np.nonzero(~clear)[0]
    if rest.size:
        clear[rest] = ray_clear_on_grid(site, flat[rest], refraction_k, earth)
    return clear.reshape(r.shape[:-1]), lift


def ray_clear_on_grid(site_ecef_m: np.ndarray, r_ecef_m, refraction_k: float,
                      earth: Earth = WGS84) -> np.ndarray:
    """The refracted ray's clearance checked point by point (no shortcut): true where all
    257 points of the ray site → target (:func:`refracted_line_of_sight`) have a height
    (:func:`~gsomia.physics.geodesy.height_above_ellipsoid_fast`) of at least −1 mm.

    The grid error is about L²/(8·257²·R) (< 1 m at L = 1,000 km). Targets are checked in
    blocks of :data:`_GRID_BLOCK` to bound memory.

    Args:
        site_ecef_m: the sensor, shape ``(3,)`` [m], ECEF.
        r_ecef_m: targets, shape ``(..., 3)`` [m], ECEF.
        refraction_k: effective-Earth-radius factor ``k``.
        earth: the ellipsoid.

    Returns:
        bool array ``(...)``.
    """
    site = np.asarray(site_ecef_m, dtype=float)
    r = np.asarray(r_ecef_m, dtype=float)
    kappa = (1.0 - 1.0 / refraction_k) / earth.mean_radius_m
    flat = r.reshape(-1, 3)
    out = np.empty(len(flat), dtype=bool)
    s = np.linspace(0.0, 1.0, _RAY_POINTS)
    for lo in range(0, len(flat), _GRID_BLOCK):
        chord = flat[lo:lo + _GRID_BLOCK] - site
        length = np.linalg.norm(chord, axis=-1)
        pts = site + s[:, None] * chord[..., None, :]                      # (n, S, 3)
        radial = pts / np.linalg.norm(pts, axis=-1, keepdims=True)
        sag = 0.5 * kappa * (length[..., None] ** 2) * s * (1.0 - s)        # (n, S)
        h = height_above_ellipsoid_fast(pts + sag[..., None] * radial, earth)
        out[lo:lo + _GRID_BLOCK] = np.all(h >= -1e-3, axis=-1)
    return out.reshape(r.shape[:-1])


def _chord_clear(site: np.ndarray, r: np.ndarray, earth: Earth) -> np.ndarray:
    """True where the straight segment site → r stays outside the ellipsoid, no tolerance
    (the test of :func:`line_of_sight_clear`)."""
    return _nearest_norm2(site, r, earth) >= 1.0


def _nearest_norm2(site_ecef_m, target_ecef_m, earth: Earth) -> np.ndarray:
    """Squared norm of the point of the segment nearest the origin, in coordinates scaled
    by ``(1/a, 1/a, 1/b)`` (≥ 1: the segment clears the ellipsoid)."""
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
    return np.einsum("...i,...i->...", m, m)


def _norm3(v: np.ndarray) -> np.ndarray:
    """Euclidean norm over the last axis of ``(..., 3)``, element by element (the same
    bits whatever the batch size)."""
    return np.sqrt(v[..., 0] * v[..., 0] + v[..., 1] * v[..., 1] + v[..., 2] * v[..., 2])


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

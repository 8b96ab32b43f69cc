"""Predicted impact point (PIP) and time of impact, with a 2-D uncertainty ellipse.

Unscented transform (Julier & Uhlmann 2004, eqs. (12)-(16)) of the track's Gaussian state
through the impact map ``x ↦ (impact point, time of impact)`` computed by the physics
layer's :func:`gsomia.physics.propagate.propagate_to_impact` (one call for every sigma
point of every track, in its compiled form :func:`gsomia.physics.impact_kernel.impact_rows`:
the same numbers, without NumPy's per-call cost that dominated a single track's PIP). The
impact points are expressed in the east-north plane tangent to the ellipsoid at the mean
impact point (geodetic ENU), where their weighted covariance gives the ellipse:

.. math::
    \\bar y = \\sum_i W^m_i y_i,\\qquad
    C = \\sum_i W^c_i (y_i - \\bar y)(y_i - \\bar y)^\\top

For a probability ``p`` the ellipse ``{y: (y − ȳ)ᵀ C⁻¹ (y − ȳ) ≤ −2 ln(1 − p)}`` holds the
impact point with that probability (χ² with 2 degrees of freedom).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gsomia.physics.earth import WGS84, Earth
from gsomia.physics.geodesy import ecef2geodetic, enu_basis, geodetic2ecef
from gsomia.warning.tracking.predict import sigma_points
from gsomia.warning.tracking.states import GaussianStates, error_ellipse

__all__ = ["ImpactPrediction", "impact_moments_numpy", "lift_to_surface",
           "predict_impact"]


@dataclass(frozen=True, slots=True, eq=False)
class ImpactPrediction:
    """Where and when one track's object will fall.

    Attributes:
        t_s: time of the track estimate it comes from [s since the epoch].
        impact_s: mean time of impact [s since the epoch]; impact_sigma_s: its 1-σ [s].
        lat_deg, lon_deg: mean impact point (geodetic WGS-84).
        cov_en_m2: covariance of the impact point in the local east-north plane, ``(2, 2)``.
        valid: False if some sigma point did not come down within the horizon.
    """

    t_s: float
    impact_s: float
    impact_sigma_s: float
    lat_deg: float
    lon_deg: float
    cov_en_m2: np.ndarray
    valid: bool

    def ellipse(self, probability: float = 0.95) -> tuple[float, float, float]:
        """``(semi_major_m, semi_minor_m, orientation_deg)`` of the ellipse holding the impact
        with ``probability``; orientation of the major axis clockwise from north.

        Raises:
            InputError: probability outside (0, 1).
        """
        return error_ellipse(self.cov_en_m2, probability)


def predict_impact(states: GaussianStates, earth: Earth = WGS84, step_s: float = 2.0,
                   max_time_s: float = 3600.0) -> list[ImpactPrediction]:
    """PIP of every state of the batch by the unscented transform (module notes).

    Args:
        states: track estimates at ``states.t_s`` (ECEF, ``(N, 6)`` and ``(N, 6, 6)``).
        earth: the Earth model; step_s: RK4 step [s]; max_time_s: horizon [s].

    Returns:
        one :class:`ImpactPrediction` per state (``valid`` False where some sigma point
        never came down).
    """
    n = states.x.shape[0]
    if n == 0:
        return []
    pts, wm, wc = sigma_points(states.x, states.P)
    s = pts.shape[1]
    # sigma points below the ground (large uncertainty at low altitude) start at the surface;
    # propagated by the compiled form of propagate_to_impact (the same numbers, bit for bit;
    # gsomia.physics.impact_kernel), imported here so that only PIPs load Numba
    from gsomia.physics.impact_kernel import impact_rows

    t_rows, y_rows = impact_rows(lift_to_surface(pts.reshape(-1, 6), earth), earth, step_s=step_s,
                                 max_time_s=max_time_s)
    r = y_rows[:, :3].reshape(n, s, 3)
    timp = t_rows.reshape(n, s)
    # the moments in the tangent plane, compiled too (the same numbers as
    # impact_moments_numpy within rounding)
    from gsomia.physics.impact_kernel import impact_moments

    mo = impact_moments(r, timp, wm, wc, earth)
    out = []
    for k in range(n):
        # the time's moments by NumPy's dot, as the propagator's users compute them
        tm = float(wm @ timp[k])
        ts = math.sqrt(max(float(wc @ (timp[k] - tm) ** 2), 0.0)) if mo[k, 4] else math.nan
        out.append(ImpactPrediction(states.t_s, states.t_s + tm, ts, float(mo[k, 0]),
                                    float(mo[k, 1]), mo[k, 5:].reshape(2, 2), bool(mo[k, 4])))
    return out


def impact_moments_numpy(r: np.ndarray, timp: np.ndarray, wm: np.ndarray, wc: np.ndarray,
                         earth: Earth = WGS84) -> np.ndarray:
    """:func:`gsomia.physics.impact_kernel.impact_moments` in NumPy (the reference its
    compiled form is tested against): each track's mean impact point and east-north
    covariance from its sigma points' impacts ``r (N, S, 3)`` (ECEF [m]) and times
    ``timp (N, S)`` [s] (module notes); same ``(N, 9)`` result."""
    n = r.shape[0]
    hit = ~np.isnan(timp)
    # the geodetic conversions of every track at once (one call each, not one per track)
    mean_r = np.einsum("s,nsi->ni", wm, r)
    lat, lon, _ = ecef2geodetic(mean_r, earth)
    base = geodetic2ecef(lat, lon, 0.0, earth)
    bases = [enu_basis(float(lat[k]), float(lon[k]))[:2] for k in range(n)]
    en_means, covs = [], []
    for k in range(n):
        en = (r[k] - base[k]) @ bases[k].T
        en_mean = wm @ en
        d = en - en_mean
        en_means.append(en_mean)
        covs.append(np.einsum("s,si,sj->ij", wc, d, d))
    # the mean in the tangent plane is (almost) zero; move the point onto it
    lat2, lon2, _ = ecef2geodetic(base + np.stack([m @ b for m, b in zip(
        en_means, bases, strict=True)]), earth)
    out = np.empty((n, 9))
    for k in range(n):
        cov = covs[k]
        tk = np.where(hit[k], timp[k], np.nan)
        tm = float(wm @ tk)
        ts = math.sqrt(max(float(wc @ (tk - tm) ** 2), 0.0)) if np.all(hit[k]) else math.nan
        out[k] = (lat2[k], lon2[k], tm, ts, float(np.all(hit[k])),
                  *(0.5 * (cov + cov.T)).ravel())
    return out


def lift_to_surface(y: np.ndarray, earth: Earth = WGS84) -> np.ndarray:
    """States ``(N, 6)`` (ECEF [m, m/s]) with every position below the ellipsoid moved up
    along its radius to 1 m above it (a copy; sigma points of an uncertain state at low
    altitude may lie underground)."""
    from gsomia.physics.geodesy import height_above_ellipsoid_fast

    y = y.copy()
    h = height_above_ellipsoid_fast(y[:, :3], earth)
    low = h < 0.0
    if np.any(low):
        r = y[low, :3]
        y[low, :3] = r * (1.0 - (h[low] - 1.0) / np.linalg.norm(r, axis=1))[:, None]
    return y

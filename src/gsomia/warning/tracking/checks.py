"""The tracker's check of a detection at its edge (:func:`check_detection`)."""

from __future__ import annotations

import math

import numpy as np

from gsomia.errors import InputError
from gsomia.warning.types import Detection

__all__ = ["MAX_RANGE_M", "check_detection"]


MAX_RANGE_M = 1.0e8
"""Largest radar range accepted [m] (100,000 km: beyond geostationary orbit)."""


def check_detection(d: Detection) -> None:
    """Check a detection at the tracker's edge.

    Time, site and measurement must be finite; the site latitude in [-90, 90]°; the range in
    (0, ``MAX_RANGE_M``]; the elevation in [-π/2, π/2]; the covariance a 3×3 finite,
    symmetric matrix with positive eigenvalues (range, azimuth, elevation variances in m²,
    rad²; an all-zero covariance would make the filters' innovation covariance singular).

    Raises:
        InputError: naming the field (``t_s``, ``site_lat_deg``, ``range_m``, …).
    """
    for name in ("t_s", "site_lat_deg", "site_lon_deg", "site_alt_m", "range_m", "az_rad",
                 "el_rad"):
        v = getattr(d, name)
        if not isinstance(v, (int, float, np.floating, np.integer)) or not math.isfinite(v):
            raise InputError(name, v, "must be a finite number")
    if not -90.0 <= d.site_lat_deg <= 90.0:
        raise InputError("site_lat_deg", d.site_lat_deg, "must be in [-90, 90] degrees")
    if not 0.0 < d.range_m <= MAX_RANGE_M:
        raise InputError("range_m", d.range_m, f"must be > 0 and <= {MAX_RANGE_M:g} m")
    if not -math.pi / 2 <= d.el_rad <= math.pi / 2:
        raise InputError("el_rad", d.el_rad, "must be in [-pi/2, pi/2]")
    cov = np.asarray(d.covariance, dtype=float)
    if cov.shape != (3, 3) or not np.all(np.isfinite(cov)):
        raise InputError("covariance", cov.tolist(), "expected a finite 3x3 matrix")
    if not np.allclose(cov, cov.T, rtol=1e-9, atol=0.0):
        raise InputError("covariance", cov.tolist(), "must be symmetric")
    if not np.linalg.eigvalsh(cov)[0] > 0.0:
        raise InputError("covariance", cov.tolist(), "must be positive definite")

"""Checks of the inputs of :func:`gsomia.physics.ballistics.fit_trajectory`: each raises
:class:`~gsomia.errors.InputError` naming the field, its value and the allowed range."""

from __future__ import annotations

import math
import numbers

from gsomia.errors import InputError

__all__ = ["check_fit_inputs", "check_impact_point", "check_real"]


def check_impact_point(point, sigma_m) -> tuple[float, float]:
    """A reported impact point ``(lat, lon)`` [deg] and its uncertainty, checked.

    Raises:
        InputError: naming ``impact_point_deg`` or ``impact_sigma_m``.
    """
    try:
        lat, lon = (float(v) for v in point)
    except (TypeError, ValueError):
        raise InputError("impact_point_deg", point, "expected (lat, lon) in degrees") from None
    check_real("impact_point_deg.lat", lat, -90.0, 90.0)
    check_real("impact_point_deg.lon", lon, -180.0, 360.0)
    check_real("impact_sigma_m", sigma_m, 1.0, 2e6)
    return lat, lon


def check_fit_inputs(lat_deg, lon_deg, bearing_deg, range_m, apogee_m, alt_m, missile, beta,
                     tolerance) -> None:
    """The site, flight figures, ballistic coefficient ``beta`` and tolerance of a fit.

    Raises:
        InputError: naming the first field out of its range (or ``missile`` not text).
    """
    checks = (
        ("lat_deg", lat_deg, -90.0, 90.0),
        ("lon_deg", lon_deg, -180.0, 360.0),
        ("bearing_deg", bearing_deg, -360.0, 360.0),
        ("range_m", range_m, 10e3, 15_000e3),
        ("apogee_m", apogee_m, 1e3, 10_000e3),
        ("alt_m", alt_m, -500.0, 10_000.0),
        ("tolerance", tolerance, 1e-9, 0.1),
    )
    for name, value, lo, hi in checks:
        check_real(name, value, lo, hi)
    if beta is not None:
        check_real("ballistic_coefficient_kg_m2", beta, 1.0, 1e9)
    if missile is not None and not isinstance(missile, str):
        raise InputError("missile", missile, "must be a name (text) or None")


def check_real(name: str, value, lo: float, hi: float) -> None:
    """Raise InputError unless ``value`` is a real number (not bool) in [lo, hi]."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if not (ok and math.isfinite(value) and lo <= value <= hi):
        raise InputError(name, value, f"must be a number in [{lo:g}, {hi:g}]")

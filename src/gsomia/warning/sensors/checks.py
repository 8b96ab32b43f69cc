"""Checks of a sensor's configuration, shared by every sensor model.

Each check raises :class:`~gsomia.errors.InputError` naming the field and its value, and
returns nothing otherwise; a sensor calls them from ``__post_init__`` so that no sensor
with a value out of its domain can exist.
"""

from __future__ import annotations

import math

from gsomia.errors import InputError

__all__ = [
    "check_finite",
    "check_identity",
    "check_nonneg",
    "check_positive",
    "check_probability",
    "check_site",
]


def check_finite(name: str, value: float) -> None:
    """Raise InputError(name, value) unless ``value`` is a finite number."""
    if not math.isfinite(value):
        raise InputError(name, value, "must be a finite number")


def check_positive(name: str, value: float) -> None:
    """Raise InputError(name, value) unless ``value`` is finite and > 0."""
    check_finite(name, value)
    if value <= 0.0:
        raise InputError(name, value, "must be > 0")


def check_nonneg(name: str, value: float) -> None:
    """Raise InputError(name, value) unless ``value`` is finite and >= 0."""
    check_finite(name, value)
    if value < 0.0:
        raise InputError(name, value, "must be >= 0")


def check_probability(name: str, value: float) -> None:
    """Raise InputError(name, value) unless ``value`` is finite and in [0, 1]."""
    check_finite(name, value)
    if not 0.0 <= value <= 1.0:
        raise InputError(name, value, "a probability must lie in [0, 1]")


def check_identity(sensor_id: str, owner: str) -> None:
    """Raise InputError on an empty sensor id (field ``id``) or owning party (``owner``)."""
    if not sensor_id:
        raise InputError("id", sensor_id, "a sensor needs a non-empty id")
    if not owner:
        raise InputError("owner", owner, "a sensor needs an owning party")


def check_site(lat_deg: float, lon_deg: float, alt_m: float) -> None:
    """Raise InputError unless a site is finite, latitude in [-90, 90] deg, longitude in
    [-180, 360] deg and height at least -500 m (WGS-84, metres above the ellipsoid)."""
    check_finite("lat_deg", lat_deg)
    check_finite("lon_deg", lon_deg)
    check_finite("alt_m", alt_m)
    if not -90.0 <= lat_deg <= 90.0:
        raise InputError("lat_deg", lat_deg, "latitude must lie in [-90, 90] degrees")
    if not -180.0 <= lon_deg <= 360.0:
        raise InputError("lon_deg", lon_deg, "longitude must lie in [-180, 360] degrees")
    if alt_m < -500.0:
        raise InputError("alt_m", alt_m, "a sensor site must not be below -500 m")

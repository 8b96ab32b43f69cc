"""Checks of the inputs of :func:`gsomia.physics.ballistics.fit_trajectory`: each raises
:class:`~gsomia.errors.InputError` naming the field, its value and the allowed range."""

from __future__ import annotations

import math
import numbers

from gsomia.errors import InputError, PhysicsError
from gsomia.physics.earth import WGS84, Earth
from gsomia.physics.fit_start import kepler_burnout_state
from gsomia.physics.propulsion import PROPULSION_CLASSES, REACH_MARGIN, PropulsionClass

__all__ = ["check_fit_inputs", "check_impact_point", "check_reach", "check_real",
           "needed_burnout_speed_m_s"]


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


def needed_burnout_speed_m_s(range_m: float, apogee_m: float, earth: Earth = WGS84) -> float:
    """Burnout speed [m/s] that a flight of ground range ``range_m`` and apogee ``apogee_m``
    [m] needs of its propulsion class, in the model of the classes' limits
    (:meth:`gsomia.physics.propulsion.PropulsionClass.max_burnout_speed_m_s`): the speed
    at the surface of the Keplerian ellipse over a spherical, non-rotating Earth
    (:func:`gsomia.physics.fit_start.kepler_burnout_state`; Bate, Mueller & White, 1971,
    §6.2) with that range and with the apogee, or the minimum-energy apogee of the range
    ``R⊕((1 + sin(Ψ/2) + cos(Ψ/2))/2 − 1)`` (``Ψ = range/R⊕``; same source: the empty
    focus of that ellipse lies on the chord) if that is higher. A lofted flight thus needs
    the energy of its apogee; a depressed one (apogee below the minimum-energy one) is
    counted at the minimum-energy speed of its range, since real depressed flights, e.g.
    the KN-23 family's 50 km apogees at 600-950 km, reach their range with aerodynamic lift
    and trajectory shaping that a vacuum ellipse ignores (that ellipse would ask a solid
    SRBM for up to 4.1 km/s).

    Raises:
        PhysicsError: no such ellipse (a range of a whole circumference or more).
    """
    big_r = earth.mean_radius_m
    half = 0.5 * range_m / big_r
    apogee_me = big_r * (0.5 * (1.0 + math.sin(half) + math.cos(half)) - 1.0)
    return kepler_burnout_state(range_m, max(apogee_m, apogee_me), earth)[0]


def check_reach(prop: PropulsionClass, range_m: float, apogee_m: float, *,
                field: str = "range_m", value: object = None, earth: Earth = WGS84) -> float:
    """Refuse a flight beyond the reach of its propulsion class (module notes of
    :mod:`gsomia.physics.propulsion`, *Reach*).

    Args:
        prop: the flight's class.
        range_m, apogee_m: the flight's ground range and apogee [m].
        field, value: the field named in the error and its value as the user gave it
            (default: ``range_m`` and ``range_m``).

    Returns:
        the ratio of the needed burnout speed (:func:`needed_burnout_speed_m_s`) to the
        class's limit [-], at most 1.

    Raises:
        InputError: naming ``field`` and ``value``: the needed speed is above the class's
            limit (the message gives both, the class's reach and a class that can fly it).
    """
    try:
        needed = needed_burnout_speed_m_s(range_m, apogee_m, earth)
    except PhysicsError as exc:
        raise InputError(field, range_m if value is None else value, str(exc)) from None
    limit = prop.max_burnout_speed_m_s(earth)
    if needed <= limit:
        return needed / limit
    reach = ("no upper range: the escape speed" if prop.max_range_m is None else
             f"the minimum-energy speed of its {prop.max_range_m / 1e3:,.0f} km reach + "
             f"{100 * REACH_MARGIN:g} %")
    raise InputError(field, range_m if value is None else value,
                     f"beyond the reach of propulsion class {prop.name}: range "
                     f"{range_m / 1e3:,.0f} km with apogee {apogee_m / 1e3:,.0f} km needs a "
                     f"burnout speed of {needed / 1e3:.2f} km/s, above the class's limit of "
                     f"{limit / 1e3:.2f} km/s ({reach}); {_able(prop, needed, earth)}")


def _able(prop: PropulsionClass, needed: float, earth: Earth) -> str:
    """Advice naming the class of least reach that flies at ``needed`` m/s, one of the same
    propellant (liquid/solid) as ``prop`` first."""
    able = sorted((c.max_burnout_speed_m_s(earth), c.name) for c in PROPULSION_CLASSES.values()
                  if c.max_burnout_speed_m_s(earth) >= needed)
    if not able:
        return "no class reaches it"
    kind = prop.name.split("-")[0]
    same = [n for _, n in able if n.startswith(kind)]
    return f"use propulsion {(same or [able[0][1]])[0]} (or another missile)"

"""Area at risk: the cell of a true impact point, and whether a PIP names it
(:mod:`gsomia.sim.run` notes, ``area_at_risk_s``).

The maritime zones are loaded once by the caller (:func:`load_zones`, about a second) and
passed in; nothing is cached here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gsomia.errors import InputError
from gsomia.physics.geodesy import geodesic_inverse
from gsomia.warning.areas import EEZ_M, MaritimeZones, areas_at_risk
from gsomia.warning.sensors import Flight
from gsomia.warning.tracking.impact import ImpactPrediction

__all__ = ["AREA_PARTIES", "TrueArea", "knows_area", "load_zones", "true_area"]

AREA_PARTIES = ("JPN", "KOR")
"""Parties whose land, territorial sea and EEZ are the areas at risk (warning.areas)."""


def load_zones() -> MaritimeZones:
    """The areas' polygons (:meth:`MaritimeZones.from_natural_earth
    <gsomia.warning.areas.MaritimeZones.from_natural_earth>` of :data:`AREA_PARTIES`); about
    a second: load once and pass them to every run."""
    return MaritimeZones.from_natural_earth(AREA_PARTIES)


@dataclass(frozen=True, slots=True)
class TrueArea:
    """The cell ``(country, zone)`` of a true impact point (``zone``: ``"land"``,
    ``"territorial_sea"``, ``"eez"`` or ``"high_seas"`` with country ``""``) and the point
    ``lat_deg``, ``lon_deg`` [deg]."""

    cell: tuple[str, str]
    lat_deg: float
    lon_deg: float


def true_area(flight: Flight, zones: MaritimeZones) -> TrueArea:
    """The true impact's cell over every country loaded, or ``("", "high_seas")``
    (:meth:`gsomia.warning.areas.MaritimeZones.zones`)."""
    lat, lon = flight.trajectory.impact_lat_deg, flight.trajectory.impact_lon_deg
    party, zone = zones.zones(lat, lon, np.zeros(1), np.zeros(1), every_country=True)
    return TrueArea((str(party[0]), str(zone[0])), float(lat), float(lon))


def knows_area(pip: ImpactPrediction, truth: TrueArea, zones: MaritimeZones,
               probability: float, n_samples: int) -> bool:
    """Whether the PIP names the true area at risk: the most probable (country, zone) cell
    of the PIP's distribution (``n_samples`` samples), over every country and the high
    seas, is the true one, with probability at least ``probability``; on the high seas,
    which are one cell from the middle of the Sea of Japan to the Pacific, the PIP must also
    lie within 200 nmi (:data:`gsomia.warning.areas.EEZ_M`, the breadth of a zone) of the
    true impact."""
    try:
        areas = areas_at_risk(pip, zones, n_samples=n_samples, every_country=True)
    except InputError:   # a degenerate covariance names no area
        return False
    if not areas or (areas[0]["party"], areas[0]["zone"]) != truth.cell or \
            areas[0]["probability"] < probability:
        return False
    if truth.cell == ("", "high_seas"):
        d, _ = geodesic_inverse(pip.lat_deg, pip.lon_deg, truth.lat_deg, truth.lon_deg)
        return float(d) <= EEZ_M
    return True

"""Whether a submarine's track stays at sea: its waypoints and the legs between them against
the land of Natural Earth, as :class:`gsomia.warning.areas.MaritimeZones` loads it for the
zones (1:10m Admin 0 countries, simplified by 0.002°, every country of
:data:`gsomia.warning.areas.REGION_DEG`).

A leg is checked *exactly*, not sampled: :class:`gsomia.warning.sensors.maritime.
SubmarineTrack` moves the boat linearly in latitude and longitude between waypoints, so a
leg is a straight segment in the (longitude, latitude) plane of the polygons, and the
intersection of a segment with a polygon is exact in that plane (Shapely/GEOS). A geodesic
leg would differ from that path (by 165 m in the middle of a 100 km east-west leg at
40° N), but the boat is not moved along geodesics, so no sampling density has to be chosen:
a sliver of land of any width on the path is found.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import shapely

from gsomia.errors import InputError
from gsomia.warning.areas import REGION_DEG, MaritimeZones

__all__ = ["LandHit", "first_land_hit"]


@dataclass(frozen=True)
class LandHit:
    """Where a track first touches land.

    Attributes:
        index: the waypoint on land, or the first waypoint of the leg that crosses land.
        leg: ``True`` for a leg (from waypoint ``index`` to ``index + 1``), ``False`` for a
            waypoint.
        country: ISO alpha-3 code of the land touched (Natural Earth ``ADM0_A3_DE``).
        entry_deg: ``(lat, lon)`` [deg] of the first point of the leg on that land (the
            waypoint itself for a waypoint).
        exit_deg: ``(lat, lon)`` [deg] of the last point of that stretch of land along the
            leg (the waypoint for a waypoint).
    """

    index: int
    leg: bool
    country: str
    entry_deg: tuple[float, float]
    exit_deg: tuple[float, float]


@functools.lru_cache(maxsize=1)
def _land() -> tuple[tuple[str, shapely.Geometry], ...]:
    """The land of the region, per country, prepared for repeated tests."""
    land = MaritimeZones.from_natural_earth(()).land
    for geom in land.values():
        shapely.prepare(geom)
    return tuple(sorted(land.items()))


def _outside_region(lat: float, lon: float) -> bool:
    lon0, lat0, lon1, lat1 = REGION_DEG
    return not (lon0 <= lon <= lon1 and lat0 <= lat <= lat1)


def first_land_hit(waypoints: tuple[tuple[float, float, float], ...]) -> LandHit | None:
    """The first waypoint on land or leg that crosses land, in track order (a waypoint
    before the leg that starts from it), or ``None`` when the whole track is at sea.

    Args:
        waypoints: ``((t_s, lat_deg, lon_deg), ...)`` as in
            :class:`~gsomia.warning.sensors.maritime.SubmarineTrack`.

    Raises:
        InputError: naming ``track[i]``: a waypoint outside
            :data:`~gsomia.warning.areas.REGION_DEG`, where no land is loaded to check
            against (the message gives the region).
    """
    land = _land()
    points = [(float(lat), float(lon)) for _, lat, lon in waypoints]
    for i, (t, lat, lon) in enumerate(waypoints):
        if _outside_region(float(lat), float(lon)):
            raise InputError(f"track[{i}]", {"t_s": t, "lat_deg": lat, "lon_deg": lon},
                             "outside the region whose land is loaded, (lon_min, lat_min, "
                             f"lon_max, lat_max) = {REGION_DEG} deg")
    for i, (lat, lon) in enumerate(points):
        for code, geom in land:
            if geom.intersects(shapely.Point(lon, lat)):
                return LandHit(i, False, code, (lat, lon), (lat, lon))
        if i + 1 < len(points):
            hit = _leg_hit(i, (lat, lon), points[i + 1], land)
            if hit is not None:
                return hit
    return None


def _leg_hit(i: int, a: tuple[float, float], b: tuple[float, float],
             land: tuple[tuple[str, shapely.Geometry], ...]) -> LandHit | None:
    """The land crossed by the leg ``a`` → ``b`` (``(lat, lon)`` [deg]) nearest to ``a``."""
    if a == b:
        return None
    seg = shapely.LineString([(a[1], a[0]), (b[1], b[0])])
    best: tuple[float, LandHit] | None = None
    for code, geom in land:
        if not geom.intersects(seg):
            continue
        parts = shapely.get_parts(shapely.intersection(seg, geom))
        for part in parts:
            coords = shapely.get_coordinates(part)
            along = [seg.project(shapely.Point(c)) for c in coords]
            k0, k1 = int(min(range(len(along)), key=along.__getitem__)), \
                int(max(range(len(along)), key=along.__getitem__))
            hit = LandHit(i, True, code, (float(coords[k0][1]), float(coords[k0][0])),
                          (float(coords[k1][1]), float(coords[k1][0])))
            if best is None or along[k0] < best[0]:
                best = (along[k0], hit)
    return None if best is None else best[1]

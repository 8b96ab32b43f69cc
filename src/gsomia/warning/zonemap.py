"""Polygons of each party's land, territorial sea and EEZ, for drawing on a map (the common
operational picture, :mod:`gsomia.web.cop`).

:mod:`gsomia.warning.areas` decides the zone of a point exactly, point by point (distance to
each country's Natural Earth land, UNCLOS Art. 3, 57; the median line with every neighbour,
UNCLOS Art. 15, 74 — see its notes). A map needs the zones as polygons instead; they are
built here from the same land by the same rule, in a plane:

1. Every country's land of the region (:meth:`MaritimeZones.from_natural_earth`) is mapped
   into an azimuthal equidistant plane centred on the region (``(d sin α, d cos α)`` with
   ``d``, ``α`` the WGS-84 geodesic distance and azimuth from the centre, Vincenty).
2. The median lines: the coastlines are sampled every ``spacing_m`` and the Voronoi
   diagram of the samples (Qhull, through SciPy) is merged by country: each country's
   cells are the points nearer to its coast than to any other's (the equidistance line of
   UNCLOS Art. 15 up to the sample spacing).
3. Territorial sea: the 12 nmi buffer of the land, EEZ: the 200 nmi buffer, each cut to
   the country's cells, then mapped back to longitude/latitude (Vincenty direct).

Accuracy (display only; the area-at-risk figures come from :mod:`gsomia.warning.areas`):
distances from the centre are exact; between other points the scale along circles is
``(d/R)/sin(d/R)`` (Snyder, *Map Projections – A Working Manual*, USGS PP 1395, 1987, §25),
1.7 % at 2,000 km from the centre, i.e. an EEZ limit out by up to ~6 km at the region's
edge; the median line is good to about half the sample spacing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from scipy.spatial import Voronoi

from gsomia.errors import InputError
from gsomia.physics.geodesy import geodesic_direct, geodesic_inverse
from gsomia.warning.areas import EEZ_M, TERRITORIAL_SEA_M, MaritimeZones

__all__ = ["REGION_DEG", "ZoneMap", "zone_map"]

#: The map's region ``(lon_min, lat_min, lon_max, lat_max)`` [deg]: Korea, Japan, the Sea
#: of Japan and the launch areas of North Korea, with the neighbours whose coasts set the
#: median lines.
REGION_DEG = (116.0, 22.0, 156.0, 52.0)


@dataclass(frozen=True, slots=True)
class ZoneMap:
    """Polygons in longitude/latitude [deg] (module notes).

    Attributes:
        land: country (ISO alpha-3) → its land in the region (every country loaded).
        territorial_sea, eez: party → its zone (the land included), for :attr:`parties`.
        parties: the parties whose zones were built; source: where the land comes from.
    """

    land: dict[str, shapely.Geometry]
    territorial_sea: dict[str, shapely.Geometry]
    eez: dict[str, shapely.Geometry]
    parties: tuple[str, ...]
    source: str


class _Plane:
    """Azimuthal equidistant plane about ``(lat0, lon0)`` [deg] (module notes, step 1)."""

    def __init__(self, lat0_deg: float, lon0_deg: float) -> None:
        self.lat0, self.lon0 = lat0_deg, lon0_deg

    def forward(self, lonlat: np.ndarray) -> np.ndarray:
        d, az = geodesic_inverse(self.lat0, self.lon0, lonlat[:, 1], lonlat[:, 0])
        d, a = np.atleast_1d(d), np.radians(np.atleast_1d(az))
        return np.column_stack((d * np.sin(a), d * np.cos(a)))

    def inverse(self, xy: np.ndarray) -> np.ndarray:
        d = np.hypot(xy[:, 0], xy[:, 1])
        az = np.degrees(np.arctan2(xy[:, 0], xy[:, 1]))
        lat, lon = geodesic_direct(self.lat0, self.lon0, d, az)
        return np.column_stack((np.atleast_1d(lon), np.atleast_1d(lat)))


def _cells(land_xy: dict[str, shapely.Geometry], spacing_m: float) -> dict[str, shapely.Geometry]:
    """Each country's part of the plane nearer its coast than any other's (step 2)."""
    points, owners = [], []
    for code, geom in land_xy.items():
        coast = shapely.segmentize(shapely.boundary(geom), spacing_m)
        xy = shapely.get_coordinates(coast)
        points.append(xy)
        owners.extend([code] * len(xy))
    seeds = np.vstack(points)
    seeds, first = np.unique(seeds, axis=0, return_index=True)
    owner = np.asarray(owners, dtype=object)[first]
    far = 1e8  # four far corners: every coastal sample's cell is then bounded
    frame = np.array([[-far, -far], [-far, far], [far, -far], [far, far]])
    vor = Voronoi(np.vstack((seeds, frame)))
    regions = [vor.regions[vor.point_region[i]] for i in range(len(seeds))]
    cells = np.array([shapely.Polygon(vor.vertices[r]) if r and -1 not in r else
                      shapely.Polygon() for r in regions], dtype=object)
    cells = shapely.make_valid(cells)
    return {code: shapely.union_all(cells[owner == code]) for code in land_xy}


def zone_map(parties: Sequence[str] = ("JPN", "KOR"),
             region_deg: tuple[float, float, float, float] = REGION_DEG,
             spacing_m: float = 10e3, simplify_m: float = 1e3) -> ZoneMap:
    """Build the land, territorial-sea and EEZ polygons of ``parties`` (module notes).

    Takes a few seconds (the Voronoi diagram of the coasts); build once and keep.

    Args:
        parties: the countries whose zones are built (ISO alpha-3).
        region_deg: ``(lon_min, lat_min, lon_max, lat_max)`` [deg].
        spacing_m: sample spacing of the coasts for the median lines [m].
        simplify_m: Douglas–Peucker tolerance of the output polygons [m].

    Raises:
        InputError: a spacing or tolerance that is not positive, or a party with no land
            in the region.
    """
    for name, value in (("spacing_m", spacing_m), ("simplify_m", simplify_m)):
        if not value > 0:
            raise InputError(name, value, "must be > 0")
    zones = MaritimeZones.from_natural_earth(parties, region_deg=region_deg,
                                             simplify_deg=0.01)
    lon0 = 0.5 * (region_deg[0] + region_deg[2])
    lat0 = 0.5 * (region_deg[1] + region_deg[3])
    plane = _Plane(lat0, lon0)
    land_xy = {code: shapely.transform(g, plane.forward) for code, g in zones.land.items()}
    land_xy = {c: shapely.make_valid(shapely.simplify(g, simplify_m))
               for c, g in land_xy.items()
               if not g.is_empty}
    cells = _cells(land_xy, spacing_m)
    box = shapely.box(*region_deg)

    def back(geom: shapely.Geometry) -> shapely.Geometry:
        out = shapely.transform(shapely.simplify(geom, simplify_m), plane.inverse)
        return shapely.intersection(shapely.make_valid(out), box)

    ts, eez = {}, {}
    for p in parties:
        ts[p] = back(shapely.intersection(shapely.buffer(land_xy[p], TERRITORIAL_SEA_M),
                                          cells[p]))
        eez[p] = back(shapely.intersection(shapely.buffer(land_xy[p], EEZ_M), cells[p]))
    return ZoneMap(dict(zones.land), ts, eez, tuple(parties), zones.source)

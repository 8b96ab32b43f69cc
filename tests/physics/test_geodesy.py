"""Frames, geodesics and gravity against the WGS-84 definition."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gsomia.physics.earth import WGS84
from gsomia.physics.geodesy import (
    aer2ecef,
    centrifugal_coriolis_ecef,
    ecef2aer,
    ecef2geodetic,
    enu_basis,
    geodesic_direct,
    geodesic_inverse,
    geodetic2ecef,
    gravity_ecef,
    height_above_ellipsoid_fast,
)

ATOL_DIST_M = 1e-3  # the bound for the geodetic round trip


@settings(max_examples=300, deadline=None)
@given(lat=st.floats(-90, 90), lon=st.floats(-180, 180), alt=st.floats(-10e3, 40_000e3))
def test_geodetic_ecef_round_trip_below_1_mm(lat, lon, alt):
    r = geodetic2ecef(lat, lon, alt)
    r2 = geodetic2ecef(*ecef2geodetic(r))
    assert np.linalg.norm(r2 - r) < ATOL_DIST_M


@pytest.mark.parametrize(("lat", "lon", "alt", "expected"), [
    (0.0, 0.0, 0.0, (WGS84.a_m, 0.0, 0.0)),
    (90.0, 0.0, 0.0, (0.0, 0.0, WGS84.b_m)),
    (0.0, 90.0, 1000.0, (0.0, WGS84.a_m + 1000.0, 0.0)),
    (-90.0, 0.0, -1.0, (0.0, 0.0, -WGS84.b_m + 1.0)),
], ids=["equator", "north-pole", "90E+1km", "south-pole-1m-below"])
def test_geodetic2ecef_known_points(lat, lon, alt, expected):
    np.testing.assert_allclose(geodetic2ecef(lat, lon, alt), expected, atol=ATOL_DIST_M)


def test_wgs84_derived_constants():
    # NGA.STND.0036 Table 3.3: b = 6356752.3142 m, e² = 6.69437999014e-3
    assert WGS84.b_m == pytest.approx(6356752.3142, abs=1e-4)
    assert WGS84.e2 == pytest.approx(6.69437999014e-3, rel=1e-11)


@pytest.mark.parametrize(("lat", "somigliana"), [(0.0, 9.7803253359), (90.0, 9.8321849378)],
                         ids=["equator", "pole"])
def test_gravity_on_ellipsoid_matches_normal_gravity(lat, somigliana):
    """Gravitation (GM, J2) + centrifugal at the surface vs WGS-84 normal gravity (NGA.STND.0036
    eqs. 4-1, 4-2: γ_e, γ_p). The residual is the neglected J4 and higher, < 2e-5."""
    r = geodetic2ecef(lat, 0.0, 0.0)
    g = gravity_ecef(r) + centrifugal_coriolis_ecef(r, np.zeros(3))
    assert np.linalg.norm(g) == pytest.approx(somigliana, rel=2e-5)
    # and it points along the geodetic normal (plumb line) to within 1 arc-second
    up = enu_basis(lat, 0.0)[2]
    assert np.degrees(np.arccos(-np.dot(g, up) / np.linalg.norm(g))) < 1 / 3600


def test_coriolis_deflects_northbound_body_east_in_northern_hemisphere():
    r = geodetic2ecef(40.0, 0.0, 0.0)
    north = enu_basis(40.0, 0.0)[1]
    a = centrifugal_coriolis_ecef(r, 1000.0 * north) - centrifugal_coriolis_ecef(r, np.zeros(3))
    east = enu_basis(40.0, 0.0)[0]
    # |2ω v sinφ| with φ = 40°
    assert np.dot(a, east) == pytest.approx(2 * WGS84.omega_rad_s * 1000 * np.sin(np.radians(40)),
                                            rel=1e-9)


@settings(max_examples=100, deadline=None)
@given(lat=st.floats(-80, 80), lon=st.floats(-180, 180), dist=st.floats(1e3, 5e6),
       az=st.floats(0, 359.9))
def test_geodesic_direct_then_inverse(lat, lon, dist, az):
    lat2, lon2 = geodesic_direct(lat, lon, dist, az)
    d, az2 = geodesic_inverse(lat, lon, lat2, lon2)
    assert d == pytest.approx(dist, abs=1e-2)
    assert (float(az2) - az + 180) % 360 - 180 == pytest.approx(0.0, abs=1e-5)


@settings(max_examples=50, deadline=None)
@given(lat=st.floats(-80, 80), lon=st.floats(-180, 180), seed=st.integers(0, 2**31),
       where=st.integers(0, 19))
def test_a_coincident_pair_does_not_move_the_others(lat, lon, seed, where):
    # pymap3d 3.2's vdist falls back to its scalar branch for a whole array when one pair
    # coincides; every pair's answer must be the one it gets alone
    rng = np.random.default_rng(seed)
    lat2 = np.clip(lat + rng.uniform(-3.0, 3.0, 20), -89.0, 89.0)
    lon2 = lon + rng.uniform(-3.0, 3.0, 20)
    lat2[where], lon2[where] = lat, lon
    d, az = geodesic_inverse(lat, lon, lat2, lon2)
    assert d[where] == 0.0
    for i in np.flatnonzero(np.arange(20) != where):
        d1, az1 = geodesic_inverse(lat, lon, lat2[i:i + 1], lon2[i:i + 1])
        assert d[i] == pytest.approx(float(d1[0]), abs=1e-4)   # (iterations differ)
        assert az[i] == pytest.approx(float(az1[0]), abs=1e-7)


def test_one_degree_of_latitude_at_the_equator():
    # meridian arc of 1° at the equator on WGS-84: 110,574.4 m (NGA.STND.0036 / standard tables)
    d, az = geodesic_inverse(0.0, 0.0, 1.0, 0.0)
    assert float(d) == pytest.approx(110_574.4, abs=0.5)
    assert float(az) == pytest.approx(0.0, abs=1e-9)


def test_aer_round_trip_and_zenith():
    site = (36.7, 127.0, 200.0)
    target = geodetic2ecef(39.66, 124.71, 150e3)
    az, el, rng = ecef2aer(target, *site)
    np.testing.assert_allclose(aer2ecef(az, el, rng, *site), target, atol=1e-3)
    _, el_up, rng_up = ecef2aer(geodetic2ecef(36.7, 127.0, 1200.0), *site)
    assert float(el_up) == pytest.approx(90.0, abs=1e-6)
    assert float(rng_up) == pytest.approx(1000.0, abs=1e-6)


@pytest.mark.parametrize("alt", [0.0, 1.0, 100e3, 500e3])
def test_fast_height_close_to_geodetic_height(alt):
    r = geodetic2ecef(45.0, 130.0, alt)
    # exact on the surface; within a few metres at LEO heights
    assert float(height_above_ellipsoid_fast(r)) == pytest.approx(alt, abs=1e-6 + 1e-5 * alt)


# --- ecef2geodetic at the edges of its domain (issue 17, part 8) -------------------------
A_M, B_M = WGS84.a_m, WGS84.b_m
ATOL_ROUND_TRIP_M = 1e-6   # geodetic → ECEF of the answer must give the point back
ATOL_PEER_DEG = 1e-9       # agreement with pymap3d where pymap3d's own round trip holds
ATOL_PEER_M = 1e-5

# (ECEF point [m], exact (lat, lon, alt) or None, compare with pymap3d?)
EDGE_CASES = [
    ((0.0, 0.0, 0.0), (0.0, 0.0, -A_M), True),
    ((1000.0, 0.0, 0.0), (0.0, 0.0, 1000.0 - A_M), True),
    ((0.0, 0.0, 1000.0), (90.0, 0.0, 1000.0 - B_M), True),
    ((0.0, 0.0, -1000.0), (-90.0, 0.0, 1000.0 - B_M), True),
    ((0.0, 0.0, B_M), (90.0, 0.0, 0.0), True),
    ((0.0, 0.0, -B_M - 500e3), (-90.0, 0.0, 500e3), True),
    ((-A_M, 1e-9, 0.0), (0.0, 180.0, 0.0), True),
    ((-A_M, -1e-9, 0.0), (0.0, -180.0, 0.0), True),
    ((-A_M - 1.0, 0.0, 0.0), (0.0, 180.0, 1.0), True),
    ((A_M - 1.0, 0.0, 0.0), (0.0, 0.0, -1.0), True),
    ((3.0e6, 0.0, 3.0e6), None, False),      # halfway to the centre: pymap3d is ~1 m off
    ((30e3, 0.0, 30e3), None, False),        # inside the evolute: pymap3d is km off
    ((1.0e5, -2.0e5, 5.0e4), None, False),
    ((4.0e6, 4.0e6, 1.0e6), None, False),
    ((-2.7e6, 3.1e6, 4.9e6), None, True),    # near the surface
    ((1.0e7, -2.0e7, 3.0e7), None, False),   # far above: pymap3d is 1e-4° off there
]


@pytest.mark.parametrize(("point", "exact", "peer"), EDGE_CASES, ids=[
    "centre", "1km-from-centre-x", "1km-from-centre-z", "1km-from-centre-minus-z",
    "north-pole", "south-pole-500km-up", "antimeridian-east", "antimeridian-west",
    "antimeridian-1m-up", "equator-1m-below", "halfway-inside", "inside-evolute",
    "deep-inside", "inside-1000km-deep", "near-surface", "geo-distance"])
def test_ecef2geodetic_edge_cases(point, exact, peer):
    import pymap3d

    r = np.array(point, dtype=float)
    lat, lon, alt = (float(v) for v in ecef2geodetic(r))
    assert np.isfinite([lat, lon, alt]).all()
    assert np.linalg.norm(geodetic2ecef(lat, lon, alt) - r) < ATOL_ROUND_TRIP_M
    if exact is not None:
        assert (lat, lon) == pytest.approx(exact[:2], abs=ATOL_PEER_DEG)
        assert alt == pytest.approx(exact[2], abs=ATOL_PEER_M)
    if peer:
        p_lat, p_lon, p_alt = pymap3d.ecef2geodetic(*r, ell=WGS84.pymap3d_ellipsoid())
        assert (lat, lon) == pytest.approx((float(p_lat), float(p_lon)), abs=ATOL_PEER_DEG)
        assert alt == pytest.approx(float(p_alt), abs=ATOL_PEER_M)


def test_ecef2geodetic_float32_is_upcast():
    """A float32 point gives the float64 answer for the same (float32-representable) point:
    no ~1 m loss from computing in single precision."""
    r32 = np.array([[-3.5e6, 3.5e6, 3.9e6], [1.2e6, -5.9e6, 1.9e6]], dtype=np.float32)
    got = ecef2geodetic(r32)
    want = ecef2geodetic(r32.astype(np.float64))
    for g, w in zip(got, want, strict=True):
        assert g.dtype == np.float64
        np.testing.assert_array_equal(g, w)
    back = geodetic2ecef(*got)
    assert np.abs(back - r32.astype(np.float64)).max() < ATOL_ROUND_TRIP_M


@settings(max_examples=300, deadline=None)
@given(x=st.floats(-7e6, 7e6), y=st.floats(-7e6, 7e6), z=st.floats(-7e6, 7e6))
def test_ecef2geodetic_round_trip_everywhere_inside_and_near(x, y, z):
    """Every point, the interior included, gives finite coordinates that map back to it."""
    r = np.array([x, y, z])
    lat, lon, alt = ecef2geodetic(r)
    assert np.isfinite([lat, lon, alt]).all()
    assert np.linalg.norm(geodetic2ecef(lat, lon, alt) - r) < ATOL_ROUND_TRIP_M

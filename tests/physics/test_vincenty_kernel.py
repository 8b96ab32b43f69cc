"""The compiled Vincenty solutions equal pymap3d's (what geodesy wraps) to rounding."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gsomia.physics.geodesy import geodesic_direct, geodesic_inverse
from gsomia.physics.vincenty_kernel import direct_from, inverse_from


def _wrap(deg: np.ndarray) -> np.ndarray:
    return (deg + 180.0) % 360.0 - 180.0


@settings(max_examples=40, deadline=None)
@given(lat0=st.floats(-85.0, 85.0), lon0=st.floats(-180.0, 180.0),
       spread=st.floats(1e-3, 40.0), seed=st.integers(0, 2**31))
def test_inverse_equals_pymap3d(lat0, lon0, spread, seed):
    rng = np.random.default_rng(seed)
    lat = np.clip(lat0 + rng.uniform(-spread, spread, 50), -88.0, 88.0)
    lon = lon0 + rng.uniform(-spread, spread, 50)      # across ±180° too
    d_ref, az_ref = geodesic_inverse(lat0, lon0, lat, lon)
    d, az = inverse_from(lat0, lon0, lat, lon)
    assert np.max(np.abs(d - d_ref)) < 1e-5
    # the point in the azimuthal equidistant plane ((d sin az, d cos az), the areas' use)
    moved = d_ref * np.radians(np.abs(_wrap(az - az_ref)))
    assert np.max(moved) < 1e-5


@settings(max_examples=40, deadline=None)
@given(lat0=st.floats(-85.0, 85.0), lon0=st.floats(-180.0, 180.0),
       reach_m=st.floats(1.0, 3e6), seed=st.integers(0, 2**31))
def test_direct_equals_pymap3d(lat0, lon0, reach_m, seed):
    rng = np.random.default_rng(seed)
    s, az = rng.uniform(0.0, reach_m, 50), rng.uniform(0.0, 360.0, 50)
    lat_ref, lon_ref = geodesic_direct(lat0, lon0, s, az)
    lat, lon = direct_from(lat0, lon0, s, az)
    # within 0.1 mm on the ground (1e-9 degree of arc: a degree of longitude shrinks with
    # cos(latitude), so near the poles the longitudes themselves may differ by more)
    assert np.max(np.abs(lat - lat_ref)) < 1e-9
    assert np.max(np.abs(_wrap(lon - lon_ref)) * np.cos(np.radians(lat_ref))) < 1e-9


def test_known_distance_and_the_pole_fallback():
    # Tokyo -> Seoul, 1,152.9 km (WGS-84 geodesic; pymap3d's vdist gives the same)
    d, _ = inverse_from(35.6895, 139.6917, np.array([37.5665]), np.array([126.9780]))
    assert abs(float(d[0]) - float(geodesic_inverse(35.6895, 139.6917, 37.5665, 126.978)[0])) \
        < 1e-5
    assert 1.150e6 < float(d[0]) < 1.156e6
    # a centre at the pole is handed to pymap3d (same answer as geodesy)
    lat, lon = direct_from(90.0, 0.0, np.array([1000e3]), np.array([0.0]))
    ref = geodesic_direct(90.0, 0.0, 1000e3, 0.0)
    assert np.allclose(lat, ref[0]) and np.allclose(lon, ref[1])

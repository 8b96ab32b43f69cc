"""The compiled PIP moments (gsomia.physics.impact_kernel.impact_moments) are the NumPy ones
(gsomia.warning.tracking.impact.impact_moments_numpy) within 1e-9 relative, on random
clouds of impact points anywhere on the ellipsoid (the antimeridian and the poles' latitudes
included) and with sigma points that never landed; and predict_impact gives the same PIPs
as the NumPy moments of the same propagated sigma points."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gsomia.physics.earth import WGS84
from gsomia.physics.geodesy import enu_basis, geodetic2ecef
from gsomia.physics.impact_kernel import impact_moments, impact_rows
from gsomia.warning.tracking.impact import (
    impact_moments_numpy,
    lift_to_surface,
    predict_impact,
)
from gsomia.warning.tracking.predict import sigma_points
from gsomia.warning.tracking.states import GaussianStates


def _close(fast: np.ndarray, ref: np.ndarray) -> None:
    assert np.array_equal(np.isnan(fast), np.isnan(ref))
    ok = ~np.isnan(ref)
    np.testing.assert_allclose(fast[:, :2][ok[:, :2]], ref[:, :2][ok[:, :2]], rtol=0,
                               atol=1e-9 * 180.0)          # degrees: 1e-9 of a half-turn
    np.testing.assert_allclose(fast[:, 2:5][ok[:, 2:5]], ref[:, 2:5][ok[:, 2:5]], rtol=1e-9,
                               atol=1e-9)
    # relative to the covariance's scale, or to 1 mm² for a cloud of coincident points
    scale = np.max(np.abs(ref[:, 5:]), axis=1, keepdims=True) + 1e-6
    np.testing.assert_allclose(fast[:, 5:] / scale, ref[:, 5:] / scale, rtol=0, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(lat=st.floats(-89.9, 89.9), lon=st.floats(-180.0, 180.0),
       spread_m=st.floats(0.0, 300e3), heights_m=st.floats(0.0, 50.0),
       n=st.integers(1, 4), missing=st.floats(0.0, 0.3), seed=st.integers(0, 2**16))
def test_compiled_moments_equal_numpy(lat, lon, spread_m, heights_m, n, missing, seed):
    rng = np.random.default_rng(seed)
    _, wm, wc = sigma_points(np.zeros((1, 6)), np.eye(6)[None])
    s = wm.size
    e, nn, u = enu_basis(lat, lon)
    centre = geodetic2ecef(lat, lon, 0.0)
    off = rng.normal(0.0, 1.0, (n, s, 3)) * [spread_m, spread_m, heights_m]
    r = centre + off[..., :1] * e + off[..., 1:2] * nn + off[..., 2:] * u
    t = rng.uniform(100.0, 900.0, (n, s))
    t[rng.uniform(size=(n, s)) < missing] = np.nan
    _close(impact_moments(r, t, wm, wc, WGS84), impact_moments_numpy(r, t, wm, wc, WGS84))


def test_predict_impact_is_the_numpy_moments_of_the_same_sigma_points():
    r0 = geodetic2ecef(39.0, 126.0, 200e3)
    e, nn, u = enu_basis(39.0, 126.0)
    x = np.stack([np.concatenate((r0, 1500.0 * e + 800.0 * nn - 200.0 * u)),
                  np.concatenate((r0 + 5e4 * nn, -900.0 * e + 300.0 * u))])
    P = np.stack([np.diag([200.0**2] * 3 + [5.0**2] * 3)] * 2)
    pips = predict_impact(GaussianStates(100.0, x, P), WGS84, step_s=2.0)
    pts, wm, wc = sigma_points(x, P)
    t, y = impact_rows(lift_to_surface(pts.reshape(-1, 6)), WGS84, step_s=2.0,
                       max_time_s=3600.0)
    ref = impact_moments_numpy(y[:, :3].reshape(2, -1, 3), t.reshape(2, -1), wm, wc, WGS84)
    fast = np.array([[p.lat_deg, p.lon_deg, p.impact_s - 100.0, p.impact_sigma_s,
                      float(p.valid), *p.cov_en_m2.ravel()] for p in pips])
    _close(fast, ref)
    assert all(p.valid for p in pips)

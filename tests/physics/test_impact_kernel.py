"""The compiled impact propagator (gsomia.physics.impact_kernel) is propagate_to_impact in
vacuum, bit for bit: same impact times, states and misses, on random launches and
sigma-point clouds, on the WGS-84 and a spherical non-rotating Earth, and the same errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gsomia.errors import InputError
from gsomia.physics.earth import WGS84
from gsomia.physics.geodesy import enu_basis, geodetic2ecef, height_above_ellipsoid_fast
from gsomia.physics.impact_kernel import impact_rows
from gsomia.physics.propagate import propagate_to_impact


def _states(lat, lon, alt_m, speed, elev_deg, az_deg, spread_m, n, seed):
    r = geodetic2ecef(lat, lon, alt_m)
    e, nn, u = enu_basis(lat, lon)
    el, az = math.radians(elev_deg), math.radians(az_deg)
    v = speed * (math.cos(el) * (math.sin(az) * e + math.cos(az) * nn) + math.sin(el) * u)
    rng = np.random.default_rng(seed)
    y = np.tile(np.concatenate((r, v)), (n, 1))
    y[:, :3] += rng.normal(0.0, spread_m, (n, 3))
    y[:, 3:] += rng.normal(0.0, spread_m / 50.0, (n, 3))
    return y


@settings(max_examples=40, deadline=None)
@given(lat=st.floats(-60.0, 60.0), lon=st.floats(-180.0, 180.0),
       alt_km=st.floats(1.0, 1500.0), speed=st.floats(0.0, 6500.0),
       elev=st.floats(-80.0, 80.0), az=st.floats(0.0, 360.0),
       spread=st.floats(0.0, 5000.0), step=st.sampled_from([0.5, 2.0, 10.0, 30.0]),
       n=st.integers(1, 13), seed=st.integers(0, 2**16))
def test_compiled_impacts_equal_the_numpy_propagator(lat, lon, alt_km, speed, elev, az,
                                                     spread, step, n, seed) -> None:
    y0 = _states(lat, lon, alt_km * 1e3, speed, elev, az, spread, n, seed)
    y0 = y0[height_above_ellipsoid_fast(y0[:, :3], WGS84) > 0.0]
    if not len(y0):
        return
    ref = propagate_to_impact(y0, WGS84, step_s=step, max_time_s=1800.0)
    t, y = impact_rows(y0, WGS84, step_s=step, max_time_s=1800.0)
    assert np.array_equal(t, ref.t_s, equal_nan=True)
    assert np.array_equal(y, ref.y_ecef)


def test_misses_keep_their_last_state_as_the_numpy_propagator() -> None:
    """An orbit-speed state does not come down within the horizon: nan, last state."""
    y0 = _states(0.0, 0.0, 400e3, 7700.0, 0.0, 90.0, 0.0, 1, 0)
    ref = propagate_to_impact(y0, WGS84, step_s=5.0, max_time_s=600.0)
    t, y = impact_rows(y0, WGS84, step_s=5.0, max_time_s=600.0)
    assert not ref.hit[0] and math.isnan(t[0])
    assert np.array_equal(y, ref.y_ecef)


def test_spherical_earth_same_as_numpy() -> None:
    sphere = WGS84.spherical()
    y0 = _states(39.0, 125.0, 100e3, 3000.0, 40.0, 100.0, 300.0, 13, 3)
    ref = propagate_to_impact(y0, sphere, step_s=2.0)
    t, y = impact_rows(y0, sphere, step_s=2.0)
    assert ref.hit.all()
    assert np.array_equal(t, ref.t_s) and np.array_equal(y, ref.y_ecef)


@pytest.mark.parametrize(("y0", "kwargs", "field"), [
    (np.zeros((2, 5)), {}, "y0"),
    (np.array([[np.nan, 0, 0, 0, 0, 0]]), {}, "y0"),
    (np.array([[WGS84.a_m - 100.0, 0, 0, 0, 0, 0]]), {}, "y0[0]"),
    (np.array([[WGS84.a_m + 100.0, 0, 0, 0, 0, 0]]), {"step_s": 0.0}, "step_s"),
    (np.array([[WGS84.a_m + 100.0, 0, 0, 0, 0, 0]]), {"max_time_s": -1.0}, "max_time_s"),
])
def test_bad_input_is_named(y0, kwargs, field) -> None:
    with pytest.raises(InputError) as err:
        impact_rows(y0, WGS84, **kwargs)
    assert err.value.field == field

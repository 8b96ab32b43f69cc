"""The fast paths of a flight fit: the scalar right-hand side equals the array one, and a
warm-started fit (FitStarts) lands where a cold fit lands."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gsomia.physics.ballistics import fit_trajectory
from gsomia.physics.earth import WGS84
from gsomia.physics.fit_start import FitStarts, initial_guess
from gsomia.physics.geodesy import geodetic2ecef
from gsomia.physics.propagate import derivatives, derivatives_one
from gsomia.physics.propulsion import resolve_propulsion

SOHAE = (39.66, 124.705)   # Sohae launch facility (data/facilities.toml)


@settings(max_examples=200, deadline=None)
@given(st.floats(-89.0, 89.0), st.floats(-180.0, 180.0), st.floats(-1e4, 2e6),
       st.lists(st.floats(-8e3, 8e3), min_size=3, max_size=3))
def test_scalar_derivatives_equal_the_array_ones_bit_for_bit(lat, lon, alt, vel):
    y = np.concatenate((geodetic2ecef(lat, lon, alt, WGS84), vel))
    assert np.array_equal(np.asarray(derivatives_one(y, WGS84)), derivatives(y, WGS84))


def test_fit_starts_offer_the_nearest_fit_of_the_same_kind():
    starts = FitStarts()
    assert starts.offset("a", 600e3, 150e3) is None
    starts.add("a", 600e3, 150e3, np.array([0.1, -20.0, -1.0]))
    starts.add("a", 1000e3, 250e3, np.array([0.2, -27.0, -1.2]))
    assert np.array_equal(starts.offset("a", 900e3, 230e3), [0.2, -27.0, -1.2])
    assert np.array_equal(starts.offset("a", 650e3, 160e3), [0.1, -20.0, -1.0])
    assert starts.offset("b", 600e3, 150e3) is None


def test_warm_started_fits_land_where_cold_fits_land():
    """Three SRBM fits in a row from one FitStarts against each fit from the Kepler guess:
    the same root of the same residuals, so range, apogee and impact agree within the
    integration noise of the search (asserted: 1 cm; the fit's own tolerance is 0.1 %)."""
    starts = FitStarts()
    prop = resolve_propulsion("liquid-srbm")
    for bearing, range_m, apogee_m in ((80.0, 1000e3, 250e3), (70.0, 600e3, 150e3),
                                       (95.0, 800e3, 200e3)):
        cold = fit_trajectory(*SOHAE, bearing, range_m, apogee_m, propulsion="liquid-srbm")
        warm = fit_trajectory(*SOHAE, bearing, range_m, apogee_m, propulsion="liquid-srbm",
                              starts=starts)
        assert abs(warm.range_m - cold.range_m) < 0.01
        assert abs(warm.apogee_m - cold.apogee_m) < 0.01
        miss = geodetic2ecef(warm.impact_lat_deg, warm.impact_lon_deg, 0.0, WGS84) - \
            geodetic2ecef(cold.impact_lat_deg, cold.impact_lon_deg, 0.0, WGS84)
        assert np.linalg.norm(miss) < 0.01
        assert abs(warm.range_m - range_m) / range_m < 1e-3
    # the corrections recorded are those of the fits: guess + offset flies the fitted flight
    off = starts.offset(("liquid-srbm", WGS84, None, None, True), 800e3, 200e3)
    guess = initial_guess(800e3, 200e3, 95.0, prop, WGS84)
    assert 0.0 < guess[0] + off[0] < 10.0 and -45.0 <= guess[1] + off[1] <= 90.0

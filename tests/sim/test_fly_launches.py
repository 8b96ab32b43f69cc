"""Flying a scenario with warm-started fits gives the flights that fitting every launch on
its own (from the Kepler guess) gives."""

from __future__ import annotations

import numpy as np
import pytest

from gsomia.physics.ballistics import fit_trajectory
from gsomia.sim.observe import fly_launches
from gsomia.sim.scenario import load_scenario


@pytest.mark.parametrize("name", ["2017-03-06", "stress-20"])
def test_flights_match_launches_fitted_one_by_one(name):
    """Every sample of every flight within 1 cm of the cold fit (integration noise of the
    search; the fit's own tolerance is 0.1 % of the range), the same sample times (the
    impact within 1 µs)."""
    sc = load_scenario(name)
    flights = fly_launches(sc)
    cold: dict[tuple, object] = {}
    for spec, flight in zip(sc.launches, flights, strict=True):
        assert spec.failure is None and spec.impact_point is None
        key = (spec.lat_deg, spec.lon_deg, spec.bearing_deg, spec.range_m, spec.apogee_m)
        if key not in cold:
            cold[key] = fit_trajectory(spec.lat_deg, spec.lon_deg, spec.bearing_deg,
                                       spec.range_m, spec.apogee_m,
                                       propulsion=spec.propulsion, missile=spec.missile,
                                       alt_m=spec.alt_m, tolerance=spec.fit_tolerance)
        ref, got = cold[key], flight.trajectory
        assert ref.t_s.shape == got.t_s.shape
        assert np.max(np.abs(ref.t_s - got.t_s)) < 1e-6   # the impact sample [s]
        assert np.max(np.abs(ref.r_ecef_m - got.r_ecef_m)) < 0.01
        assert abs(ref.range_m - got.range_m) < 0.01 and abs(ref.apogee_m - got.apogee_m) < 0.01

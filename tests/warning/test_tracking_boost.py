"""The boost-aware footprint (gsomia.warning.tracking.boost) against the physics layer."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad

from gsomia.errors import InputError
from gsomia.physics.ballistics import fit_trajectory
from gsomia.physics.geodesy import geodesic_inverse
from gsomia.physics.propulsion import PROPULSION_CLASSES, thrust_acceleration
from gsomia.warning.tracking.boost import (
    BURN_MARGIN,
    ballistic_since,
    delivered_fraction,
    kinematic_launch_time,
    predict_footprint,
)
from gsomia.warning.tracking.impact import predict_impact
from gsomia.warning.tracking.states import GaussianStates, TrackState

P_SMALL = np.diag([100.0**2] * 3 + [10.0**2] * 3)


@pytest.fixture(scope="module")
def nodong():
    # a Nodong-class flight east from the Wonsan area (not a packaged scenario)
    return fit_trajectory(39.15, 127.45, 95.0, 1100e3, 320e3, missile="Nodong")


def _state(traj, t):
    return np.concatenate([traj.position_at(t), traj.velocity_at(t)])


@pytest.mark.parametrize("name", sorted(PROPULSION_CLASSES), ids=str)
def test_delivered_fraction_is_the_integral_of_the_thrust(name: str) -> None:
    prop = PROPULSION_CLASSES[name]
    assert delivered_fraction(prop, np.array(0.0)) == 0.0
    assert delivered_fraction(prop, np.array(prop.burn_s + 5.0)) == pytest.approx(1.0)
    for tau in (0.3 * prop.burn_s, 0.8 * prop.burn_s):
        edges = [0.0, *np.cumsum([s.burn_s for s in prop.stages])]
        pieces = [(a, min(b, tau)) for a, b in zip(edges, edges[1:], strict=False) if a < tau]
        integral = sum(quad(lambda t: thrust_acceleration(prop, 1.0, t), a, b)[0]
                       for a, b in pieces)
        assert float(delivered_fraction(prop, np.array(tau))) == pytest.approx(integral,
                                                                              rel=1e-6)


def test_after_burnout_the_footprint_is_the_free_flight_pip(nodong) -> None:
    # every burn hypothesis has ended: (1 + margin) times the class's burn
    t = nodong.burnout_s * (1.0 + BURN_MARGIN) + 5.0
    x = _state(nodong, t)
    fp = predict_footprint(t, x, P_SMALL, launch_s=0.0, propulsion=nodong.propulsion)
    pip = predict_impact(GaussianStates(t, x[None], P_SMALL[None]))[0]
    assert not fp.boosting and fp.weights.tolist() == [1.0]
    # the same unscented transform: same point (to 1 m) and covariance (to 0.1 %)
    d, _ = geodesic_inverse(pip.lat_deg, pip.lon_deg, *_mean_latlon(fp))
    assert float(d) < 1.0
    np.testing.assert_allclose(fp.covs_en_m2[0], pip.cov_en_m2, rtol=1e-3, atol=1.0)


def _mean_latlon(fp):
    from gsomia.physics.geodesy import ecef2geodetic, enu_basis, geodetic2ecef
    base = geodetic2ecef(fp.lat_deg, fp.lon_deg, 0.0)
    r = base + fp.means_en_m[0] @ enu_basis(fp.lat_deg, fp.lon_deg)[:2]
    lat, lon, _ = ecef2geodetic(r)
    return float(lat), float(lon)


def test_a_burnt_out_track_collapses_whatever_the_launch_time(nodong) -> None:
    t = 0.7 * nodong.burnout_s
    fp = predict_footprint(t, _state(nodong, t), P_SMALL, 0.0, nodong.propulsion,
                           burnt_out=True)
    assert not fp.boosting and fp.weights.size == 1


def test_during_boost_the_footprint_reaches_beyond_the_free_flight_pip(nodong) -> None:
    t = 0.6 * nodong.burnout_s
    x = _state(nodong, t)
    fp = predict_footprint(t, x, P_SMALL, launch_s=0.0, propulsion=nodong.propulsion)
    assert fp.boosting and fp.valid
    free = predict_impact(GaussianStates(t, x[None], P_SMALL[None]))[0]
    d_free, _ = geodesic_inverse(free.lat_deg, free.lon_deg, nodong.impact_lat_deg,
                                 nodong.impact_lon_deg)
    # the free-flight PIP is hundreds of km short: outside its own 95 % ellipse
    assert float(d_free) > 300e3
    assert fp.contains(nodong.impact_lat_deg, nodong.impact_lon_deg, 0.95)
    far = fp.to_plane(free.lat_deg, free.lon_deg)[0]
    assert np.max(np.hypot(*(fp.means_en_m - far).T)) > float(d_free)


def test_kinematic_launch_time_early_in_the_ascent(nodong) -> None:
    # rise from rest with constant acceleration: within a few seconds at 20 s of flight
    assert kinematic_launch_time(20.0, _state(nodong, 20.0)) == pytest.approx(0.0, abs=5.0)
    with pytest.raises(InputError):
        kinematic_launch_time(nodong.impact_s - 30.0, _state(nodong, nodong.impact_s - 30.0))


def test_ballistic_since_reads_only_the_past() -> None:
    def st(t, mu_ballistic):
        return TrackState(t, np.zeros(6), np.eye(6), np.array([mu_ballistic,
                                                               1 - mu_ballistic]), True)
    hist = [st(t, 0.2) for t in range(0, 50, 5)] + [st(t, 0.95) for t in range(50, 100, 5)]
    assert ballistic_since(hist, 55.0) is None          # a run of 5 s: too short
    assert ballistic_since(hist, 60.0) == 50.0
    hist.append(st(100, 0.5))                           # the run is broken after 100 s
    assert ballistic_since(hist, 90.0) == 50.0
    assert ballistic_since(hist, 100.0) is None

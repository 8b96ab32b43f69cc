"""GOSPA against Stone Soup's implementation; PIP and LPE on a synthetic flight."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from gsomia.physics.ballistics import fit_trajectory
from gsomia.physics.geodesy import geodesic_inverse
from gsomia.warning.sensors import Flight, Radar
from gsomia.warning.tracking.impact import predict_impact
from gsomia.warning.tracking.launch import boost_detections, estimate_launch_point
from gsomia.warning.tracking.metrics import gospa
from gsomia.warning.tracking.states import GaussianStates
from gsomia.warning.tracking.tracker import Tracker

GOSPA_TOL = 1e-9
LPE_TOL_KM = 10.0
PIP_TOL_KM = 15.0


@pytest.mark.parametrize("p", [1.0, 2.0, 3.0], ids=["p1", "p2", "p3"])
@pytest.mark.parametrize("seed", range(8))
def test_gospa_equals_stone_soup(seed, p):
    from stonesoup.measures import Euclidean
    from stonesoup.metricgenerator.ospametric import GOSPAMetric
    from stonesoup.types.state import State

    rng = np.random.default_rng(seed)
    X = rng.uniform(0, 20.0, (rng.integers(0, 7), 3))
    Y = rng.uniform(0, 20.0, (rng.integers(0, 7), 3))
    c = 5.0
    t = dt.datetime(2017, 3, 5, 22, 34)
    metric = GOSPAMetric(p=p, c=c, measure=Euclidean(mapping=(0, 1, 2)))
    ours = gospa(X, Y, c, p)
    if len(X) == 0 and len(Y) == 0:
        assert ours == 0.0
        return
    value, _ = metric.compute_gospa_metric([State(x[:, None], t) for x in X],
                                           [State(y[:, None], t) for y in Y])
    assert abs(ours - value.value["distance"]) <= GOSPA_TOL * max(1.0, ours)


def test_gospa_closed_form():
    # one pair 3 apart, one extra truth: (3^1 + 5/2)^1 with c = 5, p = 1
    assert gospa(np.zeros((1, 3)), np.array([[3.0, 0, 0], [100.0, 0, 0]]), 5.0, 1.0) == 5.5


@pytest.fixture(scope="module")
def single_flight():
    traj = fit_trajectory(39.66, 124.71, 80.0, 1000e3, 260e3, missile="ER-Scud")
    flight = Flight("M", 0.0, traj)
    radar = Radar(id="kor-test", owner="KOR", lat_deg=36.9, lon_deg=127.3, alt_m=200.0,
                  max_range_m=1.2e6, min_elevation_rad=math.radians(0.5), revisit_s=5.0,
                  sigma_range_m=50.0, sigma_az_rad=math.radians(0.1),
                  sigma_el_rad=math.radians(0.1), pd=0.9, refraction_k=4.0 / 3.0)
    dets = radar.observe([flight], 0.0, 700.0, np.random.default_rng(11))
    tracker = Tracker()
    tracker.process(dets)
    (track,) = [t for t in tracker.tracks if t.confirmed]
    return flight, track


def test_pip_within_15_km_60_s_after_burnout(single_flight):
    flight, track = single_flight
    t_read = flight.trajectory.burnout_s + 60.0
    s = [h for h in track.history if h.t_s <= t_read][-1]
    (pip,) = predict_impact(GaussianStates(s.t_s, s.x[None], s.P[None]))
    d, _ = geodesic_inverse(pip.lat_deg, pip.lon_deg, flight.trajectory.impact_lat_deg,
                            flight.trajectory.impact_lon_deg)
    assert pip.valid
    assert d / 1e3 < PIP_TOL_KM
    assert abs(pip.impact_s - flight.impact_s) < 30.0
    major, minor, _ = pip.ellipse(0.95)
    assert major >= minor > 0.0


def test_lpe_within_10_km(single_flight):
    flight, track = single_flight
    lpe = estimate_launch_point(boost_detections(track.detections, track.history))
    assert lpe is not None
    d, _ = geodesic_inverse(lpe.lat_deg, lpe.lon_deg, flight.trajectory.launch_lat_deg,
                            flight.trajectory.launch_lon_deg)
    assert d / 1e3 < LPE_TOL_KM
    assert abs(lpe.launch_s - flight.launch_s) < 10.0


def test_single_track_pip_is_the_batched_ut_with_the_numpy_propagator(single_flight):
    """One track's PIP (compiled propagator) equals, bit for bit, the unscented transform
    through the NumPy propagate_to_impact, and the same track's PIP inside a batch."""
    from gsomia.physics.earth import WGS84
    from gsomia.physics.geodesy import ecef2geodetic
    from gsomia.physics.propagate import propagate_to_impact
    from gsomia.warning.tracking.impact import lift_to_surface as _lift
    from gsomia.warning.tracking.predict import sigma_points

    flight, track = single_flight
    hist = [h for h in track.history if h.t_s > flight.trajectory.burnout_s][:6]
    assert len(hist) >= 3
    for h in hist:
        (one,) = predict_impact(GaussianStates(h.t_s, h.x[None], h.P[None]), step_s=10.0)
        pts, wm, _ = sigma_points(h.x[None], h.P[None])
        res = propagate_to_impact(_lift(pts[0], WGS84), WGS84, step_s=10.0,
                                  max_time_s=3600.0)
        assert res.hit.all() and one.valid
        assert one.impact_s == h.t_s + float(wm @ res.t_s)
        lat, lon, _ = ecef2geodetic(wm @ res.y_ecef[:, :3])
        assert abs(one.lat_deg - float(lat)) < 1e-9 and abs(one.lon_deg - float(lon)) < 1e-9
    xs = np.stack([h.x for h in hist])
    Ps = np.stack([h.P for h in hist])
    batch = predict_impact(GaussianStates(hist[0].t_s, xs, Ps), step_s=10.0)
    for k in range(len(hist)):
        (one,) = predict_impact(GaussianStates(hist[0].t_s, xs[k:k + 1], Ps[k:k + 1]),
                                step_s=10.0)
        assert (one.lat_deg, one.lon_deg, one.impact_s) == (
            batch[k].lat_deg, batch[k].lon_deg, batch[k].impact_s)
        assert np.array_equal(one.cov_en_m2, batch[k].cov_en_m2)

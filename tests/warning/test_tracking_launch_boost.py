"""Launch point estimate through the boost model: synthetic flights of the physics layer seen
late in (or after) their boost by one radar, the LPE's error and the coverage of its 95 %
ellipse; one flight burns off every hypothesised burn time."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy.stats import chi2

from gsomia.errors import InputError
from gsomia.physics.ballistics import fit_trajectory
from gsomia.physics.geodesy import geodesic_inverse
from gsomia.physics.propulsion import (
    PROPULSION_CLASSES,
    Stage,
    stage_table,
    table_thrust,
    thrust_acceleration,
    unit_thrust,
)
from gsomia.warning.sensors import Flight, Radar
from gsomia.warning.tracking.launch import worst_outlier
from gsomia.warning.tracking.launch_boost import estimate_launch_point_boost, launch_window
from gsomia.warning.tracking.tracker import Tracker

CHI2_95 = float(chi2.ppf(0.95, 2))
_SRBM = PROPULSION_CLASSES["solid-srbm"]
# a solid SRBM whose motor burns 8 % longer than the class's: between two hypotheses
LONG_BURN = dataclasses.replace(_SRBM, name="solid-srbm-long",
                                stages=(Stage(43.2, 0.70, 1.0),))

# (missile or class, launch lat, lon, bearing, range m, apogee m, radar lat, lon,
#  seen from [s after launch], seed)
FLIGHTS = [
    ("KN-23", 39.05, 125.80, 90.0, 600e3, 60e3, 37.5, 127.5, 30.0, 11),
    ("KN-23", 40.30, 127.30, 100.0, 300e3, 60e3, 37.5, 128.5, 36.0, 12),
    (LONG_BURN, 39.66, 124.71, 95.0, 450e3, 80e3, 37.2, 127.0, 38.0, 13),
    ("Pukguksong-2", 40.85, 129.67, 95.0, 800e3, 200e3, 37.9, 129.0, 40.0, 14),
    ("ER-Scud", 39.05, 125.80, 85.0, 1000e3, 250e3, 36.5, 127.5, 40.0, 15),
    ("Scud-C", 38.40, 125.90, 70.0, 500e3, 150e3, 37.2, 128.5, 25.0, 16),
    ("Hwasong-12", 40.85, 129.67, 110.0, 800e3, 2100e3, 36.9, 127.3, 50.0, 17),
    ("Hwasong-15", 39.05, 125.80, 80.0, 950e3, 4400e3, 36.5, 127.5, 60.0, 18),
]


def _lpe(case):
    missile, lat, lon, brg, rng, apo, rlat, rlon, seen_s, seed = case
    if isinstance(missile, str):
        traj = fit_trajectory(lat, lon, brg, rng, apo, missile=missile)
    else:
        traj = fit_trajectory(lat, lon, brg, rng, apo, propulsion=missile)
    radar = Radar(id="kor-test", owner="KOR", lat_deg=rlat, lon_deg=rlon, alt_m=300.0,
                  max_range_m=1.2e6, min_elevation_rad=math.radians(0.5), revisit_s=5.0,
                  sigma_range_m=50.0, sigma_az_rad=math.radians(0.1),
                  sigma_el_rad=math.radians(0.1), pd=0.9, refraction_k=4.0 / 3.0)
    dets = [d for d in radar.observe([Flight("M", 0.0, traj)], 0.0, seen_s + 60.0,
                                     np.random.default_rng(seed)) if d.t_s >= seen_s]
    tracker = Tracker()
    tracker.process(dets)
    track = min((t for t in tracker.tracks if t.confirmed), key=lambda t: t.confirmed_s)
    fit = estimate_launch_point_boost(launch_window(track.detections))
    est = fit.estimate
    d, az = geodesic_inverse(lat, lon, est.lat_deg, est.lon_deg)
    err = np.array([d * math.sin(math.radians(az)), d * math.cos(math.radians(az))])
    return float(d), float(err @ np.linalg.solve(est.cov_en_m2, err)), est.launch_s, fit


@pytest.fixture(scope="module")
def lpes():
    return [_lpe(c) for c in FLIGHTS]


@pytest.mark.slow
def test_late_seen_flights_get_a_launch_point_within_3_km(lpes):
    # the ascent fit was 13 km off on the second flight (seen from 36 s of a 40 s burn)
    errors = [round(d / 1e3, 2) for d, *_ in lpes]
    assert max(errors) < 3.0, errors


@pytest.mark.slow
def test_launch_time_within_10_s(lpes):
    assert max(abs(t0) for _, _, t0, _ in lpes) < 10.0


@pytest.mark.slow
def test_95_percent_ellipse_covers_the_launch_points(lpes):
    inside = sum(m2 <= CHI2_95 for _, m2, _, _ in lpes)
    assert inside >= len(FLIGHTS) - 1, [round(m2, 1) for _, m2, _, _ in lpes]


@pytest.mark.slow
def test_weights_are_a_distribution_over_the_hypotheses(lpes):
    for *_, fit in lpes:
        assert fit.weights.sum() == pytest.approx(1.0)
        assert np.all(fit.weights >= 0.0)
        assert len(fit.classes) == fit.weights.size == fit.burns_s.size


@settings(max_examples=200, deadline=None)
@given(name=st.sampled_from(sorted(PROPULSION_CLASSES)),
       share=st.floats(0.0, 1.3), stretch=st.floats(0.5, 1.5))
def test_stage_table_thrust_is_the_class_thrust_stretched(name, share, stretch):
    # a burn stretched by k with the same Δv: a_k(τ) = a(τ/k)/k (Tsiolkovsky per stage)
    prop = PROPULSION_CLASSES[name]
    tau = share * prop.burn_s * stretch
    ends = np.cumsum([0.0] + [s.burn_s for s in prop.stages])
    assume(np.min(np.abs(ends - share * prop.burn_s)) > 1e-6)   # not on a staging instant
    assert float(table_thrust(stage_table(prop, stretch), np.array(tau))) == pytest.approx(
        thrust_acceleration(prop, 1.0, tau / stretch) / stretch, rel=1e-9, abs=1e-15)
    assert float(unit_thrust(prop, tau)) == pytest.approx(
        thrust_acceleration(prop, 1.0, tau), rel=1e-9, abs=1e-15)


def test_bad_arguments_are_refused():
    with pytest.raises(InputError, match="hypotheses"):
        estimate_launch_point_boost([], hypotheses=0)
    with pytest.raises(InputError, match="margin"):
        estimate_launch_point_boost([], margin=1.0)
    assert estimate_launch_point_boost([]) is None


@pytest.mark.slow
def test_ellipses_cover_the_salvo_of_2017_03_06():
    """In a salvo of four from one site the tracks begin with their siblings' detections:
    the 60-s screen rejects them (module notes), and the ellipses hold the launch points."""
    from gsomia.sim.observe import observe
    from gsomia.sim.scenario import load_scenario
    from gsomia.warning.tracking.metrics import evaluate_run

    obs = observe(load_scenario("2017-03-06"))
    tracker = Tracker()
    tracker.process(obs.detections)
    run = evaluate_run(tracker, obs.flights)
    errors = [ln["lpe_error_km"] for ln in run["launches"]]
    assert all(e is not None and e < 1.0 for e in errors), errors   # holds: 0.1-0.3 km
    inside = _inside_95(tracker, obs.flights)
    assert inside == 4


def _inside_95(tracker, flights):
    """Launches whose true launch point is inside the 95 % ellipse of the LPE of their
    tracks (the smallest ellipse of the confirmed tracks mostly of that launch, as the
    metrics choose), by the Mahalanobis distance."""
    inside = 0
    for f in flights:
        tracks = [t for t in tracker.tracks if t.confirmed
                  and sum(d.truth_id == f.id for d in t.detections) > len(t.detections) / 2]
        fits = [estimate_launch_point_boost(launch_window(t.detections)) for t in tracks]
        est = min((x.estimate for x in fits if x is not None),
                  key=lambda e: e.ellipse(0.95)[0])
        d, az = geodesic_inverse(f.trajectory.launch_lat_deg, f.trajectory.launch_lon_deg,
                                 est.lat_deg, est.lon_deg)
        err = np.array([d * math.sin(math.radians(az)), d * math.cos(math.radians(az))])
        inside += float(err @ np.linalg.solve(est.cov_en_m2, err)) <= CHI2_95
    return inside


@pytest.mark.slow
def test_ellipses_cover_the_record_scenarios_at_another_seed():
    """Every packaged record scenario (14 launches) drawn at seed 1, not the seed of the
    module notes' first checks: at the nominal 95 % at most 2 of 14 outside has probability
    0.97 (binomial), so at least 12 inside."""
    from gsomia.sim.observe import observe
    from gsomia.sim.scenario import load_scenario

    names = ("2016-08-24", "2016-09-05", "2017-03-06", "2017-08-29", "2017-11-29",
             "2019-10-02", "2021-10-19", "2022-05-07", "2022-10-04")
    inside = total = 0
    for name in names:
        obs = observe(dataclasses.replace(load_scenario(name), seed=1))
        tracker = Tracker()
        tracker.process(obs.detections)
        inside += _inside_95(tracker, obs.flights)
        total += len(obs.flights)
    assert total == 14
    assert inside >= 12, inside


def _two_from_one_site(seed):
    """Two KN-23 class flights from one site 2 s apart; one radar sees both (pd 1)."""
    a = fit_trajectory(39.05, 125.80, 90.0, 600e3, 60e3, missile="KN-23")
    b = fit_trajectory(39.05, 125.80, 80.0, 450e3, 60e3, missile="KN-23")
    radar = Radar(id="kor-test", owner="KOR", lat_deg=37.5, lon_deg=127.5, alt_m=300.0,
                  max_range_m=1.2e6, min_elevation_rad=math.radians(0.5), revisit_s=5.0,
                  sigma_range_m=50.0, sigma_az_rad=math.radians(0.1),
                  sigma_el_rad=math.radians(0.1), pd=1.0, refraction_k=4.0 / 3.0)
    dets = radar.observe([Flight("A", 0.0, a), Flight("B", 2.0, b)], 0.0, 100.0,
                         np.random.default_rng(seed))
    own = [d for d in dets if d.truth_id == "A" and d.t_s >= 30.0]
    sibling = next(d for d in dets if d.truth_id == "B" and d.t_s == own[0].t_s)
    return own, [sibling] + own[1:]


@pytest.mark.slow
def test_a_sibling_first_detection_widens_the_ellipse_to_cover_the_launch_point():
    # the sibling's detection (a 10 km error of the launch point) is absorbed by the fit;
    # the detection-clustered sandwich covariance grows with it
    own, mixed = _two_from_one_site(0)
    for window, max_km in ((own, 1.0), (mixed, 20.0)):
        est = estimate_launch_point_boost(launch_window(window)).estimate
        d, az = geodesic_inverse(39.05, 125.80, est.lat_deg, est.lon_deg)
        err = np.array([d * math.sin(math.radians(az)), d * math.cos(math.radians(az))])
        assert d < max_km * 1e3
        assert float(err @ np.linalg.solve(est.cov_en_m2, err)) <= CHI2_95


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(8, 40), st.floats(8.0, 30.0))
def test_worst_outlier_rejects_a_planted_outlier_and_keeps_a_clean_fit(seed, n, size):
    """A linear least-squares fit of n 3-D detections (6 unknowns, unit noise): with one
    detection offset by ``size`` σ per axis, that one is the worst and fails the test; with
    none, all are kept unless the Bonferroni test errs (probability 0.01: a seed that
    rejects is checked to hold a residual above the threshold)."""
    rng = np.random.default_rng(seed)
    jac = rng.normal(size=(3 * n, 6))
    truth = rng.normal(size=6)
    y = jac @ truth + rng.normal(size=3 * n)
    bad = int(rng.integers(n))
    y_bad = y.copy()
    y_bad[3 * bad:3 * bad + 3] += size
    for obs, planted in ((y_bad, True), (y, False)):
        x = np.linalg.lstsq(jac, obs, rcond=None)[0]
        keep = worst_outlier(jac, jac @ x - obs)
        assert np.count_nonzero(~keep) <= 1
        if planted:
            assert not keep[bad]
        elif not np.all(keep):
            h = jac @ np.linalg.solve(jac.T @ jac, jac.T)
            r = (jac @ x - obs).reshape(n, 3)
            k = int(np.flatnonzero(~keep)[0])
            q = r[k] @ np.linalg.solve(np.eye(3) - h[3 * k:3 * k + 3, 3 * k:3 * k + 3], r[k])
            assert q > chi2.ppf(1.0 - 0.01 / n, 3)


def test_worst_outlier_bad_input():
    with pytest.raises(InputError, match="jac"):
        worst_outlier(np.zeros((4, 6)), np.zeros(4))
    with pytest.raises(InputError, match="alpha"):
        worst_outlier(np.eye(6), np.zeros(6), alpha=1.0)

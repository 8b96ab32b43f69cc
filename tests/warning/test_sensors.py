"""Radar and infrared sensor models: horizon geometry, coverage rules, noise, seeding."""

from __future__ import annotations

import math

import numpy as np
import pymap3d
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gsomia.errors import InputError
from gsomia.physics.earth import WGS84
from gsomia.physics.geodesy import geodesic_direct, geodesic_inverse, geodetic2ecef
from gsomia.physics.trajectory import Trajectory
from gsomia.warning.sensors import (
    STANDARD_REFRACTION_K,
    Flight,
    InfraredLaunchSensor,
    LaunchReport,
    Radar,
    line_of_sight_clear,
)

HORIZON_RTOL = 0.01          # acceptance: within 1 % of the horizon formula
ROUND_TRIP_ATOL_M = 1e-3     # aer → ECEF → aer of a noise-free measurement
SITE = dict(lat_deg=36.7, lon_deg=127.0, alt_m=200.0)


def euler_radius_m(lat_deg: float, az_deg: float) -> float:
    """Radius of curvature of the WGS-84 ellipsoid at a latitude in a direction (Euler):
    1/R = cos²α/M + sin²α/N, M = a(1−e²)/W³, N = a/W, W = √(1 − e² sin²φ)."""
    e2, a = WGS84.e2, WGS84.a_m
    w = math.sqrt(1.0 - e2 * math.sin(math.radians(lat_deg)) ** 2)
    m, n = a * (1.0 - e2) / w**3, a / w
    al = math.radians(az_deg)
    return 1.0 / (math.cos(al) ** 2 / m + math.sin(al) ** 2 / n)


def fixed_point(r_ecef_m, t_end_s: float = 1000.0) -> Trajectory:
    """A 'flight' that stays at one ECEF point (honest for coverage and noise tests)."""
    r = np.asarray(r_ecef_m, dtype=float)
    t = np.array([0.0, t_end_s])
    return Trajectory(t_s=t, r_ecef_m=np.stack([r, r]), v_ecef_m_s=np.zeros((2, 3)),
                      burnout_s=0.0, launch_lat_deg=0.0, launch_lon_deg=0.0, launch_alt_m=0.0,
                      impact_lat_deg=0.0, impact_lon_deg=0.0, range_m=0.0, apogee_m=0.0,
                      apogee_s=0.0)


def straight_line(lat_deg, lon_deg, bearing_deg, speed_m_s, t_end_s, alt_m,
                  burnout_s=60.0) -> Trajectory:
    """A target flying a straight line in ECEF between two geodetic points."""
    lat2, lon2 = geodesic_direct(lat_deg, lon_deg, speed_m_s * t_end_s, bearing_deg)
    a = geodetic2ecef(lat_deg, lon_deg, alt_m)
    b = geodetic2ecef(lat2, lon2, alt_m)
    t = np.linspace(0.0, t_end_s, 11)
    r = a + (b - a) * (t / t_end_s)[:, None]
    v = np.repeat(((b - a) / t_end_s)[None, :], t.size, axis=0)
    return Trajectory(t_s=t, r_ecef_m=r, v_ecef_m_s=v, burnout_s=burnout_s,
                      launch_lat_deg=lat_deg, launch_lon_deg=lon_deg, launch_alt_m=alt_m,
                      impact_lat_deg=float(lat2), impact_lon_deg=float(lon2),
                      range_m=speed_m_s * t_end_s, apogee_m=alt_m, apogee_s=0.0)


def horizon_distance_m(radar: Radar, az_deg: float, target_alt_m: float) -> float:
    """Greatest ground distance at which the radar sees a target of that altitude
    (bisection on the coverage test)."""
    lo, hi = 1.0, 5.0e6
    for _ in range(50):
        mid = 0.5 * (lo + hi)
        lat, lon = geodesic_direct(radar.lat_deg, radar.lon_deg, mid, az_deg)
        if radar.in_coverage(geodetic2ecef(lat, lon, target_alt_m))[()]:
            lo = mid
        else:
            hi = mid
    return lo


HORIZON_CASES = [
    # lat, az, h_r, h_t
    (0.0, 0.0, 200.0, 10e3),
    (36.7, 45.0, 200.0, 10e3),
    (36.7, 90.0, 600.0, 100e3),
    (41.3, 270.0, 800.0, 50e3),
    (60.0, 0.0, 10.0, 1e3),
    (-45.0, 135.0, 25.0, 30e3),
]
HORIZON_IDS = [f"lat{c[0]}-az{c[1]}-hr{c[2]:.0f}-ht{c[3]:.0f}" for c in HORIZON_CASES]


@pytest.mark.parametrize(("lat", "az", "h_r", "h_t"), HORIZON_CASES, ids=HORIZON_IDS)
def test_geometric_horizon_matches_formula(lat, az, h_r, h_t):
    """First sight at d = √(2Rh_r) + √(2Rh_t), R the ellipsoid's curvature radius that way."""
    radar = Radar("r", "KOR", lat, 10.0, h_r, 1e8, min_elevation_rad=-math.pi / 2)
    r_m = euler_radius_m(lat, az)
    expected = math.sqrt(2 * r_m * h_r) + math.sqrt(2 * r_m * h_t)
    assert horizon_distance_m(radar, az, h_t) == pytest.approx(expected, rel=HORIZON_RTOL)


@pytest.mark.parametrize(("lat", "az", "h_r", "h_t"), HORIZON_CASES, ids=HORIZON_IDS)
def test_four_thirds_earth_horizon(lat, az, h_r, h_t):
    """With k = 4/3 the horizon is that of an Earth 4/3 as large (Skolnik)."""
    radar = Radar("r", "KOR", lat, 10.0, h_r, 1e8, min_elevation_rad=-math.pi / 2,
                  refraction_k=STANDARD_REFRACTION_K)
    r_m = STANDARD_REFRACTION_K * euler_radius_m(lat, az)
    expected = math.sqrt(2 * r_m * h_r) + math.sqrt(2 * r_m * h_t)
    assert horizon_distance_m(radar, az, h_t) == pytest.approx(expected, rel=HORIZON_RTOL)


def test_min_elevation_shortens_horizon():
    """A 1° floor: the target must be above the 1° ray, i.e. h_t ≳ d²/2R + d·tan 1° − h_r."""
    flat = Radar("r", "KOR", **SITE, max_range_m=1e8, min_elevation_rad=-math.pi / 2)
    floor = Radar("r", "KOR", **SITE, max_range_m=1e8, min_elevation_rad=math.radians(1.0))
    d_flat = horizon_distance_m(flat, 60.0, 20e3)
    d_floor = horizon_distance_m(floor, 60.0, 20e3)
    # solve d²/(2R) + d tan(1°) = h_t − h_r for d
    r_m, tan1 = euler_radius_m(SITE["lat_deg"], 60.0), math.tan(math.radians(1.0))
    expected = r_m * (-tan1 + math.sqrt(tan1**2 + 2 * (20e3 - SITE["alt_m"]) / r_m))
    assert d_floor == pytest.approx(expected, rel=0.01)
    assert d_floor < 0.75 * d_flat


def test_line_of_sight_through_the_earth_is_blocked():
    a = geodetic2ecef(0.0, 0.0, 100.0)
    b = geodetic2ecef(0.0, 180.0, 100.0)
    c = geodetic2ecef(0.0, 0.01, 100.0)
    assert not line_of_sight_clear(a, b)
    assert line_of_sight_clear(a, c)


def test_aer_agrees_with_pymap3d():
    radar = Radar("r", "KOR", **SITE, max_range_m=1e6)
    target = geodetic2ecef(39.66, 124.71, 150e3)
    az, el, rng = radar.aer(target)
    paz, pel, prng = pymap3d.ecef2aer(*target, SITE["lat_deg"], SITE["lon_deg"], SITE["alt_m"])
    assert math.degrees(az) == pytest.approx(paz, abs=1e-9)
    assert math.degrees(el) == pytest.approx(pel, abs=1e-9)
    assert rng == pytest.approx(prng, abs=1e-6)


def test_range_and_sector_limits():
    radar = Radar("r", "KOR", **SITE, max_range_m=500e3, min_elevation_rad=0.0,
                  sector_center_rad=0.0, sector_half_width_rad=math.radians(60.0))
    north_400 = geodetic2ecef(*geodesic_direct(36.7, 127.0, 400e3, 10.0), 100e3)
    north_600 = geodetic2ecef(*geodesic_direct(36.7, 127.0, 600e3, 10.0), 100e3)
    east_400 = geodetic2ecef(*geodesic_direct(36.7, 127.0, 400e3, 90.0), 100e3)
    assert radar.in_coverage(np.stack([north_400, north_600, east_400])).tolist() == [
        True, False, False]


# -- observation -------------------------------------------------------------------------

def launch_like_flight(id_="L1", launch_s=30.0) -> Flight:
    """A target climbing away from the radar site's north-west, straight-line proxy."""
    return Flight(id_, launch_s, straight_line(39.66, 124.71, 80.0, 1500.0, 600.0, 80e3))


def test_pd_one_no_noise_detects_every_scan_in_coverage():
    radar = Radar("r", "KOR", **SITE, max_range_m=800e3, revisit_s=5.0, pd=1.0,
                  sigma_range_m=0.0, sigma_az_rad=0.0, sigma_el_rad=0.0)
    flight = launch_like_flight()
    dets = radar.observe([flight], 0.0, 1000.0, np.random.default_rng(1))
    scans = radar.scan_times(flight.launch_s, flight.impact_s)
    expected = scans[radar.in_coverage(flight.position_at(scans))]
    assert [d.t_s for d in dets] == expected.tolist()
    assert 10 < len(dets) <= 121
    for d in dets:
        az, el, rng = radar.aer(flight.position_at(d.t_s))
        assert (d.range_m, d.az_rad, d.el_rad) == pytest.approx(
            (float(rng), float(az), float(el)), abs=1e-9)
        assert d.truth_id == "L1" and d.owner == "KOR" and d.sensor_id == "r"
        np.testing.assert_array_equal(d.covariance, np.zeros((3, 3)))


def test_same_seed_same_detections_different_seed_differs():
    radar = Radar("r", "KOR", **SITE, max_range_m=800e3, revisit_s=5.0, pd=0.8,
                  false_alarms_per_scan=0.5)
    flights = [launch_like_flight("A", 0.0), launch_like_flight("B", 7.0)]

    def run(seed):
        return [(d.t_s, d.range_m, d.az_rad, d.el_rad, d.truth_id)
                for d in radar.observe(flights, 0.0, 700.0, np.random.default_rng(seed))]

    assert run(42) == run(42)
    assert run(42) != run(43)


def test_noise_statistics_match_sigmas():
    sig = (30.0, 2e-3, 1e-3)
    radar = Radar("r", "KOR", **SITE, max_range_m=800e3, revisit_s=1.0, pd=1.0,
                  sigma_range_m=sig[0], sigma_az_rad=sig[1], sigma_el_rad=sig[2])
    target = geodetic2ecef(38.0, 128.0, 100e3)
    flight = Flight("T", 0.0, fixed_point(target, 4000.0))
    dets = radar.observe([flight], 0.0, 4000.0, np.random.default_rng(7))
    az, el, rng = radar.aer(target)
    err = np.array([d.z for d in dets]) - np.array([rng, az, el])
    assert len(dets) == 4001
    # sample sd within 5 % of σ (4,001 samples: the sd's relative error is ~1.1 %)
    np.testing.assert_allclose(err.std(axis=0), sig, rtol=0.05)
    assert np.all(np.abs(err.mean(axis=0)) < 5 * np.array(sig) / math.sqrt(4001))
    np.testing.assert_allclose(dets[0].covariance, np.diag(np.square(sig)))


def test_pd_fraction():
    radar = Radar("r", "KOR", **SITE, max_range_m=800e3, revisit_s=1.0, pd=0.7)
    flight = Flight("T", 0.0, fixed_point(geodetic2ecef(38.0, 128.0, 100e3), 3000.0))
    n = len(radar.observe([flight], 0.0, 3000.0, np.random.default_rng(3)))
    # binomial(3001, 0.7): sd ≈ 25; 5 σ band
    assert abs(n - 0.7 * 3001) < 5 * math.sqrt(3001 * 0.21)


def test_false_alarms_poisson_count_and_inside_coverage():
    radar = Radar("r", "KOR", **SITE, max_range_m=500e3, revisit_s=2.0, pd=1.0,
                  false_alarms_per_scan=3.0, sigma_range_m=0.0, sigma_az_rad=0.0,
                  sigma_el_rad=0.0, sector_center_rad=math.radians(300.0),
                  sector_half_width_rad=math.radians(45.0), min_elevation_rad=0.01)
    dets = radar.observe([], 0.0, 2000.0, np.random.default_rng(11))
    scans = radar.scan_times(0.0, 2000.0).size
    assert scans == 1001
    assert abs(len(dets) - 3.0 * scans) < 5 * math.sqrt(3.0 * scans)
    assert all(d.truth_id is None for d in dets)
    pts = radar.aer_to_ecef([d.az_rad for d in dets], [d.el_rad for d in dets],
                            [d.range_m for d in dets])
    assert radar.in_coverage(pts).all()
    # uniform in volume: median range is max · (1/2)^(1/3) ≈ 0.794 max (only roughly here:
    # the horizon removes the far, low part of the volume, so the median sits a little lower)
    median = np.median([d.range_m for d in dets]) / 500e3
    assert 0.6 < median < 0.82


def test_constructor_rejects_bad_values():
    with pytest.raises(InputError) as err:
        Radar("r", "KOR", 95.0, 127.0, 0.0, 1e6)
    assert err.value.field == "lat_deg" and err.value.value == 95.0
    with pytest.raises(InputError) as err:
        Radar("r", "KOR", 36.0, 127.0, 0.0, -5.0)
    assert err.value.field == "max_range_m"
    with pytest.raises(InputError) as err:
        Radar("r", "KOR", 36.0, 127.0, 0.0, 1e6, pd=1.5)
    assert err.value.field == "pd"


# -- properties --------------------------------------------------------------------------

lat_st = st.floats(-80.0, 80.0)
lon_st = st.floats(-180.0, 180.0)
km = st.floats(1.0, 2000.0)


@settings(max_examples=150, deadline=None)
@given(lat=lat_st, lon=lon_st, dist_km=km, az_deg=st.floats(0.0, 359.99),
       alt_km=st.floats(0.0, 1500.0), h_r=st.floats(0.0, 1000.0))
def test_noise_free_measurement_round_trips(lat, lon, dist_km, az_deg, alt_km, h_r):
    radar = Radar("r", "KOR", lat, lon, h_r, 1e8)
    t_lat, t_lon = geodesic_direct(lat, lon, dist_km * 1e3, az_deg)
    target = geodetic2ecef(t_lat, t_lon, alt_km * 1e3)
    az, el, rng = radar.aer(target)
    assert 0.0 <= az < 2 * math.pi and -math.pi / 2 <= el <= math.pi / 2
    np.testing.assert_allclose(radar.aer_to_ecef(az, el, rng), target, atol=ROUND_TRIP_ATOL_M)


@settings(max_examples=60, deadline=None)
@given(min_el_deg=st.floats(-2.0, 20.0), range_km=st.floats(50.0, 1500.0),
       centre_deg=st.one_of(st.none(), st.floats(0.0, 359.0)), half_deg=st.floats(5.0, 180.0),
       k=st.sampled_from([1.0, STANDARD_REFRACTION_K]), seed=st.integers(0, 2**32 - 1),
       bearing=st.floats(0.0, 359.0), lat=st.floats(30.0, 45.0), lon=st.floats(120.0, 140.0))
def test_no_detection_outside_coverage(min_el_deg, range_km, centre_deg, half_deg, k, seed,
                                       bearing, lat, lon):
    """Noise-free detections (targets and false alarms) all lie within range, above the
    elevation floor (geometric elevation ≥ floor without refraction) and inside the sector."""
    radar = Radar("r", "KOR", lat, lon, 100.0, range_km * 1e3,
                  min_elevation_rad=math.radians(min_el_deg), revisit_s=10.0, pd=1.0,
                  false_alarms_per_scan=0.3, refraction_k=k, sigma_range_m=0.0,
                  sigma_az_rad=0.0, sigma_el_rad=0.0,
                  sector_center_rad=None if centre_deg is None else math.radians(centre_deg),
                  sector_half_width_rad=math.radians(half_deg))
    flight = Flight("T", 0.0, straight_line(lat - 2.0, lon - 3.0, bearing, 2000.0, 600.0,
                                            150e3))
    dets = radar.observe([flight], 0.0, 600.0, np.random.default_rng(seed))
    for d in dets:
        assert d.range_m <= radar.max_range_m * (1 + 1e-12)
        assert radar.in_sector(d.az_rad)
        if k == 1.0:
            assert d.el_rad >= radar.min_elevation_rad - 1e-12
        if d.truth_id is not None:
            assert radar.in_coverage(flight.position_at(d.t_s))


def test_infrared_report():
    traj = straight_line(39.66, 124.71, 80.0, 1500.0, 600.0, 0.0, burnout_s=60.0)
    exact = InfraredLaunchSensor("sbirs", "USA", detect_after_s=20.0, report_delay_s=40.0,
                                 sigma_position_m=0.0, sigma_time_s=0.0,
                                 sigma_heading_rad=0.0, pd=1.0)
    (rep,) = exact.observe([Flight("L1", 100.0, traj)], np.random.default_rng(0))
    assert isinstance(rep, LaunchReport)
    assert rep.t_s == 160.0 and rep.launch_t_s == 100.0 and rep.truth_id == "L1"
    assert (rep.launch_lat_deg, rep.launch_lon_deg) == (39.66, 124.71)
    _, heading = geodesic_inverse(39.66, 124.71, traj.impact_lat_deg, traj.impact_lon_deg)
    assert math.degrees(rep.heading_rad) == pytest.approx(float(heading), abs=1e-9)
    assert 79.0 < math.degrees(rep.heading_rad) < 81.0

    noisy = InfraredLaunchSensor("sbirs", "USA", sigma_position_m=5000.0, pd=1.0)
    reps = noisy.observe([Flight(f"L{i}", 0.0, traj) for i in range(400)],
                         np.random.default_rng(5))
    d, _ = geodesic_inverse(39.66, 124.71, [r.launch_lat_deg for r in reps],
                            [r.launch_lon_deg for r in reps])
    # 2-D Gaussian radial error: RMS = √2 σ
    assert math.sqrt(np.mean(np.square(d))) == pytest.approx(math.sqrt(2) * 5000.0, rel=0.1)

    short_burn = straight_line(39.66, 124.71, 80.0, 1500.0, 600.0, 0.0, burnout_s=10.0)
    assert exact.observe([Flight("S", 0.0, short_burn)], np.random.default_rng(0)) == []

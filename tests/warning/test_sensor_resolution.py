"""Radar resolution: objects closer than the range resolution AND within the beamwidth give
one plot at the centroid of their true positions (Skolnik, *Introduction to Radar Systems*:
range resolution c/2B, angular resolution ≈ beamwidth).

Expected positions come from pymap3d (a peer implementation of ECEF → az/el/range), the
expected grouping from the resolution rule itself, evaluated pair by pair."""

from __future__ import annotations

import math

import numpy as np
import pymap3d
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from test_sensor_limits import (
    test_out_of_range_radar_value_names_file_key_and_value as names_file_key_and_value,
)
from test_sensors import fixed_point

from gsomia.errors import InputError
from gsomia.physics.ballistics import fit_trajectory
from gsomia.warning.sensors import Flight, Radar
from gsomia.warning.sites import load_sensor_catalogue, sensor_from_table

RES_M = 50.0                      # range resolution of the test radar [m]
BEAM_RAD = math.radians(1.5)      # beamwidth of the test radar [rad]
R0_M = 400_000.0                  # slant range of the test objects [m]
AZ0, EL0 = math.radians(337.0), math.radians(10.0)
SITE = dict(lat_deg=36.7, lon_deg=127.0, alt_m=200.0)


def radar(**kw) -> Radar:
    """A noise-free, always-detecting radar with the test resolution (kw overrides)."""
    base = dict(id="kor-test", owner="KOR", **SITE, max_range_m=1_000_000.0,
                sigma_range_m=0.0, sigma_az_rad=0.0, sigma_el_rad=0.0, pd=1.0,
                revisit_s=10.0, range_resolution_m=RES_M, beamwidth_rad=BEAM_RAD)
    return Radar(**(base | kw))


def objects(sensor: Radar, aer: list[tuple[float, float, float]]) -> list[Flight]:
    """Stationary objects at the given (az [rad], el [rad], range [m]) from the sensor."""
    return [Flight(f"O{i + 1}", 0.0, fixed_point(sensor.aer_to_ecef(az, el, rng), 100.0))
            for i, (az, el, rng) in enumerate(aer)]


def expected_aer(sensor: Radar, r_ecef_m: np.ndarray) -> tuple[float, float, float]:
    """(range, az, el) of an ECEF point from the site, by pymap3d."""
    az, el, rng = pymap3d.ecef2aer(*r_ecef_m, sensor.lat_deg, sensor.lon_deg, sensor.alt_m)
    return float(rng), math.radians(float(az)), math.radians(float(el))


def first_scan(sensor: Radar, flights: list[Flight]):
    return [d for d in sensor.observe(flights, 0.0, 0.0, np.random.default_rng(1))]


def test_two_objects_within_range_resolution_and_beam_give_one_plot_at_centroid():
    sensor = radar()
    flights = objects(sensor, [(AZ0, EL0, R0_M), (AZ0, EL0, R0_M + 0.5 * RES_M)])
    plots = first_scan(sensor, flights)
    assert len(plots) == 1
    centroid = 0.5 * (flights[0].position_at(0.0) + flights[1].position_at(0.0))
    rng, az, el = expected_aer(sensor, centroid)
    assert plots[0].range_m == pytest.approx(R0_M + 0.25 * RES_M, abs=1e-3)
    assert plots[0].range_m == pytest.approx(rng, abs=1e-3)
    assert plots[0].az_rad == pytest.approx(az, abs=1e-9)
    assert plots[0].el_rad == pytest.approx(el, abs=1e-9)
    assert plots[0].truth_id == "O1"
    assert plots[0].merged_truth_ids == ("O1", "O2")


def test_two_objects_at_one_range_inside_the_beam_merge_at_the_centroid():
    sensor = radar()
    half = 0.25 * BEAM_RAD                    # 0.5 beamwidth apart in azimuth
    flights = objects(sensor, [(AZ0 - half, EL0, R0_M), (AZ0 + half, EL0, R0_M)])
    plots = first_scan(sensor, flights)
    assert len(plots) == 1
    centroid = 0.5 * (flights[0].position_at(0.0) + flights[1].position_at(0.0))
    rng, az, el = expected_aer(sensor, centroid)
    # the chord midpoint is nearer than either object: R·cos(Δ/2) for an angle Δ apart
    assert plots[0].range_m < R0_M
    assert plots[0].range_m == pytest.approx(rng, abs=1e-3)
    assert plots[0].az_rad == pytest.approx(az, abs=1e-9)
    assert plots[0].el_rad == pytest.approx(el, abs=1e-9)


@pytest.mark.parametrize("second", [
    (AZ0, EL0, R0_M + 1.5 * RES_M),              # same direction, range resolved
    (AZ0 + 2.0 * BEAM_RAD, EL0, R0_M),           # same range, two beamwidths apart
    (AZ0, EL0 + 2.0 * BEAM_RAD, R0_M),           # same range, apart in elevation
])
def test_objects_resolved_in_range_or_angle_give_two_plots_at_their_positions(second):
    sensor = radar()
    flights = objects(sensor, [(AZ0, EL0, R0_M), second])
    plots = first_scan(sensor, flights)
    assert [p.truth_id for p in plots] == ["O1", "O2"]
    for plot, flight in zip(plots, flights, strict=True):
        rng, az, el = expected_aer(sensor, flight.position_at(0.0))
        assert plot.range_m == pytest.approx(rng, abs=1e-3)
        assert plot.az_rad == pytest.approx(az, abs=1e-9)
        assert plot.merged_truth_ids == ()


def test_unresolved_pairs_chain_into_one_cell():
    """A–B and B–C are each 0.6 ΔR apart (unresolved), A–C 1.2 ΔR (resolved): single
    linkage puts all three in one plot at their centroid."""
    sensor = radar()
    flights = objects(sensor, [(AZ0, EL0, R0_M + k * 0.6 * RES_M) for k in range(3)])
    plots = first_scan(sensor, flights)
    assert len(plots) == 1
    assert plots[0].merged_truth_ids == ("O1", "O2", "O3")
    assert plots[0].range_m == pytest.approx(R0_M + 0.6 * RES_M, abs=1e-3)


def test_a_radar_without_resolution_figures_gives_one_plot_per_object():
    sensor = radar(range_resolution_m=0.0, beamwidth_rad=0.0)
    flights = objects(sensor, [(AZ0, EL0, R0_M), (AZ0, EL0, R0_M)])
    assert [p.truth_id for p in first_scan(sensor, flights)] == ["O1", "O2"]


def test_well_separated_objects_give_the_same_plots_with_and_without_resolution():
    """Noise and detection draws are unchanged by the rule when nothing merges."""
    noisy = dict(sigma_range_m=50.0, sigma_az_rad=1e-3, sigma_el_rad=1e-3, pd=0.7,
                 false_alarms_per_scan=2.0)
    with_res, without = radar(**noisy), radar(**noisy, range_resolution_m=0.0)
    flights = objects(with_res, [(AZ0, EL0, R0_M), (AZ0 + 0.2, EL0, R0_M + 5_000.0)])
    a = with_res.observe(flights, 0.0, 100.0, np.random.default_rng(7))
    b = without.observe(flights, 0.0, 100.0, np.random.default_rng(7))
    assert len(a) == len(b) > 0
    assert [(d.t_s, d.truth_id, d.range_m, d.az_rad, d.el_rad) for d in a] == \
        [(d.t_s, d.truth_id, d.range_m, d.az_rad, d.el_rad) for d in b]


def test_a_salvo_on_one_trajectory_gives_one_plot_per_scan_of_the_catalogue_green_pine():
    """Twelve KN-25 on one trajectory (the 2026-03-14 record: same pad, same time, same
    bearing, range and apogee) are one cell for Green Pine B-1 at every scan."""
    sensor = sensor_from_table_of("kor-greenpine-b-1")
    traj = fit_trajectory(39.200159, 125.673256, 62.0, 340e3, 80e3, missile="KN-25")
    flights = [Flight(f"L{i}", 0.0, traj) for i in range(1, 13)]
    plots = sensor.observe(flights, 0.0, traj.impact_s, np.random.default_rng(3))
    targets = [p for p in plots if p.truth_id is not None]
    assert targets, "the salvo is in Green Pine B-1 coverage"
    assert len({p.t_s for p in targets}) == len(targets)
    assert all(p.truth_id == "L1" and len(p.merged_truth_ids) == 12 for p in targets)


def sensor_from_table_of(site_id: str) -> Radar:
    from gsomia.datafile import Table
    entry = load_sensor_catalogue()[site_id]
    sensor = sensor_from_table(Table(dict(entry), "sensors.toml", site_id))
    assert isinstance(sensor, Radar)
    return sensor


def test_catalogue_radars_carry_their_resolution():
    sensor = sensor_from_table_of("kor-greenpine-b-1")
    assert sensor.range_resolution_m == 50.0
    assert sensor.beamwidth_rad == pytest.approx(math.radians(1.5))


@pytest.mark.parametrize(("field", "value"), [
    ("range_resolution_m", -1.0), ("range_resolution_m", math.inf),
    ("range_resolution_m", 20_000.0), ("beamwidth_rad", -0.1),
    ("beamwidth_rad", math.nan), ("beamwidth_rad", 2.0),
])
def test_bad_resolution_values_are_refused_naming_the_field(field, value):
    with pytest.raises(InputError) as err:
        radar(**{field: value})
    assert err.value.field == field


@pytest.mark.parametrize(("key", "value"), [
    ("range_resolution_m", "-5.0"), ("range_resolution_m", "1000000.0"),
    ("beamwidth_deg", "-1.0"), ("beamwidth_deg", "120.0"),
])
def test_bad_resolution_keys_in_a_scenario_name_file_key_and_value(tmp_path, key, value):
    names_file_key_and_value(tmp_path, key, value)


# -- rules for all inputs -----------------------------------------------------------------

def separation(sensor: Radar, a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """(|Δ slant range| [m], angle between the lines of sight [rad]) of a pair, from pymap3d
    ENU vectors (law of cosines)."""
    ea = np.array(pymap3d.ecef2enu(*a, sensor.lat_deg, sensor.lon_deg, sensor.alt_m))
    eb = np.array(pymap3d.ecef2enu(*b, sensor.lat_deg, sensor.lon_deg, sensor.alt_m))
    ra, rb = np.linalg.norm(ea), np.linalg.norm(eb)
    return abs(ra - rb), math.acos(max(-1.0, min(1.0, float(ea @ eb) / (ra * rb))))


def resolved(sensor: Radar, a: np.ndarray, b: np.ndarray) -> bool:
    """The resolution rule for one pair."""
    dr, angle = separation(sensor, a, b)
    return dr >= sensor.range_resolution_m or angle >= sensor.beamwidth_rad


def near_boundary(sensor: Radar, a: np.ndarray, b: np.ndarray, rel: float = 1e-6) -> bool:
    """Whether a pair lies within ``rel`` (relative) of the range or angle boundary."""
    dr, angle = separation(sensor, a, b)
    return (abs(dr - sensor.range_resolution_m) <= rel * sensor.range_resolution_m
            or abs(angle - sensor.beamwidth_rad) <= rel * sensor.beamwidth_rad)


offsets = st.tuples(st.floats(-3.0, 3.0), st.floats(-3.0, 3.0), st.floats(-3.0, 3.0))


@settings(max_examples=60, deadline=None)
@given(cells=st.lists(offsets, min_size=1, max_size=8), pd=st.sampled_from([1.0, 0.6]),
       seed=st.integers(0, 2**32 - 1))
def test_plots_never_outnumber_objects_and_each_object_is_in_exactly_one_plot(cells, pd, seed):
    """Objects scattered over a few resolution cells (offsets in beamwidths and range
    resolutions around one point): per scan, target plots ≤ objects in coverage; each object
    is covered by at most one plot (exactly one when pd = 1); objects of different plots are
    resolved from each other."""
    sensor = radar(pd=pd)
    aer = [(AZ0 + da * BEAM_RAD, EL0 + de * BEAM_RAD, R0_M + dr * RES_M)
           for da, de, dr in cells]
    flights = objects(sensor, aer)
    pos = {f.id: f.position_at(0.0) for f in flights}
    # a pair exactly on the resolution boundary (|Δr| = range resolution or angle = beamwidth
    # to rounding) is decided by the last bit of two different computations: not a rule
    assume(all(not near_boundary(sensor, pos[x], pos[y]) for x in pos for y in pos if x < y))
    plots = sensor.observe(flights, 0.0, 30.0, np.random.default_rng(seed))
    for t in sensor.scan_times(0.0, 30.0):
        scan = [p for p in plots if p.t_s == t and p.truth_id is not None]
        assert len(scan) <= len(flights)
        covered = [p.merged_truth_ids or (p.truth_id,) for p in scan]
        ids = [i for c in covered for i in c]
        assert len(ids) == len(set(ids))
        if pd == 1.0:
            assert sorted(ids) == sorted(pos)
        for i, a in enumerate(covered):
            for b in covered[i + 1:]:
                assert all(resolved(sensor, pos[x], pos[y]) for x in a for y in b)
            reached = {a[0]}                   # a plot's members are chained by unresolved pairs
            for _ in a:
                reached |= {y for x in reached for y in a
                            if not resolved(sensor, pos[x], pos[y])}
            assert reached == set(a)

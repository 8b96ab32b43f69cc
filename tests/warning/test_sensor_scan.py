"""The vectorised radar scan (all objects × all scans as arrays) against the per-object
model it replaced, and its geometry against scalar checks.

The per-object model is ``benchmarks/bench_observe.py``'s reference (the radar observed one
flight at a time, one resolution grouping per scan, the refracted ray checked on every grid
point). Both take the same generator draws in the same order, so their detections must be
the same bit for bit. The geometry is held to a scalar peer: pymap3d's az/el/range of one
target and the grid check of its ray."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pymap3d
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from test_sensors import fixed_point

from bench_support import load_benchmark
from gsomia.physics.ballistics import fit_trajectory
from gsomia.sim.observe import fly_launches, observe
from gsomia.sim.scenario import load_scenario
from gsomia.warning.sensors import STANDARD_REFRACTION_K, Flight, Radar
from gsomia.warning.sensors.coverage import (
    line_of_sight_clear,
    ray_clear_on_grid,
    refracted_line_of_sight,
)
from gsomia.warning.sensors.resolution import resolution_cells, unresolved_groups


@pytest.fixture(scope="module")
def bench():
    return load_benchmark("bench_observe")


SALVO_100 = Path(__file__).resolve().parents[2] / "benchmarks" / "scenarios" / \
    "salvo-100-five-sites.toml"


@pytest.mark.parametrize("name", ["2017-03-06", "stress-20",
                                  pytest.param(str(SALVO_100), marks=pytest.mark.slow)])
def test_observe_gives_the_per_object_models_detections_bit_for_bit(bench, name):
    scenario = load_scenario(name)
    flights = fly_launches(scenario)
    ours = observe(scenario, flights)
    ref = bench.reference_observe(scenario, flights)
    assert len(ours.detections) == len(ref) > 1000
    assert [bench.detection_key(d) for d in ours.detections] == \
        [bench.detection_key(d) for d in ref]


def _salvo(n: int, spacing_s: float) -> list[Flight]:
    traj = fit_trajectory(39.66, 124.71, 80.0, 600_000.0, 150_000.0, propulsion="liquid-srbm")
    return [Flight(f"L{k}", k * spacing_s, traj) for k in range(n)]


def test_merged_cells_false_alarms_and_misses_match_the_per_object_model(bench):
    """A salvo from one pad through a radar with coarse resolution, Pd 0.7 and false
    alarms: merged plots, cells whose first member was missed, false alarms at the same
    scans — every plot as the per-object model gives it."""
    radar = Radar("jpn-test", "JPN", 37.0, 136.0, 50.0, 2_500_000.0, revisit_s=2.0,
                  sigma_range_m=40.0, pd=0.7, false_alarms_per_scan=1.5,
                  refraction_k=STANDARD_REFRACTION_K, range_resolution_m=3000.0,
                  beamwidth_rad=math.radians(2.0))
    flights = _salvo(12, 0.7)
    ours = radar.observe(flights, 0.0, 700.0, np.random.default_rng(7))
    ref = bench.reference_radar_observe(radar, flights, 0.0, 700.0, np.random.default_rng(7))
    assert sum(1 for d in ours if d.merged_truth_ids) > 50
    assert sum(1 for d in ours if d.truth_id is None) > 50
    assert [bench.detection_key(d) for d in ours] == [bench.detection_key(d) for d in ref]


SITES = st.tuples(st.floats(-70.0, 70.0), st.floats(-180.0, 180.0), st.floats(0.0, 3000.0))
TARGETS = st.lists(st.tuples(st.floats(0.0, 2 * math.pi), st.floats(-0.3, 1.5),
                             st.floats(1_000.0, 4_000_000.0)), min_size=1, max_size=12)


@settings(max_examples=60, deadline=None)
@given(site=SITES, targets=TARGETS, k=st.sampled_from([1.0, STANDARD_REFRACTION_K, 0.8]),
       max_km=st.floats(200.0, 3000.0), min_el=st.floats(-0.05, 0.1),
       sector=st.one_of(st.none(), st.tuples(st.floats(0.0, 6.28), st.floats(0.1, 3.0))))
def test_a_target_is_in_coverage_iff_the_scalar_check_says_so(site, targets, k, max_km,
                                                              min_el, sector):
    radar = Radar("kor-test", "KOR", *site, max_range_m=max_km * 1e3,
                  min_elevation_rad=min_el, refraction_k=k,
                  sector_center_rad=None if sector is None else sector[0],
                  sector_half_width_rad=math.pi if sector is None else sector[1])
    r = radar.aer_to_ecef(*np.array(targets).T)
    batch = radar.in_coverage(r)
    kappa = (1.0 - 1.0 / k) / radar.earth.mean_radius_m
    for i, point in enumerate(r):
        az_deg, el_deg, rng = pymap3d.ecef2aer(*point, radar.lat_deg, radar.lon_deg,
                                               radar.alt_m)
        az, el = math.radians(az_deg), math.radians(el_deg)
        el_app = el + 0.5 * kappa * rng
        off = (az - (sector[0] if sector else 0.0) + math.pi) % (2 * math.pi) - math.pi
        # away from every limit, where rounding between the two implementations can't tell
        assume(abs(rng - radar.max_range_m) > 1.0 and abs(el_app - min_el) > 1e-7)
        assume(sector is None or abs(abs(off) - sector[1]) > 1e-7)
        clear = (line_of_sight_clear(radar.site_ecef_m, point) if k == 1.0
                 else ray_clear_on_grid(radar.site_ecef_m, point[None, :], k)[0])
        scalar = (rng <= radar.max_range_m and el_app >= min_el
                  and (sector is None or abs(off) <= sector[1]) and bool(clear))
        assert bool(batch[i]) == scalar
        assert bool(radar.in_coverage(point)) == scalar


@settings(max_examples=60, deadline=None)
@given(site=SITES, targets=TARGETS, k=st.sampled_from([STANDARD_REFRACTION_K, 1.05, 0.8, 4.0]))
def test_the_refracted_rays_chord_shortcut_agrees_with_the_full_grid(site, targets, k):
    radar = Radar("kor-test", "KOR", *site, max_range_m=1e7)
    r = radar.aer_to_ecef(*np.array(targets).T)
    clear, lift = refracted_line_of_sight(radar.site_ecef_m, r, k)
    assert np.array_equal(clear, ray_clear_on_grid(radar.site_ecef_m, r, k))
    kappa = (1.0 - 1.0 / k) / radar.earth.mean_radius_m
    np.testing.assert_allclose(lift, 0.5 * kappa * np.linalg.norm(r - radar.site_ecef_m,
                                                                   axis=-1), rtol=1e-12)


@settings(max_examples=80, deadline=None)
@given(scans=st.lists(st.integers(0, 3), min_size=1, max_size=30),
       data=st.data(), res=st.floats(1.0, 500.0), beam=st.floats(1e-4, 0.05))
def test_resolution_cells_of_many_scans_are_the_per_scan_groups(scans, data, res, beam):
    """Objects clustered within a few resolution cells so that chains form."""
    n = len(scans)
    offs = np.array(data.draw(st.lists(st.tuples(
        st.floats(-3 * res, 3 * res), st.floats(-3 * res, 3 * res), st.floats(-3 * res, 3 * res)),
        min_size=n, max_size=n)))
    site = np.array([-3_000_000.0, 4_000_000.0, 3_800_000.0])
    r = site + np.array([200_000.0, 100_000.0, 50_000.0]) + offs
    scan = np.array(scans)
    labels = resolution_cells(scan, site, r, res, beam)
    for k in set(scans):
        idx = np.flatnonzero(scan == k)
        groups = unresolved_groups(site, r[idx], res, beam)
        mine: dict[int, list[int]] = {}
        for j, lab in enumerate(labels[idx].tolist()):
            mine.setdefault(lab, []).append(j)
        assert sorted(mine.values()) == sorted(groups)
    assert not set(labels[scan == 0].tolist()) & set(labels[scan != 0].tolist())


def test_a_radar_sees_nothing_outside_its_scans_and_with_no_flights():
    radar = Radar("kor-test", "KOR", 37.0, 127.0, 0.0, 1e6, pd=1.0, range_resolution_m=50.0,
                  beamwidth_rad=0.01)
    point = Flight("P", 100.0, fixed_point(radar.aer_to_ecef(0.5, 0.3, 1e5), 10.0))
    assert radar.observe([point], 0.0, 95.0, np.random.default_rng(1)) == []
    assert radar.observe([], 0.0, 100.0, np.random.default_rng(1)) == []
    seen = radar.observe([point], 0.0, 200.0, np.random.default_rng(1))
    assert [d.t_s for d in seen] == [100.0, 110.0]

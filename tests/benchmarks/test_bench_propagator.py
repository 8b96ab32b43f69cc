"""benchmarks/bench_propagator.py: its peer (one vectorised solve_ivp call over all states,
impacts found on the dense output) and our propagator land one state at the same point,
within the accuracy the benchmark matches them at (ours: ~0.045 mm from the reference on its
sample, so 0.1 mm here), and both land where the 2017-03-06 flight was fitted to land."""

from __future__ import annotations

import numpy as np
import pytest

from bench_support import load_benchmark
from gsomia.physics.earth import WGS84
from gsomia.physics.geodesy import ecef2geodetic, geodesic_inverse, height_above_ellipsoid_fast
from gsomia.physics.propagate import propagate_to_impact

MATCHED_M = 1e-4


@pytest.fixture(scope="module")
def bench():
    return load_benchmark("bench_propagator")


def test_peer_and_ours_land_one_state_at_the_same_point(bench) -> None:
    y0 = bench.burnout_state()
    ref = bench.reference_impact(y0)
    ours = propagate_to_impact(y0[None], WGS84, step_s=10.0)
    peer = bench.peer_impacts(y0[None], "DOP853", 1e-10, 1e-10)
    p_ours, p_peer = ours.y_ecef[0, :3], peer["y"][0, :3]
    assert np.linalg.norm(p_ours - ref[:3]) < MATCHED_M
    assert np.linalg.norm(p_peer - ref[:3]) < MATCHED_M
    assert np.linalg.norm(p_ours - p_peer) < MATCHED_M
    assert abs(ours.t_s[0] - peer["t_s"][0]) < 1e-6          # 0.1 mm at ~2 km/s: 5e-8 s
    assert abs(height_above_ellipsoid_fast(p_peer[None], WGS84)[0]) < 1e-3
    # the fit's range: 1,000 km from the launch point (39.66 N, 124.71 E)
    lat, lon, _ = ecef2geodetic(p_peer)
    dist_m, _ = geodesic_inverse(39.66, 124.71, float(lat), float(lon))
    assert abs(float(dist_m) - 1000e3) < 5e3


def test_peer_finds_every_impact_of_a_batch(bench) -> None:
    y0 = bench.make_states(40)
    peer = bench.peer_impacts(y0, "DOP853", 1e-10, 1e-10)
    ours = propagate_to_impact(y0, WGS84, step_s=10.0)
    assert peer["y"].shape == (40, 6)
    assert np.max(np.linalg.norm(peer["y"][:, :3] - ours.y_ecef[:, :3], axis=1)) < MATCHED_M

"""benchmarks/bench_tracker.py: its synthetic salvos are what it says (N launches within 10 s
from five facilities, the same file for the same seed), and its Stone Soup JPDA peer tracks
a small salvo from the same detections as ours (every launch gets a track on both sides)."""

from __future__ import annotations

import pytest

from gsomia.sim.scenario import load_scenario


@pytest.fixture(scope="module")
def bench(bench_tracker_script):
    return bench_tracker_script


def test_salvo_has_n_launches_within_10_s_from_five_sites(bench, tmp_path) -> None:
    text = bench.salvo_toml(20, 18)
    assert text == bench.salvo_toml(20, 18)
    assert text != bench.salvo_toml(20, 19)
    path = tmp_path / "salvo-20.toml"
    path.write_text(text)
    sc = load_scenario(path)
    assert len(sc.launches) == 20
    assert {s.site for s in sc.launches} == {"sohae", "sunan", "wonsan", "kusong", "sunchon"}
    assert all(0.0 <= s.t_s < 10.0 for s in sc.launches)
    bearings = sorted(s.bearing_deg for s in sc.launches if s.site == "sohae")
    assert len(bearings) == 4 and 75.0 <= bearings[0] < bearings[-1] <= 85.0


def test_peer_and_ours_track_every_launch_of_a_small_salvo(bench, tmp_path) -> None:
    path = tmp_path / "salvo-5.toml"
    path.write_text(bench.salvo_toml(5, 18))
    out = bench.run_case("salvo-5", load_scenario(path), 120, "ehm2", 3000.0, 300.0)
    assert out["launches"] == 5
    assert out["peer"]["finished"] and out["peer"]["scans_done"] == out["scans"] == 120
    for side in ("ours", "peer"):
        assert out[side]["launches_tracked"] == 5
        assert out[side]["gospa_mean_m"] < 5 * bench.GOSPA_C_M

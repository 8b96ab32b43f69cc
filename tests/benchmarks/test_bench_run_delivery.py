"""benchmarks/bench_run_delivery.py: the run documents are compared without their timing
keys and the delivery step's name, and the first difference is named by its path."""

from __future__ import annotations

from bench_support import load_benchmark

bench = load_benchmark("bench_run_delivery")


def test_timing_keys_and_step_name_left_out_at_any_depth():
    doc = {"delivery": "node", "timings_s": {"deliver": 1.0},
           "attribution": {"wall_s": 9.0, "x": [{"wall_s": 1, "y": 2}]}, "z": 3}
    assert bench.strip(doc) == {"attribution": {"x": [{"y": 2}]}, "z": 3}


def test_first_difference_named_by_path():
    a = {"launches": [{"pip_km": 1.0}, {"pip_km": 2.0}], "n": 1}
    assert bench.first_difference(a, a) is None
    b = {"launches": [{"pip_km": 1.0}, {"pip_km": 2.5}], "n": 1}
    assert bench.first_difference(a, b) == "/launches/1/pip_km (2.0 / 2.5)"
    assert bench.first_difference(a, {"n": 1}) == "/launches (missing on one side)"
    assert bench.first_difference([1], [1, 2]) == " (lengths 1 / 2)"

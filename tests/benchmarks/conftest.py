"""Fixtures of the benchmark tests: benchmark scripts loaded as modules."""

from __future__ import annotations

import sys

import pytest

from bench_support import load_benchmark


@pytest.fixture(scope="module")
def bench_tracker_script():
    """``benchmarks/bench_tracker.py`` loaded as a module, with its sibling ``tracker_peer``
    importable while the module's tests run (restored afterwards)."""
    saved = sys.modules.get("tracker_peer")
    sys.modules["tracker_peer"] = load_benchmark("tracker_peer")
    try:
        yield load_benchmark("bench_tracker")
    finally:
        if saved is None:
            sys.modules.pop("tracker_peer", None)
        else:
            sys.modules["tracker_peer"] = saved

"""Honest coverage of the boost-aware footprint over the packaged scenarios
(gsomia.sim.coverage; issue 17 item 4: the true impact inside the 95 % region at least
90 % of the time). Every scenario's tracker runs, so this is slow (minutes)."""

from __future__ import annotations

import pytest

from gsomia.sim.coverage import Coverage, footprint_coverage
from gsomia.sim.scenario import load_scenario

PACKAGED = ("2016-09-05", "2017-03-06", "2017-08-29", "2017-11-29", "2019-10-02",
            "2022-10-04", "stress-20")


@pytest.mark.slow
def test_the_95_percent_region_holds_the_impact_at_least_90_percent_of_the_time() -> None:
    total = Coverage(0.95)
    for name in PACKAGED:
        total.add(footprint_coverage(load_scenario(name)))
    got = total.to_dict()
    # boost samples exist (the footprint is exercised), none is invalid
    assert got["boost"][1] >= 100 and got["invalid"] == 0, got
    assert got["boost"][2] >= 0.9, got
    assert got["all"][2] >= 0.9, got

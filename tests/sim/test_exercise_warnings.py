"""The warning logs of an exercise report (gsomia.sim.exercise.compare_warnings): computed
by the code of ``gsomia run`` from the arrivals recorded, they are the simulated run's when
the arrivals are the simulated ones, and the run without sharing's when nothing arrived
(every link out)."""

from __future__ import annotations

import pytest

from gsomia.sim.config import RunConfig
from gsomia.sim.exercise import ArrivalDelivery, compare_warnings, simulated_arrivals
from gsomia.sim.run import run_scenario
from gsomia.sim.scenario import load_scenario

#: One launch (the SLBM of 2 October 2019, which fell in Japan's EEZ): a short run.
SCENARIO = "2019-10-02"


@pytest.fixture(scope="module")
def runs():
    sc = load_scenario(SCENARIO)
    cfg = RunConfig(routes=("none", "direct"))
    sim = run_scenario(sc, cfg)
    same = run_scenario(sc, cfg, delivery=ArrivalDelivery(simulated_arrivals(sim)))
    lost = run_scenario(sc, cfg, delivery=ArrivalDelivery({}))
    alone = run_scenario(sc, RunConfig(routes=("direct", "none")))  # warnings on "none"
    return sc, sim, same, lost, alone


@pytest.mark.slow
def test_the_same_arrivals_give_the_simulated_warning_log(runs):
    sc, sim, same, _, _ = runs
    rows = compare_warnings(same, sim, sc.parties)
    assert any(r["party"] == "JPN" and r["action"] == "issue" for r in rows), rows
    for r in rows:
        assert r["difference"] == 0.0 and r["exercise_count"] == r["simulated_count"], r
        assert r["exercise_area"] == r["simulated_area"], r
    assert same.alerts.to_json() == sim.alerts.to_json()


@pytest.mark.slow
def test_nothing_arrived_gives_the_warning_log_without_sharing(runs):
    sc, sim, _, lost, alone = runs
    assert lost.alerts.to_json() == alone.alerts.to_json()
    rows = compare_warnings(lost, alone, sc.parties)
    assert all(r["difference"] in (0.0, None) and r["exercise_count"] == r["simulated_count"]
               for r in rows), rows
    # beside the simulated run with sharing, the report says what differed
    beside = compare_warnings(lost, sim, sc.parties)
    assert {(r["launch"], r["party"], r["action"]) for r in beside} == {
        (e.launch, e.party, e.action) for e in [*lost.alerts.entries, *sim.alerts.entries]}

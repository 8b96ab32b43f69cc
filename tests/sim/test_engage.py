"""The run's engagement figures (gsomia.sim.engage) from given track estimates: the true
states of a flown launch with a small covariance, seen earlier on one route than on the
other."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from gsomia.sim.engage import (
    engagement_figures,
    run_engagements,
    salvo_counts,
    window_gain_distribution,
    window_gained_s,
)
from gsomia.sim.knowledge import LaunchKnowledge, PipSample
from gsomia.sim.observe import fly_launches
from gsomia.sim.scenario import load_scenario


@pytest.fixture(scope="module")
def flight():
    return fly_launches(load_scenario("2017-03-06"))[0]


def _samples(f, start_s: float, every_s: float = 10.0) -> list[PipSample]:
    out = []
    for t in np.arange(start_s, f.trajectory.impact_s - 30.0, every_s):
        x = np.concatenate([f.trajectory.position_at(t), f.trajectory.velocity_at(t)])
        P = np.diag([100.0**2] * 3 + [5.0**2] * 3)
        out.append(PipSample(f.launch_s + t, 0.0, 0.0, 0.0, np.eye(2), ("JPN",), x, P))
    return out


@pytest.mark.slow
def test_earlier_track_gives_an_earlier_solution_and_a_longer_window(flight) -> None:
    t_burnout = flight.trajectory.burnout_s + 10.0
    know = {flight.id: {
        "JPN": {"none": LaunchKnowledge(pips=_samples(flight, t_burnout + 60.0)),
                "direct": LaunchKnowledge(pips=_samples(flight, t_burnout))},
        "KOR": {"none": LaunchKnowledge(), "direct": LaunchKnowledge()}}}
    eng = run_engagements("2017-03-06", dt.date(2017, 3, 5), (flight,), ("JPN", "KOR"),
                          ("none", "direct"), know)
    none = engagement_figures(eng, flight, "JPN", "none")
    direct = engagement_figures(eng, flight, "JPN", "direct")
    assert direct["fire_unit"] == none["fire_unit"] == "jpn-ddg-sea-of-japan"
    assert direct["first_firing_solution_s"] < none["first_firing_solution_s"]
    # the last launch is the same geometry: the window grows by what came earlier
    assert direct["last_launch_s"] == pytest.approx(none["last_launch_s"], abs=2.0)
    assert window_gained_s(eng, flight.id, "JPN", "direct") == pytest.approx(
        direct["window_s"] - none["window_s"], abs=1e-3)
    assert direct["window_s"] > none["window_s"] > 0
    assert direct["shot_opportunities"] >= none["shot_opportunities"] >= 1
    kor = engagement_figures(eng, flight, "KOR", "direct")
    assert kor["first_firing_solution_s"] is None and "no fire unit of KOR" in kor["reason"]
    assert window_gained_s(eng, flight.id, "KOR", "direct") is None
    counts = salvo_counts(eng, ("JPN", "KOR"), ("none", "direct"))
    assert counts["JPN"]["direct"]["engageable_once"] == 1
    assert counts["KOR"]["none"] == {"threats": 1, "engageable_once": 0,
                                     "engageable_twice": 0, "rounds_used": {}}
    assert direct["threatened_assets"] == []        # the impact is at sea, far from Akita


def test_window_gain_distribution_over_runs() -> None:
    def run(gains):
        return {"launches": [{"parties": {"JPN": {"direct": {"engagement": {
            "window_gained_s": g}}}}} for g in gains]}

    got = window_gain_distribution([run([10.0, None, 30.0]), run([20.0])], ("JPN", "KOR"),
                                   ("direct",))
    assert got["JPN"]["direct"] == {"n": 3, "median": 20.0, "p10": 12.0, "p90": 28.0}
    assert got["KOR"]["direct"] == {"n": 0, "median": None, "p10": None, "p90": None}

"""The run's engagement figures (gsomia.sim.engage) from given track estimates: the true
states of a flown launch with a small covariance, seen earlier on one route than on the
other."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from gsomia.sim.engage import (
    engagement_figures,
    run_engagements,
    salvo_counts,
    ship_positions_key,
    window_gain_distribution,
    window_gained_s,
)
from gsomia.sim.knowledge import LaunchKnowledge, PipSample
from gsomia.sim.observe import fly_launches
from gsomia.sim.scenario import load_scenario


@pytest.fixture(scope="module")
def flight():
    return fly_launches(load_scenario("2017-03-06"))[0]


def _samples(f, start_s: float, every_s: float = 10.0, good_from_s: float = 0.0
             ) -> list[PipSample]:
    """True states every ``every_s``; a tight covariance from ``good_from_s`` on (50 km
    position, 500 m/s velocity sigmas before: no firing solution)."""
    out = []
    for t in np.arange(start_s, f.trajectory.impact_s - 30.0, every_s):
        x = np.concatenate([f.trajectory.position_at(t), f.trajectory.velocity_at(t)])
        P = np.diag([100.0**2] * 3 + [5.0**2] * 3) if t >= good_from_s else \
            np.diag([50e3**2] * 3 + [500.0**2] * 3)
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
    # KOR's one unit on that date (PAC-2 GEM-T near Seoul) and no track of the launch
    assert kor["first_firing_solution_s"] is None and "no track" in kor["reason"]
    assert window_gained_s(eng, flight.id, "KOR", "direct") is None
    old = run_engagements(None, dt.date(2008, 1, 1), (flight,), ("KOR",), ("none",),
                          {flight.id: {"KOR": {"none": LaunchKnowledge()}}})
    assert "no fire unit of KOR" in engagement_figures(old, flight, "KOR", "none")["reason"]
    # without an impact cell the launch is a threat to no one: counted for information only
    counts = salvo_counts(eng, ("JPN", "KOR"), ("none", "direct"), (flight,))
    assert counts["JPN"]["direct"]["threats"] == 0
    assert counts["JPN"]["direct"]["engageable_once"] == 0
    assert counts["JPN"]["direct"]["launches"] == 1
    assert counts["JPN"]["direct"]["launches_engageable_once"] == 1
    assert counts["KOR"]["none"] == {"threats": 0, "threat_ids": [], "engageable_once": 0,
                                     "engageable_twice": 0, "rounds_used": {},
                                     "launches": 1, "launches_engageable_once": 0,
                                     "launches_engageable_twice": 0}
    assert direct["threatened_assets"] == []        # the impact is at sea, far from Akita
    assert direct["threat_to_party"] is False


@pytest.mark.slow
@pytest.mark.parametrize(("cell", "jpn", "kor"), [
    (("JPN", "territorial_sea"), 1, 0), (("JPN", "land"), 1, 0), (("JPN", "eez"), 0, 0),
    (("KOR", "land"), 0, 1), (("", "high_seas"), 0, 0)])
def test_threat_to_party_is_an_impact_on_its_land_or_territorial_sea(flight, cell, jpn,
                                                                      kor) -> None:
    t0 = flight.trajectory.burnout_s + 10.0
    know = {flight.id: {p: {"none": LaunchKnowledge(pips=_samples(flight, t0))}
                        for p in ("JPN", "KOR")}}
    eng = run_engagements("2017-03-06", dt.date(2017, 3, 5), (flight,), ("JPN", "KOR"),
                          ("none",), know, cells={flight.id: cell})
    counts = salvo_counts(eng, ("JPN", "KOR"), ("none",), (flight,))
    assert counts["JPN"]["none"]["threats"] == jpn
    assert counts["KOR"]["none"]["threats"] == kor
    # JPN's ship has a solution: engageable whenever it is a threat to JPN; KOR has no unit
    assert counts["JPN"]["none"]["engageable_once"] == jpn
    assert counts["JPN"]["none"]["launches_engageable_once"] == 1
    assert counts["KOR"]["none"]["engageable_once"] == 0
    fig = engagement_figures(eng, flight, "JPN", "none")
    assert fig["threat_to_party"] is bool(jpn)


@pytest.mark.slow
def test_fine_tracks_decide_the_first_solution_not_the_coarse_pip_grid(flight) -> None:
    """The PIPs every 30 s (the tail grid) and the tracks every 5 s: the first firing
    solution is that of the 5 s tracks; a route whose tracks are a superset of another's
    (the same estimates plus earlier ones) never has a shorter window."""
    t0 = flight.trajectory.burnout_s + 10.0
    good = t0 + 72.0                       # the track is good enough from here on
    coarse = _samples(flight, t0 + 60.0, every_s=30.0, good_from_s=good)
    fine = [(s.t_s, s.x, s.P) for s in _samples(flight, t0 + 60.0, 5.0, good)]
    more = [(s.t_s, s.x, s.P) for s in _samples(flight, t0 + 15.0, 5.0, good - 10.0)]
    know = {flight.id: {"JPN": {
        "none": LaunchKnowledge(pips=coarse),
        "tisa_hub": LaunchKnowledge(pips=coarse, tracks=fine),
        "direct": LaunchKnowledge(pips=coarse, tracks=more)}}}
    routes = ("none", "tisa_hub", "direct")
    eng = run_engagements("2017-03-06", dt.date(2017, 3, 5), (flight,), ("JPN",), routes,
                          know)
    got = {r: engagement_figures(eng, flight, "JPN", r) for r in routes}
    first = {r: got[r]["first_firing_solution_s"] for r in routes}
    # coarse: the first grid time after the track is good (t0 + 90); fine: t0 + 75
    assert first["none"] == pytest.approx(t0 + 90.0, abs=1e-6)
    assert first["tisa_hub"] == pytest.approx(t0 + 75.0, abs=1e-6)
    assert first["direct"] == pytest.approx(t0 + 65.0, abs=1e-6)
    assert got["direct"]["window_s"] >= got["tisa_hub"]["window_s"] >= got["none"]["window_s"]
    assert first["direct"] <= first["tisa_hub"]


def test_window_gain_distribution_over_runs() -> None:
    def run(gains):
        return {"launches": [{"parties": {"JPN": {"direct": {"engagement": {
            "window_gained_s": g}}}}} for g in gains]}

    got = window_gain_distribution([run([10.0, None, 30.0]), run([20.0])], ("JPN", "KOR"),
                                   ("direct",))
    assert got["JPN"]["direct"] == {"n": 3, "median": 20.0, "p10": 12.0, "p90": 28.0}
    assert got["KOR"]["direct"] == {"n": 0, "median": None, "p10": None, "p90": None}


def test_a_user_scenario_named_like_a_packaged_one_keeps_the_default_ship_stations(
        tmp_path) -> None:
    packaged = load_scenario("stress-20")
    assert ship_positions_key(packaged) == "stress-20"
    own = tmp_path / "stress-20.toml"
    own.write_text(Path(packaged.file).read_text())
    mine = load_scenario(own)
    assert mine.name == "stress-20"
    assert ship_positions_key(mine) is None

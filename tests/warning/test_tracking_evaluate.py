"""Acceptance of the tracker on the 2017-03-06 salvo (four ER-Scuds): each party's radars
alone and all of them in one tracker (the upper bound of sharing), scored by evaluate_run."""

from __future__ import annotations

import pytest

from gsomia.sim.observe import observe
from gsomia.sim.scenario import load_scenario
from gsomia.warning.areas import MaritimeZones
from gsomia.warning.tracking.metrics import evaluate_run
from gsomia.warning.tracking.tracker import Tracker
from scenario_support import write_scenario

LPE_MAX_KM = 10.0            # issue 4 acceptance
PIP_MAX_KM = 15.0            # issue 4 acceptance, 60 s after burnout
PARTIES = ("KOR", "JPN", "USA")


@pytest.fixture(scope="module")
def results() -> dict[str, dict]:
    obs = observe(load_scenario("2017-03-06"))
    zones = MaritimeZones.from_natural_earth(("JPN", "KOR"))
    out = {}
    for party in (*PARTIES, "all"):
        tracker = Tracker()
        tracker.process([d for d in obs.detections if party == "all" or d.owner == party])
        out[party] = evaluate_run(tracker, obs.flights, zones=zones)
    return out


@pytest.mark.slow
def test_korea_alone_meets_the_acceptance(results):
    r = results["KOR"]
    assert r["confirmed_tracks"] == 4
    assert r["spurious_tracks"] == 0
    assert r["track_swaps"] == 0
    for launch in r["launches"]:
        assert launch["lpe_error_km"] < LPE_MAX_KM, launch
        assert launch["pip_error_km_60s_after_burnout"] < PIP_MAX_KM, launch


SIBLINGS = ("the fit of the fused track weighs Korea's coarser detections with the USA's, and on "
            "this salvo of four from one site its window also holds a sibling's (rejected as "
            "outliers only when they fail the test: gsomia.warning.tracking.launch_boost)")


@pytest.mark.parametrize("key", [pytest.param(
                                     "pip_error_km_60s_after_burnout", marks=pytest.mark.xfail(
                                         strict=True, reason="L2 60 s after burnout: 0.575 km "
                                         "with every sensor against 0.407 km for Korea alone, "
                                         "on one draw of the noise; the fused velocity's σ is "
                                         "smaller (3.6 against 6.2 m/s): a realised error, not "
                                         "the estimate's precision, orders them (issue 18)")),
                                 "first_confirmed_s",
                                 "first_pip_within_50km_s", pytest.param(
                                     "lpe_error_km", marks=pytest.mark.xfail(
                                         strict=True, reason="the fused track's first "
                                         "detections are Korea's, coarser than the USA's "
                                         "AN/TPY-2 alone: " + SIBLINGS))])
@pytest.mark.slow
def test_all_sensors_at_least_as_good_as_the_best_party_on_every_launch(results, key):
    for i, launch in enumerate(results["all"]["launches"]):
        singles = [results[p]["launches"][i][key] for p in PARTIES]
        best = min(v for v in singles if v is not None)
        assert launch[key] is not None
        assert launch[key] <= best, (launch["id"], key, launch[key], dict(zip(PARTIES, singles,
                                                                               strict=True)))


@pytest.mark.slow
def test_all_sensors_gospa_below_every_party(results):
    assert results["all"]["gospa_mean_m"] < min(results[p]["gospa_mean_m"] for p in PARTIES)


@pytest.mark.slow
def test_impacts_in_japans_eez(results):
    # Japan MoD, 6 Mar 2017: three of the four fell inside Japan's EEZ off Akita/Yamagata/Noto
    # (the fourth just outside it); the scenario's modelled impacts (1000 km along the CNS
    # bearings) all lie in it, and the PIPs say so
    for launch in results["all"]["launches"]:
        assert launch["true_impact_area"] == {"party": "JPN", "zone": "eez"}
        top = launch["areas_at_risk"][0]
        assert (top["party"], top["zone"]) == ("JPN", "eez")
        assert top["probability"] > 0.9


@pytest.mark.slow
def test_japan_alone_gets_launch_points_through_the_boost_model(results):
    # Japan's radars first see the ER-Scuds near burnout (~80 s): the boost model still
    # traces most of them back to a launch point within the acceptance
    errors = [launch["lpe_error_km"] for launch in results["JPN"]["launches"]]
    assert sum(e is not None for e in errors) >= 3, errors
    assert all(e < LPE_MAX_KM for e in errors if e is not None), errors


KOREA_L3 = ("Korea's radars alone: the track of L3 gives a launch point 0.29 km off, outside "
            "its 95 % ellipse (0.66 km semi-major) across the minor axis: the LPE covariance "
            "is too small there (issue 18; not understood yet; with the tracker's GNN-only "
            "association and no thrust modes it was L4, 2.1 km and 13 s off)")


@pytest.mark.parametrize("party", [pytest.param(p, marks=pytest.mark.xfail(strict=True,
                                                                          reason=KOREA_L3))
                                   if p == "KOR" else p for p in (*PARTIES, "all")])
@pytest.mark.slow
def test_lpe_ellipse_holds_the_launch_point(results, party):
    for launch in results[party]["launches"]:
        if launch["lpe_error_km"] is not None:
            assert launch["lpe_inside_95"] is True, launch
            assert launch["lpe_error_km"] <= launch["lpe_semi_major_95_km"], launch


def test_korea_l3_is_flagged_outside_its_ellipse(results):
    """The known inconsistency (KOREA_L3) is visible in the output, not only in this test."""
    l3 = results["KOR"]["launches"][2]
    assert l3["id"] == "L3"
    assert l3["lpe_inside_95"] is False
    assert [launch["lpe_inside_95"] for launch in results["KOR"]["launches"]] == [
        True, True, False, True]


def test_one_er_scud_meets_the_acceptance_by_korea_alone_and_all_do_better(tmp_path):
    """The base test scenario (one ER-Scud from Sohae, one radar per party; fast): Korea's
    radar alone meets the acceptance, Japan's sees no boost, all three beat each one."""
    obs = observe(load_scenario(write_scenario(tmp_path / "one.toml")))
    got = {}
    for party in (*PARTIES, "all"):
        tracker = Tracker()
        tracker.process([d for d in obs.detections if party == "all" or d.owner == party])
        got[party] = evaluate_run(tracker, obs.flights)
    kor = got["KOR"]
    assert (kor["confirmed_tracks"], kor["spurious_tracks"], kor["track_swaps"]) == (1, 0, 0)
    (launch,) = kor["launches"]
    assert launch["lpe_error_km"] < LPE_MAX_KM
    assert launch["pip_error_km_60s_after_burnout"] < PIP_MAX_KM
    # Japan's radar sees no boost; the boost model still gives a launch point
    assert got["JPN"]["launches"][0]["lpe_error_km"] < LPE_MAX_KM
    assert got["all"]["gospa_mean_m"] < min(got[p]["gospa_mean_m"] for p in PARTIES)

"""A salvo flying one trajectory: one radar plot per resolution cell, one track for the
group, and every member credited (sim.pictures.truth_labels)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from gsomia.records import load_records, salvos
from gsomia.sim.config import RunConfig
from gsomia.sim.delivery.planned import planned
from gsomia.sim.run import run_scenario
from gsomia.sim.scenario import load_scenario, scenario_from_records
from scenario_support import launch_entry, write_scenario


@pytest.fixture(scope="module")
def salvo_run(shared_data: Path, tmp_path_factory):
    # CNS record of 2026-03-14: twelve KN-25 with the same site, range and apogee
    day = dt.date(2026, 3, 14)
    groups = salvos(load_records(shared_data / "cns", since=day))
    text, _ = scenario_from_records(groups[day], seed=20260314)
    path = tmp_path_factory.mktemp("salvo") / "salvo.toml"
    path.write_text(text, encoding="utf-8")
    sc = load_scenario(path)
    return sc, run_scenario(sc, RunConfig(measured=("KOR",), routes=("none", "direct")),
                            delivery=planned)


@pytest.mark.slow
def test_every_member_of_the_unresolved_group_is_credited(salvo_run):
    sc, run = salvo_run
    assert len(sc.launches) == 12
    merged = [d for d in run.observation.detections
              if d.owner == "KOR" and len(d.merged_truth_ids) > 1]
    assert merged, "identical trajectories must fall in one resolution cell"
    for lid in run.knowledge:
        k = run.knowledge[lid]["KOR"]["none"]
        # Korea's own radars: detected, confirmed and a 50 km PIP for every member, at the
        # same times (one track of the group: its PIP is each member's)
        assert k.first_detection_s is not None and k.first_confirmed_s is not None
        assert k.first_pip_within_50km_s is not None
    figures = {(k.first_confirmed_s, k.first_pip_within_50km_s)
               for k in (run.knowledge[lid]["KOR"]["none"] for lid in run.knowledge)}
    assert len(figures) == 1


def test_both_missiles_of_a_pair_on_one_trajectory_are_credited(tmp_path) -> None:
    """Two ER-Scuds launched together on one trajectory, seen by Green Pine B-1 alone: its
    plots merge the two, and each missile gets the group track's figures (fast)."""
    path = write_scenario(tmp_path / "pair.toml", name="pair", sensors=["kor-greenpine-b-1"],
                          launches=[launch_entry(salvo={"count": 2})])
    sc = load_scenario(path)
    run = run_scenario(sc, RunConfig(measured=("KOR",), routes=("none", "direct")),
                       delivery=planned)
    korean = [d for d in run.observation.detections if d.owner == "KOR"]
    assert {d.merged_truth_ids for d in korean if len(d.merged_truth_ids) > 1} == {
        ("L1-1", "L1-2")}
    first, second = (run.knowledge[lid]["KOR"]["none"].figures() for lid in ("L1-1", "L1-2"))
    assert first == second
    assert (first["first_detection_s"], first["first_confirmed_s"]) == (40.0, 60.0)
    # 95 s with the tracker before its thrust modes and association probabilities (issue 18)
    assert first["first_pip_within_50km_s"] == 90.0

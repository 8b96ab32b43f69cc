"""Attribution of the warning time to partners and partner sensors (gsomia.sim.attribution)."""

from __future__ import annotations

import itertools
import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gsomia.sim.attribution import (
    attribute,
    attribution_lines,
    rescore,
    sensor_names,
    shapley_values,
    variant_deliveries,
)
from gsomia.sim.config import RunConfig
from gsomia.sim.delivery.plan import NONE
from gsomia.sim.delivery.planned import planned
from gsomia.sim.knowledge import METRICS
from gsomia.sim.run import run_scenario
from gsomia.sim.scenario import load_scenario

PLAYERS = ["A", "B", "C", "D"]


@st.composite
def games(draw):
    """A value function over 1-4 players: any number per coalition, v(∅) any."""
    n = draw(st.integers(1, 4))
    players = PLAYERS[:n]
    vals = {frozenset(s): draw(st.floats(-1e3, 1e3, allow_nan=False))
            for k in range(n + 1) for s in itertools.combinations(players, k)}
    return players, vals


@given(games())
def test_shapley_efficiency(game):
    players, vals = game
    phi = shapley_values(players, vals.__getitem__)
    assert math.isclose(sum(phi.values()), vals[frozenset(players)] - vals[frozenset()],
                        abs_tol=1e-6)


@given(games(), st.floats(-100, 100, allow_nan=False))
def test_shapley_null_player(game, base):
    """A player added to a game that never changes a value gets exactly 0."""
    players, vals = game
    extended = {**vals, **{s | {"N"}: v for s, v in vals.items()}}
    phi = shapley_values([*players, "N"], extended.__getitem__)
    assert phi["N"] == pytest.approx(0.0, abs=1e-9)
    assert phi == pytest.approx({**shapley_values(players, vals.__getitem__), "N": 0.0},
                                abs=1e-6)


@given(st.integers(2, 4), st.lists(st.floats(-100, 100, allow_nan=False), min_size=5,
                                   max_size=5))
def test_shapley_symmetry(n, by_size):
    """A game whose value depends on the coalition size only: every player the same."""
    players = PLAYERS[:n]
    phi = shapley_values(players, lambda s: by_size[len(s)])
    assert all(math.isclose(v, (by_size[n] - by_size[0]) / n, abs_tol=1e-6)
               for v in phi.values())


def test_shapley_two_partners_by_hand():
    """Two partners: φ_A = (v(A) - v(∅) + v(AB) - v(B)) / 2."""
    v = {frozenset(): 0.0, frozenset("A"): 20.0, frozenset("B"): 5.0, frozenset("AB"): 33.0}
    assert shapley_values(["A", "B"], v.__getitem__) == {"A": 24.0, "B": 9.0}


def test_sensor_names_from_catalogue():
    names = sensor_names()
    assert names["usa-tpy2-shariki"] == "AN/TPY-2"
    assert names["kor-greenpine-b-1"] == "EL/M-2080 Green Pine"
    assert names["jpn-fps5-sado"] == "J/FPS-5"


@pytest.fixture(scope="module")
def run_2017():
    sc = load_scenario("2017-03-06")
    return run_scenario(sc, RunConfig(attribution=True, sweep_approval_s=(0.0, 300.0)),
                        delivery=planned)


@pytest.mark.slow
def test_rescore_reproduces_the_route_and_none(run_2017):
    """The re-scoring with every partner is the route's figure; with none, ``none``'s."""
    r = run_2017
    deliveries = {"direct": r.deliveries["direct"],
                  "nobody": variant_deliveries(r.deliveries["direct"], set(r.scenario.parties))}
    know = rescore(r, deliveries, r.scenario.parties)
    for f in r.flights:
        for p in r.scenario.parties:
            for m in METRICS:
                assert getattr(know[f.id][p]["direct"], m) == \
                    getattr(r.knowledge[f.id][p]["direct"], m)
                assert getattr(know[f.id][p]["nobody"], m) == \
                    getattr(r.knowledge[f.id][p][NONE], m)


@pytest.mark.slow
def test_attribution_of_2017_03_06(run_2017):
    """Every launch and party: partners' Shapley values sum to the gain of the 50 km PIP,
    every partner sensor that saw the launches has a value, and no NaN is written."""
    r = run_2017
    att = attribute(r)
    text = json.dumps(att, allow_nan=False)
    assert "NaN" not in text
    sensors_seen = {d.sensor_id for d in r.observation.detections}
    checked = 0
    for f in r.flights:
        for p in r.scenario.parties:
            for route in ("tisa_hub", "auto_hub", "direct"):
                e = att["launches"][f.id][p][route]["first_pip_within_50km_s"]
                gain = r.gained_s(f.id, p, route)
                if gain is None:
                    assert e["total_s"] is None and e["reason"]
                    continue
                assert e["total_s"] == pytest.approx(gain)
                assert set(e["shapley"]) == set(r.scenario.parties) - {p}
                assert sum(e["shapley"].values()) == pytest.approx(gain, abs=1e-6)
                partner_sensors = {s for s in sensors_seen if not s.startswith(p.lower())}
                assert partner_sensors <= set(e["sensors"])
                checked += 1
    assert checked >= 4
    # JPN on L1 direct gains from Korea: direct delivers what no hub does
    assert att["launches"]["L1"]["JPN"]["direct"]["first_pip_within_50km_s"]["shapley"]["KOR"] > 0
    assert att["launches"]["L1"]["JPN"]["tisa_hub"]["first_pip_within_50km_s"]["shapley"][
        "KOR"] == 0
    sweep = att["sensitivity"]["launches"]["L1"]["JPN"]
    assert sweep["300"]["tisa_gain_s"] == pytest.approx(r.gained_s("L1", "JPN", "tisa_hub"))
    lines = attribution_lines(att)
    assert any(line.startswith("JPN gained") and "(direct): KOR" in line for line in lines)

"""Attribution of the warning time to partners and partner sensors (gsomia.sim.attribution)."""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gsomia.errors import InputError
from gsomia.sim.attribution import (
    attribute,
    attribution_lines,
    rescore,
    sensor_names,
    shapley_values,
    variant_deliveries,
)
from gsomia.sim.config import RunConfig
from gsomia.sim.delivery.plan import NONE, RouteConfig
from gsomia.sim.delivery.planned import planned
from gsomia.sim.knowledge import METRICS
from gsomia.sim.pictures import FusedPictures
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
    return run_scenario(sc, RunConfig(attribution=True, sweep_approval_s=(0.0, 300.0),
                                      sweeps=(("hub_delay_s", (1.0, 60.0)),
                                              ("link_delay_s", (5.0,))),
                                      radar_outages=True),
                        delivery=planned)


@pytest.fixture(scope="module")
def attribution_2017(run_2017):
    return attribute(run_2017)


@pytest.mark.parametrize(("sweeps", "field"), [
    ((("rain_s", (1.0,)),), "sweeps='rain_s'"),
    ((("link_delay_s", ()),), "sweeps.link_delay_s=[]"),
    ((("hub_delay_s", (-1.0,)),), "sweeps.hub_delay_s=[-1.0]"),
])
def test_bad_sweeps_are_refused(sweeps, field):
    with pytest.raises(InputError, match=re.escape(field)):
        RunConfig(sweeps=sweeps)


@pytest.mark.slow
def test_picture_cache_gives_the_pictures_of_the_plain_fusion(run_2017):
    """Pictures fused once and shared by content (attribution's cache) are those fused
    anew, at every time of the first flight where a partner's report has arrived."""
    r = run_2017
    args = (r.scenario.parties, r.config, r.trackers, r.warnings, r.deliveries)
    plain, cached = FusedPictures(*args), FusedPictures(*args, cache={})
    again = FusedPictures(*args, cache=cached.cache)        # a second re-scoring
    f = r.flights[0]
    pairs = [(p, route) for p in r.scenario.parties for route in r.config.routes]
    for t in np.arange(f.launch_s + 60.0, f.impact_s, 30.0):
        want, got = plain(float(t), pairs), cached(float(t), pairs)
        hit = again(float(t), pairs)
        for pair in pairs:
            a = want[1][want[0][pair]]
            for b in (got[1][got[0][pair]], hit[1][hit[0][pair]]):
                assert set(a) == set(b)
                for lid in a:
                    assert np.array_equal(a[lid].x, b[lid].x)
                    assert np.array_equal(a[lid].P, b[lid].P)
                    assert a[lid].sources == b[lid].sources
    assert len(cached.cache) > 0


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
def test_attribution_of_2017_03_06(run_2017, attribution_2017):
    """Every launch and party: partners' Shapley values sum to the gain of the 50 km PIP,
    every partner sensor that saw the launches has a value, and no NaN is written."""
    r = run_2017
    att = attribution_2017
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


@pytest.mark.slow
def test_sensitivities_at_the_run_own_value_are_the_run(run_2017, attribution_2017):
    """hub_delay_s swept through the run's own 1 s gives the run's gains and direct minus
    each hub, for every launch and measured party."""
    r = run_2017
    sens = attribution_2017["sensitivities"]["hub_delay_s"]
    assert sens["values_s"] == [1.0, 60.0]
    for f in r.flights:
        for p in r.scenario.parties:
            cell = sens["launches"][f.id][p]["1"]
            for route in ("tisa_hub", "auto_hub", "direct"):
                assert cell["gain_s"][route] == pytest.approx(r.gained_s(f.id, p, route))
            assert cell["direct_minus_hub_s"] == pytest.approx(
                attribution_2017["direct_minus_hub"][f.id][p])
            # the automated hub's delay moves neither TISA nor direct
            slow = sens["launches"][f.id][p]["60"]["gain_s"]
            assert slow["tisa_hub"] == cell["gain_s"]["tisa_hub"]
            assert slow["direct"] == cell["gain_s"]["direct"]


@pytest.mark.slow
def test_link_delay_sweep_matches_a_run_with_those_links(run_2017, attribution_2017):
    """link_delay_s = 5 s re-scored equals a whole run of the scenario whose every link
    takes 5 s (its [[links]] removed, the default 5 s): the peer on the same input."""
    r = run_2017
    sc = dataclasses.replace(r.scenario, links=())
    peer = run_scenario(sc, RunConfig(route=RouteConfig(default_link_delay_s=5.0)),
                        delivery=planned)
    sens = attribution_2017["sensitivities"]["link_delay_s"]
    for f in r.flights:
        for p in r.scenario.parties:
            for route in ("tisa_hub", "auto_hub", "direct"):
                assert sens["launches"][f.id][p]["5"]["gain_s"][route] == pytest.approx(
                    peer.gained_s(f.id, p, route))


@pytest.mark.slow
def test_radar_outage_is_the_run_without_that_radar(run_2017, attribution_2017):
    """Japan's figures with one of its radars out, re-scored, equal a whole run of the
    scenario without that radar (every sensor draws from its own generator: the other
    sensors' detections are the same)."""
    r = run_2017
    down = attribution_2017["radar_outages"]
    jpn = sorted(s for s, v in down.items() if v["owner"] == "JPN")
    assert jpn, "a Japanese sensor saw the launches"
    sensor = jpn[0]
    sc = dataclasses.replace(r.scenario, sensors=tuple(
        s for s in r.scenario.sensors if s.id != sensor))
    peer = run_scenario(sc, RunConfig(), delivery=planned)
    for f in r.flights:
        cell = down[sensor]["launches"][f.id]
        got = peer.knowledge[f.id]["JPN"][NONE].first_pip_within_50km_s
        assert cell["none_s"] == (None if got is None else pytest.approx(got))
        for route in ("tisa_hub", "auto_hub", "direct"):
            assert cell["gain_s"][route] == pytest.approx(peer.gained_s(f.id, "JPN", route))


def test_printed_shapley_values_add_up_to_the_printed_gain():
    """Two partners splitting 35 s evenly print 17.5 s each (rounded to whole seconds they
    would print 18 + 18 = 36 s against the 35 s gained)."""
    att = {"launches": {"L2": {"JPN": {"direct": {"first_pip_within_50km_s": {
        "total_s": 35.0, "shapley": {"KOR": 17.5, "USA": 17.5},
        "sensors": {"usa-tpy2-kyogamisaki": 5.0, "kor-greenpine-b-1": 0.0}}}}}}}
    names = {"usa-tpy2-kyogamisaki": "AN/TPY-2"}
    assert attribution_lines(att, names) == [
        "JPN gained 35 s on L2 (direct): KOR 17.5 s, USA 17.5 s; "
        "USA's AN/TPY-2 (usa-tpy2-kyogamisaki) 5 s"]

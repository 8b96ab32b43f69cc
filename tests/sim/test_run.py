"""The main job on a small scenario: one ER-Scud, one radar per party, every route."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from gsomia.sharing import load_catalog
from gsomia.sim.config import RunConfig
from gsomia.sim.delivery import RouteConfig, plan_routes
from gsomia.sim.delivery.live import LiveDelivery
from gsomia.sim.delivery.nodes import NodeDelivery
from gsomia.sim.delivery.planned import planned
from gsomia.sim.report import batch_summary, run_to_json
from gsomia.sim.run import run_scenario
from gsomia.sim.scenario import load_scenario
from gsomia.web.live import LiveCluster
from scenario_support import launch_entry, scenario_text, write_scenario

SCENARIO = scenario_text(name="small", seed=7, launches=[launch_entry(bearing_deg=80.0)],
                         links=[("KOR", "JPN", 2.0)])


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory):
    path = Path(tmp_path_factory.mktemp("sc")) / "small.toml"
    path.write_text(SCENARIO, encoding="utf-8")
    sc = load_scenario(path)
    return sc, run_scenario(sc, RunConfig(pip_interval_s=5.0, pip_tail_interval_s=60.0))


def test_routes_are_gated_by_the_agreements_in_force() -> None:
    cat = load_catalog()
    before = load_scenario("2016-09-05")
    plans = plan_routes(before, cat)
    assert plans["direct"].delay("KOR", "JPN") is None          # GSOMIA from 2016-11-23
    assert plans["direct"].delay("USA", "JPN") is not None       # Japan–US GSOMIA 2007
    assert plans["tisa_hub"].delay("KOR", "JPN") == pytest.approx(1.0 + 300.0 + 1.0)
    assert plans["auto_hub"].delay("KOR", "JPN") is None         # 2023 arrangement
    after = load_scenario("2017-03-06")
    plans = plan_routes(after, cat, RouteConfig(approval_delay_s=120.0))
    assert plans["direct"].delay("KOR", "JPN") == pytest.approx(2.0)   # scenario link
    assert plans["tisa_hub"].delay("KOR", "JPN") == pytest.approx(1.0 + 120.0 + 1.0)
    assert plans["none"].paths == ()
    counter = plan_routes(after, cat, RouteConfig(ignore_dates=True))
    assert counter["auto_hub"].delay("KOR", "JPN") == pytest.approx(3.0)


@pytest.mark.slow
def test_sharing_never_makes_a_party_later(small) -> None:
    _, res = small
    k = res.knowledge["L1"]
    for party in ("JPN", "KOR", "USA"):
        for metric in ("first_detection_s", "first_confirmed_s", "first_pip_within_50km_s"):
            base = getattr(k[party]["none"], metric)
            for route in ("tisa_hub", "auto_hub", "direct"):
                got = getattr(k[party][route], metric)
                if base is not None:
                    assert got is not None and got <= base, (party, route, metric)


@pytest.mark.slow
def test_korea_sees_first_and_japan_gains_by_direct(small) -> None:
    _, res = small
    k = res.knowledge["L1"]
    kor, jpn = k["KOR"]["none"], k["JPN"]
    # Korea's radar sees the boost; Japan's own radar only later
    assert kor.first_detection_s < jpn["none"].first_detection_s
    # direct: a partner's confirmed track reaches Japan one link delay after the partner
    # has it (Korea 2 s, the scenario's link; the US 1 s, the default)
    usa = k["USA"]["none"]
    assert jpn["direct"].first_confirmed_s == pytest.approx(
        min(kor.first_confirmed_s + 2.0, usa.first_confirmed_s + 1.0), abs=1e-6)
    assert jpn["direct"].first_confirmed_s < jpn["none"].first_confirmed_s
    # tisa_hub: Korea's data waits 300 s at the hub (ASSUMED approval delay)
    pip_none = jpn["none"].first_pip_within_50km_s
    pip_direct = jpn["direct"].first_pip_within_50km_s
    assert pip_direct is not None and (pip_none is None or pip_direct <= pip_none)
    for route in ("tisa_hub", "auto_hub"):
        got = jpn[route].first_pip_within_50km_s
        assert got is not None and pip_direct <= got <= (pip_none or got)


@pytest.mark.slow
def test_fused_pip_errors_are_recorded_and_shrink(small) -> None:
    _, res = small
    pips = res.knowledge["L1"]["JPN"]["direct"].pips
    assert len(pips) >= 5
    assert all(p.error_m >= 0 for p in pips)
    # once Korea's and the US's reports are fused, the estimate names more than one source
    assert any(len(p.sources) > 1 for p in pips)
    late = [p.error_m for p in pips if p.t_s > 200.0]
    assert late and max(late) < 50_000.0


@pytest.mark.slow
def test_json_schema(small) -> None:
    _, res = small
    doc = json.loads(json.dumps(run_to_json(res)))
    assert doc["routes"] == ["none", "tisa_hub", "auto_hub", "direct"]
    assert doc["scenario"]["name"] == "small"
    (launch,) = doc["launches"]
    assert launch["id"] == "L1"
    for party in ("JPN", "KOR", "USA"):
        for route in doc["routes"]:
            fig = launch["parties"][party][route]
            assert set(fig) >= {"first_detection_s", "first_confirmed_s",
                                "first_pip_within_50km_s", "area_at_risk_s"}
    assert doc["assumptions"]["approval_delay_s"] == 300.0
    summary = batch_summary([doc])
    assert summary["events"] == 1 and summary["launches"] == 1
    assert summary["median_gained_s"]["JPN"]["direct"] == launch["gained_s"]["JPN"]["direct"]


@pytest.mark.slow
def test_same_seed_same_figures(small) -> None:
    sc, res = small
    again = run_scenario(sc, RunConfig(pip_interval_s=5.0, pip_tail_interval_s=60.0,
                                       measured=("JPN",)))
    for route in ("none", "direct"):
        assert (again.knowledge["L1"]["JPN"][route].figures()
                == res.knowledge["L1"]["JPN"][route].figures())
    assert again.knowledge["L1"]["USA"]["none"].pips == []      # not measured


@pytest.mark.slow
def test_date_in_scenario_is_the_decision_date(small) -> None:
    sc, res = small
    assert sc.epoch.date() == dt.date(2017, 3, 5)
    assert res.plans["direct"].delay("KOR", "JPN") == pytest.approx(2.0)


@pytest.mark.slow
def test_node_delivery_gives_the_planned_arrivals(small) -> None:
    """The default delivery, through real nodes (sign, seal, TISA approval, automated hub
    processing), gives the same arrivals at the same times as the planned delays, so the
    same figures (the planned delivery is the analytical cross-check)."""
    sc, nodes = small
    cfg = nodes.config
    analytical = run_scenario(sc, cfg, delivery=planned)
    for route in cfg.routes:
        a = sorted((d.to, d.item.originator, round(d.t_s, 6))
                   for d in analytical.deliveries[route])
        b = sorted((d.to, d.item.originator, round(d.t_s, 6)) for d in nodes.deliveries[route])
        assert a == b, route
        # and listed alike: arrivals at one time by originator, recipient, item
        assert ([(round(d.t_s, 6), d.to, d.item.originator, d.item.t_s)
                 for d in analytical.deliveries[route]]
                == [(round(d.t_s, 6), d.to, d.item.originator, d.item.t_s)
                    for d in nodes.deliveries[route]]), route
        assert (analytical.knowledge["L1"]["JPN"][route].figures()
                == nodes.knowledge["L1"]["JPN"][route].figures())
    relayed = [d.t_s - d.item.t_s for d in nodes.deliveries["tisa_hub"]
               if d.to == "JPN" and d.item.originator == "KOR"]
    assert relayed and min(relayed) == pytest.approx(1.0 + 300.0 + 1.0)  # approval 300 s


@pytest.mark.slow
def test_automated_hub_adds_its_processing_delay(small) -> None:
    """Korea → USA hub → Japan under the 2023 arrangement (as if in force): link 1 s + hub
    processing 1 s + link 1 s; the hub's own items: link 1 s only."""
    sc, res = small
    few = {p: [w for w in items if w.report is not None][:3] for p, items in
           res.warnings.items()}
    route = RouteConfig(ignore_dates=True)
    plan = plan_routes(sc, load_catalog(), route, ("auto_hub",))["auto_hub"]
    got = NodeDelivery(route)(few, plan, sc, load_catalog())
    delays = {(d.item.originator, d.to): round(d.t_s - d.item.t_s, 6) for d in got}
    assert delays[("KOR", "JPN")] == pytest.approx(3.0)
    assert delays[("USA", "JPN")] == pytest.approx(1.0)
    assert delays[("KOR", "USA")] == pytest.approx(1.0)


@pytest.mark.slow
def test_live_run_gives_the_same_confirmed_tracks_and_areas(small) -> None:
    """Every node a real server on 127.0.0.1 with mutual TLS (compressed wall clock): every
    warning arrives, and each party has a confirmed track and knows the area at risk on the
    same routes as in the simulated run."""
    sc, sim = small
    live = LiveDelivery(LiveCluster.for_run, sim.config.route, speed=40.0)
    res = run_scenario(sc, sim.config, delivery=live)
    stats = live.link_stats()
    for route in ("tisa_hub", "auto_hub", "direct"):
        assert stats[route]["lost"] == 0
        assert stats[route]["delivered"] == len(sim.deliveries[route])
        assert stats[route]["p99_ms"] is not None
    for route in sim.config.routes:
        a, b = sim.knowledge["L1"]["JPN"][route], res.knowledge["L1"]["JPN"][route]
        assert (a.first_confirmed_s is None) == (b.first_confirmed_s is None)
        assert (a.area_at_risk_s is None) == (b.area_at_risk_s is None)


@pytest.mark.slow
def test_nothing_counts_as_known_after_the_impact(small) -> None:
    """Knowledge arriving after the impact (e.g. a TISA approval of 300 s for a shorter flight)
    is no warning: every reported time lies between launch and impact."""
    _, res = small
    for f in res.flights:
        flight_s = f.impact_s - f.launch_s
        for routes in res.knowledge[f.id].values():
            for k in routes.values():
                for value in k.figures().values():
                    assert value is None or 0.0 <= value <= flight_s


def test_a_two_party_run_gives_japan_koreas_track_over_the_link(tmp_path) -> None:
    """Korea and Japan with one radar each, through the real nodes (fast): Korea confirms at
    60 s and Japan alone at 220 s; direct sharing gives Japan Korea's track 2 s (the link)
    after Korea."""
    sc = load_scenario(write_scenario(tmp_path / "two.toml", parties=["JPN", "KOR"],
                                      sensors=["kor-greenpine-b-1", "jpn-fps5-sado"],
                                      links=[("KOR", "JPN", 2.0)]))
    res = run_scenario(sc, RunConfig(routes=("none", "direct"), pip_tail_interval_s=60.0))
    k = res.knowledge["L1"]
    assert k["KOR"]["none"].first_confirmed_s == k["KOR"]["direct"].first_confirmed_s == 60.0
    assert k["JPN"]["none"].first_confirmed_s == 220.0
    assert k["JPN"]["direct"].first_confirmed_s == 62.0
    assert k["JPN"]["direct"].first_pip_within_50km_s < k["JPN"]["none"].first_pip_within_50km_s
    doc = json.loads(json.dumps(run_to_json(res)))
    assert (doc["scenario"]["name"], doc["routes"]) == ("two", ["none", "direct"])
    jpn = doc["launches"][0]["parties"]["JPN"]
    assert (jpn["none"]["first_confirmed_s"], jpn["direct"]["first_confirmed_s"]) == (220.0, 62.0)

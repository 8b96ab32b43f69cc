"""The routes of a run read from the agreement catalog: hubs, markings, topic and elements
(gsomia.sim.delivery.plan), and the route names of a run (none + sharing.Route)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from gsomia.errors import InputError
from gsomia.node.clock import ScaledWallClock
from gsomia.sharing import Route, load_catalog
from gsomia.sim.config import RunConfig
from gsomia.sim.delivery import (
    NONE,
    RUN_ROUTES,
    parse_run_route,
    plan_routes,
    warning_marking,
    warning_scope,
)
from gsomia.sim.scenario import load_scenario


def test_run_routes_are_none_and_the_route_members() -> None:
    assert RUN_ROUTES == ("none", "tisa_hub", "auto_hub", "direct")
    assert set(RUN_ROUTES[1:]) == set(Route)
    assert [parse_run_route(v) for v in ("None", "tisa", "auto-hub", " DIRECT ")] == \
        [NONE, Route.TISA_HUB, Route.AUTO_HUB, Route.DIRECT]
    with pytest.raises(InputError) as err:
        parse_run_route("bogus", "--routes")
    assert err.value.field == "--routes" and err.value.value == "bogus"


def test_run_config_keeps_the_routes_parsed_in_their_order() -> None:
    cfg = RunConfig(routes=("none", "auto-hub", "tisa"))
    assert cfg.routes == ("none", Route.AUTO_HUB, Route.TISA_HUB)
    assert all(type(r) is Route for r in cfg.routes[1:])
    with pytest.raises(InputError) as err:
        RunConfig(routes=("direct",))
    assert err.value.field == "routes"


def test_hub_markings_topic_and_elements_come_from_the_catalog() -> None:
    cat = load_catalog()
    assert cat.hub_of(Route.TISA_HUB) == "USA" == cat.hub_of(Route.AUTO_HUB)
    assert cat.hub_of(Route.DIRECT) is None
    # the lowest marking an equivalence table covers: Korea's 대외비 is in none
    assert {p: warning_marking(cat, p) for p in ("JPN", "KOR", "USA", "PRK")} == \
        {"JPN": "秘", "KOR": "군사III급비밀", "USA": "CONFIDENTIAL", "PRK": None}
    assert warning_scope(cat) == ("dprk-missile-threat",
                                  ("launch_point", "trajectory", "impact_point"))


def test_a_catalog_without_the_warning_arrangement_is_refused() -> None:
    cat = load_catalog()
    bare = dataclasses.replace(cat, agreements={n: a for n, a in cat.agreements.items()
                                                if a.route is Route.DIRECT})
    assert bare.hub_of(Route.TISA_HUB) is None
    with pytest.raises(InputError) as err:
        plan_routes(load_scenario("2017-03-06"), bare)
    assert err.value.field == "catalog"


def test_plans_take_any_spelling_and_relay_through_the_hub() -> None:
    sc = load_scenario("2017-03-06")
    plans = plan_routes(sc, load_catalog(), routes=("none", "tisa", "direct"))
    assert list(plans) == ["none", "tisa_hub", "direct"]
    assert plans["tisa_hub"].route is Route.TISA_HUB
    relayed = [p for p in plans["tisa_hub"].paths if p.via is not None]
    assert {(p.originator, p.recipient, p.via) for p in relayed} == \
        {("JPN", "KOR", "USA"), ("KOR", "JPN", "USA")}


def test_scaled_wall_clock_runs_speed_times_faster() -> None:
    clock = ScaledWallClock(dt.datetime(2017, 3, 5, 22, 34, tzinfo=dt.UTC), 100.0, 50.0)
    now = clock.now_s()
    assert 100.0 <= now < 100.0 + 50.0 * 5.0
    assert clock.wall_of(now + 50.0) == pytest.approx(1.0, abs=0.1)
    with pytest.raises(InputError) as err:
        ScaledWallClock(clock.epoch, 0.0, 0.0)
    assert err.value.field == "speed"

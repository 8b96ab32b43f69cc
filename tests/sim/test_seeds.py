"""`gsomia run --seeds`: the spread of a run's figures over random draws."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from gsomia.errors import InputError
from gsomia.sim.config import RunConfig
from gsomia.sim.delivery.planned import planned
from gsomia.sim.knowledge import METRICS
from gsomia.sim.run import run_scenario
from gsomia.sim.scenario import load_scenario
from gsomia.sim.seeds import run_seeds, seed_summary

CFG = RunConfig(measured=("JPN",))


@pytest.fixture(scope="module")
def scenario():
    return load_scenario("2017-08-29")


@pytest.fixture(scope="module")
def study(scenario):
    return run_seeds(scenario, 3, CFG)


@pytest.mark.slow
def test_seeds_start_at_the_scenario_seed(scenario, study):
    assert study["scenario"]["seeds"] == [scenario.seed, scenario.seed + 1, scenario.seed + 2]
    assert study["draws"] == 3 and [x["id"] for x in study["launches"]] == ["L1"]


@pytest.mark.slow
def test_single_draw_equals_the_run(scenario):
    one = run_scenario(scenario, CFG, delivery=planned)
    study = run_seeds(scenario, 1, CFG)
    for route in CFG.routes:
        fig = one.knowledge["L1"]["JPN"][route].figures()
        for m in METRICS:
            s = study["launches"][0]["parties"]["JPN"][route][m]
            assert s["reached"] == (fig[m] is not None)
            assert s["median"] == s["p10"] == s["p90"] == fig[m]
        if route != "none":
            g = study["launches"][0]["gained_s"]["JPN"][route]
            assert g["median"] == one.gained_s("L1", "JPN", route)


@pytest.mark.slow
def test_draws_differ_and_sharing_helps_japan(study):
    # Hwasong-12 over Hokkaido: Japan's own radars see it late; Korea's and the US's reports
    # bring the 50 km PIP earlier in every draw on every sharing route
    pip = study["launches"][0]["parties"]["JPN"]
    for route in ("tisa_hub", "auto_hub", "direct"):
        assert pip[route]["first_pip_within_50km_s"]["reached"] == 3
        assert pip[route]["first_pip_within_50km_s"]["p90"] < \
            pip["none"]["first_pip_within_50km_s"]["p10"]
        assert study["launches"][0]["gained_s"]["JPN"][route]["n"] == 3
    assert study["route_order"]["JPN"]["draws"] == 3


def test_summary_percentiles_match_numpy():
    values = [100.0, 105.0, 150.0, None, 120.0]
    routes = ("none", "direct")
    draws = [{"L1": {"figures": {"JPN": {r: {m: (v if m == "first_pip_within_50km_s" else None)
                                             for m in METRICS} for r in routes}},
                     "gained_s": {"JPN": {"direct": v}}}} for v in values]
    got = seed_summary(draws, routes)["launches"][0]
    hit = [v for v in values if v is not None]
    s = got["parties"]["JPN"]["direct"]["first_pip_within_50km_s"]
    assert s == {"reached": 4, "median": float(np.median(hit)),
                 "p10": round(float(np.percentile(hit, 10)), 3),
                 "p90": round(float(np.percentile(hit, 90)), 3)}
    assert got["parties"]["JPN"]["direct"]["area_at_risk_s"] == {
        "reached": 0, "median": None, "p10": None, "p90": None}
    assert got["gained_s"]["JPN"]["direct"]["n"] == 4


@pytest.mark.parametrize(("n", "workers", "field"), [(0, 1, "seeds"), (1001, 1, "seeds"),
                                                     (True, 1, "seeds"), (2.0, 1, "seeds"),
                                                     (2, -1, "workers")])
def test_bad_counts_name_the_field(scenario, n, workers, field):
    with pytest.raises(InputError) as err:
        run_seeds(scenario, n, CFG, workers=workers)
    assert err.value.field == field


@pytest.mark.slow
def test_other_seed_is_another_draw(scenario):
    a = run_scenario(scenario, CFG, delivery=planned)
    b = run_scenario(dataclasses.replace(scenario, seed=scenario.seed + 1), CFG,
                     delivery=planned)
    da = [d.range_m for d in a.observation.detections]
    db = [d.range_m for d in b.observation.detections]
    assert da != db


@pytest.mark.parametrize(("times", "ordered"), [
    ({"none": 130, "tisa_hub": 105, "auto_hub": 105, "direct": 95}, True),
    ({"none": 170, "tisa_hub": 145, "auto_hub": 145, "direct": 150}, False),   # 2017-08-29
    ({"none": None, "tisa_hub": 145, "auto_hub": 140, "direct": 140}, True),
    ({"none": 100, "tisa_hub": None, "auto_hub": 100, "direct": 100}, False),
])
def test_route_order_counts_draws_with_direct_le_hubs_le_none(times, ordered):
    routes = tuple(times)
    draw = {"L1": {"figures": {"JPN": {r: {m: (times[r] if m == "first_pip_within_50km_s"
                                               else None) for m in METRICS}
                                       for r in routes}},
                   "gained_s": {"JPN": {r: None for r in routes if r != "none"}}}}
    got = seed_summary([draw, draw], routes)["route_order"]["JPN"]
    assert got == {"draws": 2, "direct_le_hubs_le_none": 2 if ordered else 0}

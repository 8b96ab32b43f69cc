"""A salvo through the real nodes: every infrared launch report stays its own item, so the
nodes' arrivals are the planned delivery's, launch by launch (not only in number)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gsomia.sim.config import RunConfig
from gsomia.sim.delivery.planned import planned
from gsomia.sim.run import run_scenario
from gsomia.sim.scenario import load_scenario

SALVO = """
name = "salvo-two"
epoch = 2017-03-05T22:34:00Z
seed = 5
parties = ["JPN", "KOR", "USA"]
duration_s = 400.0

[[sensors]]
site = "usa-sbirs"

[[sensors]]
site = "kor-greenpine-b-1"

[[sensors]]
site = "jpn-fps5-sado"

[[launches]]
id = "L1"
site = "sohae"
bearing_deg = 80.0
range_km = 1000.0
apogee_km = 260.0
missile = "ER-Scud"

[[launches]]
id = "L2"
site = "sohae"
bearing_deg = 82.0
range_km = 1000.0
apogee_km = 260.0
missile = "ER-Scud"
"""


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory):
    path = Path(tmp_path_factory.mktemp("salvo")) / "salvo.toml"
    path.write_text(SALVO, encoding="utf-8")
    sc = load_scenario(path)
    cfg = RunConfig(measured=("JPN",), pip_tail_interval_s=60.0)
    return run_scenario(sc, cfg, delivery=planned), run_scenario(sc, cfg)


def test_each_launch_report_arrives_as_itself(both) -> None:
    analytical, nodes = both
    ir = [w for w in analytical.warnings["USA"] if w.launch is not None]
    assert len({w.truth_id for w in ir}) == 2, "the infrared sensor reports both launches"
    for route in analytical.config.routes:
        a = sorted((d.to, d.item.originator, round(d.t_s, 6), tuple(sorted(d.item.truth_ids)))
                   for d in analytical.deliveries[route])
        b = sorted((d.to, d.item.originator, round(d.t_s, 6), tuple(sorted(d.item.truth_ids)))
                   for d in nodes.deliveries[route])
        assert a == b, route
        for lid in ("L1", "L2"):
            assert (analytical.knowledge[lid]["JPN"][route].figures()
                    == nodes.knowledge[lid]["JPN"][route].figures()), (route, lid)

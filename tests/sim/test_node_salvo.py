"""A salvo through the real nodes: every infrared launch report stays its own item, so the
nodes' arrivals are the planned delivery's, launch by launch (not only in number)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gsomia.sim.config import RunConfig
from gsomia.sim.delivery.planned import planned
from gsomia.sim.run import run_scenario
from gsomia.sim.scenario import load_scenario
from scenario_support import launch_entry, scenario_text, write_scenario

SALVO = scenario_text(name="salvo-two", seed=5, duration_s=400.0,
                      sensors=["usa-sbirs", "kor-greenpine-b-1", "jpn-fps5-sado"],
                      launches=[launch_entry(bearing_deg=80.0),
                                launch_entry(id="L2", bearing_deg=82.0)])


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory):
    path = Path(tmp_path_factory.mktemp("salvo")) / "salvo.toml"
    path.write_text(SALVO, encoding="utf-8")
    sc = load_scenario(path)
    cfg = RunConfig(measured=("JPN",), pip_tail_interval_s=60.0)
    return run_scenario(sc, cfg, delivery=planned), run_scenario(sc, cfg)


@pytest.mark.slow
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


@pytest.fixture(scope="module")
def sbirs_only(tmp_path_factory: pytest.TempPathFactory):
    """The same salvo seen by the infrared satellite alone for 120 s (no radar tracking)."""
    path = write_scenario(tmp_path_factory.mktemp("sbirs") / "salvo-sbirs.toml",
                          name="salvo-sbirs", seed=5, duration_s=120.0, sensors=["usa-sbirs"],
                          launches=[launch_entry(bearing_deg=80.0),
                                    launch_entry(id="L2", bearing_deg=82.0)])
    sc = load_scenario(path)
    cfg = RunConfig(measured=("JPN",), pip_tail_interval_s=60.0)
    return run_scenario(sc, cfg, delivery=planned), run_scenario(sc, cfg)


def test_each_launch_report_arrives_as_itself_from_the_satellite_alone(sbirs_only) -> None:
    """The check above on the launch reports alone (fast)."""
    test_each_launch_report_arrives_as_itself(sbirs_only)

"""``gsomia run``: the engagement figures of the packaged scenarios (acceptance of the
engagement analysis; gsomia.sim.engage)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gsomia.cli import app

runner = CliRunner()


def _window(e: dict) -> float:
    return 0.0 if e["window_s"] is None else e["window_s"]


@pytest.mark.slow
def test_2017_03_06_engagement_per_launch_party_route(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    plots = tmp_path / "plots"
    res = runner.invoke(app, ["run", "2017-03-06", "--json-out", str(out),
                              "--plots", str(plots)])
    assert res.exit_code == 0, res.output
    assert "Salvo of 4 launches" in res.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert len(doc["launches"]) == 4
    for launch in doc["launches"]:
        for by_route in launch["parties"].values():
            assert set(by_route) == {"none", "tisa_hub", "auto_hub", "direct"}
            for entry in by_route.values():
                e = entry["engagement"]
                assert {"first_firing_solution_s", "window_s", "shot_opportunities",
                        "fire_unit"} <= set(e)
                if e["first_firing_solution_s"] is None:
                    assert e["reason"]
                else:
                    assert e["window_s"] >= 0 and e["shot_opportunities"] >= 1
        jpn = launch["parties"]["JPN"]
        # Japan's window with direct sharing is at least as long as on its own
        assert _window(jpn["direct"]["engagement"]) >= _window(jpn["none"]["engagement"])
        assert jpn["direct"]["engagement"]["window_gained_s"] >= 0
    salvo = doc["engagement"]["salvo"]
    for party in ("JPN", "KOR", "USA"):
        for route in ("none", "tisa_hub", "auto_hub", "direct"):
            s = salvo[party][route]
            # the four came down in Japan's EEZ (Japan MoD): a threat to no party's land,
            # territorial sea or defended asset; every launch is still counted for
            # information
            assert s["threats"] == 0 and s["threat_ids"] == []
            assert s["engageable_once"] == s["engageable_twice"] == 0
            assert s["launches"] == 4
            assert 0 <= s["launches_engageable_twice"] <= s["launches_engageable_once"] <= 4
    for launch in doc["launches"]:
        assert launch["impact_area"]["zone"] == "eez"
        assert launch["parties"]["JPN"]["none"]["engagement"]["threat_to_party"] is False
    # Korea's one fire unit in March 2017 (PAC-2 GEM-T near Seoul) cannot reach them
    assert salvo["KOR"]["direct"]["launches_engageable_once"] == 0
    assert (plots / "engagement_windows.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
def test_stress_20_salvo_counts(tmp_path: Path) -> None:
    out = tmp_path / "s.json"
    # the planned delivery gives the node delivery's figures; attribution is issue 20's
    res = runner.invoke(app, ["run", "stress-20", "--delivery", "planned", "--no-attribution",
                              "--json-out", str(out)])
    assert res.exit_code == 0, res.output
    assert "Salvo of 20 launches" in res.output and "magazine" in res.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    units = {u["id"]: u for u in doc["engagement"]["fire_units"]}
    for party, by_route in doc["engagement"]["salvo"].items():
        for s in by_route.values():
            assert s["launches"] == 20 and 0 <= s["threats"] == len(s["threat_ids"]) <= 20
            assert 0 <= s["engageable_twice"] <= s["engageable_once"] <= s["threats"]
            assert s["launches_engageable_once"] >= s["engageable_once"]
            for unit, n in s["rounds_used"].items():
                assert units[unit]["owner"] == party and n <= units[unit]["magazine"]


@pytest.mark.parametrize(("gain", "shown"), [
    (-0.21, "-0.2"), (0.21, "+0.2"), (0.0, "±0"), (-29.4, "-29"), (97.0, "+97"),
    (-0.96, "-1.0")])
def test_window_gains_show_their_sign(gain: float, shown: str) -> None:
    from gsomia.cli.engagement import _gain
    assert _gain(gain) == shown

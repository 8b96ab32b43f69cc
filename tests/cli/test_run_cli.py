"""``gsomia run``: a small scenario end to end (JSON, plots), and bad invocations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gsomia.cli import app
from scenario_support import scenario_text

SCENARIO = scenario_text(name="small-cli")

runner = CliRunner()


@pytest.mark.slow
def test_run_writes_json_and_plots(tmp_path: Path) -> None:
    sc = tmp_path / "small.toml"
    sc.write_text(SCENARIO, encoding="utf-8")
    out = tmp_path / "r.json"
    plots = tmp_path / "plots"
    res = runner.invoke(app, ["run", str(sc), "--json-out", str(out), "--plots", str(plots),
                              "--pip-interval-s", "10"])
    assert res.exit_code == 0, res.output
    assert "Warning time gained" in res.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["scenario"]["name"] == "small-cli"
    assert doc["routes"] == ["none", "tisa_hub", "auto_hub", "direct"]
    jpn = doc["launches"][0]["parties"]["JPN"]
    assert jpn["direct"]["first_confirmed_s"] < jpn["none"]["first_confirmed_s"]
    # the auto_hub route is not in force in 2017: Korea's data never takes it
    paths = {(p["from"], p["to"]): p for p in doc["route_paths"]["auto_hub"]}
    assert paths[("KOR", "JPN")]["allowed"] is False
    assert any("2023-12-19" in r for r in paths[("KOR", "JPN")]["reasons"])
    names = sorted(p.name for p in plots.iterdir())
    assert names == ["engagement_windows.png", "map.png", "pip_error_L1.png"]
    for name in names:
        assert (plots / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_run_needs_a_scenario_or_records() -> None:
    res = runner.invoke(app, ["run"])
    assert res.exit_code == 2
    res = runner.invoke(app, ["run", "--since", "2016"])
    assert res.exit_code == 2
    assert "--records" in res.output


def test_run_unknown_scenario_is_an_input_error() -> None:
    res = runner.invoke(app, ["run", "no-such-scenario"])
    assert res.exit_code == 2
    assert "no-such-scenario" in res.output


@pytest.mark.parametrize(("args", "message"), [
    (["--approval-delay-s", "inf"], "--approval-delay-s=inf"),
    (["--approval-delay-s", "1e300"], "--approval-delay-s=1e+300"),
    (["--pip-interval-s", "inf"], "--pip-interval-s=inf"),
    (["--json-out", "{tmp}"], "is a directory"),
    (["--json-out", "{tmp}/missing/r.json"], "does not exist"),
    (["--plots", "{tmp}/afile"], "is not a directory"),
], ids=["approval-inf", "approval-huge", "pip-inf", "json-dir", "json-missing", "plots-file"])
def test_bad_settings_and_output_places_refused_before_any_work(tmp_path, args, message):
    (tmp_path / "afile").write_text("x")
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    # a scenario that does not exist: the options must be refused before it is even read
    res = runner.invoke(app, ["run", "no-such-scenario", *args])
    assert res.exit_code == 2
    assert message in res.output

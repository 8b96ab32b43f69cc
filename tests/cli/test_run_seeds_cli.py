"""``gsomia run --routes`` and ``--seeds``: a subset of routes, the spread over draws."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gsomia.cli import app

runner = CliRunner()


@pytest.mark.slow
def test_seeds_with_routes_writes_the_study(tmp_path: Path) -> None:
    out = tmp_path / "s.json"
    res = runner.invoke(app, ["run", "2017-08-29", "--seeds", "2", "--routes", "direct",
                              "--scheduler", "none", "--json-out", str(out)])
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["schema"] == "gsomia.seeds/1"
    assert doc["routes"] == ["none", "direct"] and doc["draws"] == 2
    assert doc["scenario"]["seeds"] == [20170829, 20170830]
    jpn = doc["launches"][0]["parties"]["JPN"]
    # Japan's own radars see the Hokkaido over-flight late: Korea's and the US's reports
    # bring its 50 km PIP earlier in both draws
    assert jpn["direct"]["first_pip_within_50km_s"]["p90"] < \
        jpn["none"]["first_pip_within_50km_s"]["p10"]
    assert "draws in which direct <= none" in " ".join(res.output.split())


@pytest.mark.parametrize(("args", "message"), [
    (["2017-08-29", "--routes", "bogus"], "--routes='bogus'"),
    (["2017-08-29", "--routes", ","], "--routes=','"),
    (["2017-08-29", "--seeds", "0"], "--seeds"),
    (["2017-08-29", "--seeds", "1001"], "--seeds"),
    (["2017-08-29", "--seeds", "2", "--live"], "not with --live"),
    (["2017-08-29", "--seeds", "2", "--plots", "p"], "not with --live or --plots"),
    (["2017-08-29", "--routes", "none"], "--routes='none'"),
    (["2017-08-29", "--seeds", "2", "--delivery", "node"], "leave out --delivery"),
])
def test_bad_routes_or_seeds_are_refused(args: list[str], message: str) -> None:
    res = runner.invoke(app, ["run", *args])
    assert res.exit_code == 2
    assert message in res.output


@pytest.mark.slow
def test_routes_subset_runs_only_those(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    res = runner.invoke(app, ["run", "2017-08-29", "--routes", "auto_hub", "--delivery",
                              "planned", "--json-out", str(out)])
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["routes"] == ["none", "auto_hub"]
    assert set(doc["launches"][0]["parties"]["JPN"]) == {"none", "auto_hub"}

"""``gsomia run`` on an SLBM scenario with maritime sources: the ``maritime`` block of the
JSON gives Korea's and Japan's figures with and without Japan's maritime sources."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gsomia.cli import app

runner = CliRunner()


@pytest.mark.slow
def test_run_2016_08_24_reports_gains_with_and_without_japans_maritime_sources(
        tmp_path: Path) -> None:
    out = tmp_path / "s.json"
    res = runner.invoke(app, ["run", "2016-08-24", "--json-out", str(out), "--delivery",
                              "planned", "--no-attribution"])
    assert res.exit_code == 0, res.output
    assert "maritime gain L1 KOR" in res.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    m = doc["maritime"]
    assert m["owner"] == "JPN"
    assert m["sources"] == ["jpn-p1-sinpo-approaches", "jpn-ss-sinpo-barrier"]
    # before the Japan-ROK GSOMIA (23 Nov 2016) Japan's contacts reach Korea through TISA,
    # and never through the automated hub (not in force; pre-launch indications excluded)
    assert m["cues"]["tisa_hub"]["KOR"]["route"] == "tisa_hub"
    assert "KOR" not in m["cues"]["direct"] and "KOR" not in m["cues"]["none"]
    auto = {(p["from"], p["to"]): p for p in doc["route_paths"]["auto_hub"]}
    assert auto[("JPN", "KOR")]["contacts_allowed"] is False
    for party in ("KOR", "JPN"):
        for route in ("none", "tisa_hub", "auto_hub", "direct"):
            figures = m["launches"][0]["parties"][party][route]
            assert set(figures) == {"first_detection_s", "first_confirmed_s",
                                    "first_pip_within_50km_s", "area_at_risk_s"}
            for f in figures.values():
                if f["gain_s"] is not None:
                    assert f["gain_s"] == pytest.approx(f["without"] - f["with"], abs=0.11)

"""``gsomia run 2019-10-02 --json-out``: each party's own judgment of where the SLBM fell."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gsomia.cli import app
from gsomia.schemas.run_view import LaunchView

runner = CliRunner()


@pytest.mark.slow
def test_japan_and_korea_each_judge_the_2019_slbm_in_their_own_eez(tmp_path: Path):
    out = tmp_path / "s.json"
    res = runner.invoke(app, ["run", "2019-10-02", "--routes", "direct", "--delivery",
                              "planned", "--json-out", str(out)])
    assert res.exit_code == 0, res.output
    (launch,) = json.loads(out.read_text(encoding="utf-8"))["launches"]
    LaunchView.model_validate(launch)
    # Japan MoD: in Japan's EEZ ~350 km north of Dogo; nearer to the Liancourt Rocks than to
    # Ulleungdo or Dogo, so each side's claim to the rocks decides (docs/maritime-claims.md)
    assert launch["impact_area_by_party"]["JPN"] == ["JPN", "eez"]
    assert launch["impact_area_by_party"]["KOR"] == ["KOR", "eez"]
    assert launch["impact_area_by_party"]["USA"] == [launch["impact_area"]["party"],
                                                     launch["impact_area"]["zone"]]

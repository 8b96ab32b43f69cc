"""Issue 17 part 9: no NaN reaches a JSON output; a figure that is not defined is null, with
the reason, and the rest of the document is written."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from gsomia.cli import app
from gsomia.cli._app import finite_json, json_text

SALVO_100 = Path(__file__).resolve().parents[2] / "examples" / "scenarios" / "salvo-100.toml"


def test_non_finite_numbers_become_null_with_their_path():
    doc = {"launches": [{"id": "A", "lpe_error_km": math.nan},
                        {"id": "B", "pip": [1.0, np.float64(np.inf)]}], "ok": 3}
    out = finite_json(doc)
    assert out["launches"][0]["lpe_error_km"] is None
    assert out["launches"][1]["pip"] == [1.0, None]
    assert out["ok"] == 3
    assert out["undefined"] == [
        {"path": "launches[0].lpe_error_km", "reason": "not a finite number (nan)"},
        {"path": "launches[1].pip[1]", "reason": "not a finite number (inf)"}]
    assert json.loads(json_text(doc)) == out          # strict JSON, parsed back
    assert finite_json({"a": 1.5}) == {"a": 1.5}      # nothing undefined: no key added


@pytest.mark.slow
def test_evaluate_on_100_simultaneous_launches_writes_valid_json():
    result = CliRunner().invoke(app, ["evaluate", str(SALVO_100), "--json"])
    assert result.exit_code == 0, result.output[-2000:]
    doc = json.loads(result.output, parse_constant=lambda c: pytest.fail(f"{c} in JSON"))
    assert doc["scenario"] == "salvo-100" and len(doc["launches"]) == 100

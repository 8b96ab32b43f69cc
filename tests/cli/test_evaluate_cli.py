"""``gsomia evaluate``: bad options refused up front, before any simulation."""

from __future__ import annotations

import json
import math

import pytest
from typer.testing import CliRunner

from gsomia.cli import app
from gsomia.errors import InputError
from gsomia.sim.scenario import load_scenario
from gsomia.warning.tracking.metrics import EvaluationConfig, gospa


@pytest.mark.parametrize("value", ["inf", "1e308", "0", "-1", "nan", "10001"])
def test_bad_gospa_cut_off_is_refused_before_the_scenario_is_read(value):
    # the scenario does not exist: the cut-off must be named first (checked up front)
    result = CliRunner().invoke(app, ["evaluate", "no-such-scenario-xyz", "--gospa-c-km",
                                      value, "--json"])
    assert result.exit_code == 2, result.output
    assert "--gospa-c-km=" in result.output
    assert "Traceback" not in result.output
    assert "no-such-scenario-xyz" not in result.output


@pytest.mark.parametrize("c", [math.inf, math.nan, -1.0, 0.0, 1e308])
def test_evaluation_config_refuses_bad_cut_off(c):
    with pytest.raises(InputError) as err:
        EvaluationConfig(gospa_c_m=c)
    assert err.value.field == "gospa_c_m"


@pytest.mark.parametrize("c", [math.inf, math.nan])
def test_gospa_refuses_non_finite_cut_off(c):
    with pytest.raises(InputError):
        gospa([[0.0, 0.0, 0.0]], [[1.0, 0.0, 0.0]], c)


def test_help_lists_the_json_fields():
    result = CliRunner().invoke(app, ["evaluate", "--help"])
    assert result.exit_code == 0
    for key in ("gospa_mean_m", "first_pip_within_50km_s", "pip_age_s_60s_after_burnout",
                "lpe_inside_95"):
        assert key in result.output
    text = " ".join(result.output.replace("│", " ").split())
    assert "lpe_semi_major_95_km the semi-major axis [km]" in text
    assert "95 % probability" in text


@pytest.mark.slow
def test_table_marks_korea_l3_outside_its_ellipse():
    """Korea's radars alone on 2017-03-06: L3's LPE is 0.29 km off, outside its 95 % ellipse
    across the minor axis (tests/warning/test_tracking_evaluate.py, KOREA_L3); the table
    says so."""
    result = CliRunner().invoke(app, ["evaluate", "2017-03-06", "--party", "KOR"],
                                terminal_width=200)
    assert result.exit_code == 0, result.output
    rows = {line.split("│")[1].strip(): line for line in result.output.splitlines()
            if line.startswith("│")}
    assert "0.3 !" in rows["L3"]
    assert "!" not in rows["L1"] + rows["L2"] + rows["L4"]
    assert "!: the true launch point is outside the LPE's 95 % ellipse" in result.output


def test_tracking_package_exports_the_tracker():
    import gsomia.warning.tracking as tracking

    assert {"Tracker", "TrackerConfig", "evaluate_run", "gospa"} <= set(tracking.__all__)
    assert tracking.Tracker is not None


@pytest.mark.parametrize("value", ["-1", str(2**63)])
def test_seed_out_of_range_is_refused_naming_the_option(value):
    # NumPy refuses a negative seed (a traceback before); a scenario file's seed is a TOML
    # integer, at most 2**63 - 1; the scenario does not exist: the seed must be named first
    result = CliRunner().invoke(app, ["evaluate", "no-such-scenario-xyz", "--seed", value])
    assert result.exit_code == 2, result.output
    assert f"--seed={value}" in result.output
    assert "Traceback" not in result.output
    assert "no-such-scenario-xyz" not in result.output  # checked before the scenario is read


@pytest.mark.slow
def test_seed_changes_the_draw_and_is_reported():
    def run(*extra):
        result = CliRunner().invoke(app, ["evaluate", "2016-08-24", "--json", *extra])
        assert result.exit_code == 0, result.output
        return json.loads(result.output)

    own, drawn, again = run(), run("--seed", "3"), run("--seed", "3")
    assert own["seed"] == load_scenario("2016-08-24").seed
    assert drawn["seed"] == 3
    assert drawn == again
    assert drawn["detections"] != own["detections"]

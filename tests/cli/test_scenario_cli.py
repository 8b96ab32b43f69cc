"""``gsomia scenario …`` and ``gsomia observe`` run as a user would."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from gsomia.cli import app
from scenario_support import launch_entry

BAD_CASES = [
    ("unknown key", "bearing_deg = 80.0", "bearng_deg = 80.0", "launches[0].bearng_deg",
     "80.0"),
    ("bad coordinate", "lat_deg = 39.66", "lat_deg = 95.0", "launches[0].lat_deg", "95.0"),
    ("negative range", "range_km = 1000.0", "range_km = -1000.0", "launches[0].range_km",
     "-1000.0"),
    ("beyond the class's reach", "range_km = 1000.0", "range_km = 9000.0",
     "launches[0].range_km", "9000.0: beyond the reach of propulsion class liquid-srbm"),
]

# Kept literal: the malformed files above are edits of this text.
GOOD = """\
epoch = 2017-03-05T22:34:00Z
seed = 3
parties = ["KOR"]

[[sensors]]
site = "kor-greenpine-b-1"

[[launches]]
id = "L1"
lat_deg = 39.66
lon_deg = 124.71
bearing_deg = 80.0
range_km = 1000.0
apogee_km = 260.0
missile = "ER-Scud"
"""


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.mark.parametrize(("what", "old", "new", "key", "value"), BAD_CASES,
                         ids=[c[0] for c in BAD_CASES])
def test_malformed_scenario_exit_2_naming_file_key_value(runner, tmp_path, what, old, new,
                                                          key, value):
    path = tmp_path / "bad.toml"
    path.write_text(GOOD.replace(old, new), encoding="utf-8")
    for args in (["observe", str(path)], ["scenario", "show", str(path)]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, result.output
        err = " ".join(result.stderr.split())
        assert "bad.toml" in err and key in err and value in err, err


@pytest.mark.slow
def test_observe_2017_03_06_json_korea_first_and_reproducible(runner, tmp_path):
    out1, out2 = tmp_path / "a.csv", tmp_path / "b.csv"
    r1 = runner.invoke(app, ["observe", "2017-03-06", "--json", "--out", str(out1)])
    r2 = runner.invoke(app, ["observe", "2017-03-06", "--json", "--out", str(out2)])
    assert r1.exit_code == 0, r1.output
    assert r1.stdout == r2.stdout
    assert out1.read_bytes() == out2.read_bytes()
    data = json.loads(r1.stdout)
    assert len(data["launches"]) == 4
    for launch in data["launches"]:
        assert set(launch) >= {"id", "first_detection", "first_detection_by_party"}
        assert launch["first_detection"]["party"] == "KOR"
        by_party = launch["first_detection_by_party"]
        assert by_party["KOR"] < by_party["JPN"]
    sensors = {s["id"]: s for s in data["sensors"]}
    assert set(sensors["kor-greenpine-b-1"]) >= {"id", "party", "detections", "first_t_s"}
    assert sensors["kor-greenpine-b-1"]["party"] == "KOR"
    assert sensors["kor-greenpine-b-1"]["detections"] > 0


def test_observe_table_output(runner, scenario_file):
    path = scenario_file("ok.toml", parties=["KOR"], sensors=["kor-greenpine-b-1"])
    result = runner.invoke(app, ["observe", str(path)])
    assert result.exit_code == 0, result.output
    assert "kor-greenpine-b-1" in result.stdout and "L1" in result.stdout


def test_scenario_list_and_show(runner):
    result = runner.invoke(app, ["scenario", "list", "--json"])
    assert result.exit_code == 0
    names = [s["name"] for s in json.loads(result.stdout)]
    assert "2017-03-06" in names and "stress-20" in names
    shown = json.loads(runner.invoke(app, ["scenario", "show", "2017-11-29", "--json"]).stdout)
    assert shown["launches"][0]["apogee_km"] == 4475.0
    assert shown["epoch"] == "2017-11-28T18:18:00+00:00"


def test_from_record_writes_a_valid_scenario(runner, tmp_path, shared_data):
    out = tmp_path / "rec.toml"
    result = runner.invoke(app, ["scenario", "from-record", "2017-03-05", "--records",
                                 str(shared_data / "cns"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "skipped 2017-03-05 #5" in result.stderr
    shown = json.loads(runner.invoke(app, ["scenario", "show", str(out), "--json"]).stdout)
    assert [x["bearing_deg"] for x in shown["launches"]] == [77.0, 80.0, 83.0, 86.0]


def test_from_record_unknown_date(runner, shared_data):
    result = runner.invoke(app, ["scenario", "from-record", "2017-03-06", "--records",
                                 str(shared_data / "cns")])
    assert result.exit_code == 2
    assert "2017-03-06" in result.stderr


def test_observe_unknown_scenario(runner):
    result = runner.invoke(app, ["observe", "1999-01-01"])
    assert result.exit_code == 2 and "1999-01-01" in result.stderr



# Within an ICBM's reach (7.5 km/s of 11.2), but no tilt program of the class flies 12,000 km
# with a 5 km apogee: the fit fails (an ER-Scud there is refused on loading, beyond its reach).
UNFLYABLE = [launch_entry(range_km=12000.0, apogee_km=5.0, missile="Hwasong-15")]


@pytest.mark.parametrize("where", ["dir", "missing"])
def test_observe_checks_out_before_any_work(runner, tmp_path, scenario_file, where):
    scenario = scenario_file("unflyable.toml", launches=UNFLYABLE)
    out = tmp_path if where == "dir" else tmp_path / "missing" / "x.csv"
    result = runner.invoke(app, ["observe", str(scenario), "--out", str(out)])
    assert result.exit_code == 2, result.output
    err = " ".join(result.stderr.split())
    # the output path is refused first: the flight that cannot be fitted is never tried
    assert f"--out='{out}'" in err and "cannot be flown" not in err, err
    assert ("is a directory" if where == "dir" else "does not exist") in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["unflyable.toml"]


@pytest.mark.slow
def test_observe_fit_failure_names_file_and_launch(runner, scenario_file):
    scenario = scenario_file("unflyable.toml", launches=UNFLYABLE)
    result = runner.invoke(app, ["observe", str(scenario)])
    assert result.exit_code == 2, result.output
    err = " ".join(result.stderr.split())
    assert "unflyable.toml: launches[0] launch L1 (range_km=12000, apogee_km=5" in err, err


def test_from_record_checks_out_before_any_work(runner, tmp_path, shared_data):
    for out in (tmp_path, tmp_path / "missing" / "x.toml"):
        result = runner.invoke(app, ["scenario", "from-record", "2017-03-05", "--records",
                                     str(shared_data / "cns"), "--out", str(out)])
        assert result.exit_code == 2, result.output
        assert f"--out='{out}'" in " ".join(result.stderr.split())
        assert "skipped" not in result.stderr  # refused before the records were read
    assert list(tmp_path.iterdir()) == []


def test_from_record_local_date_suggests_the_utc_record(runner, shared_data):
    result = runner.invoke(app, ["scenario", "from-record", "2017-03-06", "--records",
                                 str(shared_data / "cns")])
    assert result.exit_code == 2
    assert ("no record on 2017-03-06 UTC; 2017-03-05 22:34 UTC is 2017-03-06 in Korea"
            in " ".join(result.stderr.split())), result.stderr


def test_from_record_leaves_out_sensors_not_yet_in_service(runner, tmp_path, shared_data):
    out = tmp_path / "rec.toml"
    result = runner.invoke(app, ["scenario", "from-record", "2017-03-05", "--records",
                                 str(shared_data / "cns"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    shown = json.loads(runner.invoke(app, ["scenario", "show", str(out), "--json"]).stdout)
    ids = {x["id"] for x in shown["sensors"]}
    assert "usa-tpy2-seongju" not in ids and "kor-greenpine-c-busan" not in ids
    assert {"kor-greenpine-b-1", "jpn-fps5-yozadake", "usa-sbirs"} <= ids


@pytest.mark.slow
def test_observe_json_counts_true_detections_and_false_alarms(runner):
    result = runner.invoke(app, ["observe", "2017-03-06", "--json"])
    assert result.exit_code == 0, result.output
    sensors = {s["id"]: s for s in json.loads(result.stdout)["sensors"]}
    assert all(set(s) == {"id", "party", "kind", "detections", "false_alarms", "first_t_s"}
               for s in sensors.values())
    yozadake = sensors["jpn-fps5-yozadake"]
    assert (yozadake["detections"], yozadake["first_t_s"]) == (0, None)
    assert yozadake["false_alarms"] > 0
    # Green Pine B-1 first sees a launch at 40 s (its first true detection)
    assert sensors["kor-greenpine-b-1"]["first_t_s"] == 40.0


def test_range_beyond_the_model_rejected_by_show_as_by_observe(runner, scenario_file):
    path = scenario_file("far.toml", launches=[launch_entry(range_km=20000.0)])
    for args in (["scenario", "show", str(path)], ["observe", str(path)]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2
        err = " ".join(result.stderr.split())
        assert "far.toml: launches[0].range_km=20000.0: must be between 10 and 15000" in err
        assert "range_m" not in err


def test_show_collapses_a_salvo_and_keeps_bracketed_text(runner, scenario_file):
    path = scenario_file("salvo.toml", title="Drill [alpha]", launches=[
        launch_entry(salvo={"count": 100, "spacing_s": 1.0})])
    result = runner.invoke(app, ["scenario", "show", str(path)])
    assert result.exit_code == 0, result.output
    assert "L1-1 … L1-100 (100)" in result.stdout and "0 … 99" in result.stdout
    assert "Drill [alpha]" in result.stdout and "t [s]" in result.stdout


def test_show_lists_submarines_maritime_sources_and_failures(runner, scenario_file):
    # the packaged SLBM scenario's submarine and Japan's two stations (2016-08-24.toml)
    shown = json.loads(runner.invoke(app, ["scenario", "show", "2016-08-24", "--json"]).stdout)
    (sub,) = shown["submarines"]
    assert (sub["id"], sub["launch"]) == ("SUB1", "L1")
    assert [w["t_s"] for w in sub["track"]] == [0.0, 3600.0, 7200.0]
    assert sub["mast_up"] == [{"from_s": 0.0, "to_s": 2400.0},
                              {"from_s": 6600.0, "to_s": 7200.0}]
    assert [(m["id"], m["kind"], m["on_station_to_s"]) for m in shown["maritime"]] == [
        ("jpn-p1-sinpo-approaches", "patrol_aircraft", 8000.0),
        ("jpn-ss-sinpo-barrier", "submarine", 8000.0)]
    text = " ".join(runner.invoke(app, ["scenario", "show", "2016-08-24"]).stdout.split())
    assert "submarine SUB1 (fires L1)" in text and "mast up 0–2400 s, 6600–7200 s" in text
    path = scenario_file("fail.toml", launches=[launch_entry(
        failure={"kind": "breakup", "pieces": 5, "t_s": 100.0})])
    shown = json.loads(runner.invoke(app, ["scenario", "show", str(path), "--json"]).stdout)
    (f,) = shown["failures"]
    assert (f["launch"], f["kind"], f["pieces"], f["t_s"]) == ("L1", "breakup", 5, 100.0)
    assert shown["submarines"] == [] and shown["maritime"] == []
    text = " ".join(runner.invoke(app, ["scenario", "show", str(path)]).stdout.split())
    assert "failure L1: breakup at 100 s, 5 piece(s)" in text


def test_help_documents_the_schema(runner):
    result = runner.invoke(app, ["scenario", "--help"])
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    for phrase in ("docs/scenarios.md", "range_km (10 to 15000)", "apogee_km (1 to 10000)",
                   "count 1 to 100", "at most 1000 launches", "duration_s (0 to 14400 s"):
        assert phrase in text, phrase
    observe_help = " ".join(runner.invoke(app, ["observe", "--help"]).stdout.split())
    assert "false_alarms" in observe_help and "first true detection" in observe_help


def test_trajectory_beyond_the_class_reach_exit_2(runner):
    result = runner.invoke(app, ["trajectory", "--site", "39.66,124.71", "--bearing", "80",
                                 "--range", "9000", "--apogee", "1200",
                                 "--propulsion", "solid-srbm"])
    assert result.exit_code == 2, result.output
    err = " ".join(result.stderr.split())
    assert err.startswith("error: --range=9000.0: beyond the reach of propulsion class "
                          "solid-srbm"), err
    assert "7.02 km/s" in err and "3.32 km/s" in err and "use propulsion solid-icbm" in err


def test_trajectory_missile_and_propulsion_must_agree(runner):
    """As a scenario's launches[] refuses them: a Hwasong-15 is a liquid ICBM, so asking
    for it as a solid SRBM exits 2 naming both; the missile's own class is accepted."""
    args = ["trajectory", "--site", "39.17,125.67", "--bearing", "100", "--range", "950",
            "--apogee", "4475", "--missile", "Hwasong-15"]
    result = runner.invoke(app, [*args, "--propulsion", "solid-srbm"])
    assert result.exit_code == 2, result.output
    err = " ".join(result.stderr.split())
    assert err == ("error: --propulsion='solid-srbm': conflicts with --missile='Hwasong-15', "
                   "which is liquid-icbm: drop one of the two or make them agree"), err
    result = runner.invoke(app, [*args, "--propulsion", "liquid-icbm", "--json"])
    assert result.exit_code == 0, result.output
    assert '"propulsion": "liquid-icbm"' in result.stdout

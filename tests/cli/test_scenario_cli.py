"""``gsomia scenario …`` and ``gsomia observe`` run as a user would."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from gsomia.cli import app

BAD_CASES = [
    ("unknown key", "bearing_deg = 80.0", "bearng_deg = 80.0", "launches[0].bearng_deg",
     "80.0"),
    ("bad coordinate", "lat_deg = 39.66", "lat_deg = 95.0", "launches[0].lat_deg", "95.0"),
    ("negative range", "range_km = 1000.0", "range_km = -1000.0", "launches[0].range_km",
     "-1000.0"),
]

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


def test_observe_table_output(runner, tmp_path):
    path = tmp_path / "ok.toml"
    path.write_text(GOOD, encoding="utf-8")
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


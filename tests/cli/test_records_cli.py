"""``gsomia records list`` against the real CNS database (../shared/data/cns)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gsomia.cli import app

#: The shared data sit beside the repository: <repo root>/../shared/data/cns.
CNS_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "cns"

JSON_KEYS = {
    "date",
    "time_utc",
    "missile",
    "site_lat",
    "site_lon",
    "bearing_deg",
    "range_km",
    "apogee_km",
    "salvo_index",
}


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def _list(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["records", "list", "--records", str(CNS_DIR), *args])
    return result.exit_code, result.stdout, result.stderr


def test_json_since_2016(runner: CliRunner) -> None:
    code, out, err = _list(runner, "--since", "2016", "--json")
    assert code == 0, err
    rows = json.loads(out)
    print(f"records since 2016: {len(rows)}")
    assert len(rows) == 266
    assert all(JSON_KEYS <= row.keys() for row in rows)
    assert all(row["date"] >= "2016-01-01" for row in rows)
    assert "266 records" in err  # the count goes to standard error, the JSON stays pure


def test_json_values_and_nulls(runner: CliRunner) -> None:
    code, out, _ = _list(runner, "--since", "2017-07-04", "--json")
    assert code == 0
    rows = json.loads(out)
    hwasong_14 = rows[0]
    assert hwasong_14["date"] == "2017-07-04"
    assert hwasong_14["time_utc"] == "00:40"  # corrected from the file's 12:40
    assert hwasong_14["launched_at"] == "2017-07-04T00:40:00+00:00"
    assert (hwasong_14["apogee_km"], hwasong_14["range_km"]) == (2802.0, 933.0)
    assert hwasong_14["salvo_index"] is None
    unknown_site = next(r for r in rows if r["date"] == "2019-04-17")
    assert unknown_site["site_lat"] is None and unknown_site["bearing_deg"] is None
    assert unknown_site["time_utc"] is None


def test_missile_filter(runner: CliRunner) -> None:
    code, out, _ = _list(runner, "--missile", "hwasong-15", "--json")
    assert code == 0
    rows = json.loads(out)
    assert [r["apogee_km"] for r in rows] == [4475.0, 6248.0, 5700.0]
    assert {r["missile"] for r in rows} == {"hwasong-15"}


def test_table_with_count(runner: CliRunner) -> None:
    code, out, _ = _list(runner, "--since", "2017-03-05")
    assert code == 0
    assert "339 records" not in out
    assert out.rstrip().endswith("records")
    first = next(line for line in out.splitlines() if line.strip().startswith("2017-03-05"))
    assert first.split() == [
        "2017-03-05",
        "22:34",
        "er-scud",
        "sohae",
        "39.66,124.71",
        "77",
        "1000",
        "260",
        "1",
        "success",
    ]
    code, out, _ = _list(runner)
    assert "339 records" in out


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--since", "2016-13-01"], "--since='2016-13-01'"),
        (["--since", "last year"], "--since='last year'"),
        (["--missile", "no-dong"], "--missile='no-dong'"),
    ],
    ids=["month-13", "words", "unknown-missile"],
)
def test_bad_options_exit_2_naming_the_value(
    runner: CliRunner, args: list[str], named: str
) -> None:
    code, _, err = _list(runner, *args)
    assert code == 2
    assert named in err


def test_directory_without_files_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["records", "list", "--records", str(tmp_path)])
    assert result.exit_code == 2
    assert str(tmp_path / "test.en.json") in result.stderr.replace("\n", "")
    result = runner.invoke(app, ["records", "list", "--records", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "nowhere" in result.stderr


def test_malformed_record_exits_2_naming_it(runner: CliRunner, tmp_path: Path) -> None:
    for name in ("facility.en.json", "missile.en.json"):
        (tmp_path / name).write_text((CNS_DIR / name).read_text())
    row = {
        "date": "2017-11-28",
        "time": "18:18 (UTC)",
        "missile": "hwasong-15",
        "facility": "pyongsong",
        "landing": "sea-of-japan",
        "apogee": "abc",
        "distance": 950,
        "bearing": 76,
        "outcome": "success",
    }
    (tmp_path / "test.en.json").write_text(json.dumps({"timeBins": [{"data": [row]}]}))
    result = runner.invoke(app, ["records", "list", "--records", str(tmp_path)])
    assert result.exit_code == 2
    assert "record 2017-11-28 (entry 0): apogee='abc'" in result.stderr

"""gsomia.records against the real CNS database (../shared/data/cns) and small broken copies."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from gsomia.errors import InputError, RecordError
from gsomia.records import (
    FACILITY_FILE,
    MISSILE_FILE,
    RECORDS_FILE,
    LaunchRecord,
    load_facilities,
    load_missiles,
    load_records,
    parse_number,
    salvos,
)

#: The shared data sit beside the repository: <repo root>/../shared/data/cns.
CNS_DIR = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "cns"

#: Facility coordinates are given to 1e-4° or better; compare to that (about 10 m).
ATOL_DEG = 1e-4
UTC = dt.UTC


@pytest.fixture(scope="module")
def records() -> list[LaunchRecord]:
    return load_records(CNS_DIR)


def _on(records: list[LaunchRecord], day: str) -> list[LaunchRecord]:
    return [r for r in records if r.date == dt.date.fromisoformat(day)]


# --- the real database ------------------------------------------------------------------------


def test_all_339_records_parse_in_date_order(records: list[LaunchRecord]) -> None:
    assert len(records) == 339
    assert [r.entry for r in records] == list(range(339))
    assert [r.date for r in records] == sorted(r.date for r in records)


def test_every_record_since_2016_parses(records: list[LaunchRecord]) -> None:
    recent = load_records(CNS_DIR, since=dt.date(2016, 1, 1))
    print(f"records since 2016-01-01: {len(recent)}")
    assert len(recent) == 266
    assert recent == [r for r in records if r.date >= dt.date(2016, 1, 1)]
    assert all(r.date_precision == "day" for r in recent)


def test_er_scud_salvo_of_6_march_2017_kst(records: list[LaunchRecord]) -> None:
    """4 ER Scuds toward Japan (07:34 KST, 6 March) and a fifth that failed; UTC date 5 March."""
    salvo = salvos(records)[dt.date(2017, 3, 5)]
    assert [r.salvo_index for r in salvo] == [1, 2, 3, 4, 5]
    assert {r.missile for r in salvo} == {"er-scud"}
    assert {r.facility for r in salvo} == {"sohae"}  # Sohae, at Tongchang-ri
    for r in salvo:
        assert r.site_lat_deg == pytest.approx(39.6596, abs=ATOL_DEG)
        assert r.site_lon_deg == pytest.approx(124.7057, abs=ATOL_DEG)
        assert r.launched_at == dt.datetime(2017, 3, 5, 22, 34, tzinfo=UTC)
    flown = [r for r in salvo if r.outcome == "success"]
    assert len(flown) == 4
    assert [r.bearing_deg for r in flown] == [77.0, 80.0, 83.0, 86.0]
    assert {(r.range_km, r.apogee_km) for r in flown} == {(1000.0, 260.0)}
    failed = salvo[4]
    assert (failed.outcome, failed.bearing_deg, failed.range_km, failed.apogee_km) == (
        "failure",
        None,  # the placeholder 90 with no range
        None,
        None,
    )
    kst = dt.timezone(dt.timedelta(hours=9))
    assert flown[0].launched_at is not None
    assert flown[0].launched_at.astimezone(kst).date() == dt.date(2017, 3, 6)


def test_hwasong_15_of_29_november_2017_kst(records: list[LaunchRecord]) -> None:
    (r,) = _on(records, "2017-11-28")  # 03:18 KST on the 29th = 18:18 UTC on the 28th
    assert (r.missile, r.missile_name, r.missile_type) == ("hwasong-15", "Hwasong-15", "ICBM")
    assert r.apogee_km == 4475.0
    assert r.range_km == 950.0
    assert r.bearing_deg == 76.0
    assert r.time_utc == dt.time(18, 18)
    assert r.facility == "pyongsong"


def test_2017_07_04_time_corrected_to_0040_utc(records: list[LaunchRecord]) -> None:
    (r,) = _on(records, "2017-07-04")  # the file says 12:40 (UTC); its README: 00:40 UTC
    assert r.missile == "hwasong-14"
    assert r.time_utc == dt.time(0, 40)
    assert r.launched_at == dt.datetime(2017, 7, 4, 0, 40, tzinfo=UTC)


def test_numbers_given_as_strings(records: list[LaunchRecord]) -> None:
    (hwasong_19,) = _on(records, "2024-10-30")  # apogee "7687", distance "1001"
    assert (hwasong_19.apogee_km, hwasong_19.range_km) == (7687.0, 1001.0)
    first, second = _on(records, "2024-06-30")  # distance "600" and "120"
    assert (first.range_km, second.range_km) == (600.0, 120.0)
    (hwasong_12,) = _on(records, "2017-05-14")  # a float apogee
    assert hwasong_12.apogee_km == 2111.5


def test_bearing_placeholder_only_without_range(records: list[LaunchRecord]) -> None:
    assert sum(r.bearing_deg is None for r in records) == 77
    assert all(r.range_km is None for r in records if r.bearing_deg is None)
    (pukguksong_2,) = _on(records, "2017-02-11")  # bearing 90 with a 500 km range: kept
    assert (pukguksong_2.bearing_deg, pukguksong_2.range_km) == (90.0, 500.0)
    (satellite,) = _on(records, "2024-05-27")  # a real bearing with an unknown range: kept
    assert (satellite.bearing_deg, satellite.range_km) == (170.0, None)


def test_unknown_facility_has_no_position(records: list[LaunchRecord]) -> None:
    (r,) = _on(records, "2019-04-17")
    assert r.facility == "unknown"
    assert (r.site_lat_deg, r.site_lon_deg) == (None, None)
    pyongyang = [x for x in records if x.facility == "pyongyang"]
    assert len(pyongyang) == 56
    assert all(x.site_lat_deg is not None for x in pyongyang)


def test_month_only_dates(records: list[LaunchRecord]) -> None:
    month_only = [r for r in records if r.date_precision == "month"]
    assert len(month_only) == 8
    assert month_only[0].date == dt.date(1984, 9, 1)
    assert all(r.launched_at is None and r.date.day == 1 for r in month_only)


def test_unknowns_become_none(records: list[LaunchRecord]) -> None:
    assert sum(r.time_utc is None for r in records) == 84
    assert sum(r.apogee_km is None for r in records) == 109  # 99 "unknown" + 10 "na"
    assert sum(r.range_km is None for r in records) == 79  # 68 "unknown" + 11 "na"
    assert sum(r.salvo_index is None for r in records) == 90
    assert all(
        r.launched_at is None or r.launched_at.utcoffset() == dt.timedelta(0) for r in records
    )


def test_salvos_group_by_date(records: list[LaunchRecord]) -> None:
    groups = salvos(records)
    assert len(groups) == 167
    assert sum(len(g) for g in groups.values()) == 339
    assert all(r.date == day for day, group in groups.items() for r in group)
    assert len(groups[dt.date(2017, 7, 4)]) == 1


def test_records_are_frozen(records: list[LaunchRecord]) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        records[0].apogee_km = 1.0  # type: ignore[misc]


def test_facilities_and_missiles() -> None:
    facilities = load_facilities(CNS_DIR)
    sohae = facilities["sohae"]
    assert (sohae.name, sohae.lat_deg, sohae.lon_deg) == (
        "Sohae Satellite Launching Station",
        39.6596,
        124.7057,
    )
    # the database's own quirk: "unknown" is a copy of Pyongyang's position
    unknown, pyongyang = facilities["unknown"], facilities["pyongyang"]
    assert (unknown.lat_deg, unknown.lon_deg) == (pyongyang.lat_deg, pyongyang.lon_deg)
    missiles = load_missiles(CNS_DIR)
    assert missiles["hwasong-15"].type == "ICBM"
    assert missiles["hwasong-11a"].maneuver == "pullup"
    assert missiles["scud-b"].maneuver is None


# --- malformed input --------------------------------------------------------------------------

GOOD_ROW: dict[str, Any] = {
    "date": "2017-03-05",
    "time": "22:34 (UTC)",
    "series": 2,
    "missile": "er-scud",
    "facility": "sohae",
    "landing": "sea-of-japan",
    "apogee": 260,
    "distance": "1000",
    "bearing": 80,
    "outcome": "success",
    "description": "test row",
}


def _write_cns(
    directory: Path,
    row: dict[str, Any],
    *,
    lat: Any = 39.6596,
) -> Path:
    (directory / RECORDS_FILE).write_text(json.dumps({"timeBins": [{"data": [row]}]}))
    facilities = {"facilities": {"sohae": {"name": "Sohae", "lat": lat, "lon": 124.7057}}}
    (directory / FACILITY_FILE).write_text(json.dumps(facilities))
    (directory / MISSILE_FILE).write_text(json.dumps({"er-scud": {"name": "ER", "type": "MRBM"}}))
    return directory


def test_small_good_file(tmp_path: Path) -> None:
    (r,) = load_records(_write_cns(tmp_path, GOOD_ROW))
    assert (r.range_km, r.apogee_km, r.bearing_deg, r.salvo_index) == (1000.0, 260.0, 80.0, 2)


BAD_ROWS = [
    ("apogee", "abc", "expected a number"),
    ("apogee", "-5", "expected 0 or more"),
    ("distance", [1000], "expected a number or a string"),
    ("bearing", 360, "out of range"),
    ("bearing", None, "missing"),
    ("missile", "no-dong", "not a key of missile.en.json"),
    ("facility", "atlantis", "not a key of facility.en.json"),
    ("time", "25:00 (UTC)", "hour must be in 0..23"),
    ("time", "10h30", "expected 'HH:MM (UTC)'"),
    ("outcome", "partial", "expected one of"),
    ("series", "2", "expected a whole number"),
]


@pytest.mark.parametrize(
    ("field", "value", "reason"), BAD_ROWS, ids=[f"{f}={v!r}" for f, v, _ in BAD_ROWS]
)
def test_malformed_record_names_record_and_field(
    tmp_path: Path, field: str, value: Any, reason: str
) -> None:
    _write_cns(tmp_path, {**GOOD_ROW, field: value})
    with pytest.raises(RecordError) as info:
        load_records(tmp_path)
    error = info.value
    assert error.record.startswith("2017-03-05")
    assert "2017-03-05" in str(error) and f"{field}=" in str(error)
    assert error.field == field
    assert error.value == value
    assert reason in error.reason


def test_malformed_date_names_the_row(tmp_path: Path) -> None:
    _write_cns(tmp_path, {**GOOD_ROW, "date": "2017-02-30"})
    with pytest.raises(RecordError, match=r"record entry 0: date='2017-02-30'"):
        load_records(tmp_path)


def test_missing_field(tmp_path: Path) -> None:
    row = {k: v for k, v in GOOD_ROW.items() if k != "distance"}
    _write_cns(tmp_path, row)
    with pytest.raises(RecordError, match=r"2017-03-05 series 2 \(entry 0\): distance=None"):
        load_records(tmp_path)


@pytest.mark.parametrize(
    "lat", [95.0, -90.5, "abc", "unknown"], ids=["95", "-90.5", "abc", "unknown"]
)
def test_facility_latitude_out_of_range(tmp_path: Path, lat: Any) -> None:
    _write_cns(tmp_path, GOOD_ROW, lat=lat)
    with pytest.raises(RecordError) as info:
        load_records(tmp_path)
    assert info.value.record == "facility 'sohae'"
    assert info.value.field == "lat"


def test_since_skips_earlier_rows_before_reading_them(tmp_path: Path) -> None:
    _write_cns(tmp_path, {**GOOD_ROW, "apogee": "abc"})
    assert load_records(tmp_path, since=dt.date(2018, 1, 1)) == []


@pytest.mark.parametrize("missing", [RECORDS_FILE, FACILITY_FILE, MISSILE_FILE])
def test_missing_file_names_its_path(tmp_path: Path, missing: str) -> None:
    _write_cns(tmp_path, GOOD_ROW)
    (tmp_path / missing).unlink()
    with pytest.raises(InputError) as info:
        load_records(tmp_path)
    assert info.value.value == str(tmp_path / missing)
    assert str(tmp_path / missing) in str(info.value)


def test_invalid_json_and_wrong_shape(tmp_path: Path) -> None:
    _write_cns(tmp_path, GOOD_ROW)
    (tmp_path / RECORDS_FILE).write_text("{not json")
    with pytest.raises(InputError, match="not valid JSON"):
        load_records(tmp_path)
    (tmp_path / RECORDS_FILE).write_text("[]")
    with pytest.raises(InputError, match="timeBins"):
        load_records(tmp_path)


# --- the number parser ------------------------------------------------------------------------

_finite = st.floats(allow_nan=False, allow_infinity=False)
_ints = st.integers(min_value=-(10**30), max_value=10**30)


@given(st.one_of(_finite, _ints), st.sampled_from(["{}", " {} ", "{}\n"]))
def test_parse_number_round_trips(number: float | int, template: str) -> None:
    expected = float(number)
    assert parse_number(number, record="r", field="f") == expected
    assert parse_number(template.format(number), record="r", field="f") == expected


@given(st.text())
def test_parse_number_rejects_garbage(text: str) -> None:
    assume(text.strip().lower() not in {"unknown", "na", ""})
    try:
        assume(not math.isfinite(float(text)))  # keep only what is not a finite number
    except ValueError:
        pass
    with pytest.raises(RecordError) as info:
        parse_number(text, record="2017-03-05 series 1", field="apogee")
    assert info.value.field == "apogee"
    assert info.value.record == "2017-03-05 series 1"


@pytest.mark.parametrize(
    "value",
    [True, None, math.nan, math.inf, "nan", "-inf", 10**400, {"km": 1}],
    ids=["bool", "None", "nan", "inf", "'nan'", "'-inf'", "huge-int", "dict"],
)
def test_parse_number_rejects(value: Any) -> None:
    with pytest.raises(RecordError):
        parse_number(value, record="r", field="f")


@pytest.mark.parametrize("text", ["unknown", "na", "", " NA ", "Unknown"])
def test_parse_number_unknown_is_none(text: str) -> None:
    assert parse_number(text, record="r", field="f") is None


def test_missing_time_field_and_binary_file_are_named(tmp_path, shared_data):
    import shutil

    for name in ("facility.en.json", "missile.en.json"):
        shutil.copy(shared_data / "cns" / name, tmp_path / name)
    data = json.loads((shared_data / "cns" / "test.en.json").read_text(encoding="utf-8"))
    del data["timeBins"][0]["data"][0]["time"]
    (tmp_path / "test.en.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(RecordError, match=r"1984-04-09 series 1 \(entry 0\): time"):
        load_records(tmp_path)
    (tmp_path / "missile.en.json").write_bytes(b"\xff\xfe\x00binary")
    with pytest.raises(InputError, match="not UTF-8"):
        load_records(tmp_path)

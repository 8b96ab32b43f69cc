"""The flight model against the public record: reported flight times are only checked."""

from __future__ import annotations

import statistics

import pytest

from gsomia.errors import InputError, RecordError
from gsomia.physics.validation import load_flight_times, summarise, validate


@pytest.fixture(scope="module")
def checks(shared_data):
    return validate(load_flight_times(shared_data / "flight-times.csv"))


@pytest.mark.slow
def test_every_launch_fits_and_is_within_10_percent(checks):
    assert len(checks) == 9
    for c in checks:
        assert c.error is None, c.error
        assert abs(c.error_pct) <= 10.0, (c.flight.date, c.error_pct)


@pytest.mark.slow
def test_median_absolute_error_at_most_5_percent(checks):
    assert statistics.median(abs(c.error_pct) for c in checks) <= 5.0
    assert summarise(checks)["within_10pct"] == 9


@pytest.mark.slow
def test_fitted_range_and_apogee_match_the_reports(checks):
    for c in checks:
        assert c.trajectory.range_m == pytest.approx(c.flight.range_km * 1e3, rel=0.01)
        assert c.trajectory.apogee_m == pytest.approx(c.flight.apogee_km * 1e3, rel=0.01)


def test_malformed_rows_are_named(tmp_path):
    f = tmp_path / "ft.csv"
    f.write_text("# comment\ndate,missile,launch_lat,launch_lon,bearing_deg,range_km,apogee_km,"
                 "flight_time_s\n2017-03-06,ER-Scud,39.66,124.71,81,abc,265,600\n")
    with pytest.raises(RecordError, match=r"ft.csv row 1 \(2017-03-06\): range_km='abc'"):
        load_flight_times(f)
    f.write_text("date,missile\n2017-03-06,ER-Scud\n")
    with pytest.raises(InputError, match="missing column"):
        load_flight_times(f)
    with pytest.raises(InputError, match="cannot be read"):
        load_flight_times(tmp_path / "nope.csv")


@pytest.mark.parametrize(("content", "match"), [
    (b"date,missile,launch_lat,launch_lon,bearing_deg,range_km,apogee_km,flight_time_s\n"
     b"2017-03-06,ER-Scud,39,66,124.71,81,1000,265,600\n", r"row 1: fields=9: expected 8"),
    (b"date,missile,launch_lat,launch_lon,bearing_deg,range_km,apogee_km,flight_time_s\n"
     b"2017-03-06,ER-Scud,39.66,124.71,81,1000,265,0\n", r"flight_time_s='0'"),
    (b"date,missile,launch_lat,launch_lon,bearing_deg,range_km,apogee_km,flight_time_s\n"
     b"2017-03-06,ER-Scud,91,124.71,81,1000,265,600\n", r"launch_lat='91'"),
    (b"\x00\xff\xfe binary", "not UTF-8"),
], ids=["decimal-comma", "zero-time", "latitude-91", "binary"])
def test_bad_files_fail_with_row_field_and_value(tmp_path, content, match):
    f = tmp_path / "bad.csv"
    f.write_bytes(content)
    with pytest.raises(InputError, match=match):
        load_flight_times(f)


def test_byte_order_mark_and_loose_headers_are_accepted(tmp_path):
    f = tmp_path / "excel.csv"
    f.write_bytes("\ufeffDate, Missile,launch_lat,launch_lon,bearing_deg,range_km,apogee_km,"
                  "flight_time_s\r\n2017-03-06,ER-Scud,39.66,124.71,81,1000,265,600\r\n"
                  .encode())
    (flight,) = load_flight_times(f)
    assert (flight.missile, flight.range_km, flight.flight_time_s) == ("ER-Scud", 1000.0, 600.0)


def test_published_impact_points_load_with_their_sources():
    from gsomia.physics.validation import load_reported_impacts

    rows = {r.date.isoformat(): r for r in load_reported_impacts()}
    # 2017-08-29: about 1,180 km east of Cape Erimo (41.925 N, 143.25 E): a geodesic that
    # starts due east bends south, ~0.9 deg of latitude after 1,180 km, ~14.1 deg of longitude
    lat, lon = rows["2017-08-29"].point_deg
    assert 40.8 < lat < 41.3 and 157.0 < lon < 157.7
    assert all(r.source and r.url for r in rows.values())


@pytest.mark.slow
def test_validate_reports_the_impact_point_error_where_known():
    import datetime as dt

    from gsomia.physics.validation import ReportedFlight, summarise, validate

    flight = ReportedFlight(dt.date(2019, 10, 2), "Pukguksong-3 SLBM", 39.26, 127.58, 86.0,
                            450.0, 910.0, 1020.0)
    unknown = ReportedFlight(dt.date(2017, 5, 14), "Hwasong-12", 40.07, 125.21, 80.0, 787.0,
                             2111.5, 1800.0)
    checks = validate([flight, unknown])
    # the bearing-only fit lands ~40 km from "about 350 km north of Dogo"
    assert 10.0 < checks[0].impact_error_km < 80.0
    assert checks[1].impact_error_km is None
    assert summarise(checks)["impact_points_known"] == 1

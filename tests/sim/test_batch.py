"""The batch over the public record drops single launches, not whole dates (real CNS data).

Dates used (CNS North Korea Missile Test Database, ``test.en.json``):

- 2022-10-05: a KN-25 (350 km, apogee 100 km, bearing 58°; entry 199) and a Hwasong-11A
  (KN-23) 15 min later (800 km, apogee 50 km; entry 200), a depressed flight no ballistic
  class of the flight model reaches;
- 2021-09-27: one Hwasong-12B (the glide vehicle also called Hwasong-8; 200 km, apogee
  60 km; entry 158), which no ballistic class flies: the date is skipped;
- 2023-12-17: a launch at 13:37 UTC (entry 260, unflyable 570 km / 50 km) and the
  Hwasong-18 at 23:24 UTC (entry 261), 9 h 47 min later: outside a scenario's 4 h window.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path

import pymap3d.vincenty
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from gsomia.cli import app
from gsomia.errors import InputError
from gsomia.records import LaunchRecord, load_records, salvos
from gsomia.sim.batch import DROP_CLASSES, run_date
from gsomia.sim.report import batch_summary
from gsomia.sim.scenario import (
    APOGEE_KM,
    MAX_DURATION_S,
    RANGE_KM,
    SKIP_KINDS,
    check_records,
    load_scenario,
    scenario_from_records,
)

DATES = ("2022-10-05", "2021-09-27", "2023-12-17")


@pytest.fixture(scope="module")
def results(shared_data: Path) -> dict[str, dict]:
    return {d: run_date(shared_data / "cns", dt.date.fromisoformat(d)) for d in DATES}


def test_mixed_salvo_keeps_the_flyable_launch(results, shared_data) -> None:
    r = results["2022-10-05"]
    assert r["ok"] and "reason" not in r
    assert r["seed"] == 20221005 and r["run"]["scenario"]["seed"] == 20221005
    assert r["launches"] == ["L1"]
    (launch,) = r["run"]["launches"]
    assert launch["id"] == "L1"
    (drop,) = r["dropped"]
    assert drop["record"] == "2022-10-05 (entry 200)" and drop["entry"] == 200
    assert drop["missile"] == "Hwasong-11A (KN-23)" and drop["launch"] == "L2"
    assert drop["class"] == "not_flyable"
    assert "range_km=800, apogee_km=50" in drop["reason"]
    assert "cannot be flown" in drop["reason"]
    # the kept KN-25 flies the record's figures: impact 350 km from the site on bearing 58°
    (rec,) = [x for x in salvos(load_records(shared_data / "cns", since=dt.date(2022, 10, 5)))
              [dt.date(2022, 10, 5)] if x.entry == 199]
    dist_m, az_deg = pymap3d.vincenty.vdist(rec.site_lat_deg, rec.site_lon_deg,
                                            launch["impact_lat_deg"], launch["impact_lon_deg"])
    assert float(dist_m) == pytest.approx(350e3, rel=2e-3)
    assert float(az_deg) == pytest.approx(58.0, abs=0.5)
    # the run still measures it: Korea's own sensors reach a 50 km PIP
    assert launch["parties"]["KOR"]["none"]["first_pip_within_50km_s"] is not None


def test_date_whose_launches_all_fail_is_skipped_with_reasons(results) -> None:
    r = results["2021-09-27"]
    assert not r["ok"] and "run" not in r and r["launches"] == []
    assert r["reason"] == "no launch of that date can be flown"
    (drop,) = r["dropped"]
    assert drop["record"] == "2021-09-27 (entry 158)" and drop["class"] == "not_flyable"
    assert drop["missile"] == "Hwasong-12B" and "cannot be flown" in drop["reason"]


def test_launch_outside_the_window_is_dropped_not_the_date_at_load(results) -> None:
    r = results["2023-12-17"]
    classes = {d["record"]: d["class"] for d in r["dropped"]}
    assert classes == {"2023-12-17 (entry 260)": "not_flyable",
                       "2023-12-17 (entry 261)": "outside_window"}
    late = next(d for d in r["dropped"] if d["entry"] == 261)
    assert late["launch"] is None
    assert "9.78 h" in late["reason"]        # 13:37 → 23:24 UTC is 9 h 47 min
    assert not r["ok"] and r["reason"] == "no launch of that date can be flown"


def test_summary_counts_dates_launches_and_drops(results, shared_data) -> None:
    dates = [results[d] for d in DATES]
    s = batch_summary((r["run"] for r in dates if r["ok"]), dates=dates)
    assert s["dates"] == 3 and s["events"] == 1 and s["dates_skipped"] == 2
    assert s["launches"] == 1
    assert s["launches_dropped"] == {"not_flyable": 3, "outside_window": 1}
    assert s["launches_dropped_total"] == 4
    # every record of those dates is either run or dropped
    groups = salvos(load_records(shared_data / "cns", since=dt.date(2021, 9, 27)))
    n_records = sum(len(groups[dt.date.fromisoformat(d)]) for d in DATES)
    assert s["launches"] + s["launches_dropped_total"] == n_records == 5
    assert set(s["launches_dropped"]) <= set(DROP_CLASSES)


def test_summary_rejects_a_malformed_date_result() -> None:
    with pytest.raises(InputError, match=r"dates\[0\]\.ok"):
        batch_summary([], dates=[{"date": "2022-10-05", "ok": "yes"}])
    with pytest.raises(InputError, match=r"dates\[0\]\.dropped\[0\]\.class"):
        batch_summary([], dates=[{"ok": False, "dropped": [{"record": "x"}]}])


def test_cli_batch_prints_and_writes_the_counts(shared_data, tmp_path) -> None:
    """2026-04-07 and 2026-04-18 have no complete record, 2026-04-08's one launch cannot
    be flown: three dates, no event, every record dropped with its class."""
    out = tmp_path / "batch.json"
    res = CliRunner().invoke(app, ["run", "--records", str(shared_data / "cns"),
                                   "--since", "2026-04-07", "--workers", "1",
                                   "--json-out", str(out)])
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    groups = salvos(load_records(shared_data / "cns", since=dt.date(2026, 4, 7)))
    assert [d.isoformat() for d in sorted(groups)] == ["2026-04-07", "2026-04-08",
                                                        "2026-04-18"]
    s = doc["summary"]
    assert (s["dates"], s["events"], s["dates_skipped"], s["launches"]) == (3, 0, 3, 0)
    assert s["launches_dropped_total"] == sum(len(v) for v in groups.values())
    assert s["launches_dropped"]["not_flyable"] == 1
    assert doc["events"] == [] and [x["date"] for x in doc["skipped"]] == [
        "2026-04-07", "2026-04-08", "2026-04-18"]
    assert doc["skipped"][1]["seed"] == 20260408
    assert doc["skipped"][1]["dropped"][0]["class"] == "not_flyable"
    assert "0 events run of 3 dates" in res.output
    assert f"{s['launches_dropped_total']} dropped" in res.output


# -- for all records: every record either gives a launch that loads, or is skipped ---------

_DAY = dt.date(2022, 10, 5)


@st.composite
def _records(draw) -> list[LaunchRecord]:
    n = draw(st.integers(1, 5))
    out = []
    for k in range(n):
        minutes = draw(st.none() | st.integers(0, 24 * 60 - 1))
        at = (None if minutes is None else
              dt.datetime.combine(_DAY, dt.time(minutes // 60, minutes % 60), tzinfo=dt.UTC))
        num = st.none() | st.sampled_from([0.0]) | st.floats(0.5, 20_000.0)
        out.append(LaunchRecord(
            date=_DAY, date_precision="day", time_utc=None if at is None else at.time(),
            launched_at=at, missile="kn-25", missile_name="KN-25", missile_type="SRBM",
            facility="f", facility_name="F",
            site_lat_deg=draw(st.none() | st.just(39.1)), site_lon_deg=125.9,
            bearing_deg=draw(st.none() | st.floats(1.0, 359.0)),
            range_km=draw(num), apogee_km=draw(num), salvo_index=k + 1,
            outcome="success", landing="sea-of-japan", description="", entry=k))
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_records())
def test_every_record_gives_a_loadable_launch_or_a_skip(records) -> None:
    checks = check_records(records)
    assert len(checks) == len(records)
    usable = [r for r, c in zip(records, checks, strict=True) if c is None]
    for rec, c in zip(records, checks, strict=True):
        if c is None:
            assert RANGE_KM[0] <= rec.range_km <= RANGE_KM[1]
            assert APOGEE_KM[0] <= rec.apogee_km <= APOGEE_KM[1]
        else:
            assert c.kind in SKIP_KINDS and c.record is rec
    if not usable:
        with pytest.raises(InputError, match="no record of that date"):
            scenario_from_records(records, seed=1)
        return
    text, skipped = scenario_from_records(records, seed=1)
    assert skipped == [str(c) for c in checks if c is not None]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "s.toml"
        path.write_text(text, encoding="utf-8")
        scenario = load_scenario(path)           # no launch-level load error is left
    assert len(scenario.launches) == len(usable)
    assert [s.range_m for s in scenario.launches] == [1e3 * r.range_km for r in usable]
    assert all(0.0 <= s.t_s <= MAX_DURATION_S for s in scenario.launches)

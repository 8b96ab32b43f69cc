"""The batch over the public record: dates split into events by launch time, single
launches dropped, not whole events (real CNS data).

Dates used (CNS North Korea Missile Test Database, ``test.en.json``):

- 2022-10-05: a KN-25 at 21:00 UTC (350 km, apogee 100 km, bearing 58°; entry 199) and a
  Hwasong-11A (KN-23) at 21:15 (800 km, apogee 50 km; entry 200), a depressed flight no
  ballistic class of the flight model reaches; 15 min apart: two events;
- 2021-09-27: one Hwasong-12B (the glide vehicle also called Hwasong-8; 200 km, apogee
  60 km; entry 158), which no ballistic class flies: the date is skipped;
- 2023-12-17: a launch at 13:37 UTC (entry 260, unflyable 570 km / 50 km) and the
  Hwasong-18 at 23:24 UTC (entry 261), 9 h 47 min later: before events, outside a
  scenario's 4 h window and dropped;
- 2024-03-17: three KN-25 at 22:44 UTC (entries 263-265) and three more at 23:21 (entries
  266-268), 37 min apart: before events, the second salvo came after the 900 s horizon;
- 2017-03-05: four ER-Scuds at the same minute (entries 98-101), a tight salvo.
"""

from __future__ import annotations

import datetime as dt
import json
import math
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
from gsomia.sim.batch import (
    BATCH_CONFIG,
    DROP_CLASSES,
    EVENT_FLIGHT_S,
    date_events,
    event_seed,
    event_window_s,
    run_date,
    run_event,
    split_events,
)
from gsomia.sim.config import RunConfig
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

DATES = ("2022-10-05", "2021-09-27", "2023-12-17", "2024-03-17")
WINDOW_S = event_window_s(BATCH_CONFIG)


def _date_records(shared_data: Path, day: str) -> list[LaunchRecord]:
    d = dt.date.fromisoformat(day)
    return salvos(load_records(shared_data / "cns", since=d))[d]


@pytest.fixture(scope="module")
def results(shared_data: Path) -> dict[str, list[dict]]:
    return {d: run_date(shared_data / "cns", dt.date.fromisoformat(d)) for d in DATES}


def _by_event(results: dict[str, list[dict]]) -> dict[str, dict]:
    return {r["event"]: r for rs in results.values() for r in rs}


def test_event_window_leaves_the_horizon_for_the_flight() -> None:
    assert BATCH_CONFIG.horizon_s == 900.0
    assert WINDOW_S == 900.0 - EVENT_FLIGHT_S == 300.0
    assert event_window_s(RunConfig(horizon_s=None)) == MAX_DURATION_S
    assert event_window_s(RunConfig(horizon_s=120.0)) == 0.0


@pytest.mark.slow
def test_launches_hours_apart_are_two_events_each_observed(results, shared_data) -> None:
    """2023-12-17: the Hwasong-18 9 h 47 min after the first launch is run in its own
    event (no longer dropped as outside_window) and seen by Korea's and Japan's sensors."""
    events = results["2023-12-17"]
    assert [r["event"] for r in events] == ["2023-12-17#1", "2023-12-17#2"]
    assert [r["seed"] for r in events] == [20231217, 120231217]
    first, second = events
    assert not first["ok"] and first["reason"] == "no launch of that event can be flown"
    assert [(d["entry"], d["class"]) for d in first["dropped"]] == [(260, "not_flyable")]
    assert second["ok"] and second["dropped"] == [] and second["launches"] == ["L1"]
    sc = second["run"]["scenario"]
    assert sc["name"] == "record-2023-12-17#2" and sc["seed"] == 120231217
    # the event's epoch is its own launch, 23:24 UTC: launch time 0, not 9.78 h
    assert dt.datetime.fromisoformat(sc["epoch"]) == dt.datetime(2023, 12, 17, 23, 24,
                                                                   tzinfo=dt.UTC)
    (launch,) = second["run"]["launches"]
    assert launch["launch_s"] == 0.0
    for party in ("KOR", "JPN"):
        t = launch["parties"][party]["none"]["first_detection_s"]
        assert t is not None and 0.0 < t < BATCH_CONFIG.horizon_s


@pytest.mark.slow
def test_second_salvo_after_the_horizon_is_its_own_observed_event(results,
                                                                   shared_data) -> None:
    """2024-03-17: the salvo at 23:21 came 2220 s after the first, after the 900 s horizon
    of one date-long run; as its own event, each of its launches is detected."""
    recs = _date_records(shared_data, "2024-03-17")
    gap_s = (max(r.launched_at for r in recs) - min(r.launched_at for r in recs)
             ).total_seconds()
    assert gap_s == 37 * 60 > BATCH_CONFIG.horizon_s
    events = results["2024-03-17"]
    assert [r["event"] for r in events] == ["2024-03-17#1", "2024-03-17#2"]
    assert [r["launches"] for r in events] == [["L1", "L2", "L3"], ["L4", "L5", "L6"]]
    assert all(r["ok"] and r["dropped"] == [] for r in events)
    epochs = [dt.datetime.fromisoformat(r["run"]["scenario"]["epoch"]) for r in events]
    assert (epochs[1] - epochs[0]).total_seconds() == gap_s
    for r in events:
        for launch in r["run"]["launches"]:
            assert launch["launch_s"] == 0.0     # a tight salvo: one instant
            seen = [p["none"]["first_detection_s"] for p in launch["parties"].values()
                    if p["none"]["first_detection_s"] is not None]
            assert seen and min(seen) < BATCH_CONFIG.horizon_s, launch["id"]
            # and the whole flight (226 s) lies inside the horizon
            assert launch["impact_s"] <= BATCH_CONFIG.horizon_s
        # Korea's own radars reach a 50 km PIP of the salvo's first missile
        assert r["run"]["launches"][0]["parties"]["KOR"]["none"][
            "first_pip_within_50km_s"] is not None


def test_tight_salvo_stays_one_event(shared_data) -> None:
    recs = _date_records(shared_data, "2017-03-05")
    (event,) = date_events(recs, WINDOW_S)
    assert event.id == "2017-03-05#1" and event.seed == 20170305
    assert [r.entry for r in event.records] == [r.entry for r in recs]
    assert {r.entry for r in recs if r.launched_at is not None} >= {98, 99, 100, 101}
    first, second = date_events(_date_records(shared_data, "2024-03-17"), WINDOW_S)
    assert [r.entry for r in first.records] == [263, 264, 265]
    assert [r.entry for r in second.records] == [266, 267, 268]


@pytest.mark.slow
def test_mixed_event_keeps_the_flyable_launch(shared_data) -> None:
    """2022-10-05's two launches in one event (a 900 s window): the KN-25 runs, the KN-23
    is dropped as not_flyable."""
    recs = _date_records(shared_data, "2022-10-05")
    assert [e.id for e in date_events(recs, WINDOW_S)] == ["2022-10-05#1", "2022-10-05#2"]
    (event,) = date_events(recs, 900.0)
    r = run_event(event)
    assert r["ok"] and "reason" not in r and r["event"] == "2022-10-05#1"
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
    (rec,) = [x for x in recs if x.entry == 199]
    dist_m, az_deg = pymap3d.vincenty.vdist(rec.site_lat_deg, rec.site_lon_deg,
                                            launch["impact_lat_deg"], launch["impact_lon_deg"])
    assert float(dist_m) == pytest.approx(350e3, rel=2e-3)
    assert float(az_deg) == pytest.approx(58.0, abs=0.5)
    # the run still measures it: Korea's own sensors reach a 50 km PIP
    assert launch["parties"]["KOR"]["none"]["first_pip_within_50km_s"] is not None


@pytest.mark.slow
def test_split_date_runs_each_event_alone(results) -> None:
    first, second = results["2022-10-05"]
    assert first["ok"] and first["launches"] == ["L1"] and first["dropped"] == []
    assert not second["ok"] and second["reason"] == "no launch of that event can be flown"
    assert [(d["entry"], d["class"]) for d in second["dropped"]] == [(200, "not_flyable")]


@pytest.mark.slow
def test_date_whose_launches_all_fail_is_skipped_with_reasons(results) -> None:
    (r,) = results["2021-09-27"]
    assert not r["ok"] and "run" not in r and r["launches"] == []
    assert r["event"] == "2021-09-27#1"
    assert r["reason"] == "no launch of that event can be flown"
    (drop,) = r["dropped"]
    assert drop["record"] == "2021-09-27 (entry 158)" and drop["class"] == "not_flyable"
    assert drop["missile"] == "Hwasong-12B" and "cannot be flown" in drop["reason"]


@pytest.mark.slow
def test_every_record_is_in_one_event_and_run_or_dropped(results, shared_data) -> None:
    for day, events in results.items():
        recs = _date_records(shared_data, day)
        dropped = [d["record"] for r in events for d in r["dropped"]]
        assert len(dropped) == len(set(dropped))
        for r, ev in zip(events, date_events(recs, WINDOW_S), strict=True):
            assert r["event"] == ev.id
            ids = {rec.record_id for rec in ev.records}
            assert {d["record"] for d in r["dropped"]} <= ids
            assert len(r["launches"]) + len(r["dropped"]) == len(ev.records)
        assert sum(len(r["launches"]) + len(r["dropped"]) for r in events) == len(recs)


@pytest.mark.slow
def test_summary_counts_events_dates_launches_and_drops(results, shared_data) -> None:
    events = [r for d in DATES for r in results[d]]
    s = batch_summary((r["run"] for r in events if r["ok"]), events=events)
    assert (s["dates"], s["events"], s["events_skipped"], s["dates_skipped"]) == (4, 4, 3, 1)
    assert s["launches"] == 8
    assert s["launches_dropped"] == {"not_flyable": 3}
    assert s["launches_dropped_total"] == 3
    n_records = sum(len(_date_records(shared_data, d)) for d in DATES)
    assert s["launches"] + s["launches_dropped_total"] == n_records == 11
    assert s["events"] + s["events_skipped"] == len(events) == 7
    assert set(s["launches_dropped"]) <= set(DROP_CLASSES)


def test_summary_rejects_a_malformed_event_result() -> None:
    with pytest.raises(InputError, match=r"events\[0\]\.ok"):
        batch_summary([], events=[{"date": "2022-10-05", "ok": "yes"}])
    with pytest.raises(InputError, match=r"events\[0\]\.date"):
        batch_summary([], events=[{"ok": False, "dropped": []}])
    with pytest.raises(InputError, match=r"events\[0\]\.dropped\[0\]\.class"):
        batch_summary([], events=[{"date": "2022-10-05", "ok": False,
                                   "dropped": [{"record": "x"}]}])


def test_bad_grouping_input_is_refused(shared_data) -> None:
    with pytest.raises(InputError, match="window_s"):
        split_events([0.0, 10.0], -1.0)
    with pytest.raises(InputError, match=r"times_s\[1\]"):
        split_events([0.0, math.nan], 300.0)
    with pytest.raises(InputError, match="index"):
        event_seed(dt.date(2023, 12, 17), 0)
    with pytest.raises(InputError, match="day"):
        run_date(shared_data / "cns", dt.date(2023, 12, 16))


@pytest.mark.slow
def test_cli_batch_prints_and_writes_the_counts(shared_data, tmp_path) -> None:
    """2026-04-07 and 2026-04-18 have no complete record, 2026-04-08's one launch cannot
    be flown: three dates of one event each, no event run, every record dropped."""
    out = tmp_path / "batch.json"
    res = CliRunner().invoke(app, ["run", "--records", str(shared_data / "cns"),
                                   "--since", "2026-04-07", "--scheduler", "none",
                                   "--json-out", str(out)])
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    groups = salvos(load_records(shared_data / "cns", since=dt.date(2026, 4, 7)))
    assert [d.isoformat() for d in sorted(groups)] == ["2026-04-07", "2026-04-08",
                                                        "2026-04-18"]
    s = doc["summary"]
    assert (s["dates"], s["events"], s["events_skipped"], s["dates_skipped"],
            s["launches"]) == (3, 0, 3, 3, 0)
    assert s["launches_dropped_total"] == sum(len(v) for v in groups.values())
    assert s["launches_dropped"]["not_flyable"] == 1
    assert doc["event_window_s"] == 300.0
    assert doc["events"] == [] and [x["event"] for x in doc["skipped"]] == [
        "2026-04-07#1", "2026-04-08#1", "2026-04-18#1"]
    assert [x["date"] for x in doc["skipped"]] == ["2026-04-07", "2026-04-08", "2026-04-18"]
    assert doc["skipped"][1]["seed"] == 20260408
    assert doc["skipped"][1]["dropped"][0]["class"] == "not_flyable"
    printed = " ".join(res.output.split())          # the console wraps long lines
    assert "0 events run of 3 events on 3 dates" in printed
    assert "3 events and 3 dates skipped" in printed
    assert f"{s['launches_dropped_total']} dropped" in printed


# -- grouping, for all time lists and for every date of the record --------------------------

_times = st.lists(st.none() | st.floats(0.0, 86_400.0), max_size=30)


@settings(max_examples=200, deadline=None)
@given(_times, st.sampled_from([0.0, 60.0, 300.0, 900.0, MAX_DURATION_S]))
def test_split_events_partitions_by_the_window(times, window_s) -> None:
    which = split_events(times, window_s)
    assert len(which) == len(times)
    n = max(which, default=-1) + 1
    assert sorted(set(which)) == list(range(n))            # events 0..n-1, none empty
    assert all(e == 0 for t, e in zip(times, which, strict=True) if t is None)
    firsts = []
    for k in range(n):
        ts = [t for t, e in zip(times, which, strict=True) if e == k and t is not None]
        if not ts:                       # only untimed launches: the one event of a date
            assert n == 1                #   without any time
            continue
        assert max(ts) - min(ts) <= window_s              # the horizon covers every launch
        firsts.append(min(ts))
    # events in time order, each begun by the first launch past its predecessor's window
    for k in range(1, len(firsts)):
        assert firsts[k] - firsts[k - 1] > window_s
        earlier = [t for t, e in zip(times, which, strict=True) if t is not None and e < k]
        assert max(earlier) < firsts[k]


def test_every_event_seed_and_id_of_the_record_is_distinct(shared_data) -> None:
    groups = salvos(load_records(shared_data / "cns", since=dt.date(2016, 1, 1)))
    events = [ev for day in sorted(groups) for ev in date_events(groups[day], WINDOW_S)]
    assert len({ev.id for ev in events}) == len({ev.seed for ev in events}) == len(events)
    assert sum(len(ev.records) for ev in events) == sum(len(v) for v in groups.values())
    # the record's most spread date: 2023-12-17, two events 9 h 47 min apart
    assert [ev.id for ev in events if ev.day == dt.date(2023, 12, 17)] == [
        "2023-12-17#1", "2023-12-17#2"]


def test_every_record_of_every_date_is_in_exactly_one_event(shared_data) -> None:
    """All dates of the record (exhaustive, not sampled)."""
    groups = salvos(load_records(shared_data / "cns", since=dt.date(2016, 1, 1)))
    assert len(groups) > 100
    for recs in groups.values():
        _check_events(recs)


def _check_events(recs: list[LaunchRecord]) -> None:
    events = date_events(recs, WINDOW_S)
    assert [ev.index for ev in events] == list(range(1, len(events) + 1))
    seen = [rec.record_id for ev in events for rec in ev.records]
    assert sorted(seen) == sorted(r.record_id for r in recs) and len(set(seen)) == len(seen)
    starts = []
    for ev in events:
        timed = [r.launched_at for r in ev.records if r.launched_at is not None]
        if timed:
            assert (max(timed) - min(timed)).total_seconds() <= WINDOW_S
            starts.append(min(timed))
        assert all(r.launched_at is not None for r in ev.records) or ev.index == 1
        # every record of the event gives a launch or a skip, none outside the window
        assert "outside_window" not in {c.kind for c in check_records(list(ev.records))
                                        if c is not None}
    assert starts == sorted(starts)


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


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_records())
def test_every_synthetic_record_is_in_one_event_and_loads_or_is_skipped(records) -> None:
    _check_events(records)
    events = date_events(records, WINDOW_S)
    n_launches = n_skipped = 0
    for ev in events:
        checks = check_records(list(ev.records))
        n_skipped += sum(c is not None for c in checks)
        if all(c is not None for c in checks):
            continue
        text, _ = scenario_from_records(list(ev.records), seed=ev.seed, event=ev.index)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "s.toml"
            path.write_text(text, encoding="utf-8")
            scenario = load_scenario(path)
        assert scenario.name == f"record-{ev.id}" and scenario.seed == ev.seed
        # every launch of the event within the window of its first: the horizon covers it
        assert all(0.0 <= s.t_s <= WINDOW_S for s in scenario.launches)
        n_launches += len(scenario.launches)
    assert n_launches + n_skipped == len(records)

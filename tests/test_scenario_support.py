"""The shared test scenario (tests/scenario_support.py) loads as documented, and each kind of
difference reaches the loaded scenario."""

from __future__ import annotations

import datetime as dt

from gsomia.sim.scenario import load_scenario
from scenario_support import BASE_SENSORS, EPOCH, launch_entry, scenario_text


def test_the_base_is_one_er_scud_from_sohae_seen_by_one_radar_per_party(scenario_file):
    s = load_scenario(scenario_file("base.toml"))
    assert (s.name, s.epoch, s.seed, s.parties) == ("base", EPOCH, 11, ("JPN", "KOR", "USA"))
    assert [x.id for x in s.sensors] == list(BASE_SENSORS)
    assert [x.owner for x in s.sensors] == ["KOR", "JPN", "USA"]
    (launch,) = s.launches
    assert (launch.id, launch.site, launch.missile, launch.t_s) == ("L1", "sohae", "ER-Scud", 0.0)
    assert (launch.lat_deg, launch.lon_deg) == (39.6596, 124.7057)  # data/facilities.toml
    assert (launch.bearing_deg, launch.range_m, launch.apogee_m) == (83.0, 1000e3, 260e3)
    assert (s.agreements, s.links, s.duration_s) == ((), (), None)


def test_differences_reach_the_loaded_scenario(scenario_file):
    s = load_scenario(scenario_file(
        name="varied", seed=3, parties=["JPN", "KOR"], duration_s=400.0,
        epoch=dt.datetime(2023, 1, 1, 9, tzinfo=dt.timezone(dt.timedelta(hours=9))),
        sensors=[{"site": "kor-greenpine-b-1", "pd": 0.5}],
        launches=[launch_entry(site=None, lat_deg=39.0, lon_deg=125.0, bearing_deg=80.0,
                               salvo={"count": 2, "spacing_s": 20.0})],
        agreements=[("jpn-kor-gsomia", "tisa_hub")], links=[("KOR", "JPN", 2.0)]))
    assert (s.name, s.seed, s.parties, s.duration_s) == ("varied", 3, ("JPN", "KOR"), 400.0)
    assert s.epoch == dt.datetime(2023, 1, 1, 0, tzinfo=dt.UTC)
    (radar,) = s.sensors
    assert (radar.id, radar.pd) == ("kor-greenpine-b-1", 0.5)
    assert [(x.id, x.t_s, x.lat_deg, x.site) for x in s.launches] == [
        ("L1-1", 0.0, 39.0, None), ("L1-2", 20.0, 39.0, None)]
    assert [(a.name, a.route) for a in s.agreements] == [("jpn-kor-gsomia", "tisa_hub")]
    assert [(x.from_party, x.to_party, x.delay_s) for x in s.links] == [("KOR", "JPN", 2.0)]


def test_no_sensors_leaves_the_table_out():
    assert "[[sensors]]" not in scenario_text(sensors=[])
    assert scenario_text().count("[[sensors]]") == len(BASE_SENSORS)

"""Scenario files: packaged scenarios against the public record, schema validation errors."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pytest

from gsomia.errors import InputError
from gsomia.records import load_records, salvos
from gsomia.sim.scenario import (
    load_facility_table,
    load_scenario,
    packaged_scenario_names,
    scenario_from_records,
)
from gsomia.warning.sensors import InfraredLaunchSensor, Radar
from gsomia.warning.sites import load_sensor_catalogue
from scenario_support import launch_entry

PACKAGED = ["2016-08-24", "2016-09-05", "2017-03-06", "2017-08-29", "2017-11-29",
            "2019-10-02", "2021-10-19", "2022-05-07", "2022-10-04", "stress-20"]

# (scenario, epoch UTC, launches, range km, apogee km) — CNS records / flight-times.csv
PUBLIC_RECORD = [
    ("2016-09-05", "2016-09-05T03:13:00+00:00", 3, 1000.0, 260.0),
    ("2017-03-06", "2017-03-05T22:34:00+00:00", 4, 1000.0, 260.0),
    ("2017-08-29", "2017-08-28T20:58:00+00:00", 1, 2700.0, 550.0),
    ("2017-11-29", "2017-11-28T18:18:00+00:00", 1, 950.0, 4475.0),
    ("2019-10-02", "2019-10-01T22:11:00+00:00", 1, 450.0, 910.0),
    ("2022-10-04", "2022-10-03T22:22:00+00:00", 1, 4600.0, 1000.0),
]

# Kept literal: the tables of malformed files below edit this text (a misspelt key, a bad
# value as written); variations that are not about the syntax use scenario_support.
MINIMAL = """\
epoch = 2017-03-05T22:34:00Z
seed = 1
parties = ["JPN", "KOR"]

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


def write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_packaged_names():
    assert packaged_scenario_names() == sorted(PACKAGED)


@pytest.mark.parametrize(("name", "epoch", "n", "range_km", "apogee_km"), PUBLIC_RECORD,
                         ids=[r[0] for r in PUBLIC_RECORD])
def test_packaged_scenarios_carry_the_public_figures(name, epoch, n, range_km, apogee_km):
    s = load_scenario(name)
    assert s.epoch.isoformat() == epoch
    assert len(s.launches) == n
    for launch in s.launches:
        assert launch.range_m == range_km * 1e3 and launch.apogee_m == apogee_km * 1e3
        assert launch.source
    assert set(s.parties) == {"JPN", "KOR", "USA"}


def test_2017_03_06_is_four_er_scuds_from_sohae():
    s = load_scenario("2017-03-06")
    assert [x.bearing_deg for x in s.launches] == [77.0, 80.0, 83.0, 86.0]
    assert {(x.lat_deg, x.lon_deg) for x in s.launches} == {(39.6596, 124.7057)}
    assert {x.missile for x in s.launches} == {"ER-Scud"}
    # THAAD (Seongju) and Green Pine C (Busan, 2022) were not there in March 2017
    ids = {x.id for x in s.sensors}
    assert "usa-tpy2-seongju" not in ids and "kor-greenpine-c-busan" not in ids
    assert {a.name: a.route for a in s.agreements}["jpn-kor-gsomia"] == "direct"


def test_stress_scenario_20_launches_5_sites_within_a_minute():
    s = load_scenario("stress-20")
    assert len(s.launches) == 20
    assert len({(x.lat_deg, x.lon_deg) for x in s.launches}) == 5
    times = [x.t_s for x in s.launches]
    assert max(times) - min(times) <= 60.0


def test_facilities_match_the_cns_list(shared_data):
    import json

    cns = json.loads((shared_data / "cns" / "facility.en.json").read_text())["facilities"]
    for key, (lat, lon) in load_facility_table().items():
        assert lat == pytest.approx(cns[key]["lat"], abs=1e-4), key
        assert lon == pytest.approx(cns[key]["lon"], abs=1e-4), key


def test_sensor_catalogue_matches_the_public_sites(shared_data):
    import csv

    rows = [r for r in csv.DictReader(
        line for line in (shared_data / "sensor-sites.csv").read_text().splitlines()
        if not line.startswith("#"))]
    catalogue = load_sensor_catalogue()
    assert set(catalogue) == {r["id"] for r in rows}
    for r in rows:
        site = catalogue[r["id"]]
        assert site["owner"] == r["owner"]
        if r["kind"] != "space-based infrared":
            assert (site["lat_deg"], site["lon_deg"], site["alt_m"]) == (
                float(r["lat"]), float(r["lon"]), float(r["alt_m"]))
            assert site["max_range_km"] == float(r["range_km"])
        assert site["range_source"] and site["position_source"]


def test_default_sensors_are_the_parties_catalogue_in_service_on_the_epoch(scenario_file):
    s = load_scenario(scenario_file(parties=["JPN", "KOR"], sensors=[]))
    assert {x.owner for x in s.sensors} == {"JPN", "KOR"}
    # March 2017: 5 Japanese sensors and 3 Korean; Green Pine C (Busan) only from Oct 2022
    assert len(s.sensors) == 8
    assert "kor-greenpine-c-busan" not in {x.id for x in s.sensors}
    later = load_scenario(scenario_file("later.toml", parties=["JPN", "KOR"], sensors=[],
                                        epoch=dt.datetime(2023, 1, 1, tzinfo=dt.UTC)))
    assert len(later.sensors) == 9
    assert "kor-greenpine-c-busan" in {x.id for x in later.sensors}


def test_inline_sensor_and_override(scenario_file):
    s = load_scenario(scenario_file(sensors=[
        {"site": "kor-greenpine-b-1", "pd": 0.5},
        {"kind": "radar", "id": "x", "owner": "JPN", "lat_deg": 37.0, "lon_deg": 135.0,
         "max_range_km": 300.0, "min_elevation_deg": 2.0}]))
    gp, x = s.sensors
    assert isinstance(gp, Radar) and gp.pd == 0.5 and gp.max_range_m == 500e3
    assert isinstance(x, Radar) and x.max_range_m == 300e3
    assert x.min_elevation_rad == pytest.approx(math.radians(2.0))


def test_salvo_expands(scenario_file):
    s = load_scenario(scenario_file(launches=[launch_entry(salvo={"count": 3, "spacing_s": 20.0})]))
    assert [(x.id, x.t_s) for x in s.launches] == [("L1-1", 0.0), ("L1-2", 20.0),
                                                    ("L1-3", 40.0)]


BAD = [
    # (what, edit: old → new, key named, value named)
    ("unknown top-level key", ("seed = 1", "seed = 1\nsed = 2"), "sed", "2"),
    ("unknown launch key", ("range_km = 1000.0", "range_km = 1000.0\nrange = 5"),
     "launches[0].range", "5"),
    ("bad latitude", ("lat_deg = 39.66", "lat_deg = 139.66"), "launches[0].lat_deg", "139.66"),
    ("negative range", ("range_km = 1000.0", "range_km = -1000.0"), "launches[0].range_km",
     "-1000.0"),
    ("zero apogee", ("apogee_km = 260.0", "apogee_km = 0"), "launches[0].apogee_km", "0"),
    ("bad propulsion", ('missile = "ER-Scud"', 'propulsion = "warp"'),
     "launches[0].propulsion", "'warp'"),
    ("unknown sensor site", ('"kor-greenpine-b-1"', '"kor-nowhere"'), "sensors[0].site",
     "'kor-nowhere'"),
    ("bad sensor override", ('site = "kor-greenpine-b-1"', 'site = "kor-greenpine-b-1"\npd = 2'),
     "sensors[0].pd", "2"),
    ("bad party", ('["JPN", "KOR"]', '["JPN", "Korea"]'), "parties", "'Korea'"),
    ("naive epoch", ("2017-03-05T22:34:00Z", "2017-03-05T22:34:00"), "epoch", "22:34"),
    ("bad route", ('missile = "ER-Scud"', 'missile = "ER-Scud"\n\n[[agreements]]\n'
                   'name = "jpn-kor-gsomia"\nroute = "pigeon"'), "agreements[0].route",
     "'pigeon'"),
    ("misspelt key", ("bearing_deg = 80.0", "bearng_deg = 80.0"), "launches[0].bearng_deg",
     "80.0"),
]


@pytest.mark.parametrize(("what", "edit", "key", "value"), BAD, ids=[b[0] for b in BAD])
def test_malformed_files_name_file_key_and_value(tmp_path, what, edit, key, value):
    old, new = edit
    assert old in MINIMAL + "\n"
    path = write(tmp_path, MINIMAL.replace(old, new, 1), "bad.toml")
    with pytest.raises(InputError) as err:
        load_scenario(path)
    message = str(err.value)
    assert str(path) in message and key in message and value in message, message


def test_not_toml_names_the_file(tmp_path):
    path = write(tmp_path, "epoch = [", "broken.toml")
    with pytest.raises(InputError, match="broken.toml.*not valid TOML"):
        load_scenario(path)


def test_unknown_scenario_name():
    with pytest.raises(InputError, match="no-such-scenario"):
        load_scenario("no-such-scenario")


def test_from_records_2017_03_05(shared_data, tmp_path):
    day = dt.date(2017, 3, 5)
    recs = salvos(load_records(shared_data / "cns", since=day))[day]
    text, skipped = scenario_from_records(recs, seed=7)
    assert skipped == ["2017-03-05 #5 (ER Scud): no bearing, range, apogee in the record"]
    s = load_scenario(write(tmp_path, text, "rec.toml"))
    assert s.epoch == dt.datetime(2017, 3, 5, 22, 34, tzinfo=dt.UTC)
    assert [x.id for x in s.launches] == ["L1", "L2", "L3", "L4"]
    assert [x.bearing_deg for x in s.launches] == [77.0, 80.0, 83.0, 86.0]
    assert {(x.range_m, x.apogee_m) for x in s.launches} == {(1000e3, 260e3)}
    assert s.seed == 7 and any(isinstance(x, InfraredLaunchSensor) for x in s.sensors)


def test_from_records_without_apogee_needs_an_assumption(shared_data):
    day = dt.date(2016, 9, 5)
    recs = salvos(load_records(shared_data / "cns", since=day))[day]
    with pytest.raises(InputError, match="no record of that date"):
        scenario_from_records(recs, seed=1)
    text, skipped = scenario_from_records(recs, seed=1, default_apogee_km=260.0)
    assert skipped == [] and text.count("[[launches]]") == 3
    assert "apogee 260 km assumed" in text


# -- issue 3 follow-up: physics domains, limits, catalogue checks, service dates -------------

def _load_edit(tmp_path, old, new, extra=""):
    assert old in MINIMAL
    return load_scenario(write(tmp_path, MINIMAL.replace(old, new, 1) + extra, "bad.toml"))


PHYSICS_DOMAIN = [
    # (what, old → new, key, value, message) — the domains of fit_trajectory
    ("range above the flight model", ("range_km = 1000.0", "range_km = 20000.0"),
     "launches[0].range_km", "20000.0", "must be between 10 and 15000"),
    ("range below the flight model", ("range_km = 1000.0", "range_km = 5.0"),
     "launches[0].range_km", "5.0", "must be between 10 and 15000"),
    ("apogee below the flight model", ("apogee_km = 260.0", "apogee_km = 0.5"),
     "launches[0].apogee_km", "0.5", "must be between 1 and 10000"),
    ("bearing 360", ("bearing_deg = 80.0", "bearing_deg = 360.0"),
     "launches[0].bearing_deg", "360.0", "must be between 0 and 360 (360 excluded)"),
    ("longitude", ("lon_deg = 124.71", "lon_deg = 400.0"),
     "launches[0].lon_deg", "400.0", "must be between -180 and 360"),
    ("latitude", ("lat_deg = 39.66", "lat_deg = -91.0"),
     "launches[0].lat_deg", "-91.0", "must be between -90 and 90"),
    ("sensor pd", ('site = "kor-greenpine-b-1"', 'site = "kor-greenpine-b-1"\npd = 2'),
     "sensors[0].pd", "2", "must be between 0 and 1"),
]


@pytest.mark.parametrize(("what", "edit", "key", "value", "reason"), PHYSICS_DOMAIN,
                         ids=[c[0] for c in PHYSICS_DOMAIN])
def test_launch_figures_checked_against_the_flight_model_at_load(tmp_path, what, edit, key,
                                                                  value, reason):
    with pytest.raises(InputError) as err:
        _load_edit(tmp_path, *edit)
    assert str(err.value) == f"{tmp_path / 'bad.toml'}: {key}={value}: {reason}"


def test_dates_in_messages_are_iso_text(tmp_path):
    with pytest.raises(InputError) as err:
        _load_edit(tmp_path, "2017-03-05T22:34:00Z", "2017-03-05")
    message = str(err.value)
    assert "epoch='2017-03-05'" in message and "datetime" not in message, message


LIMITS = [
    ("salvo of a million", "salvo = { count = 1000000 }\n", "launches[0].salvo.count",
     "1000000", "must be between 1 and 100"),
    ("salvo past 4 h", "salvo = { count = 100, spacing_s = 200.0 }\n",
     "launches[0].salvo.spacing_s", "200.0", "launch times must be <= 14400 s"),
    ("launch time past 4 h", "t_s = 1e12\n", "launches[0].t_s", "1000000000000.0",
     "must be between 0 and 14400"),
]


@pytest.mark.parametrize(("what", "extra", "key", "value", "reason"), LIMITS,
                         ids=[c[0] for c in LIMITS])
def test_launch_limits(tmp_path, what, extra, key, value, reason):
    with pytest.raises(InputError) as err:
        load_scenario(write(tmp_path, MINIMAL + extra, "big.toml"))
    message = str(err.value)
    assert f"big.toml: {key}={value}" in message and reason in message, message


def test_duration_limit(tmp_path):
    with pytest.raises(InputError) as err:
        _load_edit(tmp_path, "seed = 1", "seed = 1\nduration_s = 1e12")
    assert str(err.value).endswith(
        "bad.toml: duration_s=1000000000000.0: must be between 0 and 14400 (0 excluded)")
    assert _load_edit(tmp_path, "seed = 1", "seed = 1\nduration_s = 14400").duration_s == 14400


def _salvos(n: int, count: int) -> list[dict]:
    return [launch_entry(id=f"S{k}", salvo={"count": count}) for k in range(n)]


def test_total_launch_limit_counts_salvo_missiles(scenario_file):
    s = load_scenario(scenario_file("thousand.toml", launches=_salvos(10, 100)))
    assert len(s.launches) == 1000 == len({x.id for x in s.launches})
    assert s.launches[-1].id == "S9-100" and s.launches[-1].where == "launches[9]"
    with pytest.raises(InputError) as err:
        load_scenario(scenario_file("over.toml", launches=_salvos(11, 100)))
    message = str(err.value)
    assert "over.toml: launches[10].salvo.count=100: " in message  # the key's own value
    assert "1100 launches: at most 1000" in message


def test_duplicate_launch_id_across_entries(scenario_file):
    with pytest.raises(InputError, match=r"launches\[1\]\.id='L1': duplicate launch id"):
        load_scenario(scenario_file(launches=[launch_entry(), launch_entry(bearing_deg=80.0)]))


def test_duplicate_salvo_id_names_the_id_as_written_and_the_first_entry(scenario_file):
    """Two salvos both written id = "U": the message names 'U' (as in the file), the expanded
    missile id that collides and the entry that used it first, not only 'U-1'."""
    two = [launch_entry(id="U", salvo={"count": 2}), launch_entry(id="U", salvo={"count": 3})]
    with pytest.raises(InputError) as err:
        load_scenario(scenario_file(launches=two))
    message = str(err.value)
    assert "launches[1].id='U': duplicate launch id (its salvo's missile 'U-1')" in message
    assert "already used by launches[0]" in message
    one_into_salvo = [launch_entry(id="U", salvo={"count": 3}), launch_entry(id="U-2")]
    with pytest.raises(InputError, match=r"launches\[1\]\.id='U-2': duplicate launch id: "
                       r"already used by launches\[0\]"):
        load_scenario(scenario_file(launches=one_into_salvo))


AGAINST_THE_CATALOGUE = [
    ("unknown agreement", ("seed = 1", "seed = 1"),
     '\n[[agreements]]\nname = "nato"\n', "agreements[0].name='nato'",
     "unknown agreement (catalogue: jpn-kor-gsomia"),
    ("duplicate party", ('["JPN", "KOR"]', '["JPN", "KOR", "JPN"]'), "",
     "parties=['JPN', 'KOR', 'JPN']", "JPN is listed twice"),
    ("party unknown to the catalogue", ('["JPN", "KOR"]', '["JPN", "KOR", "CHN"]'), "",
     "parties[2]='CHN'", "party unknown to the agreement catalogue (known: JPN, KOR, USA)"),
    ("link to itself", ("seed = 1", "seed = 1"),
     '\n[[links]]\nfrom = "KOR"\nto = "KOR"\ndelay_s = 1.0\n', "links[0].to='KOR'",
     "two different parties"),
    ("unknown missile without propulsion", ('"ER-Scud"', '"Frobnicator-9"'), "",
     "launches[0].missile='Frobnicator-9'", "give propulsion = one of liquid-icbm"),
    ("missile and propulsion conflict",
     ('missile = "ER-Scud"', 'missile = "ER-Scud"\npropulsion = "solid-icbm"'), "",
     "launches[0].propulsion='solid-icbm'",
     "conflicts with missile = 'ER-Scud', which is liquid-srbm"),
]


@pytest.mark.parametrize(("what", "edit", "extra", "named", "reason"), AGAINST_THE_CATALOGUE,
                         ids=[c[0] for c in AGAINST_THE_CATALOGUE])
def test_parties_agreements_links_and_missiles_checked(tmp_path, what, edit, extra, named,
                                                        reason):
    with pytest.raises(InputError) as err:
        _load_edit(tmp_path, *edit, extra)
    message = str(err.value)
    assert f"bad.toml: {named}" in message and reason in message, message


def test_unknown_missile_with_propulsion_and_agreeing_pair_load(tmp_path):
    s = _load_edit(tmp_path, 'missile = "ER-Scud"',
                   'missile = "Frobnicator-9"\npropulsion = "liquid-srbm"')
    assert (s.launches[0].missile, s.launches[0].propulsion) == ("Frobnicator-9", "liquid-srbm")
    s = _load_edit(tmp_path, 'missile = "ER-Scud"',
                   'missile = "ER-Scud"\npropulsion = "liquid-srbm"')
    assert s.launches[0].propulsion == "liquid-srbm"
    s = _load_edit(tmp_path, "seed = 1", "seed = 1",
                   '\n[[agreements]]\nname = "jpn-kor-gsomia"\n')
    assert [a.name for a in s.agreements] == ["jpn-kor-gsomia"]


def test_from_records_2017_03_05_only_sensors_in_service(shared_data, tmp_path):
    day = dt.date(2017, 3, 5)
    recs = salvos(load_records(shared_data / "cns", since=day))[day]
    text, _ = scenario_from_records(recs, seed=7)
    assert "not yet in service: usa-tpy2-seongju (from 2017-04-26)" in " ".join(
        line.lstrip("# ") for line in text.splitlines())
    s = load_scenario(write(tmp_path, text, "rec.toml"))
    # the same sensors as the packaged scenario of that launch
    assert [x.id for x in s.sensors] == [x.id for x in load_scenario("2017-03-06").sensors]
    assert "usa-tpy2-seongju" not in {x.id for x in s.sensors}
    assert "kor-greenpine-c-busan" not in {x.id for x in s.sensors}


def test_from_records_unknown_missile_gets_a_propulsion_from_the_range(shared_data, tmp_path):
    day = dt.date(2022, 2, 26)
    recs = salvos(load_records(shared_data / "cns", since=day))[day]
    text, _ = scenario_from_records(recs, seed=7)
    s = load_scenario(write(tmp_path, text, "rec.toml"))
    launch = s.launches[0]
    assert (launch.missile, launch.propulsion, launch.range_m) == ("Unknown", "liquid-srbm",
                                                                   300e3)
    assert "propulsion liquid-srbm inferred from the range" in launch.source
    # October 2022 onward: Green Pine C is in
    later = dt.date(2022, 10, 3)
    text, _ = scenario_from_records(salvos(load_records(shared_data / "cns", since=later))[later],
                                    seed=7)
    assert 'site = "kor-greenpine-c-busan"' in text


@pytest.mark.slow
def test_record_fit_tolerance_keeps_rounded_figures(shared_data, tmp_path):
    """CNS 2025-01-06 gives 1,100 km and 100 km, rounded: the model's best flight comes
    within 1 % (0.1 % is out of its reach), so the record's 2 % keeps the launch, while the
    packaged default 0.1 % refuses it with the best fit named."""
    import dataclasses

    from gsomia.errors import PhysicsError
    from gsomia.records import load_records, salvos
    from gsomia.sim.observe import fly_launches
    from gsomia.sim.scenario import RECORD_FIT_TOLERANCE, load_scenario, scenario_from_records

    day = dt.date(2025, 1, 6)
    text, _ = scenario_from_records(salvos(load_records(shared_data / "cns", since=day))[day],
                                    seed=1)
    path = tmp_path / "r.toml"
    path.write_text(text, encoding="utf-8")
    sc = load_scenario(path)
    assert {s.fit_tolerance for s in sc.launches} == {RECORD_FIT_TOLERANCE}
    (flight,) = fly_launches(sc)
    assert abs(flight.trajectory.range_m / 1_100e3 - 1) <= RECORD_FIT_TOLERANCE
    strict = dataclasses.replace(sc, launches=tuple(dataclasses.replace(s, fit_tolerance=1e-3)
                                                    for s in sc.launches))
    with pytest.raises(PhysicsError, match="best fit range"):
        fly_launches(strict)


def test_fit_tolerance_out_of_range_is_refused(scenario_file):
    from gsomia.errors import InputError
    from gsomia.sim.scenario import load_scenario

    path = scenario_file(launches=[launch_entry(fit_tolerance=0.5)])
    with pytest.raises(InputError, match="fit_tolerance"):
        load_scenario(path)


@pytest.mark.parametrize("deep", ["x = " + "[" * 5000 + "]" * 5000,
                                  "x = " + "{a=" * 3000 + "1" + "}" * 3000])
def test_toml_nested_too_deeply_is_refused_naming_the_file(tmp_path, deep):
    path = write(tmp_path, deep, "deep.toml")
    with pytest.raises(InputError, match="deep.toml.*nested too deeply"):
        load_scenario(path)


def test_reported_impact_point_reaches_the_fit(scenario_file):
    from gsomia.sim.scenario import load_scenario

    path = scenario_file(launches=[launch_entry(impact_lat_deg=39.45, impact_lon_deg=133.25,
                                                impact_sigma_km=35.0)])
    (spec,) = load_scenario(path).launches
    assert spec.impact_point == (39.45, 133.25, 35e3)
    (plain,) = load_scenario(scenario_file(launches=[launch_entry()])).launches
    assert plain.impact_point is None


@pytest.mark.parametrize(("given", "missing"), [({"impact_lat_deg": 39.4}, "impact_lon_deg"),
                                               ({"impact_lon_deg": 133.2}, "impact_lat_deg")])
def test_impact_point_needs_both_coordinates(scenario_file, given, missing):
    from gsomia.sim.scenario import load_scenario

    with pytest.raises(InputError, match=missing):
        load_scenario(scenario_file(launches=[launch_entry(**given)]))


def test_an_explicit_empty_sensor_list_is_refused_not_read_as_the_catalogue(tmp_path):
    # no [[sensors]] means every catalogue sensor of the parties; "sensors = []" reads as
    # "no sensors", so it is refused rather than silently given the whole catalogue
    text = MINIMAL.replace('[[sensors]]\nsite = "kor-greenpine-b-1"\n',
                           "").replace('parties = ["JPN", "KOR"]\n',
                                       'parties = ["JPN", "KOR"]\nsensors = []\n')
    assert "sensors = []" in text and "[[sensors]]" not in text
    with pytest.raises(InputError) as err:
        load_scenario(write(tmp_path, text))
    assert err.value.field.endswith("s.toml: sensors")
    assert "empty list" in str(err.value)
    omitted = load_scenario(write(tmp_path, text.replace("sensors = []\n", ""), "o.toml"))
    assert {x.owner for x in omitted.sensors} == {"JPN", "KOR"}


def test_a_quoted_epoch_is_told_to_be_unquoted(tmp_path):
    # "2017-03-05T22:34:00Z" in quotes is TOML text: the message must not ask for the very
    # text the file shows
    with pytest.raises(InputError) as err:
        _load_edit(tmp_path, "epoch = 2017-03-05T22:34:00Z", 'epoch = "2017-03-05T22:34:00Z"')
    assert str(err.value) == (
        f"{tmp_path / 'bad.toml'}: epoch='2017-03-05T22:34:00Z': a quoted string: write the "
        "offset date-time unquoted, e.g. 2017-03-05T22:34:00Z (a TOML date-time, not text)")


@pytest.mark.parametrize(("kind", "article"), [("explosion", "an"), ("breakup", "a")])
def test_a_one_piece_breakup_is_refused_in_english(tmp_path, kind, article):
    with pytest.raises(InputError) as err:
        _load_edit(tmp_path, 'missile = "ER-Scud"',
                   f'missile = "ER-Scud"\nfailure = {{ kind = "{kind}", pieces = 1 }}')
    assert str(err.value) == (f"{tmp_path / 'bad.toml'}: launches[0].failure.pieces=1: "
                              f"{article} {kind} makes at least 2 pieces")

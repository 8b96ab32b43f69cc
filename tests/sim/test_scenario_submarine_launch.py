"""A submarine that fires a launch must be at that launch's point at its time: a track ending
on land 237 km away, or a launch placed at another facility, is refused with the field and
the position, not scored as if the boat had fired it."""

from __future__ import annotations

from importlib import resources

import pytest

from gsomia.errors import InputError
from gsomia.physics.geodesy import geodesic_inverse
from gsomia.sim.scenario import load_scenario
from gsomia.warning.sea import first_land_hit

SINPO_END = "{ t_s = 7200.0, lat_deg = 40.0228, lon_deg = 128.1899 },\n]"


def _packaged(name: str) -> str:
    return (resources.files("gsomia.data.scenarios") / f"{name}.toml").read_text("utf-8")


@pytest.mark.parametrize("name", ["2016-08-24", "2021-10-19"])
def test_the_packaged_slbm_scenarios_fire_from_the_boat(name):
    sc = load_scenario(name)
    (sub,) = sc.submarines
    lat, lon = sub.position(sc.launches[0].t_s)
    d, _ = geodesic_inverse(lat, lon, sc.launches[0].lat_deg, sc.launches[0].lon_deg)
    assert float(d) == pytest.approx(1637.0, abs=1.0)   # in the water off Sinpo


@pytest.mark.parametrize(("old", "new", "km"), [
    (SINPO_END, "{ t_s = 7200.0, lat_deg = 39.03, lon_deg = 125.75 },\n]", "237.2"),  # Pyongyang
    ('site = "sinpo"', 'site = "wonsan"', "112.8"),
])
def test_a_boat_away_from_its_launch_is_refused(tmp_path, old, new, km):
    text = _packaged("2021-10-19")
    assert text.count(old) == 1
    path = tmp_path / "away.toml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_scenario(path)
    message = str(err.value)
    assert "away.toml: submarines[0].track=" in message
    assert f"the submarine fires 'L1' (launches[0]) but is {km} km from its launch point" \
        in message
    assert "at most 5 km" in message


def test_a_boat_4_km_off_its_facility_is_accepted(tmp_path):
    # 0.036 deg of latitude = 4.0 km south of Sinpo
    text = _packaged("2021-10-19").replace(
        SINPO_END, "{ t_s = 7200.0, lat_deg = 40.0008, lon_deg = 128.1839 },\n]")
    path = tmp_path / "near.toml"
    path.write_text(text, encoding="utf-8")
    assert load_scenario(path).submarines[0].position(7200.0) == (40.0008, 128.1839)


@pytest.mark.parametrize("name", ["2016-08-24", "2021-10-19", "2022-05-07"])
def test_the_packaged_tracks_are_at_sea(name):
    (sub,) = load_scenario(name).submarines
    assert first_land_hit(sub.waypoints) is None


def test_a_waypoint_on_land_is_refused(tmp_path):
    # the Sinpo facility point itself: on land in Natural Earth 1:10m
    text = _packaged("2021-10-19").replace(
        "{ t_s = 3600.0, lat_deg = 39.85, lon_deg = 128.45 }",
        "{ t_s = 3600.0, lat_deg = 40.0368, lon_deg = 128.1839 }")
    path = tmp_path / "ashore.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_scenario(path)
    assert str(err.value).startswith(
        f"{path}: submarines[0].track[0]={{'t_s': 0.0, 'lat_deg': 40.0228, 'lon_deg': 128.1899}}: "
        "the leg to track[1] (t_s=3600, 40.0368, 128.184) crosses land (PRK")


def test_a_leg_across_honshu_is_refused_naming_where_it_meets_land(tmp_path):
    # a boat bound from the Sea of Japan to the Pacific straight across Honshu
    text = _packaged("2021-10-19").replace(
        "{ t_s = 0.0, lat_deg = 40.0228, lon_deg = 128.1899 },",
        "{ t_s = -9000.0, lat_deg = 37.5, lon_deg = 141.5 },\n"
        "  { t_s = -5000.0, lat_deg = 38.5, lon_deg = 131.0 },\n"
        "  { t_s = 0.0, lat_deg = 40.0228, lon_deg = 128.1899 },")
    path = tmp_path / "honshu.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_scenario(path)
    msg = str(err.value)
    assert "submarines[0].track[0]={'t_s': -9000.0, 'lat_deg': 37.5, 'lon_deg': 141.5}" in msg
    assert "crosses land (JPN, Natural Earth 1:10m) from (37.5" in msg


@pytest.mark.parametrize(("waypoints", "index", "leg"), [
    (((0.0, 39.0, 127.6),), 0, False),                               # Wonsan, ashore
    (((0.0, 39.5, 128.5), (10.0, 39.0, 127.6)), 0, True),           # its leg ashore first
    (((0.0, 35.0, 128.0 - 0.5), (10.0, 35.0, 130.0)), 0, False),    # starts in Korea
    (((0.0, 34.2, 129.0), (10.0, 34.5, 129.6)), 0, True),           # across Tsushima
])
def test_first_land_hit(waypoints, index, leg):
    hit = first_land_hit(waypoints)
    assert hit is not None and (hit.index, hit.leg) == (index, leg)


def test_a_waypoint_outside_the_loaded_land_is_refused():
    with pytest.raises(InputError, match=r"track\[1\]=.*outside the region whose land"):
        first_land_hit(((0.0, 39.5, 128.5), (10.0, 39.5, 175.0)))


def test_waypoint_times_out_of_order_name_the_waypoint(tmp_path):
    text = _packaged("2021-10-19").replace(
        "{ t_s = 3600.0, lat_deg = 39.85, lon_deg = 128.45 }",
        "{ t_s = 0.0, lat_deg = 39.85, lon_deg = 128.45 }")
    path = tmp_path / "order.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_scenario(path)
    assert str(err.value) == (f"{path}: submarines[0].track[1].t_s=0.0: must be after "
                              "track[0].t_s = 0: waypoint times must increase")


def test_a_leg_faster_than_any_submarine_is_refused(tmp_path):
    # 37 km off Sinpo in one minute (K-222's record: 44.7 kn)
    def track(t_s: float) -> str:
        return _packaged("2021-10-19").replace(
            "{ t_s = 0.0, lat_deg = 40.0228, lon_deg = 128.1899 },",
            "{ t_s = 0.0, lat_deg = 40.0228, lon_deg = 128.1899 },\n"
            f"  {{ t_s = {t_s}, lat_deg = 39.9, lon_deg = 128.6 }},")
    path = tmp_path / "fast.toml"
    path.write_text(track(60.0), encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_scenario(path)
    d, _ = geodesic_inverse(40.0228, 128.1899, 39.9, 128.6)
    knots = float(d) / 60.0 * 3600.0 / 1852.0
    assert knots > 1000.0
    assert str(err.value) == (
        f"{path}: submarines[0].track[0]={{'t_s': 0.0, 'lat_deg': 40.0228, 'lon_deg': "
        f"128.1899}}: the leg to track[1] (t_s=60, 39.9, 128.6) is {float(d) / 1e3:.1f} km "
        f"in 60 s, {knots:.1f} kn: above 45 kn, faster than any submarine; check the times "
        "and positions")
    # the same leg in 40 minutes (30 kn) is a boat's
    path.write_text(track(2400.0), encoding="utf-8")
    assert load_scenario(path).submarines[0].waypoints[1] == (2400.0, 39.9, 128.6)


def test_a_sonar_submarine_station_on_land_is_refused(tmp_path):
    # Japan's barrier submarine moved inland near Pyongyang; the catalogue's station loads
    text = _packaged("2021-10-19")
    assert 'site = "jpn-ss-sinpo-barrier"' in text
    assert any(m.id == "jpn-ss-sinpo-barrier" for m in load_scenario("2021-10-19").maritime)
    path = tmp_path / "inland.toml"
    path.write_text(text.replace('site = "jpn-ss-sinpo-barrier"',
                                 'site = "jpn-ss-sinpo-barrier"\nlat_deg = 39.0\n'
                                 'lon_deg = 126.0'), encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_scenario(path)
    assert str(err.value).endswith(
        "={'lat_deg': 39.0, 'lon_deg': 126.0}: on land (PRK, Natural Earth 1:10m): a "
        "submarine's station must be at sea")


@pytest.mark.parametrize("interval", ["0.0", "0.5", "5000.0"])
def test_a_maritime_interval_out_of_its_domain_says_the_domain(tmp_path, interval):
    text = _packaged("2021-10-19").replace(
        'site = "jpn-ss-sinpo-barrier"', f'site = "jpn-ss-sinpo-barrier"\ninterval_s = {interval}')
    path = tmp_path / "interval.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_scenario(path)
    assert f".interval_s={interval}: must be between 1 and 3600 s" in str(err.value)


def test_a_waypoint_outside_the_region_is_named_with_its_time():
    with pytest.raises(InputError) as err:
        first_land_hit(((0.0, 39.5, 128.5), (10.0, 39.5, 175.0)))
    assert (err.value.field, err.value.value) == \
        ("track[1]", {"t_s": 10.0, "lat_deg": 39.5, "lon_deg": 175.0})

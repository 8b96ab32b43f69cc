"""The COP's server side without a browser: assets served offline, the replay server and its
input checks, the sensors as the page shows them, the zone polygons of the map (the
browser tests are in test_cop_browser.py)."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from gsomia.errors import InputError
from gsomia.sim.replay import sensor_views
from gsomia.warning.sites import load_sensor_catalogue, sensor_from_table
from gsomia.web.cop import load_run, replay_app
from gsomia.web.cop.assets import asset, offline_text

URL = re.compile(rb"https?://", re.IGNORECASE)

RUN = {"schema": "gsomia.run/1",
       "scenario": {"name": "t", "title": "a test", "epoch": "2017-03-05T22:34:00+00:00",
                    "parties": ["JPN", "KOR"]},
       "routes": ["none", "direct"], "launches": [],
       "picture": {"sensors": [], "flights": [], "tracks": {}, "launch_reports": [],
                   "pips": {}, "arrivals": {}, "ellipse_probability": 0.95}}


@given(st.binary(max_size=200), st.sampled_from([".js", ".css", ".html"]))
def test_served_text_never_holds_an_absolute_url(data, suffix):
    assert not URL.search(offline_text(b"x" + data + b"https://a.b/" + data, suffix))


def test_scripts_keep_their_strings_and_styles_their_data_urls():
    js = offline_text(b'ns="http://www.w3.org/2000/svg";\n//# sourceMappingURL=l.js.map\n',
                      ".js")
    assert js == b'ns="http:\\/\\/www.w3.org/2000/svg";\n\n'   # "\/" is "/" in JavaScript
    css = offline_text(b"a{background:url(\"data:image/svg+xml,<svg xmlns='http://w3'/>\")}",
                       ".css")
    assert css == b"a{background:url(\"data:image/svg+xml,<svg xmlns='http%3A//w3'/>\")}"
    png = b"\x89PNG http://x"
    assert offline_text(png, ".png") == png


@pytest.mark.parametrize("folder, name", [
    ("leaflet", "leaflet.js"), ("leaflet", "leaflet.css"), ("swagger", "swagger-ui.css"),
    ("swagger", "swagger-ui-bundle.js"), ("cop", "cop.js"), ("cop", "cop.css"),
    ("cop", "cop.html")])
def test_every_page_asset_comes_from_a_package_without_urls(folder, name):
    content, media = asset(folder, name)
    assert len(content) > 1000
    assert not URL.search(content)
    assert media.split("/")[0] == "text"


@pytest.mark.parametrize("folder, name", [
    ("cop", "../live.py"), ("leaflet", "leaflet.js.map"), ("cop", "nothing.js"),
    ("etc", "passwd")])
def test_no_other_file_is_served(folder, name):
    with pytest.raises(InputError):
        asset(folder, name)


def test_the_replay_server_serves_the_page_and_the_run():
    client = TestClient(replay_app(RUN))
    page = client.get("/")
    assert page.status_code == 200 and "/cop/static/cop.js" in page.text
    assert client.get("/cop").text == page.text
    assert client.get("/cop/api/config").json() == {
        "mode": "replay", "title": "a test", "name": "t", "parties": ["JPN", "KOR"],
        "routes": ["none", "direct"]}
    assert client.get("/cop/api/run").json() == RUN
    assert client.get("/cop/leaflet/../app.py").status_code == 404
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/docs/swagger-ui-bundle.js" in docs.text
    assert client.get("/cop/api/area", params={"lat": "nan", "lon": 1, "cee": 1, "cen": 0,
                                               "cnn": 1}).status_code == 400


@pytest.mark.parametrize("text, field", [
    ("not json", "RUN"),
    (json.dumps({"schema": "gsomia.batch/1"}), "schema"),
    (json.dumps({k: v for k, v in RUN.items() if k != "picture"}), "picture"),
    (json.dumps({**RUN, "scenario": "2017-03-06"}), "scenario"),
    (json.dumps({**RUN, "picture": None}), "picture"),
    (json.dumps({**RUN, "picture": {"x": 1}}), "picture.x"),
    (json.dumps({**RUN, "launches": "zz"}), "launches"),
    (json.dumps({**RUN, "routes": []}), "routes"),
    (json.dumps({**RUN, "scenario": {**RUN["scenario"], "epoch": "yesterday"}}),
     "scenario.epoch"),
    (json.dumps({**RUN, "picture": {**RUN["picture"], "arrivals": {"direct": [[1, "KOR"]]}}}),
     "picture.arrivals.direct[0]"),
])
def test_a_bad_run_file_is_refused_naming_what(tmp_path, text, field):
    path = tmp_path / "r.json"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        load_run(path)
    assert field in err.value.field
    assert str(path) in err.value.field or field == "RUN"
    with pytest.raises(InputError, match="cannot read"):
        load_run(tmp_path / "missing.json")


def test_ships_land_radars_and_the_satellite_are_told_apart():
    cat = load_sensor_catalogue()
    ids = ("jpn-ddg-sea-of-japan", "jpn-fps5-sado", "usa-sbirs")
    views = {v["id"]: v for v in sensor_views(
        [sensor_from_table(_table(cat[i], i)) for i in ids], cat)}
    assert views["jpn-ddg-sea-of-japan"]["platform"] == "ship"
    assert views["jpn-fps5-sado"] == {**views["jpn-fps5-sado"], "platform": "land",
                                      "lat_deg": 38.08, "lon_deg": 138.4,
                                      "max_range_km": 1000.0, "owner": "JPN"}
    assert views["usa-sbirs"]["platform"] == "space"
    assert views["usa-sbirs"]["lat_deg"] is None


def _table(entry, where):
    from gsomia.datafile import Table

    return Table(entry, "sensors.toml", where)


@pytest.mark.slow
def test_the_map_zones_agree_with_the_point_rule():
    """The polygons drawn (median lines from a Voronoi diagram of the coasts, buffers in a
    plane) name the same party's zone as gsomia.warning.areas' exact point rule, but for
    points near a limit."""
    import numpy as np
    import shapely

    from gsomia.warning.areas import MaritimeZones
    from gsomia.warning.zonemap import zone_map

    zm = zone_map(("JPN", "KOR"))
    zones = MaritimeZones.from_natural_earth(("JPN", "KOR"))
    rng = np.random.default_rng(7)
    lat = rng.uniform(31.0, 43.0, 120)
    lon = rng.uniform(125.0, 142.0, 120)
    agree = 0
    for la, lo in zip(lat, lon, strict=True):
        party, zone = zones.zones(la, lo, np.zeros(1), np.zeros(1))
        drawn = next((p for p in ("JPN", "KOR")
                      if shapely.contains_xy(zm.eez[p], lo, la)), "")
        if zone[0] == "land":   # land is drawn from the same polygons
            drawn = next((p for p in ("JPN", "KOR") if shapely.contains_xy(
                zm.land[p], lo, la)), drawn)
        agree += drawn == party[0]
    assert agree >= 114   # 95 %: disagreements only within a few km of a limit
    # Sado island's surroundings are Japan's territorial sea, Ulleungdo's Korea's
    assert shapely.contains_xy(zm.territorial_sea["JPN"], 138.2, 37.75)
    assert shapely.contains_xy(zm.territorial_sea["KOR"], 130.95, 37.4)
    assert not shapely.contains_xy(zm.eez["KOR"], 138.2, 37.75)


def _live_app(tmp_path):
    import datetime as dt

    from gsomia.node import Directory, Node, PartyKeys, SimClock
    from gsomia.sharing import load_catalog
    from gsomia.web.app import create_app

    keys = {p: PartyKeys.generate(p) for p in ("JPN", "KOR")}
    node = Node("KOR", keys["KOR"], Directory(k.public() for k in keys.values()),
                load_catalog(), tmp_path / "kor.sqlite",
                SimClock(dt.datetime(2024, 1, 14, tzinfo=dt.UTC)), routes={"JPN": "direct"})
    return node, create_app(node)


AREA = {"lat": 40, "lon": 130, "cee": 1e6, "cen": 0, "cnn": 1e6}


@pytest.mark.parametrize("change, named", [
    ({"cee": 1e308, "cen": 1e308, "cnn": 1e308}, "cee=1e+308"),
    ({"cee": 1e200, "cnn": 1e200}, "cee=1e+200"),
    ({"cnn": 9.1e12}, "cnn=9100000000000.0"),          # a standard deviation over 3,000 km
    ({"cee": -1}, "cee=-1.0"),
    ({"cen": 2e6}, "cen=2000000.0"),              # not positive semi-definite
    ({"lat": 90.5}, "lat=90.5"), ({"lat": "-inf"}, "lat=-inf"),
    ({"lon": 180.01}, "lon=180.01"), ({"lon": "nan"}, "lon=nan"),
    ({"cen": "inf"}, "cov_en_m2"),
])
def test_an_area_request_out_of_range_is_400_naming_the_parameter(tmp_path, change, named):
    node, live = _live_app(tmp_path)
    try:
        for app in (replay_app(RUN), live):
            answer = TestClient(app).get("/cop/api/area", params={**AREA, **change})
            assert answer.status_code == 400
            assert answer.json()["error"].startswith(named)
    finally:
        node.close()


def test_an_area_at_the_limits_is_answered():
    client = TestClient(replay_app(RUN))
    found = client.get("/cop/api/area", params={**AREA, "cee": 9e12, "cen": 9e12,
                                                "cnn": 9e12}).json()
    assert abs(sum(a["probability"] for a in found) - 1.0) < 1e-9
    # 1 km off the Korean coast by Ulleungdo: Korea's territorial sea, nowhere else
    assert client.get("/cop/api/area", params={"lat": 37.4, "lon": 130.95, "cee": 0,
                                                "cen": 0, "cnn": 0}).json() == [
        {"party": "KOR", "zone": "territorial_sea", "probability": 1.0}]


_NUMBER_TEXT = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.floats(-200, 200).map(str), st.floats(0, 1e14).map(str),
    st.sampled_from(["", "nan", "inf", "-inf", "1e308", "-1e308", "1e999", "0x10", "1_0",
                     "٣", "1e-400", " 5", "true"]),
    st.text(max_size=8))


@pytest.mark.slow
@settings(max_examples=60, deadline=None, database=None)
@given(st.fixed_dictionaries({}, optional={k: _NUMBER_TEXT for k in AREA}))
def test_no_area_request_is_a_server_error(params):
    answer = TestClient(replay_app(RUN), raise_server_exceptions=False).get(
        "/cop/api/area", params=params)
    assert answer.status_code in (200, 400, 422), (params, answer.text)
    if answer.status_code == 200:
        assert all(0 < a["probability"] <= 1 for a in answer.json())


def test_the_cop_api_is_in_the_openapi_with_its_parameter_types(tmp_path):
    node, live = _live_app(tmp_path)
    try:
        paths = live.openapi()["paths"]
    finally:
        node.close()
    for route in ("config", "geo", "sensors", "own", "links", "area"):
        assert "get" in paths[f"/cop/api/{route}"]
    assert "/cop/api/events" not in paths     # a stream that never ends
    params = {p["name"]: p for p in paths["/cop/api/area"]["get"]["parameters"]}
    assert sorted(params) == ["cee", "cen", "cnn", "lat", "lon"]
    assert all(p["required"] and p["schema"]["type"] == "number" for p in params.values())
    assert "[-90, 90]" in params["lat"]["description"]
    assert "400" in paths["/cop/api/area"]["get"]["responses"]

"""Each party's own maritime claims (its base points) decide its judgment of a zone."""

from __future__ import annotations

import numpy as np
import pytest

from gsomia.errors import InputError
from gsomia.physics.geodesy import geodesic_direct
from gsomia.warning.areas import MaritimeZones
from gsomia.warning.claims import STATUSES, load_base_points


@pytest.fixture(scope="module")
def zones() -> MaritimeZones:
    return MaritimeZones.from_natural_earth(("JPN", "KOR"))


def cell(z: MaritimeZones, lat: float, lon: float) -> tuple[str, str]:
    party, zone = z.zones(lat, lon, np.zeros(1), np.zeros(1), every_country=True)
    return str(party[0]), str(zone[0])


def test_every_base_point_has_a_status_and_a_source():
    points = load_base_points()
    assert {"JPN", "KOR"} <= set(points)
    for rows in points.values():
        for p in rows:
            assert p.status in STATUSES and len(p.source) > 20
    names = {p.name for rows in points.values() for p in rows}
    assert {"Okinotorishima", "Marado", "Ieodo (Socotra Rock)"} <= names
    ieodo = [p for p in points["KOR"] if p.name.startswith("Ieodo")]
    assert ieodo[0].status == "none"      # a submerged reef is no base point


# Japan MoD, 2 Oct 2019: the SLBM fell "about 350 km north of Dogo" (36.233 N, 133.283 E), in
# Japan's EEZ. Nearer to the Liancourt Rocks (~275 km) than to Ulleungdo or Dogo: whose EEZ
# it is turns on who holds the rocks.
DOGO_350N = tuple(float(v) for v in geodesic_direct(36.233, 133.283, 350e3, 0.0))
# Okinotorishima (Kitakojima, 20.426 N, 136.081 E): an island to Japan, a rock to Korea
# (UNCLOS 121(3))
OKINO_10KM = tuple(float(v) for v in geodesic_direct(20.426, 136.081, 10e3, 45.0))
OKINO_100KM = tuple(float(v) for v in geodesic_direct(20.426, 136.081, 100e3, 0.0))
ROCKS_15KM = tuple(float(v) for v in geodesic_direct(37.242, 131.867, 15e3, 90.0))

CASES = [
    # name, point, common land (Natural Earth), JPN's view, KOR's view
    ("350-km-north-of-dogo", DOGO_350N, ("KOR", "eez"), ("JPN", "eez"), ("KOR", "eez")),
    ("liancourt-rocks-15-km", ROCKS_15KM, ("KOR", "eez"), ("JPN", "territorial_sea"),
     ("KOR", "territorial_sea")),
    ("okinotorishima-10-km", OKINO_10KM, ("", "high_seas"), ("JPN", "territorial_sea"),
     ("JPN", "territorial_sea")),
    ("okinotorishima-100-km", OKINO_100KM, ("", "high_seas"), ("JPN", "eez"),
     ("", "high_seas")),
    # Ieodo (32.123 N, 125.182 E): ~149 km from Marado, ~250+ km from China and Japan
    ("ieodo", (32.123, 125.182), ("KOR", "eez"), ("KOR", "eez"), ("KOR", "eez")),
    # Marado (33.117 N, 126.267 E), missing from the 1:10m land: its own territorial sea
    ("5-km-south-of-marado", (33.072, 126.267), ("KOR", "territorial_sea"),
     ("KOR", "territorial_sea"), ("KOR", "territorial_sea")),
    # the Danjo Islands (Meshima, 31.999 N, 128.35 E), missing from the 1:10m land: Japan's island;
    # Korea's list takes no position on them, so Korea judges with the common land
    ("15-km-north-of-danjo", (32.134, 128.35), ("JPN", "eez"), ("JPN", "territorial_sea"),
     ("JPN", "eez")),
]


@pytest.mark.parametrize(("point", "common", "jpn", "kor"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_each_party_judges_from_its_own_base_points(zones, point, common, jpn, kor):
    assert cell(zones, *point) == common
    assert cell(zones.for_party("JPN"), *point) == jpn
    assert cell(zones.for_party("KOR"), *point) == kor
    assert zones.for_party("USA") is zones      # no claims listed: the common land


def test_view_is_built_once_and_leaves_the_common_land_alone(zones):
    before = dict(zones.land)
    assert zones.for_party("JPN") is zones.for_party("JPN")
    assert zones.land == before


@pytest.mark.parametrize(("text", "field"), [
    ('[[JPN]]\nname = "x"\nlat_deg = 95.0\nlon_deg = 130.0\ncountry = "JPN"\n'
     'status = "island"\nsource = "somewhere public"\n', "base_points.JPN[0].lat_deg"),
    ('[[JPN]]\nname = "x"\nlat_deg = 35.0\nlon_deg = 130.0\ncountry = "JPN"\n'
     'status = "islet"\nsource = "somewhere public"\n', "base_points.JPN[0].status"),
    ('[[KOR]]\nname = "x"\nlat_deg = 35.0\nlon_deg = 130.0\ncountry = "KOR"\n'
     'status = "rock"\n', "base_points.KOR[0].source"),
])
def test_bad_base_point_names_the_field(tmp_path, text, field):
    path = tmp_path / "bp.toml"
    path.write_text(text)
    with pytest.raises(InputError) as exc:
        load_base_points(path)
    assert exc.value.field == field

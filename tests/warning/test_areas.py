"""Areas at risk: land, territorial sea and EEZ of Japan and Korea from Natural Earth land."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gsomia.errors import InputError
from gsomia.physics.geodesy import geodesic_direct
from gsomia.warning.areas import EEZ_M, TERRITORIAL_SEA_M, MaritimeZones, areas_at_risk

SAMPLING_TOL = 0.05          # probability: 4σ of a 2000-sample fraction is ≤ 0.045


@dataclass(frozen=True)
class Pip:
    lat_deg: float
    lon_deg: float
    cov_en_m2: np.ndarray


def point(lat: float, lon: float, sigma_m: float = 1.0) -> Pip:
    return Pip(lat, lon, np.eye(2) * sigma_m**2)


@pytest.fixture(scope="module")
def zones() -> MaritimeZones:
    return MaritimeZones.from_natural_earth(("JPN", "KOR"))


# 2017-08-29 (Hwasong-12 over Hokkaido): Japan MoD, "fell about 1,180 km east of Cape Erimo"
# (Cape Erimo 41.925 N, 143.25 E), outside Japan's EEZ.
ERIMO_1180 = tuple(float(v) for v in geodesic_direct(41.925, 143.25, 1180e3, 90.0))

CASES = [
    ("seoul", 37.5665, 126.9780, "KOR", "land"),
    ("tokyo", 35.6895, 139.6917, "JPN", "land"),
    ("pyongyang-not-a-party", 39.0392, 125.7625, None, None),
    # ~12 km south-east of Busan's Taejongdae headland (35.05 N, 129.08 E)
    ("off-busan", 35.00, 129.20, "KOR", "territorial_sea"),
    # Sea of Japan, ~60 km south-west of Ulleungdo: Korean side of the median line
    ("west-of-ulleungdo", 37.00, 130.50, "KOR", "eez"),
    # ~100 km north-east of the Oki islands: Japanese side
    ("north-east-of-oki", 37.00, 134.00, "JPN", "eez"),
    ("yamato-bank", 39.00, 134.50, "JPN", "eez"),
    ("2017-08-29-east-of-erimo", *ERIMO_1180, None, None),
    ("mid-pacific", 30.0, 160.0, None, None),
]


@pytest.mark.parametrize(("lat", "lon", "party", "zone"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_zone_of_known_places(zones, lat, lon, party, zone):
    got = areas_at_risk(point(lat, lon), zones, n_samples=50)
    if party is None:
        assert got == []
    else:
        assert got == [{"party": party, "zone": zone, "probability": 1.0}]


def test_distances_from_the_coast_set_the_zone(zones):
    # walk east from Cape Inubō (35.7075 N, 140.8686 E; open Pacific ahead) and check the
    # zone changes at 12 and 200 nmi
    for dist_m, zone in ((5e3, "territorial_sea"), (TERRITORIAL_SEA_M + 8e3, "eez"),
                         (EEZ_M - 10e3, "eez"), (EEZ_M + 10e3, None)):
        lat, lon = geodesic_direct(35.7075, 140.8686, dist_m, 95.0)
        party, z = zones.zones(float(lat), float(lon), np.zeros(1), np.zeros(1))
        assert (z[0] or None) == zone, dist_m
        assert party[0] == ("JPN" if zone else "")


def test_wide_ellipse_across_the_median_line_splits_between_parties(zones):
    # between Ulleungdo (37.50 N, 130.87 E) and the Oki islands (36.2 N, 133.2 E), 60 km σ
    got = areas_at_risk(point(36.85, 132.0, 60e3), zones, n_samples=2000)
    prob = {(a["party"], a["zone"]): a["probability"] for a in got}
    assert prob.get(("KOR", "eez"), 0.0) > 0.1
    assert prob.get(("JPN", "eez"), 0.0) > 0.1
    assert sum(prob.values()) <= 1.0 + 1e-12
    assert [a["probability"] for a in got] == sorted(prob.values(), reverse=True)


def test_probability_follows_the_ellipse(zones):
    # a PIP 300 km off the Pacific coast: with σ = 60 km roughly P(d ≤ 370 km) of the 1-D
    # cross-boundary normal, the rest outside every zone
    lat, lon = geodesic_direct(35.7075, 140.8686, 300e3, 95.0)
    got = areas_at_risk(point(float(lat), float(lon), 60e3), zones, n_samples=2000)
    p_jpn = sum(a["probability"] for a in got if a["party"] == "JPN")
    # the coast is not straight: bound by the normal CDF at (370.4 - 300)/60 ≈ 1.17 σ (0.88)
    assert 0.6 < p_jpn < 0.88 + SAMPLING_TOL


def test_same_pip_same_answer(zones):
    a = areas_at_risk(point(36.85, 132.0, 60e3), zones)
    b = areas_at_risk(point(36.85, 132.0, 60e3), zones)
    assert a == b


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"n_samples": 0}, "n_samples"),
    ({"cov": np.eye(3)}, "cov_en_m2"),
    ({"cov": np.array([[1.0, 0.0], [0.0, -1e6]])}, "cov_en_m2"),
], ids=["no-samples", "not-2x2", "not-psd"])
def test_bad_input_names_the_field(zones, kwargs, field):
    cov = kwargs.pop("cov", np.eye(2))
    with pytest.raises(InputError) as err:
        areas_at_risk(Pip(36.0, 132.0, cov), zones, **kwargs)
    assert err.value.field == field


def test_unknown_party_is_refused():
    with pytest.raises(InputError):
        MaritimeZones(("XXX",), {})


@pytest.mark.parametrize(("lat", "lon", "field"), [
    (36.0, math.nan, "lon_deg"), (math.nan, 132.0, "lat_deg"), (36.0, math.inf, "lon_deg"),
    (95.0, 132.0, "lat_deg"), (-90.5, 132.0, "lat_deg"),
], ids=["lon-nan", "lat-nan", "lon-inf", "lat-95", "lat-below-pole"])
def test_bad_pip_position_names_the_field(zones, lat, lon, field):
    with pytest.raises(InputError) as err:
        areas_at_risk(point(lat, lon), zones)
    assert err.value.field == field
    with pytest.raises(InputError):
        zones.zones(lat, lon, np.zeros(1), np.zeros(1))


@pytest.mark.parametrize("shift", [360.0, -360.0, 720.0])
def test_longitude_is_normalised(zones, shift):
    # Tokyo (35.68 N, 139.65 E) given with the longitude one or two turns away
    want = areas_at_risk(point(35.68, 139.65), zones)
    assert want and want[0]["party"] == "JPN" and want[0]["zone"] == "land"
    assert areas_at_risk(point(35.68, 139.65 + shift), zones) == want


# every_country: the cells of the run's "knew the area at risk" (sim/run.py)
EVERY_COUNTRY_CASES = [
    ("pyongyang", 39.0392, 125.7625, "PRK", "land"),
    ("beijing", 39.9042, 116.4074, "CHN", "land"),
    ("vladivostok", 43.1155, 131.8855, "RUS", "land"),
    ("tokyo", 35.6895, 139.6917, "JPN", "land"),
    ("erimo+1180 km (2017-08-29)", *ERIMO_1180, "", "high_seas"),
]


@pytest.mark.parametrize(("name", "lat", "lon", "party", "zone"), EVERY_COUNTRY_CASES)
def test_every_country_names_other_countries_and_the_high_seas(zones, name, lat, lon, party,
                                                               zone):
    got = zones.zones(lat, lon, np.zeros(1), np.zeros(1), every_country=True)
    assert (got[0][0], got[1][0]) == (party, zone), name
    parties_only = zones.zones(lat, lon, np.zeros(1), np.zeros(1))
    expect = (party, zone) if party in ("JPN", "KOR") else ("", "")
    assert (parties_only[0][0], parties_only[1][0]) == expect, name


def test_high_seas_begin_200_nmi_from_every_coast(zones):
    # due east of Cape Inubo (Choshi, 35.707 N, 140.869 E): the nearest land is Honshu;
    # inside 200 nmi it is Japan's EEZ, beyond it the high seas
    for d, cell in ((EEZ_M - 20e3, ("JPN", "eez")), (EEZ_M + 20e3, ("", "high_seas"))):
        lat, lon = (float(v) for v in geodesic_direct(35.707, 140.869, d, 90.0))
        got = zones.zones(lat, lon, np.zeros(1), np.zeros(1), every_country=True)
        assert (got[0][0], got[1][0]) == cell, d


@given(lat=st.floats(30.0, 50.0), lon=st.floats(120.0, 160.0),
       sigma_km=st.floats(1.0, 500.0))
@settings(max_examples=25, deadline=None)
def test_every_country_cells_partition_the_samples(zones, lat, lon, sigma_km):
    areas = areas_at_risk(point(lat, lon, sigma_km * 1e3), zones, n_samples=200,
                          every_country=True)
    assert math.isclose(sum(a["probability"] for a in areas), 1.0, abs_tol=1e-9)
    assert len({(a["party"], a["zone"]) for a in areas}) == len(areas)
    parties_only = areas_at_risk(point(lat, lon, sigma_km * 1e3), zones, n_samples=200)
    mine = {(a["party"], a["zone"]): a["probability"] for a in areas
            if a["party"] in ("JPN", "KOR")}
    assert mine == {(a["party"], a["zone"]): a["probability"] for a in parties_only}

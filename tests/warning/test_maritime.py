"""Maritime sources (patrol aircraft, submarine) and radar cueing: detection ranges against
the documented figures, contacts of a submarine track, and the cue's revisit."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gsomia.errors import InputError
from gsomia.physics.geodesy import geodesic_direct, geodesic_inverse
from gsomia.warning.maritime_sites import load_maritime_catalogue, maritime_from_table
from gsomia.warning.sensors import Radar
from gsomia.warning.sensors.cueing import (
    CUE_MARGIN_M,
    CUE_MAX_ALT_M,
    CUE_SHARE,
    MIN_CUED_REVISIT_S,
    Cue,
    cued_radars,
    first_visible_alt_m,
)
from gsomia.warning.sensors.maritime import (
    PatrolAircraft,
    SonarSubmarine,
    SubmarineTrack,
    radar_horizon_m,
)


def test_radar_horizon_is_skolniks_four_thirds_earth():
    # Skolnik 8.2: d = sqrt(2 k a h); the rule of thumb d[km] = 4.12 (sqrt h1 + sqrt h2),
    # h in metres, for k = 4/3
    d = radar_horizon_m(1500.0, 2.0)
    assert d / 1e3 == pytest.approx(4.12 * (math.sqrt(1500.0) + math.sqrt(2.0)), rel=2e-3)
    assert radar_horizon_m(0.0, 0.0) == 0.0
    with pytest.raises(InputError, match="h1_m"):
        radar_horizon_m(-1.0, 2.0)


def test_packaged_p1_detection_ranges_are_the_documented_figures():
    p1 = maritime_from_table(load_maritime_catalogue()["jpn-p1-sinpo-approaches"], "p1")
    assert isinstance(p1, PatrolAircraft)
    assert p1.periscope_range_m == 30_000.0       # maritime_sensors.toml: 30 km
    assert p1.alt_m == 1500.0
    # the horizon (~165 km at 1.5 km on a 2 m mast) does not cut the 30 km figure
    assert p1.mast_detection_range_m == 30_000.0
    low = PatrolAircraft("x", "JPN", 40.0, 130.0, alt_m=30.0, mast_height_m=1.0)
    assert low.mast_detection_range_m == pytest.approx(radar_horizon_m(30.0, 1.0))
    assert p1.sonobuoy_reach_m == 25_000.0        # 20 km field + 5 km a buoy
    ss = maritime_from_table(load_maritime_catalogue()["jpn-ss-sinpo-barrier"], "ss")
    assert isinstance(ss, SonarSubmarine)
    assert (ss.passive_range_m, ss.snorkel_range_m) == (10_000.0, 40_000.0)


def _track_at(lat: float, lon: float, az_deg: float, d_m: float, mast: bool
              ) -> SubmarineTrack:
    plat, plon = geodesic_direct(lat, lon, d_m, az_deg)
    return SubmarineTrack("S", ((0.0, float(plat), float(plon)),),
                          ((0.0, 1e5),) if mast else ())


@pytest.mark.parametrize(("d_km", "mast", "seen"), [
    (29.0, True, "radar"), (31.0, True, None),      # periscope range 30 km
    (24.0, False, "sonobuoy"), (26.0, False, None),  # buoy reach 25 km
])
def test_patrol_aircraft_sees_a_mast_within_range_and_hears_within_the_field(d_km, mast, seen):
    pa = PatrolAircraft("pa", "JPN", 40.0, 130.0, pd_radar=1.0, pd_sonobuoy=1.0,
                        on_station_to_s=600.0, periscope_range_m=30_000.0)
    sub = _track_at(40.0, 130.0, 45.0, d_km * 1e3, mast)
    got = pa.observe([sub], np.random.default_rng(1))
    if seen is None:
        assert got == []
        return
    assert [c.how for c in got] == [seen] * 3       # looks at 0, 300, 600 s
    assert [c.t_s for c in got] == [60.0, 360.0, 660.0]   # + 60 s to report
    sigma = pa.sigma_radar_m if seen == "radar" else pa.sigma_sonobuoy_m
    for c in got:
        miss = float(geodesic_inverse(c.lat_deg, c.lon_deg, *sub.position(0.0))[0])
        assert miss < 5 * sigma and c.sigma_m == sigma and c.truth_id == "S"


def test_submarine_hears_a_snorkelling_boat_farther_than_a_quiet_one():
    ss = SonarSubmarine("ss", "JPN", 40.0, 130.0, pd=1.0, on_station_to_s=299.0)
    loud = _track_at(40.0, 130.0, 90.0, 35_000.0, True)
    quiet = _track_at(40.0, 130.0, 90.0, 35_000.0, False)
    assert len(ss.observe([loud], np.random.default_rng(0))) == 1
    assert ss.observe([quiet], np.random.default_rng(0)) == []
    (c,) = ss.observe([loud], np.random.default_rng(0))
    assert c.sigma_m == pytest.approx(0.1 * 35_000.0, rel=1e-3)   # 10 % of the range
    assert c.t_s == 600.0                                          # report delay


def test_bad_tables_and_tracks_name_the_field():
    with pytest.raises(InputError, match="x.periscope_range_km"):
        maritime_from_table({"kind": "patrol_aircraft", "id": "a", "owner": "JPN",
                             "lat_deg": 40.0, "lon_deg": 130.0,
                             "periscope_range_km": -1.0}, "x")
    with pytest.raises(InputError, match="x.kind"):
        maritime_from_table({"kind": "boat"}, "x")
    with pytest.raises(InputError, match="times must increase"):
        SubmarineTrack("S", ((10.0, 40.0, 130.0), (5.0, 40.0, 130.0)))



_P1 = {"kind": "patrol_aircraft", "id": "a", "owner": "JPN", "lat_deg": 40.0,
       "lon_deg": 130.0}


@pytest.mark.parametrize(("key", "value", "reason"), [
    ("lat_deg", "40", "expected a number"),
    ("periscope_range_km", [30.0], "expected a number"),
    ("pd_radar", True, "expected a number"),        # TOML true is not a probability
    ("id", 5, "expected a non-empty string"),       # would break the sensor's seed
    ("owner", 5, "expected a non-empty string"),
    ("on_station_to_s", math.inf, "finite"),         # would overflow the look count
    ("on_station_to_s", 1e12, "between -14400 and 14400"),
    ("on_station_from_s", -1e12, "between -14400 and 14400"),
    ("interval_s", 1e-9, "between 1 and 3600"),      # 1.4e13 looks
])
def test_a_bad_value_in_a_maritime_table_names_its_key(key, value, reason):
    with pytest.raises(InputError, match=reason) as err:
        maritime_from_table({**_P1, key: value}, "x")
    assert err.value.field == f"x.{key}"
    assert err.value.value == value


GREEN_PINE = Radar("kor-gp", "KOR", 36.7, 127.0, 200.0, 500e3, math.radians(0.5), 5.0,
                   sector_center_rad=math.radians(337.0),
                   sector_half_width_rad=math.radians(60.0), beamwidth_rad=math.radians(1.5))


def test_cue_narrows_the_sector_and_shortens_its_revisit():
    # Sinpo (facilities.toml) from a Green Pine site: ~380 km, inside its 337 +- 60 deg face
    cue = Cue(100.0, 40.0368, 128.1839, 3_000.0, "jpn-ss")
    sector, rest = cued_radars(GREEN_PINE, cue)
    d, az = (float(v) for v in geodesic_inverse(36.7, 127.0, 40.0368, 128.1839))
    half = math.atan2(3 * 3_000.0 + CUE_MARGIN_M, d)
    assert sector.sector_center_rad == pytest.approx(math.radians(az))
    assert sector.sector_half_width_rad == pytest.approx(half)
    # 5 s x (half / 60 deg) / 0.5 = 0.72 s, floored at the 1 s of a search frame
    expected = max(MIN_CUED_REVISIT_S, 5.0 * (half / math.radians(60.0)) / CUE_SHARE)
    assert expected == MIN_CUED_REVISIT_S
    assert sector.revisit_s == pytest.approx(expected)
    assert sector.revisit_s < GREEN_PINE.revisit_s             # sooner toward the area
    assert rest.revisit_s == pytest.approx(5.0 / (1 - CUE_SHARE))  # the rest slower
    assert sector.scan_offset_s == rest.scan_offset_s == 100.0


def test_cue_outside_the_field_of_regard_changes_nothing():
    # an area due south-east of the site lies outside the 337 +- 60 deg face
    assert cued_radars(GREEN_PINE, Cue(0.0, 35.0, 129.5, 1_000.0)) is None


@settings(max_examples=60, deadline=None)
@given(lat=st.floats(30.0, 45.0), lon=st.floats(120.0, 140.0),
       sigma_km=st.floats(0.1, 200.0), t_s=st.floats(0.0, 10_000.0))
def test_a_cue_is_taken_only_inside_the_field_of_regard_and_only_to_revisit_sooner(
        lat, lon, sigma_km, t_s):
    pair = cued_radars(GREEN_PINE, Cue(t_s, lat, lon, 1e3 * sigma_km))
    if pair is None:
        return
    sector, rest = pair
    assert MIN_CUED_REVISIT_S <= sector.revisit_s < GREEN_PINE.revisit_s
    assert GREEN_PINE.in_sector(sector.sector_center_rad)     # the face can look there
    assert 0.0 < sector.sector_half_width_rad <= GREEN_PINE.sector_half_width_rad
    assert rest.revisit_s == pytest.approx(GREEN_PINE.revisit_s / (1.0 - CUE_SHARE))
    assert sector.id == rest.id == GREEN_PINE.id and sector.scan_offset_s == t_s


def test_only_a_radar_that_sees_low_over_the_area_takes_the_cue():
    # 4/3 Earth: a 25 m mast sees 0 m at sqrt(2 k a 25) = 20.6 km; at 300 km the hidden
    # height is (300 - 20.6)^2 / (2 k a) = 4.59 km, plus 300 km x tan(0.5 deg) = 2.62 km
    ship = Radar("ddg", "JPN", 39.5, 135.0, 25.0, 500e3, math.radians(0.5), 5.0,
                 refraction_k=4.0 / 3.0)
    assert first_visible_alt_m(ship, 300e3) == pytest.approx(4590.0 + 2618.0, rel=2e-3)
    near = geodesic_direct(39.5, 135.0, 300e3, 270.0)
    far = geodesic_direct(39.5, 135.0, 600e3, 270.0)    # ~29 km hidden + 5 km: > 20 km
    assert cued_radars(ship, Cue(0.0, float(near[0]), float(near[1]), 1e3)) is not None
    assert first_visible_alt_m(ship, 600e3) > CUE_MAX_ALT_M
    assert cued_radars(ship, Cue(0.0, float(far[0]), float(far[1]), 1e3)) is None

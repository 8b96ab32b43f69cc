"""The prepared zones (k-d tree bounds + exact path) give the plain rule's cells."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gsomia.physics.geodesy import geodesic_inverse
from gsomia.warning.areas import MaritimeZones


@pytest.fixture(scope="module")
def zones() -> MaritimeZones:
    return MaritimeZones.from_natural_earth(("JPN", "KOR"))


def same(z: MaritimeZones, lat, lon, east, north, every_country):
    fast = z.zones(lat, lon, east, north, every_country=every_country)
    ref = z.zones_reference(lat, lon, east, north, every_country=every_country)
    bad = np.flatnonzero((fast[0] != ref[0]) | (fast[1] != ref[1]))
    assert bad.size == 0, [(east[i], north[i], fast[0][i], fast[1][i], ref[0][i], ref[1][i])
                           for i in bad[:5]]
    return fast


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lat=st.floats(25.0, 48.0), lon=st.floats(122.0, 150.0), sigma_km=st.floats(0.5, 150.0),
       ratio=st.floats(0.05, 1.0), angle=st.floats(0.0, np.pi), seed=st.integers(0, 2**31),
       every_country=st.booleans(), view=st.sampled_from(["", "JPN", "KOR"]))
def test_same_cells_as_the_plain_rule(zones, lat, lon, sigma_km, ratio, angle, seed,
                                      every_country, view):
    z = zones.for_party(view) if view else zones
    en = np.random.default_rng(seed).standard_normal((80, 2)) * [sigma_km * 1e3,
                                                                 ratio * sigma_km * 1e3]
    c, s = np.cos(angle), np.sin(angle)
    en = en @ np.array([[c, s], [-s, c]])
    same(z, lat, lon, en[:, 0], en[:, 1], every_country)


@pytest.mark.parametrize(("a", "b"), [
    ((36.2, 133.2), (37.5, 130.9)),      # Oki -> Ulleungdo: EEZ limits and the median line
    ((35.05, 129.08), (34.2, 129.3)),    # Busan -> Tsushima: coast, 12 nmi, median line
    ((45.5, 141.9), (46.3, 141.6)),      # Cape Soya -> Sakhalin: JPN / RUS
    ((42.3, 130.7), (41.0, 131.5)),      # Tumen mouth (PRK/RUS/CHN) out to sea
    ((35.7075, 140.8686), (35.3, 145.5)),  # Cape Inubo -> 200 nmi into the Pacific
])
@pytest.mark.parametrize("view", ["", "JPN", "KOR"])
def test_same_cells_on_lines_across_every_kind_of_boundary(zones, a, b, view):
    z = zones.for_party(view) if view else zones
    d, az = geodesic_inverse(*a, *b)
    t = np.linspace(-0.1, 1.3, 500) * float(d)
    east, north = t * np.sin(np.radians(az)), t * np.cos(np.radians(az))
    party, zone = same(z, a[0], a[1], east, north, True)
    assert len(set(zip(party, zone, strict=True))) >= 2   # the line does cross a boundary


@pytest.mark.parametrize("sigma_km", [800.0, 3000.0])
def test_same_cells_for_clouds_larger_than_the_region(zones, sigma_km):
    # the COP's area endpoint accepts any covariance: points thousands of km away, some
    # beyond the loaded region, take the exact path
    en = np.random.default_rng(7).standard_normal((60, 2)) * sigma_km * 1e3
    same(zones, 36.34, 125.59, en[:, 0], en[:, 1], True)

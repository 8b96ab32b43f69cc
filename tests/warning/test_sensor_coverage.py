"""Coverage geometry and resolution cells as functions of a site (gsomia.warning.sensors
.coverage, .resolution): sectors across north, the 4/3-Earth ray, single-linkage cells."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gsomia.physics.earth import WGS84
from gsomia.physics.geodesy import geodesic_direct, geodetic2ecef
from gsomia.warning.sensors.coverage import (
    STANDARD_REFRACTION_K,
    in_sector,
    line_of_sight_clear,
    refracted_line_of_sight,
    wrap_angle_rad,
)
from gsomia.warning.sensors.radar import Radar
from gsomia.warning.sensors.resolution import unresolved_groups

H_TARGET_M = 10_000.0


@pytest.mark.parametrize(("az_deg", "inside"), [(5.0, True), (331.0, True), (9.0, True),
                                                (329.0, False), (11.0, False),
                                                (100.0, False), (170.0, False)])
def test_sector_centred_on_350_deg_spans_north(az_deg, inside):
    """A ±20° sector about 350°: from 330° through north to 10° (edges left out: rounding)."""
    got = in_sector(np.array([math.radians(az_deg)]), math.radians(350.0), math.radians(20.0))
    assert bool(got[0]) is inside


def test_no_sector_covers_every_azimuth():
    az = wrap_angle_rad(np.linspace(-7.0, 7.0, 29))
    assert in_sector(az, None, 0.1).all()
    assert in_sector(az, None, 0.1).shape == az.shape


@pytest.mark.parametrize(("factor", "visible"), [(0.97, True), (1.03, False)])
def test_refracted_ray_leaves_horizontally_at_the_four_thirds_horizon(factor, visible):
    """Site on the equator at sea level, target 10 km up due east (radius of curvature a):
    the 4/3-Earth horizon is d = √(2·(4/3)a·h_t) ≈ 412 km, beyond the geometric 357 km.
    Short of it the refracted ray clears the Earth and leaves above the horizontal; beyond
    it, it is blocked and would leave below; the straight line is blocked at both."""
    site = geodetic2ecef(0.0, 10.0, 0.0)
    d_m = factor * math.sqrt(2.0 * STANDARD_REFRACTION_K * WGS84.a_m * H_TARGET_M)
    lat, lon = geodesic_direct(0.0, 10.0, d_m, 90.0)
    target = geodetic2ecef(lat, lon, H_TARGET_M)
    clear, lift_rad = refracted_line_of_sight(site, target, STANDARD_REFRACTION_K)
    _, el_rad, _ = Radar("r", "KOR", 0.0, 10.0, 0.0, 1e8).aer(target)
    assert bool(clear) is visible
    assert (float(el_rad + lift_rad) > 0.0) is visible
    assert not line_of_sight_clear(site, target)


def test_without_refraction_the_ray_is_the_straight_line():
    site = geodetic2ecef(36.7, 127.0, 200.0)
    for d_km in (300.0, 360.0, 380.0, 420.0):  # geometric horizon ≈ 408 km for 10 km
        lat, lon = geodesic_direct(36.7, 127.0, d_km * 1e3, 60.0)
        target = geodetic2ecef(lat, lon, H_TARGET_M)
        clear, lift_rad = refracted_line_of_sight(site, target, 1.0)
        assert bool(clear) == bool(line_of_sight_clear(site, target))
        assert float(lift_rad) == 0.0


def test_unresolved_groups_chain_in_range_and_split_off_beam():
    """Four objects 400 km out, ΔR = 50 m, beam 1.5°: three spaced 30 m in range on one
    line of sight chain into one cell (A–C 60 m apart are resolved, yet linked through B);
    a fourth at the same range 2° away is its own cell. Resolution 0 resolves all."""
    radar = Radar("r", "KOR", 36.7, 127.0, 200.0, 1e6)
    az, el = math.radians(337.0), math.radians(10.0)
    r = np.stack([radar.aer_to_ecef(az, el, 400e3 + 30.0 * k) for k in range(3)]
                 + [radar.aer_to_ecef(az + math.radians(2.0), el, 400e3)])
    site = radar.site_ecef_m
    assert unresolved_groups(site, r, 50.0, math.radians(1.5)) == [[0, 1, 2], [3]]
    assert unresolved_groups(site, r, 25.0, math.radians(1.5)) == [[0], [1], [2], [3]]
    assert unresolved_groups(site, r, 0.0, math.radians(1.5)) == [[0], [1], [2], [3]]
    assert unresolved_groups(site, r, 50.0, math.radians(3.0)) == [[0, 1, 2, 3]]

"""lpe_holds: is a point inside the launch-point estimate's probability ellipse (the
``lpe_inside_95`` figure of ``gsomia evaluate``)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gsomia.errors import InputError
from gsomia.physics.geodesy import geodesic_direct
from gsomia.warning.tracking.launch import LaunchPointEstimate
from gsomia.warning.tracking.metrics import lpe_holds

LAT, LON = 39.6596, 124.7057                   # Sohae


def _lpe(cov_en_m2) -> LaunchPointEstimate:
    return LaunchPointEstimate(LAT, LON, 0.0, 1.0, np.asarray(cov_en_m2, float), 10)


def _at(distance_m: float, azimuth_deg: float) -> tuple[float, float]:
    lat, lon = geodesic_direct(LAT, LON, distance_m, azimuth_deg)
    return float(lat), float(lon)


def test_the_ellipse_is_long_east_west_and_thin_north_south():
    # σ_east = 1000 m, σ_north = 100 m: 95 % semi-axes 2448 m east, 245 m north
    lpe = _lpe([[1.0e6, 0.0], [0.0, 1.0e4]])
    assert lpe.ellipse(0.95)[0] == pytest.approx(1000.0 * math.sqrt(-2 * math.log(0.05)))
    assert lpe_holds(lpe, *_at(2400.0, 90.0)) is True
    assert lpe_holds(lpe, *_at(2500.0, 90.0)) is False
    # 300 m north: smaller than the semi-major axis, yet outside (across the minor axis)
    assert lpe_holds(lpe, *_at(300.0, 0.0)) is False
    assert lpe_holds(lpe, *_at(240.0, 180.0)) is True
    assert lpe_holds(lpe, LAT, LON) is True


def test_a_wider_probability_holds_more():
    lpe = _lpe([[1.0e4, 0.0], [0.0, 1.0e4]])    # σ = 100 m: 95 % 245 m, 99 % 303 m
    assert lpe_holds(lpe, *_at(280.0, 45.0)) is False
    assert lpe_holds(lpe, *_at(280.0, 45.0), probability=0.99) is True


@pytest.mark.parametrize("cov", [[[math.nan, 0.0], [0.0, 1.0]], [[0.0, 0.0], [0.0, 0.0]]])
def test_no_answer_without_a_usable_covariance(cov):
    assert lpe_holds(_lpe(cov), *_at(100.0, 0.0)) is None


@pytest.mark.parametrize("p", [0.0, 1.0, -0.5, math.nan])
def test_a_probability_outside_0_1_is_refused(p):
    with pytest.raises(InputError, match="probability"):
        lpe_holds(_lpe([[1.0, 0.0], [0.0, 1.0]]), LAT, LON, probability=p)

"""`gsomia run`'s "knew the area at risk": cells over every country and the high seas."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from gsomia.physics.geodesy import geodesic_direct
from gsomia.sim.config import RunConfig
from gsomia.sim.observe import observe
from gsomia.sim.scenario import load_scenario
from gsomia.sim.scoring import TrueArea, knows_area, load_zones, true_area
from gsomia.warning.tracking.impact import ImpactPrediction

# 2017-08-29: Japan MoD, fell about 1,180 km east of Cape Erimo (41.925 N, 143.25 E),
# outside Japan's EEZ; 2017-03-06: Japan MoD, three of the four fell inside Japan's EEZ off
# the Oga peninsula (the scenario's approximate launch data put all four there).
ERIMO_1180 = tuple(float(v) for v in geodesic_direct(41.925, 143.25, 1180e3, 90.0))
HIGH_SEAS = TrueArea(("", "high_seas"), *ERIMO_1180)
CFG = RunConfig(area_samples=400)


@pytest.fixture(scope="module")
def zones():
    return load_zones()


def _knows(pip, truth, zones) -> bool:
    return knows_area(pip, truth, zones, CFG.area_probability, CFG.area_samples)


def pip(lat: float, lon: float, sigma_m: float = 5e3) -> ImpactPrediction:
    cov = np.eye(2) * sigma_m**2
    return ImpactPrediction(0.0, 600.0, 5.0, lat, lon, cov, True)


@pytest.mark.parametrize(("name", "cells"), [
    ("2017-08-29", {("", "high_seas")}),
    pytest.param("2017-03-06", {("JPN", "eez")}, marks=pytest.mark.slow),
])
def test_true_area_of_packaged_launches(name, cells, zones):
    sc = dataclasses.replace(load_scenario(name), sensors=())
    got = {true_area(f, zones).cell for f in observe(sc).flights}
    assert got == cells


def test_pip_on_north_korea_does_not_know_a_high_seas_impact(zones):
    # an instantaneous impact point early in boost lies on North Korean land (Pyongyang)
    assert not _knows(pip(39.0392, 125.7625), HIGH_SEAS, zones)


@pytest.mark.parametrize(("distance_km", "knows"), [(50.0, True), (300.0, True),
                                                    (450.0, False), (900.0, False)])
def test_high_seas_pip_must_lie_within_200_nmi_of_the_impact(distance_km, knows, zones):
    lat, lon = (float(v) for v in geodesic_direct(*ERIMO_1180, distance_km * 1e3, 90.0))
    assert _knows(pip(lat, lon), HIGH_SEAS, zones) is knows


def test_wrong_zone_or_too_uncertain_does_not_know(zones):
    oga = TrueArea(("JPN", "eez"), 40.2, 138.6)      # 2017-03-06 impacts: Japan's EEZ
    assert _knows(pip(40.2, 138.6), oga, zones)
    assert not _knows(pip(39.0392, 125.7625), oga, zones)   # PRK land
    # a 2,000 km sigma spreads over many cells: none holds half the samples
    assert not _knows(pip(40.2, 138.6, 2e6), oga, zones)

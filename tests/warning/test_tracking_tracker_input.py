"""The tracker's edge: invalid detections refused by name; a feed given twice counts once."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from gsomia.errors import InputError
from gsomia.sim.observe import observe
from gsomia.sim.scenario import load_scenario
from gsomia.warning.tracking.metrics import evaluate_run
from gsomia.warning.tracking.tracker import Tracker


@pytest.fixture(scope="module")
def obs():
    return observe(load_scenario("2017-08-29"))


@pytest.mark.parametrize(("change", "field"), [
    ({"range_m": math.nan}, "range_m"),
    ({"range_m": -5.0}, "range_m"),
    ({"az_rad": math.inf}, "az_rad"),
    ({"t_s": math.nan}, "t_s"),
    ({"site_lat_deg": 95.0}, "site_lat_deg"),
    ({"covariance": np.full((3, 3), math.nan)}, "covariance"),
    ({"covariance": np.zeros((3, 3))}, "covariance"),
], ids=["range-nan", "range-negative", "az-inf", "t-nan", "lat-95", "cov-nan", "cov-zero"])
def test_bad_detection_is_refused_by_name(obs, change, field):
    good = [d for d in obs.detections if d.owner == "KOR"][:20]
    bad = dataclasses.replace(good[10], **change)
    with pytest.raises(InputError) as err:
        Tracker().process([*good[:10], bad, *good[11:]])
    assert err.value.field == field


def test_same_detections_twice_give_no_spurious_track(obs):
    dets = [d for d in obs.detections if d.owner == "KOR"]
    once, twice = Tracker(), Tracker()
    once.process(dets)
    twice.process(dets + dets)
    r1 = evaluate_run(once, obs.flights)
    r2 = evaluate_run(twice, obs.flights)
    assert r2["confirmed_tracks"] == r1["confirmed_tracks"]
    assert r2["spurious_tracks"] == 0
    assert [t.number for t in twice.tracks] == [t.number for t in once.tracks]

"""The multi-target tracker: assignment properties and a two-missile synthetic salvo."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from gsomia.errors import InputError
from gsomia.physics.ballistics import fit_trajectory
from gsomia.warning.sensors import Flight, Radar
from gsomia.warning.tracking.association import gnn_assign
from gsomia.warning.tracking.tracker import Tracker

GATE = 16.0
POSITION_TOL_M = 2000.0     # track position error after burnout, 5 s / 0.1° radar at ~500 km

@settings(max_examples=200, deadline=None)
@given(arrays(float, st.tuples(st.integers(0, 7), st.integers(0, 7)),
              elements=st.floats(0.0, 40.0)))
def test_gnn_never_gives_a_detection_to_two_tracks(d2):
    pairs = gnn_assign(d2, GATE)
    tracks = [p[0] for p in pairs]
    dets = [p[1] for p in pairs]
    assert len(set(tracks)) == len(tracks)
    assert len(set(dets)) == len(dets)
    assert all(d2[k, j] <= GATE for k, j in pairs)
    # maximal: no unassigned track and unassigned detection could still be paired in gate
    free_t = set(range(d2.shape[0])) - set(tracks)
    free_d = set(range(d2.shape[1])) - set(dets)
    assert not any(d2[k, j] <= GATE for k in free_t for j in free_d)

def test_gnn_prefers_the_globally_cheapest_assignment():
    # greedy would give detection 0 to track 0 (cost 1) and leave track 1 at 9
    d2 = np.array([[1.0, 2.0], [2.0, 9.0]])
    assert sorted(gnn_assign(d2, GATE)) == [(0, 1), (1, 0)]

@pytest.fixture(scope="module")
def salvo():
    trajs = [fit_trajectory(39.66, 124.71, b, 800e3, 200e3, missile="ER-Scud")
             for b in (80.0, 88.0)]
    flights = [Flight(f"M{i}", 5.0 * i, tr) for i, tr in enumerate(trajs)]
    radar = Radar(id="kor-test", owner="KOR", lat_deg=36.9, lon_deg=127.3, alt_m=200.0,
                  max_range_m=1.2e6, min_elevation_rad=math.radians(0.5), revisit_s=5.0,
                  sigma_range_m=50.0, sigma_az_rad=math.radians(0.1),
                  sigma_el_rad=math.radians(0.1), pd=0.9, false_alarms_per_scan=0.05,
                  refraction_k=4.0 / 3.0)
    dets = radar.observe(flights, 0.0, 700.0, np.random.default_rng(7))
    tracker = Tracker()
    tracker.process(dets)
    return flights, dets, tracker

@pytest.mark.slow
def test_salvo_gives_one_confirmed_track_per_missile(salvo):
    flights, dets, tracker = salvo
    assert any(d.truth_id is None for d in dets)            # false alarms were present
    confirmed = [tr for tr in tracker.tracks if tr.confirmed]
    assert len(confirmed) == 2
    labels = set()
    for tr in confirmed:
        after = [d.truth_id for d in tr.detections if d.t_s >= tr.confirmed_s]
        assert len(set(after)) == 1                         # no swap after confirmation
        labels |= set(after)
        f = next(f for f in flights if f.id == after[0])
        hist = [s for s in tr.history if s.t_s > f.launch_s + f.trajectory.burnout_s + 30.0
                and s.updated]
        err = [np.linalg.norm(s.x[:3] - f.position_at(s.t_s)) for s in hist]
        assert np.median(err) < POSITION_TOL_M / 4
        assert np.max(err) < POSITION_TOL_M
        # after burnout the ballistic mode dominates
        assert np.mean([s.mode_probabilities[0] for s in hist]) > 0.9
    assert labels == {"M0", "M1"}

def test_advance_deletes_tracks_by_age_without_a_scan_issue_17():
    """A confirmed track that nothing updates is lost once ``max_coast_s`` has run out,
    though no scan arrives: deleted at last update + max_coast_s, reason "age"."""

    from gsomia.physics.geodesy import ecef2aer, geodetic2ecef
    from gsomia.warning.tracking.tracker import Tracker, TrackerConfig
    from gsomia.warning.types import Detection

    site = (38.0, 138.0, 0.0)
    cfg = TrackerConfig()
    tracker = Tracker(cfg)
    dets = []
    for k in range(8):
        r = geodetic2ecef(39.0, 134.0 + 0.02 * k, 100e3 + 1e3 * k)
        az, el, rng = ecef2aer(r, *site)
        dets.append(Detection(t_s=10.0 * k, sensor_id="r1", owner="JPN", site_lat_deg=site[0],
                              site_lon_deg=site[1], site_alt_m=site[2], range_m=float(rng),
                              az_rad=float(np.radians(az)), el_rad=float(np.radians(el)),
                              covariance=np.diag([100.0**2, 1e-3**2, 1e-3**2]),
                              truth_id="L1"))
    tracker.process(dets)
    (track,) = [t for t in tracker.tracks if t.confirmed]
    assert track.status == "confirmed" and track.last_update_s == 70.0
    assert tracker.advance(100.0) == []                 # 30 s old: still held
    lost = tracker.advance(200.0)
    assert lost == [track]
    assert track.deleted_s == 70.0 + cfg.max_coast_s and track.deleted_reason == "age"
    with pytest.raises(InputError, match="t_s"):
        tracker.advance(150.0)

"""Warning logs over synthetic pictures (gsomia.sim.warnlog): a track that is lost and a
prediction that leaves the land are withdrawn before the impact, and scored as such."""

from __future__ import annotations

import numpy as np
import pytest

from gsomia.physics.ballistics import fit_trajectory
from gsomia.physics.geodesy import geodesic_inverse
from gsomia.sim.knowledge import LaunchKnowledge
from gsomia.sim.scoring import load_zones
from gsomia.sim.warnlog import true_warning_areas, warning_logs
from gsomia.warning.alerts import WarningPolicy
from gsomia.warning.sensors import Flight

WONSAN = (39.15, 127.45)       # Kalma peninsula, a launch area of the public record
AKITA = (39.72, 140.10)        # Akita city, on Honshu
P_SMALL = np.diag([100.0**2] * 3 + [10.0**2] * 3)
POLICY = WarningPolicy(interval_s=20.0)


@pytest.fixture(scope="module")
def zones():
    return load_zones()


@pytest.fixture(scope="module")
def flights():
    dist, az = geodesic_inverse(*WONSAN, *AKITA)
    to_land = fit_trajectory(*WONSAN, float(az), float(dist), 300e3, missile="Nodong")
    short = fit_trajectory(*WONSAN, float(az), 300e3, 90e3, missile="Nodong")
    return Flight("L1", 0.0, to_land), Flight("L1", 0.0, short)


def _states(traj, times):
    return [(float(t), np.concatenate([traj.position_at(t), traj.velocity_at(t)]), P_SMALL)
            for t in times]


def _run(flight, tracks, zones, true_cell):
    know = {"L1": {"JPN": {"direct": LaunchKnowledge(tracks=tracks)}}}
    return warning_logs([flight], ["JPN"], know, {}, "direct", zones, {"L1": {"JPN": true_cell}},
                        policy=POLICY, samples=400)


@pytest.mark.slow
def test_the_land_flight_is_warned_and_a_lost_track_is_withdrawn(flights, zones) -> None:
    to_land, _ = flights
    truth = true_warning_areas(to_land, zones, POLICY.overflight_alt_m, ("JPN", "land"))
    assert ("JPN", "land") in truth
    # the picture holds the track from 40 s to 240 s, then loses it
    run = _run(to_land, _states(to_land.trajectory, np.arange(40.0, 241.0, 20.0)), zones,
               ("JPN", "land"))
    acts = [(e.action, e.area) for e in run.entries]
    assert acts[0] == ("issue", ("JPN", "land")), acts
    last = run.entries[-1]
    assert last.action == "withdraw" and last.reason.startswith("track lost")
    assert 240.0 + POLICY.lost_after_s <= last.t_s < to_land.impact_s
    s = run.scores["L1"]["JPN"]
    assert s["first_correct_s"] is not None and s["false_warnings"] == 0


@pytest.mark.slow
def test_a_prediction_that_leaves_the_land_is_withdrawn_before_the_impact(flights,
                                                                         zones) -> None:
    # the picture first follows a flight to Akita, then one that falls short in the Sea of
    # Japan (what a missile failing after burnout looks like to the radars); truth: short
    to_land, short = flights
    tracks = _states(to_land.trajectory, np.arange(40.0, 141.0, 20.0)) + \
        _states(short.trajectory, np.arange(160.0, short.trajectory.impact_s, 20.0))
    truth = true_warning_areas(short, zones, POLICY.overflight_alt_m, ("", "high_seas"))
    assert not any(c[0] == "JPN" for c in truth)
    run = _run(short, tracks, zones, ("", "high_seas"))
    acts = [e.action for e in run.entries]
    assert acts[0] == "issue" and acts[-1] == "withdraw", acts
    assert run.entries[-1].reason.startswith("predicted area no longer at risk")
    s = run.scores["L1"]["JPN"]
    assert s["false_warnings"] >= 1 and s["withdrawals"] == 1
    assert s["withdraw_lead_s"] and s["withdraw_lead_s"][0] > 0   # before the impact

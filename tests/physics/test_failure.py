"""Failed flights (gsomia.physics.failure): the fit of a failed flight to the public record,
the failure time, and the pieces of a breakup or an explosion."""

from __future__ import annotations

import numpy as np
import pytest

from gsomia.errors import InputError, PhysicsError
from gsomia.physics.ballistics import Controls, fit_trajectory, fly
from gsomia.physics.failure import (
    KICK_LOG10_MEDIAN_MPS,
    Failure,
    failure_time_s,
    fit_failed_flight,
    piece_trajectories,
)
from gsomia.physics.geodesy import geodesic_inverse
from gsomia.physics.propulsion import PROPULSION_CLASSES, burnt_share

# 2022-11-02 22:39 UTC (3 Nov local), CNS record: Sunan, bearing 90, 760 km, apogee 1920 km,
# outcome failure; the ROK JCS: a Hwasong-17 that failed during the second stage burn.
SUNAN = (39.20299, 125.70926)
RECORD_TOL = 0.02           # the record's figures are rounded press figures (2 %)


@pytest.fixture(scope="module")
def failed():
    icbm = PROPULSION_CLASSES["liquid-icbm"]
    cut = failure_time_s(Failure(stage=2), icbm)
    return cut, fit_trajectory(*SUNAN, 90.0, 760e3, 1920e3, propulsion="liquid-icbm",
                               tolerance=RECORD_TOL, thrust_cut_s=cut)


def test_failure_time_is_the_middle_of_the_failing_stage():
    icbm = PROPULSION_CLASSES["liquid-icbm"]      # two stages of 150 s
    assert failure_time_s(Failure(stage=2), icbm) == 225.0
    assert failure_time_s(Failure(stage=1), icbm) == 75.0
    assert failure_time_s(Failure(), icbm) == 225.0           # default: the last stage
    assert failure_time_s(Failure(t_s=90.0), icbm) == 90.0
    with pytest.raises(InputError, match="failure.stage"):
        failure_time_s(Failure(stage=3), icbm)
    # after burnout (300 s) the flight would be cut at burnout, not at the time given
    for late in (300.0, 3000.0):
        with pytest.raises(InputError, match="burnout at 300 s") as err:
            failure_time_s(Failure(kind="breakup", pieces=3, t_s=late), icbm)
        assert (err.value.field, err.value.value) == ("failure.t_s", late)
    assert failure_time_s(Failure(t_s=299.0), icbm) == 299.0


@pytest.mark.slow
def test_failed_icbm_of_2022_11_02_flies_the_reported_range_and_apogee(failed):
    cut, traj = failed
    assert traj.burnout_s == cut == 225.0             # powered flight ends at the failure
    assert traj.range_m == pytest.approx(760e3, rel=RECORD_TOL)
    assert traj.apogee_m == pytest.approx(1920e3, rel=RECORD_TOL)
    # after the cut the body is in free flight: its speed at the cut is far below what the
    # full burn of the same program would give (only 69 % of the ideal Δv was burnt)
    assert burnt_share(PROPULSION_CLASSES["liquid-icbm"], cut) == pytest.approx(
        0.693, abs=1e-3)


def test_burnt_share_is_the_integral_of_the_thrust():
    from gsomia.physics.propulsion import thrust_acceleration
    prop = PROPULSION_CLASSES["liquid-icbm"]
    t = np.linspace(0.0, 225.0, 225_001)
    a = np.array([thrust_acceleration(prop, 1.0, x) for x in t[::100]])
    integral = np.trapezoid(a, t[::100])
    assert burnt_share(prop, 225.0) == pytest.approx(integral, rel=1e-3)
    assert burnt_share(prop, prop.burn_s) == pytest.approx(1.0)


@pytest.mark.slow
def test_explosion_pieces_leave_at_the_nasa_breakup_model_speeds(failed):
    """49 pieces: the median kick (speed difference at the failure) within a factor 1.5 of
    the NASA SBM explosion median (45 m/s at A/m = 0.1 m²/kg); every piece comes down."""
    _, traj = failed
    pieces = piece_trajectories(traj, Failure(kind="explosion", pieces=50, t_s=225.0),
                                np.random.default_rng(5))
    assert len(pieces) == 49
    t_f = traj.burnout_s
    kicks = [np.linalg.norm(p.velocity_at(0.0) - traj.velocity_at(t_f)) for p in pieces]
    median = 10 ** KICK_LOG10_MEDIAN_MPS["explosion"]
    assert median / 1.5 < float(np.median(kicks)) < median * 1.5
    for p, kick in zip(pieces, kicks, strict=True):
        np.testing.assert_allclose(p.position_at(0.0), traj.position_at(t_f), atol=1e-3)
        assert p.burnout_s == 0.0 and p.impact_s > 0.0
        # its range differs from the body's by no more than twice its kick carried over the
        # remaining flight (a kick also changes the flight time: the factor 2 covers it)
        assert abs(p.range_m - traj.range_m) < 2.0 * kick * p.impact_s


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"kind": "fizzle"}, "failure.kind"),
    ({"kind": "breakup", "pieces": 1}, "failure.pieces"),
    ({"t_s": -1.0}, "failure.t_s"),
    ({"t_s": 10.0, "stage": 1}, "failure.stage"),
    ({"t_s": 10.0, "dv_m_s": 7000.0}, "failure.dv_m_s"),
    ({"dv_m_s": 0.0}, "failure.dv_m_s"),
], ids=["unknown-kind", "breakup-of-one", "negative-time", "time-and-stage", "time-and-dv",
        "zero-dv"])
def test_failure_refuses_bad_values(kwargs, field):
    with pytest.raises(InputError, match=field):
        Failure(**kwargs)


@pytest.fixture(scope="module")
def cut_at_240():
    """A liquid ICBM (Δv 7,000 m/s, final pitch 70°) whose second stage stops at 240 s, and
    its range, bearing and apogee as a record would report them."""
    flown = fly(*SUNAN, Controls(7000.0, 70.0, 95.0), "liquid-icbm", thrust_cut_s=240.0)
    _, bearing = geodesic_inverse(*SUNAN, flown.impact_lat_deg, flown.impact_lon_deg)
    return flown, float(bearing)


def test_the_failure_time_is_fitted_when_the_missile_dv_is_known(cut_at_240):
    """With the missile's Δv held, range and apogee tell the failure time: the fit finds
    the 240 s it was flown with, within the second stage (150-300 s), and the figures."""
    flown, bearing = cut_at_240
    fit = fit_failed_flight(*SUNAN, bearing, flown.range_m, flown.apogee_m, "liquid-icbm",
                            Failure(stage=2, dv_m_s=7000.0))
    assert fit.burnout_s == pytest.approx(240.0, abs=0.1)
    assert fit.range_m == pytest.approx(flown.range_m, rel=1e-3)
    assert fit.apogee_m == pytest.approx(flown.apogee_m, rel=1e-3)


def test_more_dv_means_an_earlier_failure_and_too_little_none(cut_at_240):
    """The same figures with more Δv are flown by an earlier cut (more energy per second
    burnt); a Δv that even the whole stage cannot turn into them is refused."""
    flown, bearing = cut_at_240
    more = fit_failed_flight(*SUNAN, bearing, flown.range_m, flown.apogee_m, "liquid-icbm",
                             Failure(stage=2, dv_m_s=7600.0))
    assert 150.0 < more.burnout_s < 240.0 - 1.0
    assert more.apogee_m == pytest.approx(flown.apogee_m, rel=1e-3)
    with pytest.raises(PhysicsError, match="no failure of the liquid-icbm class"):
        fit_failed_flight(*SUNAN, bearing, flown.range_m, flown.apogee_m, "liquid-icbm",
                          Failure(stage=2, dv_m_s=5500.0))

"""The batched paths of the propagator and of the fuser's prediction give the same numbers,
bit for bit, as the per-time calls they replace."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gsomia.errors import InputError
from gsomia.physics.earth import WGS84
from gsomia.physics.geodesy import centrifugal_coriolis_ecef, gravity_ecef
from gsomia.physics.propagate import derivatives, propagate, propagate_each
from gsomia.warning.fusion import TrackFuser, TrackReport
from gsomia.warning.tracking.models import BallisticMotionModel
from gsomia.warning.tracking.predict import ExtendedKalmanPredictor
from gsomia.warning.tracking.states import GaussianStates


def _states(seed: int, n: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    r = rng.normal(0.0, 1.0, (n, 3))
    r *= (6.4e6 + rng.uniform(0.0, 1e6, (n, 1))) / np.linalg.norm(r, axis=1, keepdims=True)
    return np.concatenate((r, rng.normal(0.0, 2e3, (n, 3))), axis=1)


@pytest.mark.parametrize("earth", [WGS84, WGS84.spherical()])
def test_vacuum_derivatives_equal_gravity_plus_rotating_frame_terms(earth) -> None:
    y = _states(1, 200)
    ref = np.concatenate((y[:, 3:], gravity_ecef(y[:, :3], earth)
                          + centrifugal_coriolis_ecef(y[:, :3], y[:, 3:], earth)), axis=1)
    assert np.array_equal(derivatives(y, earth), ref)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.lists(st.sampled_from([0.0, 0.25, 1.9, 2.0, 7.5, -3.3,
                                                          29.0]), min_size=1, max_size=12))
def test_propagate_each_is_propagate_row_by_row(seed: int, dts: list[float]) -> None:
    y = _states(seed, len(dts))
    got = propagate_each(y, dts, WGS84, step_s=2.0)
    for i, dt in enumerate(dts):
        want = y[i] if dt == 0.0 else propagate(y[i], dt, WGS84, step_s=2.0)[0]
        assert np.array_equal(got[i], want)


def test_propagate_each_names_bad_times() -> None:
    with pytest.raises(InputError) as err:
        propagate_each(_states(0, 2), [1.0])
    assert err.value.field == "dt_s"
    with pytest.raises(InputError):
        propagate_each(_states(0, 1), [float("nan")])


def test_fuser_prediction_is_the_ekf_per_report_time() -> None:
    """TrackFuser.predict (one batch) == ExtendedKalmanPredictor.predict per distinct time."""
    rng = np.random.default_rng(7)
    y = _states(7, 9)
    times = [100.0, 100.0, 97.5, 90.0, 101.0, 99.2, 99.2, 70.0, 101.0]
    reports = []
    for i, t in enumerate(times):
        a = rng.normal(0.0, 1.0, (6, 6)) * np.array([30.0] * 3 + [1.0] * 3)
        reports.append(TrackReport("KOR", str(i), i, t, y[i], a @ a.T + np.eye(6)))
    fuser = TrackFuser("JPN")
    got = fuser.predict(reports, 101.0)
    ekf = ExtendedKalmanPredictor(BallisticMotionModel(
        fuser.config.q_m2_s3, fuser.config.step_s, fuser.config.earth))
    for i, r in enumerate(reports):
        prior = GaussianStates(r.t_s, r.x[None], r.P[None])
        want = prior if r.t_s == 101.0 else ekf.predict(prior, 101.0)
        assert np.array_equal(got.x[i], want.x[0])
        assert np.array_equal(got.P[i], want.P[0])

"""Every filter reproduces the linear Kalman answer on a linear problem; the radar model
agrees with the sensor model and with its own derivatives."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gsomia.physics.earth import WGS84
from gsomia.warning.sensors import Radar
from gsomia.warning.tracking.imm import IMMEstimate, IMMFilter
from gsomia.warning.tracking.models import (
    BallisticMotionModel,
    PositionMeasurementModel,
    RadarMeasurementModel,
    cwna_covariance,
)
from gsomia.warning.tracking.predict import ExtendedKalmanPredictor, UnscentedKalmanPredictor
from gsomia.warning.tracking.states import GaussianStates
from gsomia.warning.tracking.update import ExtendedKalmanUpdater, UnscentedKalmanUpdater

# A field-free, non-rotating Earth: the propagator's motion is exactly constant velocity.
FREE = WGS84.__class__(gm_m3_s2=0.0, j2=0.0, omega_rad_s=0.0, name="field-free")
Q_PSD = 3.0
REL_TOL = 1e-8
ATOL_M = 1e-3      # 1 mm on positions of ~5,000 km: finite-difference round-off


def _linear_kf(x, P, dt, z, R):
    F = np.eye(6)
    F[:3, 3:] = dt * np.eye(3)
    H = np.hstack((np.eye(3), np.zeros((3, 3))))
    xp = F @ x
    Pp = F @ P @ F.T + cwna_covariance(Q_PSD, dt)
    S = H @ Pp @ H.T + R
    K = Pp @ H.T @ np.linalg.inv(S)
    return xp + K @ (z - H @ xp), (np.eye(6) - K @ H) @ Pp


def _imm(predictor):
    # Two identical modes: the IMM must reduce to the single filter.
    return IMMFilter((predictor, predictor), np.array([[-0.1, 0.1], [0.05, -0.05]]))


FILTERS = {
    "EKF": (ExtendedKalmanPredictor, ExtendedKalmanUpdater),
    "UKF": (UnscentedKalmanPredictor, UnscentedKalmanUpdater),
}


@pytest.mark.parametrize("imm", [False, True], ids=["single", "IMM"])
@pytest.mark.parametrize("name", list(FILTERS), ids=list(FILTERS))
def test_every_filter_reproduces_the_linear_kalman_answer(name, imm):
    rng = np.random.default_rng(4)
    pred_cls, upd_cls = FILTERS[name]
    motion = BallisticMotionModel(q_m2_s3=Q_PSD, step_s=1.0, earth=FREE)
    predictor = pred_cls(motion)
    updater = upd_cls(PositionMeasurementModel())
    x = np.array([1e6, 2e6, 5e6, 300.0, -200.0, 1000.0])
    A = rng.standard_normal((6, 6))
    D = np.diag([1e2] * 3 + [1e1] * 3)
    P = D @ A @ A.T @ D + np.diag([1e4] * 3 + [1e2] * 3)
    xr, Pr = x.copy(), P.copy()
    t = 0.0
    est = IMMEstimate(0.0, np.stack((x, x))[None], np.stack((P, P))[None], np.array([[0.3, 0.7]]))
    state = GaussianStates(0.0, x[None], P[None])
    filt = _imm(predictor)
    for dt in (1.0, 4.5, 10.0, 0.5):
        t += dt
        z = xr[:3] + xr[3:] * dt + rng.standard_normal(3) * 50.0
        R = np.diag([2500.0, 900.0, 1600.0])
        xr, Pr = _linear_kf(xr, Pr, dt, z, R)
        if imm:
            est = filt.update(filt.predict(est, t), updater, z[None], R[None])
            got = filt.combined(est)
        else:
            pred = predictor.predict(state, t)
            state = updater.update(pred, updater.predict_measurement(pred), z[None], R[None])
            got = state
        np.testing.assert_allclose(got.x[0], xr, rtol=REL_TOL, atol=ATOL_M)
        np.testing.assert_allclose(got.P[0], Pr, rtol=1e-6, atol=1e-6)


def test_imm_mode_probabilities_follow_the_better_model():
    """A target with a 30 m/s² unmodelled acceleration is judged powered; after the thrust
    stops the ballistic mode takes over (Blom & Bar-Shalom 1988 behaviour)."""
    slow = ExtendedKalmanPredictor(BallisticMotionModel(q_m2_s3=0.1, earth=FREE))
    fast = ExtendedKalmanPredictor(BallisticMotionModel(q_m2_s3=900.0, earth=FREE))
    filt = IMMFilter((slow, fast), np.array([[-1e-3, 1e-3], [0.02, -0.02]]))
    upd = ExtendedKalmanUpdater(PositionMeasurementModel())
    x = np.array([6.4e6, 0.0, 0.0, 0.0, 0.0, 0.0])
    P = np.diag([1e4] * 3 + [1e4] * 3)
    est = IMMEstimate(0.0, np.stack((x, x))[None], np.stack((P, P))[None], np.array([[0.5, 0.5]]))
    rng = np.random.default_rng(1)
    acc = np.array([0.0, 10.0, 28.0])
    r, v = x[:3].copy(), np.zeros(3)
    R = np.eye(3) * 100.0**2
    mu_boost = []
    for k in range(1, 41):
        a = acc if k <= 20 else np.zeros(3)
        r, v = r + v * 5.0 + 0.5 * a * 25.0, v + a * 5.0
        est = filt.update(filt.predict(est, 5.0 * k), upd,
                          (r + rng.standard_normal(3) * 100.0)[None], R[None])
        mu_boost.append(est.mu[0, 1])
    assert min(mu_boost[5:20]) > 0.9
    assert max(mu_boost[-10:]) < 0.2


SITE = (37.5, 127.0, 120.0)


def test_radar_model_matches_the_sensor_model():
    radar = Radar(id="r", owner="KOR", lat_deg=SITE[0], lon_deg=SITE[1], alt_m=SITE[2],
                  max_range_m=2e6)
    model = RadarMeasurementModel(*SITE)
    rng = np.random.default_rng(2)
    pts = radar.site_ecef_m + rng.uniform(-8e5, 8e5, (50, 3))
    az, el, rng_m = radar.aer(pts)
    z = model.function(np.hstack((pts, np.zeros_like(pts))))
    np.testing.assert_allclose(z[:, 0], rng_m, rtol=1e-12)
    np.testing.assert_allclose(z[:, 1], az, atol=1e-12)
    np.testing.assert_allclose(z[:, 2], el, atol=1e-12)


def test_radar_jacobian_and_inverse():
    model = RadarMeasurementModel(*SITE)
    x = np.hstack((model.site_ecef_m + np.array([3e5, -2e5, 4e5]), [100.0, 0.0, 0.0]))[None]
    jac = model.jacobian(x)[0]
    num = np.zeros((3, 6))
    for i in range(3):
        dx = np.zeros(6)
        dx[i] = 1.0
        num[:, i] = model.residual(model.function(x + dx), model.function(x - dx))[0] / 2.0
    np.testing.assert_allclose(jac, num, rtol=1e-6, atol=1e-12)
    r, cov = model.inverse(model.function(x), np.diag([50.0**2, 1e-6, 1e-6])[None])
    np.testing.assert_allclose(r[0], x[0, :3], atol=1e-6)
    assert np.all(np.linalg.eigvalsh(cov[0]) > 0)


@settings(max_examples=40, deadline=None)
@given(az=st.floats(0.0, 2 * math.pi - 1e-6), el=st.floats(0.05, 1.4),
       rho=st.floats(5e4, 2e6), sig=st.floats(1.0, 500.0))
def test_update_keeps_covariance_symmetric_positive_definite(az, el, rho, sig):
    model = RadarMeasurementModel(*SITE)
    r, _ = model.inverse(np.array([[rho, az, el]]), np.eye(3)[None])
    x = np.hstack((r[0], [1000.0, -500.0, 2000.0]))
    P = np.diag([sig**2] * 3 + [1e4] * 3)
    for upd in (ExtendedKalmanUpdater(model), UnscentedKalmanUpdater(model)):
        pred = GaussianStates(0.0, x[None], P[None])
        mp = upd.predict_measurement(pred)
        z = model.function(x[None])
        post = upd.update(pred, mp, z, np.diag([30.0**2, 1e-6, 1e-6])[None])
        assert np.allclose(post.P[0], post.P[0].T, rtol=0, atol=0)
        assert np.all(np.linalg.eigvalsh(post.P[0]) > 0)
        assert np.trace(post.P[0]) < np.trace(P)


@pytest.mark.parametrize("rates", [((-1e-4, 1e-4), (0.02, -0.02)), ((-0.3, 0.3), (0.0, 0.0)),
                                   ((0.0, 0.0), (0.0, 0.0))], ids=["tracker", "absorbing", "none"])
@pytest.mark.parametrize("dt_s", [0.0, 0.5, 10.0, 600.0, -10.0])
def test_two_mode_switching_equals_the_matrix_exponential(rates, dt_s):
    from scipy.linalg import expm

    imm = IMMFilter((None, None), np.array(rates))
    assert np.allclose(imm.switching(dt_s), expm(np.array(rates) * abs(dt_s)),
                       rtol=0.0, atol=1e-14)

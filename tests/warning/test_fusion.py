"""Track-to-track fusion: covariance intersection, association, provenance."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gsomia.errors import InputError
from gsomia.physics.geodesy import geodetic2ecef
from gsomia.warning.fusion import (
    FusionConfig,
    TrackFuser,
    TrackReport,
    associate,
    covariance_intersection,
    latest_reports,
    track_distance2,
)

PSD_TOL = 1e-7          # relative tolerance on eigenvalues of P − true MSE
TRACE_TOL = 1e-9        # relative tolerance on traces


def _joint_covariance(seed: int, n: int) -> np.ndarray:
    """A random joint covariance of two estimates' errors (any correlation)."""
    rng = np.random.default_rng(seed)
    L = rng.normal(size=(2 * n, 2 * n)) * rng.uniform(0.1, 10.0, size=2 * n)[:, None]
    return L @ L.T + 1e-3 * np.eye(2 * n)


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.sampled_from([2, 3, 6]),
       criterion=st.sampled_from(["trace", "det"]))
def test_ci_of_consistent_estimates_is_consistent(seed: int, n: int, criterion: str) -> None:
    C = _joint_covariance(seed, n)
    Pa, Pb, Pab = C[:n, :n], C[n:, n:], C[:n, n:]
    zero = np.zeros(n)
    ci = covariance_intersection(zero, Pa, zero, Pb, criterion)
    # the fused error is Wa ea + Wb eb; its true covariance uses the (unknown) Pab
    Wa = ci.P @ (ci.omega * np.linalg.inv(Pa))
    Wb = ci.P @ ((1.0 - ci.omega) * np.linalg.inv(Pb))
    mse = Wa @ Pa @ Wa.T + Wa @ Pab @ Wb.T + Wb @ Pab.T @ Wa.T + Wb @ Pb @ Wb.T
    eig = np.linalg.eigvalsh(ci.P - mse)
    assert eig.min() >= -PSD_TOL * np.linalg.eigvalsh(ci.P).max()
    assert np.allclose(Wa + Wb, np.eye(n), atol=1e-8)      # unbiased


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.sampled_from([3, 6]))
def test_ci_trace_never_exceeds_the_better_input(seed: int, n: int) -> None:
    C = _joint_covariance(seed, n)
    rng = np.random.default_rng(seed + 1)
    xa, xb = rng.normal(size=n), rng.normal(size=n)
    ci = covariance_intersection(xa, C[:n, :n], xb, C[n:, n:], "trace")
    best = min(np.trace(C[:n, :n]), np.trace(C[n:, n:]))
    assert np.trace(ci.P) <= best * (1.0 + TRACE_TOL)
    assert 0.0 <= ci.omega <= 1.0


def test_ci_det_never_exceeds_the_better_input() -> None:
    for seed in range(50):
        C = _joint_covariance(seed, 6)
        ci = covariance_intersection(np.zeros(6), C[:6, :6], np.zeros(6), C[6:, 6:], "det")
        assert np.linalg.det(ci.P) <= min(np.linalg.det(C[:6, :6]),
                                          np.linalg.det(C[6:, 6:])) * (1.0 + 1e-9)


def test_ci_of_an_estimate_with_itself_returns_it() -> None:
    C = _joint_covariance(7, 6)
    x = np.arange(6.0) * 1000.0
    for criterion in ("trace", "det"):
        ci = covariance_intersection(x, C[:6, :6], x, C[:6, :6], criterion)
        np.testing.assert_allclose(ci.x, x, rtol=1e-10, atol=1e-6)
        np.testing.assert_allclose(ci.P, C[:6, :6], rtol=1e-9)


def test_ci_one_exact_axis_each() -> None:
    # a knows x exactly-ish, b knows y: CI keeps the better axis of each with omega = 1/2
    Pa, Pb = np.diag([1.0, 100.0]), np.diag([100.0, 1.0])
    ci = covariance_intersection(np.array([0.0, 10.0]), Pa, np.array([10.0, 0.0]), Pb)
    assert ci.omega == pytest.approx(0.5, abs=1e-5)
    # P⁻¹ = ½ diag(1.01, 1.01) → P = diag(1/0.505, 1/0.505)
    np.testing.assert_allclose(np.diag(ci.P), [1 / 0.505, 1 / 0.505], rtol=1e-6)


def test_ci_rejects_unknown_criterion_and_shapes() -> None:
    with pytest.raises(InputError, match="criterion"):
        covariance_intersection(np.zeros(2), np.eye(2), np.zeros(2), np.eye(2), "max")
    with pytest.raises(InputError):
        covariance_intersection(np.zeros(2), np.eye(2), np.zeros(3), np.eye(3))


def _salvo_states() -> np.ndarray:
    """Four missiles of a salvo at ~150 s: 3° apart in bearing, ~8 km apart, ECEF (4, 6)."""
    out = []
    for k, brg in enumerate((77.0, 80.0, 83.0, 86.0)):
        lat = 39.66 + 1.8 * np.cos(np.radians(brg))
        lon = 124.71 + 2.3 * np.sin(np.radians(brg))
        r = geodetic2ecef(lat, lon, 250e3)
        v = np.array([1500.0 + 10 * k, 1800.0, 300.0])
        out.append(np.concatenate((np.asarray(r).reshape(3), v)))
    return np.array(out)


def test_association_picks_the_right_pairs_in_a_four_missile_salvo() -> None:
    truth = _salvo_states()
    rng = np.random.default_rng(20170306)
    Pa = np.diag([400.0**2] * 3 + [30.0**2] * 3)
    Pb = np.diag([900.0**2] * 3 + [60.0**2] * 3)
    order = np.array([2, 0, 3, 1])                      # b lists the missiles shuffled
    for _ in range(20):
        xa = truth + rng.multivariate_normal(np.zeros(6), Pa, size=4)
        xb = truth[order] + rng.multivariate_normal(np.zeros(6), Pb, size=4)
        pairs = associate(xa, np.repeat(Pa[None], 4, 0), xb, np.repeat(Pb[None], 4, 0))
        assert sorted(pairs) == sorted((int(order[j]), j) for j in range(4))


def test_association_leaves_out_what_is_outside_the_gate() -> None:
    truth = _salvo_states()
    P = np.repeat(np.diag([500.0**2] * 3 + [50.0**2] * 3)[None], 4, 0)
    far = truth[:2].copy()
    far[:, 0] += 200e3                                   # 200 km away: another object
    assert associate(truth, P, far, P[:2]) == []
    d2 = track_distance2(truth, P, truth, P)
    np.testing.assert_allclose(np.diag(d2), 0.0)


def _report(who: str, tid: str, update: int, t: float, x: np.ndarray, P: np.ndarray
            ) -> TrackReport:
    return TrackReport(who, tid, update, t, x, P)


def test_latest_reports_keeps_the_newest_and_drops_own_data() -> None:
    x, P = _salvo_states()[0], np.eye(6)
    reports = [_report("KOR", "1", 3, 10.0, x, P), _report("KOR", "1", 5, 12.0, x + 1, P),
               _report("KOR", "1", 5, 12.0, x + 1, P), _report("JPN", "7", 2, 11.0, x, P),
               _report("USA", "2", 1, 9.0, x, P)]
    latest = latest_reports(reports, own="JPN")
    assert [(r.key, r.update) for r in latest] == [(("KOR", "1"), 5), (("USA", "2"), 1)]


def test_fuser_never_counts_the_same_data_twice() -> None:
    truth = _salvo_states()[1]
    P_own = np.diag([300.0**2] * 3 + [20.0**2] * 3)
    P_kor = np.diag([800.0**2] * 3 + [10.0**2] * 3)
    t = 100.0
    own = [_report("JPN", "4", 10, t, truth, P_own)]
    kor = _report("KOR", "2", 7, t, truth + np.array([200.0, -300.0, 100.0, 5.0, 0.0, -5.0]),
                  P_kor)
    fuser = TrackFuser("JPN", FusionConfig())
    once = fuser.fuse(t, own, [kor])
    # KOR's report received twice (direct and via the hub) and JPN's own track relayed
    # back by the hub: same picture as with KOR's report once
    twice = fuser.fuse(t, own, [kor, kor, _report("JPN", "4", 10, t, truth, P_own)])
    assert len(once) == len(twice) == 1
    np.testing.assert_allclose(twice[0].x, once[0].x)
    np.testing.assert_allclose(twice[0].P, once[0].P)
    assert once[0].sources == (("JPN", "4"), ("KOR", "2"))
    ci = covariance_intersection(truth, P_own, kor.x, P_kor)
    np.testing.assert_allclose(once[0].x, ci.x)
    # a copy of our own data alone adds nothing
    alone = fuser.fuse(t, own, [_report("JPN", "4", 10, t, truth, P_own)])
    np.testing.assert_allclose(alone[0].P, P_own)
    assert alone[0].sources == (("JPN", "4"),)


def test_fuser_adds_partner_tracks_it_does_not_hold_and_predicts_them() -> None:
    truth = _salvo_states()
    P = np.diag([500.0**2] * 3 + [30.0**2] * 3)
    fuser = TrackFuser("JPN")
    received = [_report("KOR", str(k), 3, 98.0, truth[k], P) for k in range(4)]
    picture = fuser.fuse(100.0, [], received)
    assert len(picture) == 4
    assert all(f.t_s == 100.0 for f in picture)
    # predicted 2 s ahead: moved by about 2 s of velocity
    moved = np.linalg.norm(picture[0].x[:3] - truth[0, :3])
    assert moved == pytest.approx(2.0 * np.linalg.norm(truth[0, 3:]), rel=0.02)
    # older than max_age_s: left out
    assert fuser.fuse(200.0, [], received) == []


def test_own_tracks_age_out_like_partners_issue_17():
    """An own estimate older than max_age_s is left out of the picture, as a partner's is:
    a stale own track cannot take the place of a partner's fresh one."""
    r = geodetic2ecef(39.0, 134.0, 200e3)
    x = np.concatenate((r, [1000.0, 0.0, 0.0]))
    P = np.diag([1e6] * 3 + [1e2] * 3)
    fuser = TrackFuser("JPN", FusionConfig(max_age_s=30.0))
    stale_own = TrackReport("JPN", "7", 3, 60.0, x, P)
    fresh_partner = TrackReport("KOR", "2", 9, 95.0, x, P)
    picture = fuser.fuse(100.0, [stale_own], [fresh_partner])
    assert [f.sources for f in picture] == [(("KOR", "2"),)]
    fresh_own = TrackReport("JPN", "7", 4, 90.0, x, P)
    picture = fuser.fuse(100.0, [fresh_own], [fresh_partner])
    assert [f.sources for f in picture] == [(("JPN", "7"), ("KOR", "2"))]

"""Marginal association probabilities (gsomia.warning.tracking.association): belief
propagation is exact when the association graph is a tree (Williams & Lau 2014), so on one
track or one plot it must equal the enumeration of the joint association events. Also the
thrust mode of the IMM (gsomia.warning.tracking.models.ThrustMotionModel)."""

from __future__ import annotations

import itertools
import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gsomia.physics.earth import WGS84
from gsomia.warning.tracking.association import marginal_association
from gsomia.warning.tracking.models import ThrustMotionModel

weights = st.floats(-6.0, 6.0)


def _enumerate(log_psi: np.ndarray, miss: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact marginals: every joint event (track k takes plot a_k or none, no plot twice)
    weighted by the product of its ψ."""
    k, j = log_psi.shape
    psi = np.exp(log_psi)
    beta = np.zeros((k, j))
    total = 0.0
    for event in itertools.product(range(-1, j), repeat=k):
        taken = [a for a in event if a >= 0]
        if len(taken) != len(set(taken)):
            continue
        w = math.prod(miss if a < 0 else psi[t, a] for t, a in enumerate(event))
        total += w
        for t, a in enumerate(event):
            if a >= 0:
                beta[t, a] += w
    beta /= total
    return beta, 1.0 - beta.sum(axis=0)


@settings(max_examples=60, deadline=None)
@given(st.lists(weights, min_size=1, max_size=5), st.floats(0.01, 1.0), st.booleans())
def test_exact_on_one_track_or_one_plot(row, miss, transpose):
    log_psi = np.array([row])
    if transpose:
        log_psi = log_psi.T
    beta, new = marginal_association(log_psi, miss)
    exact_beta, exact_new = _enumerate(log_psi, miss)
    np.testing.assert_allclose(beta, exact_beta, atol=1e-9)
    np.testing.assert_allclose(new, exact_new, atol=1e-9)


def test_two_tracks_two_plots_close_to_enumeration():
    # a loop (2 x 2, every pair in the gate): not exact, but close on a well-separated case
    log_psi = np.array([[4.0, 0.0], [0.0, 4.0]])
    beta, _ = marginal_association(log_psi, 0.1)
    exact, _ = _enumerate(log_psi, 0.1)
    np.testing.assert_allclose(beta, exact, atol=0.02)
    assert beta[0, 0] > 0.9 and beta[1, 1] > 0.9


def test_out_of_gate_pairs_get_nothing():
    beta, new = marginal_association(np.array([[-np.inf, 1.0]]), 0.5)
    assert beta[0, 0] == 0.0
    assert new[0] == 1.0


def test_thrust_mode_in_free_space_is_constant_acceleration_along_the_velocity():
    # field-free Earth: the thrust mode is exactly r + v dt + a dt²/2 û, v + a dt û
    free = WGS84.__class__(gm_m3_s2=0.0, j2=0.0, omega_rad_s=0.0, name="field-free")
    model = ThrustMotionModel(30.0, earth=free)
    x = np.array([[7.0e6, 0.0, 0.0, 300.0, 400.0, 0.0]])
    u = np.array([0.6, 0.8, 0.0])
    for dt in (2.0, -2.0):
        out = model.function(x, dt)[0]
        np.testing.assert_allclose(out[:3], x[0, :3] + x[0, 3:] * dt + 15.0 * dt**2 * u,
                                   rtol=0, atol=1e-6)
        np.testing.assert_allclose(out[3:], x[0, 3:] + 30.0 * dt * u, rtol=0, atol=1e-9)

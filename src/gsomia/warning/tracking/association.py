"""Marginal association probabilities of one scan, by loopy belief propagation.

For K tracks and J plots of one scan, the joint association events of JPDA (each plot from
at most one track, each track giving at most one plot; Bar-Shalom, Daum & Huang, "The
probabilistic data association filter", IEEE Control Systems 29(6), 2009) have weights

.. math::
    \\psi_{k0} = 1 - P_D\\,P_G,\\qquad
    \\psi_{kj} = \\frac{P_D\\,\\mathcal N(\\nu_{kj}; 0, S_{kj})}{\\lambda}\\quad
    (d^2_{kj} \\le \\gamma;\\ 0 \\text{ outside the gate})

(``λ``: the density of plots from no track — false alarms and new objects — per unit of
measurement space, m·rad²). The marginal probabilities ``β_kj`` that plot j comes from
track k (and ``β_k0`` that track k gave none) are approximated by the belief propagation
of Williams & Lau, "Approximate evaluation of marginal association probabilities with
belief propagation", IEEE TAES 50(4), 2014, eqs. (26)-(28): messages

.. math::
    \\mu_{j\\to k} = \\Big(1 + \\sum_{k'\\ne k} \\nu_{k'\\to j}\\Big)^{-1},\\qquad
    \\nu_{k\\to j} = \\frac{\\psi_{kj}}{\\psi_{k0} + \\sum_{j'\\ne j}\\psi_{kj'}\\mu_{j'\\to k}}

iterated to convergence, then ``β_kj ∝ ψ_kj μ_{j→k}`` normalised with ``ψ_k0`` over each
track. They converge for any input (ibid., Theorem 1) and are exact on trees. The
probability that plot j comes from no track is ``1 − Σ_k β_kj`` (with the plot-side
messages, ``β_0j = (1 + Σ_k ν_{k→j})^{-1}``).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import linear_sum_assignment

from gsomia.warning.tracking.imm import IMMEstimate
from gsomia.warning.tracking.predict import symmetrise
from gsomia.warning.tracking.states import GaussianStates
from gsomia.warning.tracking.update import Updater

__all__ = ["association_log_weights", "gnn_assign", "marginal_association", "mode_distances",
           "pda_update"]

_FORBIDDEN = 1e12


def marginal_association(log_psi: np.ndarray, psi_miss: float, max_iter: int = 200,
                         tol: float = 1e-9) -> tuple[np.ndarray, np.ndarray]:
    """Marginal association probabilities of one scan (module notes).

    Args:
        log_psi: ``ln ψ_kj`` ``(K, J)``; ``-inf`` for pairs outside the gate.
        psi_miss: ``ψ_k0 = 1 − P_D P_G`` (> 0), the same for every track.
        max_iter, tol: iteration limit and convergence tolerance of the messages.

    Returns:
        ``(beta (K, J), new (J,))``: ``beta[k, j]`` the probability that plot j is track
        k's, ``new[j]`` the probability that plot j comes from no track.
    """
    log_psi = np.asarray(log_psi, dtype=float)
    k, j = log_psi.shape
    if k == 0 or j == 0:
        return np.zeros((k, j)), np.ones(j)
    # scale each track's row by its largest weight (β is invariant to a row's scale when
    # ψ_k0 is scaled with it)
    top = np.maximum(np.max(log_psi, axis=1, keepdims=True), np.log(psi_miss))
    psi = np.exp(log_psi - top)
    miss = psi_miss * np.exp(-top[:, 0])
    mu = np.ones((k, j))                                   # μ_{j→k}, stored [k, j]
    nu = np.zeros((k, j))
    for _ in range(max_iter):
        s = psi * mu
        nu = psi / np.maximum(miss[:, None] + s.sum(axis=1, keepdims=True) - s, 1e-300)
        col = nu.sum(axis=0, keepdims=True)
        mu_new = 1.0 / (1.0 + col - nu)
        done = np.max(np.abs(mu_new - mu)) < tol
        mu = mu_new
        if done:
            break
    s = psi * mu
    beta = s / (miss[:, None] + s.sum(axis=1, keepdims=True))
    new = 1.0 / (1.0 + nu.sum(axis=0))
    return beta, new


def gnn_assign(d2: np.ndarray, gate: float) -> list[tuple[int, int]]:
    """Global-nearest-neighbour assignment of tracks to detections (:mod:`.tracker` notes,
    step 3).

    Args:
        d2: squared Mahalanobis distances ``(K, J)``; ``inf`` or ``nan`` where not computed.
        gate: γ; pairs with ``d2 > gate`` are never assigned.

    Returns:
        the assigned pairs ``(track index, detection index)``: each index at most once.
    """
    d2 = np.asarray(d2, dtype=float)
    k, j = d2.shape
    if k == 0 or j == 0:
        return []
    cost = np.where(np.isfinite(d2) & (d2 <= gate), d2, _FORBIDDEN)
    dummy = np.full((k, k), _FORBIDDEN)
    np.fill_diagonal(dummy, gate)
    rows, cols = linear_sum_assignment(np.hstack((cost, dummy)))
    return [(int(r), int(c)) for r, c in zip(rows, cols, strict=True)
            if c < j and cost[r, c] < _FORBIDDEN]


def association_log_weights(d2: np.ndarray, S: np.ndarray, gate: float, pd: float,
                            density: float) -> np.ndarray:
    """``ln ψ_kj`` of the module notes ``(K, J)``: ``ln(P_D/λ) − ½(d² + ln|2πS|)`` inside
    the gate ``d² ≤ gate``, ``-inf`` outside.

    Args:
        d2: squared Mahalanobis distances ``(K, J)``; S: innovation covariances
            ``(K, J, m, m)``; gate: γ; pd: P_D; density: λ [per unit of measurement space].
    """
    m = S.shape[-1]
    _, logdet = np.linalg.slogdet(S)
    log_psi = (math.log(pd) - math.log(density)
               - 0.5 * (d2 + logdet + m * math.log(2.0 * math.pi)))
    return np.where(np.isfinite(d2) & (d2 <= gate), log_psi, -np.inf)


def pda_update(pred: GaussianStates, beta: np.ndarray, updater: Updater, z: np.ndarray,
               R: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """JPDA update of one target's ``M`` mode-conditioned predictions by every plot with a
    positive marginal (Bar-Shalom, Daum & Huang 2009, eqs. (8)-(10)): with ``ν̄ = Σ β_j ν_j``
    and the gain ``K`` of the most probable plot's ``S``,
    ``x = x̂ + K ν̄``, ``P = P̂ − (1 − β_0) K S Kᵀ + K (Σ β_j ν_j ν_jᵀ − ν̄ ν̄ᵀ) Kᵀ``.

    Args:
        pred: the predictions, ``x (M, 6)``, ``P (M, 6, 6)``.
        beta: marginals of the scan's plots for this target ``(J,)`` (sum ≤ 1).
        updater: the scan's updater; z: plots ``(J, 3)``; R: their covariances ``(J, 3, 3)``.

    Returns:
        ``(x (M, 6), P (M, 6, 6))``.
    """
    js = np.nonzero(beta > 0.0)[0]
    b = beta[js]
    b0 = max(0.0, 1.0 - float(b.sum()))
    mp = updater.predict_measurement(pred)
    nu = updater.measurement_model.residual(z[js][None], mp.z[:, None])      # (M, J', 3)
    nubar = np.einsum("j,mji->mi", b, nu)
    S = mp.Pzz + R[js[np.argmax(b)]][None]
    K = np.swapaxes(np.linalg.solve(S, np.swapaxes(mp.Pxz, 1, 2)), 1, 2)      # (M, 6, 3)
    spread = np.einsum("j,mji,mjl->mil", b, nu, nu) - nubar[:, :, None] * nubar[:, None]
    Kt = np.swapaxes(K, 1, 2)
    x = pred.x + np.einsum("mij,mj->mi", K, nubar)
    P = pred.P - (1.0 - b0) * K @ S @ Kt + K @ spread @ Kt
    return x, symmetrise(P)


def mode_distances(pred: IMMEstimate, updater: Updater, z: np.ndarray,
                   R: np.ndarray) -> np.ndarray:
    """Smallest squared Mahalanobis distance ``(K, J)`` of each plot over the targets'
    mode-matched predictions ``pred`` (``K`` targets, ``M`` modes); z: plots ``(J, 3)``,
    R: their covariances ``(J, 3, 3)``. The gate of an IMM track is the union of its modes'
    gates (IMM-PDA: Bar-Shalom, Willett & Tian, *Tracking and Data Fusion*, YBS 2011,
    §11.7), so that a plot that one mode explains (the ballistic mode at burnout, while the
    combined estimate still carries the thrust) is not left to initiate a second track."""
    model = updater.measurement_model
    out = np.full((pred.x.shape[0], len(z)), np.inf)
    for m in range(pred.x.shape[1]):
        mp = updater.predict_measurement(pred.mode(m))
        nu = model.residual(z[None], mp.z[:, None])
        S = mp.Pzz[:, None] + R[None]
        out = np.minimum(out, np.einsum("kji,kji->kj", nu,
                                        np.linalg.solve(S, nu[..., None])[..., 0]))
    return out

"""Kalman predictors: the extended (EKF) and unscented (UKF) time updates.

Both take a motion model with ``function(x (N, 6), dt_s) -> (N, 6)`` and
``covar(dt_s, x) -> (6, 6) or (N, 6, 6)`` (``x``: the states at the start of the step, for
state-dependent noise) and predict a whole batch of states at once (one call of the
propagator for all states and all perturbations or sigma points).

EKF (Bar-Shalom, Li & Kirubarajan 2001, §10.3.2):

.. math::
    \\hat x_{k|k-1} = f(\\hat x_{k-1}),\\quad
    P_{k|k-1} = F P_{k-1} F^\\top + Q(\\Delta t),\\quad F = \\partial f/\\partial x

with ``F`` by central finite differences of ``f`` (steps ``fd_step_pos_m``, ``fd_step_vel_mps``):
the motion model is the physics layer's propagator, never a second copy of the dynamics.

UKF (Julier & Uhlmann, "Unscented filtering and nonlinear estimation", Proc. IEEE 92(3),
2004, eqs. (12), (15)-(16); scaled sigma points of Julier 2002): ``2n + 1`` sigma points
``x̂ ± columns of √((n + λ)P)`` with ``λ = α²(n + κ) − n``, weights
``W₀ᵐ = λ/(n + λ)``, ``W₀ᶜ = W₀ᵐ + 1 − α² + β``, ``Wᵢ = 1/(2(n + λ))``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from gsomia.warning.tracking.states import GaussianStates

__all__ = [
    "ExtendedKalmanPredictor",
    "MotionModel",
    "Predictor",
    "UnscentedKalmanPredictor",
    "sigma_points",
    "symmetrise",
]


class MotionModel(Protocol):
    """What a predictor needs of a motion model."""

    def function(self, x: np.ndarray, dt_s: float) -> np.ndarray: ...

    def covar(self, dt_s: float, x: np.ndarray | None = None) -> np.ndarray: ...


class Predictor(Protocol):
    """A Kalman time update of a batch of states."""

    def predict(self, prior: GaussianStates, t_s: float) -> GaussianStates: ...


def symmetrise(P: np.ndarray) -> np.ndarray:
    """``(P + Pᵀ)/2`` over the last two axes."""
    return 0.5 * (P + np.swapaxes(P, -1, -2))


def sigma_points(x: np.ndarray, P: np.ndarray, alpha: float = 1.0, beta: float = 2.0,
                 kappa: float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scaled sigma points of a batch (Julier & Uhlmann 2004, eq. (12); Julier 2002).

    Args:
        x: means ``(N, n)``; P: covariances ``(N, n, n)`` (positive semi-definite).
        alpha, beta, kappa: spread, prior-knowledge and secondary scaling parameters.

    Returns:
        ``(points (N, 2n+1, n), wm (2n+1,), wc (2n+1,))``.
    """
    n = x.shape[-1]
    lam = alpha**2 * (n + kappa) - n
    # Cholesky of a symmetrised P with a tiny relative jitter for semi-definite inputs.
    Ps = symmetrise(P) * (n + lam)
    jitter = 1e-12 * np.maximum(np.trace(Ps, axis1=-2, axis2=-1), 1e-300)[:, None, None]
    L = np.linalg.cholesky(Ps + jitter * np.eye(n))
    cols = np.swapaxes(L, -1, -2)                          # rows = columns of L
    pts = np.concatenate((x[:, None, :], x[:, None, :] + cols, x[:, None, :] - cols), axis=1)
    wm = np.full(2 * n + 1, 1.0 / (2.0 * (n + lam)))
    wc = wm.copy()
    wm[0] = lam / (n + lam)
    wc[0] = wm[0] + 1.0 - alpha**2 + beta
    return pts, wm, wc


@dataclass(frozen=True, slots=True)
class ExtendedKalmanPredictor:
    """EKF time update (module notes).

    Attributes:
        motion_model: the motion model (e.g. :class:`~.models.BallisticMotionModel`).
        fd_step_pos_m, fd_step_vel_mps: central-difference steps for ``F``.
    """

    motion_model: MotionModel
    fd_step_pos_m: float = 100.0
    fd_step_vel_mps: float = 0.1

    def transition_matrix(self, x: np.ndarray, dt_s: float) -> tuple[np.ndarray, np.ndarray]:
        """``(f(x) (N, 6), F (N, 6, 6))`` by one batched call of the motion model."""
        n = x.shape[0]
        steps = np.array([self.fd_step_pos_m] * 3 + [self.fd_step_vel_mps] * 3)
        delta = np.diag(steps)
        pts = np.concatenate((x[:, None], x[:, None] + delta, x[:, None] - delta), axis=1)
        out = self.motion_model.function(pts.reshape(-1, 6), dt_s).reshape(n, 13, 6)
        F = (out[:, 1:7] - out[:, 7:13]) / (2.0 * steps[:, None])   # (N, j, i) = ∂f_i/∂x_j
        return out[:, 0], np.swapaxes(F, 1, 2)

    def predict(self, prior: GaussianStates, t_s: float) -> GaussianStates:
        """Predict every state of ``prior`` to time ``t_s`` [s]."""
        dt = t_s - prior.t_s
        if prior.x.shape[0] == 0:
            return GaussianStates(t_s, prior.x.copy(), prior.P.copy())
        xp, F = self.transition_matrix(prior.x, dt)
        P = F @ prior.P @ np.swapaxes(F, 1, 2) + self.motion_model.covar(dt, prior.x)
        return GaussianStates(t_s, xp, symmetrise(P))

    def predict_many(self, others: Sequence[ExtendedKalmanPredictor],
                     priors: Sequence[GaussianStates], t_s: float) -> list[GaussianStates]:
        """``[p.predict(prior, t_s) for p, prior in zip((self, *others), priors)]``, with a
        single call of the motion function when every predictor shares this one's
        deterministic dynamics (same ``motion_model.dynamics`` and finite-difference steps:
        the modes of an IMM that differ only in their noise); else one call each."""
        preds = (self, *others)
        key = getattr(self.motion_model, "dynamics", None)
        shared = key is not None and all(
            isinstance(p, ExtendedKalmanPredictor)
            and getattr(p.motion_model, "dynamics", None) == key
            and (p.fd_step_pos_m, p.fd_step_vel_mps) == (self.fd_step_pos_m,
                                                         self.fd_step_vel_mps)
            for p in others) and len({pr.t_s for pr in priors}) == 1
        if not shared:
            return [p.predict(pr, t_s) for p, pr in zip(preds, priors, strict=True)]
        dt = t_s - priors[0].t_s
        sizes = [pr.x.shape[0] for pr in priors]
        xp, F = self.transition_matrix(np.concatenate([pr.x for pr in priors]), dt)
        out, k = [], 0
        for p, pr, n in zip(preds, priors, sizes, strict=True):
            Fk = F[k:k + n]
            P = Fk @ pr.P @ np.swapaxes(Fk, 1, 2) + p.motion_model.covar(dt, pr.x)
            out.append(GaussianStates(t_s, xp[k:k + n], symmetrise(P)))
            k += n
        return out


@dataclass(frozen=True, slots=True)
class UnscentedKalmanPredictor:
    """UKF time update (module notes).

    Attributes:
        motion_model: the motion model.
        alpha, beta, kappa: sigma-point parameters (defaults: α = 1, β = 2, κ = 0, which
            keep every weight non-negative for n = 6).
    """

    motion_model: MotionModel
    alpha: float = 1.0
    beta: float = 2.0
    kappa: float = 0.0

    def predict(self, prior: GaussianStates, t_s: float) -> GaussianStates:
        """Predict every state of ``prior`` to time ``t_s`` [s]."""
        dt = t_s - prior.t_s
        n = prior.x.shape[0]
        if n == 0:
            return GaussianStates(t_s, prior.x.copy(), prior.P.copy())
        pts, wm, wc = sigma_points(prior.x, prior.P, self.alpha, self.beta, self.kappa)
        out = self.motion_model.function(pts.reshape(-1, 6), dt).reshape(pts.shape)
        xp = np.einsum("s,nsi->ni", wm, out)
        d = out - xp[:, None]
        P = np.einsum("s,nsi,nsj->nij", wc, d, d) + self.motion_model.covar(dt, prior.x)
        return GaussianStates(t_s, xp, symmetrise(P))

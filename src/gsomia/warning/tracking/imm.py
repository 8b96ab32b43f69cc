"""Interacting multiple model (IMM) estimator for boost and ballistic flight.

A missile is either *powered* (thrust of unknown magnitude and direction) or *ballistic*;
the IMM runs one Kalman filter per mode and mixes them each cycle (Blom & Bar-Shalom,
"The interacting multiple model algorithm for systems with Markovian switching
coefficients", IEEE TAC 33(8), 1988; Bar-Shalom, Li & Kirubarajan 2001, §11.6.6):

1. *Mixing*, with ``p_ij`` the probability of switching from mode i to j over Δt:
   ``c̄_j = Σ_i p_ij μ_i``, ``μ_{i|j} = p_ij μ_i / c̄_j``,
   ``x⁰_j = Σ_i μ_{i|j} x_i``, ``P⁰_j = Σ_i μ_{i|j} [P_i + (x_i − x⁰_j)(x_i − x⁰_j)ᵀ]``
   (eqs. 11.6.6-6 to -9);
2. *mode-matched* prediction and update of ``(x⁰_j, P⁰_j)`` with mode j's predictor (EKF
   modes that share their dynamics are propagated in one batch,
   :meth:`~.predict.ExtendedKalmanPredictor.predict_many`);
3. *mode probabilities* ``μ_j ∝ Λ_j c̄_j`` with ``Λ_j = N(ν_j; 0, S_j)`` (eqs. -10 to -12);
4. *combination* ``x = Σ μ_j x_j``, ``P = Σ μ_j [P_j + (x_j − x)(x_j − x)ᵀ]`` (eqs. -13, -14).

Switching is a continuous-time Markov chain with rate matrix ``Λ`` (rows sum to zero), so
``p(Δt) = expm(Λ Δt)`` holds for the irregular revisit intervals of several radars.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.linalg import expm

from gsomia.errors import InputError
from gsomia.warning.tracking.predict import ExtendedKalmanPredictor, Predictor, symmetrise
from gsomia.warning.tracking.states import GaussianStates, MeasurementPrediction
from gsomia.warning.tracking.update import Updater, kalman_update

__all__ = ["IMMEstimate", "IMMFilter", "combine"]


@dataclass(frozen=True, slots=True, eq=False)
class IMMEstimate:
    """Mode-conditioned estimates of a batch of N targets with M modes.

    Attributes:
        t_s: time [s]; x: ``(N, M, 6)``; P: ``(N, M, 6, 6)``; mu: mode probabilities ``(N, M)``.
    """

    t_s: float
    x: np.ndarray
    P: np.ndarray
    mu: np.ndarray

    def mode(self, j: int) -> GaussianStates:
        """The batch's mode-``j`` estimates."""
        return GaussianStates(self.t_s, self.x[:, j], self.P[:, j])


def combine(x: np.ndarray, P: np.ndarray, mu: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Moment-matched mixture ``(N, 6), (N, 6, 6)`` of ``x (N, M, 6)``, ``P (N, M, 6, 6)``
    with weights ``mu (N, M)`` (Bar-Shalom et al. 2001, eqs. 11.6.6-13, -14)."""
    xc = np.einsum("nm,nmi->ni", mu, x)
    d = x - xc[:, None]
    Pc = np.einsum("nm,nmij->nij", mu, P + d[..., :, None] * d[..., None, :])
    return xc, symmetrise(Pc)


@dataclass(frozen=True, slots=True)
class IMMFilter:
    """An IMM over mode-matched Kalman predictors (module notes).

    Attributes:
        predictors: one predictor per mode (e.g. ballistic, powered).
        rates_per_s: ``(M, M)`` switching-rate matrix [1/s], off-diagonal ≥ 0, rows summing
            to 0.

    Raises:
        InputError: a rate matrix of the wrong shape or not a generator.
    """

    predictors: Sequence[Predictor]
    rates_per_s: np.ndarray

    def __post_init__(self) -> None:
        m = len(self.predictors)
        rates = np.asarray(self.rates_per_s, dtype=float)
        if rates.shape != (m, m):
            raise InputError("rates_per_s", rates.shape, f"expected ({m}, {m})")
        off = rates - np.diag(np.diag(rates))
        if np.any(off < 0) or not np.allclose(rates.sum(axis=1), 0.0, atol=1e-12):
            raise InputError("rates_per_s", rates.tolist(),
                             "off-diagonal rates must be >= 0 and rows sum to 0")
        object.__setattr__(self, "rates_per_s", rates)

    @property
    def n_modes(self) -> int:
        """Number of modes M."""
        return len(self.predictors)

    def switching(self, dt_s: float) -> np.ndarray:
        """``p(Δt) = expm(Λ|Δt|)``, shape ``(M, M)``, ``p[i, j]`` = P(i → j).

        For two modes with rates ``a`` (0 → 1) and ``b`` (1 → 0) the closed form of the
        two-state chain is used (Kolmogorov's equations solved for two states; e.g. Ross,
        *Introduction to Probability Models*, ch. 6): ``p₀₁ = a/(a+b)·(1 − e^{−(a+b)Δt})``,
        ``p₁₀ = b/(a+b)·(1 − e^{−(a+b)Δt})``; otherwise :func:`scipy.linalg.expm`.
        """
        dt = abs(dt_s)
        rates = self.rates_per_s
        if rates.shape == (2, 2):
            a, b = rates[0, 1], rates[1, 0]
            s = a + b
            if s == 0.0:
                return np.eye(2)
            f = -math.expm1(-s * dt) / s
            return np.array([[1.0 - a * f, a * f], [b * f, 1.0 - b * f]])
        return expm(rates * dt)

    def predict(self, prior: IMMEstimate, t_s: float) -> IMMEstimate:
        """Mixing and mode-matched prediction to ``t_s``; ``mu`` of the result is c̄."""
        p = self.switching(t_s - prior.t_s)
        cbar = prior.mu @ p                                              # (N, M)
        w = prior.mu[:, :, None] * p[None] / np.maximum(cbar[:, None, :], 1e-300)  # μ_{i|j}
        x0 = np.einsum("nij,nik->njk", w, prior.x)
        d = prior.x[:, :, None, :] - x0[:, None, :, :]                   # (N, i, j, 6)
        P0 = np.einsum("nij,nijkl->njkl", w,
                       prior.P[:, :, None] + d[..., :, None] * d[..., None, :])
        xs = np.empty_like(x0)
        Ps = np.empty_like(P0)
        priors = [GaussianStates(prior.t_s, x0[:, j], P0[:, j]) for j in range(self.n_modes)]
        first = self.predictors[0]
        if isinstance(first, ExtendedKalmanPredictor):
            preds = first.predict_many(self.predictors[1:], priors, t_s)
        else:
            preds = [p.predict(pr, t_s) for p, pr in zip(self.predictors, priors, strict=True)]
        for j, pred in enumerate(preds):
            xs[:, j], Ps[:, j] = pred.x, pred.P
        return IMMEstimate(t_s, xs, Ps, cbar)

    def combined(self, est: IMMEstimate) -> GaussianStates:
        """The moment-matched combined estimate of every target."""
        x, P = combine(est.x, est.P, est.mu)
        return GaussianStates(est.t_s, x, P)

    def update(self, pred: IMMEstimate, updater: Updater, z: np.ndarray,
               R: np.ndarray) -> IMMEstimate:
        """Mode-matched updates of every row of ``pred`` by its own measurement.

        Args:
            pred: output of :meth:`predict` (N targets).
            updater: the measurement updater (one sensor).
            z: measurements ``(N, m)``; R: their covariances ``(N, m, m)``.
        """
        n, m_modes = pred.mu.shape
        xs = np.empty_like(pred.x)
        Ps = np.empty_like(pred.P)
        log_lik = np.empty((n, m_modes))
        for j in range(m_modes):
            mode = pred.mode(j)
            mp: MeasurementPrediction = updater.predict_measurement(mode)
            nu = updater.measurement_model.residual(z, mp.z)
            S = mp.Pzz + R
            post = kalman_update(mode, mp, nu, R)
            xs[:, j], Ps[:, j] = post.x, post.P
            _, logdet = np.linalg.slogdet(S)
            maha = np.einsum("ni,ni->n", nu, np.linalg.solve(S, nu[..., None])[..., 0])
            log_lik[:, j] = -0.5 * (maha + logdet + nu.shape[1] * np.log(2.0 * np.pi))
        logw = log_lik + np.log(np.maximum(pred.mu, 1e-300))
        logw -= logw.max(axis=1, keepdims=True)
        mu = np.exp(logw)
        mu /= mu.sum(axis=1, keepdims=True)
        # keep every mode alive so that the chain can switch back (numerical floor)
        mu = np.maximum(mu, 1e-6)
        mu /= mu.sum(axis=1, keepdims=True)
        return IMMEstimate(pred.t_s, xs, Ps, mu)

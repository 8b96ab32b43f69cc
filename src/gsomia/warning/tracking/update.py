"""Kalman measurement updates: extended (EKF) and unscented (UKF).

An updater holds a measurement model (``function``, ``jacobian``, ``residual``) and works in
two steps, so that the tracker can gate and assign between them:

1. :meth:`predict_measurement` — ``ẑ``, ``P_zz`` (without the noise ``R``) and ``P_xz``;
2. :meth:`update` — for each state its own measurement ``z`` with covariance ``R``:

.. math::
    S = P_{zz} + R,\\quad K = P_{xz} S^{-1},\\quad
    \\hat x^+ = \\hat x + K(z \\ominus \\hat z),\\quad P^+ = P - K S K^\\top

(Bar-Shalom, Li & Kirubarajan 2001, §5.2.3 and §10.3.2 for the EKF, where
``P_zz = H P Hᵀ`` and ``P_xz = P Hᵀ``; Julier & Uhlmann 2004, eqs. (13)-(17) for the UKF,
where they are weighted sums over the sigma points). ``⊖`` wraps the azimuth residual.
The posterior covariance is symmetrised after each update.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from gsomia.warning.tracking.predict import sigma_points, symmetrise
from gsomia.warning.tracking.states import GaussianStates, MeasurementPrediction

__all__ = [
    "ExtendedKalmanUpdater",
    "MeasurementModel",
    "UnscentedKalmanUpdater",
    "Updater",
    "kalman_update",
]


class MeasurementModel(Protocol):
    """What an updater needs of a measurement model."""

    def function(self, x: np.ndarray) -> np.ndarray: ...

    def jacobian(self, x: np.ndarray) -> np.ndarray: ...

    def residual(self, z: np.ndarray, z_pred: np.ndarray) -> np.ndarray: ...


class Updater(Protocol):
    """A Kalman measurement update of a batch of states."""

    measurement_model: MeasurementModel

    def predict_measurement(self, pred: GaussianStates) -> MeasurementPrediction: ...

    def update(self, pred: GaussianStates, mp: MeasurementPrediction, z: np.ndarray,
               R: np.ndarray) -> GaussianStates: ...


def kalman_update(pred: GaussianStates, mp: MeasurementPrediction, innovation: np.ndarray,
                  R: np.ndarray) -> GaussianStates:
    """The common Kalman gain step (module notes).

    Args:
        pred: predicted states (N rows).
        mp: their measurement prediction.
        innovation: ``z ⊖ ẑ``, ``(N, m)``.
        R: measurement covariances ``(N, m, m)`` (or ``(m, m)``, broadcast).
    """
    S = mp.Pzz + R
    K = np.swapaxes(np.linalg.solve(S, np.swapaxes(mp.Pxz, 1, 2)), 1, 2)   # P_xz S⁻¹
    x = pred.x + np.einsum("nim,nm->ni", K, innovation)
    P = pred.P - K @ S @ np.swapaxes(K, 1, 2)
    return GaussianStates(pred.t_s, x, symmetrise(P))


@dataclass(frozen=True, slots=True)
class ExtendedKalmanUpdater:
    """EKF measurement update: linearisation by the model's Jacobian at the prediction."""

    measurement_model: MeasurementModel

    def predict_measurement(self, pred: GaussianStates) -> MeasurementPrediction:
        """``ẑ = h(x̂)``, ``P_zz = H P Hᵀ``, ``P_xz = P Hᵀ``."""
        H = self.measurement_model.jacobian(pred.x)
        Pxz = pred.P @ np.swapaxes(H, 1, 2)
        return MeasurementPrediction(self.measurement_model.function(pred.x), H @ Pxz, Pxz)

    def update(self, pred: GaussianStates, mp: MeasurementPrediction, z: np.ndarray,
               R: np.ndarray) -> GaussianStates:
        """Posterior of each row of ``pred`` given its measurement ``z`` ``(N, m)``."""
        return kalman_update(pred, mp, self.measurement_model.residual(z, mp.z), R)


@dataclass(frozen=True, slots=True)
class UnscentedKalmanUpdater:
    """UKF measurement update (sigma points through the measurement function).

    Attributes:
        measurement_model: the measurement model.
        alpha, beta, kappa: sigma-point parameters (see :mod:`.predict`).
    """

    measurement_model: MeasurementModel
    alpha: float = 1.0
    beta: float = 2.0
    kappa: float = 0.0

    def predict_measurement(self, pred: GaussianStates) -> MeasurementPrediction:
        """Weighted sigma-point moments; angle residuals taken about the central point."""
        pts, wm, wc = sigma_points(pred.x, pred.P, self.alpha, self.beta, self.kappa)
        zs = self.measurement_model.function(pts)                       # (N, 2n+1, m)
        centre = zs[:, :1]
        dz = self.measurement_model.residual(zs, np.broadcast_to(centre, zs.shape))
        zmean_off = np.einsum("s,nsm->nm", wm, dz)
        zhat = centre[:, 0] + zmean_off
        dz = dz - zmean_off[:, None]
        dx = pts - pred.x[:, None]
        Pzz = np.einsum("s,nsi,nsj->nij", wc, dz, dz)
        Pxz = np.einsum("s,nsi,nsj->nij", wc, dx, dz)
        return MeasurementPrediction(zhat, Pzz, Pxz)

    def update(self, pred: GaussianStates, mp: MeasurementPrediction, z: np.ndarray,
               R: np.ndarray) -> GaussianStates:
        """Posterior of each row of ``pred`` given its measurement ``z`` ``(N, m)``."""
        return kalman_update(pred, mp, self.measurement_model.residual(z, mp.z), R)

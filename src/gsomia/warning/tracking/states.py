"""Each stage of an estimate has its own type (after Stone Soup's ``types`` package).

- :class:`GaussianStates`: a batch of Gaussian states at one time (a prediction or a
  posterior), ``x`` of shape ``(N, 6)`` ECEF [m, m/s], ``P`` of shape ``(N, 6, 6)``.
- :class:`MeasurementPrediction`: predicted measurements of a batch with their
  covariance (without the measurement noise) and the state–measurement cross-covariance.
- :class:`TrackState`: one track's combined estimate at one time, with its IMM mode
  probabilities; a :class:`~gsomia.warning.tracking.tracker.Track` keeps their history.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gsomia.errors import InputError

__all__ = ["GaussianStates", "MeasurementPrediction", "TrackState", "error_ellipse"]


@dataclass(frozen=True, slots=True, eq=False)
class GaussianStates:
    """A batch of Gaussian states at time ``t_s``.

    Attributes:
        t_s: time [s since the scenario epoch].
        x: means, ``(N, 6)``: ECEF position [m] then Earth-relative velocity [m/s].
        P: covariances, ``(N, 6, 6)``.

    Raises:
        InputError: shapes that do not match.
    """

    t_s: float
    x: np.ndarray
    P: np.ndarray

    def __post_init__(self) -> None:
        if self.x.ndim != 2 or self.P.shape != self.x.shape + (self.x.shape[1],):
            raise InputError("P", self.P.shape, f"expected {self.x.shape + (self.x.shape[1],)}"
                             f" for x of shape {self.x.shape}")


@dataclass(frozen=True, slots=True, eq=False)
class MeasurementPrediction:
    """Predicted measurements of a batch of states.

    Attributes:
        z: predicted measurements, ``(N, m)``.
        Pzz: their covariance from the state uncertainty alone, ``(N, m, m)`` (the
            innovation covariance is ``S = Pzz + R``).
        Pxz: state–measurement cross-covariance, ``(N, 6, m)``.
    """

    z: np.ndarray
    Pzz: np.ndarray
    Pxz: np.ndarray


@dataclass(frozen=True, slots=True, eq=False)
class TrackState:
    """One track's estimate at one time.

    Attributes:
        t_s: time [s since the scenario epoch].
        x: combined mean ``(6,)``, ECEF [m, m/s].
        P: combined covariance ``(6, 6)``.
        mode_probabilities: IMM mode probabilities ``(M,)`` (order of the tracker's modes).
        updated: True if a detection updated the track at ``t_s`` (else a prediction).
    """

    t_s: float
    x: np.ndarray
    P: np.ndarray
    mode_probabilities: np.ndarray
    updated: bool


def error_ellipse(cov_en_m2: np.ndarray, probability: float) -> tuple[float, float, float]:
    """``(semi_major_m, semi_minor_m, orientation_deg)`` of the ellipse of a 2-D Gaussian
    (east-north covariance ``(2, 2)`` [m²]) holding ``probability`` of it; orientation of the
    major axis clockwise from north. Scale ``√(−2 ln(1 − p))`` (χ², 2 degrees of freedom).

    Raises:
        InputError: probability outside (0, 1).
    """
    if not 0.0 < probability < 1.0:
        raise InputError("probability", probability, "must be in (0, 1)")
    k2 = -2.0 * math.log(1.0 - probability)
    w, v = np.linalg.eigh(np.asarray(cov_en_m2, dtype=float))
    return (math.sqrt(k2 * max(w[1], 0.0)), math.sqrt(k2 * max(w[0], 0.0)),
            math.degrees(math.atan2(v[0, 1], v[1, 1])) % 180.0)

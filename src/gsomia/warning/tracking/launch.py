"""Launch point estimate (LPE): launch point and time, with an uncertainty ellipse.

Method (a documented alternative to back-propagation through a thrust model, whose stage
burn times and thrust profile the tracker does not know): the powered ascent seen by the
radars is fitted, in the local east-north-up frame at the ground point below the first
boost detection, by a flight that starts *at rest on the ground* at ``(e₀, n₀, 0)`` at time
``t₀`` with constant acceleration ``a`` (3 components):

.. math::
    \\mathbf p(t) = (e_0, n_0, 0) + \\tfrac12\\,\\mathbf a\\,(t - t_0)^2,\\qquad t \\ge t_0

The six unknowns are found by weighted non-linear least squares over the track's boost
detections (each converted to ECEF with its linearised covariance ``J R Jᵀ``, weights the
inverse covariances; Gauss–Newton / trust region, :func:`scipy.optimize.least_squares`).
The covariance of the estimate is ``(Jᵀ W J)⁻¹`` at the solution (Bar-Shalom, Li &
Kirubarajan 2001, §3.4), which gives the 2-D ellipse of ``(e₀, n₀)`` and the σ of ``t₀``.

Boost detections are those before the IMM's ballistic mode first exceeds
``ballistic_threshold`` and within ``max_window_s`` of the first detection. The constant-
acceleration ascent from rest is a deliberate simplification (a real ascent's acceleration
grows as propellant burns and its direction pitches over): its bias on the synthetic flights
of the physics layer is a few kilometres (tests hold it to 10 km).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import least_squares

from gsomia.physics.earth import WGS84, Earth
from gsomia.physics.geodesy import ecef2geodetic, enu_basis, geodetic2ecef
from gsomia.warning.tracking.models import RadarMeasurementModel
from gsomia.warning.tracking.states import TrackState, error_ellipse
from gsomia.warning.types import Detection

__all__ = ["LaunchPointEstimate", "estimate_launch_point", "boost_detections"]


@dataclass(frozen=True, slots=True, eq=False)
class LaunchPointEstimate:
    """Where and when a tracked missile was launched.

    Attributes:
        lat_deg, lon_deg: launch point (geodetic WGS-84).
        launch_s: launch time [s since the epoch]; launch_sigma_s: its 1-σ [s].
        cov_en_m2: covariance of the launch point in the local east-north plane ``(2, 2)``.
        n_detections: detections used.
    """

    lat_deg: float
    lon_deg: float
    launch_s: float
    launch_sigma_s: float
    cov_en_m2: np.ndarray
    n_detections: int

    def ellipse(self, probability: float = 0.95) -> tuple[float, float, float]:
        """``(semi_major_m, semi_minor_m, orientation_deg)`` (clockwise from north) of the
        ellipse holding the launch point with ``probability`` (χ², 2 degrees of freedom).

        Raises:
            InputError: probability outside (0, 1).
        """
        return error_ellipse(self.cov_en_m2, probability)


def boost_detections(detections: Sequence[Detection], history: Sequence[TrackState],
                     ballistic_threshold: float = 0.9, max_window_s: float = 20.0,
                     ballistic_mode: int = 0) -> list[Detection]:
    """The detections of a track that belong to its powered flight (module notes)."""
    if not detections:
        return []
    t_first = detections[0].t_s
    t_end = t_first + max_window_s
    for s in history:
        if s.updated and s.mode_probabilities[ballistic_mode] > ballistic_threshold:
            t_end = min(t_end, s.t_s)
            break
    return [d for d in detections if d.t_s < t_end]


def estimate_launch_point(detections: Sequence[Detection],
                          earth: Earth = WGS84) -> LaunchPointEstimate | None:
    """LPE from boost-phase detections (module notes); ``None`` with fewer than 4.

    Args:
        detections: the boost detections of one track (see :func:`boost_detections`).
        earth: the Earth model.
    """
    if len(detections) < 4:
        return None
    pos, cov, t = [], [], []
    for d in detections:
        model = RadarMeasurementModel(d.site_lat_deg, d.site_lon_deg, d.site_alt_m, earth)
        r, c = model.inverse(d.z[None], d.covariance[None])
        pos.append(r[0])
        cov.append(c[0])
        t.append(d.t_s)
    pos_a, cov_a, t_a = np.array(pos), np.array(cov), np.array(t)
    lat0, lon0, _ = ecef2geodetic(pos_a[0], earth)
    rows = enu_basis(float(lat0), float(lon0))
    origin = geodetic2ecef(float(lat0), float(lon0), 0.0, earth)
    y = (pos_a - origin) @ rows.T
    c_enu = rows @ cov_a @ rows.T
    # whitening: W = L⁻ᵀL⁻¹ with C = L Lᵀ
    linv = np.linalg.inv(np.linalg.cholesky(c_enu))

    def residuals(p: np.ndarray) -> np.ndarray:
        tau = np.maximum(t_a - p[2], 0.0)[:, None]
        model = np.array([p[0], p[1], 0.0]) + 0.5 * p[3:6] * tau**2
        return np.einsum("nij,nj->ni", linv, model - y).ravel()

    dt0 = 30.0
    acc0 = 2.0 * y[0] / dt0**2
    p0 = np.array([0.0, 0.0, t_a[0] - dt0, acc0[0], acc0[1], max(acc0[2], 5.0)])
    lower = np.array([-np.inf, -np.inf, -np.inf, -np.inf, -np.inf, 0.0])
    upper = np.array([np.inf, np.inf, t_a[0] - 1.0, np.inf, np.inf, np.inf])
    sol = least_squares(residuals, p0, x_scale=np.array([1e3, 1e3, 5.0, 5.0, 5.0, 5.0]),
                        bounds=(lower, upper))
    jac = sol.jac
    try:
        pcov = np.linalg.inv(jac.T @ jac)
    except np.linalg.LinAlgError:
        pcov = np.full((6, 6), np.nan)
    e0, n0, t0 = sol.x[:3]
    launch_ecef = origin + np.array([e0, n0, 0.0]) @ rows
    lat, lon, _ = ecef2geodetic(launch_ecef, earth)
    return LaunchPointEstimate(float(lat), float(lon), float(t0),
                               float(math.sqrt(max(pcov[2, 2], 0.0))), pcov[:2, :2].copy(),
                               len(detections))

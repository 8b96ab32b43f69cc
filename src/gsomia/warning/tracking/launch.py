"""Launch point estimate (LPE): launch point and time, with an uncertainty ellipse.

This module's ascent fit is the simple estimate; :mod:`~.launch_boost` fits the track's
first detections through the propulsion classes' boost profiles instead (hypotheses over
class and burn time) and is the LPE that :mod:`~.metrics` reports, this one its fallback.

Method (an alternative to back-propagation through a thrust model, whose stage
burn times and thrust profile it does not assume): the powered ascent seen by the
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

Boost detections are those before the IMM's ballistic mode takes over for good (the first
update of the last run of updates with ``μ_ballistic > ballistic_threshold``: a new track's
mode probabilities may flicker while its velocity is still uncertain) and within
``max_window_s`` of the first detection, extended to the first ``min_detections`` when the
window holds fewer (a missed scan of a single radar).

*Model bias and an honest ellipse.* The constant-acceleration ascent from rest is a
deliberate simplification (a real ascent's acceleration grows as propellant burns and its
direction pitches over), and its error grows with the time over which the fit is
extrapolated back to the ground, ``Δ = t_first − t₀`` (first boost detection minus the
estimated launch time). The ellipse therefore adds to the fit's covariance a model-bias
covariance ``B = (½ δa Δ²)² I₂`` in the east-north plane: the displacement that an
acceleration error of ``δa`` per axis makes over Δ. ``δa = 4 m/s²`` per axis is the RMS of
``|error| / (½Δ²) / √2`` (3.3 m/s²) over twenty synthetic flights of the physics layer,
rounded up (ER-Scud, Scud-C, Nodong, Hwasong-12, Hwasong-15 and Pukguksong-2 classes from
Sohae, one radar at each of three sites in Korea, ranges 500-2,700 km; errors 0.2-16 km at Δ
= 26-63 s, the estimate mostly up-range of the truth); the coverage test of
``tests/warning/test_tracking_launch.py`` checks it on other flights. A solid SRBM whose
boost the radars see only in its last ten seconds (KN-23 class: errors 7-23 km) is outside
this calibration: its ellipse is too small. The launch-time σ gets the first-order term of
the same error: with ``p = ½ a Δ²`` at the first detection, a relative error ``δa/a`` of the
fitted acceleration magnitude ``a`` shifts Δ by ``½ (δa/a) Δ`` (this term is not calibrated:
on the flights above the launch time was late by 0-26 s). No estimate is given when ``Δ``
exceeds ``max_extrapolation_s`` (boost barely or never seen, e.g. a solid SRBM that burns
out before the radars see it): a ballistic arc says nothing reliable about where the powered
flight began. When the ascent model does not explain the detections to within their noise
(reduced χ² of the fit above 1), the fit's covariance is multiplied by the reduced χ² (the
usual scaling of a least-squares covariance by the goodness of fit, cf. Bevington &
Robinson, *Data Reduction and Error Analysis for the Physical Sciences*, on the parent
variance estimated from the fit); above ``max_reduced_chi2`` = 100 no estimate is given: the
detections are then not an ascent from rest. On the synthetic scenarios, boost fits give
1-28 for liquid missiles and solid MRBMs and 36-51 for the fast-accelerating solid SRBMs of
stress-20; the ballistic arcs that Japan's radars first see on 2017-03-06, mistaken for
boost by a new track's flickering modes, give 120-600. A solid SRBM seen only in the last
seconds of its boost fits well (χ² ≈ 1) and yet badly (stress-20 D-1, D-3: errors of 16 and
13 km, outside 95 % ellipses of semi-major axis 12 and 9 km): a known failure.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import least_squares
from scipy.stats import chi2 as chi2_dist

from gsomia.errors import InputError
from gsomia.physics.earth import WGS84, Earth
from gsomia.physics.geodesy import ecef2geodetic, enu_basis, geodetic2ecef
from gsomia.warning.tracking.models import RadarMeasurementModel
from gsomia.warning.tracking.states import TrackState, error_ellipse
from gsomia.warning.types import Detection

__all__ = [
    "BIAS_ACCEL_MPS2",
    "LaunchPointEstimate",
    "boost_detections",
    "detection_positions",
    "estimate_launch_point",
    "worst_outlier",
]

BIAS_ACCEL_MPS2 = 4.0
"""δa of the LPE's model-bias covariance [m/s² per axis]: calibration in the module notes."""


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
                     ballistic_mode: int = 0, min_detections: int = 4) -> list[Detection]:
    """The detections of a track that belong to its powered flight (module notes): those
    before the final switch to the ballistic mode and within ``max_window_s`` [s] of the
    first, or the first ``min_detections`` before the switch if the window holds fewer."""
    if not detections:
        return []
    t_first = detections[0].t_s
    run_start = None
    for s in history:
        if not s.updated:
            continue
        if s.mode_probabilities[ballistic_mode] > ballistic_threshold:
            run_start = s.t_s if run_start is None else run_start
        else:
            run_start = None
    powered = [d for d in detections if run_start is None or d.t_s < run_start]
    window = [d for d in powered if d.t_s < t_first + max_window_s]
    return window if len(window) >= min_detections else powered[:min_detections]


def detection_positions(detections: Sequence[Detection], earth: Earth = WGS84
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Times ``(n,)`` [s], ECEF positions ``(n, 3)`` [m] and their linearised covariances
    ``(n, 3, 3)`` [m²] (``J R Jᵀ``, :meth:`~.models.RadarMeasurementModel.inverse`) of
    detections."""
    pos, cov, t = [], [], []
    for d in detections:
        model = RadarMeasurementModel(d.site_lat_deg, d.site_lon_deg, d.site_alt_m, earth)
        r, c = model.inverse(d.z[None], d.covariance[None])
        pos.append(r[0])
        cov.append(c[0])
        t.append(d.t_s)
    return np.array(t), np.array(pos).reshape(-1, 3), np.array(cov).reshape(-1, 3, 3)


def estimate_launch_point(detections: Sequence[Detection], earth: Earth = WGS84,
                          bias_accel_mps2: float = BIAS_ACCEL_MPS2,
                          max_extrapolation_s: float = 90.0,
                          max_reduced_chi2: float = 100.0) -> LaunchPointEstimate | None:
    """LPE from boost-phase detections (module notes).

    Args:
        detections: the boost detections of one track (see :func:`boost_detections`).
        earth: the Earth model.
        bias_accel_mps2: δa of the model-bias covariance [m/s², per axis].
        max_extrapolation_s: largest ``Δ = t_first − t₀`` for which an estimate is given [s].
        max_reduced_chi2: largest reduced χ² of the fit (whitened residuals, 3n − 6 degrees
            of freedom) for which an estimate is given.

    Returns:
        the estimate, or ``None`` with fewer than 4 detections, with detections at fewer
        than 3 distinct times (one instant, however many plots, fixes no launch time: the
        fit is degenerate and its covariance singular), ``Δ`` too long, a fit that the
        ascent model does not explain, or a covariance that is singular or not finite.
    """
    if len(detections) < 4 or len({d.t_s for d in detections}) < 3:
        return None
    t_a, pos_a, cov_a = detection_positions(detections, earth)
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
        return None
    if not (np.all(np.isfinite(pcov)) and np.all(np.linalg.eigvalsh(
            0.5 * (pcov[:2, :2] + pcov[:2, :2].T)) > 0.0) and pcov[2, 2] >= 0.0):
        return None
    e0, n0, t0 = sol.x[:3]
    gap = float(t_a[0] - t0)
    chi2_red = 2.0 * sol.cost / max(sol.fun.size - 6, 1)
    if gap > max_extrapolation_s or chi2_red > max_reduced_chi2:
        return None
    pcov = pcov * max(chi2_red, 1.0)
    launch_ecef = origin + np.array([e0, n0, 0.0]) @ rows
    lat, lon, _ = ecef2geodetic(launch_ecef, earth)
    bias_m = 0.5 * bias_accel_mps2 * gap**2
    acc = max(float(np.linalg.norm(sol.x[3:6])), 1.0)
    bias_t = 0.5 * bias_accel_mps2 / acc * gap
    return LaunchPointEstimate(float(lat), float(lon), float(t0),
                               float(math.sqrt(max(pcov[2, 2], 0.0) + bias_t**2)),
                               pcov[:2, :2] + bias_m**2 * np.eye(2), len(detections))


def worst_outlier(jac: np.ndarray, res: np.ndarray, alpha: float = 0.01,
                  max_leverage: float = 0.9) -> np.ndarray:
    """From a fit's whitened Jacobian ``(3n, p)`` and residuals ``(3n,)`` of ``n`` 3-D
    detections, the mask ``(n,)`` of the detections kept (``False``: rejected). Each
    detection's studentised residual ``q_i = r_iᵀ (I − H_ii)⁻¹ r_i`` (whitened residual
    ``r_i`` of its 3 rows, ``H_ii`` its block of the hat matrix ``J (JᵀJ)⁻¹ Jᵀ``: the
    residual's own covariance under the model, so a detection that pulls the fit towards
    itself is not excused by its pull) is χ² with 3 degrees of freedom when the detection
    is the modelled missile's with its stated noise (Cook & Weisberg, *Residuals and
    Influence in Regression*, 1982, §2.2; the multivariate form, Bar-Shalom, Li &
    Kirubarajan 2001, §5.4 on normalised innovations). A detection is rejected when
    ``q_i`` exceeds the χ²₃ quantile of ``1 − alpha / n`` (Bonferroni over the ``n``
    detections: one clean fit of ``n`` detections loses none with probability about
    ``1 − alpha``). Only the worst detection is rejected (``False``) per call, the fit is
    redone without it and tested again: one foreign detection drags the fit and so every
    residual, and rejecting all that fail at once would discard good ones with it
    (masking and swamping; Rousseeuw & Leroy, *Robust Regression and Outlier Detection*,
    1987, §4.1; Barnett & Lewis, *Outliers in Statistical Data*, 3rd ed., §2.3).
    Leverage eigenvalues are capped at ``max_leverage``.

    Raises:
        InputError: ``jac`` not ``(3n, p)`` with ``res`` ``(3n,)``, or ``alpha`` outside
            (0, 1).
    """
    if jac.ndim != 2 or jac.shape[0] % 3 or res.shape != (jac.shape[0],):
        raise InputError("jac", jac.shape, f"must be (3n, p) with res (3n,), res {res.shape}")
    if not 0.0 < alpha < 1.0:
        raise InputError("alpha", alpha, "must be in (0, 1)")
    m, p = jac.shape
    n = m // 3
    a_inv = np.linalg.inv(jac.T @ jac)
    ji = jac.reshape(n, 3, p)
    h = ji @ a_inv[None] @ np.swapaxes(ji, 1, 2)                          # (n, 3, 3)
    w, v = np.linalg.eigh(0.5 * (h + np.swapaxes(h, 1, 2)))
    w = np.clip(w, 0.0, max_leverage)
    proj = np.einsum("nji,nj->ni", v, res.reshape(n, 3))
    q = np.sum(proj**2 / (1.0 - w), axis=1)
    keep = np.ones(n, dtype=bool)
    worst = int(np.argmax(q))
    keep[worst] = q[worst] <= float(chi2_dist.ppf(1.0 - alpha / n, 3))
    return keep

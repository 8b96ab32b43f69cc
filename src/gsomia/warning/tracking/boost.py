"""Boost-aware predicted impact point: a footprint over the hypotheses of remaining burn.

While thrust may continue, the free-flight PIP (:mod:`~gsomia.warning.tracking.impact`)
is always short: it assumes the engine stops now. Here the prediction is a *mixture* over
hypotheses of the burnout time, one per total burn time ``B_k`` of the missile's
propulsion class (:mod:`gsomia.physics.propulsion`):

.. math::  B_k = B\\,(1 + m z_k),\\qquad z_k \\in \\{-1, \\dots, 1\\}\\ \\text{(K equally
           spaced, equal weights)}

with ``B`` the class's nominal burn and ``m`` = :data:`BURN_MARGIN` (the classes' burn
times are assumptions at the ±20-30 % level, :data:`gsomia.physics.propulsion.
PROPULSION_CLASSES`). Under hypothesis k the class's thrust profile is stretched to last
``B_k`` with the same Δv per stage: ``a_k(t) = (B/B_k) a(t B/B_k)``. The missile has been
burning for ``e = t − t_launch``; a hypothesis with ``B_k ≤ e`` has burnt out (free
flight). For the others the total ideal Δv ``D`` is estimated from the track's speed: the
ideal Δv delivered by ``e`` is ``D S(e B/B_k)``, with ``S`` the class's delivered fraction

.. math::  S(\\tau) = \\sum_i s_i \\frac{\\ln(1-\\zeta_i \\tau_i/T_i)}{\\ln(1-\\zeta_i)}

(stage i burning for ``τ_i`` of its ``T_i``; the integral of
:func:`gsomia.physics.propulsion.thrust_acceleration`), and the speed is that less the
gravity loss ``g₀ e (1 + sin γ)/2`` (γ the flight-path angle now; the mean of a vertical
start and the present angle, a first-order estimate, Sutton & Biblarz, *Rocket Propulsion
Elements*, 9th ed., §4.3), so ``D = (|v| + g₀ e (1 + sin γ)/2) / S``. The remaining burn
is flown with thrust along the Earth-relative velocity (a gravity turn; the real tilt
program is unknown to the tracker) by RK4 with the physics layer's free-flight dynamics
(:func:`gsomia.physics.propagate.derivatives`), then to the ground by
:func:`gsomia.physics.propagate.propagate_to_impact`. Every hypothesis is applied to each
sigma point of the track's Gaussian (the unscented transform of
:mod:`~gsomia.warning.tracking.impact`), giving a Gaussian per hypothesis in the
east-north plane tangent at the footprint's centre; the footprint is their equal-weight
mixture. When every hypothesis has burnt out (``e ≥ B (1 + m)``) it is the free-flight PIP
itself (:meth:`BoostFootprint.from_prediction`).

The region holding the impact with probability ``p`` is the mixture's highest-density
region, estimated from samples: a point is inside when its density is at least the
``1 − p`` quantile of the densities of samples of the mixture (Hyndman, "Computing and
graphing highest density regions", *The American Statistician* 50(2), 1996, §3).

Each hypothesis also keeps the ground points of its mean trajectory (every
``track_step_s``) below ``overflight_alt_m``, for the overflight test of the warning
policy (:mod:`gsomia.warning.alerts`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from gsomia.errors import InputError
from gsomia.physics.earth import WGS84, Earth
from gsomia.physics.geodesy import (
    ecef2geodetic,
    enu_basis,
    geodetic2ecef,
    height_above_ellipsoid_fast,
)
from gsomia.physics.propagate import derivatives, propagate, propagate_to_impact
from gsomia.physics.propulsion import PropulsionClass, resolve_propulsion, unit_thrust
from gsomia.warning.tracking.impact import ImpactPrediction, lift_to_surface
from gsomia.warning.tracking.launch import boost_detections, estimate_launch_point
from gsomia.warning.tracking.predict import sigma_points
from gsomia.warning.tracking.states import TrackState
from gsomia.warning.types import Detection

__all__ = [
    "BIAS_FRACTION",
    "BURN_HYPOTHESES",
    "BURN_MARGIN",
    "G0_M_S2",
    "KINEMATIC_SIGMA_FRACTION",
    "MIN_DELIVERED_FRACTION",
    "BoostFootprint",
    "ballistic_since",
    "delivered_fraction",
    "ground_tracks",
    "kinematic_launch_time",
    "predict_footprint",
    "track_launch_time",
]

BURN_MARGIN = 0.3
"""Relative uncertainty of a class's burn time (:mod:`gsomia.physics.propulsion`: every
figure an assumption at the ±20-30 % level; the larger bound)."""
BURN_HYPOTHESES = 9
"""Number of burn-time hypotheses ``K`` (odd: the nominal burn is one of them)."""
BIAS_FRACTION = 0.4
"""``c``: the 1-σ model bias of a hypothesis as a fraction of the ground displacement its
remaining burn makes (thrust along the velocity instead of the unknown tilt program, the
Δv from the speed). Calibrated on 49 true boost states of seven synthetic flights of the
physics layer, apart from the packaged scenarios (Scud-C to Hwasong-15/19 classes, from
39 N 126 E; ``python benchmarks/boost_coverage.py --calibrate``): the 95 % region held
the impact in 92 % of them with c = 0.25, 96 % with 0.4, 98 % with 0.6; 0.4 is the
smallest of these that reaches 95 %."""
G0_M_S2 = 9.80665
"""Standard gravity [m/s²] (CGPM 1901), for the gravity-loss estimate."""
MIN_DELIVERED_FRACTION = 0.02
"""Least fraction of the ideal Δv delivered under a hypothesis for the Δv estimate; below
it (the first seconds of flight) the footprint is not defined (``valid`` False)."""
_DENSITY_FLOOR_M2 = 1.0
"""Variance added to each mixture component [m²] so a degenerate one has a density."""


def delivered_fraction(prop: PropulsionClass, tau_s: np.ndarray) -> np.ndarray:
    """``S(τ)``: fraction of the class's ideal Δv delivered ``tau_s`` s after launch (module
    notes; 1 after burnout). ``tau_s`` any shape [s]; same shape out."""
    tau = np.asarray(tau_s, dtype=float)
    out = np.zeros_like(tau)
    t0 = 0.0
    for st in prop.stages:
        burning = np.clip(tau - t0, 0.0, st.burn_s)
        out += st.dv_share * np.log1p(-st.propellant_fraction * burning / st.burn_s) / \
            math.log1p(-st.propellant_fraction)
        t0 += st.burn_s
    return out


def kinematic_launch_time(t_s: float, x: np.ndarray, earth: Earth = WGS84) -> float:
    """Launch time [s since the epoch] of an ascending state ``x (6,)`` (ECEF [m, m/s]) at
    ``t_s``, by the launch-point model of :mod:`gsomia.warning.tracking.launch` applied to
    one state: a rise from rest on the ground with constant acceleration gives
    ``h = ½ a e²`` and ``v_up = a e``, so ``e = 2 h / v_up``.

    Raises:
        InputError: a state that is not climbing (``v_up ≤ 0``).
    """
    x = np.asarray(x, dtype=float)
    h = float(height_above_ellipsoid_fast(x[None, :3], earth)[0])
    lat, lon, _ = ecef2geodetic(x[:3], earth)
    v_up = float(enu_basis(float(lat), float(lon))[2] @ x[3:])
    if not v_up > 0.0:
        raise InputError("x", x.tolist(), "not climbing: no launch time from one state")
    return float(t_s) - 2.0 * max(h, 0.0) / v_up


KINEMATIC_SIGMA_FRACTION = 0.5
"""1-σ of :func:`kinematic_launch_time` as a fraction of the time it extrapolates back
[-] (a rough bound: the single-state model ignores the pitch-over and the growth of the
acceleration; on 2017-03-06 its estimates from first track states were 12-36 s early at
50-90 s of flight)."""


def track_launch_time(detections: Sequence[Detection], history: Sequence[TrackState],
                      earth: Earth = WGS84) -> tuple[float, float] | None:
    """Launch time and its 1-σ [s] of one track: the LPE of its boost detections
    (:func:`gsomia.warning.tracking.launch.estimate_launch_point`), else
    :func:`kinematic_launch_time` of its first state with σ =
    :data:`KINEMATIC_SIGMA_FRACTION` of the extrapolation; None when neither applies (the
    track was first seen descending)."""
    lpe = estimate_launch_point(boost_detections(detections, history), earth)
    if lpe is not None and math.isfinite(lpe.launch_sigma_s):
        return float(lpe.launch_s), float(lpe.launch_sigma_s)
    if not history:
        return None
    first = history[0]
    try:
        t0 = kinematic_launch_time(first.t_s, first.x, earth)
    except InputError:
        return None
    return t0, KINEMATIC_SIGMA_FRACTION * (first.t_s - t0)


def ballistic_since(history: Sequence[TrackState], t_s: float, threshold: float = 0.9,
                    min_run_s: float = 10.0, ballistic_mode: int = 0) -> float | None:
    """Start of the run of updates, up to ``t_s``, in which the track's IMM gives the
    ballistic mode a probability above ``threshold`` (the burnout test of
    :func:`gsomia.warning.tracking.launch.boost_detections`), when that run has lasted
    ``min_run_s`` [s] by ``t_s`` (a new track's modes flicker); else None. Only states at
    or before ``t_s`` are read."""
    start = None
    last = None
    for s in history:
        if s.t_s > t_s:
            break
        if not s.updated:
            continue
        last = s.t_s
        if s.mode_probabilities[ballistic_mode] > threshold:
            start = s.t_s if start is None else start
        else:
            start = None
    if start is None or last is None or last - start < min_run_s:
        return None
    return start


@dataclass(frozen=True, slots=True, eq=False)
class BoostFootprint:
    """Where one track's missile may fall while its thrust may continue (module notes).

    Attributes:
        t_s: time of the track estimate [s since the epoch].
        lat_deg, lon_deg: centre of the footprint's east-north plane (geodetic WGS-84).
        weights: hypotheses' weights ``(K,)`` (sum 1).
        remaining_burn_s: remaining burn of each hypothesis ``(K,)`` [s] (0: burnt out).
        means_en_m: each hypothesis's mean impact ``(K, 2)`` [m] in the plane.
        covs_en_m2: each hypothesis's impact covariance ``(K, 2, 2)`` [m²].
        impact_s: each hypothesis's mean time of impact ``(K,)`` [s since the epoch].
        ground_tracks: per hypothesis, ``(M_k, 2)`` latitudes and longitudes [deg] of its
            mean trajectory's points below the overflight altitude (empty: not computed).
        valid: False when some hypothesis never came down or no Δv could be estimated.
    """

    t_s: float
    lat_deg: float
    lon_deg: float
    weights: np.ndarray
    remaining_burn_s: np.ndarray
    means_en_m: np.ndarray
    covs_en_m2: np.ndarray
    impact_s: np.ndarray
    ground_tracks: tuple[np.ndarray, ...] = ()
    valid: bool = True

    @classmethod
    def from_prediction(cls, pip: ImpactPrediction) -> BoostFootprint:
        """The free-flight PIP as a footprint of one burnt-out hypothesis (its collapse)."""
        return cls(pip.t_s, pip.lat_deg, pip.lon_deg, np.ones(1), np.zeros(1),
                   np.zeros((1, 2)), np.asarray(pip.cov_en_m2, dtype=float)[None],
                   np.array([pip.impact_s]), (), bool(pip.valid))

    @property
    def boosting(self) -> bool:
        """True while some hypothesis still burns."""
        return bool(np.any(self.remaining_burn_s > 0.0))

    def sample(self, n: int, rng: np.random.Generator | None = None) -> np.ndarray:
        """``n`` impact points drawn from the mixture, ``(n, 2)`` east-north [m] in the
        plane of (``lat_deg``, ``lon_deg``); ``rng`` None: seeded with 0."""
        gen = rng if rng is not None else np.random.default_rng(0)
        k = gen.choice(self.weights.size, size=n, p=self.weights)
        w, v = np.linalg.eigh(self.covs_en_m2)
        z = gen.standard_normal((n, 2)) * np.sqrt(np.maximum(w[k], 0.0))
        return self.means_en_m[k] + np.einsum("nij,nj->ni", v[k], z)

    def density(self, en_m: np.ndarray) -> np.ndarray:
        """Mixture density [1/m²] at points ``(M, 2)`` east-north [m]."""
        en = np.atleast_2d(np.asarray(en_m, dtype=float))
        cov = self.covs_en_m2 + _DENSITY_FLOOR_M2 * np.eye(2)
        inv = np.linalg.inv(cov)
        det = np.linalg.det(cov)
        d = en[:, None, :] - self.means_en_m[None]
        m2 = np.einsum("mki,kij,mkj->mk", d, inv, d)
        return (np.exp(-0.5 * m2) / (2.0 * math.pi * np.sqrt(det))) @ self.weights

    def to_plane(self, lat_deg, lon_deg) -> np.ndarray:
        """Points [deg] → ``(M, 2)`` east-north [m] in the footprint's tangent plane."""
        base = geodetic2ecef(self.lat_deg, self.lon_deg, 0.0)
        r = geodetic2ecef(np.atleast_1d(lat_deg), np.atleast_1d(lon_deg), 0.0)
        return (np.atleast_2d(r) - base) @ enu_basis(self.lat_deg, self.lon_deg)[:2].T

    def contains(self, lat_deg: float, lon_deg: float, probability: float = 0.95,
                 n_samples: int = 4000, rng: np.random.Generator | None = None) -> bool:
        """Whether a point lies in the region holding the impact with ``probability``
        (highest-density region from ``n_samples`` samples, module notes).

        Raises:
            InputError: probability outside (0, 1).
        """
        if not 0.0 < probability < 1.0:
            raise InputError("probability", probability, "must be in (0, 1)")
        dens = self.density(self.sample(n_samples, rng))
        level = float(np.quantile(dens, 1.0 - probability))
        return bool(self.density(self.to_plane(lat_deg, lon_deg))[0] >= level)


def _hypotheses(prop: PropulsionClass, elapsed_s: np.ndarray, k: int, margin: float,
                launch_sigma_s: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Burn times ``(K,)`` and remaining burns ``(N, K)`` [s] for elapsed times ``(N,)``:
    ``B (1 ± m)`` widened by ``± 2 σ`` of the launch time (an error of the launch time is
    one of the remaining burn)."""
    lo = max(prop.burn_s * (1.0 - margin) - 2.0 * launch_sigma_s, 0.0)
    burns = np.linspace(lo, prop.burn_s * (1.0 + margin) + 2.0 * launch_sigma_s, k)
    return burns, np.maximum(burns[None, :] - elapsed_s[:, None], 0.0)


def _boost(y: np.ndarray, elapsed_s: np.ndarray, burns_s: np.ndarray, prop: PropulsionClass,
           earth: Earth, step_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Fly states ``y (M, 6)`` under thrust from ``elapsed_s (M,)`` after launch to burnout
    at ``burns_s (M,)`` (module notes). Returns the burnout states ``(M, 6)`` and a mask of
    rows whose Δv could be estimated."""
    scale = prop.burn_s / burns_s
    v = y[:, 3:]
    speed = np.linalg.norm(v, axis=1)
    lat, lon, _ = ecef2geodetic(y[:, :3], earth)
    up = geodetic2ecef(lat, lon, 1.0, earth) - geodetic2ecef(lat, lon, 0.0, earth)
    sin_gamma = np.einsum("mi,mi->m", up, v) / np.maximum(speed, 1e-9)
    frac = delivered_fraction(prop, elapsed_s * scale)
    ok = frac >= MIN_DELIVERED_FRACTION
    dv = (speed + G0_M_S2 * elapsed_s * 0.5 * (1.0 + sin_gamma)) / np.maximum(frac, 1e-9)
    remaining = np.maximum(burns_s - elapsed_s, 0.0)
    n = max(1, math.ceil(float(np.max(remaining, initial=0.0)) / step_s))
    h = remaining / n

    def rhs(t: np.ndarray, s: np.ndarray) -> np.ndarray:
        d = derivatives(s, earth)
        u = s[:, 3:] / np.maximum(np.linalg.norm(s[:, 3:], axis=1), 1e-9)[:, None]
        a = dv * scale * unit_thrust(prop, np.minimum(t, burns_s * (1 - 1e-9)) * scale)
        d[:, 3:] += a[:, None] * u
        return d

    t = elapsed_s.copy()
    for _ in range(n):
        k1 = rhs(t, y)
        k2 = rhs(t + h / 2, y + (h / 2)[:, None] * k1)
        k3 = rhs(t + h / 2, y + (h / 2)[:, None] * k2)
        k4 = rhs(t + h, y + h[:, None] * k3)
        y = y + (h / 6)[:, None] * (k1 + 2 * k2 + 2 * k3 + k4)
        t = t + h
    return y, ok


def predict_footprint(t_s: float, x: np.ndarray, P: np.ndarray, launch_s: float,
                      propulsion: str | PropulsionClass, earth: Earth = WGS84,
                      step_s: float = 10.0, boost_step_s: float = 2.0,
                      hypotheses: int = BURN_HYPOTHESES, margin: float = BURN_MARGIN,
                      overflight_alt_m: float | None = None, track_step_s: float = 20.0,
                      launch_sigma_s: float = 0.0, burnt_out: bool = False
                      ) -> BoostFootprint:
    """The boost-aware footprint of one track (module notes).

    Args:
        t_s: time of the estimate [s since the epoch]; x ``(6,)``, P ``(6, 6)``: the
            track's ECEF state and covariance [m, m/s].
        launch_s: the launch time estimate [s since the epoch] (e.g. the LPE's, or
            :func:`kinematic_launch_time`); launch_sigma_s: its 1-σ [s] (widens the
            burn hypotheses by ±2σ).
        burnt_out: the track is known to fly ballistic (e.g. :func:`ballistic_since`):
            the free-flight hypothesis only.
        propulsion: the missile's class (name or :class:`PropulsionClass`).
        step_s: RK4 step of free flight [s]; boost_step_s: largest RK4 step under thrust.
        hypotheses: ``K``; margin: relative half-width of the burn times.
        overflight_alt_m: keep each hypothesis's ground track below this height (None:
            none kept); track_step_s: its spacing [s].

    Raises:
        InputError: an unknown class, ``hypotheses`` < 1 or a margin outside [0, 1).
    """
    prop = resolve_propulsion(propulsion)
    if hypotheses < 1:
        raise InputError("hypotheses", hypotheses, "must be >= 1")
    if not 0.0 <= margin < 1.0:
        raise InputError("margin", margin, "must be in [0, 1)")
    x = np.asarray(x, dtype=float).reshape(1, 6)
    pts, wm, wc = sigma_points(x, np.asarray(P, dtype=float).reshape(1, 6, 6))
    s = pts.shape[1]
    elapsed = math.inf if burnt_out else float(t_s) - float(launch_s)
    burns, remaining = _hypotheses(prop, np.array([elapsed]), hypotheses, margin,
                                   float(launch_sigma_s))
    w = np.full(burns.size, 1.0 / burns.size)
    done = remaining[0] <= 0.0
    if np.any(done):   # the burnt-out hypotheses are one and the same: merge them
        w = np.concatenate(([w[done].sum()], w[~done]))
        burns = np.concatenate(([elapsed], burns[~done]))
        remaining = np.concatenate(([0.0], remaining[0, ~done]))[None]
    k = burns.size
    y0 = np.repeat(pts[0], k, axis=0)                       # (s*k, 6), hypothesis fastest
    if np.any(remaining > 0.0):
        burn_rows = np.tile(np.maximum(burns, elapsed), s)
        y_bo, ok = _boost(y0, np.full(s * k, elapsed), burn_rows, prop, earth, boost_step_s)
    else:
        y_bo, ok = y0, np.ones(s * k, dtype=bool)
    ok = ok | (np.tile(remaining[0], s) == 0.0)
    res = propagate_to_impact(lift_to_surface(y_bo, earth), earth, step_s=step_s)
    r = res.y_ecef[:, :3].reshape(s, k, 3)
    tb = np.tile(remaining[0], s).reshape(s, k)
    t_imp = (res.t_s.reshape(s, k) + tb) + float(t_s)
    centre = np.einsum("k,s,ski->i", w, wm, r)
    lat0, lon0, _ = ecef2geodetic(centre, earth)
    lat0, lon0 = float(lat0), float(lon0)
    basis = enu_basis(lat0, lon0)[:2]
    en = (r - geodetic2ecef(lat0, lon0, 0.0, earth)) @ basis.T     # (s, k, 2)
    means = np.einsum("s,ski->ki", wm, en)
    d = en - means[None]
    covs = np.einsum("s,ski,skj->kij", wc, d, d)
    free = propagate_to_impact(lift_to_surface(x, earth), earth, step_s=step_s)
    ref = (free.y_ecef[0, :3] - geodetic2ecef(lat0, lon0, 0.0, earth)) @ basis.T
    covs = covs + _bias_covariance(means, ref)
    hit = np.all(res.hit.reshape(s, k), axis=0)
    w = np.where(hit, w, 0.0)
    w = w / w.sum() if w.sum() > 0 else np.full(k, 1.0 / k)
    t_imp = np.where(np.isfinite(t_imp), t_imp, 0.0)
    tracks: tuple[np.ndarray, ...] = ()
    if overflight_alt_m is not None:
        tracks = ground_tracks(y_bo.reshape(s, k, 6)[0], res.t_s.reshape(s, k)[0],
                               overflight_alt_m, earth, track_step_s)
    return BoostFootprint(float(t_s), lat0, lon0, w, remaining[0], means,
                          0.5 * (covs + np.swapaxes(covs, 1, 2)), wm @ t_imp, tracks,
                          bool(np.any(hit) and np.all(ok)))


def _bias_covariance(means_en_m: np.ndarray, free_en_m: np.ndarray) -> np.ndarray:
    """Model-bias covariance of each hypothesis ``(K, 2, 2)`` [m²]: ``(c |b_k|)² I₂`` with
    ``b_k`` the displacement of its mean impact from the free-flight one ``free_en_m (2,)``
    (what the remaining burn adds) and ``c`` = :data:`BIAS_FRACTION` (module notes)."""
    b2 = np.sum((means_en_m - free_en_m) ** 2, axis=1)
    return (BIAS_FRACTION**2 * b2)[:, None, None] * np.eye(2)


def ground_tracks(y_bo: np.ndarray, fall_s: np.ndarray, alt_m: float, earth: Earth,
                   step_s: float) -> tuple[np.ndarray, ...]:
    """Ground points [deg] of each mean trajectory from burnout ``y_bo (K, 6)`` to its
    impact ``fall_s (K,)`` s later, every ``step_s``, where its height is below ``alt_m``."""
    out = []
    n = int(np.nanmax(fall_s) // step_s) + 1 if np.any(np.isfinite(fall_s)) else 0
    y = y_bo.copy()
    pts = [y[:, :3]]
    for _ in range(n):
        y = propagate(y, step_s, earth, step_s=step_s)
        pts.append(y[:, :3])
    r = np.stack(pts, axis=1)                                        # (K, n+1, 3)
    times = np.arange(n + 1) * step_s
    for j in range(y_bo.shape[0]):
        keep = times <= (fall_s[j] if math.isfinite(fall_s[j]) else -1.0)
        rj = r[j, keep]
        h = height_above_ellipsoid_fast(rj, earth)
        lat, lon, _ = ecef2geodetic(rj[h < alt_m], earth)
        out.append(np.column_stack((np.atleast_1d(lat), np.atleast_1d(lon))))
    return tuple(out)

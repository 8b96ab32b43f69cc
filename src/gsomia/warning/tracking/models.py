"""Motion and measurement models of the tracker.

A *motion model* advances states ``x`` of shape ``(N, 6)`` (ECEF position [m], Earth-relative
velocity [m/s]) by ``dt_s`` and gives the process-noise covariance ``Q(dt)``; a *measurement
model* maps states to what a sensor reports and gives its Jacobian. Both are frozen
dataclasses whose fields are their whole configuration (after Stone Soup's
``stonesoup/models``), and both work on batches.

Motion
------
:class:`BallisticMotionModel` calls the physics layer's single copy of the dynamics,
:func:`gsomia.physics.propagate.propagate` (J2 gravity, Coriolis and centrifugal terms), and
adds continuous white-noise acceleration (CWNA) of power spectral density ``q`` [m²/s³] on
each ECEF axis. Its discretisation (Bar-Shalom, Li & Kirubarajan 2001, §6.2.2, eq. 6.2.2-12):

.. math::
    Q(\\Delta t) = q\\begin{bmatrix} \\Delta t^3/3\\,I_3 & \\Delta t^2/2\\,I_3 \\\\
                                    \\Delta t^2/2\\,I_3 & \\Delta t\\,I_3 \\end{bmatrix}

The same class serves as the *powered-flight* model of the IMM with a large ``q``: thrust
(tens of m/s² along the velocity, unknown in magnitude and direction) is treated as a
random acceleration (the "white-noise acceleration manoeuvre model", ibid. §11.6); the
*ballistic* model has a small ``q``.

Process noise of the ballistic mode depends on the altitude. Above the atmosphere the
dynamics are those of the physics layer up to forces of order 10⁻⁴ m/s² (gravity harmonics
beyond J2, lunisolar attraction, the drag left above ~100 km), so a small floor ``q_m2_s3``
suffices (it also covers the EKF's linearisation error). Inside the atmosphere drag, which
the tracker cannot model without the body's ballistic coefficient β, grows to tens of m/s².
With ``drag_beta_kg_m2`` set, the noise density of a state at height ``h`` and speed ``v``
is raised by the square of the drag acceleration that a body of that β would feel, over a
correlation time ``τ``:

.. math::
    q(h, v) = q_0 + \\tau\\,a_D^2,\\qquad a_D = \\frac{\\rho(h)\\,v^2}{2\\beta}

with ρ the exponential atmosphere of :func:`gsomia.physics.propagate.air_density` and the
drag law of :mod:`gsomia.physics.propagate`. It is evaluated at the start of each
prediction. (A white acceleration of density q, integrated over τ, has variance q·τ of
velocity; matching it to the velocity change a_D·τ of a sustained drag over τ gives
q = a_D²·τ, the usual sizing rule of Bar-Shalom et al. 2001, §6.2.2.)

Measurement
-----------
:class:`RadarMeasurementModel`: slant range, azimuth (clockwise from north) and elevation
of the position relative to the site, in the site's geodetic east-north-up frame (the same
convention as :class:`gsomia.warning.sensors.Radar` and pymap3d's ``ecef2aer``; cf. Stone
Soup's ``CartesianToElevationBearingRange``, which uses a Cartesian frame instead):

.. math::
    \\mathbf d = E(\\mathbf r - \\mathbf s),\\quad
    \\rho = |\\mathbf d|,\\quad \\mathrm{az} = \\operatorname{atan2}(d_e, d_n),\\quad
    \\mathrm{el} = \\operatorname{atan2}(d_u, \\sqrt{d_e^2 + d_n^2})

with ``E`` the 3×3 matrix whose rows are the site's unit east, north and up vectors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from gsomia.errors import InputError
from gsomia.physics.earth import WGS84, Earth
from gsomia.physics.geodesy import enu_basis, geodetic2ecef, height_above_ellipsoid_fast
from gsomia.physics.propagate import air_density, propagate

__all__ = [
    "BallisticMotionModel",
    "PositionMeasurementModel",
    "RadarMeasurementModel",
    "ThrustMotionModel",
    "cwna_covariance",
    "wrap_pi",
]


def wrap_pi(angle_rad: np.ndarray) -> np.ndarray:
    """Wrap angle(s) [rad] into ``[-π, π)``."""
    return np.mod(np.asarray(angle_rad, dtype=float) + math.pi, 2.0 * math.pi) - math.pi


def cwna_covariance(q_m2_s3: float, dt_s: float) -> np.ndarray:
    """Process noise of continuous white-noise acceleration, shape ``(6, 6)``.

    Bar-Shalom, Li & Kirubarajan, *Estimation with Applications to Tracking and Navigation*
    (Wiley 2001), §6.2.2, eq. (6.2.2-12), applied to each of the three axes; for a backward
    step (``dt_s < 0``) the magnitude of ``dt_s`` is used.

    Args:
        q_m2_s3: power spectral density of the acceleration noise [m²/s³].
        dt_s: time step [s].
    """
    dt = abs(dt_s)
    return q_m2_s3 * np.kron(np.array([[dt**3 / 3.0, dt**2 / 2.0], [dt**2 / 2.0, dt]]),
                             np.eye(3))


@dataclass(frozen=True, slots=True)
class BallisticMotionModel:
    """Unpowered flight in ECEF through :func:`gsomia.physics.propagate.propagate`, plus
    CWNA process noise (see the module notes).

    Attributes:
        q_m2_s3: acceleration-noise power spectral density [m²/s³] (per axis).
        step_s: largest RK4 step of the propagation [s].
        earth: the Earth model of the dynamics (a GM = 0, J2 = 0, ω = 0 Earth makes the model
            exactly linear: constant velocity).
        drag_beta_kg_m2: ballistic coefficient β = m/(C_D A) [kg/m²] of the lightest body
            expected, which sizes the atmospheric process noise (module notes); ``None``
            (the default) for none.
        drag_correlation_s: correlation time τ of the drag error [s].
    """

    q_m2_s3: float = 1.0
    step_s: float = 2.0
    earth: Earth = field(default=WGS84, repr=False)
    drag_beta_kg_m2: float | None = None
    drag_correlation_s: float = 10.0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.q_m2_s3) and self.q_m2_s3 >= 0.0):
            raise InputError("q_m2_s3", self.q_m2_s3, "must be finite and non-negative")
        if not (math.isfinite(self.step_s) and self.step_s > 0.0):
            raise InputError("step_s", self.step_s, "must be finite and positive")
        if self.drag_beta_kg_m2 is not None and not (
                math.isfinite(self.drag_beta_kg_m2) and self.drag_beta_kg_m2 > 0.0):
            raise InputError("drag_beta_kg_m2", self.drag_beta_kg_m2,
                             "must be finite and positive (or None)")
        if not (math.isfinite(self.drag_correlation_s) and self.drag_correlation_s > 0.0):
            raise InputError("drag_correlation_s", self.drag_correlation_s,
                             "must be finite and positive")

    @property
    def dynamics(self) -> tuple[float, Earth]:
        """What :meth:`function` depends on (two models with equal ``dynamics`` advance
        states identically; their noise may differ)."""
        return (self.step_s, self.earth)

    def function(self, x: np.ndarray, dt_s: float) -> np.ndarray:
        """States ``(N, 6)`` advanced by ``dt_s`` [s] (noise-free), shape ``(N, 6)``."""
        x = np.asarray(x, dtype=float).reshape(-1, 6)
        if dt_s == 0.0:
            return x.copy()
        return propagate(x, dt_s, self.earth, step_s=self.step_s)

    def covar(self, dt_s: float, x: np.ndarray | None = None) -> np.ndarray:
        """Process-noise covariance ``Q(dt)`` [m², m²/s, m²/s²].

        Args:
            dt_s: time step [s].
            x: the states ``(N, 6)`` at the start of the step, or ``None``.

        Returns:
            ``(6, 6)`` with ``x`` None or without ``drag_beta_kg_m2``; else ``(N, 6, 6)``,
            each with the altitude-dependent density ``q(h, v)`` of the module notes.
        """
        if x is None or self.drag_beta_kg_m2 is None:
            return cwna_covariance(self.q_m2_s3, dt_s)
        x = np.asarray(x, dtype=float).reshape(-1, 6)
        h = height_above_ellipsoid_fast(x[:, :3], self.earth)
        a_drag = air_density(h) * np.einsum("ni,ni->n", x[:, 3:], x[:, 3:]) / (
            2.0 * self.drag_beta_kg_m2)
        q = self.q_m2_s3 + self.drag_correlation_s * a_drag**2
        return q[:, None, None] * cwna_covariance(1.0, dt_s)


@dataclass(frozen=True, slots=True)
class RadarMeasurementModel:
    """Range/azimuth/elevation of ECEF states seen from a radar site (module notes).

    Attributes:
        site_lat_deg, site_lon_deg, site_alt_m: the site, geodetic WGS-84.
        earth: the ellipsoid of the site coordinates.

    Measurement vectors are ``[range_m, az_rad, el_rad]``; azimuth is reported in
    ``[0, 2π)`` and residuals are wrapped by :meth:`residual`.
    """

    site_lat_deg: float
    site_lon_deg: float
    site_alt_m: float
    earth: Earth = field(default=WGS84, repr=False)
    site_ecef_m: np.ndarray = field(init=False, repr=False)
    enu_rows: np.ndarray = field(init=False, repr=False)

    ndim_meas = 3

    def __post_init__(self) -> None:
        for name in ("site_lat_deg", "site_lon_deg", "site_alt_m"):
            if not math.isfinite(getattr(self, name)):
                raise InputError(name, getattr(self, name), "must be finite")
        object.__setattr__(self, "site_ecef_m", geodetic2ecef(
            self.site_lat_deg, self.site_lon_deg, self.site_alt_m, self.earth))
        object.__setattr__(self, "enu_rows", enu_basis(self.site_lat_deg, self.site_lon_deg))

    def _enu(self, x: np.ndarray) -> np.ndarray:
        return (np.asarray(x, dtype=float)[..., :3] - self.site_ecef_m) @ self.enu_rows.T

    def function(self, x: np.ndarray) -> np.ndarray:
        """Noise-free measurements of states ``(..., 6)`` → ``(..., 3)`` [m, rad, rad]."""
        d = self._enu(x)
        e, n, u = d[..., 0], d[..., 1], d[..., 2]
        horiz = np.hypot(e, n)
        return np.stack((np.sqrt(horiz**2 + u**2), np.mod(np.arctan2(e, n), 2.0 * math.pi),
                         np.arctan2(u, horiz)), axis=-1)

    def jacobian(self, x: np.ndarray) -> np.ndarray:
        """∂h/∂x at states ``(N, 6)``, shape ``(N, 3, 6)`` (zero in the velocity columns).

        Analytic derivatives of the module's equations with respect to ENU, times ``E``.
        """
        d = self._enu(np.asarray(x, dtype=float).reshape(-1, 6))
        e, n, u = d[:, 0], d[:, 1], d[:, 2]
        h2 = e * e + n * n
        h = np.sqrt(h2)
        rho2 = h2 + u * u
        rho = np.sqrt(rho2)
        j_enu = np.zeros((d.shape[0], 3, 3))
        j_enu[:, 0] = d / rho[:, None]
        j_enu[:, 1, 0] = n / h2
        j_enu[:, 1, 1] = -e / h2
        j_enu[:, 2, 0] = -e * u / (rho2 * h)
        j_enu[:, 2, 1] = -n * u / (rho2 * h)
        j_enu[:, 2, 2] = h / rho2
        jac = np.zeros((d.shape[0], 3, 6))
        jac[:, :, :3] = j_enu @ self.enu_rows
        return jac

    def residual(self, z: np.ndarray, z_pred: np.ndarray) -> np.ndarray:
        """``z − z_pred`` with the azimuth difference wrapped into ``[-π, π)``; ``(..., 3)``."""
        r = np.asarray(z, dtype=float) - np.asarray(z_pred, dtype=float)
        r[..., 1] = wrap_pi(r[..., 1])
        return r

    def inverse(self, z: np.ndarray, covariance: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """ECEF position of measurements and its linearised covariance.

        Args:
            z: measurements ``(N, 3)`` [m, rad, rad].
            covariance: their covariances ``(N, 3, 3)``.

        Returns:
            ``(r_ecef_m (N, 3), cov (N, 3, 3))``: ``cov = J R Jᵀ`` with ``J = ∂r/∂z``.
        """
        z = np.asarray(z, dtype=float).reshape(-1, 3)
        rho, az, el = z[:, 0], z[:, 1], z[:, 2]
        ce, se, ca, sa = np.cos(el), np.sin(el), np.cos(az), np.sin(az)
        enu = np.stack((rho * ce * sa, rho * ce * ca, rho * se), axis=-1)
        j = np.empty((z.shape[0], 3, 3))
        j[:, :, 0] = np.stack((ce * sa, ce * ca, se), axis=-1)
        j[:, :, 1] = np.stack((rho * ce * ca, -rho * ce * sa, np.zeros_like(rho)), axis=-1)
        j[:, :, 2] = np.stack((-rho * se * sa, -rho * se * ca, rho * ce), axis=-1)
        j = self.enu_rows.T @ j
        cov = j @ np.asarray(covariance, dtype=float).reshape(-1, 3, 3) @ j.transpose(0, 2, 1)
        return self.site_ecef_m + enu @ self.enu_rows, cov


@dataclass(frozen=True, slots=True)
class PositionMeasurementModel:
    """Linear measurement of the ECEF position, ``z = H x`` with ``H = [I₃ 0]`` (for
    tests against the linear Kalman filter and for Cartesian plots)."""

    ndim_meas = 3

    def function(self, x: np.ndarray) -> np.ndarray:
        """Positions of states ``(..., 6)`` → ``(..., 3)`` [m]."""
        return np.asarray(x, dtype=float)[..., :3].copy()

    def jacobian(self, x: np.ndarray) -> np.ndarray:
        """``H`` repeated for every state: ``(N, 3, 6)``."""
        n = np.asarray(x).reshape(-1, 6).shape[0]
        h = np.zeros((3, 6))
        h[:, :3] = np.eye(3)
        return np.broadcast_to(h, (n, 3, 6)).copy()

    def residual(self, z: np.ndarray, z_pred: np.ndarray) -> np.ndarray:
        """``z − z_pred``."""
        return np.asarray(z, dtype=float) - np.asarray(z_pred, dtype=float)


@dataclass(frozen=True, slots=True)
class ThrustMotionModel:
    """Powered flight: the unpowered motion of :class:`BallisticMotionModel` plus a thrust
    acceleration of constant magnitude ``accel_m_s2`` along the velocity at the start of
    the step, plus CWNA process noise of density ``q_m2_s3``.

    Over a step Δt the thrust adds ``½ a Δt² û`` to the position and ``a Δt û`` to the
    velocity, ``û = v/|v|`` (the "constant-acceleration along the flight path" powered-flight
    model of the boost-phase tracking literature: e.g. Li & Jilkov, "Survey of maneuvering
    target tracking. Part II: motion models of ballistic and space targets", IEEE TAES 46(1),
    2010, §III.A, thrust along the velocity for a gravity-turn missile). Within the IMM a
    bank of such modes at several magnitudes spans the thrust-to-mass ratios of the
    propulsion classes (tens of m/s², rising as propellant burns).

    Attributes:
        accel_m_s2: thrust acceleration [m/s²] (≥ 0).
        q_m2_s3, step_s, earth: as in :class:`BallisticMotionModel`.
    """

    accel_m_s2: float
    q_m2_s3: float = 1.0
    step_s: float = 2.0
    earth: Earth = field(default=WGS84, repr=False)

    def __post_init__(self) -> None:
        if not (math.isfinite(self.accel_m_s2) and self.accel_m_s2 >= 0.0):
            raise InputError("accel_m_s2", self.accel_m_s2, "must be finite and non-negative")
        if not (math.isfinite(self.q_m2_s3) and self.q_m2_s3 >= 0.0):
            raise InputError("q_m2_s3", self.q_m2_s3, "must be finite and non-negative")
        if not (math.isfinite(self.step_s) and self.step_s > 0.0):
            raise InputError("step_s", self.step_s, "must be finite and positive")

    @property
    def dynamics(self) -> tuple[float, Earth, float]:
        """What :meth:`function` depends on (cf. :attr:`BallisticMotionModel.dynamics`)."""
        return (self.step_s, self.earth, self.accel_m_s2)

    def function(self, x: np.ndarray, dt_s: float) -> np.ndarray:
        """States ``(N, 6)`` advanced by ``dt_s`` [s] (noise-free), shape ``(N, 6)``."""
        x = np.asarray(x, dtype=float).reshape(-1, 6)
        if dt_s == 0.0:
            return x.copy()
        out = propagate(x, dt_s, self.earth, step_s=self.step_s)
        speed = np.linalg.norm(x[:, 3:], axis=1, keepdims=True)
        u = x[:, 3:] / np.where(speed > 0.0, speed, 1.0)
        out[:, :3] += 0.5 * self.accel_m_s2 * dt_s**2 * u
        out[:, 3:] += self.accel_m_s2 * dt_s * u
        return out

    def covar(self, dt_s: float, x: np.ndarray | None = None) -> np.ndarray:
        """Process-noise covariance ``Q(dt)``, shape ``(6, 6)``."""
        return cwna_covariance(self.q_m2_s3, dt_s)

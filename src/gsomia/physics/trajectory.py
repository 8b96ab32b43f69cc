"""The flown trajectory of one missile: samples of its ECEF state, and its key events.

A :class:`Trajectory` is what the ballistics produce and what sensors and the tracker's
evaluation consume: they never integrate anything themselves, they ask for the state at a
time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.interpolate import CubicHermiteSpline

from gsomia.errors import InputError

__all__ = ["Trajectory"]


@dataclass(frozen=True, eq=False)
class Trajectory:
    """A flight from launch (t = 0) to impact on the ellipsoid.

    Attributes:
        t_s: sample times, shape ``(N,)``, seconds after launch, increasing, from 0 to impact.
        r_ecef_m: ECEF positions at ``t_s``, shape ``(N, 3)`` [m].
        v_ecef_m_s: Earth-relative ECEF velocities at ``t_s``, shape ``(N, 3)`` [m/s].
        burnout_s: end of powered flight [s after launch].
        launch_lat_deg, launch_lon_deg, launch_alt_m: launch point (geodetic).
        impact_lat_deg, impact_lon_deg: impact point on the ellipsoid (geodetic).
        range_m: geodesic distance launch → impact on the ellipsoid [m].
        apogee_m: greatest height above the ellipsoid [m]; ``apogee_s`` its time [s].
        propulsion: name of the propulsion class that flew it.
        dv_ideal_m_s: the total ideal Δv of the flight's controls [m/s]
            (:class:`gsomia.physics.ballistics.Controls`; for a fitted flight the fitted
            Δv, for a failed one the missile's whole Δv, not the part burnt before the
            failure), or ``None`` when not flown from controls (e.g. a debris piece).
    """

    t_s: np.ndarray
    r_ecef_m: np.ndarray
    v_ecef_m_s: np.ndarray
    burnout_s: float
    launch_lat_deg: float
    launch_lon_deg: float
    launch_alt_m: float
    impact_lat_deg: float
    impact_lon_deg: float
    range_m: float
    apogee_m: float
    apogee_s: float
    propulsion: str = ""
    dv_ideal_m_s: float | None = None

    @property
    def impact_s(self) -> float:
        """Time of impact [s after launch]."""
        return float(self.t_s[-1])

    @property
    def flight_time_s(self) -> float:
        """Launch to impact [s] (same as :attr:`impact_s`)."""
        return self.impact_s

    def _spline(self) -> CubicHermiteSpline:
        spline = self.__dict__.get("_spline_cache")
        if spline is None:
            spline = CubicHermiteSpline(self.t_s, self.r_ecef_m, self.v_ecef_m_s, axis=0)
            object.__setattr__(self, "_spline_cache", spline)
        return spline

    def _check_times(self, t_s) -> np.ndarray:
        t = np.asarray(t_s, dtype=float)
        if np.any(~np.isfinite(t)) or np.any(t < 0.0) or np.any(t > self.impact_s):
            bad = t[(~np.isfinite(t)) | (t < 0.0) | (t > self.impact_s)].ravel()[0]
            raise InputError("t_s", float(bad),
                             f"outside the flight [0, {self.impact_s:.3f}] s")
        return t

    def position_at(self, t_s) -> np.ndarray:
        """ECEF position [m] at time(s) ``t_s`` (shape ``(...)`` → ``(..., 3)``).

        Cubic Hermite interpolation between samples (position and velocity both matched).

        Raises:
            InputError: a time outside ``[0, impact_s]``.
        """
        return self._spline()(self._check_times(t_s))

    def velocity_at(self, t_s) -> np.ndarray:
        """Earth-relative ECEF velocity [m/s] at time(s) ``t_s`` (``(...)`` → ``(..., 3)``)."""
        return self._spline()(self._check_times(t_s), 1)

    def is_powered(self, t_s) -> np.ndarray:
        """True where ``t_s`` lies in powered flight (0 ≤ t < burnout)."""
        t = np.asarray(t_s, dtype=float)
        return (t >= 0.0) & (t < self.burnout_s)

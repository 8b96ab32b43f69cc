"""Where the fit of a flight (:func:`gsomia.physics.ballistics.fit_trajectory`) starts its
search: the Keplerian first guess, and its correction by the fits done before.

*First guess*: the controls of the Keplerian ellipse over a spherical Earth with the
reported range and apogee (:func:`kepler_burnout_state`, :func:`initial_guess`).

*Warm start* (:class:`FitStarts`): the powered flight, the gravity loss and the Earth's
rotation move every fitted control away from that guess by an amount that changes slowly
with range and apogee (for one propulsion class and one kind of fit). A fit that knows the
correction of the nearest earlier fit (in relative range and apogee) starts from the guess
plus that correction, so the solver needs fewer flights; it converges to the same root of
the same residuals (the correction only moves the start), so the fitted flight agrees with
a cold start within the integration noise of the search (measured: below 1 µm at the impact
for SRBMs of 600–1,000 km, 12 fits in a row). A start is a guess, never a result: no
fitted flight is copied, rotated or reused.
"""

from __future__ import annotations

import math
from collections.abc import Hashable

import numpy as np

from gsomia.errors import PhysicsError
from gsomia.physics.earth import WGS84, Earth
from gsomia.physics.propulsion import PropulsionClass, burnt_share

__all__ = ["FitStarts", "initial_guess", "kepler_burnout_state"]


class FitStarts:
    """The corrections of the fits done so far (see the module notes), one list per kind
    of fit (a hashable key: class, Earth, drag, thrust cut, kind of target).

    Owned by one caller (e.g. one scenario's :func:`gsomia.sim.observe.fly_launches`) and
    filled in the order of its fits: a run is deterministic for a given order.
    """

    def __init__(self) -> None:
        self._done: dict[Hashable, list[tuple[float, float, np.ndarray]]] = {}

    def offset(self, kind: Hashable, range_m: float, apogee_m: float) -> np.ndarray | None:
        """The correction ``(3,)`` (Δv [km/s], final pitch [deg], azimuth [deg]) of the
        earlier fit of ``kind`` nearest in ``(log range, log apogee)``, or ``None`` (no
        earlier fit of that kind)."""
        done = self._done.get(kind)
        if not done:
            return None
        dist = [math.hypot(math.log(r / range_m), math.log(a / apogee_m)) for r, a, _ in done]
        return done[int(np.argmin(dist))][2].copy()

    def add(self, kind: Hashable, range_m: float, apogee_m: float,
            offset: np.ndarray) -> None:
        """Record a fit of ``kind`` to ``range_m`` and ``apogee_m`` [m] whose solution is
        the first guess plus ``offset`` ``(3,)``."""
        self._done.setdefault(kind, []).append(
            (float(range_m), float(apogee_m), np.array(offset, dtype=float)))


def kepler_burnout_state(range_m: float, apogee_m: float, earth: Earth = WGS84):
    """Speed and flight-path angle at the surface of the Keplerian ellipse over a spherical,
    non-rotating Earth (radius = the mean radius) with the given ground range and apogee.

    With range angle Ψ = range/R and apogee radius r_a: e = (r_a − R)/(r_a − R cos(Ψ/2)),
    p = r_a(1 − e), a = p/(1 − e²), v² = GM(2/R − 1/a) (vis-viva), and at true anomaly
    θ = π − Ψ/2, tan γ = e sin θ / (1 + e cos θ) (Bate, Mueller & White, *Fundamentals of
    Astrodynamics*, 1971, §6.2).

    Returns:
        ``(speed_m_s, gamma_rad, flight_time_s)`` (flight time from Kepler's equation).

    Raises:
        PhysicsError: no ellipse has that range and apogee (apogee too low for the range).
    """
    big_r = earth.mean_radius_m
    psi = range_m / big_r
    ra = big_r + apogee_m
    e = (ra - big_r) / (ra - big_r * math.cos(psi / 2.0))
    if not 0.0 <= e < 1.0 or psi >= 2.0 * math.pi:
        raise PhysicsError(
            f"apogee {apogee_m / 1e3:.1f} km with range {range_m / 1e3:.1f} km: no ballistic "
            "ellipse from the surface has both (apogee too low for that range)")
    p = ra * (1.0 - e)
    a = p / (1.0 - e * e)
    v = math.sqrt(earth.gm_m3_s2 * (2.0 / big_r - 1.0 / a))
    theta = math.pi - psi / 2.0
    gamma = math.atan2(e * math.sin(theta), 1.0 + e * math.cos(theta))
    # time from θ to apoapsis (θ=π) and back, from the eccentric anomaly
    ecc_anom = 2.0 * math.atan(math.sqrt((1 - e) / (1 + e)) * math.tan(theta / 2.0))
    mean_anom = ecc_anom - e * math.sin(ecc_anom)
    n = math.sqrt(earth.gm_m3_s2 / a**3)
    t_flight = 2.0 * (math.pi - mean_anom) / n
    return v, gamma, t_flight



def initial_guess(range_m: float, apogee_m: float, bearing_deg: float,
                  prop: PropulsionClass, earth: Earth = WGS84,
                  thrust_cut_s: float | None = None) -> np.ndarray:
    """Start of the fit, from the Keplerian ellipse with the same range and apogee.

    Δv starts at the Kepler burnout speed plus a gravity loss g₀·T·sin γ (T the powered
    time), divided by the share of the ideal Δv burnt by a thrust cut (1 without); the
    final pitch at the Kepler flight-path angle γ; the azimuth at the bearing.
    """
    v_k, gamma_k, _ = kepler_burnout_state(range_m, apogee_m, earth)
    t_bo = prop.burn_s if thrust_cut_s is None else min(thrust_cut_s, prop.burn_s)
    share = burnt_share(prop, t_bo)
    dv = (v_k + 9.80665 * t_bo * math.sin(gamma_k)) / max(share, 0.05)
    return np.array([dv / 1000.0, math.degrees(gamma_k), bearing_deg])

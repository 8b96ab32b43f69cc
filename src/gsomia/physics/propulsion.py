"""Propulsion classes of ballistic missiles and the thrust of their stages.

A class fixes the stages of every missile in it (burn times, propellant fractions, split of
the ideal Δv between stages, vertical rise); it is never tuned per launch. Each stage burns
for a fixed time ``T`` with constant thrust and a linear loss of mass, so its thrust
acceleration is

.. math::  a(t') = \\frac{\\zeta\\,v_e/T}{1-\\zeta\\,t'/T},\\qquad
           \\Delta v_\\text{ideal} = -v_e\\ln(1-\\zeta)

(Tsiolkovsky; Sutton & Biblarz, *Rocket Propulsion Elements*, 9th ed., §4.1), with ζ the
stage's propellant fraction. :mod:`gsomia.physics.ballistics` flies them.

*Reach.* A class also has a largest burnout speed, :attr:`PropulsionClass.max_burnout_speed_m_s`,
from the public range classes of the US National Air and Space Intelligence Center
(NASIC, *Ballistic and Cruise Missile Threat*, 2020): SRBM under 1,000 km, MRBM
1,000–3,000 km, IRBM 3,000–5,500 km, ICBM beyond 5,500 km. The class's largest range
``R`` (:attr:`PropulsionClass.max_range_m`) becomes a speed by the minimum-energy relation
over a spherical, non-rotating Earth of radius ``R⊕`` (mean radius) — the least burnout speed
that reaches the range angle ``Ψ = R/R⊕`` from the surface:

.. math::  v^2 = \\frac{GM}{R_\\oplus}\\,\\frac{2\\sin(\\Psi/2)}{1+\\sin(\\Psi/2)}

(Bate, Mueller & White, *Fundamentals of Astrodynamics*, 1971, §6.2: the minimum-energy
trajectory has ``Q = v²r/GM = 2 sin(Ψ/2)/(1 + sin(Ψ/2))``), raised by
:data:`REACH_MARGIN`. A class with no upper range (the ICBMs) is bounded by the escape speed
``√(2GM/R⊕)``: anything faster never comes down. A flight is checked by
:func:`gsomia.physics.fit_checks.check_reach`, which needs the speed of the Keplerian ellipse
of the asked range and apogee (the same spherical model), so a lofted or depressed flight
needs more than a minimum-energy one of its range, as it does in fact.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from gsomia.errors import InputError
from gsomia.physics.earth import WGS84, Earth

__all__ = [
    "PROPULSION_CLASSES",
    "REACH_MARGIN",
    "PropulsionClass",
    "Stage",
    "burnt_share",
    "min_energy_speed_m_s",
    "propulsion_class_for",
    "resolve_propulsion",
    "stage_table",
    "table_thrust",
    "thrust_acceleration",
    "unit_thrust",
]


@dataclass(frozen=True)
class Stage:
    """One rocket stage.

    Attributes:
        burn_s: burn time T [s].
        propellant_fraction: ζ = propellant mass / stage-stack mass at ignition [-], in (0, 1).
        dv_share: this stage's share of the total ideal Δv [-] (shares of a class sum to 1).
    """

    burn_s: float
    propellant_fraction: float
    dv_share: float


@dataclass(frozen=True)
class PropulsionClass:
    """Parameters shared by every missile of a propulsion class (never tuned per launch).

    Attributes:
        name: class id, e.g. ``"liquid-srbm"``.
        stages: the stages, first to last.
        vertical_rise_s: time of vertical rise before the tilt program starts [s].
        source: where the figures come from, and which are assumptions.
        max_range_m: the class's largest minimum-energy range [m] (module notes, *Reach*),
            or ``None`` for no upper bound (ICBMs).
        range_source: where ``max_range_m`` comes from.
    """

    name: str
    stages: tuple[Stage, ...]
    vertical_rise_s: float
    source: str
    max_range_m: float | None = None
    range_source: str = ""

    @property
    def burn_s(self) -> float:
        """Total burn time, launch to burnout [s]."""
        return sum(s.burn_s for s in self.stages)

    def max_burnout_speed_m_s(self, earth: Earth = WGS84) -> float:
        """The largest burnout speed a missile of this class reaches [m/s] (module notes,
        *Reach*): the minimum-energy speed of :attr:`max_range_m` times
        ``1 +`` :data:`REACH_MARGIN`, or the escape speed ``√(2GM/R⊕)`` (mean radius) when
        the class has no upper range."""
        if self.max_range_m is None:
            return math.sqrt(2.0 * earth.gm_m3_s2 / earth.mean_radius_m)
        return (1.0 + REACH_MARGIN) * min_energy_speed_m_s(self.max_range_m, earth)


REACH_MARGIN = 0.10
"""Margin on a class's largest burnout speed [-]: +10 % in speed (+21 % in kinetic energy;
for an SRBM's 1,000 km, the minimum-energy range grows to about 1,230 km). It covers what
the range classes and the spherical relation leave out: a lighter payload than the one
the nominal range is quoted for, the ±20–30 % level of the class figures above, and the
Earth's rotation (up to 0.36 km/s at 40° N) and burnout altitude that the relation
ignores. A project choice, made before the check was run against the public record."""


def min_energy_speed_m_s(range_m: float, earth: Earth = WGS84) -> float:
    """Burnout speed [m/s] of the minimum-energy ballistic flight of ground range
    ``range_m`` [m] over a spherical, non-rotating Earth (mean radius), from its surface:
    ``v² = (GM/R⊕) · 2 sin(Ψ/2) / (1 + sin(Ψ/2))``, ``Ψ = range/R⊕`` (Bate, Mueller &
    White, *Fundamentals of Astrodynamics*, 1971, §6.2)."""
    s = math.sin(0.5 * range_m / earth.mean_radius_m)
    return math.sqrt(earth.gm_m3_s2 / earth.mean_radius_m * 2.0 * s / (1.0 + s))


# Burn times are the open-literature orders of magnitude for each family; every figure is an
# assumption at the ±20 % level (no government publishes them) and none was chosen by
# comparing flight times with reports.
PROPULSION_CLASSES: dict[str, PropulsionClass] = {
    c.name: c
    for c in (
        PropulsionClass(
            "liquid-srbm", (Stage(85.0, 0.65, 1.0),), 5.0,
            "Single-stage liquid (Scud-B/C, ER-Scud, Nodong). Burn time between the Scud-B's "
            "~62 s and the Nodong's ~110 s as given in open analyses (e.g. M. Schiller, "
            "RAND TR-1268, 2012); propellant fraction ~0.65 of a Scud-class airframe "
            "(same source). Assumption at the ±20 % level.",
            1_500e3, "The class holds the Nodong, an MRBM in NASIC, Ballistic and Cruise "
            "Missile Threat (2020), with the Scuds (SRBM, < 1,000 km): its reach is the "
            "Scud-Nodong family's 1,500 km, the bound propulsion_class_for uses."),
        PropulsionClass(
            "liquid-irbm", (Stage(140.0, 0.80, 1.0),), 6.0,
            "Single-stage liquid IRBM (Hwasong-12, Musudan). Burn time of order 140 s for a "
            "single-chamber RD-250-class engine on a ~25 t missile (open analyses, e.g. "
            "Schiller 2012; J. Schilling, 38 North, 2017). Assumption at the ±20 % level.",
            5_500e3, "IRBM, 3,000-5,500 km (NASIC, Ballistic and Cruise Missile Threat, "
            "2020)."),
        PropulsionClass(
            "liquid-icbm", (Stage(150.0, 0.85, 0.55), Stage(150.0, 0.80, 0.45)), 6.0,
            "Two-stage liquid ICBM (Hwasong-14/15/17) and space launchers. Stage burn times "
            "of order 150 s each, from open analyses of the 2017 flights (e.g. D. Wright, "
            "Union of Concerned Scientists, 2017). Assumption at the ±20 % level.",
            None, "ICBM, > 5,500 km, no upper bound (NASIC, Ballistic and Cruise Missile "
            "Threat, 2020); space launchers reach orbit."),
        PropulsionClass(
            "solid-srbm", (Stage(40.0, 0.70, 1.0),), 3.0,
            "Single-stage solid SRBM (KN-23/24, Hwasong-11 family, KN-02). Solid motors of "
            "this size burn tens of seconds (Sutton & Biblarz, ch. 12, typical tactical "
            "motors). Assumption at the ±30 % level.",
            1_000e3, "SRBM, < 1,000 km (NASIC, Ballistic and Cruise Missile Threat, 2020)."),
        PropulsionClass(
            "solid-mrbm", (Stage(50.0, 0.85, 0.55), Stage(45.0, 0.80, 0.45)), 3.0,
            "Two-stage solid MRBM/SLBM (Pukguksong-1/2/3 and successors): two motors of "
            "roughly 45-50 s each (open analyses of the 2016-2019 flights). Assumption at "
            "the ±30 % level.",
            5_500e3, "MRBM, 1,000-3,000 km, and the class also holds the solid IRBM "
            "Hwasong-16 (3,000-5,500 km; NASIC, Ballistic and Cruise Missile Threat, "
            "2020): the IRBM bound."),
        PropulsionClass(
            "solid-icbm",
            (Stage(60.0, 0.88, 0.40), Stage(60.0, 0.85, 0.35), Stage(50.0, 0.80, 0.25)), 3.0,
            "Three-stage solid ICBM (Hwasong-18/19): three motors of ~50-60 s, typical of "
            "solid ICBMs of this size. Assumption at the ±30 % level.",
            None, "ICBM, > 5,500 km, no upper bound (NASIC, Ballistic and Cruise Missile "
            "Threat, 2020)."),
    )
}

_FAMILY_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"hwasong-?1[89]", "solid-icbm"),
    (r"hwasong-?16", "solid-mrbm"),  # Hwasong-16 is a solid-propellant IRBM (2023-)
    (r"hwasong-?1[457]|taepodong|unha|chollima|kwangmyongsong|icbm|slv", "liquid-icbm"),
    (r"hwasong-?12|musudan|hwasong-?10|irbm", "liquid-irbm"),
    (r"pukguksong|polaris|kn-?1[15]|slbm|hwasong-?16|mrbm", "solid-mrbm"),
    (r"hwasong-?11|kn-?(0?2|2[3-5]|3\d)|toksa|srbm-solid", "solid-srbm"),
    (r"scud|nodong|rodong|hwasong-?[5-9]\b|kn-?18|srbm", "liquid-srbm"),
)


def propulsion_class_for(missile: str | None, range_m: float | None = None) -> str:
    """Propulsion class of a missile named as in the public record.

    The name is matched against family patterns (e.g. ``"ER-Scud"`` → ``"liquid-srbm"``,
    ``"Hwasong-15"`` → ``"liquid-icbm"``, ``"Pukguksong-3 SLBM"`` → ``"solid-mrbm"``). An
    unknown name falls back on the range: up to 1,500 km (the Scud-Nodong family's reach)
    liquid SRBM, up to 5,500 km (the conventional IRBM/ICBM boundary) liquid IRBM, beyond
    liquid ICBM.

    Raises:
        InputError: neither a known name nor a range to fall back on.
    """
    if missile:
        key = missile.strip().lower()
        for pattern, name in _FAMILY_PATTERNS:
            if re.search(pattern, key):
                return name
    if range_m is None:
        raise InputError("missile", missile, "unknown family and no range to infer a class")
    if range_m <= 1_500e3:
        return "liquid-srbm"
    return "liquid-irbm" if range_m <= 5_500e3 else "liquid-icbm"


def thrust_acceleration(prop: PropulsionClass, dv_total_m_s: float, t_s: float) -> float:
    """Thrust acceleration magnitude [m/s²] at ``t_s`` s after launch (0 after burnout).

    In stage ``i`` (burn time ``T``, propellant fraction ζ, Δv share ``s``), ``τ`` seconds
    after its ignition: exhaust speed ``v_e = s·Δv / (−ln(1 − ζ))`` and
    ``a(τ) = (ζ v_e / T) / (1 − ζ τ / T)`` (constant thrust, linear loss of mass), whose
    integral over the burn is the stage's ideal Δv ``−v_e ln(1 − ζ) = s·Δv`` (Tsiolkovsky;
    Sutton & Biblarz, *Rocket Propulsion Elements*, 9th ed., §4.1).

    Args:
        prop: the propulsion class (its stages, first to last).
        dv_total_m_s: total ideal Δv of all stages [m/s].
        t_s: time since launch [s].
    """
    t0 = 0.0
    for st in prop.stages:
        if t_s < t0 + st.burn_s:
            ve = st.dv_share * dv_total_m_s / (-math.log(1.0 - st.propellant_fraction))
            tau = t_s - t0
            return (st.propellant_fraction * ve / st.burn_s) / (
                1.0 - st.propellant_fraction * tau / st.burn_s)
        t0 += st.burn_s
    return 0.0


def stage_table(prop: PropulsionClass, stretch: float = 1.0, n_stages: int = 0
                ) -> np.ndarray:
    """The stages of a class as an array ``(S, 4)``: ignition and burn time [s], propellant
    fraction ζ [-] and exhaust speed per m/s of total ideal Δv ``s_i / (−ln(1 − ζ_i))`` [-],
    the times multiplied by ``stretch`` (a burn ``stretch`` times as long with the same Δv
    per stage); padded with stages that burn 0 s up to ``n_stages`` rows."""
    out = np.zeros((max(len(prop.stages), n_stages), 4))
    t0 = 0.0
    for i, st in enumerate(prop.stages):
        out[i] = (t0 * stretch, st.burn_s * stretch, st.propellant_fraction,
                  st.dv_share / -math.log1p(-st.propellant_fraction))
        t0 += st.burn_s
    return out


def table_thrust(table: np.ndarray, tau_s: np.ndarray) -> np.ndarray:
    """Thrust acceleration per m/s of total ideal Δv [1/s] at ``tau_s (...)`` s after launch
    of stages ``table`` (``(S, 4)`` or one table per time ``(..., S, 4)``, see
    :func:`stage_table`): in the stage burning, ``ζ v_e / T / (1 − ζ τ / T)``
    (:func:`thrust_acceleration`); 0 before launch and after burnout."""
    start, burn, zeta, ve = (table[..., i] for i in range(4))
    since = np.asarray(tau_s, dtype=float)[..., None] - start
    inside = (since >= 0.0) & (since < burn)
    safe = np.maximum(burn, 1e-9)
    a = np.where(inside, zeta * ve / safe / (1.0 - zeta * np.clip(since, 0.0, burn) / safe),
                 0.0)
    return a.sum(axis=-1)


def unit_thrust(prop: PropulsionClass, tau_s) -> np.ndarray:
    """Thrust acceleration per m/s of total ideal Δv [1/s] at ``tau_s`` s after launch:
    :func:`thrust_acceleration` with a Δv of 1 m/s, vectorised (``tau_s`` any shape, same
    shape out; 0 before launch and after burnout)."""
    return table_thrust(stage_table(prop), np.asarray(tau_s, dtype=float))


def burnt_share(prop: PropulsionClass, t_s: float) -> float:
    """Share of the ideal Δv burnt by ``t_s`` s after launch [-], in [0, 1].

    The integral of :func:`thrust_acceleration` over ``[0, t_s]`` divided by the total:
    each stage burnt out gives its ``dv_share``, and a stage burning for ``τ`` of its ``T``
    seconds gives ``dv_share · ln(1 − ζτ/T) / ln(1 − ζ)`` (the same Tsiolkovsky integral,
    Sutton & Biblarz §4.1).
    """
    done, t0 = 0.0, 0.0
    for st in prop.stages:
        tau = min(max(t_s - t0, 0.0), st.burn_s)
        done += st.dv_share * (math.log(1.0 - st.propellant_fraction * tau / st.burn_s)
                               / math.log(1.0 - st.propellant_fraction))
        t0 += st.burn_s
    return done


def resolve_propulsion(propulsion: str | PropulsionClass) -> PropulsionClass:
    """The :class:`PropulsionClass` itself, or the one of :data:`PROPULSION_CLASSES` named.

    Raises:
        InputError: an unknown class name (the known ones are listed).
    """
    if isinstance(propulsion, PropulsionClass):
        return propulsion
    try:
        return PROPULSION_CLASSES[propulsion]
    except KeyError:
        raise InputError("propulsion", propulsion,
                         f"unknown class; known: {', '.join(PROPULSION_CLASSES)}") from None

"""The configuration of a run of the main job (:func:`gsomia.sim.run.run_scenario`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from gsomia.errors import InputError
from gsomia.sim.delivery.plan import NONE, RUN_ROUTES, SHARES, RouteConfig, parse_run_route
from gsomia.warning.fusion import FusionConfig
from gsomia.warning.tracking.tracker import TrackerConfig

__all__ = ["SWEEP_ASSUMPTIONS", "RunConfig"]

SWEEP_ASSUMPTIONS = ("hub_delay_s", "link_delay_s")
"""Assumptions of :mod:`gsomia.sim.delivery.plan` that ``RunConfig.sweeps`` may vary
besides the TISA approval delay (``sweep_approval_s``)."""


@dataclass(frozen=True, slots=True)
class RunConfig:
    """The whole configuration of a run.

    Attributes:
        routes: routes compared: ``"none"`` (needed: the baseline) and
            :class:`~gsomia.sharing.Route` members, in any spelling
            (:func:`gsomia.sim.delivery.parse_run_route`; kept parsed, in the given order).
        route: delays and date gating of the routes (assumptions documented in
            :mod:`gsomia.sim.delivery.plan`).
        report_interval_s: least spacing of a track's reports [s].
        pip_interval_s: evaluation grid [s].
        pip_tail_interval_s: grid after the 50 km PIP has been reached [s] (fast path).
        pip_step_s: RK4 step of the PIP propagation [s] (10 s: the impact point moves by
            under 0.1 mm against a 2 s step, measured on 2017-03-06 at burnout + 10 s;
            ``benchmarks/bench_propagator.py`` finds 0.05 mm at 10 s on a 1,000 km flight).
        pip_near_m: the "PIP within" distance [m].
        area_probability: least probability of the true area (:mod:`gsomia.sim.run` notes).
        area_samples: samples of :func:`gsomia.warning.areas.areas_at_risk` (standard error
            of a probability ≤ 0.5/√n).
        horizon_s: observe only this long after the first launch [s] (None: to impact).
        measured: parties whose fused pictures and PIPs are evaluated (None: all; every
            party still tracks and shares).
        tracker, fusion: the trackers' and the fusers' configurations.
        share: what the nodes share: ``"tracks"`` (track and launch reports, the default)
            or ``"measurements"`` (radar plots and launch reports; :mod:`gsomia.sim.run`).
        attribution: add each partner's and partner sensor's share of every gain to the
            run's JSON (:mod:`gsomia.sim.attribution`; re-scores, never re-flies).
        sweep_approval_s: TISA approval delays [s] to re-score the ``tisa_hub`` route with
            (:mod:`gsomia.sim.attribution`, ``sensitivity``; empty: no sweep).
        warnings: keep each party's warning log (:mod:`gsomia.sim.warnlog`).
        sweeps: other assumptions to re-score every sharing route with, ``((name,
            values), ...)``, ``name`` one of :data:`SWEEP_ASSUMPTIONS` (``hub_delay_s``:
            the automated hub's processing; ``link_delay_s``: every one-way link delay,
            the scenario's own links included) and values in s
            (:mod:`gsomia.sim.attribution`, ``sensitivities``; empty: none).
        radar_outages: with ``attribution``, take each sensor of a measured party that saw
            the launches out of the run in turn (its owner tracks without it) and re-score
            that party's routes, ``none`` included (:mod:`gsomia.sim.attribution`,
            ``radar_outages``).

    Raises:
        InputError: an unknown share or route, no ``none``, or a figure not positive.
    """

    routes: tuple[str, ...] = RUN_ROUTES
    route: RouteConfig = field(default_factory=RouteConfig)
    report_interval_s: float = 5.0
    pip_interval_s: float = 5.0
    pip_tail_interval_s: float = 30.0
    pip_step_s: float = 10.0
    pip_near_m: float = 50_000.0
    area_probability: float = 0.5
    area_samples: int = 400
    horizon_s: float | None = None
    measured: tuple[str, ...] | None = None
    tracker: TrackerConfig = field(default_factory=TrackerConfig)
    fusion: FusionConfig = field(default_factory=FusionConfig)
    share: str = "tracks"
    attribution: bool = False
    sweep_approval_s: tuple[float, ...] = ()
    warnings: bool = True
    sweeps: tuple[tuple[str, tuple[float, ...]], ...] = ()
    radar_outages: bool = False

    def __post_init__(self) -> None:
        if self.share not in SHARES:
            raise InputError("share", self.share, f"expected one of {', '.join(SHARES)}")
        for name in ("report_interval_s", "pip_interval_s", "pip_tail_interval_s",
                     "pip_step_s", "pip_near_m", "area_samples"):
            if not getattr(self, name) > 0:
                raise InputError(name, getattr(self, name), "must be positive")
        for d in self.sweep_approval_s:
            if not (isinstance(d, int | float) and 0.0 <= d <= 86_400.0):
                raise InputError("sweep_approval_s", d, "expected delays of 0-86400 s")
        for name, values in self.sweeps:
            if name not in SWEEP_ASSUMPTIONS:
                raise InputError("sweeps", name,
                                 f"expected one of {', '.join(SWEEP_ASSUMPTIONS)}")
            if not values or any(not (isinstance(d, int | float) and 0.0 <= d <= 86_400.0)
                                 for d in values):
                raise InputError(f"sweeps.{name}", list(values),
                                 "expected 1 or more delays of 0-86400 s")
        if NONE not in self.routes:
            raise InputError("routes", list(self.routes), "'none' (the baseline) is needed")
        object.__setattr__(self, "routes", tuple(parse_run_route(r) for r in self.routes))

"""The spread of a run's figures over random draws (``gsomia run SCENARIO --seeds N``).

One run is one draw of every random quantity of the scenario: radar noise, probabilities of
detection, false alarms, scan phases (:mod:`gsomia.sim.observe`). A figure such as Japan's
``first_pip_within_50km_s`` moves by a few evaluation steps from draw to draw, so a single
run can rank two routes the wrong way by chance: on 2017-08-29 (scenario seed) Japan's 50 km
PIP comes 5 s later with ``direct`` than via the hub, because the PIP is still sweeping
towards the impact point at burnout (its 1-σ is then about 125 km) and the fused estimate
happened to be 62 km off against 48 km for the hub's. The study runs the same scenario with
``n`` seeds (the scenario's own first, then ``seed + 1`` …) and reports, per launch, party,
route and figure, the median and the 10th and 90th percentiles over the draws in which it
was reached, and how often it was reached; and per party and route the median warning time
gained against ``none`` (:meth:`gsomia.sim.run.RunResult.gained_s`).

Each run uses the planned delivery (:func:`gsomia.sim.delivery.planned.planned`: the same
arrivals as the nodes, checked by the tests) so that a study of many draws stays
affordable; runs are independent, each one task of :func:`gsomia.sim.cluster.run_tasks` (a
Dask ``LocalCluster``, an existing Dask scheduler, or this process), and the summary is
made from the draws in seed order whatever the order in which they finished.

Schema (``"schema": "gsomia.seeds/1"``), seconds after each launch::

    {"schema", "scenario": {"name", "title", "epoch", "seeds": [int, ...]},
     "routes": [...], "share", "draws": n,
     "launches": [{"id",
                   "parties": {party: {route: {metric: {"reached": k, "median", "p10",
                                                        "p90"} }}},
                   "gained_s": {party: {route: {"n", "median", "p10", "p90"}}}}],
     "route_order": {party: {"draws": n, "direct_le_hubs_le_none": k}}}

``median``/``p10``/``p90`` are over the draws in which the figure was reached (``null`` if
none); ``route_order`` counts the draws in which, for every launch, the party's 50 km PIP
comes no later with ``direct`` than with each hub route, and no later with each hub route
than with ``none`` (a route that never reaches it counts as infinitely late).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from gsomia.errors import InputError
from gsomia.sharing import Route
from gsomia.sim.cluster import IN_PROCESS, run_tasks
from gsomia.sim.config import RunConfig
from gsomia.sim.delivery.plan import NONE
from gsomia.sim.delivery.planned import planned
from gsomia.sim.knowledge import METRICS
from gsomia.sim.run import RunResult, run_scenario
from gsomia.sim.scenario import Scenario
from gsomia.sim.scoring import load_zones
from gsomia.warning.areas import MaritimeZones

__all__ = ["MAX_SEEDS", "run_seeds", "seed_summary"]

MAX_SEEDS = 1000
"""Most draws of one study (a bound on the work a typo can start)."""

_HUBS = (Route.TISA_HUB, Route.AUTO_HUB)


def _figures(result: RunResult) -> dict[str, Any]:
    """The per-draw figures a study keeps: launch → party → route → metric, and gains."""
    out: dict[str, Any] = {}
    for lid, parties in result.knowledge.items():
        out[lid] = {
            "figures": {p: {r: k.figures() for r, k in routes.items()}
                        for p, routes in parties.items()},
            "gained_s": {p: {r: result.gained_s(lid, p, r) for r in result.config.routes
                             if r != NONE} for p in parties}}
    return out


def _one(seed: int, scenario: Scenario, config: RunConfig, zones: MaritimeZones
         ) -> dict[str, Any]:
    """One task: the figures of the draw with ``seed``."""
    return _figures(run_scenario(dataclasses.replace(scenario, seed=seed), config,
                                 delivery=planned, zones=zones))


def _spread(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"median": None, "p10": None, "p90": None}
    a = np.asarray(values, dtype=float)
    return {"median": round(float(np.median(a)), 3),
            "p10": round(float(np.percentile(a, 10)), 3),
            "p90": round(float(np.percentile(a, 90)), 3)}


def _ordered(draw: dict[str, Any], party: str, routes: Sequence[str]) -> bool:
    """Whether, in one draw, ``party``'s 50 km PIP comes no later with ``direct`` than with
    each hub route and no later with each hub route than with ``none``, for every launch."""
    def t(lid: str, r: str) -> float:
        v = draw[lid]["figures"][party][r]["first_pip_within_50km_s"]
        return math.inf if v is None else v

    hubs = [h for h in _HUBS if h in routes]
    for lid in draw:
        first = t(lid, Route.DIRECT) if Route.DIRECT in routes else -math.inf
        if first > t(lid, NONE) or any(not first <= t(lid, h) <= t(lid, NONE)
                                         for h in hubs):
            return False
    return True


def seed_summary(draws: Sequence[dict[str, Any]], routes: Sequence[str]) -> dict[str, Any]:
    """Summarise per-draw figures (as made by :func:`run_seeds`) into the ``launches`` and
    ``route_order`` blocks of the schema (module notes)."""
    if not draws:
        raise InputError("draws", 0, "at least one draw is needed")
    launches = []
    order: dict[str, dict[str, int]] = {}
    for lid in draws[0]:
        parties = draws[0][lid]["figures"]
        entry: dict[str, Any] = {"id": lid, "parties": {}, "gained_s": {}}
        for p in parties:
            entry["parties"][p] = {}
            for r in routes:
                entry["parties"][p][r] = {}
                for m in METRICS:
                    got = [d[lid]["figures"][p][r][m] for d in draws]
                    hit = [v for v in got if v is not None]
                    entry["parties"][p][r][m] = {"reached": len(hit), **_spread(hit)}
            entry["gained_s"][p] = {}
            for r in routes:
                if r == NONE:
                    continue
                got = [d[lid]["gained_s"][p][r] for d in draws]
                hit = [v for v in got if v is not None]
                entry["gained_s"][p][r] = {"n": len(hit), **_spread(hit)}
        launches.append(entry)
    for p in draws[0][next(iter(draws[0]))]["figures"]:
        order[p] = {"draws": len(draws),
                    "direct_le_hubs_le_none": sum(_ordered(d, p, routes) for d in draws)}
    return {"launches": launches, "route_order": order}


def run_seeds(scenario: Scenario, n: int, config: RunConfig | None = None, *,
              scheduler: str = IN_PROCESS, workers: int = 0,
              on_done: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Run ``scenario`` with ``n`` seeds and summarise the spread (module notes).

    Args:
        scenario: the scenario; its ``seed`` is the first draw's, then ``seed + 1`` ….
        n: number of draws, 1 to :data:`MAX_SEEDS`.
        config: the runs' configuration (default :class:`~gsomia.sim.config.RunConfig`).
        scheduler, workers: where the draws run (:func:`gsomia.sim.cluster.run_tasks`:
            ``"none"``, this process, by default; ``"local"``, a Dask ``LocalCluster`` of
            ``workers`` processes, 0 for one per CPU; or ``"tcp://HOST:PORT"``).
        on_done: called with each finished draw's seed as it finishes (any order; e.g. a
            progress bar).

    Returns:
        the ``gsomia.seeds/1`` document (module notes).

    Raises:
        InputError: ``n``, ``scheduler`` or ``workers`` out of range; TaskError: a draw
            that failed, e.g. a launch that cannot be flown (names the seed, with the
            PhysicsError's message).
    """
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_SEEDS:
        raise InputError("seeds", n, f"expected an integer from 1 to {MAX_SEEDS}")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 0:
        raise InputError("workers", workers, "expected an integer >= 0 (0: one per CPU)")
    # the seed study summarises the figures only: no warning logs (gsomia.sim.warnlog)
    cfg = dataclasses.replace(config or RunConfig(), warnings=False)
    seeds = [scenario.seed + i for i in range(n)]
    draws = run_tasks(_one, seeds, [f"{scenario.name}, seed {s}" for s in seeds],
                      shared=(scenario, cfg, load_zones()), scheduler=scheduler,
                      workers=workers,
                      on_done=None if on_done is None else lambda k, _: on_done(seeds[k]))
    return {"schema": "gsomia.seeds/1",
            "scenario": {"name": scenario.name, "title": scenario.title,
                         "epoch": scenario.epoch.isoformat(), "seeds": seeds},
            "routes": list(cfg.routes), "share": getattr(cfg, "share", "tracks"),
            "draws": n, **seed_summary(draws, cfg.routes)}

"""The engagement figures of a run: per launch, party and route, whether, when and how
often the party's own fire units could have engaged, from the party's picture on that
route (:mod:`gsomia.warning.engagement`; data: :mod:`gsomia.warning.interceptors`).

The estimates are the party's best fused track of the launch at every ``pip_interval_s``
while it flies (:attr:`gsomia.sim.knowledge.LaunchKnowledge.tracks`: the run's fine
cadence, independent of the coarser ``pip_tail_interval_s`` grid on which PIPs are scored
once the party's 50 km PIP and area are reached), so every route is evaluated on the same
times and a first firing solution is known to ``pip_interval_s``. On a route the
picture holds only the partners' tracks that arrived under the agreements in force, so
launch-on-remote (own interceptor, partner's track) is counted exactly when the route
delivered the track; on ``none`` the party engages on its own sensors only.

Figures (seconds after the launch):

``first_firing_solution_s``, ``window_s``, ``shot_opportunities``, ``fire_unit``
    of the party's fire unit (in service on the scenario date; ships placed for the
    scenario) with the earliest firing solution (then the longest window);
    ``first_launch_s``/``last_launch_s`` the window's ends; with ``reason`` and null
    figures when there is none.
``window_gained_s``
    the window on the route minus the window on ``none`` (no engagement: 0 s); null when
    neither has an engagement.
``threatened_assets``
    the party's defended assets (data file) whose circle holds the true impact point.
``threat_to_party``
    whether the launch is a threat to the party (below).

**Threat to party P** (:func:`is_threat_to`): the launch's true impact point lies on P's
land or in P's territorial sea (the run's true impact cell, :func:`gsomia.sim.scoring.
true_area`, over the Natural Earth / Marine Regions zones), or inside the circle of one
of P's defended assets (data file; e.g. the USA's bases in Japan and Korea). A missile
coming down in P's EEZ or on the high seas is no threat to P by this definition (it may
still endanger shipping; the per-launch figures above are given for every launch, for
information). The truth defines the threat: the question is whether the defender *could*
have engaged what was in fact coming at it, not whether it believed so.

The salvo (:func:`salvo_counts`): every launch of the scenario as one salvo, scheduled by
:func:`gsomia.warning.engagement.schedule_salvo` on each party's fire units per route —
once over the threats to the party (the headline counts), once over every launch (for
information).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from gsomia.physics.geodesy import geodesic_inverse
from gsomia.sim.delivery.plan import NONE
from gsomia.sim.knowledge import Knowledge, LaunchKnowledge
from gsomia.sim.scenario import Scenario, packaged_scenarios_dir
from gsomia.warning.engagement import (
    Engagement,
    Paths,
    ThreatWindows,
    engagement,
    predict_paths,
    schedule_salvo,
)
from gsomia.warning.interceptors import InterceptorData, load_interceptors
from gsomia.warning.sensors import Flight

__all__ = ["THREAT_ZONES", "Engagements", "engagement_figures", "engagement_summary",
           "is_threat_to", "run_engagements", "salvo_counts", "ship_positions_key",
           "threatened_assets", "window_gain_distribution", "window_gained_s"]

THREAT_ZONES = ("land", "territorial_sea")
"""The zones of a party in which an impact is a threat to it (module notes)."""

_CHUNK = 256   # estimates flown per batch (memory: chunk × steps × 3 × 3 floats)


@dataclass(slots=True)
class Engagements:
    """The engagements of a run.

    Attributes:
        data: the interceptor data used (ships placed for the scenario); day: its date.
        by_unit: launch id → party → route → fire-unit id → :class:`~gsomia.warning.
            engagement.Engagement` (only the units with a firing solution).
        reasons: ``(launch, party, route)`` → why there is no engagement.
        cells: launch id → its true impact cell ``(country, zone)``
            (:class:`gsomia.sim.scoring.TrueArea`); a launch without one is a threat only
            through the defended assets (:func:`is_threat_to`).
    """

    data: InterceptorData
    day: dt.date
    by_unit: dict[str, dict[str, dict[str, dict[str, Engagement]]]] = field(
        default_factory=dict)
    reasons: dict[tuple[str, str, str], str] = field(default_factory=dict)
    cells: dict[str, tuple[str, str]] = field(default_factory=dict)

    def best(self, launch: str, party: str, route: str) -> Engagement | None:
        """The engagement with the earliest firing solution (then the longest window)."""
        got = self.by_unit[launch][party][route]
        if not got:
            return None
        return min(got.values(), key=lambda e: (e.first_solution_s, -e.window_s, e.fire_unit))


def _fly(estimates: list[tuple[float, np.ndarray, np.ndarray]], step_s: float
         ) -> list[tuple[Paths, int]]:
    """Every distinct estimate flown (:func:`gsomia.warning.engagement.predict_paths`),
    in chunks: estimate index → (its chunk's paths, its row there)."""
    out: list[tuple[Paths, int]] = []
    for lo in range(0, len(estimates), _CHUNK):
        part = estimates[lo:lo + _CHUNK]
        paths = predict_paths(np.array([e[0] for e in part]), np.stack([e[1] for e in part]),
                              np.stack([e[2] for e in part]), step_s=step_s,
                              max_time_s=1800.0)
        out.extend((paths, i) for i in range(len(part)))
    return out


def ship_positions_key(sc: Scenario) -> str | None:
    """The key of the ships' per-scenario positions in the interceptor data file
    (``positions = { "<name>" = [lat, lon] }``): the scenario's name when it is the
    packaged scenario of that name, else ``None`` (every ship at its default station) —
    a user's scenario file that happens to share a packaged scenario's name (e.g.
    ``stress-20``) does not take that scenario's ship positions."""
    packaged = packaged_scenarios_dir() / f"{sc.name}.toml"
    try:
        same = packaged.is_file() and Path(sc.file).resolve() == packaged.resolve()
    except OSError:
        same = False
    return sc.name if same else None


def _estimates(k: LaunchKnowledge) -> list[tuple[float, np.ndarray, np.ndarray]]:
    """The party's track estimates of the launch in time order: every
    :attr:`~gsomia.sim.knowledge.LaunchKnowledge.tracks` sample and every PIP sample that
    carries its track (one per time)."""
    by_t = {s.t_s: (s.t_s, s.x, s.P) for s in k.pips if s.x is not None and s.P is not None}
    by_t.update({t: (t, x, P) for t, x, P in k.tracks})
    return [by_t[t] for t in sorted(by_t)]


def run_engagements(scenario_name: str | None, day: dt.date, flights: tuple[Flight, ...],
                    parties: list[str] | tuple[str, ...], routes: tuple[str, ...],
                    knowledge: Knowledge, data: InterceptorData | None = None,
                    step_s: float = 2.0, measured: tuple[str, ...] | None = None,
                    cells: dict[str, tuple[str, str]] | None = None) -> Engagements:
    """Every launch's engagements per party and route (module notes).

    Args:
        scenario_name: places the ships (:func:`gsomia.warning.interceptors.
            load_interceptors`; :func:`ship_positions_key`; ``None``: default stations);
            day: fire units in service on it.
        flights, parties, routes, knowledge: the run's.
        data: the interceptor data (default: the packaged file for ``scenario_name``).
        step_s: grid of the predicted paths [s].
        measured: the parties whose pictures the run evaluated (``None``: all).
        cells: launch id → true impact cell (``(country, zone)``; threats, module notes).
    """
    data = data or load_interceptors(scenario=scenario_name)
    out = Engagements(data, day, cells=dict(cells or {}))
    index: dict[tuple[float, bytes, bytes], int] = {}
    estimates: list[tuple[float, np.ndarray, np.ndarray]] = []
    rows: dict[tuple[str, str, str], list[int]] = {}
    for f in flights:
        for p in parties:
            for r in routes:
                got = rows.setdefault((f.id, p, r), [])
                for t, x, P in _estimates(knowledge[f.id][p][r]):
                    key = (t, x.tobytes(), P.tobytes())
                    if key not in index:
                        index[key] = len(estimates)
                        estimates.append((t, x, P))
                    got.append(index[key])
    flown = _fly(estimates, step_s)
    for f in flights:
        for p in parties:
            units = data.units_of(p, day)
            for r in routes:
                got: dict[str, Engagement] = {}
                picks = rows[(f.id, p, r)]
                for u in units:
                    e = engagement([flown[i] for i in picks], u)
                    if e is not None:
                        got[u.id] = e
                out.by_unit.setdefault(f.id, {}).setdefault(p, {})[r] = got
                if not got:
                    out.reasons[(f.id, p, r)] = (
                        f"no fire unit of {p} in service on {day.isoformat()}" if not units
                        else "not measured (the run evaluated no picture of this party)"
                        if measured is not None and p not in measured
                        else "no track of the launch in the picture" if not picks
                        else "no predicted intercept point inside a fire unit's envelope "
                             "with the track quality required (95 % radius below the "
                             "acquisition basket) before the launch window closed")
    return out


def engagement_figures(eng: Engagements, flight: Flight, party: str, route: str
                       ) -> dict[str, Any]:
    """The JSON ``engagement`` member of one launch, party and route (module notes)."""
    best = eng.best(flight.id, party, route)
    at_risk = threatened_assets(eng, flight, party)
    if best is None:
        return {"first_firing_solution_s": None, "window_s": None, "shot_opportunities": 0,
                "fire_unit": None, "reason": eng.reasons[(flight.id, party, route)],
                "threatened_assets": at_risk,
                "threat_to_party": is_threat_to(eng, flight, party)}
    unit = next(u for u in eng.data.fire_units if u.id == best.fire_unit)
    return {"first_firing_solution_s": round(best.first_solution_s - flight.launch_s, 3),
            "window_s": round(best.window_s, 3), "shot_opportunities": best.shots,
            "fire_unit": best.fire_unit, "interceptor": unit.interceptor.name,
            "first_launch_s": round(best.first_launch_s - flight.launch_s, 3),
            "last_launch_s": round(best.last_launch_s - flight.launch_s, 3),
            "units_with_solution": sorted(eng.by_unit[flight.id][party][route]),
            "threatened_assets": at_risk, "threat_to_party": is_threat_to(eng, flight, party)}


def is_threat_to(eng: Engagements, flight: Flight, party: str) -> bool:
    """Whether the launch is a threat to ``party`` (module notes): its true impact cell is
    the party's land or territorial sea (:data:`THREAT_ZONES`), or the true impact point
    is inside one of the party's defended assets (:func:`threatened_assets`)."""
    country, zone = eng.cells.get(flight.id, ("", ""))
    return (country == party and zone in THREAT_ZONES) or \
        bool(threatened_assets(eng, flight, party))


def threatened_assets(eng: Engagements, flight: Flight, party: str) -> list[str]:
    """The party's defended assets (data file) whose circle holds the launch's true impact
    point (geodesic distance, :func:`gsomia.physics.geodesy.geodesic_inverse`)."""
    tr = flight.trajectory
    out = []
    for a in eng.data.assets:
        if a.owner == party:
            d, _ = geodesic_inverse(a.lat_deg, a.lon_deg, tr.impact_lat_deg, tr.impact_lon_deg)
            if float(d) <= a.radius_m:
                out.append(a.id)
    return out


def window_gained_s(eng: Engagements, launch: str, party: str, route: str) -> float | None:
    """The window on ``route`` minus that on ``none`` [s] (no engagement: 0 s); ``None``
    when neither has one."""
    got, base = eng.best(launch, party, route), eng.best(launch, party, NONE)
    if got is None and base is None:
        return None
    return round((got.window_s if got else 0.0) - (base.window_s if base else 0.0), 3)


def salvo_counts(eng: Engagements, parties: list[str] | tuple[str, ...],
                 routes: tuple[str, ...], flights: Iterable[Flight] = ()
                 ) -> dict[str, dict[str, dict[str, Any]]]:
    """Party → route → the salvo counts (:func:`gsomia.warning.engagement.schedule_salvo`
    on the party's fire units, every launch of the run one salvo):

    ``threats``, ``threat_ids``, ``engageable_once``, ``engageable_twice``, ``rounds_used``
        over the launches that are a threat to the party (:func:`is_threat_to`; needs
        ``flights``, else none is);
    ``launches``, ``launches_engageable_once``, ``launches_engageable_twice``
        over every launch, whatever its impact (information).
    """
    by_id = {f.id: f for f in flights}
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for p in parties:
        units = {u.id: u for u in eng.data.units_of(p, eng.day)}
        ids = [lid for lid in eng.by_unit if lid in by_id and is_threat_to(eng, by_id[lid], p)]
        out[p] = {}
        for r in routes:
            every = schedule_salvo([ThreatWindows(lid, eng.by_unit[lid][p][r])
                                    for lid in eng.by_unit], units)
            res = schedule_salvo([ThreatWindows(lid, eng.by_unit[lid][p][r]) for lid in ids],
                                 units)
            out[p][r] = {"threats": len(ids), "threat_ids": ids,
                         "engageable_once": res.once, "engageable_twice": res.twice,
                         "rounds_used": {u: n for u, n in res.rounds_used.items() if n},
                         "launches": len(eng.by_unit),
                         "launches_engageable_once": every.once,
                         "launches_engageable_twice": every.twice}
    return out


def engagement_summary(eng: Engagements, parties: list[str] | tuple[str, ...],
                       routes: tuple[str, ...], flights: Iterable[Flight] = ()
                       ) -> dict[str, Any]:
    """The run-level JSON ``engagement`` member: the salvo counts (:func:`salvo_counts`)
    and the figures of every fire unit in service that were used."""
    units = [u for p in parties for u in eng.data.units_of(p, eng.day)]
    return {"salvo": salvo_counts(eng, parties, routes, flights),
            "fire_units": [{"id": u.id, "owner": u.owner, "interceptor": u.interceptor.name,
                            "lat_deg": u.lat_deg, "lon_deg": u.lon_deg,
                            "magazine": u.magazine, "reaction_s": u.interceptor.reaction_s,
                            "assessment_s": u.interceptor.assessment_s,
                            "basket_km": u.interceptor.basket_m / 1e3,
                            "speed_km_s": u.interceptor.speed_m_s / 1e3,
                            "min_alt_km": u.interceptor.min_alt_m / 1e3,
                            "max_alt_km": u.interceptor.max_alt_m / 1e3,
                            "max_range_km": u.interceptor.max_range_m / 1e3}
                           for u in units]}


def window_gain_distribution(runs: Iterable[dict[str, Any]], parties: tuple[str, ...],
                             routes: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """Over run JSONs (:func:`gsomia.sim.report.run_to_json`): party → route → the
    distribution of ``window_gained_s`` over the launches where it is not null: ``n``,
    ``median``, ``p10``, ``p90`` [s] (``statistics.quantiles``, inclusive method; null
    figures when ``n`` < 2, the median alone when ``n`` is 1)."""
    got: dict[str, dict[str, list[float]]] = {p: {r: [] for r in routes} for p in parties}
    for run in runs:
        for launch in run["launches"]:
            for p in parties:
                for r in routes:
                    e = (launch["parties"].get(p, {}).get(r) or {}).get("engagement") or {}
                    if e.get("window_gained_s") is not None:
                        got[p][r].append(e["window_gained_s"])
    out: dict[str, dict[str, Any]] = {}
    for p, by_route in got.items():
        out[p] = {}
        for r, v in by_route.items():
            q = statistics.quantiles(v, n=10, method="inclusive") if len(v) > 1 else None
            out[p][r] = {"n": len(v), "median": round(statistics.median(v), 1) if v else None,
                         "p10": round(q[0], 1) if q else None,
                         "p90": round(q[-1], 1) if q else None}
    return out

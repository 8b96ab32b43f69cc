"""Maritime sources in a run: submarine contact reports, the cues they give, and the
comparison of a run with and without one party's maritime sources.

Steps (called by :func:`gsomia.sim.run.run_scenario` before the radars observe):

1. Every maritime source of the scenario (patrol aircraft, submarines;
   :mod:`gsomia.warning.sensors.maritime`) observes the scenario's submarine tracks and
   issues contact reports (:func:`contact_items`), each a classified item of its owner
   (:class:`~gsomia.sim.items.Warning` with ``contact``; payload
   :class:`gsomia.node.contacts.SubmarineContact`, element ``pre_launch_indication``).
2. The run's delivery step carries them on every route like any other item (decided by
   the same rules: the automated hub's arrangement excludes pre-launch indications, so it
   never carries them; the Japan–Korea GSOMIA only from 23 Nov 2016).
3. Each party's radars are cued (:func:`cue_table`; :mod:`gsomia.warning.sensors.cueing`):
   by its own contacts from their issue time, and by each partner contact from its
   arrival on the run's ``cue_route`` (default: the earliest over its sharing routes).
   The radars observe once for a run (its tracker runs are shared by its routes,
   :mod:`gsomia.sim.run`), so the with/without comparison (:func:`maritime_block`) takes,
   for each route, a run cued by that route's arrivals (:func:`cue_groups`: routes whose
   cues are the same share one run; ``none``: own contacts only), against the run
   without the sources on the same route.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from gsomia.sim.items import Delivered, Warning
from gsomia.sim.observe import sensor_rng
from gsomia.sim.scenario import Scenario
from gsomia.warning.sensors.cueing import Cue
from gsomia.warning.sensors.maritime import observe_maritime

__all__ = ["MARITIME_METRICS", "contact_items", "cue_groups", "cue_table", "maritime_block",
           "without_maritime"]

MARITIME_METRICS = ("first_detection_s", "first_confirmed_s", "first_pip_within_50km_s",
                    "area_at_risk_s")
"""Figures compared with and without the maritime sources (seconds after the launch)."""


def contact_items(scenario: Scenario, t_end_s: float) -> dict[str, list[Warning]]:
    """Every party's contact reports issued by ``t_end_s`` as items (party → items in
    time order; every party of the scenario present, with ``[]`` if it has none)."""
    reports = observe_maritime(scenario.maritime, scenario.submarines,
                               lambda sid: sensor_rng(scenario.seed, sid), t_end_s)
    out: dict[str, list[Warning]] = {p: [] for p in scenario.parties}
    for r in reports:
        out[r.owner].append(Warning(r.t_s, r.owner, contact=r))
    return out


def cue_table(contacts: dict[str, list[Warning]], arrivals: dict[str, list[Delivered]]
              ) -> tuple[dict[str, list[Cue]], dict[str, dict[str, Any]]]:
    """Each party's cues (module notes, step 3), and where each party's first cue came
    from: ``{party: {"t_s", "source", "originator", "route"}}`` (route ``own`` for its
    own contacts)."""
    cues: dict[str, list[Cue]] = {p: [] for p in contacts}
    first: dict[str, dict[str, Any]] = {}

    def add(party: str, t_s: float, w: Warning, route: str) -> None:
        c = w.contact
        assert c is not None
        cues[party].append(Cue(t_s, c.lat_deg, c.lon_deg, c.sigma_m, c.sensor_id))
        if party not in first or t_s < first[party]["t_s"]:
            first[party] = {"t_s": round(t_s, 3), "source": c.sensor_id,
                            "originator": w.originator, "route": str(route)}

    for party, items in contacts.items():
        for w in items:
            add(party, w.t_s, w, "own")
    earliest: dict[tuple[str, str, str, float], tuple[float, Warning, str]] = {}
    for route, got in arrivals.items():
        for d in got:
            if d.item.contact is None:
                continue
            key = (d.to, d.item.originator, d.item.contact.sensor_id, d.item.contact.t_s)
            if key not in earliest or d.t_s < earliest[key][0]:
                earliest[key] = (d.t_s, d.item, route)
    for (party, *_), (t_s, w, route) in sorted(earliest.items(), key=lambda e: e[1][0]):
        add(party, t_s, w, route)
    for party in cues:
        cues[party].sort(key=lambda c: c.t_s)
    return cues, first


def cue_groups(contacts: dict[str, list[Warning]], arrivals: dict[str, list[Delivered]]
               ) -> dict[str, str]:
    """Route → the first route of the same cues (:func:`cue_table` from that route's
    arrivals alone; every route of ``arrivals``, in its order): the routes one run
    cued by its first route serves."""
    out: dict[str, str] = {}
    seen: dict[tuple, str] = {}
    for route, got in arrivals.items():
        cues, _ = cue_table(contacts, {route: got})
        key = tuple(sorted((p, tuple((c.t_s, c.lat_deg, c.lon_deg, c.sigma_m) for c in cs))
                           for p, cs in cues.items()))
        out[route] = seen.setdefault(key, route)
    return out


def without_maritime(scenario: Scenario, owner: str) -> Scenario:
    """The scenario without ``owner``'s maritime sources (submarine tracks kept)."""
    return dataclasses.replace(scenario, maritime=tuple(
        s for s in scenario.maritime if s.owner != owner))


def _on_route(first: dict[str, dict[str, Any]], route: str) -> dict[str, dict[str, Any]]:
    """A run's first cues (:func:`cue_table`) as those of ``route``, one of the routes the
    run serves (:func:`cue_groups`: the same cues, at the same times): a partner's contact
    is named as arrived on ``route``, not on the route the shared run was cued by."""
    return {p: c if c["route"] == "own" else {**c, "route": route} for p, c in first.items()}


def maritime_block(with_runs: dict[str, Any], without_run: Any, owner: str,
                   rounded: Callable[[float | None], float | None]) -> dict[str, Any]:
    """The ``maritime`` block of a run's JSON: per launch, party and route, each of
    :data:`MARITIME_METRICS` with ``owner``'s maritime sources (``with``: from
    ``with_runs[route]``, the run cued by that route's arrivals) and without them
    (``without``), and ``gain_s = without − with`` (positive: sooner with them; None when
    either never reached it). Also the sources compared, the contacts issued and, per
    route, the first cue of each party (:func:`cue_table`; ``route``: ``own`` or that
    route, even when the run was shared with another route of the same cues)."""
    launches = []
    first = next(iter(with_runs.values()))
    for f in first.flights:
        parties: dict[str, Any] = {}
        for party in first.knowledge[f.id]:
            parties[party] = {}
            for route, run in with_runs.items():
                k = run.knowledge[f.id][party][route]
                k0 = without_run.knowledge[f.id][party][route]
                entry = {}
                for m in MARITIME_METRICS:
                    a, b = getattr(k, m), getattr(k0, m)
                    entry[m] = {"with": rounded(a), "without": rounded(b),
                                "gain_s": None if a is None or b is None else rounded(b - a)}
                parties[party][route] = entry
        launches.append({"id": f.id, "parties": parties})
    sc = first.scenario
    return {"owner": owner,
            "sources": [s.id for s in sc.maritime if s.owner == owner],
            "submarines": [s.id for s in sc.submarines],
            "contacts": {p: len(ws) for p, ws in first.contacts.items()},
            "cues": {str(r): _on_route(run.first_cues, str(r))
                     for r, run in with_runs.items()},
            "cues_without": without_run.first_cues,
            "runs": len({id(run) for run in with_runs.values()}) + 1,
            "launches": launches}

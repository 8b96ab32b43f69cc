"""What bought the warning time: each partner's and each partner sensor's share of a gain.

For every launch, measured party, sharing route and figure (:data:`~gsomia.sim.knowledge.
METRICS`), the *gain* of a coalition ``S`` of the party's partners is
``v(S) = figure(none) - figure(S)`` [s]: how much earlier the party knew it when only the
partners in ``S`` send on that route. ``v(all partners)`` is the route's own figure and
``v(∅)`` the ``none`` figure (both taken from the run itself, so the values below add up to
the run's ``gained_s``); the other coalitions are *re-scored*, never re-flown: the run's
observation, tracker runs and items are reused, only the arrivals are restricted to the
coalition's originators (:func:`variant_deliveries`), and the same picture source
(:class:`~gsomia.sim.pictures.FusedPictures`) and figures (:func:`~gsomia.sim.knowledge.
measure`) are computed for them.

- ``shapley``: the exact Shapley value of each partner (Shapley, "A value for n-person
  games", 1953: the mean over every order of the partners of its marginal gain;
  :func:`shapley_values`, all ``2**n`` coalitions, so exact for the few partners of a
  scenario). Efficiency holds: they sum to the total gain.
- ``leave_one_out``: ``v(all) - v(all but that partner)``.
- ``sensors``: leave-one-out of one partner *sensor*: the partner's tracker is run again
  without that sensor's detections (its infrared launch reports dropped likewise), its
  items issued again by the sharing rule (:func:`gsomia.sim.share.party_warnings`) and
  delivered on the route's plan by the analytical step
  (:func:`gsomia.sim.delivery.planned.deliver_planned`, the same arrivals as the nodes).
  Only sensors with at least one detection or report in the run are tried (a sensor that
  saw nothing cannot change a figure).
- ``sensitivity``: the TISA approval delay (:class:`~gsomia.sim.delivery.plan.RouteConfig`
  ``approval_delay_s``, 300 s by default, an ASSUMPTION of :mod:`gsomia.sim.delivery.plan`)
  swept over ``RunConfig.sweep_approval_s``: the ``tisa_hub`` route re-planned with that
  delay and re-scored, with the gain of ``direct`` over it. Only the arrivals change with
  the delay (arrival = sending + the path's delay, :func:`~gsomia.sim.delivery.planned.
  deliver_planned`, the nodes' arrivals too); the observation, tracks and items do not,
  so a sweep point costs one route's re-scoring, not a run. The batch sweeps 0-600 s by
  60 s unless told otherwise (:data:`gsomia.sim.batch.BATCH_SWEEP_APPROVAL_S`).
- ``sensitivities``: the other swept assumptions (``RunConfig.sweeps``): ``hub_delay_s``
  (the automated hub's processing) and ``link_delay_s`` (every one-way link delay, the
  scenario's own ``[[links]]`` replaced): every sharing route re-planned with the value
  and re-scored, the same way; per launch and party the gain of each route and direct
  minus each hub, i.e. how much of the direct link's value depends on that assumption.
  Which partner sensors are shared needs no sweep: ``sensors`` above is each partner
  sensor's share of each route's gain, so direct minus a hub without one sensor shared is
  read from it (:mod:`gsomia.sim.attribution_report`).

- ``radar_outages`` (``RunConfig.radar_outages``): radar availability. Each sensor of a
  measured party that saw the launches is taken out of the run in turn: its owner's
  tracker is run again without it (as for ``sensors``), and the owner's figures re-scored
  on every route and on ``none`` (what arrives from the partners does not change). Per
  launch: the 50 km PIP time on ``none`` without the sensor (``none_s``, and how much
  later than with it, ``none_lost_s``), each route's gain over that ``none``, and direct
  minus each hub: how much sharing makes up for the outage. (Sensors draw from their own
  random generators, so this is the run of the scenario without that sensor.)

Cost: every re-scoring of a run shares the fused pictures (by content: the same own and
received reports at the same time fuse to the same picture), their PIPs and the area
tests, and evaluates only the pictures of figures still open; the owner's trackers
without each radar are forked from one run at that radar's first scan
(:func:`_trackers_without`). Measured (CPU time, ``time.process_time``; the attribution
JSON before and after compared equal): ``2017-03-06`` (planned delivery, 11-point TISA
sweep) 25.2 s → 7.8 s; five events of the batch (``2016-02-07`` … ``2020-03-08``, 9
launches, 11-point sweep) run and attribution 35.1 s → 21.9 s, of which the run without
attribution is 8.9 s. What remains is mostly the trackers run without each radar and
the area tests of new PIPs.

A gain is ``null`` with a ``reason`` when the figure is not reached with all partners or
without any (no baseline), or when some coalition never reaches it (its value is
undefined); no NaN is written. Track-level sharing only (``share = "measurements"``:
``{"reason": ...}``).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import time
import tomllib
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from gsomia.sharing import load_catalog
from gsomia.sim.delivery.plan import NONE, plan_routes
from gsomia.sim.delivery.planned import deliver_planned
from gsomia.sim.items import Delivered, Warning
from gsomia.sim.knowledge import METRICS, Knowledge, measure
from gsomia.sim.pictures import FusedPictures
from gsomia.sim.run import RunResult
from gsomia.sim.scoring import load_zones, true_area
from gsomia.sim.share import party_warnings
from gsomia.warning.areas import MaritimeZones
from gsomia.warning.sites import packaged_sensors_path
from gsomia.warning.tracking.tracker import Tracker, check_detection, scans

__all__ = ["attribute", "attribution_lines", "batch_extras", "rescore",
           "sensor_names", "shapley_values",
           "variant_deliveries"]

TISA = "tisa_hub"


def shapley_values(players: Sequence[str], value: Callable[[frozenset[str]], float]
                   ) -> dict[str, float]:
    """Exact Shapley values (Shapley 1953): ``φ_i = Σ_{S ⊆ N\\{i}} |S|! (n-|S|-1)! / n! ·
    (v(S ∪ {i}) - v(S))``, over all ``2**n`` coalitions (``value`` is called once per
    coalition). Efficiency: ``Σ φ_i = v(N) - v(∅)``."""
    n = len(players)
    cache: dict[frozenset[str], float] = {}

    def v(s: frozenset[str]) -> float:
        if s not in cache:
            cache[s] = value(s)
        return cache[s]

    out: dict[str, float] = {}
    for i in players:
        others = [p for p in players if p != i]
        total = 0.0
        for k in range(n):
            w = math.factorial(k) * math.factorial(n - k - 1) / math.factorial(n)
            for s in itertools.combinations(others, k):
                fs = frozenset(s)
                total += w * (v(fs | {i}) - v(fs))
        out[i] = total
    return out


def variant_deliveries(arrivals: Iterable[Delivered], excluded: set[str]) -> list[Delivered]:
    """The arrivals of a route without the items of the ``excluded`` originators."""
    return [d for d in arrivals if d.item.originator not in excluded]


def sensor_names(path: str | None = None) -> dict[str, str]:
    """Sensor id → a short name from ``sensors.toml`` (its class description up to the
    first lower-case word, without a trailing band: ``"AN/TPY-2"``, ``"EL/M-2080 Green
    Pine"``)."""
    with open(path or packaged_sensors_path(), "rb") as fh:
        doc = tomllib.load(fh)
    names: dict[str, str] = {}
    for site in doc.get("sites", []):
        desc = str(doc.get("classes", {}).get(site.get("class"), {}).get("description", ""))
        words = list(itertools.takewhile(lambda w: not w[:1].islower(), desc.split()))
        while words and words[-1].endswith("-band"):
            words.pop()
        names[site["id"]] = " ".join(words) or site["id"]
    return names


def _gain(know: Knowledge, lid: str, party: str, route: str, metric: str,
          base: float | None) -> float | None:
    got = getattr(know[lid][party][route], metric)
    return None if got is None or base is None else base - got


class _Scorer:
    """Re-scores restricted deliveries with the run's own observation and trackers.

    Every re-scoring of one run shares three caches (module notes, *cost*): the fused
    pictures by content (:class:`~gsomia.sim.pictures.FusedPictures` ``cache``), their PIPs,
    and whether a PIP names the true area; and only the pictures of figures still open are
    computed (:func:`~gsomia.sim.knowledge.measure` ``keep_tracks=False``)."""

    def __init__(self, result: RunResult, zones: MaritimeZones) -> None:
        self.r = result
        self.zones = zones
        self.areas = {f.id: true_area(f, zones) for f in result.flights}
        self.area_cache: dict[tuple[Any, ...], bool] = {}
        self.picture_cache: dict[tuple[Any, ...], Any] = {}
        self.pip_cache: dict[tuple[Any, ...], Any] = {}
        self.variants: dict[tuple[str, str], tuple[dict[str, Tracker],
                                                   dict[str, list[Warning]]]] = {}
        self.forks: dict[str, dict[str, Tracker]] = {}

    def without(self, owner: str, sensor: str
                ) -> tuple[dict[str, Tracker], dict[str, list[Warning]]]:
        """:func:`_sensor_variant`, run once per owner and sensor, its tracker from
        :func:`_trackers_without` (every sensor of the owner's at once)."""
        if (owner, sensor) not in self.variants:
            if owner not in self.forks:
                self.forks[owner] = _trackers_without(self.r, owner)
            self.variants[(owner, sensor)] = _sensor_variant(
                self.r, owner, sensor, self.forks[owner].get(sensor,
                                                             self.r.trackers[owner]))
        return self.variants[(owner, sensor)]

    def score(self, deliveries: dict[str, list[Delivered]], measured: Sequence[str],
              trackers: dict[str, Tracker] | None = None,
              warnings: dict[str, list[Warning]] | None = None) -> Knowledge:
        r = self.r
        trackers = trackers or r.trackers
        warnings = warnings or r.warnings
        # first times only: no PIP-error curve after the 50 km PIP (pip_tail_interval_s)
        cfg = dataclasses.replace(r.config, measured=tuple(measured),
                                  pip_tail_interval_s=1e9)
        # variant keys are not routes: set after the check of RunConfig
        object.__setattr__(cfg, "routes", tuple(deliveries))
        source = FusedPictures(r.scenario.parties, cfg, trackers, warnings, deliveries,
                               cache=self.picture_cache)
        return measure(r.scenario.parties, r.observation, cfg, trackers, deliveries, source,
                       self.zones, self.areas, self.area_cache, pip_cache=self.pip_cache,
                       keep_tracks=False)


def rescore(result: RunResult, deliveries: dict[str, list[Delivered]],
            measured: Sequence[str], zones: MaritimeZones | None = None) -> Knowledge:
    """The figures of ``measured`` parties with the run's own observation, trackers and
    items but the given arrivals (variant name → arrivals; module notes)."""
    return _Scorer(result, zones or load_zones()).score(deliveries, measured)


def _trackers_without(result: RunResult, owner: str) -> dict[str, Tracker]:
    """The owner's tracker run without each of its radars that detected something
    (sensor id → tracker), each the same as a tracker fed the owner's detections without
    that radar's (:meth:`Tracker.process <gsomia.warning.tracking.tracker.Tracker.
    process>`).

    The scans before a radar's first scan are the same with and without it, so one
    tracker is run over the owner's scans and forked (:meth:`~gsomia.warning.tracking.
    tracker.Tracker.fork`: the same result as running on) at each radar's first scan; the
    fork goes on without that radar. A sensor without detections (infrared) leaves the
    tracker as the run's and is not listed."""
    obs, cfg = result.observation, result.config
    mine = [d for d in obs.detections if d.owner == owner]
    for d in mine:
        check_detection(d)
    order = scans(mine)
    first: dict[str, int] = {}
    for k, scan in enumerate(order):
        first.setdefault(scan[0].sensor_id, k)
    base = Tracker(cfg.tracker)
    done = 0
    out: dict[str, Tracker] = {}
    for k, sensor in sorted((k, s) for s, k in first.items()):
        for scan in order[done:k]:
            base.step(list(scan))
        done = k
        fork = base.fork()
        for scan in order[k:]:
            if scan[0].sensor_id != sensor:
                fork.step(list(scan))
        out[sensor] = fork
    return out


def _sensor_variant(result: RunResult, owner: str, sensor: str, tr: Tracker
                    ) -> tuple[dict[str, Tracker], dict[str, list[Warning]]]:
    """The owner's tracker (``tr``, run without ``sensor``) and items without one sensor."""
    obs, cfg = result.observation, result.config
    reports = [r for r in obs.reports if r.owner == owner and r.sensor_id != sensor]
    trackers = {**result.trackers, owner: tr}
    warnings = {**result.warnings,
                owner: party_warnings(owner, tr, reports, cfg.report_interval_s)}
    return trackers, warnings


def _sensors_seen(result: RunResult) -> dict[str, list[str]]:
    seen: dict[str, set[str]] = {}
    for d in result.observation.detections:
        seen.setdefault(d.owner, set()).add(d.sensor_id)
    for rep in result.observation.reports:
        seen.setdefault(rep.owner, set()).add(rep.sensor_id)
    return {p: sorted(s) for p, s in seen.items()}


def _measured(result: RunResult) -> list[str]:
    m = result.config.measured
    return [p for p in result.scenario.parties if m is None or p in m]


def _entry(result: RunResult, vk: Knowledge, sk: dict[str, Knowledge], lid: str, party: str,
           route: str, metric: str) -> dict[str, Any]:
    """One launch/party/route/figure's attribution (module notes)."""
    know = result.knowledge
    base = getattr(know[lid][party][NONE], metric)
    full = getattr(know[lid][party][route], metric)
    partners = [p for p in result.scenario.parties if p != party]
    if full is None or base is None:
        why = "not reached on this route" if full is None else "not reached without sharing"
        return {"total_s": None, "reason": why}
    total = base - full

    def v(s: frozenset[str]) -> float:
        if len(s) == len(partners):
            return total
        if not s:
            return 0.0
        excluded = "+".join(sorted(set(partners) - s))
        g = _gain(vk, lid, party, f"{route}-{excluded}", metric, base)
        if g is None:
            raise LookupError(excluded)
        return g

    out: dict[str, Any] = {"total_s": round(total, 3)}
    try:
        out["shapley"] = {p: round(s, 3) for p, s in shapley_values(partners, v).items()}
        out["leave_one_out"] = {p: round(total - v(frozenset(partners) - {p}), 3)
                                for p in partners}
    except LookupError as exc:
        out.update(shapley=None, leave_one_out=None,
                   reason=f"not reached without {exc.args[0]}'s data")
    sensors: dict[str, float | None] = {}
    for key, k in sk.items():
        owner, sensor = key.split("/", 1)
        if owner == party or route not in {rk.split("~")[0] for rk in k[lid][party]}:
            continue
        got = getattr(k[lid][party][f"{route}~{sensor}"], metric)
        sensors[sensor] = None if got is None else round(total - (base - got), 3)
    out["sensors"] = sensors
    return out


def _variants(result: RunResult, routes: list[str], measured: list[str]
              ) -> dict[str, list[Delivered]]:
    """Coalition variants ``<route>-<excluded originators joined by +>`` (module notes)."""
    parties = list(result.scenario.parties)
    out: dict[str, list[Delivered]] = {}
    for route in routes:
        for k in range(1, len(parties) - 1):
            for excl in itertools.combinations(parties, k):
                if any(p not in excl for p in measured):
                    out[f"{route}-{'+'.join(sorted(excl))}"] = variant_deliveries(
                        result.deliveries[route], set(excl))
    return out


def _sweep(result: RunResult, scorer: _Scorer, measured: list[str]) -> dict[str, Any] | None:
    """The TISA approval-delay sweep (module notes), or None when not asked for."""
    cfg, sc = result.config, result.scenario
    if not cfg.sweep_approval_s or TISA not in cfg.routes:
        return None
    cat = load_catalog()
    deliveries: dict[str, list[Delivered]] = {}
    for d in cfg.sweep_approval_s:
        rc = dataclasses.replace(cfg.route, approval_delay_s=float(d))
        plan = plan_routes(sc, cat, rc, (NONE, TISA), share=cfg.share)[TISA]
        deliveries[f"{TISA}@{float(d):g}"] = deliver_planned(result.warnings, plan)
    vk = scorer.score(deliveries, measured)
    launches: dict[str, Any] = {}
    for f in result.flights:
        launches[f.id] = {}
        for p in measured:
            base = result.knowledge[f.id][p][NONE].first_pip_within_50km_s
            direct = result.gained_s(f.id, p, "direct") if "direct" in cfg.routes else None
            row = {}
            for d in cfg.sweep_approval_s:
                g = _gain(vk, f.id, p, f"{TISA}@{float(d):g}", "first_pip_within_50km_s",
                          base)
                row[f"{float(d):g}"] = {
                    "tisa_gain_s": None if g is None else round(g, 3),
                    "direct_minus_tisa_s": None if g is None or direct is None
                    else round(direct - g, 3)}
            launches[f.id][p] = row
    return {"assumption": "approval_delay_s", "values_s": [float(d) for d in
                                                          cfg.sweep_approval_s],
            "figure": "first_pip_within_50km_s", "launches": launches}


def _assumption_plans(result: RunResult, name: str, value: float, routes: list[str]
                      ) -> dict[str, Any]:
    """The sharing routes' plans with one assumption changed (module notes,
    ``sensitivities``)."""
    cfg, sc = result.config, result.scenario
    if name == "link_delay_s":
        sc = dataclasses.replace(sc, links=())
        rc = dataclasses.replace(cfg.route, default_link_delay_s=value)
    else:
        rc = dataclasses.replace(cfg.route, **{name: value})
    return plan_routes(sc, load_catalog(), rc, (NONE, *routes), share=cfg.share)


def _sensitivities(result: RunResult, scorer: _Scorer, measured: list[str],
                   routes: list[str]) -> dict[str, Any]:
    """``RunConfig.sweeps`` (module notes): per assumption, value, launch and party, each
    sharing route's gain and direct minus each hub, re-scored."""
    out: dict[str, Any] = {}
    metric = "first_pip_within_50km_s"
    for name, values in result.config.sweeps:
        deliveries: dict[str, list[Delivered]] = {}
        for v in values:
            plans = _assumption_plans(result, name, float(v), routes)
            for route in routes:
                deliveries[f"{route}@{float(v):g}"] = deliver_planned(result.warnings,
                                                                      plans[route])
        vk = scorer.score(deliveries, measured)
        launches: dict[str, Any] = {}
        for f in result.flights:
            launches[f.id] = {}
            for p in measured:
                base = getattr(result.knowledge[f.id][p][NONE], metric)
                row: dict[str, Any] = {}
                for v in values:
                    g = {r: _gain(vk, f.id, p, f"{r}@{float(v):g}", metric, base)
                         for r in routes}
                    row[f"{float(v):g}"] = {
                        "gain_s": {r: None if x is None else round(x, 3) for r, x in g.items()},
                        "direct_minus_hub_s": {
                            h: None if g.get("direct") is None or g[h] is None
                            else round(g["direct"] - g[h], 3)
                            for h in routes if h != "direct" and "direct" in routes}}
                launches[f.id][p] = row
        out[name] = {"assumption": name, "values_s": [float(v) for v in values],
                     "figure": metric, "routes": routes, "launches": launches}
    return out


def _radar_outages(result: RunResult, scorer: _Scorer, measured: list[str],
                   routes: list[str]) -> dict[str, Any] | None:
    """``RunConfig.radar_outages`` (module notes): per own sensor of a measured party, that
    party's figures with the sensor out of the run, or None when not asked for."""
    if not result.config.radar_outages:
        return None
    metric = "first_pip_within_50km_s"
    out: dict[str, Any] = {}
    every = (NONE, *routes)
    for owner, sensors in _sensors_seen(result).items():
        if owner not in measured:
            continue
        for sensor in sensors:
            trackers, warnings = scorer.without(owner, sensor)
            # what arrives at the owner is its partners' (unchanged); only its own
            # tracks change, on every route and on none
            deliveries = {f"{r}!{sensor}": result.deliveries[r] for r in every}
            vk = scorer.score(deliveries, [owner], trackers, warnings)
            launches: dict[str, Any] = {}
            for f in result.flights:
                k = vk[f.id][owner]
                base = getattr(k[f"{NONE}!{sensor}"], metric)
                orig = getattr(result.knowledge[f.id][owner][NONE], metric)
                g = {r: _gain(vk, f.id, owner, f"{r}!{sensor}", metric, base) for r in routes}
                launches[f.id] = {
                    "none_s": None if base is None else round(base, 3),
                    "none_lost_s": None if base is None or orig is None
                    else round(base - orig, 3),
                    "gain_s": {r: None if x is None else round(x, 3) for r, x in g.items()},
                    "direct_minus_hub_s": {
                        h: None if g.get("direct") is None or g[h] is None
                        else round(g["direct"] - g[h], 3)
                        for h in routes if h != "direct" and "direct" in routes}}
            out[sensor] = {"owner": owner, "figure": metric, "launches": launches}
    return out


def attribute(result: RunResult, zones: MaritimeZones | None = None) -> dict[str, Any]:
    """The attribution of a run (module notes) as JSON.

    Returns:
        ``{"figures": [...], "routes": [...], "launches": {launch id: {party: {route:
        {figure: {"total_s", "shapley": {partner: s}, "leave_one_out": {partner: s},
        "sensors": {sensor id: s}} or {"total_s": null, "reason"}}}}}, "direct_minus_hub":
        {launch id: {party: {hub route: s | null}}}, "sensitivity": {...} | null,
        "sensitivities": {assumption: {"assumption", "values_s", "figure", "routes",
        "launches": {launch id: {party: {value: {"gain_s": {route: s | null},
        "direct_minus_hub_s": {hub: s | null}}}}}}}, "radar_outages": {sensor id:
        {"owner", "figure", "launches": {launch id: {"none_s", "none_lost_s", "gain_s":
        {route: s | null}, "direct_minus_hub_s": {hub: s | null}}}}} | null, "wall_s"}``;
        seconds, positive: earlier.
    """
    started = time.perf_counter()
    cfg = result.config
    if cfg.share != "tracks":
        return {"reason": "attribution is computed for track-level sharing only"}
    measured = _measured(result)
    routes = [r for r in cfg.routes if r != NONE]
    scorer = _Scorer(result, zones or load_zones())
    vk = scorer.score(_variants(result, routes, measured), measured)
    sk: dict[str, Knowledge] = {}
    for owner, sensors in _sensors_seen(result).items():
        receivers = [p for p in measured if p != owner]
        if not receivers:
            continue
        for sensor in sensors:
            trackers, warnings = scorer.without(owner, sensor)
            deliveries = {}
            for route in routes:
                kept = variant_deliveries(result.deliveries[route], {owner})
                new = deliver_planned({p: (warnings[owner] if p == owner else [])
                                       for p in result.scenario.parties},
                                      result.plans[route])
                deliveries[f"{route}~{sensor}"] = sorted(kept + new, key=lambda d: d.t_s)
            sk[f"{owner}/{sensor}"] = scorer.score(deliveries, receivers, trackers, warnings)
    launches: dict[str, Any] = {}
    versus: dict[str, Any] = {}
    for f in result.flights:
        launches[f.id] = {p: {r: {m: _entry(result, vk, sk, f.id, p, r, m) for m in METRICS}
                              for r in routes} for p in measured}
        if "direct" in routes:
            direct = {p: result.gained_s(f.id, p, "direct") for p in measured}
            versus[f.id] = {p: {h: (None if direct[p] is None or
                                    result.gained_s(f.id, p, h) is None
                                    else round(direct[p] - result.gained_s(f.id, p, h), 3))
                                for h in routes if h != "direct"} for p in measured}
    return {"figures": list(METRICS), "routes": routes, "launches": launches,
            "direct_minus_hub": versus, "sensitivity": _sweep(result, scorer, measured),
            "sensitivities": _sensitivities(result, scorer, measured, routes),
            "radar_outages": _radar_outages(result, scorer, measured, routes),
            "wall_s": round(time.perf_counter() - started, 3)}


def attribution_lines(attr: dict[str, Any], names: dict[str, str] | None = None,
                      metric: str = "first_pip_within_50km_s") -> list[str]:
    """Printed lines, one per launch, party and route with a gain: ``"JPN gained 33 s on
    L1 (direct): KOR 25 s, USA 8 s; KOR's EL/M-2080 Green Pine 25 s, USA's AN/TPY-2 8 s"``
    (partners: Shapley values; sensors: leave-one-out, the non-zero ones; seconds to 0.1 s,
    so the partners' values add up to the gain as printed)."""
    names = names if names is not None else sensor_names()
    owners = {sid: sid.split("-")[0].upper() for sid in names}
    lines = []
    for lid, parties in attr.get("launches", {}).items():
        for party, routes in parties.items():
            for route, figs in routes.items():
                e = figs[metric]
                if not e.get("total_s"):
                    continue
                text = f"{party} gained {_secs(e['total_s'])} s on {lid} ({route})"
                if e.get("shapley"):
                    text += ": " + ", ".join(f"{p} {_secs(s)} s"
                                             for p, s in e["shapley"].items())
                sens = [f"{owners.get(s, '?')}'s {names.get(s, s)} ({s}) {_secs(v)} s"
                        for s, v in e.get("sensors", {}).items() if v]
                if sens:
                    text += "; " + ", ".join(sens)
                lines.append(text)
    return lines


def _secs(s: float) -> str:
    """Seconds to 0.1 s, no trailing zeros: two 17.5 s Shapley values of a 35 s gain
    print as such, not as 18 s and 18 s."""
    return f"{round(s, 1) + 0.0:g}"


def batch_extras(run: dict[str, Any]) -> dict[str, Any]:
    """What an event of the batch JSON keeps of its run for ``gsomia report``
    (:mod:`gsomia.sim.attribution_report`): launch id → propulsion class and → ``gained_s``,
    the run's ``assumptions``, and its ``attribution`` when computed."""
    out: dict[str, Any] = {
        "propulsion": {ln["id"]: ln.get("propulsion") for ln in run["launches"]},
        "gained_s": {ln["id"]: ln["gained_s"] for ln in run["launches"]},
        "assumptions": run["assumptions"]}
    if "attribution" in run:
        out["attribution"] = run["attribution"]
    return out

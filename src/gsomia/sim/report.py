"""The run's figures as JSON (``gsomia run --json-out``) and the batch summary.

Schema of one run (``"schema": "gsomia.run/1"``), times in seconds, distances in km::

    {"schema": "gsomia.run/1",
     "scenario": {"name", "title", "epoch" (ISO 8601 UTC), "seed", "parties": [...],
                  "file"},
     "routes": ["none", "tisa_hub", "auto_hub", "direct"],        # compared, in this order
     "route_paths": {route: [{"from", "to", "via" (hub or null), "delay_s", "allowed",
                              "agreements": [...], "reasons": [...],
                              "plots_allowed", "plots_reasons": [...]}]},  # plots_*: only
                                                  # with share "measurements" (plot items)
     "assumptions": {"approval_delay_s", "hub_delay_s", "default_link_delay_s",
                     "ignore_dates", "report_interval_s", "pip_interval_s",
                     "pip_near_km", "area_probability", "area_samples"},
     "delivery": "node" | "planned" | "live",
     "share": "tracks" | "measurements",     # what the nodes shared (RunConfig.share)
     "launches": [
        {"id", "launch_s" (s after the epoch), "impact_s", "impact_lat_deg",
         "impact_lon_deg",
         "impact_area": {"party" (ISO alpha-3, "" on the high seas),
                         "zone": "land" | "territorial_sea" | "eez" | "high_seas"},
         "impact_area_by_party": {party: [country, zone]}  (that party's own judgment,
                         from its declared base points: docs/maritime-claims.md),
         "parties": {party: {route: {"first_detection_s", "first_confirmed_s",
                                     "first_pip_within_50km_s", "area_at_risk_s",
                                     "pip_error_km": [[t_after_launch_s, km], ...],
                                     "engagement": {"first_firing_solution_s",
                                         "window_s", "shot_opportunities", "fire_unit",
                                         "interceptor", "first_launch_s", "last_launch_s",
                                         "units_with_solution", "threatened_assets",
                                         "threat_to_party", "window_gained_s" (not on
                                         none)} | {..., "reason"}}}},
         "propulsion": propulsion class flown (gsomia.physics.propulsion),
         "failure": {"kind", "pieces", "t_s" (failure time flown, s after launch),
                     "stage", "dv_m_s" (the Δv the time was fitted with; null: not
                     fitted), "source" (for a record: the flights the Δv came from),
                     "pieces_flown": [{"id", "impact_s",
                     "impact_lat_deg", "impact_lon_deg"}]},   # only for a failed launch
         "gained_s": {party: {route: s | null}}}],   # first_pip_within_50km_s vs none
     "track_events": [{"party", "track", "event": "lost", "t_s" (s after the epoch),
                       "reason": "age" | "misses" | "below ground" | "duplicate",
                       "last_update_s", "launches": [...]}],   # confirmed tracks only
     "engagement": {"salvo": {party: {route: {"threats", "threat_ids", "engageable_once",
                                              "engageable_twice", "rounds_used", "launches",
                                              "launches_engageable_once",
                                              "launches_engageable_twice"}}},
                    "fire_units": [{"id", "owner", "interceptor", "magazine",
                                    "reaction_s", "assessment_s", "basket_km", ...}]},
     "attribution": {...},   # with RunConfig.attribution: gsomia.sim.attribution.attribute
     "timings_s": {stage: s},
     "picture": {...}}       # one run only (not --seeds, not the batch): gsomia.sim.replay

``engagement`` (per launch, party and route, and the salvo): :mod:`gsomia.sim.engage`.

Every ``first_*`` and ``area_at_risk_s`` is seconds after that launch, ``null`` where the
party never reached it on that route. A party outside ``measured_parties`` has its PIP
figures left out and listed in ``"not_measured"`` (with ``share`` ``"measurements"`` also
``first_confirmed_s`` on the sharing routes: it comes from the evaluated pictures).
``gained_s`` is :meth:`RunResult.gained_s`.

With ``--live`` (``"delivery": "live"``, :mod:`gsomia.sim.delivery.live`) the run also has, in
wall-clock milliseconds::

    "live": {"speed": scenario seconds per wall second,
             "links": {route: {"delivered", "lost", "p50_ms", "p99_ms"}},
             "warning_latency": {route: {
                 "origin": "KOR", "at": "JPN", "from": "detection" | "tisa_approval",
                 "n", "p50_ms", "p99_ms", "max_ms",
                 "parts_p50_ms": {"tracker_step",
                                  "publish_to_arrival" | "approval_to_arrival",
                                  "fuse_pip"},
                 "parts_ms": {part: {"p50_ms", "p99_ms", "max_ms"}},
                 "pip_valid", "handover_lag_ms": {"p50_ms", "max_ms"},
                 "machine": {"load_1m_start", "load_1m_end", "cores", "wall_s", "cpu_s",
                             "switch_interval_s"},
                 "published", "expected", "stale", "unfused", "state_mismatches",
                 "missing", "extra", "other_fused", "fuse_batches", "worker_pending"}}}

``links``: publish (TISA relays: the originator's approval) → the partner node's subscriber,
every delivered item. ``warning_latency`` (issue 7; routes other than ``none``): each of
the origin's track reports that reached ``at``'s node and was fused, from its radar scan
being handed to the origin's live tracker (``"from": "detection"``; on ``tisa_hub`` from the
originator's approval, ``"tisa_approval"``: the modelled approval wait is left out) to the
PIP of the fused track holding it computed at ``at``'s node. ``parts_p50_ms``: medians of
the tracker step of that scan, of publish (or approval) → ``at``'s subscriber callback, and
of that callback → PIP (queue wait, fusion, PIP). ``parts_ms``: every stage of the path,
:data:`gsomia.sim.delivery.live.PARTS` (tracker step, publish wait, sign/encrypt, send
wait, transfer, verify/decrypt, decide, store, deliver, queue, fusion, PIP), from stamps
of each envelope (:mod:`gsomia.node.stamps`); on ``tisa_hub`` only those at ``at``.
``pip_valid``: samples whose PIP came down
within the horizon. ``handover_lag_ms``: how late the scans were handed to the tracker
after their time on the compressed clock (not part of the latency). ``machine``: the
1-minute load average when the route started and ended, the cores, and the route's wall and
CPU seconds in the process of the servers, and the interpreter's switch interval during the
route (:data:`gsomia.sim.delivery.live.SWITCH_INTERVAL_S`; the latencies are wall times:
a machine whose load exceeds its cores shows in them, above all in the p99). Counters: ``published``
origin track reports from the live tracker, ``expected`` of them released to ``at``,
``stale`` older than the fuser's ``max_age_s`` on arrival (fused out: no sample),
``unfused`` released but never fused (lost or late); ``state_mismatches``, ``missing``,
``extra`` compare the live tracker's reports with the run's precomputed ones (0 when the
replay is the same computation); ``other_fused`` other partners' reports fused into the
next KOR picture (not timed); ``fuse_batches`` fusions (the reports of one delivered batch
are fused at once, in the thread that delivers them); ``worker_pending`` reports left
unfused when the route ended (0: the fusion runs as they are delivered).

Batch (``"schema": "gsomia.batch/1"``, ``gsomia run --records DIR --since DATE
--json-out``; :mod:`gsomia.sim.batch`)::

    {"schema", "records" (dir), "since" (date),
     "event_window_s",             # a launch later than this after its event's first
                                   #   launch starts a new event (batch.event_window_s)
     "events": [{"event" (id "<date>#<k>"), "date", "scenario": name ("record-<event>"),
                 "seed" (batch.event_seed: YYYYMMDD + 10**8 * (k - 1)),
                 "launches": [as above, without pip_error_km],     # the launches run
                 "dropped": [dropped launch, as below],             # the event's others
                 "timings_s"}],
     "skipped": [{"event", "date", "seed", "reason", "dropped": [dropped launch]}],
     "summary": {"dates", "events", "events_skipped", "dates_skipped",
                 "launches",                                # launches run
                 "launches_dropped": {class: count},        # only classes that occur
                 "launches_dropped_total",
                 "median_gained_s": {party: {route: s | null}},
                 "reached": {party: {route: count of launches with a 50 km PIP}},
                 "only_with_sharing": {party: {route: count of launches whose 50 km PIP
                                               is reached on the route but never on none}},
                 "window_gained_s": {party: {route: {"n", "median", "p10", "p90"}}},
                 "metrics": [...], "wall_s"}}

    dropped launch: {"record" (LaunchRecord.record_id, e.g. "2022-10-05 (entry 200)"),
                     "date", "entry", "missile", "launch" (scenario id, null when the
                     record gave no launch), "class", "reason"}

Each date's records are split into events by launch time (:mod:`gsomia.sim.batch`: a
launch more than ``event_window_s`` after the first launch of its event starts the next;
records without a time belong to the date's first event), and each event is one run.
``events`` lists the events with at least one launch run, ``skipped`` those none of whose
launches can be run; ``summary.events`` and ``summary.events_skipped`` count them. A date
is skipped (``dates_skipped``) when none of its events ran. ``class`` is one of
:data:`gsomia.sim.batch.DROP_CLASSES` (``incomplete_record``, ``outside_flight_model``,
``outside_window``, ``not_flyable``, ``invalid_launch``, ``run_failed``). Every record since
the date is in exactly one event and either run or dropped: ``launches +
launches_dropped_total`` is the number of records, ``events + events_skipped`` the number
of events, and ``dates_skipped <= events_skipped``.

With ``--seeds N`` (N > 1; :func:`gsomia.sim.batch.run_events`) every event is run N
times, draw ``k`` with the event's seed ``+ k``. ``events``, ``skipped`` and ``summary`` are
then draw 0's (the batch without seeds), and the document also has::

     "seeds": N,                   # 1 without --seeds
     "draws": [{"seed_offset": k, "events", "skipped", "summary"}],   # k = 1 … N-1, as
                                   #   above (summary without wall_s)
     "spread": {"median_gained_s": {party: {route: {"draws" (draws with a value),
                                                    "median", "min", "max"}}},
                "reached": {party: {route: {"min", "max"}}}}   # over the N draws' summaries

Summary definitions: ``median_gained_s`` is the median, over the launches where both
``none`` and the route reach a 50 km PIP, of ``none``'s time minus the route's (seconds;
positive: earlier with sharing). Launches reached only with sharing have no baseline and
are not given a gain; they are counted in ``only_with_sharing``. ``window_gained_s``: the
distribution of the engagement window gained against ``none``
(:func:`gsomia.sim.engage.window_gain_distribution`).
"""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Iterable
from typing import Any

from gsomia.errors import InputError
from gsomia.sim.attribution import attribute
from gsomia.sim.delivery.plan import NONE, RUN_ROUTES
from gsomia.sim.engage import (
    engagement_figures,
    engagement_summary,
    window_gain_distribution,
    window_gained_s,
)
from gsomia.sim.knowledge import METRICS
from gsomia.sim.pictures import truth_labels
from gsomia.sim.run import RunResult

__all__ = ["batch_summary", "draws_spread", "run_to_json", "track_events"]


def _r(value: float | None, nd: int = 3) -> float | None:
    return None if value is None else round(float(value), nd)


def track_events(result: RunResult) -> list[dict[str, Any]]:
    """Every confirmed track each party's tracker lost (deleted), in time order: ``party``,
    ``track`` (its number), ``event`` ``"lost"``, ``t_s`` [s after the epoch], ``reason``
    (:attr:`gsomia.warning.tracking.tracker.Track.deleted_reason`), ``last_update_s`` and
    ``launches`` (the launches it followed, for scoring: :func:`gsomia.sim.pictures.
    truth_labels`)."""
    out = []
    for party, tracker in result.trackers.items():
        for tr in tracker.tracks:
            if tr.confirmed and tr.deleted_s is not None:
                out.append({"party": party, "track": tr.number, "event": "lost",
                            "t_s": _r(tr.deleted_s), "reason": tr.deleted_reason,
                            "last_update_s": _r(tr.last_update_s),
                            "launches": list(truth_labels(tr))})
    out.sort(key=lambda e: (e["t_s"], e["party"], e["track"]))
    return out


def _failure_entry(result: RunResult, launch_id: str) -> dict[str, Any]:
    """``{"failure": {...}}`` of a failed launch (module notes), else ``{}``."""
    spec = next(s for s in result.scenario.launches if s.id == launch_id)
    if spec.failure is None:
        return {}
    flight = next(f for f in result.flights if f.id == launch_id)
    pieces = [p for p in result.observation.pieces if p.id.startswith(f"{launch_id}/")]
    return {"failure": {
        "kind": spec.failure.kind, "pieces": spec.failure.pieces,
        "t_s": _r(flight.trajectory.burnout_s), "stage": spec.failure.stage,
        "dv_m_s": spec.failure.dv_m_s, "source": spec.failure.source,
        "pieces_flown": [{"id": p.id, "impact_s": _r(p.impact_s),
                          "impact_lat_deg": _r(p.trajectory.impact_lat_deg, 5),
                          "impact_lon_deg": _r(p.trajectory.impact_lon_deg, 5)}
                         for p in pieces]}}


def run_to_json(result: RunResult, *, delivery: str = "node",
                pip_errors: bool = True) -> dict[str, Any]:
    """The JSON form of a run (module notes)."""
    sc, cfg = result.scenario, result.config
    eng = result.engagements
    launches = []
    for f in result.flights:
        parties: dict[str, Any] = {}
        gained: dict[str, Any] = {}
        for party, routes in result.knowledge[f.id].items():
            parties[party] = {}
            gained[party] = {}
            for route, k in routes.items():
                entry: dict[str, Any] = k.figures()
                if cfg.measured is not None and party not in cfg.measured:
                    # fused pictures of this party were not evaluated: its PIP figures are
                    # "not measured", which null ("never reached") must not pretend
                    gone = ["first_pip_within_50km_s", "area_at_risk_s"]
                    if cfg.share == "measurements" and route != NONE:
                        gone.insert(0, "first_confirmed_s")   # from the pictures too
                    for key in gone:
                        entry.pop(key, None)
                    entry["not_measured"] = gone
                if pip_errors:
                    entry["pip_error_km"] = [[_r(p.t_s - f.launch_s, 1), _r(p.error_m / 1e3)]
                                             for p in k.pips]
                if eng is not None:
                    entry["engagement"] = engagement_figures(eng, f, party, route)
                    if route != NONE:
                        entry["engagement"]["window_gained_s"] = window_gained_s(
                            eng, f.id, party, route)
                parties[party][route] = entry
                gained[party][route] = _r(result.gained_s(f.id, party, route))
        launches.append({"id": f.id, "launch_s": _r(f.launch_s), "impact_s": _r(f.impact_s),
                         "impact_lat_deg": _r(f.trajectory.impact_lat_deg, 5),
                         "impact_lon_deg": _r(f.trajectory.impact_lon_deg, 5),
                         "impact_area": dict(zip(("party", "zone"), result.impact_areas[f.id],
                                                 strict=True)),
                         "impact_area_by_party": {
                             p: list(cell) for p, cell in
                             result.impact_areas_by_party.get(f.id, {}).items()},
                         "propulsion": f.trajectory.propulsion,
                         **_failure_entry(result, f.id),
                         "parties": parties, "gained_s": gained})
    rc = cfg.route
    doc = {
        "schema": "gsomia.run/1",
        "scenario": {"name": sc.name, "title": sc.title, "epoch": sc.epoch.isoformat(),
                     "seed": sc.seed, "parties": list(sc.parties), "file": sc.file},
        "routes": list(cfg.routes),
        "route_paths": {r: plan.to_dict()["paths"] for r, plan in result.plans.items()},
        "assumptions": {"approval_delay_s": rc.approval_delay_s,
                        "hub_delay_s": rc.hub_delay_s,
                        "default_link_delay_s": rc.default_link_delay_s,
                        "ignore_dates": rc.ignore_dates,
                        "report_interval_s": cfg.report_interval_s,
                        "pip_interval_s": cfg.pip_interval_s,
                        "measured_parties": (list(cfg.measured) if cfg.measured is not None
                                             else list(sc.parties)),
                        "pip_near_km": cfg.pip_near_m / 1e3,
                        "area_probability": cfg.area_probability,
                        "area_samples": cfg.area_samples},
        "delivery": delivery,
        "share": cfg.share,
        "launches": launches,
        "track_events": track_events(result),
        **({} if eng is None else
           {"engagement": engagement_summary(eng, sc.parties, cfg.routes,
                                             result.observation.flights)}),
        "timings_s": dict(result.timings_s),
    }
    if result.alerts is not None:
        doc["warnings"] = result.alerts.to_json()
        doc["warning_scores"] = {"route": result.alerts.route,
                                 "policy": dataclasses.asdict(result.alerts.policy),
                                 "by_launch": result.alerts.scores}
    if cfg.attribution:
        doc["attribution"] = attribute(result)
    return doc


def batch_summary(runs: Iterable[dict[str, Any]], parties: tuple[str, ...] = ("JPN", "KOR"),
                  routes: tuple[str, ...] = RUN_ROUTES[1:], *,
                  events: Iterable[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Summary of run JSONs (:func:`run_to_json`): events, launches, the median warning
    time gained (``gained_s``) per party and route over the launches where the route
    reaches a 50 km PIP, and how many launches reached it on each route (incl. ``none``).

    Args:
        runs: the run JSON of each event run.
        parties, routes: those summarised.
        events: the batch's per-event results (:func:`gsomia.sim.batch.run_event`), run or
            not; when given, the summary also counts ``dates`` (distinct ``date`` of them),
            ``events_skipped``, ``dates_skipped`` (dates none of whose events is ``ok``),
            ``launches_dropped`` (by class) and ``launches_dropped_total`` (module notes).

    Raises:
        InputError: an event result without ``ok`` (bool) or ``date`` (str), or a dropped
            launch without ``class``.
    """
    runs = list(runs)
    gains: dict[str, dict[str, list[float]]] = {p: {r: [] for r in routes} for p in parties}
    reached: dict[str, dict[str, int]] = {p: {r: 0 for r in (NONE, *routes)} for p in parties}
    only: dict[str, dict[str, int]] = {p: {r: 0 for r in routes} for p in parties}
    n_launches = 0
    for run in runs:
        for launch in run["launches"]:
            n_launches += 1
            for p in parties:
                if p not in launch["parties"]:
                    continue
                for r in (NONE, *routes):
                    fig = launch["parties"][p].get(r)
                    if fig and fig.get("first_pip_within_50km_s") is not None:
                        reached[p][r] += 1
                base = launch["parties"][p].get(NONE) or {}
                for r in routes:
                    fig = launch["parties"][p].get(r) or {}
                    if (base.get("first_pip_within_50km_s") is None
                            and fig.get("first_pip_within_50km_s") is not None):
                        only[p][r] += 1
                    g = launch["gained_s"].get(p, {}).get(r)
                    if g is not None:
                        gains[p][r].append(g)
    median = {p: {r: (_r(statistics.median(v), 1) if v else None) for r, v in rs.items()}
              for p, rs in gains.items()}
    out: dict[str, Any] = {"events": len(runs), "launches": n_launches}
    if events is not None:
        out.update(_event_counts(list(events)))
    out.update(median_gained_s=median, reached=reached, only_with_sharing=only,
               metrics=list(METRICS))
    out["window_gained_s"] = window_gain_distribution(runs, parties, routes)
    return out


def _event_counts(events: list[dict[str, Any]]) -> dict[str, Any]:
    """Dates, events and dates skipped, and launches dropped by class, of the batch's event
    results."""
    dropped: dict[str, int] = {}
    skipped = 0
    ran: dict[str, bool] = {}       # date → has an event run
    for k, event in enumerate(events):
        if not isinstance(event.get("ok"), bool):
            raise InputError(f"events[{k}].ok", event.get("ok"), "expected true or false")
        if not isinstance(event.get("date"), str):
            raise InputError(f"events[{k}].date", event.get("date"),
                             "expected the ISO date of the event")
        skipped += not event["ok"]
        ran[event["date"]] = ran.get(event["date"], False) or event["ok"]
        for j, drop in enumerate(event.get("dropped", [])):
            cls = drop.get("class")
            if not isinstance(cls, str):
                raise InputError(f"events[{k}].dropped[{j}].class", cls, "expected a string")
            dropped[cls] = dropped.get(cls, 0) + 1
    return {"dates": len(ran), "events_skipped": skipped,
            "dates_skipped": sum(not v for v in ran.values()),
            "launches_dropped": dict(sorted(dropped.items(), key=lambda kv: (-kv[1], kv[0]))),
            "launches_dropped_total": sum(dropped.values())}


def draws_spread(summaries: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The spread over a batch's draws (module notes, ``"spread"``) of each draw's
    :func:`batch_summary`: per party and route, the median, least and greatest of the draws'
    ``median_gained_s`` (over the draws that have one) and the least and greatest
    ``reached``.

    Raises:
        InputError: no summary.
    """
    summaries = list(summaries)
    if not summaries:
        raise InputError("summaries", 0, "at least one draw is needed")
    gained: dict[str, Any] = {}
    reached: dict[str, Any] = {}
    for party, routes in summaries[0]["median_gained_s"].items():
        gained[party] = {}
        for route in routes:
            vals = [v for s in summaries
                    if (v := s["median_gained_s"][party][route]) is not None]
            gained[party][route] = {"draws": len(vals),
                                    "median": _r(statistics.median(vals), 1) if vals else None,
                                    "min": min(vals, default=None),
                                    "max": max(vals, default=None)}
        reached[party] = {route: {"min": min(s["reached"][party][route] for s in summaries),
                                  "max": max(s["reached"][party][route] for s in summaries)}
                          for route in summaries[0]["reached"][party]}
    return {"median_gained_s": gained, "reached": reached}

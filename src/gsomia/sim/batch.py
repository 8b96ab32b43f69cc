"""The main job over the public record: one run per launch event (a date split by time).

Every UTC date of the CNS records since a date is split into **events** by launch time
(:func:`split_events`, :data:`EVENT_FLIGHT_S`): the launches are taken in time order, and a
launch starts a new event when it comes more than :func:`event_window_s` (300 s with
:data:`BATCH_CONFIG`'s 900 s horizon) after the first launch of the current event. The
horizon of a run is counted from its first launch, so every launch of an event is
observed for at least ``horizon_s - window`` = :data:`EVENT_FLIGHT_S` after its own launch:
its whole flight when it flies no longer than that (the SRBMs and MRBMs of the record),
and a tight salvo stays one event. Records without a launch time join the date's first
event at its first launch (as a date without events did: launch time 0 of the scenario;
a date none of whose records has a time is one event whose epoch is midnight UTC).

Each event becomes a scenario (one launch per record with a site, bearing, range and apogee:
:func:`gsomia.sim.scenario.scenario_from_records`, every catalogue sensor of Japan, Korea
and the US, the packaged link-delay defaults), run with
:func:`gsomia.sim.run.run_scenario` on the fast path (:data:`BATCH_CONFIG`) and the planned
delivery (:func:`gsomia.sim.delivery.planned.planned`: the same arrivals as the nodes,
checked by the tests, without the nodes' ~3 ms of cryptography and storage per envelope).
An event's id is
``<date>#<k>`` (``2023-12-17#2``; ``k`` from 1, events in time order) and its seed
:func:`event_seed` (the date's ``YYYYMMDD`` for its first event, as before events existed),
whatever is dropped.

A launch that cannot be run is dropped, with its record and reason, and the rest of its
event still runs (:data:`DROP_CLASSES`): records the scenario cannot hold
(:func:`gsomia.sim.scenario.check_records`: ``incomplete_record``, ``outside_flight_model``,
``outside_window``; the last cannot occur in the batch, whose events are shorter than a
scenario's 4 h), and launches whose flight cannot be fitted
(:func:`gsomia.sim.observe.fly_launches`: ``not_flyable`` for a
:class:`~gsomia.errors.PhysicsError` of the ballistic fit, such as a depressed pull-up
flight or a glide vehicle that no ballistic class of
:mod:`gsomia.physics.ballistics` flies; ``invalid_launch`` for an
:class:`~gsomia.errors.InputError` there). An event is skipped only when none of its launches
can be run, or when its run fails for a reason that is no single launch's (its ``reason``;
its records are then dropped as ``run_failed``). So every record is in exactly one event,
and is either run there or dropped.

With ``seeds`` N > 1 every event is run N times, draw ``k`` (0 … N-1) with seed
``event_seed + k`` (the scenario convention of :mod:`gsomia.sim.seeds`; draw 0 is the batch
without seeds). Runs are independent: each (event, draw) is one task of
:func:`gsomia.sim.cluster.run_tasks` (a Dask ``LocalCluster``, an existing Dask scheduler, or
this process); the results come back in draw, date and event order whatever the order in
which they finished.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from gsomia.errors import GsomiaError, InputError, PhysicsError
from gsomia.records import LaunchRecord, load_records, salvos
from gsomia.sim.cluster import IN_PROCESS, run_tasks
from gsomia.sim.config import RunConfig
from gsomia.sim.delivery.planned import planned
from gsomia.sim.observe import fly_launches
from gsomia.sim.report import run_to_json
from gsomia.sim.run import RunResult, run_scenario
from gsomia.sim.scenario import (
    MAX_DURATION_S,
    SKIP_KINDS,
    LaunchSpec,
    Scenario,
    check_records,
    load_scenario,
    scenario_from_records,
)
from gsomia.sim.scoring import load_zones
from gsomia.sim.seeds import MAX_SEEDS
from gsomia.warning.areas import MaritimeZones

__all__ = ["BATCH_CONFIG", "BATCH_SWEEP_APPROVAL_S", "DROP_CLASSES", "EVENT_FLIGHT_S",
           "BatchEvent", "batch_events",
           "date_events", "event_seed", "event_window_s", "record_dates", "run_date",
           "run_event", "run_events", "run_records", "split_events"]

BATCH_CONFIG = RunConfig(pip_interval_s=10.0, pip_tail_interval_s=1e9, horizon_s=900.0,
                         measured=("JPN", "KOR"), warnings=False)
"""Fast path of the batch: PIPs every 10 s and none after the 50 km PIP is reached,
15 minutes observed, pictures of Japan and Korea only (the US still tracks and shares),
no warning logs (:mod:`gsomia.sim.warnlog`: tens of seconds per event)."""

BATCH_SWEEP_APPROVAL_S = tuple(float(d) for d in range(0, 601, 60))
"""The TISA approval delays [s] the batch's attribution re-scores ``tisa_hub`` with unless
told otherwise (``gsomia run --since ... --sweep tisa_delay=...``): 0 to twice the assumed
300 s by 60 s (:mod:`gsomia.sim.attribution`, ``sensitivity``: re-scored, never re-flown).
"""

DROP_CLASSES = (*SKIP_KINDS, "not_flyable", "invalid_launch", "run_failed")
"""Reason classes of a dropped launch (module notes), in the order they are checked."""

EVENT_FLIGHT_S = 600.0
"""Longest flight [s] that the horizon must cover for every launch of an event (ASSUMPTION,
chosen from the flight model, :func:`gsomia.physics.ballistics.fit_trajectory`, over the
record's flyable launches since 2016: median flight 302 s; the 1,000 km ER-Scud flies
548 s; 141 of the 170 fly at most 600 s, and the others, lofted IRBMs and ICBMs of
630-5,100 s, are cut by a 900 s horizon whatever the grouping)."""


def event_window_s(config: RunConfig = BATCH_CONFIG) -> float:
    """How long after an event's first launch a launch still joins it [s].

    ``config.horizon_s - EVENT_FLIGHT_S`` (300 s with :data:`BATCH_CONFIG`), at least 0 (a
    horizon shorter than :data:`EVENT_FLIGHT_S` keeps only simultaneous launches together);
    with no horizon (observed to the last impact) :data:`~gsomia.sim.scenario.MAX_DURATION_S`,
    the latest launch time of a scenario.
    """
    if config.horizon_s is None:
        return MAX_DURATION_S
    return max(0.0, float(config.horizon_s) - EVENT_FLIGHT_S)


def split_events(times_s: Sequence[float | None], window_s: float) -> list[int]:
    """The event (0-based, events in time order) of each launch time.

    Launches are taken in time order; one starts a new event when it comes more than
    ``window_s`` after the first launch of the current event. A ``None`` time (no time in
    the record) joins event 0.

    Args:
        times_s: launch times [s, any common origin]; ``None`` where unknown.
        window_s: :func:`event_window_s` [s], >= 0.

    Raises:
        InputError: a negative or non-finite window, or a non-finite time.
    """
    if not (isinstance(window_s, int | float) and math.isfinite(window_s) and window_s >= 0):
        raise InputError("window_s", window_s, "expected a finite number of seconds >= 0")
    for k, t in enumerate(times_s):
        if t is not None and not (isinstance(t, int | float) and math.isfinite(t)):
            raise InputError(f"times_s[{k}]", t, "expected a finite number of seconds or None")
    out = [0] * len(times_s)
    timed = sorted((t, k) for k, t in enumerate(times_s) if t is not None)
    event, first = 0, timed[0][0] if timed else 0.0
    for t, k in timed:
        if t - first > window_s:
            event, first = event + 1, t
        out[k] = event
    return out


def event_seed(day: dt.date, index: int) -> int:
    """Seed of the ``index``-th event (from 1) of a date: ``YYYYMMDD + 10**8 * (index - 1)``
    (one seed per event, and a date's first event keeps the date's seed of earlier batches).
    """
    if isinstance(index, bool) or not isinstance(index, int) or index < 1:
        raise InputError("index", index, "expected an event number >= 1")
    return int(day.strftime("%Y%m%d")) + 10**8 * (index - 1)


@dataclass(frozen=True, slots=True)
class BatchEvent:
    """One event of the batch: records of one date launched close together (module notes).

    Attributes:
        day: UTC date of the records.
        index: event number within the date, from 1, in time order.
        records: the event's records, in the date's record order.
    """

    day: dt.date
    index: int
    records: tuple[LaunchRecord, ...]

    @property
    def id(self) -> str:
        """``<date>#<index>``, e.g. ``2023-12-17#2``."""
        return f"{self.day.isoformat()}#{self.index}"

    @property
    def seed(self) -> int:
        """:func:`event_seed` of the event."""
        return event_seed(self.day, self.index)


def date_events(records: Sequence[LaunchRecord], window_s: float) -> list[BatchEvent]:
    """The events of one date's records (:func:`split_events` on their launch instants).

    Raises:
        InputError: no records, or records of more than one date.
    """
    if not records:
        raise InputError("records", [], "no records to split into events")
    day = records[0].date
    if any(rec.date != day for rec in records):
        raise InputError("records", sorted({r.date.isoformat() for r in records}),
                         "records of one date expected")
    known = [r.launched_at for r in records if r.launched_at is not None]
    origin = min(known) if known else None
    times = [None if r.launched_at is None or origin is None
             else (r.launched_at - origin).total_seconds() for r in records]
    which = split_events(times, window_s)
    return [BatchEvent(day, k + 1, tuple(r for r, e in zip(records, which, strict=True)
                                         if e == k))
            for k in range(max(which) + 1)]


def record_dates(records_dir: str | Path, since: dt.date) -> list[dt.date]:
    """UTC dates of the records since ``since`` (inclusive), in order."""
    return sorted(salvos(load_records(records_dir, since=since)))


def batch_events(records_dir: str | Path, since: dt.date,
                 config: RunConfig = BATCH_CONFIG) -> list[BatchEvent]:
    """Every event of the records since ``since``, in date and event order."""
    groups = salvos(load_records(records_dir, since=since))
    window = event_window_s(config)
    return [ev for day in sorted(groups) for ev in date_events(groups[day], window)]


def _drop(rec: LaunchRecord, launch: str | None, cls: str, reason: str) -> dict[str, Any]:
    return {"record": rec.record_id, "date": rec.date.isoformat(), "entry": rec.entry,
            "missile": rec.missile_name, "launch": launch, "class": cls, "reason": reason}


def _load(text: str, event_id: str) -> Scenario:
    """Load a scenario text; its ``file`` is ``record-<event id>.toml`` (no temporary path in
    messages, so that the batch's output is the same on every run)."""
    name = f"record-{event_id}.toml"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_text(text, encoding="utf-8")
        return dataclasses.replace(load_scenario(path), file=name)


def _flyable(scenario: Scenario, pairs: list[tuple[LaunchRecord, LaunchSpec]],
             dropped: list[dict[str, Any]]) -> tuple[LaunchSpec, ...]:
    """The launches whose flight can be fitted, each tried alone; the others are appended
    to ``dropped``."""
    kept: list[LaunchSpec] = []
    for rec, spec in pairs:
        try:
            fly_launches(replace(scenario, launches=(spec,)))
        except PhysicsError as exc:
            dropped.append(_drop(rec, spec.id, "not_flyable", str(exc)))
        except InputError as exc:
            dropped.append(_drop(rec, spec.id, "invalid_launch", str(exc)))
        else:
            kept.append(spec)
    return tuple(kept)


def run_event(event: BatchEvent, config: RunConfig = BATCH_CONFIG,
              zones: MaritimeZones | None = None, *, seed: int | None = None
              ) -> dict[str, Any]:
    """Run one event, dropping the launches that cannot be run (module notes).

    The whole event is run first; only when that fails with a
    :class:`~gsomia.errors.PhysicsError` is each launch fitted alone, the unflyable ones
    dropped and the rest run (same scenario, same seed: the figures of the kept launches do
    not depend on the order of discovery). ``zones``: the maritime zones of the area
    figures (default: loaded for this event, :func:`gsomia.sim.scoring.load_zones`).
    ``seed``: the run's seed (default the event's, :attr:`BatchEvent.seed`).

    Returns:
        ``{"event" (id), "date" (ISO), "index", "ok", "seed", "launches" (ids run),
        "dropped": [{"record" (:attr:`~gsomia.records.LaunchRecord.record_id`), "date",
        "entry", "missile", "launch" (scenario id, or null when the record gave no launch),
        "class" (one of :data:`DROP_CLASSES`), "reason"}], "run"
        (:func:`~gsomia.sim.report.run_to_json`, without PIP errors; only when ``ok``),
        "reason" (only when not ``ok``)}``.
    """
    seed = event.seed if seed is None else seed
    out: dict[str, Any] = {"event": event.id, "date": event.day.isoformat(),
                           "index": event.index, "ok": False, "seed": seed,
                           "launches": [], "dropped": []}
    records = list(event.records)
    try:
        result = _run_records(records, event, seed, config, out, zones)
    except GsomiaError as exc:  # not one launch's fault: every record not dropped yet
        result, out["reason"] = None, str(exc)
        gone = {d["record"] for d in out["dropped"]}
        out["dropped"] += [_drop(rec, None, "run_failed", str(exc)) for rec in records
                           if rec.record_id not in gone]
    order = {rec.record_id: k for k, rec in enumerate(records)}
    out["dropped"].sort(key=lambda d: order[d["record"]])
    if result is not None:
        run = run_to_json(result, pip_errors=False)
        run["scenario"]["file"] = None
        out.update(ok=True, launches=[f.id for f in result.flights], run=run)
    return out


def run_date(records_dir: str | Path, day: dt.date, config: RunConfig = BATCH_CONFIG
             ) -> list[dict[str, Any]]:
    """Run every event of one date (:func:`date_events`, :func:`run_event`), in order.

    Raises:
        InputError: no record of that UTC date.
    """
    records = salvos(load_records(records_dir, since=day)).get(day, [])
    if not records:
        raise InputError("day", day.isoformat(), "no record of that UTC date")
    zones = load_zones()
    return [run_event(ev, config, zones) for ev in date_events(records, event_window_s(config))]


def _run_records(records: list[LaunchRecord], event: BatchEvent, seed: int,
                 config: RunConfig, out: dict[str, Any], zones: MaritimeZones | None
                 ) -> RunResult | None:
    """The run of one event's records, or ``None`` with ``out["reason"]`` set; dropped
    launches are appended to ``out["dropped"]``."""
    dropped: list[dict[str, Any]] = out["dropped"]
    checks = check_records(records)
    dropped += [_drop(c.record, None, c.kind, c.reason) for c in checks if c is not None]
    usable = [rec for rec, c in zip(records, checks, strict=True) if c is None]
    if not usable:
        out["reason"] = "no record of that event gives a launch the scenario can hold"
        return None
    text, _ = scenario_from_records(records, seed=seed, event=event.index)
    scenario = _load(text, event.id)
    try:
        return run_scenario(scenario, config, delivery=planned, zones=zones)
    except PhysicsError:
        pass  # which launches: each is fitted alone, below
    kept = _flyable(scenario, list(zip(usable, scenario.launches, strict=True)), dropped)
    if not kept:
        out["reason"] = "no launch of that event can be flown"
        return None
    return run_scenario(replace(scenario, launches=kept), config, delivery=planned,
                        zones=zones)


def _draw(job: tuple[BatchEvent, int], config: RunConfig, zones: MaritimeZones
          ) -> dict[str, Any]:
    """One task: draw ``k`` of an event (seed ``event.seed + k``)."""
    event, k = job
    return run_event(event, config, zones, seed=event.seed + k)


def run_events(events: Sequence[BatchEvent], *, seeds: int = 1,
               config: RunConfig = BATCH_CONFIG, scheduler: str = IN_PROCESS,
               workers: int = 0, on_done: Callable[[dict[str, Any]], None] | None = None
               ) -> list[list[dict[str, Any]]]:
    """Run every event ``seeds`` times (module notes), one task per event and draw.

    Args:
        events: the events (e.g. :func:`batch_events`), each sent to its task as data (a
            worker needs no records directory).
        seeds: draws per event, 1 to :data:`gsomia.sim.seeds.MAX_SEEDS`; draw ``k`` uses
            seed ``event.seed + k``.
        config: the runs' configuration.
        scheduler, workers: where the tasks run (:func:`gsomia.sim.cluster.run_tasks`).
        on_done: called with each :func:`run_event` result as it finishes (any order;
            e.g. a progress bar).

    Returns:
        per draw (0 first), the :func:`run_event` results in the order of ``events``.

    Raises:
        InputError: ``seeds`` out of range, a bad ``scheduler`` or ``workers``;
        TaskError: a run failed for a reason that is no launch's, e.g. a worker died
            (names the event and seed).
    """
    if isinstance(seeds, bool) or not isinstance(seeds, int) or not 1 <= seeds <= MAX_SEEDS:
        raise InputError("seeds", seeds, f"expected an integer from 1 to {MAX_SEEDS}")
    jobs = [(ev, k) for k in range(seeds) for ev in events]
    labels = [f"event {ev.id}, seed {ev.seed + k}" for ev, k in jobs]
    done = None if on_done is None else (lambda _, out: on_done(out))
    results = run_tasks(_draw, jobs, labels, shared=(config, load_zones()),
                        scheduler=scheduler, workers=workers, on_done=done)
    n = len(events)
    return [results[k * n:(k + 1) * n] for k in range(seeds)]


def run_records(records_dir: str | Path, since: dt.date, *, seeds: int = 1,
                config: RunConfig = BATCH_CONFIG, scheduler: str = IN_PROCESS,
                workers: int = 0, on_done: Callable[[dict[str, Any]], None] | None = None
                ) -> list[list[dict[str, Any]]]:
    """:func:`run_events` of every event since ``since`` (:func:`batch_events`): per draw,
    the :func:`run_event` results in date and event order."""
    return run_events(batch_events(records_dir, since, config), seeds=seeds, config=config,
                      scheduler=scheduler, workers=workers, on_done=on_done)


def with_routes(config: RunConfig, **route_changes: Any) -> RunConfig:
    """``config`` with its :class:`~gsomia.sim.delivery.plan.RouteConfig` fields changed."""
    return replace(config, route=replace(config.route, **route_changes))

"""The main job over the public record: one run per launch date (salvos grouped).

Every UTC date of the CNS records since a date becomes a scenario (one launch per record
with a site, bearing, range and apogee: :func:`gsomia.sim.scenario.scenario_from_records`,
every catalogue sensor of Japan, Korea and the US, the packaged link-delay defaults), run
with :func:`gsomia.sim.run.run_scenario` on the fast path (:data:`BATCH_CONFIG`) and the
planned delivery (:func:`gsomia.sim.run.planned`: the same arrivals as the nodes, checked
by the tests, without the nodes' ~3 ms of cryptography and storage per envelope). The seed
of a date is its ``YYYYMMDD``, whatever is dropped.

A launch that cannot be run is dropped, with its record and reason, and the rest of its
date still runs (:data:`DROP_CLASSES`): records the scenario cannot hold
(:func:`gsomia.sim.scenario.check_records`: ``incomplete_record``, ``outside_flight_model``,
``outside_window``), and launches whose flight cannot be fitted
(:func:`gsomia.sim.observe.fly_launches`: ``not_flyable`` for a
:class:`~gsomia.errors.PhysicsError` of the ballistic fit, such as a depressed pull-up
flight or a glide vehicle that no ballistic class of
:mod:`gsomia.physics.ballistics` flies; ``invalid_launch`` for an
:class:`~gsomia.errors.InputError` there). A date is skipped only when none of its launches
can be run, or when its run fails for a reason that is no single launch's (its ``reason``;
its records are then dropped as ``run_failed``). So every record is either run or dropped.

Runs are independent, so they go to a pool of worker processes (``workers``); the results
come back in date order.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

from gsomia.errors import GsomiaError, InputError, PhysicsError
from gsomia.records import LaunchRecord, load_records, salvos
from gsomia.sim.observe import fly_launches
from gsomia.sim.report import run_to_json
from gsomia.sim.run import RunConfig, RunResult, planned, run_scenario
from gsomia.sim.scenario import (
    SKIP_KINDS,
    LaunchSpec,
    Scenario,
    check_records,
    load_scenario,
    scenario_from_records,
)

__all__ = ["BATCH_CONFIG", "DROP_CLASSES", "record_dates", "run_date", "run_records"]

BATCH_CONFIG = RunConfig(pip_interval_s=10.0, pip_tail_interval_s=1e9, horizon_s=900.0,
                         measured=("JPN", "KOR"))
"""Fast path of the batch: PIPs every 10 s and none after the 50 km PIP is reached,
15 minutes observed, pictures of Japan and Korea only (the US still tracks and shares)."""

DROP_CLASSES = (*SKIP_KINDS, "not_flyable", "invalid_launch", "run_failed")
"""Reason classes of a dropped launch (module notes), in the order they are checked."""


def record_dates(records_dir: str | Path, since: dt.date) -> list[dt.date]:
    """UTC dates of the records since ``since`` (inclusive), in order."""
    return sorted(salvos(load_records(records_dir, since=since)))


def _drop(rec: LaunchRecord, launch: str | None, cls: str, reason: str) -> dict[str, Any]:
    return {"record": rec.record_id, "date": rec.date.isoformat(), "entry": rec.entry,
            "missile": rec.missile_name, "launch": launch, "class": cls, "reason": reason}


def _load(text: str, day: dt.date) -> Scenario:
    """Load a scenario text; its ``file`` is ``record-<date>.toml`` (no temporary path in
    messages, so that the batch's output is the same on every run)."""
    name = f"record-{day.isoformat()}.toml"
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


def run_date(records_dir: str | Path, day: dt.date, config: RunConfig = BATCH_CONFIG
             ) -> dict[str, Any]:
    """Run one date of the record, dropping the launches that cannot be run (module notes).

    The whole date is run first; only when that fails with a
    :class:`~gsomia.errors.PhysicsError` is each launch fitted alone, the unflyable ones
    dropped and the rest run (same scenario, same seed: the figures of the kept launches do
    not depend on the order of discovery).

    Returns:
        ``{"date" (ISO), "ok", "seed", "launches" (ids run), "dropped": [{"record"
        (:attr:`~gsomia.records.LaunchRecord.record_id`), "date", "entry", "missile",
        "launch" (scenario id, or null when the record gave no launch), "class" (one of
        :data:`DROP_CLASSES`), "reason"}], "run" (:func:`~gsomia.sim.report.run_to_json`,
        without PIP errors; only when ``ok``), "reason" (only when not ``ok``)}``.
    """
    seed = int(day.strftime("%Y%m%d"))
    out: dict[str, Any] = {"date": day.isoformat(), "ok": False, "seed": seed,
                           "launches": [], "dropped": []}
    records: list[LaunchRecord] = []
    try:
        records = salvos(load_records(records_dir, since=day)).get(day, [])
        result = _run_records(records, day, seed, config, out)
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


def _run_records(records: list[LaunchRecord], day: dt.date, seed: int, config: RunConfig,
                 out: dict[str, Any]) -> RunResult | None:
    """The run of one date's records, or ``None`` with ``out["reason"]`` set; dropped
    launches are appended to ``out["dropped"]``."""
    dropped: list[dict[str, Any]] = out["dropped"]
    if not records:
        raise InputError("day", day.isoformat(), "no record of that UTC date")
    checks = check_records(records)
    dropped += [_drop(c.record, None, c.kind, c.reason) for c in checks if c is not None]
    usable = [rec for rec, c in zip(records, checks, strict=True) if c is None]
    if not usable:
        out["reason"] = "no record of that date gives a launch the scenario can hold"
        return None
    text, _ = scenario_from_records(records, seed=seed)
    scenario = _load(text, day)
    try:
        return run_scenario(scenario, config, delivery=planned)
    except PhysicsError:
        pass  # which launches: each is fitted alone, below
    kept = _flyable(scenario, list(zip(usable, scenario.launches, strict=True)), dropped)
    if not kept:
        out["reason"] = "no launch of that date can be flown"
        return None
    return run_scenario(replace(scenario, launches=kept), config, delivery=planned)


def _job(args: tuple[str, str, RunConfig]) -> dict[str, Any]:
    return run_date(args[0], dt.date.fromisoformat(args[1]), args[2])


def run_records(records_dir: str | Path, since: dt.date, *, workers: int = 1,
                config: RunConfig = BATCH_CONFIG,
                on_done: Callable[[dict[str, Any]], None] | None = None
                ) -> Iterator[dict[str, Any]]:
    """Run every date since ``since``; yields :func:`run_date` results in date order.

    Args:
        workers: worker processes (1: in this process).
        on_done: called with each result as it is collected, in date order (e.g. a
            progress bar).
    """
    days = record_dates(records_dir, since)
    args = [(str(records_dir), d.isoformat(), config) for d in days]
    if workers <= 1:
        for a in args:
            out = _job(a)
            if on_done:
                on_done(out)
            yield out
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(_job, a) for a in args]
        for fut in futures:
            out = fut.result()
            if on_done:
                on_done(out)
            yield out


def with_routes(config: RunConfig, **route_changes: Any) -> RunConfig:
    """``config`` with its :class:`~gsomia.sim.delivery.RouteConfig` fields changed."""
    return replace(config, route=replace(config.route, **route_changes))

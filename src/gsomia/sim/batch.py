"""The main job over the public record: one run per launch date (salvos grouped).

Every UTC date of the CNS records since a date becomes a scenario (one launch per record
with a site, bearing, range and apogee: :func:`gsomia.sim.scenario.scenario_from_records`,
every catalogue sensor of Japan, Korea and the US, the packaged link-delay defaults), run
with :func:`gsomia.sim.run.run_scenario` on the fast path (:data:`BATCH_CONFIG`) and the
planned delivery (:func:`gsomia.sim.run.planned`: the same arrivals as the nodes, checked
by the tests, without the nodes' ~3 ms of cryptography and storage per envelope). Dates
with no usable record, or whose launches cannot be flown, are skipped with their reason.

Runs are independent, so they go to a pool of worker processes (``workers``); the results
come back in date order.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

from gsomia.errors import GsomiaError
from gsomia.records import load_records, salvos
from gsomia.sim.report import run_to_json
from gsomia.sim.run import RunConfig, planned, run_scenario
from gsomia.sim.scenario import load_scenario, scenario_from_records

__all__ = ["BATCH_CONFIG", "record_dates", "run_date", "run_records"]

BATCH_CONFIG = RunConfig(pip_interval_s=10.0, pip_tail_interval_s=1e9, horizon_s=900.0,
                         measured=("JPN", "KOR"))
"""Fast path of the batch: PIPs every 10 s and none after the 50 km PIP is reached,
15 minutes observed, pictures of Japan and Korea only (the US still tracks and shares)."""


def record_dates(records_dir: str | Path, since: dt.date) -> list[dt.date]:
    """UTC dates of the records since ``since`` (inclusive), in order."""
    return sorted(salvos(load_records(records_dir, since=since)))


def run_date(records_dir: str | Path, day: dt.date, config: RunConfig = BATCH_CONFIG
             ) -> dict[str, Any]:
    """Run one date of the record; returns ``{"date", "ok", "reason"?, "run"?}``."""
    try:
        groups = salvos(load_records(records_dir, since=day))
        text, skipped = scenario_from_records(groups[day], seed=int(day.strftime("%Y%m%d")))
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"record-{day.isoformat()}.toml"
            path.write_text(text, encoding="utf-8")
            scenario = load_scenario(path)
        result = run_scenario(scenario, config, delivery=planned)
    except GsomiaError as exc:
        return {"date": day.isoformat(), "ok": False, "reason": str(exc)}
    run = run_to_json(result, pip_errors=False)
    run["scenario"]["file"] = None
    return {"date": day.isoformat(), "ok": True, "skipped_records": skipped, "run": run}


def _job(args: tuple[str, str, RunConfig]) -> dict[str, Any]:
    return run_date(args[0], dt.date.fromisoformat(args[1]), args[2])


def run_records(records_dir: str | Path, since: dt.date, *, workers: int = 1,
                config: RunConfig = BATCH_CONFIG,
                on_done: Callable[[dict[str, Any]], None] | None = None
                ) -> Iterator[dict[str, Any]]:
    """Run every date since ``since``; yields :func:`run_date` results in date order.

    Args:
        workers: worker processes (1: in this process).
        on_done: called with each result as it completes (e.g. a progress bar).
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

"""``gsomia run --records DIR --since DATE [--seeds N]``: the batch over the public record,
on Dask (gsomia.sim.batch, gsomia.sim.cluster), printed and written as JSON.

No command is registered here: :mod:`gsomia.cli.run` checks the options and calls
:func:`batch_run`.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from gsomia.cli._app import console, err_console, fail, json_text
from gsomia.datafile import write_text_atomic
from gsomia.sim.attribution import batch_extras
from gsomia.sim.batch import batch_events, event_window_s, run_events
from gsomia.sim.cluster import IN_PROCESS, LOCAL, local_workers
from gsomia.sim.config import RunConfig
from gsomia.sim.delivery import RUN_ROUTES
from gsomia.sim.report import batch_summary, draws_spread

__all__ = ["batch_run", "where_text"]


def where_text(scheduler: str, workers: int) -> str:
    """Where the tasks run, for the user: ``on a Dask LocalCluster of 2 workers …``."""
    if scheduler == IN_PROCESS:
        return "in this process (no Dask)"
    if scheduler == LOCAL:
        n = local_workers(workers)
        return f"on a Dask LocalCluster of {n} worker{'s' * (n != 1)} on 127.0.0.1"
    return f"on the Dask scheduler at {scheduler}"


def _s(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


def _draw_rows(results: list[dict[str, Any]]) -> dict[str, Any]:
    """The ``events`` and ``skipped`` blocks of one draw (gsomia.sim.report notes)."""
    return {"events": [{"event": r["event"], "date": r["date"],
                        "scenario": r["run"]["scenario"]["name"],
                        "seed": r["seed"], "launches": r["run"]["launches"],
                        "dropped": r["dropped"], "timings_s": r["run"]["timings_s"],
                        **batch_extras(r["run"])}
                       for r in results if r["ok"]],
            "skipped": [{"event": r["event"], "date": r["date"], "seed": r["seed"],
                         "reason": r["reason"], "dropped": r["dropped"]}
                        for r in results if not r["ok"]]}


def _summary(results: list[dict[str, Any]]) -> dict[str, Any]:
    return batch_summary((r["run"] for r in results if r["ok"]), events=results)


def _run(records: Path, since: dt.date, config: RunConfig, seeds: int, scheduler: str,
         workers: int) -> list[list[dict[str, Any]]]:
    """Every event × draw on ``scheduler``, with a progress bar moved as each finishes."""
    events = batch_events(records, since, config)
    if not events:
        fail(f"--since={since.isoformat()}: no record on or after that date in {records}")
    plain = not err_console.is_terminal      # no live bar: one line per run instead
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err_console) as bar:
        task = bar.add_task(f"{len(events)} events × {seeds} seeds "
                            f"{where_text(scheduler, workers)}", total=len(events) * seeds)
        counts = {"run": 0, "dropped": 0}

        def done(out: dict[str, Any]) -> None:
            counts["run"] += len(out["launches"])
            counts["dropped"] += len(out["dropped"])
            bar.update(task, advance=1, description=f"{out['event']} (seed {out['seed']}): "
                       f"launches run {counts['run']}, dropped {counts['dropped']}")
            if plain:
                err_console.print(f"{out['event']} seed {out['seed']}: "
                                  f"{'run' if out['ok'] else 'skipped'} "
                                  f"({len(out['launches'])} launches run, "
                                  f"{len(out['dropped'])} dropped; so far {counts['run']} "
                                  f"run, {counts['dropped']} dropped)", highlight=False)

        return run_events(events, seeds=seeds, config=config, scheduler=scheduler,
                          workers=workers, on_done=done)


def _print_summary(summary: dict[str, Any], since: dt.date) -> None:
    by_class = ", ".join(f"{k} {v}" for k, v in summary["launches_dropped"].items())
    console.print(f"[bold]{summary['events']} events[/] run of "
                  f"{summary['events'] + summary['events_skipped']} events on "
                  f"{summary['dates']} dates since "
                  f"{since.isoformat()}: {summary['launches']} launches run, "
                  f"{summary['launches_dropped_total']} dropped"
                  + (f" ({by_class})" if by_class else "")
                  + f"; {summary['events_skipped']} events and {summary['dates_skipped']} "
                  f"dates skipped (no launch could be run); {summary['wall_s']} s",
                  highlight=False)
    table, sharing = _route_table("Median warning time gained against 'none' (s; first PIP "
                                  "within 50 km; launches where both 'none' and the route "
                                  "reach it)")
    table.add_column("launches with 50 km PIP: none / tisa / auto / direct", justify="right")
    table.add_column("only with sharing: tisa / auto / direct", justify="right")
    for party, med in summary["median_gained_s"].items():
        reach = summary["reached"][party]
        table.add_row(party, *[_s(med[r]) for r in sharing],
                      " / ".join(str(reach[r]) for r in RUN_ROUTES),
                      " / ".join(str(summary["only_with_sharing"][party][r])
                                 for r in sharing))
    console.print(table)


def _route_table(title: str) -> tuple[Table, tuple[str, ...]]:
    """A table with a party column and one per sharing route (returned too)."""
    table = Table(title=title, title_justify="left")
    table.add_column("party")
    sharing = tuple(RUN_ROUTES[1:])
    for r in sharing:
        table.add_column(r, justify="right")
    return table, sharing


def _print_spread(spread: dict[str, Any], seeds: int) -> None:
    table, sharing = _route_table(f"Over {seeds} draws (seed, seed+1 …): the median warning "
                                  "time gained against 'none', s: median of the draws "
                                  "(least..greatest in brackets)")
    for party, by_route in spread["median_gained_s"].items():
        table.add_row(party, *["—" if g["median"] is None else
                               f"{g['median']:.0f} [{g['min']:.0f}..{g['max']:.0f}]"
                               for g in (by_route[r] for r in sharing)])
    console.print(table)


def batch_run(records: Path, since: dt.date, json_out: Path | None, config: RunConfig, *,
              seeds: int = 1, scheduler: str = LOCAL, workers: int = 0) -> None:
    """Run the batch (every event since ``since``, ``seeds`` draws each) on ``scheduler``
    (:func:`gsomia.sim.cluster.run_tasks`), print draw 0's summary (and the spread over the
    draws) and write ``--json-out`` (schema in gsomia.sim.report)."""
    started = time.perf_counter()
    draws = _run(records, since, config, seeds, scheduler, workers)
    summaries = [_summary(d) for d in draws]
    summary = summaries[0]
    summary["wall_s"] = round(time.perf_counter() - started, 1)
    if seeds > 1:
        console.print(f"Draw 0 of {seeds} (every event with its own seed; the JSON has every "
                      "draw):", highlight=False)
    _print_summary(summary, since)
    doc: dict[str, Any] = {"schema": "gsomia.batch/1", "records": str(records),
                           "since": since.isoformat(), "event_window_s": event_window_s(config),
                           "seeds": seeds, **_draw_rows(draws[0]), "summary": summary}
    if seeds > 1:
        doc["draws"] = [{"seed_offset": k, **_draw_rows(d), "summary": s}
                        for k, (d, s) in enumerate(zip(draws, summaries, strict=True)) if k]
        doc["spread"] = draws_spread(summaries)
        _print_spread(doc["spread"], seeds)
    console.print(f"Ran {where_text(scheduler, workers)}. Japan and Korea are measured (the "
                  "US tracks and shares but is not scored in the batch); the reason of every "
                  "dropped launch and skipped event is in "
                  + ("the JSON (--json-out)" if json_out is None else str(json_out)),
                  highlight=False)
    if json_out is not None:
        write_text_atomic(json_out, json_text(doc, indent=1),
                          option="--json-out")
        err_console.print(f"wrote {json_out}", highlight=False)

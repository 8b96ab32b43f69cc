"""``gsomia run``: the main job — a launch, every party's node, each route, what each knew when.

- ``gsomia run SCENARIO`` (a packaged name such as ``2017-03-06``, or a file);
- ``gsomia run --record DATE --records DIR`` (one date of the public record);
- ``gsomia run --records DIR --since DATE`` (every date since, salvos grouped: the batch).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from gsomia.cli._app import app, console, err_console, fail, guarded
from gsomia.cli.scenario import local_date_hint
from gsomia.datafile import check_output_path, write_text_atomic
from gsomia.errors import InputError
from gsomia.records import load_records, salvos
from gsomia.sim.batch import BATCH_CONFIG, run_records
from gsomia.sim.delivery import RUN_ROUTES, SHARES, RouteConfig
from gsomia.sim.report import batch_summary, run_to_json
from gsomia.sim.run import RunConfig, RunResult, impact_area, run_scenario
from gsomia.sim.scenario import Scenario, load_scenario, scenario_from_records

__all__ = ["run_command"]


def _date(option: str, text: str, *, partial: bool = True) -> dt.date:
    """A date option: YYYY-MM-DD, or (``partial``) YYYY-MM or YYYY for its first day."""
    parts = text.strip().split("-")
    shapes = [(4, 2, 2), (4, 2), (4,)] if partial else [(4, 2, 2)]
    if not all(p.isdigit() for p in parts) or tuple(len(p) for p in parts) not in shapes:
        fail(f"{option}={text!r}: expected YYYY-MM-DD" + (" (or YYYY-MM, or a year)"
                                                          if partial else ""))
    y, m, d = (int(parts[i]) if i < len(parts) else 1 for i in range(3))
    try:
        return dt.date(y, m, d)
    except ValueError as exc:
        fail(f"{option}={text!r}: no such date ({exc})")


def _record_scenario(day: dt.date, records: Path) -> Scenario:
    try:
        groups = salvos(load_records(records, since=day - dt.timedelta(days=1)))
    except InputError as exc:
        if exc.field != "records":
            raise
        fail(f"--record={day.isoformat()}: {exc.reason}")
    if day not in groups:
        hint = local_date_hint(day, groups.get(day - dt.timedelta(days=1), []))
        fail(f"--record={day.isoformat()}: " + (hint or f"no record of that UTC date in "
                                                  f"{records}"))
    text, skipped = scenario_from_records(groups[day], seed=int(day.strftime("%Y%m%d")))
    for line in skipped:
        err_console.print(f"skipped {line}", highlight=False)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"record-{day.isoformat()}.toml"
        path.write_text(text, encoding="utf-8")
        return load_scenario(path)


def _s(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


def _print_run(result: RunResult) -> None:
    sc = result.scenario
    cfg = result.config
    console.print(f"[bold]{sc.title}[/] — epoch {sc.epoch.isoformat()}, parties "
                  f"{', '.join(sc.parties)}, {len(result.flights)} launch(es); share "
                  f"{cfg.share}"
                  + ("; COUNTERFACTUAL: every route as if in force"
                     if cfg.route.ignore_dates else "; routes as in force on the date"),
                  highlight=False)
    short = [f.id for f in result.flights if result.observation.t_end_s < f.impact_s]
    if short:
        console.print(f"  [yellow]observation ends at t+{result.observation.t_end_s:.0f} s, "
                      f"before the impact of {', '.join(short)}[/] (scenario duration_s)",
                      highlight=False)
    for route, plan in result.plans.items():
        denied = [p for p in plan.paths if not p.allowed]
        for p in denied:
            console.print(f"  [yellow]{route}[/]: {p.originator}→{p.recipient} not available "
                          f"({'; '.join(p.reasons) or 'denied'})", highlight=False)
        for p in plan.paths:   # --share measurements: radar plots decided apart
            if p.allowed and p.plots_allowed is False:
                console.print(f"  [yellow]{route}[/]: {p.originator}→{p.recipient} radar plots "
                              f"not allowed ({'; '.join(p.plots_reasons) or 'denied'})",
                              highlight=False)
    # (party, route) pairs the route reaches only in part on this date (e.g. the 2023 hub
    # before it entered into force: only the US's own reports, under the bilaterals)
    partial = {(p.recipient, route) for route, plan in result.plans.items()
               for p in plan.paths if not p.allowed}
    for f in result.flights:
        party, zone = impact_area(f)
        where = "high seas" if zone == "high_seas" else f"{party} {zone.replace('_', ' ')}"
        table = Table(title=f"{f.id}: launched t+{f.launch_s:.0f} s, impact after "
                      f"{f.trajectory.impact_s:.0f} s at {f.trajectory.impact_lat_deg:.2f}°N "
                      f"{f.trajectory.impact_lon_deg:.2f}°E, {where} (seconds after launch; "
                      "area at risk: the PIP names that area)",
                      title_justify="left")
        for col in ("party", "route", "detected", "confirmed", "PIP < 50 km",
                    "area at risk", "gained"):
            table.add_column(col, justify="left" if col in ("party", "route") else "right")
        for party, routes in result.knowledge[f.id].items():
            for route, k in routes.items():
                gained = None if route == "none" else result.gained_s(f.id, party, route)
                table.add_row(party, route + ("*" if (party, route) in partial else ""),
                              _s(k.first_detection_s), _s(k.first_confirmed_s),
                              _s(k.first_pip_within_50km_s), _s(k.area_at_risk_s),
                              "" if route == "none" else
                              ("—" if gained is None else f"{gained:+.0f}"))
            table.add_section()
        console.print(table)
    if partial:
        console.print("* the route does not reach this party from every partner on this date "
                      "(see 'not available' above): what it gains comes from the partners "
                      "that can send", highlight=False)
    gain = Table(title="Warning time gained against 'none' (first PIP within 50 km; "
                 "s, mean over launches)", title_justify="left")
    gain.add_column("party")
    routes = [r for r in result.config.routes if r != "none"]
    for r in routes:
        gain.add_column(r, justify="right")
    for party in sc.parties:
        row = []
        for r in routes:
            vals = [result.gained_s(f.id, party, r) for f in result.flights]
            vals = [v for v in vals if v is not None]
            row.append("—" if not vals else f"{sum(vals) / len(vals):+.1f}")
        gain.add_row(party, *row)
    console.print(gain)
    console.print("timings (s): " + ", ".join(f"{k} {v:.1f}" for k, v in
                                              result.timings_s.items()), highlight=False)


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _print_latency(stats: dict[str, dict[str, Any]]) -> None:
    """The end-to-end warning latency of ``gsomia run --live`` (gsomia.sim.live notes)."""
    if not stats:
        return
    any_route = next(iter(stats.values()))
    table = Table(title=f"Warning latency: detection at a {any_route['origin']} radar → fused "
                  f"PIP at {any_route['at']}'s node (wall clock, ms; "
                  f"{any_route['origin']}'s track reports)", title_justify="left")
    for col in ("route", "timed from", "n", "p50", "p99", "max", "tracker step p50",
                "link p50", "fuse+PIP p50", "stale", "state mismatches"):
        table.add_column(col, justify="left" if col in ("route", "timed from") else "right")
    for route, st in stats.items():
        parts = list(st["parts_p50_ms"].values())
        table.add_row(route, "TISA approval" if st["from"] == "tisa_approval" else "detection",
                      str(st["n"]), _ms(st["p50_ms"]), _ms(st["p99_ms"]), _ms(st["max_ms"]),
                      *[_ms(v) for v in parts], str(st["stale"]),
                      str(st["state_mismatches"] + st["missing"] + st["extra"]))
    console.print(table)
    console.print("tisa_hub is timed from the originator's approval (the modelled approval "
                  "wait is left out); stale: older than the fuser's max age on arrival (no "
                  "PIP); scans handed to the tracker late by p50/max "
                  + ", ".join(f"{r} {_ms(st['handover_lag_ms']['p50_ms'])}/"
                              f"{_ms(st['handover_lag_ms']['max_ms'])} ms"
                              for r, st in stats.items())
                  + " (the loop behind the compressed clock; not in the latency)",
                  highlight=False)


def _write_json(path: Path, doc: dict[str, Any]) -> None:
    """``--json-out``: the document, written atomically, and say so."""
    write_text_atomic(path, json.dumps(doc, ensure_ascii=False, indent=1), option="--json-out")
    err_console.print(f"wrote {path}", highlight=False)


def _routes(text: str | None) -> tuple[str, ...]:
    """``--routes``: the routes compared, ``none`` first, in the order of RUN_ROUTES."""
    if text is None:
        return RUN_ROUTES
    names = {t.strip() for t in text.split(",") if t.strip()}
    bad = sorted(names - set(RUN_ROUTES))
    if bad or not names - {"none"}:
        fail(f"--routes={text!r}: expected a comma-separated list of "
             f"{', '.join(r for r in RUN_ROUTES if r != 'none')}")
    return tuple(r for r in RUN_ROUTES if r == "none" or r in names)


def _seed_study(sc: Scenario, n: int, config: RunConfig, json_out: Path | None,
                workers: int) -> None:
    """``--seeds N``: the spread of the figures over N draws (gsomia.sim.seeds)."""
    from gsomia.sim.seeds import run_seeds

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err_console) as bar:
        task = bar.add_task(f"{sc.name}: draws", total=n)
        doc = run_seeds(sc, n, config, workers=min(workers, n),
                        on_done=lambda _: bar.advance(task))
    console.print(f"[bold]{sc.title}[/] — {n} draws (seeds {doc['scenario']['seeds'][0]}…"
                  f"{doc['scenario']['seeds'][-1]}), share {config.share}, planned delivery",
                  highlight=False)
    for launch in doc["launches"]:
        table = Table(title=f"{launch['id']}: first PIP within 50 km, s after launch: median "
                      f"[10th-90th percentile] (draws reaching it); gain: median [10th-90th] "
                      "of each draw's gain against none (not the difference of the medians)",
                      title_justify="left")
        table.add_column("party")
        for r in config.routes:
            table.add_column(r, justify="right")
        for party, by_route in launch["parties"].items():
            cells, gains = [], []
            for r in config.routes:
                f = by_route[r]["first_pip_within_50km_s"]
                cells.append("—" if f["median"] is None else
                             f"{f['median']:.0f} [{f['p10']:.0f}-{f['p90']:.0f}] "
                             f"({f['reached']}/{n})")
                g = launch["gained_s"][party].get(r)
                gains.append("" if g is None else "—" if g["median"] is None else
                             "{:+d} [{:+d}..{:+d}]".format(*(round(g[k]) for k in
                                                             ("median", "p10", "p90"))))
            table.add_row(party, *cells)
            table.add_row("  gain", *gains)
            table.add_section()
        console.print(table)
    chain = " <= ".join(r for r in ("direct", "hubs" if any(
        h in config.routes for h in ("tisa_hub", "auto_hub")) else "", "none")
        if r and (r != "direct" or "direct" in config.routes))
    order = ", ".join(f"{p} {v['direct_le_hubs_le_none']}/{v['draws']}"
                      for p, v in doc["route_order"].items())
    console.print(f"draws in which {chain} (first PIP within 50 km) for every launch of the "
                  f"routes run: {order}", highlight=False)
    if json_out is not None:
        _write_json(json_out, doc)


def _batch(records: Path, since: dt.date, json_out: Path | None, workers: int,
           config: RunConfig) -> None:
    from gsomia.sim.batch import batch_events, event_window_s

    n_events = len(batch_events(records, since, config))
    if n_events == 0:
        fail(f"--since={since.isoformat()}: no record on or after that date in {records}")
    plain = not err_console.is_terminal      # no live bar: one line per event instead
    started = time.perf_counter()
    results: list[dict[str, Any]] = []
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err_console) as bar:
        task = bar.add_task("events", total=n_events)
        counts = {"run": 0, "dropped": 0}

        def done(out: dict[str, Any]) -> None:
            counts["run"] += len(out["launches"])
            counts["dropped"] += len(out["dropped"])
            bar.update(task, advance=1, description=f"{out['event']}: launches run "
                       f"{counts['run']}, dropped {counts['dropped']}")
            if plain:
                err_console.print(f"{out['event']}: {'run' if out['ok'] else 'skipped'} "
                                  f"({len(out['launches'])} launches run, "
                                  f"{len(out['dropped'])} dropped; so far {counts['run']} "
                                  f"run, {counts['dropped']} dropped)", highlight=False)

        results = list(run_records(records, since, workers=workers, config=config,
                                   on_done=done))
    ok = [r for r in results if r["ok"]]
    summary = batch_summary((r["run"] for r in ok), events=results)
    summary["wall_s"] = round(time.perf_counter() - started, 1)
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
    table = Table(title="Median warning time gained against 'none' (s; first PIP within "
                  "50 km; launches where both 'none' and the route reach it)",
                  title_justify="left")
    table.add_column("party")
    for r in ("tisa_hub", "auto_hub", "direct"):
        table.add_column(r, justify="right")
    table.add_column("launches with 50 km PIP: none / tisa / auto / direct", justify="right")
    table.add_column("only with sharing: tisa / auto / direct", justify="right")
    for party, med in summary["median_gained_s"].items():
        reach = summary["reached"][party]
        table.add_row(party, *[_s(med[r]) for r in ("tisa_hub", "auto_hub", "direct")],
                      " / ".join(str(reach[r]) for r in ("none", "tisa_hub", "auto_hub",
                                                          "direct")),
                      " / ".join(str(summary["only_with_sharing"][party][r])
                                 for r in ("tisa_hub", "auto_hub", "direct")))
    console.print(table)
    console.print("Japan and Korea are measured (the US tracks and shares but is not scored "
                  "in the batch); the reason of every dropped launch and skipped event is in "
                  + ("the JSON (--json-out)" if json_out is None else str(json_out)),
                  highlight=False)
    if json_out is not None:
        doc = {"schema": "gsomia.batch/1", "records": str(records),
               "since": since.isoformat(), "event_window_s": event_window_s(config),
               "events": [{"event": r["event"], "date": r["date"],
                           "scenario": r["run"]["scenario"]["name"],
                           "seed": r["seed"], "launches": r["run"]["launches"],
                           "dropped": r["dropped"], "timings_s": r["run"]["timings_s"]}
                          for r in ok],
               "skipped": [{"event": r["event"], "date": r["date"], "seed": r["seed"],
                            "reason": r["reason"], "dropped": r["dropped"]}
                           for r in results if not r["ok"]],
               "summary": summary}
        _write_json(json_out, doc)


@app.command("run")
@guarded
def run_command(
    scenario: Annotated[str | None, typer.Argument(
        metavar="[SCENARIO]", help="A packaged scenario name (e.g. 2017-03-06) or a "
        "scenario TOML file. Leave out with --record or --since.")] = None,
    record: Annotated[str | None, typer.Option(
        "--record", help="Run one UTC date of the public record (needs --records).")] = None,
    records: Annotated[Path | None, typer.Option(
        "--records", help="Directory of the CNS database files.")] = None,
    since: Annotated[str | None, typer.Option(
        "--since", help="Batch: every date of --records since this date (or year).")] = None,
    json_out: Annotated[Path | None, typer.Option(
        "--json-out", help="Write the figures as JSON (schema in gsomia.sim.report).")] = None,
    plots: Annotated[Path | None, typer.Option(
        "--plots", help="Write PNG plots into this directory.")] = None,
    approval_delay_s: Annotated[float, typer.Option(
        "--approval-delay-s", help="ASSUMED originator-approval time at the TISA hub [s].",
        min=0.0)] = RouteConfig().approval_delay_s,
    hub_delay_s: Annotated[float, typer.Option(
        "--hub-delay-s", help="ASSUMED processing time at the automated hub [s].",
        min=0.0)] = RouteConfig().hub_delay_s,
    as_if_in_force: Annotated[bool, typer.Option(
        "--as-if-in-force", help="Use every route as if its agreements were in force "
        "(counterfactual); default: routes gated by the scenario date.")] = False,
    pip_interval_s: Annotated[float, typer.Option(
        "--pip-interval-s", help="Evaluation grid of the PIPs [s], at most 60; after a "
        "party's 50 km PIP is reached, its PIP-error curve goes on every 30 s.",
        min=0.5)] = 5.0,
    workers: Annotated[int, typer.Option(
        "--workers", help="Batch: worker processes (0: one per CPU).", min=0)] = 0,
    delivery: Annotated[str | None, typer.Option(
        "--delivery", help="node (default): every warning through the parties' real nodes "
        "(decide, sign, seal, send, open, mark, audit, hub approval) on the simulated clock; "
        "planned: arrival = send + the path's delay, the analytical cross-check (same "
        "arrivals, faster).")] = None,
    report_interval_s: Annotated[float, typer.Option(
        "--report-interval-s", help="Least spacing of one track's shared reports [s].",
        min=0.1)] = RunConfig().report_interval_s,
    live: Annotated[bool, typer.Option(
        "--live", help="Every node a real server on 127.0.0.1 with mutual TLS (ports chosen "
        "at run time), on the wall clock compressed by --speed; reports link p50/p99.")] = False,
    speed: Annotated[float, typer.Option(
        "--speed", help="--live: scenario seconds per wall second (ASSUMPTION).",
        min=0.1)] = 20.0,
    share: Annotated[str, typer.Option(
        "--share", help="What the nodes share. tracks (default): confirmed tracks' states "
        "and infrared launch reports (the three warning elements), fused by each receiver. "
        "measurements: every scan's radar plots (sensor coordinates, so the sensor's "
        "location is revealed: the automated hub refuses them) and the launch reports; each "
        "receiver tracks its own and the arrived plots together.")] = "tracks",
    routes: Annotated[str | None, typer.Option(
        "--routes", help="Comma-separated routes to compare besides none (the baseline, "
        "always run), e.g. direct or tisa_hub,direct; default: all of tisa_hub, auto_hub, "
        "direct.")] = None,
    seeds: Annotated[int, typer.Option(
        "--seeds", help="Run the scenario with N random draws (the scenario's seed, then "
        "seed+1 …; planned delivery) and report the median and 10th-90th percentiles of "
        "every figure, and in how many draws direct <= hubs <= none holds (schema in "
        "gsomia.sim.seeds). 1: a single run.", min=1, max=1000)] = 1,
) -> None:
    """Fly the launches, let every party's sensors, trackers and nodes work, share by each
    route (none, tisa_hub, auto_hub, direct) and report what each party knew, and when.

    Times are seconds after each launch. Route delays not given by the scenario are
    documented assumptions (gsomia.sim.delivery).
    """
    for name, value, hi in (("--approval-delay-s", approval_delay_s, 86_400.0),
                            ("--hub-delay-s", hub_delay_s, 3_600.0),
                            ("--pip-interval-s", pip_interval_s, 60.0),
                            ("--report-interval-s", report_interval_s, 600.0),
                            ("--speed", speed, 1_000.0)):
        if not (math.isfinite(value) and value <= hi):
            fail(f"{name}={value!r}: must be a finite number of at most {hi:g}")
    # output places are checked before any work (nothing is computed and then lost)
    if json_out is not None:
        check_output_path(json_out, "--json-out")
    if plots is not None and plots.exists() and not plots.is_dir():
        fail(f"--plots={str(plots)!r}: exists and is not a directory")
    if plots is not None and not plots.exists() and not plots.parent.is_dir():
        fail(f"--plots={str(plots)!r}: folder {plots.parent} does not exist")
    if share not in SHARES:
        fail(f"--share={share!r}: expected {' or '.join(SHARES)}")
    if live and share != "tracks":
        fail("--live shares tracks only: leave out --share measurements")
    route_cfg = RouteConfig(approval_delay_s=approval_delay_s, hub_delay_s=hub_delay_s,
                            ignore_dates=as_if_in_force)
    compared = _routes(routes)
    if seeds > 1 and (live or plots is not None or since is not None):
        fail("--seeds runs many draws of one scenario: not with --live, --plots or --since")
    if since is not None:
        if records is None:
            fail("--since needs --records DIR")
        if scenario is not None or record is not None:
            fail("--since runs every date: give no SCENARIO and no --record")
        unused = [name for name, given in (
            ("--plots", plots is not None), ("--live", live), ("--seeds", seeds > 1),
            ("--delivery", delivery is not None), ("--pip-interval-s", pip_interval_s != 5.0),
            ("--report-interval-s", report_interval_s != RunConfig().report_interval_s))
            if given]
        if unused:
            fail(f"--since runs the batch (planned delivery, PIPs every "
                 f"{BATCH_CONFIG.pip_interval_s:g} s, no plots): {', '.join(unused)} "
                 "not used there; leave out")
        config = RunConfig(**{**{f: getattr(BATCH_CONFIG, f) for f in (
            "pip_tail_interval_s", "horizon_s", "measured", "pip_interval_s")}},
            route=route_cfg, share=share, routes=compared)
        _batch(records, _date("--since", since), json_out,
               workers or max(1, os.cpu_count() or 1), config)
        return
    if record is not None:
        if records is None:
            fail("--record needs --records DIR")
        if scenario is not None:
            fail("give either SCENARIO or --record, not both")
        sc = _record_scenario(_date("--record", record, partial=False), records)
    elif scenario is None:
        fail("give a SCENARIO, --record DATE --records DIR, or --records DIR --since DATE")
    else:
        sc = load_scenario(scenario)
    if delivery is not None and delivery not in ("planned", "node"):
        fail(f"--delivery={delivery!r}: expected planned or node")
    if seeds > 1 and delivery is not None:
        fail("--seeds runs every draw with the planned delivery: leave out --delivery")
    delivery = delivery or "node"
    config = RunConfig(route=route_cfg, pip_interval_s=pip_interval_s,
                       report_interval_s=report_interval_s, share=share, routes=compared)
    if seeds > 1:
        _seed_study(sc, seeds, config, json_out, workers or max(1, os.cpu_count() or 1))
        return
    from gsomia.sim.live import LiveDelivery
    from gsomia.sim.run import planned

    step: Any = planned if delivery == "planned" else None   # None: the nodes (run_scenario)
    if live:
        step = LiveDelivery(route_cfg, speed=speed)
        delivery = "live"
    with console.status("running") as status:
        result = run_scenario(sc, config, delivery=step,
                              progress=lambda s: status.update(s))
    _print_run(result)
    doc = run_to_json(result, delivery=delivery)
    if live:
        doc["live"] = {"speed": speed, "links": step.link_stats(),
                       "warning_latency": step.latency_stats()}
        for route, st in doc["live"]["links"].items():
            console.print(f"live {route}: {st['delivered']} delivered, {st['lost']} lost, "
                          f"p50 {st['p50_ms']} ms, p99 {st['p99_ms']} ms (publish or TISA "
                          "approval → partner node's subscriber, wall clock)", highlight=False)
        _print_latency(doc["live"]["warning_latency"])
    if json_out is not None:
        _write_json(json_out, doc)
    if plots is not None:
        from gsomia.sim.plots import write_plots

        for path in write_plots(result, plots):
            err_console.print(f"wrote {path}", highlight=False)


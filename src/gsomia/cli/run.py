"""``gsomia run``: the main job — a launch, every party's node, each route, what each knew when.

- ``gsomia run SCENARIO`` (a packaged name such as ``2017-03-06``, or a file);
- ``gsomia run --record DATE --records DIR`` (one date of the public record);
- ``gsomia run --records DIR --since DATE`` (every date since, split into events: the batch,
  :mod:`gsomia.cli.run_batch`).

The batch and ``--seeds N`` run on Dask (gsomia.sim.cluster): a ``LocalCluster`` by
default, an existing scheduler with ``--scheduler tcp://HOST:PORT``, or this process with
``--scheduler none``.
"""

from __future__ import annotations

import datetime as dt
import math
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from gsomia.cli._app import app, console, err_console, fail, guarded, json_text
from gsomia.cli.engagement import print_engagement
from gsomia.cli.run_batch import batch_run, where_text
from gsomia.cli.run_live import SPEED_DEFAULT, check_live_options, print_live
from gsomia.cli.run_maritime import maritime_comparison
from gsomia.cli.scenario import local_date_hint
from gsomia.datafile import check_output_path, write_text_atomic
from gsomia.errors import InputError
from gsomia.records import load_records, salvos
from gsomia.sharing import Route
from gsomia.sim.attribution import attribution_lines
from gsomia.sim.batch import BATCH_CONFIG, BATCH_SWEEP_APPROVAL_S
from gsomia.sim.cluster import LOCAL, check_scheduler
from gsomia.sim.config import RunConfig
from gsomia.sim.delivery import NONE, RUN_ROUTES, SHARES, RouteConfig, parse_run_route
from gsomia.sim.delivery.live import LiveDelivery
from gsomia.sim.delivery.planned import planned
from gsomia.sim.engage_plot import write_engagement_plot
from gsomia.sim.plots import write_plots
from gsomia.sim.replay import run_picture
from gsomia.sim.report import run_to_json, track_events
from gsomia.sim.run import RunResult, run_scenario
from gsomia.sim.scenario import Scenario, load_scenario, scenario_from_records
from gsomia.sim.seeds import run_seeds

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
        every = load_records(records)   # also: a failed missile's family's flights (its Δv)
        groups = salvos(r for r in every if r.date >= day - dt.timedelta(days=1))
    except InputError as exc:
        if exc.field != "records":
            raise
        fail(f"--record={day.isoformat()}: {exc.reason}")
    if day not in groups:
        hint = local_date_hint(day, groups.get(day - dt.timedelta(days=1), []))
        fail(f"--record={day.isoformat()}: " + (hint or f"no record of that UTC date in "
                                                  f"{records}"))
    text, skipped = scenario_from_records(groups[day], seed=int(day.strftime("%Y%m%d")),
                                          reference=every)
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
    failures = {s.id: s.failure for s in result.scenario.launches if s.failure is not None}
    for f in result.flights:
        party, zone = result.impact_areas[f.id]
        where = "high seas" if zone == "high_seas" else f"{party} {zone.replace('_', ' ')}"
        failed = failures.get(f.id)
        failed_text = "" if failed is None else (
            f"; FAILED: {failed.kind} at t+{f.trajectory.burnout_s:.0f} s, {failed.pieces} "
            f"piece(s), {failed.timing}")
        table = Table(title=f"{f.id}: launched t+{f.launch_s:.0f} s, impact after "
                      f"{f.trajectory.impact_s:.0f} s at {f.trajectory.impact_lat_deg:.2f}°N "
                      f"{f.trajectory.impact_lon_deg:.2f}°E, {where}{failed_text} (seconds "
                      "after launch; area at risk: the PIP names that area)",
                      title_justify="left")
        for col in ("party", "route", "detected", "confirmed", "PIP < 50 km",
                    "area at risk", "gained"):
            table.add_column(col, justify="left" if col in ("party", "route") else "right")
        for party, routes in result.knowledge[f.id].items():
            for route, k in routes.items():
                gained = None if route == NONE else result.gained_s(f.id, party, route)
                table.add_row(party, route + ("*" if (party, route) in partial else ""),
                              _s(k.first_detection_s), _s(k.first_confirmed_s),
                              _s(k.first_pip_within_50km_s), _s(k.area_at_risk_s),
                              "" if route == NONE else
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
    routes = [r for r in result.config.routes if r != NONE]
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
    lost = track_events(result)
    if lost:
        console.print("tracks lost (confirmed tracks deleted; t after the epoch): " + "; ".join(
            f"{e['party']} #{e['track']} ({', '.join(e['launches']) or 'no launch'}) at "
            f"{e['t_s']:.0f} s, {e['reason']}" for e in lost), highlight=False)
    _print_warnings(result)
    console.print("timings (s): " + ", ".join(f"{k} {v:.1f}" for k, v in
                                              result.timings_s.items()), highlight=False)


def _print_warnings(result: RunResult) -> None:
    """Each party's warning timeline (gsomia.warning.alerts) and its score per launch."""
    run = result.alerts
    if run is None:
        return
    launch = {f.id: f.launch_s for f in result.flights}
    console.print(f"[bold]warnings[/] (route {run.route}: picture and sharing; t after launch):")
    for party in result.scenario.parties:
        mine = [e for e in run.entries if e.party == party]
        scored = {lid: s[party] for lid, s in run.scores.items() if party in s}
        if not scored:
            continue
        console.print(f"  {party}: {len(mine)} entries" + ("" if mine else " (none issued)"),
                      highlight=False)
        for e in mine:
            got = run.received.get((e.party, e.launch, e.t_s), {})
            to = ", ".join(f"{q} t+{t - launch[e.launch]:.1f}" for q, t in sorted(got.items()))
            console.print(f"    {e.launch} t+{e.t_s - launch[e.launch]:6.1f} s  {e.action:8s} "
                          f"{e.area[0]} {e.area[1]:15s} p={e.p:.2f}  {e.reason}"
                          + (f"  → received {to}" if to else "  → shared with nobody"),
                          highlight=False)
        for lid, s in scored.items():
            console.print(f"    {lid}: first correct {_s(s['first_correct_s'])}, false "
                          f"{s['false_warnings']} ({s['false_duration_s']:.0f} s), "
                          f"withdrawals {s['withdrawals']}" + (" — MISSED" if s["missed"]
                                                               else ""), highlight=False)


def _write_json(path: Path, doc: dict[str, Any]) -> None:
    """``--json-out``: the document, written atomically, and say so."""
    write_text_atomic(path, json_text(doc, indent=1), option="--json-out")
    err_console.print(f"wrote {path}", highlight=False)


def _routes(text: str | None) -> tuple[str, ...]:
    """``--routes``: the routes compared, ``none`` first, in the order of RUN_ROUTES (each
    in any spelling :func:`gsomia.sim.delivery.parse_run_route` takes)."""
    if text is None:
        return RUN_ROUTES
    names = set()
    for t in (t.strip() for t in text.split(",") if t.strip()):
        try:
            names.add(parse_run_route(t, "--routes"))
        except InputError:
            names.add("?")
    if "?" in names or not names - {NONE}:
        fail(f"--routes={text!r}: expected a comma-separated list of "
             f"{', '.join(r for r in RUN_ROUTES if r != NONE)} (none, the baseline, is "
             "always run)")
    return tuple(r for r in RUN_ROUTES if r == NONE or r in names)


def _seed_study(sc: Scenario, n: int, config: RunConfig, json_out: Path | None,
                scheduler: str, workers: int) -> None:
    """``--seeds N``: the spread of the figures over N draws (gsomia.sim.seeds)."""
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err_console) as bar:
        task = bar.add_task(f"{sc.name}: draws {where_text(scheduler, workers)}", total=n)
        doc = run_seeds(sc, n, config, scheduler=scheduler, workers=workers,
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
    chain = " <= ".join(r for r in (Route.DIRECT, "hubs" if any(
        h in config.routes for h in (Route.TISA_HUB, Route.AUTO_HUB)) else "", NONE)
        if r and (r != Route.DIRECT or Route.DIRECT in config.routes))
    order = ", ".join(f"{p} {v['direct_le_hubs_le_none']}/{v['draws']}"
                      for p, v in doc["route_order"].items())
    console.print(f"draws in which {chain} (first PIP within 50 km) for every launch of the "
                  f"routes run: {order}", highlight=False)
    if json_out is not None:
        _write_json(json_out, doc)


# -- the options of ``gsomia run`` ----------------------------------------------------------

_ROUTE_DEFAULTS = RouteConfig()
_RUN_DEFAULTS = RunConfig()

_ScenarioArg = Annotated[str | None, typer.Argument(
    metavar="[SCENARIO]", help="A packaged scenario name (e.g. 2017-03-06) or a scenario TOML "
    "file. Leave out with --record or --since.")]
_RecordOpt = Annotated[str | None, typer.Option(
    "--record", help="Run one UTC date of the public record (needs --records).")]
_RecordsOpt = Annotated[Path | None, typer.Option(
    "--records", help="Directory of the CNS database files.")]
_SinceOpt = Annotated[str | None, typer.Option(
    "--since", help="Batch: every date of --records since this date (or year).")]
_JsonOutOpt = Annotated[Path | None, typer.Option(
    "--json-out", help="Write the figures as JSON (schema in gsomia.sim.report).")]
_PlotsOpt = Annotated[Path | None, typer.Option(
    "--plots", help="Write PNG plots into this directory.")]
_ApprovalOpt = Annotated[float, typer.Option(
    "--approval-delay-s", help="ASSUMED originator-approval time at the TISA hub [s].",
    min=0.0)]
_HubOpt = Annotated[float, typer.Option(
    "--hub-delay-s", help="ASSUMED processing time at the automated hub [s].", min=0.0)]
_InForceOpt = Annotated[bool, typer.Option(
    "--as-if-in-force", help="Use every route as if its agreements were in force "
    "(counterfactual); default: routes gated by the scenario date.")]
_PipIntervalOpt = Annotated[float, typer.Option(
    "--pip-interval-s", help="Evaluation grid of the PIPs [s], at most 60; after a party's "
    "50 km PIP is reached, its PIP-error curve goes on every 30 s.", min=0.5)]
_WorkersOpt = Annotated[int, typer.Option(
    "--workers", help="Batch and --seeds on the local Dask cluster: worker processes (0, "
    "the default: one per CPU).", min=0)]
_SchedulerOpt = Annotated[str | None, typer.Option(
    "--scheduler", help="Where the batch (--since) and --seeds run, one Dask task per event "
    "and seed, gathered as they finish (same results wherever). local (default): a Dask "
    "LocalCluster of --workers processes on 127.0.0.1, no dashboard. tcp://HOST:PORT: a "
    "running `dask scheduler` and its `dask worker`s (each with this gsomia installed; the "
    "records are sent to them as data). none: in this process, one after another "
    "(debugging).")]
_DeliveryOpt = Annotated[str | None, typer.Option(
    "--delivery", help="node (default): every warning through the parties' real nodes "
    "(decide, sign, seal, send, open, mark, audit, hub approval) on the simulated clock; "
    "planned: arrival = send + the path's delay, the analytical cross-check (same "
    "arrivals, faster).")]
_ReportIntervalOpt = Annotated[float, typer.Option(
    "--report-interval-s", help="Least spacing of one track's shared reports [s].", min=0.1)]
_LiveOpt = Annotated[bool, typer.Option(
    "--live", help="Every node a real server on 127.0.0.1 with mutual TLS (ports chosen at "
    "run time), on the wall clock compressed by --speed; reports link p50/p99.")]
_SpeedOpt = Annotated[float, typer.Option(
    "--speed", help="--live: scenario seconds per wall second (ASSUMPTION).", min=0.1)]
_ShareOpt = Annotated[str, typer.Option(
    "--share", help="What the nodes share. tracks (default): confirmed tracks' states and "
    "infrared launch reports (the three warning elements), fused by each receiver. "
    "measurements: every scan's radar plots (sensor coordinates, so the sensor's location "
    "is revealed: the automated hub refuses them) and the launch reports; each receiver "
    "tracks its own and the arrived plots together.")]
_RoutesOpt = Annotated[str | None, typer.Option(
    "--routes", help="Comma-separated routes to compare besides none (the baseline, always "
    "run), e.g. direct or tisa_hub,direct; default: all of tisa_hub, auto_hub, direct.")]
_AttributionOpt = Annotated[bool, typer.Option(
    "--attribution/--no-attribution", help="Add each partner's (Shapley, leave-one-out) and "
    "each partner sensor's share of every gain to the JSON and print it (re-scored from the "
    "run's own tracks, gsomia.sim.attribution; in the batch, with its TISA-delay sweep, "
    "about as much CPU again as the run itself).")]
_SweepOpt = Annotated[list[str] | None, typer.Option(
    "--sweep", metavar="KEY=S,S,...", help="Re-score the routes with other values of an "
    "ASSUMED delay, repeatable: "
    "tisa_delay=0,150,300 (TISA approval, s; into the JSON's attribution.sensitivity; the "
    "batch sweeps 0-600 s by 60 s unless given), hub_delay=S,... (automated hub), "
    "link_delay=S,... (every one-way link; both into attribution.sensitivities); "
    "radar_down: each own sensor of a measured party out in turn (attribution."
    "radar_outages). Each point re-scores the routes from the run's own tracks.")]
_SeedsOpt = Annotated[int, typer.Option(
    "--seeds", help="Run the scenario with N random draws (the scenario's seed, then seed+1 "
    "…; planned delivery) and report the median and 10th-90th percentiles of every figure, "
    "and in how many draws direct <= hubs <= none holds (schema in gsomia.sim.seeds). 1: a "
    "single run. With --since: every event N times (its seed, then seed+1 …) and the "
    "spread of the batch's median gains (schema in gsomia.sim.report).", min=1, max=1000)]


_SWEEP_KEYS = {"tisa_delay": "sweep_approval_s", "hub_delay": "hub_delay_s",
               "link_delay": "link_delay_s"}


def _sweep(texts: list[str] | None, batch: bool, *, attribution: bool = True,
           routes: tuple[str, ...] = RUN_ROUTES) -> dict[str, Any]:
    """``--sweep KEY=S,S,...`` (repeatable) → the RunConfig fields ``sweep_approval_s``
    (the batch's default :data:`BATCH_SWEEP_APPROVAL_S`), ``sweeps`` and
    ``radar_outages`` (``--sweep radar_down``). A sweep is re-scored by the attribution
    only, so it fails without it (``--no-attribution``, ``--seeds`` > 1), as does a key given
    twice, a value given twice (as its JSON key, ``:g``) and ``tisa_delay`` without
    ``tisa_hub`` in ``routes``."""
    got: dict[str, tuple[float, ...]] = {}
    down = False
    if texts and not attribution:
        fail(f"--sweep={texts[0]!r}: sweeps are re-scored by the attribution: not with "
             "--no-attribution or --seeds > 1")
    for text in texts or []:
        if text.strip() in ("radar_down", "radar_down=all"):
            down = True
            continue
        key, _, values = text.partition("=")
        if key.strip() not in _SWEEP_KEYS:
            fail(f"--sweep={text!r}: expected {', '.join(_SWEEP_KEYS)}=S,S,... or radar_down")
        try:
            out = tuple(float(v) for v in values.split(",") if v.strip())
        except ValueError:
            fail(f"--sweep={text!r}: delays must be numbers of seconds")
        if not out or any(not (math.isfinite(v) and 0 <= v <= 86_400) for v in out):
            fail(f"--sweep={text!r}: expected 1 or more delays of 0-86400 s")
        if len({f"{v:g}" for v in out}) < len(out):
            fail(f"--sweep={text!r}: a delay given twice (to 6 significant digits)")
        if _SWEEP_KEYS[key.strip()] in got:
            fail(f"--sweep={text!r}: {key.strip()} swept twice: give its values once")
        if key.strip() == "tisa_delay" and Route.TISA_HUB not in routes:
            fail(f"--sweep={text!r}: re-scores tisa_hub: add it to --routes")
        got[_SWEEP_KEYS[key.strip()]] = out
    tisa = got.pop("sweep_approval_s", BATCH_SWEEP_APPROVAL_S if batch else ())
    return {"sweep_approval_s": tisa, "sweeps": tuple(got.items()), "radar_outages": down}


def _check_numbers(**values: float) -> None:
    """Every number option finite and within its bound (option name → value)."""
    bounds = {"--approval-delay-s": 86_400.0, "--hub-delay-s": 3_600.0,
              "--pip-interval-s": 60.0, "--report-interval-s": 600.0, "--speed": 1_000.0}
    for name, hi in bounds.items():
        value = values[name.strip("-").replace("-", "_")]
        if not (math.isfinite(value) and value <= hi):
            fail(f"{name}={value!r}: must be a finite number of at most {hi:g}")


def _check_outputs(json_out: Path | None, plots: Path | None) -> None:
    """Output places are checked before any work (nothing is computed and then lost)."""
    if json_out is not None:
        check_output_path(json_out, "--json-out")
    if plots is not None and plots.exists() and not plots.is_dir():
        fail(f"--plots={str(plots)!r}: exists and is not a directory")
    if plots is not None and not plots.exists() and not plots.parent.is_dir():
        fail(f"--plots={str(plots)!r}: folder {plots.parent} does not exist")


def _where(scheduler: str | None, workers: int, many: bool) -> str:
    """``--scheduler`` checked (default local); ``many``: the batch or ``--seeds N``."""
    if not many:
        if scheduler is not None or workers:
            fail("--scheduler and --workers place the batch (--since) and --seeds N: "
                 "a single run takes neither")
        return LOCAL
    try:
        where = check_scheduler(LOCAL if scheduler is None else scheduler)
    except InputError as exc:
        fail(f"--scheduler={scheduler!r}: {exc.reason}")
    if workers and where != LOCAL:
        fail(f"--workers sizes the local Dask cluster: leave it out with --scheduler {where}")
    return where


def _batch_command(records: Path | None, since: str, given: dict[str, bool],
                   json_out: Path | None, seeds: int, where: tuple[str, int],
                   route_cfg: RouteConfig, share: str, compared: tuple[str, ...],
                   extra: dict[str, Any]) -> None:
    """``--records DIR --since DATE`` after its checks; ``given``: option → whether it was
    given (SCENARIO, --record and the options the batch does not use)."""
    if records is None:
        fail("--since needs --records DIR")
    if given["SCENARIO"] or given["--record"]:
        fail("--since runs every date: give no SCENARIO and no --record")
    unused = [name for name, on in given.items() if on and name.startswith("--")
              and name != "--record"]
    if unused:
        fail(f"--since runs the batch (planned delivery, PIPs every "
             f"{BATCH_CONFIG.pip_interval_s:g} s, no plots): {', '.join(unused)} "
             "not used there; leave out")
    config = RunConfig(**{f: getattr(BATCH_CONFIG, f) for f in (
        "pip_tail_interval_s", "horizon_s", "measured", "pip_interval_s", "warnings")},
        route=route_cfg, share=share, routes=compared, **extra)
    batch_run(records, _date("--since", since), json_out, config, seeds=seeds,
              scheduler=where[0], workers=where[1])


def _scenario_of(scenario: str | None, record: str | None, records: Path | None) -> Scenario:
    """The scenario of SCENARIO, or of ``--record DATE --records DIR``."""
    if record is not None:
        if records is None:
            fail("--record needs --records DIR")
        if scenario is not None:
            fail("give either SCENARIO or --record, not both")
        return _record_scenario(_date("--record", record, partial=False), records)
    if scenario is None:
        fail("give a SCENARIO, --record DATE --records DIR, or --records DIR --since DATE")
    return load_scenario(scenario)


def _single_run(sc: Scenario, config: RunConfig, delivery: str, speed: float,
                json_out: Path | None, plots: Path | None) -> None:
    """One run (``delivery``: node, planned or live), printed, written to ``--json-out``
    and ``--plots``. Live mode gets its clusters from :meth:`gsomia.web.live.LiveCluster.
    for_run` (imported here: the web server stack loads only for ``--live``)."""
    step: Any = planned if delivery == "planned" else None   # None: the nodes (run_scenario)
    if delivery == "live":
        from gsomia.web.live import LiveCluster

        step = LiveDelivery(LiveCluster.for_run, config.route, speed=speed)
    with console.status("running") as status:
        result = run_scenario(sc, config, delivery=step, progress=lambda s: status.update(s))
    _print_run(result)
    doc = run_to_json(result, delivery=delivery)
    print_engagement(console, result, doc)
    doc["picture"] = run_picture(result)   # for gsomia cop (schema: gsomia.sim.replay)
    maritime_comparison(result, config, step, doc)   # with/without maritime sources
    for line in attribution_lines(doc.get("attribution", {})):
        console.print(line, highlight=False)
    if delivery == "live":
        doc["live"] = {"speed": speed, "links": step.link_stats(),
                       "warning_latency": step.latency_stats()}
        print_live(doc["live"])
    if json_out is not None:
        _write_json(json_out, doc)
    if plots is not None:
        for path in write_plots(result, plots):
            err_console.print(f"wrote {path}", highlight=False)
        windows = write_engagement_plot(result, plots)
        if windows is not None:
            err_console.print(f"wrote {windows}", highlight=False)


@app.command("run")
@guarded
def run_command(
    scenario: _ScenarioArg = None,
    record: _RecordOpt = None,
    records: _RecordsOpt = None,
    since: _SinceOpt = None,
    json_out: _JsonOutOpt = None,
    plots: _PlotsOpt = None,
    approval_delay_s: _ApprovalOpt = _ROUTE_DEFAULTS.approval_delay_s,
    hub_delay_s: _HubOpt = _ROUTE_DEFAULTS.hub_delay_s,
    as_if_in_force: _InForceOpt = False,
    pip_interval_s: _PipIntervalOpt = 5.0,
    workers: _WorkersOpt = 0,
    delivery: _DeliveryOpt = None,
    report_interval_s: _ReportIntervalOpt = _RUN_DEFAULTS.report_interval_s,
    live: _LiveOpt = False,
    speed: _SpeedOpt = SPEED_DEFAULT,
    share: _ShareOpt = "tracks",
    routes: _RoutesOpt = None,
    seeds: _SeedsOpt = 1,
    attribution: _AttributionOpt = True,
    sweep: _SweepOpt = None,
    scheduler: _SchedulerOpt = None,
) -> None:
    """Fly the launches, let every party's sensors, trackers and nodes work, share by each
    route (none, tisa_hub, auto_hub, direct) and report what each party knew, and when.

    Times are seconds after each launch. Route delays not given by the scenario are
    documented assumptions (gsomia.sim.delivery).
    """
    _check_numbers(approval_delay_s=approval_delay_s, hub_delay_s=hub_delay_s,
                   pip_interval_s=pip_interval_s, report_interval_s=report_interval_s,
                   speed=speed)
    _check_outputs(json_out, plots)
    if share not in SHARES:
        fail(f"--share={share!r}: expected {' or '.join(SHARES)}")
    check_live_options(live, share=share, delivery=delivery, speed=speed)
    route_cfg = RouteConfig(approval_delay_s=approval_delay_s, hub_delay_s=hub_delay_s,
                            ignore_dates=as_if_in_force)
    compared = _routes(routes)
    extra = {"attribution": attribution and seeds == 1,
             **_sweep(sweep, since is not None and attribution,
                      attribution=attribution and seeds == 1, routes=compared)}
    if seeds > 1 and (live or plots is not None):
        fail("--seeds runs many draws: not with --live or --plots")
    where = (_where(scheduler, workers, since is not None or seeds > 1), workers)
    if since is not None:
        given = {"SCENARIO": scenario is not None, "--record": record is not None,
                 "--plots": plots is not None, "--live": live,
                 "--delivery": delivery is not None, "--pip-interval-s": pip_interval_s != 5.0,
                 "--report-interval-s": report_interval_s != _RUN_DEFAULTS.report_interval_s}
        _batch_command(records, since, given, json_out, seeds, where, route_cfg, share,
                       compared, extra)
        return
    sc = _scenario_of(scenario, record, records)
    if delivery is not None and delivery not in ("planned", "node"):
        fail(f"--delivery={delivery!r}: expected planned or node")
    if seeds > 1 and delivery is not None:
        fail("--seeds runs every draw with the planned delivery: leave out --delivery")
    config = RunConfig(route=route_cfg, pip_interval_s=pip_interval_s,
                       report_interval_s=report_interval_s, share=share, routes=compared,
                       **extra)
    if seeds > 1:
        _seed_study(sc, seeds, config, json_out, *where)
        return
    _single_run(sc, config, "live" if live else delivery or "node", speed, json_out, plots)

"""``gsomia scenario list|show|from-record`` and ``gsomia observe``."""

from __future__ import annotations

import datetime as dt
import math
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from gsomia.cli._app import app, console, err_console, fail, guarded, print_json
from gsomia.records import load_records, salvos
from gsomia.sim.observe import observe as run_observe
from gsomia.sim.observe import summarise, write_detections_csv
from gsomia.sim.scenario import (
    Scenario,
    load_scenario,
    packaged_scenario_names,
    scenario_from_records,
)
from gsomia.warning.sensors import InfraredLaunchSensor

__all__ = ["scenario_app"]

scenario_app = typer.Typer(name="scenario", help="Scenarios: packaged, shown, or built from "
                           "the public record.", no_args_is_help=True)
app.add_typer(scenario_app, name="scenario")

ScenarioArg = Annotated[str, typer.Argument(
    metavar="SCENARIO", help="A packaged scenario name (see `gsomia scenario list`) or a path "
    "to a scenario TOML file.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


def _scenario_json(s: Scenario) -> dict[str, Any]:
    sensors = []
    for sensor in s.sensors:
        entry: dict[str, Any] = {"id": sensor.id, "party": sensor.owner}
        if isinstance(sensor, InfraredLaunchSensor):
            entry["kind"] = "ir"
        else:
            entry.update(kind="radar", lat_deg=sensor.lat_deg, lon_deg=sensor.lon_deg,
                         alt_m=sensor.alt_m, max_range_km=sensor.max_range_m / 1e3)
        sensors.append(entry)
    return {
        "name": s.name, "title": s.title, "file": s.file, "epoch": s.epoch.isoformat(),
        "seed": s.seed, "parties": list(s.parties), "sources": list(s.sources),
        "launches": [{"id": x.id, "t_s": x.t_s, "lat_deg": x.lat_deg, "lon_deg": x.lon_deg,
                      "site": x.site, "bearing_deg": x.bearing_deg,
                      "range_km": x.range_m / 1e3, "apogee_km": x.apogee_m / 1e3,
                      "missile": x.missile, "propulsion": x.propulsion, "source": x.source}
                     for x in s.launches],
        "sensors": sensors,
        "agreements": [{"name": a.name, "route": a.route} for a in s.agreements],
        "links": [{"from": k.from_party, "to": k.to_party, "delay_s": k.delay_s}
                  for k in s.links],
    }


@scenario_app.command("list")
@guarded
def list_scenarios(as_json: JsonOption = False) -> None:
    """List the packaged scenarios."""
    rows = []
    for name in packaged_scenario_names():
        s = load_scenario(name)
        rows.append({"name": name, "title": s.title, "epoch": s.epoch.isoformat(),
                     "launches": len(s.launches), "sensors": len(s.sensors)})
    if as_json:
        print_json(rows)
        return
    table = Table("name", "epoch (UTC)", "launches", "sensors", "title")
    for r in rows:
        table.add_row(r["name"], r["epoch"], str(r["launches"]), str(r["sensors"]), r["title"])
    console.print(table)


@scenario_app.command("show")
@guarded
def show(scenario: ScenarioArg, as_json: JsonOption = False) -> None:
    """Show a scenario: parties, sensors, launches, agreements and links."""
    s = load_scenario(scenario)
    data = _scenario_json(s)
    if as_json:
        print_json(data)
        return
    console.print(f"[bold]{s.title}[/]  ({s.name}; {s.file})")
    console.print(f"epoch {data['epoch']}  seed {s.seed}  parties {', '.join(s.parties)}")
    launches = Table("id", "t [s]", "site", "lat", "lon", "bearing°", "range km", "apogee km",
                     "missile / propulsion", title="launches")
    for x in data["launches"]:
        launches.add_row(x["id"], f"{x['t_s']:g}", x["site"] or "", f"{x['lat_deg']:.4f}",
                         f"{x['lon_deg']:.4f}", f"{x['bearing_deg']:g}", f"{x['range_km']:g}",
                         f"{x['apogee_km']:g}", x["missile"] or x["propulsion"])
    console.print(launches)
    sensors = Table("id", "party", "kind", "range km", title="sensors")
    for x in data["sensors"]:
        rng = x.get("max_range_km")
        sensors.add_row(x["id"], x["party"], x["kind"], "" if rng is None else f"{rng:g}")
    console.print(sensors)
    for a in data["agreements"]:
        console.print(f"agreement {a['name']} via {a['route']}")
    for k in data["links"]:
        console.print(f"link {k['from']} → {k['to']}: {k['delay_s']:g} s")


@scenario_app.command("from-record")
@guarded
def from_record(
    date: Annotated[str, typer.Argument(help="UTC date of the launches, YYYY-MM-DD (the "
                                        "record's date: 2017-03-06 local is 2017-03-05).")],
    records: Annotated[Path, typer.Option("--records", help="Directory holding the CNS "
                                          "database files (test.en.json …).")],
    out: Annotated[Path | None, typer.Option("--out", help="Write the scenario here "
                                             "(default: standard output).")] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed (default: the date as "
                                             "YYYYMMDD).", min=0)] = None,
    default_apogee: Annotated[float | None, typer.Option(
        "--default-apogee", help="Apogee [km] assumed for records without one.")] = None,
) -> None:
    """Build a scenario from the public record of one date: one launch per record."""
    try:
        day = dt.date.fromisoformat(date)
    except ValueError:
        fail(f"DATE={date!r}: expected YYYY-MM-DD")
    if default_apogee is not None and not (math.isfinite(default_apogee) and default_apogee > 0):
        fail(f"--default-apogee={default_apogee!r}: must be > 0 km")
    groups = salvos(load_records(records, since=day))
    if day not in groups:
        near = ", ".join(d.isoformat() for d in list(groups)[:3])
        fail(f"DATE={date!r}: no record of that UTC date in {records}"
             + (f" (next: {near})" if near else ""))
    text, skipped = scenario_from_records(
        groups[day], seed=int(day.strftime("%Y%m%d")) if seed is None else seed,
        default_apogee_km=default_apogee)
    for line in skipped:
        err_console.print(f"skipped {line}", highlight=False)
    with tempfile.TemporaryDirectory() as tmp:  # validate what we wrote, as a reader would
        check = Path(tmp) / f"record-{day.isoformat()}.toml"
        check.write_text(text, encoding="utf-8")
        scenario = load_scenario(check)
    if out is None:
        typer.echo(text, nl=False)
        return
    out.write_text(text, encoding="utf-8")
    err_console.print(f"wrote {out}: {len(scenario.launches)} launch(es), epoch "
                      f"{scenario.epoch.isoformat()}", highlight=False)


def _fmt_t(t: float | None) -> str:
    return "—" if t is None else f"{t:.1f}"


@app.command("observe")
@guarded
def observe_command(
    scenario: ScenarioArg,
    out: Annotated[Path | None, typer.Option("--out", help="Write every detection and launch "
                                             "report as CSV (columns: gsomia.sim.observe).")
                   ] = None,
    as_json: JsonOption = False,
) -> None:
    """Fly a scenario's launches and run its sensors over them.

    Prints, per sensor, its detections (false alarms included) and the first detection time,
    and per launch which party and sensor saw it first and when each party first saw it
    (times in seconds after the scenario epoch).
    """
    obs = run_observe(load_scenario(scenario))
    summary = summarise(obs)
    if out is not None:
        rows = write_detections_csv(obs, out)
        err_console.print(f"wrote {out}: {rows} rows", highlight=False)
    if as_json:
        print_json(summary)
        return
    console.print(f"[bold]{obs.scenario.title}[/]  epoch {summary['epoch']}  seed "
                  f"{summary['seed']}  (times in s after the epoch)")
    parties = sorted(obs.scenario.parties)
    launches = Table("launch", "launch t", "impact t", "first seen by", "sensor", "at",
                     *[f"{p} first" for p in parties], title="who saw each launch first")
    for item in summary["launches"]:
        first = item["first_detection"] or {}
        launches.add_row(item["id"], _fmt_t(item["launch_t_s"]), _fmt_t(item["impact_t_s"]),
                         first.get("party", "nobody"), first.get("sensor", ""),
                         _fmt_t(first.get("t_s")),
                         *[_fmt_t(item["first_detection_by_party"].get(p)) for p in parties])
    console.print(launches)
    sensors = Table("sensor", "party", "kind", "detections", "first t", title="sensors")
    for item in summary["sensors"]:
        sensors.add_row(item["id"], item["party"], item["kind"], str(item["detections"]),
                        _fmt_t(item["first_t_s"]))
    console.print(sensors)

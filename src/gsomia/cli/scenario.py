"""``gsomia scenario list|show|from-record`` and ``gsomia observe``."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape as esc
from rich.table import Table

from gsomia.cli._app import app, console, err_console, fail, guarded, print_json
from gsomia.datafile import check_output_path, write_text_atomic
from gsomia.records import LaunchRecord, load_records, salvos
from gsomia.sim.observe import observe as run_observe
from gsomia.sim.observe import summarise, write_detections_csv
from gsomia.sim.scenario import (
    MAX_DURATION_S,
    MAX_LAUNCHES,
    MAX_SALVO_COUNT,
    Scenario,
    load_scenario,
    packaged_scenario_names,
    scenario_from_records,
)
from gsomia.warning.sensors import InfraredLaunchSensor
from gsomia.warning.sensors.maritime import PatrolAircraft

__all__ = ["local_date_hint", "scenario_app"]

_SCENARIO_HELP = f"""Scenarios: packaged, shown, or built from the public record.

A scenario is a TOML file (full schema with an example: `docs/scenarios.md`; as JSON
Schema: `gsomia schema scenario`; packaged ones in `gsomia/data/scenarios/`). Degrees,
kilometres and seconds; times after the epoch.

- **top level**: `epoch` (offset date-time, e.g. 2017-03-05T22:34:00Z), `seed` (an
  integer, 0 or more), `parties` (distinct parties of the agreement catalogue: JPN, KOR,
  USA); optional `name`, `title`, `sources`, `duration_s` (0 to {MAX_DURATION_S:g} s, 0
  excluded).
- **sensors** (optional; none = every catalogue sensor of the parties in service on the
  epoch's date): `site` (an id of `gsomia/data/sensors.toml`, any key overridable) or an
  inline `kind`, `id`, `owner`, `lat_deg`, `lon_deg`, `max_range_km`, ...
- **launches** (at least one): `id`; `site` (a facility) or `lat_deg` (-90 to 90) and
  `lon_deg` (-180 to 360); `t_s`; `bearing_deg` (0 to 360, 360 excluded); `range_km` (10 to
  15000); `apogee_km` (1 to 10000); `missile` and/or `propulsion` (an unknown missile name
  needs a propulsion; the two must agree); `salvo = {{ count, spacing_s }}` (count 1 to
  {MAX_SALVO_COUNT}; at most {MAX_LAUNCHES} launches in all).
- **agreements**: `name` (an agreement of the catalogue), `route` (direct, tisa_hub,
  auto_hub).
- **links**: `from`, `to` (two different parties), `delay_s`.
- **launches[].failure**, **submarines** (tracks, mast windows) and **maritime** (patrol
  aircraft and submarines on station): keys and domains in `docs/scenarios.md`.

Every error names the file, the key and the value, and exits with code 2.
"""

scenario_app = typer.Typer(name="scenario", help=_SCENARIO_HELP, no_args_is_help=True)
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
        "failures": [{"launch": x.id, **dataclasses.asdict(x.failure)}
                     for x in s.launches if x.failure is not None],
        "submarines": [{"id": b.id, "launch": b.launch, "source": b.source,
                        "track": [{"t_s": t, "lat_deg": lat, "lon_deg": lon}
                                  for t, lat, lon in b.waypoints],
                        "mast_up": [{"from_s": lo, "to_s": hi} for lo, hi in b.mast_up]}
                       for b in s.submarines],
        "maritime": [{"id": m.id, "party": m.owner,
                      "kind": "patrol_aircraft" if isinstance(m, PatrolAircraft)
                      else "submarine", "lat_deg": m.lat_deg, "lon_deg": m.lon_deg,
                      "on_station_from_s": m.on_station_from_s,
                      "on_station_to_s": m.on_station_to_s, "interval_s": m.interval_s}
                     for m in s.maritime],
    }


def _salvo_rows(s: Scenario, rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The launches' rows grouped by the ``[[launches]]`` entry they came from (a salvo is
    one group), in file order."""
    groups: list[list[dict[str, Any]]] = []
    last = None
    for spec, row in zip(s.launches, rows, strict=True):
        if groups and spec.where and spec.where == last:
            groups[-1].append(row)
        else:
            groups.append([row])
        last = spec.where
    return groups


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
        table.add_row(esc(r["name"]), r["epoch"], str(r["launches"]), str(r["sensors"]),
                      esc(r["title"]))
    console.print(table)


@scenario_app.command("show")
@guarded
def show(scenario: ScenarioArg, as_json: JsonOption = False) -> None:
    """Show a scenario: parties, sensors, launches (and their failures), agreements, links,
    submarines and maritime sources."""
    s = load_scenario(scenario)
    data = _scenario_json(s)
    if as_json:
        print_json(data)
        return
    console.print(f"[bold]{esc(s.title)}[/]  ({esc(s.name)}; {esc(s.file)})")
    console.print(f"epoch {data['epoch']}  seed {s.seed}  parties {', '.join(s.parties)}")
    launches = Table("id", esc("t [s]"), "site", "lat", "lon", "bearing°", "range km", "apogee km",
                     "missile / propulsion", title="launches (a salvo on one row)")
    for group in _salvo_rows(s, data["launches"]):
        x, n = group[0], len(group)
        ident = x["id"] if n == 1 else f"{x['id']} … {group[-1]['id']} ({n})"
        when = (f"{x['t_s']:g}" if n == 1 else
                f"{x['t_s']:g} … {group[-1]['t_s']:g}")
        launches.add_row(esc(ident), when, esc(x["site"] or ""), f"{x['lat_deg']:.4f}",
                         f"{x['lon_deg']:.4f}", f"{x['bearing_deg']:g}", f"{x['range_km']:g}",
                         f"{x['apogee_km']:g}", esc(x["missile"] or x["propulsion"]))
    console.print(launches)
    sensors = Table("id", "party", "kind", "range km", title="sensors")
    for x in data["sensors"]:
        rng = x.get("max_range_km")
        sensors.add_row(esc(x["id"]), x["party"], x["kind"], "" if rng is None else f"{rng:g}")
    console.print(sensors)
    for a in data["agreements"]:
        console.print(f"agreement {esc(a['name'])} via {a['route']}")
    for k in data["links"]:
        console.print(f"link {k['from']} → {k['to']}: {k['delay_s']:g} s")
    _print_extras(data)


def _print_extras(data: dict[str, Any]) -> None:
    """The failures, submarines and maritime sources of :func:`_scenario_json`."""
    for f in data["failures"]:
        when = (f"at {f['t_s']:g} s" if f["t_s"] is not None else
                f"in stage {f['stage'] or 'last'}"
                + (f" (fitted, dv {f['dv_m_s']:g} m/s)" if f["dv_m_s"] is not None else ""))
        console.print(f"failure {esc(f['launch'])}: {f['kind']} {when}, {f['pieces']} "
                      "piece(s)", highlight=False)
    for b in data["submarines"]:
        path = " → ".join(f"{w['t_s']:g} s {w['lat_deg']:.4f} {w['lon_deg']:.4f}"
                          for w in b["track"])
        masts = ", ".join(f"{m['from_s']:g}–{m['to_s']:g} s" for m in b["mast_up"]) or "never"
        console.print(f"submarine {esc(b['id'])} (fires {esc(b['launch'] or '—')}): {path}; "
                      f"mast up {masts}", highlight=False)
    for m in data["maritime"]:
        console.print(f"maritime {esc(m['id'])} ({m['party']}, {m['kind']}) at "
                      f"{m['lat_deg']:.4f} {m['lon_deg']:.4f}, on station "
                      f"{m['on_station_from_s']:g}–{m['on_station_to_s']:g} s, a look every "
                      f"{m['interval_s']:g} s", highlight=False)


KOREA_UTC_OFFSET = dt.timedelta(hours=9)
"""Korea (and Japan) Standard Time, UTC+9, no daylight saving since 1988."""


def local_date_hint(day: dt.date, previous: list[LaunchRecord]) -> str:
    """When ``day`` has no UTC record but a record of the day before falls on ``day`` in
    Korea (UTC+9), the sentence that says so (else ``""``)."""
    for rec in previous:
        if rec.launched_at is not None and (rec.launched_at + KOREA_UTC_OFFSET).date() == day:
            return (f"no record on {day.isoformat()} UTC; "
                    f"{rec.launched_at.strftime('%Y-%m-%d %H:%M')} UTC is {day.isoformat()} "
                    f"in Korea (UTC+9): ask for {rec.date.isoformat()}")
    return ""


@scenario_app.command("from-record")
@guarded
def from_record(
    date: Annotated[str, typer.Argument(
        metavar="DATE", help="UTC date of the launches, YYYY-MM-DD (the record's date: "
        "6 March 2017 in Korea is 2017-03-05 UTC).")],
    records: Annotated[Path, typer.Option("--records", help="Directory holding the CNS "
                                          "database files (test.en.json …).")],
    out: Annotated[Path | None, typer.Option("--out", help="Write the scenario to this file "
                                             "(default: standard output); checked before "
                                             "any work, written atomically.")] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed (default: the date as "
                                             "YYYYMMDD).", min=0)] = None,
    default_apogee: Annotated[float | None, typer.Option(
        "--default-apogee", help="Apogee [km] assumed for records without one.")] = None,
) -> None:
    """Build a scenario from the public record of one date: one launch per record.

    The sensors are the catalogue sensors of JPN, KOR and USA in service on that date
    (`in_service` in `gsomia/data/sensors.toml`). Records without site, bearing, range or
    apogee, or outside the flight model (range 10 to 15000 km, apogee 1 to 10000 km), are
    left out and listed on standard error.
    """
    try:
        day = dt.date.fromisoformat(date)
    except ValueError:
        fail(f"DATE={date!r}: expected YYYY-MM-DD")
    if default_apogee is not None and not (math.isfinite(default_apogee) and default_apogee > 0):
        fail(f"--default-apogee={default_apogee!r}: must be > 0 km")
    if out is not None:
        check_output_path(out, "--out")
    previous_day = day - dt.timedelta(days=1)
    every = load_records(records)   # a failed missile's Δv: its family's flights
    groups = salvos([r for r in every if r.date >= previous_day])
    if day not in groups:
        hint = local_date_hint(day, groups.get(previous_day, []))
        if hint:
            fail(f"DATE={date!r}: {hint}")
        near = ", ".join([d.isoformat() for d in groups if d > day][:3])
        fail(f"DATE={date!r}: no record of that UTC date in {records}"
             + (f" (next: {near})" if near else ""))
    text, skipped = scenario_from_records(
        groups[day], seed=int(day.strftime("%Y%m%d")) if seed is None else seed,
        default_apogee_km=default_apogee, reference=every)
    for line in skipped:
        err_console.print(f"skipped {esc(line)}", highlight=False)
    with tempfile.TemporaryDirectory() as tmp:  # validate what we wrote, as a reader would
        check = Path(tmp) / f"record-{day.isoformat()}.toml"
        check.write_text(text, encoding="utf-8")
        scenario = load_scenario(check)
    if out is None:
        typer.echo(text, nl=False)
        return
    write_text_atomic(out, text, option="--out")
    err_console.print(f"wrote {esc(str(out))}: {len(scenario.launches)} launch(es), epoch "
                      f"{scenario.epoch.isoformat()}", highlight=False)


def _fmt_t(t: float | None) -> str:
    return "—" if t is None else f"{t:.1f}"


@app.command("observe")
@guarded
def observe_command(
    scenario: ScenarioArg,
    out: Annotated[Path | None, typer.Option("--out", help="Write every detection and launch "
                                             "report to this CSV file (columns: "
                                             "gsomia.sim.observe); checked before any work, "
                                             "written atomically.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Fly a scenario's launches and run its sensors over them.

    Prints per launch which party and sensor saw it first and when each party first saw it,
    and per sensor its true detections, its false alarms and the time of its first true
    detection (times in seconds after the scenario epoch).

    With `--json`: an object with `scenario`, `epoch`, `seed`; `launches`, each with `id`,
    `launch_t_s`, `impact_t_s`, `first_detection` (`party`, `sensor`, `t_s`, or null) and
    `first_detection_by_party` (party to `t_s`); and `sensors`, each with `id`, `party`,
    `kind` (radar or ir), `detections` (true detections), `false_alarms` and `first_t_s`
    (first true detection, or null).
    """
    if out is not None:
        check_output_path(out, "--out")
    obs = run_observe(load_scenario(scenario))
    summary = summarise(obs)
    if out is not None:
        rows = write_detections_csv(obs, out)
        err_console.print(f"wrote {esc(str(out))}: {rows} rows", highlight=False)
    if as_json:
        print_json(summary)
        return
    console.print(f"[bold]{esc(obs.scenario.title)}[/]  epoch {summary['epoch']}  seed "
                  f"{summary['seed']}  (times in s after the epoch)")
    parties = sorted(obs.scenario.parties)
    launches = Table("launch", "launch t", "impact t", "first seen by", "sensor", "at",
                     *[f"{p} first" for p in parties], title="who saw each launch first")
    for item in summary["launches"]:
        first = item["first_detection"] or {}
        launches.add_row(esc(item["id"]), _fmt_t(item["launch_t_s"]), _fmt_t(item["impact_t_s"]),
                         first.get("party", "nobody"), esc(first.get("sensor", "")),
                         _fmt_t(first.get("t_s")),
                         *[_fmt_t(item["first_detection_by_party"].get(p)) for p in parties])
    console.print(launches)
    sensors = Table("sensor", "party", "kind", "detections", "false alarms", "first t",
                    title="sensors (first t: first true detection)")
    for item in summary["sensors"]:
        sensors.add_row(esc(item["id"]), item["party"], item["kind"], str(item["detections"]),
                        str(item["false_alarms"]), _fmt_t(item["first_t_s"]))
    console.print(sensors)

"""``gsomia trajectory`` and ``gsomia validate flight-times``."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress
from rich.table import Table

from gsomia.cli._app import app, console, err_console, fail, guarded, print_json
from gsomia.errors import InputError
from gsomia.physics.ballistics import PROPULSION_CLASSES, fit_trajectory, propulsion_class_for
from gsomia.physics.fit_checks import check_reach
from gsomia.physics.validation import load_flight_times, summarise, validate

__all__ = ["trajectory", "validate_app", "validate_flight_times"]

validate_app = typer.Typer(help="Check the models against the public record.",
                           no_args_is_help=True)
app.add_typer(validate_app, name="validate")

BetaOption = Annotated[
    float | None,
    typer.Option("--beta", help="Ballistic coefficient m/(C_D·A) in kg/m² for re-entry drag "
                 "(at least 1); default: vacuum free flight."),
]


def _parse_site(text: str) -> tuple[float, float]:
    parts = text.split(",")
    if len(parts) != 2:
        fail(f"--site={text!r}: expected LAT,LON in degrees, e.g. 39.66,124.71")
    try:
        lat, lon = (float(p) for p in parts)
    except ValueError:
        fail(f"--site={text!r}: LAT and LON must be numbers")
    if not (math.isfinite(lat) and -90.0 <= lat <= 90.0):
        fail(f"--site={text!r}: latitude {lat} outside [-90, 90]")
    if not (math.isfinite(lon) and -180.0 <= lon <= 360.0):
        fail(f"--site={text!r}: longitude {lon} outside [-180, 360]")
    return lat, lon


def _check_between(name: str, value: float, lo: float, hi: float, unit: str) -> None:
    if not (math.isfinite(value) and lo <= value <= hi):
        fail(f"{name}={value!r}: must be between {lo:g} and {hi:g} {unit}")


def _check_missile(missile: str | None, propulsion: str) -> None:
    """Exit 2 for an unknown ``--propulsion``, or one that is not the class of a known
    ``--missile`` (as a scenario's ``launches[]`` refuses: ``gsomia.sim.scenario.load``);
    warn when ``--missile`` is no known family and the class is chosen from the range."""
    if propulsion != "auto" and propulsion not in PROPULSION_CLASSES:
        fail(f"--propulsion={propulsion!r}: unknown; known: auto, "
             f"{', '.join(PROPULSION_CLASSES)}")
    if missile is None:
        return
    try:
        family = propulsion_class_for(missile)
    except InputError:
        if propulsion == "auto":
            err_console.print(f"warning: --missile={missile!r} is not a known family; the "
                              "propulsion class is chosen from the range", highlight=False)
        return
    if propulsion not in ("auto", family):
        fail(f"--propulsion={propulsion!r}: conflicts with --missile={missile!r}, which is "
             f"{family}: drop one of the two or make them agree")


@app.command()
@guarded
def trajectory(
    site: Annotated[str, typer.Option(help="Launch site LAT,LON in degrees, e.g. 39.66,124.71")],
    bearing: Annotated[float, typer.Option(help="Direction of flight, degrees clockwise "
                                           "from north.")],
    range_km: Annotated[float, typer.Option("--range", help="Ground range in km.")],
    apogee_km: Annotated[float, typer.Option("--apogee", help="Apogee height in km.")],
    missile: Annotated[str | None, typer.Option(help="Missile name (chooses the propulsion "
                                                "class), e.g. ER-Scud, Hwasong-15.")] = None,
    propulsion: Annotated[str, typer.Option(
        help=f"Propulsion class: auto or one of {', '.join(PROPULSION_CLASSES)}.")] = "auto",
    beta: BetaOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Fit a flight to a launch site, bearing, ground range and apogee.

    Prints the modelled flight time, burnout and impact point.
    """
    lat, lon = _parse_site(site)
    if not (math.isfinite(bearing) and -360.0 <= bearing <= 360.0):
        fail(f"--bearing={bearing!r}: must be in [-360, 360] degrees")
    _check_between("--range", range_km, 10.0, 15_000.0, "km")
    _check_between("--apogee", apogee_km, 1.0, 10_000.0, "km")
    if beta is not None:
        _check_between("--beta", beta, 1.0, 1e9, "kg/m²")
    _check_missile(missile, propulsion)
    prop = propulsion if propulsion != "auto" else propulsion_class_for(missile, range_km * 1e3)
    check_reach(PROPULSION_CLASSES[prop], range_km * 1e3, apogee_km * 1e3, field="--range",
                value=range_km)
    traj = fit_trajectory(lat, lon, bearing % 360.0, range_km * 1e3, apogee_km * 1e3,
                          propulsion=propulsion, missile=missile,
                          ballistic_coefficient_kg_m2=beta)
    speed_bo = float((traj.velocity_at(traj.burnout_s) ** 2).sum() ** 0.5)
    out = {
        "launch_lat": lat, "launch_lon": lon, "bearing_deg": bearing % 360.0,
        "propulsion": traj.propulsion,
        "flight_time_s": round(traj.flight_time_s, 2),
        "burnout_s": traj.burnout_s,
        "burnout_speed_m_s": round(speed_bo, 1),
        "range_km": round(traj.range_m / 1e3, 3),
        "apogee_km": round(traj.apogee_m / 1e3, 3),
        "apogee_s": round(traj.apogee_s, 2),
        "impact_lat": round(traj.impact_lat_deg, 5),
        "impact_lon": round(traj.impact_lon_deg, 5),
        "drag_beta_kg_m2": beta,
    }
    if as_json:
        print_json(out)
        return
    console.print(f"[bold]{traj.propulsion}[/] flight from {lat:.3f}, {lon:.3f} "
                  f"bearing {bearing % 360.0:.1f}°")
    console.print(f"  flight time  {traj.flight_time_s:8.1f} s  ({traj.flight_time_s / 60:.1f} "
                  "min)")
    console.print(f"  burnout      {traj.burnout_s:8.1f} s  at {speed_bo / 1e3:.2f} km/s")
    console.print(f"  apogee       {traj.apogee_m / 1e3:8.1f} km at {traj.apogee_s:.0f} s")
    console.print(f"  range        {traj.range_m / 1e3:8.1f} km")
    console.print(f"  impact       {traj.impact_lat_deg:.4f}, {traj.impact_lon_deg:.4f}")


@validate_app.command("flight-times")
@guarded
def validate_flight_times(
    file: Annotated[Path, typer.Argument(help="CSV shaped like shared/data/flight-times.csv")],
    beta: BetaOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    """Per launch, reported against modelled flight time.

    The fit uses only site, bearing, range and apogee; the reported flight time is the check.
    Where Japan published an impact point for the date (src/gsomia/data/maritime/
    japan_mod_judgments.toml), the distance of the fitted impact from it is given too.
    Exit code 1 when a launch cannot be fitted, 2 on a malformed file.
    """
    if beta is not None:
        _check_between("--beta", beta, 1.0, 1e9, "kg/m²")
    flights = load_flight_times(file)
    with Progress(console=console, transient=True, disable=as_json) as bar:
        task = bar.add_task("fitting flights", total=len(flights))
        checks = validate(flights, beta, progress=lambda _f: bar.advance(task))
    rows = [{
        "date": c.flight.date.isoformat(), "missile": c.flight.missile,
        "propulsion": c.trajectory.propulsion if c.trajectory else None,
        "range_km": c.flight.range_km, "apogee_km": c.flight.apogee_km,
        "reported_s": c.flight.flight_time_s,
        "modelled_s": None if c.modelled_s is None else round(c.modelled_s, 1),
        "error_pct": None if c.error_pct is None else round(c.error_pct, 2),
        "fit_error": c.error,
        "impact_error_km": None if c.impact_error_km is None else round(c.impact_error_km, 1),
        "impact_reported": None if c.impact is None else
        f"{c.impact.distance_km:g} km at {c.impact.bearing_deg:g} deg from {c.impact.reference}",
    } for c in checks]
    summary = summarise(checks)
    if as_json:
        print_json(rows)
    else:
        _print_flight_table(file, rows, summary)
    if summary["fitted"] < summary["launches"]:
        raise typer.Exit(1)


def _print_flight_table(file: Path, rows: list[dict], summary: dict) -> None:
    table = Table(title=f"Flight times: {file}")
    for col in ("date", "missile", "class", "range km", "apogee km", "reported s",
                "modelled s", "error %", "impact err km"):
        table.add_column(col, justify="right" if col[0].isdigit() or " " in col else "left")
    for r in rows:
        err = "fit failed" if r["error_pct"] is None else f"{r['error_pct']:+.1f}"
        table.add_row(r["date"], r["missile"], r["propulsion"] or "-", f"{r['range_km']:g}",
                      f"{r['apogee_km']:g}", f"{r['reported_s']:g}",
                      "-" if r["modelled_s"] is None else f"{r['modelled_s']:.0f}", err,
                      "-" if r["impact_error_km"] is None else f"{r['impact_error_km']:.0f}")
    console.print(table)
    med = summary["median_abs_error_pct"]
    console.print(f"{summary['fitted']}/{summary['launches']} fitted; "
                  f"{summary['within_10pct']} within 10 %; median |error| "
                  f"{'-' if med is None else f'{med:.1f}'} %; max |error| "
                  f"{'-' if med is None else format(summary['max_abs_error_pct'], '.1f')} %")
    if summary["impact_points_known"]:
        console.print(f"impact point reported for {summary['impact_points_known']}: median "
                      f"distance of the fitted impact {summary['median_impact_error_km']:.0f} km")
    for r in rows:
        if r["fit_error"]:
            console.print(f"[red]{r['date']}: {r['fit_error']}[/]")

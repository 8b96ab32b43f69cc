"""``gsomia records …``: the public launch records (CNS database), read from a user's directory."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from gsomia.cli._app import app, console, err_console, fail, guarded, print_json
from gsomia.records import LaunchRecord, load_missiles, load_records

__all__ = ["parse_since", "record_to_json", "records_app"]

records_app = typer.Typer(
    name="records",
    help="Public launch records (CNS North Korea Missile Test Database).",
    no_args_is_help=True,
)
app.add_typer(records_app, name="records")

_TABLE_WIDTH = 112
_SINCE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def parse_since(text: str) -> dt.date:
    """Read ``--since``: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` → the first day it names.

    Exits with code 2 and a message naming the value when it is not such a date.
    """
    match = _SINCE_RE.match(text.strip())
    if match is None:
        fail(f"--since={text!r}: expected YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = match.groups()
    try:
        return dt.date(int(year), int(month or 1), int(day or 1))
    except ValueError as exc:
        fail(f"--since={text!r}: {exc}")


def record_to_json(record: LaunchRecord) -> dict[str, Any]:
    """One record as a JSON object; unknown values are ``null``, units in the key names."""
    return {
        "date": record.date.isoformat(),
        "date_precision": record.date_precision,
        "time_utc": record.time_utc.strftime("%H:%M") if record.time_utc else None,
        "launched_at": record.launched_at.isoformat() if record.launched_at else None,
        "missile": record.missile,
        "missile_name": record.missile_name,
        "missile_type": record.missile_type,
        "facility": record.facility,
        "facility_name": record.facility_name,
        "site_lat": record.site_lat_deg,
        "site_lon": record.site_lon_deg,
        "bearing_deg": record.bearing_deg,
        "range_km": record.range_km,
        "apogee_km": record.apogee_km,
        "salvo_index": record.salvo_index,
        "outcome": record.outcome,
        "landing": record.landing,
        "entry": record.entry,
        "description": record.description,
    }


def _fmt(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _table(records: list[LaunchRecord]) -> Table:
    table = Table(
        title="CNS North Korea Missile Test Database (UTC)",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    for name in ("date", "time", "missile", "facility", "lat,lon °"):
        table.add_column(name, no_wrap=True)
    for name in ("brg °", "range km", "apogee km", "salvo"):
        table.add_column(name, justify="right", no_wrap=True)
    table.add_column("outcome", no_wrap=True)
    for r in records:
        site = (
            "—"
            if r.site_lat_deg is None or r.site_lon_deg is None
            else f"{r.site_lat_deg:.2f},{r.site_lon_deg:.2f}"
        )
        table.add_row(
            r.date.isoformat() if r.date_precision == "day" else r.date.strftime("%Y-%m"),
            r.time_utc.strftime("%H:%M") if r.time_utc else "—",
            r.missile,
            r.facility,
            site,
            _fmt(r.bearing_deg),
            _fmt(r.range_km),
            _fmt(r.apogee_km),
            "—" if r.salvo_index is None else str(r.salvo_index),
            r.outcome,
        )
    return table


@records_app.command("list")
@guarded
def list_records(
    records: Annotated[
        Path,
        typer.Option(
            "--records",
            help="Directory holding test.en.json, facility.en.json and missile.en.json.",
        ),
    ],
    since: Annotated[
        str | None,
        typer.Option(help="Only launches on or after this UTC date: YYYY, YYYY-MM or YYYY-MM-DD."),
    ] = None,
    missile: Annotated[
        str | None, typer.Option(help="Only this missile key (e.g. hwasong-15).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    """List the launch records (one per missile), with the count."""
    if not records.is_dir():
        fail(f"--records={str(records)!r}: not a directory")
    since_date = parse_since(since) if since is not None else None
    rows = load_records(records, since=since_date)
    if missile is not None:
        known = load_missiles(records)
        if missile not in known:
            fail(f"--missile={missile!r}: not a missile key (known: {', '.join(sorted(known))})")
        rows = [r for r in rows if r.missile == missile]
    if as_json:
        print_json([record_to_json(r) for r in rows])
        err_console.print(f"{len(rows)} records")  # stderr: standard output stays pure JSON
        return
    # A row is ~110 characters wide: print it whole rather than squeeze values into ellipses
    # (a pipe or a narrow terminal is 80 columns wide; the terminal wraps instead).
    wide = Console(width=max(console.width, _TABLE_WIDTH))
    wide.print(_table(rows))
    console.print(f"{len(rows)} records")

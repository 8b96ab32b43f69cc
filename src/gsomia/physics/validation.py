"""Checking the flight model against launches with publicly reported flight times.

The file format is that of ``shared/data/flight-times.csv``: comment lines start with ``#``;
columns ``date, missile, launch_lat, launch_lon, bearing_deg, range_km, apogee_km,
flight_time_s, flight_time_source, notes``. Range, apogee, site and bearing go into the fit;
the reported flight time is only compared with the model's, never used by it.
"""

from __future__ import annotations

import csv
import io
import math
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from gsomia.errors import GsomiaError, InputError, RecordError
from gsomia.physics.ballistics import fit_trajectory
from gsomia.physics.trajectory import Trajectory

__all__ = ["FlightTimeCheck", "ReportedFlight", "load_flight_times", "summarise", "validate"]

_REQUIRED = ("date", "missile", "launch_lat", "launch_lon", "bearing_deg", "range_km",
             "apogee_km", "flight_time_s")


@dataclass(frozen=True)
class ReportedFlight:
    """A launch with its reported figures (km and degrees as in the file)."""

    date: date
    missile: str
    launch_lat_deg: float
    launch_lon_deg: float
    bearing_deg: float
    range_km: float
    apogee_km: float
    flight_time_s: float
    source: str = ""
    notes: str = ""


@dataclass(frozen=True)
class FlightTimeCheck:
    """Reported against modelled flight time for one launch.

    ``modelled_s`` and ``error_pct`` are ``None`` where the fit failed (``error`` says why).
    """

    flight: ReportedFlight
    modelled_s: float | None
    trajectory: Trajectory | None
    error: str | None = None

    @property
    def error_pct(self) -> float | None:
        if self.modelled_s is None:
            return None
        return 100.0 * (self.modelled_s - self.flight.flight_time_s) / self.flight.flight_time_s


def load_flight_times(path: str | Path) -> list[ReportedFlight]:
    """Read a flight-times CSV file (UTF-8, with or without a byte-order mark).

    Header names are matched without regard to case or surrounding spaces; every row must
    have as many fields as the header.

    Raises:
        InputError: the file is missing, unreadable, not text, or lacks a required column.
        RecordError: a row is malformed or a value is out of its domain (names the row, the
            column as in the file, and the value).
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError("file", str(p), f"not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise InputError("file", str(p), f"cannot be read ({exc.strerror})") from None
    body = "\n".join(line for line in text.splitlines()
                     if line.strip() and not line.lstrip().startswith("#"))
    rows = list(csv.reader(io.StringIO(body)))
    if not rows:
        raise InputError("file", str(p), "holds no header and no rows")
    header = [h.strip().lower() for h in rows[0]]
    missing = [c for c in _REQUIRED if c not in header]
    if missing:
        raise InputError("file", str(p), f"missing column(s): {', '.join(missing)}")
    flights = []
    for n, fields in enumerate(rows[1:], 1):
        rec = f"{p.name} row {n}"
        if len(fields) != len(header):
            raise RecordError(rec, "fields", len(fields),
                              f"expected {len(header)} fields as in the header "
                              "(a decimal comma or a stray separator?)")
        row = {h: v.strip() for h, v in zip(header, fields, strict=True)}
        rec = f"{rec} ({row['date']})"
        flights.append(ReportedFlight(
            date=_date(rec, row["date"]), missile=row["missile"],
            launch_lat_deg=_num(rec, row, "launch_lat", -90.0, 90.0),
            launch_lon_deg=_num(rec, row, "launch_lon", -180.0, 360.0),
            bearing_deg=_num(rec, row, "bearing_deg", -360.0, 360.0),
            range_km=_num(rec, row, "range_km", 10.0, 15_000.0),
            apogee_km=_num(rec, row, "apogee_km", 1.0, 10_000.0),
            flight_time_s=_num(rec, row, "flight_time_s", 1.0, 20_000.0),
            source=row.get("flight_time_source", ""), notes=row.get("notes", ""),
        ))
    return flights


def _date(rec: str, raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise RecordError(rec, "date", raw, "expected YYYY-MM-DD") from None


def _num(rec: str, row: dict[str, str], field: str, lo: float, hi: float) -> float:
    raw = row[field]
    try:
        value = float(raw)
    except ValueError:
        raise RecordError(rec, field, raw, "not a number") from None
    if not (math.isfinite(value) and lo <= value <= hi):
        raise RecordError(rec, field, raw, f"must be between {lo:g} and {hi:g}")
    return value


def validate(flights: Iterable[ReportedFlight],
             ballistic_coefficient_kg_m2: float | None = None,
             progress: Callable[[ReportedFlight], None] | None = None) -> list[FlightTimeCheck]:
    """Fit each flight to its site, bearing, range and apogee, and compare flight times.

    The propulsion class comes from the missile's name (:func:`propulsion_class_for`).
    A flight that cannot be fitted is kept with its error rather than stopping the run.
    """
    checks = []
    for f in flights:
        try:
            traj = fit_trajectory(f.launch_lat_deg, f.launch_lon_deg, f.bearing_deg,
                                  f.range_km * 1e3, f.apogee_km * 1e3, missile=f.missile,
                                  ballistic_coefficient_kg_m2=ballistic_coefficient_kg_m2)
            checks.append(FlightTimeCheck(f, traj.flight_time_s, traj))
        except GsomiaError as exc:
            checks.append(FlightTimeCheck(f, None, None, str(exc)))
        if progress is not None:
            progress(f)
    return checks


def summarise(checks: list[FlightTimeCheck]) -> dict:
    """Counts and the median / largest absolute percentage error of the fitted flights."""
    errs = [abs(c.error_pct) for c in checks if c.error_pct is not None]
    return {
        "launches": len(checks),
        "fitted": len(errs),
        "median_abs_error_pct": statistics.median(errs) if errs else None,
        "max_abs_error_pct": max(errs) if errs else None,
        "within_10pct": sum(e <= 10.0 for e in errs),
    }

"""Checking the flight model against launches with publicly reported flight times.

The file format is that of ``shared/data/flight-times.csv``: comment lines start with ``#``;
columns ``date, missile, launch_lat, launch_lon, bearing_deg, range_km, apogee_km,
flight_time_s, flight_time_source, notes``. Range, apogee, site and bearing go into the fit;
the reported flight time is only compared with the model's, never used by it.

Reported impact points (Japan's published "about D km <direction> of <place>", with the
judgment inside/outside Japan's EEZ) are in ``src/gsomia/data/maritime/
japan_mod_judgments.toml`` (:func:`load_reported_impacts`); where a flight's date has one,
:func:`validate` also gives the distance from the fitted impact to the reported point.
"""

from __future__ import annotations

import csv
import importlib.resources
import io
import math
import statistics
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from gsomia.errors import GsomiaError, InputError, RecordError
from gsomia.physics.ballistics import fit_trajectory
from gsomia.physics.geodesy import geodesic_direct, geodesic_inverse
from gsomia.physics.trajectory import Trajectory

__all__ = ["REPORTED_IMPACTS_FILE", "FlightTimeCheck", "ReportedFlight", "ReportedImpact",
           "load_flight_times", "load_reported_impacts", "summarise", "validate"]

REPORTED_IMPACTS_FILE = "data/maritime/japan_mod_judgments.toml"
"""Packaged file of Japan's published impact judgments (relative to the ``gsomia`` package)."""

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
class ReportedImpact:
    """Japan's published judgment of where a launch (or salvo) fell.

    Attributes:
        date: launch date (local); scenario: the packaged scenario of that launch.
        in_japan_eez, of: how many of its ``of`` launches Japan said fell in its EEZ.
        reference, reference_lat_deg, reference_lon_deg: the place the distance is from.
        bearing_deg, distance_km: the reported direction [deg] and distance [km].
        sigma_km: uncertainty of the derived point [km]; source, url: where it was published.
    """

    date: date
    scenario: str
    in_japan_eez: int
    of: int
    reference: str
    reference_lat_deg: float
    reference_lon_deg: float
    bearing_deg: float
    distance_km: float
    sigma_km: float
    source: str
    url: str

    @property
    def point_deg(self) -> tuple[float, float]:
        """The reported impact point ``(lat, lon)`` [deg]: ``distance_km`` along the WGS-84
        geodesic of azimuth ``bearing_deg`` from the reference place (Vincenty direct)."""
        lat, lon = geodesic_direct(self.reference_lat_deg, self.reference_lon_deg,
                                   self.distance_km * 1e3, self.bearing_deg)
        return float(lat), float(lon)


def load_reported_impacts(path: str | Path | None = None) -> list[ReportedImpact]:
    """Read the published impact judgments (``[[launch]]`` tables; module notes).

    Args:
        path: a TOML file; ``None`` for the packaged :data:`REPORTED_IMPACTS_FILE`.

    Raises:
        InputError: the file cannot be read or parsed.
        RecordError: an entry lacks a field or has a value out of its domain (names the
            entry and the field).
    """
    try:
        text = (importlib.resources.files("gsomia") / REPORTED_IMPACTS_FILE).read_text(
            "utf-8") if path is None else Path(path).read_text("utf-8")
        rows = tomllib.loads(text).get("launch", [])
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError("file", str(path or REPORTED_IMPACTS_FILE), str(exc)) from None
    out = []
    for n, row in enumerate(rows):
        rec = f"launch[{n}]"
        try:
            out.append(ReportedImpact(
                _date(rec, str(row["date"])), str(row["scenario"]), int(row["in_japan_eez"]),
                int(row["of"]), str(row["reference"]),
                *(_num(rec, {k: str(row[k])}, k, lo, hi) for k, lo, hi in (
                    ("reference_lat_deg", -90.0, 90.0), ("reference_lon_deg", -180.0, 360.0),
                    ("bearing_deg", 0.0, 360.0), ("distance_km", 0.0, 20_000.0),
                    ("sigma_km", 0.001, 5_000.0))),
                str(row["source"]), str(row.get("url", ""))))
        except KeyError as exc:
            raise RecordError(rec, str(exc.args[0]), None, "missing") from None
        if not 0 <= out[-1].in_japan_eez <= out[-1].of:
            raise RecordError(rec, "in_japan_eez", out[-1].in_japan_eez, "must be in [0, of]")
    return out


@dataclass(frozen=True)
class FlightTimeCheck:
    """Reported against modelled flight time for one launch.

    ``modelled_s`` and ``error_pct`` are ``None`` where the fit failed (``error`` says why).
    """

    flight: ReportedFlight
    modelled_s: float | None
    trajectory: Trajectory | None
    error: str | None = None
    impact: ReportedImpact | None = None

    @property
    def impact_error_km(self) -> float | None:
        """Distance [km] from the fitted impact to the reported point (WGS-84 geodesic),
        where a reported point is known for this date and the fit succeeded."""
        if self.impact is None or self.trajectory is None:
            return None
        d, _ = geodesic_inverse(self.trajectory.impact_lat_deg,
                                self.trajectory.impact_lon_deg, *self.impact.point_deg)
        return float(d) / 1e3

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
    """Fit each flight to its site, bearing, range and apogee, and compare flight times
    (and, where Japan published a point for that date, the impact point:
    :attr:`FlightTimeCheck.impact_error_km`; the fit does not use it).

    The propulsion class comes from the missile's name (:func:`propulsion_class_for`).
    A flight that cannot be fitted is kept with its error rather than stopping the run.
    """
    checks = []
    impacts = {r.date: r for r in load_reported_impacts()}
    for f in flights:
        known = impacts.get(f.date)
        try:
            traj = fit_trajectory(f.launch_lat_deg, f.launch_lon_deg, f.bearing_deg,
                                  f.range_km * 1e3, f.apogee_km * 1e3, missile=f.missile,
                                  ballistic_coefficient_kg_m2=ballistic_coefficient_kg_m2)
            checks.append(FlightTimeCheck(f, traj.flight_time_s, traj, impact=known))
        except GsomiaError as exc:
            checks.append(FlightTimeCheck(f, None, None, str(exc), impact=known))
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
        "impact_points_known": sum(c.impact_error_km is not None for c in checks),
        "median_impact_error_km": statistics.median(
            [c.impact_error_km for c in checks if c.impact_error_km is not None])
        if any(c.impact_error_km is not None for c in checks) else None,
    }

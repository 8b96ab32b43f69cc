"""Public launch records: the CNS North Korea Missile Test Database, read into typed records.

Source: the James Martin Center for Nonproliferation Studies (CNS) North Korea Missile Test
Database, compiled for the Nuclear Threat Initiative, as carried (unchanged, Apache-2.0) by
the visualisation project ``nagix/nk-missile-tests`` (commit ``a0cc658``). The project never
copies the files: the user gives the directory that holds them, and :func:`load_records`,
:func:`load_facilities` and :func:`load_missiles` read it at run time.

Three files are expected in that directory:

``test.en.json``
    ``{"timeBins": [{"year": ..., "data": [record, ...]}, ...]}``, one record per missile.
``facility.en.json``
    ``{"facilities": {key: {"name", "lat", "lon"}}}``, launch sites (degrees, WGS-84).
``missile.en.json``
    ``{key: {"name", "type", ["maneuver"]}}``, missile types.

How the known quirks of the database (its README) are handled:

- **Numbers as strings** (``"7687"``, ``"600"``): parsed by :func:`parse_number`;
  ``"unknown"``, ``"na"`` and ``""`` mean *not known* and become ``None``.
- **Bearing placeholder**: the database writes ``90`` where the bearing is unknown. A bearing
  of 90 cannot be told apart from a true eastward flight by its value alone, so we use the
  record's other figures: **a bearing of 90 whose ground range is unknown is the placeholder**
  (no flight path is known, so no direction can be; 77 records) and becomes ``None``. A bearing
  of 90 with a known range (9 records, all eastward flights landing in the Sea of Japan or of
  unknown landing) is kept as reported.
- **2017-07-04**: the database gives 12:40 UTC; the launch (Hwasong-14 from Panghyon) was at
  09:40 KST = 00:40 UTC, as the database's README says. The loader corrects it to 00:40.
- **"pyongyang" and "unknown" share one position** (Pyongyang International Airport): the
  facility file is read as it is, but a record whose facility is ``"unknown"`` gets no site
  position (``site_lat_deg = site_lon_deg = None``) rather than the airport's.
- **Month-only dates** (``"1984-09"``, 8 early records): the day becomes the 1st and
  :attr:`LaunchRecord.date_precision` is ``"month"``.

Other things a user should know: the ``date`` is the **UTC** date of the launch (for instance
the ER Scud salvo of 6 March 2017, 07:34 KST, is dated 2017-03-05, 22:34 UTC); ``series``
(our ``salvo_index``) counts missiles within a salvo and is sometimes absent, and on some dates
(2006-07-05, 2009-07-05) it restarts for each missile type, so it is not unique within a date;
the ``glide`` segments of four hypersonic-glide records are not read.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from gsomia.errors import InputError, RecordError

__all__ = [
    "BEARING_PLACEHOLDER_DEG",
    "FACILITY_FILE",
    "MISSILE_FILE",
    "RECORDS_FILE",
    "Facility",
    "LaunchRecord",
    "Missile",
    "load_facilities",
    "load_missiles",
    "load_records",
    "parse_number",
    "salvos",
]

RECORDS_FILE = "test.en.json"
FACILITY_FILE = "facility.en.json"
MISSILE_FILE = "missile.en.json"

#: The value the database writes for an unknown bearing (README, "bearing").
BEARING_PLACEHOLDER_DEG = 90.0

#: Text the database writes for a number that is not known.
_UNKNOWN_TOKENS = frozenset({"unknown", "na", ""})

#: The facility key whose position is a copy of Pyongyang's (README, "Known quirks").
_UNKNOWN_FACILITY = "unknown"

#: Corrections of known wrong times, keyed by (date, time as written), each with its reason;
#: keyed on the wrong text too, so that a corrected upstream file is read as it is.
#: 2017-07-04: the database has "12:40 (UTC)"; its README says "2017-07-04 time is wrong
#: (real launch 00:40 UTC)" (the Hwasong-14 launch from Panghyon, 09:40 KST).
_TIME_CORRECTIONS: dict[tuple[str, str], dt.time] = {
    ("2017-07-04", "12:40 (UTC)"): dt.time(0, 40),
}

_TIME_RE = re.compile(r"^(\d{2}):(\d{2}) \(UTC\)$")
_DATE_RE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")

Outcome = Literal["success", "failure", "unknown"]
_OUTCOMES: frozenset[str] = frozenset({"success", "failure", "unknown"})


@dataclass(frozen=True, slots=True)
class Facility:
    """A launch site of the database.

    Attributes:
        key: the database's key (e.g. ``"sohae"``).
        name: its name (e.g. ``"Sohae Satellite Launching Station"``).
        lat_deg: geodetic latitude [deg], in [-90, 90].
        lon_deg: longitude [deg], in [-180, 180].
    """

    key: str
    name: str
    lat_deg: float
    lon_deg: float

    def __post_init__(self) -> None:
        _check_range(f"facility {self.key!r}", "lat", self.lat_deg, -90.0, 90.0)
        _check_range(f"facility {self.key!r}", "lon", self.lon_deg, -180.0, 180.0)


@dataclass(frozen=True, slots=True)
class Missile:
    """A missile type of the database.

    Attributes:
        key: the database's key (e.g. ``"hwasong-15"``).
        name: its name (e.g. ``"Hwasong-15"``).
        type: its class as the database gives it (``"ICBM"``, ``"SRBM"``, ``"SLV"``, …).
        maneuver: ``"pullup"`` or ``"glide"`` where the database says so, else ``None``.
    """

    key: str
    name: str
    type: str
    maneuver: str | None = None


@dataclass(frozen=True, slots=True)
class LaunchRecord:
    """One missile of one launch, as the CNS database records it (one row of ``test.en.json``).

    Attributes:
        date: UTC date of the launch; the 1st of the month when only the month is known.
        date_precision: ``"day"``, or ``"month"`` for the early records dated ``YYYY-MM``.
        time_utc: UTC time of day (naive :class:`datetime.time`), ``None`` if unknown.
        launched_at: the launch instant, timezone-aware UTC; ``None`` unless both the day and
            the time are known.
        missile: missile key (e.g. ``"hwasong-15"``); missile_name, missile_type from
            ``missile.en.json`` (``"Hwasong-15"``, ``"ICBM"``).
        facility: facility key (e.g. ``"sohae"``); facility_name from ``facility.en.json``.
        site_lat_deg, site_lon_deg: launch-site geodetic latitude and longitude [deg];
            ``None`` for the ``"unknown"`` facility (see the module notes).
        bearing_deg: initial bearing, clockwise from true north [deg]; ``None`` where the
            database has its placeholder 90 and no range (see the module notes).
        range_km: ground range flown [km]; ``None`` if unknown or not applicable.
        apogee_km: apogee altitude [km]; ``None`` if unknown or not applicable.
        salvo_index: the database's ``series``, position of this missile in its salvo
            (1-based); ``None`` where absent.
        outcome: ``"success"``, ``"failure"`` or ``"unknown"``.
        landing: where it came down (``"sea-of-japan"``, ``"pacific-ocean"``, ``"na"``, …);
            the database derives it from site, bearing and range.
        description: the database's free-text account.
        entry: 0-based position of the row in ``test.en.json`` (identifies the row when a
            date has several rows with the same or no ``series``).
    """

    date: dt.date
    date_precision: Literal["day", "month"]
    time_utc: dt.time | None
    launched_at: dt.datetime | None
    missile: str
    missile_name: str
    missile_type: str
    facility: str
    facility_name: str
    site_lat_deg: float | None
    site_lon_deg: float | None
    bearing_deg: float | None
    range_km: float | None
    apogee_km: float | None
    salvo_index: int | None
    outcome: Outcome
    landing: str
    description: str = dataclasses.field(repr=False)
    entry: int

    @property
    def record_id(self) -> str:
        """A short identifier: date, series and row, e.g. ``"2017-03-05 series 2 (entry 212)"``."""
        return _record_id(self.date.isoformat(), self.salvo_index, self.entry)


def parse_number(value: Any, *, record: str, field: str) -> float | None:
    """Read a number of the database, which may be written as a number or as a string.

    Parameters:
        value: an ``int`` or ``float``, or a string of one (``"7687"``, ``" 1.5 "``); or one of
            ``"unknown"``, ``"na"``, ``""`` (any case) for a number that is not known.
        record: identifier of the record, for the error message.
        field: name of the field, for the error message.

    Returns:
        the value as a float, or ``None`` when it is not known.

    Raises:
        RecordError: for anything else: booleans, ``None``, non-numeric text (``"abc"``),
            non-finite values (``nan``, ``inf``), other types.
    """
    if value is None:
        raise RecordError(record, field, value, "missing")
    if isinstance(value, bool):
        raise RecordError(record, field, value, "expected a number, got a boolean")
    if isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:  # an int beyond the float range
            raise RecordError(record, field, value, "expected a finite number") from None
    elif isinstance(value, str):
        text = value.strip()
        if text.lower() in _UNKNOWN_TOKENS:
            return None
        try:
            number = float(text)
        except ValueError:
            raise RecordError(record, field, value, "expected a number or 'unknown'/'na'") from None
    else:
        raise RecordError(
            record, field, value, f"expected a number or a string, got {type(value).__name__}"
        )
    if not math.isfinite(number):
        raise RecordError(record, field, value, "expected a finite number")
    return number


def load_facilities(directory: str | Path) -> dict[str, Facility]:
    """Read the launch sites, ``<directory>/facility.en.json``.

    Returns:
        facility key → :class:`Facility` (degrees).

    Raises:
        InputError: the file is missing, is not JSON or lacks ``"facilities"``.
        RecordError: a facility lacks a name or has a latitude/longitude that is not a number
            or is out of range (the message names the facility key).
    """
    path = Path(directory) / FACILITY_FILE
    raw = _read_json(path)
    table = raw.get("facilities") if isinstance(raw, dict) else None
    if not isinstance(table, dict):
        raise InputError("file", str(path), "expected a JSON object with 'facilities'")
    return {
        key: Facility(
            key, _text(entry, "name", rid), _known(entry, "lat", rid), _known(entry, "lon", rid)
        )
        for key, rid, entry in _keyed_objects(table, "facility")
    }


def load_missiles(directory: str | Path) -> dict[str, Missile]:
    """Read the missile types, ``<directory>/missile.en.json``.

    Returns:
        missile key → :class:`Missile`.

    Raises:
        InputError: the file is missing, is not JSON or is not an object.
        RecordError: a missile lacks its name or type (the message names the missile key).
    """
    path = Path(directory) / MISSILE_FILE
    raw = _read_json(path)
    if not isinstance(raw, dict):
        raise InputError("file", str(path), "expected a JSON object of missiles")
    return {
        key: Missile(
            key,
            _text(entry, "name", rid),
            _text(entry, "type", rid),
            entry["maneuver"] if isinstance(entry.get("maneuver"), str) else None,
        )
        for key, rid, entry in _keyed_objects(raw, "missile")
    }


def load_records(directory: str | Path, since: dt.date | None = None) -> list[LaunchRecord]:
    """Read the launch records of the CNS database from ``directory``.

    Parameters:
        directory: the folder holding ``test.en.json``, ``facility.en.json`` and
            ``missile.en.json`` (e.g. ``../shared/data/cns``).
        since: keep only the records dated on or after this UTC date; earlier rows are
            skipped after their date is read (a malformed date still raises).

    Returns:
        the records in file order (chronological), one per missile; the known quirks are
        corrected as the module notes describe.

    Raises:
        InputError: a file is missing (the message names its path), is not JSON or does not
            have the documented shape.
        RecordError: a record is malformed: a missing field, an unparseable date, time or
            number, a negative range or apogee, a bearing outside [0, 360), an unknown
            missile or facility key, an unknown outcome. The error names the record
            (date, series and row), the field and the value.
    """
    directory = Path(directory)
    path = directory / RECORDS_FILE
    raw = _read_json(path)
    bins = raw.get("timeBins") if isinstance(raw, dict) else None
    if not isinstance(bins, list):
        raise InputError("file", str(path), "expected a JSON object with 'timeBins'")
    rows: list[Any] = []
    for i, time_bin in enumerate(bins):
        data = time_bin.get("data") if isinstance(time_bin, dict) else None
        if not isinstance(data, list):
            raise InputError(f"{path}: timeBins[{i}]", time_bin, "expected an object with 'data'")
        rows.extend(data)

    facilities = load_facilities(directory)
    missiles = load_missiles(directory)
    records: list[LaunchRecord] = []
    for entry, row in enumerate(rows):
        rid_no_date = f"entry {entry}"
        if not isinstance(row, dict):
            raise RecordError(rid_no_date, "record", row, "expected an object")
        day, precision = _parse_date(row, rid_no_date)
        if since is not None and day < since:
            continue
        records.append(_parse_record(row, entry, day, precision, facilities, missiles))
    return records


def salvos(records: Iterable[LaunchRecord]) -> dict[dt.date, list[LaunchRecord]]:
    """Group records by UTC date: every missile launched on one day, in the given order.

    A date may hold more than one salvo (different sites, missiles or hours; see the module
    notes); sort by ``launched_at`` or group further by ``facility`` if that matters.

    Returns:
        date → the records of that date (in the order given), dates in first-seen order.
    """
    groups: dict[dt.date, list[LaunchRecord]] = {}
    for record in records:
        groups.setdefault(record.date, []).append(record)
    return groups


# --- parsing helpers -------------------------------------------------------------------------


def _record_id(day: str, series: Any, entry: int) -> str:
    series_part = f" series {series}" if series is not None else ""
    return f"{day}{series_part} (entry {entry})"


def _read_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError("file", str(path), f"not UTF-8 text (byte {exc.start})") from None
    except FileNotFoundError:
        raise InputError("file", str(path), "not found") from None
    except OSError as exc:
        raise InputError("file", str(path), f"cannot be read: {exc.strerror}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            "file", str(path), f"not valid JSON (line {exc.lineno}: {exc.msg})"
        ) from None
    except RecursionError:
        raise InputError("file", str(path), "JSON nested too deeply") from None


def _keyed_objects(table: dict[str, Any], kind: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Yield (key, record id, object) for each entry of a ``{key: {...}}`` table."""
    for key, entry in table.items():
        rid = f"{kind} {key!r}"
        if not isinstance(entry, dict):
            raise RecordError(rid, kind, entry, "expected an object")
        yield key, rid, entry


def _known(row: dict[str, Any], field: str, rid: str) -> float:
    value = parse_number(row.get(field), record=rid, field=field)
    if value is None:
        raise RecordError(rid, field, row.get(field), "must be known")
    return value


def _text(row: dict[str, Any], field: str, rid: str) -> str:
    value = row.get(field)
    if not isinstance(value, str):
        reason = "missing" if value is None else "expected text"
        raise RecordError(rid, field, value, reason)
    return value


def _check_range(rid: str, field: str, value: float, low: float, high: float) -> None:
    if not low <= value <= high:
        raise RecordError(rid, field, value, f"out of range [{low:g}, {high:g}]")


def _parse_date(row: dict[str, Any], rid: str) -> tuple[dt.date, Literal["day", "month"]]:
    text = _text(row, "date", rid)
    match = _DATE_RE.match(text)
    if match is None:
        raise RecordError(rid, "date", text, "expected YYYY-MM-DD or YYYY-MM")
    year, month, day = match.groups()
    try:
        value = dt.date(int(year), int(month), int(day) if day else 1)
    except ValueError as exc:
        raise RecordError(rid, "date", text, str(exc)) from None
    return value, "day" if day else "month"


def _parse_time(row: dict[str, Any], rid: str) -> dt.time | None:
    text = _text(row, "time", rid).strip()
    if text.lower() in _UNKNOWN_TOKENS:
        return None
    match = _TIME_RE.match(text)
    if match is None:
        raise RecordError(rid, "time", text, "expected 'HH:MM (UTC)' or 'unknown'")
    try:
        return dt.time(int(match[1]), int(match[2]))
    except ValueError as exc:
        raise RecordError(rid, "time", text, str(exc)) from None


def _parse_record(
    row: dict[str, Any],
    entry: int,
    day: dt.date,
    precision: Literal["day", "month"],
    facilities: dict[str, Facility],
    missiles: dict[str, Missile],
) -> LaunchRecord:
    series = row.get("series")
    rid = _record_id(row["date"], series, entry)
    if series is not None and (isinstance(series, bool) or not isinstance(series, int)):
        raise RecordError(rid, "series", series, "expected a whole number")
    if isinstance(series, int) and series < 1:
        raise RecordError(rid, "series", series, "expected 1 or more")

    # Known wrong times are replaced (see _TIME_CORRECTIONS; the README's "Known quirks").
    time_utc = _TIME_CORRECTIONS.get((row["date"], row.get("time")), _parse_time(row, rid))
    launched_at = (
        dt.datetime.combine(day, time_utc, tzinfo=dt.UTC)
        if time_utc is not None and precision == "day"
        else None
    )

    missile_key = _text(row, "missile", rid)
    missile = missiles.get(missile_key)
    if missile is None:
        raise RecordError(rid, "missile", missile_key, f"not a key of {MISSILE_FILE}")
    facility_key = _text(row, "facility", rid)
    facility = facilities.get(facility_key)
    if facility is None:
        raise RecordError(rid, "facility", facility_key, f"not a key of {FACILITY_FILE}")
    site_known = facility_key != _UNKNOWN_FACILITY

    range_km = _nonnegative(row, "distance", rid)
    apogee_km = _nonnegative(row, "apogee", rid)
    bearing_deg = parse_number(row.get("bearing"), record=rid, field="bearing")
    if bearing_deg is not None and not 0.0 <= bearing_deg < 360.0:
        raise RecordError(rid, "bearing", row.get("bearing"), "out of range [0, 360)")
    if bearing_deg == BEARING_PLACEHOLDER_DEG and range_km is None:
        bearing_deg = None  # the database's placeholder for an unknown bearing

    outcome = _text(row, "outcome", rid)
    if outcome not in _OUTCOMES:
        raise RecordError(rid, "outcome", outcome, f"expected one of {sorted(_OUTCOMES)}")
    description = row.get("description", "")
    if not isinstance(description, str):
        raise RecordError(rid, "description", description, "expected text")

    return LaunchRecord(
        date=day,
        date_precision=precision,
        time_utc=time_utc,
        launched_at=launched_at,
        missile=missile_key,
        missile_name=missile.name,
        missile_type=missile.type,
        facility=facility_key,
        facility_name=facility.name,
        site_lat_deg=facility.lat_deg if site_known else None,
        site_lon_deg=facility.lon_deg if site_known else None,
        bearing_deg=bearing_deg,
        range_km=range_km,
        apogee_km=apogee_km,
        salvo_index=series,
        outcome=outcome,  # type: ignore[arg-type]  # checked against _OUTCOMES above
        landing=_text(row, "landing", rid),
        description=description,
        entry=entry,
    )


def _nonnegative(row: dict[str, Any], field: str, rid: str) -> float | None:
    if field not in row:
        raise RecordError(rid, field, None, "missing")
    value = parse_number(row[field], record=rid, field=field)
    if value is not None and value < 0:
        raise RecordError(rid, field, row[field], "expected 0 or more")
    return value

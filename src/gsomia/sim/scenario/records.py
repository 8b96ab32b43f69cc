"""Scenario files built from the public launch record (:mod:`gsomia.records`)."""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from gsomia.datafile import read_toml_data
from gsomia.errors import InputError, PhysicsError
from gsomia.physics.ballistics import PROPULSION_CLASSES, fit_trajectory, propulsion_class_for
from gsomia.physics.fit_checks import check_reach
from gsomia.records import LaunchRecord
from gsomia.sim.scenario.model import (
    APOGEE_KM,
    MAX_DURATION_S,
    RANGE_KM,
    RECORD_FIT_TOLERANCE,
)
from gsomia.sim.scenario.write import scenario_to_toml
from gsomia.warning.sites import in_service_on, load_sensor_catalogue

__all__ = ["SKIP_KINDS", "FamilyDv", "RecordSkip", "check_records", "family_dv",
           "load_record_failures", "record_failures_path", "record_propulsion",
           "scenario_from_records"]


SKIP_KINDS = ("incomplete_record", "outside_flight_model", "outside_window")
"""Why :func:`check_records` leaves a record out: it lacks a site position, bearing, range or
apogee; its range or apogee is outside the flight model's domain (:data:`RANGE_KM`,
:data:`APOGEE_KM`), or beyond the reach of its missile's propulsion class
(:func:`gsomia.physics.fit_checks.check_reach`; no record of the public record so far);
it was launched more than :data:`MAX_DURATION_S` after the date's first launch (a
scenario's launch times are at most that)."""


@dataclass(frozen=True, slots=True)
class RecordSkip:
    """A record of the public record that gives no launch of its date's scenario.

    Attributes:
        record: the record.
        label: ``"<date> #<series or position> (<missile name>)"``, as in messages.
        kind: one of :data:`SKIP_KINDS`.
        reason: why, in words (names the missing figures or the out-of-domain value).
    """

    record: LaunchRecord
    label: str
    kind: str
    reason: str

    def __str__(self) -> str:
        return f"{self.label}: {self.reason}"


def _records_epoch(records: list[LaunchRecord]) -> dt.datetime:
    """The earliest known launch instant; midnight UTC of the date when none is known."""
    known = [r.launched_at for r in records if r.launched_at is not None]
    return (min(known) if known
            else dt.datetime.combine(records[0].date, dt.time(0, 0), tzinfo=dt.UTC))


def _record_label(rec: LaunchRecord, n: int) -> str:
    return f"{rec.date.isoformat()} #{rec.salvo_index or n} ({rec.missile_name})"


def record_propulsion(rec: LaunchRecord,
                      failures: dict[tuple[dt.date, int | None], dict[str, Any]]) -> str:
    """The propulsion class :func:`scenario_from_records` writes for ``rec``: that of the
    missile (for a failed launch, the missile of ``failures``, the file
    :func:`load_record_failures` reads, when it names one), else that of the range."""
    missile = rec.missile_name
    if rec.outcome == "failure":
        missile = failures.get((rec.date, rec.salvo_index), {}).get("missile", missile)
    try:
        return propulsion_class_for(missile)
    except InputError:
        return propulsion_class_for(None, 1e3 * float(rec.range_km))  # type: ignore[arg-type]


def _beyond_reach(rec: LaunchRecord, apogee_km: float,
                  failures: dict[tuple[dt.date, int | None], dict[str, Any]]) -> list[str]:
    """``[reason]`` when the record's range and apogee are beyond the reach of its
    propulsion class (:func:`record_propulsion`), else ``[]``."""
    cls = record_propulsion(rec, failures)
    try:
        check_reach(PROPULSION_CLASSES[cls], 1e3 * float(rec.range_km),  # type: ignore[arg-type]
                    1e3 * apogee_km)
    except InputError as exc:
        return [exc.reason]
    return []


def check_records(records: list[LaunchRecord], *, default_apogee_km: float | None = None
                  ) -> list[RecordSkip | None]:
    """Which records of one date give a launch of :func:`scenario_from_records`.

    ``outside_window`` is counted from the earliest known launch instant of ``records``:
    the date's first launch, or the first launch of an event when ``records`` are one event
    of the date (:func:`gsomia.sim.batch.date_events`, whose events never span 4 h).

    Args:
        records: the records of one date, or of one event of it (as for
            :func:`scenario_from_records`).
        default_apogee_km: the apogee [km] assumed where a record has none.

    Returns:
        one entry per record, in order: ``None`` where the record gives a launch, else the
        :class:`RecordSkip` saying why not (kinds in :data:`SKIP_KINDS`). Whether the launch
        can be flown (the ballistic fit) is not checked here.
    """
    if not records:
        return []
    epoch = _records_epoch(records)
    failures = (load_record_failures() if any(r.outcome == "failure" for r in records)
                else {})
    out: list[RecordSkip | None] = []
    for n, rec in enumerate(records, start=1):
        label = _record_label(rec, n)
        apogee = rec.apogee_km if rec.apogee_km is not None else default_apogee_km
        missing = [name for name, value in (("site position", rec.site_lat_deg),
                                            ("bearing", rec.bearing_deg),
                                            ("range", rec.range_km), ("apogee", apogee))
                   if value is None or value == 0]
        outside = [] if missing else [
            f"{name} {value:g} km (model: {lo:g}-{hi:g} km)"
            for name, value, (lo, hi) in (("range", rec.range_km, RANGE_KM),
                                          ("apogee", apogee, APOGEE_KM))
            if not lo <= value <= hi]  # type: ignore[operator]
        reach = ([] if missing or outside
                 else _beyond_reach(rec, float(apogee), failures))  # type: ignore[arg-type]
        late_s = (0.0 if rec.launched_at is None
                  else (rec.launched_at - epoch).total_seconds())
        if missing:
            out.append(RecordSkip(rec, label, "incomplete_record",
                                  f"no {', '.join(missing)} in the record"))
        elif outside:
            out.append(RecordSkip(rec, label, "outside_flight_model",
                                  f"{', '.join(outside)} outside the flight model"))
        elif reach:
            out.append(RecordSkip(rec, label, "outside_flight_model", reach[0]))
        elif late_s > MAX_DURATION_S:
            out.append(RecordSkip(
                rec, label, "outside_window",
                f"launched {late_s / 3600:.2f} h after the first launch "
                f"({epoch.strftime('%H:%M')} UTC): a scenario's launch times are at most "
                f"{MAX_DURATION_S / 3600:g} h"))
        else:
            out.append(None)
    return out


def scenario_from_records(records: list[LaunchRecord], *, seed: int,
                          parties: tuple[str, ...] = ("JPN", "KOR", "USA"),
                          default_apogee_km: float | None = None,
                          source_note: str = "CNS North Korea Missile Test Database",
                          event: int | None = None,
                          reference: Sequence[LaunchRecord] | None = None
                          ) -> tuple[str, list[str]]:
    """A scenario file with one launch per usable record (one record = one missile).

    A record is usable (:func:`check_records`) when it has a site position, a bearing, a
    range and an apogee (or ``default_apogee_km`` is given: then it is used and the launch's
    ``source`` says it was assumed) inside the flight model's domain (:data:`RANGE_KM`,
    :data:`APOGEE_KM`), launched at most :data:`MAX_DURATION_S` after the epoch. The
    epoch is the earliest known launch instant of the records (midnight UTC of the date when
    no record has a time); launch times are offsets from it. The launches are written in
    the order of the usable records, one per record. A missile name of no known family
    (``"Unknown"``) gets the propulsion class inferred from the range, said in its
    ``source``. ``[[sensors]]`` lists the catalogue sensors of the parties in service on the
    date (``in_service`` in ``sensors.toml``); no agreements are written (the record does not
    say which were in force).

    Args:
        records: the records of one date (e.g. one value of :func:`gsomia.records.salvos`),
            or of one event of it (:func:`gsomia.sim.batch.date_events`).
        seed: the scenario's seed.
        event: the event number of ``records`` within their date (from 1), or ``None``
            for a whole date; it names the scenario ``record-<date>#<event>`` (default
            ``record-<date>``) and appears in its title and sources.
        reference: the public record to take a failed missile's Δv from (its family's
            successful flights, :func:`family_dv`; e.g. every record of the database), or
            ``None``: ``records`` themselves. A failed launch with that Δv gets
            ``failure.dv_m_s`` (its failure time is then fitted); without one, the middle
            of the failing stage, said in its ``failure.source``.

    Returns:
        ``(toml_text, skipped)``: the file text and one line per record left out, with why
        (``str`` of the :class:`RecordSkip` of :func:`check_records`).

    Raises:
        InputError: no record of the list is usable, or ``event`` is not an integer >= 1.
    """
    if not records:
        raise InputError("records", [], "no records for that date")
    if event is not None and (isinstance(event, bool) or not isinstance(event, int)
                              or event < 1):
        raise InputError("event", event, "expected an event number >= 1 or None")
    day = records[0].date
    what = day.isoformat() if event is None else f"{day.isoformat()}#{event}"
    checks = check_records(records, default_apogee_km=default_apogee_km)
    skipped = [str(check) for check in checks if check is not None]
    launches = _record_launches(records, checks, default_apogee_km, source_note,
                                list(records if reference is None else reference))
    if not launches:
        raise InputError("records", day.isoformat(),
                         "no record of that date has site, bearing, range and apogee ("
                         + "; ".join(skipped) + ")")
    title = (f"Launches of {day.isoformat()} (UTC)" if event is None
             else f"Launches of {day.isoformat()} (UTC), event {event}")
    header = {"name": f"record-{what}", "title": f"{title} from the public record",
              "epoch": _records_epoch(records), "seed": seed, "parties": list(parties),
              "sources": [f"{source_note}, records of {what}"]}
    built = (f"`gsomia scenario from-record {day.isoformat()}`" if event is None
             else f"the batch (gsomia.sim.batch), event {what},")
    comment = (f"Built by {built} from the {source_note}.\n"
               "One launch per record; figures as the record gives them (unverified).")
    sensors, sensors_comment = _record_sensors(parties, day)
    return scenario_to_toml(header, launches, comment=comment, sensors=sensors,
                            sensors_comment=sensors_comment), skipped


def _record_launches(records: list[LaunchRecord], checks: list[RecordSkip | None],
                     default_apogee_km: float | None,
                     source_note: str, reference: list[LaunchRecord]
                     ) -> list[dict[str, Any]]:
    """One ``[[launches]]`` entry (file units) per usable record, ids ``L<series>`` (or
    ``L1 …`` when series numbers repeat)."""
    epoch = _records_epoch(records)
    failures = load_record_failures()
    launches: list[dict[str, Any]] = []
    for n, (rec, check) in enumerate(zip(records, checks, strict=True), start=1):
        if check is not None:
            continue
        label = _record_label(rec, n)
        apogee, apogee_note = rec.apogee_km, ""
        if apogee is None:
            apogee, apogee_note = default_apogee_km, f"; apogee {default_apogee_km:g} km assumed"
        t_s = 0.0 if rec.launched_at is None else (rec.launched_at - epoch).total_seconds()
        propulsion, propulsion_note = None, ""
        try:
            propulsion_class_for(rec.missile_name)
        except InputError:
            propulsion = propulsion_class_for(None, 1e3 * float(rec.range_km))  # type: ignore[arg-type]
            propulsion_note = f"; propulsion {propulsion} inferred from the range"
        missile, failure, failure_note = rec.missile_name, None, ""
        if rec.outcome == "failure":
            facts = failures.get((rec.date, rec.salvo_index), {})
            missile = facts.get("missile", missile)
            failure = {k: facts[k] for k in ("kind", "pieces", "stage") if k in facts}
            failure.setdefault("kind", "thrust-cut")
            failure["source"] = facts.get("source", "CNS outcome 'failure'; when and how "
                                          "not recorded: a thrust cut in the last stage")
            failure_note = "; failed (data/record-failures.toml)" if facts else "; failed"
            failure.update(_failure_dv(missile, failure["source"], reference))
            if facts.get("missile") and propulsion is not None:
                propulsion, propulsion_note = None, ""
        launches.append({
            "id": f"L{rec.salvo_index or n}",
            "lat_deg": rec.site_lat_deg, "lon_deg": rec.site_lon_deg, "t_s": t_s,
            "bearing_deg": float(rec.bearing_deg) % 360.0,  # type: ignore[arg-type]
            "range_km": float(rec.range_km),  # type: ignore[arg-type]
            "apogee_km": float(apogee),  # type: ignore[arg-type]
            "missile": missile, "propulsion": propulsion,
            "fit_tolerance": RECORD_FIT_TOLERANCE,
            "failure": failure,
            "source": (f"{source_note}, {label}, facility {rec.facility}{apogee_note}"
                       f"{propulsion_note}{failure_note}")})
    ids = [item["id"] for item in launches]
    if len(set(ids)) != len(ids):
        for k, item in enumerate(launches, start=1):
            item["id"] = f"L{k}"
    return launches


@dataclass(frozen=True, slots=True)
class FamilyDv:
    """The Δv of a missile family from its successful flights in the public record.

    Attributes:
        family: the missile name matched (case-insensitive, as the record spells it).
        dv_m_s: the median of the fitted Δv [m/s], or ``None`` when no flight fitted.
        used: ``(record id, fitted Δv [m/s])`` of each flight the median is over.
        left_out: one line per successful flight of the family that could not be fitted
            (figures missing, out of the model's domain, or no flight of the class flies
            them), with why.
    """

    family: str
    dv_m_s: float | None
    used: tuple[tuple[str, float], ...]
    left_out: tuple[str, ...]


def family_dv(family: str, records: Sequence[LaunchRecord]) -> FamilyDv:
    """The Δv of ``family`` (:class:`FamilyDv`): each record of that missile name with
    ``outcome = "success"`` and usable figures (:func:`check_records`) is fitted as a
    scenario from the record fits it (:func:`gsomia.physics.ballistics.fit_trajectory`:
    the missile's propulsion class, launch altitude 0, tolerance
    :data:`~gsomia.sim.scenario.model.RECORD_FIT_TOLERANCE`), and the *median* of the
    fitted Δv (:attr:`gsomia.physics.trajectory.Trajectory.dv_ideal_m_s`) is taken.
    ASSUMPTION: the failed missile had its family's typical Δv (the median, robust to one
    odd flight such as a lofted or depressed one that the tilt-program model fits with an
    unusual Δv); the record says nothing of a failed missile's propellant load.
    """
    name = family.casefold()
    ok = [r for r in records if r.outcome == "success" and r.missile_name.casefold() == name]
    used: list[tuple[str, float]] = []
    left_out: list[str] = []
    for rec in ok:
        check = check_records([rec])[0]   # alone: the launch-time window is per date
        if check is not None:
            left_out.append(str(check))
            continue
        try:
            tr = fit_trajectory(rec.site_lat_deg, rec.site_lon_deg,  # type: ignore[arg-type]
                                float(rec.bearing_deg), 1e3 * float(rec.range_km),  # type: ignore[arg-type]
                                1e3 * float(rec.apogee_km), missile=rec.missile_name,  # type: ignore[arg-type]
                                tolerance=RECORD_FIT_TOLERANCE)
        except (PhysicsError, InputError) as exc:
            left_out.append(f"{rec.record_id}: not fitted ({exc})")
            continue
        used.append((rec.record_id, float(tr.dv_ideal_m_s)))  # type: ignore[arg-type]
    dv = statistics.median(v for _, v in used) if used else None
    return FamilyDv(family, dv, tuple(used), tuple(left_out))


def _failure_dv(missile: str, source: str, reference: list[LaunchRecord]) -> dict[str, Any]:
    """``{"dv_m_s", "source"}`` of a failed launch of ``missile`` (:func:`family_dv` over
    ``reference``), or ``{"source"}`` saying the time is the middle of the stage."""
    got = family_dv(missile, reference)
    if got.dv_m_s is None:
        return {"source": f"{source}. Failure time: the middle of the failing stage (no "
                          f"successful {missile} flight in the record could be fitted)"}
    used = ", ".join(f"{rid} ({dv:.0f} m/s)" for rid, dv in got.used)
    return {"dv_m_s": round(got.dv_m_s, 1),
            "source": f"{source}. Failure time fitted with the median Δv "
                      f"{got.dv_m_s:.0f} m/s of the successful {missile} flights of the "
                      f"record: {used}"}


def record_failures_path() -> Path:
    """The packaged facts of failed launches (``gsomia/data/record-failures.toml``)."""
    return Path(str(resources.files("gsomia") / "data" / "record-failures.toml"))


_FAILURE_KEYS = {"date": dt.date, "series": int, "missile": str, "kind": str, "pieces": int,
                 "stage": int, "source": str}


def load_record_failures(path: Path | None = None) -> dict[tuple[dt.date, int | None],
                                                          dict[str, Any]]:
    """What the public record's descriptions say of failed launches (the file's notes):
    ``(date, series)`` → ``{"missile", "kind", "pieces", "stage", "source"}`` (those given).

    Raises:
        InputError: a missing ``date`` or ``source``, an unknown key or a value of the
            wrong type (naming the file, entry, key and value).
    """
    file = path or record_failures_path()
    out: dict[tuple[dt.date, int | None], dict[str, Any]] = {}
    for i, entry in enumerate(read_toml_data(file).get("failures", [])):
        where = f"{file}: failures[{i}]"
        for key, value in entry.items():
            kind = _FAILURE_KEYS.get(key)
            if kind is None or not isinstance(value, kind) or isinstance(value, bool):
                raise InputError(f"{where}.{key}", value, "unknown key or wrong type "
                                 f"(keys: {', '.join(_FAILURE_KEYS)})")
        for key in ("date", "source"):
            if key not in entry:
                raise InputError(f"{where}.{key}", None, "required")
        out[(entry["date"], entry.get("series"))] = {k: v for k, v in entry.items()
                                                     if k not in ("date", "series")}
    return out


def _record_sensors(parties: tuple[str, ...], day: dt.date) -> tuple[list[dict[str, Any]], str]:
    """``[[sensors]]`` entries of the parties' catalogue sensors in service on ``day``, and
    the comment naming those not yet in service."""
    catalogue = load_sensor_catalogue()
    in_service = [{"site": sid} for sid, entry in catalogue.items()
                  if entry["owner"] in parties and in_service_on(entry, day)]
    left_out = [f"{sid} (from {entry['in_service'].isoformat()})"
                for sid, entry in catalogue.items()
                if entry["owner"] in parties and not in_service_on(entry, day)]
    comment = (f"Sensors of the parties in service on {day.isoformat()} (in_service in "
               "gsomia/data/sensors.toml)"
               + (f"; not yet in service: {', '.join(left_out)}." if left_out else "."))
    return in_service, comment

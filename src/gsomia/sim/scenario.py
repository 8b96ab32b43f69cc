"""Scenarios: who is in it, what they can see, what is launched, and what is in force.

A scenario is a TOML file. Packaged scenarios (``gsomia/data/scenarios/<name>.toml``) are
named by their file stem (``2017-03-06``); any other file is named by its path. Degrees and
kilometres in the file, SI inside (converted once, here). Every validation error is an
:class:`~gsomia.errors.InputError` naming the file, the key path and the value, e.g.
``s.toml: launches[1].range_km=-5.0: must be > 0``.

Schema, by example::

    name = "2017-03-06"                        # optional; default the file stem
    title = "Four ER-Scuds from Tongchang-ri"  # optional
    epoch = 2017-03-05T22:34:00Z               # required: scenario time 0 (offset date-time)
    seed = 20170306                            # required: integer >= 0 (all randomness)
    parties = ["JPN", "KOR", "USA"]            # required: ISO 3166 alpha-3 codes
    sources = ["CNS North Korea Missile Test Database, 2017-03-05 records"]   # optional
    duration_s = 900.0                         # optional: observe until (default: last impact)

    [[sensors]]                                # optional; none given = every catalogue
    site = "kor-greenpine-b-1"                 #   sensor owned by a party
    pd = 0.8                                   # any catalogue key overrides the site's value

    [[sensors]]                                # or inline (keys of gsomia.warning.sites)
    kind = "radar"
    id = "kor-test-radar"
    owner = "KOR"
    lat_deg = 37.0
    lon_deg = 128.0
    alt_m = 100.0
    max_range_km = 600.0

    [[launches]]
    id = "L1"                                  # required, unique
    site = "sohae"                             # a facility of data/facilities.toml, or
    # lat_deg = 39.66                          #   lat_deg + lon_deg (+ alt_m, default 0)
    t_s = 0.0                                  # launch time after the epoch [s], default 0
    bearing_deg = 80.0                         # required, [0, 360)
    range_km = 1000.0                          # required, > 0
    apogee_km = 260.0                          # required, > 0
    missile = "ER-Scud"                        # and/or propulsion = "liquid-srbm"
    salvo = { count = 4, spacing_s = 5.0 }     # optional: ids L1-1 … L1-4, 5 s apart
    source = "CNS; Japan MoD"                  # optional, free text

    [[agreements]]                             # carried as data for the sharing layer
    name = "jpn-kor-gsomia"
    route = "direct"                           # direct | tisa_hub | auto_hub

    [[links]]                                  # one-way link delay between parties' nodes
    from = "KOR"
    to = "JPN"
    delay_s = 2.0
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from gsomia.datafile import Table, read_toml
from gsomia.errors import InputError
from gsomia.physics.ballistics import PROPULSION_CLASSES
from gsomia.records import LaunchRecord
from gsomia.warning.sites import Sensor, load_sensor_catalogue, sensor_from_table

__all__ = [
    "ROUTES",
    "AgreementSpec",
    "LaunchSpec",
    "LinkSpec",
    "Scenario",
    "load_facility_table",
    "load_scenario",
    "packaged_scenario_names",
    "resolve_scenario_path",
    "scenario_from_records",
    "scenario_to_toml",
]

ROUTES = ("direct", "tisa_hub", "auto_hub")
"""Routes over which an agreement's items travel: bilateral, via a hub with originator
approval (TISA), via the automated hub (2023 mechanism)."""

_PARTY = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True, slots=True)
class LaunchSpec:
    """One missile to fly (a salvo is expanded into one spec per missile).

    Attributes:
        id: launch id (the truth id of its detections).
        lat_deg, lon_deg, alt_m: launch point, geodetic WGS-84.
        t_s: launch time [s after the epoch].
        bearing_deg: initial direction, clockwise from north [deg].
        range_m, apogee_m: ground range and apogee to fit [m].
        propulsion: propulsion class name or ``"auto"``.
        missile: missile name as in the public record, or ``None``.
        site: facility key when given by name, else ``None``.
        source: where the figures come from.
    """

    id: str
    lat_deg: float
    lon_deg: float
    alt_m: float
    t_s: float
    bearing_deg: float
    range_m: float
    apogee_m: float
    propulsion: str = "auto"
    missile: str | None = None
    site: str | None = None
    source: str = ""


@dataclass(frozen=True, slots=True)
class AgreementSpec:
    """An agreement in force and the route its items take (data for the sharing layer)."""

    name: str
    route: str


@dataclass(frozen=True, slots=True)
class LinkSpec:
    """A one-way link between two parties' nodes with its delay [s]."""

    from_party: str
    to_party: str
    delay_s: float


@dataclass(frozen=True, slots=True)
class Scenario:
    """A validated scenario (see the module notes for the file schema).

    Attributes:
        name, title: identification; ``file`` the path it was read from.
        epoch: scenario time 0, aware UTC.
        seed: the seed of every random draw in a run.
        parties: ISO alpha-3 codes.
        sensors: sensor models.
        launches: one spec per missile, in file order.
        agreements, links: carried for the sharing layer.
        duration_s: observation end [s], or ``None`` for the last impact.
        sources: where the scenario's facts come from.
    """

    name: str
    title: str
    file: str
    epoch: dt.datetime
    seed: int
    parties: tuple[str, ...]
    sensors: tuple[Sensor, ...]
    launches: tuple[LaunchSpec, ...]
    agreements: tuple[AgreementSpec, ...] = ()
    links: tuple[LinkSpec, ...] = ()
    duration_s: float | None = None
    sources: tuple[str, ...] = ()


def _packaged_dir() -> Path:
    return Path(str(resources.files("gsomia") / "data" / "scenarios"))


def packaged_scenario_names() -> list[str]:
    """Names of the packaged scenarios, sorted."""
    return sorted(p.stem for p in _packaged_dir().glob("*.toml"))


def resolve_scenario_path(name_or_path: str | Path) -> Path:
    """A packaged scenario's path by name, or the given path if it is a file.

    Raises:
        InputError: neither a packaged name nor an existing file.
    """
    packaged = _packaged_dir() / f"{name_or_path}.toml"
    if packaged.is_file():
        return packaged
    path = Path(name_or_path)
    if path.is_file():
        return path
    raise InputError("SCENARIO", str(name_or_path),
                     "neither a file nor a packaged scenario (packaged: "
                     + ", ".join(packaged_scenario_names()) + ")")


def load_facility_table() -> dict[str, tuple[float, float]]:
    """Packaged launch facilities (from the CNS facility list): key → (lat_deg, lon_deg)."""
    root = read_toml(Path(str(resources.files("gsomia") / "data" / "facilities.toml")))
    out = {}
    for key in list(root.data):
        table = root.table(key)
        if table is None:
            raise root.error(key, None, "expected a facility table")
        table.string("name")
        out[key] = (table.number("lat_deg", lo=-90.0, hi=90.0),
                    table.number("lon_deg", lo=-180.0, hi=360.0))
        table.done()
    return out


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Read and validate a scenario (packaged name or file path).

    Raises:
        InputError: a missing, unknown or out-of-domain key, naming file, key and value.
    """
    path = resolve_scenario_path(name_or_path)
    root = read_toml(path)
    root.only("name", "title", "epoch", "seed", "parties", "sources", "duration_s", "sensors",
              "launches", "agreements", "links")
    name = root.string("name", path.stem)
    title = root.string("title", name)
    epoch = root.datetime_utc("epoch")
    seed = root.integer("seed", lo=0)
    parties = tuple(root.strings("parties"))
    for party in parties:
        if not _PARTY.match(party):
            raise root.error("parties", party, "expected ISO 3166 alpha-3 codes like 'KOR'")
    if not parties:
        raise root.error("parties", [], "a scenario needs at least one party")
    sources = tuple(root.strings("sources", []))
    duration = root.number("duration_s", None, lo=0.0, lo_open=True)
    sensors = _read_sensors(root, parties)
    launches = _read_launches(root)
    agreements = tuple(_read_agreement(t) for t in root.tables("agreements"))
    links = tuple(_read_link(t, parties) for t in root.tables("links"))
    root.done()
    return Scenario(name=name, title=title, file=str(path), epoch=epoch, seed=seed,
                    parties=parties, sensors=sensors, launches=launches,
                    agreements=agreements, links=links, duration_s=duration, sources=sources)


def _read_sensors(root: Table, parties: tuple[str, ...]) -> tuple[Sensor, ...]:
    catalogue = load_sensor_catalogue()
    entries = root.tables("sensors")
    if not entries:
        return tuple(sensor_from_table(Table(p, "sensors.toml", p["id"]))
                     for p in catalogue.values() if p["owner"] in parties)
    sensors: list[Sensor] = []
    for entry in entries:
        if entry.has("site"):
            site = entry.string("site")
            if site not in catalogue:
                raise entry.error("site", site, "unknown sensor site (see gsomia/data/"
                                  "sensors.toml)")
            merged = {**catalogue[site], **{k: v for k, v in entry.data.items() if k != "site"}}
        else:
            merged = dict(entry.data)
        sensor = sensor_from_table(Table(merged, entry.file, entry.where))
        if sensor.owner not in parties:
            raise entry.error("owner", sensor.owner, "owner is not one of the scenario's parties")
        if any(s.id == sensor.id for s in sensors):
            raise entry.error("id", sensor.id, "duplicate sensor id")
        sensors.append(sensor)
    return tuple(sensors)


def _read_launches(root: Table) -> tuple[LaunchSpec, ...]:
    facilities: dict[str, tuple[float, float]] | None = None
    out: list[LaunchSpec] = []
    tables = root.tables("launches")
    if not tables:
        raise root.error("launches", None, "a scenario needs at least one [[launches]] entry")
    for t in tables:
        t.only("id", "site", "lat_deg", "lon_deg", "alt_m", "t_s", "bearing_deg", "range_km",
               "apogee_km", "missile", "propulsion", "salvo", "source", "notes")
        launch_id = t.string("id")
        site = t.string("site", None)
        if site is not None:
            if t.has("lat_deg") or t.has("lon_deg"):
                raise t.error("site", site, "give either site or lat_deg/lon_deg, not both")
            facilities = load_facility_table() if facilities is None else facilities
            if site not in facilities:
                raise t.error("site", site, "unknown facility (known: "
                              + ", ".join(sorted(facilities)) + "); or give lat_deg/lon_deg")
            lat, lon = facilities[site]
        else:
            lat = t.number("lat_deg", lo=-90.0, hi=90.0)
            lon = t.number("lon_deg", lo=-180.0, hi=360.0)
        alt = t.number("alt_m", 0.0, lo=-500.0, hi=10e3)
        t0 = t.number("t_s", 0.0, lo=0.0)
        bearing = t.number("bearing_deg", lo=0.0, hi=360.0)
        range_m = 1e3 * t.number("range_km", lo=0.0, lo_open=True, hi=20000.0)
        apogee_m = 1e3 * t.number("apogee_km", lo=0.0, lo_open=True, hi=10000.0)
        missile = t.string("missile", None)
        propulsion = t.string("propulsion", "auto",
                              choices=("auto", *sorted(PROPULSION_CLASSES)))
        source = t.string("source", "")
        t.raw("notes", None)
        count, spacing = 1, 0.0
        salvo = t.table("salvo")
        if salvo is not None:
            salvo.only("count", "spacing_s")
            count = salvo.integer("count", lo=1)
            spacing = salvo.number("spacing_s", 0.0, lo=0.0)
            salvo.done()
        t.done()
        ids = [launch_id] if salvo is None else [f"{launch_id}-{k + 1}" for k in range(count)]
        for k, lid in enumerate(ids):
            if any(s.id == lid for s in out):
                raise t.error("id", lid, "duplicate launch id")
            out.append(LaunchSpec(lid, lat, lon, alt, t0 + k * spacing, bearing % 360.0,
                                  range_m, apogee_m, propulsion, missile, site, source))
    return tuple(out)


def _read_agreement(t: Table) -> AgreementSpec:
    t.only("name", "route")
    spec = AgreementSpec(t.string("name"), t.string("route", "direct", choices=ROUTES))
    t.done()
    return spec


def _read_link(t: Table, parties: tuple[str, ...]) -> LinkSpec:
    t.only("from", "to", "delay_s")
    ends = []
    for key in ("from", "to"):
        party = t.string(key)
        if party not in parties:
            raise t.error(key, party, "not one of the scenario's parties")
        ends.append(party)
    spec = LinkSpec(ends[0], ends[1], t.number("delay_s", lo=0.0))
    t.done()
    return spec


# -- writing -----------------------------------------------------------------------------------

def _toml_value(value: Any) -> str:
    """A TOML literal for a str, int, float, bool, aware datetime or list of those.

    JSON string escapes (\\", \\\\, \\n, \\uXXXX) are valid TOML basic-string escapes.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML form for {type(value).__name__}")


def scenario_to_toml(header: dict[str, Any], launches: list[dict[str, Any]],
                     agreements: list[dict[str, Any]] = (),  # type: ignore[assignment]
                     links: list[dict[str, Any]] = (),  # type: ignore[assignment]
                     comment: str = "") -> str:
    """Render a scenario file (the schema of :func:`load_scenario`).

    Args:
        header: top-level keys (``epoch``, ``seed``, ``parties`` …), in file units.
        launches, agreements, links: one dict per ``[[…]]`` entry, in file units.
        comment: lines written as a ``#`` comment at the top.

    Returns:
        the file text (TOML); ``None`` values are left out.
    """
    lines = [f"# {line}".rstrip() for line in comment.splitlines()]
    lines += [f"{k} = {_toml_value(v)}" for k, v in header.items() if v is not None]
    for section, entries in (("launches", launches), ("agreements", agreements),
                             ("links", links)):
        for entry in entries:
            lines += ["", f"[[{section}]]"]
            lines += [f"{k} = {_toml_value(v)}" for k, v in entry.items() if v is not None]
    return "\n".join(lines) + "\n"


# -- from the public record ---------------------------------------------------------------------

def scenario_from_records(records: list[LaunchRecord], *, seed: int,
                          parties: tuple[str, ...] = ("JPN", "KOR", "USA"),
                          default_apogee_km: float | None = None,
                          source_note: str = "CNS North Korea Missile Test Database"
                          ) -> tuple[str, list[str]]:
    """A scenario file with one launch per usable record (one record = one missile).

    A record is usable when it has a site position, a bearing, a range and an apogee (or
    ``default_apogee_km`` is given: then it is used and the launch's ``source`` says it was
    assumed). The epoch is the earliest known launch instant (midnight UTC of the date when
    no record has a time); launch times are offsets from it. No ``[[sensors]]`` are written
    (so every catalogue sensor of the parties is used) and no agreements (the record does
    not say which were in force).

    Args:
        records: the records of one date (e.g. one value of :func:`gsomia.records.salvos`).
        seed: the scenario's seed.

    Returns:
        ``(toml_text, skipped)``: the file text and one line per record left out, with why.

    Raises:
        InputError: no record of the list is usable.
    """
    if not records:
        raise InputError("records", [], "no records for that date")
    day = records[0].date
    known = [r.launched_at for r in records if r.launched_at is not None]
    epoch = min(known) if known else dt.datetime.combine(day, dt.time(0, 0), tzinfo=dt.UTC)
    launches: list[dict[str, Any]] = []
    skipped: list[str] = []
    for n, rec in enumerate(records, start=1):
        label = f"{rec.date.isoformat()} #{rec.salvo_index or n} ({rec.missile_name})"
        apogee, apogee_note = rec.apogee_km, ""
        if apogee is None and default_apogee_km is not None:
            apogee, apogee_note = default_apogee_km, f"; apogee {default_apogee_km:g} km assumed"
        missing = [name for name, value in (("site position", rec.site_lat_deg),
                                            ("bearing", rec.bearing_deg),
                                            ("range", rec.range_km), ("apogee", apogee))
                   if value is None or value == 0]
        if missing:
            skipped.append(f"{label}: no {', '.join(missing)} in the record")
            continue
        t_s = 0.0 if rec.launched_at is None else (rec.launched_at - epoch).total_seconds()
        launches.append({
            "id": f"L{rec.salvo_index or n}",
            "lat_deg": rec.site_lat_deg, "lon_deg": rec.site_lon_deg, "t_s": t_s,
            "bearing_deg": float(rec.bearing_deg),  # type: ignore[arg-type]
            "range_km": float(rec.range_km),  # type: ignore[arg-type]
            "apogee_km": float(apogee),  # type: ignore[arg-type]
            "missile": rec.missile_name,
            "source": f"{source_note}, {label}, facility {rec.facility}{apogee_note}"})
    if not launches:
        raise InputError("records", day.isoformat(),
                         "no record of that date has site, bearing, range and apogee ("
                         + "; ".join(skipped) + ")")
    ids = [item["id"] for item in launches]
    if len(set(ids)) != len(ids):
        for k, item in enumerate(launches, start=1):
            item["id"] = f"L{k}"
    header = {"name": f"record-{day.isoformat()}",
              "title": f"Launches of {day.isoformat()} (UTC) from the public record",
              "epoch": epoch, "seed": seed, "parties": list(parties),
              "sources": [f"{source_note}, records of {day.isoformat()}"]}
    comment = (f"Built by `gsomia scenario from-record {day.isoformat()}` from the {source_note}.\n"
               "One launch per record; figures as the record gives them (unverified).")
    return scenario_to_toml(header, launches, comment=comment), skipped

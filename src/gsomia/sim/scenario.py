"""Scenarios: who is in it, what they can see, what is launched, and what is in force.

A scenario is a TOML file. Packaged scenarios (``gsomia/data/scenarios/<name>.toml``) are
named by their file stem (``2017-03-06``); any other file is named by its path. Degrees and
kilometres in the file, SI inside (converted once, here). Every validation error is an
:class:`~gsomia.errors.InputError` naming the file, the key path and the value, e.g.
``s.toml: launches[1].range_km=-5.0: must be between 10 and 15000``. The full schema, with
its limits, is also in ``docs/scenarios.md``.

Domains are those of the flight model (:func:`gsomia.physics.ballistics.fit_trajectory`), so
a scenario that loads can be flown: range 10–15,000 km, apogee 1–10,000 km, bearing
[0, 360) deg, latitude [-90, 90] deg, longitude [-180, 360] deg. Agreements are names of the
agreement catalogue (:func:`gsomia.sharing.load_catalog`) and parties must be known there.

Limits (so that a scenario cannot hang or exhaust memory): at most :data:`MAX_SALVO_COUNT`
missiles per salvo and :data:`MAX_LAUNCHES` launches in all; ``duration_s`` and every launch
time at most :data:`MAX_DURATION_S` (4 h).

Schema, by example::

    name = "2017-03-06"                        # optional; default the file stem
    title = "Four ER-Scuds from Tongchang-ri"  # optional
    epoch = 2017-03-05T22:34:00Z               # required: scenario time 0 (offset date-time)
    seed = 20170306                            # required: integer >= 0 (all randomness)
    parties = ["JPN", "KOR", "USA"]            # required: distinct parties of the catalogue
    sources = ["CNS North Korea Missile Test Database, 2017-03-05 records"]   # optional
    duration_s = 900.0                         # optional: observe until (default: last
                                               #   impact); (0, 14400] s

    [[sensors]]                                # optional; none given = every catalogue
    site = "kor-greenpine-b-1"                 #   sensor owned by a party and in service
    pd = 0.8                                   #   on the epoch's date (its in_service)
                                               # any catalogue key overrides the site's value

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
    range_km = 1000.0                          # required, [10, 15000]
    apogee_km = 260.0                          # required, [1, 10000]
    missile = "ER-Scud"                        # and/or propulsion = "liquid-srbm"; a name
                                               #   of no known family needs a propulsion,
                                               #   and the two must agree
    salvo = { count = 4, spacing_s = 5.0 }     # optional: ids L1-1 … L1-4, 5 s apart;
                                               #   count 1-100
    source = "CNS; Japan MoD"                  # optional, free text

    [[agreements]]                             # carried as data for the sharing layer
    name = "jpn-kor-gsomia"                    # an agreement of the catalogue
    route = "direct"                           # direct | tisa_hub | auto_hub

    [[links]]                                  # one-way link delay between parties' nodes
    from = "KOR"                               # two different parties of the scenario
    to = "JPN"
    delay_s = 2.0
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import textwrap
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from gsomia.datafile import Table, read_toml
from gsomia.errors import InputError
from gsomia.physics.ballistics import PROPULSION_CLASSES, propulsion_class_for
from gsomia.records import LaunchRecord
from gsomia.sharing import Catalog, load_catalog
from gsomia.warning.sites import (
    Sensor,
    in_service_on,
    load_sensor_catalogue,
    sensor_from_table,
)

__all__ = [
    "APOGEE_KM",
    "MAX_DURATION_S",
    "MAX_LAUNCHES",
    "MAX_SALVO_COUNT",
    "RANGE_KM",
    "ROUTES",
    "SKIP_KINDS",
    "AgreementSpec",
    "LaunchSpec",
    "LinkSpec",
    "RecordSkip",
    "Scenario",
    "check_records",
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

RANGE_KM = (10.0, 15_000.0)
"""Ground range a launch may have [km]: the domain of the flight fit
(:func:`gsomia.physics.ballistics.fit_trajectory`)."""

APOGEE_KM = (1.0, 10_000.0)
"""Apogee a launch may have [km]: the domain of the flight fit."""

MAX_SALVO_COUNT = 100
"""Most missiles in one salvo (the largest salvo on record is under 10 missiles)."""

MAX_LAUNCHES = 1000
"""Most launches in one scenario, salvos expanded (50× the 20-launch stress scenario)."""

MAX_DURATION_S = 4 * 3600.0
"""Longest observation window and latest launch time [s]: 4 h (an ICBM flies ~1 h)."""


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
        where: the ``[[launches]]`` entry it came from (``"launches[0]"``), for messages.
        fit_tolerance: relative agreement of the fitted range and apogee with the given
            ones (:func:`gsomia.physics.ballistics.fit_trajectory`; default 0.1 %; scenarios
            from the public record use :data:`RECORD_FIT_TOLERANCE`).
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
    where: str = ""
    fit_tolerance: float = 1e-3


RECORD_FIT_TOLERANCE = 0.02
"""Fit tolerance of launches built from the public record: the CNS ranges and apogees are
rounded figures from press reports ("about 1,100 km", "60 km"), mostly to two significant
digits, i.e. ±0.5-5 %; a flight within 2 % of them matches the record as well as it can be
known (a tighter fit would drop launches the model flies, for rounding alone)."""


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


@functools.lru_cache(maxsize=1)
def _packaged_catalog_names() -> tuple[frozenset[str], frozenset[str]]:
    return _catalog_names(load_catalog())


def _catalog_names(catalog: Catalog) -> tuple[frozenset[str], frozenset[str]]:
    """(agreement names, known parties: those with a marking scheme or in an agreement)."""
    parties = set(catalog.schemes)
    for agreement in catalog.agreements.values():
        parties.update(agreement.parties)
    return frozenset(catalog.agreements), frozenset(parties)


def load_scenario(name_or_path: str | Path, catalog: Catalog | None = None) -> Scenario:
    """Read and validate a scenario (packaged name or file path).

    Args:
        name_or_path: a packaged scenario name or a file path.
        catalog: the agreement catalogue that agreement names and parties are checked
            against (default: the packaged one, :func:`gsomia.sharing.load_catalog`).

    Raises:
        InputError: a missing, unknown or out-of-domain key, naming file, key and value.
    """
    path = resolve_scenario_path(name_or_path)
    agreement_names, known_parties = (_packaged_catalog_names() if catalog is None
                                      else _catalog_names(catalog))
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
        if party not in known_parties:
            raise root.error("parties", party, "party unknown to the agreement catalogue "
                             f"(known: {', '.join(sorted(known_parties))})")
    if len(set(parties)) != len(parties):
        dup = next(p for i, p in enumerate(parties) if p in parties[:i])
        raise root.error("parties", list(parties), f"{dup} is listed twice")
    if not parties:
        raise root.error("parties", [], "a scenario needs at least one party")
    sources = tuple(root.strings("sources", []))
    duration = root.number("duration_s", None, lo=0.0, lo_open=True, hi=MAX_DURATION_S)
    sensors = _read_sensors(root, parties, epoch.date())
    launches = _read_launches(root)
    agreements = tuple(_read_agreement(t, agreement_names) for t in root.tables("agreements"))
    links = tuple(_read_link(t, parties) for t in root.tables("links"))
    root.done()
    return Scenario(name=name, title=title, file=str(path), epoch=epoch, seed=seed,
                    parties=parties, sensors=sensors, launches=launches,
                    agreements=agreements, links=links, duration_s=duration, sources=sources)


def _read_sensors(root: Table, parties: tuple[str, ...], day: dt.date) -> tuple[Sensor, ...]:
    catalogue = load_sensor_catalogue()
    entries = root.tables("sensors")
    if not entries:
        return tuple(sensor_from_table(Table(p, "sensors.toml", p["id"]))
                     for p in catalogue.values()
                     if p["owner"] in parties and in_service_on(p, day))
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
    seen_ids: set[str] = set()
    tables = root.tables("launches")
    if not tables:
        raise root.error("launches", None, "a scenario needs at least one [[launches]] entry")
    for t in tables:
        t.only("id", "site", "lat_deg", "lon_deg", "alt_m", "t_s", "bearing_deg", "range_km",
               "apogee_km", "missile", "propulsion", "salvo", "source", "notes",
               "fit_tolerance")
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
        t0 = t.number("t_s", 0.0, lo=0.0, hi=MAX_DURATION_S)
        bearing = t.number("bearing_deg", lo=0.0, hi=360.0, hi_open=True)
        range_m = 1e3 * t.number("range_km", lo=RANGE_KM[0], hi=RANGE_KM[1])
        apogee_m = 1e3 * t.number("apogee_km", lo=APOGEE_KM[0], hi=APOGEE_KM[1])
        fit_tolerance = t.number("fit_tolerance", 1e-3, lo=1e-6, hi=0.05)
        missile = t.string("missile", None)
        propulsion = t.string("propulsion", "auto",
                              choices=("auto", *sorted(PROPULSION_CLASSES)))
        _check_missile(t, missile, propulsion)
        source = t.string("source", "")
        t.raw("notes", None)
        count, spacing = 1, 0.0
        salvo = t.table("salvo")
        if salvo is not None:
            salvo.only("count", "spacing_s")
            count = salvo.integer("count", lo=1, hi=MAX_SALVO_COUNT)
            spacing = salvo.number("spacing_s", 0.0, lo=0.0, hi=MAX_DURATION_S)
            last = t0 + (count - 1) * spacing
            if last > MAX_DURATION_S:
                raise salvo.error("spacing_s", spacing,
                                  f"the salvo's last launch would be at {last:g} s: launch "
                                  f"times must be <= {MAX_DURATION_S:g} s")
            salvo.done()
        t.done()
        if len(out) + count > MAX_LAUNCHES:
            raise t.error("salvo" if salvo is not None else "id", launch_id,
                          f"the scenario would have {len(out) + count} launches: at most "
                          f"{MAX_LAUNCHES} in all (salvos counted per missile)")
        ids = [launch_id] if salvo is None else [f"{launch_id}-{k + 1}" for k in range(count)]
        for k, lid in enumerate(ids):
            if lid in seen_ids:
                raise t.error("id", lid, "duplicate launch id")
            seen_ids.add(lid)
            out.append(LaunchSpec(lid, lat, lon, alt, t0 + k * spacing, bearing,
                                  range_m, apogee_m, propulsion, missile, site, source,
                                  t.where, fit_tolerance))
    return tuple(out)


def _check_missile(t: Table, missile: str | None, propulsion: str) -> None:
    """A missile name must name a known family unless a propulsion is given, and must not
    contradict a given propulsion (:func:`gsomia.physics.ballistics.propulsion_class_for`)."""
    if missile is None:
        return
    try:
        family = propulsion_class_for(missile)
    except InputError:
        if propulsion == "auto":
            raise t.error("missile", missile, "no known missile family has this name: give "
                          "propulsion = one of " + ", ".join(sorted(PROPULSION_CLASSES))
                          ) from None
        return
    if propulsion != "auto" and propulsion != family:
        raise t.error("propulsion", propulsion,
                      f"conflicts with missile = {missile!r}, which is {family}: drop "
                      "one of the two or make them agree")


def _read_agreement(t: Table, known: frozenset[str] | None = None) -> AgreementSpec:
    t.only("name", "route")
    name = t.string("name")
    if known is not None and name not in known:
        raise t.error("name", name, "unknown agreement (catalogue: "
                      + ", ".join(sorted(known)) + ")")
    spec = AgreementSpec(name, t.string("route", "direct", choices=ROUTES))
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
    if ends[0] == ends[1]:
        raise t.error("to", ends[1], "a link joins two different parties (from = to)")
    spec = LinkSpec(ends[0], ends[1], t.number("delay_s", lo=0.0, hi=3600.0))
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
                     comment: str = "",
                     sensors: list[dict[str, Any]] = (),  # type: ignore[assignment]
                     sensors_comment: str = "") -> str:
    """Render a scenario file (the schema of :func:`load_scenario`).

    Args:
        header: top-level keys (``epoch``, ``seed``, ``parties`` …), in file units.
        launches, agreements, links, sensors: one dict per ``[[…]]`` entry, in file units.
        comment: lines written as a ``#`` comment at the top.
        sensors_comment: a ``#`` comment (one paragraph, wrapped) before the ``[[sensors]]``
            entries.

    Returns:
        the file text (TOML); ``None`` values are left out.
    """
    lines = [f"# {line}".rstrip() for line in comment.splitlines()]
    lines += [f"{k} = {_toml_value(v)}" for k, v in header.items() if v is not None]
    if sensors and sensors_comment:
        lines += [""] + [f"# {line}".rstrip() for line in
                         textwrap.wrap(sensors_comment, 92, break_on_hyphens=False)]
    for section, entries in (("sensors", sensors), ("launches", launches),
                             ("agreements", agreements), ("links", links)):
        for entry in entries:
            lines += ["", f"[[{section}]]"]
            lines += [f"{k} = {_toml_value(v)}" for k, v in entry.items() if v is not None]
    return "\n".join(lines) + "\n"


# -- from the public record ---------------------------------------------------------------------

SKIP_KINDS = ("incomplete_record", "outside_flight_model", "outside_window")
"""Why :func:`check_records` leaves a record out: it lacks a site position, bearing, range or
apogee; its range or apogee is outside the flight model's domain (:data:`RANGE_KM`,
:data:`APOGEE_KM`); it was launched more than :data:`MAX_DURATION_S` after the date's first
launch (a scenario's launch times are at most that)."""


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
        late_s = (0.0 if rec.launched_at is None
                  else (rec.launched_at - epoch).total_seconds())
        if missing:
            out.append(RecordSkip(rec, label, "incomplete_record",
                                  f"no {', '.join(missing)} in the record"))
        elif outside:
            out.append(RecordSkip(rec, label, "outside_flight_model",
                                  f"{', '.join(outside)} outside the flight model"))
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
                          event: int | None = None) -> tuple[str, list[str]]:
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
    epoch = _records_epoch(records)
    launches: list[dict[str, Any]] = []
    checks = check_records(records, default_apogee_km=default_apogee_km)
    skipped = [str(check) for check in checks if check is not None]
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
        launches.append({
            "id": f"L{rec.salvo_index or n}",
            "lat_deg": rec.site_lat_deg, "lon_deg": rec.site_lon_deg, "t_s": t_s,
            "bearing_deg": float(rec.bearing_deg) % 360.0,  # type: ignore[arg-type]
            "range_km": float(rec.range_km),  # type: ignore[arg-type]
            "apogee_km": float(apogee),  # type: ignore[arg-type]
            "missile": rec.missile_name, "propulsion": propulsion,
            "fit_tolerance": RECORD_FIT_TOLERANCE,
            "source": (f"{source_note}, {label}, facility {rec.facility}{apogee_note}"
                       f"{propulsion_note}")})
    if not launches:
        raise InputError("records", day.isoformat(),
                         "no record of that date has site, bearing, range and apogee ("
                         + "; ".join(skipped) + ")")
    ids = [item["id"] for item in launches]
    if len(set(ids)) != len(ids):
        for k, item in enumerate(launches, start=1):
            item["id"] = f"L{k}"
    title = (f"Launches of {day.isoformat()} (UTC)" if event is None
             else f"Launches of {day.isoformat()} (UTC), event {event}")
    header = {"name": f"record-{what}", "title": f"{title} from the public record",
              "epoch": epoch, "seed": seed, "parties": list(parties),
              "sources": [f"{source_note}, records of {what}"]}
    built = (f"`gsomia scenario from-record {day.isoformat()}`" if event is None
             else f"the batch (gsomia.sim.batch), event {what},")
    comment = (f"Built by {built} from the {source_note}.\n"
               "One launch per record; figures as the record gives them (unverified).")
    catalogue = load_sensor_catalogue()
    in_service = [{"site": sid} for sid, entry in catalogue.items()
                  if entry["owner"] in parties and in_service_on(entry, day)]
    left_out = [f"{sid} (from {entry['in_service'].isoformat()})"
                for sid, entry in catalogue.items()
                if entry["owner"] in parties and not in_service_on(entry, day)]
    sensors_comment = (f"Sensors of the parties in service on {day.isoformat()} (in_service in "
                       "gsomia/data/sensors.toml)"
                       + (f"; not yet in service: {', '.join(left_out)}." if left_out else "."))
    return scenario_to_toml(header, launches, comment=comment, sensors=in_service,
                            sensors_comment=sensors_comment), skipped

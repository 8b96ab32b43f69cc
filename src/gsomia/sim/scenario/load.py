"""Reading scenario files: the schema (:class:`gsomia.schemas.ScenarioFile`), then the checks
against the catalogues, then the domain types (:class:`Scenario`).

A scenario is a TOML file. Packaged scenarios (``gsomia/data/scenarios/<name>.toml``) are
named by their file stem (``2017-03-06``); any other file is named by its path. Degrees and
kilometres in the file, SI inside (converted once, here). Every validation error is an
:class:`~gsomia.errors.InputError` naming the file, the key path and the value, e.g.
``s.toml: launches[1].range_km=-5.0: must be between 10 and 15000``.

Checked here, after the schema: parties known to the agreement catalogue
(:func:`gsomia.sharing.load_catalog`), agreement names of it and their routes
(:meth:`gsomia.sharing.Route.parse`), link ends among the scenario's parties, launch
facilities (``data/facilities.toml``), missile names and propulsion classes
(:func:`gsomia.physics.ballistics.propulsion_class_for`), sensor sites of the catalogue
(``data/sensors.toml``; a sensor's figures are checked when it is built,
:func:`gsomia.warning.sites.sensor_from_table`), unique launch and sensor ids, and at most
:data:`MAX_LAUNCHES` launches once salvos are expanded.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from gsomia.datafile import Table, read_toml_data
from gsomia.errors import InputError
from gsomia.physics.ballistics import PROPULSION_CLASSES, propulsion_class_for
from gsomia.physics.failure import Failure
from gsomia.physics.fit_checks import check_reach
from gsomia.physics.geodesy import geodesic_inverse
from gsomia.schemas import (
    FacilityFile,
    LaunchEntry,
    ScenarioFile,
    iso_value,
    parse,
)
from gsomia.schemas.scenario import FailureEntry
from gsomia.sharing import Catalog, Route, load_catalog
from gsomia.sim.scenario.model import (
    MAX_LAUNCHES,
    AgreementSpec,
    LaunchSpec,
    LinkSpec,
    Scenario,
)
from gsomia.warning.maritime_sites import (
    MaritimeSource,
    load_maritime_catalogue,
    maritime_from_table,
)
from gsomia.warning.sea import first_land_hit
from gsomia.warning.sensors.maritime import SonarSubmarine, SubmarineTrack
from gsomia.warning.sites import (
    Sensor,
    in_service_on,
    load_sensor_catalogue,
    sensor_from_table,
)

__all__ = [
    "load_facility_table",
    "load_scenario",
    "packaged_scenario_names",
    "packaged_scenarios_dir",
    "resolve_scenario_path",
]


def packaged_scenarios_dir() -> Path:
    """The folder of the packaged scenarios (``gsomia/data/scenarios``)."""
    return Path(str(resources.files("gsomia") / "data" / "scenarios"))


def packaged_scenario_names() -> list[str]:
    """Names of the packaged scenarios, sorted."""
    return sorted(p.stem for p in packaged_scenarios_dir().glob("*.toml"))


def resolve_scenario_path(name_or_path: str | Path) -> Path:
    """A packaged scenario's path by name, or the given path if it is a file.

    Raises:
        InputError: neither a packaged name nor an existing file.
    """
    packaged = packaged_scenarios_dir() / f"{name_or_path}.toml"
    if packaged.is_file():
        return packaged
    path = Path(name_or_path)
    if path.is_file():
        return path
    raise InputError("SCENARIO", str(name_or_path),
                     "neither a file nor a packaged scenario (packaged: "
                     + ", ".join(packaged_scenario_names()) + ")")


def load_facility_table() -> dict[str, tuple[float, float]]:
    """Packaged launch facilities (from the CNS facility list): key → (lat_deg, lon_deg).

    Raises:
        InputError: the file breaks :class:`gsomia.schemas.FacilityFile`.
    """
    path = Path(str(resources.files("gsomia") / "data" / "facilities.toml"))
    facilities = parse(FacilityFile, read_toml_data(path), file=str(path)).root
    return {key: (f.lat_deg, f.lon_deg) for key, f in facilities.items()}


@functools.lru_cache(maxsize=1)
def _packaged_catalog_names() -> tuple[frozenset[str], frozenset[str]]:
    return _catalog_names(load_catalog())


def _catalog_names(catalog: Catalog) -> tuple[frozenset[str], frozenset[str]]:
    """(agreement names, known parties: those with a marking scheme or in an agreement)."""
    parties = set(catalog.schemes)
    for agreement in catalog.agreements.values():
        parties.update(agreement.parties)
    return frozenset(catalog.agreements), frozenset(parties)


class _Where:
    """Errors naming the scenario file and a key path in it."""

    def __init__(self, file: str) -> None:
        self.file = file

    def error(self, path: str, value: Any, reason: str) -> InputError:
        return InputError(f"{self.file}: {path}", iso_value(value), reason)


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
    data = read_toml_data(path)
    doc = parse(ScenarioFile, data, file=str(path))
    where = _Where(str(path))
    parties = tuple(doc.parties)
    for i, party in enumerate(parties):
        if party not in known_parties:
            raise where.error(f"parties[{i}]", party, "party unknown to the agreement catalogue "
                              f"(known: {', '.join(sorted(known_parties))})")
    name = doc.name or path.stem
    if data.get("sensors", None) == []:  # omitted means the catalogue's: an empty list is
        raise where.error("sensors", [], "an empty list; omit the key for the catalogue's "
                          "sensors of the parties, or list at least one")  # not a silent one
    raw_sensors = [{k: v for k, v in entry.items() if k != "outages"}
                   for entry in data.get("sensors", [])]
    sensors = _sensors(raw_sensors, where, parties, doc.epoch.date())
    outages = tuple((sensor.id, w.from_s, w.to_s)
                    for sensor, entry in zip(sensors, doc.sensors, strict=False)
                    for w in entry.outages)
    launches = _launches(doc.launches, where)
    return Scenario(
        name=name, title=doc.title or name, file=str(path), epoch=doc.epoch, seed=doc.seed,
        parties=parties, sensors=sensors, launches=launches,
        agreements=_agreements(doc, where, agreement_names),
        links=_links(doc, where, parties),
        duration_s=doc.duration_s, sources=tuple(doc.sources), outages=outages,
        submarines=_submarines(doc, where, launches),
        maritime=_maritime(doc, where, parties, sensors))


SUBMARINE_AT_LAUNCH_M = 5_000.0
"""Largest distance [m] between a submarine at the time of the launch it fires and that
launch's point: a project choice (a boat fires from where it is; 5 km leaves room for a
launch point given as a coastal facility's coordinates, e.g. Sinpo, while a track that ends
somewhere else, or a launch placed elsewhere, is refused instead of scored as if it fitted)."""


SUBMARINE_MAX_SPEED_M_S = 45.0 * 1852.0 / 3600.0
"""Largest speed [m/s] of a submarine between two waypoints: 45 kn, above the fastest
submarine ever recorded (the Soviet K-222, Project 661, 44.7 kn submerged in 1970: Polmar &
Moore, *Cold War Submarines*, 2004). A bound of physics, not of the boats modelled (the
DPRK's diesel-electric boats make about 13-15 kn): a leg that needs more is a mistyped
time or position, refused instead of flown."""


def _check_times(where: _Where, at: str, track: Any) -> None:
    """The waypoints' times increase.

    Raises:
        InputError: naming ``<at>.track[i].t_s`` (not after the waypoint before) and its
            value.
    """
    for i in range(1, len(track)):
        if not track[i].t_s > track[i - 1].t_s:
            raise where.error(f"{at}.track[{i}].t_s", track[i].t_s,
                              f"must be after track[{i - 1}].t_s = {track[i - 1].t_s:g}: "
                              "waypoint times must increase")


def _check_speed(where: _Where, at: str, track: Any) -> None:
    """No leg needs more than :data:`SUBMARINE_MAX_SPEED_M_S` (geodesic distance over the
    leg's time, :func:`gsomia.physics.geodesy.geodesic_inverse`; times increasing).

    Raises:
        InputError: naming ``<at>.track[i]`` (the leg from it to ``[i+1]``) and the value.
    """
    for i in range(1, len(track)):
        a, b = track[i - 1], track[i]
        d, _ = geodesic_inverse(a.lat_deg, a.lon_deg, b.lat_deg, b.lon_deg)
        speed = float(d) / (b.t_s - a.t_s)
        if speed > SUBMARINE_MAX_SPEED_M_S:
            raise where.error(f"{at}.track[{i - 1}]", {"t_s": a.t_s, "lat_deg": a.lat_deg,
                                                       "lon_deg": a.lon_deg},
                              f"the leg to track[{i}] (t_s={b.t_s:g}, {b.lat_deg:g}, "
                              f"{b.lon_deg:g}) is {float(d) / 1e3:.1f} km in "
                              f"{b.t_s - a.t_s:g} s, {speed * 3600 / 1852:.1f} kn: above "
                              f"{SUBMARINE_MAX_SPEED_M_S * 3600 / 1852:g} kn, faster than "
                              "any submarine; check the times and positions")


def _submarines(doc: ScenarioFile, where: _Where,
                launches: tuple[LaunchSpec, ...]) -> tuple[SubmarineTrack, ...]:
    """The ``[[submarines]]`` tracks (schema-checked), ids unique, launches known, each at
    the point of the launch it fires at that launch's time (:func:`_check_fires_there`)."""
    launch_ids = {e.id for e in doc.launches}
    out: list[SubmarineTrack] = []
    for i, e in enumerate(doc.submarines):
        at = f"submarines[{i}]"
        if any(s.id == e.id for s in out):
            raise where.error(f"{at}.id", e.id, "duplicate submarine id")
        if e.launch is not None and e.launch not in launch_ids:
            raise where.error(f"{at}.launch", e.launch, "no [[launches]] entry of this id")
        _check_times(where, at, e.track)
        try:
            out.append(SubmarineTrack(e.id, tuple((w.t_s, w.lat_deg, w.lon_deg)
                                                  for w in e.track),
                                      tuple((m.from_s, m.to_s) for m in e.mast_up),
                                      e.launch, e.source or ""))
        except InputError as exc:
            raise where.error(f"{at}.track", exc.value, exc.reason) from None
        if e.launch is not None:
            _check_fires_there(where, at, out[-1], e.launch, launches)
        _check_at_sea(where, at, out[-1])
        _check_speed(where, at, e.track)
    return tuple(out)


def _check_at_sea(where: _Where, at: str, sub: SubmarineTrack) -> None:
    """No waypoint of ``sub`` is on land and no leg crosses land
    (:func:`gsomia.warning.sea.first_land_hit`: Natural Earth land as the zones load it;
    legs checked exactly along the path the boat is moved on).

    Raises:
        InputError: naming ``<at>.track[i]`` (a waypoint on land, or outside the region of
            the land loaded) or ``<at>.track[i]`` to ``[i+1]`` (a leg over land), the
            country and where the leg meets land.
    """
    try:
        hit = first_land_hit(sub.waypoints)
    except InputError as exc:
        raise where.error(f"{at}.{exc.field}", exc.value, exc.reason) from None
    if hit is None:
        return
    t, lat, lon = sub.waypoints[hit.index]
    here = {"t_s": t, "lat_deg": lat, "lon_deg": lon}
    if not hit.leg:
        raise where.error(f"{at}.track[{hit.index}]", here,
                          f"on land ({hit.country}, Natural Earth 1:10m): a submarine's "
                          "waypoints must be at sea")
    t2, lat2, lon2 = sub.waypoints[hit.index + 1]
    (a_lat, a_lon), (b_lat, b_lon) = hit.entry_deg, hit.exit_deg
    raise where.error(f"{at}.track[{hit.index}]", here,
                      f"the leg to track[{hit.index + 1}] (t_s={t2:g}, {lat2:g}, {lon2:g}) "
                      f"crosses land ({hit.country}, Natural Earth 1:10m) from "
                      f"({a_lat:.4f}, {a_lon:.4f}) to ({b_lat:.4f}, {b_lon:.4f}): a "
                      "submarine moves straight in latitude and longitude between "
                      "waypoints; add waypoints at sea around the land")


def _check_fires_there(where: _Where, at: str, sub: SubmarineTrack, launch: str,
                       launches: tuple[LaunchSpec, ...]) -> None:
    """The submarine ``sub`` is within :data:`SUBMARINE_AT_LAUNCH_M` of the point of its
    ``launch`` (the first missile of a salvo) at that launch's time (geodesic distance,
    :func:`gsomia.physics.geodesy.geodesic_inverse`).

    Raises:
        InputError: naming ``<at>.track`` and the submarine's position then.
    """
    spec = next(s for s in launches if s.id == launch or s.id == f"{launch}-1")
    lat, lon = sub.position(spec.t_s)
    d, _ = geodesic_inverse(lat, lon, spec.lat_deg, spec.lon_deg)
    if not float(d) <= SUBMARINE_AT_LAUNCH_M:
        raise where.error(f"{at}.track", {"t_s": spec.t_s, "lat_deg": round(lat, 4),
                                          "lon_deg": round(lon, 4)},
                          f"the submarine fires {launch!r} ({spec.where}) but is "
                          f"{float(d) / 1e3:.1f} km from its launch point "
                          f"({spec.lat_deg:.4f}, {spec.lon_deg:.4f}) at its time: at most "
                          f"{SUBMARINE_AT_LAUNCH_M / 1e3:g} km")


def _maritime(doc: ScenarioFile, where: _Where, parties: tuple[str, ...],
              sensors: tuple[Sensor, ...]) -> tuple[MaritimeSource, ...]:
    """The ``[[maritime]]`` sources: a catalogue station by ``site`` merged with the entry's
    keys, or a whole table (:mod:`gsomia.warning.maritime_sites`)."""
    catalogue = load_maritime_catalogue()
    out: list[MaritimeSource] = []
    taken = {s.id for s in sensors}
    for i, entry in enumerate(doc.maritime):
        at = f"maritime[{i}]"
        merged = dict(entry)
        if "site" in entry:
            if entry["site"] not in catalogue:
                raise where.error(f"{at}.site", entry["site"], "unknown maritime station "
                                  "(see gsomia/data/maritime_sensors.toml: "
                                  + ", ".join(sorted(catalogue)) + ")")
            merged = {**catalogue[entry["site"]], **entry}
        source = maritime_from_table(merged, f"{where.file}: {at}")
        if source.owner not in parties:
            raise where.error(f"{at}.owner", source.owner,
                              "owner is not one of the scenario's parties")
        if source.id in taken:
            raise where.error(f"{at}.id", source.id, "duplicate sensor id")
        if isinstance(source, SonarSubmarine):
            _check_station_at_sea(where, at, source)
        taken.add(source.id)
        out.append(source)
    return tuple(out)


def _check_station_at_sea(where: _Where, at: str, boat: SonarSubmarine) -> None:
    """A submarine station (``kind = "submarine"``) is at sea, as a track's waypoint must
    be (:func:`gsomia.warning.sea.first_land_hit`); a patrol aircraft may fly over land.

    Raises:
        InputError: naming ``<at>`` and the station's position (on land, or outside the
            region of the land loaded).
    """
    here = {"lat_deg": boat.lat_deg, "lon_deg": boat.lon_deg}
    try:
        hit = first_land_hit(((0.0, boat.lat_deg, boat.lon_deg),))
    except InputError as exc:
        raise where.error(at, here, exc.reason) from None
    if hit is not None:
        raise where.error(at, here, f"on land ({hit.country}, Natural Earth 1:10m): a "
                          "submarine's station must be at sea")


def _sensors(entries: list[Mapping[str, Any]], where: _Where, parties: tuple[str, ...],
             day: dt.date) -> tuple[Sensor, ...]:
    """The scenario's sensors (schema-checked ``[[sensors]]`` entries, as written)."""
    catalogue = load_sensor_catalogue()
    if not entries:
        return tuple(sensor_from_table(Table(p, "sensors.toml", p["id"]))
                     for p in catalogue.values()
                     if p["owner"] in parties and in_service_on(p, day))
    sensors: list[Sensor] = []
    for i, entry in enumerate(entries):
        at = f"sensors[{i}]"
        merged = dict(entry)
        if "site" in entry:
            site = merged.pop("site")
            if site not in catalogue:
                raise where.error(f"{at}.site", site, "unknown sensor site (see gsomia/data/"
                                  "sensors.toml)")
            merged = {**catalogue[site], **merged}
        sensor = sensor_from_table(Table(merged, where.file, at))
        if sensor.owner not in parties:
            raise where.error(f"{at}.owner", sensor.owner,
                              "owner is not one of the scenario's parties")
        if any(s.id == sensor.id for s in sensors):
            raise where.error(f"{at}.id", sensor.id, "duplicate sensor id")
        sensors.append(sensor)
    return tuple(sensors)


def _launches(entries: list[LaunchEntry], where: _Where) -> tuple[LaunchSpec, ...]:
    """One spec per missile (salvos expanded), ids unique, at most :data:`MAX_LAUNCHES`."""
    facilities: dict[str, tuple[float, float]] | None = None
    out: list[LaunchSpec] = []
    seen_ids: dict[str, int] = {}
    for i, t in enumerate(entries):
        at = f"launches[{i}]"
        if t.site is not None:
            facilities = load_facility_table() if facilities is None else facilities
            if t.site not in facilities:
                raise where.error(f"{at}.site", t.site, "unknown facility (known: "
                                  + ", ".join(sorted(facilities))
                                  + "); or give lat_deg/lon_deg")
            lat, lon = facilities[t.site]
        else:
            lat, lon = t.lat_deg, t.lon_deg  # type: ignore[assignment]
        _check_missile(where, at, t.missile, t.propulsion)
        _check_reach(where, at, t)
        count = 1 if t.salvo is None else t.salvo.count
        spacing = 0.0 if t.salvo is None else t.salvo.spacing_s
        if len(out) + count > MAX_LAUNCHES:
            raise where.error(*((f"{at}.salvo.count", count) if t.salvo is not None
                                else (f"{at}.id", t.id)),
                              f"the scenario would have {len(out) + count} launches: at "
                              f"most {MAX_LAUNCHES} in all (salvos counted per missile)")
        ids = [t.id] if t.salvo is None else [f"{t.id}-{k + 1}" for k in range(count)]
        for k, lid in enumerate(ids):
            if lid in seen_ids:
                raise where.error(f"{at}.id", t.id, _duplicate(lid, seen_ids[lid], t.id))
            seen_ids[lid] = i
            out.append(LaunchSpec(lid, lat, lon, t.alt_m, t.t_s + k * spacing, t.bearing_deg,
                                  1e3 * t.range_km, 1e3 * t.apogee_km, t.propulsion,
                                  t.missile, t.site, t.source or "", at, t.fit_tolerance,
                                  _failure(t.failure),
                                  None if t.impact_lat_deg is None else
                                  (t.impact_lat_deg, t.impact_lon_deg,
                                   1e3 * t.impact_sigma_km)))
    return tuple(out)


def _duplicate(lid: str, first: int, given: str) -> str:
    """The reason of a duplicate launch id ``lid`` first used by ``launches[first]``
    (``given`` is the id as written: a salvo's missiles are ``<id>-1`` … ``<id>-<count>``)."""
    salvo = "" if lid == given else f" (its salvo's missile {lid!r})"
    return (f"duplicate launch id{salvo}: already used by launches[{first}] (a salvo "
            "of id X names its missiles X-1 ... X-<count>)")


def _failure(entry: FailureEntry | None) -> Failure | None:
    """The :class:`~gsomia.physics.failure.Failure` of a ``failure`` table (schema-checked)."""
    if entry is None:
        return None
    return Failure(kind=entry.kind, pieces=entry.pieces, t_s=entry.t_s, stage=entry.stage,
                   source=entry.source or "", dv_m_s=entry.dv_m_s)


def _check_missile(where: _Where, at: str, missile: str | None, propulsion: str) -> None:
    """``propulsion`` is ``auto`` or a known class; a missile name must name a known family
    unless a propulsion is given, and must not contradict a given propulsion
    (:func:`gsomia.physics.ballistics.propulsion_class_for`)."""
    choices = ("auto", *sorted(PROPULSION_CLASSES))
    if propulsion not in choices:
        raise where.error(f"{at}.propulsion", propulsion,
                          f"expected one of {', '.join(choices)}")
    if missile is None:
        return
    try:
        family = propulsion_class_for(missile)
    except InputError:
        if propulsion == "auto":
            raise where.error(f"{at}.missile", missile, "no known missile family has this "
                              "name: give propulsion = one of "
                              + ", ".join(sorted(PROPULSION_CLASSES))) from None
        return
    if propulsion != "auto" and propulsion != family:
        raise where.error(f"{at}.propulsion", propulsion,
                          f"conflicts with missile = {missile!r}, which is {family}: drop "
                          "one of the two or make them agree")


def _check_reach(where: _Where, at: str, entry: LaunchEntry) -> None:
    """The entry's range and apogee are within the reach of its propulsion class (given, or
    of its missile, or from the range: :func:`gsomia.physics.fit_checks.check_reach`)."""
    prop = entry.propulsion if entry.propulsion != "auto" else \
        propulsion_class_for(entry.missile, 1e3 * entry.range_km)
    try:
        check_reach(PROPULSION_CLASSES[prop], 1e3 * entry.range_km, 1e3 * entry.apogee_km)
    except InputError as exc:
        raise where.error(f"{at}.range_km", entry.range_km, exc.reason) from None


def _agreements(doc: ScenarioFile, where: _Where,
                known: frozenset[str]) -> tuple[AgreementSpec, ...]:
    out = []
    for i, entry in enumerate(doc.agreements):
        at = f"agreements[{i}]"
        if entry.name not in known:
            raise where.error(f"{at}.name", entry.name, "unknown agreement (catalogue: "
                              + ", ".join(sorted(known)) + ")")
        try:
            route = Route.parse(entry.route)
        except InputError as exc:
            raise where.error(f"{at}.route", entry.route, exc.reason) from None
        out.append(AgreementSpec(entry.name, route))
    return tuple(out)


def _links(doc: ScenarioFile, where: _Where, parties: tuple[str, ...]) -> tuple[LinkSpec, ...]:
    out = []
    for i, entry in enumerate(doc.links):
        for key, party in (("from", entry.from_), ("to", entry.to)):
            if party not in parties:
                raise where.error(f"links[{i}].{key}", party,
                                  "not one of the scenario's parties")
        out.append(LinkSpec(entry.from_, entry.to, entry.delay_s))
    return tuple(out)

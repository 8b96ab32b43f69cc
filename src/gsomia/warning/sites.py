"""The packaged catalogue of sensor sites (``gsomia/data/sensors.toml``) and the building of
sensor models from such tables.

The catalogue holds *classes* (assumed performance parameters of a radar family, each with
its reasons) and *sites* (public position and range facts, each with its source; a site
names its class and may override any class parameter). Figures are in degrees, kilometres,
metres and seconds in the file and converted to SI once, here.

Keys of a radar table (class merged with site): ``kind = "radar"``, ``id``, ``owner``,
``lat_deg``, ``lon_deg``, ``alt_m``, ``max_range_km``, ``min_elevation_deg``, ``revisit_s``,
``sigma_range_m``, ``sigma_az_deg``, ``sigma_el_deg``, ``pd``, ``false_alarms_per_scan``,
``sector_center_deg``, ``sector_half_width_deg``, ``refraction_k``, ``scan_offset_s``,
``range_resolution_m`` (0 to 10,000 m, default 0) and ``beamwidth_deg`` (0 to 90 deg, default
0; 0 for either resolves every object, see :mod:`gsomia.warning.sensors`, "Resolution"), with
the documentation key ``resolution_source``, and ``platform`` (``"ground"``, the default, or
``"ship"`` on station: the same fixed-site model, drawn apart in the plots).
Of an infrared table: ``kind = "infrared"``, ``id``, ``owner``, ``detect_after_s``,
``report_delay_s``, ``sigma_position_km``, ``sigma_time_s``, ``sigma_heading_deg``, ``pd``.
Both may carry the documentation keys ``class``, ``description``, ``assumption``,
``position_source``, ``range_source``, ``sector_source`` and ``notes``, and the service date
``in_service`` (a TOML date: the first day the sensor is counted as available) with
``in_service_source`` (where the date comes from, or ``"assumed: …"``). A site without
``in_service`` is taken as always in service.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from gsomia.datafile import Table, read_toml_data
from gsomia.errors import InputError
from gsomia.schemas import Closed, LocalDate, Text, number, parse
from gsomia.warning.sensors import (
    MAX_BEAMWIDTH_RAD,
    MAX_RANGE_RESOLUTION_M,
    InfraredLaunchSensor,
    Radar,
)

__all__ = ["InfraredSite", "RadarSite", "Sensor", "SensorCatalogueFile", "in_service_on",
           "load_sensor_catalogue", "packaged_sensors_path", "sensor_from_table"]

Sensor = Radar | InfraredLaunchSensor
"""A sensor model a scenario can hold."""

Doc = Any  # documentation keys: free text (never read by the program)


class _SiteKeys(Closed):
    """Keys every sensor table has (the class merged with the site)."""

    id: Text
    owner: Text
    in_service: LocalDate | None = Field(None, description="first day in service")
    class_: Doc = Field(None, alias="class")
    description: Doc = None
    assumption: Doc = None
    position_source: Doc = None
    range_source: Doc = None
    sector_source: Doc = None
    notes: Doc = None
    in_service_source: Doc = None
    resolution_source: Doc = None


class RadarSite(_SiteKeys):
    """A radar table (module notes), in the file's units."""

    kind: Literal["radar"]
    platform: Literal["ground", "ship"] = "ground"
    lat_deg: number(-90.0, 90.0)  # type: ignore[valid-type]
    lon_deg: number(-180.0, 360.0)  # type: ignore[valid-type]
    alt_m: number(-500.0, 1e5) = 0.0  # type: ignore[valid-type]
    max_range_km: number(0.0, lo_open=True)  # type: ignore[valid-type]
    min_elevation_deg: number(-90.0, 90.0) = 0.0  # type: ignore[valid-type]
    revisit_s: number(0.1, 3600.0) = 10.0  # type: ignore[valid-type]
    sigma_range_m: number(0.0) = 50.0  # type: ignore[valid-type]
    sigma_az_deg: number(0.0) = 0.1  # type: ignore[valid-type]
    sigma_el_deg: number(0.0) = 0.1  # type: ignore[valid-type]
    pd: number(0.0, 1.0) = 0.9  # type: ignore[valid-type]
    false_alarms_per_scan: number(0.0) = 0.0  # type: ignore[valid-type]
    sector_center_deg: number(-360.0, 360.0) | None = None  # type: ignore[valid-type]
    sector_half_width_deg: number(0.0, 180.0, lo_open=True) = 180.0  # type: ignore[valid-type]
    refraction_k: number(0.5, 10.0) = 1.0  # type: ignore[valid-type]
    scan_offset_s: number() = 0.0  # type: ignore[valid-type]
    range_resolution_m: number(0.0, MAX_RANGE_RESOLUTION_M) = 0.0  # type: ignore[valid-type]
    beamwidth_deg: number(  # type: ignore[valid-type]
        0.0, math.degrees(MAX_BEAMWIDTH_RAD)) = 0.0


class InfraredSite(_SiteKeys):
    """An infrared launch-detection table (module notes), in the file's units."""

    kind: Literal["infrared"]
    detect_after_s: number(0.0) = 20.0  # type: ignore[valid-type]
    report_delay_s: number(0.0) = 40.0  # type: ignore[valid-type]
    sigma_position_km: number(0.0) = 5.0  # type: ignore[valid-type]
    sigma_time_s: number(0.0) = 5.0  # type: ignore[valid-type]
    sigma_heading_deg: number(0.0) = 10.0  # type: ignore[valid-type]
    pd: number(0.0, 1.0) = 0.95  # type: ignore[valid-type]


class SensorCatalogueFile(Closed):
    """``sensors.toml``: ``[classes.<name>]`` tables and ``[[sites]]`` (each checked as a
    :class:`RadarSite` or :class:`InfraredSite` once merged with its class)."""

    classes: dict[str, dict[str, Any]] = {}
    sites: list[dict[str, Any]] = []


def in_service_on(entry: Mapping[str, object], day: dt.date) -> bool:
    """Whether a catalogue entry (a merged table of :func:`load_sensor_catalogue`) is in
    service on ``day``: its ``in_service`` date is on or before it (no date: always)."""
    since = entry.get("in_service")
    return since is None or since <= day  # type: ignore[operator]


def packaged_sensors_path() -> Path:
    """Path of the packaged ``sensors.toml``."""
    return Path(str(resources.files("gsomia") / "data" / "sensors.toml"))


def sensor_from_table(table: Table) -> Sensor:
    """Build a :class:`Radar` or :class:`InfraredLaunchSensor` from a merged table
    (:class:`RadarSite` or :class:`InfraredSite`).

    Raises:
        InputError: a missing, unknown or out-of-domain key (names file, key and value).
    """
    kind = table.data.get("kind")
    if kind not in ("radar", "infrared"):
        raise table.error("kind", kind, "expected one of radar, infrared")
    if kind == "infrared":
        ir = parse(InfraredSite, table.data, file=table.file, where=table.where)
        return _build(table, InfraredLaunchSensor, dict(
            id=ir.id, owner=ir.owner, detect_after_s=ir.detect_after_s,
            report_delay_s=ir.report_delay_s, sigma_position_m=1e3 * ir.sigma_position_km,
            sigma_time_s=ir.sigma_time_s, sigma_heading_rad=math.radians(ir.sigma_heading_deg),
            pd=ir.pd))
    r = parse(RadarSite, table.data, file=table.file, where=table.where)
    centre = r.sector_center_deg
    return _build(table, Radar, dict(
        id=r.id, owner=r.owner, lat_deg=r.lat_deg, lon_deg=r.lon_deg, alt_m=r.alt_m,
        max_range_m=1e3 * r.max_range_km, min_elevation_rad=math.radians(r.min_elevation_deg),
        revisit_s=r.revisit_s, sigma_range_m=r.sigma_range_m,
        sigma_az_rad=math.radians(r.sigma_az_deg), sigma_el_rad=math.radians(r.sigma_el_deg),
        pd=r.pd, false_alarms_per_scan=r.false_alarms_per_scan,
        sector_center_rad=None if centre is None else math.radians(centre),
        sector_half_width_rad=math.radians(r.sector_half_width_deg),
        refraction_k=r.refraction_k, scan_offset_s=r.scan_offset_s,
        range_resolution_m=r.range_resolution_m, beamwidth_rad=math.radians(r.beamwidth_deg),
        platform=r.platform))


def _build(table: Table, cls: Any, kwargs: dict[str, Any]) -> Any:
    """Construct a sensor; a domain error of the model is re-raised naming the file."""
    try:
        return cls(**kwargs)
    except InputError as exc:
        raise table.error(exc.field, exc.value, exc.reason) from exc


def load_sensor_catalogue(path: str | Path | None = None) -> dict[str, dict[str, Any]]:
    """Read a sensor catalogue: site id → merged parameter table (class values, then the
    site's own; the file's units, ready for :func:`sensor_from_table`).

    Every site is also built once, so a bad figure fails here, naming the file and key.

    Args:
        path: a catalogue file; default the packaged ``sensors.toml``.

    Raises:
        InputError: unknown class, duplicate id, or any bad key or value.
    """
    file = Path(path if path is not None else packaged_sensors_path())
    doc = parse(SensorCatalogueFile, read_toml_data(file), file=str(file))
    catalogue: dict[str, dict[str, Any]] = {}
    for i, site in enumerate(doc.sites):
        class_name = site.get("class")
        if class_name is not None and class_name not in doc.classes:
            raise InputError(f"{file}: sites[{i}].class", class_name,
                             f"unknown class (known: {', '.join(sorted(doc.classes))})")
        merged = {**doc.classes.get(class_name, {}), **site}
        sensor_from_table(Table(merged, str(file), f"sites[{i}]"))
        sensor_id = merged["id"]
        if sensor_id in catalogue:
            raise InputError(f"{file}: sites[{i}].id", sensor_id, "duplicate sensor id")
        catalogue[sensor_id] = merged
    return catalogue

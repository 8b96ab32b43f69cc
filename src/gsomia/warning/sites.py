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
the documentation key ``resolution_source``.
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
from typing import Any

from gsomia.datafile import Table, read_toml
from gsomia.errors import InputError
from gsomia.warning.sensors import (
    MAX_BEAMWIDTH_RAD,
    MAX_RANGE_RESOLUTION_M,
    InfraredLaunchSensor,
    Radar,
)

__all__ = ["Sensor", "in_service_on", "load_sensor_catalogue", "packaged_sensors_path",
           "sensor_from_table"]

Sensor = Radar | InfraredLaunchSensor
"""A sensor model a scenario can hold."""

_DOC_KEYS = ("class", "description", "assumption", "position_source", "range_source",
             "sector_source", "notes", "in_service_source", "resolution_source")
_RADAR_KEYS = ("kind", "id", "owner", "lat_deg", "lon_deg", "alt_m", "max_range_km",
               "min_elevation_deg", "revisit_s", "sigma_range_m", "sigma_az_deg", "sigma_el_deg",
               "pd", "false_alarms_per_scan", "sector_center_deg", "sector_half_width_deg",
               "refraction_k", "scan_offset_s", "range_resolution_m", "beamwidth_deg",
               "in_service", *_DOC_KEYS)
_INFRARED_KEYS = ("kind", "id", "owner", "detect_after_s", "report_delay_s",
                  "sigma_position_km", "sigma_time_s", "sigma_heading_deg", "pd", "in_service",
                  *_DOC_KEYS)


def in_service_on(entry: Mapping[str, object], day: dt.date) -> bool:
    """Whether a catalogue entry (a merged table of :func:`load_sensor_catalogue`) is in
    service on ``day``: its ``in_service`` date is on or before it (no date: always)."""
    since = entry.get("in_service")
    return since is None or since <= day  # type: ignore[operator]


def packaged_sensors_path() -> Path:
    """Path of the packaged ``sensors.toml``."""
    return Path(str(resources.files("gsomia") / "data" / "sensors.toml"))


def sensor_from_table(table: Table) -> Sensor:
    """Build a :class:`Radar` or :class:`InfraredLaunchSensor` from a merged table.

    Raises:
        InputError: a missing, unknown or out-of-domain key (names file, key and value).
    """
    kind = table.string("kind", choices=("radar", "infrared"))
    table.only(*(_INFRARED_KEYS if kind == "infrared" else _RADAR_KEYS))
    sensor_id = table.string("id")
    owner = table.string("owner")
    for key in _DOC_KEYS:
        table.raw(key, None)
    table.date("in_service", None)
    if kind == "infrared":
        sensor: Sensor = _build(table, InfraredLaunchSensor, dict(
            id=sensor_id, owner=owner,
            detect_after_s=table.number("detect_after_s", 20.0, lo=0.0),
            report_delay_s=table.number("report_delay_s", 40.0, lo=0.0),
            sigma_position_m=1e3 * table.number("sigma_position_km", 5.0, lo=0.0),
            sigma_time_s=table.number("sigma_time_s", 5.0, lo=0.0),
            sigma_heading_rad=math.radians(table.number("sigma_heading_deg", 10.0, lo=0.0)),
            pd=table.number("pd", 0.95, lo=0.0, hi=1.0)))
    else:
        centre = table.number("sector_center_deg", None, lo=-360.0, hi=360.0)
        sensor = _build(table, Radar, dict(
            id=sensor_id, owner=owner,
            lat_deg=table.number("lat_deg", lo=-90.0, hi=90.0),
            lon_deg=table.number("lon_deg", lo=-180.0, hi=360.0),
            alt_m=table.number("alt_m", 0.0, lo=-500.0, hi=1e5),
            max_range_m=1e3 * table.number("max_range_km", lo=0.0, lo_open=True),
            min_elevation_rad=math.radians(
                table.number("min_elevation_deg", 0.0, lo=-90.0, hi=90.0)),
            revisit_s=table.number("revisit_s", 10.0, lo=0.1, hi=3600.0),
            sigma_range_m=table.number("sigma_range_m", 50.0, lo=0.0),
            sigma_az_rad=math.radians(table.number("sigma_az_deg", 0.1, lo=0.0)),
            sigma_el_rad=math.radians(table.number("sigma_el_deg", 0.1, lo=0.0)),
            pd=table.number("pd", 0.9, lo=0.0, hi=1.0),
            false_alarms_per_scan=table.number("false_alarms_per_scan", 0.0, lo=0.0),
            sector_center_rad=None if centre is None else math.radians(centre),
            sector_half_width_rad=math.radians(
                table.number("sector_half_width_deg", 180.0, lo=0.0, hi=180.0, lo_open=True)),
            refraction_k=table.number("refraction_k", 1.0, lo=0.5, hi=10.0),
            scan_offset_s=table.number("scan_offset_s", 0.0),
            range_resolution_m=table.number("range_resolution_m", 0.0, lo=0.0,
                                            hi=MAX_RANGE_RESOLUTION_M),
            beamwidth_rad=math.radians(table.number(
                "beamwidth_deg", 0.0, lo=0.0, hi=math.degrees(MAX_BEAMWIDTH_RAD)))))
    table.done()
    return sensor


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
    root = read_toml(path if path is not None else packaged_sensors_path())
    classes_table = root.table("classes")
    classes = {} if classes_table is None else dict(classes_table.data)
    for name in classes:
        classes_table.raw(name)  # type: ignore[union-attr]
        if not isinstance(classes[name], dict):
            raise classes_table.error(name, classes[name], "expected a table")  # type: ignore[union-attr]
    catalogue: dict[str, dict[str, Any]] = {}
    for site in root.tables("sites"):
        class_name = site.data.get("class")
        if class_name is not None and class_name not in classes:
            raise site.error("class", class_name,
                             f"unknown class (known: {', '.join(sorted(classes))})")
        merged = {**classes.get(class_name, {}), **site.data}
        sensor_from_table(Table(merged, site.file, site.where))
        sensor_id = merged["id"]
        if sensor_id in catalogue:
            raise site.error("id", sensor_id, "duplicate sensor id")
        catalogue[sensor_id] = merged
    root.done()
    return catalogue

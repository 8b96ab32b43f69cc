"""The packaged catalogue of maritime sources (``gsomia/data/maritime_sensors.toml``) and
the building of patrol-aircraft and submarine models from such tables.

As ``sensors.toml``: *classes* (assumed performance, each with its reasons) and *sites*
(a station, with the reason for it); a site names its class and may override any class
key, and a scenario's ``[[maritime]]`` entry may override any key of its site (for
instance ``on_station_from_s``). Kilometres and degrees in the file, SI here.

Keys of a ``kind = "patrol_aircraft"`` table: ``id``, ``owner``, ``lat_deg``, ``lon_deg``,
``alt_km``, ``on_station_from_s``, ``on_station_to_s``, ``periscope_range_km``,
``mast_height_m``, ``pd_radar``, ``sonobuoy_field_radius_km``, ``sonobuoy_range_km``,
``pd_sonobuoy``, ``sigma_radar_km``, ``sigma_sonobuoy_km``, ``interval_s``,
``report_delay_s``. Of a ``kind = "submarine"`` table: ``id``, ``owner``, ``lat_deg``,
``lon_deg``, ``on_station_from_s``, ``on_station_to_s``, ``passive_range_km``,
``snorkel_range_km``, ``pd``, ``sigma_fraction``, ``min_sigma_km``, ``interval_s``,
``report_delay_s``. Documentation keys (never read): ``class``, ``description``,
``assumption``, ``position_source``, ``notes``, ``site``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from gsomia.datafile import read_toml_data
from gsomia.errors import InputError
from gsomia.warning.sensors.maritime import PatrolAircraft, SonarSubmarine

__all__ = ["MaritimeSource", "load_maritime_catalogue", "maritime_from_table"]

MaritimeSource = PatrolAircraft | SonarSubmarine
"""A maritime source a scenario can hold."""

_DOC = frozenset({"class", "description", "assumption", "position_source", "notes", "site",
                  "kind"})
_KM = {"alt_km": "alt_m", "periscope_range_km": "periscope_range_m",
       "sonobuoy_field_radius_km": "sonobuoy_field_radius_m",
       "sonobuoy_range_km": "sonobuoy_range_m", "sigma_radar_km": "sigma_radar_m",
       "sigma_sonobuoy_km": "sigma_sonobuoy_m", "passive_range_km": "passive_range_m",
       "snorkel_range_km": "snorkel_range_m", "min_sigma_km": "min_sigma_m"}
_TEXT = frozenset({"id", "owner"})
_KINDS: dict[str, type] = {"patrol_aircraft": PatrolAircraft, "submarine": SonarSubmarine}


@functools.lru_cache(maxsize=1)
def load_maritime_catalogue() -> dict[str, dict[str, Any]]:
    """Packaged stations by id, each merged with its class (file units).

    Raises:
        InputError: a site naming an unknown class, or a duplicate id.
    """
    path = Path(str(resources.files("gsomia") / "data" / "maritime_sensors.toml"))
    data = read_toml_data(path)
    classes = data.get("classes", {})
    out: dict[str, dict[str, Any]] = {}
    for i, site in enumerate(data.get("sites", [])):
        cls = site.get("class")
        if cls not in classes:
            raise InputError(f"{path}: sites[{i}].class", cls,
                             f"unknown class (known: {', '.join(sorted(classes))})")
        if site["id"] in out:
            raise InputError(f"{path}: sites[{i}].id", site["id"], "duplicate id")
        out[site["id"]] = {**classes[cls], **site}
    return out


def maritime_from_table(table: Mapping[str, Any], where: str) -> MaritimeSource:
    """A patrol aircraft or submarine from a table (module notes), ``where`` naming it in
    errors (``"s.toml: maritime[0]"``).

    Raises:
        InputError: an unknown kind or key, an id or owner that is not text, a figure that
            is not a number (a boolean is not one), or a figure out of its domain (the
            model's own checks), naming ``where`` and the key.
    """
    kind = table.get("kind")
    if kind not in _KINDS:
        raise InputError(f"{where}.kind", kind, f"expected one of {', '.join(sorted(_KINDS))}")
    cls = _KINDS[kind]
    kwargs: dict[str, Any] = {}
    for key, value in table.items():
        if key in _DOC:
            continue
        name = _KM.get(key, key)
        if name not in cls.__dataclass_fields__:
            raise InputError(f"{where}.{key}", value, f"not a key of a {kind} table")
        if name in _TEXT:
            if not isinstance(value, str):
                raise InputError(f"{where}.{key}", value, "expected a non-empty string")
        elif isinstance(value, bool) or not isinstance(value, int | float):
            raise InputError(f"{where}.{key}", value, "expected a number")
        if not isinstance(value, str) and key in _KM:
            value = 1e3 * value
        kwargs[name] = value
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise InputError(where, sorted(kwargs), f"incomplete {kind} table: {exc}") from None
    except InputError as exc:   # name the file's key and value (km where the file has km)
        key = next((k for k, v in _KM.items() if v == exc.field and k in table), exc.field)
        raise InputError(f"{where}.{key}", table.get(key, exc.value), exc.reason) from None

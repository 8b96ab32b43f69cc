"""The packaged interceptor data (``gsomia/data/interceptors.toml``): interceptor types, the
parties' fire units and their defended assets, read through a closed schema and converted
to SI once, here.

Every figure of the file names its public source (CSIS Missile Threat, MDA fact sheets,
makers' and ministries' public pages) or says ASSUMPTION with its reasoning; the keys are
listed at the top of the file. A ship's position may be given per scenario
(``positions = { "<scenario name>" = [lat, lon] }``); the default is ``lat_deg``/``lon_deg``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import Field

from gsomia.datafile import read_toml_data
from gsomia.errors import InputError
from gsomia.physics.geodesy import geodetic2ecef
from gsomia.schemas import Closed, LocalDate, PartyCode, Text, integer, number, parse

__all__ = ["Asset", "FireUnit", "Interceptor", "InterceptorData", "InterceptorFile",
           "load_interceptors", "packaged_interceptors_path"]

Doc = Any  # documentation keys: free text (never read by the program)


class _InterceptorEntry(Closed):
    """``[interceptors.<name>]`` in the file's units (km, km/s, s)."""

    description: Doc = None
    avg_speed_km_s: number(0.0, 20.0, lo_open=True)  # type: ignore[valid-type]
    min_alt_km: number(0.0, 5000.0)  # type: ignore[valid-type]
    max_alt_km: number(0.0, 5000.0, lo_open=True)  # type: ignore[valid-type]
    min_range_km: number(0.0, 10000.0) = 0.0  # type: ignore[valid-type]
    max_range_km: number(0.0, 10000.0, lo_open=True)  # type: ignore[valid-type]
    reaction_s: number(0.0, 3600.0)  # type: ignore[valid-type]
    assessment_s: number(0.0, 3600.0)  # type: ignore[valid-type]
    basket_km: number(0.0, 1000.0, lo_open=True)  # type: ignore[valid-type]
    speed_source: Doc = None
    range_source: Doc = None
    min_alt_source: Doc = None
    reaction_source: Doc = None
    assessment_source: Doc = None
    basket_source: Doc = None
    magazine_source: Doc = None


class _FireUnitEntry(Closed):
    """``[[fire_units]]`` in the file's units."""

    id: Text
    owner: PartyCode
    interceptor: Text
    lat_deg: number(-90.0, 90.0)  # type: ignore[valid-type]
    lon_deg: number(-180.0, 360.0)  # type: ignore[valid-type]
    alt_m: number(-500.0, 1e4) = 0.0  # type: ignore[valid-type]
    magazine: integer(0, 10_000)  # type: ignore[valid-type]
    in_service: LocalDate | None = Field(None, description="first day in service")
    positions: dict[str, tuple[number(-90.0, 90.0), number(-180.0, 360.0)]] = {}  # type: ignore[valid-type]
    position_source: Doc = None
    in_service_source: Doc = None


class _AssetEntry(Closed):
    """``[[assets]]`` in the file's units."""

    id: Text
    owner: PartyCode
    lat_deg: number(-90.0, 90.0)  # type: ignore[valid-type]
    lon_deg: number(-180.0, 360.0)  # type: ignore[valid-type]
    radius_km: number(0.0, 1000.0, lo_open=True)  # type: ignore[valid-type]
    source: Doc = None


class InterceptorFile(Closed):
    """``interceptors.toml`` (module notes)."""

    interceptors: dict[str, _InterceptorEntry]
    fire_units: list[_FireUnitEntry] = []
    assets: list[_AssetEntry] = []


@dataclass(frozen=True, slots=True)
class Interceptor:
    """One interceptor type, SI units.

    Attributes:
        name: its key in the file; speed_m_s: average flyout speed [m/s].
        min_alt_m, max_alt_m: intercept altitude limits [m] (above the WGS-84 ellipsoid).
        min_range_m, max_range_m: slant-range limits from the fire unit [m].
        reaction_s: firing solution → launch, and one engagement's hold on the fire
            unit's fire control [s]; assessment_s: kill assessment before a second shot [s].
        basket_m: the acquisition basket: the track's 95 % position uncertainty at the
            predicted intercept point must be below it [m].
    """

    name: str
    speed_m_s: float
    min_alt_m: float
    max_alt_m: float
    min_range_m: float
    max_range_m: float
    reaction_s: float
    assessment_s: float
    basket_m: float


@dataclass(frozen=True, slots=True)
class FireUnit:
    """One fire unit (a ship or a battery) at one position.

    Attributes:
        id, owner: its name and party; interceptor: what it fires; magazine: rounds.
        lat_deg, lon_deg, alt_m: position (WGS-84); r_ecef_m: the same, ECEF ``(3,)`` [m].
        in_service: first day in service (``None``: always).
    """

    id: str
    owner: str
    interceptor: Interceptor
    magazine: int
    lat_deg: float
    lon_deg: float
    alt_m: float
    r_ecef_m: np.ndarray
    in_service: dt.date | None


@dataclass(frozen=True, slots=True)
class Asset:
    """A defended asset: ``id``, ``owner``, centre ``lat_deg``/``lon_deg``, ``radius_m``."""

    id: str
    owner: str
    lat_deg: float
    lon_deg: float
    radius_m: float


@dataclass(frozen=True, slots=True)
class InterceptorData:
    """The file, read: interceptor types by name, fire units (positions of one
    scenario), assets."""

    interceptors: dict[str, Interceptor]
    fire_units: tuple[FireUnit, ...]
    assets: tuple[Asset, ...]

    def units_of(self, party: str, day: dt.date | None = None) -> tuple[FireUnit, ...]:
        """The party's fire units in service on ``day`` (``None``: every one)."""
        return tuple(u for u in self.fire_units if u.owner == party and (
            day is None or u.in_service is None or u.in_service <= day))


def packaged_interceptors_path() -> Path:
    """Path of the packaged ``interceptors.toml``."""
    return Path(str(resources.files("gsomia") / "data" / "interceptors.toml"))


def load_interceptors(path: str | Path | None = None, scenario: str | None = None
                      ) -> InterceptorData:
    """Read an interceptor file (default: the packaged one), ships placed for
    ``scenario`` (its name; a unit without a position for it keeps its default).

    Raises:
        InputError: a bad key or value (naming the file and key), an unknown interceptor,
            a duplicate fire-unit id, or a minimum above its maximum.
    """
    file = Path(path if path is not None else packaged_interceptors_path())
    doc = parse(InterceptorFile, read_toml_data(file), file=str(file))
    types: dict[str, Interceptor] = {}
    for name, e in doc.interceptors.items():
        for lo, hi in (("min_alt_km", "max_alt_km"), ("min_range_km", "max_range_km")):
            if getattr(e, lo) >= getattr(e, hi):
                raise InputError(f"{file}: interceptors.{name}.{lo}", getattr(e, lo),
                                 f"must be below {hi} = {getattr(e, hi)}")
        types[name] = Interceptor(name, e.avg_speed_km_s * 1e3, e.min_alt_km * 1e3,
                                  e.max_alt_km * 1e3, e.min_range_km * 1e3,
                                  e.max_range_km * 1e3, e.reaction_s, e.assessment_s,
                                  e.basket_km * 1e3)
    units: list[FireUnit] = []
    for i, u in enumerate(doc.fire_units):
        if u.interceptor not in types:
            raise InputError(f"{file}: fire_units[{i}].interceptor", u.interceptor,
                             f"unknown interceptor (known: {', '.join(sorted(types))})")
        if any(x.id == u.id for x in units):
            raise InputError(f"{file}: fire_units[{i}].id", u.id, "duplicate fire-unit id")
        lat, lon = u.positions.get(scenario, (u.lat_deg, u.lon_deg)) if scenario \
            else (u.lat_deg, u.lon_deg)
        r = geodetic2ecef(lat, lon, u.alt_m).reshape(3)
        units.append(FireUnit(u.id, u.owner, types[u.interceptor], u.magazine, float(lat),
                              float(lon), u.alt_m, r, u.in_service))
    assets = tuple(Asset(a.id, a.owner, a.lat_deg, a.lon_deg, a.radius_km * 1e3)
                   for a in doc.assets)
    return InterceptorData(types, tuple(units), assets)

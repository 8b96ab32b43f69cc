"""Each party's own maritime claims: the base points from which it measures its territorial
sea and EEZ, and its view of the features that others hold or dispute.

Natural Earth 1:10m (the land of :mod:`gsomia.warning.areas`) omits small islands that are
base points (Okinotorishima, the Danjo Islands, Marado, the Liancourt Rocks) and gives every
disputed feature to one side. A party judges "its" EEZ from its own base points, so a zone
is built per party here: the common land, plus that party's declared points
(``src/gsomia/data/maritime/base_points.toml``, each with its public source; listed in
``docs/maritime-claims.md``):

* ``status = "island"`` (UNCLOS Art. 121(1)-(2)): a 100 m disc of land of ``country`` (the
  holder in this party's view); any other country's land within 2 km of the point is
  removed from that country (a disputed island goes to the holder this party names);
* ``status = "rock"`` (UNCLOS Art. 121(3)): no land, no EEZ; points within 12 nmi of it
  are ``country``'s territorial sea (where the common rule finds no land there);
* ``status = "none"``: listed only (e.g. Ieodo, a submerged reef): no effect.

A party without an entry (e.g. the USA, which takes no position on these features) judges
with the common land. Everything else (median lines, 12 and 200 nmi, the simplifications)
is the rule of :mod:`gsomia.warning.areas`.
"""

from __future__ import annotations

import importlib.resources
import math
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely

from gsomia.errors import InputError
from gsomia.physics.earth import WGS84, Earth
from gsomia.physics.geodesy import geodesic_inverse

__all__ = ["BASE_POINTS_FILE", "STATUSES", "BasePoint", "load_base_points", "party_land",
           "rock_cells"]

BASE_POINTS_FILE = "data/maritime/base_points.toml"
"""The packaged file of the parties' base points (relative to the ``gsomia`` package)."""
STATUSES = ("island", "rock", "none")
"""What a feature is in a party's view (module notes)."""
_ISLAND_RADIUS_DEG = 0.001     # ≈ 100 m: a point feature as land
_REASSIGN_RADIUS_DEG = 0.02    # ≈ 2 km: a disputed island's land taken from the other side


@dataclass(frozen=True, slots=True)
class BasePoint:
    """One feature in one party's view: ``name``, position ``lat_deg``, ``lon_deg`` [deg]
    (WGS-84), the ``country`` that holds it in that view (ISO alpha-3), its ``status``
    (:data:`STATUSES`) and the public ``source`` of the claim."""

    party: str
    name: str
    lat_deg: float
    lon_deg: float
    country: str
    status: str
    source: str


def load_base_points(path: str | Path | None = None) -> dict[str, tuple[BasePoint, ...]]:
    """Read the parties' base points (TOML: one array of tables per party).

    Args:
        path: a file; ``None`` for the packaged :data:`BASE_POINTS_FILE`.

    Returns:
        party (ISO alpha-3) → its points, in file order.

    Raises:
        InputError: a file that cannot be read or parsed, or a point with a missing field,
            a position out of range, an unknown status or an empty source (names the party,
            the point and the field).
    """
    try:
        if path is None:
            text = (importlib.resources.files("gsomia") / BASE_POINTS_FILE).read_text("utf-8")
        else:
            text = Path(path).read_text("utf-8")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError("base_points", str(path or BASE_POINTS_FILE), str(exc)) from None
    out: dict[str, tuple[BasePoint, ...]] = {}
    for party, rows in data.items():
        if not isinstance(rows, list):
            raise InputError("base_points", party, "expected an array of tables [[PARTY]]")
        out[party] = tuple(_point(party, n, row) for n, row in enumerate(rows))
    return out


def _point(party: str, n: int, row: dict) -> BasePoint:
    where = f"{party}[{n}]"
    for key in ("name", "lat_deg", "lon_deg", "country", "status", "source"):
        if key not in row:
            raise InputError(f"base_points.{where}.{key}", None, "missing")
    lat, lon = row["lat_deg"], row["lon_deg"]
    for key, value, lo, hi in (("lat_deg", lat, -90.0, 90.0), ("lon_deg", lon, -180.0, 360.0)):
        if isinstance(value, bool) or not isinstance(value, int | float) or \
                not math.isfinite(value) or not lo <= value <= hi:
            raise InputError(f"base_points.{where}.{key}", value, f"must be in [{lo}, {hi}]")
    if row["status"] not in STATUSES:
        raise InputError(f"base_points.{where}.status", row["status"], f"one of {STATUSES}")
    if not str(row["source"]).strip():
        raise InputError(f"base_points.{where}.source", row["source"], "must name a source")
    return BasePoint(party, str(row["name"]), float(lat), (float(lon) + 180.0) % 360.0 - 180.0,
                     str(row["country"]), str(row["status"]), str(row["source"]))


def party_land(land: dict[str, shapely.Geometry], points: tuple[BasePoint, ...]
               ) -> tuple[dict[str, shapely.Geometry], tuple[tuple[str, float, float], ...]]:
    """The land as one party sees it, and its rocks (module notes).

    Args:
        land: country → land in longitude/latitude [deg] (the common land; not changed).
        points: that party's base points.

    Returns:
        ``(land, rocks)``: a new country → land mapping (same order, new countries
        appended), and ``(country, lat_deg, lon_deg)`` of each rock.
    """
    out = dict(land)
    rocks = []
    for p in points:
        if p.status == "rock":
            rocks.append((p.country, p.lat_deg, p.lon_deg))
            continue
        if p.status != "island":
            continue
        here = shapely.Point(p.lon_deg, p.lat_deg)
        near = here.buffer(_REASSIGN_RADIUS_DEG)
        for code, geom in out.items():
            if code != p.country and shapely.intersects(geom, near):
                out[code] = shapely.difference(geom, near)
        disc = here.buffer(_ISLAND_RADIUS_DEG)
        out[p.country] = shapely.union(out[p.country], disc) if p.country in out else disc
    return out, tuple(rocks)


def rock_cells(rocks: tuple[tuple[str, float, float], ...], lat: np.ndarray, lon: np.ndarray,
               ts_m: float, earth: Earth = WGS84) -> tuple[np.ndarray, np.ndarray]:
    """Which points ``(N,)`` (latitude, longitude [deg]) lie within ``ts_m`` [m] (WGS-84
    geodesic, Vincenty) of a rock, and that rock's country ``(N,)`` (the first rock's)."""
    hit = np.zeros(lat.size, dtype=bool)
    owner = np.full(lat.size, "", dtype=object)
    for country, rlat, rlon in rocks:
        d, _ = geodesic_inverse(rlat, rlon, lat, lon, earth)
        near = np.atleast_1d(d) <= ts_m
        owner[near & ~hit] = country
        hit |= near
    return hit, owner

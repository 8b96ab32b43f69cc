"""One base scenario for the tests, and a builder of its variations.

The base (:data:`BASE`, :data:`BASE_SENSORS`, :data:`BASE_LAUNCH`) is one ER-Scud from the
Sohae facility on 2017-03-05 22:34 UTC with the figures of the public record for that salvo
(CNS North Korea Missile Test Database: range 1,000 km, apogee 260 km; the four missiles
flew on bearings 77-86 deg, this one on 83 deg), three parties and one radar each: Green Pine
B-1 (KOR), FPS-5 Sado (JPN), AN/TPY-2 Kyogamisaki (USA). It is small enough for a whole run
in a few seconds and each party sees the launch.

A test states only what differs from the base::

    text = scenario_text(name="small", seed=7, links=[("KOR", "JPN", 2.0)])
    path = write_scenario(tmp_path / "small.toml", parties=["KOR"],
                          sensors=["kor-greenpine-b-1"],
                          launches=[launch_entry(bearing_deg=80.0),
                                    launch_entry(id="L2", t_s=20.0)])

(or the ``scenario_file`` fixture of ``tests/conftest.py``, which writes under ``tmp_path``).
Tests about the file syntax itself (a misspelt key, a value of the wrong type) keep their
TOML literal: there the text is the point.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "BASE",
    "BASE_LAUNCH",
    "BASE_SENSORS",
    "EPOCH",
    "launch_entry",
    "scenario_text",
    "write_scenario",
]

EPOCH = dt.datetime(2017, 3, 5, 22, 34, tzinfo=dt.UTC)
"""The base epoch: the first launch of the 2017-03-06 (KST) salvo, in UTC."""

BASE: Mapping[str, Any] = {"epoch": EPOCH, "seed": 11, "parties": ("JPN", "KOR", "USA")}
"""Top-level keys of the base (no ``name``: the loader then takes the file stem)."""

BASE_SENSORS: tuple[str, ...] = ("kor-greenpine-b-1", "jpn-fps5-sado", "usa-tpy2-kyogamisaki")
"""Catalogue sites of the base's sensors, in file order (the order of the random streams)."""

BASE_LAUNCH: Mapping[str, Any] = {"id": "L1", "site": "sohae", "bearing_deg": 83.0,
                                  "range_km": 1000.0, "apogee_km": 260.0,
                                  "missile": "ER-Scud"}
"""The base's one launch, in file units (deg, km)."""

Sensor = str | Mapping[str, Any]
Link = tuple[str, str, float] | Mapping[str, Any]
Agreement = tuple[str, str] | str | Mapping[str, Any]


def launch_entry(**overrides: Any) -> dict[str, Any]:
    """A ``[[launches]]`` entry: :data:`BASE_LAUNCH` with ``overrides`` (file units).

    A key given as ``None`` is left out, e.g. ``launch_entry(site=None, lat_deg=39.66,
    lon_deg=124.71)`` places the launch by coordinates instead of by facility.
    """
    return {k: v for k, v in {**BASE_LAUNCH, **overrides}.items() if v is not None}


def scenario_text(*, sensors: Sequence[Sensor] = BASE_SENSORS,
                  launches: Sequence[Mapping[str, Any]] | None = None,
                  agreements: Sequence[Agreement] = (), links: Sequence[Link] = (),
                  **header: Any) -> str:
    """The TOML text of the base scenario with the given differences.

    Args:
        sensors: ``[[sensors]]`` entries: a catalogue site name, or a table (``{"site": …,
            "pd": 0.5}`` overrides a site's value; ``{"kind": "radar", "id": …}`` is inline).
            Empty: no ``[[sensors]]`` (every catalogue sensor of the parties in service).
        launches: ``[[launches]]`` entries (see :func:`launch`); default the base launch.
        agreements: ``[[agreements]]``: a name, a ``(name, route)`` pair or a table.
        links: ``[[links]]``: ``(from, to, delay_s)`` or a table.
        **header: top-level keys over :data:`BASE` (``name``, ``seed``, ``parties``,
            ``epoch``, ``duration_s`` …); ``None`` leaves a key out.

    Returns:
        the file text, top-level keys first, then the tables in schema order.
    """
    top = {k: v for k, v in {**BASE, **header}.items() if v is not None}
    sections = {
        "sensors": [_table(s, ("site",)) for s in sensors],
        "launches": [launch_entry()] if launches is None else list(launches),
        "agreements": [_table(a, ("name", "route")) for a in agreements],
        "links": [_table(x, ("from", "to", "delay_s")) for x in links],
    }
    lines = [f"{k} = {_value(v)}" for k, v in top.items()]
    for section, entries in sections.items():
        for entry in entries:
            lines += ["", f"[[{section}]]"]
            lines += [f"{k} = {_value(v)}" for k, v in entry.items()]
    return "\n".join(lines) + "\n"


def write_scenario(path: Path, **kwargs: Any) -> Path:
    """Write :func:`scenario_text` (same arguments) to ``path`` (UTF-8); return ``path``."""
    path.write_text(scenario_text(**kwargs), encoding="utf-8")
    return path


def _table(entry: Any, keys: tuple[str, ...]) -> Mapping[str, Any]:
    """An entry given as a table, one value (the first key's) or a tuple of ``keys``' values."""
    if isinstance(entry, Mapping):
        return entry
    values = entry if isinstance(entry, tuple) else (entry,)
    return dict(zip(keys[:len(values)], values, strict=True))


def _value(value: Any) -> str:
    """A TOML literal: an aware datetime, an inline table, or a str, number, bool or list of
    those (whose JSON text is the same literal in TOML)."""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{k} = {_value(v)}" for k, v in value.items()) + " }"
    return json.dumps(value, ensure_ascii=False)

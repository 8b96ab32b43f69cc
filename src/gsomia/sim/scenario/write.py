"""Writing scenario files (the schema of :func:`gsomia.sim.scenario.load_scenario`)."""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from typing import Any

__all__ = ["scenario_to_toml", "toml_value"]


def toml_value(value: Any) -> str:
    """A TOML literal for a str, int, float, bool, aware datetime, list of those, or a dict
    of those (an inline table; ``None`` values left out).

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
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()
                                if v is not None) + " }"
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
    lines += [f"{k} = {toml_value(v)}" for k, v in header.items() if v is not None]
    if sensors and sensors_comment:
        lines += [""] + [f"# {line}".rstrip() for line in
                         textwrap.wrap(sensors_comment, 92, break_on_hyphens=False)]
    for section, entries in (("sensors", sensors), ("launches", launches),
                             ("agreements", agreements), ("links", links)):
        for entry in entries:
            lines += ["", f"[[{section}]]"]
            lines += [f"{k} = {toml_value(v)}" for k, v in entry.items() if v is not None]
    return "\n".join(lines) + "\n"

"""Reading the project's TOML data files with errors that name the file, key and value.

A :class:`Table` wraps one TOML table together with the file it came from and its dotted
position in that file (``launches[2].salvo``). Readers take each key once with its expected
type and domain; :meth:`Table.done` then rejects any key nobody asked for, so a misspelt key
is an error rather than a silently ignored setting. Every failure is an
:class:`~gsomia.errors.InputError` whose ``field`` is ``"<file>: <key path>"`` and whose
``value`` is the value as written.
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gsomia.errors import InputError

__all__ = ["Table", "read_toml"]

_MISSING: Any = object()


def read_toml(path: str | Path) -> Table:
    """Parse a TOML file into a root :class:`Table`.

    Raises:
        InputError: the file is missing, unreadable or not valid TOML (names the file).
    """
    p = Path(path)
    try:
        text = p.read_bytes().decode("utf-8")
    except OSError as exc:
        raise InputError(str(p), str(p), f"cannot read the file ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise InputError(str(p), str(p), "the file is not UTF-8 text") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(str(p), str(p), f"not valid TOML: {exc}") from exc
    return Table(data, str(p))


class Table:
    """One TOML table with its file and key path (see the module notes).

    Args:
        data: the table's key → value mapping.
        file: the file name reported in errors.
        where: the table's dotted path in the file (``""`` for the root).
    """

    def __init__(self, data: Mapping[str, Any], file: str, where: str = "") -> None:
        self.data = dict(data)
        self.file = file
        self.where = where
        self._read: set[str] = set()

    def key_path(self, key: str) -> str:
        """Dotted path of ``key`` in this table (e.g. ``launches[2].range_km``)."""
        return f"{self.where}.{key}" if self.where else key

    def error(self, key: str, value: Any, reason: str) -> InputError:
        """An :class:`InputError` naming the file, the key path and the value."""
        return InputError(f"{self.file}: {self.key_path(key)}", value, reason)

    def has(self, key: str) -> bool:
        """Whether the key is present (does not count as reading it)."""
        return key in self.data

    def raw(self, key: str, default: Any = _MISSING) -> Any:
        """The value as written; a missing key without default is an error."""
        self._read.add(key)
        if key not in self.data:
            if default is _MISSING:
                raise self.error(key, None, "required key is missing")
            return default
        return self.data[key]

    def string(self, key: str, default: Any = _MISSING,
               choices: tuple[str, ...] | None = None) -> Any:
        """A non-empty string (optionally one of ``choices``)."""
        value = self.raw(key, default)
        if value is default and key not in self.data:
            return value
        if not isinstance(value, str) or not value.strip():
            raise self.error(key, value, "expected a non-empty string")
        if choices is not None and value not in choices:
            raise self.error(key, value, f"expected one of {', '.join(choices)}")
        return value

    def number(self, key: str, default: Any = _MISSING, *, lo: float | None = None,
               hi: float | None = None, lo_open: bool = False) -> Any:
        """A finite number in ``[lo, hi]`` (``(lo, hi]`` with ``lo_open``), as float."""
        value = self.raw(key, default)
        if value is default and key not in self.data:
            return value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(key, value, "expected a number")
        x = float(value)
        if not math.isfinite(x):
            raise self.error(key, value, "expected a finite number")
        if lo is not None and (x < lo or (lo_open and x == lo)):
            bound = f"> {lo:g}" if lo_open else f">= {lo:g}"
            raise self.error(key, value, f"must be {bound}"
                             + (f" and <= {hi:g}" if hi is not None else ""))
        if hi is not None and x > hi:
            raise self.error(key, value, f"must be <= {hi:g}"
                             + (f" and >= {lo:g}" if lo is not None else ""))
        return x

    def integer(self, key: str, default: Any = _MISSING, *, lo: int | None = None) -> Any:
        """An integer ``>= lo``."""
        value = self.raw(key, default)
        if value is default and key not in self.data:
            return value
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, value, "expected an integer")
        if lo is not None and value < lo:
            raise self.error(key, value, f"must be >= {lo}")
        return value

    def datetime_utc(self, key: str) -> dt.datetime:
        """A TOML offset date-time (e.g. ``2017-03-05T22:34:00Z``), converted to UTC."""
        value = self.raw(key)
        if not isinstance(value, dt.datetime) or value.tzinfo is None:
            raise self.error(key, value, "expected an offset date-time such as "
                             "2017-03-05T22:34:00Z")
        return value.astimezone(dt.UTC)

    def strings(self, key: str, default: Any = _MISSING) -> Any:
        """A list of non-empty strings."""
        value = self.raw(key, default)
        if value is default and key not in self.data:
            return value
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.error(key, value, "expected a list of non-empty strings")
        return list(value)

    def table(self, key: str) -> Table | None:
        """A sub-table, or ``None`` if absent."""
        value = self.raw(key, None)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self.error(key, value, "expected a table")
        return Table(value, self.file, self.key_path(key))

    def tables(self, key: str) -> list[Table]:
        """An array of tables (``[[key]]``); empty if absent."""
        value = self.raw(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.error(key, value, "expected an array of tables ([[...]])")
        return [Table(v, self.file, f"{self.key_path(key)}[{i}]") for i, v in enumerate(value)]

    def only(self, *keys: str) -> None:
        """Reject, before anything is read, a key not among ``keys`` (the first, in file
        order, is named), so a misspelt key is reported as unknown, not as a missing one."""
        for key, value in self.data.items():
            if key not in keys:
                raise self.error(key, value, "unknown key (expected one of: "
                                 + ", ".join(keys) + ")")

    def done(self) -> None:
        """Reject keys that were never read (the first, in file order, is named)."""
        for key, value in self.data.items():
            if key not in self._read:
                raise self.error(key, value, "unknown key")

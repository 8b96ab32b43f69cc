"""Reading the project's TOML data files with errors that name the file, key and value.

A :class:`Table` wraps one TOML table together with the file it came from and its dotted
position in that file (``launches[2].salvo``). Readers take each key once with its expected
type and domain; :meth:`Table.done` then rejects any key nobody asked for, so a misspelt key
is an error rather than a silently ignored setting. Every failure is an
:class:`~gsomia.errors.InputError` whose ``field`` is ``"<file>: <key path>"`` and whose
``value`` is the value as written (dates and times shown as ISO 8601 text, never as Python
reprs).

Bounds read the same everywhere: ``must be between A and B`` (``A excluded`` / ``B excluded``
for an open end), ``must be >= A`` or ``must be <= B`` for one bound.

Output files: :func:`check_output_path` rejects an unwritable ``--out`` before any work is
done, and :func:`write_text_atomic` writes through a temporary file in the same folder that
is renamed into place, so a failure never leaves a partial file.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import tempfile
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any

from gsomia.errors import InputError
from gsomia.schemas.base import bounds_text, iso_value

__all__ = ["Table", "bounds_text", "check_output_path", "iso_value", "read_toml",
           "read_toml_data", "write_atomic", "write_text_atomic"]

_MISSING: Any = object()


def read_toml_data(path: str | Path) -> dict[str, Any]:
    """Parse a TOML file into its tables (dicts), for a schema model
    (:func:`gsomia.schemas.parse`).

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
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(str(p), str(p), f"not valid TOML: {exc}") from exc


def read_toml(path: str | Path) -> Table:
    """Parse a TOML file into a root :class:`Table`.

    Raises:
        InputError: the file is missing, unreadable or not valid TOML (names the file).
    """
    return Table(read_toml_data(path), str(Path(path)))


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
        """An :class:`InputError` naming the file, the key path and the value (dates and
        times as ISO text)."""
        return InputError(f"{self.file}: {self.key_path(key)}", iso_value(value), reason)

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
               hi: float | None = None, lo_open: bool = False, hi_open: bool = False) -> Any:
        """A finite number in ``[lo, hi]`` (an end excluded with ``lo_open`` / ``hi_open``),
        as float; out of range: ``must be between lo and hi`` (see the module notes)."""
        value = self.raw(key, default)
        if value is default and key not in self.data:
            return value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(key, value, "expected a number")
        x = float(value)
        if not math.isfinite(x):
            raise self.error(key, value, "expected a finite number")
        if ((lo is not None and (x < lo or (lo_open and x == lo)))
                or (hi is not None and (x > hi or (hi_open and x == hi)))):
            raise self.error(key, value, bounds_text(lo, hi, lo_open=lo_open, hi_open=hi_open))
        return x

    def integer(self, key: str, default: Any = _MISSING, *, lo: int | None = None,
                hi: int | None = None) -> Any:
        """An integer in ``[lo, hi]`` (either bound optional)."""
        value = self.raw(key, default)
        if value is default and key not in self.data:
            return value
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, value, "expected an integer")
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise self.error(key, value, bounds_text(lo, hi))
        return value

    def date(self, key: str, default: Any = _MISSING) -> Any:
        """A TOML local date (``2017-04-26``), as :class:`datetime.date`."""
        value = self.raw(key, default)
        if value is default and key not in self.data:
            return value
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            raise self.error(key, value, "expected a date such as 2017-04-26 (no quotes)")
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


# -- output files -------------------------------------------------------------------------------

def check_output_path(path: str | Path, option: str = "--out") -> Path:
    """Check, before any work, that ``path`` can be written as a file.

    The parent folder must exist and be writable, and ``path`` must not be a folder nor
    another non-regular file such as a device or a pipe (an existing file must be writable;
    it will be replaced).

    Args:
        path: the output file.
        option: the option or key that gave it, named in the error (e.g. ``"--out"``).

    Returns:
        ``path`` as a :class:`~pathlib.Path`.

    Raises:
        InputError: naming ``option`` and the path, with the reason.
    """
    p = Path(path)
    parent = p.parent if str(p.parent) else Path(".")
    if p.is_dir():
        raise InputError(option, str(p), "is a directory; give a file path")
    if not parent.exists():
        raise InputError(option, str(p), f"folder {parent} does not exist")
    if not parent.is_dir():
        raise InputError(option, str(p), f"{parent} is not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(option, str(p), f"folder {parent} is not writable")
    if p.exists() and not p.is_file():
        # a device, pipe or socket (/dev/stdout, /dev/full …): the atomic write would
        # replace it with a plain file
        raise InputError(option, str(p), "exists and is not a regular file; give a file path")
    if p.exists() and not os.access(p, os.W_OK):
        raise InputError(option, str(p), "the file exists and is not writable")
    return p


def write_atomic(path: str | Path, write: Callable[[IO[str]], Any], *,
                 option: str = "--out") -> Any:
    """Write a text file atomically: ``write(fh)`` fills a temporary file in the same folder,
    which then replaces ``path`` (:func:`os.replace`); on any failure the temporary file is
    removed and ``path`` is untouched.

    Returns:
        what ``write`` returned.

    Raises:
        InputError: the file cannot be created or replaced (names ``option`` and the path).
    """
    p = check_output_path(path, option)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent or ".")
    except OSError as exc:
        raise InputError(option, str(p), f"cannot write there ({exc.strerror})") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            result = write(fh)
        os.chmod(tmp, 0o644 & ~_umask())
        os.replace(tmp, p)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise InputError(option, str(p), f"cannot write there ({exc.strerror})") from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return result


def write_text_atomic(path: str | Path, text: str, *, option: str = "--out") -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically (see :func:`write_atomic`)."""
    write_atomic(path, lambda fh: fh.write(text), option=option)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask

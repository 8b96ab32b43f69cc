"""Reading the project's TOML data files, and writing output files atomically.

:func:`read_toml_data` parses a file into its tables for a schema model
(:func:`gsomia.schemas.parse`), which validates it and names the file, key path and value
of every fault. A :class:`Table` carries one merged table with the file it came from and
its key path (``sites[2]``), for readers that build a domain object from it (e.g.
:func:`gsomia.warning.sites.sensor_from_table`). Values in messages are as written (dates
and times as ISO 8601 text, :func:`iso_value`); bounds read the same everywhere
(:func:`bounds_text`).

Output files: :func:`check_output_path` rejects an unwritable ``--out`` before any work is
done, and :func:`write_text_atomic` writes through a temporary file in the same folder that
is renamed into place, so a failure never leaves a partial file.
"""

from __future__ import annotations

import os
import tempfile
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any

from gsomia.errors import InputError
from gsomia.schemas.base import bounds_text, iso_value

__all__ = ["Table", "bounds_text", "check_output_path", "iso_value", "read_toml_data",
           "write_atomic", "write_text_atomic"]


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
    except RecursionError:
        raise InputError(str(p), str(p), "not valid TOML: nested too deeply") from None


class Table:
    """One table of a data file with its file and key path (see the module notes).

    Args:
        data: the table's key → value mapping.
        file: the file name reported in errors.
        where: the table's dotted path in the file (``""`` for the root).
    """

    def __init__(self, data: Mapping[str, Any], file: str, where: str = "") -> None:
        self.data = dict(data)
        self.file = file
        self.where = where

    def key_path(self, key: str) -> str:
        """Dotted path of ``key`` in this table (e.g. ``launches[2].range_km``)."""
        return f"{self.where}.{key}" if self.where else key

    def error(self, key: str, value: Any, reason: str) -> InputError:
        """An :class:`InputError` naming the file, the key path and the value (dates and
        times as ISO text)."""
        return InputError(f"{self.file}: {self.key_path(key)}", iso_value(value), reason)


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

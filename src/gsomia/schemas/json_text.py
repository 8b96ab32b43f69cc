"""Untrusted JSON text read under limits, so that no input can make a reader fail other
than with an :class:`~gsomia.errors.InputError` naming where it is.

:func:`read_json` reads a JSON text (RFC 8259) as I-JSON (RFC 7493) and refuses:

- bytes that are not UTF-8 (RFC 8259 section 8.1; RFC 7493 section 2.1), and strings,
  member names included, holding a lone surrogate such as ``"\\ud800"`` (an escape of no
  Unicode scalar value: RFC 7493 section 2.1 refuses it; it cannot be stored or
  audited as UTF-8);
- U+0000 (NUL) in any string or member name (``"a\\u0000b"``): JSON may carry it (RFC
  8259 section 7), but no store of the node can keep it alike (PostgreSQL ``text``
  refuses it, SQLite keeps it, C strings cut at it), so it is refused here, for every
  store, before any is touched;
- nesting deeper than :data:`MAX_DEPTH` arrays and objects (checked on the text, before
  it is parsed, so no parser recursion can run out);
- integers outside ``[-(2**53 - 1), 2**53 - 1]`` (RFC 7493 section 2.2: the integers an
  IEEE 754 double holds exactly; a 400-digit integer is never converted), and numbers
  written with a fraction or exponent that are not finite doubles (``1e400``);
- ``NaN``, ``Infinity`` and ``-Infinity`` (not JSON, RFC 8259 section 6);
- a member name repeated in one object (RFC 7493 section 2.3).

Every error names the key path (``body.launch_point.cov_en_m2[0][1]``) and what was
expected; values are cut by :func:`~gsomia.errors.short_repr`, never echoed whole.
"""

from __future__ import annotations

import json
import math
import re
from itertools import accumulate
from typing import Any

from gsomia.errors import InputError

__all__ = ["MAX_DEPTH", "MAX_JSON_INT", "check_text", "read_json"]

#: Deepest nesting of arrays and objects accepted (the deepest payload of the project,
#: a covariance matrix in an element of a warning, is 4 deep; the envelope 3).
MAX_DEPTH = 64
#: Largest magnitude of a JSON integer accepted: 2**53 - 1 (RFC 7493 section 2.2).
MAX_JSON_INT = 2**53 - 1

#: A JSON string (quotes included) with its escapes: removed before brackets are counted.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_SURROGATE = re.compile("[\ud800-\udfff]")
_NUL = "\x00"
#: Most digits of an integer converted to check its range (more are out of range).
_MAX_DIGITS = 17


class _Overlong:
    """An integer too long to convert, kept as its digit count for the error."""

    __slots__ = ("digits",)

    def __init__(self, digits: int) -> None:
        self.digits = digits


def _integer(text: str) -> int | _Overlong:
    digits = len(text.lstrip("-"))
    return _Overlong(digits) if digits > _MAX_DIGITS else int(text)


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON (RFC 8259 section 6)")


def _unique_names(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, value in pairs:
        if name in data:
            raise ValueError(f"member name {name!r} repeated (RFC 7493 section 2.3)")
        data[name] = value
    return data


def _depth(text: str) -> int:
    """Deepest nesting of arrays and objects in ``text`` (strings skipped), iteratively."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(1 if c in "[{" else -1 for c in brackets), default=0)


def check_text(value: str, field: str) -> str:
    """``value`` if it holds no lone surrogate (it can then be written as UTF-8) and no
    U+0000 (no store keeps it alike: module notes).

    Raises:
        InputError: naming ``field`` and the position of the first surrogate or NUL.
    """
    bad = _SURROGATE.search(value)
    if bad is not None:
        raise InputError(field, value, f"lone surrogate U+{ord(bad.group()):04X} at "
                         f"character {bad.start()}: not Unicode text (RFC 7493 section 2.1)")
    nul = value.find(_NUL)
    if nul >= 0:
        raise InputError(field, value, f"U+0000 (NUL) at character {nul}: not accepted in "
                                       "text (no store keeps it)")
    return value


def _check_value(value: Any, path: str) -> None:
    """Check the numbers and strings of a parsed value (module notes); its depth is at
    most :data:`MAX_DEPTH`, so this recursion is bounded."""
    if isinstance(value, str):
        check_text(value, path)
    elif isinstance(value, _Overlong):
        raise InputError(path, f"<integer of {value.digits} digits>",
                         f"integer outside ±{MAX_JSON_INT} (RFC 7493 section 2.2)")
    elif isinstance(value, bool):
        return
    elif isinstance(value, int):
        if abs(value) > MAX_JSON_INT:
            raise InputError(path, value,
                             f"integer outside ±{MAX_JSON_INT} (RFC 7493 section 2.2)")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise InputError(path, value, "number outside the range of a double "
                                          "(IEEE 754; RFC 7493 section 2.2)")
    elif isinstance(value, dict):
        for key, item in value.items():
            check_text(key, f"{path} (a member name)")
            _check_value(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_value(item, f"{path}[{i}]")


def read_json(raw: bytes | str, field: str = "body", *,
              max_depth: int = MAX_DEPTH) -> Any:
    """The JSON value of ``raw`` under the limits of the module notes.

    Parameters:
        raw: the JSON text (bytes: UTF-8).
        field: the name key paths start with in errors (``"body"`` → ``body.t_s``).
        max_depth: deepest nesting of arrays and objects accepted.

    Returns:
        dicts, lists, str, int (within ±(2**53 - 1)), finite float, bool and None.

    Raises:
        InputError: not UTF-8, not JSON, nested too deeply, an integer out of range, a
            non-finite number, a lone surrogate, U+0000, or a repeated member name
            (naming the key path).
    """
    if isinstance(raw, bytes | bytearray):
        try:
            text = bytes(raw).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(field, f"<{len(raw)} bytes>", f"not UTF-8 text: byte "
                             f"{exc.start} (RFC 8259 section 8.1)") from None
    else:
        text = raw
    depth = _depth(text)
    if depth > max_depth:
        raise InputError(field, f"<{depth} levels>", f"nested more than {max_depth} arrays "
                                                     "and objects deep")
    flagged: list[bool] = []  # a number the check below must name

    def integer(digits: str) -> int | _Overlong:
        number = _integer(digits)
        if isinstance(number, _Overlong) or abs(number) > MAX_JSON_INT:
            flagged.append(True)
        return number

    def real(digits: str) -> float:
        number = float(digits)
        if not math.isfinite(number):
            flagged.append(True)
        return number

    try:
        value = json.loads(text, parse_int=integer, parse_float=real,
                           parse_constant=_not_json, object_pairs_hook=_unique_names)
    except RecursionError:  # a depth the count above missed (malformed strings)
        raise InputError(field, f"<{len(text)} characters>", "not JSON: nested too deeply") \
            from None
    except ValueError as exc:
        raise InputError(field, f"<{len(text)} characters>", f"not JSON: {exc}") from None
    # Every string of the value is written literally in the text unless escaped (``\\u``;
    # JSON refuses a literal NUL), so a text without ``\\u`` and without a surrogate holds
    # no refused string; the numbers were flagged as they were read. Anything else: the
    # walk below finds it and names its key path.
    if flagged or "\\u" in text or _SURROGATE.search(text) is not None:
        _check_value(value, field)
    return value

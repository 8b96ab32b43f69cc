"""The pieces every schema model is built of, and the one conversion of pydantic's errors.

- :class:`Closed`: the base of every model. Extra keys are forbidden (JSON Schema
  ``additionalProperties: false``), and the first unknown key, in input order, is reported
  before anything else is checked, naming the key and the keys expected.
- :func:`number`, :func:`integer`: JSON numbers (never booleans nor numeric text) in a range,
  whose error reads as every message of the project: ``must be between 0 and 360 (360
  excluded)`` (:func:`bounds_text`); the range is also in the JSON Schema.
- :data:`Text`, :data:`PartyCode`, :data:`OffsetDateTime`, :data:`LocalDate`: a non-empty
  string, an ISO 3166 alpha-3 code, an aware date-time (converted to UTC) and a date
  without time.
- :func:`fail`: the error a validator raises; ``at`` names a key below the model it was
  raised in and ``value`` the offending value, when they are not the validated ones.
- :func:`parse`: validate a mapping against a model, and turn the first fault into an
  :class:`~gsomia.errors.InputError` (``"<file>: <key path>"`` or ``"<prefix>.<key path>"``)
  or an :class:`~gsomia.errors.AgreementError` (file, key path), naming the value as given
  (TOML dates and times as ISO 8601 text, :func:`iso_value`) and what was expected.

Key paths read as in the files: ``launches[2].salvo.count``, ``equivalence[0].markings.KOR``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

import annotated_types as at
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticCustomError

from gsomia.errors import AgreementError, InputError, short_repr

__all__ = [
    "FAULT",
    "ROUTE_SPELLINGS",
    "UNKNOWN_KEY",
    "Closed",
    "Fault",
    "LocalDate",
    "NfcText",
    "OffsetDateTime",
    "PartyCode",
    "RouteText",
    "Text",
    "bounds_text",
    "check_controls",
    "fail",
    "first_fault",
    "input_error",
    "integer",
    "iso_value",
    "number",
    "parse",
]

Model = TypeVar("Model", bound=BaseModel)


#: Error types of :func:`fail` (an unknown key is reported before any other fault).
FAULT, UNKNOWN_KEY = "gsomia", "unknown_key"


def fail(reason: str, *, at: tuple[str | int, ...] = (), value: Any = None,
         has_value: bool = False, kind: str = FAULT) -> PydanticCustomError:
    """The error a validator raises: ``reason`` says what was expected; ``at`` is a key path
    below the validated object and ``value`` (with ``has_value``) the value to name;
    ``kind`` :data:`UNKNOWN_KEY` for a key the model does not have."""
    ctx: dict[str, Any] = {"reason": _printable(reason), "at": at}
    if has_value:  # held, not a bare str: pydantic cannot render a str with a surrogate
        ctx["value"] = _Held(value)
    return PydanticCustomError(kind, "{reason}", ctx)


class _Held:
    """A value named by an error, kept as given (read back by :func:`first_fault`)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        return short_repr(self.value)


def _printable(text: str) -> str:
    """``text`` with lone surrogates written as ``\\udXXX`` escapes (UTF-8 encodable)."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def bounds_text(lo: float | None, hi: float | None, *, lo_open: bool = False,
                hi_open: bool = False) -> str:
    """The domain of a bounded number in the words of every message: ``must be between 0 and
    360 (360 excluded)``, ``must be >= 0``, ``must be > 0``, ``must be <= 1``."""
    if lo is not None and hi is not None:
        excluded = [f"{b:g}" for b, is_open in ((lo, lo_open), (hi, hi_open)) if is_open]
        return (f"must be between {lo:g} and {hi:g}"
                + (f" ({' and '.join(excluded)} excluded)" if excluded else ""))
    if lo is not None:
        return f"must be {'>' if lo_open else '>='} {lo:g}"
    if hi is not None:
        return f"must be {'<' if hi_open else '<='} {hi:g}"
    return "must be a number"


def iso_value(value: Any) -> Any:
    """``value`` with dates and times (``date``, ``datetime``, ``time``) as ISO 8601 text,
    recursively in lists and tables; anything else unchanged (for error messages)."""
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [iso_value(v) for v in value]
    if isinstance(value, dict):
        return {k: iso_value(v) for k, v in value.items()}
    return value


class Closed(BaseModel):
    """A closed, frozen model: every key not declared is refused (see the module notes)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def known_keys_only(cls, data: Any) -> Any:
        """Refuse a non-mapping, or the first key (in input order) the model does not have."""
        if isinstance(data, BaseModel):
            return data
        if not isinstance(data, Mapping):
            raise fail("expected a table (a JSON object)")
        known = [f.alias or name for name, f in cls.model_fields.items()]
        for key, value in data.items():
            if key not in known:
                raise fail(f"unknown key (expected one of {', '.join(known)})",
                           at=(key,), value=value, has_value=True, kind=UNKNOWN_KEY)
        return data


def _finite(value: int | float) -> bool:
    """``value`` is a finite float, or an int a float can hold (a 400-digit integer cannot)."""
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def _bounded(kind: str, lo: float | None, hi: float | None, lo_open: bool,
             hi_open: bool) -> Any:
    def check(value: Any) -> Any:
        if kind == "integer":
            if isinstance(value, bool) or not isinstance(value, int):
                raise fail("expected an integer")
        elif isinstance(value, bool) or not isinstance(value, int | float):
            raise fail("expected a number")
        elif not _finite(value):
            raise fail("expected a finite number")
        if ((lo is not None and (value < lo or (lo_open and value == lo)))
                or (hi is not None and (value > hi or (hi_open and value == hi)))):
            raise fail(bounds_text(lo, hi, lo_open=lo_open, hi_open=hi_open))
        return value if kind == "integer" else float(value)

    constraints: list[Any] = []
    if lo is not None:
        constraints.append(at.Gt(lo) if lo_open else at.Ge(lo))
    if hi is not None:
        constraints.append(at.Lt(hi) if hi_open else at.Le(hi))
    return Annotated[(int if kind == "integer" else float), *constraints,
                     BeforeValidator(check)]


def number(lo: float | None = None, hi: float | None = None, *, lo_open: bool = False,
           hi_open: bool = False) -> Any:
    """A finite JSON number in ``[lo, hi]`` (an end excluded with ``lo_open`` / ``hi_open``;
    ``None``: unbounded), as float."""
    return _bounded("number", lo, hi, lo_open, hi_open)


def integer(lo: int | None = None, hi: int | None = None) -> Any:
    """A JSON integer in ``[lo, hi]`` (either bound optional)."""
    return _bounded("integer", lo, hi, False, False)


#: C0 control characters (and DEL) refused in text; tab, LF and CR stay allowed in free
#: text (:data:`Text`), never in an id or name (:func:`check_controls`).
_CONTROLS = re.compile("[\x00-\x1f\x7f]")
_TEXT_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def check_controls(value: str, *, free_text: bool = False) -> str:
    """``value`` if it holds no C0 control character nor DEL (U+0000 to U+001F, U+007F;
    with ``free_text`` tab, LF and CR are allowed). An id or name with a control
    character prints wrongly in a log or an operator's terminal, and U+0000 cannot be
    stored in PostgreSQL ``text``: refused the same for every store, before any is
    touched.

    Raises:
        PydanticCustomError: (:func:`fail`) naming the character and its position.
    """
    bad = (_TEXT_CONTROLS if free_text else _CONTROLS).search(value)
    if bad is not None:
        raise fail(f"control character U+{ord(bad.group()):04X} at character "
                   f"{bad.start()}: not accepted"
                   + (" (tab, LF and CR only)" if free_text else " in an id or name"))
    return value


def _text(value: Any) -> Any:
    if not isinstance(value, str) or not value.strip():
        raise fail("expected a non-empty string")
    return check_controls(value, free_text=True)


def _party(value: Any) -> Any:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Z]{3}", value):
        raise fail("expected an ISO 3166 alpha-3 party code like 'KOR'")
    return value


def _aware(value: Any) -> dt.datetime:
    if isinstance(value, str):
        # a quoted "2017-03-05T22:34:00Z" is TOML text, not a date-time: say so, or the
        # message would ask for what the file seems to hold already
        raise fail("a quoted string: write the offset date-time unquoted, e.g. "
                   "2017-03-05T22:34:00Z (a TOML date-time, not text)")
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        raise fail("expected an offset date-time such as 2017-03-05T22:34:00Z")
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:
        raise fail("outside the calendar once converted to UTC (0001-01-01 to "
                   "9999-12-31)") from None


def _date(value: Any) -> dt.date:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise fail("expected a date such as 2017-04-26 (YYYY-MM-DD, no quotes)")
    return value


#: A non-empty string.
Text = Annotated[str, at.MinLen(1), BeforeValidator(_text)]

#: Every spelling of a route a file may use → its canonical name (any case, surrounding
#: blanks ignored); :class:`gsomia.sharing.Route` is built on this table.
ROUTE_SPELLINGS = {
    "direct": "direct",
    "tisa_hub": "tisa_hub", "tisa": "tisa_hub", "tisa-hub": "tisa_hub",
    "auto_hub": "auto_hub", "auto-hub": "auto_hub", "autohub": "auto_hub",
}
#: A route as written in a file: text, checked by :meth:`gsomia.sharing.Route.parse` when
#: read; its JSON Schema lists the spellings (lower case; files may use any case).
RouteText = Annotated[str, Field(json_schema_extra={"enum": sorted(ROUTE_SPELLINGS)})]
#: A non-empty string, kept in Unicode NFC (compared texts: markings, topics, elements).
NfcText = Annotated[Text, AfterValidator(lambda s: unicodedata.normalize("NFC", s))]
#: An ISO 3166 alpha-3 party code in capitals (``"KOR"``).
PartyCode = Annotated[str, at.MinLen(3), at.MaxLen(3), BeforeValidator(_party)]
#: An aware date-time (TOML offset date-time), converted to UTC.
OffsetDateTime = Annotated[dt.datetime, BeforeValidator(_aware)]
#: A date without time (TOML local date).
LocalDate = Annotated[dt.date, BeforeValidator(_date)]


@dataclass(frozen=True, slots=True)
class Fault:
    """One validation fault: the key path in the input, the value as given, what was
    expected."""

    path: str
    value: Any
    reason: str


_REASONS = {
    "missing": "required key is missing",
    "model_type": "expected a table (a JSON object)",
    "dict_type": "expected a table (a JSON object)",
    "list_type": "expected a list",
    "tuple_type": "expected a list",
    "string_type": "expected a string",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "int_type": "expected an integer",
    "float_type": "expected a number",
    "too_short": "expected at least one entry",
}

#: pydantic's error types of a date or a date-time that could not be read; the reason
#: says what is read (ISO 8601, with an example) and, when pydantic gives it, what was
#: wrong (``ctx["error"]``, e.g. "month value is outside expected range of 1-12").
_TIME_TYPES = frozenset({"date_from_datetime_parsing", "date_parsing", "date_type",
                         "datetime_from_date_parsing", "datetime_parsing",
                         "datetime_type"})
_TIME_REASON = "expected an ISO 8601 date or date-time, e.g. 2024-01-02 or 2024-01-02T03:00:00Z"


_UNKNOWN = object()


def _path(loc: tuple[Any, ...], data: Any = _UNKNOWN) -> str:
    """The key path of ``loc`` as it reads in the input. With the input ``data``, a name
    below a value that is not a table is left out: pydantic puts the member of a union that
    failed there (``created.datetime``), which is no key of the input."""
    out, node = "", data
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
            node = node[part] if isinstance(node, list | tuple) \
                and -len(node) <= part < len(node) else _UNKNOWN
        elif part != "[key]":
            if node is not _UNKNOWN and not isinstance(node, Mapping):
                continue
            out += f".{part}" if out else str(part)
            node = node.get(part, _UNKNOWN) if isinstance(node, Mapping) else _UNKNOWN
    return out


def first_fault(exc: ValidationError, data: Any = _UNKNOWN) -> Fault:
    """The fault to report of a validation error (of ``data``, when given: see
    :func:`_path`): an unknown key first, else the first fault in input order. Never
    raises, whatever the input held (a lone surrogate in a value or key: pydantic cannot
    render such errors, and the fault then names the top level)."""
    try:
        errors = exc.errors(include_url=False)
    except (UnicodeError, ValueError):
        return Fault("", None, "not Unicode text (a lone surrogate; RFC 7493 section 2.1)")
    error = next((e for e in errors if e["type"] == UNKNOWN_KEY), errors[0])
    ctx = error.get("ctx") or {}
    loc = tuple(error["loc"]) + tuple(ctx.get("at", ()))
    value = ctx["value"] if "value" in ctx else error.get("input")
    if isinstance(value, _Held):
        value = value.value
    if error["type"] == "missing":
        value = None
    if error["type"] in (FAULT, UNKNOWN_KEY):
        reason = ctx["reason"]
    elif error["type"] == "literal_error":
        reason = f"expected one of {ctx.get('expected', '')}".replace("'", "")
    elif error["type"] in _TIME_TYPES:
        reason = _TIME_REASON + (f" ({ctx['error']})" if ctx.get("error") else "")
    else:
        reason = _REASONS.get(error["type"], error["msg"])
    if loc and loc[-1] == "[key]":
        value = loc[-2]
    return Fault(_path(loc, data), value, reason)


def parse(model: type[Model], data: Any, *, file: str | None = None,
          prefix: str | None = None, agreement: bool = False, where: str = "",
          context: Mapping[str, Any] | None = None) -> Model:
    """``data`` validated as ``model`` (see the module notes for the errors).

    Args:
        model: a schema model.
        data: the parsed input (TOML tables or JSON objects).
        file: the file it was read from: errors are ``InputError("<file>: <path>", …)``, or
            with ``agreement`` ``AgreementError(file, path, …)``.
        prefix: without a file, the name errors start with (``"warning"`` →
            ``warning.t_s``).
        where: the key path of ``data`` in its file (``"sites[2]"``), put before the
            faulty key's.
        context: passed to the model's validators (pydantic validation context).

    Raises:
        InputError: the first fault (:func:`first_fault`), naming key path, value and
            what was expected.
    """
    try:
        return model.model_validate(data, context=dict(context) if context else None)
    except ValidationError as exc:
        fault = first_fault(exc, data)
        if where:
            path = fault.path if fault.path.startswith("[") or not fault.path \
                else f".{fault.path}"
            fault = Fault(f"{where}{path}", fault.value, fault.reason)
        raise input_error(fault, file=file, prefix=prefix, agreement=agreement) from None


def input_error(fault: Fault, *, file: str | None = None, prefix: str | None = None,
                agreement: bool = False) -> InputError:
    """The project's error for ``fault`` (see :func:`parse`)."""
    if agreement:
        return AgreementError(file or "?", fault.path or "(top level)", fault.value,
                              fault.reason)
    if file is not None:
        return InputError(f"{file}: {fault.path or '(top level)'}", iso_value(fault.value),
                          fault.reason)
    name = ".".join(p for p in (prefix, fault.path) if p) or "(input)"
    return InputError(name, fault.value, fault.reason)

"""The query of a TAXII 2.1 request: media types, URL parameters, cursors, errors.

References: OASIS TAXII Version 2.1, OS, 10 June 2021 ("TAXII 2.1"): section 1.6.8 (media
types), 3.3 (``added_after``), 3.4 (``limit``, ``next``; ``more``), 3.5 (``match[...]``
filtering), 3.6.1 (error message resource), 3.4.1 (``X-TAXII-Date-Added-First`` /
``-Last`` headers); RFC 9110 section 12.4.2 (``q=0``: not acceptable); RFC 3339
section 5.6 (timestamps); RFC 2104 (HMAC) with SHA-256 (FIPS 180-4) for cursors.

Cursors (``next``) are opaque: ``base64url(JSON position) "." base64url(tag)``, the tag
an HMAC-SHA-256 under a secret of the server process (:class:`Cursors`) over the
position and its binding (the client's identity, the collection and the query's
filters). A cursor made by a client, altered, another client's, another collection's or
another query's is refused 400 before its position is read; a position that verifies is
still checked whole (finite numbers, text without NUL or surrogates).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
import math
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response

from gsomia.errors import short_repr

__all__ = ["DEFAULT_PAGE", "MAX_PAGE", "TAXII_MEDIA_TYPE", "Cursors", "Query", "TaxiiError",
           "accepts_taxii", "check_position", "taxii_response"]

#: The TAXII 2.1 media type (TAXII 2.1 section 1.6.8.1).
TAXII_MEDIA_TYPE = "application/taxii+json;version=2.1"
#: Largest page a request may ask for (``limit``; TAXII 2.1 section 3.4: the server may
#: lower a client's limit).
MAX_PAGE = 1000
#: Page size without ``limit``.
DEFAULT_PAGE = 100


class TaxiiError(Exception):
    """A request answered by a TAXII error message (TAXII 2.1 section 3.6.1)."""

    def __init__(self, status: int, title: str, description: str) -> None:
        super().__init__(f"{status} {title}: {description}")
        self.status = status
        self.title = title
        self.description = description

    def response(self) -> Response:
        return taxii_response({"title": self.title, "description": self.description,
                               "http_status": str(self.status)}, self.status)


def taxii_response(body: Any, status: int = 200,
                   headers: Mapping[str, str] | None = None) -> Response:
    """``body`` as JSON with the TAXII media type."""
    return Response(json.dumps(body, separators=(",", ":"), ensure_ascii=False),
                    status_code=status, headers=dict(headers or {}),
                    media_type=TAXII_MEDIA_TYPE)


def _media(entry: str) -> tuple[str, dict[str, str]]:
    kind, *params = (p.strip() for p in entry.split(";"))
    out = {}
    for p in params:
        name, _, value = p.partition("=")
        out[name.strip().lower()] = value.strip().strip('"')
    return kind.lower(), out


def _quality(params: Mapping[str, str]) -> float:
    """The ``q`` weight of a media range (RFC 9110 section 12.4.2); 1 when absent, 0
    when unreadable."""
    q = params.get("q", "1")
    if not re.fullmatch(r"0(\.[0-9]{0,3})?|1(\.0{0,3})?", q):
        return 0.0
    return float(q)


def accepts_taxii(header: str | None) -> bool:
    """Whether an ``Accept`` (or ``Content-Type``) header names the TAXII 2.1 media type
    (``application/taxii+json``, version absent or ``2.1``; TAXII 2.1 section 1.6.8.1)
    with a weight above 0 (``q=0`` means not acceptable, RFC 9110 section 12.4.2)."""
    for entry in (header or "").split(","):
        kind, params = _media(entry)
        if kind == "application/taxii+json" and params.get("version", "2.1") == "2.1" \
                and _quality(params) > 0:
            return True
    return False


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    if not re.fullmatch(r"[A-Za-z0-9_-]*", text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _bad_next(value: str, why: str) -> TaxiiError:
    return TaxiiError(400, "bad next", f"next={short_repr(value)}: {why} (use the value "
                                       "of the next of your previous response)")


def _clean_text(value: Any) -> bool:
    return isinstance(value, str) and "\x00" not in value and \
        not re.search("[\ud800-\udfff]", value)


def check_position(position: Any, shape: tuple[type, ...]) -> list[Any]:
    """``position`` if it is a list of values of the types ``shape`` (float: a finite
    number, int: a non-negative integer, str: text without NUL or lone surrogates).

    Raises:
        ValueError: another shape.
    """
    if not isinstance(position, list) or len(position) != len(shape):
        raise ValueError("not a position")
    for value, kind in zip(position, shape, strict=True):
        if isinstance(value, bool):
            raise ValueError("a boolean")
        if kind is float and not (isinstance(value, int | float) and
                                  math.isfinite(value) and abs(value) < 1e15):
            raise ValueError("not a finite number")
        if kind is int and not (isinstance(value, int) and 0 <= value < 2**53):
            raise ValueError("not an offset")
        if kind is str and not _clean_text(value):
            raise ValueError("not text")
    return position


class Cursors:
    """Seals and opens ``next`` cursors (module notes): an HMAC-SHA-256 (RFC 2104) under
    ``key`` (default: 32 random bytes of this process, so cursors end with the process)
    binds a position to a binding string."""

    def __init__(self, key: bytes | None = None) -> None:
        self._key = key if key is not None else secrets.token_bytes(32)

    def _tag(self, payload: bytes, binding: str) -> bytes:
        return hmac.new(self._key, binding.encode("utf-8", "surrogatepass") + b"\x00" +
                        payload, hashlib.sha256).digest()

    def seal(self, position: list[Any], binding: str) -> str:
        """The opaque ``next`` value of ``position`` for ``binding``."""
        payload = json.dumps(position, separators=(",", ":")).encode()
        return f"{_b64(payload)}.{_b64(self._tag(payload, binding))}"

    def open(self, value: str, binding: str, shape: tuple[type, ...]) -> list[Any]:
        """The position sealed in ``value`` for ``binding``, checked against ``shape``
        (:func:`check_position`).

        Raises:
            TaxiiError: 400 naming ``next`` when it is not a cursor this server gave for
                this client, collection and query, or its position has another shape.
        """
        try:
            head, _, tail = value.partition(".")
            payload, tag = _unb64(head), _unb64(tail)
        except (ValueError, binascii.Error):
            raise _bad_next(value, "not a cursor of this server") from None
        if not hmac.compare_digest(tag, self._tag(payload, binding)):
            raise _bad_next(value, "not a cursor this server gave for this client, "
                                   "collection and query")
        try:
            return check_position(json.loads(payload), shape)
        except ValueError:
            raise _bad_next(value, "not a cursor of this collection") from None


#: An RFC 3339 timestamp (section 5.6) in UTC or with an offset.
_RFC3339 = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}"
                      r"(\.[0-9]{1,9})?([Zz]|[+-][0-9]{2}:[0-9]{2})")
#: The ``match[...]`` fields read (TAXII 2.1 section 3.5).
_MATCH_FIELDS = ("id", "type", "version", "spec_version")


def _timestamp(name: str, value: str) -> dt.datetime:
    t = None
    if _RFC3339.fullmatch(value):
        text = value.upper().replace("Z", "+00:00")
        frac = re.search(r"\.([0-9]+)", text)
        if frac is not None:  # Python reads at most 6 digits of a fraction
            text = text.replace(frac.group(), "." + (frac.group(1) + "000000")[:6])
        try:
            t = dt.datetime.fromisoformat(text)
        except ValueError:
            t = None
    if t is None:
        raise TaxiiError(400, f"bad {name}", f"{name}={short_repr(value)}: expected an "
                                             "RFC 3339 UTC timestamp, e.g. "
                                             "2026-01-01T00:00:00.000Z")
    return t.astimezone(dt.UTC)


def _values(params: Mapping[str, str], name: str) -> list[str] | None:
    value = params.get(name)
    return None if value is None else [v.strip() for v in value.split(",") if v.strip()]


def _check_params(params: Mapping[str, str]) -> None:
    """400 naming a ``match[...]`` field this server does not read, or a parameter whose
    name or value holds NUL, another control character or a lone surrogate."""
    for name in params:
        for v in (name, params[name]):
            if not _clean_text(v) or re.search("[\x00-\x1f\x7f]", v):
                raise TaxiiError(400, "bad parameter", f"{short_repr(name)}="
                                 f"{short_repr(params[name])}: control character or lone "
                                 "surrogate")
        if name.startswith("match[") and name[6:-1] not in _MATCH_FIELDS:
            raise TaxiiError(400, "bad parameter", f"{short_repr(name)}="
                             f"{short_repr(params[name])}: not a filter of this server "
                             f"(match[{'|'.join(_MATCH_FIELDS)}])")


@dataclass(frozen=True, slots=True)
class Query:
    """The URL parameters of a TAXII 2.1 read (sections 3.3–3.5).

    Attributes:
        added_after: only objects added strictly after it (UTC), or None.
        limit: page size (1 to :data:`MAX_PAGE`).
        next: the ``next`` cursor as given (opened by :class:`Cursors`), or None.
        ids, types, versions, spec_versions: the ``match[...]`` values, or None (no filter);
            ``versions`` default ``["last"]``.
    """

    added_after: dt.datetime | None
    limit: int
    next: str | None
    ids: list[str] | None
    types: list[str] | None
    versions: list[str]
    spec_versions: list[str] | None

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> Query:
        """Read the parameters.

        Raises:
            TaxiiError: 400 naming a parameter that does not read, an unknown
                ``match[...]`` field, or a control character in a name or value.
        """
        _check_params(params)
        added = params.get("added_after")
        limit_text = params.get("limit")
        limit = DEFAULT_PAGE
        if limit_text is not None:
            if not re.fullmatch(r"[0-9]{1,12}", limit_text) or int(limit_text) < 1:
                raise TaxiiError(400, "bad limit", f"limit={short_repr(limit_text)}: "
                                                   "expected a positive integer")
            limit = min(int(limit_text), MAX_PAGE)
        nxt = params.get("next")
        versions = _values(params, "match[version]") or ["last"]
        for v in versions:
            if v not in ("first", "last", "all"):
                _timestamp("match[version]", v)
        return cls(None if added is None else _timestamp("added_after", added), limit,
                   nxt, _values(params, "match[id]"),
                   _values(params, "match[type]"), versions,
                   _values(params, "match[spec_version]"))

    def binding(self) -> str:
        """The filters a cursor is bound to (everything but ``limit`` and ``next``)."""
        return json.dumps([None if self.added_after is None else
                           self.added_after.isoformat(), self.ids, self.types,
                           self.versions, self.spec_versions], separators=(",", ":"))

    def matches(self, obj: Mapping[str, Any]) -> bool:
        """Whether one STIX object passes the ``match[...]`` filters (section 3.5; every
        object here has one version, so ``first``, ``last`` and ``all`` all match it and a
        timestamp matches its ``modified``)."""
        if self.ids is not None and obj["id"] not in self.ids:
            return False
        if self.types is not None and obj["type"] not in self.types:
            return False
        if self.spec_versions is not None and obj.get("spec_version") not in self.spec_versions:
            return False
        version = obj.get("modified", obj.get("created"))
        return any(v in ("first", "last", "all")
                   or _timestamp("match[version]", v) == _timestamp("version", version)
                   for v in self.versions)

"""The query of a TAXII 2.1 request: media types, URL parameters, cursors, errors.

References: OASIS TAXII Version 2.1, OS, 10 June 2021 ("TAXII 2.1"): section 1.6.8 (media
types), 3.3 (``added_after``), 3.4 (``limit``, ``next``; ``more``), 3.5 (``match[...]``
filtering), 3.6.1 (error message resource), 3.4.1 (``X-TAXII-Date-Added-First`` /
``-Last`` headers).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response

from gsomia.errors import short_repr

__all__ = ["DEFAULT_PAGE", "MAX_PAGE", "TAXII_MEDIA_TYPE", "Query", "TaxiiError",
           "accepts_taxii", "decode_cursor", "encode_cursor", "taxii_response"]

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


def accepts_taxii(header: str | None) -> bool:
    """Whether an ``Accept`` (or ``Content-Type``) header names the TAXII 2.1 media type
    (``application/taxii+json``, version absent or ``2.1``; TAXII 2.1 section 1.6.8.1)."""
    for entry in (header or "").split(","):
        kind, params = _media(entry)
        if kind == "application/taxii+json" and params.get("version", "2.1") == "2.1":
            return True
    return False


def encode_cursor(position: list[Any]) -> str:
    """An opaque ``next`` value for a keyset position (JSON in base64url, RFC 4648 §5)."""
    raw = json.dumps(position, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(value: str) -> list[Any]:
    """Inverse of :func:`encode_cursor`.

    Raises:
        TaxiiError: 400 naming ``next`` when it is not one of ours.
    """
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        out = json.loads(raw)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        out = None
    if not isinstance(out, list) or len(out) != 2:
        raise TaxiiError(400, "bad next", f"next={short_repr(value)}: not a cursor of this "
                                          "server (use the value of a response's next)")
    return out


def _timestamp(name: str, value: str) -> dt.datetime:
    try:
        t = dt.datetime.fromisoformat(value)
    except ValueError:
        t = None
    if t is None or t.tzinfo is None:
        raise TaxiiError(400, f"bad {name}", f"{name}={short_repr(value)}: expected an "
                                             "RFC 3339 UTC timestamp, e.g. "
                                             "2026-01-01T00:00:00.000Z")
    return t.astimezone(dt.UTC)


def _values(params: Mapping[str, str], name: str) -> list[str] | None:
    value = params.get(name)
    return None if value is None else [v.strip() for v in value.split(",") if v.strip()]


@dataclass(frozen=True, slots=True)
class Query:
    """The URL parameters of a TAXII 2.1 read (sections 3.3–3.5).

    Attributes:
        added_after: only objects added strictly after it (UTC), or None.
        limit: page size (1 to :data:`MAX_PAGE`).
        next: the decoded ``next`` cursor, or None.
        ids, types, versions, spec_versions: the ``match[...]`` values, or None (no filter);
            ``versions`` default ``["last"]``.
    """

    added_after: dt.datetime | None
    limit: int
    next: list[Any] | None
    ids: list[str] | None
    types: list[str] | None
    versions: list[str]
    spec_versions: list[str] | None

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> Query:
        """Read the parameters.

        Raises:
            TaxiiError: 400 naming a parameter that does not read.
        """
        added = params.get("added_after")
        limit_text = params.get("limit")
        limit = DEFAULT_PAGE
        if limit_text is not None:
            if not limit_text.isdigit() or int(limit_text) < 1:
                raise TaxiiError(400, "bad limit", f"limit={short_repr(limit_text)}: "
                                                   "expected a positive integer")
            limit = min(int(limit_text), MAX_PAGE)
        nxt = params.get("next")
        versions = _values(params, "match[version]") or ["last"]
        for v in versions:
            if v not in ("first", "last", "all"):
                _timestamp("match[version]", v)
        return cls(None if added is None else _timestamp("added_after", added), limit,
                   None if nxt is None else decode_cursor(nxt), _values(params, "match[id]"),
                   _values(params, "match[type]"), versions,
                   _values(params, "match[spec_version]"))

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

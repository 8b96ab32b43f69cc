"""The URLs of :class:`gsomia.sharing.sqldb.Database` (the forms are in that module's
docstring): which dialect and target a URL names, its SQLite ``synchronous`` setting, and
the URL as messages show it (without a password)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit, urlunsplit

from gsomia.errors import StoreError

__all__ = ["DIALECTS", "SYNCHRONOUS", "redact_url", "split_url", "synchronous_setting"]

#: Supported URL schemes.
DIALECTS = ("sqlite", "postgresql")


def redact_url(url: str) -> str:
    """The URL without its password (for messages)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


#: ``?synchronous=`` values of a ``sqlite:///`` URL (the forms of :mod:`gsomia.sharing.sqldb`).
SYNCHRONOUS = ("normal", "full", "off")


def split_url(url: str) -> tuple[str, str]:
    """``(dialect, target)``: the SQLite path (with ``?synchronous=…`` if given), or the
    PostgreSQL URL as given."""
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql", url
    if url.startswith("sqlite:///"):
        return "sqlite", url[len("sqlite:///"):] or ":memory:"
    if url.startswith("sqlite://"):
        raise StoreError(url, "url", "expected sqlite:///PATH (three slashes)")
    if "://" in url:
        raise StoreError(url, "url", f"unsupported scheme; expected one of {', '.join(DIALECTS)}")
    return "sqlite", url


def synchronous_setting(display: str, query: str) -> str:
    """The ``synchronous`` value of a ``sqlite:///`` URL's query (the only parameter).

    Raises:
        StoreError: another parameter, or a value not in :data:`SYNCHRONOUS`.
    """
    values = []
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key != "synchronous":
            raise StoreError(display, "url", f"unknown SQLite URL parameter {key!r} "
                             "(known: synchronous)")
        values.append(value.lower())
    value = values[-1] if values else "normal"
    if value not in SYNCHRONOUS:
        raise StoreError(display, "url", f"synchronous={value!r}: expected one of "
                         f"{', '.join(SYNCHRONOUS)}")
    return value

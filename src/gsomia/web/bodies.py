"""The one reader of a request's JSON body for every route of the node's HTTP API.

:func:`read_object` checks ``Content-Type: application/json`` (else 415; a ``charset``
parameter other than ``utf-8`` is refused 415 naming it: JSON exchanged between systems
must be UTF-8, RFC 8259 section 8.1) and reads the
body as I-JSON under the limits of :func:`gsomia.schemas.json_text.read_json`: UTF-8
without lone surrogates, at most :data:`~gsomia.schemas.json_text.MAX_DEPTH` levels deep,
integers within ±(2**53 - 1), finite numbers, member names not repeated (else 400 naming
the key path); the value must be a JSON object (else 400). The body's size was bounded
before (:func:`gsomia.web.app.body_limit`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request

from gsomia.errors import InputError, short_repr
from gsomia.schemas.json_text import read_json

__all__ = ["BodyError", "read_object", "replay_body"]


class BodyError(Exception):
    """A request body refused: ``status`` (400 or 415) and ``message`` (names the field).
    """

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


async def read_object(request: Request) -> dict[str, Any]:
    """The request's JSON object body (module notes).

    Raises:
        BodyError: 415 for another content type or a charset other than utf-8, 400 for a
            body that is not an I-JSON object within the limits.
    """
    ctype, *params = request.headers.get("content-type", "").split(";")
    ctype = ctype.strip().lower()
    if ctype != "application/json":
        raise BodyError(415, f"content-type={short_repr(ctype)}: expected application/json")
    charset = _charset(params)
    if charset is not None and charset.lower() != "utf-8":
        raise BodyError(415, f"content-type charset={short_repr(charset)}: expected utf-8 "
                             "(JSON between systems is UTF-8, RFC 8259 section 8.1)")
    try:
        data = read_json(await request.body(), "body")
    except InputError as exc:
        raise BodyError(400, str(exc)) from None
    if not isinstance(data, dict):
        raise BodyError(400, f"body: expected a JSON object, got {type(data).__name__}")
    return data


def _charset(params: list[str]) -> str | None:
    """The ``charset`` parameter of a media type's parameters (RFC 9110 section 8.3.1:
    names case-insensitive, values a token or a quoted string), or None."""
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"')
    return None


def replay_body(body: bytes, receive: Callable[[], Awaitable[dict]]) -> Callable:
    """An ASGI ``receive`` that gives ``body`` (read whole by a middleware) as one
    ``http.request`` message, then defers to ``receive`` (a disconnect)."""
    sent = False

    async def replay() -> dict:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay

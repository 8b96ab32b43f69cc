"""``Idempotency-Key`` on every operator ``POST`` of the node's HTTP API (IETF draft "The
Idempotency-Key HTTP Header Field", draft-ietf-httpapi-idempotency-key-header).

An ASGI middleware (:class:`IdempotencyMiddleware`, inside the access check of
:mod:`gsomia.web.app`) for every ``POST`` but the partner inbox (``/v1/inbox…``, which is
idempotent by envelope id): a request that carries ``Idempotency-Key: "<key>"`` is
answered once. The key is an RFC 8941 sf-string, as the draft defines the field (section
2.1): a quoted string of 1 to :data:`MAX_KEY_CHARS` printable ASCII characters, ``\\"``
and ``\\\\`` escaped; a bare token (``k-2``) or a byte sequence (``:Ym9ndXM=:``) is
refused 400, so that two clients never read one header as two keys.

- first time: processed as usual; a 2xx answer (status, content type and body) is kept
  in the node's store (:class:`gsomia.node.idempotency.IdempotencyKeys`; 24 hours);
- a 4xx or 5xx answer is not kept: the key is released (its reservation deleted), since
  the request did nothing (a 4xx refuses the request before anything is written; a 5xx
  or 503 rolled back), so that a corrected retry with the same key is processed (the
  draft's section on error handling leaves the choice to the resource; a client that
  fixes its body must not need a new key);
- the same key, method, path and body bytes again after a 2xx: the first answer
  replayed, with ``Idempotency-Replayed: true``; nothing done twice (no second item,
  release or case);
- the same key with another request after a 2xx: 422 naming the key (the draft,
  section 2.7);
- the same key while its first request is still being processed (or never finished: the
  node stopped): 409;
- a malformed key (not a quoted string, or the header given twice): 400 naming
  ``Idempotency-Key`` and the form expected.

A request without the header is processed as before (the key is the client's choice).
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from gsomia.errors import StoreError, short_repr
from gsomia.node.idempotency import IdempotencyKeys
from gsomia.web.bodies import replay_body
from gsomia.web.unavailable import store_message, store_unavailable, unavailable

__all__ = ["MAX_KEY_CHARS", "IdempotencyMiddleware", "parse_key"]

#: Longest key accepted [characters].
MAX_KEY_CHARS = 255
_HEADER = b"idempotency-key"
_SF_STRING = re.compile(r'"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)"')


def parse_key(values: list[bytes]) -> str | None:
    """The key of the ``Idempotency-Key`` header values (None when there is none).

    Raises:
        ValueError: given twice, empty, longer than :data:`MAX_KEY_CHARS`, or not an RFC
            8941 sf-string (a quoted string of printable ASCII; a bare token or a byte
            sequence is refused).
    """
    if not values:
        return None
    if len(values) > 1:
        raise ValueError("Idempotency-Key given more than once")
    text = values[0].decode("latin-1").strip()
    quoted = _SF_STRING.fullmatch(text)
    if quoted is None:
        raise ValueError(f"Idempotency-Key={short_repr(text)}: expected an RFC 8941 "
                         "sf-string, a quoted string of printable ASCII, e.g. "
                         "\"8e03978e-40d5-43e8-bc93-6894a57f9324\" (quotes included)")
    key = re.sub(r"\\(.)", r"\1", quoted.group(1))
    if not 0 < len(key) <= MAX_KEY_CHARS:
        raise ValueError(f"Idempotency-Key={short_repr(key)}: expected 1 to "
                         f"{MAX_KEY_CHARS} characters")
    return key


class IdempotencyMiddleware:
    """ASGI middleware of the module notes, keeping the keys in ``keys``."""

    def __init__(self, app: Any, keys: IdempotencyKeys) -> None:
        self.app = app
        self.keys = keys

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        if (scope.get("type") != "http" or scope.get("method") != "POST"
                or path.startswith("/v1/inbox")):
            await self.app(scope, receive, send)
            return
        try:
            key = parse_key([v for k, v in scope.get("headers") or [] if k.lower() == _HEADER])
        except ValueError as exc:
            await JSONResponse({"error": str(exc)}, status_code=400)(scope, receive, send)
            return
        if key is None:
            await self.app(scope, receive, send)
            return
        body, more = b"", True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            more = message.get("more_body", False)
        fingerprint = hashlib.sha256(b"POST " + path.encode("utf-8", "replace") + b"\n"
                                     + body).hexdigest()
        try:
            stored = await run_in_threadpool(self.keys.reserve, key, fingerprint)
        except StoreError as exc:
            await store_unavailable(exc)(scope, receive, send)
            return
        if not stored.mine:
            await self._known(key, fingerprint, stored, scope, receive, send)
            return
        await self._first(key, body, scope, receive, send)

    async def _known(self, key: str, fingerprint: str, stored: Any, scope: dict,
                     receive: Any, send: Any) -> None:
        """Answer a request whose key is known: replay, 422 or 409 (module notes)."""
        name = f"Idempotency-Key={short_repr(key)}"
        if stored.fingerprint != fingerprint:
            answer = JSONResponse({"error": f"{name}: already used for another request "
                                            "(method, path or body differ)"}, status_code=422)
        elif stored.status == 0:
            answer = JSONResponse({"error": f"{name}: its first request is being processed"
                                            " or did not finish; see the node's items and "
                                            "audit log before using a new key"},
                                  status_code=409)
        else:
            await send({"type": "http.response.start", "status": stored.status,
                        "headers": [(b"content-type", stored.content_type.encode("latin-1")),
                                    (b"content-length", str(len(stored.body)).encode()),
                                    (b"idempotency-replayed", b"true")]})
            await send({"type": "http.response.body", "body": stored.body})
            return
        await answer(scope, receive, send)

    async def _first(self, key: str, body: bytes, scope: dict, receive: Any,
                     send: Any) -> None:
        """Process the first request of ``key``, keep its answer, then send it (module
        notes). The answer is held back until it is kept: a client that retries at once
        gets it replayed, never a 409 for a request already answered."""
        status, ctype, held = 500, "", []

        async def hold(message: dict) -> None:
            nonlocal status, ctype
            if message["type"] == "http.response.start":
                status = int(message["status"])
                ctype = dict(message.get("headers") or []).get(b"content-type", b"").decode(
                    "latin-1")
            held.append(message)

        try:
            await self.app(scope, replay_body(body, receive), hold)
        except BaseException:
            await run_in_threadpool(self.keys.release, key)
            raise
        if not 200 <= status < 300:  # nothing done: a (corrected) retry is processed
            await run_in_threadpool(self.keys.release, key)
        else:
            answer = b"".join(m.get("body", b"") for m in held
                              if m["type"] == "http.response.body")
            try:
                await run_in_threadpool(self.keys.complete, key, status, ctype, answer)
            except StoreError as exc:  # done, but its answer could not be kept
                await unavailable({"error": f"{store_message(exc)}; the request was "
                                            "processed (see the node's items) but its "
                                            "Idempotency-Key answer was not kept"})(
                    scope, receive, send)
                return
        for message in held:
            await send(message)

"""503 Service Unavailable, with ``Retry-After``, for every route while the node's store
or audit log cannot take a request (:class:`~gsomia.errors.StoreError`).

RFC 9110 section 15.6.4: 503 "indicates that the server is currently unable to handle the
request due to a temporary overload or scheduled maintenance, which will likely be
alleviated after some delay"; the server may send ``Retry-After`` (section 10.2.3, here
delay-seconds) to say how long the client ought to wait. A store failure is the server's,
never the client's (so never a 4xx), and the request's transaction was rolled back, so
nothing of it was kept or acknowledged: the same request may be sent again. A partner's
outbox retries on its own backoff; an operator's client should wait ``Retry-After``.

The answer never holds the store's detail (SQL text, the database's URL or path, the
driver's message): ``{"error": "store unavailable"}`` when the database cannot be reached
(:class:`~gsomia.errors.StoreUnavailable`), ``{"error": "store refused the write"}`` for
any other store failure; the detail goes to the server log (logger ``gsomia.web``, level
ERROR) only, since a client can do nothing with it and it tells an attacker the
deployment.

The routes' wrappers answer their StoreError with :func:`store_unavailable`; an uncaught
one reaches the handler :func:`add_store_handler` installs; :func:`document_503` adds the
answer to every route of the OpenAPI document.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from gsomia.errors import StoreError, StoreUnavailable

__all__ = ["COMMON_ANSWERS", "RETRY_AFTER_S", "add_store_handler", "document_503",
           "document_common_answers", "store_message", "store_unavailable", "unavailable"]

#: ``Retry-After`` of a 503 [s]: about the pool's gap between reconnection attempts
#: (:class:`gsomia.sharing.sqldb.PoolSettings`), so a retry finds a server back up.
RETRY_AFTER_S = 3


def unavailable(body: dict) -> JSONResponse:
    """A 503 with ``body`` and ``Retry-After: RETRY_AFTER_S``."""
    return JSONResponse(body, status_code=503, headers={"Retry-After": str(RETRY_AFTER_S)})


_LOG = logging.getLogger("gsomia.web")


def store_message(exc: Exception) -> str:
    """The generic text of a store or audit log failure for a client (module notes);
    ``exc`` itself, with the database and the driver's message, is logged."""
    _LOG.error("%s", exc)
    if isinstance(exc, StoreUnavailable):
        return "store unavailable"
    return "store refused the write"


def store_unavailable(exc: StoreError) -> JSONResponse:
    """The 503 of a store failure: ``{"error": "store unavailable"}`` or ``{"error":
    "store refused the write"}`` (module notes: no detail in the answer)."""
    return unavailable({"error": store_message(exc)})


def add_store_handler(app: FastAPI) -> None:
    """Answer any StoreError a route leaves uncaught with :func:`store_unavailable`."""

    async def handler(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StoreError)
        return store_unavailable(exc)

    app.add_exception_handler(StoreError, handler)


def document_503(app: FastAPI) -> None:
    """Add the 503 answer, with its ``Retry-After`` header, to every API route's OpenAPI
    responses that does not describe one yet (call after the routes are added)."""
    answer = {"description": "the store or audit log is unavailable: nothing was kept; "
                             "try again after Retry-After seconds (RFC 9110 15.6.4)",
              "headers": {"Retry-After": {"description": "seconds to wait (RFC 9110 "
                                                         "10.2.3)",
                                          "schema": {"type": "integer"}}}}
    for route in app.routes:
        if isinstance(route, APIRoute):
            described = route.responses.get(503) or route.responses.get("503")
            if described is None:
                route.responses[503] = {**answer, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/ErrorView"}}}}
            else:
                described.setdefault("headers", answer["headers"])


#: Answers any operation may give besides its own: the access check (403) and, on a POST,
#: the body reader (400, 413, 415), the Idempotency-Key (400, 409, 422:
#: :mod:`gsomia.web.idempotency`); the 503 of every route is :func:`document_503`'s.
COMMON_ANSWERS = {
    "get": {"403": "not a route for the caller's certificate (access rules)"},
    "post": {"400": "bad input, naming the field", "403": "not a route for the caller's "
             "certificate (access rules)", "409": "Idempotency-Key: its first request is "
             "being processed", "413": "body over the limit", "415": "not application/json",
             "422": "Idempotency-Key already used for another request"},
}


def document_common_answers(spec: dict[str, Any]) -> None:
    """Add :data:`COMMON_ANSWERS` (as :class:`~gsomia.web.models.ErrorView`) to every
    operation of ``spec`` that does not document that status already."""
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorView"}}}
    for operations in spec.get("paths", {}).values():
        for method, operation in operations.items():
            answers = operation.setdefault("responses", {})
            for status, why in COMMON_ANSWERS.get(method, {}).items():
                answers.setdefault(status, {"description": why, "content": error})

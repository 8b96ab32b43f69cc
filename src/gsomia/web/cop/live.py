"""``/cop`` on a live node (``gsomia serve``): the page, its data and its push channel.

Routes (operator only: :class:`gsomia.web.app._Guard` opens no ``/cop`` path to a person or
a partner):

``GET /cop``                  the page (``static/cop.html``; scripts and styles below).
``GET /cop/static/{name}``    the page's script and style; ``/cop/leaflet/{name}`` Leaflet
                              (:mod:`gsomia.web.cop.assets`).
``GET /cop/api/config``       ``{"mode": "live", "party", "partners": {party: route},
                              "hubs": {route: hub}}``.
``GET /cop/api/geo``          map layers (:func:`gsomia.web.cop.geo.layers`).
``GET /cop/api/sensors``      own and partners' sensors in service today, from the sensor
                              catalogue (:mod:`gsomia.warning.sites`;
                              :func:`gsomia.sim.replay.sensor_views`).
``GET /cop/api/own``          this party's own published missile warnings (its local items),
                              the latest :data:`OWN_LIMIT`, oldest first: ``[{"item_id",
                              "created_s", "payload", "actions": [{"action", "issued_at"}]}]``
                              (``actions``: its originator actions, e.g. ``recall``: the
                              warning withdrawn, Art. 6).
``GET /cop/api/links``        per partner: route, hub, outbox entries by status, the last
                              result or error.
``GET /cop/api/area``         areas at risk of a PIP (``lat``, ``lon`` [deg], ``cee``,
                              ``cen``, ``cnn`` [m²]; :func:`gsomia.web.cop.geo.area_view`);
                              400 naming a value out of its range (latitude [−90, 90],
                              longitude [−180, 180], a positive semi-definite covariance of
                              standard deviations ≤ :data:`~gsomia.web.cop.geo.MAX_SIGMA_KM`).
``GET /cop/api/events``       Server-Sent Events (HTML Living Standard §9.2,
                              ``text/event-stream``): an ``update`` event whenever an item
                              is delivered to this node (its ``on_item`` subscriber) or a
                              request changed it (any ``POST``), and when the outbox
                              changes (sends, acks: checked every second); a comment line
                              every 15 s keeps the connection open.

Every ``/cop/api`` route but the event stream is in the node's OpenAPI (tag ``cop``; the
stream never ends, so a generated request could not finish).

The items received are read by the page through ``GET /v1/items`` itself, so each is
decided for the calling person and audited (``read.permitted``/``read.denied``) as every
read (:mod:`gsomia.web.reads`): the operator reads as the personnel file's
``[persons.operator]`` entry. The marking shown is the one applied on receipt (Art. 4(2)).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import threading
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from gsomia.datafile import Table
from gsomia.errors import GsomiaError
from gsomia.node import WARNING_TOPIC, Node
from gsomia.sim.replay import sensor_views
from gsomia.warning.sites import in_service_on, load_sensor_catalogue, sensor_from_table
from gsomia.web.cop.assets import asset_response
from gsomia.web.cop.geo import MAX_SIGMA_KM, area_view, layers

__all__ = ["Feed", "add_cop_routes", "add_page_routes"]

#: Most own warnings listed (the latest).
OWN_LIMIT = 500
#: Seconds between two keep-alive comments of the event stream.
KEEPALIVE_S = 15.0
#: Seconds between two looks at the outbox counts (sends and acks happen in the background).
OUTBOX_CHECK_S = 1.0
_VARIANCE = ("{} variance [m²], in [0, " + f"{(MAX_SIGMA_KM * 1e3) ** 2:.3g}" + "] "
             f"(a standard deviation of at most {MAX_SIGMA_KM:g} km)")


class Feed:
    """Wakes every open event stream: :meth:`notify` may be called from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

    def notify(self) -> None:
        with self._lock:
            waiters = list(self._waiters)
        for loop, event in waiters:
            try:
                loop.call_soon_threadsafe(event.set)
            except RuntimeError:   # the loop has closed
                pass

    def subscribe(self) -> tuple[asyncio.AbstractEventLoop, asyncio.Event]:
        token = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            self._waiters.add(token)
        return token

    def unsubscribe(self, token: tuple[asyncio.AbstractEventLoop, asyncio.Event]) -> None:
        with self._lock:
            self._waiters.discard(token)


class _NotifyOnPost:
    """ASGI middleware: :meth:`Feed.notify` after every ``POST`` (a warning published, an
    approval, an item created or released)."""

    def __init__(self, app: Any, feed: Feed) -> None:
        self.app = app
        self.feed = feed

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)
        if scope.get("type") == "http" and scope.get("method") == "POST":
            self.feed.notify()


def add_page_routes(app: FastAPI, config: Callable[[], dict[str, Any]],
                    parties: list[str]) -> None:
    """The page, its assets, its config and the map layers (live and replay alike)."""
    def page() -> Response:
        return asset_response("cop", "cop.html")

    app.add_api_route("/cop", page, methods=["GET"], include_in_schema=False)
    app.add_api_route("/cop/static/{name}", lambda name: asset_response("cop", name),
                      methods=["GET"], include_in_schema=False)
    app.add_api_route("/cop/leaflet/{name:path}", lambda name: asset_response("leaflet", name),
                      methods=["GET"], include_in_schema=False)
    app.add_api_route("/cop/api/config", config, methods=["GET"], tags=["cop"],
                      summary="The page's configuration")

    async def geo() -> JSONResponse:
        return JSONResponse(await run_in_threadpool(layers, parties))

    app.add_api_route("/cop/api/geo", geo, methods=["GET"], tags=["cop"],
                      summary="Map layers (GeoJSON)")

    async def area(
        lat: Annotated[float, Query(description="PIP latitude [deg], in [-90, 90]")],
        lon: Annotated[float, Query(description="PIP longitude [deg], in [-180, 180]")],
        cee: Annotated[float, Query(description=_VARIANCE.format("east"))],
        cen: Annotated[float, Query(description="east-north covariance [m²], |cen| ≤ "
                                                "√(cee·cnn)")],
        cnn: Annotated[float, Query(description=_VARIANCE.format("north"))],
    ) -> Response:
        try:
            found = await run_in_threadpool(area_view, lat, lon, [[cee, cen], [cen, cnn]])
        except GsomiaError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse(found)

    app.add_api_route("/cop/api/area", area, methods=["GET"], tags=["cop"],
                      summary="Areas at risk of a PIP",
                      responses={400: {"description": "a value out of range, named"}})


def _sensors(parties: list[str]) -> list[dict[str, Any]]:
    today = dt.datetime.now(dt.UTC).date()
    built = [sensor_from_table(Table(entry, "sensors.toml", sid))
             for sid, entry in load_sensor_catalogue().items()
             if entry.get("owner") in parties and in_service_on(entry, today)]
    return sensor_views(built, load_sensor_catalogue())


def _actions(node: Node, item_id: str) -> list[dict[str, Any]]:
    try:
        return [{"action": n["action"], "issued_at": n["issued_at"]}
                for n in node.actions(item_id)]
    except GsomiaError:
        return []


def _own(node: Node) -> list[dict[str, Any]]:
    mine = [(item_id, payload, created_s)
            for item_id, label, payload, created_s in node.store.local_items()
            if label.get("topic") == WARNING_TOPIC and "kind" not in payload][-OWN_LIMIT:]
    return [{"item_id": item_id, "created_s": created_s, "payload": payload,
             "actions": _actions(node, item_id)} for item_id, payload, created_s in mine]


def _links(node: Node) -> list[dict[str, Any]]:
    rows = node.store.outbox()
    out = []
    for peer, route in node.routes.items():
        mine = [r for r in rows if r.final == peer or r.peer == peer]
        counts: dict[str, int] = {}
        for r in mine:
            counts[r.status] = counts.get(r.status, 0) + 1
        last = max(mine, key=lambda r: r.id, default=None)
        out.append({"partner": peer, "route": route.value, "hub": node.hub_of(route),
                    "outbox": counts, "last_status": None if last is None else last.status,
                    "last_result": None if last is None else last.result,
                    "attempts": 0 if last is None else last.attempts})
    return out


async def _events(request: Request, feed: Feed, node: Node) -> AsyncIterator[str]:
    token = feed.subscribe()
    _, event = token
    loop = asyncio.get_running_loop()
    seen = await run_in_threadpool(node.outbox_counts)
    n = 0
    try:
        yield "retry: 1000\n\n"
        last_sent = loop.time()
        while not await request.is_disconnected():
            try:
                await asyncio.wait_for(event.wait(), OUTBOX_CHECK_S)
            except TimeoutError:
                counts = await run_in_threadpool(node.outbox_counts)
                if counts == seen:
                    if loop.time() - last_sent > KEEPALIVE_S:
                        last_sent = loop.time()
                        yield ": keep-alive\n\n"
                    continue
                seen = counts
            event.clear()
            n += 1
            last_sent = loop.time()
            yield f"event: update\nid: {n}\ndata: {json.dumps({'n': n})}\n\n"
    finally:
        feed.unsubscribe(token)


def add_cop_routes(app: FastAPI, node: Node) -> Feed:
    """The routes of the module docstring on ``app`` (a node's API,
    :func:`gsomia.web.app.create_app`); chains ``node.on_item`` to wake the event streams.
    Returns the :class:`Feed` (:meth:`Feed.notify` wakes the pages)."""
    feed = Feed()
    before = node.on_item

    def on_item(item: Any) -> None:
        if before is not None:
            before(item)
        feed.notify()

    node.on_item = on_item
    app.add_middleware(_NotifyOnPost, feed=feed)
    parties = [node.party, *node.routes]

    def config() -> dict[str, Any]:
        routes = {p: r.value for p, r in node.routes.items()}
        hubs = {r: node.hub_of(r) for r in set(routes.values())}
        return {"mode": "live", "party": node.party, "partners": routes, "hubs": hubs}

    add_page_routes(app, config, parties)
    app.add_api_route("/cop/api/sensors", lambda: _sensors(parties), methods=["GET"],
                      tags=["cop"], summary="Sensors in service today")
    app.add_api_route("/cop/api/own", lambda: _own(node), methods=["GET"], tags=["cop"],
                      summary="This party's own published warnings")
    app.add_api_route("/cop/api/links", lambda: _links(node), methods=["GET"], tags=["cop"],
                      summary="Each partner's link and outbox")

    def events(request: Request) -> StreamingResponse:
        return StreamingResponse(_events(request, feed, node), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store"})

    # a stream that never ends: not in the OpenAPI (a generated request would never finish)
    app.add_api_route("/cop/api/events", events, methods=["GET"], include_in_schema=False)
    return feed

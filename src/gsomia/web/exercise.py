"""Exercises on a live node (:mod:`gsomia.node.exercise`): the operator's routes to propose,
accept and end one, and the exercise's own node beside the real one.

:class:`ExerciseHost` wraps the real node's app (an ASGI app of its own, given to uvicorn):

``GET  /v1/exercises``              every exercise this node knows (plan, status, who
                                    accepted, who ended it, whether its node runs here).
``GET  /v1/exercises/{id}``         one of them (404 when unknown).
``POST /v1/exercises``              propose a plan (``name``, ``participants``, ``start``,
                                    ``end``, ``scenario``, ``scenario_sha256``, optional
                                    ``on_end``): an ``exercise_plan`` item of this party,
                                    released to the other participants.
``POST /v1/exercises/{id}/accept``  this party's signed acceptance of the known plan
                                    (an ``exercise_acceptance`` item naming its SHA-256).
``POST /v1/exercises/{id}/end``     end it (an ``exercise_end`` item, any participant).

These are the real node's routes (operator only, like every route not listed open in
:mod:`gsomia.web.app`); the plan, acceptances and ends are real items, created, released,
received and audited as any item.

``/exercises/{id}/…``: while exercise ``id`` is active and accepted here, the whole API of
the exercise's own :class:`~gsomia.node.Node` (its partner inbox, items, warnings, COP,
TAXII: :func:`gsomia.web.app.create_app`, with the same access rules), whose store is a
database of its own (``<folder>/<id>.sqlite``): exercise items never enter the real
store, so no real route lists, fetches or releases one. Every answer under this prefix
carries the header ``Gsomia-Exercise: EXERCISE <id>``; a JSON object answer gets the
member ``"exercise": "EXERCISE <id>"`` (each object of a JSON array too), and an HTML page
(the COP) a red ``EXERCISE`` banner. Without an active exercise node the prefix answers 403
and the refusal is audited on the real node (``exercise.refused``). The exercise node
consumes the exercise's own in-nation stream (:func:`gsomia.node.exercise.
exercise_settings`) when the real node has a stream server. When the exercise ends
(or its window closes), its node and consumer stop and its store is archived (kept) or
purged (items erased, audit log kept) as the plan says (audited ``exercise.archived`` /
``exercise.purged`` on both logs).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from gsomia.errors import GsomiaError, InputError, ReleaseDenied
from gsomia.node import Node, ReceivedItem, WallClock
from gsomia.node.exercise import (
    EXERCISE_KINDS,
    ExerciseBook,
    ExercisePlan,
    exercise_mark,
    exercise_settings,
)
from gsomia.node.links import Link
from gsomia.node.stream import StreamConsumer
from gsomia.node.stream_ingest import NodeIngest
from gsomia.node.warning import WARNING_TOPIC
from gsomia.sharing.routes import Route

__all__ = ["PREFIX", "ExerciseHost"]

#: Path prefix of an exercise node's API on the real node's server.
PREFIX = "/exercises/"
#: How often the host checks the exercises' windows [s].
_TICK_S = 1.0


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class _Gate:
    """The gate of one exercise node: the host's book, read at each request."""

    exercise_id: str
    book: ExerciseBook
    lock: threading.Lock

    def refusal(self) -> str | None:
        with self.lock:
            return self.book.refusal(self.exercise_id, _now())


def _mark_body(body: bytes, content_type: str, mark: str) -> bytes:
    """A response body with the EXERCISE marking (module notes)."""
    if "json" in content_type and body:
        try:
            obj = json.loads(body)
        except ValueError:
            return body
        if isinstance(obj, dict):
            obj = {"exercise": mark, **obj}
        elif isinstance(obj, list):
            obj = [{"exercise": mark, **x} if isinstance(x, dict) else x for x in obj]
        return json.dumps(obj, ensure_ascii=False).encode()
    if "html" in content_type:
        # the page reads its data under the exercise's prefix (cop.js: meta gsomia-root)
        root = PREFIX + mark.removeprefix("EXERCISE ")
        banner = (f'<meta name="gsomia-root" content="{root}"><div id="exercise-banner" '
                  f'style="background:#b00;color:#fff;text-align:center;font-weight:bold">'
                  f"{mark} — EXERCISE EXERCISE EXERCISE</div>").encode()
        head, sep, tail = body.partition(b"<body")
        if sep:
            close = tail.find(b">") + 1
            return head + sep + tail[:close] + banner + tail[close:]
        return banner + body
    return body


def _marked(app: Any, exercise_id: str) -> Any:
    """``app`` whose every HTTP answer carries the EXERCISE marking (module notes)."""
    mark = exercise_mark(exercise_id)

    async def marked(scope: dict, receive: Any, send: Any) -> None:
        if scope.get("type") != "http":
            await app(scope, receive, send)
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def send_marked(message: dict) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            headers = [(k, v) for k, v in start.get("headers", [])
                       if k.lower() != b"content-length"]
            ctype = next((v.decode("latin-1") for k, v in headers
                          if k.lower() == b"content-type"), "")
            body = _mark_body(b"".join(chunks), ctype, mark)
            headers += [(b"content-length", str(len(body)).encode()),
                        (b"gsomia-exercise", mark.encode())]
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await app(scope, receive, send_marked)

    return marked


class ExerciseHost:
    """The real node's app with its exercises (module notes); an ASGI app.

    Parameters:
        node: the real node; app: its API (:func:`gsomia.web.app.create_app`).
        make_app: builds the API of an exercise node (the same access rules as ``app``).
        link: ``link(peer, base_url)`` → the link to a partner's exercise node.
        peers: each partner's base URL (its real server).
        folder: where the exercises' stores are kept.
        stream_url: the nation's NATS server (None: no stream; exercise traffic is then
            only what the exercise node's operator publishes).
    """

    def __init__(self, node: Node, app: FastAPI, *, make_app: Callable[[Node], Any],
                 link: Callable[[str, str], Link], peers: Mapping[str, str], folder: Path,
                 stream_url: str | None = None) -> None:
        self.node, self.app, self.make_app, self.link = node, app, make_app, link
        self.peers, self.folder, self.stream_url = dict(peers), Path(folder), stream_url
        self.book = ExerciseBook(node.party)
        self.lock = threading.Lock()
        self._syncing = threading.Lock()
        self.nodes: dict[str, Node] = {}
        self.apps: dict[str, Any] = {}
        self.consumers: dict[str, StreamConsumer] = {}
        self.closed_ids: set[str] = set()
        self.book.replay(
            [p for _, _, p, _ in node.store.local_items() if p.get("kind") in EXERCISE_KINDS],
            [(i.payload, i.originator) for i in node.items()
             if i.payload.get("kind") in EXERCISE_KINDS])
        chained = node.on_item

        def on_item(item: ReceivedItem) -> None:
            if chained is not None:
                chained(item)
            self._received(item)

        node.on_item = on_item
        self._add_routes()
        self._stop = threading.Event()
        self._ticker = threading.Thread(target=self._tick, daemon=True,
                                        name=f"exercises-{node.party}")
        self._ticker.start()

    # the book ---------------------------------------------------------------------------
    def _received(self, item: ReceivedItem) -> None:
        if item.payload.get("kind") not in EXERCISE_KINDS:
            return
        try:
            with self.lock:
                self.book.apply(item.payload, item.originator)
        except InputError as exc:
            self.node.record("exercise.unreadable", {"item_id": item.item_id,
                                                     "reason": str(exc)})
            return
        threading.Thread(target=self.sync, daemon=True).start()

    def _share(self, payload: dict[str, Any], participants: tuple[str, ...]) -> list[dict]:
        """Create an exercise control item of this party and release it to the other
        participants; the releases."""
        node = self.node
        others = [p for p in participants if p != node.party]
        out = []
        # the item commits (and is witnessed) before it is released, as any own item
        label = node.create_item(payload, classification=node.warning_classification,
                                 releasable_to=others, topic=WARNING_TOPIC)
        for p in others:
            try:
                rel = node.release(label.item_id, p, node.routes.get(p, Route.DIRECT),
                                   send=False)
            except ReleaseDenied as exc:  # audited by the node; the others still get it
                rel = exc.release
            out.append({"to": p, "status": rel.status, "item_id": label.item_id})
        node.flush_soon()
        return out

    def view(self, exercise_id: str) -> dict[str, Any]:
        """One exercise as the API answers it."""
        with self.lock:
            return {**self.book.view(exercise_id, _now()),
                    "running": exercise_id in self.nodes}

    def propose(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """Propose a plan of this party (``POST /v1/exercises``)."""
        plan = ExercisePlan.new(body.get("name"), self.node.party,  # type: ignore[arg-type]
                                body.get("participants") or (), body.get("start"),
                                body.get("end"), body.get("scenario"),  # type: ignore[arg-type]
                                body.get("scenario_sha256"),  # type: ignore[arg-type]
                                body.get("on_end", "archive"))
        if plan.end <= _now():
            raise InputError("end", body.get("end"), "the window is already over (UTC now: "
                             f"{_now().isoformat(timespec='seconds')})")
        unknown = [p for p in plan.participants if p not in self.node.directory]
        if unknown:
            raise InputError("participants", ",".join(unknown), "no such party in this "
                             "node's directory (its PKI)")
        with self.lock:
            self.book.propose(plan, self.node.party)
        releases = self._share(plan.to_dict(), plan.participants)
        self.sync()
        return {**self.view(plan.exercise_id), "releases": releases}

    def _known(self, exercise_id: str) -> ExercisePlan:
        with self.lock:
            plan = self.book.plans.get(exercise_id)
        if plan is None:
            raise InputError("exercise_id", exercise_id, f"no plan known at {self.node.party}")
        return plan

    def _not_ended(self, exercise_id: str) -> None:
        with self.lock:
            ended_by = self.book.ended.get(exercise_id)
        if ended_by is not None:
            raise InputError("exercise_id", exercise_id, f"already ended by {ended_by}")

    def accept(self, exercise_id: str) -> dict[str, Any]:
        """Sign this party's acceptance of the known plan."""
        plan = self._known(exercise_id)
        if self.node.party not in plan.participants:
            raise InputError("exercise_id", exercise_id,
                             f"{self.node.party} is not a participant")
        self._not_ended(exercise_id)
        payload = {"kind": "exercise_acceptance", "exercise_id": exercise_id,
                   "plan_sha256": plan.sha256, "party": self.node.party,
                   "at": _now().isoformat()}
        with self.lock:
            self.book.apply(payload, self.node.party)
        releases = self._share(payload, plan.participants)
        self.sync()
        return {**self.view(exercise_id), "releases": releases}

    def end(self, exercise_id: str) -> dict[str, Any]:
        """End the exercise (any participant; once)."""
        plan = self._known(exercise_id)
        if self.node.party not in plan.participants:
            raise InputError("exercise_id", exercise_id,
                             f"{self.node.party} is not a participant")
        self._not_ended(exercise_id)
        payload = {"kind": "exercise_end", "exercise_id": exercise_id,
                   "party": self.node.party, "at": _now().isoformat()}
        with self.lock:
            self.book.apply(payload, self.node.party)
        releases = self._share(payload, plan.participants)
        self.sync()
        return {**self.view(exercise_id), "releases": releases}

    # exercise nodes ---------------------------------------------------------------------
    def sync(self) -> None:
        """Start the node of every exercise now active and accepted here; stop (and
        archive or purge) that of every other. One sync at a time (the window checks and
        the arrivals of control items both call it)."""
        with self._syncing:
            with self.lock:
                now = _now()
                wanted = {e for e in self.book.plans if self.book.refusal(e, now) is None}
                plans = dict(self.book.plans)
            for eid in wanted - set(self.nodes) - self.closed_ids:
                self._start(plans[eid])
            for eid in set(self.nodes) - wanted:
                self._finish(plans[eid])

    def _start(self, plan: ExercisePlan) -> None:
        real = self.node
        self.folder.mkdir(parents=True, exist_ok=True)
        gate = _Gate(plan.exercise_id, self.book, self.lock)
        others = [p for p in plan.participants if p != real.party]
        node = Node(real.party, real.keys, real.directory, real.catalog,
                    self.folder / f"{plan.exercise_id}.sqlite", WallClock(),
                    routes={p: real.routes.get(p, Route.DIRECT) for p in others},
                    warning_classification=real.warning_classification, exercise=gate)
        for p in others:
            if p in self.peers:
                node.connect(p, self.link(p, f"{self.peers[p].rstrip('/')}"
                                             f"{PREFIX}{plan.exercise_id}"))
        self.apps[plan.exercise_id] = _marked(self.make_app(node), plan.exercise_id)
        self.nodes[plan.exercise_id] = node
        real.record("exercise.started", {"exercise_id": plan.exercise_id,
                                         "store": str(node.store.path)})
        node.resume()
        if self.stream_url is not None:
            settings = exercise_settings(self.stream_url, real.party, plan.exercise_id)
            self.consumers[plan.exercise_id] = StreamConsumer(
                settings, NodeIngest(node)).start()

    def _finish(self, plan: ExercisePlan) -> None:
        eid = plan.exercise_id
        consumer = self.consumers.pop(eid, None)
        if consumer is not None:
            consumer.stop()
        self.apps.pop(eid, None)
        node = self.nodes.pop(eid)
        self.closed_ids.add(eid)
        kind = f"exercise.{'purged' if plan.on_end == 'purge' else 'archived'}"
        if plan.on_end == "purge":  # the items go; the audit log stays (scoring reads it)
            node.store.db.write([
                ("DELETE FROM local_items", ()),
                ("UPDATE inbox SET payload = '{}', jws = ''", ()),
                ("UPDATE outbox SET wire = '{}'", ())])
        node.record(kind, {"exercise_id": eid})
        node.close()
        self.node.record(kind, {"exercise_id": eid, "store": str(self.folder / f"{eid}.sqlite")})

    def _tick(self) -> None:
        while not self._stop.wait(_TICK_S):
            try:
                self.sync()
            except GsomiaError:
                continue

    def close(self, consumer: StreamConsumer | None = None) -> None:
        """Stop the exercise nodes (their stores kept) and the window checks, then
        ``consumer`` (the real node's, when given)."""
        self._stop.set()
        with self._syncing:
            for eid in list(self.nodes):
                consumer = self.consumers.pop(eid, None)
                if consumer is not None:
                    consumer.stop()
                self.nodes.pop(eid).close()
        if consumer is not None:
            consumer.stop()

    # HTTP -------------------------------------------------------------------------------
    def _add_routes(self) -> None:
        def guarded(fn: Callable[..., dict[str, Any]]) -> Callable[..., JSONResponse]:
            def run(*args: Any) -> JSONResponse:
                try:
                    return JSONResponse(fn(*args))
                except GsomiaError as exc:
                    return JSONResponse({"error": str(exc)}, status_code=400)
            return run

        def listing() -> JSONResponse:
            with self.lock:
                ids = list(self.book.plans)
            return JSONResponse([self.view(e) for e in ids])

        def one(exercise_id: str) -> JSONResponse:
            body = self.view(exercise_id)
            if body["status"] == "unknown":
                why = f"exercise_id={exercise_id!r}: no plan known at {self.node.party}"
                return JSONResponse({"error": why, **body}, status_code=404)
            return JSONResponse(body)

        async def propose(body: dict[str, Any]) -> JSONResponse:
            from starlette.concurrency import run_in_threadpool
            return await run_in_threadpool(guarded(self.propose), body)

        app = self.app
        app.add_api_route("/v1/exercises", listing, methods=["GET"], summary="Exercises")
        app.add_api_route("/v1/exercises/{exercise_id}", one, methods=["GET"],
                          summary="One exercise")
        app.add_api_route("/v1/exercises", propose, methods=["POST"],
                          summary="Propose an exercise plan")
        def accept(exercise_id: str) -> JSONResponse:
            return guarded(self.accept)(exercise_id)

        def end(exercise_id: str) -> JSONResponse:
            return guarded(self.end)(exercise_id)

        app.add_api_route("/v1/exercises/{exercise_id}/accept", accept, methods=["POST"],
                          summary="Accept an exercise plan")
        app.add_api_route("/v1/exercises/{exercise_id}/end", end, methods=["POST"],
                          summary="End an exercise")

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        if scope.get("type") not in ("http", "websocket") or not path.startswith(PREFIX):
            await self.app(scope, receive, send)
            return
        eid, _, rest = path[len(PREFIX):].partition("/")
        sub = self.apps.get(eid)
        if sub is None:
            why = f"no active exercise {eid!r} accepted by {self.node.party}"
            self.node.record("exercise.refused", {"exercise_id": eid[:64], "path": path[:200],
                                                  "reason": why})
            await JSONResponse({"error": why, "exercise": exercise_mark(eid[:64])},
                               status_code=403)(scope, receive, send)
            return
        inner = "/" + rest
        scope = {**scope, "path": inner, "raw_path": inner.encode(),
                 "root_path": scope.get("root_path", "") + PREFIX + eid}
        await sub(scope, receive, send)

"""The node's TAXII 2.1 API: STIX 2.1 objects (:mod:`gsomia.node.stix`) for partners' tools.

References: OASIS TAXII Version 2.1, OS, 10 June 2021 ("TAXII 2.1"), sections cited per
route; media type ``application/taxii+json;version=2.1`` (section 1.6.8.1): a request
whose ``Accept`` does not name it is answered 406, a POST whose ``Content-Type`` does not
name it 415 (:mod:`gsomia.web.taxii_query`). Errors are TAXII error messages (section
3.6.1).

Routes (``/taxii2/`` is the discovery URL, ``/taxii2/api/`` the one API root):

``GET  /taxii2/``                                 discovery (section 4.1)
``GET  /taxii2/api/``                             API root information (section 4.2)
``GET  /taxii2/api/status/{id}/``                 a POST's status (section 4.3)
``GET  /taxii2/api/collections/``                 the collections (section 5.1)
``GET  /taxii2/api/collections/{id}/``            one collection (section 5.2)
``GET  .../collections/{id}/manifest/``           manifest (section 5.3)
``GET  .../collections/{id}/objects/``            objects (section 5.4)
``POST .../collections/{id}/objects/``            add objects (section 5.5; refused, below)
``GET  .../collections/{id}/objects/{oid}/``      one object (section 5.6)
``GET  .../collections/{id}/objects/{oid}/versions/``  its versions (section 5.8)

Reads take ``added_after``, ``limit`` (at most 1,000: a larger one is lowered to it;
default 100), ``next`` (an opaque keyset cursor, HMAC-authenticated and bound to the
client, the collection and the query: :class:`~gsomia.web.taxii_query.Cursors`) and
``match[id|type|version|spec_version]`` (sections 3.3–3.5; another ``match[...]``, a
control character or a lone surrogate in a parameter: 400) and answer
``X-TAXII-Date-Added-First`` / ``-Last`` (section 3.4.1). Refusals on these paths (403,
405, 406, 413, 415) are TAXII error messages with the TAXII media type; POST bodies are
read as I-JSON (RFC 7493; :func:`gsomia.schemas.json_text.read_json`).

Versions: an item has one version at a time; an originator's marking change
(reclassify, downgrade, declassify) makes a new one, with ``modified`` and
``date_added`` the time it took effect at this node (:mod:`gsomia.node.feed`).

Who reads what. The client is the party of its mutual-TLS certificate (RFC 8446 section
4.4.2; :func:`gsomia.web.app.client_identity`): a partner's **node** certificate, or this
party's operator or one of its persons. Collections are per client (a collection that is
not the client's is 404, as an unknown one):

- ``released`` (:data:`RELEASED_ID`), for a partner's node: exactly the items this node
  released to the client's party (:mod:`gsomia.node.feed`: each released after a
  permitting, audited release decision; never a TISA-hub release still awaiting approval,
  never a recalled or destroyed item), in release order; ``date_added`` is the release
  time. Each item is marked with the originator's marking and the client's party's
  equivalent (Art. 4(2), the release decision's marking). Another party's item, or one
  not released to the client, is absent from the listing, the manifest, by id and by
  version alike (404, as for an unknown id).
- ``delivered`` (:data:`DELIVERED_ID`), for this party's persons and operator: the items
  delivered to this party that the calling person may read, each decided by the
  per-person read decision of ``GET /v1/items`` (:func:`gsomia.node.persons.decide_read`,
  Art. 7, Art. 16; the operator reads as the personnel file's ``operator`` entry) and
  audited ``read.permitted`` / ``read.denied`` (withheld items are skipped); a caller not
  in the personnel file gets 403.
- ``definitions`` (:data:`DEFINITIONS_ID`): the extension definitions, the parties'
  identities and their marking definitions the items refer to.
- ``submissions`` (:data:`SUBMISSIONS_ID`): the one writable collection. A POST of STIX
  objects is always refused, object by object, in a status resource (section 4.3.1,
  ``failures``): unsigned STIX cannot be verified as its originator's (there is no JWS,
  RFC 7515, of the originating party to check, nor a label it signed), so it cannot go through
  the verify / decide / mark path of an envelope; partners send items as signed
  envelopes to ``POST /v1/inbox``. A POST to another collection is 403 (``can_write``
  false, section 5.5). A status is read by the submitting client only (404 for others).

Every request that answers objects, a manifest or versions is audited before it is
answered: one ``taxii.read`` record (reader party and role, collection, path, the item ids
answered; ``person`` for a person's read); a POST one ``taxii.refused``. An audit log
that refuses the write answers 503 and no object.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from gsomia.errors import GsomiaError, InputError, short_repr
from gsomia.node import Node
from gsomia.node.feed import Feed, FeedRow, received_item
from gsomia.node.persons import Personnel, audit_reads, decide_read, read_time
from gsomia.node.stix import (
    DEFINITIONS_CREATED,
    STIX_MEDIA_TYPE,
    definitions,
    item_to_stix,
    item_to_stix_text,
)
from gsomia.schemas.json_text import read_json
from gsomia.sharing import Route
from gsomia.sharing.decision import ReleaseRequest, decide
from gsomia.sharing.envelope import label_from_dict
from gsomia.web.reads import reader_of
from gsomia.web.taxii_query import (
    TAXII_MEDIA_TYPE,
    Cursors,
    Query,
    TaxiiError,
    accepts_taxii,
    taxii_response,
)
from gsomia.web.unavailable import store_message

__all__ = ["DEFINITIONS_ID", "DELIVERED_ID", "RELEASED_ID", "SUBMISSIONS_ID", "TAXII_PREFIX",
           "Identify", "add_taxii_routes", "taxii_allowed"]

#: Path prefix of every TAXII route.
TAXII_PREFIX = "/taxii2/"
_ROOT = "/taxii2/api/"
#: Collection of the items released to the client's party.
RELEASED_ID = "4b3c1e8a-6d2f-4a9b-8c7e-1f0a2b3c4d5e"
#: Collection of the definitions the items refer to.
DEFINITIONS_ID = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b"
#: Collection of the items delivered to this party, for its own persons (and operator).
DELIVERED_ID = "c7d2e4f6-1a3b-4c5d-8e9f-0a1b2c3d4e5f"
#: The writable collection (every POST refused with failures; module docstring).
SUBMISSIONS_ID = "2a1b0c9d-8e7f-4a6b-9c5d-4e3f2a1b0c9d"
_STATUSES_KEPT = 1000
#: One object of a page: (date_added, object, item id, object's JSON text).
_Entry = tuple[str, dict[str, Any], str, str]
#: ``identify(scope)``: the client's ``(party, role, person_id)``, or None.
Identify = Callable[[Mapping[str, Any]], tuple[str, str, str | None] | None]


def taxii_allowed(party: str, role: str, node_party: str) -> tuple[bool, str]:
    """Whether the client ``(party, role)`` may use the TAXII routes of ``node_party``'s
    node: a partner's node, or this party's operator or persons (module docstring)."""
    if (role == "node" and party != node_party) or \
            (party == node_party and role in ("operator", "person")):
        return True, ""
    return False, f"the TAXII API is for partner nodes and {node_party}'s operator and " \
                  f"persons, not {party} {role}"


def _collection(cid: str, title: str, description: str, write: bool) -> dict[str, Any]:
    return {"id": cid, "title": title, "description": description, "can_read": True,
            "can_write": write, "media_types": [STIX_MEDIA_TYPE]}


class _Taxii:
    """The handlers (module docstring); ``identify(scope)`` gives the client's
    ``(party, role, person_id)`` or None."""

    def __init__(self, node: Node, identify: Identify, personnel: Personnel) -> None:
        self.node = node
        self.identify = identify
        self.personnel = personnel
        self.feed = Feed(node.store, node.party)
        self.definitions = definitions(node.catalog, node.party)
        self.statuses: OrderedDict[str, tuple[Any, dict[str, Any]]] = OrderedDict()
        self.status_lock = threading.Lock()
        self.cursors = Cursors()
        self.collections = {
            RELEASED_ID: _collection(RELEASED_ID, f"Released by {node.party}",
                                     "The items this node released to your party", False),
            DEFINITIONS_ID: _collection(DEFINITIONS_ID, "Definitions",
                                        "Extension, identity and marking definitions",
                                        False),
            DELIVERED_ID: _collection(DELIVERED_ID, f"Delivered to {node.party}",
                                      "The items delivered to this party that you may read "
                                      "(Art. 7, 16)", False),
            SUBMISSIONS_ID: _collection(SUBMISSIONS_ID, "Submissions",
                                        "POSTs are refused: send signed envelopes to "
                                        "/v1/inbox", True)}

    # -- helpers -------------------------------------------------------------------------
    def _client(self, request: Request) -> tuple[str, str, str | None]:
        who = self.identify(request.scope)
        if who is None:
            raise TaxiiError(403, "no client", "no client certificate of a partner's node")
        return who

    def _time(self, at_s: float) -> dt.datetime:
        return self.node.clock.epoch + dt.timedelta(seconds=at_s)

    def _version(self, at_s: float | None) -> dt.datetime | None:
        return None if at_s is None else self._time(at_s)

    def _audit(self, kind: str, body: dict[str, Any]) -> None:
        at = self._time(self.node.clock.now_s())
        try:
            with self.node.lock:
                self.node.audit.append_many([(kind, {"party": self.node.party, **body}, at)])
        except GsomiaError as exc:
            raise TaxiiError(503, "not audited",
                             f"read not audited: {store_message(exc)}") from None

    def _markings(self, to: str) -> Callable[[dict[str, Any]], dict[str, Any] | None]:
        """The marking ``to`` applies to an item (Art. 4(2)), from the release decision,
        once per (originator, classification) of a request."""
        memo: dict[tuple[str, str], dict[str, Any] | None] = {}
        at = self._time(self.node.clock.now_s())

        def marking(label: dict[str, Any]) -> dict[str, Any] | None:
            key = (label.get("originator", ""), label.get("classification", ""))
            if key not in memo:
                parsed = dataclasses.replace(label_from_dict(label), holder=self.node.party)
                try:
                    decision = decide(ReleaseRequest(parsed, to, at, Route.DIRECT),
                                      self.node.catalog)
                    memo[key] = None if decision.marking is None else \
                        decision.marking.to_dict()
                except GsomiaError:
                    memo[key] = None
            return memo[key]

        return marking

    def _after_s(self, query: Query) -> float | None:
        """``added_after`` in seconds since the clock epoch, half a microsecond on: an
        object whose ``date_added`` (to the microsecond) is the one given is not after."""
        return None if query.added_after is None else \
            (query.added_after - self.node.clock.epoch).total_seconds() + 0.5e-6

    def _scan(self, query: Query, fetch: Callable[[Any, int], list[Any]],
              convert: Callable[[Any], tuple[Any, _Entry | None]], binding: str
              ) -> tuple[list[_Entry], str | None, list[Any]]:
        """Keyset paging: rows from ``fetch(position, n)`` until ``query.limit`` objects
        pass the filters; ``convert(row)`` gives its position and entry (None: withheld).
        Returns the entries, the next cursor (None: no more; sealed for ``binding``) and
        the rows scanned."""
        pos = None if query.next is None else \
            tuple(self.cursors.open(query.next, binding, (float, str)))
        out: list[_Entry] = []
        scanned: list[Any] = []
        while True:
            want = query.limit - len(out) + 1
            rows = fetch(pos, want)
            for row in rows:
                if len(out) == query.limit:
                    return out, self.cursors.seal(list(pos), binding) if pos else None, \
                        scanned
                pos, entry = convert(row)
                scanned.append(row)
                if entry is not None and query.matches(entry[1]):
                    out.append(entry)
            if len(rows) < want:
                return out, None, scanned

    def _released(self, to: str, query: Query, ids: list[str] | None, binding: str
                  ) -> tuple[list[_Entry], str | None]:
        """A page of the ``released`` collection for ``to`` and the next cursor."""
        if to == self.node.party:
            return [], None
        added, marking = self._after_s(query), self._markings(to)

        def convert(row: FeedRow) -> tuple[Any, _Entry]:
            obj, text = item_to_stix_text(row.label, row.payload_json, marking(row.label),
                                          self._version(row.version_s))
            return (row.at_s, row.envelope_id), (_stamp(self._time(row.at_s)), obj,
                                                 row.item_id, text)

        out, nxt, _ = self._scan(query, lambda pos, n: self.feed.page(
            to, after=pos, added_after_s=added, item_ids=ids, limit=n), convert, binding)
        return out, nxt

    def _delivered(self, person_id: str | None, query: Query, ids: list[str] | None,
                   path: str, binding: str) -> tuple[list[_Entry], str | None]:
        """A page of the ``delivered`` collection for this party's person ``person_id``:
        each item decided by :func:`~gsomia.node.persons.decide_read` and audited
        (``read.permitted`` / ``read.denied``); a caller not in the personnel file: 403."""
        at = read_time(self.node)
        who = person_id or "a caller without a person certificate"
        gate = decide_read(self.personnel, who, None, self.node.catalog, at)
        if not gate.permitted:
            self._audit_reads([gate], path)
            raise TaxiiError(403, "read denied", "; ".join(
                f"{r.rule} ({r.source}): {r.detail}" for r in gate.failed))
        added = self._after_s(query)
        decisions: dict[str, Any] = {}

        def convert(found: Any) -> tuple[Any, _Entry | None]:
            row, added_s, version_s = found
            item = received_item(row, self.node.party)
            decision = decide_read(self.personnel, who, item, self.node.catalog, at)
            decisions[row.envelope_id] = decision
            obj = item_to_stix(row.label or {}, row.payload, row.marking,
                               self._version(version_s))
            entry = (_stamp(self._time(added_s)), obj, item.item_id,
                     json.dumps(obj, separators=(",", ":"), ensure_ascii=False))
            return (added_s, row.envelope_id), entry if decision.permitted else None

        out, nxt, scanned = self._scan(query, lambda pos, n: self.feed.delivered(
            after=pos, added_after_s=added, item_ids=ids, limit=n,
            check=self.node.witness.check_received), convert, binding)
        self._audit_reads([decisions[r[0].envelope_id] for r in scanned], path)
        return out, nxt

    def _audit_reads(self, decisions: list[Any], path: str) -> None:
        try:
            audit_reads(self.node, decisions, read_time(self.node), path)
        except GsomiaError as exc:
            raise TaxiiError(503, "not audited",
                             f"reads not audited: {store_message(exc)}") from None

    def _page(self, request: Request, cid: str) -> tuple[list[_Entry], str | None]:
        """``([(date_added, object, item_id, object's JSON text)], next)`` of a read of
        ``cid`` (the object's dict may lack its payload: the text has it)."""
        if not accepts_taxii(request.headers.get("accept")):
            raise TaxiiError(406, "not acceptable", f"Accept must name {TAXII_MEDIA_TYPE}")
        client = self._client(request)
        if cid not in self._visible(client):
            raise TaxiiError(404, "no collection", f"collection {short_repr(cid)}: none")
        query = Query.parse(request.query_params)
        oid = request.path_params.get("object_id")
        if oid is not None:
            _check_id(oid)
            query = dataclasses.replace(query, ids=[oid])
        binding = json.dumps([list(client), cid, query.binding()], ensure_ascii=True)
        ids = None if query.ids is None else self.feed.item_ids(query.ids)
        if cid == RELEASED_ID:
            page, nxt = self._released(client[0], query, ids, binding)
        elif cid == DELIVERED_ID:
            page, nxt = self._delivered(reader_of(client, self.node.party), query, ids,
                                        request.url.path, binding)
        elif cid == DEFINITIONS_ID:
            start = 0 if query.next is None else \
                self.cursors.open(query.next, binding, (str, int))[1]
            objs = [o for o in self.definitions if query.matches(o)]
            if query.added_after is not None and query.added_after >= _DEFINED:
                objs = []
            chunk = objs[start:start + query.limit]
            nxt = self.cursors.seal(["d", start + query.limit], binding) \
                if start + query.limit < len(objs) else None
            page = [(DEFINITIONS_CREATED, o, o["id"], json.dumps(o, ensure_ascii=False))
                    for o in chunk]
        else:
            page, nxt = [], None
        self._audit("taxii.read", {"reader": client[0], "role": client[1],
                                   "person": client[2], "collection": cid, "path": request.url.path,
                                   "item_ids": [p[2] for p in page]})
        return page, nxt

    def _visible(self, client: tuple[str, str, str | None]) -> list[str]:
        """The collections of a client: a partner's node reads what was released to it;
        this party's operator and persons what was delivered to this party."""
        own = client[0] == self.node.party
        return [RELEASED_ID, DEFINITIONS_ID, SUBMISSIONS_ID] if not own else \
            [DELIVERED_ID, DEFINITIONS_ID]

    # -- routes --------------------------------------------------------------------------
    def discovery(self, request: Request) -> Response:
        """TAXII 2.1 section 4.1."""
        _accept(request)
        self._client(request)
        return taxii_response({"title": f"gsomia node {self.node.party}",
                               "description": "STIX 2.1 items released by this node",
                               "default": _ROOT, "api_roots": [_ROOT]})

    def api_root(self, request: Request) -> Response:
        """TAXII 2.1 section 4.2."""
        _accept(request)
        self._client(request)
        return taxii_response({"title": f"gsomia {self.node.party}",
                               "versions": [TAXII_MEDIA_TYPE],
                               "max_content_length": 1024 * 1024})

    def list_collections(self, request: Request) -> Response:
        """TAXII 2.1 section 5.1 (the client's collections, :meth:`_visible`)."""
        _accept(request)
        visible = self._visible(self._client(request))
        return taxii_response({"collections": [self.collections[c] for c in visible]})

    def get_collection(self, request: Request, collection_id: str) -> Response:
        """TAXII 2.1 section 5.2."""
        _accept(request)
        if collection_id not in self._visible(self._client(request)):
            raise TaxiiError(404, "no collection", f"collection {short_repr(collection_id)}")
        return taxii_response(self.collections[collection_id])

    def objects(self, request: Request, collection_id: str,
                object_id: str | None = None) -> Response:
        """TAXII 2.1 section 5.4 (and 5.6 with ``object_id``: 404 when nothing matches)."""
        page, nxt = self._page(request, collection_id)
        if not page and object_id is not None:
            raise TaxiiError(404, "no object", "no such object in this collection for you")
        head = json.dumps(_envelope("objects", [], nxt), separators=(",", ":"))
        body = head if not page else \
            f'{head[:-1]},"objects":[{",".join(e[3] for e in page)}]}}'
        return Response(body, headers=_added_headers(page), media_type=TAXII_MEDIA_TYPE)

    def manifest(self, request: Request, collection_id: str) -> Response:
        """TAXII 2.1 section 5.3."""
        page, nxt = self._page(request, collection_id)
        entries = [{"id": o["id"], "date_added": added,
                    "version": o.get("modified", o.get("created")),
                    "media_type": STIX_MEDIA_TYPE} for added, o, _, _ in page]
        return taxii_response(_envelope("objects", entries, nxt),
                              headers=_added_headers(page))

    def versions(self, request: Request, collection_id: str, object_id: str) -> Response:
        """TAXII 2.1 section 5.8 (one version per object; 404 when not visible)."""
        page, _ = self._page(request, collection_id)
        if not page:
            raise TaxiiError(404, "no object", "no such object in this collection for you")
        versions = [o.get("modified", o.get("created")) for _, o, _, _ in page]
        return taxii_response({"more": False, "versions": versions},
                              headers=_added_headers(page))

    def add_objects(self, request: Request, collection_id: str, body: bytes) -> Response:
        """TAXII 2.1 section 5.5: refused (module docstring), with a status resource."""
        _accept(request)
        client = self._client(request)
        if not accepts_taxii(request.headers.get("content-type")):
            raise TaxiiError(415, "unsupported media type",
                             f"Content-Type must be {TAXII_MEDIA_TYPE}")
        if collection_id not in self._visible(client):
            raise TaxiiError(404, "no collection", f"collection {short_repr(collection_id)}")
        if not self.collections[collection_id]["can_write"]:
            raise TaxiiError(403, "read only", f"collection {collection_id} is read-only")
        objects = _objects_of(body)
        why = ("unsigned STIX cannot be verified as its originator's: send the item as a "
               "signed envelope to POST /v1/inbox")
        failures = [{"id": o["id"], "version": o.get("modified", ""), "message": why}
                    for o in objects]
        status = {"id": str(uuid.uuid4()), "status": "complete",
                  "request_timestamp": _stamp(self._time(self.node.clock.now_s())),
                  "total_count": len(objects), "success_count": 0, "successes": [],
                  "failure_count": len(objects), "failures": failures, "pending_count": 0,
                  "pendings": []}
        self._audit("taxii.refused", {"reader": client[0], "role": client[1],
                                      "collection": collection_id, "path": request.url.path,
                                      "objects": [f["id"] for f in failures],
                                      "reason": why})
        with self.status_lock:
            self.statuses[status["id"]] = (client, status)
            while len(self.statuses) > _STATUSES_KEPT:
                self.statuses.popitem(last=False)
        return taxii_response(status, 202)

    def status(self, request: Request, status_id: str) -> Response:
        """TAXII 2.1 section 4.3: only the submitting client (its party, role and
        person) reads a status; for any other it is 404, as an unknown one."""
        _accept(request)
        client = self._client(request)
        with self.status_lock:
            found = self.statuses.get(status_id)
        if found is None or found[0] != client:
            raise TaxiiError(404, "no status", f"status {short_repr(status_id)}: none")
        return taxii_response(found[1])


_DEFINED = dt.datetime.fromisoformat(DEFINITIONS_CREATED)


def _stamp(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _accept(request: Request) -> None:
    if not accepts_taxii(request.headers.get("accept")):
        raise TaxiiError(406, "not acceptable", f"Accept must name {TAXII_MEDIA_TYPE}")


def _envelope(key: str, items: list[Any], nxt: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {"more": nxt is not None}
    if nxt is not None:
        out["next"] = nxt
    if items:
        out[key] = items
    return out


def _added_headers(page: list[_Entry]) -> dict[str, str]:
    if not page:
        return {}
    return {"X-TAXII-Date-Added-First": page[0][0], "X-TAXII-Date-Added-Last": page[-1][0]}


def _check_id(value: str) -> None:
    """400 for an object id in a URL holding NUL or another control character."""
    if any(ord(c) < 0x20 or 0xD800 <= ord(c) <= 0xDFFF for c in value):
        raise TaxiiError(400, "bad object id", f"object id {short_repr(value)}: control "
                                               "character or lone surrogate")


def _objects_of(body: bytes) -> list[dict[str, Any]]:
    """The objects of a POSTed TAXII envelope, read as I-JSON
    (:func:`gsomia.schemas.json_text.read_json`: UTF-8 without lone surrogates, bounded
    depth, finite numbers, no repeated member names); each object's ``id`` a string and
    its ``modified``, if any, a string.

    Raises:
        TaxiiError: 400 naming the field and value otherwise.
    """
    try:
        data = read_json(body, "body")
    except InputError as exc:
        raise TaxiiError(400, "bad body", str(exc)) from None
    objects = data.get("objects") if isinstance(data, dict) else None
    if not isinstance(objects, list) or not all(isinstance(o, dict) for o in objects):
        raise TaxiiError(400, "bad body", "expected a TAXII envelope with objects (list)")
    for i, o in enumerate(objects):
        for key in ("id", "modified"):
            if (key == "id" or key in o) and not isinstance(o.get(key), str):
                raise TaxiiError(400, "bad body", f"body.objects[{i}].{key}="
                                 f"{short_repr(o.get(key))}: expected a string")
    return objects


def _wrap(handler: Callable[..., Response]) -> Callable[..., Any]:
    async def endpoint(request: Request) -> Response:
        kwargs = dict(request.path_params)
        if request.method == "POST":
            kwargs["body"] = await request.body()
        try:
            return await run_in_threadpool(handler, request, **kwargs)
        except TaxiiError as exc:
            return exc.response()

    return endpoint


def add_taxii_routes(app: FastAPI, node: Node, identify: Identify | None,
                     personnel: Personnel) -> None:
    """Add the TAXII 2.1 routes of the module docstring to ``app``. ``identify(scope)``:
    the client's ``(party, role, person_id)`` (:func:`gsomia.web.app.client_identity`);
    None (no TLS): no client has an identity and every TAXII request is answered 403.
    ``personnel``: the node's personnel file, by which this party's persons' reads are
    decided."""
    api = _Taxii(node, identify or (lambda scope: None), personnel)
    cols = _ROOT + "collections/{collection_id}/"
    for path, handler, methods in (
            (TAXII_PREFIX, api.discovery, ["GET"]),
            (_ROOT, api.api_root, ["GET"]),
            (_ROOT + "status/{status_id}/", api.status, ["GET"]),
            (_ROOT + "collections/", api.list_collections, ["GET"]),
            (cols, api.get_collection, ["GET"]),
            (cols + "manifest/", api.manifest, ["GET"]),
            (cols + "objects/", api.objects, ["GET"]),
            (cols + "objects/", api.add_objects, ["POST"]),
            (cols + "objects/{object_id}/", api.objects, ["GET"]),
            (cols + "objects/{object_id}/versions/", api.versions, ["GET"])):
        app.add_route(path, _wrap(handler), methods=methods, include_in_schema=False)
    for path in {r.path for r in app.routes if getattr(r, "path", "").startswith(
            TAXII_PREFIX)}:  # any other method: a TAXII error message, not a bare 405
        app.add_route(path, _not_allowed, methods=["PUT", "PATCH", "DELETE"] + (
            [] if path.endswith("/objects/") else ["POST"]), include_in_schema=False)


async def _not_allowed(request: Request) -> Response:
    return TaxiiError(405, "method not allowed",
                      f"{request.method} is not allowed on {request.url.path}").response()

"""One party's node: decide → sign → seal → send; receive → verify → open → mark → store.

See :mod:`gsomia.node` for the public API and the guarantees; this module holds
:class:`Node` and its small value types.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gsomia.errors import (
    EnvelopeError,
    InputError,
    LinkError,
    ReleaseDenied,
    ReplayError,
)
from gsomia.node.clock import Clock, to_datetime
from gsomia.node.links import Link, Receipt
from gsomia.node.plots import PLOT_KIND, RadarPlots
from gsomia.node.store import InboxRow, OutboxRow, Store
from gsomia.node.warning import WARNING_TOPIC, MissileWarning
from gsomia.sharing.audit import AuditLog
from gsomia.sharing.catalog import Catalog
from gsomia.sharing.consent import Consent, ConsentBook
from gsomia.sharing.decision import Decision, Reason, ReleaseRequest, decide
from gsomia.sharing.envelope import (
    Directory,
    Envelope,
    Header,
    PartyKeys,
    Signed,
    label_from_dict,
    label_to_dict,
    open_envelope,
    seal,
    sign,
    verify,
)
from gsomia.sharing.label import Label
from gsomia.sharing.routes import Route

__all__ = ["ITEM_KINDS", "WARNING_KIND", "Node", "ReceivedItem", "Release", "RetryPolicy",
           "item_kind"]

#: :attr:`ReceivedItem.kind` of a missile warning (:class:`MissileWarning`; its payload
#: carries no ``kind`` key: the format predates measurement sharing).
WARNING_KIND = "missile_warning"
#: Every :attr:`ReceivedItem.kind`: a missile warning, a scan's radar plots
#: (:data:`gsomia.node.plots.PLOT_KIND`) or any other item (``other``).
ITEM_KINDS = (WARNING_KIND, PLOT_KIND, "other")


def item_kind(label: Label, payload: Any) -> str:
    """What an item carries, from its label and its payload's ``kind`` (one of
    :data:`ITEM_KINDS`; no payload is read beyond that key).

    - ``radar_plots``: the payload's ``kind`` is :data:`~gsomia.node.plots.PLOT_KIND`
      (:mod:`gsomia.node.plots`, published under the warning topic);
    - ``missile_warning``: the warning topic (:data:`WARNING_TOPIC`), at least one element
      in the label, and a JSON object payload without a ``kind`` key (the payload of
      :meth:`MissileWarning.to_dict`);
    - ``other``: anything else (another topic, no elements, another or a future ``kind``).
    """
    if not isinstance(payload, Mapping):
        return "other"
    kind = payload.get("kind")
    if kind == PLOT_KIND:
        return PLOT_KIND
    if "kind" not in payload and label.topic == WARNING_TOPIC and label.elements:
        return WARNING_KIND
    return "other"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff of outbox retries: ``min(max_s, base_s * factor**(n-1))`` after
    the n-th failed attempt [s]. Retries never stop (store-and-forward): once the delay
    reaches ``max_s`` it stays there for every later attempt, however many (the exponent
    is capped, so no float overflow after ~1,000 attempts)."""

    base_s: float = 0.05
    factor: float = 2.0
    max_s: float = 2.0

    def delay_s(self, attempts: int) -> float:
        n = max(0, int(attempts) - 1)
        if self.base_s >= self.max_s or self.factor <= 1.0:
            return min(self.max_s, self.base_s)
        # the first exponent at which the delay reaches max_s: no need to go past it
        cap = math.ceil(math.log(self.max_s / self.base_s, self.factor)) if self.base_s > 0 \
            else 0
        return min(self.max_s, self.base_s * self.factor ** min(n, cap))


@dataclass(frozen=True, slots=True)
class Release:
    """The outcome of one release request.

    Attributes:
        item_id, to, route: what was asked.
        next_hop: the party the envelope goes to first (the hub on a hub route).
        envelope_id: the envelope queued, or None when denied.
        status: ``queued`` (in the outbox), ``awaiting_approval`` (queued to the TISA hub,
            which holds it until the originator approves) or ``denied``.
        decision: the release decision (reasons and obligations).
    """

    item_id: str
    to: str
    route: str
    next_hop: str
    envelope_id: str | None
    status: str
    decision: Decision


@dataclass(frozen=True, slots=True)
class ReceivedItem:
    """An item delivered to this node (final recipient), as handed to subscribers.

    Attributes:
        item_id, originator: from the originator's signed label.
        sender: the hop it came from (the hub on a hub route); route: how it came.
        label: the originator's label (holder: this party).
        marking: the marking applied on receipt (Art. 4(2)): ``text`` (own script, e.g.
            ``"大韓民国 極秘"``), ``text_en``, ``classification``, ``originator_name``, ….
        payload: the data as the originator signed it (a missile warning's dict, a
            scan's radar plots, …: :attr:`kind` says which).
        sent_at: when the originator signed it (UTC); arrived_s: arrival [s since epoch].
        envelope_id: the last hop's envelope id.
    """

    item_id: str
    originator: str
    sender: str
    route: str
    label: Label
    marking: dict[str, Any]
    payload: dict[str, Any]
    sent_at: dt.datetime
    arrived_s: float
    envelope_id: str

    @property
    def kind(self) -> str:
        """What the item carries: ``missile_warning``, ``radar_plots`` or ``other``
        (:func:`item_kind`)."""
        return item_kind(self.label, self.payload)

    @property
    def is_warning(self) -> bool:
        """True for a missile warning (:attr:`kind`); False for a scan's radar plots even
        though they share the warning topic."""
        return self.kind == WARNING_KIND

    @property
    def is_plots(self) -> bool:
        """True for a scan's radar plots (:class:`~gsomia.node.plots.RadarPlots`)."""
        return self.kind == PLOT_KIND


class Node:
    """One party's node (see :mod:`gsomia.node` for the whole API and its guarantees).

    Parameters:
        party: this party's code.
        keys: its private keys; directory: the partners' (and own) public keys.
        catalog: agreements and markings.
        store: a :class:`Store`, a database URL (``sqlite:///PATH``, ``postgresql://…``)
            or a path to its SQLite file.
        audit: an :class:`AuditLog` or a path to a SQLite file of its own. Default (and
            recommended): the audit tables live in the store's database, so that every
            store write and its audit records commit in one transaction (a crash cannot
            keep one without the other). A separate log commits on its own.
        clock: a :class:`~gsomia.node.SimClock` or :class:`~gsomia.node.WallClock`.
        routes: route per partner for :meth:`publish_warning` (``"direct"``, ``"tisa"``,
            ``"auto-hub"``); partners not listed get no warnings.
        warning_classification: this party's marking for its warnings.
        on_item: called as ``on_item(item)`` for every delivered item, of any kind (check
            :attr:`ReceivedItem.kind`), first.
        on_warning: called as ``on_warning(warning, item)`` for each delivered missile
            warning only (:attr:`ReceivedItem.kind` ``missile_warning``; never for radar
            plots or other items of the warning topic).
        on_plots: called as ``on_plots(plots, item)`` with the
            :class:`~gsomia.node.plots.RadarPlots` of each delivered plot item (kind
            ``radar_plots``); reading a scan costs ~0.15 ms a plot, so it is done only
            for this subscriber.

            A payload of either kind that does not read (:meth:`MissileWarning.from_dict`,
            :meth:`RadarPlots.from_dict` raise :class:`~gsomia.errors.InputError`) is still
            delivered (``items()``, ``on_item``) but not handed to ``on_warning`` /
            ``on_plots``: it is audited as ``deliver.unreadable`` with the reason, in the
            delivery's transaction.
        retry: outbox backoff; max_age_s: oldest envelope accepted [s].
    """

    def __init__(
        self,
        party: str,
        keys: PartyKeys,
        directory: Directory,
        catalog: Catalog,
        store: Store | str | Path,
        clock: Clock,
        *,
        audit: AuditLog | str | Path | None = None,
        routes: Mapping[str, str] | None = None,
        warning_classification: str | None = None,
        on_warning: Callable[[MissileWarning, ReceivedItem], None] | None = None,
        on_item: Callable[[ReceivedItem], None] | None = None,
        on_plots: Callable[[RadarPlots, ReceivedItem], None] | None = None,
        retry: RetryPolicy = RetryPolicy(),
        max_age_s: float = 86_400.0,
    ) -> None:
        if keys.party != party:
            raise InputError("keys.party", keys.party, f"keys of another party than {party}")
        if party not in catalog.schemes:
            raise InputError("party", party, "no marking scheme in the catalog")
        self.party = party
        self.keys = keys
        self.directory = directory
        self.catalog = catalog
        self.clock = clock
        self.store = store if isinstance(store, Store) else Store(store)
        if audit is None:
            audit = AuditLog(self.store.db)
        self.audit = audit if isinstance(audit, AuditLog) else AuditLog(audit)
        self.routes = {q: _node_spelling(r) for q, r in (routes or {}).items()}
        for partner, route in self.routes.items():
            if route not in ("direct", "tisa", "auto-hub"):
                raise InputError(f"routes.{partner}", route, "expected direct, tisa or auto-hub")
            if partner == party:
                raise InputError(f"routes.{partner}", partner, "a node's own party is no partner")
            if partner not in directory:
                raise InputError(f"routes.{partner}", partner,
                                 f"no public keys of {partner} in the directory")
        self.warning_classification = warning_classification or _top_shared(catalog, party)
        self.on_warning = on_warning
        self.on_item = on_item
        self.on_plots = on_plots
        self.retry = retry
        self.max_age_s = max_age_s
        self.links: dict[str, Link] = {}
        self._lock = threading.RLock()
        self._flush_lock = threading.Lock()
        self._flush_again = False
        self._worker: threading.Thread | None = None
        self._wake = threading.Event()
        self._closing = False
        self.book = ConsentBook()
        self._hubs: dict[str, str | None] = {}
        # (thread, records) of the open _transaction, or None
        self._audit_buffer: tuple[int, list[tuple[str, dict[str, Any], dt.datetime]]] | None \
            = None
        # consents with their JWS by (originator, to): the TISA hub forwards the matching
        # signed approvals with each item without re-reading every consent from the store
        # (and the message id of each JWS this node signed or verified since it started)
        self._consent_jws: dict[tuple[str, str],
                                list[tuple[dict[str, Any], str | None, str | None]]] = {}
        for body, jws in self.store.consents():
            self.book.grant(Consent.from_dict(body))
            self._index_consent(body, jws, None)

    def _index_consent(self, body: dict[str, Any], jws: str | None,
                       msg_id: str | None) -> None:
        key = (str(body.get("originator")), str(body.get("to")))
        self._consent_jws.setdefault(key, []).append((body, jws, msg_id))

    # wiring ------------------------------------------------------------------------------
    def connect(self, peer: str, link: Link) -> None:
        """Use ``link`` for envelopes whose next hop is ``peer``."""
        self.links[peer] = link

    def close(self) -> None:
        """Stop the background sender, close the links, the store and the audit log."""
        self._closing = True
        self._wake.set()
        worker = self._worker
        if worker is not None and worker is not threading.current_thread():
            worker.join(timeout=15.0)
        for link in self.links.values():
            link.close()
        self.store.close()
        if self.audit.db is not self.store.db:
            self.audit.close()

    def resume(self) -> None:
        """After a (re)start: schedule arrivals not yet processed, re-check held items and
        flush the outbox. Call once the links are connected."""
        with self._lock:
            for row in self.store.inbox(status="arrived"):
                self.clock.call_at(row.arrived_s, lambda e=row.envelope_id: self._arrive(e))
        self._recheck_held()
        self.flush()

    def _now(self) -> tuple[float, dt.datetime]:
        t = self.clock.now_s()
        return t, to_datetime(self.clock, t)

    def _audit(self, entries: Iterable[tuple[str, dict[str, Any]]], at: dt.datetime) -> None:
        """Append audit records; inside :meth:`_transaction` (in its thread) they are kept
        and appended together at its end, in the same transaction and the same order."""
        records = [(kind, {"party": self.party, **body}, at) for kind, body in entries]
        buffer = self._audit_buffer
        if buffer is not None and buffer[0] == threading.get_ident():
            buffer[1].extend(records)
        else:
            self.audit.append_many(records)

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """This node's lock and one store transaction (nested ones join the outermost),
        whose audit records go to the log in one append at its end, just before the
        commit: the same records in the same order in the same transaction as one append
        per step, with one read and check of the log's end instead of one per step. On
        any exception the transaction and its records are dropped together."""
        with self._lock, self.store.transaction():
            if self._audit_buffer is not None:
                yield
                return
            self._audit_buffer = (threading.get_ident(), [])
            try:
                yield
                records = self._audit_buffer[1]
                self._audit_buffer = None
                if records:
                    self.audit.append_many(records)
            finally:
                self._audit_buffer = None

    def hub_of(self, route: str) -> str | None:
        """The hub party of a hub route (None for ``direct``)."""
        if route == "direct":
            return None
        if route in self._hubs:
            return self._hubs[route]
        found = self.catalog.by_route(route)
        hub = found[0].hub if found else None
        if route in ("tisa", "auto-hub"):  # the catalog is the node's for life: once each
            self._hubs[route] = hub
        return hub

    # originating side ----------------------------------------------------------------------
    def create_item(
        self,
        payload: Mapping[str, Any],
        *,
        classification: str,
        releasable_to: Iterable[str],
        topic: str,
        elements: Iterable[str] = (),
        purpose: str | None = None,
        item_id: str | None = None,
    ) -> Label:
        """Store a new item originated by this party; return its label (holder: us).

        Raises:
            InputError: an unknown marking of this party, or a malformed label field.
        """
        self.catalog.scheme(self.party).get(classification)
        t, at = self._now()
        label = Label(
            item_id=item_id or f"{self.party}-{uuid.uuid4().hex[:16]}",
            originator=self.party,
            classification=classification,
            releasable_to=frozenset(releasable_to),
            topic=topic,
            holder=self.party,
            created=at,
            elements=tuple(elements),
            purpose=purpose,
        )
        with self._transaction():
            self.store.add_local_item(label.item_id, label_to_dict(label), dict(payload), t)
            self._audit([("item.created", {"item_id": label.item_id,
                                           "classification": classification,
                                           "releasable_to": sorted(label.releasable_to)})], at)
        return label

    def publish_warning(
        self, warning: MissileWarning, *, classification: str | None = None,
        send: bool = True,
    ) -> list[Release]:
        """Create a warning item and release it to every partner in :attr:`routes`.

        Releasable To: the partners in :attr:`routes` (and, for hub routes, the hub).
        Denials are audited and returned (status ``denied``), not raised; so is a
        partner that cannot be released to at all (e.g. no public keys in the directory:
        status ``denied``, rule ``directory``), so one partner never stops the others.

        The item, every partner's decision, the outbox rows and their audit records are
        written in one transaction (all or none), committed before any send is tried.

        Parameters:
            send: try to send at once (in this thread); False: only queue (then call
                :meth:`flush` or :meth:`flush_soon`).

        Raises:
            InputError: the warning is malformed (:meth:`MissileWarning.validate`).
            StoreError: the database refused a write: nothing of the warning is kept.
        """
        warning.validate()
        with self._transaction():
            out = self._publish(warning, classification)
        if send:
            self.flush()
        return out

    def _publish(self, warning: MissileWarning, classification: str | None) -> list[Release]:
        partners = sorted(self.routes)
        hubs = {self.hub_of(r) for r in self.routes.values()} - {None, self.party}
        payload = warning.to_dict()
        label = self.create_item(
            payload,
            classification=classification or self.warning_classification,
            releasable_to=set(partners) | hubs,  # type: ignore[arg-type]
            topic=WARNING_TOPIC,
            elements=warning.elements,
        )
        out = []
        for partner in partners:
            try:
                # the item just stored, as stored (no need to read it back per partner)
                out.append(self._release(label.item_id, partner, self.routes[partner],
                                         f"warning:{warning.track_id}", (label, payload)))
            except ReleaseDenied as exc:
                out.append(exc.release)  # type: ignore[attr-defined]
            except InputError as exc:  # one bad partner never stops the others
                _, at = self._now()
                rule = Reason("directory", "node directory of public keys", False, str(exc))
                self._audit([("release.denied", {
                    "item_id": label.item_id, "to": partner, "route": self.routes[partner],
                    "permit": False, "denied_by": ["directory"], "reason": str(exc)})], at)
                out.append(Release(label.item_id, partner, self.routes[partner], partner,
                                   None, "denied",
                                   Decision(False, (rule,), (), None, (), {"to": partner})))
        return out

    def release(
        self, item_id: str, to: str, route: str = "direct", *, stream: str | None = None,
        send: bool = True,
    ) -> Release:
        """Decide, sign (own item) or keep the originator's signature (held item), seal for
        the next hop, persist in the outbox, then try to send.

        Own items go out under the full decision of ``route``; on the TISA route the
        originator's approval for ``to`` may still be missing (TISA para 4): the envelope
        then goes to the hub, which holds it (status ``awaiting_approval``). An item
        received from another party is released only as its holder, with the originator's
        consent (Art. 6).

        Raises:
            ReleaseDenied: the decision denies it (audited); the exception's ``release``
                attribute holds the :class:`Release`.
            InputError: unknown item, party or route.
        """
        rel = self._release(item_id, to, route, stream, None)
        if send:
            self.flush()
        return rel

    def _release(
        self, item_id: str, to: str, route: str, stream: str | None,
        local: tuple[Label, Mapping[str, Any]] | None,
    ) -> Release:
        """:meth:`release` without the flush; ``local``: the own item's label and payload
        when the caller has just stored them (else they are read from the store)."""
        route = _node_spelling(route)  # type: ignore[assignment]
        if to not in self.directory:
            raise InputError("to", to, f"no public keys of {to} in the directory")
        with self._lock:
            t, at = self._now()
            signed: Signed | str | None = None
            msg_id: str | None = None
            if local is not None:
                label, payload = dataclasses.replace(local[0], holder=self.party), local[1]
            else:
                stored = self.store.local_item(item_id)
                if stored is not None:
                    label_dict, payload = stored
                else:
                    row = next((r for r in self.store.inbox(kind="item", item_id=item_id)
                                if r.final == self.party), None)
                    if row is None:
                        raise InputError("item_id", item_id, "no such item at this node")
                    label_dict, payload = row.label or {}, row.payload
                    signed, msg_id = row.jws, row.msg_id
                label = dataclasses.replace(label_from_dict(label_dict), holder=self.party)
            hub = self.hub_of(route)
            via_hub = route != "direct" and hub != self.party
            request_route = route if via_hub else "direct"
            if route != "direct" and hub == self.party:
                request_route = route
            decision = decide(
                ReleaseRequest(label, to, at, request_route), self.catalog, self.book
            )
            failed = tuple(r.rule for r in decision.failed)
            awaiting = (
                not decision.permit
                and route == "tisa"
                and via_hub
                and label.originator == self.party
                and set(failed) == {"third_party_consent"}
            )
            next_hop = hub if via_hub and hub else to
            summary = {
                "item_id": item_id, "to": to, "route": route, "next_hop": next_hop,
                "permit": decision.permit, "denied_by": list(failed),
                "marking": None if decision.marking is None else decision.marking.text,
                "agreements": list(decision.agreements),
            }
            if not decision.permit and not awaiting:
                self._audit([("release.denied", summary)], at)
                rel = Release(item_id, to, route, next_hop, None, "denied", decision)
                exc = ReleaseDenied(
                    item_id, to, failed, "; ".join(r.detail for r in decision.failed)
                )
                exc.release = rel  # type: ignore[attr-defined]
                raise exc
            if signed is None:
                signed = sign(self.keys, "item", payload, at, label)
            stream = stream or f"items:{label.originator}"
            eid = self._enqueue(signed, next_hop, to, route, stream, "item", item_id, t, at,
                                [("release.permitted" if decision.permit
                                  else "release.awaiting_approval", summary)], msg_id)
        status = "queued" if decision.permit else "awaiting_approval"
        return Release(item_id, to, route, next_hop, eid, status, decision)

    def _enqueue(
        self,
        signed: Signed | str,
        peer: str,
        final: str,
        route: str,
        stream: str,
        kind: str,
        item_id: str | None,
        t: float,
        at: dt.datetime,
        audit: list[tuple[str, dict[str, Any]]],
        msg_id: str | None = None,
    ) -> str:
        """Seal ``signed`` for ``peer`` and persist it in the outbox with its audit records
        (one transaction). ``msg_id``: the JWS's message id when this node already
        verified it on receipt (a stored inbox row); otherwise it is verified here."""
        seq = self.store.next_seq(peer, stream)
        header = Header(uuid.uuid4().hex, self.party, peer, at, route, final, stream, seq)
        envelope = seal(signed, header, self.directory, self.keys)
        if isinstance(signed, Signed):
            msg_id = signed.msg_id
        elif msg_id is None:
            msg_id = verify(signed, self.directory).msg_id
        with self._transaction():
            self.store.enqueue(
                envelope_id=header.envelope_id, peer=peer, final=final, route=route,
                stream=stream, seq=seq, kind=kind, item_id=item_id, msg_id=msg_id,
                wire=envelope.to_wire(), queued_s=t,
            )
            self._audit([*audit, ("outbox.queued", {
                "envelope_id": header.envelope_id, "peer": peer, "final": final,
                "route": route, "stream": stream, "seq": seq, "kind": kind,
                "item_id": item_id, "msg_id": msg_id,
            })], at)
        return header.envelope_id

    def approve(self, item_id: str, to: str, route: str = "tisa", *,
                send: bool = True) -> Consent:
        """Give this party's prior written approval (Art. 6; TISA para 4) for ``to`` to
        receive its item ``item_id``, signed, and send it to the route's hub.

        Raises:
            InputError: the item is not one of this party's.
        """
        route = _node_spelling(route)
        with self._lock:
            if self.store.local_item(item_id) is None:
                raise InputError("item_id", item_id, f"not an item originated by {self.party}")
            t, at = self._now()
            consent = Consent(
                consent_id=f"{item_id}>{to}", originator=self.party, to=to, granted_at=at,
                item_id=item_id, written=True,
            )
            signed = sign(self.keys, "consent", consent.to_dict(), at)
            hub = self.hub_of(route)
            entries = [("consent.granted", consent.to_dict())]
            with self._transaction():
                self.store.add_consent(consent.consent_id, consent.to_dict(), signed.jws)
                self._index_consent(consent.to_dict(), signed.jws, signed.msg_id)
                if hub and hub != self.party:
                    self._enqueue(signed, hub, hub, "direct", f"items:{self.party}", "consent",
                                  item_id, t, at, entries)
                else:
                    self._audit(entries, at)
            self.book.grant(consent)
        if send:
            self.flush()
        return consent

    def flush_soon(self) -> None:
        """Have the outbox flushed by this node's background sender thread (started on
        first use) and return at once: a request that queues envelopes never waits for a
        slow or silent peer."""
        with self._lock:
            if self._closing:
                return
            if self._worker is None:
                self._worker = threading.Thread(target=self._send_loop, daemon=True,
                                                name=f"gsomia-send-{self.party}")
                self._worker.start()
        self._wake.set()

    def _send_loop(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            if self._closing:
                return
            try:
                self.flush()
            except Exception:  # noqa: BLE001 - the sender must outlive any one failure
                if self._closing:
                    return

    # sending -----------------------------------------------------------------------------
    def flush(self) -> int:
        """Try to send every due outbox entry, in order per peer; return the number acked
        or rejected. A LinkError stops that peer's queue (order kept) and schedules a retry
        on the clock with backoff."""
        # The request is recorded before trying the lock, so a flush already running
        # (in any thread) sees it after releasing the lock and runs once more.
        self._flush_again = True
        done = 0
        while self._flush_again:
            if not self._flush_lock.acquire(blocking=False):
                return done
            try:
                self._flush_again = False
                done += self._flush_once()
            finally:
                self._flush_lock.release()
        return done

    def _flush_once(self) -> int:
        """One pass over the pending entries. The answers of one pass are recorded
        together (one transaction, in send order, each audited at its own time), before
        any retry is recorded and at the end of the pass: an answer not yet recorded when
        the process dies is asked again (the receiver answers ``duplicate``), so none is
        lost, and no transaction is held open while a link sends."""
        done = 0
        blocked: set[str] = set()
        answers: list[tuple[OutboxRow, Receipt, dt.datetime]] = []
        with self._lock:
            rows = self.store.pending()
        try:
            for row in rows:
                if row.peer in blocked:
                    continue
                t, at = self._now()
                if row.next_try_s > t + 1e-9:
                    blocked.add(row.peer)
                    continue
                link = self.links.get(row.peer)
                try:
                    if link is None:
                        raise LinkError(row.peer, "no link connected")
                    receipt = link.send(Envelope.from_wire(row.wire))
                except Exception as exc:  # noqa: BLE001 - LinkError, or any fault of this
                    # one peer's link: that peer waits and retries; the others go on
                    if not isinstance(exc, LinkError):
                        exc = LinkError(row.peer, f"{type(exc).__name__}: {exc}")
                    blocked.add(row.peer)
                    t, at = self._now()
                    delay = self.retry.delay_s(row.attempts + 1)
                    with self._transaction():
                        done += self._record_answers(answers)
                        self.store.mark_retry(row.id, t + delay, str(exc))
                        self._audit([("send.retry", {
                            "envelope_id": row.envelope_id, "peer": row.peer,
                            "attempt": row.attempts + 1, "error": str(exc),
                            "retry_in_s": delay})], at)
                    self.clock.call_at(t + delay, self.flush)
                    continue
                answers.append((row, receipt, self._now()[1]))
        finally:
            if answers:
                with self._transaction():
                    done += self._record_answers(answers)
        return done

    def _record_answers(self, answers: list[tuple[OutboxRow, Receipt, dt.datetime]]) -> int:
        """Close the answered outbox entries with their audit records (in the caller's
        transaction); empties ``answers``; returns how many there were."""
        done = 0
        for row, receipt, at in answers:
            status = "acked" if receipt.ok else "rejected"
            self.store.mark_sent(row.id, status, str(receipt.to_dict()))
            self._audit([(f"send.{status}", {"envelope_id": row.envelope_id,
                                              "peer": row.peer, **receipt.to_dict()})], at)
            done += 1
        answers.clear()
        return done

    # receiving ---------------------------------------------------------------------------
    def receive(
        self, wire: Any, arrived_s: float | None = None, *, peer: str | None = None
    ) -> Receipt:
        """Check and store one envelope; the answer to the sender.

        Steps (each audited): read → sender known → hop sender is the authenticated peer
        (``peer``, when the transport authenticates one: the party of the mutual-TLS
        client certificate, or the sending node of an in-process link; check ``sender``) →
        open (recipient, decrypt, header, hop signature by ``iss``, age, originator's
        signature) → exactly-once (same envelope id: ``duplicate``; same signed message
        under another id, or a sequence number not after the stream's last: rejected as a
        replay) → release check of the hop (Art. 6: a third-party hop needs the
        originator's consent or the automated hub's standing approval) → mark (Art. 4(2))
        → store. The inbox rows and the ``receive.accepted`` audit record commit in one
        transaction. The item is handed to subscribers (or, at a hub, forwarded) at
        ``arrived_s`` on the clock (now if None).

        Parameters:
            wire: the envelope's wire form (a JSON object).
            arrived_s: arrival time [s since the clock epoch] (modelled link delay).
            peer: the party the transport authenticated as the hop sender, or None when
                the transport authenticates nobody.

        Returns:
            A :class:`Receipt`; bad input is never raised but answered ``rejected``.

        Raises:
            StoreError: this node's database refused the write; nothing of the envelope
                is kept, so it must not be acknowledged (links turn this into a
                :class:`~gsomia.errors.LinkError` for the sender, which retries).
        """
        with self._lock:
            now_s = self.clock.now_s()
            t = now_s if arrived_s is None else max(arrived_s, now_s)
            at = to_datetime(self.clock, t)
            # as given, but cut: an answer or audit record never echoes a huge value
            eid = _cut(wire.get("envelope_id", "?") if isinstance(wire, Mapping) else "?")
            sender = _cut(wire.get("sender", "?") if isinstance(wire, Mapping) else "?")
            try:
                envelope = Envelope.from_wire(wire)
                self.directory.get(envelope.sender, envelope.envelope_id)
                if peer is not None and envelope.sender != peer:
                    raise EnvelopeError(
                        "sender", "envelope.sender", envelope.sender,
                        f"envelope {envelope.envelope_id} names hop sender "
                        f"{envelope.sender} but the authenticated peer is {peer}",
                    )
                opened = open_envelope(envelope, self.keys, self.directory, at, self.max_age_s)
                with self._transaction():
                    return self._accept(envelope, opened.header, opened.signed, t, at)
            except (EnvelopeError, ReleaseDenied, InputError) as exc:
                check = getattr(exc, "check", "release" if isinstance(exc, ReleaseDenied)
                                else "format")
                with self._transaction():
                    self._audit([("receive.rejected", {
                        "envelope_id": str(eid), "sender": str(sender), "peer": peer,
                        "check": check, "reason": str(exc)})], at)
                return Receipt("rejected", str(eid), self.party, check, str(exc))

    def _accept(
        self, envelope: Envelope, h: Header, s: Signed, t: float, at: dt.datetime
    ) -> Receipt:
        if self.store.has_envelope(h.envelope_id):
            self._audit([("receive.duplicate", {"envelope_id": h.envelope_id,
                                                "sender": h.sender})], at)
            return Receipt("duplicate", h.envelope_id, self.party, None, "already stored")
        earlier = self.store.envelope_of(s.originator, s.msg_id)
        if earlier is not None:
            raise ReplayError("msg_id", h.envelope_id,
                              f"message {s.msg_id} of {s.originator} already accepted in "
                              f"envelope {earlier}")
        last = self.store.last_in_seq(h.sender, h.stream)
        if h.seq <= last:
            raise ReplayError("seq", h.envelope_id,
                              f"seq {h.seq} on stream {h.stream!r} from {h.sender} is not "
                              f"after the last accepted ({last})")
        hub = self.hub_of(h.route)
        at_hub = h.final != self.party
        if at_hub and hub != self.party:
            raise EnvelopeError("header", "envelope.final", h.final,
                                f"{self.party} is not the hub of route {h.route!r}")
        if s.kind == "consent":
            consent = Consent.from_dict(s.payload)
            if consent.originator != s.originator:
                raise EnvelopeError("signature", "consent.originator", consent.originator,
                                    f"signed by {s.originator}")
            self.store.accept(self._row(h, s, None, None, t, "delivered"))
            self.store.add_consent(consent.consent_id, consent.to_dict(), s.jws)
            self._index_consent(consent.to_dict(), s.jws, s.msg_id)
            self._audit([("receive.accepted", {"envelope_id": h.envelope_id, "kind": "consent",
                                               "sender": h.sender, "originator": s.originator,
                                               "consent": consent.to_dict()})], at)
            self.book.grant(consent)
            # only the held items this consent can concern (same originator and recipient;
            # the one item of an item-level approval)
            self.clock.call_at(t, lambda c=consent: self._recheck_held(
                lambda r: r.originator == c.originator and r.final == c.to,
                item_id=c.item_id))
            return Receipt("accepted", h.envelope_id, self.party, None, "consent recorded")
        label = label_from_dict(s.label or {})
        held = dataclasses.replace(label, holder=h.sender)
        if at_hub:  # the leg originator → hub, and the final recipient must be allowed
            request = ReleaseRequest(held, self.party, at, "direct")
            if h.final not in label.releasable_to:
                raise ReleaseDenied(label.item_id, h.final, ("releasable_to",),
                                    f"label not releasable to final recipient {h.final}")
        elif h.route != "direct" and h.sender == hub:
            request = ReleaseRequest(held, self.party, at, h.route)
        else:
            request = ReleaseRequest(held, self.party, at, "direct")
        decision = decide(request, self.catalog, self.book)
        if not decision.permit:
            raise ReleaseDenied(label.item_id, self.party,
                                tuple(r.rule for r in decision.failed),
                                "; ".join(r.detail for r in decision.failed))
        marking = None if decision.marking is None else decision.marking.to_dict()
        status = "arrived"
        self.store.accept(self._row(h, s, label, marking, t, status))
        self._audit([("receive.accepted", {
            "envelope_id": h.envelope_id, "kind": "item", "item_id": label.item_id,
            "sender": h.sender, "originator": s.originator, "msg_id": s.msg_id,
            "route": h.route, "final": h.final, "stream": h.stream, "seq": h.seq,
            "marking": None if marking is None else marking["text"],
            "marking_en": None if marking is None else marking["text_en"],
            "arrived_s": t,
        })], at)
        self.clock.call_at(t, lambda: self._arrive(h.envelope_id))
        return Receipt("held" if at_hub and h.route == "tisa" else "accepted", h.envelope_id,
                       self.party, None, "stored", None if marking is None else marking["text"])

    def _row(self, h: Header, s: Signed, label: Label | None, marking: dict[str, Any] | None,
             t: float, status: str) -> InboxRow:
        return InboxRow(
            envelope_id=h.envelope_id, msg_id=s.msg_id, originator=s.originator,
            sender=h.sender, kind=s.kind, item_id=None if label is None else label.item_id,
            route=h.route, final=h.final, stream=h.stream, seq=h.seq,
            label=None if label is None else label_to_dict(label), payload=s.payload,
            marking=marking, jws=s.jws, sent_at=s.signed_at.isoformat(), arrived_s=t,
            status=status,
        )

    def _arrive(self, envelope_id: str) -> None:
        """Process an arrival at its time: deliver to subscribers, or (hub) hold/forward."""
        with self._lock:
            row = self.store.inbox_row(envelope_id)
            if row is None or row.status != "arrived":
                return
            if row.final != self.party:
                # held, then forwarded at once if allowed: one transaction
                with self._transaction():
                    self.store.set_status(envelope_id, "held")
                    forward = self._forward([dataclasses.replace(row, status="held")]) > 0
            else:
                forward = False
                _, at = self._now()
                item = self._received(row)
                kind = item.kind
                # read the payload for a typed subscriber only (a scan's plots are slow to
                # check); one that does not read is delivered, audited, not handed on
                reader, hook = {
                    WARNING_KIND: (MissileWarning.from_dict, self.on_warning),
                    PLOT_KIND: (RadarPlots.from_dict, self.on_plots),
                }.get(kind, (None, None))
                typed: Any = None
                records = [("deliver", {
                    "envelope_id": envelope_id, "item_id": row.item_id,
                    "originator": row.originator, "payload_kind": kind,
                    "marking": (row.marking or {}).get("text")})]
                if reader is not None and hook is not None:
                    try:
                        typed = reader(item.payload)
                    except InputError as exc:
                        hook = None
                        records.append(("deliver.unreadable", {
                            "envelope_id": envelope_id, "item_id": row.item_id,
                            "originator": row.originator, "payload_kind": kind,
                            "reason": _cut(exc, 300)}))
                with self._transaction():
                    self.store.set_status(envelope_id, "delivered")
                    self._audit(records, at)
        if row.final != self.party:  # only this item: the others held have not changed
            if forward:
                self.flush()
            return
        if self.on_item is not None:
            self.on_item(item)
        if hook is not None:
            hook(typed, item)

    def _received(self, row: InboxRow) -> ReceivedItem:
        label = dataclasses.replace(label_from_dict(row.label or {}), holder=self.party)
        return ReceivedItem(
            item_id=label.item_id, originator=row.originator, sender=row.sender,
            route=row.route, label=label, marking=row.marking or {}, payload=row.payload,
            sent_at=dt.datetime.fromisoformat(row.sent_at), arrived_s=row.arrived_s,
            envelope_id=row.envelope_id,
        )

    def _recheck_held(self, only: Callable[[InboxRow], bool] | None = None,
                      rows: list[InboxRow] | None = None, item_id: str | None = None) -> None:
        """Hub: forward every held item whose release to its final recipient is now allowed
        (TISA: once the originator's approval is recorded; automated hub: at once).

        ``rows``: check only these held rows; ``item_id``: only the held rows of this item;
        ``only``: only the held rows it accepts (default: every held item). Limiting the
        check keeps a hub's work per arrival or consent independent of how many it holds."""
        with self._lock:
            held = rows if rows is not None else self.store.inbox(status="held", kind="item",
                                                                  item_id=item_id)
            forwarded = self._forward(held, only)
        if forwarded:
            self.flush()

    def _forward(self, held: list[InboxRow],
                 only: Callable[[InboxRow], bool] | None = None) -> int:
        """Decide on each held row (that ``only`` accepts); queue the allowed ones to their
        final recipient, each with the originator's matching signed approvals (TISA) and
        its status ``forwarded`` in one transaction. Returns how many were queued."""
        with self._lock:
            forwarded = 0
            for row in held:
                if only is not None and not only(row):
                    continue
                t, at = self._now()
                label = dataclasses.replace(label_from_dict(row.label or {}), holder=self.party)
                decision = decide(ReleaseRequest(label, row.final, at, row.route),
                                  self.catalog, self.book)
                summary = {"envelope_id": row.envelope_id, "item_id": row.item_id,
                           "to": row.final, "route": row.route, "permit": decision.permit,
                           "denied_by": [r.rule for r in decision.failed]}
                if not decision.permit:
                    self._audit([("hub.held", summary)], at)
                    continue
                with self._transaction():
                    if row.route == "tisa":  # the originator's signed approval goes first
                        for body, jws, mid in self._consent_jws.get(
                                (row.originator, row.final), []):
                            if (jws and body.get("originator") == row.originator
                                    and body.get("to") == row.final
                                    and body.get("item_id") in (None, row.item_id)):
                                self._enqueue(jws, row.final, row.final, row.route,
                                              row.stream, "consent", row.item_id, t, at, [],
                                              mid)
                    self._enqueue(row.jws, row.final, row.final, row.route, row.stream, "item",
                                  row.item_id, t, at, [("hub.forward", summary)], row.msg_id)
                    self.store.set_status(row.envelope_id, "forwarded")
                forwarded += 1
        return forwarded

    # reading -----------------------------------------------------------------------------
    def items(self) -> list[ReceivedItem]:
        """Items delivered to this party (final recipient), in arrival order."""
        with self._lock:
            rows = self.store.inbox(status="delivered", kind="item")
        return [self._received(r) for r in rows]

    def held(self) -> list[InboxRow]:
        """Hub: items held awaiting the originator's approval."""
        with self._lock:
            return self.store.inbox(status="held", kind="item")

    def outbox_counts(self) -> dict[str, int]:
        """Outbox entries by status (``pending``, ``acked``, ``rejected``)."""
        with self._lock:
            rows = self.store.outbox()
        out = {"pending": 0, "acked": 0, "rejected": 0}
        for r in rows:
            out[r.status] = out.get(r.status, 0) + 1
        return out


def _cut(value: Any, limit: int = 128) -> str:
    """``str(value)``, at most ``limit`` characters (longer: cut, length noted)."""
    text = str(value)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} chars)"


def _top_shared(catalog: Catalog, party: str) -> str:
    """This party's first SECRET-level marking in the catalog (the usual level of warning)."""
    for agreement in catalog.agreements.values():
        for row in agreement.equivalence:
            if row.level == "SECRET" and row.markings.get(party):
                return row.markings[party][0]
    raise InputError("party", party, "no SECRET-level marking in the catalog")



def _node_spelling(route: object) -> object:
    """SHIM (h-sim, until h-node's Route switch lands): any spelling of
    :class:`gsomia.sharing.Route` as this node's spelling; anything else as given."""
    try:
        parsed = Route.parse(route)
    except InputError:
        return route
    return {Route.DIRECT: "direct", Route.TISA_HUB: "tisa", Route.AUTO_HUB: "auto-hub"}[parsed]

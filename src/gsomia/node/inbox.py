"""A node's receiving side: receive → verify → open → mark → store, then deliver at arrival.

:meth:`Inbox.receive` is what a link calls. It never raises on bad input: a rejection is
a :class:`~gsomia.node.Receipt` with ``status="rejected"`` and an audit record. An accepted
item is stored ``arrived`` and, at its arrival time on the clock, delivered to the
subscribers (final recipient) or held by the :class:`~gsomia.node.hub.Hub` (hub). An
arrival the store fails to process (a :class:`~gsomia.errors.StoreError`: server down,
connection lost) stays ``arrived`` and is tried again :data:`ARRIVE_RETRY_S` later, until
the store takes it or is closed: a stored item is delivered without a restart.

Arrivals are processed in the order they were stored, whatever the threads that a wall
clock runs their timers on: each stored batch joins one queue ordered by (arrival time,
order stored), and every timer drains the queue up to its time under one lock; a batch the
store fails to process keeps its place, so the ones after it wait (order kept).

On a clock that runs in real time (:func:`~gsomia.node.clock.runs_in_real_time`: the wall
clocks of live nodes) an arrival already due when it is stored (every arrival over HTTP)
is drained by the inbox's own arrival thread, started on first use and woken at once,
instead of a timer thread started per arrival: starting a thread costs the request that
stored the batch (it waits for the thread to start) and, on a loaded machine, several
milliseconds before the subscriber is reached. A receive with ``deliver_now`` (the HTTP
inbox) drains them itself instead, once the batch is committed and the node's lock
released, before its receipts are returned: no thread hand-off at all. The order and the
store's contract are the same either way (the batch is committed before it is queued, and
acknowledged only after that commit).

A delivery's commit whose outcome the store cannot tell (a PostgreSQL connection lost
during ``COMMIT`` and the server unreachable to ask, :mod:`gsomia.sharing.sqldb`) keeps its
batch's place like any store failure; its items are remembered, and when the batch is tried
again one the store then shows ``delivered`` (the commit had gone through) is handed to the
subscribers then, once, instead of skipped as processed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import heapq
import itertools
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gsomia.errors import (
    EnvelopeError,
    InputError,
    ReleaseDenied,
    ReplayError,
    StoreError,
    StoreUnavailable,
)
from gsomia.node.clock import runs_in_real_time, to_datetime
from gsomia.node.context import NodeContext
from gsomia.node.exercise import exercise_mark, exercise_refusal
from gsomia.node.feed import received_item
from gsomia.node.guard import check_route, owns_id
from gsomia.node.hub import Hub
from gsomia.node.items import WARNING_KIND, ReceivedItem
from gsomia.node.links import Receipt
from gsomia.node.plots import PLOT_KIND, RadarPlots
from gsomia.node.store import InboxRow
from gsomia.node.warning import MissileWarning
from gsomia.node.worker import WakeWorker
from gsomia.sharing.consent import Consent
from gsomia.sharing.decision import ReleaseRequest, decide
from gsomia.sharing.envelope import (
    Envelope,
    Header,
    Signed,
    label_from_dict,
    label_to_dict,
    open_envelope,
)
from gsomia.sharing.label import Label
from gsomia.sharing.routes import Route

__all__ = ["ARRIVE_RETRY_S", "Inbox", "Subscribers"]

#: Wait before an arrival the store failed to process is tried again [s, clock time].
ARRIVE_RETRY_S = 1.0

_LOG = logging.getLogger(__name__)


def _cut(value: Any, limit: int = 128) -> str:
    """``str(value)``, at most ``limit`` characters (longer: cut, length noted)."""
    text = str(value)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} chars)"


@dataclass
class Subscribers:
    """Who is handed each delivered item (see :class:`gsomia.node.Node`).

    Attributes:
        on_item: ``on_item(item)`` for every delivered item, of any kind, first.
        on_warning: ``on_warning(warning, item)`` for each readable missile warning.
        on_plots: ``on_plots(plots, item)`` for each readable radar-plot item.
        on_batch: ``on_batch()`` once the items delivered together (one received batch,
            one transaction) were all handed to the subscribers above, in the same
            thread: a subscriber may keep a batch's items and handle them at once.
    """

    on_item: Callable[[ReceivedItem], None] | None = None
    on_warning: Callable[[MissileWarning, ReceivedItem], None] | None = None
    on_plots: Callable[[RadarPlots, ReceivedItem], None] | None = None
    on_batch: Callable[[], None] | None = None

    def typed(self, kind: str) -> tuple[Callable[[Any], Any] | None, Callable | None]:
        """``(reader, hook)`` of a kind of item: how its payload is read for its typed
        subscriber, and that subscriber; ``(None, None)`` when there is none."""
        if kind == WARNING_KIND:
            return MissileWarning.from_dict, self.on_warning
        if kind == PLOT_KIND:
            return RadarPlots.from_dict, self.on_plots
        return None, None


class Inbox:
    """The receiving side of one node.

    Parameters:
        ctx: the node's shared state; hub: its holding and forwarding part.
        subscribers: who is handed delivered items.
        max_age_s: the oldest envelope accepted [s] (its hop ``iat`` against arrival).
    """

    def __init__(self, ctx: NodeContext, hub: Hub, subscribers: Subscribers,
                 max_age_s: float) -> None:
        self.ctx = ctx
        self.hub = hub
        self.subscribers = subscribers
        self.max_age_s = max_age_s
        #: the node's :class:`~gsomia.node.actions.Actions` (set by the node): it takes
        #: the control kinds (notices, acks, Art. 17 reports), whatever their route.
        self.control: Any = None
        # envelope ids of the items stored by the batch being received (their arrival is
        # scheduled once it commits), or None outside receive_batch
        self._arrivals: list[str] | None = None
        # arrivals to process: a heap of (arrival time [s], order stored, envelope ids)
        self._due: list[tuple[float, int, tuple[str, ...]]] = []
        self._order = itertools.count()
        self._due_lock = threading.Lock()
        self._drain_lock = threading.Lock()
        # a retry of the queue after a store failure is pending on the clock
        self._retrying = False
        # the stored arrivals not yet processed were queued (by resume)
        self._resumed = False
        # envelope ids marked delivered by a commit of unknown outcome, not yet handed
        self._unsure: set[str] = set()
        # the arrival thread (real-time clocks only; module notes)
        self._arrival = WakeWorker(f"gsomia-arrive-{ctx.party}",
                                   lambda: self._drain(self.ctx.clock.now_s()),
                                   self._arrival_failed)

    def receive(self, wire: Any, arrived_s: float | None = None, *,
                peer: str | None = None, deliver_now: bool = False) -> Receipt:
        """Check and store one envelope; the answer to the sender
        (:meth:`gsomia.node.Node.receive` gives the steps, parameters and errors)."""
        return self.receive_batch([wire], arrived_s, peer=peer, deliver_now=deliver_now)[0]

    def receive_batch(self, wires: Sequence[Any], arrived_s: float | None = None, *,
                      peer: str | None = None, deliver_now: bool = False) -> list[Receipt]:
        """Check and store envelopes in one store transaction; their answers, in order
        (:meth:`gsomia.node.Node.receive_batch`). Each envelope is checked as
        :meth:`receive` checks it, after the ones before it (a duplicate of an earlier
        one in the batch is ``duplicate``), inside a savepoint: a rejected one leaves only
        its ``receive.rejected`` record. Raises StoreError (nothing of the batch kept)."""
        ctx = self.ctx
        inline = False
        with ctx.ledger.lock:
            now_s = ctx.clock.now_s()
            t = now_s if arrived_s is None else max(arrived_s, now_s)
            at = to_datetime(ctx.clock, t)
            self._arrivals = arrivals = []
            try:
                with ctx.ledger.transaction():
                    receipts = [self._receive_one(wire, t, at, peer) for wire in wires]
            finally:
                self._arrivals = None
            if arrivals:  # the batch's items arrive together, in batch order
                inline = self._schedule(t, arrivals, deliver_now)
            # witnessing hook (gsomia.node.witness): cosign the sender's checkpoint, sign
            witness = ctx.ledger.witness
            if witness is not None:
                receipts = [witness.answer(w, r, at)
                            for w, r in zip(wires, receipts, strict=True)]
        if inline:  # committed, the lock released: the subscribers reached from here
            try:
                self._drain(t)
            except Exception:  # noqa: BLE001 - the receipts stand (the batch is stored)
                _LOG.exception("%s: delivering a received batch failed", ctx.party)
        return receipts

    def _receive_one(self, wire: Any, t: float, at: dt.datetime,
                     peer: str | None) -> Receipt:
        """One envelope of :meth:`receive_batch` (in its transaction): its receipt,
        unsigned; a failed check undone and audited ``receive.rejected``."""
        ctx = self.ctx
        # as given, but cut: an answer or audit record never echoes a huge value
        eid = _cut(wire.get("envelope_id", "?") if isinstance(wire, Mapping) else "?")
        sender = _cut(wire.get("sender", "?") if isinstance(wire, Mapping) else "?")
        try:
            with ctx.ledger.savepoint():
                envelope = Envelope.from_wire(wire)
                ctx.directory.get(envelope.sender, envelope.envelope_id)
                if peer is not None and envelope.sender != peer:
                    raise EnvelopeError(
                        "sender", "envelope.sender", envelope.sender,
                        f"envelope {envelope.envelope_id} names hop sender "
                        f"{envelope.sender} but the authenticated peer is {peer}",
                    )
                opened = open_envelope(envelope, ctx.keys, ctx.directory, at, self.max_age_s)
                ctx.stamp(envelope.envelope_id, "opened")
                return self._accept(opened.header, opened.signed, t, at)
        except (EnvelopeError, ReleaseDenied, InputError) as exc:
            check = getattr(exc, "check", "release" if isinstance(exc, ReleaseDenied)
                            else "format")
            ctx.ledger.record([("receive.rejected", {
                "envelope_id": str(eid), "sender": str(sender), "peer": peer,
                "check": check, "reason": str(exc)})], at)
            return Receipt("rejected", str(eid), ctx.party, check, str(exc))

    def _accept(self, h: Header, s: Signed, t: float, at: dt.datetime) -> Receipt:
        """The exactly-once checks, the hop's route, then the consent or item."""
        ctx, store = self.ctx, self.ctx.ledger.store
        if store.has_envelope(h.envelope_id):
            ctx.ledger.record([("receive.duplicate", {"envelope_id": h.envelope_id,
                                                      "sender": h.sender})], at)
            return Receipt("duplicate", h.envelope_id, ctx.party, None, "already stored")
        if self.control is not None and s.kind in self.control.kinds:
            return self.control.accept(h, s, t, at)
        earlier = store.envelope_of(s.originator, s.msg_id)
        if earlier is not None and s.kind == "consent":  # sent ahead again: nothing new
            ctx.ledger.record([("receive.duplicate", {"envelope_id": h.envelope_id,
                                                      "sender": h.sender, "kind": "consent",
                                                      "msg_id": s.msg_id})], at)
            return Receipt("duplicate", h.envelope_id, ctx.party, None, "consent known")
        if earlier is not None:
            raise ReplayError("msg_id", h.envelope_id,
                              f"message {s.msg_id} of {s.originator} already accepted in "
                              f"envelope {earlier}")
        route, hub = ctx.check_hop(h)
        if s.kind == "consent":
            return self._accept_consent(h, s, route, t, at)
        return self._accept_item(h, s, route, hub, t, at)

    def _accept_consent(self, h: Header, s: Signed, route: Route, t: float,
                        at: dt.datetime) -> Receipt:
        """Record an originator's signed approval; recheck the held items it concerns."""
        ctx = self.ctx
        consent = Consent.from_dict(s.payload)
        if consent.originator != s.originator:
            raise EnvelopeError("signature", "consent.originator", consent.originator,
                                f"signed by {s.originator}")
        for what, value in (("item", consent.item_id), ("consent id", consent.consent_id)):
            if value is not None and not owns_id(consent.originator, value):
                raise ReleaseDenied(str(consent.item_id), consent.to, ("item_id",),
                                    f"consent {consent.consent_id!r} of {consent.originator} "
                                    f"has the {what} {value!r}, not bound to its originator "
                                    f"('{consent.originator}-...')")
        known = ctx.consents.known(consent.consent_id)
        if known is not None:
            raise ReplayError("consent_id", h.envelope_id,
                              f"consent {consent.consent_id!r} already recorded"
                              + (" with other terms" if known != consent.to_dict() else ""))
        ctx.ledger.store.accept(self._row(h, s, route, None, None, t, "delivered"))
        ctx.ledger.store.add_consent(consent.consent_id, consent.to_dict(), s.jws)
        ctx.ledger.record([("receive.accepted", {
            "envelope_id": h.envelope_id, "kind": "consent", "sender": h.sender,
            "originator": s.originator, "consent": consent.to_dict()})], at)
        ctx.consents.add(consent, s.jws, s.msg_id)
        # only the held items this consent can concern (same originator and recipient;
        # the one item of an item-level approval)
        ctx.clock.call_at(t, lambda c=consent: self.hub.recheck(
            lambda r: r.originator == c.originator and r.final == c.to, item_id=c.item_id))
        return Receipt("accepted", h.envelope_id, ctx.party, None, "consent recorded")

    def _accept_item(self, h: Header, s: Signed, route: Route, hub: str | None, t: float,
                     at: dt.datetime) -> Receipt:
        """Decide on the hop (Art. 6), mark (Art. 4(2)) and store an item ``arrived``;
        schedule its arrival. An item of this party itself is refused (rule
        ``to_originator``); a second copy of an item held here from the same originator is
        answered ``duplicate`` (audited ``receive.duplicate``; the first copy is kept)."""
        ctx = self.ctx
        label = label_from_dict(s.label or {})
        held = dataclasses.replace(label, holder=h.sender)
        at_hub = h.final != ctx.party
        # ids, route and release authorisation as the originator signed them (guard)
        own_release = check_route(ctx.party, label, s.originator, h.sender, h.final, route,
                                  hub, s.release)
        if s.originator == ctx.party:  # its own item: held as originator, not received
            raise ReleaseDenied(label.item_id, ctx.party, ("to_originator",),
                                f"{label.item_id} is an item of {ctx.party} itself, sent "
                                f"back by {h.sender}: its Originating Party receives no "
                                "copy of it (Art. 6)")
        if not at_hub:
            first = ctx.ledger.store.first_copy(label.item_id, ctx.party, s.originator)
            if first is not None:  # one copy per item: the first kept
                ctx.ledger.store.advance_in_stream(h.sender, h.stream, h.seq)
                ctx.ledger.record([("receive.duplicate", {
                    "envelope_id": h.envelope_id, "sender": h.sender, "kind": "item",
                    "item_id": label.item_id, "first_envelope_id": first})], at)
                return Receipt("duplicate", h.envelope_id, ctx.party, None,
                               f"item {label.item_id} of {s.originator} already held "
                               f"(envelope {first})")
        if (why := exercise_refusal(ctx.exercise, label, ctx.party)) is not None:
            raise EnvelopeError("exercise", "label.privacy_mark", label.privacy_mark, why)
        self._check_sources(label, at)
        if at_hub:  # the leg originator → hub, and the final recipient must be allowed
            request = ReleaseRequest(held, ctx.party, at, Route.DIRECT)
            if h.final not in label.releasable_to:
                raise ReleaseDenied(label.item_id, h.final, ("releasable_to",),
                                    f"label not releasable to final recipient {h.final}")
        elif route is not Route.DIRECT and h.sender == hub:
            request = ReleaseRequest(held, ctx.party, at, route)
        else:
            request = ReleaseRequest(held, ctx.party, at, Route.DIRECT)
        decision = decide(request, ctx.catalog, ctx.consents.signed)
        if not decision.permit:
            raise ReleaseDenied(label.item_id, ctx.party,
                                tuple(r.rule for r in decision.failed),
                                "; ".join(r.detail for r in decision.failed))
        ctx.stamp(h.envelope_id, "decided")
        marking = None if decision.marking is None else decision.marking.to_dict()
        if marking is not None and ctx.exercise is not None:
            marking["exercise"] = exercise_mark(ctx.exercise.exercise_id)
        ctx.ledger.store.accept(self._row(h, s, route, label, marking, t, "arrived"))
        ctx.ledger.record([("receive.accepted", {
            "envelope_id": h.envelope_id, "kind": "item", "item_id": label.item_id,
            "sender": h.sender, "originator": s.originator, "msg_id": s.msg_id,
            "route": route, "final": h.final, "stream": h.stream, "seq": h.seq,
            "marking": None if marking is None else marking["text"],
            "marking_en": None if marking is None else marking["text_en"],
            "data": decision.data,
            "arrived_s": t, "own_release": own_release,
            **({"derived_from": [d.item_id for d in label.derived_from]}
               if label.derived_from else {}),
            "jws_sha256": hashlib.sha256(s.jws.encode()).hexdigest(),
        })], at)
        ctx.stamp(h.envelope_id, "stored")
        if self.control is not None:  # the originator's notices known for the item
            self.control.item_stored(h.envelope_id, label.item_id, h.final)
        if self._arrivals is not None:
            self._arrivals.append(h.envelope_id)
        else:
            self._schedule(t, [h.envelope_id])
        return Receipt("held" if at_hub and route is Route.TISA_HUB else "accepted",
                       h.envelope_id, ctx.party, None, "stored",
                       None if marking is None else marking["text"])

    def _check_sources(self, label: Label, at: dt.datetime) -> None:
        """A derived item reaches this party only if every source may (derivative
        classification; Art. 6): Releasable To of each source, and a signed consent of each
        source's originator other than this party.

        Raises:
            ReleaseDenied: rule ``derived_consent``.
        """
        party = self.ctx.party
        for source in label.derived_from:
            if source.originator in (party, label.originator):
                continue
            if party not in source.releasable_to or self.ctx.consents.signed.find(
                    source.label(label.originator), party, at) is None:
                raise ReleaseDenied(label.item_id, party, ("derived_consent",),
                                    f"derives from {source.item_id} of {source.originator}, "
                                    f"which did not release it to {party}")

    @staticmethod
    def _row(h: Header, s: Signed, route: Route, label: Label | None,
             marking: dict[str, Any] | None, t: float, status: str) -> InboxRow:
        return InboxRow(
            envelope_id=h.envelope_id, msg_id=s.msg_id, originator=s.originator,
            sender=h.sender, kind=s.kind, item_id=None if label is None else label.item_id,
            route=route, final=h.final, stream=h.stream, seq=h.seq,
            label=None if label is None else label_to_dict(label), payload=s.payload,
            marking=marking, jws=s.jws, sent_at=s.signed_at.isoformat(), arrived_s=t,
            status=status,
        )

    # arrival ---------------------------------------------------------------------------
    def resume(self) -> None:
        """Schedule every stored arrival not yet processed (after a restart), in the
        order stored. Done by the first arrival scheduled if not called before it (a node
        taking envelopes before its resume: its server started first), so that the
        arrivals stored before a restart go first. Again: nothing delivered twice (an
        arrival is processed once, while ``arrived``)."""
        with self.ctx.ledger.lock:
            self._resumed = True
            for row in self.ctx.ledger.store.inbox(status="arrived"):
                self._schedule(row.arrived_s, [row.envelope_id])

    def arrive(self, envelope_id: str) -> None:
        """Process an arrival now: deliver to subscribers (final recipient) or hold and
        perhaps forward (hub). Subscribers are called outside the node's lock.

        Raises:
            StoreError: the store failed (the row stays ``arrived``).
        """
        self._arrive_all((envelope_id,))

    def _schedule(self, t: float, envelope_ids: Sequence[str],
                  inline: bool = False) -> bool:
        """Queue ``envelope_ids`` (stored, in order) to arrive at ``t`` [s] (after the
        arrivals stored before the node started: :meth:`resume`). True when the caller
        is to drain them itself (``inline``, a real-time clock and ``t`` already due),
        else they are drained by the arrival thread (real-time, due) or a callback on the
        clock at ``t``."""
        if not self._resumed:
            self.resume()
        with self._due_lock:
            heapq.heappush(self._due, (t, next(self._order), tuple(envelope_ids)))
        clock = self.ctx.clock
        if runs_in_real_time(clock) and t <= clock.now_s():
            if inline:
                return True
            self._arrival.wake()
        else:
            clock.call_at(t, lambda: self._drain(t))
        return False

    def _arrival_failed(self, exc: Exception) -> None:
        """The arrival thread's drain failed: logged; the batch keeps its place (module notes)."""
        _LOG.exception("%s: draining the arrivals failed", self.ctx.party)

    def close(self) -> None:
        """Stop the arrival thread (waits up to 15 s for its pass; what is left queued is
        still ``arrived`` in the store and is delivered after a restart)."""
        self._arrival.close()

    def _drain(self, upto_s: float) -> None:
        """Process the queued arrivals due by ``upto_s`` or now [s], in queue order (module
        docstring). On a store failure the failed batch keeps its place and the queue is
        drained again :data:`ARRIVE_RETRY_S` later (one retry pending at a time, whatever
        the number of drains that failed), unless the store was closed (then
        :meth:`resume` schedules it after the restart)."""
        with self._drain_lock:
            while True:
                with self._due_lock:
                    if not self._due or self._due[0][0] > max(upto_s, self.ctx.clock.now_s()):
                        return
                    entry = heapq.heappop(self._due)
                try:
                    self._arrive_all(entry[2])
                except StoreError:
                    if self.ctx.ledger.store.db.closed:
                        return
                    with self._due_lock:
                        heapq.heappush(self._due, entry)
                        again, self._retrying = not self._retrying, True
                    if again:  # one retry pending, however many drains failed
                        t = self.ctx.clock.now_s() + ARRIVE_RETRY_S
                        self.ctx.clock.call_at(t, lambda t=t: self._retry(t))
                    return
                except Exception:  # noqa: BLE001 - one row's fault must not stop the queue
                    _LOG.exception("%s: arrival of %s failed; left 'arrived' until resume",
                                   self.ctx.party, entry[2])

    def _retry(self, upto_s: float) -> None:
        """The one pending retry of :meth:`_drain` after a store failure."""
        with self._due_lock:
            self._retrying = False
        self._drain(upto_s)

    def _arrive_all(self, envelope_ids: Sequence[str]) -> None:
        """:meth:`arrive` for the items of a received batch, in order, in one transaction
        (one commit for the batch's deliveries). Each in a savepoint: one that fails is
        left ``arrived`` and the first error is raised once the items before it are
        handed to the subscribers. After a row's own fault (its data does not read) the
        others go on (the row is processed again by :meth:`resume`); after a store
        failure (StoreError) the items after it are left ``arrived`` too, to be processed
        after it when the batch is tried again (order kept). A commit of unknown outcome
        (module notes): its items are handed when the batch is tried again if the store
        then shows them ``delivered``."""
        ctx = self.ctx
        handed: list[tuple[ReceivedItem, Callable | None, Any]] = []
        forwarded = False
        failure: Exception | None = None
        try:
            with ctx.ledger.lock, ctx.ledger.transaction():
                for envelope_id in envelope_ids:
                    try:
                        with ctx.ledger.savepoint():
                            row = ctx.ledger.store.inbox_row(envelope_id)
                            if (row is not None and row.status == "delivered"
                                    and envelope_id in self._unsure):
                                handed.append(self._read(row)[:3])  # committed, not handed
                            if row is None or row.status != "arrived":
                                continue
                            if row.final != ctx.party:
                                # only this item: the others held have not changed
                                forwarded = self.hub.hold(row) or forwarded
                            else:
                                handed.append(self._deliver(row))
                    except Exception as exc:  # noqa: BLE001 - raised below, after the others
                        failure = failure or exc
                        if isinstance(exc, StoreError):  # the rest wait for this one
                            break
        except StoreUnavailable as exc:
            if not exc.lost_before_commit:  # committed or not: the store tells on retry
                self._unsure.update(item.envelope_id for item, _, _ in handed)
            raise
        self._unsure.difference_update(item.envelope_id for item, _, _ in handed)
        for item, hook, typed in handed:  # committed: handed before any flush can fail
            try:  # a subscriber's fault must not keep the others from their items
                if self.subscribers.on_item is not None:
                    self.subscribers.on_item(item)
                if hook is not None:
                    hook(typed, item)
            except Exception:  # noqa: BLE001 - logged; the item stays delivered
                _LOG.exception("%s: a subscriber failed on item %s", self.ctx.party,
                               item.item_id)
        if handed and self.subscribers.on_batch is not None:
            try:
                self.subscribers.on_batch()
            except Exception:  # noqa: BLE001 - logged; the items stay delivered
                _LOG.exception("%s: a subscriber failed on a delivered batch", self.ctx.party)
        if forwarded:
            self.hub.outbox.flush()
        if failure is not None:
            raise failure

    def _deliver(self, row: InboxRow) -> tuple[ReceivedItem, Callable | None, Any]:
        """Mark a row ``delivered`` with its audit records (one transaction, or the
        caller's); return the
        item, its typed subscriber (None when none or the payload does not read) and the
        payload read for it."""
        _, at = self.ctx.now()
        item, hook, typed, unreadable = self._read(row)
        records = [("deliver", {
            "envelope_id": row.envelope_id, "item_id": row.item_id,
            "originator": row.originator, "payload_kind": item.kind,
            "marking": (row.marking or {}).get("text")})]
        if unreadable is not None:
            records.append(("deliver.unreadable", {
                "envelope_id": row.envelope_id, "item_id": row.item_id,
                "originator": row.originator, "payload_kind": item.kind,
                "reason": _cut(unreadable, 300)}))
        with self.ctx.ledger.transaction():
            self.ctx.ledger.store.set_status(row.envelope_id, "delivered")
            self.ctx.ledger.record(records, at)
        return item, hook, typed

    def _read(self, row: InboxRow) -> tuple[ReceivedItem, Callable | None, Any,
                                            InputError | None]:
        """``(item, hook, typed, unreadable)`` of a row to hand: the item, its typed
        subscriber and the payload read for it (the payload is read for a typed subscriber
        only: a scan's plots are slow to check); one that does not read: hook None and
        the reader's error (delivered, audited, not handed on)."""
        item = self.received(row)
        reader, hook = self.subscribers.typed(item.kind)
        if reader is None or hook is None:
            return item, hook, None, None
        try:
            return item, hook, reader(item.payload), None
        except InputError as exc:
            return item, None, None, exc

    # reading ---------------------------------------------------------------------------
    def received(self, row: InboxRow) -> ReceivedItem:
        """A delivered row as the item handed to subscribers (holder: this party)."""
        return received_item(row, self.ctx.party)

    def items(self) -> list[ReceivedItem]:
        """Items delivered to this party (final recipient), in arrival order."""
        with self.ctx.ledger.lock:
            rows = self.ctx.ledger.store.inbox(status="delivered", kind="item")
            # witnessing hook: a row whose label or payload no longer matches its
            # originator's signature is refused (audited store.tampered)
            if (witness := self.ctx.ledger.witness) is not None:
                rows = [r for r in rows if witness.check_received(r)]
        return [self.received(r) for r in rows]

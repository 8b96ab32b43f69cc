"""One party's node: the façade over its parts.

See :mod:`gsomia.node` for the public API and the guarantees. The work is done by the
parts, each in its module and all sharing one :class:`~gsomia.node.context.NodeContext`
(keys, catalog, clock, and the :class:`~gsomia.node.ledger.Ledger`: store, audit log, lock):
:class:`~gsomia.node.origin.Originator` (create, decide, sign, approve),
:class:`~gsomia.node.outbox.Outbox` (persist, send in order, retry),
:class:`~gsomia.node.inbox.Inbox` (receive, verify, open, mark, store, deliver) and
:class:`~gsomia.node.hub.Hub` (hold, forward on approval).
"""

from __future__ import annotations

import threading
import types
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from gsomia.errors import InputError
from gsomia.node.actions import Actions
from gsomia.node.clock import Clock
from gsomia.node.compromise import Compromises
from gsomia.node.consents import Consents
from gsomia.node.context import NodeContext
from gsomia.node.custody import Custody
from gsomia.node.exercise import ExerciseGate
from gsomia.node.health import node_health
from gsomia.node.hub import Hub
from gsomia.node.inbox import Inbox, Subscribers
from gsomia.node.items import WARNING_KIND, Publishable, ReceivedItem, Release
from gsomia.node.ledger import Ledger
from gsomia.node.links import Link, Receipt
from gsomia.node.origin import Originator, parse_routes, top_shared_marking
from gsomia.node.outbox import Outbox, RetryPolicy
from gsomia.node.plots import PLOT_KIND, RadarPlots
from gsomia.node.store import InboxRow, Store
from gsomia.node.warning import MissileWarning
from gsomia.node.witness import CheckpointPolicy, Witness
from gsomia.sharing.audit import AuditLog
from gsomia.sharing.catalog import Catalog
from gsomia.sharing.consent import Consent, ConsentBook
from gsomia.sharing.envelope import Directory, PartyKeys
from gsomia.sharing.label import Label
from gsomia.sharing.routes import Route

__all__ = ["Node"]


class _Kept:
    """A node attribute kept by one of its parts: read and written through
    (``on_item = _Kept("_subscribers", "on_item")``)."""

    def __init__(self, part: str, name: str) -> None:
        self.part = part
        self.name = name

    def __get__(self, node: object, owner: type | None = None) -> Any:
        if node is None:
            return self
        return getattr(getattr(node, self.part), self.name)

    def __set__(self, node: object, value: Any) -> None:
        setattr(getattr(node, self.part), self.name, value)


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
        routes: route per partner for :meth:`publish` (a :class:`~gsomia.sharing.Route`
            or any spelling :meth:`Route.parse` takes: ``direct``, ``tisa_hub``,
            ``auto_hub``, ``tisa``, ``auto-hub``); partners not listed get nothing published.
        warning_classification: this party's marking for what it publishes (default: its
            first SECRET-level marking in the catalog).
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
        retry: outbox backoff (default :class:`RetryPolicy` ``()``); max_age_s: oldest
            envelope accepted [s].
        checkpoints: when the audit log is signed as a checkpoint (default
            :class:`~gsomia.node.witness.CheckpointPolicy` ``()``: every 64 records, 60 s).
        exercise: the gate of the exercise this node serves (:mod:`gsomia.node.exercise`:
            its items are marked EXERCISE, and it takes and releases only that exercise's
            traffic while the gate admits it); None (default): a real node, which never
            takes nor releases exercise traffic.

    Attributes:
        party, keys, catalog, clock, store, audit: as given (the store and log opened);
            fixed for the node's life.
        directory, routes, warning_classification, on_item, on_warning, on_plots, retry,
            max_age_s: as given; may be changed (``routes`` is parsed and checked as in
            the constructor, and read back as a read-only mapping of
            :class:`~gsomia.sharing.Route`).
        links: the link per next-hop party (:meth:`connect`).
        stamps: a :class:`~gsomia.node.stamps.Stamps` recorder of the stages of the
            envelopes this node sends and receives, or None (default: nothing recorded);
            may be set at any time.
        witness: the node's :class:`~gsomia.node.witness.Witness`: checkpoints of its
            audit log (on demand: ``witness.checkpoint()``), its partners' cosignatures,
            and its witnessing of theirs (``witness.health()``).
        lock: the node's re-entrant lock; hold it to read the store and audit log while
            no step of the node writes.

    Raises:
        InputError: keys of another party, a party without a marking scheme in the
            catalog, or a bad route (``routes.<partner>``: no route, the node's own party,
            a partner without public keys in the directory).
    """

    directory = _Kept("_ctx", "directory")
    links = _Kept("_outbox", "links")
    retry = _Kept("_outbox", "retry")
    max_age_s = _Kept("_inbox", "max_age_s")
    stamps = _Kept("_ctx", "stamps")
    on_item = _Kept("_subscribers", "on_item")
    on_warning = _Kept("_subscribers", "on_warning")
    on_plots = _Kept("_subscribers", "on_plots")
    #: ``on_batch()``, called once the items delivered together (one received batch) were
    #: all handed to ``on_item``/``on_warning``/``on_plots``, in the same thread (None:
    #: none; :class:`gsomia.node.inbox.Subscribers`).
    on_batch = _Kept("_subscribers", "on_batch")

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
        routes: Mapping[str, Route | str] | None = None,
        warning_classification: str | None = None,
        on_warning: Callable[[MissileWarning, ReceivedItem], None] | None = None,
        on_item: Callable[[ReceivedItem], None] | None = None,
        on_plots: Callable[[RadarPlots, ReceivedItem], None] | None = None,
        retry: RetryPolicy | None = None,
        max_age_s: float = 86_400.0,
        checkpoints: CheckpointPolicy | None = None,
        exercise: ExerciseGate | None = None,
    ) -> None:
        if keys.party != party:
            raise InputError("keys.party", keys.party, f"keys of another party than {party}")
        if party not in catalog.schemes:
            raise InputError("party", party, "no marking scheme in the catalog")
        self.party = party
        self.keys = keys
        self.catalog = catalog
        self.clock = clock
        self.store = store if isinstance(store, Store) else Store(store)
        if audit is None:
            audit = AuditLog(self.store.db)
        self.audit = audit if isinstance(audit, AuditLog) else AuditLog(audit)
        self._ctx = NodeContext(party, keys, directory, catalog, clock,
                                Ledger(party, self.store, self.audit),
                                Consents.load(self.store), exercise=exercise)
        self._routes = types.MappingProxyType(parse_routes(routes or {}, party, directory))
        self.warning_classification = (warning_classification
                                       or top_shared_marking(catalog, party))
        self._subscribers = Subscribers(on_item, on_warning, on_plots)
        self._outbox = Outbox(self._ctx, retry or RetryPolicy())
        self._hub = Hub(self._ctx, self._outbox)
        self._inbox = Inbox(self._ctx, self._hub, self._subscribers, max_age_s)
        self._origin = Originator(self._ctx, self._outbox)
        #: checkpoints of this node's audit log and its witnessing of partners' logs
        self.witness = Witness(self._ctx, checkpoints)
        self._custody = Custody(self._ctx)
        self._actions = Actions(self._ctx, self._outbox, self._custody)
        self._cases = Compromises(self._ctx, self._outbox, self._custody, self._actions)
        self.witness.on_incident = self._cases.report_log  # Art. 17 case on an incident
        self._inbox.control = self._actions

    # wiring and state --------------------------------------------------------------------
    @property
    def routes(self) -> Mapping[str, Route]:
        """Route per partner (read-only; assign a new mapping to change it)."""
        return self._routes

    @routes.setter
    def routes(self, routes: Mapping[str, Route | str]) -> None:
        self._routes = types.MappingProxyType(
            parse_routes(routes, self.party, self._ctx.directory))

    @property
    def lock(self) -> threading.RLock:
        """The node's re-entrant lock (class notes)."""
        return self._ctx.ledger.lock

    def transaction(self) -> AbstractContextManager[None]:
        """The node's lock and one store transaction whose audit records commit with it
        (nested ones, e.g. :meth:`publish` inside, join the outermost): the caller's own
        writes to :attr:`store` commit with the node's, or none do."""
        return self._ctx.ledger.transaction()

    def record(self, kind: str, body: Mapping[str, Any]) -> None:
        """Append one audit record of this node, stamped now on its clock (inside
        :meth:`transaction`: in that transaction)."""
        _, at = self._ctx.now()
        self._ctx.ledger.record([(kind, dict(body))], at)

    @property
    def book(self) -> ConsentBook:
        """The originators' consents this node knows (what its release decisions read)."""
        return self._ctx.consents.book

    def connect(self, peer: str, link: Link) -> None:
        """Use ``link`` for envelopes whose next hop is ``peer``."""
        self._outbox.links[peer] = link

    def close(self) -> None:
        """Stop the background sender and the arrival thread, close the links, the store
        and the audit log."""
        self._outbox.close()
        self._inbox.close()
        self._ctx.ledger.close()

    def resume(self) -> None:
        """After a (re)start: schedule arrivals not yet processed, re-check held items and
        flush the outbox. Call once the links are connected."""
        self._inbox.resume()
        self._actions.resume()
        self._hub.recheck()
        self.flush()

    def hub_of(self, route: Route | str) -> str | None:
        """The hub party of a hub route from the catalog's arrangements for it (None for
        ``direct``).

        Raises:
            InputError: ``route`` is no route.
        """
        return self._ctx.hub_of(route)

    # originating side ----------------------------------------------------------------------
    def create_item(self, payload: Mapping[str, Any], **label: Any) -> Label:
        """Store a new item originated by this party; return its label (holder: us).

        ``label``: its fields, by keyword: ``classification`` (this party's marking),
        ``releasable_to`` (party codes), ``topic``, and optionally ``elements`` (default
        none), ``purpose``, ``item_id`` (default a new ``<party>-<16 hex>``; another must
        also be ``<party>-...`` and not held here), ``derived_from`` (ids of held items it
        derives from: their restrictions apply; ``classification`` and ``releasable_to``
        then default to the most restrictive marking and the intersection); as
        :meth:`gsomia.node.origin.Originator.create_item`.

        Raises:
            InputError: an unknown marking of this party, a malformed label field, or an
                item refused (another party's id, a received item's content re-originated,
                a derivation whose restrictions do not hold; audited ``release.denied``).
            TypeError: a missing or unknown field.
        """
        return self._origin.create_item(payload, **label)

    def publish(
        self,
        payload: Publishable | Mapping[str, Any],
        *,
        classification: str | None = None,
        topic: str | None = None,
        elements: Iterable[str] | None = None,
        stream: str | None = None,
        send: bool = True,
        derived_from: Iterable[str] = (),
        item_id: str | None = None,
    ) -> list[Release]:
        """Create one item of ``payload`` and release it to every partner in
        :attr:`routes`, by its route.

        The payload is either a :class:`~gsomia.node.items.Publishable` (a
        :class:`MissileWarning`, a :class:`~gsomia.node.plots.RadarPlots`: checked with
        its ``validate()``, shared as its ``to_dict()``, under its ``topic``, ``elements``
        and ``stream`` unless given here) or a JSON object, for which ``topic`` is
        required (``elements`` default none, ``stream`` default ``items:<party>``).

        Releasable To: the partners in :attr:`routes` and the hubs of their routes.
        Denials are audited and returned (status ``denied``), not raised; so is a
        partner that cannot be released to at all (e.g. no public keys in the directory:
        status ``denied``, rule ``directory``), so one partner never stops the others.
        The item, every partner's decision, the outbox rows and their audit records are
        written in one transaction (all or none), committed before any send is tried.

        Parameters:
            classification: this party's marking (default :attr:`warning_classification`).
            derived_from: ids of held items the payload derives from (derivative
                classification; :meth:`gsomia.node.origin.Originator.admit`).
            send: try to send at once (in this thread); False: only queue (then call
                :meth:`flush` or :meth:`flush_soon`).
            item_id: the new item's id (default a new ``<party>-<16 hex>``); another must
                be ``<party>-...`` and not held here (as :meth:`create_item`).

        Returns:
            One :class:`Release` per partner, in partner order.

        Raises:
            InputError: the payload is malformed (its ``validate()``), a JSON object
                comes without ``topic``, or ``item_id`` is another party's or held already.
            StoreError: the database refused a write: nothing of the item is kept.
        """
        if isinstance(payload, Mapping):
            if topic is None:
                raise InputError("topic", None, "required to publish a JSON object payload")
            data = dict(payload)
        else:
            payload.validate()
            data = payload.to_dict()
            topic = payload.topic if topic is None else topic
            elements = payload.elements if elements is None else elements
            stream = payload.stream if stream is None else stream
        classification = classification or self.warning_classification
        derived = self._origin.admit(data, classification=classification,
                                     releasable_to=self._origin.audience(self._routes),
                                     item_id=item_id, derived_from=derived_from)
        with self._ctx.ledger.transaction():
            out = self._origin.publish(
                data, self._routes, classification=classification, topic=topic,
                elements=tuple(elements or ()), stream=stream, derived=derived,
                item_id=item_id)
        if send:
            self.flush()
        return out

    def publish_warning(self, warning: MissileWarning, *, classification: str | None = None,
                        send: bool = True) -> list[Release]:
        """Publish a missile warning (:meth:`publish`): SECRET-level marking by default,
        topic :data:`~gsomia.node.WARNING_TOPIC`, the elements present, stream
        ``warning:<track_id>`` (order kept per track).

        Raises:
            InputError: the warning is malformed (:meth:`MissileWarning.validate`).
            StoreError: the database refused a write: nothing of the warning is kept.
        """
        return self.publish(warning, classification=classification, send=send)

    def release(self, item_id: str, to: str, route: Route | str = Route.DIRECT, *,
                stream: str | None = None, send: bool = True) -> Release:
        """Decide, sign (own item) or keep the originator's signature (held item), seal for
        the next hop, persist in the outbox, then try to send.

        Own items go out under the full decision of ``route``; on the TISA route the
        originator's approval for ``to`` may still be missing (TISA para 4): the envelope
        then goes to the hub, which holds it (status ``awaiting_approval``). An item
        received from another party is released only as its holder, with the originator's
        consent (Art. 6), and never back to its originator (rule ``to_originator``); an
        item its originator recalled or destroyed is released no more (rule ``removed``).
        One copy per item at a holder: while a release of the item to ``to`` is pending or
        acked, that release is returned with status ``already_released`` (nothing queued);
        a receiver likewise keeps the first copy of an item (a second: ``duplicate``).

        Raises:
            ReleaseDenied: the decision denies it (audited); the exception's ``release``
                attribute holds the :class:`Release`.
            InputError: unknown item, party or route.
        """
        rel = self._origin.release(item_id, to, route, stream)
        if send:
            self.flush()
        return rel

    def approve(self, item_id: str, to: str, route: Route | str = Route.TISA_HUB, *,
                send: bool = True, holder: str | None = None) -> Consent:
        """Give this party's prior written approval (Art. 6; TISA para 4) for ``to`` to
        receive its item ``item_id``, signed, and send it to the route's hub (and to
        ``holder``, a party that holds the item and may then pass it on to ``to``).

        Raises:
            InputError: the item is not one of this party's, or ``route`` is no route.
        """
        consent = self._origin.approve(item_id, to, route, holder)
        if send:
            self.flush()
        return consent

    # sending -----------------------------------------------------------------------------
    def flush(self) -> int:
        """Try to send every due outbox entry, in order per peer; return the number acked
        or rejected. A LinkError stops that peer's queue (order kept) and schedules a retry
        on the clock with backoff."""
        return self._outbox.flush()

    def flush_soon(self) -> None:
        """Have the outbox flushed by this node's background sender thread (started on
        first use) and return at once: a request that queues envelopes never waits for a
        slow or silent peer."""
        self._outbox.flush_soon()

    # receiving ---------------------------------------------------------------------------
    def receive(
        self, wire: Any, arrived_s: float | None = None, *, peer: str | None = None,
        deliver_now: bool = False,
    ) -> Receipt:
        """Check and store one envelope; the answer to the sender.

        Steps (each audited): read → sender known → hop sender is the authenticated peer
        (``peer``, when the transport authenticates one: the party of the mutual-TLS
        client certificate, or the sending node of an in-process link; check ``sender``) →
        open (recipient, decrypt, header, hop signature by ``iss``, age, originator's
        signature) → exactly-once (same envelope id: ``duplicate``; same signed message
        under another id, or a sequence number not after the stream's last: rejected as a
        replay) → the originator's control (:mod:`gsomia.node.guard`: the item id is
        ``<ORIGINATOR>-...``; a hub holds, and a recipient takes from a hub, only what the
        originator's signed release names; anyone else's relay is direct; a derived
        item's sources permit this party) → release check of the hop (Art. 6: a
        third-party hop needs the originator's signed consent or the automated hub's
        standing approval) → mark (Art. 4(2)) → store. The route in the header may be in
        any spelling :meth:`Route.parse` takes; it is stored canonical. The inbox rows and
        the ``receive.accepted`` audit record commit in one transaction. The item is
        handed to subscribers (or, at a hub, forwarded) at ``arrived_s`` on the clock (now
        if None). A control message (an originator's notice, a holder's ack, an Art. 17
        report: :data:`gsomia.node.actions.CONTROL_KINDS`) goes, once its envelope id is
        new, to :meth:`gsomia.node.actions.Actions.accept` (relayed by a hub; a notice
        checked against the item's originator).

        Parameters:
            wire: the envelope's wire form (a JSON object).
            arrived_s: arrival time [s since the clock epoch] (modelled link delay).
            peer: the party the transport authenticated as the hop sender, or None when
                the transport authenticates nobody.
            deliver_now: on a real-time clock, process the arrivals already due in the
                calling thread once the envelope is committed and the node's lock
                released (before returning the receipt), instead of the inbox's arrival
                thread (:mod:`gsomia.node.inbox` notes): one thread hand-off less on the
                way to the subscribers (the HTTP inbox's request thread). The receipt is
                the same; a failure of that processing is logged, never raised (the
                envelope is stored: the arrival stays queued or ``arrived``).

        Returns:
            A :class:`Receipt`; bad input is never raised but answered ``rejected``.

        Raises:
            StoreError: this node's database refused the write; nothing of the envelope
                is kept, so it must not be acknowledged (links turn this into a
                :class:`~gsomia.errors.LinkError` for the sender, which retries).
        """
        return self._inbox.receive(wire, arrived_s, peer=peer, deliver_now=deliver_now)

    def receive_batch(
        self, wires: Sequence[Any], arrived_s: float | None = None, *, peer: str | None = None,
        deliver_now: bool = False,
    ) -> list[Receipt]:
        """Check and store several envelopes in one store transaction; one receipt per
        envelope, in order (a link's batch: :meth:`gsomia.node.HttpsLink.send_batch`).

        Each envelope goes through every step of :meth:`receive` (``peer`` bound to each
        one's hop sender), after the envelopes before it, so the receipts and audit
        records are those of :meth:`receive` called on each in turn: a rejected envelope
        is undone alone (a savepoint) and audited, and does not affect the others.
        ``deliver_now``: as :meth:`receive`'s.

        Raises:
            StoreError: the database refused a write or the commit; nothing of the batch
                is kept and none of it may be acknowledged (the sender retries it whole).
        """
        return self._inbox.receive_batch(wires, arrived_s, peer=peer,
                                         deliver_now=deliver_now)

    # reading -----------------------------------------------------------------------------
    def items(self) -> list[ReceivedItem]:
        """Items delivered to this party (final recipient), in arrival order."""
        return self._inbox.items()

    def held(self) -> list[InboxRow]:
        """Hub: items held awaiting the originator's approval."""
        return self._hub.held()

    def outbox_counts(self) -> dict[str, int]:
        """Outbox entries by status (``pending``, ``acked``, ``rejected``)."""
        return self._outbox.counts()

    def health(self) -> dict[str, Any]:
        """Store, audit log, links and counts, as they are now (:mod:`gsomia.node.health`;
        the fields of ``gsomia.web.models.HealthView``). Never raises StoreError: a store
        that cannot be reached is reported ``status`` ``down``."""

        def counted() -> dict[str, Any]:
            kinds = [i.kind for i in self.items()]
            return {"items": len(kinds), "warnings": kinds.count(WARNING_KIND),
                    "plots": kinds.count(PLOT_KIND), **self.witness.health()}

        return node_health(self.party, self._ctx.ledger, self._outbox.link_states,
                           self._outbox.links, counted)

    # custody and originator control --------------------------------------------------------
    def custody(self, item_id: str) -> dict[str, Any]:
        """Who this node released ``item_id`` to and holds it from
        (:meth:`gsomia.node.custody.Custody.view`). Raises InputError: unknown item."""
        return self._custody.view(item_id)

    def act(self, item_id: str, action: str, new_classification: str | None = None, *,
            send: bool = True) -> dict[str, Any]:
        """Issue an originator action (``reclassify``, ``downgrade``, ``declassify``,
        ``recall``, ``destroy``; Art. 6(d)–(h)) to every holder; return the notice's
        status (:meth:`gsomia.node.actions.Actions.issue`, which lists the errors)."""
        notice = self._actions.issue(item_id, action, new_classification)
        if send:
            self.flush()
        return notice

    def actions(self, item_id: str) -> list[dict[str, Any]]:
        """The notices on ``item_id`` with each holder's acknowledgement
        (:meth:`gsomia.node.actions.Actions.status`)."""
        return self._actions.status(item_id)

    def report_compromise(self, item_id: str, what: str, *, possible: bool = False,
                          discovered_at: Any = None, send: bool = True) -> dict[str, Any]:
        """Report a loss or compromise of a held item to its originator at once (Art. 17;
        :meth:`gsomia.node.compromise.Compromises.report`); return the case."""
        case = self._cases.report(item_id, what, possible=possible,
                                  discovered_at=discovered_at)
        if send:
            self.flush()
        return case

    def investigate(self, case_id: str, findings: str, preventive_measures: str, *,
                    send: bool = True) -> dict[str, Any]:
        """Record and report a case's investigation results (Art. 17; the holder only)."""
        case = self._cases.investigate(case_id, findings, preventive_measures)
        if send:
            self.flush()
        return case

    def close_case(self, case_id: str, summary: str = "closed", *,
                   send: bool = True) -> dict[str, Any]:
        """Close an investigated case and report it (Art. 17; the holder only)."""
        case = self._cases.close(case_id, summary)
        if send:
            self.flush()
        return case

    def cases(self, case_id: str | None = None) -> list[dict[str, Any]]:
        """Loss or compromise cases at this node, both sides (Art. 17)."""
        return self._cases.cases(case_id)

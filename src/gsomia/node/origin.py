"""A node's originating side: create an item, decide, sign, queue; approve a hub's release.

Nothing here sends: every method persists its envelopes in the
:class:`~gsomia.node.outbox.Outbox` (with their audit records, in one transaction) and the
:class:`~gsomia.node.Node` flushes afterwards.

The originator keeps control (Art. 6; :mod:`gsomia.node.guard`): a new item's id is
``<PARTY>-<...>`` and no item this node holds already; a payload that carries a received
item's content is refused unless created as a derived item naming its sources (derivative
classification); every copy signed names its release (final recipient, route, hub); a
received item goes on only directly, with the originator's signed consent for that
recipient, which is sent ahead of it; a derived item only directly, with each source
originator's signed consent. Each refusal is audited ``release.denied`` (``step``
``create`` for an item refused at creation) and raised.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from gsomia.errors import InputError, ReleaseDenied
from gsomia.node.context import NodeContext
from gsomia.node.exercise import exercise_mark, exercise_refusal
from gsomia.node.guard import Fingerprints, authorisation, derive, owns_id, restrictions
from gsomia.node.items import Release
from gsomia.node.outbox import Outbox
from gsomia.node.store import CustodyRow
from gsomia.node.witness import item_digest
from gsomia.sharing.catalog import Catalog
from gsomia.sharing.consent import Consent
from gsomia.sharing.decision import Decision, Reason, ReleaseRequest, decide
from gsomia.sharing.envelope import Directory, Signed, label_from_dict, label_to_dict, sign
from gsomia.sharing.events import REMOVING
from gsomia.sharing.label import DerivedSource, Label
from gsomia.sharing.markings import party_code
from gsomia.sharing.routes import Route

__all__ = ["Originator", "parse_routes", "top_shared_marking"]


def parse_routes(routes: Mapping[str, Route | str], party: str,
                 directory: Directory) -> dict[str, Route]:
    """Per-partner routes as :class:`~gsomia.sharing.Route` (any spelling
    :meth:`Route.parse` takes).

    Raises:
        InputError: ``routes.<partner>``: no route, the node's own party, or a partner
            without public keys in ``directory``.
    """
    out = {}
    for partner, route in routes.items():
        out[partner] = Route.parse(route, f"routes.{partner}")
        if partner == party:
            raise InputError(f"routes.{partner}", partner, "a node's own party is no partner")
        if partner not in directory:
            raise InputError(f"routes.{partner}", partner,
                             f"no public keys of {partner} in the directory")
    return out


def top_shared_marking(catalog: Catalog, party: str) -> str:
    """This party's first SECRET-level marking in the catalog (the usual level of warning).

    Raises:
        InputError: the catalog has none.
    """
    for agreement in catalog.agreements.values():
        for row in agreement.equivalence:
            if row.level == "SECRET" and row.markings.get(party):
                return row.markings[party][0]
    raise InputError("party", party, "no SECRET-level marking in the catalog")


class Originator:
    """The originating side of one node.

    Parameters:
        ctx: the node's shared state; outbox: where released envelopes are queued.
    """

    def __init__(self, ctx: NodeContext, outbox: Outbox) -> None:
        self.ctx = ctx
        self.outbox = outbox
        self.prints = Fingerprints()

    def admit(self, payload: Mapping[str, Any], *, classification: str,
              releasable_to: Iterable[str], item_id: str | None = None,
              derived_from: Iterable[str] = ()) -> tuple[DerivedSource, ...]:
        """Check a new item before it is stored (module docstring); return its derivation.

        Raises:
            InputError: ``item_id`` not ``<PARTY>-...`` or held already, a payload carrying
                a received item not named in ``derived_from`` (re-origination), or a
                derivation that does not hold (:func:`gsomia.node.guard.derive`); audited
                ``release.denied`` (step ``create``).
        """
        ctx = self.ctx
        store = ctx.ledger.store
        derived_from = list(derived_from)
        rule = "item_id"
        try:
            if item_id is not None and not owns_id(ctx.party, item_id):
                raise InputError("item_id", item_id,
                                 f"an item id of {ctx.party} is '{ctx.party}-...': ids are "
                                 "bound to their originator")
            if item_id is not None and (store.local_item(item_id) is not None
                                        or store.inbox(kind="item", item_id=item_id)):
                raise InputError("item_id", item_id, "an item of this id is held already")
            rule = "derivation"
            sources = derive(store, ctx.catalog, ctx.party, derived_from,
                             classification, frozenset(releasable_to))
            rule = "re_origination"
            with ctx.ledger.lock:  # the index is shared by the node's threads
                self.prints.refresh(store)
                carried = self.prints.carried(payload)
            named = set(derived_from) | {s.item_id for s in sources}
            unnamed = [i for i in carried if i not in named]
            if unnamed:
                raise InputError("payload", unnamed[0],
                                 f"carries received item {unnamed[0]} of another originator: "
                                 "not new information of this party (create it with "
                                 "derived_from to keep its originator's restrictions)")
        except InputError as exc:
            _, at = ctx.now()
            with ctx.ledger.transaction():
                ctx.ledger.record([("release.denied", {
                    "step": "create", "item_id": item_id, "permit": False,
                    "denied_by": [rule], "reason": str(exc)})], at)
            raise
        return sources

    def create_item(
        self,
        payload: Mapping[str, Any],
        *,
        classification: str | None = None,
        releasable_to: Iterable[str] | None = None,
        topic: str,
        elements: Iterable[str] = (),
        purpose: str | None = None,
        item_id: str | None = None,
        derived_from: Iterable[str] | None = None,
        derived: tuple[DerivedSource, ...] | None = None,
    ) -> Label:
        """Store a new item originated by this party (audited ``item.created``); return its
        label (holder: this party).

        ``derived_from``: ids of items held here whose content it derives from (derivative
        classification, :meth:`admit`); then ``classification`` defaults to the sources'
        most restrictive marking as received (in this party's scheme, Art. 4(2)) and
        ``releasable_to`` to the intersection of theirs; both are required otherwise.
        ``derived``: a derivation :meth:`admit` has already checked (no check made here).

        Raises:
            InputError: an unknown marking of this party, a malformed or missing label
                field, or an item :meth:`admit` refuses (audited).
        """
        ctx = self.ctx
        derived_from = list(derived_from or ())
        if classification is None or releasable_to is None:
            floor, allowed = restrictions(ctx.ledger.store, ctx.catalog, ctx.party,
                                          derived_from)
            classification = classification or floor
            releasable_to = allowed if releasable_to is None else releasable_to
            for name, value in (("classification", classification),
                                ("releasable_to", releasable_to)):
                if value is None:
                    raise InputError(name, None, "required (or derived_from, whose "
                                                 "sources' restrictions then apply)")
        assert classification is not None and releasable_to is not None
        ctx.catalog.scheme(ctx.party).get(classification)
        releasable_to = frozenset(releasable_to)
        if derived is None:
            derived = self.admit(payload, classification=classification,
                                 releasable_to=releasable_to, item_id=item_id,
                                 derived_from=derived_from)
        t, at = ctx.now()
        label = Label(
            item_id=item_id or f"{ctx.party}-{uuid.uuid4().hex[:16]}",
            originator=ctx.party,
            classification=classification,
            releasable_to=frozenset(releasable_to),
            topic=topic,
            holder=ctx.party,
            created=at,
            elements=tuple(elements),
            purpose=purpose,
            privacy_mark=(None if ctx.exercise is None
                          else exercise_mark(ctx.exercise.exercise_id)),
            derived_from=derived,
        )
        with ctx.ledger.transaction():
            ctx.ledger.store.add_local_item(label.item_id, label_to_dict(label), dict(payload), t)
            ctx.ledger.record([("item.created", {
                "item_id": label.item_id, "classification": classification,
                "releasable_to": sorted(label.releasable_to),
                **({"derived_from": [d.to_dict() for d in derived]} if derived else {}),
                # witnessing hook: the stored item's hash, a leaf of the log (checked on read)
                "sha256": item_digest(label_to_dict(label), dict(payload))})], at)
        return label

    def audience(self, routes: Mapping[str, Route]) -> set[str]:
        """What :meth:`publish` makes an item releasable to: the partners and the hubs of
        their routes."""
        hubs = {self.ctx.hub_of(r) for r in routes.values()} - {None, self.ctx.party}
        return set(routes) | hubs  # type: ignore[arg-type]

    def publish(self, payload: dict[str, Any], routes: Mapping[str, Route], *,
                classification: str, topic: str, elements: tuple[str, ...],
                stream: str | None, derived: tuple[DerivedSource, ...] | None = None,
                item_id: str | None = None) -> list[Release]:
        """Create one item and release it to every partner in ``routes`` by its route
        (call inside the ledger's transaction: the item, every decision, the outbox rows
        and their audit records commit together).

        Releasable To: the partners and the hubs of their routes. A denial, or a partner
        that cannot be released to at all (no public keys: rule ``directory``), is audited
        and returned with status ``denied``; one partner never stops the others.
        ``derived``: the derivation :meth:`admit` checked (call it before the transaction,
        so that a refusal's audit record is kept); None: checked here. ``item_id``: the
        new item's id (default a new one; :meth:`create_item`).
        """
        partners = sorted(routes)
        label = self.create_item(payload, classification=classification,
                                 releasable_to=self.audience(routes), topic=topic,
                                 elements=elements, item_id=item_id, derived=derived)
        out = []
        for partner in partners:
            try:
                # the item just stored, as stored (no need to read it back per partner)
                out.append(self.release(label.item_id, partner, routes[partner], stream,
                                        (label, payload)))
            except ReleaseDenied as exc:
                out.append(exc.release)
            except InputError as exc:
                out.append(self._unreachable(label.item_id, partner, routes[partner], exc))
        return out

    def _unreachable(self, item_id: str, partner: str, route: Route,
                     exc: InputError) -> Release:
        """Audit and return the denial of a partner that cannot be released to at all."""
        _, at = self.ctx.now()
        rule = Reason("directory", "node directory of public keys", False, str(exc))
        self.ctx.ledger.record([("release.denied", {
            "item_id": item_id, "to": partner, "route": route, "permit": False,
            "denied_by": ["directory"], "reason": str(exc)})], at)
        return Release(item_id, partner, route, partner, None, "denied",
                       Decision(False, (rule,), (), None, (), {"to": partner}))

    def release(
        self, item_id: str, to: str, route: Route | str, stream: str | None,
        local: tuple[Label, Mapping[str, Any]] | None = None,
    ) -> Release:
        """Decide, sign (own item) or keep the originator's signature (held item), seal for
        the next hop and persist in the outbox (:meth:`gsomia.node.Node.release`).
        ``local``: the own item's label and payload when the caller has just stored them
        (else they are read from the store).

        An own item is signed with its release authorisation (``to``, ``route``, hub). A
        received item goes on only directly, with a signed consent of its originator for
        ``to``; a derived item only directly, with a signed consent of each source's
        originator other than ``to`` (Art. 6). The covering signed consents are queued to
        ``to`` ahead of the item, on its stream.

        Refused whatever the route: :meth:`_standing`; one copy per item: :meth:`_prior`.

        Raises:
            ReleaseDenied: denied (audited); its ``release`` holds the :class:`Release`.
            InputError: unknown item, party or route.
        """
        ctx = self.ctx
        route = Route.parse(route)
        with ctx.ledger.lock:
            t, at = ctx.now()
            try:  # a release of what is not held here is a refusal too: audited
                if to not in ctx.directory:
                    raise InputError("to", to, f"no public keys of {to} in the directory")
                label, payload, signed, msg_id = self._item(item_id, local)
            except InputError as exc:
                if local is not None:  # publish audits its unreachable partners itself
                    raise
                with ctx.ledger.transaction():
                    ctx.ledger.record([("release.denied", {
                        "item_id": item_id, "to": to, "route": route, "permit": False,
                        "denied_by": [exc.field], "reason": str(exc)})], at)
                raise
            hub = ctx.hub_of(route)
            via_hub = route.is_hub and hub != ctx.party
            decision = decide(ReleaseRequest(label, to, at, route), ctx.catalog,
                              ctx.consents.signed)
            ahead, extra = self._onward(label, to, route, at)
            if extra := extra + self._standing(label, to):
                decision = dataclasses.replace(
                    decision, permit=False, reasons=decision.reasons + extra)
            failed = tuple(r.rule for r in decision.failed)
            awaiting = (not decision.permit and route is Route.TISA_HUB and via_hub
                        and label.originator == ctx.party
                        and set(failed) == {"third_party_consent"})
            next_hop = hub if via_hub and hub else to
            summary = {
                "item_id": item_id, "to": to, "route": route, "next_hop": next_hop,
                "permit": decision.permit, "denied_by": list(failed),
                "marking": None if decision.marking is None else decision.marking.text,
                "agreements": list(decision.agreements),
                "data": decision.data,
            }
            if not decision.permit and not awaiting:
                ctx.ledger.record([("release.denied", summary)], at)
                raise ReleaseDenied(
                    item_id, to, failed, "; ".join(r.detail for r in decision.failed),
                    release=Release(item_id, to, route, next_hop, None, "denied", decision))
            if (prior := self._prior(item_id, to, summary, decision, at)) is not None:
                return prior  # one copy per item at a holder: the release made already
            if signed is None:
                signed = sign(ctx.keys, "item", payload, at, label,
                              release=authorisation(to, route, hub if route.is_hub else None))
            stream = stream or f"items:{label.originator}"
            with ctx.ledger.transaction():
                for jws, consent_msg in ahead:
                    self.outbox.enqueue(jws, peer=to, final=to, route=route, stream=stream,
                                        kind="consent", item_id=item_id, now=(t, at),
                                        audit=[], msg_id=consent_msg)
                eid = self.outbox.enqueue(
                    signed, peer=next_hop, final=to, route=route, stream=stream, kind="item",
                    item_id=item_id, now=(t, at), msg_id=msg_id,
                    audit=[("release.permitted" if decision.permit
                            else "release.awaiting_approval", summary)])
        status = "queued" if decision.permit else "awaiting_approval"
        return Release(item_id, to, route, next_hop, eid, status, decision)

    def _standing(self, label: Label, to: str) -> tuple[Reason, ...]:
        """The reasons that deny any release of the item to ``to`` whatever the route: a
        received item is never released back to its Originating Party (which holds it as
        originator, not as a Receiving Party; Art. 6, Art. 17), and an item its originator
        recalled or ordered destroyed is released no more (Art. 6(d)-(h): the notice
        stands); exercise traffic only by its own exercise's node, while that exercise is
        active, and real items never by an exercise node (rule ``exercise``:
        :func:`gsomia.node.exercise.exercise_refusal`)."""
        reasons = []
        if (why := exercise_refusal(self.ctx.exercise, label, self.ctx.party)) is not None:
            reasons.append(Reason("exercise", "exercise plan", False, why))
        if label.originator != self.ctx.party and to == label.originator:
            reasons.append(Reason(
                "to_originator", "Art. 6", False,
                f"{label.item_id} is an item of {to}: a holder does not release it back to "
                "its Originating Party"))
        for notice in self.ctx.ledger.store.notices(item_id=label.item_id):
            if notice["action"] in REMOVING and notice["originator"] == label.originator:
                reasons.append(Reason(
                    "removed", "Art. 6(d)-(h)", False,
                    f"{label.item_id} was ordered to {notice['action']} by "
                    f"{notice['originator']} (notice {notice['notice_id']}, seq "
                    f"{notice['seq']}): released no more"))
                break
        return tuple(reasons)

    def _prior(self, item_id: str, to: str, summary: dict[str, Any], decision: Decision,
               at: Any) -> Release | None:
        """One copy per item at a holder: while the custody ledger shows a release of the
        item by this node to ``to`` (outbox ``pending`` or ``acked``), nothing more is
        queued and that release is returned with status ``already_released`` (its
        envelope id; audited ``release.already_released``); else None."""
        rows = [r for r in self.ctx.ledger.store.custody(item_id)
                if r.direction == "released" and r.final == to
                and r.status in ("pending", "acked")]
        if not rows:
            return None
        prior: CustodyRow = rows[0]
        self.ctx.ledger.record([("release.already_released", {
            **summary, "envelope_id": prior.envelope_id, "status": prior.status})], at)
        return Release(item_id, to, prior.route, prior.next_hop, prior.envelope_id,
                       "already_released", decision)

    def _onward(self, label: Label, to: str, route: Route, at: Any
                ) -> tuple[list[tuple[str, str | None]], tuple[Reason, ...]]:
        """The signed consents to send ahead of a received or derived item, and the reasons
        that deny it (empty when none): a holder's onward release is direct only and needs
        its originator's signed consent; a derived item is direct only and needs each
        source originator's signed consent (Art. 6; derivative classification)."""
        party, ahead, reasons = self.ctx.party, [], []
        foreign = [s for s in label.derived_from if s.originator != party]
        if foreign and route is not Route.DIRECT:
            reasons.append(Reason("derived_route", "Art. 6", False,
                                  f"derives from items of {foreign[0].originator}: released "
                                  f"directly only, not by {route}"))
        if label.originator != party:
            if route is not Route.DIRECT:
                reasons.append(Reason("holder_route", "Art. 6; agreements.md §4", False,
                                      f"a holder passes {label.originator}'s item on directly "
                                      f"only, not by {route}: a hub's standing approval is "
                                      "the originator's, for what it puts on the hub"))
            if to != label.originator:
                ahead += self.ctx.consents.covering(label, to, at)
        for source in (s for s in foreign if s.originator != to):
            covering = self.ctx.consents.covering(source.label(party), to, at)
            if to not in source.releasable_to or not covering:
                reasons.append(Reason(
                    "derived_consent", "Art. 6", False,
                    f"derives from {source.item_id} of {source.originator}: "
                    + (f"not releasable to {to}" if to not in source.releasable_to
                       else f"no signed consent of {source.originator} for {to}")))
            ahead += covering
        return list(dict.fromkeys(ahead)), tuple(reasons)

    def _item(self, item_id: str, local: tuple[Label, Mapping[str, Any]] | None
              ) -> tuple[Label, Mapping[str, Any], Signed | str | None, str | None]:
        """``(label, payload, signed, msg_id)`` of an item this node holds: its own (signed
        and msg_id None: to be signed) or one delivered to it (the originator's JWS and its
        message id, kept as received).

        Raises:
            InputError: no such item at this node.
        """
        signed: Signed | str | None = None
        msg_id: str | None = None
        if local is not None:
            return dataclasses.replace(local[0], holder=self.ctx.party), local[1], None, None
        store = self.ctx.ledger.store
        stored = store.local_item(item_id)
        witness = self.ctx.ledger.witness  # witnessing hook: stored items checked on read
        if stored is not None:
            label_dict, payload = stored
            if witness is not None and not witness.check_local(item_id, label_dict, payload):
                raise InputError("item_id", item_id, "stored item altered (store.tampered)")
        else:
            row = next((r for r in store.inbox(kind="item", item_id=item_id)
                        if r.final == self.ctx.party  # a recalled copy is gone (Art. 6)
                        and r.status not in ("recalled", "destroyed")), None)
            if row is None:
                raise InputError("item_id", item_id, "no such item at this node")
            if witness is not None and not witness.check_received(row):
                raise InputError("item_id", item_id, "stored item altered (store.tampered)")
            label_dict, payload = row.label or {}, row.payload
            signed, msg_id = row.jws, row.msg_id
        label = dataclasses.replace(label_from_dict(label_dict), holder=self.ctx.party)
        return label, payload, signed, msg_id

    def approve(self, item_id: str, to: str, route: Route | str,
                holder: str | None = None) -> Consent:
        """Give this party's signed written approval (Art. 6; TISA para 4) for ``to`` to
        receive its item ``item_id``; record it and queue it to the route's hub, and to
        ``holder`` (a party that received the item and is to pass it on to ``to``); on the
        direct route also to every party this node released the item to (the holders that
        may pass it on).

        Raises:
            InputError: the item is not one of this party's, ``route`` is no route, or
                ``holder`` has no public keys in the directory.
        """
        ctx = self.ctx
        route = Route.parse(route)
        holder = None if holder is None else party_code("holder", holder)
        if holder is not None and (holder not in ctx.directory or holder == ctx.party):
            raise InputError("holder", holder, "not a partner in the directory")
        with ctx.ledger.lock:
            if ctx.ledger.store.local_item(item_id) is None:
                raise InputError("item_id", item_id, f"not an item originated by {ctx.party}")
            t, at = ctx.now()
            consent_id, n = f"{item_id}>{to}", 1
            while ctx.consents.known(consent_id) is not None:
                n += 1
                consent_id = f"{item_id}>{to}#{n}"
            consent = Consent(
                consent_id=consent_id, originator=ctx.party, to=to, granted_at=at,
                item_id=item_id, written=True,
            )
            signed = sign(ctx.keys, "consent", consent.to_dict(), at)
            hub = ctx.hub_of(route)
            holders = [] if route.is_hub else [
                r.final for r in ctx.ledger.store.outbox()
                if r.kind == "item" and r.item_id == item_id and r.final != to]
            peers = [p for p in dict.fromkeys([hub, holder, *holders]) if p and p != ctx.party]
            entries = [("consent.granted", {**consent.to_dict(), "sent_to": peers})]
            with ctx.ledger.transaction():
                ctx.ledger.store.add_consent(consent.consent_id, consent.to_dict(), signed.jws)
                for peer in peers:
                    self.outbox.enqueue(signed, peer=peer, final=peer, route=Route.DIRECT,
                                        stream=f"items:{ctx.party}", kind="consent",
                                        item_id=item_id, now=(t, at), audit=entries)
                    entries = []
                ctx.ledger.record(entries, at)
            ctx.consents.add(consent, signed.jws, signed.msg_id)
        return consent

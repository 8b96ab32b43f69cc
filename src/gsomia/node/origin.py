"""A node's originating side: create an item, decide, sign, queue; approve a hub's release.

Nothing here sends: every method persists its envelopes in the
:class:`~gsomia.node.outbox.Outbox` (with their audit records, in one transaction) and the
:class:`~gsomia.node.Node` flushes afterwards.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from gsomia.errors import InputError, ReleaseDenied
from gsomia.node.context import NodeContext
from gsomia.node.items import Release
from gsomia.node.outbox import Outbox
from gsomia.node.witness import item_digest
from gsomia.sharing.catalog import Catalog
from gsomia.sharing.consent import Consent
from gsomia.sharing.decision import Decision, Reason, ReleaseRequest, decide
from gsomia.sharing.envelope import Directory, Signed, label_from_dict, label_to_dict, sign
from gsomia.sharing.label import Label
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
        """Store a new item originated by this party (audited ``item.created``); return its
        label (holder: this party).

        Raises:
            InputError: an unknown marking of this party, or a malformed label field.
        """
        ctx = self.ctx
        ctx.catalog.scheme(ctx.party).get(classification)
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
        )
        with ctx.ledger.transaction():
            ctx.ledger.store.add_local_item(label.item_id, label_to_dict(label), dict(payload), t)
            ctx.ledger.record([("item.created", {
                "item_id": label.item_id, "classification": classification,
                "releasable_to": sorted(label.releasable_to),
                # witnessing hook: the stored item's hash, a leaf of the log (checked on read)
                "sha256": item_digest(label_to_dict(label), dict(payload))})], at)
        return label

    def publish(self, payload: dict[str, Any], routes: Mapping[str, Route], *,
                classification: str, topic: str, elements: tuple[str, ...],
                stream: str | None) -> list[Release]:
        """Create one item and release it to every partner in ``routes`` by its route
        (call inside the ledger's transaction: the item, every decision, the outbox rows
        and their audit records commit together).

        Releasable To: the partners and the hubs of their routes. A denial, or a partner
        that cannot be released to at all (no public keys: rule ``directory``), is audited
        and returned with status ``denied``; one partner never stops the others.
        """
        partners = sorted(routes)
        hubs = {self.ctx.hub_of(r) for r in routes.values()} - {None, self.ctx.party}
        label = self.create_item(payload, classification=classification,
                                 releasable_to=set(partners) | hubs,  # type: ignore[arg-type]
                                 topic=topic, elements=elements)
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

        Raises:
            ReleaseDenied: denied (audited); its ``release`` holds the :class:`Release`.
            InputError: unknown item, party or route.
        """
        ctx = self.ctx
        route = Route.parse(route)
        if to not in ctx.directory:
            raise InputError("to", to, f"no public keys of {to} in the directory")
        with ctx.ledger.lock:
            t, at = ctx.now()
            label, payload, signed, msg_id = self._item(item_id, local)
            hub = ctx.hub_of(route)
            via_hub = route.is_hub and hub != ctx.party
            decision = decide(ReleaseRequest(label, to, at, route), ctx.catalog,
                              ctx.consents.book)
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
            }
            if not decision.permit and not awaiting:
                ctx.ledger.record([("release.denied", summary)], at)
                raise ReleaseDenied(
                    item_id, to, failed, "; ".join(r.detail for r in decision.failed),
                    release=Release(item_id, to, route, next_hop, None, "denied", decision))
            if signed is None:
                signed = sign(ctx.keys, "item", payload, at, label)
            eid = self.outbox.enqueue(
                signed, peer=next_hop, final=to, route=route,
                stream=stream or f"items:{label.originator}", kind="item", item_id=item_id,
                now=(t, at), msg_id=msg_id,
                audit=[("release.permitted" if decision.permit
                        else "release.awaiting_approval", summary)])
        status = "queued" if decision.permit else "awaiting_approval"
        return Release(item_id, to, route, next_hop, eid, status, decision)

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
                        if r.final == self.ctx.party), None)
            if row is None:
                raise InputError("item_id", item_id, "no such item at this node")
            if witness is not None and not witness.check_received(row):
                raise InputError("item_id", item_id, "stored item altered (store.tampered)")
            label_dict, payload = row.label or {}, row.payload
            signed, msg_id = row.jws, row.msg_id
        label = dataclasses.replace(label_from_dict(label_dict), holder=self.ctx.party)
        return label, payload, signed, msg_id

    def approve(self, item_id: str, to: str, route: Route | str) -> Consent:
        """Give this party's signed written approval (Art. 6; TISA para 4) for ``to`` to
        receive its item ``item_id``; record it and queue it to the route's hub.

        Raises:
            InputError: the item is not one of this party's, or ``route`` is no route.
        """
        ctx = self.ctx
        route = Route.parse(route)
        with ctx.ledger.lock:
            if ctx.ledger.store.local_item(item_id) is None:
                raise InputError("item_id", item_id, f"not an item originated by {ctx.party}")
            t, at = ctx.now()
            consent = Consent(
                consent_id=f"{item_id}>{to}", originator=ctx.party, to=to, granted_at=at,
                item_id=item_id, written=True,
            )
            signed = sign(ctx.keys, "consent", consent.to_dict(), at)
            hub = ctx.hub_of(route)
            entries = [("consent.granted", consent.to_dict())]
            with ctx.ledger.transaction():
                ctx.ledger.store.add_consent(consent.consent_id, consent.to_dict(), signed.jws)
                if hub and hub != ctx.party:
                    self.outbox.enqueue(signed, peer=hub, final=hub, route=Route.DIRECT,
                                        stream=f"items:{ctx.party}", kind="consent",
                                        item_id=item_id, now=(t, at), audit=entries)
                else:
                    ctx.ledger.record(entries, at)
            ctx.consents.add(consent, signed.jws, signed.msg_id)
        return consent

"""Originator actions as signed messages (Art. 6(d)–(h)): notices to every holder, applied
exactly once, acknowledged; and the receiving of every control message.

Originating side (:meth:`Actions.issue`): only for an item this party originated (a holder
asking is refused, Art. 6: only the Originating Party changes or removes a
classification). The notice ``{"notice_id", "item_id", "originator", "action",
"new_classification", "seq", "issued_at"}`` is signed by the originator (kind ``notice``)
and queued, in one transaction with its audit records, to every holder the custody ledger
knows (:meth:`gsomia.node.custody.Custody.holders`), by the route and hop and on the stream
of the item's release, so it follows the item on every hop (hubs included). Each holder is
``pending`` until its signed acknowledgement (kind ``ack``) arrives
(:meth:`Actions.status`); an acknowledgement counts only from a party the notice went to,
that the custody ledger knows as a holder of the item, or that this party's signed
consent lets a holder pass the item on to — any other is refused (check ``custody``) and
audited ``receive.rejected``; the outbox retries until each hop acknowledges, also across
restarts.

Receiving side (:meth:`Actions.accept`, called by the inbox for the kinds of
:data:`CONTROL_KINDS`): a hub relays the message to its final recipient, keeping the
signer's JWS (a notice is first checked against the hub's own copy, and a recall or
destruction purges it); a holder checks that the notice is signed by the ITEM's
Originating Party (not merely by the hop sender), records it and, at its arrival time,
applies it (:meth:`Actions.apply`): each ``notice_id`` once (a notice for an item not
arrived yet — held at a TISA hub awaiting approval — is accepted when the item's id is
bound to its signer and ``waiting`` until the item is stored, then applied before the item
is delivered: :meth:`Actions.item_stored`), a notice with a ``seq`` not
above the last applied one is ``superseded`` (the later notice wins;
:mod:`gsomia.sharing.events`), a refused one (:func:`~gsomia.sharing.events.apply_notice`:
not the originator, a marking outside its scheme or excluded by the agreement) changes
nothing. The holder then keeps exactly one marking (its equivalent marking recomputed,
Art. 4(2)); a recalled or destroyed item loses its payload and the originator's JWS (the
row stays, with the fact) and is no longer listed. It answers with a signed ``ack`` to the
originator, and forwards an applied notice, as signed by the originator, to every third
party it released the item to (with the originator's consent). Every step is audited.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from gsomia.errors import EnvelopeError, InputError, SharingError, StoreError
from gsomia.node.context import NodeContext
from gsomia.node.custody import Custody
from gsomia.node.guard import owns_id
from gsomia.node.links import Receipt
from gsomia.node.outbox import Outbox
from gsomia.node.store import InboxRow
from gsomia.sharing.decision import ReleaseRequest, decide
from gsomia.sharing.envelope import Header, Signed, label_from_dict, label_to_dict, sign
from gsomia.sharing.events import (
    REMOVING,
    OriginatorNotice,
    apply_notice,
    check_new_marking,
    check_originator_action,
)
from gsomia.sharing.label import Label, parse_time
from gsomia.sharing.routes import Route

__all__ = ["CONTROL_KEYS", "CONTROL_KINDS", "Actions", "control_row", "parse_notice"]

#: Signed kinds handled here rather than as items: originator notices and holders'
#: acknowledgements (Art. 6(d)–(h)), loss or compromise reports and investigation
#: results (Art. 17, :mod:`gsomia.node.compromise`).
CONTROL_KINDS = ("notice", "ack", "compromise", "investigation")
#: The keys of each control kind's signed payload (as its sender writes it); any other
#: key is refused (``InputError`` naming ``<kind>.<key>``: the receipt is ``rejected``).
CONTROL_KEYS = {
    "notice": ("notice_id", "item_id", "originator", "action", "new_classification", "seq",
               "issued_at"),
    "ack": ("notice_id", "item_id", "holder", "originator", "action", "status", "reason",
            "marking", "at"),
    "compromise": ("case_id", "item_id", "originator", "holder", "possible", "what",
                   "discovered_at", "reported_at", "scope"),
    "investigation": ("case_id", "item_id", "stage", "text", "preventive_measures", "at"),
}
#: Inbox statuses of an item whose payload a holder still keeps.
_KEPT = ("arrived", "delivered")
_REMOVED = {"recall": "recalled", "destroy": "destroyed"}
_NOTICE_FIELDS = CONTROL_KEYS["notice"]

#: A handler of one kind of control message at its final recipient:
#: ``(header, signed, t, at) -> note`` (raises EnvelopeError / InputError to refuse).
Handler = Callable[[Header, Signed, float, dt.datetime], str]


def parse_notice(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A notice payload checked field by field (module docstring).

    Raises:
        InputError: a missing or malformed field, named ``notice.<field>``.
    """
    out = {}
    for key in _NOTICE_FIELDS:
        value = payload.get(key)
        if key == "seq":
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise InputError("notice.seq", value, "expected an integer ≥ 1")
        elif key == "new_classification":
            if value is not None and not isinstance(value, str):
                raise InputError("notice.new_classification", value, "expected text or null")
        elif not isinstance(value, str) or not value:
            raise InputError(f"notice.{key}", value, "expected a non-empty string")
        out[key] = value
    parse_time("notice.issued_at", out["issued_at"])
    return out


def control_row(h: Header, s: Signed, item_id: str | None, t: float,
                status: str, msg_id: str | None = None) -> InboxRow:
    """The inbox row of an accepted control message (no label, no marking); ``msg_id``:
    the key it is stored under when not the signed message's id (a hub's relay)."""
    return InboxRow(
        envelope_id=h.envelope_id, msg_id=msg_id or s.msg_id, originator=s.originator,
        sender=h.sender, kind=s.kind, item_id=item_id, route=Route.parse(h.route),
        final=h.final, stream=h.stream, seq=h.seq, label=None, payload=s.payload,
        marking=None, jws=s.jws, sent_at=s.signed_at.isoformat(), arrived_s=t,
        status=status)


class Actions:
    """Originator notices and acknowledgements at one node, and the receiving of every
    control message (module docstring).

    Parameters:
        ctx: the node's shared state; outbox: where messages are queued; custody: the
            node's custody ledger.

    Attributes:
        handlers: per control kind, its handler at the final recipient (``compromise``
            and ``investigation`` added by :class:`gsomia.node.compromise.Compromises`).
    """

    #: The kinds :meth:`accept` takes (the inbox's dispatch).
    kinds = CONTROL_KINDS

    def __init__(self, ctx: NodeContext, outbox: Outbox, custody: Custody) -> None:
        self.ctx = ctx
        self.outbox = outbox
        self.custody = custody
        self.handlers: dict[str, Handler] = {"notice": self._on_notice, "ack": self._on_ack}

    # originating side --------------------------------------------------------------------
    def issue(self, item_id: str, action: str,
              new_classification: str | None = None) -> dict[str, Any]:
        """Issue an originator action on this party's item ``item_id`` to every holder
        (module docstring); return :meth:`status` of the notice.

        Raises:
            SharingError: the item is held here but originated by another party (Art. 6).
            InputError: unknown item or action, a new marking missing, not this party's,
                not lower (``downgrade``), of the current level (``reclassify``), or
                refused for a holder by
                :func:`~gsomia.sharing.events.check_new_marking`; the item already
                recalled or destroyed.
        """
        ctx = self.ctx
        store = ctx.ledger.store
        with ctx.ledger.lock:
            label = self._own_label(item_id)
            scheme = ctx.catalog.scheme(ctx.party)
            new = check_originator_action(label, action, ctx.party, scheme,
                                          new_classification)
            if action == "reclassify" and new is not None and \
                    scheme.get(new).rank == scheme.get(label.classification).rank:
                raise InputError("new_classification", new_classification,
                                 f"the item is at {label.classification} already: a "
                                 "reclassification changes the level")
            issued = store.notices(item_id=item_id, direction="issued")
            done = [n["action"] for n in issued if n["action"] in REMOVING]
            if done:
                raise InputError("item_id", item_id, f"already ordered to {done[0]}")
            holders = self.custody.holders(item_id)
            for row in holders:
                if new is not None:
                    check_new_marking(ctx.catalog, ctx.party, row.final, new)
            t, at = ctx.now()
            notice = {"notice_id": uuid.uuid4().hex, "item_id": item_id,
                      "originator": ctx.party, "action": action, "new_classification": new,
                      "seq": len(issued) + 1, "issued_at": at.isoformat()}
            signed = sign(ctx.keys, "notice", notice, at)
            audit = [OriginatorNotice(action, item_id, ctx.party, row.final, at, new,
                                      notice["notice_id"], notice["seq"]).to_audit()[:2]
                     for row in holders]
            with ctx.ledger.transaction():
                store.add_notice(notice, jws=signed.jws, direction="issued", sender=None,
                                 route=None, status="issued", at_s=t)
                if new is not None:
                    store.update_local_label(item_id, label_to_dict(
                        dataclasses.replace(label, classification=new)))
                for row in holders:
                    store.expect_ack(notice["notice_id"], row.final)
                    self.outbox.enqueue(signed, peer=row.next_hop, final=row.final,
                                        route=row.route, stream=row.stream, kind="notice",
                                        item_id=item_id, now=(t, at), audit=[])
                ctx.ledger.record([*audit, ("notice.issued", {
                    **notice, "holders": [r.final for r in holders],
                    "source": "Art. 6(d)-(h)"})], at)
        return self.status(item_id, notice["notice_id"])[0]

    def _own_label(self, item_id: str) -> Label:
        store = self.ctx.ledger.store
        local = store.local_item(item_id)
        if local is None:
            origin = self.custody.originator_of(item_id)
            if origin is not None:
                raise SharingError(
                    f"item_id={item_id!r}: only the Originating Party {origin} may take an "
                    f"action on it, not its holder {self.ctx.party} (Art. 6(d)-(h))")
            raise InputError("item_id", item_id, f"no such item at {self.ctx.party}")
        return label_from_dict(local[0])

    def status(self, item_id: str, notice_id: str | None = None) -> list[dict[str, Any]]:
        """Per notice on the item (or the one ``notice_id``), in issue order:
        ``{"notice_id", "action", "new_classification", "seq", "issued_at", "direction",
        "status", "holders": {party: {"status", "marking"}}, "acknowledged": [...],
        "pending": [...]}``. At the originator ``holders`` lists every holder the notice
        went to and every third party that acknowledged it; at a holder it is empty and
        ``status`` says how the notice was applied here.

        Raises:
            InputError: this node never had the item nor a notice on it.
        """
        with self.ctx.ledger.lock:
            notices = self.ctx.ledger.store.notices(item_id=item_id)
            if not notices and self.custody.originator_of(item_id) is None:
                raise InputError("item_id", item_id, f"no such item at {self.ctx.party}")
            out = []
            for n in notices:
                if notice_id is not None and n["notice_id"] != notice_id:
                    continue
                acks = self.ctx.ledger.store.acks(n["notice_id"])
                out.append({
                    **{k: n[k] for k in _NOTICE_FIELDS if k not in ("item_id", "originator")},
                    "item_id": item_id, "originator": n["originator"],
                    "direction": n["direction"], "status": n["status"],
                    "result": n["result"],
                    "holders": {a["holder"]: {"status": a["status"], "marking": a["marking"]}
                                for a in acks},
                    "acknowledged": [a["holder"] for a in acks if a["status"] != "pending"],
                    "pending": [a["holder"] for a in acks if a["status"] == "pending"],
                })
        return out

    # receiving side ----------------------------------------------------------------------
    def accept(self, h: Header, s: Signed, t: float, at: dt.datetime) -> Receipt:
        """Accept one control message (inside the inbox's transaction, after the envelope
        opened and its id was found new): route and hub, stream order, the signed
        message once (another delivery of it: ``duplicate``), then relay (hub) or
        handle (final recipient).

        Raises:
            EnvelopeError: not for this party, out of order, or refused by its handler
                (the inbox answers ``rejected`` and audits it).
            InputError: a malformed payload.
        """
        ctx, store = self.ctx, self.ctx.ledger.store
        route, hub = ctx.check_hop(h)
        item_id = s.payload.get("item_id")
        if not isinstance(item_id, str) or not item_id:
            raise InputError(f"{s.kind}.item_id", item_id, "expected a non-empty string")
        known = CONTROL_KEYS[s.kind]
        for key in s.payload:
            if key not in known:  # closed, as every payload: a stray key is refused
                raise InputError(f"{s.kind}.{str(key)[:64]}", s.payload[key],
                                 f"unknown key (expected one of {', '.join(known)})")
        # a hub may pass the same signed message to several final recipients (a notice to
        # a holder by the hub route, and to the hub as a holder itself): once per final
        key = s.msg_id if h.final == ctx.party else f"{s.msg_id}>{h.final}"
        earlier = store.envelope_of(s.originator, key)
        if earlier is not None:  # the same signed message by another path: once only
            store.advance_in_stream(h.sender, h.stream, h.seq)
            ctx.ledger.record([("receive.duplicate", {
                "envelope_id": h.envelope_id, "sender": h.sender, "kind": s.kind,
                "msg_id": s.msg_id, "first_envelope_id": earlier})], at)
            return Receipt("duplicate", h.envelope_id, ctx.party, None,
                           f"{s.kind} already accepted in envelope {earlier}")
        if h.final != ctx.party:
            return self._relay(h, s, route, item_id, t, at)
        note = self.handlers[s.kind](h, s, t, at)
        return Receipt("accepted", h.envelope_id, ctx.party, None, note)

    def _relay(self, h: Header, s: Signed, route: Route, item_id: str, t: float,
               at: dt.datetime) -> Receipt:
        """A hub passes a control message on to its final recipient, as signed; a notice
        is first checked against, and applied to, the hub's own copies of the item."""
        ctx, store = self.ctx, self.ctx.ledger.store
        note = "relayed"
        if s.kind == "notice":
            notice = parse_notice(s.payload)
            rows = [r for r in store.inbox(kind="item", item_id=item_id)
                    if r.final != ctx.party]
            if not rows:
                raise EnvelopeError("originator", "notice.item_id", item_id,
                                    f"the hub {ctx.party} holds no such item")
            self._check_signer(notice, s, rows)
            removed = _REMOVED.get(notice["action"])
            if removed is not None:
                self._purge_relayed(item_id, notice["action"])
                note = f"relayed; the hub's copies {removed}"
        store.accept(control_row(h, s, item_id, t, "forwarded", f"{s.msg_id}>{h.final}"))
        self.outbox.enqueue(s.jws, peer=h.final, final=h.final, route=route,
                            stream=h.stream, kind=s.kind, item_id=item_id, now=ctx.now(),
                            msg_id=s.msg_id, audit=[("hub.relay", {
                                "envelope_id": h.envelope_id, "kind": s.kind,
                                "item_id": item_id, "signer": s.originator,
                                "to": h.final, "route": route, "note": note})])
        ctx.clock.call_at(t, self.outbox.flush)
        return Receipt("accepted", h.envelope_id, ctx.party, None, note)

    def _check_signer(self, notice: dict[str, Any], s: Signed, rows: list[InboxRow]) -> None:
        """The notice's signer must be the originator it names and the Originating Party
        of the item as this node holds it (Art. 6(d)–(h)).

        Raises:
            EnvelopeError: check ``originator`` otherwise (or no copy held here).
        """
        if notice["originator"] != s.originator:
            raise EnvelopeError("originator", "notice.originator", notice["originator"],
                                f"the notice is signed by {s.originator}")
        if not rows:
            if owns_id(s.originator, notice["item_id"]):
                return  # an item on its way (held at a hub): the notice waits for it
            raise EnvelopeError("originator", "notice.item_id", notice["item_id"],
                                f"{self.ctx.party} holds no such item, and its id is not "
                                f"bound to the notice's signer {s.originator}")
        owners = {r.originator for r in rows}
        if owners != {s.originator}:
            raise EnvelopeError(
                "originator", "notice.originator", s.originator,
                f"item {notice['item_id']} was originated by {', '.join(sorted(owners))}: "
                f"only the Originating Party may {notice['action']} it (Art. 6(d)-(h))")

    def _on_notice(self, h: Header, s: Signed, t: float, at: dt.datetime) -> str:
        """Record a notice for an item held here, signed by its originator; apply it at
        its arrival time."""
        ctx, store = self.ctx, self.ctx.ledger.store
        notice = parse_notice(s.payload)
        rows = [r for r in store.inbox(kind="item", item_id=notice["item_id"])
                if r.final == ctx.party]
        self._check_signer(notice, s, rows)
        store.accept(control_row(h, s, notice["item_id"], t, "delivered"))
        store.add_notice(notice, jws=s.jws, direction="received", sender=h.sender,
                         route=h.route, status="received", at_s=t)
        ctx.ledger.record([("notice.received", {
            **notice, "envelope_id": h.envelope_id, "sender": h.sender,
            "route": Route.parse(h.route)})], at)
        ctx.clock.call_at(t, lambda: self.apply(notice["notice_id"]))
        return "notice recorded"

    def _on_ack(self, h: Header, s: Signed, t: float, at: dt.datetime) -> str:
        """Record a holder's signed acknowledgement of a notice this party issued: signed
        by the holder it names, and that holder one of the item's (:meth:`_may_ack`);
        otherwise refused (check ``custody``), which the inbox audits."""
        ctx, store = self.ctx, self.ctx.ledger.store
        ack = s.payload
        notice = store.notice(str(ack.get("notice_id")))
        if notice is None or notice["direction"] != "issued" \
                or notice["item_id"] != ack.get("item_id"):
            raise EnvelopeError("originator", "ack.notice_id", ack.get("notice_id"),
                                f"not a notice issued by {ctx.party} on this item")
        if ack.get("holder") != s.originator:
            raise EnvelopeError("signature", "ack.holder", ack.get("holder"),
                                f"signed by {s.originator}")
        if not self._may_ack(notice, s.originator):
            raise EnvelopeError(
                "custody", "ack.holder", s.originator,
                f"{ctx.party} never released item {notice['item_id']} to {s.originator}, "
                f"sent it notice {notice['notice_id']} nor consented to its onward release "
                f"to {s.originator}: not a holder (Art. 6(d)-(h))")
        status = ack.get("status")
        if status not in ("applied", "superseded", "refused", "not_held"):
            raise InputError("ack.status", status, "expected applied, superseded, refused "
                             "or not_held")
        marking = ack.get("marking")
        store.accept(control_row(h, s, notice["item_id"], t, "delivered"))
        store.record_ack(notice["notice_id"], s.originator, status,
                         marking if isinstance(marking, str) else None, s.jws, t)
        ctx.ledger.record([("notice.acknowledged", {
            "notice_id": notice["notice_id"], "item_id": notice["item_id"],
            "action": notice["action"], "holder": s.originator, "status": status,
            "marking": marking, "envelope_id": h.envelope_id})], at)
        return "acknowledgement recorded"

    def _may_ack(self, notice: dict[str, Any], party: str) -> bool:
        """Whether ``party`` may acknowledge this party's ``notice``: the notice went to it
        (an acknowledgement is expected), the custody ledger has a release of the item to
        it, or this party's signed consent lets a holder pass the item on to it (a third
        party the notice reaches onward, Art. 6)."""
        store, item_id = self.ctx.ledger.store, notice["item_id"]
        if any(a["holder"] == party for a in store.acks(notice["notice_id"])):
            return True
        if any(r.final == party for r in self.custody.holders(item_id)):
            return True
        local = store.local_item(item_id)
        if local is None:
            return False
        label = label_from_dict(local[0])
        return bool(self.ctx.consents.signed.candidates(label, party))

    # applying ----------------------------------------------------------------------------
    def resume(self) -> None:
        """Schedule every received notice not yet applied (after a restart)."""
        with self.ctx.ledger.lock:
            for n in self.ctx.ledger.store.notices(direction="received", status="received"):
                self.ctx.clock.call_at(n["at_s"], lambda i=n["notice_id"]: self.apply(i))

    def apply(self, notice_id: str) -> None:
        """Apply a received notice once (module docstring), answer the originator with a
        signed ``ack`` and forward an applied notice to the third parties this node
        released the item to; one transaction with its audit records, then flush.

        A store that fails (or was closed: a node stopped before the arrival time) keeps
        the notice ``received``; :meth:`resume` applies it after the restart."""
        try:
            applied = self._apply_once(notice_id)
        except StoreError:
            return
        if applied:
            self.outbox.flush()

    def _apply_once(self, notice_id: str) -> bool:
        ctx, store = self.ctx, self.ctx.ledger.store
        with ctx.ledger.lock:
            n = store.notice(notice_id)
            if n is None or n["status"] != "received":
                return False
            t, at = ctx.now()
            with ctx.ledger.transaction():
                status, result, marking = self._apply(n, at)
                store.set_notice_status(notice_id, status, result)
                if status == "waiting":
                    ctx.ledger.record([("notice.waiting", {
                        "notice_id": notice_id, "item_id": n["item_id"],
                        "action": n["action"], "seq": n["seq"]})], at)
                    return False
                records = [("notice." + status, {
                    "notice_id": notice_id, "item_id": n["item_id"], "action": n["action"],
                    "seq": n["seq"], "originator": n["originator"], "reason": result,
                    "marking": marking, "source": "Art. 6(d)-(h)"})]
                self._answer(n, status, result, marking, (t, at), records)
        return True

    def item_stored(self, envelope_id: str, item_id: str, final: str) -> None:
        """An item copy was just stored here (inside the receipt's transaction): bring it
        to the state of the originator's notices known for the item before it is
        delivered — the notices waiting for it are applied now (in ``seq`` order), or the
        last notice applied to an earlier copy is applied to this one too."""
        ctx, store = self.ctx, self.ctx.ledger.store
        if final != ctx.party:
            return
        known = store.notices(item_id=item_id, direction="received")  # one query per item
        row = store.inbox_row(envelope_id) if known else None
        if row is None:
            return
        waiting = [n for n in known if n["status"] == "waiting"]
        for n in waiting:
            store.set_notice_status(n["notice_id"], "received", None)
            self._apply_once(n["notice_id"])
        if waiting:
            ctx.clock.call_at(row.arrived_s, self.outbox.flush)
            return
        applied = [n for n in known if n["status"] == "applied"]
        if not applied:
            return
        n, (_, at) = applied[-1], ctx.now()
        notice = OriginatorNotice(n["action"], n["item_id"], n["originator"], ctx.party, at,
                                  n["new_classification"], n["notice_id"], n["seq"])
        try:
            status, label, marking = self._updated(row, notice, at)
        except (SharingError, InputError):
            return
        store.update_inbox_item(envelope_id, status=status, label=label, marking=marking,
                                remove_content=status != row.status)
        ctx.ledger.record([("notice.reapplied", {
            "notice_id": n["notice_id"], "item_id": row.item_id, "action": n["action"],
            "envelope_id": envelope_id, "source": "Art. 6(d)-(h)"})], at)

    def _answer(self, n: dict[str, Any], status: str, result: str | None,
                marking: str | None, now: tuple[float, dt.datetime],
                records: list[tuple[str, dict[str, Any]]]) -> None:
        """Queue the signed ack to the originator and, once applied, the notice onward."""
        ctx = self.ctx
        ack = {"notice_id": n["notice_id"], "item_id": n["item_id"], "holder": ctx.party,
               "originator": n["originator"], "action": n["action"], "status": status,
               "reason": result, "marking": marking, "at": now[1].isoformat()}
        originator, hop, route, stream = self.custody.path_back(n["item_id"])
        self.outbox.enqueue(sign(ctx.keys, "ack", ack, now[1]), peer=hop, final=originator,
                            route=route, stream=stream, kind="ack", item_id=n["item_id"],
                            now=now, audit=records)
        if status != "applied":
            return
        for row in self.custody.holders(n["item_id"]):  # onward, as the originator signed
            if row.route.is_hub and ctx.hub_of(row.route) == ctx.party:
                continue  # a hub's relay: the originator's notice comes through the hub
            self.outbox.enqueue(n["jws"], peer=row.next_hop, final=row.final,
                                route=row.route, stream=row.stream, kind="notice",
                                item_id=n["item_id"], now=now, audit=[("notice.forwarded", {
                                    "notice_id": n["notice_id"], "item_id": n["item_id"],
                                    "to": row.final, "route": row.route})])

    def _apply(self, n: dict[str, Any], at: dt.datetime) -> tuple[str, str | None, str | None]:
        """``(status, reason, marking text)`` of applying notice ``n`` to the copies held
        here: ``applied``, ``superseded``, ``refused`` or ``not_held``."""
        ctx, store = self.ctx, self.ctx.ledger.store
        applied = [m["seq"] for m in store.notices(item_id=n["item_id"],
                                                   direction="received", status="applied")]
        if applied and n["seq"] <= max(applied):
            return "superseded", f"notice {max(applied)} applied already (later wins)", None
        every = [r for r in store.inbox(kind="item", item_id=n["item_id"])
                 if r.final == ctx.party]
        rows = [r for r in every if r.status in _KEPT]
        if not every and n["action"] not in REMOVING:
            return "waiting", "the item has not arrived yet", None
        if not rows:
            return "not_held", "no copy of the item kept here", None
        notice = OriginatorNotice(n["action"], n["item_id"], n["originator"], ctx.party, at,
                                  n["new_classification"], n["notice_id"], n["seq"])
        try:
            updates = [self._updated(row, notice, at) for row in rows]
        except (SharingError, InputError) as exc:
            return "refused", str(exc), None
        for row, (status, label, marking) in zip(rows, updates, strict=True):
            store.update_inbox_item(row.envelope_id, status=status, label=label,
                                    marking=marking, remove_content=status != row.status)
        self._purge_relayed(n["item_id"], n["action"])
        marking = updates[0][2]
        return "applied", None, None if marking is None else marking["text"]

    def _purge_relayed(self, item_id: str, action: str) -> None:
        """A recall or destruction also empties the copies this node holds as a hub for
        another party (the originator's notice covers every copy, Art. 6(d)–(h))."""
        removed = _REMOVED.get(action)
        if removed is None:
            return
        store = self.ctx.ledger.store
        for row in store.inbox(kind="item", item_id=item_id):
            if row.final != self.ctx.party and row.status != removed:
                store.update_inbox_item(row.envelope_id, status=removed, remove_content=True)

    def _updated(self, row: InboxRow, notice: OriginatorNotice, at: dt.datetime
                 ) -> tuple[str, dict[str, Any] | None, dict[str, Any] | None]:
        """``(status, label, marking)`` of one copy after the notice (label and marking
        None: unchanged).

        Raises:
            SharingError, InputError: :func:`~gsomia.sharing.events.apply_notice` refuses.
        """
        label = label_from_dict(row.label or {})
        new = apply_notice(dataclasses.replace(label, holder=self.ctx.party), notice,
                           self.ctx.catalog)
        removed = _REMOVED.get(notice.action)
        if removed is not None:
            return removed, None, None
        if new is None:  # declassified: one marking saying so, the payload kept
            name = self.ctx.catalog.scheme(self.ctx.party).name_of(label.originator)
            return row.status, None, {
                "originator": label.originator, "receiver": self.ctx.party,
                "classification": None, "level": "UNCLASSIFIED", "declassified": True,
                "text": f"{name} declassified", "text_en": f"{label.originator} declassified",
                "source": "Art. 6(d)-(h)"}
        held = dataclasses.replace(new, holder=row.sender)
        hub = self.ctx.hub_of(row.route)  # the hop's request, as on receipt (Art. 4(2))
        route = row.route if row.route is not Route.DIRECT and row.sender == hub \
            else Route.DIRECT
        marking = decide(ReleaseRequest(held, self.ctx.party, at, route),
                         self.ctx.catalog).marking
        if marking is None:
            raise InputError("new_classification", notice.new_classification,
                             f"no equivalent marking of {self.ctx.party} (Art. 4(2))")
        return (row.status, label_to_dict(dataclasses.replace(new, holder=label.holder)),
                marking.to_dict())

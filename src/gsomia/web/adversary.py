"""An adversarial holder: every operation a node's API offers, tried to get a received item
to a party its Originating Party never released it to (Art. 6), each attempt counted.

:func:`run_attempts` works on nodes in one process (a :class:`~gsomia.node.SimClock` and
:class:`~gsomia.node.InProcessLink`) and on live nodes (:class:`gsomia.web.live.
LiveCluster`'s nodes over HTTPS with mutual TLS) alike: the holder uses its own node's
methods, its own keys and its own links, nothing more.

Set-up (legitimate, by the originator): item ``direct`` releasable to the holder only and
released to it directly; item ``pair`` released to the holder, with a signed consent for
the third party sent to the holder; a consent for ``direct`` addressed to the holder
itself; item ``hubbed``, released to the third party (the hub) only; item ``tisa``, put on
the TISA hub for the holder and never approved.

Attempt kinds (each sent once per round; the target never got the item from its originator):

======================  ===================================================================
``release_unreleasable`` ``release`` of the received item to the third party, direct
``release_via_hub``      the same by the TISA and the automated hub routes
``republish_as_own``     ``publish`` of the received payload as the holder's own
``create_as_own``        ``create_item`` of the payload, then ``release`` of that item
``wrapped_payload``      the payload nested in a new one, written as JSON text, or the
                         originator's signed token carried as a string
``derived_unrestricted`` ``create_item(derived_from=…)`` wider than its source; a derived
                         item with the source's restrictions released to the third party
``reuse_originator_id``  ``create_item`` under the originator's id or another of its ids;
                         the holder's own signed item under an id of the originator
``forged_label``         the label's Releasable To widened and signed again (as the
                         originator with the holder's key; as the holder itself)
``self_signed_consent``  a consent typed into the holder's book; one the holder signs
``consent_replay``       a real consent for another item, and one for another recipient,
                         sent ahead of the item; the holder's own consent under the id of
                         the originator's
``hub_stretch``          the originator's signed copy put on the hub for another final
                         recipient; the hub forwarding an item not approved (TISA) or one
                         the originator never put on the hub (automated hub), or releasing
                         an item it only holds for another party
``handmade_envelope``    the originator's signed copy sealed by hand for the third party
``forged_sender``        that copy sealed naming the originator as hop sender
``forged_notice``        an originator action (``notice``) signed by the holder (only when
                         the signed kinds include it)
======================  ===================================================================

Report: ``{kind: {"sent", "rejected", "audited", "delivered"}}``: an attempt is rejected
when the holder's node refuses it or the receiver answers ``rejected`` (or the item never
reaches the target); audited when a ``release.denied``, ``receive.rejected`` or
``hub.refused`` record was written for it at the holder's node or at the receiver;
``delivered`` counts targets that hold the item afterwards (must be 0).
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from gsomia.errors import EnvelopeError, GsomiaError
from gsomia.node import Node, Receipt, SimClock
from gsomia.sharing import Route
from gsomia.sharing.consent import Consent
from gsomia.sharing.envelope import (
    Header,
    PartyKeys,
    label_from_dict,
    seal,
    sign,
)
from gsomia.web.live import wait_until

__all__ = ["ATTEMPT_KINDS", "AUDIT_KINDS", "run_attempts"]

#: The attempt kinds, in the report's order (module docstring).
ATTEMPT_KINDS = (
    "release_unreleasable", "release_via_hub", "republish_as_own", "create_as_own",
    "wrapped_payload", "derived_unrestricted", "reuse_originator_id", "forged_label",
    "self_signed_consent", "consent_replay", "hub_stretch", "handmade_envelope",
    "forged_sender", "forged_notice",
)
#: The audit records that count as a refusal written down.
AUDIT_KINDS = frozenset({"release.denied", "receive.rejected", "hub.refused"})
TOPIC = "dprk-missile-threat"


def _audited(nodes: Mapping[str, Node]) -> int:
    total = 0
    for node in nodes.values():
        with node.lock:
            total += sum(1 for r in node.audit.records() if r.kind in AUDIT_KINDS)
    return total


def _default_settle(nodes: Mapping[str, Node]) -> Callable[[], None]:
    clock = next(iter(nodes.values())).clock
    if isinstance(clock, SimClock):
        return lambda: clock.advance_to(clock.now_s() + 5.0)

    def wait() -> None:
        wait_until(lambda: all(n.outbox_counts()["pending"] == 0 for n in nodes.values()),
                   10.0)
        time.sleep(0.1)

    return wait


class _Holder:
    """The adversary's means: its node (own keys, own links) and what it received."""

    def __init__(self, nodes: Mapping[str, Node], holder: str, originator: str,
                 third: str, settle: Callable[[], None]) -> None:
        self.nodes, self.settle = nodes, settle
        self.node, self.o, self.h, self.t = nodes[holder], originator, holder, third

    def now(self) -> dt.datetime:
        clock = self.node.clock
        return clock.epoch + dt.timedelta(seconds=clock.now_s())

    def row(self, item_id: str, node: Node | None = None) -> Any:
        node = node or self.node
        with node.lock:
            return next(r for r in node.store.inbox(kind="item", item_id=item_id))

    def send(self, jws: str, to: str, *, route: str = "direct", final: str | None = None,
             sender: PartyKeys | None = None, via: Node | None = None) -> Receipt:
        """Seal ``jws`` by hand and send it over the holder's (or ``via``'s) own link."""
        node = via or self.node
        keys = sender or node.keys
        header = Header(uuid.uuid4().hex, keys.party, to, self.now(), route, final or to,
                        f"adversary:{uuid.uuid4().hex[:8]}", 1)
        return node.links[to].send(seal(jws, header, node.directory, keys))

    def reached(self, party: str, item_id: str) -> bool:
        node = self.nodes[party]
        return any(i.item_id == item_id for i in node.items()) or any(
            r.item_id == item_id for r in node.held())


def _setup(a: _Holder) -> dict[str, str]:
    """The originator's legitimate releases (module docstring); returns the item ids."""
    o = a.nodes[a.o]
    mark = o.warning_classification
    ids = {}
    for name, rel_to in (("direct", [a.h]), ("pair", [a.h, a.t]), ("hubbed", [a.h, a.t]),
                         ("tisa", [a.h, a.t])):
        payload = {"track_id": f"adv-{name}-{uuid.uuid4().hex[:8]}", "impact_point":
                   {"lat_deg": 40.5, "lon_deg": 136.0}}
        label = o.create_item(payload, classification=mark, releasable_to=rel_to,
                              topic=TOPIC, elements=("impact_point",))
        ids[name] = label.item_id
    o.release(ids["direct"], a.h, Route.DIRECT)
    o.release(ids["pair"], a.h, Route.DIRECT)
    o.approve(ids["pair"], a.t, Route.DIRECT, holder=a.h)
    o.approve(ids["direct"], a.h, Route.DIRECT, holder=a.h)
    o.release(ids["hubbed"], a.t, Route.DIRECT)
    o.release(ids["tisa"], a.h, Route.TISA_HUB)
    for _ in range(20):  # live nodes: until what the attempts use has arrived
        a.settle()
        with a.node.lock:
            here = {r.item_id for r in a.node.store.inbox(kind="item")}
        if {ids["direct"], ids["pair"]} <= here and a.reached(a.t, ids["hubbed"]):
            break
    return ids


def _widened(jws: str, party: str) -> str:
    """The originator's token with ``party`` added to the label's Releasable To, its
    signature kept (an edited label)."""
    head, body, signature = jws.split(".")
    data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    data["label"]["releasable_to"] = sorted({*data["label"]["releasable_to"], party})
    edited = base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
    return f"{head}.{edited}.{signature}"


def _try(call: Callable[[], Any]) -> str | Receipt | None:
    """Run one API attempt: ``"refused"`` when the node refuses it, the receipt of a hand
    sent envelope, or None when something was queued."""
    try:
        out = call()
    except GsomiaError:
        return "refused"
    if isinstance(out, Receipt):
        return out
    if getattr(out, "status", None) == "denied" or (
            isinstance(out, list) and all(r.status == "denied" for r in out)):
        return "refused"
    return None


def _attempts(a: _Holder, ids: dict[str, str]) -> dict[str, list[tuple[Callable, str, str]]]:
    """Long because it lists every attempt: ``{kind: [(call, target party, item id)]}``."""
    n, o, h, t = a.node, a.o, a.h, a.t
    row = a.row(ids["direct"])
    payload, jws, item = row.payload, row.jws, ids["direct"]
    mark = n.warning_classification
    lowest = n.catalog.scheme(h).markings[-1].text

    def own(p: Any, **kw: Any) -> Callable[[], Any]:
        def go() -> Any:
            label = n.create_item(p, classification=kw.pop("classification", mark),
                                  releasable_to=[t], topic=TOPIC, **kw)
            return n.release(label.item_id, t, Route.DIRECT)
        return go

    def republish() -> Any:
        routes = dict(n.routes)
        n.routes = {t: Route.DIRECT}
        try:
            return n.publish(payload, topic=TOPIC, elements=("impact_point",))
        finally:
            n.routes = routes

    def derived_restricted() -> Any:
        label = n.create_item({**payload, "fused": True}, classification=mark,
                              releasable_to=[o], topic=TOPIC, derived_from=[item])
        return n.release(label.item_id, t, Route.DIRECT)

    def signed_as(keys: PartyKeys, **changes: Any) -> str:
        label = dataclasses.replace(label_from_dict(row.label), **changes)
        return sign(keys, "item", payload, a.now(), label,
                    release={"to": t, "route": "direct", "hub": None}).jws

    as_originator = PartyKeys(o, n.keys.signing, n.keys.encryption)
    widened = frozenset({h, t})

    def typed_consent() -> Any:
        n.book.grant(Consent(f"typed-{uuid.uuid4().hex[:6]}", o, t, a.now(), item_id=item))
        return n.release(item, t, Route.DIRECT)

    def holder_consent() -> Receipt:
        body = Consent(f"{item}>{t}", o, t, a.now(), item_id=item).to_dict()
        a.send(sign(n.keys, "consent", body, a.now()).jws, t)
        return a.send(jws, t)

    def colliding_consent() -> Receipt:
        """The holder's own consent under the id the originator gives its consents."""
        body = Consent(f"{item}>{t}", h, t, a.now(), topic=TOPIC).to_dict()
        a.send(sign(n.keys, "consent", body, a.now()).jws, t)
        return a.send(jws, t)

    def replay(consent_item: str, to: str) -> Callable[[], Receipt]:
        def go() -> Receipt:
            with n.lock:
                known = n.store.consents()
            for body, c_jws in known:
                if c_jws and body.get("item_id") == consent_item and body.get("to") == to:
                    a.send(c_jws, t)
            return a.send(jws, t)
        return go

    hub_node = a.nodes[t]
    hubbed = a.row(ids["hubbed"], hub_node)
    tisa_rows = [r for r in hub_node.held() if r.item_id == ids["tisa"]]

    def notice() -> Any:
        try:
            signed = sign(n.keys, "notice", {"item_id": item, "action": "declassify",
                                             "originator": o}, a.now())
        except EnvelopeError:
            return None
        return a.send(signed.jws, t)

    out: dict[str, list[tuple[Callable, str, str]]] = {
        "release_unreleasable": [(lambda: n.release(item, t, Route.DIRECT), t, item)],
        "release_via_hub": [(lambda r=r: n.release(item, t, r), t, item)
                            for r in (Route.TISA_HUB, Route.AUTO_HUB)],
        "republish_as_own": [(republish, t, item)],
        "create_as_own": [(own(payload), t, item)],
        "wrapped_payload": [(own({"copy": payload}), t, item),
                            (own({"text": json.dumps(payload)}), t, item),
                            (own({"token": f"see {jws}"}), t, item)],
        "derived_unrestricted": [
            (own({**payload, "fused": True}, classification=lowest, derived_from=[item]),
             t, item),
            (derived_restricted, t, item)],
        "reuse_originator_id": [
            (own({"note": "x"}, item_id=item), t, item),
            (own({"note": "y"}, item_id=f"{o}-{uuid.uuid4().hex[:16]}"), t, item),
            (lambda: a.send(signed_as(n.keys, originator=h, holder=h, releasable_to=widened),
                            t), t, item)],
        "forged_label": [
            (lambda: a.send(signed_as(as_originator, releasable_to=widened), t), t, item),
            (lambda: a.send(_widened(jws, t), t), t, item),
            (lambda: a.send(signed_as(n.keys, originator=h, holder=h,
                                      releasable_to=widened), t), t, item)],
        "self_signed_consent": [(typed_consent, t, item), (holder_consent, t, item)],
        "consent_replay": [(replay(ids["pair"], t), t, item), (replay(item, h), t, item),
                           (colliding_consent, t, item)],
        "hub_stretch": [
            (lambda: a.send(jws, t, route="auto_hub", final=o), t, item),
            (lambda: a.send(jws, t, route="auto_hub", final=t), t, item),
            (lambda: a.send(hubbed.jws, h, route="auto_hub", via=hub_node), h,
             ids["hubbed"]),
            (lambda: hub_node.release(ids["hubbed"], h, Route.AUTO_HUB), h, ids["hubbed"]),
            (lambda: hub_node.release(ids["tisa"], h, Route.DIRECT), h, ids["tisa"]),
            *[(lambda r=r: a.send(r.jws, h, route="tisa_hub", via=hub_node), h, ids["tisa"])
              for r in tisa_rows[:1]]],
        "handmade_envelope": [(lambda: a.send(jws, t), t, item)],
        "forged_sender": [(lambda: a.send(jws, t, sender=as_originator), t, item)],
        "forged_notice": [(notice, t, item)],
    }
    return out


def run_attempts(nodes: Mapping[str, Node], *, originator: str = "KOR", holder: str = "JPN",
                 third: str = "USA", settle: Callable[[], None] | None = None,
                 rounds: int = 1) -> dict[str, dict[str, int]]:
    """Set up the originator's legitimate releases, then try every attempt kind
    (module docstring) ``rounds`` times as ``holder`` against ``third`` (the automated and
    TISA hub of the catalog, as in agreements.md §3–4).

    Parameters:
        nodes: the three parties' nodes, connected (in process or live).
        originator, holder, third: party codes (the third party is the routes' hub).
        settle: lets queued envelopes arrive (default: advance a SimClock by 5 s, or wait
            for the live outboxes to empty).

    Returns:
        ``{kind: {"sent", "rejected", "audited", "delivered"}}`` (module docstring).
    """
    settle = settle or _default_settle(nodes)
    a = _Holder(nodes, holder, originator, third, settle)
    report = {k: {"sent": 0, "rejected": 0, "audited": 0, "delivered": 0}
              for k in ATTEMPT_KINDS}
    for _ in range(rounds):
        ids = _setup(a)
        for kind, attempts in _attempts(a, ids).items():
            for call, target, item_id in attempts:
                before = _audited(nodes)
                outcome = _try(call)
                if outcome is None and kind == "forged_notice":
                    continue  # no notice kind signed here: nothing sent
                settle()
                reached = a.reached(target, item_id)
                entry = report[kind]
                entry["sent"] += 1
                rejected = outcome == "refused" or (
                    isinstance(outcome, Receipt) and outcome.status == "rejected")
                entry["rejected"] += int(rejected or (outcome is None and not reached))
                entry["audited"] += int(_audited(nodes) > before)
                entry["delivered"] += int(reached)
    return report

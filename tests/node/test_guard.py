"""No path around the originator (Art. 6: no release to a third party without the
Originating Party's prior written approval; TISA para 4; agreements.md §4): ids bound to
their originator, no re-origination, derivative classification, the originator's signed
release checked at every hop, consents that must be the originator's. Real nodes on a
SimClock; every refusal is looked up in the audit log."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid

import pytest
from node_support import DELAY_S, EPOCH, warning

from gsomia.errors import InputError, ReleaseDenied
from gsomia.node import WARNING_TOPIC, Route
from gsomia.sharing.consent import Consent
from gsomia.sharing.envelope import Header, label_from_dict, seal, sign

KOR_SECRET = "군사II급비밀"


def _kor_item(net, releasable_to, to=("JPN",), payload=None):
    """A Korean item released directly to ``to``; delivered."""
    kor = net.nodes["KOR"]
    label = kor.create_item(payload or {"track_id": "K1", "count": 3,
                                       "impact_point": {"lat_deg": 40.5}},
                            classification=KOR_SECRET, releasable_to=releasable_to,
                            topic=WARNING_TOPIC, elements=("impact_point",))
    for party in to:
        kor.release(label.item_id, party, Route.DIRECT)
    net.clock.advance_to(net.clock.now_s() + 2 * DELAY_S)
    return label


def _denials(node, step=None):
    return [r.body for r in node.audit.records() if r.kind == "release.denied"
            and (step is None or r.body.get("step") == step)]


def _rejections(node):
    return [r.body for r in node.audit.records() if r.kind == "receive.rejected"]


def _now(net) -> dt.datetime:
    return net.clock.epoch + dt.timedelta(seconds=net.clock.now_s())


def _hand_sent(net, sender, jws, to, route="direct", final=None):
    """``sender`` seals ``jws`` by hand for ``to`` and sends it over its own link."""
    node = net.nodes[sender]
    at = _now(net)
    eid = uuid.uuid4().hex
    header = Header(eid, sender, to, at, route, final or to, f"hand:{eid}", 1)
    return node.links[to].send(seal(jws, header, node.directory, node.keys))


# ids bound to their originator ----------------------------------------------------------
def test_an_item_id_of_another_party_or_one_held_already_is_refused_and_audited(net):
    net.clock.advance_to(10.0)
    kor_item = _kor_item(net, ["JPN"])
    jpn = net.nodes["JPN"]
    for item_id, why in ((kor_item.item_id, "'JPN-...'"), ("KOR-1234", "'JPN-...'"),
                         ("plain-id", "'JPN-...'")):
        with pytest.raises(InputError, match=why):
            jpn.create_item({"x": 1}, classification="極秘", releasable_to=["USA"],
                            topic="t", item_id=item_id)
    own = jpn.create_item({"x": 2}, classification="極秘", releasable_to=["USA"], topic="t",
                          item_id="JPN-own-1")
    with pytest.raises(InputError, match="held already"):
        jpn.create_item({"x": 3}, classification="極秘", releasable_to=["USA"], topic="t",
                        item_id=own.item_id)
    assert [d["denied_by"] for d in _denials(jpn, "create")] == [["item_id"]] * 4
    assert [i[0] for i in jpn.store.local_items()] == ["JPN-own-1"]


def test_a_receiver_rejects_an_item_whose_id_is_not_bound_to_its_signed_originator(net):
    net.clock.advance_to(10.0)
    jpn = net.nodes["JPN"]
    label = dataclasses.replace(
        label_from_dict({"item_id": "KOR-forged", "originator": "JPN", "classification": "極秘",
                         "releasable_to": ["USA"], "topic": "t", "holder": "JPN"}))
    at = _now(net)
    signed = sign(jpn.keys, "item", {"x": 1}, at, label)
    receipt = _hand_sent(net, "JPN", signed.jws, "USA")
    assert receipt.status == "rejected" and "not bound to its originator" in receipt.reason
    assert _rejections(net.nodes["USA"])[-1]["check"] == "release"
    assert net.nodes["USA"].items() == []


# no re-origination -------------------------------------------------------------------------
@pytest.mark.parametrize("wrap", [
    lambda p, jws: p,                                     # the same payload
    lambda p, jws: {**p, "impact_point": {"lat_deg": 40.5}},  # the same JSON again
    lambda p, jws: {"copy": [p]},                         # nested
    lambda p, jws: {"text": json.dumps(p)},  # written as JSON text
    lambda p, jws: {"token": f"ref {jws} end"},            # the originator's signed token
    lambda p, jws: {**p, "count": 3.0},                    # 3 and 3.0: the same number
], ids=["same", "same-json", "nested", "json-text", "token", "numbers"])
def test_a_holder_cannot_publish_or_create_a_received_payload_as_its_own(net, wrap):
    net.clock.advance_to(10.0)
    item = _kor_item(net, ["JPN"])
    jpn = net.nodes["JPN"]
    [row] = jpn.store.inbox(kind="item")
    payload = wrap(row.payload, row.jws)
    jpn.routes = {"USA": Route.DIRECT}
    with pytest.raises(InputError, match=f"carries received item {item.item_id}"):
        jpn.publish(payload, topic=WARNING_TOPIC)
    with pytest.raises(InputError, match="re-originat|carries received item"):
        jpn.create_item(payload, classification="極秘", releasable_to=["USA"], topic="t")
    assert [d["denied_by"] for d in _denials(jpn, "create")] == [["re_origination"]] * 2
    assert jpn.store.local_items() == [] and jpn.store.outbox() == []


def test_new_information_of_the_holder_is_its_own(net):
    net.clock.advance_to(10.0)
    _kor_item(net, ["JPN"])
    jpn = net.nodes["JPN"]
    jpn.routes = {"USA": Route.DIRECT}
    [rel] = jpn.publish_warning(warning("J1"))
    assert rel.status == "queued" and rel.item_id.startswith("JPN-")


# derivative classification ------------------------------------------------------------------
def test_a_derived_item_keeps_the_most_restrictive_marking_and_the_intersection(net):
    net.clock.advance_to(10.0)
    src = _kor_item(net, ["JPN"])
    jpn = net.nodes["JPN"]
    fused = {"track_id": "F1", "fused_from": 2}
    with pytest.raises(InputError, match="classification.*below '極秘'"):
        jpn.create_item(fused, classification="秘", releasable_to=["KOR"], topic="t",
                        derived_from=[src.item_id])
    with pytest.raises(InputError, match=r"releasable_to.*\['USA'\] not releasable"):
        jpn.create_item(fused, classification="極秘", releasable_to=["KOR", "USA"],
                        topic="t", derived_from=[src.item_id])
    with pytest.raises(InputError, match=r"derived_from\[0\].*no such item"):
        jpn.create_item(fused, classification="極秘", releasable_to=["KOR"], topic="t",
                        derived_from=["KOR-unknown"])
    label = jpn.create_item(fused, classification="特定秘密", releasable_to=["KOR"],
                            topic="t", derived_from=[src.item_id])
    [source] = label.derived_from
    assert (source.item_id, source.originator, source.classification,
            source.releasable_to) == (src.item_id, "KOR", KOR_SECRET, frozenset({"JPN"}))
    created = [r.body for r in jpn.audit.records() if r.kind == "item.created"][-1]
    assert created["derived_from"][0]["item_id"] == src.item_id
    # a derived item carrying the source's very payload is not re-origination: it is named
    [row] = jpn.store.inbox(kind="item")
    jpn.create_item(row.payload, classification="極秘", releasable_to=["KOR"], topic="t",
                    derived_from=[src.item_id])


def test_a_derived_item_goes_to_a_third_party_only_with_the_source_originators_consent(net):
    net.clock.advance_to(10.0)
    kor, jpn, usa = net.nodes["KOR"], net.nodes["JPN"], net.nodes["USA"]
    src = _kor_item(net, ["JPN", "USA"])
    label = jpn.create_item({"track_id": "F2"}, classification="極秘", releasable_to=["USA"],
                            topic=WARNING_TOPIC, elements=("impact_point",),
                            derived_from=[src.item_id])
    with pytest.raises(ReleaseDenied) as info:
        jpn.release(label.item_id, "USA", Route.DIRECT)
    assert info.value.rules == ("derived_consent",)
    with pytest.raises(ReleaseDenied) as info:
        jpn.release(label.item_id, "USA", Route.AUTO_HUB)
    assert "derived_route" in info.value.rules
    kor.approve(src.item_id, "USA", Route.DIRECT, holder="JPN")  # Art. 6 written approval
    net.clock.advance_to(net.clock.now_s() + 2 * DELAY_S)
    rel = jpn.release(label.item_id, "USA", Route.DIRECT)
    assert rel.status == "queued"
    net.clock.advance_to(net.clock.now_s() + 2 * DELAY_S)
    [got] = [i for i in usa.items() if i.item_id == label.item_id]
    assert got.originator == "JPN" and got.label.derived_from[0].originator == "KOR"


def test_a_derived_item_without_the_consent_is_rejected_by_the_receiver(net):
    """JPN's own signature on a derived item it sends by hand does not replace KOR's."""
    net.clock.advance_to(10.0)
    jpn = net.nodes["JPN"]
    src = _kor_item(net, ["JPN", "USA"])
    label = jpn.create_item({"track_id": "F3"}, classification="極秘", releasable_to=["USA"],
                            topic="t", derived_from=[src.item_id])
    at = _now(net)
    signed = sign(jpn.keys, "item", {"track_id": "F3"}, at, label,
                  release={"to": "USA", "route": "direct", "hub": None})
    receipt = _hand_sent(net, "JPN", signed.jws, "USA")
    assert receipt.status == "rejected" and "did not release it to USA" in receipt.reason


# Art. 6: onward release only with the originator's signed consent ------------------------
def test_art6_a_holder_passes_an_item_on_only_with_the_originators_signed_consent(net):
    net.clock.advance_to(10.0)
    kor, jpn, usa = net.nodes["KOR"], net.nodes["JPN"], net.nodes["USA"]
    item = _kor_item(net, ["JPN", "USA"])
    jpn.book.grant(Consent("typed-by-hand", "KOR", "USA", EPOCH, item_id=item.item_id))
    with pytest.raises(ReleaseDenied) as info:  # a consent typed into the book is no consent
        jpn.release(item.item_id, "USA", Route.DIRECT)
    assert info.value.rules == ("third_party_consent",)
    kor.approve(item.item_id, "USA", Route.DIRECT, holder="JPN")
    net.clock.advance_to(net.clock.now_s() + 2 * DELAY_S)
    with pytest.raises(ReleaseDenied) as info:  # never through a hub
        jpn.release(item.item_id, "USA", Route.TISA_HUB)
    assert "holder_route" in info.value.rules
    assert jpn.release(item.item_id, "USA", Route.DIRECT).status == "queued"
    net.clock.advance_to(net.clock.now_s() + 2 * DELAY_S)
    [got] = usa.items()
    assert (got.item_id, got.sender, got.originator) == (item.item_id, "JPN", "KOR")
    kinds = [(r.kind, r.body.get("kind")) for r in usa.audit.records()
             if r.kind == "receive.accepted"]
    assert kinds == [("receive.accepted", "consent"), ("receive.accepted", "item")]


def test_art6_a_consent_must_be_the_originators_for_that_item_and_that_recipient(net):
    net.clock.advance_to(10.0)
    kor, jpn, usa = net.nodes["KOR"], net.nodes["JPN"], net.nodes["USA"]
    item = _kor_item(net, ["JPN", "USA"])
    other = _kor_item(net, ["JPN", "USA"], payload={"track_id": "K2"})
    kor.approve(other.item_id, "USA", Route.DIRECT, holder="JPN")  # another item
    kor.approve(item.item_id, "JPN", Route.DIRECT, holder="JPN")   # another recipient
    net.clock.advance_to(net.clock.now_s() + 2 * DELAY_S)
    with pytest.raises(ReleaseDenied, match="out of scope|none recorded|addressed"):
        jpn.release(item.item_id, "USA", Route.DIRECT)
    at = _now(net)
    for body, jws in jpn.store.consents():  # replay both real consents, then the item
        assert _hand_sent(net, "JPN", jws, "USA").status == "accepted", body
    forged = sign(jpn.keys, "consent", Consent(f"{item.item_id}>USA", "KOR", "USA", at,
                                               item_id=item.item_id).to_dict(), at)
    assert _hand_sent(net, "JPN", forged.jws, "USA").status == "rejected"  # signed by JPN
    row = next(r for r in jpn.store.inbox(kind="item") if r.item_id == item.item_id)
    receipt = _hand_sent(net, "JPN", row.jws, "USA")
    assert receipt.status == "rejected" and "third_party_consent" in receipt.reason
    assert usa.items() == [] and len(_rejections(usa)) == 2


def test_art6_an_expired_consent_of_the_originator_lets_nothing_go(net):
    net.clock.advance_to(10.0)
    kor, jpn, usa = net.nodes["KOR"], net.nodes["JPN"], net.nodes["USA"]
    item = _kor_item(net, ["JPN", "USA"])
    start = _now(net)
    consent = Consent(f"{item.item_id}>USA", "KOR", "USA", start, item_id=item.item_id,
                      expires_at=start + dt.timedelta(seconds=30))
    # as Korea's node would give it: signed by Korea, sent to the holder over Korea's link
    signed = sign(kor.keys, "consent", consent.to_dict(), start).jws
    assert _hand_sent(net, "KOR", signed, "JPN").status == "accepted"
    net.clock.advance_to(net.clock.now_s() + 60.0)
    with pytest.raises(ReleaseDenied, match="expired"):
        jpn.release(item.item_id, "USA", Route.DIRECT)
    row = next(r for r in jpn.store.inbox(kind="item") if r.item_id == item.item_id)
    assert _hand_sent(net, "JPN", signed, "USA").status == "accepted"  # known, but expired
    receipt = _hand_sent(net, "JPN", row.jws, "USA")
    assert receipt.status == "rejected" and "expired" in receipt.reason
    assert usa.items() == []


def test_a_consent_naming_an_item_of_another_originator_is_rejected(net):
    net.clock.advance_to(10.0)
    jpn = net.nodes["JPN"]
    at = _now(net)
    body = Consent("KOR-x>USA", "JPN", "USA", at, item_id="KOR-x").to_dict()
    receipt = _hand_sent(net, "JPN", sign(jpn.keys, "consent", body, at).jws, "USA")
    assert receipt.status == "rejected" and "not bound to its originator" in receipt.reason
    # nor may a consent of its own take the id of one the originator will give
    body = Consent("KOR-x>USA", "JPN", "USA", at, topic=WARNING_TOPIC).to_dict()
    receipt = _hand_sent(net, "JPN", sign(jpn.keys, "consent", body, at).jws, "USA")
    assert receipt.status == "rejected" and "consent id 'KOR-x>USA'" in receipt.reason
    assert len(net.nodes["USA"].book) == 0


# standing approval and hub legs (TISA para 4; agreements.md §4) ----------------------------
def test_the_automated_hubs_standing_approval_covers_only_what_the_originator_put_on_it(net):
    net.clock.advance_to(10.0)
    usa, jpn = net.nodes["USA"], net.nodes["JPN"]
    item = _kor_item(net, ["JPN", "USA"], to=("USA",))  # released to the USA only
    with pytest.raises(ReleaseDenied) as info:
        usa.release(item.item_id, "JPN", Route.AUTO_HUB)
    assert "holder_route" in info.value.rules
    [row] = usa.store.inbox(kind="item")
    receipt = _hand_sent(net, "USA", row.jws, "JPN", route="auto_hub")
    assert receipt.status == "rejected" and "did not release to JPN" in receipt.reason
    assert jpn.items() == []


def test_the_standing_approval_does_not_stretch_to_another_topic(net):
    net.clock.advance_to(10.0)
    kor = net.nodes["KOR"]
    kor.routes = {"JPN": Route.AUTO_HUB}
    [rel] = kor.publish({"plan": "evacuation"}, topic="operation-plan")
    assert rel.status == "denied"
    assert "scope:trilateral-missile-warning" in [r.rule for r in rel.decision.failed]


def test_a_hub_holds_an_item_only_for_the_final_recipient_the_originator_signed(net):
    net.clock.advance_to(10.0)
    kor, usa = net.nodes["KOR"], net.nodes["USA"]
    label = kor.create_item({"track_id": "H1"}, classification=KOR_SECRET,
                            releasable_to=["JPN", "USA"], topic=WARNING_TOPIC,
                            elements=("impact_point",))
    at = _now(net)
    for release, final in (({"to": "JPN", "route": "tisa_hub", "hub": "USA"}, "JPN"),
                           ({"to": "USA", "route": "auto_hub", "hub": "USA"}, "JPN"),
                           (None, "JPN")):
        signed = sign(kor.keys, "item", {"track_id": "H1"}, at, label, release=release)
        receipt = _hand_sent(net, "KOR", signed.jws, "USA", route="auto_hub", final=final)
        assert receipt.status == "rejected" and receipt.check == "release", release
    assert usa.held() == [] and len(_rejections(usa)) == 3


def test_a_hub_cannot_forward_a_tisa_item_the_originator_has_not_approved(net):
    net.clock.advance_to(10.0)
    kor, usa, jpn = net.nodes["KOR"], net.nodes["USA"], net.nodes["JPN"]
    kor.routes = {"JPN": Route.TISA_HUB}
    [rel] = kor.publish_warning(warning())
    net.clock.advance_to(11.0)
    [held] = usa.held()
    receipt = _hand_sent(net, "USA", held.jws, "JPN", route="tisa_hub")
    assert receipt.status == "rejected" and "third_party_consent" in receipt.reason
    kor.approve(rel.item_id, "JPN")  # then the hub forwards it, as TISA para 4 says
    net.clock.advance_to(20.0)
    assert [i.item_id for i in jpn.items()] == [rel.item_id]


def test_a_derivation_of_a_derived_item_keeps_every_original_source(net):
    """KOR's item → JPN's derived item (with KOR's consent for the USA) → the USA derives
    again: KOR stays a source, so the USA cannot pass it to JPN without KOR's consent."""
    net.clock.advance_to(10.0)
    kor, jpn, usa = net.nodes["KOR"], net.nodes["JPN"], net.nodes["USA"]
    src = _kor_item(net, ["JPN", "USA"])
    kor.approve(src.item_id, "USA", Route.DIRECT, holder="JPN")
    net.clock.advance_to(net.clock.now_s() + 2 * DELAY_S)
    fused = jpn.create_item({"track_id": "F4"}, classification="極秘",
                            releasable_to=["USA", "KOR"], topic=WARNING_TOPIC,
                            derived_from=[src.item_id])
    jpn.release(fused.item_id, "USA", Route.DIRECT)
    net.clock.advance_to(net.clock.now_s() + 2 * DELAY_S)
    again = usa.create_item({"track_id": "F5"}, classification="SECRET",
                            releasable_to=["JPN", "KOR"], topic=WARNING_TOPIC,
                            derived_from=[fused.item_id])
    assert {(s.item_id, s.originator) for s in again.derived_from} == {
        (src.item_id, "KOR"), (fused.item_id, "JPN")}
    with pytest.raises(InputError, match="classification"):  # 極秘 came as SECRET
        usa.create_item({"track_id": "F6"}, classification="CONFIDENTIAL",
                        releasable_to=["KOR"], topic="t", derived_from=[fused.item_id])
    with pytest.raises(ReleaseDenied) as info:
        usa.release(again.item_id, "JPN", Route.DIRECT)
    assert info.value.rules == ("derived_consent",)
    with pytest.raises(ReleaseDenied, match=f"{fused.item_id} of JPN"):  # JPN's part too
        usa.release(again.item_id, "KOR", Route.DIRECT)
    jpn.approve(fused.item_id, "KOR", Route.DIRECT, holder="USA")
    net.clock.advance_to(net.clock.now_s() + 2 * DELAY_S)
    assert usa.release(again.item_id, "KOR", Route.DIRECT).status == "queued"
    net.clock.advance_to(net.clock.now_s() + 2 * DELAY_S)
    assert again.item_id in [i.item_id for i in kor.items()]


def test_publish_takes_a_derivation_and_refuses_a_partner_outside_it(net):
    net.clock.advance_to(10.0)
    jpn = net.nodes["JPN"]
    src = _kor_item(net, ["JPN"])
    jpn.routes = {"USA": Route.DIRECT}
    with pytest.raises(InputError, match="releasable_to"):
        jpn.publish({"fused": 1}, topic=WARNING_TOPIC, derived_from=[src.item_id])
    assert _denials(jpn, "create")[-1]["denied_by"] == ["derivation"]
    jpn.routes = {"KOR": Route.DIRECT}
    [rel] = jpn.publish({"fused": 1}, topic=WARNING_TOPIC, derived_from=[src.item_id])
    assert rel.status == "queued"
    net.clock.advance_to(net.clock.now_s() + 2 * DELAY_S)
    [back] = [i for i in net.nodes["KOR"].items() if i.item_id == rel.item_id]
    assert back.label.derived_from[0].item_id == src.item_id


def test_a_tiny_or_empty_received_payload_met_nested_is_not_taken_for_a_copy(net):
    net.clock.advance_to(10.0)
    _kor_item(net, ["JPN"], payload={"x": 1})
    _kor_item(net, ["JPN"], payload={"y": 2})
    jpn = net.nodes["JPN"]
    jpn.create_item({"table": [{"x": 1}], "empty": {}}, classification="極秘",
                    releasable_to=["USA"], topic="t")
    with pytest.raises(InputError, match="carries received item"):
        jpn.create_item({"x": 1.0}, classification="極秘", releasable_to=["USA"], topic="t")


def test_a_long_part_of_a_received_payload_in_a_new_one_is_a_copy(net):
    """An attachment (a long string) or a long list lifted out of a received item and put
    in a new one under other fields still carries the received item."""
    net.clock.advance_to(10.0)
    blob = "QUJD" * 200  # 800 characters of base64
    plots = [{"range_m": 400e3 + k, "az": 0.1 * k} for k in range(12)]
    item = _kor_item(net, ["JPN"], payload={"title": "plan", "attachment": blob,
                                            "plots": plots})
    jpn = net.nodes["JPN"]
    for payload in ({"mine": True, "file": blob}, {"scan": plots, "site": "jpn-1"}):
        with pytest.raises(InputError, match=f"carries received item {item.item_id}"):
            jpn.create_item(payload, classification="極秘", releasable_to=["USA"], topic="t")
    jpn.create_item({"file": blob[:200], "scan": plots[:2]}, classification="極秘",
                    releasable_to=["USA"], topic="t")  # short pieces: not taken for a copy


def test_a_derived_item_takes_its_sources_restrictions_when_none_are_given(net):
    net.clock.advance_to(10.0)
    jpn = net.nodes["JPN"]
    secret = _kor_item(net, ["JPN", "USA"])
    confidential = net.nodes["KOR"].create_item(
        {"track_id": "K3"}, classification="군사III급비밀", releasable_to=["JPN"],
        topic=WARNING_TOPIC)
    net.nodes["KOR"].release(confidential.item_id, "JPN", Route.DIRECT)
    net.clock.advance_to(net.clock.now_s() + 2 * DELAY_S)
    label = jpn.create_item({"fused": 3}, topic=WARNING_TOPIC,
                            derived_from=[confidential.item_id, secret.item_id])
    assert label.classification == "極秘"  # 군사II급비밀 as Japan marked it on receipt
    assert label.releasable_to == frozenset({"KOR"})  # {JPN} ∩ {JPN, USA}, + originator
    with pytest.raises(InputError, match="classification.*required"):
        jpn.create_item({"fused": 4}, topic="t", releasable_to=["KOR"])


def test_art6_a_direct_approval_reaches_the_holders_of_the_item(net):
    """The originator knows whom it released its item to: its written approval for a
    third party goes to them, so any of them may then pass the item on directly."""
    net.clock.advance_to(10.0)
    kor, jpn, usa = net.nodes["KOR"], net.nodes["JPN"], net.nodes["USA"]
    item = _kor_item(net, ["JPN", "USA"])
    consent = kor.approve(item.item_id, "USA", Route.DIRECT)
    net.clock.advance_to(net.clock.now_s() + 2 * DELAY_S)
    assert [b["consent_id"] for b, _ in jpn.store.consents()] == [consent.consent_id]
    assert jpn.release(item.item_id, "USA", Route.DIRECT).status == "queued"
    net.clock.advance_to(net.clock.now_s() + 2 * DELAY_S)
    assert [i.item_id for i in usa.items()] == [item.item_id]


def test_naming_one_source_does_not_cover_another_received_item_carried_along(net):
    net.clock.advance_to(10.0)
    jpn = net.nodes["JPN"]
    one = _kor_item(net, ["JPN"], payload={"track_id": "A", "n": 1})
    two = _kor_item(net, ["JPN"], payload={"track_id": "B", "n": 2})
    rows = {r.item_id: r.payload for r in jpn.store.inbox(kind="item")}
    with pytest.raises(InputError, match=f"carries received item {two.item_id}"):
        jpn.create_item({"a": rows[one.item_id], "b": rows[two.item_id]}, topic="t",
                        derived_from=[one.item_id])
    jpn.create_item({"a": rows[one.item_id], "b": rows[two.item_id]}, topic="t",
                    derived_from=[one.item_id, two.item_id])

"""Originator actions as signed messages (jpn-kor-gsomia Art. 6(d)–(h)): only the
Originating Party issues them, every holder (hubs and third parties included) applies each
once and acknowledges it, a recalled or destroyed payload leaves the holder's store."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from node_support import EPOCH

from gsomia.errors import InputError, SharingError
from gsomia.node import Route
from gsomia.sharing.envelope import Header, label_from_dict, seal, sign
from gsomia.sharing.events import OriginatorNotice, apply_notice

T0 = EPOCH


def share(net, routes=(("JPN", "direct"), ("USA", "direct")), classification="군사II급비밀"):
    """A Korean item released to each (party, route), delivered; its id."""
    kor = net.nodes["KOR"]
    label = kor.create_item({"plan": "evacuation", "n": 1}, classification=classification,
                            releasable_to=["JPN", "USA"], topic="dprk-missile-threat",
                            elements=("impact_point",))
    for party, route in routes:
        kor.release(label.item_id, party, route)
        if Route.parse(route) is Route.TISA_HUB:
            kor.approve(label.item_id, party, route)
    net.clock.run()
    return label.item_id


def listed(node, item_id):
    return [i for i in node.items() if i.item_id == item_id]


def kinds(node):
    with node.lock:
        return [r.kind for r in node.audit.records()]


def test_art6_downgrade_reaches_every_holder_each_with_its_own_equivalent_marking(net):
    kor, jpn, usa = (net.nodes[p] for p in ("KOR", "JPN", "USA"))
    item = share(net)
    assert [i.marking["text"] for i in listed(jpn, item)] == ["大韓民国 極秘"]
    notice = kor.act(item, "downgrade", "군사III급비밀")
    assert notice["pending"] == ["JPN", "USA"] and notice["seq"] == 1
    net.clock.run()
    [at_jpn], [at_usa] = listed(jpn, item), listed(usa, item)
    assert at_jpn.marking["text"] == "大韓民国 秘"  # Art. 4(2): 군사III급비밀 = 秘
    assert at_jpn.label.classification == "군사III급비밀"
    assert at_usa.marking["classification"] == "CONFIDENTIAL"
    [status] = kor.actions(item)
    assert status["acknowledged"] == ["JPN", "USA"] and status["pending"] == []
    assert status["holders"]["JPN"] == {"status": "applied", "marking": "大韓民国 秘"}
    assert "notice.issued" in kinds(kor) and "notice.acknowledged" in kinds(kor)
    assert "notice.applied" in kinds(jpn)


def test_art6_a_holder_cannot_issue_an_action_on_a_received_item(net):
    item = share(net)
    with pytest.raises(SharingError, match="only the Originating Party KOR"):
        net.nodes["JPN"].act(item, "recall")
    with pytest.raises(InputError, match="no such item"):
        net.nodes["JPN"].act("KOR-unknown", "recall")


@pytest.mark.parametrize(("marking", "why"), [
    ("군사I급비밀", "jpn-kor-gsomia excludes it"),
    ("極秘", "not a KOR marking"),
    ("SECRET", "not a KOR marking"),
])
def test_art6_reclassification_outside_the_agreement_is_refused_before_sending(net, marking,
                                                                               why):
    kor = net.nodes["KOR"]
    item = share(net)
    before = kor.outbox_counts()
    with pytest.raises(InputError, match=why):
        kor.act(item, "reclassify", marking)
    assert kor.outbox_counts() == before and kor.actions(item) == []


def test_art6_downgrade_must_lower_the_marking(net):
    item = share(net, classification="군사III급비밀")
    with pytest.raises(InputError, match="not lower than 군사III급비밀"):
        net.nodes["KOR"].act(item, "downgrade", "군사II급비밀")


def test_apply_notice_refuses_a_notice_not_issued_by_the_originator(catalog):
    label = label_from_dict({"item_id": "KOR-1", "originator": "KOR", "holder": "JPN",
                             "classification": "군사II급비밀", "releasable_to": ["JPN"],
                             "topic": "dprk-missile-threat"})
    forged = OriginatorNotice("declassify", "KOR-1", "JPN", "JPN", T0)
    with pytest.raises(SharingError, match="only the Originating Party KOR"):
        apply_notice(label, forged, catalog)
    excluded = OriginatorNotice("reclassify", "KOR-1", "KOR", "JPN", T0, "군사I급비밀")
    with pytest.raises(InputError, match="excludes"):
        apply_notice(label, excluded, catalog)
    free_text = OriginatorNotice("reclassify", "KOR-1", "KOR", "JPN", T0, "TOP SECRET!!")
    with pytest.raises(InputError, match="not a KOR marking"):
        apply_notice(label, free_text, catalog)
    ok = OriginatorNotice("reclassify", "KOR-1", "KOR", "JPN", T0, "군사III급비밀")
    assert apply_notice(label, ok, catalog).classification == "군사III급비밀"


def _forge(net, signer, to, payload, kind="notice"):
    keys = net.nodes[signer].keys
    now = net.clock.now_s()
    at = EPOCH + dt.timedelta(seconds=now)
    header = Header(uuid.uuid4().hex, signer, to, at, "direct", to, f"x:{uuid.uuid4().hex}", 1)
    envelope = seal(sign(keys, kind, payload, at), header, net.nodes[signer].directory, keys)
    return net.nodes[to].receive(envelope.to_wire(), peer=signer)


def test_art6_a_notice_forged_by_a_holder_is_refused_and_audited(net):
    jpn, usa = net.nodes["JPN"], net.nodes["USA"]
    item = share(net)
    body = {"notice_id": uuid.uuid4().hex, "item_id": item, "originator": "JPN",
            "action": "declassify", "new_classification": None, "seq": 7,
            "issued_at": T0.isoformat()}
    for payload in (body, {**body, "originator": "KOR"}):
        receipt = _forge(net, "JPN", "USA", payload)
        assert receipt.status == "rejected" and receipt.check == "originator"
    net.clock.run()
    [copy] = listed(usa, item)
    assert copy.marking["classification"] == "SECRET"
    with usa.lock:
        rejected = [r.body for r in usa.audit.records() if r.kind == "receive.rejected"]
    assert len(rejected) == 2 and all(r["check"] == "originator" for r in rejected)
    assert listed(jpn, item)


@pytest.mark.parametrize("action", ["recall", "destroy"])
def test_recall_and_destroy_remove_the_payload_keep_the_fact(net, action):
    kor, jpn = net.nodes["KOR"], net.nodes["JPN"]
    item = share(net)
    kor.act(item, action)
    net.clock.run()
    assert listed(jpn, item) == []
    with jpn.lock:
        [row] = jpn.store.inbox(kind="item", item_id=item)
        records = [r for r in jpn.audit.records() if r.kind == "notice.applied"]
    assert row.status == {"recall": "recalled", "destroy": "destroyed"}[action]
    assert row.payload == {} and row.jws == ""
    assert records[-1].body["action"] == action and "evacuation" not in str(records[-1].body)
    assert kor.actions(item)[-1]["acknowledged"] == ["JPN", "USA"]
    with pytest.raises(InputError, match=f"already ordered to {action}"):
        kor.act(item, "declassify")


@pytest.mark.parametrize("route", ["tisa_hub", "auto_hub"])
def test_a_notice_follows_the_item_through_the_hub_and_purges_the_hubs_copy(net, route):
    kor, jpn, usa = (net.nodes[p] for p in ("KOR", "JPN", "USA"))
    item = share(net, routes=(("JPN", route),))
    assert listed(jpn, item)
    [held] = kor.custody(item)["released_to"]
    assert held["next_hop"] == "USA" and held["route"] == route
    kor.act(item, "recall")
    net.clock.run()
    assert listed(jpn, item) == []
    with usa.lock:
        hub_rows = usa.store.inbox(kind="item", item_id=item)
    assert [(r.status, r.payload, r.jws) for r in hub_rows] == [("recalled", {}, "")]
    assert kor.actions(item)[-1]["acknowledged"] == ["JPN"]
    assert "hub.relay" in kinds(usa)


def test_a_notice_goes_onward_to_a_third_party_the_holder_released_to_with_consent(net):
    kor, jpn, usa = (net.nodes[p] for p in ("KOR", "JPN", "USA"))
    item = share(net, routes=(("JPN", "direct"),))
    kor.approve(item, "USA", "direct", holder="JPN")  # signed, kept, sent to the holder
    net.clock.run()
    jpn.release(item, "USA", "direct")
    net.clock.run()
    assert listed(usa, item) and jpn.custody(item)["holders"] == ["USA"]
    kor.act(item, "downgrade", "군사III급비밀")
    net.clock.run()
    [status] = kor.actions(item)
    assert status["acknowledged"] == ["JPN", "USA"]  # USA, never released to by KOR, too
    assert listed(usa, item)[0].marking["classification"] == "CONFIDENTIAL"
    assert "notice.forwarded" in kinds(jpn)


def test_a_notice_delivered_twice_is_applied_once(net):
    kor, jpn = net.nodes["KOR"], net.nodes["JPN"]
    item = share(net, routes=(("JPN", "direct"),))
    kor.act(item, "reclassify", "군사III급비밀", send=False)
    [row] = [r for r in kor.store.pending() if r.kind == "notice"]
    jws = next(n["jws"] for n in kor.store.notices(item_id=item))
    assert jpn.receive(row.wire, peer="KOR").status == "accepted"
    assert jpn.receive(row.wire, peer="KOR").status == "duplicate"
    at = EPOCH + dt.timedelta(seconds=net.clock.now_s())
    other = Header(uuid.uuid4().hex, "KOR", "JPN", at, "direct", "JPN", "other", 1)
    again = jpn.receive(seal(jws, other, kor.directory, kor.keys).to_wire(), peer="KOR")
    assert again.status == "duplicate"
    net.clock.run()
    kor.flush()
    net.clock.run()
    assert kinds(jpn).count("notice.applied") == 1
    assert kor.actions(item)[0]["acknowledged"] == ["JPN"]


def test_an_unacknowledged_notice_is_retried_after_the_originators_restart(net):
    kor, jpn = net.nodes["KOR"], net.nodes["JPN"]
    item = share(net, routes=(("JPN", "direct"),))
    kor.act(item, "recall", send=False)  # committed, then the process stops before sending
    assert kor.actions(item)[0]["pending"] == ["JPN"]
    kor = net.restart("KOR")  # resume() flushes the outbox
    net.clock.run()
    assert listed(jpn, item) == []
    assert kor.actions(item)[0]["acknowledged"] == ["JPN"]


def test_a_notice_received_before_a_holders_restart_is_applied_after_it(net):
    kor = net.nodes["KOR"]
    item = share(net, routes=(("JPN", "direct"),))
    kor.act(item, "destroy")  # received by JPN; applied at its arrival time
    jpn = net.restart("JPN")
    net.clock.run()
    assert listed(jpn, item) == []
    assert kor.actions(item)[0]["acknowledged"] == ["JPN"]


def test_a_notice_reaches_a_holder_before_the_hub_forwards_the_item_and_waits_for_it(net):
    kor, jpn = net.nodes["KOR"], net.nodes["JPN"]
    item = share(net, routes=())
    kor.release(item, "JPN", "tisa_hub")  # held at the hub: Korea has not approved yet
    net.clock.run()
    assert listed(jpn, item) == []
    kor.act(item, "downgrade", "군사III급비밀")
    net.clock.run()
    assert [n["status"] for n in jpn.actions(item)] == ["waiting"]
    assert kor.actions(item)[0]["pending"] == ["JPN"]
    kor.approve(item, "JPN", "tisa_hub")  # the hub forwards the copy signed before
    net.clock.run()
    [copy] = listed(jpn, item)
    assert copy.label.classification == "군사III급비밀" and copy.marking["text"] == "大韓民国 秘"
    assert kor.actions(item)[0]["acknowledged"] == ["JPN"]


def test_a_holder_cannot_release_a_recalled_copy(net):
    kor, jpn = net.nodes["KOR"], net.nodes["JPN"]
    item = share(net, routes=(("JPN", "direct"),))
    kor.approve(item, "USA", "direct", holder="JPN")
    net.clock.run()
    kor.act(item, "recall")
    net.clock.run()
    with pytest.raises(InputError, match="no such item"):
        jpn.release(item, "USA", "direct")


def test_a_copy_signed_before_a_notice_and_delivered_after_it_follows_the_notice(net):
    kor, jpn = net.nodes["KOR"], net.nodes["JPN"]
    item = share(net, routes=(("USA", "direct"),))
    kor.release(item, "JPN", "tisa_hub")  # Japan's copy, held at the hub, old marking
    net.clock.run()
    kor.act(item, "reclassify", "군사III급비밀")
    net.clock.run()
    kor.approve(item, "JPN", "tisa_hub")
    net.clock.run()
    copies = listed(jpn, item)
    assert len(copies) == 1
    assert {(c.label.classification, c.marking["text"]) for c in copies} == \
        {("군사III급비밀", "大韓民国 秘")}
    assert {"notice.waiting", "notice.applied"} <= set(kinds(jpn))


def test_an_ack_from_a_party_the_item_never_reached_is_rejected_and_audited(net):
    """Art. 6(d)-(h): the originator counts an acknowledgement only from a holder its
    custody ledger knows for the item (or a third party it consented to), however the
    ack is signed."""
    kor = net.nodes["KOR"]
    item = share(net, routes=(("JPN", "direct"),))  # the USA never received the item
    notice = kor.act(item, "downgrade", "군사III급비밀")
    ack = {"notice_id": notice["notice_id"], "item_id": item, "holder": "USA",
           "originator": "KOR", "action": "downgrade", "status": "applied",
           "reason": None, "marking": "CONFIDENTIAL", "at": T0.isoformat()}
    receipt = _forge(net, "USA", "KOR", ack, kind="ack")
    assert receipt.status == "rejected" and receipt.check == "custody"
    assert "USA" in receipt.reason and item in receipt.reason
    net.clock.run()
    [status] = kor.actions(item)
    assert status["acknowledged"] == ["JPN"] and "USA" not in status["holders"]
    with kor.lock:
        rejected = [r.body for r in kor.audit.records() if r.kind == "receive.rejected"]
    assert [r["check"] for r in rejected] == ["custody"]
    assert rejected[0]["sender"] == "USA"


def test_a_downgraded_copy_reads_as_genuine_and_an_edited_one_does_not(net):
    """Re-verification on read: a holder's label changed by the originator's applied,
    signed notice still matches (the notice's JWS verifies); any other change is flagged."""
    kor, jpn = net.nodes["KOR"], net.nodes["JPN"]
    item = share(net, routes=(("JPN", "direct"),))
    kor.act(item, "downgrade", "군사III급비밀")
    net.clock.run()
    [copy] = listed(jpn, item)
    assert copy.label.classification == "군사III급비밀"
    assert kor.release(item, "USA").status == "queued"  # own reclassified item reads
    with jpn.lock:
        [row] = jpn.store.inbox(kind="item", item_id=item)
        label = {**row.label, "classification": "군사I급비밀"}
        jpn.store.update_inbox_item(row.envelope_id, label=label)
    assert listed(jpn, item) == []
    with jpn.lock:
        flagged = [r.body for r in jpn.audit.records() if r.kind == "store.tampered"]
    assert [f["item_id"] for f in flagged] == [item]


@pytest.mark.parametrize("kind", ["notice", "ack", "compromise", "investigation"])
def test_a_control_payload_with_a_stray_key_is_rejected_and_audited(net, kind):
    item = share(net)
    body = {"item_id": item, "originator": "KOR", "extra": "x"}
    receipt = _forge(net, "KOR", "USA", body, kind=kind)
    assert (receipt.status, receipt.check) == ("rejected", "format")
    assert f"{kind}.extra" in receipt.reason and "unknown key" in receipt.reason
    usa = net.nodes["USA"]
    with usa.lock:
        rejected = [r.body for r in usa.audit.records() if r.kind == "receive.rejected"]
    assert [r["check"] for r in rejected] == ["format"]

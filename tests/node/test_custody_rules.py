"""Who may hold an item (Art. 6, Art. 17): a holder never releases an item back to its
Originating Party and the originator receives no copy of its own item; one copy per item
at a holder; an item recalled or destroyed is released no more; a no-op reclassification
is refused; the originator files no Art. 17 report on its own item."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from node_support import EPOCH

from gsomia.errors import InputError, ReleaseDenied
from gsomia.node import Route
from gsomia.node.guard import authorisation
from gsomia.sharing.envelope import Header, seal, sign


def _shared(net, to=("JPN",)):
    kor = net.nodes["KOR"]
    label = kor.create_item({"plan": "evacuation"}, classification="군사II급비밀",
                            releasable_to=["JPN", "USA"], topic="dprk-missile-threat",
                            elements=("impact_point",))
    for party in to:
        kor.release(label.item_id, party, "direct")
    net.clock.run()
    return label


def _kinds(node, kind):
    with node.lock:
        return [r.body for r in node.audit.records() if r.kind == kind]


def _hop(net, sender, to, signed):
    """``signed`` (a Signed or its compact JWS) sealed by ``sender`` to ``to`` on a new
    stream and received there."""
    keys = net.nodes[sender].keys
    at = EPOCH + dt.timedelta(seconds=net.clock.now_s())
    header = Header(uuid.uuid4().hex, sender, to, at, "direct", to, f"x:{uuid.uuid4().hex}", 1)
    envelope = seal(signed, header, net.nodes[sender].directory, keys)
    return net.nodes[to].receive(envelope.to_wire(), peer=sender)


def test_art6_a_holder_does_not_release_an_item_back_to_its_originator(net):
    kor, jpn = net.nodes["KOR"], net.nodes["JPN"]
    item = _shared(net).item_id
    with pytest.raises(ReleaseDenied, match="to_originator") as denied:
        jpn.release(item, "KOR", "direct")
    assert denied.value.release.status == "denied"
    [record] = [r for r in _kinds(jpn, "release.denied") if r["item_id"] == item]
    assert record["to"] == "KOR" and record["denied_by"] == ["to_originator"]
    net.clock.run()
    assert kor.custody(item)["received_from"] == [] and jpn.custody(item)["released_to"] == []


def test_art6_the_originator_refuses_a_copy_of_its_own_item(net):
    kor, jpn = net.nodes["KOR"], net.nodes["JPN"]
    item = _shared(net).item_id
    with jpn.lock:
        [row] = jpn.store.inbox(kind="item", item_id=item)
    receipt = _hop(net, "JPN", "KOR", row.jws)
    assert receipt.status == "rejected" and receipt.check == "release"
    assert "item of KOR itself" in receipt.reason
    assert any("item of KOR itself" in r["reason"] for r in _kinds(kor, "receive.rejected"))
    net.clock.run()
    assert kor.custody(item)["received_from"] == []


def test_art17_the_originator_files_no_report_on_its_own_item(net):
    kor = net.nodes["KOR"]
    item = _shared(net).item_id
    with pytest.raises(InputError, match=f"item_id='{item}'.*Originating Party handles"):
        kor.report_compromise(item, "lost in transit")
    assert kor.cases() == []


def test_one_copy_per_item_the_second_release_answers_the_first(net):
    kor, jpn = net.nodes["KOR"], net.nodes["JPN"]
    label = _shared(net, to=())
    first = kor.release(label.item_id, "JPN", "direct")
    again = kor.release(label.item_id, "JPN", "direct")
    assert (again.status, again.envelope_id) == ("already_released", first.envelope_id)
    net.clock.run()
    after = kor.release(label.item_id, "JPN", "direct")  # acked now: still the one copy
    assert (after.status, after.envelope_id) == ("already_released", first.envelope_id)
    assert [e["envelope_id"] for e in kor.custody(label.item_id)["released_to"]] == \
        [first.envelope_id]
    assert [i.item_id for i in jpn.items()].count(label.item_id) == 1
    assert len(_kinds(kor, "release.already_released")) == 2


def test_one_copy_per_item_the_receiver_keeps_the_first(net):
    kor, jpn = net.nodes["KOR"], net.nodes["JPN"]
    label = _shared(net)
    with kor.lock:
        _, payload = kor.store.local_item(label.item_id)
    at = EPOCH + dt.timedelta(seconds=net.clock.now_s())
    second = sign(kor.keys, "item", payload, at, label,
                  release=authorisation("JPN", Route.DIRECT, None))
    receipt = _hop(net, "KOR", "JPN", second)
    assert receipt.status == "duplicate" and f"item {label.item_id} of KOR" in receipt.reason
    net.clock.run()
    assert [i.item_id for i in jpn.items()].count(label.item_id) == 1
    with jpn.lock:
        assert len(jpn.store.inbox(kind="item", item_id=label.item_id)) == 1
    assert _kinds(jpn, "receive.duplicate")[-1]["item_id"] == label.item_id


@pytest.mark.parametrize("action", ["recall", "destroy"])
def test_art6_an_item_recalled_or_destroyed_is_released_no_more(net, action):
    kor = net.nodes["KOR"]
    item = _shared(net).item_id
    notice = kor.act(item, action)
    net.clock.run()
    with pytest.raises(ReleaseDenied, match=notice["notice_id"]):
        kor.release(item, "USA", "direct")
    record = _kinds(kor, "release.denied")[-1]
    assert record["denied_by"] == ["removed"] and record["to"] == "USA"
    assert kor.custody(item)["holders"] == ["JPN"]


def test_art6_a_reclassification_to_the_current_level_is_refused(net):
    kor = net.nodes["KOR"]
    item = _shared(net).item_id
    with pytest.raises(InputError, match="new_classification=.*at 군사II급비밀 already"):
        kor.act(item, "reclassify", "군사II급비밀")
    assert kor.actions(item) == []


def test_art17_case_text_is_named_and_capped(net):
    jpn = net.nodes["JPN"]
    item = _shared(net).item_id
    with pytest.raises(InputError, match=r"^what=None"):
        jpn.report_compromise(item, None)
    with pytest.raises(InputError, match=r"^what='<4001 characters>'.*at most 4000"):
        jpn.report_compromise(item, "x" * 4001)
    case = jpn.report_compromise(item, "x" * 4000)
    with pytest.raises(InputError, match=r"^preventive_measures='<4001 characters>'"):
        jpn.investigate(case["case_id"], "found", "m" * 4001)
    assert [c["status"] for c in jpn.cases()] == ["open"]

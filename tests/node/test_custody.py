"""The custody ledger: every release and receipt of an item, by route and hop, written in
the release's or receipt's own transaction."""

from __future__ import annotations

import pytest
from node_support import allow, refuse

from gsomia.errors import InputError, StoreError


def _item(net, **label):
    kor = net.nodes["KOR"]
    return kor.create_item({"plan": "evacuation"}, classification="군사II급비밀",
                           releasable_to=["JPN", "USA"], topic="dprk-missile-threat",
                           elements=("impact_point",), **label).item_id


def test_originator_sees_each_release_by_route_and_hop(net):
    kor = net.nodes["KOR"]
    item = _item(net)
    direct = kor.release(item, "USA", "direct")
    via_hub = kor.release(item, "JPN", "tisa_hub")
    kor.approve(item, "JPN", "tisa_hub")
    net.clock.run()
    view = kor.custody(item)
    assert view["originator"] == "KOR" and view["holders"] == ["JPN", "USA"]
    got = {(e["party"], e["route"], e["next_hop"], e["envelope_id"], e["status"])
           for e in view["released_to"]}
    assert got == {("USA", "direct", "USA", direct.envelope_id, "acked"),
                   ("JPN", "tisa_hub", "USA", via_hub.envelope_id, "acked")}
    assert view["received_from"] == []


def test_holder_and_hub_see_from_whom_they_hold_it(net):
    kor, jpn, usa = (net.nodes[p] for p in ("KOR", "JPN", "USA"))
    item = _item(net)
    kor.release(item, "JPN", "auto_hub")
    net.clock.run()
    [got] = jpn.custody(item)["received_from"]
    assert (got["party"], got["originator"], got["route"], got["status"]) == \
        ("USA", "KOR", "auto_hub", "delivered")
    hub = usa.custody(item)
    assert [(e["party"], e["final"], e["status"]) for e in hub["received_from"]] == \
        [("KOR", "JPN", "forwarded")]
    assert [(e["party"], e["next_hop"]) for e in hub["released_to"]] == [("JPN", "JPN")]
    assert hub["holders"] == ["JPN"]


def test_a_denied_release_leaves_no_custody_record(net):
    jpn = net.nodes["JPN"]
    item = _item(net)
    net.nodes["KOR"].release(item, "JPN", "direct")
    net.clock.run()
    with pytest.raises(Exception, match="third_party_consent"):
        jpn.release(item, "USA", "direct")
    assert jpn.custody(item)["released_to"] == []


def test_custody_row_and_release_commit_together(net):
    kor = net.nodes["KOR"]
    item = _item(net)
    refuse(kor.store.db, "NEW.kind = 'item'")
    try:
        with pytest.raises(StoreError):
            kor.release(item, "JPN", "direct")
    finally:
        allow(kor.store.db)
    assert kor.custody(item)["released_to"] == [] and kor.store.outbox() == []


def test_unknown_item_is_named(net):
    with pytest.raises(InputError, match="item_id='nope'.*no such item at KOR"):
        net.nodes["KOR"].custody("nope")

"""The node in one process on a simulated clock: routes, marking, consent, exactly-once."""

from __future__ import annotations

import pytest
from node_support import DELAY_S, warning

from gsomia.errors import ReleaseDenied
from gsomia.node import Route, Store


def test_korean_secret_warning_reaches_japan_direct_marked_gokuhi(net):
    kor = net.nodes["KOR"]
    net.clock.advance_to(10.0)
    releases = kor.publish_warning(warning())
    assert {r.to: r.status for r in releases} == {"JPN": "queued", "USA": "queued"}
    assert net.got["JPN"] == []  # not before the modelled delay
    net.clock.advance_to(10.0 + DELAY_S)
    [(t_s, w, item)] = net.got["JPN"]
    assert t_s == pytest.approx(10.0 + DELAY_S)
    assert w.track_id == "T1" and w.elements == ("launch_point", "impact_point")
    assert item.originator == "KOR" and item.route == "direct"
    assert item.marking["text"] in ("大韓民国 極秘", "大韓民国 特定秘密")
    assert item.marking["originator_name_en"] == "Republic of Korea"
    assert net.got["USA"][0][2].marking["classification"] == "SECRET"


def test_tisa_hub_holds_until_korea_approves(net):
    kor, usa = net.nodes["KOR"], net.nodes["USA"]
    kor.routes = {"JPN": Route.TISA_HUB}
    net.clock.advance_to(10.0)
    [rel] = kor.publish_warning(warning())
    assert rel.status == "awaiting_approval" and rel.next_hop == "USA"
    net.clock.advance_to(100.0)
    assert len(usa.held()) == 1 and net.got["JPN"] == []
    kor.approve(rel.item_id, "JPN")
    net.clock.advance_to(100.0 + 2 * DELAY_S)
    [(t_s, _, item)] = net.got["JPN"]
    assert t_s == pytest.approx(100.0 + 2 * DELAY_S)
    assert item.route is Route.TISA_HUB and item.sender == "USA" and item.originator == "KOR"
    assert item.marking["text"].startswith("大韓民国")
    assert usa.held() == []


def test_auto_hub_forwards_without_a_human_step(net):
    net.nodes["KOR"].routes = {"JPN": "auto-hub"}  # an old spelling, still read
    assert net.nodes["KOR"].routes == {"JPN": Route.AUTO_HUB}
    net.clock.advance_to(10.0)
    net.nodes["KOR"].publish_warning(warning())
    net.clock.advance_to(10.0 + 2 * DELAY_S)
    [(_, _, item)] = net.got["JPN"]
    assert item.route is Route.AUTO_HUB and item.sender == "USA"


def test_japan_cannot_pass_a_korean_item_to_a_third_party_without_consent(net):
    net.clock.advance_to(10.0)
    net.nodes["KOR"].publish_warning(warning())
    net.clock.advance_to(11.0)
    item = net.nodes["JPN"].items()[0]
    with pytest.raises(ReleaseDenied) as info:
        net.nodes["JPN"].release(item.item_id, "USA")
    assert "third_party_consent" in info.value.rules
    kinds = [r.kind for r in net.nodes["JPN"].audit.records()]
    assert "release.denied" in kinds


def test_outage_then_restart_loses_nothing_and_duplicates_nothing(net):
    kor = net.nodes["KOR"]
    kor.routes = {"JPN": "direct"}
    link = net.links[("KOR", "JPN")]
    link.up = False
    net.clock.advance_to(10.0)
    for i in range(5):
        kor.publish_warning(warning("T1", 10.0 + i))
    assert kor.outbox_counts()["pending"] == 5
    net.clock.advance_to(11.0)
    net.restart("JPN")
    link.up = True
    net.clock.advance_to(20.0)
    assert kor.outbox_counts() == {"pending": 0, "acked": 5, "rejected": 0}
    got = [w.t_s for _, w, _ in net.got["JPN"]]
    assert got == [10.0, 11.0, 12.0, 13.0, 14.0]  # in order, once each
    assert net.nodes["JPN"].audit.verify().ok


def test_resend_of_an_envelope_is_acknowledged_once(net):
    net.nodes["KOR"].routes = {"JPN": "direct"}
    net.clock.advance_to(10.0)
    net.nodes["KOR"].publish_warning(warning())
    [row] = net.nodes["KOR"].store.outbox()
    again = net.nodes["JPN"].receive(row.wire)
    assert again.status == "duplicate"
    net.clock.advance_to(12.0)
    assert len(net.got["JPN"]) == 1


def test_store_schema_is_versioned(tmp_path):
    store = Store(tmp_path / "s.sqlite")
    assert store.schema_version == 1
    assert store.path.endswith("s.sqlite")
    store.close()


def _forward_claiming(net, holder: str, claimed: str, to: str):
    """``holder`` seals the Korean item it holds for ``to``, naming ``claimed`` as hop
    sender and signing the hop with its own key (the only one it has)."""
    import datetime as dt

    from gsomia.sharing.envelope import Header, PartyKeys, seal

    node = net.nodes[holder]
    row = node.store.inbox(kind="item")[0]
    at = net.clock.epoch + dt.timedelta(seconds=net.clock.now_s())
    as_claimed = PartyKeys(claimed, node.keys.signing, node.keys.encryption)
    header = Header("forged-1", claimed, to, at, "direct", to, "items:KOR", 99)
    return seal(row.jws, header, node.directory, as_claimed)


def test_japan_forwarding_a_korean_item_to_the_usa_as_korea_is_rejected(net):
    net.nodes["KOR"].routes = {"JPN": "direct"}
    net.clock.advance_to(10.0)
    net.nodes["KOR"].publish_warning(warning())
    net.clock.advance_to(11.0)
    usa = net.nodes["USA"]
    before = len(usa.store.inbox())
    envelope = _forward_claiming(net, "JPN", "KOR", "USA")
    for receipt in (usa.receive(envelope.to_wire()),                 # hop signature
                    usa.receive(envelope.to_wire(), peer="JPN")):    # and the link's peer
        assert receipt.status == "rejected" and receipt.check == "sender"
    assert len(usa.store.inbox()) == before
    rejected = [r.body for r in usa.audit.records() if r.kind == "receive.rejected"]
    assert [r["check"] for r in rejected[-2:]] == ["sender", "sender"]


def test_an_in_process_link_names_its_sending_node(net):
    """The link from JPN delivers as JPN: an envelope naming KOR is refused before opening."""
    net.nodes["KOR"].routes = {"JPN": "direct"}
    net.clock.advance_to(10.0)
    net.nodes["KOR"].publish_warning(warning())
    net.clock.advance_to(11.0)
    envelope = _forward_claiming(net, "JPN", "KOR", "USA")
    receipt = net.links[("JPN", "USA")].send(envelope)
    assert receipt.check == "sender" and "authenticated peer is JPN" in receipt.reason

"""The node's parts on their own: retry backoff, the ledger's transactions, consents, the
hub holding then forwarding, one publish for every payload kind, and routes held in their
canonical spelling (real nodes on a SimClock; no part replaced by a double)."""

from __future__ import annotations

import datetime as dt

import pytest
from node_support import DELAY_S, EPOCH, refuse, warning

from gsomia.errors import InputError, SharingError, StoreError
from gsomia.node import WARNING_TOPIC, RadarPlots, Route, Store
from gsomia.node.consents import Consents
from gsomia.node.ledger import Ledger
from gsomia.node.outbox import RetryPolicy
from gsomia.node.plots import PLOT_ELEMENTS, Plot, publish_plots
from gsomia.sharing import AuditLog
from gsomia.sharing.consent import Consent
from gsomia.sharing.envelope import Envelope, Header, open_envelope, seal, sign

COV = ((2500.0, 0.0, 0.0), (0.0, 1e-6, 0.0), (0.0, 0.0, 1e-6))


def scan() -> RadarPlots:
    return RadarPlots("scan-1", EPOCH, 10.0, "kor-radar-1", 37.5, 127.0, 120.0,
                      tuple(Plot(400e3 + 1e3 * k, 0.1 * k, 0.2, COV) for k in range(2)))


# retry policy -------------------------------------------------------------------------
def test_retry_delays_double_from_base_up_to_max():
    policy = RetryPolicy(base_s=0.05, factor=2.0, max_s=2.0)
    assert [policy.delay_s(n) for n in range(1, 9)] == pytest.approx(
        [0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 2.0, 2.0])
    assert policy.delay_s(0) == pytest.approx(0.05)  # no attempt yet: the base
    assert RetryPolicy(base_s=0.5, factor=3.0, max_s=10.0).delay_s(3) == pytest.approx(4.5)


def test_retry_without_growth_waits_the_base_or_the_max():
    assert RetryPolicy(base_s=0.3, factor=1.0, max_s=2.0).delay_s(50) == pytest.approx(0.3)
    assert RetryPolicy(base_s=5.0, factor=2.0, max_s=2.0).delay_s(1) == pytest.approx(2.0)


def test_failed_sends_are_retried_at_the_policys_times(net):
    kor = net.nodes["KOR"]
    kor.routes = {"JPN": Route.DIRECT}
    kor.retry = RetryPolicy(base_s=1.0, factor=2.0, max_s=8.0)
    net.links[("KOR", "JPN")].up = False
    net.clock.advance_to(10.0)
    kor.publish_warning(warning())
    net.clock.advance_to(10.0 + 1.0 + 2.0 + 4.0 + 0.5)  # attempts at 10, 11, 13, 17
    retries = [r for r in kor.audit.records() if r.kind == "send.retry"]
    times = [(dt.datetime.fromisoformat(r.at) - EPOCH).total_seconds() for r in retries]
    assert [r.body["attempt"] for r in retries] == [1, 2, 3, 4]
    assert [r.body["retry_in_s"] for r in retries] == [1.0, 2.0, 4.0, 8.0]
    assert times == pytest.approx([10.0, 11.0, 13.0, 17.0])
    [row] = kor.store.pending()
    assert row.attempts == 4 and row.next_try_s == pytest.approx(25.0)


# ledger -------------------------------------------------------------------------------
def test_a_transaction_commits_rows_and_audit_records_whole_or_not_at_all(tmp_path):
    store = Store(tmp_path / "s.sqlite")
    ledger = Ledger("KOR", store, AuditLog(store.db))
    with ledger.transaction():
        store.add_local_item("a", {"item_id": "a"}, {"x": 1}, 0.0)
        ledger.record([("item.created", {"item_id": "a"})], EPOCH)
        with ledger.transaction():  # nested: joins the outer one
            ledger.record([("item.note", {"item_id": "a"})], EPOCH)
        assert list(ledger.audit.records()) == []  # kept until the outermost block ends
    with pytest.raises(RuntimeError), ledger.transaction():
        store.add_local_item("b", {"item_id": "b"}, {"x": 2}, 0.0)
        ledger.record([("item.created", {"item_id": "b"})], EPOCH)
        raise RuntimeError("a step fails")
    assert [i[0] for i in store.local_items()] == ["a"]
    assert [(r.kind, r.body) for r in ledger.audit.records()] == [
        ("item.created", {"item_id": "a", "party": "KOR"}),
        ("item.note", {"item_id": "a", "party": "KOR"})]
    assert ledger.audit.verify().ok
    ledger.close()


# consents -----------------------------------------------------------------------------
def test_consents_give_the_signed_approvals_that_cover_an_item(tmp_path):
    consents = Consents()
    one = Consent("i1>JPN", "KOR", "JPN", EPOCH, item_id="i1")
    every = Consent("all>JPN", "KOR", "JPN", EPOCH, topic=WARNING_TOPIC)
    other = Consent("i2>USA", "KOR", "USA", EPOCH, item_id="i2")
    for consent, jws in ((one, "jws-1"), (every, "jws-all"), (other, "jws-2")):
        consents.add(consent, jws, f"msg-{consent.consent_id}")
    assert consents.signed_for("KOR", "JPN", "i1") == [("jws-1", "msg-i1>JPN"),
                                                       ("jws-all", "msg-all>JPN")]
    assert consents.signed_for("KOR", "JPN", "i9") == [("jws-all", "msg-all>JPN")]
    assert consents.signed_for("JPN", "KOR", "i1") == []
    with pytest.raises(SharingError, match="already recorded"):  # granted in the book
        consents.add(one, "jws-1", None)
    store = Store(tmp_path / "c.sqlite")  # read back from a store: no message ids yet
    store.add_consent(one.consent_id, one.to_dict(), "jws-1")
    assert Consents.load(store).signed_for("KOR", "JPN", "i1") == [("jws-1", None)]
    store.close()


# hub ----------------------------------------------------------------------------------
def test_the_hub_holds_a_tisa_item_then_forwards_it_after_the_approval(net):
    kor, usa, jpn = net.nodes["KOR"], net.nodes["USA"], net.nodes["JPN"]
    kor.routes = {"JPN": Route.TISA_HUB}
    net.clock.advance_to(10.0)
    [rel] = kor.publish_warning(warning())
    assert (rel.status, rel.next_hop, rel.route) == ("awaiting_approval", "USA", Route.TISA_HUB)
    net.clock.advance_to(10.0 + DELAY_S)
    [kor_row] = kor.store.outbox()
    assert kor_row.status == "acked" and "'status': 'held'" in kor_row.result
    [held] = usa.held()
    assert (held.item_id, held.final, held.route) == (rel.item_id, "JPN", Route.TISA_HUB)
    hub_records = [r for r in usa.audit.records() if r.kind.startswith("hub.")]
    assert [r.kind for r in hub_records] == ["hub.held"]
    assert hub_records[0].body["denied_by"] == ["third_party_consent"]
    assert usa.store.outbox() == [] and jpn.items() == []

    net.clock.advance_to(50.0)
    kor.approve(rel.item_id, "JPN")
    net.clock.advance_to(50.0 + 2 * DELAY_S)
    assert usa.held() == []
    forwarded = usa.store.outbox()
    # the originator's signed approval first, then the item, on the item's stream
    assert [(r.kind, r.peer, r.route, r.stream) for r in forwarded] == [
        ("consent", "JPN", Route.TISA_HUB, "warning:T1"),
        ("item", "JPN", Route.TISA_HUB, "warning:T1")]
    assert [r.kind for r in usa.audit.records() if r.kind.startswith("hub.")] == [
        "hub.held", "hub.forward"]
    opened = open_envelope(Envelope.from_wire(forwarded[1].wire), jpn.keys, jpn.directory,
                           EPOCH + dt.timedelta(seconds=51.0), 60.0)
    assert opened.header.route == "tisa_hub"  # canonical on the wire
    [item] = jpn.items()
    assert (item.item_id, item.sender, item.route) == (rel.item_id, "USA", Route.TISA_HUB)


def test_a_hub_accepts_an_old_route_spelling_from_a_peer_and_stores_it_canonical(net):
    kor, usa, jpn = net.nodes["KOR"], net.nodes["USA"], net.nodes["JPN"]
    net.clock.advance_to(10.0)
    w = warning()
    label = kor.create_item(w.to_dict(), classification=kor.warning_classification,
                            releasable_to=["JPN", "USA"], topic=WARNING_TOPIC,
                            elements=w.elements)
    at = EPOCH + dt.timedelta(seconds=10.0)
    # the originator's signed release: for JPN through the automated hub (USA)
    signed = sign(kor.keys, "item", w.to_dict(), at, label,
                  release={"to": "JPN", "route": "auto_hub", "hub": "USA"})
    header = Header("old-peer-1", "KOR", "USA", at, "auto-hub", "JPN", "warning:T1", 1)
    receipt = usa.receive(seal(signed, header, kor.directory, kor.keys).to_wire(), peer="KOR")
    assert receipt.status == "accepted"
    [row] = usa.store.inbox(kind="item")
    assert row.route is Route.AUTO_HUB
    net.clock.advance_to(10.0 + DELAY_S)
    [out] = usa.store.outbox()
    assert usa.store.outbox_route(out.envelope_id) is Route.AUTO_HUB
    assert usa.store.db.fetchone("SELECT route FROM outbox")[0] == "auto_hub"
    [item] = jpn.items()
    assert item.route is Route.AUTO_HUB and item.sender == "USA"


def test_a_store_written_with_old_spellings_reads_canonical_routes(tmp_path):
    store = Store(tmp_path / "old.sqlite")
    store.enqueue(envelope_id="e1", peer="USA", final="JPN", route="tisa", stream="s",
                  seq=1, kind="item", item_id="i1", msg_id="m1", wire={}, queued_s=0.0)
    assert store.db.fetchone("SELECT route FROM outbox")[0] == "tisa_hub"  # written canonical
    store.db.execute("UPDATE outbox SET route = 'auto-hub'")  # as a store of before
    assert store.outbox_route("e1") is Route.AUTO_HUB
    assert store.outbox()[0].route is Route.AUTO_HUB
    assert store.outbox_route("nope") is None
    with pytest.raises(InputError, match="route"):
        store.enqueue(envelope_id="e2", peer="USA", final="JPN", route="carrier-pigeon",
                      stream="s", seq=2, kind="item", item_id="i2", msg_id="m2", wire={},
                      queued_s=0.0)
    store.close()


# publish ------------------------------------------------------------------------------
def test_publish_takes_a_warning_radar_plots_and_any_other_item(net):
    kor, jpn = net.nodes["KOR"], net.nodes["JPN"]
    plots_seen: list = []
    jpn.on_plots = lambda plots, item: plots_seen.append(plots)
    net.clock.advance_to(10.0)
    published = {
        "missile_warning": kor.publish(warning("T7")),
        "radar_plots": kor.publish(scan()),
        "other": kor.publish({"note": "exercise at 0900"}, topic="exercise-schedule"),
    }
    for releases in published.values():
        assert [(r.to, r.route, r.status) for r in releases] == [
            ("JPN", Route.DIRECT, "queued"), ("USA", Route.DIRECT, "queued")]
    ids = {kind: releases[0].item_id for kind, releases in published.items()}
    streams = {r.item_id: r.stream for r in kor.store.outbox() if r.peer == "JPN"}
    assert streams == {ids["missile_warning"]: "warning:T7",
                       ids["radar_plots"]: "plots:kor-radar-1", ids["other"]: "items:KOR"}
    net.clock.advance_to(10.0 + DELAY_S)
    got = {i.item_id: i for i in jpn.items()}
    assert {kind: got[i].kind for kind, i in ids.items()} == {
        "missile_warning": "missile_warning", "radar_plots": "radar_plots", "other": "other"}
    assert {kind: (got[i].label.topic, got[i].label.elements) for kind, i in ids.items()} == {
        "missile_warning": (WARNING_TOPIC, ("launch_point", "impact_point")),
        "radar_plots": (WARNING_TOPIC, PLOT_ELEMENTS),
        "other": ("exercise-schedule", ())}
    assert got[ids["other"]].payload == {"note": "exercise at 0900"}
    assert [w.track_id for _, w, _ in net.got["JPN"]] == ["T7"]
    assert plots_seen == [scan()]


def test_the_wrappers_publish_as_publish_does(net):
    kor = net.nodes["KOR"]
    kor.routes = {"JPN": Route.DIRECT}
    net.clock.advance_to(10.0)
    [by_plots] = publish_plots(kor, scan(), classification="군사II급비밀", send=False)
    [by_warning] = kor.publish_warning(warning("T8"), send=False)
    assert by_plots.status == by_warning.status == "queued"
    assert kor.outbox_counts() == {"pending": 2, "acked": 0, "rejected": 0}  # not sent
    labels = {i[0]: i[1] for i in kor.store.local_items()}
    assert labels[by_plots.item_id]["classification"] == "군사II급비밀"
    assert labels[by_warning.item_id]["classification"] == kor.warning_classification


def test_publish_refuses_a_bad_payload_and_keeps_nothing(net):
    kor = net.nodes["KOR"]
    with pytest.raises(InputError, match="topic"):
        kor.publish({"note": "no topic"})
    bad = RadarPlots("scan-2", EPOCH, 10.0, "kor-radar-1", 95.0, 127.0, 0.0, scan().plots)
    with pytest.raises(InputError, match="plots.site.lat_deg"):
        kor.publish(bad)
    assert kor.store.local_items() == [] and kor.store.outbox() == []


def test_a_publish_refused_by_the_store_keeps_nothing_of_the_item(net):
    kor = net.nodes["KOR"]
    refuse(kor.store.db, "NEW.peer = 'USA'")  # JPN's row goes in first, then this fails
    net.clock.advance_to(10.0)
    with pytest.raises(StoreError, match="refused by the test"):
        kor.publish(scan())
    assert kor.store.local_items() == [] and kor.store.outbox() == []
    assert list(kor.audit.records()) == []

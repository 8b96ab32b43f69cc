"""Arrivals under store faults (SQLite and, with the ``services`` mark, PostgreSQL): a
store that refuses to mark one item of a received batch ``delivered`` must not let the
items after it reach the subscriber first; once it takes the write, every item is
delivered once, in the order stored. On PostgreSQL, a delivery whose ``COMMIT`` the server
took but whose answer was lost with the connection still reaches the subscriber, once,
whether the server can be asked about it at once or only later."""

from __future__ import annotations

import pytest
from node_support import DELAY_S, allow_writes, queue_direct_batch, refuse_writes, warning

from gsomia.node.inbox import ARRIVE_RETRY_S
from gsomia.node.links import MAX_BATCH_ENVELOPES
from pg_support import CommitCutProxy


def _refuse_delivery(db, envelope_id: str) -> None:
    """Make ``db`` refuse to mark ``envelope_id`` delivered."""
    refuse_writes(db, "UPDATE", "inbox",
                  f"NEW.envelope_id = '{envelope_id}' AND NEW.status = 'delivered'")


def test_a_delivery_the_store_refuses_mid_batch_keeps_the_rest_waiting(net):
    kor, jpn = net.nodes["KOR"], net.nodes["JPN"]
    sent = queue_direct_batch(net, 6)
    _refuse_delivery(jpn.store.db, kor.store.outbox()[2].envelope_id)
    assert kor.flush() == 6  # stored by JPN in one batch, arriving together
    net.clock.advance_to(10.0 + DELAY_S)
    got = [item.item_id for _, _, item in net.got["JPN"]]
    assert got == sent[:2]  # the third failed: the ones after it wait for it
    assert [r.status for r in jpn.store.inbox(kind="item")] == ["delivered"] * 2 + ["arrived"] * 4
    net.clock.advance_to(10.0 + DELAY_S + 3 * ARRIVE_RETRY_S)  # still refused: no change
    assert [item.item_id for _, _, item in net.got["JPN"]] == sent[:2]
    allow_writes(jpn.store.db, "inbox")
    net.clock.advance_to(10.0 + DELAY_S + 5 * ARRIVE_RETRY_S)
    assert [item.item_id for _, _, item in net.got["JPN"]] == sent  # once each, in order


def test_a_restart_while_a_delivery_is_refused_delivers_once_in_order(net):
    kor, jpn = net.nodes["KOR"], net.nodes["JPN"]
    sent = queue_direct_batch(net, 5)
    _refuse_delivery(jpn.store.db, kor.store.outbox()[1].envelope_id)
    assert kor.flush() == 5
    net.clock.advance_to(10.0 + DELAY_S)
    allow_writes(jpn.store.db, "inbox")
    for _ in range(3):  # restarted in quick succession, each resume scheduling the rest
        jpn = net.restart("JPN")
        jpn.resume()  # a second resume adds nothing
    net.clock.advance_to(20.0)
    assert [item.item_id for _, _, item in net.got["JPN"]] == sent
    assert [r.status for r in jpn.store.inbox(kind="item")] == ["delivered"] * 5


def test_a_hub_whose_forward_cannot_be_sent_still_hands_its_own_items(net):
    kor, usa = net.nodes["KOR"], net.nodes["USA"]
    kor.routes = {"USA": "direct", "JPN": "auto_hub"}  # USA: recipient and hub
    for link in net.links.values():
        link.max_batch = MAX_BATCH_ENVELOPES
    net.clock.advance_to(10.0)
    sent = [kor.publish_warning(warning(f"T{i}", 10.0 + i), send=False)[0].item_id
            for i in range(3)]
    refuse_writes(usa.store.db, "UPDATE", "outbox")  # USA cannot close its forwards' entries
    kor.flush()
    net.clock.advance_to(10.0 + DELAY_S)
    # USA's own copies are delivered (committed): its subscriber must have them
    assert [r.status for r in usa.store.inbox(kind="item") if r.final == "USA"] == ["delivered"] * 3
    assert [item.item_id for _, _, item in net.got["USA"]] == sent
    net.clock.advance_to(10.0 + 2 * DELAY_S)  # and the forwards reached JPN
    assert [item.item_id for _, _, item in net.got["JPN"]] == sent


def test_a_hub_forward_whose_ack_the_store_refused_is_closed_once_the_store_recovers(net):
    kor, usa = net.nodes["KOR"], net.nodes["USA"]
    kor.routes = {"JPN": "auto_hub"}
    net.clock.advance_to(10.0)
    kor.publish_warning(warning("T0", 10.0))
    db = usa.store.db
    refuse_writes(db, "UPDATE", "outbox")
    net.clock.advance_to(10.0 + DELAY_S)
    assert usa.outbox_counts()["pending"] == 1  # JPN stored it; USA could not close it
    allow_writes(db, "outbox")
    net.clock.advance_to(600.0)
    assert usa.outbox_counts()["pending"] == 0
    assert len(net.got["JPN"]) == 1


def test_an_arrival_stored_before_a_restart_goes_before_those_received_after_it(net):
    """A live node may take envelopes between its start and its ``resume()`` (its server
    is up first, :class:`gsomia.web.live.LiveCluster`): an arrival stored before the
    restart is still delivered first."""
    kor = net.nodes["KOR"]
    kor.routes = {"JPN": "direct"}
    net.clock.advance_to(10.0)
    first = kor.publish_warning(warning("T0", 10.0), send=False)[0].item_id
    _refuse_delivery(net.nodes["JPN"].store.db, kor.store.outbox()[0].envelope_id)
    kor.flush()
    net.clock.advance_to(10.0 + DELAY_S)  # stored, not delivered: the store refused
    assert net.got["JPN"] == []
    allow_writes(net.nodes["JPN"].store.db, "inbox")
    old = net.nodes["JPN"]
    old.close()  # restarted: a new node on the same store, taking envelopes at once
    jpn = net.nodes["JPN"] = type(old)(
        "JPN", old.keys, old.directory, old.catalog, old.store.url, net.clock,
        routes=old.routes,
        on_warning=lambda w, item: net.got["JPN"].append((net.clock.now_s(), w, item)))
    net.links[("KOR", "JPN")].receiver = jpn
    second = kor.publish_warning(warning("T1", 20.0))[0].item_id
    net.clock.advance_to(20.0)
    jpn.resume()
    net.clock.advance_to(30.0)
    assert [item.item_id for _, _, item in net.got["JPN"]] == [first, second]


def test_arrivals_behind_a_refused_one_keep_one_retry_pending_not_one_each(net):
    """A queue blocked by a delivery the store refuses is retried by one timer, however
    many arrivals joined it (each used to start its own retry every second)."""
    kor = net.nodes["KOR"]
    kor.routes = {"JPN": "direct"}
    net.clock.advance_to(10.0)
    sent = [kor.publish_warning(warning("T0", 10.0), send=False)[0].item_id]
    _refuse_delivery(net.nodes["JPN"].store.db, kor.store.outbox()[0].envelope_id)
    kor.flush()
    for i in range(1, 40):
        sent.append(kor.publish_warning(warning(f"T{i}", 10.0))[0].item_id)
        net.clock.advance_to(net.clock.now_s() + DELAY_S)
    assert net.got["JPN"] == []  # all wait behind the first
    assert net.clock.advance_to(net.clock.now_s() + ARRIVE_RETRY_S) == 1  # one retry
    allow_writes(net.nodes["JPN"].store.db, "inbox")
    net.clock.advance_to(net.clock.now_s() + ARRIVE_RETRY_S)
    assert [item.item_id for _, _, item in net.got["JPN"]] == sent


def _one_warning_stored_at_jpn(net, proxy: CommitCutProxy):
    """JPN restarted on ``proxy``'s store; KOR's warning T0 sent at 10 s and stored by JPN
    (arriving DELAY_S later). Returns ``(JPN's node, the item's id)``."""
    jpn = net.restart("JPN", store=proxy.url)
    kor = net.nodes["KOR"]
    kor.routes = {"JPN": "direct"}
    net.clock.advance_to(10.0)
    sent = kor.publish_warning(warning("T0", 10.0), send=False)[0].item_id
    assert kor.flush() == 1
    return jpn, sent


@pytest.mark.parametrize("database_url", [pytest.param("postgresql",
                                                       marks=pytest.mark.services)],
                         indirect=True)
@pytest.mark.parametrize("when", ["after", "before"])
def test_a_delivery_whose_commit_answer_is_lost_reaches_the_subscriber_once(net, when):
    """JPN's connection dies at an arrival's ``COMMIT``, ``after`` the server committed
    the item ``delivered`` (a backend terminated as it commits; the item used to be left
    ``delivered`` and never handed on) or ``before``: the item reaches the subscriber,
    once."""
    proxy = CommitCutProxy(net.nodes["JPN"].store.url)
    try:
        jpn, sent = _one_warning_stored_at_jpn(net, proxy)
        proxy.arm(when)  # the arrival's COMMIT
        net.clock.advance_to(10.0 + DELAY_S)
        assert proxy.cuts == 1
        net.clock.advance_to(10.0 + DELAY_S + 3 * ARRIVE_RETRY_S)
        assert [item.item_id for _, _, item in net.got["JPN"]] == [sent]
        assert [r.status for r in jpn.store.inbox(kind="item")] == ["delivered"]
    finally:
        proxy.close()


@pytest.mark.parametrize("database_url", [pytest.param("postgresql",
                                                       marks=pytest.mark.services)],
                         indirect=True)
def test_a_delivery_of_unknown_outcome_is_handed_once_the_store_tells(net):
    """The server commits an arrival's ``delivered``, the answer is lost and the server
    is then unreachable (the outcome cannot be asked): once the store answers again the
    item is handed, once (it used to be skipped as already processed)."""
    proxy = CommitCutProxy(net.nodes["JPN"].store.url)
    try:
        jpn, sent = _one_warning_stored_at_jpn(net, proxy)
        proxy.arm("after", refuse=True)
        net.clock.advance_to(10.0 + DELAY_S)  # the outcome asked for wait_s in vain
        assert proxy.cuts == 1 and net.got["JPN"] == []
        proxy.refusing = False
        for _ in range(60):  # the pool reconnects in the background; bounded
            net.clock.advance_to(net.clock.now_s() + ARRIVE_RETRY_S)
            if net.got["JPN"]:
                break
        net.clock.advance_to(net.clock.now_s() + 3 * ARRIVE_RETRY_S)
        assert [item.item_id for _, _, item in net.got["JPN"]] == [sent]
        assert [r.status for r in jpn.store.inbox(kind="item")] == ["delivered"]
    finally:
        proxy.close()

"""The outbox sends a peer's due entries in batches on a link that takes them (one
receiver transaction a batch; SQLite and, with the ``services`` mark, PostgreSQL)."""

from __future__ import annotations

from node_support import DELAY_S, allow_writes, queue_direct_batch, refuse_writes, warning

from gsomia.node.links import MAX_BATCH_ENVELOPES


def test_queued_warnings_go_in_batches_and_arrive_once_in_order(net):
    kor, jpn = net.nodes["KOR"], net.nodes["JPN"]
    kor.routes = {"JPN": "direct"}
    net.links[("KOR", "JPN")].max_batch = MAX_BATCH_ENVELOPES
    n = MAX_BATCH_ENVELOPES + 44  # two batches
    net.clock.advance_to(10.0)
    sent = [kor.publish_warning(warning(f"T{i % 3}", 10.0 + i), send=False)[0].item_id
            for i in range(n)]
    assert kor.flush() == n
    assert kor.outbox_counts() == {"pending": 0, "acked": n, "rejected": 0}
    net.clock.advance_to(10.0 + DELAY_S)
    got = [item.item_id for _, _, item in net.got["JPN"]]
    assert got == sent  # once each, in queue order
    accepted = [r.body["envelope_id"] for r in jpn.audit.records()
                if r.kind == "receive.accepted"]
    assert accepted == [r.envelope_id for r in kor.store.outbox()]
    # each envelope's own receipt closed its entry (signed by JPN, verified by KOR)
    acked = [r for r in kor.audit.records() if r.kind == "send.acked"]
    assert len(acked) == n and all(r.body["status"] == "accepted" for r in acked)
    assert all(r.body["signature"] for r in acked)


def test_a_link_of_one_envelope_a_request_is_unchanged(net):
    kor = net.nodes["KOR"]
    kor.routes = {"JPN": "direct"}
    net.clock.advance_to(10.0)
    for i in range(5):
        kor.publish_warning(warning("T1", 10.0 + i), send=False)
    assert kor.flush() == 5
    net.clock.advance_to(10.0 + DELAY_S)
    assert [w.t_s for _, w, _ in net.got["JPN"]] == [10.0, 11.0, 12.0, 13.0, 14.0]


def _refuse(db, envelope_id: str) -> None:
    """Make ``db`` refuse to store the envelope ``envelope_id``."""
    refuse_writes(db, "INSERT", "inbox", f"NEW.envelope_id = '{envelope_id}'")


def test_a_batch_the_receiver_cannot_store_is_kept_whole_and_sent_again(net):
    kor, jpn = net.nodes["KOR"], net.nodes["JPN"]
    sent = queue_direct_batch(net, 6, lambda i: f"T{i % 2}")
    rows = kor.store.outbox()
    _refuse(jpn.store.db, rows[3].envelope_id)
    assert kor.flush() == 0  # the receiver's store failed: nothing answered
    assert kor.outbox_counts() == {"pending": 6, "acked": 0, "rejected": 0}
    assert jpn.store.inbox() == []  # nothing of the batch kept, not even its first entries
    assert not [r for r in jpn.audit.records() if r.kind.startswith("receive.")]
    retry = [r for r in kor.audit.records() if r.kind == "send.retry"]
    assert [r.body["envelope_id"] for r in retry] == [rows[0].envelope_id]
    allow_writes(jpn.store.db, "inbox")
    net.clock.advance_to(12.0)  # past the backoff: sent again, whole, in order
    assert kor.outbox_counts() == {"pending": 0, "acked": 6, "rejected": 0}
    net.clock.advance_to(12.0 + DELAY_S)
    assert [item.item_id for _, _, item in net.got["JPN"]] == sent


def test_on_batch_follows_each_delivered_batchs_items(net):
    """``on_batch`` is called once per delivered batch, after every item of that batch was
    handed to ``on_warning`` (a subscriber may handle a batch's items at once)."""
    kor, jpn = net.nodes["KOR"], net.nodes["JPN"]
    kor.routes = {"JPN": "direct"}
    net.links[("KOR", "JPN")].max_batch = MAX_BATCH_ENVELOPES
    seen: list[object] = []
    handed = jpn.on_warning
    jpn.on_warning = lambda w, item: (seen.append(item.item_id), handed(w, item))
    jpn.on_batch = lambda: seen.append("batch")
    jpn.resume()  # as a started node (else its first arrival resumes, one item at a time)
    net.clock.advance_to(10.0)
    first = [kor.publish_warning(warning("T1", 10.0 + i), send=False)[0].item_id
             for i in range(3)]
    assert kor.flush() == 3
    second = [kor.publish_warning(warning("T2", 20.0), send=False)[0].item_id]
    assert kor.flush() == 1
    net.clock.advance_to(10.0 + DELAY_S)
    assert seen == [*first, "batch", *second, "batch"]

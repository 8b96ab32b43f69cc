"""The outbox sends a peer's due entries in batches on a link that takes them (one
receiver transaction a batch; SQLite and, with the ``services`` mark, PostgreSQL)."""

from __future__ import annotations

from node_support import DELAY_S, warning

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

"""Nodes on private in-memory stores (as a simulated run keeps them, with reads kept in
memory: ``Database.fetchone_kept``): a batch the receiver's database refuses midway keeps
nothing and acknowledges nothing, and the reads kept before it are the database's after
the rollback; sent again, the batch arrives whole."""

from __future__ import annotations

import pytest
from node_support import DELAY_S, queue_direct_batch


@pytest.fixture
def database_url():
    """Every node of ``net`` on a private ``":memory:"`` database."""
    return lambda name: ":memory:"


def _witness_rows(db) -> list[tuple]:
    return db.fetchall("SELECT role, party, size, root, note, cosignature, at FROM witness "
                       "ORDER BY role, party, size")


def test_a_batch_refused_midway_on_a_private_store_keeps_and_acknowledges_nothing(net):
    kor, jpn = net.nodes["KOR"], net.nodes["JPN"]
    assert jpn.store.db.private
    sent = queue_direct_batch(net, 6, lambda i: f"T{i % 2}")
    rows = kor.store.outbox()
    size, seen = jpn.audit.size(), jpn.store.checkpoint("seen", "KOR")  # kept reads
    witnessed = _witness_rows(jpn.store.db)
    # the 4th envelope's custody row exists already: its receipt's insert fails
    jpn.store.db.execute(
        "INSERT INTO custody (envelope_id, item_id, direction, party, final, route, "
        "next_hop, originator, stream, at_s) VALUES (?, 'x', 'received', 'KOR', 'JPN', "
        "'direct', 'JPN', 'KOR', 's', 0)", (rows[3].envelope_id,))
    assert kor.flush() == 0  # the receiver's store failed: nothing answered
    assert kor.outbox_counts() == {"pending": 6, "acked": 0, "rejected": 0}
    assert jpn.store.inbox() == []  # not even the envelopes before the 4th
    assert not [r for r in jpn.audit.records() if r.kind.startswith("receive.")]
    assert jpn.audit.size() == size == len(list(jpn.audit.records()))
    assert jpn.store.checkpoint("seen", "KOR") == seen
    assert _witness_rows(jpn.store.db) == witnessed
    assert jpn.store.last_in_seq("KOR", rows[0].stream) == 0
    assert jpn.audit.verify().ok
    jpn.store.db.execute("DELETE FROM custody WHERE envelope_id = ?", (rows[3].envelope_id,))
    net.clock.advance_to(12.0)  # past the backoff: sent again, whole, in order
    assert kor.outbox_counts() == {"pending": 0, "acked": 6, "rejected": 0}
    net.clock.advance_to(12.0 + DELAY_S)
    assert [item.item_id for _, _, item in net.got["JPN"]] == sent
    assert jpn.audit.size() == len(list(jpn.audit.records())) and jpn.audit.verify().ok
    assert jpn.store.last_in_seq("KOR", rows[0].stream) == max(
        r.seq for r in rows if r.stream == rows[0].stream)

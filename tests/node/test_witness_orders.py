"""A witness sees a sender's successive checkpoints in any order (a request that timed out
at the sender while still processed here, retried with a newer checkpoint, then the old
one processed last): an honest sender never raises an incident and an older checkpoint is
stale (no cosignature); a forked log always does, and the witness never cosigns both
branches (C2SP tlog-witness; RFC 9162 §2.1.4 consistency proofs) — Hypothesis."""

from __future__ import annotations

import base64

from hypothesis import given, settings
from hypothesis import strategies as st
from node_support import EPOCH

from gsomia.node import Directory, Node, PartyKeys, SimClock
from gsomia.node.witness import log_origin
from gsomia.sharing import load_catalog, translog

KEYS = {p: PartyKeys.generate(p) for p in ("JPN", "KOR")}
DIRECTORY = Directory(k.public() for k in KEYS.values())
CATALOG = load_catalog()
ORIGIN = log_origin("KOR")


def _leaves(tag: str, n: int) -> list[bytes]:
    return [translog.leaf_hash(f"{tag}{i}".encode()) for i in range(n)]


def _offer(leaves: list[bytes], size: int, old: int) -> dict:
    """What KOR's node attaches to an envelope: its checkpoint of the first ``size``
    leaves, signed, and the proof from ``old`` (the size it believes JPN cosigned)."""
    body = translog.Checkpoint(ORIGIN, size, translog.tree_root(leaves[:size])).body()
    proof = translog.consistency_proof(leaves[:size], old) if 0 < old <= size else []
    return {"old_size": old, "proof": translog.encode_hashes(proof),
            "checkpoint": translog.sign_note(body, ORIGIN, KEYS["KOR"].signing)}


@st.composite
def _deliveries(draw, branches: int):
    """``(offers, order)``: checkpoints at increasing sizes of ``branches`` logs sharing
    their first ``k`` leaves, each with an old size at or below its own, and an order of
    delivery in which each is delivered at least once (some twice)."""
    n = draw(st.integers(3, 24))
    k = draw(st.integers(1, n - 1))
    sizes = sorted(draw(st.sets(st.integers(1, n), min_size=2, max_size=7)))
    if branches > 1 and not any(s > k for s in sizes):
        sizes.append(n)
    logs = [_leaves("A", n)] + [_leaves("A", k) + _leaves(f"B{b}", n - k)
                                for b in range(1, branches)]
    offers = []
    for leaves in logs:
        for i, size in enumerate(sizes):
            old = draw(st.sampled_from([0, *sizes[:i + 1]]))
            offers.append((size, leaves, _offer(leaves, size, old)))
    order = draw(st.permutations(range(len(offers))))
    again = draw(st.lists(st.sampled_from(range(len(offers))), max_size=3))
    return k, offers, [*order, *again]


def _witness(offers, order):
    clock = SimClock(EPOCH)
    jpn = Node("JPN", KEYS["JPN"], DIRECTORY, CATALOG, ":memory:", clock)
    answers = []
    try:
        for i in order:
            size, _, offer = offers[i]
            before = jpn.store.checkpoint("seen", "KOR")
            answers.append((size, before, jpn.witness.witness("KOR", offer, EPOCH)))
        with jpn.lock:
            seen = jpn.store.db.fetchall("SELECT size, root FROM witness WHERE role = 'seen' "
                                         "AND party = 'KOR' ORDER BY size")
            reasons = [r.body["reason"] for r in jpn.audit.records()
                       if r.kind == "witness.inconsistent"]
        return answers, seen, reasons, jpn.witness.health()["incidents"]
    finally:
        jpn.close()


@settings(max_examples=60, deadline=None)
@given(_deliveries(branches=1))
def test_an_honest_sender_raises_no_incident_in_any_order(case):
    _, offers, order = case
    answers, seen, reasons, incidents = _witness(offers, order)
    assert reasons == [] and incidents == 0
    leaves = offers[0][1]
    for size, root in seen:  # every checkpoint cosigned is a true head of the log
        assert base64.b64decode(root) == translog.tree_root(leaves[:size])
    for size, before, got in answers:  # one older than the last cosigned: stale
        if before is not None and size < before[2]:
            assert got == {"cosignature": None, "cosigned_size": before[2]}
    assert seen  # the first delivered at least is cosigned


@settings(max_examples=60, deadline=None)
@given(_deliveries(branches=2))
def test_a_forked_log_is_caught_in_any_order_and_never_cosigned_twice(case):
    k, offers, order = case
    _, seen, reasons, incidents = _witness(offers, order)
    assert incidents >= 1 and reasons
    # every cosigned checkpoint is of one branch: never both sides of the fork
    branches = {tuple(leaves) for size, leaves, _ in offers}
    fits = [b for b in branches
            if all(base64.b64decode(r) == translog.tree_root(list(b)[:s]) for s, r in seen)]
    assert fits, seen

"""Partners as witnesses: checkpoints carried, cosigned (C2SP tlog-cosignature) in signed
receipts, a rewritten log caught, stored items re-verified on read."""

from __future__ import annotations

import base64
import dataclasses
import json
import tempfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from node_support import EPOCH, PARTIES, warning

from gsomia.errors import InputError, TranslogError
from gsomia.node import Directory, InProcessLink, Node, PartyKeys, SimClock
from gsomia.node.links import Receipt
from gsomia.node.witness import CheckpointPolicy, checkpoint_of, log_origin, witness_name
from gsomia.sharing import translog
from gsomia.web.app import create_app

KOR_SECRET = "군사II급비밀"
TOPIC = "dprk-missile-threat"


def _kinds(node: Node, kind: str) -> list[dict]:
    with node.lock:
        return [r.body for r in node.audit.records() if r.kind == kind]


def test_receipt_carries_the_receivers_cosignature_of_the_senders_checkpoint(net):
    kor, jpn = net.nodes["KOR"], net.nodes["JPN"]
    kor.publish_warning(warning())
    net.clock.run()
    seen = jpn.store.checkpoint("seen", "KOR")
    by = kor.store.checkpoint("by", "JPN")
    assert seen is not None and by is not None
    # the receiver's record and the sender's are the same checkpoint and cosignature
    assert (seen[2], seen[3], seen[4], seen[5]) == (by[2], by[3], by[4], by[5])
    cp = checkpoint_of(seen[4])
    assert cp.origin == log_origin("KOR") == "gsomia.KOR.audit"
    assert base64.b64decode(seen[3]) == cp.root == kor.audit.root(cp.size)
    # the cosignature is JPN's (C2SP tlog-cosignature) over KOR's checkpoint
    translog.verify_cosignature(cp, seen[5], witness_name("JPN"), jpn.keys.signing.public_key())
    with pytest.raises(TranslogError, match="key ID"):
        translog.verify_cosignature(cp, seen[5], witness_name("JPN"),
                                    kor.keys.signing.public_key())
    acked = [b for b in _kinds(kor, "send.acked") if b["peer"] == "JPN"]
    assert acked and all(b["signature"] and b["cosignature"] == seen[5] for b in acked)
    assert kor.witness.health()["cosigned_by"]["JPN"] == cp.size
    assert jpn.witness.health()["incidents"] == 0


def test_next_checkpoint_is_proved_consistent_from_the_size_cosigned(net):
    kor, jpn = net.nodes["KOR"], net.nodes["JPN"]
    kor.publish_warning(warning("T1"))
    net.clock.run()
    first = jpn.store.checkpoint("seen", "KOR")[2]
    kor.witness.checkpoint()  # on demand: covers everything so far
    kor.publish_warning(warning("T2"))
    net.clock.run()
    second = jpn.store.checkpoint("seen", "KOR")[2]
    assert second > first
    assert jpn.witness.health()["incidents"] == 0
    assert [i.item_id for i in jpn.items()] == [i.item_id for i in jpn.items()][:2]
    assert len(jpn.items()) == 2


class _Answering:
    """A link whose answers are changed by ``change`` before the sender sees them (a
    partner, or a path, that returns a bad receipt)."""

    def __init__(self, link: InProcessLink, change) -> None:
        self.link, self.change, self.peer = link, change, link.peer

    def send(self, envelope):
        return self.change(self.link.send(envelope))

    def close(self) -> None:
        return None


@pytest.mark.parametrize("change", [
    pytest.param(lambda r: dataclasses.replace(r, signature=None), id="unsigned"),
    pytest.param(lambda r: dataclasses.replace(r, marking="edited"), id="fields-edited"),
    pytest.param(lambda r: dataclasses.replace(r, signature=None).sign(
        PartyKeys.generate("JPN")), id="other-key"),
    pytest.param(lambda r: Receipt.from_dict({**r.to_dict(), "envelope_id": "other"}),
                 id="other-envelope"),
])
def test_unsigned_or_badly_signed_receipt_is_refused_and_retried(net, change):
    kor, jpn = net.nodes["KOR"], net.nodes["JPN"]
    real = net.links[("KOR", "JPN")]
    kor.connect("JPN", _Answering(real, change))
    kor.routes = {"JPN": "direct"}
    kor.publish_warning(warning())
    assert kor.outbox_counts()["pending"] == 1
    retries = _kinds(kor, "send.retry")
    assert retries and "receipt refused" in retries[0]["error"]
    assert not _kinds(kor, "send.acked")
    kor.connect("JPN", real)  # the partner answers properly again: the retry is acked
    net.clock.run()
    assert kor.outbox_counts() == {"pending": 0, "acked": 1, "rejected": 0}
    assert _kinds(kor, "send.acked")[0]["status"] == "duplicate"
    assert len(jpn.items()) == 1


def test_rewritten_log_is_caught_by_the_partner_and_the_item_still_accepted(
        net, catalog, tmp_path):
    kor, jpn = net.nodes["KOR"], net.nodes["JPN"]
    for i in range(3):
        kor.publish_warning(warning(f"T{i}"))
    net.clock.run()
    cosigned = jpn.store.checkpoint("seen", "KOR")
    # KOR's history rewritten: a node with KOR's keys on a fresh store (log restarted)
    forged = Node("KOR", kor.keys, kor.directory, catalog,
                  f"sqlite:///{tmp_path / 'forged.sqlite'}", net.clock,
                  routes={"JPN": "direct"})
    forged.connect("JPN", InProcessLink("JPN", jpn, net.clock, 0.5, sender="KOR"))
    try:
        for i in range(6):
            forged.witness.checkpoint()
            forged.publish_warning(warning(f"F{i}"))
            net.clock.run()
    finally:
        forged.close()
    incidents = _kinds(jpn, "witness.inconsistent")
    assert incidents and incidents[0]["sender"] == "KOR"
    assert incidents[0]["cosigned"] == cosigned[4]
    assert checkpoint_of(incidents[0]["offered"]).root != cosigned[3]
    reports = _kinds(jpn, "compromise_reported")
    assert reports and reports[0]["possible"] is True and reports[0]["source"] == "Art. 17"
    assert reports[0]["report_to"] == "KOR"
    offered = {checkpoint_of(b["offered"]).size for b in incidents}
    assert jpn.witness.health()["incidents"] == len(offered)
    # the warnings themselves were not lost
    assert {i.payload["track_id"] for i in jpn.items()} >= {f"F{i}" for i in range(6)}
    # the cosigned checkpoint was never replaced by the forged one
    assert jpn.store.checkpoint("seen", "KOR", cosigned[2])[3] == cosigned[3]
    jpn = net.restart("JPN")  # the incidents are kept in the store
    with TestClient(create_app(jpn)) as client:
        health = client.get("/v1/health").json()
    assert health["incidents"] == len(offered) >= 1
    # JPN sent only its Art. 17 report on KOR's log: KOR cosigned JPN's log in its receipt
    assert list(health["cosigned_by"]) == ["KOR"]
    [case] = jpn.cases()
    assert (case["scope"], case["originator"]) == ("audit log", "KOR")


def test_edited_received_item_is_refused_on_read(net):
    kor, jpn = net.nodes["KOR"], net.nodes["JPN"]
    kor.publish_warning(warning("T1"))
    kor.publish_warning(warning("T2"))
    net.clock.run()
    first, second = jpn.items()
    row = jpn.store.inbox_row(first.envelope_id)
    payload = {**row.payload, "track_id": "T9"}
    label = {**row.label, "classification": "秘"}
    with jpn.store.transaction():
        jpn.store.db.execute("UPDATE inbox SET payload = ? WHERE envelope_id = ?",
                             (json.dumps(payload), first.envelope_id))
        jpn.store.db.execute("UPDATE inbox SET label = ? WHERE envelope_id = ?",
                             (json.dumps(label), second.envelope_id))
    assert jpn.items() == []
    flagged = {b["envelope_id"]: b["reason"] for b in _kinds(jpn, "store.tampered")}
    assert set(flagged) == {first.envelope_id, second.envelope_id}
    assert "originator's signature" in flagged[first.envelope_id]
    jpn.items()  # read again: refused again, audited once per row
    assert len(_kinds(jpn, "store.tampered")) == 2
    assert jpn.witness.health()["tampered"] == 2


def test_edited_own_item_is_refused_on_read(net):
    kor = net.nodes["KOR"]
    label = kor.create_item({"note": "a"}, classification=KOR_SECRET,
                            releasable_to=["JPN"], topic=TOPIC)
    created = [b for b in _kinds(kor, "item.created") if b["item_id"] == label.item_id]
    assert len(created[0]["sha256"]) == 64
    with kor.store.transaction():
        kor.store.db.execute("UPDATE local_items SET payload = ? WHERE item_id = ?",
                             ('{"note":"b"}', label.item_id))
    with pytest.raises(InputError, match="altered"):
        kor.release(label.item_id, "JPN")
    assert _kinds(kor, "store.tampered")[0]["item_id"] == label.item_id
    untouched = kor.create_item({"note": "c"}, classification=KOR_SECRET,
                                releasable_to=["JPN"], topic=TOPIC)
    assert kor.release(untouched.item_id, "JPN").status == "queued"


def test_checkpoint_issued_every_n_records(net):
    kor = net.nodes["KOR"]
    kor.witness.policy = CheckpointPolicy(every_records=5, every_s=1e9)
    sizes = set()
    for i in range(6):
        kor.create_item({"n": i}, classification=KOR_SECRET, releasable_to=["JPN"],
                        topic=TOPIC)
        latest = kor.audit.latest_checkpoint()
        if latest is not None:
            sizes.add(checkpoint_of(latest).size)
    assert sizes == {5}  # one record a step: signed at the fifth
    kor.witness.policy = CheckpointPolicy(every_records=1000, every_s=30.0)
    net.clock.advance_to(net.clock.now_s() + 31.0)
    kor.create_item({"n": 9}, classification=KOR_SECRET, releasable_to=["JPN"], topic=TOPIC)
    assert checkpoint_of(kor.audit.latest_checkpoint()).size == kor.audit.size()


# every sequence of sends keeps each partner's stored checkpoints consistent ------------
_PAIRS = [(a, b) for a in PARTIES for b in PARTIES if a != b]
_STEP = st.tuples(st.sampled_from(_PAIRS), st.booleans())


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(_STEP, min_size=1, max_size=8))
def test_any_sends_keep_every_cosigned_checkpoint_a_true_head_of_the_senders_log(
        catalog, party_keys, steps):
    directory = Directory(k.public() for k in party_keys.values())
    clock = SimClock(EPOCH)
    with tempfile.TemporaryDirectory() as tmp:
        nodes = {p: Node(p, party_keys[p], directory, catalog,
                         f"sqlite:///{Path(tmp) / p}.sqlite", clock) for p in PARTIES}
        for a in PARTIES:
            nodes[a].witness.policy = CheckpointPolicy(every_records=3, every_s=1e9)
            for b in PARTIES:
                if a != b:
                    nodes[a].connect(b, InProcessLink(b, nodes[b], clock, 0.1, sender=a))
        try:
            for i, ((a, b), on_demand) in enumerate(steps):
                if on_demand:
                    nodes[a].witness.checkpoint()
                nodes[a].routes = {b: "direct"}
                nodes[a].publish_warning(warning(f"H{i}"))
                clock.run()
            for r in PARTIES:
                assert nodes[r].witness.health()["incidents"] == 0
                for s in PARTIES:
                    if s == r:
                        continue
                    rows = nodes[r].store.db.fetchall(
                        "SELECT size, root, cosignature FROM witness WHERE role = 'seen' "
                        "AND party = ? ORDER BY size", (s,))
                    assert bool(rows) == any(pair == (s, r) for pair, _ in steps)
                    for size, root, line in rows:
                        assert base64.b64decode(root) == nodes[s].audit.root(size)
                        assert nodes[s].store.checkpoint("by", r, size)[5] == line
        finally:
            for node in nodes.values():
                node.close()


def test_a_lost_receipt_is_a_conflict_then_proved_from_the_size_the_witness_holds(net):
    """C2SP tlog-witness: an old size other than the witness's latest is answered with the
    size it holds (409 there), not cosigned and not an incident; the next proof starts
    there."""
    kor, jpn = net.nodes["KOR"], net.nodes["JPN"]
    kor.publish_warning(warning("T1"))
    net.clock.run()
    held = jpn.store.checkpoint("seen", "KOR")[2]
    with kor.store.transaction():  # KOR lost JPN's answer: it thinks nothing is cosigned
        kor.store.db.execute("DELETE FROM witness WHERE role = 'by'")
    kor.witness.checkpoint()
    kor.publish_warning(warning("T2"))
    net.clock.run()
    last = [b for b in _kinds(kor, "send.acked") if b["peer"] == "JPN"][-1]
    assert (last["cosignature"], last["cosigned_size"]) == (None, held)
    kor.witness.checkpoint()
    kor.publish_warning(warning("T3"))
    net.clock.run()
    last = [b for b in _kinds(kor, "send.acked") if b["peer"] == "JPN"][-1]
    assert last["cosignature"] and last["cosigned_size"] > held
    assert jpn.witness.health()["incidents"] == 0
    assert len(jpn.items()) == 3


def _offer(note: str) -> dict:
    return {"old_size": 0, "proof": [], "checkpoint": note}


def test_size_going_back_below_its_old_size_or_another_root_is_an_incident(net):
    kor, jpn = net.nodes["KOR"], net.nodes["JPN"]
    kor.create_item({"n": 0}, classification=KOR_SECRET, releasable_to=["JPN"], topic=TOPIC)
    early = kor.witness.checkpoint()  # signed, never shown to JPN
    kor.create_item({"n": 1}, classification=KOR_SECRET, releasable_to=["JPN"], topic=TOPIC)
    kor.witness.checkpoint()  # the one the next envelope carries
    kor.publish_warning(warning("T1"))
    net.clock.run()
    size = jpn.store.checkpoint("seen", "KOR")[2]
    at = EPOCH
    assert checkpoint_of(early).size < size
    # an older checkpoint not shown inconsistent is stale: no cosignature, no incident
    got = jpn.witness.witness("KOR", _offer(early), at)
    assert got == {"cosignature": None, "cosigned_size": size}
    assert _kinds(jpn, "witness.inconsistent") == []
    # the same note sent with the size JPN cosigned as its old size: the log went back
    got = jpn.witness.witness("KOR", {**_offer(early), "old_size": size}, at)
    assert got == {"cosignature": None, "cosigned_size": size}
    forged = translog.sign_note(translog.Checkpoint(log_origin("KOR"), size, bytes(32)).body(),
                                log_origin("KOR"), kor.keys.signing)
    jpn.witness.witness("KOR", _offer(forged), at)
    reasons = [b["reason"] for b in _kinds(jpn, "witness.inconsistent")]
    assert reasons == [f"size went back from {size} to {checkpoint_of(early).size}",
                       f"another root at size {size}"]
    stranger = translog.sign_note(translog.Checkpoint(log_origin("KOR"), size + 5,
                                                      bytes(32)).body(),
                                  log_origin("KOR"), PartyKeys.generate("KOR").signing)
    assert jpn.witness.witness("KOR", _offer(stranger), at)["cosignature"] is None
    assert len(_kinds(jpn, "witness.inconsistent")) == 2  # not signed by KOR: no evidence
    assert len(_kinds(jpn, "compromise_reported")) == 1  # one case on KOR's log, open
    [case] = jpn.cases()
    assert [h["step"] for h in case["history"]] == ["reported", "incident"]


def test_own_item_check_does_not_trust_the_index_row(net):
    kor = net.nodes["KOR"]
    kor.create_item({"note": "first"}, classification=KOR_SECRET, releasable_to=["JPN"],
                    topic=TOPIC)  # record 1: another item's creation
    label = kor.create_item({"note": "a"}, classification=KOR_SECRET, releasable_to=["JPN"],
                            topic=TOPIC)
    with kor.store.transaction():  # payload edited, index pointed at another record
        kor.store.db.execute("UPDATE local_items SET payload = ? WHERE item_id = ?",
                             ('{"note":"b"}', label.item_id))
        kor.store.db.execute("UPDATE item_leaves SET seq = 1 WHERE item_id = ?",
                             (label.item_id,))
    with pytest.raises(InputError, match="altered"):
        kor.release(label.item_id, "JPN")
    other = kor.create_item({"note": "c"}, classification=KOR_SECRET, releasable_to=["JPN"],
                            topic=TOPIC)
    with kor.store.transaction():  # a store from before the index: found by a search
        kor.store.db.execute("DELETE FROM item_leaves WHERE item_id = ?", (other.item_id,))
    assert kor.release(other.item_id, "JPN").status == "queued"

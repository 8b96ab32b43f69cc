"""An inconsistent checkpoint caught by a witness becomes an Art. 17 case about the
partner's audit log at the witness, reported to the partner (signed, over the same links),
which opens its side of the case; the witness investigates and closes it."""

from __future__ import annotations

import datetime as dt
import uuid

from node_support import EPOCH, warning

from gsomia.node.compromise import AUDIT_LOG
from gsomia.node.witness import log_origin
from gsomia.sharing import translog
from gsomia.sharing.envelope import Header, seal, sign


def _forged_offer(kor, size: int) -> dict:
    """A checkpoint signed with KOR's key at a size JPN cosigned, another root."""
    body = translog.Checkpoint(log_origin("KOR"), size, bytes(32)).body()
    note = translog.sign_note(body, log_origin("KOR"), kor.keys.signing)
    return {"old_size": 0, "proof": [], "checkpoint": note}


def _records(node, kind: str) -> list[dict]:
    with node.lock:
        return [r.body for r in node.audit.records() if r.kind == kind]


def test_an_inconsistent_checkpoint_opens_a_case_reported_to_the_partner(net):
    kor, jpn = net.nodes["KOR"], net.nodes["JPN"]
    kor.publish_warning(warning("T1"))
    net.clock.run()
    size = jpn.store.checkpoint("seen", "KOR")[2]
    assert jpn.cases() == []
    jpn.witness.witness("KOR", _forged_offer(kor, size), EPOCH)
    [case] = jpn.cases()
    assert case["scope"] == AUDIT_LOG and case["item_id"] == "gsomia.KOR.audit"
    assert (case["originator"], case["holder"], case["side"]) == ("KOR", "JPN", "holder")
    assert case["possible"] is True and case["status"] == "open"
    assert f"another root at size {size}" in case["what"]
    [reported] = _records(jpn, "compromise_reported")
    assert reported["case_id"] == case["case_id"] and reported["report_to"] == "KOR"
    assert reported["scope"] == AUDIT_LOG and reported["source"] == "Art. 17"
    net.clock.run()  # the report travels to KOR, signed by JPN
    [theirs] = kor.cases()
    assert theirs["case_id"] == case["case_id"] and theirs["side"] == "originator"
    assert theirs["scope"] == AUDIT_LOG and theirs["holder"] == "JPN"
    [opened] = _records(kor, "compromise.case_opened")
    assert opened["scope"] == AUDIT_LOG and opened["holder"] == "JPN"
    with jpn.lock:
        sent = [r for r in jpn.store.outbox() if r.kind == "compromise"]
    assert [(r.peer, r.status) for r in sent] == [("KOR", "acked")]
    # a second incident while the case is open adds to it; no second case or report
    jpn.witness.witness("KOR", _forged_offer(kor, size - 1 if size > 1 else size), EPOCH)
    [again] = jpn.cases()
    assert [h["step"] for h in again["history"]][-1] in ("incident", "reported")
    assert len(_records(jpn, "compromise_reported")) == 1
    # the witness investigates and closes; the partner's side follows (Art. 17)
    jpn.investigate(case["case_id"], "log restored from a backup by KOR's operator",
                    "checkpoints exported daily")
    jpn.close_case(case["case_id"], "closed")
    net.clock.run()
    [theirs] = kor.cases()
    assert theirs["status"] == "closed"
    assert theirs["findings"] == "log restored from a backup by KOR's operator"


def test_a_report_about_another_partys_log_is_refused(net):
    kor, jpn = net.nodes["KOR"], net.nodes["JPN"]
    at = EPOCH + dt.timedelta(seconds=net.clock.now_s())
    body = {"case_id": "case-x", "item_id": log_origin("USA"), "originator": "KOR",
            "holder": "JPN", "possible": True, "what": "x", "discovered_at": at.isoformat(),
            "reported_at": at.isoformat(), "scope": AUDIT_LOG}
    header = Header(uuid.uuid4().hex, "JPN", "KOR", at, "direct", "KOR", "control:JPN", 1)
    wire = seal(sign(jpn.keys, "compromise", body, at), header, jpn.directory, jpn.keys)
    receipt = kor.receive(wire.to_wire(), peer="JPN")
    assert receipt.status == "rejected" and receipt.check == "originator"
    assert "gsomia.KOR.audit" in receipt.reason
    assert kor.cases() == []

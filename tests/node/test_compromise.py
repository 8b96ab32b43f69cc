"""Loss or compromise (jpn-kor-gsomia Art. 17): reported to the Originating Party at once,
investigated by the Receiving Party, results and closure reported; audited at both ends."""

from __future__ import annotations

import pytest

from gsomia.errors import InputError, SharingError


def _held(net, route="direct"):
    kor = net.nodes["KOR"]
    item = kor.create_item({"plan": "evacuation"}, classification="군사II급비밀",
                           releasable_to=["JPN", "USA"], topic="dprk-missile-threat",
                           elements=("impact_point",)).item_id
    kor.release(item, "JPN", route)
    if route == "tisa_hub":
        kor.approve(item, "JPN", route)
    net.clock.run()
    return item


def _audit(node, case_id):
    with node.lock:
        return [r.kind for r in node.audit.records() if r.body.get("case_id") == case_id]


@pytest.mark.parametrize("route", ["direct", "tisa_hub"])
def test_art17_report_goes_to_the_originator_at_once_and_opens_a_case(net, route):
    kor, jpn = net.nodes["KOR"], net.nodes["JPN"]
    item = _held(net, route)
    case = jpn.report_compromise(item, "courier bag opened", possible=True)
    # at once: queued in the report's own transaction and sent by the same call
    with jpn.lock:
        [queued] = [r for r in jpn.store.outbox() if r.kind == "compromise"]
    assert queued.final == "KOR" and queued.peer == ("USA" if route == "tisa_hub" else "KOR")
    net.clock.run()
    [theirs] = kor.cases()
    assert (theirs["case_id"], theirs["side"], theirs["holder"], theirs["status"],
            theirs["possible"]) == (case["case_id"], "originator", "JPN", "open", True)
    assert _audit(jpn, case["case_id"]) == ["compromise_reported"]
    assert _audit(kor, case["case_id"]) == ["compromise.case_opened"]


def test_art17_investigation_results_and_closure_reach_the_originator(net):
    kor, jpn = net.nodes["KOR"], net.nodes["JPN"]
    item = _held(net)
    case = jpn.report_compromise(item, "laptop lost")
    with pytest.raises(InputError, match="needs a case investigated"):
        jpn.close_case(case["case_id"])
    jpn.investigate(case["case_id"], "found unopened", "full-disk encryption")
    jpn.close_case(case["case_id"], "closed after recovery")
    net.clock.run()
    [theirs] = kor.cases()
    assert theirs["status"] == "closed"
    assert (theirs["findings"], theirs["preventive_measures"]) == \
        ("found unopened", "full-disk encryption")
    assert [h["step"] for h in theirs["history"]] == \
        ["reported", "received", "investigation", "closure"]
    assert _audit(kor, case["case_id"]) == ["compromise.case_opened",
                                           "compromise.investigation_received",
                                           "compromise.closure_received"]
    assert _audit(jpn, case["case_id"]) == ["compromise_reported", "investigation_reported",
                                           "case.closed"]


def test_art17_only_the_receiving_party_investigates(net):
    kor, jpn = net.nodes["KOR"], net.nodes["JPN"]
    item = _held(net)
    jpn.report_compromise(item, "laptop lost")
    net.clock.run()
    [theirs] = kor.cases()
    with pytest.raises(SharingError, match="the Receiving Party JPN investigates"):
        kor.investigate(theirs["case_id"], "x", "y")


def test_art17_reports_only_what_it_holds_and_says_what_happened(net):
    kor, jpn = net.nodes["KOR"], net.nodes["JPN"]
    item = _held(net)
    with pytest.raises(InputError, match="Originating Party handles the loss"):
        kor.report_compromise(item, "lost")  # the originator's own item
    with pytest.raises(InputError, match=r"^what=.  .: expected a non-empty string"):
        jpn.report_compromise(item, "  ")
    assert jpn.cases() == [] and kor.cases() == []

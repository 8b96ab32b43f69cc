"""The personnel file and the per-person read decision (JPN–KOR GSOMIA Art. 7, Art. 16;
JPN–USA GSOMIA, same structure): real nodes in one process on a SimClock, items shared
from Korea and the USA to Japan, Japan's persons deciding reads."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from node_support import EPOCH

from gsomia.errors import InputError
from gsomia.node import Directory, InProcessLink, Node, PartyKeys, SimClock
from gsomia.node.persons import (
    Personnel,
    PersonnelRecord,
    audit_reads,
    decide_read,
    load_personnel,
)
from gsomia.sharing import ReleaseRequest, decide, load_catalog

CATALOG = load_catalog()
TOPICS = ("operation-plan", "dprk-missile-threat", "evacuation", "logistics")
JPN_MARKINGS = tuple(m.text for m in CATALOG.scheme("JPN").markings)
#: What each partner shares with Japan: (originator, classification).
SHARED = (("KOR", "군사II급비밀"), ("KOR", "군사III급비밀"), ("USA", "SECRET"),
          ("USA", "CONFIDENTIAL"))
PERSON_RULES = ("personnel_clearance", "need_to_know", "contractor_facility")

GOOD = """\
party = "JPN"

[persons.duty-officer]
name = "Duty officer"
clearance = "極秘"
need_to_know = ["operation-plan", "dprk-missile-threat"]

[persons.clerk]
name = "Registry clerk"
clearance = "秘"
need_to_know = ["operation-plan"]
contractor = true
facility_clearance = true
valid_until = 2024-01-14
"""


@pytest.fixture(scope="module")
def japan(tmp_path_factory):
    """Japan's node holding every item of :data:`SHARED` under every topic of
    :data:`TOPICS` (direct, real envelopes)."""
    tmp = tmp_path_factory.mktemp("persons-node")
    clock = SimClock(EPOCH)
    keys = {p: PartyKeys.generate(p) for p in ("JPN", "KOR", "USA")}
    directory = Directory(k.public() for k in keys.values())
    nodes = {p: Node(p, keys[p], directory, CATALOG, f"sqlite:///{tmp / p}.sqlite", clock)
             for p in keys}
    for sender in ("KOR", "USA"):
        nodes[sender].connect("JPN", InProcessLink("JPN", nodes["JPN"], clock, 0.5,
                                                   sender=sender))
    for originator, classification in SHARED:
        for topic in TOPICS:
            label = nodes[originator].create_item({"text": f"{classification} {topic}"},
                                                  classification=classification,
                                                  releasable_to={"JPN"}, topic=topic)
            nodes[originator].release(label.item_id, "JPN", "direct")
    clock.run()
    assert len(nodes["JPN"].items()) == len(SHARED) * len(TOPICS)
    yield nodes["JPN"]
    for node in nodes.values():
        node.close()


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "personnel.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_personnel_file_reads(tmp_path):
    path = _write(tmp_path, GOOD)
    staff = load_personnel(path, "JPN", CATALOG)
    assert (staff.party, staff.source, sorted(staff.records)) == (
        "JPN", str(path), ["clerk", "duty-officer"])
    clerk = staff.records["clerk"]
    assert (clerk.clearance, clerk.need_to_know, clerk.contractor,
            clerk.facility_clearance) == ("秘", frozenset({"operation-plan"}), True, True)
    # a date is valid to the end of that day, UTC
    assert clerk.valid_until == dt.datetime(2024, 1, 15, tzinfo=dt.UTC)
    assert staff.records["duty-officer"].valid_until is None


@pytest.mark.parametrize(("edit", "field", "value"), [
    (("need_to_know = [\"operation-plan\"]\n", "need_to_kno = [\"operation-plan\"]\n"),
     "persons.clerk.need_to_kno", None),
    (("clearance = \"秘\"", "clearance = \"군사II급비밀\""),
     "persons.clerk.clearance", "군사II급비밀"),
    (("party = \"JPN\"", "party = \"KOR\""), "party", "KOR"),
    (("[persons.clerk]", "[persons.\"a clerk\"]"), "persons.a clerk", "a clerk"),
    (("contractor = true", "contractor = \"yes\""), "persons.clerk.contractor", "yes"),
    (("valid_until = 2024-01-14", "valid_until = 2024-01-14T10:00:00"),
     "persons.clerk.valid_until", None),
    (("name = \"Registry clerk\"\n", ""), "persons.clerk.name", None),
])
def test_a_bad_personnel_file_names_the_file_the_field_and_the_value(tmp_path, edit, field,
                                                                     value):
    path = _write(tmp_path, GOOD.replace(*edit))
    with pytest.raises(InputError) as err:
        load_personnel(path, "JPN", CATALOG)
    assert err.value.field == f"{path}: {field}", str(err.value)
    if value is not None:
        assert err.value.value == value


def test_an_unreadable_personnel_file_is_named(tmp_path):
    with pytest.raises(InputError) as err:
        load_personnel(tmp_path / "missing.toml", "JPN", CATALOG)
    assert err.value.field == "personnel" and "cannot read" in err.value.reason
    with pytest.raises(InputError) as err:
        load_personnel(_write(tmp_path, "persons = ["), "JPN", CATALOG)
    assert "not TOML" in err.value.reason


def _record(clearance: str, topics, contractor=False, facility=False) -> PersonnelRecord:
    return PersonnelRecord("p", "P", clearance, frozenset(topics), contractor, facility)


def _item(japan, originator: str, classification: str, topic: str):
    return next(i for i in japan.items() if i.originator == originator
                and i.label.classification == classification and i.label.topic == topic)


def test_the_clearance_is_compared_with_the_marking_applied_on_receipt(japan):
    """Art. 4(2) then Art. 7: Korea's 군사II급비밀 is 極秘 at Japan, so 極秘 and 特定秘密
    (higher) read it, 秘 does not; Korea's 군사III급비밀 is 秘."""
    at = EPOCH + dt.timedelta(hours=1)
    secret = _item(japan, "KOR", "군사II급비밀", "operation-plan")
    confidential = _item(japan, "KOR", "군사III급비밀", "operation-plan")
    assert secret.marking["classification"] == "極秘"
    for clearance, reads_secret in (("特定秘密", True), ("極秘", True), ("秘", False)):
        staff = Personnel("JPN", {"p": _record(clearance, ["operation-plan"])}, "f")
        got = decide_read(staff, "p", secret, CATALOG, at)
        assert got.permitted is reads_secret, clearance
        assert decide_read(staff, "p", confidential, CATALOG, at).permitted
    staff = Personnel("JPN", {"p": _record("秘", ["operation-plan"])}, "f")
    [failed] = decide_read(staff, "p", secret, CATALOG, at).failed
    assert (failed.rule, failed.detail) == ("personnel_clearance",
                                            "holds 秘; needs 極秘 or higher")
    assert failed.source.startswith("Art. 7")


def test_a_person_past_valid_until_or_not_listed_reads_nothing(japan):
    item = _item(japan, "KOR", "군사III급비밀", "operation-plan")
    rec = dataclasses.replace(_record("極秘", ["operation-plan"]),
                              valid_until=EPOCH + dt.timedelta(days=1))
    staff = Personnel("JPN", {"p": rec}, "f.toml")
    assert decide_read(staff, "p", item, CATALOG, EPOCH).permitted
    late = decide_read(staff, "p", item, CATALOG, EPOCH + dt.timedelta(days=1, seconds=1))
    assert [r.rule for r in late.failed] == ["personnel_file"]
    stranger = decide_read(staff, "q", item, CATALOG, EPOCH)
    assert [(r.rule, r.detail) for r in stranger.reasons] == [
        ("personnel_file", "'q' is not in f.toml")]


def test_each_read_is_audited_with_person_item_and_reasons(japan):
    item = _item(japan, "USA", "SECRET", "logistics")
    staff = Personnel("JPN", {"p": _record("極秘", ["operation-plan"])}, "f")
    decision = decide_read(staff, "p", item, CATALOG, EPOCH)
    audit_reads(japan, [decision], EPOCH, "/v1/items/x")
    last = list(japan.audit.records())[-1]
    assert last.kind == "read.denied"
    assert (last.body["person"], last.body["item_id"], last.body["party"]) == (
        "p", item.item_id, "JPN")
    assert [r["rule"] for r in last.body["reasons"] if not r["passed"]] == ["need_to_know"]
    assert japan.audit.verify().ok


records = st.builds(
    _record, st.sampled_from(JPN_MARKINGS), st.sets(st.sampled_from(TOPICS)),
    st.booleans(), st.booleans())


@settings(max_examples=150, deadline=None)
@given(record=records, shared=st.sampled_from(SHARED), topic=st.sampled_from(TOPICS))
def test_the_read_decision_is_the_release_rules_verdict_for_that_person(japan, record,
                                                                        shared, topic):
    """For every person record and every item: the read is permitted exactly when the
    person rules of a full release decision (:func:`gsomia.sharing.decide`, originator →
    Japan with that person) all pass, with the same reasons in the same order."""
    item = _item(japan, *shared, topic)
    at = EPOCH + dt.timedelta(hours=2)
    got = decide_read(Personnel("JPN", {"p": record}, "f"), "p", item, CATALOG, at)
    label = dataclasses.replace(item.label, holder=item.originator)
    full = decide(ReleaseRequest(label, "JPN", at, person=record.person("JPN")), CATALOG)
    expected = [r for r in full.reasons if r.rule in PERSON_RULES]
    assert [r for r in got.reasons if r.rule != "personnel_file"] == expected
    assert got.permitted == all(r.passed for r in expected)
    assert full.marking is not None
    assert full.marking.classification == item.marking["classification"]


def test_an_item_through_the_tisa_hub_is_judged_under_the_agreement_that_marked_it(tmp_path):
    """Korea → USA (hub) → Japan (TISA para 4): Japan marks it under the JPN–USA GSOMIA
    (the last leg, Art. 4(2)), so the person rules cite that agreement's articles."""
    clock = SimClock(EPOCH)
    keys = {p: PartyKeys.generate(p) for p in ("JPN", "KOR", "USA")}
    directory = Directory(k.public() for k in keys.values())
    nodes = {p: Node(p, keys[p], directory, CATALOG, f"sqlite:///{tmp_path / p}.sqlite",
                     clock) for p in keys}
    try:
        for a in nodes:
            for b in nodes:
                if a != b:
                    nodes[a].connect(b, InProcessLink(b, nodes[b], clock, 0.5, sender=a))
        label = nodes["KOR"].create_item({"x": 1}, classification="군사II급비밀",
                                         releasable_to={"JPN", "USA"},
                                         topic="dprk-missile-threat",
                                         elements=("impact_point",))
        nodes["KOR"].release(label.item_id, "JPN", "tisa_hub")
        nodes["KOR"].approve(label.item_id, "JPN", "tisa_hub")
        clock.run()
        [item] = nodes["JPN"].items()
        assert (item.sender, item.marking["agreement"]) == ("USA", "jpn-usa-gsomia")
        staff = Personnel("JPN", {"p": _record("秘", ["dprk-missile-threat"])}, "f")
        got = decide_read(staff, "p", item, CATALOG, EPOCH)
        [failed] = got.failed
        assert failed.rule == "personnel_clearance"
        assert failed.source == CATALOG.agreement("jpn-usa-gsomia").rules[
            "personnel_clearance"]
        staff = Personnel("JPN", {"p": _record("極秘", ["dprk-missile-threat"])}, "f")
        assert decide_read(staff, "p", item, CATALOG, EPOCH).permitted
    finally:
        for node in nodes.values():
            node.close()

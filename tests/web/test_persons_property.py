"""For any person record and any item marking and topic, the HTTP read decision (status
and reasons of ``GET /v1/items/{id}`` over mutual TLS) is the verdict of the person rules
of a full release decision (:func:`gsomia.sharing.decide`: Art. 7 clearance against the
marking applied on receipt, Art. 7 need-to-know, Art. 16 contractor facility), and each
read is audited. Three real servers on 127.0.0.1, ports chosen at run time; the
personnel record of the one person certificate is changed between examples (the node
reads its personnel file's records on every request)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from web_support import until

from gsomia.node.persons import Personnel, PersonnelRecord
from gsomia.sharing import ReleaseRequest, decide, load_catalog
from gsomia.sharing.pki import init_pki

CATALOG = load_catalog()
TOPICS = ("operation-plan", "dprk-missile-threat", "evacuation")
JPN_MARKINGS = tuple(m.text for m in CATALOG.scheme("JPN").markings)
SHARED = (("KOR", "군사II급비밀"), ("KOR", "군사III급비밀"), ("USA", "SECRET"),
          ("USA", "CONFIDENTIAL"))
PERSON_RULES = ("personnel_clearance", "need_to_know", "contractor_facility")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    from gsomia.web.live import LiveCluster

    tmp = tmp_path_factory.mktemp("persons-property")
    init_pki(tmp / "pki")
    staff = Personnel("JPN", {}, "jpn-personnel.toml")
    c = LiveCluster(tmp / "pki", tmp, load_catalog(),
                    {"KOR": {"JPN": "direct"}, "USA": {"JPN": "direct"}, "JPN": {}},
                    personnel={"JPN": staff})
    c.start()
    ids = {}
    for originator, classification in SHARED:
        for topic in TOPICS:
            node = c.nodes[originator]
            label = node.create_item({"t": topic}, classification=classification,
                                     releasable_to={"JPN"}, topic=topic)
            node.release(label.item_id, "JPN", "direct")
            ids[(originator, classification, topic)] = label.item_id
    until(lambda: len(c.nodes["JPN"].items()) == len(ids), "every item at Japan's node")
    c.ids, c.staff = ids, staff
    c.client = httpx.Client(verify=c.person_tls("JPN", "watch").client_context(),
                            timeout=5.0)
    yield c
    c.client.close()
    c.stop()


records = st.builds(
    lambda clearance, topics, contractor, facility: PersonnelRecord(
        "watch", "Watch officer", clearance, frozenset(topics), contractor, facility),
    st.sampled_from(JPN_MARKINGS), st.sets(st.sampled_from(TOPICS)), st.booleans(),
    st.booleans())


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(record=records, shared=st.sampled_from(SHARED), topic=st.sampled_from(TOPICS))
def test_the_http_read_is_the_rules_verdict(cluster, record, shared, topic):
    cluster.staff.records.clear()
    cluster.staff.records["watch"] = record
    item_id = cluster.ids[(*shared, topic)]
    item = next(i for i in cluster.nodes["JPN"].items() if i.item_id == item_id)
    label = dataclasses.replace(item.label, holder=item.originator)
    full = decide(ReleaseRequest(label, "JPN", dt.datetime.now(dt.UTC),
                                 person=record.person("JPN")), CATALOG)
    expected = [r.to_dict() for r in full.reasons if r.rule in PERSON_RULES]
    verdict = all(r["passed"] for r in expected)

    r = cluster.client.get(f"{cluster.url('JPN')}/v1/items/{item_id}")
    assert r.status_code == (200 if verdict else 403), r.text
    node = cluster.nodes["JPN"]
    with node.lock:
        last = list(node.audit.records())[-1]
    assert (last.kind, last.body["person"], last.body["item_id"]) == (
        "read.permitted" if verdict else "read.denied", "watch", item_id)
    assert [x for x in last.body["reasons"] if x["rule"] != "personnel_file"] == expected
    if verdict:
        assert r.json()["payload"] == {"t": topic}
    else:
        assert [x for x in r.json()["reasons"] if x["rule"] != "personnel_file"] == expected
        assert "payload" not in r.json()
    listed = cluster.client.get(f"{cluster.url('JPN')}/v1/items")
    assert (item_id in [i["item_id"] for i in listed.json()]) is verdict

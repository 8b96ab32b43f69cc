"""Persons read classified items over HTTP, each read decided per person and audited
(JPN–KOR GSOMIA Art. 7: Personnel Security Clearance and need-to-know; Art. 16:
contractors). Three real servers on 127.0.0.1 with mutual TLS, ports chosen at run time;
Korea shares items with Japan, Japan's persons read them."""

from __future__ import annotations

import dataclasses
import datetime as dt

import httpx
import pytest
from web_support import until

from gsomia.node import TlsFiles
from gsomia.node.persons import Personnel, PersonnelRecord
from gsomia.sharing import load_catalog
from gsomia.sharing.pki import init_pki, issue_person, person_paths

ART7_CLEARANCE = ("Art. 7: Personnel Security Clearance of the Receiving Party at the level "
                  "of the information")
ART7_NTK = "Art. 7: access only where official duties require it"
ART16 = ("Art. 16: contractors only under conditions equal to Art. 7, facility able to "
         "protect")


def _rec(pid: str, clearance: str, topics: tuple[str, ...], contractor: bool = False,
         facility: bool = False) -> PersonnelRecord:
    return PersonnelRecord(pid, pid.replace("-", " ").title(), clearance, frozenset(topics),
                           contractor, facility)


JPN_STAFF = {r.person_id: r for r in (
    _rec("duty-officer", "極秘", ("operation-plan", "dprk-missile-threat")),
    _rec("clerk", "秘", ("operation-plan",)),
    _rec("analyst", "特定秘密", ("dprk-missile-threat",)),
    _rec("contractor", "極秘", ("operation-plan",), contractor=True, facility=False),
    _rec("cleared-contractor", "極秘", ("operation-plan",), contractor=True, facility=True),
    dataclasses.replace(_rec("retired", "特定秘密", ("operation-plan",)),
                        valid_until=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)),
)}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    from gsomia.web.live import LiveCluster

    tmp = tmp_path_factory.mktemp("persons")
    init_pki(tmp / "pki")
    for pid in (*JPN_STAFF, "stranger"):
        issue_person(tmp / "pki", "JPN", pid)
    issue_person(tmp / "pki", "KOR", "duty-officer")
    c = LiveCluster(tmp / "pki", tmp, load_catalog(),
                    {"KOR": {"JPN": "direct"}, "JPN": {}, "USA": {}},
                    personnel={"JPN": Personnel("JPN", JPN_STAFF, "jpn-personnel.toml")})
    c.start()
    kor = c.nodes["KOR"]
    plan = kor.create_item({"plan": "evacuation of nationals", "annex": "x" * 64},
                           classification="군사II급비밀", releasable_to={"JPN"},
                           topic="operation-plan")
    kor.release(plan.item_id, "JPN", "direct")
    until(lambda: [i for i in c.nodes["JPN"].items() if i.item_id == plan.item_id],
          "the plan at Japan's node")
    c.plan_id = plan.item_id
    yield c
    c.stop()


def _tls(cluster, party: str, pid: str) -> TlsFiles:
    return TlsFiles(*person_paths(cluster.pki, party, pid))


def _get(cluster, tls: TlsFiles, path: str, party: str = "JPN") -> httpx.Response:
    return httpx.get(f"{cluster.url(party)}{path}", verify=tls.client_context(), timeout=5.0)


def _reads(cluster, item_id: str | None) -> list:
    node = cluster.nodes["JPN"]
    with node.lock:
        return [r for r in node.audit.records()
                if r.kind.startswith("read.") and r.body.get("item_id") == item_id]


def _failed(body: dict) -> dict[str, dict]:
    return {r["rule"]: r for r in body["reasons"] if not r["passed"]}


def test_a_cleared_person_with_need_to_know_reads_the_korean_plan(cluster):
    before = len(_reads(cluster, cluster.plan_id))
    r = _get(cluster, _tls(cluster, "JPN", "duty-officer"), f"/v1/items/{cluster.plan_id}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["originator"] == "KOR" and body["payload"]["plan"] == "evacuation of nationals"
    assert body["marking"]["classification"] == "極秘"  # Art. 4(2): JPN's equivalent
    records = _reads(cluster, cluster.plan_id)[before:]
    assert [x.kind for x in records] == ["read.permitted"]
    assert records[0].body["person"] == "duty-officer"
    assert {x["rule"] for x in records[0].body["reasons"]} == {
        "personnel_file", "personnel_clearance", "need_to_know"}


def test_a_person_without_the_clearance_is_refused_with_the_markings(cluster):
    before = len(_reads(cluster, cluster.plan_id))
    r = _get(cluster, _tls(cluster, "JPN", "clerk"), f"/v1/items/{cluster.plan_id}")
    assert r.status_code == 403
    failed = _failed(r.json())
    assert set(failed) == {"personnel_clearance"}
    assert failed["personnel_clearance"]["source"] == ART7_CLEARANCE
    assert failed["personnel_clearance"]["detail"] == "holds 秘; needs 極秘 or higher"
    assert "personnel_clearance" in r.json()["error"] and "payload" not in r.json()
    records = _reads(cluster, cluster.plan_id)[before:]
    assert [(x.kind, x.body["person"]) for x in records] == [("read.denied", "clerk")]


def test_a_person_without_the_topic_is_refused_by_need_to_know(cluster):
    r = _get(cluster, _tls(cluster, "JPN", "analyst"), f"/v1/items/{cluster.plan_id}")
    assert r.status_code == 403
    failed = _failed(r.json())
    assert set(failed) == {"need_to_know"} and failed["need_to_know"]["source"] == ART7_NTK
    assert "'operation-plan'" in failed["need_to_know"]["detail"]


def test_a_contractor_needs_a_facility_clearance(cluster):
    r = _get(cluster, _tls(cluster, "JPN", "contractor"), f"/v1/items/{cluster.plan_id}")
    assert r.status_code == 403
    failed = _failed(r.json())
    assert set(failed) == {"contractor_facility"}
    assert failed["contractor_facility"]["source"] == ART16
    r = _get(cluster, _tls(cluster, "JPN", "cleared-contractor"),
             f"/v1/items/{cluster.plan_id}")
    assert r.status_code == 200


def test_a_person_of_another_party_is_refused(cluster):
    r = _get(cluster, _tls(cluster, "KOR", "duty-officer"), f"/v1/items/{cluster.plan_id}")
    assert r.status_code == 403 and "KOR's person" in r.json()["error"]
    r = _get(cluster, _tls(cluster, "KOR", "duty-officer"), "/v1/items")
    assert r.status_code == 403
    # nor does the originator's node or operator read what Japan holds
    for tls in (cluster.tls("KOR"), cluster.operator_tls("KOR"), cluster.tls("JPN")):
        assert _get(cluster, tls, f"/v1/items/{cluster.plan_id}").status_code == 403


def test_a_person_not_in_the_personnel_file_is_refused_and_audited(cluster):
    before = len(_reads(cluster, cluster.plan_id))
    r = _get(cluster, _tls(cluster, "JPN", "stranger"), f"/v1/items/{cluster.plan_id}")
    assert r.status_code == 403
    assert _failed(r.json())["personnel_file"]["detail"] == (
        "'stranger' is not in jpn-personnel.toml")
    records = _reads(cluster, cluster.plan_id)[before:]
    assert [(x.kind, x.body["person"]) for x in records] == [("read.denied", "stranger")]
    listed = _get(cluster, _tls(cluster, "JPN", "stranger"), "/v1/items")
    assert listed.status_code == 403


def test_the_operator_without_a_personnel_entry_reads_nothing(cluster):
    op = cluster.operator_tls("JPN")
    assert _get(cluster, op, f"/v1/items/{cluster.plan_id}").status_code == 403
    r = _get(cluster, op, "/v1/items")
    assert r.status_code == 403 and "'operator' is not in" in r.json()["error"]
    assert _get(cluster, op, "/v1/health").status_code == 200  # administrative routes kept


def test_a_list_holds_only_what_the_person_may_read(cluster):
    r = _get(cluster, _tls(cluster, "JPN", "duty-officer"), "/v1/items")
    assert r.status_code == 200 and cluster.plan_id in [i["item_id"] for i in r.json()]
    assert r.headers["x-withheld-items"] == "0"
    before = len(_reads(cluster, cluster.plan_id))
    r = _get(cluster, _tls(cluster, "JPN", "clerk"), "/v1/items")
    assert r.status_code == 200 and cluster.plan_id not in [i["item_id"] for i in r.json()]
    assert int(r.headers["x-withheld-items"]) >= 1
    # the withheld item's denial is audited, naming the list it was withheld from
    [denied] = _reads(cluster, cluster.plan_id)[before:]
    assert (denied.kind, denied.body["person"], denied.body["path"]) == (
        "read.denied", "clerk", "/v1/items")
    r = _get(cluster, _tls(cluster, "JPN", "duty-officer"), "/v1/items/no-such-item")
    assert r.status_code == 404
    r = _get(cluster, _tls(cluster, "JPN", "duty-officer"), "/v1/items/" + "y" * 5_000)
    assert r.status_code == 404 and len(r.content) < 2000


def test_a_person_reaches_no_administrative_route(cluster):
    tls = _tls(cluster, "JPN", "duty-officer")
    r = httpx.post(f"{cluster.url('JPN')}/v1/approvals", json={"item_id": "x", "to": "USA"},
                   verify=tls.client_context(), timeout=5.0)
    assert r.status_code == 403
    assert _get(cluster, tls, "/v1/health").status_code == 200


def test_a_person_past_valid_until_reads_nothing(cluster):
    for path in ("/v1/items", f"/v1/items/{cluster.plan_id}"):
        r = _get(cluster, _tls(cluster, "JPN", "retired"), path)
        assert r.status_code == 403
        assert _failed(r.json())["personnel_file"]["detail"].startswith(
            "listed until 2020-01-01T00:00:00+00:00; read at ")

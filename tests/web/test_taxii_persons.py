"""The TAXII ``delivered`` collection (gsomia.web.taxii): this party's persons read over
TAXII exactly what the per-person read decision of GET /v1/items lets them read."""

from __future__ import annotations

import pytest
from taxii2client.v21 import Collection, as_pages
from web_support import own_ca_bundles, until, warning

from gsomia.node.persons import Personnel, PersonnelRecord
from gsomia.node.stix import ITEM_EXTENSION_ID
from gsomia.sharing import load_catalog
from gsomia.sharing.pki import init_pki, person_paths
from gsomia.web.live import LiveCluster
from gsomia.web.taxii import DELIVERED_ID

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def jpn(tmp_path_factory):
    """JPN live, holding 3 warnings of KOR and one document on another topic; a duty
    officer cleared for the warnings' topic only, and a clerk without clearance for it."""
    tmp = tmp_path_factory.mktemp("taxii-persons")
    init_pki(tmp / "pki")
    officer = PersonnelRecord("duty-officer", "Duty officer", "極秘",
                              frozenset({"dprk-missile-threat"}))
    clerk = PersonnelRecord("clerk", "Clerk", "秘", frozenset({"dprk-missile-threat"}))
    c = LiveCluster(tmp / "pki", tmp, load_catalog(),
                    {"KOR": {"JPN": "direct"}, "JPN": {}, "USA": {}},
                    personnel={"JPN": Personnel("JPN", {"duty-officer": officer,
                                                        "clerk": clerk})})
    c.start()
    kor = c.nodes["KOR"]
    for t in (1.0, 2.0, 3.0):
        kor.publish_warning(warning(t))
    other = kor.create_item({"note": "budget"}, classification="군사II급비밀",
                            releasable_to={"JPN"}, topic="dprk-nuclear-threat")
    kor.release(other.item_id, "JPN")
    until(lambda: len(c.nodes["JPN"].items()) == 4, "4 items at JPN")
    with own_ca_bundles():
        yield c
    c.stop()


def _read(c, person_id):
    c.person_tls("JPN", person_id)
    cert, key, cas = person_paths(c.pki, "JPN", person_id)
    col = Collection(f"{c.url('JPN')}/taxii2/api/collections/{DELIVERED_ID}/",
                     verify=str(cas), cert=(str(cert), str(key)))
    return [o for env in as_pages(col.get_objects, per_request=2)
            for o in env.get("objects", [])]


def test_a_person_reads_what_the_read_decision_permits_and_it_is_audited(jpn):
    objects = _read(jpn, "duty-officer")
    labels = [o["extensions"][ITEM_EXTENSION_ID]["label"] for o in objects]
    assert [lab["topic"] for lab in labels] == ["dprk-missile-threat"] * 3
    assert all(o["type"] == "incident" for o in objects)
    records = list(jpn.nodes["JPN"].audit.records())
    permitted = [r for r in records if r.kind == "read.permitted"
                 and r.body.get("person") == "duty-officer"]
    denied = [r for r in records if r.kind == "read.denied"
              and r.body.get("person") == "duty-officer"]
    assert {r.body["item_id"] for r in permitted} == {lab["item_id"] for lab in labels}
    assert len(denied) == 1  # the item of a topic outside the officer's need to know


def test_a_person_without_the_clearance_reads_nothing(jpn):
    assert _read(jpn, "clerk") == []


def test_a_marking_change_applied_here_is_a_new_version_and_reads_name_the_person(jpn):
    before = _read(jpn, "duty-officer")
    reads = [r for r in jpn.nodes["JPN"].audit.records() if r.kind == "taxii.read"]
    assert reads[-1].body["person"] == "duty-officer" and reads[-1].body["role"] == "person"
    target = before[0]
    item_id = target["extensions"][ITEM_EXTENSION_ID]["label"]["item_id"]
    assert target["extensions"][ITEM_EXTENSION_ID]["label"]["classification"] == "군사II급비밀"
    jpn.nodes["KOR"].act(item_id, "downgrade", "군사III급비밀")
    until(lambda: _read(jpn, "duty-officer")[-1]["id"] == target["id"],
          "the downgraded item added again at JPN")
    after = _read(jpn, "duty-officer")
    assert [o["id"] for o in after] == [o["id"] for o in before[1:]] + [target["id"]]
    changed = after[-1]
    assert changed["modified"] > target["modified"] == target["created"]
    assert changed["extensions"][ITEM_EXTENSION_ID]["label"]["classification"] == "군사III급비밀"

"""The TAXII 2.1 API (gsomia.web.taxii) read by real clients over mutual TLS: a live KOR
node on 127.0.0.1 holding 1,000 items of mixed releasability, read with taxii2-client and
stix2's TAXIICollectionSource as JPN and as USA."""

from __future__ import annotations

import json
import math

import httpx
import pytest
import stix2
from requests.exceptions import HTTPError
from taxii2client.v21 import Collection, Server, as_pages
from web_support import own_ca_bundles, warning

from gsomia.errors import ReleaseDenied
from gsomia.node.stix import ITEM_EXTENSION_ID, marking_id
from gsomia.node.warning import ELEMENTS, WARNING_TOPIC
from gsomia.sharing import load_catalog
from gsomia.sharing.pki import init_pki, tls_paths
from gsomia.web.live import LiveCluster
from gsomia.web.taxii import DEFINITIONS_ID, DELIVERED_ID, RELEASED_ID, SUBMISSIONS_ID
from gsomia.web.taxii_query import TAXII_MEDIA_TYPE

N_ITEMS = 1000
PAGE = 100
PARTNERS = ("JPN", "USA")
KOR_MARKS = ("군사I급비밀", "군사II급비밀", "군사III급비밀", "대외비")
RELEASABLE = ({"JPN"}, {"USA"}, {"JPN", "USA"}, set(), {"JPN", "USA"})

pytestmark = pytest.mark.slow


def _payload(i: int) -> tuple[dict, str, tuple[str, ...]]:
    """An item's payload, topic and elements: a warning, radar plots, a document or other."""
    if i % 4 == 0:
        return warning(float(i)).to_dict(), WARNING_TOPIC, ELEMENTS
    if i % 4 == 1:
        return {"kind": "radar_plots", "scan_id": f"S{i}", "plots": []}, WARNING_TOPIC, ()
    if i % 4 == 2:
        return ({"kind": "document", "title": f"plan {i}", "body": "…", "attachments": []},
                "dprk-missile-threat", ())
    return {"note": i}, "dprk-missile-threat", ()


@pytest.fixture(scope="module")
def kor(tmp_path_factory):
    """A live KOR node (JPN and USA live too) holding ``N_ITEMS`` items; each offered to
    JPN and to USA, released where the decision permits. Yields the cluster, with
    ``released[party]``: the item ids released to it, in release order."""
    tmp = tmp_path_factory.mktemp("taxii")
    init_pki(tmp / "pki")
    c = LiveCluster(tmp / "pki", tmp, load_catalog(), {"KOR": {}, "JPN": {}, "USA": {}})
    c.start()
    node = c.nodes["KOR"]
    c.released = {p: [] for p in PARTNERS}
    c.kinds = {}
    for i in range(N_ITEMS):
        payload, topic, elements = _payload(i)
        label = node.create_item(payload, classification=KOR_MARKS[i % 3 if i % 7 else 3],
                                 releasable_to=RELEASABLE[i % 5], topic=topic,
                                 elements=elements)
        c.kinds[label.item_id] = i % 4
        for party in PARTNERS:
            try:
                node.release(label.item_id, party, send=False)
                c.released[party].append(label.item_id)
            except ReleaseDenied:
                pass
    with own_ca_bundles():
        yield c
    c.stop()


def _tls(c, party):
    cert, key, cas = tls_paths(c.pki, party)
    return str(cas), (str(cert), str(key))


def _collection(c, party, cid=RELEASED_ID) -> Collection:
    verify, cert = _tls(c, party)
    return Collection(f"{c.url('KOR')}/taxii2/api/collections/{cid}/", verify=verify,
                      cert=cert)


def _item_id(obj) -> str:
    return obj["extensions"][ITEM_EXTENSION_ID]["label"]["item_id"]


def test_the_releasability_is_mixed(kor):
    jpn, usa = set(kor.released["JPN"]), set(kor.released["USA"])
    assert jpn - usa and usa - jpn and jpn & usa
    assert len(jpn | usa) < N_ITEMS  # some items are released to neither


@pytest.mark.parametrize("party", PARTNERS)
def test_each_party_reads_exactly_its_released_items_by_pages_of_100(kor, party):
    verify, cert = _tls(kor, party)
    server = Server(f"{kor.url('KOR')}/taxii2/", verify=verify, cert=cert)
    root = server.default
    assert [c.id for c in root.collections] == [RELEASED_ID, DEFINITIONS_ID, SUBMISSIONS_ID]
    released = next(c for c in root.collections if c.id == RELEASED_ID)
    pages = [env.get("objects", []) for env in as_pages(released.get_objects,
                                                           per_request=PAGE)]
    objects = [o for page in pages for o in page]
    expected = kor.released[party]
    assert [_item_id(o) for o in objects] == expected  # exactly, in release order
    assert len(pages) == math.ceil(len(expected) / PAGE)
    assert all(len(p) == PAGE for p in pages[:-1])
    for o in objects:
        stix2.parse(json.dumps(o), allow_custom=False)
        label = o["extensions"][ITEM_EXTENSION_ID]["label"]
        assert party in label["releasable_to"]
        assert o["object_marking_refs"][0] == marking_id("KOR", label["classification"])
        assert o["object_marking_refs"][1].startswith("marking-definition--")
    receiver = objects[0]["extensions"][ITEM_EXTENSION_ID]["marking"]
    assert receiver["receiver"] == party and receiver["originator"] == "KOR"
    assert objects[0]["object_marking_refs"][1] == marking_id(party,
                                                              receiver["classification"])


@pytest.mark.parametrize("party", PARTNERS)
def test_added_after_returns_only_newer_items(kor, party):
    col = _collection(kor, party)
    manifest = [e for env in as_pages(col.get_manifest, per_request=PAGE)
                for e in env.get("objects", [])]
    assert len(manifest) == len(kor.released[party])
    middle = manifest[len(manifest) // 2]["date_added"]
    newer = [e for env in as_pages(col.get_manifest, per_request=PAGE, added_after=middle)
             for e in env.get("objects", [])]
    assert newer == [e for e in manifest if e["date_added"] > middle]
    assert 0 < len(newer) < len(manifest)
    env = col.get_objects(added_after=manifest[-1]["date_added"])
    assert env.get("objects", []) == [] and env["more"] is False


def test_another_partys_item_is_invisible_by_id_version_and_manifest(kor):
    only_usa = next(i for i in kor.released["USA"] if i not in set(kor.released["JPN"]))
    both = next(i for i in kor.released["USA"] if i in set(kor.released["JPN"]))
    by_usa = {_item_id(o): o["id"] for env in as_pages(_collection(kor, "USA").get_objects,
                                                          per_request=1000)
              for o in env.get("objects", [])}
    jpn = _collection(kor, "JPN")
    hidden = by_usa[only_usa]
    for read in (lambda: jpn.get_object(hidden), lambda: jpn.object_versions(hidden)):
        with pytest.raises(HTTPError) as err:
            read()
        assert err.value.response.status_code == 404
    assert jpn.get_manifest(**{"id": hidden}).get("objects", []) == []
    assert jpn.get_objects(**{"id": hidden}).get("objects", []) == []
    seen = jpn.get_object(by_usa[both])["objects"]
    assert [_item_id(o) for o in seen] == [both]
    assert jpn.object_versions(by_usa[both])["versions"] == [seen[0]["modified"]]


def test_stix2_taxii_collection_source_queries_the_node(kor):
    source = stix2.TAXIICollectionSource(_collection(kor, "JPN"))
    incidents = source.query([stix2.Filter("type", "=", "incident")])
    expected = [i for i in kor.released["JPN"] if kor.kinds[i] in (0, 1)]
    assert sorted(_item_id(o) for o in incidents) == sorted(expected)
    one = source.get(incidents[0].id)
    assert one.id == incidents[0].id


def test_media_types_posts_and_audit(kor):
    base = f"{kor.url('KOR')}/taxii2/api/collections/"
    with httpx.Client(verify=kor.tls("JPN").client_context(), trust_env=False) as client:
        assert client.get(base, headers={"Accept": "application/json"}).status_code == 406
        envelope = {"objects": [{"type": "incident", "spec_version": "2.1",
                                 "id": "incident--00000000-0000-4000-8000-000000000001",
                                 "created": "2024-01-01T00:00:00.000Z",
                                 "modified": "2024-01-01T00:00:00.000Z", "name": "x"}]}
        taxii = {"Accept": TAXII_MEDIA_TYPE, "Content-Type": TAXII_MEDIA_TYPE}
        url = f"{base}{SUBMISSIONS_ID}/objects/"
        bad = client.post(url, json=envelope, headers={"Accept": TAXII_MEDIA_TYPE})
        assert bad.status_code == 415
        read_only = client.post(f"{base}{RELEASED_ID}/objects/",
                                content=json.dumps(envelope), headers=taxii)
        assert read_only.status_code == 403
        refused = client.post(url, content=json.dumps(envelope), headers=taxii)
        assert refused.status_code == 202
        status = refused.json()
        assert status["failure_count"] == 1 and status["success_count"] == 0
        assert "signed envelope" in status["failures"][0]["message"]
        again = client.get(f"{kor.url('KOR')}/taxii2/api/status/{status['id']}/",
                           headers={"Accept": TAXII_MEDIA_TYPE})
        assert again.json() == status
        page = client.get(f"{base}{RELEASED_ID}/objects/", params={"limit": 3},
                          headers={"Accept": TAXII_MEDIA_TYPE})
    assert page.headers["content-type"] == TAXII_MEDIA_TYPE
    assert page.json()["more"] is True
    with httpx.Client(verify=kor.tls("JPN").client_context(), trust_env=False) as client:
        crossed = client.get(f"{base}{DEFINITIONS_ID}/objects/",
                             params={"next": page.json()["next"]},
                             headers={"Accept": TAXII_MEDIA_TYPE})
    assert crossed.status_code == 400 and crossed.json()["title"] == "bad next"
    assert page.headers["X-TAXII-Date-Added-First"] <= page.headers["X-TAXII-Date-Added-Last"]
    reads = [r for r in kor.nodes["KOR"].audit.records() if r.kind == "taxii.read"]
    assert reads[-1].body["reader"] == "JPN"
    assert reads[-1].body["item_ids"] == kor.released["JPN"][:3]
    refusals = [r for r in kor.nodes["KOR"].audit.records() if r.kind == "taxii.refused"]
    assert refusals[-1].body["objects"] == [envelope["objects"][0]["id"]]


def test_another_partys_operator_is_refused_and_the_own_operator_sees_no_release(kor):
    # another party's operator
    with httpx.Client(verify=kor.operator_tls("JPN").client_context(), trust_env=False) as client:
        r = client.get(f"{kor.url('KOR')}/taxii2/", headers={"Accept": TAXII_MEDIA_TYPE})
    assert r.status_code == 403
    # KOR's own operator: nothing is released to one's own party; no operator entry in
    # the personnel file, so no delivered item either
    with httpx.Client(verify=kor.operator_tls("KOR").client_context(), trust_env=False) as client:
        cols = client.get(f"{kor.url('KOR')}/taxii2/api/collections/",
                          headers={"Accept": TAXII_MEDIA_TYPE}).json()["collections"]
        released = client.get(f"{kor.url('KOR')}/taxii2/api/collections/{RELEASED_ID}/objects/",
                              headers={"Accept": TAXII_MEDIA_TYPE})
        delivered = client.get(
            f"{kor.url('KOR')}/taxii2/api/collections/{DELIVERED_ID}/objects/",
            headers={"Accept": TAXII_MEDIA_TYPE})
    assert [c["id"] for c in cols] == [DELIVERED_ID, DEFINITIONS_ID]
    assert released.status_code == 404
    assert delivered.status_code == 403 and "personnel_file" in delivered.json()["description"]

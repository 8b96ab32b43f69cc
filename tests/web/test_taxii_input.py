"""Untrusted input to the TAXII 2.1 API (gsomia.web.taxii) over mutual TLS: cursors,
parameters and POST bodies never give a 5xx nor reach the store unchecked; cursors are
bound to the client, the collection and the query; a status is the submitter's only;
refusals on TAXII paths are TAXII error messages. On SQLite and on PostgreSQL."""

from __future__ import annotations

import base64
import json

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from taxii2client.common import _HTTPConnection
from taxii2client.v21 import Collection

from gsomia.node.stix import ITEM_EXTENSION_ID, marking_id
from gsomia.sharing import load_catalog
from gsomia.sharing.pki import init_pki, tls_paths
from gsomia.web.live import LiveCluster
from gsomia.web.taxii import DEFINITIONS_ID, RELEASED_ID, SUBMISSIONS_ID
from gsomia.web.taxii_query import TAXII_MEDIA_TYPE
from pg_support import fresh_database, shared_or_skip

pytestmark = pytest.mark.slow
N_ITEMS = 12
ACCEPT = {"Accept": TAXII_MEDIA_TYPE}
POST = {"Accept": TAXII_MEDIA_TYPE, "Content-Type": TAXII_MEDIA_TYPE}
#: Words that would show store internals in an answer.
LEAKS = ("postgresql://", "sqlite", "select ", "insert ", "traceback", "psycopg")


@pytest.fixture(scope="module", params=["sqlite", pytest.param(
    "postgres", marks=pytest.mark.services)])
def kor(request, tmp_path_factory):
    """A live KOR node holding ``N_ITEMS`` items released to JPN and USA; its store
    SQLite or a fresh PostgreSQL database."""
    tmp = tmp_path_factory.mktemp("taxii_input")
    init_pki(tmp / "pki")
    with (fresh_database(shared_or_skip()) if request.param == "postgres"
          else _nothing()) as url:
        stores = {"KOR": url} if url else {}
        c = LiveCluster(tmp / "pki", tmp, load_catalog(), {"KOR": {}, "JPN": {}, "USA": {}},
                        stores=stores)
        c.start()
        node = c.nodes["KOR"]
        for i in range(N_ITEMS):
            label = node.create_item({"note": i}, classification="군사III급비밀",
                                     releasable_to={"JPN", "USA"},
                                     topic="dprk-missile-threat")
            for party in ("JPN", "USA"):
                node.release(label.item_id, party, send=False)
        try:
            yield c
        finally:
            c.stop()


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _client(c, party: str) -> httpx.Client:
    return httpx.Client(verify=c.tls(party).client_context(), trust_env=False,
                        base_url=f"{c.url('KOR')}/taxii2/api/")


def _objects(cid: str = RELEASED_ID) -> str:
    return f"collections/{cid}/objects/"


def _safe(r: httpx.Response) -> None:
    assert r.status_code < 500, (r.status_code, r.text[:300])
    assert not any(w in r.text.lower() for w in LEAKS), r.text[:300]
    if r.status_code >= 400:
        assert r.headers["content-type"] == TAXII_MEDIA_TYPE
        assert r.json()["http_status"] == str(r.status_code)


def _b64(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


_JSON = st.recursive(st.none() | st.booleans() | st.floats() | st.integers() | st.text(),
                     lambda c: st.lists(c, max_size=3), max_leaves=5)
_CURSORS = st.one_of(
    st.text(max_size=60), _JSON.map(_b64),
    st.tuples(_JSON.map(_b64), st.binary(max_size=32)).map(
        lambda p: p[0] + "." + base64.urlsafe_b64encode(p[1]).decode().rstrip("=")))
_PARAMS = st.dictionaries(
    st.sampled_from(["added_after", "limit", "next", "match[id]", "match[type]",
                     "match[version]", "match[spec_version]", "match[foo]"]),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=30) | _CURSORS,
    max_size=4)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cursor=_CURSORS, params=_PARAMS, cid=st.sampled_from([RELEASED_ID, DEFINITIONS_ID]))
def test_no_cursor_or_parameter_gives_a_5xx_or_a_leak(kor, cursor, params, cid):
    with _client(kor, "JPN") as client:
        _safe(client.get(_objects(cid), params={"next": cursor}, headers=ACCEPT))
        _safe(client.get(_objects(cid), params=params, headers=ACCEPT))
        _safe(client.get(f"collections/{cid}/manifest/", params=params, headers=ACCEPT))


@pytest.mark.parametrize("cursor", [
    [1796434743.4, "\ud800"], [1796434743.4, "x\u0000"], [float("nan"), "x"],
    [float("inf"), "x"], [-1e308, "x"], ["a", "b"]],
    ids=["surrogate", "nul", "nan", "inf", "restart", "strings"])
def test_a_self_made_cursor_is_a_400(kor, cursor):
    with _client(kor, "JPN") as client:
        r = client.get(_objects(), params={"next": _b64(cursor)}, headers=ACCEPT)
    _safe(r)
    assert r.status_code == 400 and r.json()["title"] == "bad next"


def test_a_cursor_is_bound_to_client_collection_and_query(kor):
    with _client(kor, "JPN") as jpn, _client(kor, "USA") as usa:
        seen, params = [], {"limit": 5}
        while True:  # paging with the cursors works
            page = jpn.get(_objects(), params=params, headers=ACCEPT).json()
            seen += [o["id"] for o in page.get("objects", [])]
            if not page["more"]:
                break
            params = {"limit": 5, "next": page["next"]}
        assert len(seen) == len(set(seen)) == N_ITEMS
        first = jpn.get(_objects(), params={"limit": 5}, headers=ACCEPT).json()["next"]
        for client, path, extra in ((usa, _objects(), {}),
                                    (jpn, _objects(DEFINITIONS_ID), {}),
                                    (jpn, _objects(), {"match[type]": "note"}),
                                    (jpn, f"collections/{RELEASED_ID}/manifest/",
                                     {"added_after": "2020-01-01T00:00:00Z"})):
            r = client.get(path, params={"next": first, **extra}, headers=ACCEPT)
            assert r.status_code == 400 and r.json()["title"] == "bad next", path
        ok = jpn.get(f"collections/{RELEASED_ID}/manifest/", params={"next": first},
                     headers=ACCEPT)  # the manifest of the same query reads it
        assert ok.status_code == 200 and len(ok.json()["objects"]) == N_ITEMS - 5


@pytest.mark.parametrize(("body", "field"), [
    (b"[" * 100_000, "body"),
    (b'{"objects":[{"type":"x","id":"\\ud800"}]}', "body.objects[0].id"),
    (b'{"objects":[{"type":"x","id":"a","n":NaN}]}', "body"),
    (b'{"objects":[{"type":"x","id":"a","n":1e400}]}', "body.objects[0].n"),
    (b'{"objects":[],"objects":[{"type":"x","id":"a"}]}', "body"),
    (b'{"objects":[{"type":"\\udc00","id":"a"}]}', "body.objects[0].type"),
    (b'{"objects":[{"type":"x","id":null}]}', "body.objects[0].id"),
    (b'{"objects":[{"type":"x","id":{"a":1}}]}', "body.objects[0].id"),
    (b'{"objects":[{"type":"x","id":"a","modified":1}]}', "body.objects[0].modified"),
], ids=["deep", "surrogate-id", "nan", "huge", "repeated", "surrogate-type", "null-id",
        "object-id", "number-modified"])
def test_a_post_body_is_read_as_i_json(kor, body, field):
    with _client(kor, "JPN") as client:
        r = client.post(_objects(SUBMISSIONS_ID), content=body, headers=POST)
    _safe(r)
    assert r.status_code == 400 and r.json()["description"].startswith(field)


def test_a_status_is_read_by_its_submitter_only(kor):
    envelope = {"objects": [{"type": "incident", "id": "incident--1", "modified": "m"}]}
    with _client(kor, "JPN") as jpn, _client(kor, "USA") as usa:
        status = jpn.post(_objects(SUBMISSIONS_ID), content=json.dumps(envelope),
                          headers=POST).json()
        assert status["failures"][0]["id"] == "incident--1"
        assert jpn.get(f"status/{status['id']}/", headers=ACCEPT).json() == status
        other = usa.get(f"status/{status['id']}/", headers=ACCEPT)
    assert other.status_code == 404 and "incident--1" not in other.text


def test_refusals_on_taxii_paths_are_taxii_error_messages(kor):
    with _client(kor, "JPN") as jpn, _client(kor, "KOR") as own_node:
        zero = jpn.get(_objects(), headers={
            "Accept": "application/taxii+json;version=2.1;q=0"})
        forbidden = own_node.get("collections/", headers=ACCEPT)
        not_allowed = jpn.delete("collections/", headers=ACCEPT)
        post_read = jpn.post(f"collections/{RELEASED_ID}/", headers=POST)
        too_big = jpn.post(_objects(SUBMISSIONS_ID), content=b" " * (8 << 20),
                           headers=POST)
    for r, status in ((zero, 406), (forbidden, 403), (not_allowed, 405), (post_read, 405),
                      (too_big, 413)):
        assert r.status_code == status, (r.status_code, r.text[:200])
        _safe(r)


def _all(client: httpx.Client, params: dict) -> list[dict]:
    seen, query = [], dict(params)
    while True:
        page = client.get(_objects(), params=query, headers=ACCEPT).json()
        seen += page.get("objects", [])
        if not page["more"]:
            return seen
        query = {**params, "next": page["next"]}


def test_a_marking_change_is_a_new_version_added_again(kor):
    with _client(kor, "JPN") as jpn:
        before = _all(jpn, {"limit": 5})
        target = before[3]
        item_id = target["extensions"][ITEM_EXTENSION_ID]["label"]["item_id"]
        last = jpn.get(_objects(), headers=ACCEPT).headers["X-TAXII-Date-Added-Last"]
        assert jpn.get(_objects(), params={"added_after": last}, headers=ACCEPT).json() \
            == {"more": False}
        kor.nodes["KOR"].act(item_id, "reclassify", "군사II급비밀", send=False)
        after = _all(jpn, {"limit": 5})
        newer = jpn.get(_objects(), params={"added_after": last}, headers=ACCEPT).json()
        one = jpn.get(f"{_objects()}{target['id']}/", headers=ACCEPT).json()["objects"][0]
        versions = jpn.get(f"{_objects()}{target['id']}/versions/", headers=ACCEPT).json()
        manifest = jpn.get(f"collections/{RELEASED_ID}/manifest/",
                           params={"added_after": last}, headers=ACCEPT).json()
    assert [o["id"] for o in newer["objects"]] == [target["id"]]
    assert one["modified"] > target["modified"] == target["created"]
    assert one["object_marking_refs"][0] == marking_id("KOR", "군사II급비밀")
    assert versions["versions"] == [one["modified"]]
    [entry] = manifest["objects"]
    assert entry["version"] == one["modified"] and entry["date_added"] > last
    # keyset paging: every item once, the changed one now last
    assert [o["id"] for o in after] == [o["id"] for o in before if o is not target] + [
        target["id"]]


def test_the_readme_connection_ignores_ca_bundle_variables(kor, monkeypatch, tmp_path):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "absent.pem"))
    monkeypatch.setenv("CURL_CA_BUNDLE", str(tmp_path / "absent.pem"))
    cert, key, cas = tls_paths(kor.pki, "JPN")
    conn = _HTTPConnection(verify=str(cas), cert=(str(cert), str(key)), version="2.1")
    conn.session.trust_env = False
    col = Collection(f"{kor.url('KOR')}/taxii2/api/collections/{RELEASED_ID}/", conn=conn)
    assert len(col.get_objects()["objects"]) == N_ITEMS

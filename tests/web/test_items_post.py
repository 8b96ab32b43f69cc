"""``POST /v1/items`` and ``POST /v1/items/{id}/release`` on real servers (uvicorn, mutual
TLS, 127.0.0.1, ports chosen at run time): a KOR operation plan with a 5 MiB attachment
reaches JPN with the same SHA-256; bad input is a 4xx naming the field; bodies past their
limit are refused with 413 as they stream in."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import socket

import httpx
import pytest
from web_support import until

from gsomia.node import Attachment, Directory, Node, PartyKeys, WallClock
from gsomia.node.persons import Personnel, PersonnelRecord
from gsomia.schemas.document import MAX_ITEM_REQUEST_BYTES
from gsomia.sharing import load_catalog
from gsomia.sharing.pki import init_pki
from gsomia.web.app import MAX_BODY_BYTES, body_limit, create_app
from gsomia.web.live import LiveCluster

MiB = 1024 * 1024


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("items")
    init_pki(tmp / "pki")
    jpn_staff = {"duty-officer": PersonnelRecord(
        "duty-officer", "Duty officer", "極秘", frozenset({"operation-plan"}))}
    c = LiveCluster(tmp / "pki", tmp, load_catalog(), {"KOR": {}, "JPN": {}, "USA": {}},
                    personnel={"JPN": Personnel("JPN", jpn_staff, "jpn-personnel.toml")})
    c.start()
    yield c
    c.stop()


def operator(cluster, party: str) -> httpx.Client:
    return httpx.Client(base_url=cluster.url(party), timeout=60.0,
                        verify=cluster.operator_tls(party).client_context())


def request(data: bytes, **extra) -> dict:
    return {"classification": "군사II급비밀", "releasable_to": ["JPN", "USA"],
            "document": {"title": "OPLAN annex", "topic": "operation-plan",
                         "attachments": [Attachment("PLAN.pdf", "application/pdf",
                                                    data).to_dict()]}} | extra


def duty_officer(cluster) -> httpx.Client:
    """Japan's duty officer (clearance 極秘, need-to-know operation-plan) reads items at
    JPN's node with a person certificate (Art. 7)."""
    return httpx.Client(base_url=cluster.url("JPN"), timeout=60.0,
                        verify=cluster.person_tls("JPN", "duty-officer").client_context())


def created(cluster, party: str) -> int:
    return sum(r.kind == "item.created" for r in cluster.nodes[party].audit.records())


def test_a_five_mib_operation_plan_reaches_japan_with_its_sha256(cluster):
    data = os.urandom(5 * MiB)
    with operator(cluster, "KOR") as kor:
        answer = kor.post("/v1/items", json=request(
            data, release=[{"to": "JPN", "route": "direct"}]))
    assert answer.status_code == 201, answer.text
    body = answer.json()
    [rel] = body["releases"]
    assert rel["status"] == "queued" and rel["to"] == "JPN" and rel["denied_by"] == []
    assert body["label"]["topic"] == "operation-plan"
    with duty_officer(cluster) as jpn:
        answer = until(lambda: (r := jpn.get(f"/v1/items/{body['item_id']}")).status_code
                       != 404 and r, "the plan at JPN")
    assert answer.status_code == 200, answer.text
    item = answer.json()
    assert item["kind"] == "document" and item["marking"]["text"] == "大韓民国 極秘"
    [att] = item["payload"]["attachments"]
    got = base64.b64decode(att["data"])
    assert hashlib.sha256(got).hexdigest() == hashlib.sha256(data).hexdigest() == att["sha256"]
    assert att["size"] == 5 * MiB


def test_tisa_release_of_the_plan_is_denied_403_naming_the_scope(cluster):
    with operator(cluster, "KOR") as kor:
        item_id = kor.post("/v1/items", json=request(b"plan")).json()["item_id"]
        kor.post("/v1/approvals", json={"item_id": item_id, "to": "JPN"})
        answer = kor.post(f"/v1/items/{item_id}/release", json={"to": "JPN", "route": "tisa"})
    assert answer.status_code == 403
    body = answer.json()
    assert body["release"]["denied_by"] == ["scope:tisa"]
    assert "TISA para 1" in body["release"]["reasons"][0] and "operation-plan" in body["error"]


@pytest.mark.parametrize(("change", "field"), [
    ({"classification": "TOP SECRET"}, "classification"),
    ({"releasable_to": ["XYZ"]}, "releasable_to[0]"),
    ({"release": [{"to": "FRA"}]}, "release[0].to"),
    ({"release": [{"to": "JPN", "route": "pigeon"}]}, "release[0].route"),
], ids=["marking", "rel-to", "release-party", "route"])
def test_bad_input_is_400_naming_the_field_and_creates_nothing(cluster, change, field):
    before = created(cluster, "KOR")
    with operator(cluster, "KOR") as kor:
        answer = kor.post("/v1/items", json=request(b"plan", **change))
    assert answer.status_code == 400 and answer.json()["error"].startswith(field)
    assert created(cluster, "KOR") == before


def test_an_attachment_name_over_255_utf8_bytes_is_400_naming_it(cluster):
    """100 Hangul syllables are 100 characters but 300 UTF-8 bytes: more than a receiving
    node's file system can name a file."""
    before = created(cluster, "KOR")
    req = request(b"plan")
    req["document"]["attachments"][0]["name"] = "가" * 100
    with operator(cluster, "KOR") as kor:
        answer = kor.post("/v1/items", json=req)
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error.startswith("document.attachments[0].name") and "300 bytes" in error
    assert "at most 255 bytes" in error and created(cluster, "KOR") == before


def test_releasing_an_unknown_item_is_404(cluster):
    with operator(cluster, "KOR") as kor:
        answer = kor.post("/v1/items/KOR-nothing/release", json={"to": "JPN"})
    assert answer.status_code == 404 and "no such item" in answer.json()["error"]


def test_unknown_marking_lists_the_partys_markings(cluster):
    with operator(cluster, "KOR") as kor:
        error = kor.post("/v1/items", json=request(b"x", classification="SECRET")).json()
    assert "not a KOR marking" in error["error"] and "군사III급비밀" in error["error"]


def test_a_wrong_sha256_is_400_naming_it(cluster):
    bad = request(b"plan")
    bad["document"]["attachments"][0]["sha256"] = hashlib.sha256(b"other").hexdigest()
    with operator(cluster, "KOR") as kor:
        answer = kor.post("/v1/items", json=bad)
    assert answer.status_code == 400
    assert answer.json()["error"].startswith("document.attachments[0].sha256")


def test_limits_per_route(cluster):
    assert body_limit("POST", "/v1/items") == MAX_ITEM_REQUEST_BYTES
    assert body_limit("POST", "/v1/warnings") == MAX_BODY_BYTES == MiB
    # a declared length over the limit: 413 before any of the body is sent
    ctx = cluster.operator_tls("KOR").client_context()
    with (socket.create_connection(("127.0.0.1", cluster.ports["KOR"])) as raw,
          ctx.wrap_socket(raw, server_hostname="127.0.0.1") as tls):
        tls.sendall(f"POST /v1/items HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    f"Content-Type: application/json\r\n"
                    f"Content-Length: {MAX_ITEM_REQUEST_BYTES + 1}\r\n\r\n".encode())
        assert tls.recv(4096).startswith(b"HTTP/1.1 413")
    with operator(cluster, "KOR") as kor:
        warnings = kor.post("/v1/warnings", content=b" " * (2 * MiB),
                            headers={"content-type": "application/json"})
        assert warnings.status_code == 413


def test_a_partner_cannot_create_items_at_korea(cluster):
    with httpx.Client(verify=cluster.tls("JPN").client_context()) as jpn_node:
        answer = jpn_node.post(f"{cluster.url('KOR')}/v1/items", json=request(b"x"))
    assert answer.status_code == 403


def test_a_streamed_body_is_refused_at_the_chunk_that_passes_the_limit(tmp_path):
    keys = PartyKeys.generate("KOR")
    node = Node("KOR", keys, Directory([keys.public()]), load_catalog(),
                tmp_path / "kor.sqlite", WallClock())
    app = create_app(node)
    chunk = MiB
    pulled = 0
    sent: list[dict] = []

    async def receive() -> dict:
        nonlocal pulled
        pulled += 1
        return {"type": "http.request", "body": b" " * chunk, "more_body": True}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/v1/items", "headers": [
        (b"content-type", b"application/json")], "query_string": b"", "http_version":
        "1.1", "scheme": "https", "server": ("127.0.0.1", 1), "root_path": ""}
    try:
        asyncio.run(app(scope, receive, send))
    finally:
        node.close()
    assert sent[0]["status"] == 413
    assert pulled == MAX_ITEM_REQUEST_BYTES // chunk + 1  # never more than the limit read

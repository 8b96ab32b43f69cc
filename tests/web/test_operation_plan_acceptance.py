"""A Korean operation plan with a 5 MiB attachment, shared with Japan and read there per
person (JPN–KOR GSOMIA 2016: Art. 4(2) marking on receipt, Art. 7 Personnel Security
Clearance and need-to-know), over real HTTPS with mutual TLS: two uvicorn servers on
127.0.0.1, ports chosen at run time, Japan's personnel file read from TOML.

Korea's operator posts the plan (``POST /v1/items``, released direct to JPN); at Japan's
node the duty officer (極秘, need-to-know operation-plan) reads it with a person
certificate and gets the attachment with the SHA-256 of Korea's file; a clerk cleared only
秘 and an analyst without the topic are refused 403 with the rule, the article and the
reason; every read is a ``read.permitted`` / ``read.denied`` record at Japan's node naming
the person and the item. The same reads from ``gsomia item show``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os

import httpx
import pytest
from typer.testing import CliRunner
from web_support import until

from gsomia.cli import app
from gsomia.node import TlsFiles
from gsomia.node.persons import load_personnel
from gsomia.sharing import load_catalog
from gsomia.sharing.pki import init_pki
from gsomia.web.live import LiveCluster

MiB = 1024 * 1024
ART7_CLEARANCE = ("Art. 7: Personnel Security Clearance of the Receiving Party at the level "
                  "of the information")
ART7_NTK = "Art. 7: access only where official duties require it"

JPN_PERSONNEL = """\
party = "JPN"

[persons.duty-officer]
name = "Duty officer, Joint Staff"
clearance = "極秘"
need_to_know = ["operation-plan"]

[persons.clerk]
name = "Registry clerk"
clearance = "秘"
need_to_know = ["operation-plan"]

[persons.analyst]
name = "Missile analyst"
clearance = "特定秘密"
need_to_know = ["dprk-missile-threat"]
"""


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """Two live nodes; KOR's plan (a 5 MiB file) created and released to JPN over HTTPS,
    delivered at JPN. Yields ``(cluster, item_id, sha256 of the file, tmp folder)``."""
    tmp = tmp_path_factory.mktemp("oplan")
    init_pki(tmp / "pki", ("KOR", "JPN"))
    (tmp / "jpn-personnel.toml").write_text(JPN_PERSONNEL, encoding="utf-8")
    catalog = load_catalog()
    personnel = load_personnel(tmp / "jpn-personnel.toml", "JPN", catalog)
    c = LiveCluster(tmp / "pki", tmp, catalog, {"KOR": {}, "JPN": {}},
                    personnel={"JPN": personnel})
    c.start()
    plan = tmp / "operation-plan-annex.pdf"
    plan.write_bytes(os.urandom(5 * MiB))
    digest = hashlib.sha256(plan.read_bytes()).hexdigest()
    data = plan.read_bytes()
    document = {"title": "Operation plan annex: combined operations", "topic": "operation-plan",
                "attachments": [{"name": plan.name, "media_type": "application/pdf",
                                 "size": len(data), "sha256": digest,
                                 "data": base64.b64encode(data).decode()}]}
    with httpx.Client(verify=c.operator_tls("KOR").client_context(), timeout=120.0) as kor:
        answer = kor.post(f"{c.url('KOR')}/v1/items", json={
            "classification": "군사II급비밀", "releasable_to": ["JPN"],
            "purpose": "combined operation planning", "document": document,
            "release": [{"to": "JPN", "route": "direct"}]})
    assert answer.status_code == 201, answer.text
    item_id = answer.json()["item_id"]
    assert [r["status"] for r in answer.json()["releases"]] == ["queued"]
    jpn = c.nodes["JPN"]
    until(lambda: any(i.item_id == item_id for i in jpn.items()), "the plan at JPN's node")
    yield c, item_id, digest, tmp
    c.stop()


def _read(cluster, pid: str, item_id: str) -> httpx.Response:
    tls: TlsFiles = cluster.person_tls("JPN", pid)
    with httpx.Client(verify=tls.client_context(), timeout=120.0) as client:
        return client.get(f"{cluster.url('JPN')}/v1/items/{item_id}")


def _reads(cluster, item_id: str) -> list[tuple[str, str, bool, list[str]]]:
    """JPN's read records of ``item_id``: (kind, person, permitted, failed rules)."""
    node = cluster.nodes["JPN"]
    with node.lock:
        records = node.audit.records()
    return [(r.kind, r.body["person"], r.body["permitted"],
             [x["rule"] for x in r.body["reasons"] if not x["passed"]])
            for r in records
            if r.kind.startswith("read.") and r.body.get("item_id") == item_id]


def test_the_duty_officer_reads_the_plan_with_korea_s_attachment(shared):
    cluster, item_id, digest, _ = shared
    before = _reads(cluster, item_id)
    r = _read(cluster, "duty-officer", item_id)
    assert r.status_code == 200, r.text
    item = r.json()
    assert item["originator"] == "KOR" and item["route"] == "direct"
    assert item["marking"]["text"] == "大韓民国 極秘"
    assert item["marking"]["classification"] == "極秘"
    [att] = item["payload"]["attachments"]
    data = base64.b64decode(att["data"])
    assert len(data) == att["size"] == 5 * MiB
    assert hashlib.sha256(data).hexdigest() == att["sha256"] == digest
    assert _reads(cluster, item_id)[len(before):] == [
        ("read.permitted", "duty-officer", True, [])]


@pytest.mark.parametrize(("pid", "rule", "source", "detail"), [
    ("clerk", "personnel_clearance", ART7_CLEARANCE, "holds 秘; needs 極秘 or higher"),
    ("analyst", "need_to_know", ART7_NTK,
     "topic 'operation-plan'; duties cover ['dprk-missile-threat']"),
], ids=["clearance-too-low", "no-need-to-know"])
def test_a_person_without_clearance_or_need_to_know_is_refused_with_the_reason(
        shared, pid, rule, source, detail):
    cluster, item_id, _, _ = shared
    before = _reads(cluster, item_id)
    r = _read(cluster, pid, item_id)
    assert r.status_code == 403
    body = r.json()
    assert "payload" not in body and body["person"] == pid and body["item_id"] == item_id
    [failed] = [x for x in body["reasons"] if not x["passed"]]
    assert (failed["rule"], failed["source"], failed["detail"]) == (rule, source, detail)
    assert body["error"] == (f"read of item {item_id} denied to {pid!r}: "
                             f"{rule} ({source}): {detail}")
    assert _reads(cluster, item_id)[len(before):] == [("read.denied", pid, False, [rule])]


def test_the_same_reads_from_gsomia_item_show(shared, tmp_path):
    cluster, item_id, digest, tmp = shared
    cfg = tmp / "jpn.toml"
    cfg.write_text(f'party = "JPN"\nlisten = "127.0.0.1:{cluster.ports["JPN"]}"\n'
                   f'store = "unused.sqlite"\nkeys = "pki"\n', encoding="utf-8")
    runner = CliRunner()

    def show(pid: str, *extra: str):
        tls = cluster.person_tls("JPN", pid)
        return runner.invoke(app, ["item", "show", item_id, "--config", str(cfg), "--cert",
                                   str(tls.cert), "--key", str(tls.key), *extra])

    before = _reads(cluster, item_id)
    ok = show("duty-officer", "--json", "--save-attachments", str(tmp_path / "out"))
    assert ok.exit_code == 0, ok.output
    [att] = json.loads(ok.output)["document"]["attachments"]
    assert att["sha256"] == digest
    saved = tmp_path / "out" / "operation-plan-annex.pdf"
    assert hashlib.sha256(saved.read_bytes()).hexdigest() == digest
    refused = show("clerk")
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    assert f"read of item {item_id} denied by JPN's node to 'clerk':" in refused.output
    assert f"personnel_clearance ({ART7_CLEARANCE}): holds 秘; needs 極秘 or higher" \
        in refused.output
    assert not (tmp_path / "clerk").exists()
    assert _reads(cluster, item_id)[len(before):] == [
        ("read.permitted", "duty-officer", True, []),
        ("read.denied", "clerk", False, ["personnel_clearance"])]

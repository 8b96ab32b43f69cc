"""Every input is answered 4xx, never 5xx, and nothing is stored from a rejected request:
requests generated from the node's OpenAPI (Schemathesis) and poison bodies, in process
(SQLite store) and against live servers with mutual TLS; Idempotency-Key on operator
POSTs; a sender treats a final 4xx as final."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, seed, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from typer.testing import CliRunner
from web_support import until, warning

from gsomia.cli import app
from gsomia.node import Directory, HttpsLink, Node, PartyKeys, SimClock
from gsomia.sharing import Route, load_catalog
from gsomia.sharing.pki import init_pki
from gsomia.web.app import create_app
from gsomia.web.bench_fuzz import run_fuzz
from gsomia.web.live import LiveCluster

EPOCH = dt.datetime(2024, 1, 14, tzinfo=dt.UTC)


def _node(tmp_path, keys=None) -> Node:
    keys = keys or {p: PartyKeys.generate(p) for p in ("JPN", "KOR")}
    directory = Directory(k.public() for k in keys.values())
    return Node("KOR", keys["KOR"], directory, load_catalog(), tmp_path / "kor.sqlite",
                SimClock(EPOCH), routes={"JPN": "direct"})


def test_300_generated_requests_in_process_get_no_5xx_and_rejected_ones_store_nothing(
        tmp_path):
    node = _node(tmp_path)
    app = create_app(node)
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            report = run_fuzz(app.openapi(), lambda r: client.request(
                r.method, r.path, headers=r.headers, content=r.body), node, 300, seed=14)
    finally:
        node.close()
    assert report["requests"] == 300
    assert report["server_errors"] == 0, report["server_error_examples"]
    assert report["stored_from_rejected"] == 0, report["stored_examples"]
    assert report["replays"] > 20 and report["replay_mismatches"] == 0, \
        report["replay_examples"]
    assert report["by_class"]["4xx"] > 150  # most generated input is bad, and refused
    posts = {op for op in report["by_operation"] if op.startswith("POST")}
    assert {"POST /v1/inbox", "POST /v1/warnings", "POST /v1/approvals", "POST /v1/items",
            "POST /v1/items/{item_id}/release"} <= posts


CHECKS = (not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance)


def test_generated_requests_get_answers_that_conform_to_the_openapi(tmp_path):
    """Each operation, with bodies that fit its schema and bodies that break it: no 5xx,
    and each answer's status, content type and body are those the OpenAPI documents."""
    node = _node(tmp_path)
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(node))
    failures: list[str] = []
    cases = 0
    try:
        for result in schema.get_all_operations():
            operation = result.ok()
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                if mode is GenerationMode.NEGATIVE and operation.method.upper() == "GET":
                    continue  # nothing to make invalid: no body, any text is a path id

                @seed(21)
                @settings(max_examples=8, database=None, deadline=None,
                          phases=[Phase.generate], suppress_health_check=list(HealthCheck))
                @given(operation.as_strategy(mode))
                def check(case):
                    nonlocal cases
                    cases += 1
                    answer = case.call()
                    try:
                        case.validate_response(answer, checks=list(CHECKS))
                    except BaseException as exc:  # noqa: BLE001 - a failure group
                        failures.append(f"{case.method} {case.path} {answer.status_code}: "
                                        f"{str(exc)[:300]}")

                check()
    finally:
        node.close()
    assert cases >= 120
    assert failures == []


@pytest.mark.slow
def test_gsomia_bench_fuzz_sends_2000_requests_to_a_live_node_and_gets_no_5xx():
    out = CliRunner().invoke(app, ["bench", "fuzz", "--n", "2000", "--seed", "3", "--json"])
    assert out.exit_code == 0, out.output
    report = json.loads(out.output)
    assert report["requests"] == 2000 and report["node"]["mutual_tls"]
    assert report["by_class"]["5xx"] == report["server_errors"] == 0
    assert report["stored_from_rejected"] == 0, report["stored_examples"]
    assert report["replays"] > 100 and report["replay_mismatches"] == 0
    assert report["by_class"]["2xx"] + report["by_class"]["4xx"] == 2000
    assert sum(report["by_operation"].values()) == 2000
    assert any(op.startswith("POST /v1/inbox") for op in report["by_operation"])
    assert any(op.endswith("(poison)") for op in report["by_operation"])


def _body(track: str = "T1") -> bytes:
    return json.dumps(warning(10.0, track).to_dict()).encode()


def test_an_idempotency_key_replays_the_first_answer_and_survives_a_restart(tmp_path):
    keys = {p: PartyKeys.generate(p) for p in ("JPN", "KOR")}
    headers = {"content-type": "application/json",
               "idempotency-key": '"8e03978e-40d5-43e8-bc93-6894a57f9324"'}
    node = _node(tmp_path, keys)
    try:
        with TestClient(create_app(node)) as client:
            first = client.post("/v1/warnings", content=_body(), headers=headers)
            again = client.post("/v1/warnings", content=_body(), headers=headers)
            other = client.post("/v1/warnings", content=_body("T2"), headers=headers)
            bad = client.post("/v1/warnings", content=_body(),
                              headers={**headers, "idempotency-key": '"x'})
        assert first.status_code == again.status_code == 200
        assert again.json() == first.json() and again.headers["idempotency-replayed"] == "true"
        assert other.status_code == 422 and "8e03978e" in other.json()["error"]
        assert bad.status_code == 400 and "Idempotency-Key" in bad.json()["error"]
        assert len(node.store.local_items()) == 1  # one item, not two
    finally:
        node.close()
    node = _node(tmp_path, keys)  # the same store, a new process's node
    try:
        with TestClient(create_app(node)) as client:
            after = client.post("/v1/warnings", content=_body(), headers=headers)
        assert after.status_code == 200 and after.json() == first.json()
        assert len(node.store.local_items()) == 1
    finally:
        node.close()


@pytest.mark.parametrize("path, body", [
    ("/v1/approvals", {"item_id": "KOR-0", "to": "JPN"}),
    ("/v1/items/KOR-0/release", {"to": "JPN", "route": "direct"}),
    ("/v1/items/KOR-0/actions", {"action": "recall"}),
    ("/v1/items/KOR-0/compromise", {"what": "lost"}),
    ("/v1/cases/case-0/close", {"summary": "done"}),
    ("/v1/items", {"classification": "NONE", "releasable_to": ["JPN"], "document": {
        "title": "t", "topic": "x", "body": "b", "attachments": []}}),
])
def test_every_operator_post_takes_an_idempotency_key(tmp_path, path, body):
    node = _node(tmp_path)
    headers = {"content-type": "application/json", "idempotency-key": '"k-1"'}
    try:
        with TestClient(create_app(node)) as client:
            first = client.post(path, json=body, headers=headers)
            again = client.post(path, json=body, headers=headers)
            other = client.post(path, json={**body, "x": 1}, headers=headers)
            kept = node.store.db.fetchall("SELECT key FROM idempotency")
    finally:
        node.close()
    assert 400 <= first.status_code < 500  # no such item or case: refused, key released
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert "idempotency-replayed" not in again.headers  # processed again, not replayed
    assert 400 <= other.status_code < 500 and other.status_code != 422  # processed anew
    assert kept == []


def test_a_poison_envelope_gets_a_rejected_receipt_and_is_audited(tmp_path):
    node = _node(tmp_path)
    poison = b'{"envelope_id": "\\ud800", "sender": "JPN", "recipient": "KOR", "jwe": "a"}'
    try:
        with TestClient(create_app(node)) as client:
            answers = [client.post("/v1/inbox", content=body,
                                   headers={"content-type": "application/json"})
                       for body in (poison, b"[" * 5000 + b"]" * 5000,
                                    b'{"envelope_id": ' + b"9" * 400 + b"}")]
        kinds = [r.kind for r in node.audit.records()]
    finally:
        node.close()
    assert [(a.status_code, a.json()["status"], a.json()["check"]) for a in answers] \
        == [(400, "rejected", "format")] * 3
    assert kinds.count("receive.rejected") == 3


@pytest.mark.slow
def test_a_sender_takes_a_4xx_that_is_no_receipt_as_final_and_goes_on(tmp_path):
    init_pki(tmp_path / "pki", ("KOR", "JPN"))
    cluster = LiveCluster(tmp_path / "pki", tmp_path, load_catalog(),
                          {"KOR": {"JPN": Route.DIRECT}, "JPN": {}}).start()
    try:
        kor = cluster.nodes["KOR"]
        # KOR's link presents the operator certificate: JPN's inbox answers 403 (no receipt)
        kor.connect("JPN", HttpsLink("JPN", cluster.url("JPN"), cluster.operator_tls("KOR")))
        [refused] = kor.publish_warning(warning(10.0, "T1"))
        until(lambda: kor.outbox_counts()["rejected"] == 1, "the 403 recorded as final")
        assert kor.outbox_counts()["pending"] == 0
        row = next(r for r in kor.store.outbox() if r.envelope_id == refused.envelope_id)
        assert row.status == "rejected" and "HTTP 403" in row.result
        kor.connect("JPN", HttpsLink("JPN", cluster.url("JPN"), cluster.tls("KOR")))
        [sent] = kor.publish_warning(warning(20.0, "T2"))
        until(lambda: any(i.item_id == sent.item_id for i in cluster.nodes["JPN"].items()),
              "the next warning delivered: the queue is not blocked")
        assert refused.item_id not in {i.item_id for i in cluster.nodes["JPN"].items()}
        again = next(r for r in kor.store.outbox() if r.envelope_id == refused.envelope_id)
        assert (again.status, again.attempts) == ("rejected", row.attempts)  # never retried
    finally:
        cluster.stop()


def test_a_body_answer_over_the_http_api_is_never_5xx_for_a_bad_epoch(tmp_path):
    node = _node(tmp_path)
    body = json.loads(_body())
    try:
        with TestClient(create_app(node)) as client:
            answers = [client.post("/v1/warnings", json={**body, "epoch": e}).status_code
                       for e in ("0001-01-01T00:00:00+01:00", "9999-12-31T23:00:00-05:00")]
    finally:
        node.close()
    assert answers == [400, 400]

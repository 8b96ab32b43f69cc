"""A store that refuses a write answers 503 with Retry-After on the operator routes (never
400: the input was fine), keeps nothing, and /v1/health says so; on SQLite (a trigger
refuses the outbox rows), in process."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from web_support import EPOCH, warning

from gsomia.node import Directory, Node, PartyKeys, SimClock
from gsomia.sharing import load_catalog
from gsomia.web.app import create_app
from gsomia.web.unavailable import RETRY_AFTER_S

REFUSE = ("CREATE TRIGGER refuse BEFORE INSERT ON outbox "
          "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END")


@pytest.fixture
def node(tmp_path):
    keys = {p: PartyKeys.generate(p) for p in ("JPN", "KOR")}
    directory = Directory(k.public() for k in keys.values())
    n = Node("JPN", keys["JPN"], directory, load_catalog(), f"sqlite:///{tmp_path}/j.sqlite",
             SimClock(EPOCH), routes={"KOR": "direct"})  # retries queued, never run
    yield n
    n.close()


def test_a_refused_write_is_a_503_with_retry_after_and_nothing_kept(node):
    client = TestClient(create_app(node))
    assert client.get("/v1/health").json()["status"] == "ok"
    node.store.db.execute(REFUSE)
    size = node.audit.size()
    r = client.post("/v1/warnings", json=warning(1.0).to_dict())
    assert r.status_code == 503 and r.headers["Retry-After"] == str(RETRY_AFTER_S)
    assert r.json() == {"error": "store refused the write"}  # no SQL, no path
    assert node.store.db.fetchall("SELECT item_id FROM local_items") == []
    assert node.audit.size() == size  # not one record of it
    health = client.get("/v1/health")
    body = health.json()
    assert health.status_code == 200 and body["status"] == "degraded"
    assert body["store"]["reachable"] and not body["store"]["writable"]
    assert "refused by the test" in body["store"]["error"]
    assert body["audit"]["shared"] and not body["audit"]["writable"]
    node.store.db.execute("DROP TRIGGER refuse")
    ok = client.post("/v1/warnings", json=warning(2.0).to_dict())
    assert ok.status_code == 200 and ok.json()[0]["status"] == "queued"
    body = client.get("/v1/health").json()
    assert body["store"]["writable"] and body["store"]["error"] is None
    assert body["links"]["KOR"]["queued"] == 1 and body["audit"]["size"] > size


def test_health_names_each_partner_link_and_its_last_error(node):
    client = TestClient(create_app(node))
    client.post("/v1/warnings", json=warning(1.0).to_dict())
    node.flush()  # no link to KOR is connected: the attempt fails, the row stays queued
    body = client.get("/v1/health").json()
    link = body["links"]["KOR"]
    assert link["failing"] and "no link connected" in link["last_error"]
    assert link["last_success"] is None and link["last_error_at"] is not None
    assert (link["queued"], link["retrying"], link["acked"]) == (1, 1, 0)
    assert body["status"] == "degraded" and body["outbox"]["pending"] == 1

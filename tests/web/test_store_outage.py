"""Live nodes (uvicorn on 127.0.0.1, mutual TLS) whose PostgreSQL store fails under them:
backends terminated (``pg_terminate_backend``) on the shared server, and a private server
stopped and started again. Each request is answered 2xx, or 503 with ``Retry-After``
naming the store; the node recovers without a restart; every item acknowledged before is
still there, once, and nothing is half written (an item, its custody and its audit
records are there together or not at all)."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

import httpx
import pytest
from web_support import WAIT_S, until, warning

from gsomia.node import Node
from gsomia.sharing import load_catalog
from gsomia.sharing.pki import init_pki
from gsomia.web.live import LiveCluster
from pg_support import PrivatePostgres, fresh_database, shared_or_skip, terminate_backends

pytestmark = [pytest.mark.services, pytest.mark.slow]

ROUTES = {"KOR": {"JPN": "direct"}, "JPN": {"KOR": "direct"}}


def _cluster(tmp: Path, stores: dict[str, str]) -> LiveCluster:
    init_pki(tmp / "pki", tuple(ROUTES))
    return LiveCluster(tmp / "pki", tmp, load_catalog(), ROUTES, stores=stores).start()


def _operator(cluster: LiveCluster, party: str) -> httpx.Client:
    return httpx.Client(base_url=cluster.url(party), timeout=30.0,
                        verify=cluster.operator_tls(party).client_context())


def _answered(r: httpx.Response) -> bool:
    """2xx, or 503 with Retry-After and an error naming the store; nothing else."""
    if r.status_code == 503:
        assert int(r.headers["Retry-After"]) > 0
        assert "store" in r.json()["error"]
        return False
    assert r.status_code < 300, (r.status_code, r.text[:300])
    return True


def _whole(node: Node) -> tuple[set[str], set[str]]:
    """Check nothing is half written at ``node``; return (own item ids, item ids held)."""
    db = node.store.db
    own = {r[0] for r in db.fetchall("SELECT item_id FROM local_items")}
    leaves = {r[0] for r in db.fetchall("SELECT item_id FROM item_leaves")}
    inbox = {r[0]: r[1] for r in db.fetchall(
        "SELECT envelope_id, item_id FROM inbox WHERE kind = 'item'")}
    received = {r[0] for r in db.fetchall(
        "SELECT envelope_id FROM custody WHERE direction = 'received'")}
    records = list(node.audit.records())
    created = {r.body["item_id"] for r in records if r.kind == "item.created"}
    accepted = {r.body["envelope_id"] for r in records if r.kind == "receive.accepted"
                and r.body.get("kind") != "consent"}
    assert own == leaves == created
    assert set(inbox) == received == accepted
    assert node.audit.verify().ok
    return own, set(inbox.values())


def test_backends_terminated_while_serving_recover_without_restart(tmp_path):
    admin = shared_or_skip()
    with fresh_database(admin) as url:
        dbname = url.rsplit("/", 1)[1]
        cluster = _cluster(tmp_path, {"KOR": f"{url}?schema=kor", "JPN": f"{url}?schema=jpn"})
        nodes = dict(cluster.nodes)
        stop = threading.Event()
        killed: list[int] = []

        def killer() -> None:  # 15 rounds, 0.2 s apart, while requests go on
            for _ in range(15):
                if stop.wait(0.2):
                    return
                killed.append(terminate_backends(admin, dbname))

        acked: list[str] = []
        refused = 0
        try:
            with _operator(cluster, "KOR") as kor:
                thread = threading.Thread(target=killer, daemon=True)
                thread.start()
                i = 0
                while thread.is_alive() or i < 10:
                    i += 1
                    r = kor.post("/v1/warnings", json=warning(float(i), f"T{i}").to_dict())
                    if _answered(r):
                        acked.append(r.json()[0]["item_id"])
                    else:
                        refused += 1
                    _answered(kor.get("/v1/health"))
                stop.set()
                thread.join()
                # no restart: the next requests succeed within seconds
                last = until(lambda: (r := kor.post("/v1/warnings", json=warning(
                    99.0, "T99").to_dict())).status_code == 200 and r, "publish again")
                acked.append(last.json()[0]["item_id"])
                health = kor.get("/v1/health").json()
                assert health["store"]["reachable"] and health["store"]["backend"] == \
                    "postgresql" and health["status"] in ("ok", "degraded")
            jpn = cluster.nodes["JPN"]
            until(lambda: {i.item_id for i in jpn.items()} >= set(acked), "acked items at JPN",
                  wait_s=4 * WAIT_S)
            assert cluster.nodes == nodes  # the same node objects: never restarted
            assert sum(killed) > 0
            own, _ = _whole(cluster.nodes["KOR"])
            _, held = _whole(jpn)
            assert set(acked) <= own and set(acked) <= held
            counts = Counter(i.item_id for i in jpn.items())
            assert max(counts.values()) == 1  # none duplicated
        finally:
            stop.set()
            cluster.stop()


def _walk(cluster: LiveCluster, item_id: str) -> dict[tuple[str, str], int]:
    """Every route of JPN's API with a well-formed request: its status (and each 503
    checked for Retry-After and the error)."""
    doc = {"classification": "極秘", "releasable_to": ["KOR"],
           "document": {"title": "t", "topic": "operation-plan", "attachments": []}}
    bodies = {
        ("POST", "/v1/warnings"): warning(1.0, "W").to_dict(),
        ("POST", "/v1/approvals"): {"item_id": item_id, "to": "KOR"},
        ("POST", "/v1/items"): doc,
        ("POST", "/v1/items/{item_id}/release"): {"to": "KOR"},
        ("POST", "/v1/items/{item_id}/actions"): {"action": "recall"},
        ("POST", "/v1/items/{item_id}/compromise"): {"what": "lost"},
        ("POST", "/v1/cases/{case_id}/investigation"): {"findings": "f",
                                                        "preventive_measures": "m"},
        ("POST", "/v1/cases/{case_id}/close"): {"summary": "done"},
        ("POST", "/v1/inbox"): {"envelope_id": "e1"},
        ("POST", "/v1/inbox/batch"): {"envelopes": [{"envelope_id": "e1"}]},
    }
    spec = httpx.get(
        f"{cluster.url('JPN')}/openapi.json",
        verify=cluster.operator_tls("JPN").client_context()).json()
    out = {}
    with _operator(cluster, "JPN") as jpn:
        for path, methods in spec["paths"].items():
            for method in methods:
                url = path.replace("{item_id}", item_id).replace("{case_id}", "C1")
                kw = {"json": bodies.get((method.upper(), path), {})} \
                    if method == "post" else {}
                tls = cluster.tls("KOR") if path.startswith("/v1/inbox") else None
                if tls is not None:
                    r = httpx.post(f"{cluster.url('JPN')}{url}", verify=tls.client_context(),
                                   **kw)
                else:
                    r = jpn.request(method.upper(), url, **kw)
                if r.status_code == 503:
                    assert int(r.headers["Retry-After"]) > 0, path
                    assert "store" in r.json()["error"], (path, r.text[:200])
                out[(method.upper(), path)] = r.status_code
    return out


#: Routes of the OpenAPI that read no store (gsomia.web.cop): answered while it is down.
STORELESS = ("/cop/api/config", "/cop/api/geo", "/cop/api/sensors", "/cop/api/area")


def test_a_server_restart_answers_503_then_recovers_with_every_acked_item(tmp_path):
    with PrivatePostgres() as server:
        cluster = _cluster(tmp_path, {"JPN": f"{server.url()}?schema=jpn"})
        nodes = dict(cluster.nodes)
        try:
            with _operator(cluster, "KOR") as kor:
                before = [kor.post("/v1/warnings", json=warning(float(i), f"B{i}").to_dict())
                          for i in range(3)]
                acked = [r.json()[0]["item_id"] for r in before if _answered(r)]
                jpn = cluster.nodes["JPN"]
                until(lambda: {i.item_id for i in jpn.items()} >= set(acked), "items at JPN")
                server.stop()
                statuses = _walk(cluster, acked[0])
                assert statuses[("GET", "/v1/health")] == 503
                down = httpx.get(f"{cluster.url('JPN')}/v1/health",
                                 verify=cluster.tls("KOR").client_context())
                body = down.json()
                assert body["status"] == "down" and not body["store"]["reachable"]
                assert "store unavailable" in body["error"] and body["items"] is None
                # every route of the API (the spec and its docs aside, and the COP's map,
                # sensors and areas, which read no store) answers 503 with Retry-After;
                # none 2xx, none another 5xx
                assert all(s == 503 for (_, p), s in statuses.items()
                           if p not in STORELESS), {
                    k: v for k, v in statuses.items() if v != 503}
                assert all(statuses[("GET", p)] < 500 for p in STORELESS), statuses
                # the partner keeps publishing; its outbox holds the envelopes meanwhile
                during = [kor.post("/v1/warnings", json=warning(10.0 + i, f"D{i}").to_dict())
                          for i in range(2)]
                acked += [r.json()[0]["item_id"] for r in during if _answered(r)]
                server.start()
                until(lambda: httpx.get(f"{cluster.url('JPN')}/v1/health", verify=cluster.tls(
                    "KOR").client_context()).status_code == 200, "JPN healthy again")
            until(lambda: {i.item_id for i in jpn.items()} >= set(acked), "every acked item",
                  wait_s=2 * WAIT_S)
            assert cluster.nodes == nodes and len(acked) == 5
            assert max(Counter(i.item_id for i in jpn.items()).values()) == 1
            _, held = _whole(jpn)
            assert set(acked) <= held
        finally:
            cluster.stop()

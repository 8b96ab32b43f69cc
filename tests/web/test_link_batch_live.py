"""Link batches between live nodes (uvicorn on 127.0.0.1, mutual TLS): 2,000 warnings
published back to back all arrive once, with the receiver stopped and restarted in the
middle; an older peer without the batch route still gets every envelope."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.responses import JSONResponse

from gsomia.node import HttpsLink
from gsomia.sharing import Route, load_catalog
from gsomia.sharing.pki import init_pki, tls_paths
from gsomia.web.app import create_app
from gsomia.web.bench import sample_warning
from gsomia.web.live import LiveCluster, wait_until
from gsomia.web.server import ThreadedServer, bind, uvicorn_config

N = 2000


@dataclass
class Pair:
    cluster: LiveCluster
    got: Counter  # item id: calls of the JPN subscriber
    lock: threading.Lock


@pytest.fixture
def pair(tmp_path) -> Iterator[Pair]:
    """KOR → JPN live, links of batches of 256; stopped after the test."""
    init_pki(tmp_path / "pki", ("KOR", "JPN"))
    got: Counter = Counter()
    lock = threading.Lock()

    def on_jpn(_, item) -> None:
        with lock:
            got[item.item_id] += 1

    cluster = LiveCluster(tmp_path / "pki", tmp_path, load_catalog(),
                          {"KOR": {"JPN": Route.DIRECT}, "JPN": {"KOR": Route.DIRECT}},
                          on_warning={"JPN": on_jpn}, batch=256).start()
    try:
        yield Pair(cluster, got, lock)
    finally:
        cluster.stop()


@pytest.mark.slow
def test_2000_warnings_arrive_once_over_batches_across_a_restart(pair):
    cluster, got, lock = pair.cluster, pair.got, pair.lock
    kor = cluster.nodes["KOR"]
    sent = []
    for i in range(N):
        if i == N // 2:
            cluster.stop_node("JPN")
        if i == N // 2 + 200:
            cluster.start_node("JPN")
        [rel] = kor.publish_warning(sample_warning(i, "KOR"), send=False)
        sent.append(rel.item_id)
        kor.flush_soon()

    def all_there() -> bool:
        with lock:
            return len(got) >= N

    assert wait_until(all_there, 180.0, poll_s=0.2)
    kor.flush()  # nothing left to send: every entry answered
    with lock:
        assert set(got) == set(sent) and len(sent) == N  # 0 lost
        assert max(got.values()) == 1  # 0 duplicated to the subscriber
    stored = [i.item_id for i in cluster.nodes["JPN"].items()]
    assert sorted(stored) == sorted(sent)  # one stored copy each
    assert kor.outbox_counts() == {"pending": 0, "acked": N, "rejected": 0}
    with cluster.nodes["JPN"].lock:
        accepted = [r.body for r in cluster.nodes["JPN"].audit.records()
                    if r.kind == "receive.accepted"]
    assert len(accepted) == N
    # the backlog of the outage went in batches: one arrival time for a whole batch
    per_request = Counter(r["arrived_s"] for r in accepted)
    assert max(per_request.values()) > 1 and len(per_request) < N


def _without_batch_route(app):
    """``app`` as a node from before batches answers: no ``/v1/inbox/batch`` (404)."""
    async def older(scope, receive, send):
        if scope.get("type") == "http" and scope.get("path") == "/v1/inbox/batch":
            await JSONResponse({"detail": "Not Found"}, status_code=404)(scope, receive, send)
            return
        await app(scope, receive, send)

    return older


@pytest.mark.slow
def test_a_peer_without_the_batch_route_gets_envelopes_one_by_one(pair):
    cluster, got, lock = pair.cluster, pair.got, pair.lock
    kor = cluster.nodes["KOR"]
    cluster.servers.pop("JPN").stop()  # JPN served again as an older node
    app = _without_batch_route(create_app(cluster.nodes["JPN"],
                                          party_cas=cluster.party_cas))
    cluster.servers["JPN"] = ThreadedServer(
        uvicorn_config(app, *tls_paths(cluster.pki, "JPN")),
        bind("127.0.0.1", cluster.ports["JPN"])).start()
    link = HttpsLink("JPN", cluster.url("JPN"), cluster.tls("KOR"))
    kor.connect("JPN", link)
    assert link.max_batch == 256
    sent = [kor.publish_warning(sample_warning(10 * i, "KOR"), send=False)[0].item_id
            for i in range(20)]
    kor.flush()  # a batch of 20: not found, so the link goes one envelope a request

    def all_acked() -> bool:
        kor.flush()
        return kor.outbox_counts()["pending"] == 0

    assert wait_until(all_acked, 30.0, poll_s=0.1)
    assert kor.outbox_counts() == {"pending": 0, "acked": 20, "rejected": 0}
    assert wait_until(lambda: len(got) == 20, 30.0)
    with lock:
        assert set(got) == set(sent) and max(got.values()) == 1
    assert link.max_batch == 1

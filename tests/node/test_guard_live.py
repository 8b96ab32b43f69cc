"""Art. 6 over live nodes (127.0.0.1, mutual TLS, ports chosen at run time): Korea's
operator gives its written approval over ``POST /v1/approvals`` naming the holder, and only
then can Japan pass Korea's item on to the USA."""

from __future__ import annotations

import time

import httpx
import pytest

from gsomia.errors import ReleaseDenied
from gsomia.node import WARNING_TOPIC, Route
from gsomia.sharing import load_catalog
from gsomia.sharing.pki import init_pki
from gsomia.web.live import LiveCluster

WAIT_S = 10.0


def _until(predicate, what):
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.slow
def test_art6_japan_passes_a_korean_item_on_only_after_koreas_approval_over_https(tmp_path):
    init_pki(tmp_path / "pki")
    cluster = LiveCluster(tmp_path / "pki", tmp_path, load_catalog(),
                          {"KOR": {}, "JPN": {}, "USA": {}}).start()
    kor, jpn, usa = (cluster.nodes[p] for p in ("KOR", "JPN", "USA"))
    try:
        label = kor.create_item({"plan": "neo-1"}, classification="군사II급비밀",
                                releasable_to=["JPN", "USA"], topic=WARNING_TOPIC,
                                elements=("impact_point",))
        kor.release(label.item_id, "JPN", Route.DIRECT)
        _until(lambda: jpn.items(), "Japan's copy")
        with pytest.raises(ReleaseDenied):
            jpn.release(label.item_id, "USA", Route.DIRECT)
        r = httpx.post(f"{cluster.url('KOR')}/v1/approvals",
                       json={"item_id": label.item_id, "to": "USA", "route": "direct",
                             "holder": "jpn"},
                       verify=cluster.operator_tls("KOR").client_context(), timeout=5.0)
        assert r.status_code == 200, r.text
        assert (r.json()["originator"], r.json()["to"]) == ("KOR", "USA")
        _until(lambda: len(jpn.store.consents()) == 1, "Korea's consent at Japan's node")
        assert jpn.release(label.item_id, "USA", Route.DIRECT).status == "queued"
        [got] = _until(lambda: usa.items(), "the USA's copy")
        assert (got.item_id, got.sender, got.originator) == (label.item_id, "JPN", "KOR")
    finally:
        cluster.stop()

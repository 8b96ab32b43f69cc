"""An operator certificate reaches only its own party's node (examples/live/README.md):
three real servers on 127.0.0.1 with mutual TLS, ports chosen at run time; Korea's config
has Japan as its only peer (USA is no partner of that node)."""

from __future__ import annotations

import httpx
import pytest

from gsomia.node import TlsFiles
from gsomia.sharing import load_catalog
from gsomia.sharing.pki import init_pki
from gsomia.web.live import LiveCluster

OPEN = ("/v1/health", "/openapi.json", "/docs")
LOCAL = ("/v1/items", "/v1/warnings", "/v1/plots")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("operator-scope")
    init_pki(tmp / "pki")
    c = LiveCluster(tmp / "pki", tmp, load_catalog(),
                    {"KOR": {"JPN": "direct"}, "JPN": {"KOR": "direct"}, "USA": {}})
    c.start()
    yield c
    c.stop()


def _get(cluster, tls: TlsFiles, party: str, path: str) -> httpx.Response:
    return httpx.get(f"{cluster.url(party)}{path}", verify=tls.client_context(), timeout=5.0)


@pytest.mark.parametrize("who", ["USA", "JPN"])
def test_another_partys_operator_gets_403_everywhere_on_the_korean_node(cluster, who):
    for path in (*OPEN, *LOCAL):
        r = _get(cluster, cluster.operator_tls(who), "KOR", path)
        assert r.status_code == 403, (who, path, r.text)
        assert f"{who}'s operator" in r.json()["error"]


def test_the_own_operator_and_a_partner_node_still_read_health(cluster):
    r = _get(cluster, cluster.operator_tls("KOR"), "KOR", "/v1/health")
    assert (r.status_code, r.json()["party"]) == (200, "KOR")
    r = _get(cluster, cluster.tls("JPN"), "KOR", "/v1/health")
    assert (r.status_code, r.json()["party"]) == (200, "KOR")
    # each operator reaches its own node's health
    for party in ("JPN", "USA"):
        r = _get(cluster, cluster.operator_tls(party), party, "/v1/health")
        assert (r.status_code, r.json()["party"]) == (200, party)

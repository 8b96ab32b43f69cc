"""The adversarial holder against three live nodes on 127.0.0.1 (real uvicorn servers,
mutual TLS, ports chosen at run time): every attempt rejected, audited, never delivered."""

from __future__ import annotations

import pytest

from gsomia.sharing import load_catalog
from gsomia.sharing.pki import init_pki
from gsomia.web.adversary import run_attempts
from gsomia.web.live import LiveCluster


@pytest.mark.slow
def test_the_adversarial_holder_fails_against_live_nodes(tmp_path):
    init_pki(tmp_path / "pki")
    cluster = LiveCluster(tmp_path / "pki", tmp_path, load_catalog(),
                          {"KOR": {}, "JPN": {}, "USA": {}}).start()
    try:
        report = run_attempts(cluster.nodes)
        sent = {k: c for k, c in report.items() if c["sent"]}
        assert len(sent) >= len(report) - 1  # all but a notice the kinds may not have
        for kind, counts in sent.items():
            assert counts["rejected"] == counts["audited"] == counts["sent"], (kind, counts)
            assert counts["delivered"] == 0, (kind, counts)
        assert len(cluster.nodes["JPN"].items()) == 2  # the originator's own releases
    finally:
        cluster.stop()

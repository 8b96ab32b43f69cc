"""Custody, originator actions and Art. 17 cases over HTTPS with mutual TLS: three real
servers on 127.0.0.1 (ports chosen at run time), each route for its party's operator only,
and the ``gsomia item`` commands against them."""

from __future__ import annotations

import json

import httpx
import pytest
from typer.testing import CliRunner
from web_support import until

from gsomia.cli import app
from gsomia.sharing import load_catalog
from gsomia.sharing.pki import init_pki
from gsomia.web.live import LiveCluster


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("custody")
    init_pki(tmp / "pki")
    c = LiveCluster(tmp / "pki", tmp, load_catalog(),
                    {"KOR": {"JPN": "direct"}, "JPN": {}, "USA": {}}).start()
    yield c
    c.stop()


def _client(cluster, party, role="operator"):
    tls = cluster.operator_tls(party) if role == "operator" else cluster.tls(party)
    return httpx.Client(base_url=cluster.url(party), verify=tls.client_context(),
                        trust_env=False, timeout=10.0)


def _shared(cluster):
    kor = cluster.nodes["KOR"]
    item = kor.create_item({"plan": "evacuation"}, classification="군사II급비밀",
                           releasable_to=["JPN", "USA"], topic="dprk-missile-threat",
                           elements=("impact_point",)).item_id
    kor.release(item, "JPN", "direct")
    until(lambda: any(i.item_id == item for i in cluster.nodes["JPN"].items()), "delivery")
    return item


def test_custody_and_a_downgrade_over_https(cluster):
    item = _shared(cluster)
    with _client(cluster, "KOR") as kor, _client(cluster, "JPN") as jpn:
        view = kor.get(f"/v1/items/{item}/custody").json()
        assert view["holders"] == ["JPN"] and view["released_to"][0]["route"] == "direct"
        assert jpn.get(f"/v1/items/{item}/custody").json()["received_from"][0]["party"] \
            == "KOR"
        notice = kor.post(f"/v1/items/{item}/actions",
                          json={"action": "downgrade", "new_classification": "군사III급비밀"})
        assert notice.status_code == 200 and notice.json()["pending"] == ["JPN"]
        until(lambda: kor.get(f"/v1/items/{item}/actions").json()[0]["acknowledged"],
              "Japan's acknowledgement")
        listed = [i for i in cluster.nodes["JPN"].items() if i.item_id == item]
        assert [i.marking["text"] for i in listed] == ["大韓民国 秘"]


def test_only_the_originator_acts_and_bad_input_is_4xx(cluster):
    item = _shared(cluster)
    with _client(cluster, "JPN") as jpn, _client(cluster, "KOR") as kor:
        refused = jpn.post(f"/v1/items/{item}/actions", json={"action": "recall"})
        assert refused.status_code == 403 and "Originating Party KOR" in refused.json()["error"]
        excluded = kor.post(f"/v1/items/{item}/actions",
                            json={"action": "reclassify", "new_classification": "군사I급비밀"})
        assert excluded.status_code == 400 and "excludes" in excluded.json()["error"]
        assert kor.get("/v1/items/nope/custody").status_code == 404
        assert kor.post(f"/v1/items/{item}/actions", content=b"x").status_code == 415
        assert kor.post(f"/v1/items/{item}/actions", json=[1]).status_code == 400
    with _client(cluster, "JPN", role="node") as partner:  # a partner node: not an operator
        assert partner.get(f"/v1/items/{item}/custody").status_code == 403


def test_a_compromise_case_over_https_and_the_item_commands(cluster, tmp_path):
    item = _shared(cluster)
    config = tmp_path / "jpn.toml"
    config.write_text(f'party = "JPN"\nlisten = "127.0.0.1:{cluster.ports["JPN"]}"\n'
                      f'store = "unused.sqlite"\nkeys = "{cluster.pki}"\n', encoding="utf-8")
    run = CliRunner().invoke
    out = run(app, ["item", "compromise", item, "--config", str(config), "--what",
                    "laptop lost", "--possible", "--json"])
    assert out.exit_code == 0, out.output
    case = json.loads(out.output)
    with _client(cluster, "KOR") as kor:
        until(lambda: any(c["case_id"] == case["case_id"] for c in kor.get("/v1/cases").json()),
              "Korea's case")
    out = run(app, ["item", "investigate", case["case_id"], "--config", str(config),
                    "--findings", "found", "--measures", "encrypt disks"])
    assert out.exit_code == 0 and "investigated" in out.output
    out = run(app, ["item", "holders", item, "--config", str(config)])
    assert out.exit_code == 0 and "received from KOR" in out.output
    out = run(app, ["item", "action", item, "recall", "--config", str(config)])
    assert out.exit_code == 2 and "only the Originating Party KOR" in out.output
    with _client(cluster, "KOR") as kor:
        until(lambda: [c["status"] for c in kor.get("/v1/cases").json()
                       if c["case_id"] == case["case_id"]] == ["investigated"],
              "the investigation at Korea")
    out = run(app, ["item", "cases", "--config", str(config)])
    assert out.exit_code == 0 and f"{case['case_id']} holder" in out.output
    assert "investigated" in out.output


def test_the_originators_item_commands(cluster, tmp_path):
    item = _shared(cluster)
    config = tmp_path / "kor.toml"
    config.write_text(f'party = "KOR"\nlisten = "127.0.0.1:{cluster.ports["KOR"]}"\n'
                      f'store = "unused.sqlite"\nkeys = "{cluster.pki}"\n', encoding="utf-8")
    run = CliRunner().invoke
    out = run(app, ["item", "action", item, "downgrade", "--classification", "군사III급비밀",
                    "--config", str(config)])
    assert out.exit_code == 0 and "downgrade sent to JPN" in out.output
    kor = cluster.nodes["KOR"]
    until(lambda: kor.actions(item)[0]["acknowledged"], "Japan's acknowledgement")
    out = run(app, ["item", "actions", item, "--config", str(config)])
    assert out.exit_code == 0 and "acknowledged: JPN" in out.output and "pending: -" in out.output
    out = run(app, ["item", "action", item, "reclassify", "--classification", "군사I급비밀",
                    "--config", str(config)])
    assert out.exit_code == 2 and "excludes" in out.output

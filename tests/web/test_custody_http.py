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


def _config(cluster, tmp_path, party):
    config = tmp_path / f"{party.lower()}.toml"
    config.write_text(f'party = "{party}"\nlisten = "127.0.0.1:{cluster.ports[party]}"\n'
                      f'store = "unused.sqlite"\nkeys = "{cluster.pki}"\n', encoding="utf-8")
    return config


def test_a_release_back_to_the_originator_and_a_second_copy_are_refused(cluster):
    item = _shared(cluster)
    with _client(cluster, "JPN") as jpn, _client(cluster, "KOR") as kor:
        back = jpn.post(f"/v1/items/{item}/release", json={"to": "KOR"})
        assert back.status_code == 403
        assert back.json()["release"]["denied_by"] == ["to_originator"]
        [first] = kor.get(f"/v1/items/{item}/custody").json()["released_to"]
        again = kor.post(f"/v1/items/{item}/release", json={"to": "JPN"})
        assert again.status_code == 200
        assert (again.json()["status"], again.json()["envelope_id"]) == \
            ("already_released", first["envelope_id"])
        own = kor.post(f"/v1/items/{item}/compromise", json={"what": "lost"})
        assert own.status_code == 400 and f"item_id='{item}'" in own.json()["error"]
        assert "Originating Party handles" in own.json()["error"]
        view = kor.get(f"/v1/items/{item}/custody").json()
        assert len(view["released_to"]) == 1 and view["received_from"] == []


@pytest.mark.parametrize(("path", "body", "key"), [
    ("actions", {"action": "recall", "new_clasification": "x"}, "new_clasification"),
    ("compromise", {"what": "lost", "posible": True}, "posible"),
])
def test_an_unknown_key_of_an_item_route_is_refused_and_nothing_done(cluster, path, body,
                                                                      key):
    item = _shared(cluster)
    party = "KOR" if path == "actions" else "JPN"
    with _client(cluster, party) as client:
        refused = client.post(f"/v1/items/{item}/{path}", json=body)
        assert refused.status_code == 400
        assert refused.json()["error"].startswith(f"{key}=") and "unknown key" in \
            refused.json()["error"]
    assert cluster.nodes["KOR"].actions(item) == []
    assert [c for c in cluster.nodes["JPN"].cases() if c["item_id"] == item] == []


def test_case_routes_refuse_unknown_keys_null_and_overlong_text(cluster, tmp_path):
    item = _shared(cluster)
    with _client(cluster, "JPN") as jpn:
        null = jpn.post(f"/v1/items/{item}/compromise", json={"what": None})
        assert null.status_code == 400 and null.json()["error"].startswith("what=None")
        huge = jpn.post(f"/v1/items/{item}/compromise", json={"what": "x" * 900_000})
        assert huge.status_code == 400 and huge.json()["error"].startswith("what=")
        assert "at most 4000 characters" in huge.json()["error"]
        long_what = "lost " * 800  # 4,000 characters: the limit
        case = jpn.post(f"/v1/items/{item}/compromise", json={"what": long_what}).json()
        base = f"/v1/cases/{case['case_id']}"
        for path, body, key in (
                ("investigation", {"findings": "f", "preventive_measures": "m", "x": 1}, "x"),
                ("investigation", {"findings": "f" * 4001, "preventive_measures": "m"},
                 "findings"),
                ("close", {"sumary": "done"}, "sumary")):
            refused = jpn.post(f"{base}/{path}", json=body)
            assert refused.status_code == 400 and refused.json()["error"].startswith(f"{key}=")
        assert jpn.get("/v1/cases").json()[-1]["status"] == "open"
    out = CliRunner().invoke(app, ["item", "cases", "--config",
                                   str(_config(cluster, tmp_path, "JPN"))])
    assert out.exit_code == 0
    shown = out.output[out.output.index(case["case_id"]):]
    assert "lost lost" in shown and "…" in shown and len(shown) < 200  # not 4,000

"""Three real servers (JPN, KOR, USA) on 127.0.0.1 with mutual TLS, ports chosen at run time."""

from __future__ import annotations

import datetime as dt
import ssl
import threading
import time

import httpx
import pytest
from web_support import EPOCH, until, warning

from gsomia.node.persons import Personnel, PersonnelRecord
from gsomia.node.plots import Plot, RadarPlots, publish_plots
from gsomia.sharing import load_catalog
from gsomia.sharing.envelope import Header, PartyKeys, seal, sign
from gsomia.sharing.pki import init_pki, load_party_keys
from gsomia.web.live import LiveCluster

WAIT_S = 10.0


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("live")
    init_pki(tmp / "pki")
    got: list = []
    cond = threading.Condition()

    def on_jpn(warning, item):
        with cond:
            got.append(item)
            cond.notify_all()

    # Japan's duty officer (a person certificate) reads over HTTP; the subscriber in-process
    officer = PersonnelRecord("duty-officer", "Duty officer", "極秘",
                              frozenset({"dprk-missile-threat"}))
    c = LiveCluster(tmp / "pki", tmp, load_catalog(),
                    {"KOR": {"JPN": "direct"}, "JPN": {}, "USA": {}}, {"JPN": on_jpn},
                    personnel={"JPN": Personnel("JPN", {"duty-officer": officer})})
    c.got, c.cond = got, cond
    c.start()
    yield c
    c.stop()


def wait_for(c, n: int) -> list:
    with c.cond:
        c.cond.wait_for(lambda: len(c.got) >= n, timeout=WAIT_S)
        return list(c.got)


def test_korean_secret_warning_reaches_japan_direct_marked(cluster):
    n0 = len(cluster.got)
    cluster.nodes["KOR"].routes = {"JPN": "direct"}
    cluster.nodes["KOR"].publish_warning(warning(1.0))
    item = wait_for(cluster, n0 + 1)[-1]
    assert item.originator == "KOR" and item.route == "direct"
    assert item.marking["text"] in ("大韓民国 極秘", "大韓民国 特定秘密")
    body = httpx.get(f"{cluster.url('JPN')}/v1/items",
                     verify=cluster.person_tls("JPN", "duty-officer").client_context()).json()
    assert body[-1]["marking"]["originator_name_en"] == "Republic of Korea"


def test_tisa_hub_waits_for_koreas_approval(cluster):
    n0 = len(cluster.got)
    kor = cluster.nodes["KOR"]
    kor.routes = {"JPN": "tisa"}
    [rel] = kor.publish_warning(warning(2.0))
    assert rel.status == "awaiting_approval"
    held = [r.item_id for r in cluster.nodes["USA"].held()]
    assert rel.item_id in held and len(cluster.got) == n0
    kor.approve(rel.item_id, "JPN")
    item = wait_for(cluster, n0 + 1)[-1]
    assert item.item_id == rel.item_id and item.sender == "USA" and item.route == "tisa_hub"


def test_korean_item_at_japan_never_reaches_a_fourth_party_without_consent(cluster):
    n0 = len(cluster.got)
    cluster.nodes["KOR"].routes = {"JPN": "direct"}
    [rel] = cluster.nodes["KOR"].publish_warning(warning(3.0))
    wait_for(cluster, n0 + 1)
    jpn = cluster.nodes["JPN"]
    row = next(r for r in jpn.store.inbox(kind="item") if r.item_id == rel.item_id)
    env = seal(row.jws, Header("rogue-1", "JPN", "USA", dt.datetime.now(dt.UTC), "direct",
                               "USA", "rogue", 1), cluster.directory,
               load_party_keys(cluster.pki, "JPN"))
    r = httpx.post(f"{cluster.url('USA')}/v1/inbox", json=env.to_wire(),
                   verify=cluster.tls("JPN").client_context())
    assert r.status_code == 400 and r.json()["check"] == "release"
    assert "third_party_consent" in r.json()["reason"]
    kinds = [x.body.get("envelope_id") for x in cluster.nodes["USA"].audit.records()
             if x.kind == "receive.rejected"]
    assert "rogue-1" in kinds


def test_a_client_without_a_partner_certificate_is_refused(cluster, tmp_path):
    ctx = ssl.create_default_context(cafile=str(cluster.pki / "trusted-cas.pem"))
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"{cluster.url('JPN')}/v1/health", verify=ctx)


def test_restart_of_the_receiver_loses_nothing(cluster):
    n0 = len(cluster.got)
    kor = cluster.nodes["KOR"]
    kor.routes = {"JPN": "direct"}
    cluster.stop_node("JPN")
    for i in range(3):
        kor.publish_warning(warning(10.0 + i))
    assert kor.outbox_counts()["pending"] >= 1
    cluster.start_node("JPN")
    got = wait_for(cluster, n0 + 3)
    deadline = time.monotonic() + WAIT_S
    while kor.outbox_counts()["pending"] and time.monotonic() < deadline:
        time.sleep(0.02)
    assert [i.payload["t_s"] for i in got[n0:]] == [10.0, 11.0, 12.0]
    assert kor.outbox_counts()["pending"] == 0


def test_openapi_and_health(cluster):
    ctx = cluster.tls("KOR").client_context()
    spec = httpx.get(f"{cluster.url('USA')}/openapi.json", verify=ctx).json()
    assert "/v1/inbox" in spec["paths"]
    assert httpx.get(f"{cluster.url('USA')}/v1/health", verify=ctx).json()["party"] == "USA"


def _post(cluster, as_party: str, to: str, envelope) -> httpx.Response:
    return httpx.post(f"{cluster.url(to)}/v1/inbox", json=envelope.to_wire(),
                      verify=cluster.tls(as_party).client_context())


def _korean_item_at_japan(cluster):
    n0 = len(cluster.got)
    cluster.nodes["KOR"].routes = {"JPN": "direct"}
    [rel] = cluster.nodes["KOR"].publish_warning(warning(4.0))
    wait_for(cluster, n0 + 1)
    return next(r for r in cluster.nodes["JPN"].store.inbox(kind="item")
                if r.item_id == rel.item_id)


def test_japan_forwarding_a_korean_item_to_the_usa_as_korea_is_rejected_over_https(cluster):
    row = _korean_item_at_japan(cluster)
    jpn = load_party_keys(cluster.pki, "JPN")
    as_korea = PartyKeys("KOR", jpn.signing, jpn.encryption)  # Japan has no Korean key
    env = seal(row.jws, Header("forged-https-1", "KOR", "USA", dt.datetime.now(dt.UTC),
                               "direct", "USA", "forged", 1), cluster.directory, as_korea)
    r = _post(cluster, "JPN", "USA", env)
    assert r.status_code == 400 and r.json()["check"] == "sender"
    assert "authenticated peer is JPN" in r.json()["reason"]  # the TLS certificate's party
    audited = [x.body for x in cluster.nodes["USA"].audit.records()
               if x.kind == "receive.rejected" and x.body["envelope_id"] == "forged-https-1"]
    assert audited and audited[0]["check"] == "sender" and audited[0]["peer"] == "JPN"


def test_a_genuine_korean_envelope_relayed_by_japans_connection_is_rejected(cluster):
    """Even an envelope that Korea really signed is refused when it comes over Japan's
    mutual-TLS connection; over Korea's own it is accepted."""
    kor = load_party_keys(cluster.pki, "KOR")
    label = cluster.nodes["KOR"].create_item(
        {"note": "relay test"}, classification="군사II급비밀", releasable_to=["USA"],
        topic="dprk-missile-threat")
    now = dt.datetime.now(dt.UTC)
    env = seal(sign(kor, "item", {"note": "relay test"}, now, label),
               Header("relay-1", "KOR", "USA", now, "direct", "USA", "relay", 1),
               cluster.directory, kor)
    refused = _post(cluster, "JPN", "USA", env)
    assert refused.status_code == 400 and refused.json()["check"] == "sender"
    accepted = _post(cluster, "KOR", "USA", env)
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"


def _person_get(cluster, party: str, path: str):
    r = httpx.get(f"{cluster.url(party)}{path}",
                  verify=cluster.person_tls(party, "duty-officer").client_context(),
                  timeout=5.0)
    assert r.status_code == 200, r.text
    return r.json()


def test_a_plot_item_over_mtls_is_listed_as_plots_never_as_a_warning(cluster):
    """Radar plots share the warning topic: Japan's on_warning subscriber and its warning
    list must not see them (neither error nor entry); /v1/plots and /v1/items list them."""
    cov = ((2500.0, 0.0, 0.0), (0.0, 1e-6, 0.0), (0.0, 0.0, 1e-6))
    plots = RadarPlots("scan-https-1", EPOCH, 5.0, "kor-radar-1", 37.5, 127.0, 120.0,
                       (Plot(400e3, 0.1, 0.2, cov), Plot(410e3, 0.3, 0.25, cov)))
    kor = cluster.nodes["KOR"]
    kor.routes = {"JPN": "direct"}
    n0 = len(cluster.got)
    health0 = _person_get(cluster, "JPN", "/v1/health")
    [p_rel] = publish_plots(kor, plots)
    assert (p_rel.to, p_rel.status) == ("JPN", "queued")
    [entry] = until(lambda: [i for i in _person_get(cluster, "JPN", "/v1/plots")
                             if i["item_id"] == p_rel.item_id], "Japan's plot item")
    assert entry["kind"] == "radar_plots" and entry["originator"] == "KOR"
    assert entry["elements"] == ["trajectory", "sensor_location"]
    assert RadarPlots.from_dict(entry["payload"]) == plots
    assert entry["marking"]["text"] in ("大韓民国 極秘", "大韓民国 特定秘密")

    # a warning after it: the subscriber gets the warning alone
    [w_rel] = kor.publish_warning(warning(6.0, track="T-plots"))
    got = wait_for(cluster, n0 + 1)
    assert [i.item_id for i in got[n0:]] == [w_rel.item_id]
    warnings = _person_get(cluster, "JPN", "/v1/warnings")
    assert all(w["kind"] == "missile_warning" for w in warnings)
    assert w_rel.item_id in [w["item_id"] for w in warnings]
    assert p_rel.item_id not in [w["item_id"] for w in warnings]
    kinds = {i["item_id"]: i["kind"] for i in _person_get(cluster, "JPN", "/v1/items")}
    assert (kinds[p_rel.item_id], kinds[w_rel.item_id]) == ("radar_plots", "missile_warning")
    health = _person_get(cluster, "JPN", "/v1/health")
    assert [health[k] - health0[k] for k in ("items", "warnings", "plots")] == [2, 1, 1]
    # both envelopes acknowledged (none rejected, none left to retry), nothing unreadable
    sent = {p_rel.envelope_id, w_rel.envelope_id}
    until(lambda: {r.envelope_id: r.status for r in kor.store.outbox()
                   if r.envelope_id in sent} == dict.fromkeys(sent, "acked"),
          "Korea's acknowledgements")
    assert not [r for r in cluster.nodes["JPN"].audit.records()
                if r.kind == "deliver.unreadable"
                or (r.kind == "receive.rejected" and r.body["envelope_id"] in sent)]

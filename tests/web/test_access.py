"""Who may call what on a live node (three real servers on 127.0.0.1, mutual TLS, ports
chosen at run time): partners only the inbox and health; local-user routes only the
node's own operator; request size and format limits; publishing never waits for a peer."""

from __future__ import annotations

import datetime as dt
import json
import socket
import time

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from web_support import warning

from gsomia.node import HttpsLink, TlsFiles
from gsomia.node.persons import Personnel, PersonnelRecord
from gsomia.sharing import load_catalog
from gsomia.sharing.pki import init_pki
from gsomia.web.app import body_limit
from gsomia.web.live import LiveCluster

LOCAL = (("GET", "/v1/items"), ("GET", "/v1/warnings"), ("GET", "/v1/plots"),
         ("POST", "/v1/warnings"), ("POST", "/v1/approvals"))


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("access")
    init_pki(tmp / "pki")
    # Korea's operator certificate reads as the personnel file's [persons.operator]
    operator = PersonnelRecord("operator", "Duty operator", "군사II급비밀",
                               frozenset({"dprk-missile-threat"}))
    c = LiveCluster(tmp / "pki", tmp, load_catalog(),
                    {"KOR": {"JPN": "direct"}, "JPN": {}, "USA": {}},
                    personnel={"KOR": Personnel("KOR", {"operator": operator})})
    c.start()
    yield c
    c.stop()


def _call(cluster, tls: TlsFiles, party: str, method: str, path: str, **kw) -> httpx.Response:
    return httpx.request(method, f"{cluster.url(party)}{path}", verify=tls.client_context(),
                         timeout=5.0, **kw)


def _rogue_tls(cluster, tmp_path, party: str = "KOR", cn: str = "rogue") -> TlsFiles:
    """A client certificate issued by ``party``'s own CA, with another subject."""
    d = cluster.pki / party
    ca_key = serialization.load_pem_private_key((d / "ca.key").read_bytes(), None)
    ca = x509.load_pem_x509_certificate((d / "ca.crt").read_bytes())
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
            .issuer_name(ca.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(ca_key, hashes.SHA256()))
    (tmp_path / "rogue.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "rogue.key").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return TlsFiles(tmp_path / "rogue.crt", tmp_path / "rogue.key",
                    cluster.pki / "trusted-cas.pem")


def test_partner_certificates_get_403_on_local_user_routes(cluster):
    kor_items0 = len(cluster.nodes["KOR"].store.outbox())
    for who in ("JPN", "USA"):
        for tls in (cluster.tls(who), cluster.operator_tls(who)):
            for method, path in LOCAL:
                kw = {"json": warning(1.0).to_dict()} \
                    if (method, path) == ("POST", "/v1/warnings") else {}
                r = _call(cluster, tls, "KOR", method, path, **kw)
                assert r.status_code == 403, (who, path, r.text)
    assert len(cluster.nodes["KOR"].store.outbox()) == kor_items0  # nothing published
    # the node's own node certificate is no operator either
    r = _call(cluster, cluster.tls("KOR"), "KOR", "GET", "/v1/items")
    assert r.status_code == 403
    # partners still reach health; the own operator reaches everything
    assert _call(cluster, cluster.tls("JPN"), "KOR", "GET", "/v1/health").status_code == 200
    assert _call(cluster, cluster.operator_tls("KOR"), "KOR", "GET",
                 "/v1/items").status_code == 200


def test_only_partner_nodes_reach_the_inbox(cluster):
    for tls in (cluster.operator_tls("JPN"), cluster.operator_tls("KOR"), cluster.tls("KOR")):
        r = _call(cluster, tls, "KOR", "POST", "/v1/inbox", json={})
        assert r.status_code == 403
    r = _call(cluster, cluster.tls("JPN"), "KOR", "POST", "/v1/inbox", json={})
    assert r.status_code == 400 and r.json()["check"] == "format"


def test_a_partner_cannot_approve_a_release_of_the_originators_item(cluster):
    kor = cluster.nodes["KOR"]
    op = cluster.operator_tls("KOR")
    r = _call(cluster, op, "KOR", "POST", "/v1/warnings", json=warning(2.0).to_dict())
    assert r.status_code == 200, r.text
    item_id = r.json()[0]["item_id"]
    body = {"item_id": item_id, "to": "JPN", "route": "tisa"}
    for tls in (cluster.tls("JPN"), cluster.operator_tls("JPN"), cluster.tls("USA")):
        assert _call(cluster, tls, "KOR", "POST", "/v1/approvals", json=body).status_code == 403
    assert not [c for c, _ in kor.store.consents() if c.get("item_id") == item_id]
    # approvals only for items this party originated, and only from its own operator
    jpn_item = cluster.nodes["JPN"].create_item({"x": 1}, classification="極秘",
                                                releasable_to={"KOR"}, topic="t")
    r = _call(cluster, cluster.operator_tls("JPN"), "JPN", "POST", "/v1/approvals",
              json={"item_id": jpn_item.item_id, "to": "USA"})
    assert r.status_code == 200 and r.json()["originator"] == "JPN"
    r = _call(cluster, op, "KOR", "POST", "/v1/approvals",
              json={"item_id": jpn_item.item_id, "to": "USA"})
    assert r.status_code == 400 and "item_id" in r.json()["error"]
    r = _call(cluster, op, "KOR", "POST", "/v1/approvals", json=body)
    assert r.status_code == 200 and r.json()["originator"] == "KOR"


def test_a_certificate_of_the_partys_ca_with_another_subject_is_refused(cluster, tmp_path):
    for cn in ("rogue", "KOR admin", "JPN operator", "KOR person", "KOR person a b",
               "KOR person operator", "JPN person duty-officer", "KOR person "):
        tls = _rogue_tls(cluster, tmp_path, "KOR", cn)
        for party in ("KOR", "JPN"):
            for method, path in (*LOCAL, ("GET", "/v1/health"), ("POST", "/v1/inbox")):
                r = _call(cluster, tls, party, method, path, json={})
                assert r.status_code == 403, (cn, party, path)


def test_request_bodies_are_limited_and_never_echoed(cluster):
    tls = cluster.tls("JPN")
    limit = body_limit("POST", "/v1/inbox")  # envelopes may carry documents (64 MiB)
    big = b'{"a": "' + b"x" * (limit + 10) + b'"}'
    r = _call(cluster, tls, "KOR", "POST", "/v1/inbox", content=big,
              headers={"content-type": "application/json"})
    assert r.status_code == 413 and len(r.content) < 500

    def chunks():  # no Content-Length: cut off while streaming
        for _ in range(3):
            yield b"x" * (limit // 2)

    r = _call(cluster, tls, "KOR", "POST", "/v1/inbox", content=chunks(),
              headers={"content-type": "application/json"})
    assert r.status_code == 413
    long_id = "y" * 100_000
    r = _call(cluster, tls, "KOR", "POST", "/v1/inbox", json={"envelope_id": long_id})
    assert r.status_code == 400 and len(r.content) < 2000
    r = _call(cluster, cluster.operator_tls("KOR"), "KOR", "POST", "/v1/warnings",
              json={**warning(1.0).to_dict(), "track_id": long_id})
    assert r.status_code == 400 and "warning.track_id" in r.json()["error"]
    assert len(r.content) < 2000


def test_malformed_warnings_and_approvals_get_named_400s(cluster):
    op = cluster.operator_tls("KOR")
    good = warning(1.0).to_dict()
    bad = [
        ({**good, "t_s": "1.0"}, "warning.t_s"),
        ({**good, "launch_point": "x"}, "warning.launch_point"),
        (json.dumps({**good, "impact_point": {**good["impact_point"], "lat_deg": "L"}})
         .replace('"L"', "1e400"), "body.impact_point.lat_deg"),
        ({**good, "impact_point": {**good["impact_point"], "lon_deg": 400.0}},
         "warning.impact_point.lon_deg"),
        ({**good, "impact_point": {**good["impact_point"], "cov_en_m2": [[1.0]]}},
         "warning.impact_point.cov_en_m2"),
    ]
    before = len(cluster.nodes["KOR"].store.outbox())
    for payload, field in bad:
        text = payload if isinstance(payload, str) else json.dumps(payload)
        r = _call(cluster, op, "KOR", "POST", "/v1/warnings", content=text.encode(),
                  headers={"content-type": "application/json"})
        assert r.status_code == 400 and field in r.json()["error"], (field, r.text)
    r = _call(cluster, op, "KOR", "POST", "/v1/warnings",
              content=b'{"t_s": NaN}', headers={"content-type": "application/json"})
    assert r.status_code == 400
    twice = json.dumps(good)[:-1] + ', "track_id": "T-other"}'  # a name repeated
    r = _call(cluster, op, "KOR", "POST", "/v1/warnings", content=twice.encode(),
              headers={"content-type": "application/json"})
    assert r.status_code == 400 and "'track_id' repeated" in r.json()["error"]
    assert len(cluster.nodes["KOR"].store.outbox()) == before
    r = _call(cluster, op, "KOR", "POST", "/v1/warnings", content=b"{}",
              headers={"content-type": "text/plain"})
    assert r.status_code == 415
    r = _call(cluster, op, "KOR", "POST", "/v1/approvals", json={})
    assert r.status_code == 400 and "item_id" in r.json()["error"]
    r = _call(cluster, op, "KOR", "POST", "/v1/approvals",
              json={"item_id": "nope", "to": "JPN", "route": "carrier-pigeon"})
    assert r.status_code == 400 and r.json()["error"].startswith("route=")


def test_publishing_does_not_wait_for_a_silent_peer(cluster):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # accepts connections (backlog) and never answers
    kor = cluster.nodes["KOR"]
    old = kor.links["USA"]
    try:
        kor.connect("USA", HttpsLink("USA", f"https://127.0.0.1:{silent.getsockname()[1]}",
                                     cluster.tls("KOR"), timeout_s=1.0))
        kor.routes = {"USA": "direct", "JPN": "direct"}
        t0 = time.monotonic()
        r = _call(cluster, cluster.operator_tls("KOR"), "KOR", "POST", "/v1/warnings",
                  json=warning(5.0).to_dict())
        assert r.status_code == 200 and time.monotonic() - t0 < 0.8
        assert {x["to"]: x["status"] for x in r.json()} == {"JPN": "queued", "USA": "queued"}
    finally:
        kor.routes = {"JPN": "direct"}
        kor.connect("USA", old)
        silent.close()

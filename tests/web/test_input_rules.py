"""The node's rules for bad input over HTTP, for every store: a refused request releases
its Idempotency-Key; only a quoted (RFC 8941 sf-string) key is taken; only UTF-8 JSON;
U+0000 and control characters refused in ids and names before the store is touched;
physically absurd warnings refused naming the field; a store failure answered without
SQL text nor the store's URL."""

from __future__ import annotations

import copy
import json
import logging
import math
import uuid

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from web_support import EPOCH, warning

from gsomia.errors import InputError
from gsomia.node import Directory, MissileWarning, Node, PartyKeys, SimClock
from gsomia.schemas.payloads import MAX_RADIUS_M, MAX_SIGMA_M, MAX_SPEED_M_S
from gsomia.sharing import load_catalog
from gsomia.web.app import create_app
from gsomia.web.idempotency import parse_key

JSON = {"content-type": "application/json"}


def _node(store: str) -> Node:
    keys = {p: PartyKeys.generate(p) for p in ("JPN", "KOR")}
    return Node("KOR", keys["KOR"], Directory(k.public() for k in keys.values()),
                load_catalog(), store, SimClock(EPOCH), routes={"JPN": "direct"})


@pytest.fixture
def node(tmp_path):
    n = _node(f"sqlite:///{tmp_path}/kor.sqlite")
    yield n
    n.close()


def _full_warning() -> dict:
    """A warning with all three elements, of plausible values (ECEF near Korea)."""
    body = warning(10.0, "T1").to_dict()
    body["launch_point"] = {"lat_deg": 39.0, "lon_deg": 125.0, "launch_s": 0.0,
                            "cov_en_m2": [[1e6, 0.0], [0.0, 1e6]]}
    body["trajectory"] = {"t_s": 10.0,
                          "x_ecef": [-3.1e6, 4.1e6, 4.0e6, 1000.0, 2000.0, 500.0],
                          "P": [[1e4 if i == j else 0.0 for j in range(6)] for i in range(6)]}
    return body


def _keys(node: Node) -> list[tuple]:
    return node.store.db.fetchall("SELECT key, status FROM idempotency")


def test_a_refused_request_releases_its_key_and_a_corrected_retry_is_processed(node):
    key = {**JSON, "idempotency-key": '"k-rej"'}
    bad = {**warning(10.0).to_dict(), "t_s": "ten"}
    with TestClient(create_app(node)) as client:
        refused = client.post("/v1/warnings", json=bad, headers=key)
        assert refused.status_code == 400 and "t_s" in refused.json()["error"]
        assert _keys(node) == []  # no reservation left behind
        again = client.post("/v1/warnings", json=bad, headers=key)
        fixed = client.post("/v1/warnings", json=warning(10.0).to_dict(), headers=key)
        replay = client.post("/v1/warnings", json=warning(10.0).to_dict(), headers=key)
        other = client.post("/v1/warnings", json=warning(20.0).to_dict(), headers=key)
    assert again.status_code == 400 and "idempotency-replayed" not in again.headers
    assert fixed.status_code == 200 and "idempotency-replayed" not in fixed.headers
    assert (replay.status_code, replay.json()) == (200, fixed.json())
    assert replay.headers["idempotency-replayed"] == "true"
    assert other.status_code == 422 and "'k-rej'" in other.json()["error"]
    assert _keys(node) == [("k-rej", 200)]
    assert len(node.store.local_items()) == 1


@pytest.mark.parametrize("header", ["k-2", ":Ym9ndXM=:", '"k-2', "k-2\"", '"a" "b"',
                                    '""', '"é"'])
def test_a_key_not_a_quoted_sf_string_is_a_400_naming_the_header_and_the_form(node, header):
    with TestClient(create_app(node)) as client:
        r = client.post("/v1/warnings", content=json.dumps(warning(1.0).to_dict()).encode(
            "utf-8"), headers={**JSON, "idempotency-key": header.encode("utf-8")})
    assert r.status_code == 400 and r.json()["error"].startswith("Idempotency-Key=")
    if header != '""':
        assert "quoted string" in r.json()["error"]
    assert node.store.local_items() == [] and _keys(node) == []


PRINTABLE = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1,
                    max_size=255)


@given(PRINTABLE)
def test_every_quoted_printable_key_reads_back_and_its_bare_form_is_refused(key):
    quoted = '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'
    assert parse_key([quoted.encode("ascii")]) == key
    if not (key.strip().startswith('"') and key.strip().endswith('"')):
        with pytest.raises(ValueError, match="Idempotency-Key"):
            parse_key([key.encode("ascii")])


@pytest.mark.parametrize("ctype, status", [
    ("application/json; charset=iso-8859-1", 415),
    ("application/json;charset=latin1", 415),
    ("application/json; charset=utf-16", 415),
    ("application/json; charset=utf-8", 200),
    ("application/json; charset=UTF-8", 200),
    ('application/json; charset="utf-8"', 200),
    ("application/json", 200),
])
def test_only_utf8_json_is_read(node, ctype, status):
    with TestClient(create_app(node)) as client:
        r = client.post("/v1/warnings", content=json.dumps(warning(1.0).to_dict()).encode(),
                        headers={"content-type": ctype})
    assert r.status_code == status, r.text
    if status == 415:
        charset = ctype.split("=")[1]
        assert r.json()["error"].startswith(f"content-type charset='{charset}'")
        assert node.store.local_items() == []


def _nul_answer(node: Node) -> tuple[int, str]:
    body = {**warning(1.0).to_dict(), "track_id": "a\u0000b"}
    with TestClient(create_app(node)) as client:
        r = client.post("/v1/warnings", content=json.dumps(body).encode(), headers=JSON)
    return r.status_code, r.json()["error"]


def test_nul_in_an_id_is_refused_on_sqlite_before_the_store(node):
    status, error = _nul_answer(node)
    assert status == 400 and error.startswith("body.track_id=")
    assert "U+0000" in error
    assert node.store.local_items() == []


@pytest.mark.services
def test_nul_in_an_id_is_refused_on_postgresql_alike_without_sql_nor_url():
    psycopg = pytest.importorskip("psycopg")
    name = f"gsomia_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect("postgresql://127.0.0.1:5432/postgres", autocommit=True,
                                connect_timeout=3)
    except psycopg.Error as exc:
        pytest.skip(f"PostgreSQL not reachable: {str(exc).strip()}")
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        n = _node(f"postgresql://127.0.0.1:5432/{name}")
        try:
            status, error = _nul_answer(n)
            assert status == 400 and error.startswith("body.track_id=")
            assert "U+0000" in error
            assert "postgresql" not in error.lower() and "select" not in error.lower()
            assert n.store.local_items() == []
        finally:
            n.close()
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@given(st.integers(0, 0x1F).map(chr) | st.just("\x7f"), st.integers(0, 5))
@settings(max_examples=40)
def test_any_control_character_in_a_track_id_is_refused_naming_it(char, at):
    track = "T" * at + char + "1"
    with pytest.raises(InputError, match=f"U\\+{ord(char):04X}") as err:
        MissileWarning.from_dict({**warning(1.0).to_dict(), "track_id": track})
    assert err.value.field == "warning.track_id"


def _refused_at(body: dict) -> str:
    with pytest.raises(InputError) as err:
        MissileWarning.from_dict(body)
    return err.value.field


def test_the_plausible_warning_is_taken():
    assert MissileWarning.from_dict(_full_warning()).track_id == "T1"


@given(st.floats(0.0, 1e300), st.floats(0.0, 2 * math.pi))
def test_a_position_is_taken_within_1e8_m_of_the_centre_and_refused_beyond(r, angle):
    body = _full_warning()
    body["trajectory"]["x_ecef"][:3] = [r * math.cos(angle), r * math.sin(angle), 0.0]
    if math.hypot(*body["trajectory"]["x_ecef"][:3]) <= MAX_RADIUS_M:
        MissileWarning.from_dict(body)
    else:
        assert _refused_at(body) == "warning.trajectory.x_ecef[0]"


@given(st.floats(0.0, 1e300))
def test_a_speed_is_taken_up_to_1e5_m_s_and_refused_beyond(v):
    body = _full_warning()
    body["trajectory"]["x_ecef"][3:] = [0.0, v, 0.0]
    if v <= MAX_SPEED_M_S:
        MissileWarning.from_dict(body)
    else:
        assert _refused_at(body) == "warning.trajectory.x_ecef[3]"


@given(st.floats(0.0, 1e308), st.sampled_from(["launch_point", "impact_point", "P"]))
def test_a_variance_is_taken_up_to_the_bound_and_refused_beyond(var, where):
    body = _full_warning()
    if where == "P":
        body["trajectory"]["P"][1][1] = var
        at = "warning.trajectory.P[1][1]"
    else:
        body[where]["cov_en_m2"][1][1] = var
        at = f"warning.{where}.cov_en_m2[1][1]"
    if var <= MAX_SIGMA_M ** 2:
        MissileWarning.from_dict(body)
    else:
        assert _refused_at(body) == at


@pytest.mark.parametrize("mutate, field", [
    (lambda b: b["trajectory"].update(x_ecef=[1e300] * 6), "warning.trajectory.x_ecef[0]"),
    (lambda b: b["trajectory"].update(P=[[1e300] * 6 for _ in range(6)]),
     "warning.trajectory.P[0][0]"),
    (lambda b: b["launch_point"].update(cov_en_m2=[[1e308, 0], [0, 1e308]]),
     "warning.launch_point.cov_en_m2[0][0]"),
    (lambda b: b["trajectory"]["P"][0].__setitem__(1, 5.0), "warning.trajectory.P="),
])
def test_an_absurd_warning_over_http_is_a_400_naming_the_field(node, mutate, field):
    body = copy.deepcopy(_full_warning())
    mutate(body)
    with TestClient(create_app(node)) as client:
        r = client.post("/v1/warnings", json=body)
    assert r.status_code == 400 and r.json()["error"].startswith(field), r.text
    assert node.store.local_items() == []


def test_a_store_failure_answer_holds_no_sql_nor_path_and_the_log_has_it(node, caplog):
    node.store.db.execute("CREATE TRIGGER refuse BEFORE INSERT ON outbox "
                          "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END")
    with caplog.at_level(logging.ERROR, logger="gsomia.web"), \
            TestClient(create_app(node)) as client:
        r = client.post("/v1/warnings", json=warning(1.0).to_dict())
    assert r.status_code == 503 and r.json() == {"error": "store refused the write"}
    assert "refused by the test" in caplog.text and "kor.sqlite" in caplog.text

"""``POST /v1/inbox/batch``: a batch of envelopes is answered exactly as the same envelopes
sent one by one to ``POST /v1/inbox`` (receipts, stored rows, audit records), in one store
transaction that commits nothing when the store fails; limits of a batch."""

from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gsomia.node import Directory, MissileWarning, Node, PartyKeys, SimClock
from gsomia.node.links import MAX_BATCH_ENVELOPES
from gsomia.schemas.document import MAX_ENVELOPE_BYTES
from gsomia.sharing import load_catalog
from gsomia.web.app import body_limit, create_app

EPOCH = dt.datetime(2024, 1, 14, 6, 0, tzinfo=dt.UTC)
PARTIES = ("JPN", "KOR", "USA")


def _warning(track: str, t_s: float) -> MissileWarning:
    return MissileWarning(track, EPOCH, t_s, impact_point={
        "lat_deg": 40.5, "lon_deg": 136.0, "impact_s": 600.0, "impact_sigma_s": 5.0,
        "cov_en_m2": [[1e8, 0.0], [0.0, 1e8]], "valid": True})


def _flip(jwe: str) -> str:
    """One character of the JWE's ciphertext changed (still base64url)."""
    parts = jwe.split(".")
    c = parts[3]
    parts[3] = c[:5] + ("B" if c[5] != "B" else "C") + c[6:]
    return ".".join(parts)


@dataclasses.dataclass
class World:
    keys: dict[str, PartyKeys]
    directory: Directory
    pool: dict[str, list[dict]]  # kind of envelope: wire forms sent by KOR to USA
    final: dict[str, str]  # envelope id: final recipient


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    """Envelopes KOR sends to USA: items for USA (direct), items for JPN held at the
    USA hub (TISA), an envelope sealed for JPN (wrong recipient), tampered ones."""
    keys = {p: PartyKeys.generate(p) for p in PARTIES}
    directory = Directory(k.public() for k in keys.values())
    clock = SimClock(EPOCH)
    clock.advance_to(10.0)
    tmp = tmp_path_factory.mktemp("kor")
    kor = Node("KOR", keys["KOR"], directory, load_catalog(), f"sqlite:///{tmp}/kor.sqlite",
               clock, routes={"USA": "direct", "JPN": "tisa_hub"})
    for i in range(4):
        kor.publish_warning(_warning(f"T{i % 2}", 1.0 + i), send=False)
    kor.routes = {"JPN": "direct"}  # one sealed for JPN: USA is not its recipient
    kor.publish_warning(_warning("T9", 9.0), send=False)
    rows = kor.store.outbox()
    kor.close()
    direct = [r.wire for r in rows if r.peer == "USA" and r.final == "USA"]
    held = [r.wire for r in rows if r.peer == "USA" and r.final == "JPN"]
    wrong = [r.wire for r in rows if r.peer == "JPN"]
    assert len(direct) == 4 and len(held) == 4 and len(wrong) == 1
    tampered = [{**w, "jwe": _flip(w["jwe"])} for w in direct[:2]]
    queue = [r.wire for r in rows if r.peer == "USA"]  # in order (streams per track)
    return World(keys, directory, {"direct": direct, "held": held, "wrong": wrong,
                                   "tampered": tampered, "junk": [{"envelope_id": "x"}],
                                   "queue": queue},
                 {r.envelope_id: r.final for r in rows})


CATALOG = load_catalog()


def _usa(world: World, tmp: Path | str, name: str) -> Node:
    """A fresh USA node (the TISA hub) on a SQLite file, at t = 20 s."""
    clock = SimClock(EPOCH)
    clock.advance_to(20.0)
    return Node("USA", world.keys["USA"], world.directory, CATALOG,
                f"sqlite:///{tmp}/{name}.sqlite", clock,
                routes={"JPN": "direct", "KOR": "direct"})


def _state(node: Node) -> tuple[list, list]:
    """What a node kept: inbox rows and its ``receive.*`` audit records."""
    rows = [(r.envelope_id, r.status, r.final, r.marking) for r in node.store.inbox()]
    records = [(r.kind, r.body, r.at) for r in node.audit.records()
               if r.kind.startswith("receive.")]
    return rows, records


KINDS = ("direct", "held", "wrong", "tampered", "junk")


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(picks=st.lists(st.tuples(st.sampled_from(KINDS), st.integers(0, 3)),
                      min_size=1, max_size=12))
def test_a_batch_is_answered_as_its_envelopes_one_by_one(world, picks):
    wires = [world.pool[k][i % len(world.pool[k])] for k, i in picks]
    with tempfile.TemporaryDirectory() as tmp:
        one, many = _usa(world, tmp, "one"), _usa(world, tmp, "many")
        try:
            with TestClient(create_app(one)) as c1, TestClient(create_app(many)) as c2:
                singles = [c1.post("/v1/inbox", json=w).json() for w in wires]
                r = c2.post("/v1/inbox/batch", json={"envelopes": wires})
            assert r.status_code == 200
            assert r.json()["receipts"] == singles
            assert _state(many) == _state(one)
        finally:
            one.close()
            many.close()


def test_a_mixed_batch_gets_one_receipt_per_envelope(world, tmp_path):
    p = world.pool
    q = p["queue"]
    wires = [q[0], q[1], q[0], p["tampered"][1], p["wrong"][0], p["junk"][0], q[2]]
    expected = {"USA": "accepted", "JPN": "held"}
    usa = _usa(world, tmp_path, "usa")
    try:
        with TestClient(create_app(usa)) as client:
            r = client.post("/v1/inbox/batch", json={"envelopes": wires})
        assert r.status_code == 200
        receipts = r.json()["receipts"]
        assert [x["status"] for x in receipts] == [
            expected[world.final[q[0]["envelope_id"]]],
            expected[world.final[q[1]["envelope_id"]]], "duplicate", "rejected",
            "rejected", "rejected", expected[world.final[q[2]["envelope_id"]]]]
        assert [x["envelope_id"] for x in receipts] == [w["envelope_id"] for w in wires]
        assert [x["check"] for x in receipts[3:6]] == ["decrypt", "header", "format"]
        assert all(x["signature"] and x["party"] == "USA" for x in receipts)
        assert [r.status for r in usa.store.inbox()] == ["arrived", "arrived", "arrived"]
        assert len(usa.held()) == 0  # held at its arrival time, on the clock
        usa.clock.advance_to(21.0)
        assert len(usa.held()) == [world.final[w["envelope_id"]] for w in q[:3]].count("JPN") > 0
    finally:
        usa.close()


def test_a_batch_the_store_refuses_commits_nothing_and_answers_503(world, tmp_path):
    p = world.pool
    q = p["queue"]
    victim = q[2]
    wires = [q[0], q[1], p["tampered"][0], victim, q[3]]
    expected = [{"USA": "accepted", "JPN": "held"}[world.final[w["envelope_id"]]]
                for w in wires]
    expected[2] = "rejected"  # the tampered one
    usa = _usa(world, tmp_path, "usa")
    try:
        records = len(list(usa.audit.records()))
        usa.store.db.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON inbox WHEN NEW.envelope_id = "
            f"'{victim['envelope_id']}' BEGIN SELECT RAISE(ABORT, 'disk refused'); END")
        with TestClient(create_app(usa)) as client:
            r = client.post("/v1/inbox/batch", json={"envelopes": wires})
            assert r.status_code == 503 and r.json()["error"] == "store refused the write"
            assert usa.store.inbox() == []
            assert len(list(usa.audit.records())) == records  # not even the rejection
            usa.store.db.execute("DROP TRIGGER refuse")
            r = client.post("/v1/inbox/batch", json={"envelopes": wires})
        assert [x["status"] for x in r.json()["receipts"]] == expected
        assert expected.count("rejected") == 1
        assert len(usa.store.inbox()) == 4
    finally:
        usa.close()


def test_batch_limits(world, tmp_path):
    usa = _usa(world, tmp_path, "usa")
    wire = world.pool["direct"][0]
    assert body_limit("POST", "/v1/inbox/batch") == MAX_ENVELOPE_BYTES
    try:
        with TestClient(create_app(usa)) as client:
            for body, named in (
                ({"envelopes": [wire] * (MAX_BATCH_ENVELOPES + 1)}, "257 envelopes"),
                ({"envelopes": []}, "0 envelopes"),
                ({"envelopes": wire}, "members"),
                ({"envelopes": [wire], "more": 1}, "more"),
                ({"envelope": [wire]}, "envelope"),
            ):
                r = client.post("/v1/inbox/batch", json=body)
                assert r.status_code == 400 and named in r.json()["error"], body
            r = client.post("/v1/inbox/batch", content=b"[1, 2]",
                            headers={"content-type": "application/json"})
            assert r.status_code == 400
            r = client.post("/v1/inbox/batch", content=b"{}", headers={
                "content-type": "text/plain"})
            assert r.status_code == 415
            big = b" " * (MAX_ENVELOPE_BYTES + 1)
            r = client.post("/v1/inbox/batch", content=big,
                            headers={"content-type": "application/json"})
            assert r.status_code == 413
            r = client.post("/v1/inbox/batch",
                            json={"envelopes": [wire] * MAX_BATCH_ENVELOPES})
            statuses = [x["status"] for x in r.json()["receipts"]]
        assert statuses == ["accepted"] + ["duplicate"] * (MAX_BATCH_ENVELOPES - 1)
        assert len(usa.store.inbox()) == 1
    finally:
        usa.close()

"""An exercise on two real ``gsomia serve`` nodes (KOR, JPN) on 127.0.0.1 (ports chosen at
run time), each with its in-nation stream on a NATS JetStream server of this test's own:
the controller injects a launch by hand (``gsomia exercise inject``), the participants'
exercise nodes get it marked EXERCISE and no real store does; the plan says ``purge``, so
after ``gsomia exercise end`` no exercise item is readable while the exercise's audit
logs stay and verify. Stopped by the test."""

from __future__ import annotations

import json
import sqlite3

import httpx
import pytest
from exercise_support import serve_nodes
from exercise_support import wait as _wait
from typer.testing import CliRunner
from web_support import warning

from gsomia.cli import app
from gsomia.node import TlsFiles
from gsomia.node.stream_ingest import stream_item_id
from gsomia.sharing.audit import AuditLog
from gsomia.sharing.pki import init_pki, operator_paths
from nats_support import NatsServer

PARTIES = ("JPN", "KOR")


@pytest.fixture(scope="module")
def nodes(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("exercise-inject")
    pki = tmp / "pki"
    init_pki(pki)
    nats = NatsServer(tmp / "js").start()
    try:
        with serve_nodes(tmp, PARTIES, pki, nats.url) as procs:
            yield {"procs": procs, "pki": pki, "nats": nats}
    finally:
        nats.kill()


def _client(nodes, party: str) -> httpx.Client:
    files = TlsFiles(*operator_paths(nodes["pki"], party))
    return httpx.Client(base_url=nodes["procs"][party].url, verify=files.client_context(),
                        timeout=30.0)


def _cli(*args: str, json_out: bool = True) -> dict | str:
    result = CliRunner().invoke(app, [*args, *(["--json"] if json_out else [])])
    assert result.exit_code == 0, result.output
    return json.loads(result.output) if json_out else result.output


def _readable(store) -> dict[str, int]:
    """How many rows of an exercise store still hold an item's content."""
    with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as db:
        return {
            "local_items": db.execute("SELECT count(*) FROM local_items").fetchone()[0],
            "inbox": db.execute("SELECT count(*) FROM inbox WHERE payload != '{}' "
                                "OR jws != ''").fetchone()[0],
            "outbox": db.execute("SELECT count(*) FROM outbox WHERE wire != '{}'"
                                 ).fetchone()[0]}


@pytest.mark.services
def test_a_launch_injected_by_hand_reaches_the_exercise_nodes_only_and_purge_erases_it(
        nodes, tmp_path):
    procs = nodes["procs"]
    cfg = {p: str(procs[p].config) for p in PARTIES}
    plan_file = tmp_path / "plan.json"
    jpn, kor = _client(nodes, "JPN"), _client(nodes, "KOR")
    eid = _cli("exercise", "propose", "2017-03-06", "--config", cfg["KOR"], "--participants",
               "JPN,KOR", "--hours", "1", "--on-end", "purge", "--out",
               str(plan_file))["exercise_id"]
    _wait(lambda: jpn.get(f"/v1/exercises/{eid}").status_code == 200, "plan at JPN")
    _cli("exercise", "accept", str(plan_file), "--config", cfg["JPN"])
    for c in (jpn, kor):
        _wait(lambda c=c: c.get(f"/v1/exercises/{eid}").json()["running"], "active")
    # -- the controller injects a launch on KOR's exercise stream --------------------------
    track = tmp_path / "track.json"
    track.write_text(json.dumps(warning(5.0, "MANUAL-1").to_dict()), encoding="utf-8")
    out = _cli("exercise", "inject", str(plan_file), "--party", "KOR", "--stream",
               nodes["nats"].url, "--warning", str(track), json_out=False)
    mid = out.split("injected ", 1)[1].split()[0]
    assert mid.startswith(f"{eid}/KOR/manual-")
    tail = eid.split("-", 1)[1]
    item_id = stream_item_id("KOR", f"EX_{tail}_KOR", mid)
    mark = f"EXERCISE {eid}"
    got = _wait(lambda: [i for i in jpn.get(f"/exercises/{eid}/v1/items").json()
                         if i["item_id"] == item_id], "the injected item at JPN's exercise node")
    assert got[0]["exercise"] == mark and got[0]["marking"]["exercise"] == mark
    assert got[0]["payload"]["track_id"] == "MANUAL-1"
    # -- and in no real store --------------------------------------------------------------
    assert item_id not in {i["item_id"] for i in jpn.get("/v1/items").json()}
    assert jpn.get(f"/v1/items/{item_id}").status_code == 404
    for p in PARTIES:
        with sqlite3.connect(f"file:{procs[p].folder / 'store.sqlite'}?mode=ro",
                             uri=True) as db:
            labels = [r[0] for r in db.execute("SELECT label FROM local_items UNION ALL "
                                               "SELECT label FROM inbox WHERE label IS NOT "
                                               "NULL")]
            assert not [x for x in labels if mark in x or item_id in x], p
    ex_store = {p: procs[p].folder / "exercises" / f"{eid}.sqlite" for p in PARTIES}
    assert _readable(ex_store["KOR"])["local_items"] >= 1    # before the end: readable
    assert _readable(ex_store["JPN"])["inbox"] >= 1
    # -- ended: purged (no item readable), its audit log kept and intact -------------------
    _cli("exercise", "end", str(plan_file), "--config", cfg["KOR"])
    for c in (jpn, kor):
        _wait(lambda c=c: not c.get(f"/v1/exercises/{eid}").json()["running"], "ended")
    assert jpn.get(f"/exercises/{eid}/v1/items").status_code == 403
    for p in PARTIES:
        store = ex_store[p]
        assert _readable(store) == {"local_items": 0, "inbox": 0, "outbox": 0}, p
        with AuditLog(store) as log:
            kinds = [r.kind for r in log.records()]
            check = log.verify()
        assert check.ok, (p, check.reason)
        assert kinds[-1] == "exercise.purged"
    with AuditLog(ex_store["JPN"]) as log:
        accepted = [r.body.get("item_id") for r in log.records()
                    if r.kind == "receive.accepted"]
    assert item_id in accepted

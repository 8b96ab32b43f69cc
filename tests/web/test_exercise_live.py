"""An exercise on three real ``gsomia serve`` nodes (JPN, KOR, USA) on 127.0.0.1 (ports chosen
at run time), each consuming its in-nation stream on a NATS JetStream server of this test's
own: proposed, accepted by all, run accelerated, ended and scored; meanwhile real traffic
goes on, and no exercise item is ever listed, fetched, served over TAXII or released as
real. Stopped by the test."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import time

import httpx
import pytest
from exercise_support import serve_nodes, wait
from typer.testing import CliRunner
from web_support import warning

from gsomia.cli import app
from gsomia.node import TlsFiles
from gsomia.sharing.pki import init_pki, operator_paths, tls_paths
from gsomia.web.fault_procs import gsomia_command
from gsomia.web.taxii_query import TAXII_MEDIA_TYPE
from nats_support import NatsServer

PARTIES = ("JPN", "KOR", "USA")
SPEED = 20.0
WAIT_S = 60.0
#: One scan interval [s]: the revisit of Korea's Green Pine and AN/SPY-1D radars
#: (data/sensors.toml), whose track reports give Japan its first confirmed tracks of
#: these launches on the direct route.
SCAN_S = 5.0


def _wait(cond, what: str, timeout_s: float = WAIT_S):
    return wait(cond, what, timeout_s)


@pytest.fixture(scope="module")
def nodes(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("exercise")
    pki = tmp / "pki"
    init_pki(pki)
    nats = NatsServer(tmp / "js").start()
    try:
        with serve_nodes(tmp, PARTIES, pki, nats.url) as procs:
            yield {"procs": procs, "pki": pki, "nats": nats, "tmp": tmp}
    finally:
        nats.kill()


def _client(nodes, party: str, role: str = "operator", at: str | None = None
            ) -> httpx.Client:
    """``party``'s operator (or its node, ``role="node"``) calling the node of ``at``
    (default its own)."""
    pki = nodes["pki"]
    files = (TlsFiles(*operator_paths(pki, party)) if role == "operator"
             else TlsFiles(*tls_paths(pki, party)))
    return httpx.Client(base_url=nodes["procs"][at or party].url, verify=files.client_context(),
                        timeout=30.0)


def _cli(*args: str) -> dict:
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _real_warning(kor: httpx.Client) -> str:
    [rel] = [r for r in kor.post("/v1/warnings", json=warning(7.0).to_dict()).json()
             if r["to"] == "JPN"]
    return rel["item_id"]


@pytest.mark.slow
@pytest.mark.services
def test_an_exercise_on_three_live_nodes_is_agreed_run_kept_apart_and_scored(nodes, tmp_path):
    procs = nodes["procs"]
    cfg = {p: str(procs[p].config) for p in PARTIES}
    plan_file = tmp_path / "plan.json"
    jpn, kor, usa = (_client(nodes, p) for p in PARTIES)
    # -- proposed by KOR; before every acceptance no exercise traffic is taken ------------
    got = _cli("exercise", "propose", "2017-03-06", "--config", cfg["KOR"], "--participants",
               "JPN,KOR,USA", "--name", "Exercise 2017-03-06", "--out", str(plan_file))
    eid = got["exercise_id"]
    assert got["status"] == "proposed" and got["plan"]["proposer"] == "KOR"
    for c in (jpn, usa):
        _wait(lambda c=c: c.get(f"/v1/exercises/{eid}").status_code == 200, "plan arrived")
    with _client(nodes, "KOR", "node", at="JPN") as as_kor:
        early = as_kor.post(f"/exercises/{eid}/v1/inbox", json={})
    assert early.status_code == 403 and "no active exercise" in early.json()["error"]
    _cli("exercise", "accept", str(plan_file), "--config", cfg["JPN"])
    assert jpn.get(f"/v1/exercises/{eid}").json()["status"] == "proposed"  # USA missing
    _cli("exercise", "accept", str(plan_file), "--config", cfg["USA"])
    for c in (jpn, kor, usa):
        _wait(lambda c=c: c.get(f"/v1/exercises/{eid}").json()["running"], "active")
    # -- run, accelerated; a real warning of KOR meanwhile --------------------------------
    run = subprocess.Popen(
        [*gsomia_command(), "exercise", "run", "2017-03-06", "--plan", str(plan_file),
         "--speed", str(SPEED), *(a for p in PARTIES
                                 for a in ("--stream", f"{p}={nodes['nats'].url}"))],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        _wait(lambda: jpn.get(f"/exercises/{eid}/v1/health").json()["items"] > 0,
              "exercise items at JPN", 120.0)
        real_id = _real_warning(kor)
        real = _wait(lambda: [i for i in jpn.get("/v1/items").json()
                              if i["item_id"] == real_id], "KOR's real warning at JPN")[0]
        assert "exercise" not in real and "exercise" not in real["marking"]
        assert real["marking"]["originator_name_en"] == "Republic of Korea"
        out, _ = run.communicate(timeout=600)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
    assert run.returncode == 0, out.decode(errors="replace")
    time.sleep(2.0)
    # -- the exercise's own API: every answer marked EXERCISE -----------------------------
    mark = f"EXERCISE {eid}"
    ex_items = jpn.get(f"/exercises/{eid}/v1/items")
    assert ex_items.headers["gsomia-exercise"] == mark
    ex_items = ex_items.json()
    assert ex_items and all(i["exercise"] == mark and i["marking"]["exercise"] == mark
                            for i in ex_items)
    page = jpn.get(f"/exercises/{eid}/cop").text  # banner, and its data read under the prefix
    assert mark in page and f'<meta name="gsomia-root" content="/exercises/{eid}">' in page
    ex_ids = {i["item_id"] for i in ex_items}
    # -- and never real: listed, fetched, over TAXII, released ----------------------------
    listed = jpn.get("/v1/items").json()
    assert real_id in {i["item_id"] for i in listed} and not ex_ids & {
        i["item_id"] for i in listed}
    assert all("exercise" not in i["marking"] for i in listed)
    some = sorted(ex_ids)[0]
    assert jpn.get(f"/v1/items/{some}").status_code == 404
    taxii = {"Accept": TAXII_MEDIA_TYPE}
    cols = jpn.get("/taxii2/api/collections/", headers=taxii).json()["collections"]
    texts = [jpn.get(f"/taxii2/api/collections/{c['id']}/objects/", headers=taxii).text
             for c in cols]
    # (the plan, acceptances and end are real items naming the exercise; its items never)
    assert texts and not any(x in t for t in texts for x in (*ex_ids, mark))
    assert jpn.post(f"/v1/items/{some}/release", json={"to": "USA"}).status_code >= 400
    ex_store = procs["KOR"].folder / "exercises" / f"{eid}.sqlite"
    with sqlite3.connect(f"file:{ex_store}?mode=ro", uri=True) as db:
        wire = json.loads(db.execute("SELECT wire FROM outbox WHERE peer = 'JPN' AND "
                                     "kind = 'item' ORDER BY id LIMIT 1").fetchone()[0])
        own = db.execute("SELECT item_id FROM local_items LIMIT 1").fetchone()[0]
    assert kor.post(f"/v1/items/{own}/release", json={"to": "JPN"}).status_code >= 400
    with _client(nodes, "KOR", "node", at="JPN") as as_kor:
        replay = as_kor.post("/v1/inbox", json=wire)
    assert replay.status_code == 400 and replay.json()["check"] == "exercise", replay.text
    # -- the links drained (nothing pending in any exercise outbox), then ended by KOR:
    # every node stops its exercise node and archives its store ---------------------------
    def drained() -> bool:
        for p in PARTIES:
            path = procs[p].folder / "exercises" / f"{eid}.sqlite"
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
                if db.execute("SELECT count(*) FROM outbox WHERE status = 'pending'"
                              ).fetchone()[0]:
                    return False
        return True

    _wait(drained, "every exercise outbox drained")
    _cli("exercise", "end", str(plan_file), "--config", cfg["KOR"])
    for c in (jpn, kor, usa):
        _wait(lambda c=c: not c.get(f"/v1/exercises/{eid}").json()["running"], "ended")
    assert jpn.get(f"/v1/exercises/{eid}").json()["status"] == "ended"
    assert jpn.get(f"/exercises/{eid}/v1/items").status_code == 403
    # -- scored from the audit logs, beside gsomia run ------------------------------------
    logs = [a for p in PARTIES for a in
            ("--log", f"{p}={procs[p].folder / 'exercises' / f'{eid}.sqlite'}")]
    report = _cli("exercise", "report", str(plan_file), *logs, "--party", "JPN")
    sim_json = tmp_path / "run.json"
    done = CliRunner().invoke(app, ["run", "2017-03-06", "--routes", "direct",
                                    "--json-out", str(sim_json)])
    assert done.exit_code == 0, done.output
    sim_doc = json.loads(sim_json.read_text())
    launches = sim_doc["launches"]
    # the warnings issued / updated / withdrawn: the simulated column is gsomia run's log,
    # the exercise's is that log computed by the same code from the recorded arrivals
    assert report["warning_log"]["simulated"] == [
        w for w in sim_doc["warnings"] if w["party"] == "JPN"]
    rows = {(r["launch"], r["action"]): r for r in report["warnings"]}
    for w in report["warning_log"]["exercise"]:
        assert rows[(w["launch"], w["action"])]["exercise_count"] >= 1
    issued = {lid for lid, action in rows if action == "issue"}
    assert issued == {w["launch"] for w in sim_doc["warnings"]
                      if w["party"] == "JPN" and w["action"] == "issue"} | {
        w["launch"] for w in report["warning_log"]["exercise"] if w["action"] == "issue"}
    want = {x["id"]: x["parties"]["JPN"]["direct"]["first_confirmed_s"] for x in launches}
    got = {r["launch"]: r["exercise"] for r in report["figures"]
           if r["party"] == "JPN" and r["figure"] == "first_confirmed_s"}
    assert set(got) == set(want) and len(want) == 4
    for lid, t in want.items():
        assert got[lid] is not None and abs(got[lid] - t) <= SCAN_S, (lid, got[lid], t)
    links = report["links"]
    assert {"KOR->JPN", "USA->JPN"} <= set(links)
    assert all(d["sent"] > 0 and d["lost"] == 0 for d in links.values()), links

"""``gsomia item …`` as a client of running nodes (real uvicorn servers on 127.0.0.1,
mutual TLS, ports chosen at run time): create with files, list and show at the receiver
by a person with clearance and need-to-know (a person certificate) with the attachments
saved and checked, a person without need-to-know refused with the rule and article
(exit 1), a TISA release denied (exit 1); bad input is a one-line error (exit 2) naming
the option before anything is sent."""

from __future__ import annotations

import hashlib
import json
import os
import time

import pytest
from typer.testing import CliRunner

from gsomia.cli import app
from gsomia.node.persons import Personnel, PersonnelRecord
from gsomia.sharing import load_catalog
from gsomia.sharing.pki import init_pki
from gsomia.web.live import LiveCluster

runner = CliRunner()
WAIT_S = 15.0


def until(predicate, what: str):
    """Poll ``predicate`` until it returns a true value (a bound, not a timing assertion)."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli-items")
    init_pki(tmp / "pki")
    jpn = {r.person_id: r for r in (
        PersonnelRecord("duty-officer", "Duty officer", "極秘",
                        frozenset({"evacuation-coordination", "operation-plan"})),
        PersonnelRecord("clerk", "Registry clerk", "極秘", frozenset({"operation-plan"})))}
    # Korea's operator reads at its own node as [persons.operator] (Art. 7 applies there too).
    kor = {"operator": PersonnelRecord("operator", "Node operator", "군사II급비밀",
                                       frozenset({"operation-plan"}))}
    c = LiveCluster(tmp / "pki", tmp, load_catalog(), {"KOR": {}, "JPN": {}, "USA": {}},
                    personnel={"JPN": Personnel("JPN", jpn, "jpn-personnel.toml"),
                               "KOR": Personnel("KOR", kor, "kor-personnel.toml")})
    c.start()
    for party in c.parties:  # the configuration files an operator's commands read
        (tmp / f"{party.lower()}.toml").write_text(
            f'party = "{party}"\nlisten = "127.0.0.1:{c.ports[party]}"\n'
            f'store = "{party.lower()}/unused.sqlite"\nkeys = "pki"\n', encoding="utf-8")
    c.tmp = tmp
    yield c
    c.stop()


def config(cluster, party: str):
    return cluster.tmp / f"{party.lower()}.toml"


def person(cluster, pid: str) -> tuple[str, ...]:
    """The ``--cert``/``--key`` options of JPN's person ``pid``."""
    tls = cluster.person_tls("JPN", pid)
    return ("--cert", str(tls.cert), "--key", str(tls.key))


def _fails(result, code: int, *words: str) -> None:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    for w in words:
        assert w in result.output, result.output


def test_create_list_show_and_save_an_evacuation_plan(cluster, tmp_path):
    plan = tmp_path / "evacuation-plan.pdf"
    plan.write_bytes(os.urandom(300_000))
    annex = tmp_path / "points.csv"
    annex.write_text("point,lat_deg,lon_deg\nAP-1,37.57,126.98\n", encoding="utf-8")
    made = run("item", "create", "--config", config(cluster, "KOR"), "--file", plan,
               "--file", annex, "--classification", "군사II급비밀", "--releasable-to",
               "JPN", "--topic", "evacuation-coordination", "--to", "JPN", "--json")
    assert made.exit_code == 0, made.output
    answer = json.loads(made.output)
    item_id = answer["item_id"]
    assert [r["status"] for r in answer["releases"]] == ["queued"]

    def listed():
        out = run("item", "list", "--config", config(cluster, "JPN"),
                  *person(cluster, "duty-officer"), "--json")
        return [r for r in json.loads(out.output) if r["item_id"] == item_id]

    [row] = until(listed, "the plan at JPN")
    assert row["kind"] == "document" and row["marking"] == "大韓民国 極秘"
    assert row["attachments"] == ["evacuation-plan.pdf", "points.csv"]
    out = tmp_path / "received"
    shown = run("item", "show", item_id, "--config", config(cluster, "JPN"),
                *person(cluster, "duty-officer"), "--save-attachments", out)
    assert shown.exit_code == 0, shown.output
    assert hashlib.sha256(plan.read_bytes()).hexdigest() in shown.output
    assert (out / "evacuation-plan.pdf").read_bytes() == plan.read_bytes()
    assert (out / "points.csv").read_bytes() == annex.read_bytes()
    again = run("item", "show", item_id, "--config", config(cluster, "JPN"),
                *person(cluster, "duty-officer"), "--save-attachments", out)
    _fails(again, 2, "never overwritten")

    clerk = run("item", "show", item_id, "--config", config(cluster, "JPN"),
                *person(cluster, "clerk"), "--save-attachments", tmp_path / "clerk")
    _fails(clerk, 1, f"read of item {item_id} denied by JPN's node to 'clerk'",
           "need_to_know (Art. 7", "evacuation-coordination")
    assert not (tmp_path / "clerk").exists()
    listed = run("item", "list", "--config", config(cluster, "JPN"), *person(cluster, "clerk"))
    assert listed.exit_code == 0 and item_id not in listed.output
    assert "withheld" in listed.output
    operator = run("item", "show", item_id, "--config", config(cluster, "JPN"))
    _fails(operator, 1, "personnel_file (Art. 7)", "'operator' is not in jpn-personnel.toml")


def test_release_by_tisa_is_denied_with_the_scope_reason(cluster, tmp_path):
    plan = tmp_path / "PLAN.pdf"
    plan.write_bytes(b"%PDF-1.7 operation plan")
    made = run("item", "create", "--config", config(cluster, "KOR"), "--file", plan,
               "--classification", "군사II급비밀", "--releasable-to", "JPN,USA",
               "--topic", "operation-plan", "--json")
    item_id = json.loads(made.output)["item_id"]
    denied = run("item", "release", item_id, "--config", config(cluster, "KOR"),
                 "--to", "JPN", "--route", "tisa")
    _fails(denied, 1, "scope:tisa", "operation-plan")
    direct = run("item", "release", item_id, "--config", config(cluster, "KOR"),
                 "--to", "JPN")
    assert direct.exit_code == 0 and "queued" in direct.output


def test_bad_input_is_named_before_anything_is_sent(cluster, tmp_path):
    kor = config(cluster, "KOR")
    base = ("item", "create", "--config", kor, "--classification", "군사II급비밀",
            "--releasable-to", "JPN", "--topic", "operation-plan")
    _fails(run(*base, "--file", tmp_path / "missing.pdf"), 2, "--file", "no such file")
    big = tmp_path / "big.bin"
    with big.open("wb") as f:
        f.truncate(8 * 1024 * 1024 + 1)
    _fails(run(*base, "--file", big), 2, "--file", "over 8388608 bytes")
    (tmp_path / "a.txt").write_text("a", encoding="utf-8")
    bad_marking = [("SECRET" if a == "군사II급비밀" else a) for a in base]
    _fails(run(*bad_marking, "--file", tmp_path / "a.txt"), 2, "--classification",
           "not a KOR marking", "군사III급비밀")
    _fails(run(*base, "--file", tmp_path / "a.txt", "--to", "XYZ"), 2, "--to",
           "unknown party")
    _fails(run(*base, "--file", tmp_path / "a.txt", "--topic", "Op Plan"), 2,
           "document.topic")
    _fails(run("item", "show", "KOR-none", "--config", kor), 2, "no such item")


def test_a_node_that_does_not_answer_is_named(cluster, tmp_path):
    (tmp_path / "kor.toml").write_text(
        f'party = "KOR"\nlisten = "127.0.0.1:1"\nstore = "s.sqlite"\n'
        f'keys = "{cluster.tmp / "pki"}"\n', encoding="utf-8")
    _fails(run("item", "list", "--config", tmp_path / "kor.toml"), 2,
           "cannot reach KOR's node at https://127.0.0.1:1")

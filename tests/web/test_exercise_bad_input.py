"""``gsomia exercise`` given what a newcomer gets wrong: plan files that are no plan, an
exercise id no node knows, a party that is not in the plan accepting or ending, an
exercise ended twice, a window already over, a report of logs that are not there. Each is
refused with exit code 2 and an error naming the field and the value, never a traceback.
Three ``gsomia serve`` nodes (JPN, KOR, USA) on 127.0.0.1, ports chosen at run time,
stopped by the test."""

from __future__ import annotations

import json

import pytest
from exercise_support import serve_nodes
from typer.testing import CliRunner

from gsomia.cli import app
from gsomia.sharing.pki import init_pki

PARTIES = ("JPN", "KOR", "USA")


@pytest.fixture(scope="module")
def cfg(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("exercise-bad")
    pki = tmp / "pki"
    init_pki(pki)
    with serve_nodes(tmp, PARTIES, pki) as procs:
        yield {p: str(procs[p].config) for p in PARTIES}


def _ok(*args: str) -> dict:
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _refused(*args: str) -> str:
    """The error of a refused command (exit 2, one clear line, no traceback)."""
    result = CliRunner().invoke(app, list(args))
    text = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert result.exit_code == 2, (result.exit_code, text, result.exception)
    assert "Traceback" not in text and "error:" in text, text
    return " ".join(text.split())


@pytest.fixture(scope="module")
def plan(cfg, tmp_path_factory):
    """A plan of KOR with JPN (USA not a participant), accepted by JPN."""
    path = tmp_path_factory.mktemp("plan") / "plan.json"
    _ok("exercise", "propose", "2017-03-06", "--config", cfg["KOR"], "--participants",
        "JPN,KOR", "--out", str(path))
    return path


def test_plan_files_that_are_no_plan_are_named(tmp_path, cfg):
    missing = tmp_path / "missing.json"
    assert f"PLAN='{missing}'" in _refused("exercise", "show", str(missing), "--config",
                                            cfg["JPN"])
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    assert "not a readable plan file" in _refused("exercise", "accept", str(broken),
                                                  "--config", cfg["JPN"])
    listed = tmp_path / "list.json"
    listed.write_text("[1, 2]", encoding="utf-8")
    assert "plan=[1, 2]: expected a JSON object" in _refused(
        "exercise", "end", str(listed), "--config", cfg["JPN"])
    partial = tmp_path / "partial.json"
    partial.write_text(json.dumps({"exercise_id": "EX-0123456789ab"}), encoding="utf-8")
    got = _refused("exercise", "report", str(partial), "--log", "JPN=x.sqlite")
    assert "plan.name=None: required" in got and str(partial) in got
    for option, value, field in (("--start", "tomorrow", "--start='tomorrow'"),
                                 ("--start", "2030-01-01T00:00", "needs a UTC offset"),
                                 ("--on-end", "shred", "--on-end='shred'"),
                                 ("--participants", "JPN,XYZ", "participants='XYZ'")):
        assert field in _refused("exercise", "propose", "2017-03-06", "--config", cfg["KOR"],
                                 "--participants", "JPN,KOR", "--out",
                                 str(tmp_path / "p.json"), option, value)
    assert "SCENARIO='no-such'" in _refused(
        "exercise", "propose", "no-such", "--config", cfg["KOR"], "--participants",
        "JPN,KOR", "--out", str(tmp_path / "p.json"))


def test_a_window_already_over_is_refused(cfg, tmp_path):
    got = _refused("exercise", "propose", "2017-03-06", "--config", cfg["KOR"],
                   "--participants", "JPN,KOR", "--start", "2017-03-06T00:00+00:00",
                   "--out", str(tmp_path / "p.json"))
    assert "--start='2017-03-06T00:00+00:00'" in got and "already over" in got
    assert not (tmp_path / "p.json").exists()


def test_an_unknown_exercise_id_is_named(cfg, plan, tmp_path):
    other = tmp_path / "other.json"
    data = json.loads(plan.read_text(encoding="utf-8"))
    other.write_text(json.dumps({**data, "exercise_id": "EX-ffffffffffff"}), encoding="utf-8")
    for verb in ("show", "accept", "end"):
        got = _refused("exercise", verb, str(other), "--config", cfg["JPN"])
        assert "exercise_id='EX-ffffffffffff'" in got and "no plan known at JPN" in got, verb


def test_a_party_not_in_the_plan_neither_accepts_nor_ends_it(cfg, plan):
    for verb in ("accept", "end"):
        got = _refused("exercise", verb, str(plan), "--config", cfg["USA"])
        assert f"--config='{cfg['USA']}'" in got and "USA is not a participant" in got


def test_an_exercise_is_ended_once(cfg, plan, tmp_path):
    _ok("exercise", "accept", str(plan), "--config", cfg["JPN"])
    assert _ok("exercise", "end", str(plan), "--config", cfg["KOR"])["status"] == "ended"
    eid = json.loads(plan.read_text(encoding="utf-8"))["exercise_id"]
    for party in ("KOR", "JPN"):
        got = _refused("exercise", "end", str(plan), "--config", cfg[party])
        assert f"exercise_id='{eid}'" in got and "already ended by KOR" in got, party


def test_a_report_of_logs_that_are_not_there_is_refused(plan, tmp_path):
    eid = json.loads(plan.read_text(encoding="utf-8"))["exercise_id"]
    rec = tmp_path / "run.json"
    assert "--record=" in _refused("exercise", "report", str(plan), "--log", "JPN=x.sqlite",
                                   "--record", str(rec))
    rec.write_text(json.dumps({"exercise_id": eid}), encoding="utf-8")
    assert "record.t0_s=None: required" in _refused(
        "exercise", "report", str(plan), "--log", "JPN=x.sqlite", "--record", str(rec))
    rec.write_text(json.dumps({"exercise_id": eid, "t0_s": 0.0, "speed": 1.0, "wall0":
                               "2026-01-01T00:00:00+00:00", "streams": {},
                               "scenario": "2017-03-06"}), encoding="utf-8")
    missing = tmp_path / "none.sqlite"
    got = _refused("exercise", "report", str(plan), "--log", f"JPN={missing}", "--record",
                   str(rec))
    assert f"--log='JPN={missing}'" in got and "no such file" in got
    assert not missing.exists()
    assert "not a participant" in _refused("exercise", "report", str(plan), "--log",
                                           f"USA={missing}", "--record", str(rec))
    junk = tmp_path / "junk.sqlite"
    junk.write_text("not a database", encoding="utf-8")
    assert f"path='{junk}': not an audit log" in _refused("exercise", "report", str(plan), "--log",
                                               f"JPN={junk}", "--record", str(rec))

"""The real ``gsomia`` CLI: agreement list/show/in-force, decide (with --audit), audit verify."""

from __future__ import annotations

import json
import sqlite3

import pytest
from typer.testing import CliRunner

from gsomia.cli import app

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def test_agreement_list_json():
    result = run("agreement", "list", "--json")
    assert result.exit_code == 0
    names = [row["name"] for row in json.loads(result.stdout)]
    assert "jpn-kor-gsomia" in names and "tisa" in names


def test_agreement_show_json():
    data = json.loads(run("agreement", "show", "jpn-kor-gsomia", "--json").stdout)
    assert data["parties"] == ["JPN", "KOR"]
    assert data["renewal"]["notice_days"] == 90
    assert [e["kind"] for e in data["events"]] == [
        "termination_notice", "notice_suspended", "notice_withdrawn"]


@pytest.mark.parametrize(("day", "expected"), [("2019-12-01", True), ("2016-11-22", False)])
def test_art21_in_force_acceptance(day, expected):
    result = run("agreement", "in-force", "jpn-kor-gsomia", "--at", day, "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["in_force"] is expected


def test_unknown_agreement_exit_2():
    result = run("agreement", "show", "jpn-chn")
    assert result.exit_code == 2
    assert "agreement='jpn-chn'" in result.stderr


def _label(tmp_path, **over):
    data = {"originator": "JPN", "classification": "極秘", "releasable_to": ["KOR"],
            "topic": "dprk-missile-threat", "holder": "JPN", "item_id": "i1"}
    data.update(over)
    path = tmp_path / "label.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_decide_permit_json_with_marking(tmp_path):
    person = tmp_path / "p.json"
    person.write_text(json.dumps({"party": "KOR", "clearance": "군사II급비밀",
                                  "need_to_know": ["dprk-missile-threat"],
                                  "contractor": False}), encoding="utf-8")
    result = run("decide", "--label", str(_label(tmp_path)), "--to", "KOR", "--person",
                 str(person), "--at", "2019-12-01", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["permit"] is True
    assert data["marking"]["text"] == "일본 군사II급비밀"


def test_decide_deny_exit_1_lists_reasons(tmp_path):
    result = run("decide", "--label", str(_label(tmp_path)), "--to", "USA", "--at",
                 "2019-12-01", "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["denied_by"] == ["releasable_to"]


def test_decide_bad_route_exit_2(tmp_path):
    result = run("decide", "--label", str(_label(tmp_path)), "--to", "KOR", "--route", "fax")
    assert result.exit_code == 2


def test_decide_consents_in_label_file_tisa(tmp_path):
    label = _label(tmp_path, originator="KOR", holder="KOR", classification="군사II급비밀",
                   releasable_to=["JPN", "USA"], consents=[
                       {"originator": "KOR", "to": "JPN", "granted_at": "2024-01-01",
                        "item_id": "i1"}])
    result = run("decide", "--label", str(label), "--to", "JPN", "--route", "tisa", "--at",
                 "2024-01-14", "--json")
    assert result.exit_code == 0, result.output


def test_user_agreements_dir_env(tmp_path, monkeypatch):
    folder = tmp_path / "agreements"
    folder.mkdir()
    (folder / "bad.toml").write_text('[agreement]\nname = "x"\n', encoding="utf-8")
    monkeypatch.setenv("GSOMIA_AGREEMENTS", str(folder))
    result = run("agreement", "list")
    assert result.exit_code == 2
    assert "bad.toml" in result.stderr and "agreement.kind" in result.stderr


def test_audit_verify_detects_edit_delete_reorder(tmp_path):
    db = tmp_path / "audit.db"
    label = _label(tmp_path)
    for to in ("KOR", "USA", "KOR"):
        run("decide", "--label", str(label), "--to", to, "--at", "2024-01-14", "--audit",
            str(db))
    ok = run("audit", "verify", str(db), "--json")
    assert ok.exit_code == 0 and json.loads(ok.stdout)["count"] == 3

    copy = tmp_path / "edited.db"
    copy.write_bytes(db.read_bytes())
    conn = sqlite3.connect(copy)
    conn.execute("UPDATE audit SET body = replace(body, 'USA', 'KOR') WHERE seq = 2")
    conn.commit()
    conn.close()
    bad = run("audit", "verify", str(copy))
    assert bad.exit_code == 1 and "record 2" in bad.stderr

    conn = sqlite3.connect(db)
    conn.execute("DELETE FROM audit WHERE seq = 1")
    conn.commit()
    conn.close()
    bad = run("audit", "verify", str(db), "--json")
    assert bad.exit_code == 1 and json.loads(bad.stdout)["failed_record"] == 1


def test_audit_verify_missing_file_exit_2(tmp_path):
    assert run("audit", "verify", str(tmp_path / "none.db")).exit_code == 2

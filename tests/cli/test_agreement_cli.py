"""The real ``gsomia`` CLI: agreement list/show/in-force, decide (with --audit), audit verify."""

from __future__ import annotations

import json
import sqlite3

import pytest
from typer.testing import CliRunner

from gsomia.cli import app
from gsomia.sharing import load_catalog

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


@pytest.mark.parametrize(("day", "expected", "code"),
                         [("2019-12-01", True, 0), ("2016-11-22", False, 1)])
def test_art21_in_force_acceptance_exit_0_in_force_1_not(day, expected, code):
    result = run("agreement", "in-force", "jpn-kor-gsomia", "--at", day, "--json")
    assert result.exit_code == code
    assert json.loads(result.stdout)["in_force"] is expected


def test_in_force_text_reason_not_repeated():
    result = run("agreement", "in-force", "jpn-kor-gsomia", "--at", "2019-12-01")
    assert result.exit_code == 0
    assert result.stdout.strip() == (
        "jpn-kor-gsomia on 2019-12-01: in force (termination notice of 2019-08-23 "
        "suspended on 2019-11-22)")


def test_in_force_last_day_of_calendar():
    # renewed every year (Art. 21) and the 2019 notice withdrawn in 2023: in force
    result = run("agreement", "in-force", "jpn-kor-gsomia", "--at", "9999-12-31", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["in_force"] is True


def test_in_force_bad_date_exit_2():
    result = run("agreement", "in-force", "jpn-kor-gsomia", "--at", "2019-13-01")
    assert result.exit_code == 2 and "--at='2019-13-01'" in result.stderr


def test_exit_codes_in_help():
    assert "0 in force; 1 not in force; 2 bad input" in \
        run("agreement", "in-force", "--help").stdout
    assert "0 permit; 1 deny" in run("decide", "--help").stdout


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


@pytest.mark.parametrize(("scope", "code"), [({"item_id": "i1"}, 0),
                                            ({"topic": "dprk-missile-threat"}, 1)],
                         ids=["item", "topic"])
def test_decide_consents_in_label_file_tisa_per_item(tmp_path, scope, code):
    # TISA para 4: DoD passes *it* (the information) on only with the originator's
    # approval: a topic-wide consent does not let a KOR item through the hub
    label = _label(tmp_path, originator="KOR", holder="KOR", classification="군사II급비밀",
                   releasable_to=["JPN", "USA"], consents=[
                       {"originator": "KOR", "to": "JPN", "granted_at": "2024-01-01",
                        **scope}])
    result = run("decide", "--label", str(label), "--to", "JPN", "--route", "tisa", "--at",
                 "2024-01-14", "--json")
    assert result.exit_code == code, result.output
    assert json.loads(result.stdout)["denied_by"] == ([] if code == 0
                                                      else ["third_party_consent"])


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


# --- findings of issue 5 ------------------------------------------------------------------

def _person(tmp_path, **over):
    data = {"party": "KOR", "clearance": "군사II급비밀", "need_to_know": ["dprk-missile-threat"],
            "contractor": False}
    data.update(over)
    path = tmp_path / "person.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("at", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+01:00"])
def test_decide_at_outside_calendar_in_utc_exit_2(tmp_path, at):
    result = run("decide", "--label", str(_label(tmp_path)), "--to", "KOR", "--at", at)
    assert result.exit_code == 2, result.output
    assert f"--at='{at}': outside the calendar" in result.stderr


def test_decide_label_not_utf8_exit_2(tmp_path):
    path = tmp_path / "label.json"
    path.write_bytes('{"classification": "極秘"}'.encode("shift_jis"))
    result = run("decide", "--label", str(path), "--to", "KOR")
    assert result.exit_code == 2
    assert "--label=" in result.stderr and "not UTF-8 text" in result.stderr


def test_decide_person_not_utf8_exit_2(tmp_path):
    path = tmp_path / "person.json"
    path.write_bytes('{"clearance": "군사II급비밀"}'.encode("euc-kr"))
    result = run("decide", "--label", str(_label(tmp_path)), "--to", "KOR", "--person",
                 str(path), "--at", "2019-12-01")
    assert result.exit_code == 2 and "--person=" in result.stderr
    assert "not UTF-8 text" in result.stderr


def test_decide_label_with_bom_accepted(tmp_path):
    path = _label(tmp_path)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    result = run("decide", "--label", str(path), "--to", "KOR", "--at", "2019-12-01")
    assert result.exit_code == 0, result.output


def test_decide_decomposed_korean_marking_is_the_same_marking(tmp_path):
    import unicodedata

    nfd = unicodedata.normalize("NFD", "군사II급비밀")
    assert nfd != "군사II급비밀"
    label = _label(tmp_path, originator="KOR", holder="KOR", classification=nfd,
                   releasable_to=["JPN"])
    result = run("decide", "--label", str(label), "--to", "JPN", "--at", "2019-12-01",
                 "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["marking"]["text"] == "大韓民国 極秘"  # Art. 4(2)


def test_decide_deeply_nested_label_exit_2(tmp_path):
    path = tmp_path / "label.json"
    path.write_text("[" * 100000, encoding="utf-8")
    result = run("decide", "--label", str(path), "--to", "KOR")
    assert result.exit_code == 2 and "JSON nested too deeply" in result.stderr


@pytest.mark.parametrize(("which", "key"), [("label", "topics"), ("person", "facility_clearence")])
def test_decide_unknown_key_exit_2(tmp_path, which, key):
    args = ["--label", str(_label(tmp_path, **({key: 1} if which == "label" else {})))]
    if which == "person":
        args += ["--person", str(_person(tmp_path, contractor=True, **{key: True}))]
    result = run("decide", *args, "--to", "KOR", "--at", "2019-12-01")
    assert result.exit_code == 2, result.output
    assert f"{which}.{key}=" in result.stderr and "unknown key" in result.stderr


def test_decide_unknown_person_party_exit_2(tmp_path):
    result = run("decide", "--label", str(_label(tmp_path)), "--to", "KOR", "--person",
                 str(_person(tmp_path, party="CHN")), "--at", "2019-12-01")
    assert result.exit_code == 2 and "person.party='CHN': unknown party" in result.stderr


def test_decide_lowercase_party_codes_upper_cased(tmp_path):
    label = _label(tmp_path, originator="jpn", holder="jpn", releasable_to=["kor"])
    result = run("decide", "--label", str(label), "--to", "kor", "--person",
                 str(_person(tmp_path, party="kor")), "--at", "2019-12-01", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["request"]["to"] == "KOR" and data["request"]["person"]["party"] == "KOR"


@pytest.mark.parametrize(("over", "message"), [
    ({"classification": "SECRET"}, "label.classification='SECRET': not a JPN marking"),
    ({"consents": [{"originator": "JPN", "to": "USA", "granted_at": "2024-01-01",
                    "classifications": ["SECRET"]}]},
     "consents[0].classifications[0]='SECRET': not a JPN marking"),
    ({"consents": [{"originator": "JPN", "to": "USA", "granted_at": "2024-01-01"}]},
     "consents[0]='consent-0': a consent must name"),
    ({"consents": [{"originator": "JPN", "to": "USA", "granted_at": "2024-01-01",
                    "topic": "x", "expires_at": "2023-01-01"}]},
     "consents[0].expires_at="),
    ({"consents": [{"originator": "JPN", "to": "USA", "granted_at": "2024-01-01",
                    "topic": "x", "scope": "all"}]},
     "consents[0].scope='all': unknown key"),
], ids=["label-classification", "consent-classifications", "consent-scope",
        "consent-expiry", "consent-unknown-key"])
def test_decide_errors_name_the_field(tmp_path, over, message):
    result = run("decide", "--label", str(_label(tmp_path, **over)), "--to", "KOR", "--at",
                 "2024-01-14")
    assert result.exit_code == 2, result.output
    assert message in result.stderr


def test_decide_person_clearance_named(tmp_path):
    result = run("decide", "--label", str(_label(tmp_path)), "--to", "KOR", "--person",
                 str(_person(tmp_path, clearance="SECRET")), "--at", "2019-12-01")
    assert result.exit_code == 2
    assert "person.clearance='SECRET': not a KOR marking" in result.stderr


def test_agreements_option_file_is_not_a_directory(tmp_path):
    result = run("agreement", "list", "--agreements", str(_label(tmp_path)))
    assert result.exit_code == 2 and "--agreements=" in result.stderr
    assert "not a directory" in result.stderr


@pytest.mark.parametrize("route", ["tisa", "auto-hub"])
def test_decide_accepts_other_route_spellings(tmp_path, route):
    label = _label(tmp_path, originator="KOR", holder="KOR", classification="군사II급비밀",
                   releasable_to=["JPN", "USA"], elements=["trajectory"], consents=[
                       {"originator": "KOR", "to": "JPN", "granted_at": "2024-01-01",
                        "item_id": "i1"}])
    result = run("decide", "--label", str(label), "--to", "JPN", "--route", route, "--at",
                 "2024-01-14", "--json")
    assert result.exit_code == 0, result.output
    expected = {"tisa": "tisa_hub", "auto-hub": "auto_hub"}[route]
    assert json.loads(result.stdout)["request"]["route"] == expected


KOR_CLASS_ONE_TS_ROW = """
[agreement]
name = "jpn-usa-gsomia"
title = "Japan–US GSOMIA with a TOP SECRET row (user file)"
kind = "bilateral"
parties = ["JPN", "USA"]
in_force_from = 2007-08-10
source = "user file"

[[equivalence]]
level = "TOP SECRET"
source = "user file"
scheme_level_differs = true
markings = { JPN = ["特定秘密"], USA = ["TOP SECRET"] }

[[equivalence]]
level = "SECRET"
source = "user file"
markings = { JPN = ["極秘"], USA = ["SECRET"] }
"""


@pytest.mark.parametrize(("holder", "route", "consents"), [
    ("USA", "direct", [{"originator": "KOR", "to": "JPN", "granted_at": "2024-01-01",
                        "item_id": "i1"}]),
    ("KOR", "tisa", [{"originator": "KOR", "to": "JPN", "granted_at": "2024-01-01",
                      "item_id": "i1"}]),
])
def test_korean_class_one_never_reaches_japan_with_added_top_secret_row(tmp_path, holder,
                                                                         route, consents):
    folder = tmp_path / "agreements"
    folder.mkdir()
    (folder / "jpn-usa-gsomia.toml").write_text(KOR_CLASS_ONE_TS_ROW, encoding="utf-8")
    label = _label(tmp_path, originator="KOR", holder=holder, classification="군사I급비밀",
                   releasable_to=["JPN", "USA"], consents=consents)
    refused = run("decide", "--label", str(label), "--to", "JPN", "--route", route, "--at",
                  "2024-01-14", "--agreements", str(folder), "--json")
    assert refused.exit_code == 2 and "redefines jpn-usa-gsomia" in refused.stderr
    result = run("decide", "--label", str(label), "--to", "JPN", "--route", route, "--at",
                 "2024-01-14", "--agreements", str(folder), "--allow-override", "--json")
    assert result.exit_code == 1, result.output
    assert "jpn-usa-gsomia from jpn-usa-gsomia.toml (sha256:" in result.stderr
    data = json.loads(result.stdout)
    assert data["denied_by"] == ["originator_ceiling:jpn-kor-gsomia"]
    failed = next(r for r in data["reasons"] if not r["passed"])
    assert "never provided" in failed["source"]  # agreements.md §1 note below Art. 4(2)
    # the same item may still go to the US under the ROK–US agreement (TOP SECRET row)
    to_usa = run("decide", "--label", str(label), "--to", "USA", "--at", "2024-01-14",
                 "--agreements", str(folder), "--allow-override") if holder == "KOR" else None
    assert to_usa is None or to_usa.exit_code == 0, to_usa.output


def _log(tmp_path, n=5):
    db = tmp_path / "audit.db"
    label = _label(tmp_path)
    for _ in range(n):
        assert run("decide", "--label", str(label), "--to", "KOR", "--at", "2024-01-14",
                   "--audit", str(db)).exit_code == 0
    return db


def _sql(db, *statements):
    conn = sqlite3.connect(db)
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()


def test_audit_show_body_not_json_names_record(tmp_path):
    db = _log(tmp_path)
    _sql(db, "UPDATE audit SET body = 'not json' WHERE seq = 3")
    result = run("audit", "show", str(db))
    assert result.exit_code == 2 and "record=3: body is not JSON" in result.stderr
    assert run("audit", "verify", str(db)).exit_code == 1


def test_audit_other_schema_is_not_an_audit_log(tmp_path):
    db = tmp_path / "other.db"
    _sql(db, "CREATE TABLE audit (id INTEGER, note TEXT)")
    for command in ("show", "verify"):
        result = run("audit", command, str(db))
        assert result.exit_code == 2, (command, result.output)
        assert "not an audit log" in result.stderr and "LOG=" in result.stderr
    result = run("decide", "--label", str(_label(tmp_path)), "--to", "KOR", "--at",
                 "2024-01-14", "--audit", str(db))
    assert result.exit_code == 2 and "--audit=" in result.stderr
    assert "not an audit log" in result.stderr


def test_audit_dropped_table_show_and_verify_agree(tmp_path):
    db = _log(tmp_path)
    _sql(db, "DROP TABLE audit")
    for command in ("show", "verify"):
        result = run("audit", command, str(db))
        assert result.exit_code == 2, (command, result.output)
        assert "not an audit log: no audit table" in result.stderr


@pytest.mark.parametrize("statement", ["UPDATE head SET count = 6",
                                       "UPDATE head SET count = 6, hash = 'f00'"])
def test_audit_bad_head_row_names_the_head(tmp_path, statement):
    db = _log(tmp_path)
    _sql(db, statement)
    result = run("audit", "verify", str(db))
    assert result.exit_code == 1
    assert result.stderr.startswith("FAILED at head: the head says 6 records")
    assert "log has 5" in result.stderr


def test_audit_verify_directory(tmp_path):
    result = run("audit", "verify", str(tmp_path))
    assert result.exit_code == 2 and "is a directory" in result.stderr


@pytest.mark.parametrize("statement", ["UPDATE audit SET kind = 'release' WHERE seq = 2",
                                       "DELETE FROM audit WHERE seq = 5"])
def test_decide_refuses_to_append_to_tampered_log(tmp_path, statement):
    db = _log(tmp_path)
    _sql(db, statement)
    before = _rows(db)
    result = run("decide", "--label", str(_label(tmp_path)), "--to", "KOR", "--at",
                 "2024-01-14", "--audit", str(db))
    assert result.exit_code == 2, result.output
    assert "--audit=" in result.stderr and "refusing to append" in result.stderr
    assert _rows(db) == before  # nothing appended


def _rows(db):
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT seq, hash FROM audit ORDER BY seq").fetchall()
    conn.close()
    return rows


def test_list_and_show_give_the_content_hashes():
    catalog = load_catalog()
    rows = {row["name"]: row for row in json.loads(run("agreement", "list", "--json").stdout)}
    assert rows["jpn-kor-gsomia"]["digest"] == catalog.agreement("jpn-kor-gsomia").digest
    assert rows["markings/KOR"] == {
        "name": "markings/KOR", "kind": "marking-scheme", "route": None, "parties": ["KOR"],
        "in_force_from": None, "title": "Republic of Korea", "file": "kor.toml",
        "digest": catalog.scheme("KOR").digest}
    shown = json.loads(run("agreement", "show", "jpn-kor-gsomia", "--json").stdout)
    assert shown["digest"] == rows["jpn-kor-gsomia"]["digest"]
    text = run("agreement", "show", "jpn-kor-gsomia").stdout
    assert text.splitlines()[-1] == f"  file jpn-kor-gsomia.toml, {shown['digest']}"
    scheme = json.loads(run("agreement", "show", "markings/jpn", "--json").stdout)
    assert [(m["rank"], m["text"], m["level"]) for m in scheme["markings"]] == [
        (0, "特定秘密", "SECRET"), (1, "極秘", "SECRET"), (2, "秘", "CONFIDENTIAL")]
    assert scheme["digest"] == catalog.scheme("JPN").digest


@pytest.mark.parametrize(("args", "message"), [
    (["--to", "ZZZ"], "--to='ZZZ': unknown party (known: JPN, KOR, USA)"),
    (["--to", "jpn"], "--to='jpn': the recipient is the holder itself (label.holder='JPN')"),
    (["--to", "KOR", "--purpose", ""], "--purpose='': expected a non-empty purpose"),
    (["--to", "KOR", "--purpose", "  "], "--purpose='  ': expected a non-empty purpose"),
], ids=["unknown-party", "holder", "empty-purpose", "blank-purpose"])
def test_decide_to_and_purpose_errors_name_the_option(tmp_path, args, message):
    result = run("decide", "--label", str(_label(tmp_path)), "--at", "2019-12-01", *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr


def test_decide_deny_text_does_not_order_obligations(tmp_path):
    """A denial prints the handling a release would carry as conditional, not as "must"."""
    denied = run("decide", "--label", str(_label(tmp_path)), "--to", "KOR", "--at",
                 "2016-11-01")
    assert denied.exit_code == 1, denied.output
    assert "DENY" in denied.stdout and "  must " not in denied.stdout
    assert "  if released, would have to mark: " in denied.stdout
    permitted = run("decide", "--label", str(_label(tmp_path)), "--to", "KOR", "--at",
                    "2019-12-01")
    assert permitted.exit_code == 0, permitted.output
    assert "  must mark: " in permitted.stdout

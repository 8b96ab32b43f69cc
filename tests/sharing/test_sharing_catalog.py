"""Loading and validating agreement files; adding an agreement without code."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sharing_support import make_label

from gsomia.errors import AgreementError
from gsomia.sharing import ReleaseRequest, decide, load_catalog
from gsomia.sharing.catalog import package_data_dirs

PACKAGED = package_data_dirs()[1]


def test_packaged_agreements(catalog):
    assert list(catalog.agreements) == [
        "jpn-kor-gsomia", "jpn-usa-gsomia", "kor-usa-military-secrets", "tisa",
        "trilateral-missile-warning",
    ]
    tisa = catalog.agreement("tisa")
    assert tisa.hub == "USA" and not tisa.legally_binding  # para 8
    assert tisa.in_force_from == dt.date(2014, 12, 29)
    warning = catalog.agreement("trilateral-missile-warning")
    assert warning.scope.elements == ("launch_point", "trajectory", "impact_point")


def _write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "x.toml").write_text(text, encoding="utf-8")
    return tmp_path


def _variant(old: str, new: str) -> str:
    text = (PACKAGED / "jpn-kor-gsomia.toml").read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new).replace('name = "jpn-kor-gsomia"', 'name = "test-variant"')


@pytest.mark.parametrize(
    ("old", "new", "key", "value"),
    [
        ('KOR = ["군사II급비밀"]', 'KOR = ["군사2급비밀"]', "equivalence[0].markings.KOR[0]",
         "군사2급비밀"),
        ('kind = "termination_notice"', 'kind = "tore_up"', "event[0].kind", "tore_up"),
        ("in_force_from = 2016-11-23", 'in_force_from = "soon"', "agreement.in_force_from",
         "soon"),
        ('parties = ["JPN", "KOR"]', 'parties = ["JPN", "kor"]', "agreement.parties[1]", "kor"),
        ("notice_days = 90", "notice_days = true", "agreement.renewal.notice_days", True),
        ("need_to_know = ", "need_to_knowledge = ", "rules.need_to_knowledge", None),
    ],
    ids=["marking", "event", "date", "party", "bool-for-int", "rule"],
)
def test_invalid_file_names_file_key_value(tmp_path, old, new, key, value):
    folder = _write(tmp_path, _variant(old, new))
    with pytest.raises(AgreementError) as info:
        load_catalog([folder])
    err = info.value
    assert err.file.endswith("x.toml") and err.field == key
    if value is not None:
        assert err.value == value
    assert key in str(err) and "x.toml" in str(err)


def test_missing_directory_is_error(tmp_path):
    with pytest.raises(AgreementError, match="no such directory"):
        load_catalog([tmp_path / "nope"])
    (tmp_path / "file.json").write_text("{}", encoding="utf-8")
    with pytest.raises(AgreementError, match="not a directory"):
        load_catalog([tmp_path / "file.json"])


@pytest.mark.parametrize(
    ("old", "new", "key", "value"),
    [
        ("[[event]]\ndate = 2019-08-23", "[[events]]\ndate = 2019-08-23", "events", None),
        ("in_force_from = 2016-11-23", "in_force_from = 2016-11-23\nin_forse_until = 2019-11-23",
         "agreement.in_forse_until", dt.date(2019, 11, 23)),
        ("[rules]", "[agreement_extra]\nnote = 1\n\n[rules]", "agreement_extra",
         {"note": 1}),
        ('level = "SECRET"', 'level = "SECRET"\nlevels = "S"', "equivalence[0].levels", "S"),
        ("term_years = 1", "term_years = 1\nterm_months = 12", "agreement.renewal.term_months",
         12),
        ('by = "KOR"\nsource = "agreements.md §1 History"\n\n[[event]]\ndate = 2019-11-22',
         'by = "KOR"\nsource = "agreements.md §1 History"\nnote = "x"\n\n[[event]]\n'
         'date = 2019-11-22', "event[0].note", "x"),
        ('marking = "군사I급비밀"', 'marking = "군사I급비밀"\nreason = "x"', "excluded[0].reason",
         "x"),
    ],
    ids=["events-table", "misspelt-key", "extra-table", "equivalence-key", "renewal-key",
         "event-key", "excluded-key"],
)
def test_unknown_key_at_every_level_names_file_key_value(tmp_path, old, new, key, value):
    folder = _write(tmp_path, _variant(old, new))
    with pytest.raises(AgreementError, match="unknown key") as info:
        load_catalog([folder])
    err = info.value
    assert err.file.endswith("x.toml") and err.field == key
    if value is not None:
        assert err.value == value


def test_unknown_key_in_marking_scheme(tmp_path):
    (tmp_path / "aus.toml").write_text(
        '[party]\ncode = "AUS"\nname = "Australia"\nname_en = "Australia"\nnmae = "x"\n'
        '[[marking]]\ntext = "SECRET"\nenglish = "SECRET"\nrank = 0\nlevel = "SECRET"\n',
        encoding="utf-8")
    with pytest.raises(AgreementError, match=r"party\.nmae='x': unknown key"):
        load_catalog([tmp_path])


def test_not_toml_is_error(tmp_path):
    folder = _write(tmp_path, "[agreement\n")
    with pytest.raises(AgreementError, match="not valid TOML"):
        load_catalog([folder])


def test_user_adds_agreement_and_party_without_code(tmp_path):
    (tmp_path / "aus.toml").write_text(
        '[party]\ncode = "AUS"\nname = "Australia"\nname_en = "Australia"\n'
        '[party.names]\nJPN = "Japan"\n'
        '[[marking]]\ntext = "SECRET"\nenglish = "SECRET"\nrank = 0\nlevel = "SECRET"\n'
        '[[marking]]\ntext = "PROTECTED"\nenglish = "PROTECTED"\nrank = 1\n'
        'level = "CONFIDENTIAL"\n', encoding="utf-8")
    (tmp_path / "jpn-aus.toml").write_text(
        '[agreement]\nname = "jpn-aus"\ntitle = "Japan–Australia ISA"\nkind = "bilateral"\n'
        'parties = ["JPN", "AUS"]\nin_force_from = 2013-03-22\nsource = "user file"\n'
        '[[equivalence]]\nlevel = "SECRET"\nsource = "user"\n'
        'markings = { JPN = ["極秘"], AUS = ["SECRET"] }\n', encoding="utf-8")
    catalog = load_catalog([tmp_path])
    label = make_label(releasable_to=["AUS"])
    at = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    decision = decide(ReleaseRequest(label, "AUS", at), catalog)
    assert decision.permit
    assert decision.marking.text == "Japan SECRET"

"""The rule functions of ``decide`` (issue 11 item 5) and the catalog's memo that replaced
the process-wide one."""

from __future__ import annotations

import datetime as dt
import inspect
import re
from pathlib import Path

import pytest
from sharing_support import make_label

import gsomia.sharing.decision as decision
from gsomia.sharing import ConsentBook, ReleaseRequest, decide, load_catalog
from gsomia.sharing.catalog import MEMO_MAX, package_data_dirs
from gsomia.sharing.rules import RULES, Context, Evidence
from gsomia.sharing.rules import __doc__ as RULES_DOC

#: What a rule's docstring must cite: an article, a paragraph of TISA, a section of
#: agreements.md or the STANAG.
CITATION = re.compile(r"Art\. \d+|TISA para \d|§\d|STANAG 4774")


def test_rules_run_in_the_documented_order() -> None:
    documented = re.findall(r"^\d+\. :func:`(\w+)`", RULES_DOC, flags=re.M)
    assert documented == [rule.__name__ for rule in RULES]
    assert len(RULES) == 13


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.__name__)
def test_each_rule_has_one_signature_and_cites_its_source(rule) -> None:
    assert list(inspect.signature(rule).parameters) == ["request", "ctx"]
    assert CITATION.search(rule.__doc__ or ""), f"{rule.__name__} cites no article"


def test_a_rule_returns_evidence_or_none(catalog) -> None:
    request = ReleaseRequest(make_label(), "KOR", dt.datetime(2024, 1, 14, tzinfo=dt.UTC))
    ctx = Context(request, catalog, ConsentBook(()))
    out = {rule.__name__: rule(request, ctx) for rule in RULES}
    assert all(e is None or isinstance(e, Evidence) for e in out.values())
    # direct route: the hub rules do not apply; Releasable To always does
    assert out["hub_route"] is None and out["legal_basis"] is None and out["scope"] is None
    assert [r.rule for r in out["releasable_to"].reasons] == ["releasable_to"]
    assert [r.rule for r in out["legs_in_force"].reasons] == ["in_force:jpn-kor-gsomia"]
    assert [o.kind for o in out["handling"].obligations] == ["protect", "report_loss"]
    assert ctx.marking is not None and ctx.marking.text == "일본 군사II급비밀"


def test_no_process_wide_memo() -> None:
    assert not [n for n in vars(decision) if "memo" in n.lower()]
    source = Path(decision.__file__).read_text(encoding="utf-8")
    assert not re.search(r"\bid\(", source)  # nothing keyed by object identity


def test_each_catalog_keeps_its_own_bounded_memo() -> None:
    one, two = load_catalog(), load_catalog()
    day = dt.date(2024, 1, 14)
    assert one.bilateral("JPN", "KOR", day) is one.agreement("jpn-kor-gsomia")
    assert two.bilateral("JPN", "KOR", day) is two.agreement("jpn-kor-gsomia")
    assert one._memo and one._memo.keys() == two._memo.keys()
    assert one == two  # the memo is not part of a catalog's value
    for k in range(MEMO_MAX + 10):
        one.in_force(one.agreement("tisa"), day + dt.timedelta(days=k))
    assert len(one._memo) <= MEMO_MAX


def test_an_agreement_not_of_the_catalog_is_not_memoised(catalog) -> None:
    other = load_catalog().agreement("tisa")
    before = dict(catalog._memo)
    status = catalog.in_force(other, dt.date(2015, 1, 1))
    assert status.in_force and status.agreement == "tisa"
    assert catalog._memo == before


def test_the_memo_answers_by_date_when_a_pair_has_two_agreements(tmp_path: Path) -> None:
    """The date-free pair list is memoised; which of two agreements protects the pair
    still depends on the date (the first in force, else the first)."""
    text = (package_data_dirs()[1] / "jpn-kor-gsomia.toml").read_text(encoding="utf-8")
    text = text.replace('name = "jpn-kor-gsomia"', 'name = "jpn-kor-older"')
    text = text.replace("in_force_from = 2016-11-23", "in_force_from = 2000-01-01")
    text = text.replace("signed = 2016-11-23", "signed = 2000-01-01")
    (tmp_path / "older.toml").write_text(text, encoding="utf-8")
    cat = load_catalog([tmp_path])
    assert [a.name for a in cat.bilaterals("JPN", "KOR")] == ["jpn-kor-gsomia", "jpn-kor-older"]
    assert cat.bilateral("JPN", "KOR", dt.date(2010, 1, 1)).name == "jpn-kor-older"
    assert cat.bilateral("JPN", "KOR", dt.date(2024, 1, 1)).name == "jpn-kor-gsomia"
    assert cat.bilateral("JPN", "KOR", dt.date(1990, 1, 1)).name == "jpn-kor-gsomia"
    assert cat.bilateral("JPN", "KOR", dt.date(2010, 1, 1), among=["jpn-kor-gsomia"]).name \
        == "jpn-kor-gsomia"
    at = dt.datetime(2010, 1, 1, tzinfo=dt.UTC)
    decided = decide(ReleaseRequest(make_label(), "KOR", at), cat)
    assert decided.agreements[0] == "jpn-kor-older" and decided.permit

"""The compiled decision tables (issue 19 item 4) decide as the rules run one by one.

For every generated request — any parties (some unknown), markings (some not the
originator's), routes, dates on and around every day an agreement's standing changes,
topics, elements, Releasable To, purposes, persons (some with a clearance of another
scheme) and consents (some repeating an id, some given as a book) — :func:`decide` (the
tables) and :func:`reference_decide` (every rule afresh) give the same decision: verdict,
reasons with their sources and details, obligations, marking, agreements, request and data
hashes; or raise the same error. Checked on the packaged catalog, and on one where two
bilateral agreements cover one pair, so which one protects a leg depends on the date.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gsomia.errors import GsomiaError
from gsomia.sharing import Consent, ConsentBook, Label, Person, ReleaseRequest, decide
from gsomia.sharing.catalog import Catalog, load_catalog
from gsomia.sharing.compiled import decision_tables
from gsomia.sharing.decision import reference_decide

PARTIES = ("JPN", "KOR", "USA")
TOPICS = ("dprk-nuclear-threat", "dprk-missile-threat", "chinese-navy", "weather")
ELEMENTS = ("launch_point", "trajectory", "impact_point", "pre_launch_indication",
            "sensor_location")

#: A second Japan–Korea agreement (made up for the test): in force 2010 to mid-2018, only
#: the CONFIDENTIAL row, fewer rules; named after jpn-kor-gsomia, so that one is chosen
#: whenever both are in force, this one when only it is.
INTERIM = """
[agreement]
name = "jpn-kor-interim"
title = "Made-up interim arrangement (test only)"
kind = "bilateral"
parties = ["JPN", "KOR"]
in_force_from = 2010-01-01
source = "test"

[rules]
third_party_consent = "interim §3"
need_to_know = "interim §4"

[[equivalence]]
level = "CONFIDENTIAL"
source = "interim §2"
markings = { JPN = ["秘"], KOR = ["군사III급비밀"] }

[[event]]
date = 2018-06-01
kind = "terminated"
by = "JPN"
source = "test"
"""


@pytest.fixture(scope="module")
def catalogs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Catalog]:
    folder: Path = tmp_path_factory.mktemp("agreements")
    (folder / "jpn-kor-interim.toml").write_text(INTERIM, encoding="utf-8")
    return {"packaged": load_catalog(), "two-for-one-pair": load_catalog([folder])}


def _change_days(catalog: Catalog) -> list[dt.date]:
    days = sorted({d for a in catalog.agreements.values() for d in a.in_force_changes()})
    return [d + dt.timedelta(days=k) for d in days for k in (-1, 0, 1)]


def _markings(catalog: Catalog, party: str) -> list[str]:
    scheme = catalog.schemes.get(party)
    return [m.text for m in scheme.markings] if scheme else ["SECRET"]


@st.composite
def cases(draw: st.DrawFn, catalog: Catalog) -> tuple[ReleaseRequest, object]:
    known = PARTIES + ("CHN",) if draw(st.integers(0, 20)) == 0 else PARTIES  # CHN: unknown
    originator, holder = draw(st.sampled_from(known)), draw(st.sampled_from(known))
    to = draw(st.sampled_from([p for p in known if p != holder]))
    markings = _markings(catalog, originator)
    if draw(st.integers(0, 20)) == 0:
        markings = _markings(catalog, draw(st.sampled_from(PARTIES)))
    day = draw(st.one_of(st.sampled_from(_change_days(catalog)),
                         st.dates(dt.date(1980, 1, 1), dt.date(2040, 12, 31))))
    at = dt.datetime.combine(day, dt.time(draw(st.integers(0, 23))), dt.UTC)
    label = Label(item_id=draw(st.sampled_from(["a", "b"])), originator=originator,
                  classification=draw(st.sampled_from(markings)),
                  releasable_to=frozenset(PARTIES) if draw(st.booleans())
                  else frozenset(draw(st.sets(st.sampled_from(PARTIES)))),
                  topic=draw(st.sampled_from(TOPICS)), holder=holder,
                  elements=tuple(draw(st.lists(st.sampled_from(ELEMENTS), max_size=3))),
                  purpose=draw(st.sampled_from([None, "missile defence"])))
    person = None
    if draw(st.booleans()):
        party = draw(st.sampled_from([to, to, *PARTIES]))
        person = Person(party=party,
                        clearance=draw(st.sampled_from(_markings(catalog, draw(
                            st.sampled_from([party] * 9 + ["USA"]))))),
                        need_to_know=frozenset(draw(st.sets(st.sampled_from(TOPICS)))),
                        contractor=draw(st.booleans()), facility_clearance=draw(st.booleans()))
    request = ReleaseRequest(label, to, at, draw(st.sampled_from(["direct", "tisa",
                                                                  "auto-hub"])),
                             person, draw(st.sampled_from([None, "missile defence", "other"])))
    consents = []
    for i in range(draw(st.integers(0, 3))):
        granted = at - dt.timedelta(days=draw(st.integers(-30, 400)))
        item, topic = draw(st.sampled_from([None, "a", "b"])), draw(st.sampled_from(
            [None, *TOPICS]))
        consents.append(Consent(
            consent_id=draw(st.sampled_from(["c0", "c1", "c2"])) if draw(
                st.integers(0, 10)) == 0 else f"c{i}",
            originator=draw(st.sampled_from([originator, originator, *PARTIES])),
            to=draw(st.sampled_from(PARTIES)),
            granted_at=granted,
            expires_at=draw(st.one_of(st.none(), st.just(granted + dt.timedelta(days=200)))),
            item_id=item, topic=topic,
            classifications=(label.classification,) if item is None and topic is None
            else draw(st.sampled_from([(), (label.classification,)])),
            written=draw(st.integers(0, 9)) > 0,
        ))
    if draw(st.integers(0, 4)) == 0:
        try:
            return request, ConsentBook(consents)
        except GsomiaError:
            pass
    return request, consents


def _outcome(decide_with, request: ReleaseRequest, consents: object) -> tuple[object, ...]:
    try:
        decision = decide_with(request, consents)
    except GsomiaError as exc:
        return ("error", type(exc).__name__, str(exc))
    return ("decision", decision.permit, decision.to_dict())


def _check(catalog: Catalog, request: ReleaseRequest, consents: object) -> None:
    theirs = _outcome(lambda r, c: reference_decide(r, catalog, c), request, consents)
    ours = _outcome(lambda r, c: decide(r, catalog, c), request, consents)
    assert ours == theirs


@pytest.mark.parametrize("name", ["packaged", "two-for-one-pair"])
def test_compiled_decision_is_the_reference_decision(catalogs, name):
    catalog = catalogs[name]
    if name == "packaged":
        decision_tables(catalog).compile()  # half the runs from compiled tables, half lazily

    @settings(max_examples=600, deadline=None)
    @given(cases(catalog))
    def check(case: tuple[ReleaseRequest, object]) -> None:
        _check(catalog, *case)

    check()


def test_two_agreements_for_one_pair_make_the_choice_depend_on_the_date(catalogs):
    """The interim agreement protects JPN→KOR only while the GSOMIA is not in force (and
    only for CONFIDENTIAL); the tables keep a plan per choice, as the rules choose."""
    catalog = catalogs["two-for-one-pair"]
    label = Label(item_id="a", originator="JPN", classification="秘",
                  releasable_to=frozenset(PARTIES), topic="dprk-missile-threat", holder="JPN")
    used = []
    for day in (dt.date(2012, 5, 1), dt.date(2017, 5, 1), dt.date(2018, 7, 1)):
        at = dt.datetime.combine(day, dt.time(), dt.UTC)
        request = ReleaseRequest(label, "KOR", at)
        decision = decide(request, catalog)
        assert decision.to_dict() == reference_decide(request, catalog).to_dict()
        used.append((decision.agreements, decision.permit))
    assert used == [(("jpn-kor-interim",), True), (("jpn-kor-gsomia",), True),
                    (("jpn-kor-gsomia",), True)]
    assert len(decision_tables(catalog).choice_breaks) > 0


def _sweep_requests(catalog: Catalog, day: dt.date) -> list[tuple[ReleaseRequest, object]]:
    """Three requests per (holder, recipient, originator, route, marking) on ``day``: one
    that passes every request-dependent rule, one that fails most of them, one with a
    person failing the Art. 7/16 checks and consents that do not count."""
    at = dt.datetime.combine(day, dt.time(12), dt.UTC)
    out: list[tuple[ReleaseRequest, object]] = []
    for holder in PARTIES:
        for to in (p for p in PARTIES if p != holder):
            for originator in PARTIES:
                for route in ("direct", "tisa", "auto-hub"):
                    for marking in _markings(catalog, originator):
                        out.extend(_variants(catalog, holder, to, originator, route, marking,
                                             at))
    return out


def _variants(catalog: Catalog, holder: str, to: str, originator: str, route: str,
              marking: str, at: dt.datetime) -> list[tuple[ReleaseRequest, object]]:
    def label(item: str, releasable: frozenset[str], topic: str, elements: tuple[str, ...],
              purpose: str | None) -> Label:
        return Label(item_id=item, originator=originator, classification=marking,
                     releasable_to=releasable, topic=topic, holder=holder,
                     elements=elements, purpose=purpose)

    top, bottom = _markings(catalog, to)[0], _markings(catalog, to)[-1]
    granted = at - dt.timedelta(days=30)
    good = [Consent(f"c-{p}", originator, p, granted, item_id="a") for p in PARTIES]
    stale = [Consent("old", originator, to, granted - dt.timedelta(days=900), item_id="c",
                     expires_at=granted - dt.timedelta(days=400)),
             Consent("oral", originator, "USA", granted, item_id="c", written=False)]
    return [
        (ReleaseRequest(label("a", frozenset(PARTIES), "dprk-missile-threat",
                              ("launch_point", "trajectory"), "missile defence"),
                        to, at, route, Person(to, top, frozenset(TOPICS)),
                        "missile defence"), good),
        (ReleaseRequest(label("b", frozenset({to}), "chinese-navy",
                              ("pre_launch_indication",), None), to, at, route), []),
        (ReleaseRequest(label("c", frozenset(PARTIES), "dprk-nuclear-threat", (),
                              "missile defence"),
                        to, at, route, Person(to, bottom, frozenset({"weather"}), True, False),
                        "other"), ConsentBook(stale)),
    ]


def test_every_plan_and_epoch_decides_as_the_reference():
    """Every compiled plan (parties × routes × markings) on every epoch (the day before the
    first change and each day an agreement's standing changes): the decision read from the
    tables is the rule-by-rule one — verdict, every reason with its source and detail,
    obligations, marking, agreements, data hashes."""
    catalog = load_catalog()
    tables = decision_tables(catalog)
    # 6 holder–recipient pairs × 3 routes × 10 markings (JPN 3, KOR 4, USA 3, each with
    # its originator); no two agreements for one pair or route here, so one choice epoch
    assert tables.compile() == 180
    days = [tables.breaks[0] - dt.timedelta(days=1), *tables.breaks]
    permits, rules = 0, set()
    for day in days:
        for request, consents in _sweep_requests(catalog, day):
            ours = decide(request, catalog, consents)
            theirs = reference_decide(request, catalog, consents)
            assert ours.to_dict() == theirs.to_dict()
            permits += ours.permit
            rules.update(r.rule.split(":")[0] for r in ours.reasons)
    assert permits > 0
    assert rules == {"releasable_to", "route", "in_force", "classification",
                     "originator_ceiling", "scope", "elements", "third_party_consent",
                     "purpose", "personnel_clearance", "need_to_know", "contractor_facility"}

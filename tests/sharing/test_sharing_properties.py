"""Property tests: over random labels, parties, persons, consents, routes and dates, the
decision agrees with an independent reference written as plain predicates.

The reference below does not use the catalog or the decision code: it restates the facts
of agreements.md (dates, Art. 4(2) equivalences, TISA paras 1/3/4, §4 elements) as literal
tables, and each rule as one predicate. Its tables mirror the packaged data files; if a
data file is edited, this reference must be edited too (on purpose: they check each other).
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gsomia.sharing import Consent, Label, Person, ReleaseRequest, decide

D = dt.date
PARTIES = ("JPN", "KOR", "USA")
HUB = "USA"  # TISA para 4; §4
SCHEMES = {  # Art. 4(1), §2: highest first
    "JPN": ["特定秘密", "極秘", "秘"],
    "KOR": ["군사I급비밀", "군사II급비밀", "군사III급비밀", "대외비"],
    "USA": ["TOP SECRET", "SECRET", "CONFIDENTIAL"],
}
# Per pair: marking → level (Art. 4(2); Korean Class I never under jpn-kor; 대외비 nowhere).
LEVELS = {
    frozenset({"JPN", "KOR"}): {"特定秘密": "S", "極秘": "S", "秘": "C",
                                "군사II급비밀": "S", "군사III급비밀": "C"},
    frozenset({"JPN", "USA"}): {"特定秘密": "S", "極秘": "S", "秘": "C",
                                "SECRET": "S", "CONFIDENTIAL": "C"},
    frozenset({"KOR", "USA"}): {"군사I급비밀": "TS", "군사II급비밀": "S", "군사III급비밀": "C",
                                "TOP SECRET": "TS", "SECRET": "S", "CONFIDENTIAL": "C"},
}
# Marking a receiver applies per level and pair (first of its row).
RECEIVE = {
    (frozenset({"JPN", "KOR"}), "JPN"): {"S": "極秘", "C": "秘"},
    (frozenset({"JPN", "KOR"}), "KOR"): {"S": "군사II급비밀", "C": "군사III급비밀"},
    (frozenset({"JPN", "USA"}), "JPN"): {"S": "極秘", "C": "秘"},
    (frozenset({"JPN", "USA"}), "USA"): {"S": "SECRET", "C": "CONFIDENTIAL"},
    (frozenset({"KOR", "USA"}), "KOR"): {"TS": "군사I급비밀", "S": "군사II급비밀",
                                         "C": "군사III급비밀"},
    (frozenset({"KOR", "USA"}), "USA"): {"TS": "TOP SECRET", "S": "SECRET", "C": "CONFIDENTIAL"},
}
FROM = {  # first day in force; jpn-kor's 2019 notice was suspended before it took effect
    frozenset({"JPN", "KOR"}): D(2016, 11, 23),
    frozenset({"JPN", "USA"}): D(2007, 8, 10),
    frozenset({"KOR", "USA"}): D(1987, 9, 24),
    "tisa_hub": D(2014, 12, 29),
    "auto_hub": D(2023, 12, 19),
}
TISA_TOPICS = {"dprk-nuclear-threat", "dprk-missile-threat"}  # TISA para 1
WARNING_TOPICS = {"dprk-missile-threat"}
ELEMENTS = {"launch_point", "trajectory", "impact_point"}  # §4
TOPICS = ["dprk-nuclear-threat", "dprk-missile-threat", "chinese-navy"]
ALL_ELEMENTS = sorted(ELEMENTS | {"pre_launch_indication", "sensor_location"})


def legs(holder, to, route):
    if route == "direct":
        return [(holder, to)]
    return [(s, r) for s, r in ((holder, HUB), (HUB, to)) if s != r]


def level_of(label, route, to):
    first = frozenset(legs(label.holder, to, route)[0])
    pair = first if label.originator in first else frozenset({label.originator, label.holder})
    return LEVELS[pair].get(label.classification)


def consent_ok(c, label, receiver, at, per_item=False):
    return (c.written and c.originator == label.originator and c.to == receiver
            and c.granted_at <= at and (c.expires_at is None or at < c.expires_at)
            and (c.revoked_at is None or at < c.revoked_at)
            and c.item_id in (None, label.item_id) and c.topic in (None, label.topic)
            and (not c.classifications or label.classification in c.classifications)
            and (not per_item or c.item_id == label.item_id))


def reference_permit(req, consents):
    label, to, route, at = req.label, req.to, req.route, req.at
    day = at.date()
    rel = {to, HUB} if route != "direct" else {to}
    if not (rel - {label.originator}) <= label.releasable_to:
        return False
    if route == "tisa_hub" and not (day >= FROM["tisa_hub"] and label.topic in TISA_TOPICS):
        return False
    if route == "auto_hub":
        if not (day >= FROM["auto_hub"] and day >= FROM["tisa_hub"]):
            return False
        if label.topic not in WARNING_TOPICS & TISA_TOPICS:
            return False
        if not label.elements or not set(label.elements) <= ELEMENTS:
            return False
    path = legs(label.holder, to, route)
    if any(day < FROM[frozenset(leg)] for leg in path):
        return False
    level = level_of(label, route, to)
    if level is None:
        return False
    for sender, receiver in path:
        pair = frozenset({sender, receiver})
        if label.classification not in LEVELS[pair] and label.originator in pair:
            return False
        if level not in RECEIVE[(pair, receiver)]:
            return False
        # the originator's own agreement with every party the item reaches bounds it
        own = frozenset({label.originator, receiver})
        if receiver != label.originator and label.classification not in LEVELS[own]:
            return False
    for sender, receiver in path:
        if label.originator in (sender, receiver):
            continue
        if route == "auto_hub" and sender == HUB:
            continue  # standing approval of the automated mechanism
        per_item = route == "tisa_hub" and sender == HUB  # TISA para 4: approval of the item
        if not any(consent_ok(c, label, receiver, at, per_item) for c in consents):
            return False
    if label.purpose and req.purpose and label.purpose != req.purpose:
        return False
    p = req.person
    if p is not None:
        required = RECEIVE[(frozenset(path[-1]), to)][level]
        if p.party != to:
            return False
        if SCHEMES[to].index(p.clearance) > SCHEMES[to].index(required):
            return False
        if label.topic not in p.need_to_know:
            return False
        if p.contractor and not p.facility_clearance:
            return False
    return True


DAYS = st.one_of(
    st.sampled_from([D(2007, 8, 9), D(2014, 12, 28), D(2016, 11, 22), D(2016, 11, 23),
                     D(2019, 11, 23), D(2019, 12, 1), D(2023, 12, 18), D(2024, 1, 14)]),
    st.dates(min_value=D(1985, 1, 1), max_value=D(2026, 12, 31)),
)
TIMES = DAYS.map(lambda d: dt.datetime.combine(d, dt.time(12), tzinfo=dt.UTC))


@st.composite
def requests(draw):
    originator = draw(st.sampled_from(PARTIES))
    holder = draw(st.sampled_from(PARTIES))
    to = draw(st.sampled_from([p for p in PARTIES if p != holder]))
    label = Label(
        item_id=draw(st.sampled_from(["a", "b"])),
        originator=originator,
        classification=draw(st.sampled_from(SCHEMES[originator])),
        releasable_to=frozenset(draw(st.sets(st.sampled_from(PARTIES)))),
        topic=draw(st.sampled_from(TOPICS)),
        holder=holder,
        elements=tuple(draw(st.sets(st.sampled_from(ALL_ELEMENTS), max_size=3))),
        purpose=draw(st.sampled_from([None, "missile defence"])),
    )
    person = None
    if draw(st.booleans()):
        party = draw(st.sampled_from([to, to, draw(st.sampled_from(PARTIES))]))
        person = Person(
            party=party,
            clearance=draw(st.sampled_from(SCHEMES[party])),
            need_to_know=frozenset(draw(st.sets(st.sampled_from(TOPICS)))),
            contractor=draw(st.booleans()),
            facility_clearance=draw(st.booleans()),
        )
    at = draw(TIMES)
    req = ReleaseRequest(label, to, at, route=draw(st.sampled_from(["direct", "tisa",
                                                                    "auto-hub"])),
                         person=person,
                         purpose=draw(st.sampled_from([None, "missile defence", "other"])))
    consents = []
    for i in range(draw(st.integers(0, 2))):
        granted = draw(TIMES)
        expires = draw(st.one_of(st.none(), st.just(granted + dt.timedelta(days=400))))
        scope = draw(st.sampled_from(["item", "topic", "class"]))
        consents.append(Consent(
            consent_id=f"c{i}",
            originator=draw(st.sampled_from([originator, originator, "KOR"])),
            to=draw(st.sampled_from(PARTIES)),
            granted_at=granted,
            expires_at=expires,
            item_id=draw(st.sampled_from(["a", "b"])) if scope == "item" else None,
            topic=draw(st.sampled_from(TOPICS)) if scope == "topic" else None,
            classifications=(label.classification,) if scope == "class" else (),
            written=draw(st.booleans()),
            revoked_at=draw(st.one_of(st.none(), TIMES)),
        ))
    return req, consents


@pytest.mark.slow
@settings(max_examples=1500, deadline=None)
@given(requests())
def test_no_permit_violates_a_rule_and_no_needless_deny(catalog, case):
    req, consents = case
    decision = decide(req, catalog, consents)
    assert decision.permit == reference_permit(req, consents), decision.to_dict()["reasons"]


@pytest.mark.slow
@settings(max_examples=500, deadline=None)
@given(requests())
def test_every_permit_carries_marking_and_passed_reasons(catalog, case):
    req, consents = case
    decision = decide(req, catalog, consents)
    if decision.permit:
        assert decision.marking is not None and decision.marking.receiver == req.to
        assert decision.marking.classification in SCHEMES[req.to]
        assert decision.obligations[0].kind == "mark"
        assert decision.reasons and all(r.passed for r in decision.reasons)
    else:
        assert decision.failed


@settings(max_examples=40, deadline=None)
@given(requests())
def test_a_sample_of_requests_decides_as_the_reference(catalog, case):
    """The first property on a sample small enough for the fast run (``-m "not slow"``)."""
    test_no_permit_violates_a_rule_and_no_needless_deny.hypothesis.inner_test(catalog, case)

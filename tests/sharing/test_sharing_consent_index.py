"""Art. 6 consent look-ups through the ConsentBook's index give the plain scan's verdict
(the first covering consent in the order granted), and a denial's reason stays short."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sharing_support import AFTER_2023, make_label

from bench_support import load_benchmark
from gsomia.sharing import Consent, ConsentBook, ReleaseRequest, decide
from gsomia.sharing.consent import MAX_LISTED

T0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
PARTIES = ("JPN", "KOR", "USA")
ITEMS = ("i1", "i2", "i3")
TOPICS = ("dprk-missile-threat", "dprk-nuclear-threat")
MARKS = ("極秘", "秘")
SUFFIX = re.compile(r" \((\d+) consents from (\w+) for (\w+); (\d+) not listed\)$")


# benchmarks/bench_decisions.py's PlainScanBook (the look-up before the index, kept there as
# the benchmark's peer) is the reference here
PlainScanBook = load_benchmark("bench_decisions").PlainScanBook


def day(n: int) -> dt.datetime:
    return T0 + dt.timedelta(days=n)


def near(draw, value, others):
    """``value`` two times in three (so that consents often match the request), else any
    of ``others``."""
    return value if draw(st.integers(0, 2)) else draw(st.sampled_from(others))


@st.composite
def cases(draw):
    """A request (label fields, recipient, time, per item) and a random consent book whose
    consents often, but not always, match it in each field."""
    originator, to = draw(st.sampled_from(PARTIES)), draw(st.sampled_from(PARTIES))
    item, topic = draw(st.sampled_from(ITEMS)), draw(st.sampled_from(TOPICS))
    mark, at = draw(st.sampled_from(MARKS)), draw(st.integers(0, 32))
    book = ConsentBook()
    for k in range(draw(st.integers(0, 14))):
        c_item = near(draw, draw(st.sampled_from((None, item))), ITEMS)
        c_topic = near(draw, draw(st.sampled_from((None, topic))), TOPICS)
        marks = tuple(draw(st.lists(st.sampled_from(MARKS), max_size=2, unique=True)))
        if c_item is None and c_topic is None and not marks:
            marks = (mark,)
        granted = near(draw, draw(st.integers(0, at)) if at else 0, range(0, 33))
        expires = draw(st.one_of(st.none(), st.integers(granted + 1, 34)))
        book.grant(Consent(f"c{k}", near(draw, originator, PARTIES), near(draw, to, PARTIES),
                           day(granted), expires_at=None if expires is None else day(expires),
                           item_id=c_item, topic=c_topic, classifications=marks,
                           written=draw(st.integers(0, 4)) > 0))
    for consent in list(book):
        if draw(st.integers(0, 3)) == 0:
            book.revoke(consent.consent_id, consent.originator, day(draw(st.integers(0, 34))))
    return book, originator, to, item, topic, mark, day(at), draw(st.booleans())


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(case=cases())
def test_indexed_look_up_gives_the_plain_scans_verdict(case):
    book, originator, to, item, topic, mark, at, per_item = case
    label = make_label(item_id=item, originator=originator, classification=mark,
                       topic=topic)
    want, plain_why = PlainScanBook(book).explain(label, to, at, per_item)
    got, why = book.explain(label, to, at, per_item)
    assert (got and got.consent_id) == (want and want.consent_id)
    found = book.find(label, to, at, per_item)
    assert (found and found.consent_id) == (want and want.consent_id)
    if want is not None:
        assert why == ""
        return
    if plain_why.startswith("none recorded"):
        assert why == plain_why
        return
    plain = plain_why.split("; ")
    suffix = SUFFIX.search(why)
    listed = SUFFIX.sub("", why).split("; ")
    assert 0 < len(listed) <= MAX_LISTED
    assert set(listed) <= set(plain)  # the same reasons, word for word
    if len(plain) <= MAX_LISTED:
        assert sorted(listed) == sorted(plain) and suffix is None
    else:
        assert suffix is not None
        assert suffix.groups() == (str(len(plain)), originator, to,
                                   str(len(plain) - len(listed)))


def test_a_denial_among_ten_thousand_consents_names_the_closest_and_stays_short(catalog):
    # KOR holds Japan's item-1 and wants to pass it to the US: 10,000 consents of Japan
    # to the US for other items, one for this item that expired
    held = make_label(holder="KOR", releasable_to=["KOR", "USA"])
    book = ConsentBook(Consent(f"other-{k}", "JPN", "USA", T0, item_id=f"item-x{k}")
                       for k in range(10_000))
    book.grant(Consent("expired", "JPN", "USA", T0, expires_at=day(5), item_id="item-1"))
    consent, why = book.explain(held, "USA", AFTER_2023)
    assert consent is None
    assert why.startswith("'expired' expired on 2024-01-06T00:00:00+00:00; "
                          "'other-0' out of scope: for item 'item-x0', not 'item-1'; ")
    assert why.endswith(" (10001 consents from JPN for USA; 9998 not listed)")
    assert len(why) < 300
    assert [c.consent_id for c in book.candidates(held, "USA")] == ["expired"]
    decision = decide(ReleaseRequest(held, "USA", AFTER_2023), catalog, book)
    assert [r.rule for r in decision.failed] == ["third_party_consent"]
    assert "(10001 consents from JPN for USA; 9998 not listed)" in decision.failed[0].detail
    # granting the item's consent now: the first covering one in the order granted
    book.grant(Consent("late", "JPN", "USA", T0, item_id="item-1"))
    book.grant(Consent("wide", "JPN", "USA", T0, topic="dprk-missile-threat"))
    assert book.explain(held, "USA", AFTER_2023) == (book.find(held, "USA", AFTER_2023), "")
    assert book.find(held, "USA", AFTER_2023).consent_id == "late"
    assert decide(ReleaseRequest(held, "USA", AFTER_2023), catalog, book).permit


def test_candidates_keep_the_order_granted_and_per_item_leaves_out_class_consents():
    label = make_label(item_id="i1", topic="dprk-missile-threat")
    book = ConsentBook([
        Consent("wide", "JPN", "USA", T0, classifications=("極秘",)),
        Consent("item", "JPN", "USA", T0, item_id="i1"),
        Consent("topic", "JPN", "USA", T0, topic="dprk-missile-threat"),
        Consent("both", "JPN", "USA", T0, item_id="i1", topic="dprk-missile-threat"),
        Consent("other-topic", "JPN", "USA", T0, topic="dprk-nuclear-threat"),
        Consent("to-kor", "JPN", "KOR", T0, item_id="i1"),
    ])
    assert [c.consent_id for c in book.candidates(label, "USA")] == \
        ["wide", "item", "topic", "both"]
    assert [c.consent_id for c in book.candidates(label, "USA", per_item=True)] == \
        ["item", "both"]
    book.revoke("wide", "JPN", T0)  # revoked in place: same index entry, same order
    assert book.find(label, "USA", AFTER_2023).consent_id == "item"

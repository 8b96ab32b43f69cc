"""Art. 21 and the 2019–2023 history: is the Japan–Korea GSOMIA in force on date D?"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

D = dt.date


@pytest.mark.parametrize(
    ("day", "in_force"),
    [
        (D(2016, 11, 22), False),  # day before signature / entry into force
        (D(2016, 11, 23), True),
        (D(2019, 8, 23), True),  # notice given; still in force
        (D(2019, 11, 22), True),  # suspended that day
        (D(2019, 11, 23), True),  # would have ended here without the suspension
        (D(2019, 12, 1), True),
        (D(2023, 3, 21), True),
        (D(2024, 1, 14), True),
    ],
    ids=str,
)
def test_art21_history(catalog, day, in_force):
    assert catalog.agreement("jpn-kor-gsomia").in_force(day).in_force is in_force


def test_art21_notice_without_suspension_ends_at_term_end(catalog):
    gsomia = catalog.agreement("jpn-kor-gsomia")
    notice_only = replace(gsomia, events=gsomia.events[:1])
    status = notice_only.in_force(D(2019, 9, 1))
    assert status.in_force and status.ends == D(2019, 11, 23)
    assert notice_only.in_force(D(2019, 11, 22)).in_force
    assert not notice_only.in_force(D(2019, 11, 23)).in_force
    assert not notice_only.in_force(D(2019, 12, 1)).in_force


def test_art21_notice_less_than_90_days_before_rolls_to_next_term(catalog):
    gsomia = catalog.agreement("jpn-kor-gsomia")
    late = replace(gsomia, events=(replace(gsomia.events[0], date=D(2019, 9, 1)),))
    assert late.in_force(D(2019, 12, 1)).in_force  # 83 days: too late for 2019
    assert late.in_force(D(2020, 11, 22)).in_force
    assert not late.in_force(D(2020, 11, 23)).in_force


def test_art21_reason_mentions_suspension(catalog):
    reason = catalog.agreement("jpn-kor-gsomia").in_force(D(2019, 12, 1)).reason
    assert "suspended on 2019-11-22" in reason


def test_art21_release_denied_before_entry_into_force(catalog):
    from sharing_support import make_label

    from gsomia.sharing import ReleaseRequest, decide

    at = dt.datetime(2016, 11, 22, tzinfo=dt.UTC)
    decision = decide(ReleaseRequest(make_label(), "KOR", at), catalog)
    assert not decision.permit
    assert [r.rule for r in decision.failed] == ["in_force:jpn-kor-gsomia"]


def test_art21_last_day_of_calendar(catalog):
    # B1: 9999-12-31 crashed (date + 1 day); the 2019 notice was withdrawn, so in force
    status = catalog.agreement("jpn-kor-gsomia").in_force(D.max)
    assert status.in_force
    assert status.reason == "termination notice of 2019-08-23 withdrawn on 2023-03-21"


def test_art21_notice_taking_effect_after_the_calendar(catalog):
    gsomia = catalog.agreement("jpn-kor-gsomia")
    late = replace(gsomia, events=(replace(gsomia.events[0], date=D(9999, 11, 1)),))
    status = late.in_force(D.max)  # the term ends 10000-11-23: never within the calendar
    assert status.in_force and status.ends is None
    assert status.reason == "termination notice of 9999-11-01 takes effect after 9999-12-31"


def test_art21_reason_without_notice_does_not_repeat_in_force(catalog):
    status = catalog.agreement("jpn-usa-gsomia").in_force(D(2024, 1, 14))
    assert status.reason == "since 2007-08-10"


@pytest.mark.parametrize("text", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+01:00"])
def test_time_outside_calendar_in_utc_is_input_error(text):
    from gsomia.errors import InputError
    from gsomia.sharing.label import parse_time

    with pytest.raises(InputError, match=r"^at='.*': outside the calendar"):
        parse_time("at", text)

"""Art. 6: third-party release only with the originator's prior written consent; purpose;
originator-only actions (change of classification, declassification, recall, destruction)."""

from __future__ import annotations

import datetime as dt

import pytest
from sharing_support import AFTER_2023, make_label

from gsomia.errors import InputError, SharingError
from gsomia.sharing import (
    Consent,
    ConsentBook,
    ReleaseRequest,
    apply_notice,
    decide,
    issue_originator_action,
)

T0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
# KOR holds a Japanese item and wants to pass it to the US: USA is a third party.
HELD = make_label(holder="KOR", releasable_to=["KOR", "USA"])


def consent(**over) -> Consent:
    data = {"consent_id": "c1", "originator": "JPN", "to": "USA", "granted_at": T0,
            "item_id": "item-1"}
    data.update(over)
    return Consent(**data)


def test_art6_third_party_without_consent_denied_with_obligation(catalog):
    decision = decide(ReleaseRequest(HELD, "USA", AFTER_2023), catalog)
    assert not decision.permit
    assert [r.rule for r in decision.failed] == ["third_party_consent"]
    needed = [o for o in decision.obligations if o.kind == "consent_needed"]
    assert needed and needed[0].data == {"from": "JPN", "to": "USA", "item_id": "item-1"}


def test_art6_third_party_with_written_consent_permitted(catalog):
    decision = decide(ReleaseRequest(HELD, "USA", AFTER_2023), catalog, [consent()])
    assert decision.permit
    # a US receiver: the English marking is the level itself, not "SECRET (SECRET)"
    assert decision.marking.text_en == "Japan SECRET"
    mark = next(o for o in decision.obligations if o.kind == "mark")
    assert mark.detail == "mark as Japan SECRET"


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        ({"written": False}, "'c1' not written"),
        ({"to": "KOR"}, "none recorded from JPN for USA"),
        ({"item_id": "item-2"}, "'c1' out of scope: for item 'item-2', not 'item-1'"),
        ({"originator": "KOR"}, "none recorded from JPN for USA"),
        ({"granted_at": AFTER_2023 + dt.timedelta(seconds=1)},
         "'c1' not yet valid (from 2024-01-14T03:00:01+00:00)"),
        ({"expires_at": AFTER_2023}, "'c1' expired on 2024-01-14T03:00:00+00:00"),
        ({"revoked_at": AFTER_2023}, "'c1' revoked on 2024-01-14T03:00:00+00:00"),
        ({"item_id": None, "topic": "dprk-nuclear-threat"},
         "'c1' out of scope: for topic 'dprk-nuclear-threat'"),
        ({"item_id": None, "classifications": ("秘",)},
         "'c1' out of scope: for ['秘'], not '極秘'"),
    ],
    ids=["oral", "other-recipient", "other-item", "not-originator", "not-yet",
         "expired", "revoked", "other-topic", "other-class"],
)
def test_art6_consent_must_cover_item_recipient_and_time_and_says_why(catalog, bad, why):
    decision = decide(ReleaseRequest(HELD, "USA", AFTER_2023), catalog, [consent(**bad)])
    assert not decision.permit
    (failed,) = decision.failed
    assert failed.rule == "third_party_consent"
    assert f"KOR → USA: prior written consent of JPN missing: {why}" in failed.detail


def test_art6_class_consent_by_topic_covers_item(catalog):
    c = consent(item_id=None, topic="dprk-missile-threat")
    assert decide(ReleaseRequest(HELD, "USA", AFTER_2023), catalog, [c]).permit


def test_art6_only_originator_revokes(catalog):
    book = ConsentBook([consent()])
    with pytest.raises(SharingError, match="only the Originating Party JPN"):
        book.revoke("c1", by="KOR", at=T0)
    book.revoke("c1", by="JPN", at=AFTER_2023 - dt.timedelta(hours=1))
    assert not decide(ReleaseRequest(HELD, "USA", AFTER_2023), catalog, book).permit


def test_art6_return_to_originator_needs_no_consent(catalog):
    assert decide(ReleaseRequest(HELD, "JPN", AFTER_2023), catalog).permit


def test_art6_purpose_other_than_provided_is_denied(catalog):
    label = make_label(purpose="missile defence")
    ok = decide(ReleaseRequest(label, "KOR", AFTER_2023, purpose="missile defence"), catalog)
    bad = decide(ReleaseRequest(label, "KOR", AFTER_2023, purpose="export sales"), catalog)
    assert ok.permit and not bad.permit
    assert [r.rule for r in bad.failed] == ["purpose"]
    assert any(o.kind == "purpose" for o in ok.obligations)


def test_art6_only_originator_reclassifies(catalog):
    label = make_label()
    with pytest.raises(SharingError, match="only the Originating Party JPN may reclassify"):
        issue_originator_action(label, "reclassify", "KOR", T0, ["KOR"],
                                catalog.scheme("JPN"), "秘")


def test_art6_reclassification_reaches_every_holder(catalog):
    label = make_label()
    notices = issue_originator_action(label, "reclassify", "JPN", T0, ["KOR", "USA", "JPN"],
                                      catalog.scheme("JPN"), "秘")
    assert [n.holder for n in notices] == ["KOR", "USA"]
    kor_copy = make_label(holder="KOR")
    new = apply_notice(kor_copy, notices[0], catalog)
    assert new.classification == "秘"
    assert decide(ReleaseRequest(new, "JPN", AFTER_2023), catalog).marking.classification \
        == "秘"
    kind, body, at = notices[0].to_audit()
    assert kind == "originator_action" and body["source"] == "Art. 6" and at == T0


@pytest.mark.parametrize("action", ["declassify", "recall", "destroy"])
def test_art6_declassify_recall_destroy_remove_the_holding(catalog, action):
    notices = issue_originator_action(make_label(), action, "JPN", T0, ["KOR"],
                                      catalog.scheme("JPN"))
    assert apply_notice(make_label(holder="KOR"), notices[0], catalog) is None


def test_art6_reclassify_to_unknown_marking_is_input_error(catalog):
    with pytest.raises(InputError, match="new_classification|classification"):
        issue_originator_action(make_label(), "reclassify", "JPN", T0, ["KOR"],
                                catalog.scheme("JPN"), "SECRET")

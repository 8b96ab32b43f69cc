"""Art. 4: markings of each party, equivalence, and the marking applied on receipt."""

from __future__ import annotations

import pytest
from sharing_support import AFTER_2023, make_label

from gsomia.errors import InputError
from gsomia.sharing import ReleaseRequest, decide


def test_art4_1_japan_and_korea_markings_ordered(catalog):
    jpn = [m.text for m in catalog.scheme("JPN").markings]
    kor = [m.text for m in catalog.scheme("KOR").markings]
    usa = [m.text for m in catalog.scheme("USA").markings]
    assert jpn == ["特定秘密", "極秘", "秘"]
    assert kor == ["군사I급비밀", "군사II급비밀", "군사III급비밀", "대외비"]
    assert usa == ["TOP SECRET", "SECRET", "CONFIDENTIAL"]
    assert catalog.scheme("JPN").get("特定秘密").english == "Specially Designated Secret"


@pytest.mark.parametrize(
    ("originator", "marking", "to", "expected", "level"),
    [
        ("JPN", "極秘", "KOR", "군사II급비밀", "SECRET"),
        ("JPN", "特定秘密", "KOR", "군사II급비밀", "SECRET"),
        ("JPN", "秘", "KOR", "군사III급비밀", "CONFIDENTIAL"),
        ("KOR", "군사II급비밀", "JPN", "極秘", "SECRET"),
        ("KOR", "군사III급비밀", "JPN", "秘", "CONFIDENTIAL"),
    ],
    ids=["gokuhi", "tokutei", "hi", "class2", "class3"],
)
def test_art4_2_equivalence(catalog, originator, marking, to, expected, level):
    label = make_label(originator=originator, holder=originator, classification=marking)
    decision = decide(ReleaseRequest(label, to, AFTER_2023), catalog)
    assert decision.permit
    assert decision.marking.classification == expected
    assert decision.marking.level == level


def test_art4_2_received_marking_names_originator_in_receiver_script(catalog):
    decision = decide(ReleaseRequest(make_label(), "KOR", AFTER_2023), catalog)
    assert decision.marking.text == "일본 군사II급비밀"
    assert decision.marking.text_en == "Japan Military Class II Secret (SECRET)"
    back = make_label(originator="KOR", holder="KOR", classification="군사III급비밀")
    decision = decide(ReleaseRequest(back, "JPN", AFTER_2023), catalog)
    assert decision.marking.text == "大韓民国 秘"
    assert decision.obligations[0].kind == "mark"


def test_art4_korean_class_one_never_provided_to_japan(catalog):
    label = make_label(originator="KOR", holder="KOR", classification="군사I급비밀")
    decision = decide(ReleaseRequest(label, "JPN", AFTER_2023), catalog)
    assert not decision.permit
    assert decision.failed[0].rule == "classification:jpn-kor-gsomia"
    assert "excluded" in decision.failed[0].detail


def test_art4_korean_class_one_goes_to_us_as_top_secret(catalog):
    label = make_label(originator="KOR", holder="KOR", classification="군사I급비밀")
    decision = decide(ReleaseRequest(label, "USA", AFTER_2023), catalog)
    assert decision.permit
    assert decision.marking.classification == "TOP SECRET"


def test_art4_unclassified_daeoebi_is_outside_agreement(catalog):
    label = make_label(originator="KOR", holder="KOR", classification="대외비")
    assert not decide(ReleaseRequest(label, "JPN", AFTER_2023), catalog).permit


def test_art4_1_unknown_marking_is_input_error(catalog):
    with pytest.raises(InputError, match="classification='TOP SECRET'"):
        decide(ReleaseRequest(make_label(classification="TOP SECRET"), "KOR", AFTER_2023),
               catalog)


def test_stanag4774_label_shape():
    data = make_label(releasable_to=["USA", "KOR"]).to_stanag4774()
    assert data["policy_identifier"] == "gsomia:JPN"
    assert data["classification"] == "極秘"
    assert data["categories"][0] == {
        "tag": "Releasable To", "type": "PERMISSIVE", "values": ["KOR", "USA"]
    }

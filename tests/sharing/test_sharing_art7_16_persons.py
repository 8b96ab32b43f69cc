"""Art. 7 (clearance of the Receiving Party AND need-to-know) and Art. 16 (contractors)."""

from __future__ import annotations

import pytest
from sharing_support import AFTER_2023, make_label, make_person

from gsomia.errors import InputError
from gsomia.sharing import ReleaseRequest, decide


def ask(catalog, person, label=None, to="KOR"):
    return decide(ReleaseRequest(label or make_label(), to, AFTER_2023, person=person), catalog)


def test_art7_cleared_with_need_to_know_permitted(catalog):
    assert ask(catalog, make_person()).permit
    assert ask(catalog, make_person(clearance="군사I급비밀")).permit


def test_art7_clearance_below_equivalent_denied(catalog):
    decision = ask(catalog, make_person(clearance="군사III급비밀"))
    assert [r.rule for r in decision.failed] == ["personnel_clearance"]
    assert "needs 군사II급비밀" in decision.failed[0].detail


def test_art7_rank_and_clearance_alone_not_enough(catalog):
    general = make_person(clearance="군사I급비밀", need_to_know=["logistics"])
    decision = ask(catalog, general)
    assert [r.rule for r in decision.failed] == ["need_to_know"]


def test_art7_clearance_must_be_of_receiving_party(catalog):
    decision = ask(catalog, make_person(party="USA", clearance="SECRET"))
    assert "personnel_clearance" in [r.rule for r in decision.failed]


def test_art7_japanese_reader_of_korean_item(catalog):
    label = make_label(originator="KOR", holder="KOR", classification="군사III급비밀")
    assert ask(catalog, make_person(party="JPN", clearance="秘"), label, "JPN").permit
    label2 = make_label(originator="KOR", holder="KOR", classification="군사II급비밀")
    assert not ask(catalog, make_person(party="JPN", clearance="秘"), label2, "JPN").permit


def test_art7_unknown_clearance_marking_is_input_error(catalog):
    with pytest.raises(InputError, match="^person.clearance='SECRET': not a KOR marking"):
        ask(catalog, make_person(clearance="SECRET"))


def test_art16_contractor_needs_facility(catalog):
    without = ask(catalog, make_person(contractor=True))
    assert [r.rule for r in without.failed] == ["contractor_facility"]
    assert ask(catalog, make_person(contractor=True, facility_clearance=True)).permit


def test_art16_contractor_same_conditions_as_art7(catalog):
    decision = ask(catalog, make_person(contractor=True, facility_clearance=True,
                                        need_to_know=[]))
    assert [r.rule for r in decision.failed] == ["need_to_know"]


def test_person_unknown_key_is_input_error():
    # a misspelt facility_clearence must not silently become "no facility clearance"
    with pytest.raises(InputError, match=r"^person\.facility_clearence=True: unknown key"):
        make_person(contractor=True, facility_clearence=True)


def test_label_unknown_key_is_input_error():
    with pytest.raises(InputError, match=r"^label\.releaseable_to=\['KOR'\]: unknown key"):
        make_label(releaseable_to=["KOR"])


def test_person_party_lowercase_upper_cased_and_unknown_party_is_input_error(catalog):
    assert make_person(party="kor").party == "KOR"
    with pytest.raises(InputError, match=r"^person\.party='CHN': unknown party"):
        ask(catalog, make_person(party="CHN"))

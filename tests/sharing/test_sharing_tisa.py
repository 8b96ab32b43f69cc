"""TISA paras 1, 3, 4 and the 2023 automated missile-warning mechanism (agreements.md §3, §4)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sharing_support import AFTER_2023, make_label

from gsomia.errors import InputError
from gsomia.sharing import Consent, ReleaseRequest, Route, decide

KOR_ITEM = make_label(originator="KOR", holder="KOR", classification="군사II급비밀",
                      item_id="kor-1", elements=["trajectory", "impact_point"])
APPROVAL = Consent("ok", "KOR", "JPN", dt.datetime(2024, 1, 1, tzinfo=dt.UTC), item_id="kor-1")


def rules(decision):
    return [r.rule for r in decision.failed]


def test_tisa_para4_hub_passes_on_with_originator_approval(catalog):
    decision = decide(ReleaseRequest(KOR_ITEM, "JPN", AFTER_2023, route="tisa"), catalog,
                      [APPROVAL])
    assert decision.permit
    assert set(decision.agreements) >= {"tisa", "kor-usa-military-secrets", "jpn-usa-gsomia"}
    assert decision.marking.text == "大韓民国 極秘"


def test_tisa_para4_no_approval_no_pass_on(catalog):
    decision = decide(ReleaseRequest(KOR_ITEM, "JPN", AFTER_2023, route="tisa"), catalog)
    assert rules(decision) == ["third_party_consent"]
    assert decision.failed[0].source.startswith("TISA para 4: DoD passes it")
    assert "USA → JPN" in decision.failed[0].detail


@pytest.mark.parametrize("scope", [{"topic": "dprk-missile-threat"},
                                   {"classifications": ("군사II급비밀",)}],
                         ids=["topic", "class"])
def test_tisa_para4_hub_needs_approval_naming_the_item(catalog, scope):
    # para 4: "DoD passes it [the information provided] to the other only with the
    # originator's approval" -> tisa.toml originator_approval = "per-item"
    wide = Consent("wide", "KOR", "JPN", dt.datetime(2024, 1, 1, tzinfo=dt.UTC), **scope)
    decision = decide(ReleaseRequest(KOR_ITEM, "JPN", AFTER_2023, route="tisa"), catalog,
                      [wide])
    assert rules(decision) == ["third_party_consent"]
    assert "approval of the item of KOR missing: 'wide' names no item" in \
        decision.failed[0].detail
    assert catalog.agreement("tisa").originator_approval == "per-item"
    # the same class-wide consent still serves a direct third-party release (Art. 6)
    held = make_label(originator="KOR", holder="USA", classification="군사II급비밀",
                      item_id="kor-1")
    assert not decide(ReleaseRequest(held, "JPN", AFTER_2023), catalog, [wide]).failed


@pytest.mark.parametrize("route", ["tisa", "auto-hub", "TISA_HUB", " auto_hub "])
def test_every_route_spelling_is_parsed_once(catalog, route):
    request = ReleaseRequest(KOR_ITEM, "JPN", AFTER_2023, route=route)
    assert request.route is {"tisa": Route.TISA_HUB, "auto-hub": Route.AUTO_HUB,
                             "TISA_HUB": Route.TISA_HUB, " auto_hub ": Route.AUTO_HUB}[route]
    assert decide(request, catalog, [APPROVAL]).permit


def test_tisa_para4_hub_must_be_releasable(catalog):
    label = make_label(originator="KOR", holder="KOR", classification="군사II급비밀",
                       item_id="kor-1", releasable_to=["JPN"])
    decision = decide(ReleaseRequest(label, "JPN", AFTER_2023, route="tisa"), catalog,
                      [APPROVAL])
    assert rules(decision) == ["releasable_to"]


def test_tisa_para1_scope_only_dprk_nuclear_and_missile(catalog):
    label = make_label(originator="KOR", holder="KOR", classification="군사II급비밀",
                       item_id="kor-1", topic="chinese-navy")
    decision = decide(ReleaseRequest(label, "JPN", AFTER_2023, route="tisa"), catalog,
                      [APPROVAL])
    assert rules(decision) == ["scope:tisa"]
    nuclear = make_label(originator="KOR", holder="KOR", classification="군사II급비밀",
                         item_id="kor-1", topic="dprk-nuclear-threat")
    assert decide(ReleaseRequest(nuclear, "JPN", AFTER_2023, route="tisa"), catalog,
                  [APPROVAL]).permit


def test_tisa_para3_no_own_scheme_class_one_has_no_japanese_equivalent(catalog):
    label = make_label(originator="KOR", holder="KOR", classification="군사I급비밀",
                       item_id="kor-1")
    decision = decide(ReleaseRequest(label, "JPN", AFTER_2023, route="tisa"), catalog,
                      [APPROVAL])
    # no Japanese equivalent of TOP SECRET under jpn-usa (para 3), and Class I is
    # outside the Japan–Korea agreement whatever the route (agreements.md §1 note)
    assert rules(decision) == ["classification:jpn-usa-gsomia",
                               "originator_ceiling:jpn-kor-gsomia"]
    assert "never provided" in decision.failed[1].source


def test_tisa_before_effective_date_denied(catalog):
    at = dt.datetime(2014, 12, 28, tzinfo=dt.UTC)
    early = Consent("e", "KOR", "JPN", dt.datetime(2014, 1, 1, tzinfo=dt.UTC), item_id="kor-1")
    decision = decide(ReleaseRequest(KOR_ITEM, "JPN", at, route="tisa"), catalog, [early])
    assert rules(decision) == ["in_force:tisa"]


def test_auto_hub_three_elements_with_standing_approval(catalog):
    decision = decide(ReleaseRequest(KOR_ITEM, "JPN", AFTER_2023, route="auto-hub"), catalog)
    assert decision.permit
    assert "trilateral-missile-warning" in decision.agreements


def test_auto_hub_never_sensor_locations(catalog):
    label = make_label(originator="KOR", holder="KOR", classification="군사II급비밀",
                       elements=["trajectory", "sensor_location"])
    decision = decide(ReleaseRequest(label, "JPN", AFTER_2023, route="auto-hub"), catalog)
    assert rules(decision) == ["elements:trilateral-missile-warning"]


def test_auto_hub_not_before_19_dec_2023(catalog):
    at = dt.datetime(2023, 12, 18, tzinfo=dt.UTC)
    decision = decide(ReleaseRequest(KOR_ITEM, "JPN", at, route="auto-hub"), catalog)
    assert rules(decision) == ["in_force:trilateral-missile-warning"]


def test_auto_hub_nuclear_topic_outside_missile_warning(catalog):
    label = make_label(originator="KOR", holder="KOR", classification="군사II급비밀",
                       topic="dprk-nuclear-threat", elements=["trajectory"])
    decision = decide(ReleaseRequest(label, "JPN", AFTER_2023, route="auto-hub"), catalog)
    assert rules(decision) == ["scope:trilateral-missile-warning"]


@pytest.mark.parametrize("bad", ["", "hub", "tisa hub", None, 3])
def test_a_route_that_is_no_route_is_refused_naming_the_field(bad):
    with pytest.raises(InputError) as e:
        Route.parse(bad, "routes.KOR")
    assert e.value.field == "routes.KOR" and "expected direct" in str(e.value)


SPELLINGS = {"direct": Route.DIRECT, "tisa_hub": Route.TISA_HUB, "tisa": Route.TISA_HUB,
             "tisa-hub": Route.TISA_HUB, "auto_hub": Route.AUTO_HUB,
             "auto-hub": Route.AUTO_HUB, "autohub": Route.AUTO_HUB}


def _recased(text: str, upper: list[bool]) -> str:
    padded = upper + [False] * len(text)
    return "".join(c.upper() if u else c for c, u in zip(text, padded, strict=False))


@given(st.one_of(st.text(max_size=12),
                 st.builds(_recased, st.sampled_from(sorted(SPELLINGS)),
                           st.lists(st.booleans(), max_size=8))))
def test_route_parse_takes_exactly_the_listed_spellings_in_any_case(text):
    expected = SPELLINGS.get(text.strip().lower())
    if expected is None:
        with pytest.raises(InputError):
            Route.parse(text)
    else:
        assert Route.parse(text) is expected and Route.parse(expected) is expected


@given(st.sampled_from(["direct", "tisa", "TISA_HUB", " Auto-Hub "]),
       st.sampled_from(["", " ", "\t"]))
def test_route_parse_ignores_case_and_surrounding_blanks(spelling, pad):
    assert Route.parse(pad + spelling + pad) is Route.parse(spelling.strip().lower())

"""``first_fault`` (and so ``parse``) never fails other than with an InputError, whatever the
data holds: lone surrogates in values, keys or nested tables included (pydantic cannot
render an error whose context holds such a string)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gsomia.errors import InputError
from gsomia.schemas import (
    ItemCreateRequest,
    MissileWarningDoc,
    NodeConfigFile,
    RadarPlotsDoc,
    ScenarioFile,
    parse,
)
from gsomia.sharing.label import Label

MODELS = [MissileWarningDoc, RadarPlotsDoc, NodeConfigFile, ScenarioFile, ItemCreateRequest]
#: Any code point, lone surrogates included.
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=8)
KEYS = st.one_of(ANY_TEXT, st.sampled_from(["track_id", "epoch", "t_s", "party", "plots",
                                            "launch_point", "stream", "seed", "payload"]))
VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), ANY_TEXT),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(KEYS, inner, max_size=3)),
    max_leaves=12)


@pytest.mark.parametrize(("data", "field", "value"), [
    ({"a": "\ud800"}, "warning.a", "\ud800"),
    ({"\udfff": 1}, "warning.\udfff", 1),
    ({"track_id": "x\udcff"}, "warning.track_id", "x\udcff"),
])
def test_a_lone_surrogate_is_named_not_a_crash(data, field, value):
    with pytest.raises(InputError) as info:
        parse(MissileWarningDoc, data, prefix="warning")
    assert (info.value.field, info.value.value) == (field, value)
    str(info.value).encode("utf-8", "backslashreplace")  # printable


@settings(max_examples=300, deadline=None)
@given(model=st.sampled_from(MODELS), data=st.dictionaries(KEYS, VALUES, max_size=4))
def test_parse_fails_only_with_an_input_error_for_all_data(model, data):
    try:
        parse(model, data, prefix="x")
    except InputError as exc:
        assert exc.field.startswith("x") and exc.reason


@pytest.mark.parametrize("created", ["2017-13-45", "yesterday", "2017-03-06T25:00:00Z"])
def test_a_union_member_is_not_named_as_a_key(created):
    # pydantic appends the union member that failed ("datetime", "date") to the location
    data = {"originator": "JPN", "classification": "秘", "releasable_to": ["KOR"],
            "topic": "dprk-missile-threat", "holder": "JPN", "created": created}
    with pytest.raises(InputError) as info:
        Label.from_dict(data)
    assert info.value.field == "label.created"
    assert info.value.value == created

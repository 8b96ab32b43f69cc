"""TAXII 2.1 request parameters (gsomia.web.taxii_query): media types, cursors, filters."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gsomia.web.taxii_query import (
    MAX_PAGE,
    Cursors,
    Query,
    TaxiiError,
    accepts_taxii,
    check_position,
)

_SHAPE = (float, str)


@pytest.mark.parametrize(("header", "ok"), [
    ("application/taxii+json;version=2.1", True),
    ("application/taxii+json; version=\"2.1\"", True),
    ("application/json, application/taxii+json", True),
    ("application/taxii+json;version=2.0", False),
    ("application/json", False),
    ("*/*", False),
    (None, False),
], ids=["exact", "quoted", "list", "2.0", "json", "any", "none"])
def test_the_taxii_media_type_is_recognised(header, ok):
    assert accepts_taxii(header) is ok


@pytest.mark.parametrize(("header", "ok"), [
    ("application/taxii+json;version=2.1;q=0", False),
    ("application/taxii+json;version=2.1;q=0.000", False),
    ("application/taxii+json;version=2.1;q=0.5", True),
    ("application/taxii+json;q=2", False),
    ("application/taxii+json;version=2.1;q=0, application/taxii+json;q=0.1", True),
], ids=["q0", "q0.000", "q0.5", "q-bad", "second"])
def test_a_zero_weight_is_not_acceptable(header, ok):
    assert accepts_taxii(header) is ok


_POSITIONS = st.tuples(st.floats(min_value=-1e14, max_value=1e14, allow_nan=False),
                       st.text(st.characters(blacklist_categories=("Cs",),
                                             blacklist_characters="\x00"), max_size=40))


@given(_POSITIONS, st.text(max_size=30))
def test_a_cursor_reads_back_only_under_its_binding(position, binding):
    cursors = Cursors()
    sealed = cursors.seal(list(position), binding)
    assert cursors.open(sealed, binding, _SHAPE) == list(position)
    for other in (binding + "x", "", "[]"):
        if other != binding:
            with pytest.raises(TaxiiError) as err:
                cursors.open(sealed, other, _SHAPE)
            assert err.value.status == 400
    with pytest.raises(TaxiiError):  # another server's (another key)
        Cursors().open(sealed, binding, _SHAPE)


@given(st.text(max_size=200))
def test_any_string_as_a_cursor_is_a_400_naming_next(value):
    with pytest.raises(TaxiiError) as err:
        Cursors().open(value, "b", _SHAPE)
    assert err.value.status == 400 and err.value.description.startswith("next=")


@given(st.recursive(st.none() | st.booleans() | st.floats() | st.integers() | st.text(),
                    lambda c: st.lists(c, max_size=3), max_leaves=6))
def test_a_position_is_checked_whole(position):
    try:
        out = check_position(position, _SHAPE)
    except ValueError:
        return
    at, text = out
    assert isinstance(at, int | float) and abs(at) < 1e15 and "\x00" not in text
    text.encode("utf-8")


@pytest.mark.parametrize("position", [[float("nan"), "x"], [float("inf"), "x"],
                                      [1e300, "x"], ["a", "b"], [1.0, "x\x00"],
                                      [1.0, "\ud800"], [True, "x"], [1.0]],
                         ids=["nan", "inf", "huge", "strings", "nul", "surrogate", "bool",
                              "short"])
def test_a_sealed_but_malformed_position_is_a_400(position):
    cursors = Cursors()
    raw = cursors.seal(position, "b")  # JSON text as the server would write it
    with pytest.raises(TaxiiError) as err:
        cursors.open(raw, "b", _SHAPE)
    assert err.value.status == 400


def test_parameters_read_and_bad_ones_are_named():
    q = Query.parse({"added_after": "2026-01-01T00:00:00.5Z", "limit": "5000",
                     "match[type]": "incident,report", "match[id]": "incident--a"})
    assert q.added_after == dt.datetime(2026, 1, 1, 0, 0, 0, 500000, tzinfo=dt.UTC)
    assert q.limit == MAX_PAGE and q.types == ["incident", "report"]
    assert q.versions == ["last"]
    for params, name in (({"limit": "0"}, "limit"), ({"limit": "x"}, "limit"),
                         ({"added_after": "yesterday"}, "added_after"),
                         ({"added_after": "2026-01-01T00:00:00"}, "added_after"),
                         ({"match[version]": "newest"}, "match[version]"),
                         ({"limit": "²"}, "limit"), ({"limit": "9" * 5000}, "limit"),
                         ({"added_after": "2026-12-05T01:38:40\x00Z"}, "'added_after'"),
                         ({"added_after": "2026-12-05 01:38:40Z"}, "added_after"),
                         ({"match[foo]": "x"}, "'match[foo]'"),
                         ({"match[id]": "a\ud800"}, "'match[id]'")):
        with pytest.raises(TaxiiError) as err:
            Query.parse(params)
        assert err.value.status == 400 and err.value.description.startswith(name + "=")


def test_filters_match_type_id_version_and_spec_version():
    obj = {"id": "incident--a", "type": "incident", "spec_version": "2.1",
           "modified": "2026-01-01T00:00:00.000000Z"}
    assert Query.parse({}).matches(obj)
    assert not Query.parse({"match[type]": "report"}).matches(obj)
    assert not Query.parse({"match[id]": "incident--b"}).matches(obj)
    assert not Query.parse({"match[spec_version]": "2.0"}).matches(obj)
    assert Query.parse({"match[version]": "2026-01-01T00:00:00Z"}).matches(obj)
    assert not Query.parse({"match[version]": "2026-01-02T00:00:00Z"}).matches(obj)

"""TAXII 2.1 request parameters (gsomia.web.taxii_query): media types, cursors, filters."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gsomia.web.taxii_query import (
    MAX_PAGE,
    Query,
    TaxiiError,
    accepts_taxii,
    decode_cursor,
    encode_cursor,
)


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


@given(st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=40))
def test_a_cursor_reads_back(at_s, envelope_id):
    assert decode_cursor(encode_cursor([at_s, envelope_id])) == [at_s, envelope_id]


@pytest.mark.parametrize("value", ["", "not base64!", encode_cursor([1]), "e30"],
                         ids=["empty", "garbage", "one", "object"])
def test_a_foreign_cursor_is_a_400_naming_next(value):
    with pytest.raises(TaxiiError) as err:
        decode_cursor(value)
    assert err.value.status == 400 and "next=" in err.value.description


def test_parameters_read_and_bad_ones_are_named():
    q = Query.parse({"added_after": "2026-01-01T00:00:00.5Z", "limit": "5000",
                     "match[type]": "incident,report", "match[id]": "incident--a"})
    assert q.added_after == dt.datetime(2026, 1, 1, 0, 0, 0, 500000, tzinfo=dt.UTC)
    assert q.limit == MAX_PAGE and q.types == ["incident", "report"]
    assert q.versions == ["last"]
    for params, name in (({"limit": "0"}, "limit"), ({"limit": "x"}, "limit"),
                         ({"added_after": "yesterday"}, "added_after"),
                         ({"added_after": "2026-01-01T00:00:00"}, "added_after"),
                         ({"match[version]": "newest"}, "match[version]")):
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

"""The limits of untrusted JSON (gsomia.schemas.json_text) and of a warning's epoch hold
for every input: each is read, or refused with an InputError naming the field."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gsomia.errors import InputError
from gsomia.schemas import MissileWarningDoc, parse
from gsomia.schemas.json_text import MAX_DEPTH, MAX_JSON_INT, read_json
from gsomia.schemas.payloads import EPOCH_MAX, EPOCH_MIN

SURROGATES = st.integers(0xD800, 0xDFFF)


@settings(max_examples=150)
@given(st.integers(1, 3000), st.booleans())
def test_nesting_up_to_the_limit_is_read_and_deeper_is_refused(depth, objects):
    text = ('{"a":' * depth + "1" + "}" * depth) if objects else "[" * depth + "]" * depth
    if depth <= MAX_DEPTH:
        value = read_json(text)
        for _ in range(depth - 1 if not objects else depth):
            value = value["a"] if objects else value[0]
        assert value == (1 if objects else [])
    else:
        with pytest.raises(InputError, match=f"nested more than {MAX_DEPTH}") as err:
            read_json(text)
        assert err.value.field == "body"


@given(st.integers(-(10**420), 10**420) | st.integers(-(2**60), 2**60))
def test_an_integer_is_read_within_2_53_and_refused_outside_naming_the_field(n):
    text = f'{{"t_s": [0, {n}]}}'
    if abs(n) <= MAX_JSON_INT:
        assert read_json(text) == {"t_s": [0, n]}
    else:
        with pytest.raises(InputError, match="RFC 7493 section 2.2") as err:
            read_json(text)
        assert err.value.field == "body.t_s[1]"


@given(st.integers(-400, 400), st.integers(1, 9))
def test_a_number_is_read_when_a_double_holds_it_and_refused_otherwise(exponent, digit):
    text = f'{{"x": {digit}e{exponent}}}'
    expected = float(f"{digit}e{exponent}")
    if expected != float("inf"):
        assert read_json(text) == {"x": expected}
    else:
        with pytest.raises(InputError, match="range of a double") as err:
            read_json(text)
        assert err.value.field == "body.x"


@given(st.text(max_size=20), SURROGATES, st.integers(0, 20), st.booleans())
def test_a_lone_surrogate_in_a_value_or_a_name_is_refused_naming_it(text, code, at, as_name):
    at = min(at, len(text))
    escaped = json.dumps(text)[1:-1]
    cut = len(json.dumps(text[:at])) - 2
    poisoned = f'"{escaped[:cut]}\\u{code:04x}{escaped[cut:]}"'
    body = f'{{{poisoned}: 1}}' if as_name else f'{{"track_id": {poisoned}}}'
    with pytest.raises(InputError, match=f"lone surrogate U\\+{code:04X}") as err:
        read_json(body.encode())
    assert err.value.field == ("body (a member name)" if as_name else "body.track_id")


@given(st.text(max_size=20), st.integers(0, 20), st.booleans())
def test_nul_in_a_value_or_a_name_is_refused_naming_it(text, at, as_name):
    at = min(at, len(text.replace("\x00", "")))
    clean = text.replace("\x00", "")
    poisoned = json.dumps(clean[:at] + "\x00" + clean[at:])
    body = f'{{{poisoned}: 1}}' if as_name else f'{{"track_id": {poisoned}}}'
    with pytest.raises(InputError, match=f"U\\+0000 \\(NUL\\) at character {at}") as err:
        read_json(body.encode())
    assert err.value.field == ("body (a member name)" if as_name else "body.track_id")


@given(st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00")))
def test_text_without_surrogates_reads_back_unchanged(text):
    assert read_json(json.dumps({"k": text, text: [text]}, ensure_ascii=False).encode()) \
        == {"k": text, text: [text]}


@given(st.binary(min_size=1, max_size=40))
def test_bytes_that_are_not_utf8_are_refused(raw):
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        with pytest.raises(InputError, match="not UTF-8"):
            read_json(b'{"a": "' + raw + b'"}')


def test_nan_infinity_and_repeated_names_are_refused():
    for text in ('{"a": NaN}', '{"a": -Infinity}', '{"a": 1, "a": 2}', "{", ""):
        with pytest.raises(InputError, match="not JSON"):
            read_json(text)


WARNING = {"track_id": "T1", "t_s": 10.0,
           "impact_point": {"lat_deg": 40.5, "lon_deg": 136.0, "impact_s": 600.0,
                            "impact_sigma_s": 5.0, "cov_en_m2": [[1e8, 0.0], [0.0, 1e8]],
                            "valid": True}}


@settings(max_examples=300)
@given(st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31)),
       st.integers(-23 * 60 - 59, 23 * 60 + 59))
def test_an_epoch_is_taken_from_1970_to_before_9990_utc_and_refused_otherwise(when, minutes):
    epoch = when.replace(tzinfo=dt.timezone(dt.timedelta(minutes=minutes)))
    try:
        utc = epoch.astimezone(dt.UTC)
    except OverflowError:
        utc = None
    body = {**WARNING, "epoch": epoch.isoformat()}
    if utc is not None and EPOCH_MIN <= utc < EPOCH_MAX:
        assert parse(MissileWarningDoc, body).epoch == epoch
    else:
        with pytest.raises(InputError, match="expected an epoch from 1970") as err:
            parse(MissileWarningDoc, body, prefix="warning")
        assert err.value.field == "warning.epoch"


def test_an_impact_point_without_valid_is_refused_never_taken_as_true():
    impact = {k: v for k, v in WARNING["impact_point"].items() if k != "valid"}
    with pytest.raises(InputError, match="required key is missing") as err:
        parse(MissileWarningDoc, {**WARNING, "epoch": "2024-01-14T00:00:00Z",
                                  "impact_point": impact}, prefix="warning")
    assert err.value.field == "warning.impact_point.valid"

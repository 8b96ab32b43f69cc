"""The one conversion of validation faults: file, key path, value as written, expected."""

from __future__ import annotations

import datetime as dt

import pytest

from gsomia.errors import AgreementError, InputError
from gsomia.schemas import (
    ApprovalRequest,
    LabelDoc,
    MissileWarningDoc,
    NodeConfigFile,
    ScenarioFile,
    parse,
)

LAUNCH = {"id": "L1", "lat_deg": 39.66, "lon_deg": 124.71, "bearing_deg": 80.0,
          "range_km": 1000.0, "apogee_km": 260.0}
SCENARIO = {"epoch": dt.datetime(2017, 3, 5, 22, 34, tzinfo=dt.UTC), "seed": 1,
            "parties": ["JPN", "KOR"], "launches": [LAUNCH]}


def refused(model, data, **where) -> InputError:
    with pytest.raises(InputError) as info:
        parse(model, data, **where)
    return info.value


def test_a_bound_names_file_key_path_value_and_the_domain():
    data = {**SCENARIO, "launches": [LAUNCH, {**LAUNCH, "id": "L2", "bearing_deg": 400}]}
    err = refused(ScenarioFile, data, file="s.toml")
    assert str(err) == ("s.toml: launches[1].bearing_deg=400: must be between 0 and 360 "
                        "(360 excluded)")
    assert (err.field, err.value) == ("s.toml: launches[1].bearing_deg", 400)


def test_an_unknown_key_is_reported_first_with_the_keys_expected():
    data = {**SCENARIO, "seed": -1, "launches": [{**LAUNCH, "bearng_deg": 80.0}]}
    err = refused(ScenarioFile, data, file="s.toml")
    assert err.field == "s.toml: launches[0].bearng_deg" and err.value == 80.0
    assert "unknown key (expected one of id, site, lat_deg" in err.reason


def test_booleans_and_numeric_text_are_not_numbers():
    err = refused(ScenarioFile, {**SCENARIO, "seed": True}, file="s.toml")
    assert (err.field, err.reason) == ("s.toml: seed", "expected an integer")
    err = refused(ScenarioFile, {**SCENARIO, "launches": [{**LAUNCH, "range_km": "1000"}]},
                  file="s.toml")
    assert (err.field, err.value, err.reason) == ("s.toml: launches[0].range_km", "1000",
                                                  "expected a number")


def test_dates_in_messages_are_iso_text_and_a_missing_key_is_named():
    err = refused(ScenarioFile, {**SCENARIO, "epoch": dt.date(2017, 3, 5)}, file="s.toml")
    assert err.value == "2017-03-05" and "offset date-time" in err.reason
    data = dict(SCENARIO)
    del data["seed"]
    err = refused(ScenarioFile, data, file="s.toml")
    assert (err.field, err.value, err.reason) == ("s.toml: seed", None,
                                                  "required key is missing")


def test_a_cross_field_rule_names_the_key_below_the_model():
    data = {**SCENARIO, "launches": [{**LAUNCH, "t_s": 14000.0,
                                      "salvo": {"count": 3, "spacing_s": 300.0}}]}
    err = refused(ScenarioFile, data, file="s.toml")
    assert (err.field, err.value) == ("s.toml: launches[0].salvo.spacing_s", 300.0)
    assert "last launch would be at 14600 s" in err.reason


def test_agreement_files_raise_agreement_errors():
    with pytest.raises(AgreementError) as info:
        parse(NodeConfigFile, {"party": "kor"}, file="a.toml", agreement=True)
    assert (info.value.file, info.value.field, info.value.value) == ("a.toml", "party", "kor")


def test_json_inputs_are_named_by_a_prefix():
    err = refused(MissileWarningDoc, {"track_id": "T", "epoch": "2017-03-05T22:34:00Z",
                                      "t_s": 1e12}, prefix="warning")
    assert err.field == "warning.t_s" and "must be between" in err.reason
    err = refused(LabelDoc, {"originator": "KOR"}, prefix="label")
    assert err.field == "label.classification"
    assert refused(ApprovalRequest, {"item_id": "x", "to": "JPN", "via": "tisa"}).field == "via"


def test_a_path_in_the_file_is_put_before_the_key():
    err = refused(NodeConfigFile, {"party": "KOR", "listen": "x", "store": "s", "keys": "k"},
                  file="n.toml", where="nodes[3]")
    assert (err.field, err.reason) == ("n.toml: nodes[3].listen", "expected host:port")


def test_an_integer_no_float_can_hold_is_not_a_finite_number():
    data = {**SCENARIO, "launches": [{**LAUNCH, "range_km": int("1" * 400)}]}
    err = refused(ScenarioFile, data, file="s.toml")
    assert err.field == "s.toml: launches[0].range_km" and "expected a finite number" in str(err)

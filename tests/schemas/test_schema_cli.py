"""``gsomia schema NAME``: the published JSON Schemas validate the packaged files (with a
real JSON Schema validator) and refuse a misspelt key."""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from gsomia.cli import app
from gsomia.schemas import SCHEMAS
from gsomia.sharing import Route
from gsomia.sharing.catalog import package_data_dirs
from gsomia.sim.scenario import packaged_scenario_names, resolve_scenario_path

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]


def schema_of(name: str) -> dict:
    result = runner.invoke(app, ["schema", name])
    assert result.exit_code == 0, result.output
    schema = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


def as_json(path: Path) -> dict:
    """A TOML file as the JSON it maps to (dates and times as ISO 8601 text)."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return json.loads(json.dumps(data, default=lambda v: v.isoformat()))


def errors(schema: dict, data: dict) -> list[str]:
    validator = jsonschema.Draft202012Validator(schema)
    return [e.message for e in validator.iter_errors(data)]


def test_every_packaged_scenario_validates():
    schema = schema_of("scenario")
    names = packaged_scenario_names()
    assert "2017-03-06" in names and len(names) >= 7
    for name in names:
        assert errors(schema, as_json(resolve_scenario_path(name))) == [], name


def test_a_misspelt_scenario_key_is_refused():
    schema = schema_of("scenario")
    data = as_json(resolve_scenario_path("2017-03-06"))
    data["launches"][0]["bearng_deg"] = data["launches"][0].pop("bearing_deg")
    found = errors(schema, data)
    assert any("bearng_deg" in m for m in found), found
    data = as_json(resolve_scenario_path("2017-03-06"))
    data["sed"] = 1
    assert any("'sed'" in m for m in errors(schema, data))


def test_a_scenario_range_outside_the_flight_model_is_refused():
    schema = schema_of("scenario")
    data = as_json(resolve_scenario_path("2017-03-06"))
    data["launches"][0]["range_km"] = 20000.0
    assert any("15000" in m for m in errors(schema, data))


def test_packaged_agreements_and_marking_schemes_validate():
    markings, agreements = package_data_dirs()
    for name, folder in (("marking-scheme", markings), ("agreement", agreements)):
        schema = schema_of(name)
        files = sorted(folder.glob("*.toml"))
        assert files
        for path in files:
            assert errors(schema, as_json(path)) == [], path


def test_example_node_configs_validate():
    schema = schema_of("node-config")
    found = sorted((ROOT / "examples" / "live").glob("*.toml"))
    files = [p for p in found if not p.name.endswith("-personnel.toml")]
    assert [p.name for p in files] == ["jpn.toml", "kor.toml"]
    for path in files:
        assert errors(schema, as_json(path)) == [], path
    # the personnel files they name validate as personnel files
    personnel = [p for p in found if p not in files]
    assert [p.name for p in personnel] == ["jpn-personnel.toml", "kor-personnel.toml"]
    for path in personnel:
        assert errors(schema_of("personnel"), as_json(path)) == [], path
    bad = as_json(personnel[0])
    bad["persons"]["clerk"]["need_to_kno"] = bad["persons"]["clerk"].pop("need_to_know")
    assert any("need_to_kno" in m for m in errors(schema_of("personnel"), bad))
    data = as_json(files[0])
    data["lisen"] = data.pop("listen")
    assert any("lisen" in m for m in errors(schema, data))


def test_a_warning_payload_validates_and_a_stray_key_does_not():
    from gsomia.node import MissileWarning

    warning = MissileWarning(
        track_id="K1", epoch=dt.datetime(2017, 3, 5, 22, 34, tzinfo=dt.UTC), t_s=60.0,
        impact_point={"lat_deg": 40.0, "lon_deg": 135.0, "impact_s": 600.0,
                      "impact_sigma_s": 5.0, "cov_en_m2": [[4e6, 0.0], [0.0, 4e6]],
                      "valid": True})
    schema = schema_of("missile-warning")
    payload = json.loads(json.dumps(warning.to_dict()))
    assert errors(schema, payload) == []
    payload["impact_point"]["lat"] = 1.0
    assert errors(schema, payload)


def test_list_names_every_schema_and_a_bad_name_exits_2():
    result = runner.invoke(app, ["schema", "--list"])
    assert result.exit_code == 0
    assert [line.split()[0] for line in result.stdout.splitlines()] == sorted(SCHEMAS)
    assert {"scenario", "node-config", "agreement", "marking-scheme", "label",
            "missile-warning", "radar-plots", "approval"} <= set(SCHEMAS)
    # the unit in brackets is printed, not taken for a style tag
    assert "(1-σ per horizontal axis [m])" in " ".join(result.stdout.split())
    helped = " ".join(runner.invoke(app, ["schema", "--help"]).stdout.split())
    assert "area-warning" in helped and "submarine-contact" in helped
    result = runner.invoke(app, ["schema", "scenaro"])
    assert result.exit_code == 2
    assert "scenaro" in result.output and "unknown schema" in result.output


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_every_schema_is_a_closed_valid_json_schema(name):
    schema = schema_of(name)
    assert schema["additionalProperties"] is False
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize("name", ["scenario", "node-config", "approval", "agreement"])
def test_a_route_schema_takes_exactly_the_spellings_route_parse_takes(name):
    found = []

    def walk(node):
        if isinstance(node, dict):
            if "enum" in node and "tisa" in node["enum"]:
                found.append(node["enum"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema_of(name))
    assert found, name
    for spellings in found:
        assert {Route.parse(s) for s in spellings} == set(Route)
        for bogus in ("hub", "tisa hub", "none"):
            assert bogus not in spellings

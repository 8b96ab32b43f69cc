"""The node's /openapi.json describes every body: a missile warning, an item, an approval."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient

from gsomia.node import Directory, Node, PartyKeys, SimClock
from gsomia.sharing import load_catalog
from gsomia.web.app import create_app


def _spec(tmp_path) -> dict:
    keys = {p: PartyKeys.generate(p) for p in ("JPN", "KOR")}
    directory = Directory(k.public() for k in keys.values())
    node = Node("KOR", keys["KOR"], directory, load_catalog(), tmp_path / "kor.sqlite",
                SimClock(dt.datetime(2024, 1, 14, tzinfo=dt.UTC)), routes={"JPN": "direct"})
    try:
        with TestClient(create_app(node)) as client:
            response = client.get("/openapi.json")
        assert response.status_code == 200
        return response.json()
    finally:
        node.close()


def _body_schema(spec: dict, path: str, method: str) -> dict:
    ref = spec["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
    return spec["components"]["schemas"][ref["$ref"].rsplit("/", 1)[1]]


def _answer_schema(spec: dict, path: str, method: str, status: str = "200") -> dict:
    schema = spec["paths"][path][method]["responses"][status]["content"][
        "application/json"]["schema"]
    if schema.get("type") == "array":
        schema = schema["items"]
    return spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]


def test_openapi_names_the_fields_of_a_warning_an_item_and_an_approval(tmp_path):
    spec = _spec(tmp_path)
    warning = _body_schema(spec, "/v1/warnings", "post")
    assert set(warning["properties"]) == {"track_id", "epoch", "t_s", "launch_point",
                                          "trajectory", "impact_point"}
    assert warning["additionalProperties"] is False
    assert set(warning["required"]) == {"track_id", "epoch", "t_s"}
    impact = spec["components"]["schemas"]["ImpactPointDoc"]
    assert impact["properties"]["lat_deg"]["maximum"] == 90
    item = _answer_schema(spec, "/v1/items", "get")
    assert {"item_id", "kind", "originator", "sender", "route", "marking", "topic",
            "elements", "payload", "sent_at", "arrived_s"} == set(item["properties"])
    approval = _body_schema(spec, "/v1/approvals", "post")
    assert set(approval["properties"]) == {"item_id", "to", "route", "holder"}
    assert approval["required"] == ["item_id", "to"]
    assert approval["properties"]["route"]["default"] == "tisa_hub"
    consent = _answer_schema(spec, "/v1/approvals", "post")
    assert {"originator", "to", "granted_at", "item_id"} <= set(consent["properties"])
    assert _answer_schema(spec, "/v1/health", "get")["properties"]["party"]["type"] == "string"
    assert "application/json" in spec["paths"]["/v1/inbox"]["post"]["requestBody"]["content"]


def test_a_body_nested_too_deeply_or_a_number_too_large_is_a_400_not_a_500(tmp_path):
    keys = {p: PartyKeys.generate(p) for p in ("JPN", "KOR")}
    directory = Directory(k.public() for k in keys.values())
    node = Node("KOR", keys["KOR"], directory, load_catalog(), tmp_path / "kor.sqlite",
                SimClock(dt.datetime(2024, 1, 14, tzinfo=dt.UTC)), routes={"JPN": "direct"})
    good = '{"track_id": "T1", "epoch": "2024-01-14T00:00:00Z", "t_s": %s}'
    bodies = {"/v1/warnings": ["[" * 100_000 + "]" * 100_000,
                               '{"a":' * 100_000 + "1" + "}" * 100_000,
                               good % ("1" * 400)],
              "/v1/approvals": ['{"item_id": ' + "[" * 100_000 + "]" * 100_000 + ', "to": "JPN"}']}
    try:
        with TestClient(create_app(node)) as client:
            for path, texts in bodies.items():
                for text in texts:
                    r = client.post(path, content=text,
                                    headers={"content-type": "application/json"})
                    assert r.status_code == 400, (path, text[:40], r.status_code)
            r = client.post("/v1/warnings", content=good % ("1" * 400),
                            headers={"content-type": "application/json"})
            assert r.json()["error"].startswith("body.t_s='<integer of 400 digits>'")
            assert r.json()["error"].endswith("(RFC 7493 section 2.2)")
    finally:
        node.close()

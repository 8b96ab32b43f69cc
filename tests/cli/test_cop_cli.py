"""``gsomia cop RUN.json``: a file it cannot replay is refused naming why, before any port
is opened (the page itself: tests/web/test_cop_browser.py)."""

from __future__ import annotations

import copy
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from gsomia.cli import app

runner = CliRunner()


def test_a_batch_summary_is_not_a_run(tmp_path):
    path = tmp_path / "batch.json"
    path.write_text(json.dumps({"schema": "gsomia.batch/1"}))
    result = runner.invoke(app, ["cop", str(path), "--port", "0"])
    assert result.exit_code != 0
    assert "schema" in result.output and "gsomia.run/1" in result.output


def test_a_run_without_its_picture_says_how_to_write_one(tmp_path):
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"schema": "gsomia.run/1", "scenario": {}, "routes": [],
                                "launches": []}))
    result = runner.invoke(app, ["cop", str(path)])
    assert result.exit_code != 0
    assert "picture" in result.output and "--json-out" in result.output


def test_a_port_out_of_range_is_refused(tmp_path):
    result = runner.invoke(app, ["cop", str(tmp_path / "r.json"), "--port", "70000"])
    assert result.exit_code != 0
    assert "--port" in result.output and "65535" in result.output


#: A small run the page can replay: one of each element of the picture.
RUN = {
    "schema": "gsomia.run/1", "timings_s": {"run": 1.0},
    "scenario": {"name": "t", "title": "a test", "epoch": "2017-03-05T22:34:00+00:00",
                 "seed": 1, "parties": ["JPN", "KOR"]},
    "routes": ["none", "direct"],
    "launches": [{"id": "L1", "launch_s": 0.0, "impact_s": 480.0, "impact_lat_deg": 40.1,
                  "impact_lon_deg": 134.2,
                  "impact_area": {"party": "JPN", "zone": "eez"},
                  "parties": {"KOR": {"direct": {"first_detection_s": 40.0,
                                                 "first_confirmed_s": None}}},
                  "gained_s": {"KOR": {"direct": 12.0}}}],
    "picture": {
        "sensors": [{"id": "s1", "owner": "KOR", "kind": "radar", "platform": "land",
                     "lat_deg": 37.0, "lon_deg": 129.0, "max_range_km": 800.0,
                     "sector_center_deg": 45.0, "sector_half_width_deg": 60.0,
                     "description": "a radar"},
                    {"id": "s2", "owner": "JPN", "kind": "infrared", "platform": "space",
                     "lat_deg": None, "lon_deg": None, "max_range_km": None,
                     "sector_center_deg": None, "sector_half_width_deg": 180.0,
                     "description": ""}],
        "flights": [{"id": "L1", "launch_s": 0.0, "impact_s": 480.0,
                     "points": [[0.0, 39.0, 125.0, 0.0], [480.0, 40.1, 134.2, 0.0]]}],
        "tracks": {"KOR": [{"track": "KOR-1", "launches": ["L1"], "confirmed_s": 60.0,
                            "points": [[60.0, 39.2, 126.0, 80.0]]}]},
        "launch_reports": [{"t_s": 30.0, "owner": "JPN", "sensor": "s2", "launch": "L1",
                            "launch_s": 0.0, "lat_deg": 39.0, "lon_deg": 125.0,
                            "sigma_km": 5.0}],
        "pips": {"L1": {"KOR": {"direct": [[90.0, 40.0, 134.0, 50.0, 20.0, 30.0,
                                            ["KOR", "JPN"]]]}}},
        "arrivals": {"direct": [[31.0, "KOR", "JPN", "launch", ["L1"], 30.5]]},
        "ellipse_probability": 0.95}}

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner,
                                                                max_size=3),
    max_leaves=6)


def _places(doc, where=()):
    """Every key path of ``doc``."""
    yield where
    items = doc.items() if isinstance(doc, dict) else (
        enumerate(doc) if isinstance(doc, list) else ())
    for key, value in items:
        yield from _places(value, (*where, key))


PLACES = list(_places(RUN))[1:]


@st.composite
def _mutated(draw):
    doc = copy.deepcopy(RUN)
    for _ in range(draw(st.integers(1, 3))):
        *head, last = draw(st.sampled_from(PLACES))
        parent = doc
        try:
            for key in head:
                parent = parent[key]
            if draw(st.booleans()) and isinstance(parent, dict):
                parent.pop(last, None)
            else:
                parent[last] = draw(_JSON)
        except (KeyError, IndexError, TypeError):
            pass   # an earlier change removed the place
    return doc


def test_a_whole_run_passes_the_check(tmp_path):
    path = tmp_path / "r.json"
    path.write_text(json.dumps(RUN))
    result = runner.invoke(app, ["cop", str(path), "--check"])
    assert result.exit_code == 0, result.output
    assert "t, 1 launches" in result.output


def test_usage_names_the_run_file():
    result = runner.invoke(app, ["cop", "--help"], terminal_width=100)
    assert "RUN_JSON" in result.output and "{run}" not in result.output


@settings(max_examples=150, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=_mutated())
def test_a_mutated_run_is_accepted_or_refused_naming_the_member(tmp_path, doc):
    path = tmp_path / "r.json"
    path.write_text(json.dumps(doc))
    result = runner.invoke(app, ["cop", str(path), "--check"])
    assert result.exit_code in (0, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    assert "Traceback" not in result.output
    if result.exit_code == 2:
        assert f"error: {path}: " in result.output.replace("\n", "")

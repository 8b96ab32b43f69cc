"""gsomia report: the offline HTML of a batch's attribution (gsomia.sim.attribution_report)."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from gsomia.cli import app
from gsomia.errors import InputError
from gsomia.sim.attribution_report import (
    distributions,
    launch_rows,
    load_batch,
    radar_outages,
    sensitivities,
    unshared_sensors,
    versus_distributions,
)

runner = CliRunner()


def _entry(total, kor_or_jpn, usa, sensor):
    return {"first_pip_within_50km_s": {"total_s": total,
                                        "shapley": {kor_or_jpn: total - usa, "USA": usa},
                                        "leave_one_out": {kor_or_jpn: 0.0, "USA": 0.0},
                                        "sensors": {sensor: usa}}}


def _event(k: int, gains: dict[str, float], cls: str) -> dict:
    """One event of one launch: JPN gains ``gains[route]``; KOR never reaches it."""
    launches = {"L1": {
        "JPN": {r: _entry(g, "KOR", min(g, 10.0), "usa-tpy2-shariki") for r, g in
                gains.items()},
        "KOR": {r: {"first_pip_within_50km_s": {"total_s": None,
                                                "reason": "not reached on this route"}}
                for r in gains}}}
    sweep = {"values_s": [0.0, 300.0], "figure": "first_pip_within_50km_s",
             "launches": {"L1": {"JPN": {"0": {"tisa_gain_s": gains["direct"],
                                               "direct_minus_tisa_s": 0.0},
                                         "300": {"tisa_gain_s": gains["tisa_hub"],
                                                 "direct_minus_tisa_s":
                                                 gains["direct"] - gains["tisa_hub"]}}}}}
    # direct minus tisa_hub when every link takes 0 s and 30 s (a longer link delays the
    # hub's two legs, so direct's edge grows by 30 s)
    links = {"values_s": [0.0, 30.0], "figure": "first_pip_within_50km_s",
             "routes": ["tisa_hub", "direct"],
             "launches": {"L1": {"JPN": {
                 "0": {"gain_s": {}, "direct_minus_hub_s": {
                     "tisa_hub": gains["direct"] - gains["tisa_hub"]}},
                 "30": {"gain_s": {}, "direct_minus_hub_s": {
                     "tisa_hub": gains["direct"] - gains["tisa_hub"] + 30.0}}}}}}
    return {"event": f"2017-0{k}-01#1", "date": f"2017-0{k}-01", "seed": 20170001 + k,
            "scenario": "x", "launches": ["L1"], "dropped": [], "timings_s": {},
            "propulsion": {"L1": cls}, "gained_s": {"L1": {}},
            "assumptions": {"approval_delay_s": 300.0, "hub_delay_s": 1.0},
            "attribution": {"launches": launches, "sensitivity": sweep,
                            "sensitivities": {"link_delay_s": links},
                            "direct_minus_hub": {"L1": {"JPN": {
                                "tisa_hub": gains["direct"] - gains["tisa_hub"]}}}}}


@pytest.fixture
def batch(tmp_path):
    doc = {"schema": "gsomia.batch/1", "records": "cns", "since": "2017-01-01",
           "events": [_event(1, {"tisa_hub": 25.0, "direct": 35.0}, "scud"),
                      _event(2, {"tisa_hub": 30.0, "direct": 30.0}, "scud"),
                      _event(3, {"tisa_hub": 40.0, "direct": 60.0}, "irbm")]}
    path = tmp_path / "b.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_distributions_quantiles_and_counts(batch):
    rows = launch_rows(load_batch(batch))
    got = {(d["route"], d["party"]): d for d in distributions(rows)}
    assert got[("direct", "JPN")] == {"route": "direct", "party": "JPN", "launches": 3,
                                      "n": 3, "p10": 31.0, "p50": 35.0, "p90": 55.0}
    assert got[("direct", "KOR")]["n"] == 0 and got[("direct", "KOR")]["p50"] is None
    by_class = {(d["route"], d["party"], d["class"]): d for d in distributions(rows, "class")}
    assert by_class[("tisa_hub", "JPN", "scud")]["p50"] == 27.5


def test_direct_minus_hub_distributions_and_sweeps(batch):
    """Direct minus tisa_hub is 10, 0 and 20 s on the three launches."""
    doc = load_batch(batch)
    rows = launch_rows(doc)
    assert versus_distributions(rows) == [
        {"hub": "tisa_hub", "party": "JPN", "launches": 3, "direct_wins": 2, "n": 3,
         "p10": 2.0, "p50": 10.0, "p90": 18.0}]
    by_year = versus_distributions(rows, "year")
    assert [d["year"] for d in by_year] == ["2017"] and by_year[0]["n"] == 3
    sens = sensitivities(doc)["link_delay_s"]
    assert sens["values_s"] == [0.0, 30.0]
    assert [q["p50"] for q in sens["series"]["JPN direct − tisa_hub"]] == [10.0, 40.0]


def test_radar_outages_over_the_batch():
    """Two launches without Japan's FPS-5: its own PIP 20 and 40 s later; direct gains
    30 and 50 s over that, the TISA hub 30 s and nothing."""
    cells = [{"none_s": 200.0, "none_lost_s": 20.0, "gain_s": {"direct": 30.0},
              "direct_minus_hub_s": {"tisa_hub": 0.0}},
             {"none_s": 300.0, "none_lost_s": 40.0, "gain_s": {"direct": 50.0},
              "direct_minus_hub_s": {"tisa_hub": None}}]
    doc = {"events": [{"attribution": {"radar_outages": {"jpn-fps5-sado": {
        "owner": "JPN", "launches": {f"L{k}": c for k, c in enumerate(cells)}}}}},
        {"attribution": {}}]}
    assert radar_outages(doc) == [
        {"owner": "JPN", "sensor": "jpn-fps5-sado", "launches": 2, "p50_none_lost_s": 30.0,
         "p50_direct_gain_s": 40.0, "direct_wins": 0, "p50_direct_minus_hub_s": 0.0}]


def test_unshared_sensor_is_taken_from_both_routes():
    """Direct gains 35 s (KOR's Green Pine 20 s of it), the hub 25 s (the Green Pine 0 s):
    without the Green Pine shared direct beats the hub by 35 - 20 - 25 = -10 s."""
    rows = [{"event": "e", "launch": "L1", "party": "JPN", "route": r, "gain": g,
             "sensors": {"kor-greenpine-b-1": v}} for r, g, v in
            (("direct", 35.0, 20.0), ("tisa_hub", 25.0, 0.0))]
    assert unshared_sensors(rows) == [
        {"party": "JPN", "sensor": "kor-greenpine-b-1", "launches": 1,
         "direct_wins_all_shared": 1, "direct_wins_unshared": 0, "p50_all_shared": 10.0,
         "p50_unshared": -10.0}]


def test_report_offline_with_sections(batch, tmp_path):
    out = tmp_path / "rep"
    result = runner.invoke(app, ["report", str(batch), "--out", str(out)])
    assert result.exit_code == 0, result.output
    page = (out / "index.html").read_text(encoding="utf-8")
    assert not re.search(r"https?://", page)
    for section in ("id='routes'", "id='classes'", "id='years'", "id='direct-minus-hub'",
                    "id='sensitivity'", "id='sensitivities'", "id='unshared-sensors'",
                    "id='radar-outages'"):
        assert section in page
    for png in ("cdf_gain.png", "attribution_by_class.png", "direct_minus_hub.png",
                "sensitivity_tisa_delay.png", "sensitivity_link_delay_s.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f'src="{png}"' in page
    assert "Seeds: one per event, 20170002…20170004" in page
    assert "approval_delay_s = 300.0" in page
    # direct beats the TISA hub on two launches; the partner that grows is KOR
    assert "2 launch/party/hub cases" in page


@pytest.mark.parametrize(("text", "field"), [
    ("not json", "batch="),
    ('{"schema": "gsomia.run/1"}', "batch.schema='gsomia.run/1'"),
    ('{"schema": "gsomia.batch/1", "events": []}', "batch.events"),
    ('{"schema": "gsomia.batch/1", "events": [{"event": "x"}]}',
     "batch.events[0].attribution"),
])
def test_report_bad_batch(tmp_path, text, field):
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["report", str(path), "--out", str(tmp_path / "rep")])
    assert result.exit_code != 0
    assert field in result.output
    assert not (tmp_path / "rep").exists()
    with pytest.raises(InputError):
        load_batch(path)


def _spoilt(batch, where: str, value) -> dict:
    doc = json.loads(batch.read_text(encoding="utf-8"))
    *path, last = where.split(".")
    node = doc["events"][0]
    for key in path:
        node = node[key]
    if value is None:
        del node[last]
    else:
        node[last] = value
    return doc


@pytest.mark.parametrize(("where", "value", "message"), [
    ("date", None, "batch.events[0].date=None: expected a date"),
    ("seed", "x", "batch.events[0].seed='x': expected an integer"),
    ("propulsion", None, "batch.events[0].propulsion=None"),
    ("attribution.launches", [1, 2], "batch.events[0].attribution.launches=[1, 2]"),
    ("attribution.launches.L1.JPN.direct.first_pip_within_50km_s.total_s", "abc",
     "launches.L1.JPN.direct.first_pip_within_50km_s.total_s='abc': expected seconds"),
    ("attribution.launches.L1.JPN.direct", {"x": 1},
     "launches.L1.JPN.direct.first_pip_within_50km_s=None: expected an object"),
    # a sweep of another shape: named by file, no traceback, nothing written
    ("attribution.sensitivity", {"values_s": 3}, "unexpected content (KeyError: 'launches')"),
])
def test_report_batch_of_another_shape_writes_nothing(batch, tmp_path, where, value, message):
    path = tmp_path / "spoilt.json"
    path.write_text(json.dumps(_spoilt(batch, where, value)), encoding="utf-8")
    out = tmp_path / "rep"
    result = runner.invoke(app, ["report", str(path), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.json", "spoilt.json"]


def test_report_out_not_writable_and_existing_folder_kept(batch, tmp_path):
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    result = runner.invoke(app, ["report", str(batch), "--out", str(tmp_path / "afile" / "r")])
    assert result.exit_code == 2, result.output
    assert "out=" in result.output and "cannot be written" in result.output
    # an existing folder keeps its other files and gains the report, no temporary left
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep", encoding="utf-8")
    result = runner.invoke(app, ["report", str(batch), "--out", str(mine)])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in mine.iterdir())
    assert "notes.txt" in names and "index.html" in names
    assert not [n for n in names if n.startswith(".gsomia-report-")]

"""``gsomia cop RUN.json``: a file it cannot replay is refused naming why, before any port
is opened (the page itself: tests/web/test_cop_browser.py)."""

from __future__ import annotations

import json

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

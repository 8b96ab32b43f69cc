"""``gsomia bench links``: live servers on 127.0.0.1; the throughput part measures link
batches and one envelope a request in the same run."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from gsomia.cli import app

runner = CliRunner()


@pytest.mark.slow
def test_bench_links_reports_batched_and_single_modes():
    result = runner.invoke(app, ["bench", "links", "--json", "--n", "12", "--bad", "1",
                                 "--batch", "8", "--rate", "40"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert {r["lost"] for r in report["routes"].values()} == {0}
    tp = report["throughput"]
    assert tp["batch"] == 8 and tp["rate_per_s"] == 40.0
    for mode in ("batched", "single"):
        assert set(tp[mode]) == {"saturation", "backlog", "fixed_rate"}
        for phase in tp[mode].values():
            assert (phase["sent"], phase["delivered"], phase["lost"],
                    phase["duplicates"]) == (12, 12, 0, 0)
            assert phase["per_s"] > 0 and phase["p50_ms"] <= phase["p99_ms"]
    assert set(tp["ratio"]) == {"saturation", "backlog", "p99_at_rate"}
    assert all(v > 0 for v in tp["ratio"].values())


def test_bench_links_refuses_a_batch_over_the_limit():
    result = runner.invoke(app, ["bench", "links", "--batch", "257"])
    assert result.exit_code != 0
    assert "--batch" in result.output

"""``gsomia bench audit``: live nodes (mutual TLS on 127.0.0.1) cosign each other's
checkpoints, and every kind of tampering of a copy of a node's store is detected."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from gsomia.cli import app
from gsomia.web.bench_audit import KINDS, run_audit_bench

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    return run_audit_bench(n=2, workdir=tmp_path_factory.mktemp("bench-audit"))


def test_the_untampered_copy_verifies_against_the_cosigned_checkpoints(report):
    assert report["intact"]["ok"] is True, report["intact"]
    assert report["checkpoint_size"] > 0
    assert report["records"] >= report["checkpoint_size"]
    for party, counts in report["cosigned"].items():
        assert counts["by_partners"] >= 2, party  # each partner cosigned at least one
        assert counts["of_partners"] >= 2, party


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_of_tampering_is_detected_and_located(report, kind):
    got = report["kinds"][kind]
    assert got["detected"] is True, got
    assert got["failing"], got


def test_log_tampering_names_the_record_or_checkpoint(report):
    kinds = report["kinds"]
    size = report["checkpoint_size"]
    assert kinds["edit"]["failing"] == f"record {max(1, size // 2)}"
    assert "checkpoint" in kinds["checkpoint_wrong_key"]["failing"]
    assert kinds["payload_edit"]["failing"].startswith("inbox ")
    assert kinds["own_item_edit"]["failing"].startswith("local item ")


def test_cli_json():
    result = CliRunner().invoke(app, ["bench", "audit", "--n", "1", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert set(out["kinds"]) == set(KINDS)
    assert all(k["detected"] for k in out["kinds"].values())

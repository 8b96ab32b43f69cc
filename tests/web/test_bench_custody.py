"""``gsomia bench custody --json`` on three live mTLS nodes: every holder reached and
acknowledging each originator action with 0 wrong states, the Art. 17 case followed at the
originator, every adversarial attempt rejected and audited."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from gsomia.cli import app


def test_bench_custody_json():
    out = CliRunner().invoke(app, ["bench", "custody", "--json"])
    assert out.exit_code == 0, out.output
    report = json.loads(out.output)
    assert report["items"] == {"direct": 3, "tisa_hub": 3, "auto_hub": 3}
    assert report["delivered"] == {"JPN": 9, "USA": 9}
    assert set(report["actions"]) == {"reclassify", "recall", "destroy"}
    for row in report["actions"].values():
        assert row["notices"] == 3 and row["holders"] == 6  # JPN and USA per item
        assert row["reached"] == row["acknowledged"] == 6
        assert row["wrong_state"] == 0
    case = report["compromise"]
    assert case["opened_at_originator"] and case["closed_at_originator"]
    assert case["audited"] == {"JPN": 3, "KOR": 3}
    assert report["attempts"]
    for kind, row in report["attempts"].items():
        assert row["sent"] >= 1, kind
        assert row["rejected"] == row["sent"] and row["audited"] >= row["sent"], kind
        assert row.get("delivered", 0) == 0, kind
    assert report["attempts"]["ack_from_a_non_holder"] == {"sent": 1, "rejected": 1,
                                                           "audited": 1}
    assert "forged_notice" in report["attempts"]  # the adversarial holder's (web.adversary)

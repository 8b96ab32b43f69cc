"""Art. 17: loss or compromise reported to the originator at once, then the investigation."""

from __future__ import annotations

import datetime as dt

import pytest
from sharing_support import make_label

from gsomia.errors import InputError
from gsomia.sharing import AuditLog, investigate, report_compromise, verify_log

T = dt.datetime(2024, 3, 1, 9, 0, tzinfo=dt.UTC)


def test_art17_report_goes_to_originator_immediately():
    report = report_compromise(make_label(holder="KOR"), T, "laptop lost", possible=True)
    assert report.originator == "JPN" and report.holder == "KOR"
    assert report.reported_at == T
    kind, body, _ = report.to_audit()
    assert kind == "compromise_reported"
    assert body["report_to"] == "JPN" and body["possible"] is True
    assert body["source"] == "Art. 17"


def test_art17_investigation_result_after_report():
    report = report_compromise(make_label(holder="KOR"), T, "laptop lost")
    result = investigate(report, T + dt.timedelta(days=3), "found, unopened", "encrypt disks")
    assert result.to_audit()[1]["preventive_measures"] == "encrypt disks"
    with pytest.raises(InputError, match="at="):
        investigate(report, T - dt.timedelta(days=1), "x", "y")
    with pytest.raises(InputError, match="preventive_measures"):
        investigate(report, T, "found", " ")


def test_art17_report_cannot_predate_discovery():
    with pytest.raises(InputError, match="discovered_at.*after the report"):
        report_compromise(make_label(), T, "x", reported_at=T - dt.timedelta(minutes=1))


def test_art17_report_and_result_recorded_in_audit(tmp_path):
    report = report_compromise(make_label(holder="KOR"), T, "courier bag opened")
    result = investigate(report, T + dt.timedelta(days=1), "opened by customs", "diplomatic bag")
    path = tmp_path / "audit.db"
    with AuditLog(path) as log:
        log.append_many([report.to_audit(), result.to_audit()])
        kinds = [r.kind for r in log.records()]
    assert kinds == ["compromise_reported", "investigation_reported"]
    assert verify_log(path).ok

"""The tamper-evident audit log: editing, deleting or reordering any record is detected."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from gsomia.errors import AuditError
from gsomia.sharing import AuditLog, verify_log

T = dt.datetime(2024, 1, 14, tzinfo=dt.UTC)
N = 5


@pytest.fixture
def log_path(tmp_path):
    path = tmp_path / "audit.db"
    with AuditLog(path) as log:
        for i in range(N):
            log.append("decision", {"i": i, "permit": i % 2 == 0}, T + dt.timedelta(minutes=i))
    return path


def sql(path, statement, *args):
    conn = sqlite3.connect(path)
    conn.execute(statement, args)
    conn.commit()
    conn.close()


def test_intact_log_verifies(log_path):
    result = verify_log(log_path)
    assert result.ok and result.count == N and result.failed_seq is None


@pytest.mark.parametrize("seq", range(1, N + 1))
@pytest.mark.parametrize("column", ["body", "kind", "at"])
def test_edit_any_record_names_it(log_path, seq, column):
    value = {"body": '{"i":99}', "kind": "release", "at": "2030-01-01T00:00:00+00:00"}[column]
    sql(log_path, f"UPDATE audit SET {column} = ? WHERE seq = ?", value, seq)
    result = verify_log(log_path)
    assert not result.ok and result.failed_seq == seq


@pytest.mark.parametrize("seq", range(1, N + 1))
def test_delete_any_record_names_it(log_path, seq):
    sql(log_path, "DELETE FROM audit WHERE seq = ?", seq)
    result = verify_log(log_path)
    assert not result.ok and result.failed_seq == seq


@pytest.mark.parametrize(("a", "b"), [(1, 2), (2, 4), (4, 5)])
def test_reorder_records_names_first(log_path, a, b):
    # swap the contents of two records (their rows keep the seq numbers)
    conn = sqlite3.connect(log_path)
    rows = {r[0]: r[1:] for r in conn.execute("SELECT seq, at, kind, body, prev_hash, hash "
                                              "FROM audit")}
    for x, y in ((a, b), (b, a)):
        conn.execute("UPDATE audit SET at=?, kind=?, body=?, prev_hash=?, hash=? WHERE seq=?",
                     (*rows[y], x))
    conn.commit()
    conn.close()
    result = verify_log(log_path)
    assert not result.ok and result.failed_seq == a


def test_reorder_by_renumbering_detected(log_path):
    sql(log_path, "UPDATE audit SET seq = seq + 100 WHERE seq = 2")
    sql(log_path, "UPDATE audit SET seq = 2 WHERE seq = 3")
    sql(log_path, "UPDATE audit SET seq = 3 WHERE seq = 102")
    result = verify_log(log_path)
    assert not result.ok and result.failed_seq == 2


def test_transaction_nothing_half_written(log_path):
    with AuditLog(log_path) as log, pytest.raises(AuditError, match="body"):
        log.append_many([("decision", {"ok": 1}, T), ("decision", {"bad": object()}, T)])
    result = verify_log(log_path)
    assert result.ok and result.count == N


def test_naive_time_rejected(tmp_path):
    with AuditLog(tmp_path / "a.db") as log, pytest.raises(AuditError, match="at="):
        log.append("decision", {}, dt.datetime(2024, 1, 1))


def test_not_an_audit_file(tmp_path):
    other = tmp_path / "x.db"
    sql(other, "CREATE TABLE t (x)")
    with pytest.raises(AuditError, match="no audit table"):
        verify_log(other)
    with pytest.raises(AuditError, match="no such audit log"):
        verify_log(tmp_path / "none.db")


@pytest.mark.parametrize(("statement", "failed_seq"), [
    ("UPDATE head SET count = 6", None),                    # only the head edited
    ("UPDATE head SET hash = 'f00'", None),
    ("UPDATE head SET count = 6, hash = 'f00'", 6),         # or record 6 cut from the end
])
def test_bad_head_row_names_the_head(log_path, statement, failed_seq):
    sql(log_path, statement)
    result = verify_log(log_path)
    assert not result.ok and result.failed_at == "head" and result.failed_seq == failed_seq
    assert result.count == N


def test_deleted_last_record_still_named(log_path):
    sql(log_path, "DELETE FROM audit WHERE seq = ?", N)
    result = verify_log(log_path)
    assert result.failed_seq == N and f"record {N} deleted from the end" in result.reason


@pytest.mark.parametrize("statement", [
    f"UPDATE audit SET body = '{{\"i\":9}}' WHERE seq = {N}",
    f"DELETE FROM audit WHERE seq = {N}",
    "UPDATE head SET count = 9",
    "DELETE FROM head",
])
def test_append_refused_when_the_end_of_the_log_is_tampered(log_path, statement):
    sql(log_path, statement)
    with AuditLog(log_path) as log, pytest.raises(AuditError, match="refusing to append"):
        log.append("decision", {"x": 1}, T)


def test_records_with_body_not_json_names_record(log_path):
    sql(log_path, "UPDATE audit SET body = 'not json' WHERE seq = 2")
    with AuditLog(log_path) as log, pytest.raises(AuditError, match=r"^record=2: body is not"):
        list(log.records())


def test_wrong_schema_and_directory_are_not_audit_logs(tmp_path):
    other = tmp_path / "x.db"
    sql(other, "CREATE TABLE audit (id INTEGER, note TEXT)")
    with pytest.raises(AuditError, match="not an audit log: table audit has columns"):
        verify_log(other)
    with pytest.raises(AuditError, match=r"^--audit='.*': not an audit log"):
        AuditLog(other, "--audit")
    with pytest.raises(AuditError, match="is a directory"):
        verify_log(tmp_path)

"""``gsomia bench faults``: the accounting of a run (what was acked, stored, lost and
duplicated), and the bench itself on real ``gsomia serve`` processes, for both stores: 0
acked items lost, 0 duplicated, every case recovered."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from gsomia.cli import app
from gsomia.errors import InputError
from gsomia.web.bench_faults import CASES, PG_ONLY, account, run_faults_bench


def test_a_clean_run_loses_and_duplicates_nothing():
    stored = [("a", "{1}"), ("b", "{2}"), ("c", "{3}")]
    assert account(["a", "b", "c"], ["a", "b", "c"], stored) == {
        "acked": 3, "stored": 3, "lost": 0, "duplicated": 0, "undelivered": 0}


def test_acked_but_not_stored_is_lost_and_published_not_acked_undelivered():
    got = account(["a", "b", "c", "d"], ["a", "b", "c"], [("a", "{1}"), ("c", "{3}")])
    assert got == {"acked": 3, "stored": 2, "lost": 1, "duplicated": 0, "undelivered": 1}


def test_stored_but_not_acked_is_neither_lost_nor_duplicated():
    # the receiver committed, the sender died before recording the receipt
    got = account(["a", "b"], ["a"], [("a", "{1}"), ("b", "{2}")])
    assert got == {"acked": 1, "stored": 2, "lost": 0, "duplicated": 0, "undelivered": 1}


def test_duplicates_by_item_id_and_by_content_are_counted():
    # "a" stored twice; "x" a second item with the content of "b" (a re-published payload)
    got = account(["a", "b", "x"], ["a", "b", "x"],
                  [("a", "{1}"), ("a", "{1}"), ("b", "{2}"), ("x", "{2}")])
    assert got["duplicated"] == 2 and got["lost"] == 0 and got["stored"] == 4


@given(st.lists(st.tuples(st.sampled_from("abcdef"), st.sampled_from("123")), max_size=20),
       st.sets(st.sampled_from("abcdefgh")))
def test_lost_is_acked_minus_stored_and_duplicated_counts_extra_rows(stored, acked):
    got = account(acked | {"z"}, acked, stored)
    ids = {i for i, _ in stored}
    assert got["lost"] == len(acked - ids)
    assert got["undelivered"] == 1  # "z": published, never acked
    assert got["duplicated"] >= len(stored) - len(ids)
    assert (got["duplicated"] == 0) == (len(set(stored)) == len(stored) == len(ids)
                                        and len({c for _, c in set(stored)}) == len(ids))


def test_unknown_store_or_case_is_refused_naming_it():
    with pytest.raises(InputError, match="--case.*kill_everything"):
        run_faults_bench(cases=["kill_everything"])
    out = CliRunner().invoke(app, ["bench", "faults", "--store", "oracle"])
    assert out.exit_code == 2 and "--store" in out.output and "oracle" in out.output


def _have_postgres_programs() -> bool:
    return bool(shutil.which("pg_ctl") or list(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl")))


def _check(report: dict, store: str) -> None:
    expected = [c for c in CASES if store == "postgresql" or c not in PG_ONLY]
    skipped = {s["case"] for s in report["skipped"]}
    if os.geteuid() == 0:
        assert not skipped, report["skipped"]
    else:  # a tmpfs needs root
        assert skipped <= {"disk_full"}
    assert [c["case"] for c in report["cases"]] == [c for c in expected if c not in skipped]
    for c in report["cases"]:
        assert c["store"] == store
        assert c["published"] == report["n"] - c["publish_failed"], c
        assert c["lost"] == 0 and c["duplicated"] == 0, c
        assert c["recovered"] and c["undelivered"] == 0 and c["recover_s"] is not None, c
        assert c["acked"] == c["stored"] == c["published"], c
        assert c["survived"], c  # no process died that the fault did not kill
    unreachable = next(c for c in report["cases"] if c["case"] == "partner_unreachable")
    assert unreachable["fault_s"] >= 3.0
    full = [c for c in report["cases"] if c["case"] == "disk_full"]
    if full and store == "sqlite":  # the receiver answered 503 while it could not write
        assert full[0]["answered_503"] >= 1
    assert report["ok"] is True


@pytest.mark.slow
def test_bench_faults_sqlite_json():
    out = CliRunner().invoke(app, ["bench", "faults", "--json", "--store", "sqlite", "--n",
                                   "30", "--unreachable-s", "3", "--full-s", "3"])
    assert out.exit_code == 0, out.output
    _check(json.loads(out.output), "sqlite")


@pytest.mark.slow
@pytest.mark.services
def test_bench_faults_postgresql_json():
    if not _have_postgres_programs():
        pytest.skip("initdb/pg_ctl not installed: the bench runs its own PostgreSQL server")
    out = CliRunner().invoke(app, ["bench", "faults", "--json", "--store", "postgresql",
                                   "--n", "30", "--unreachable-s", "3", "--full-s", "3"])
    _check(json.loads(out.output), "postgresql")
    assert out.exit_code == 0, out.output

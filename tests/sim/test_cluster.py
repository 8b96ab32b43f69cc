"""The batch and the seed studies on Dask (``gsomia.sim.cluster``): the same results in
this process, on a ``LocalCluster`` and on a scheduler and two workers started as separate
processes (``dask scheduler`` / ``dask worker`` on 127.0.0.1, ports chosen at run time);
a failed task or a dead worker is an error naming the task.

Events used (CNS North Korea Missile Test Database): 2022-10-05 (a KN-25 that flies and a
KN-23 that no ballistic class flies, 15 min apart: one event run, one skipped with its
``not_flyable`` drop), 2026-01-27 (two single launches, two events).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dask
import psutil
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from gsomia.cli import app
from gsomia.errors import InputError, TaskError
from gsomia.sim.batch import BatchEvent, batch_events, run_events
from gsomia.sim.cluster import IN_PROCESS, LOCAL, check_scheduler, run_tasks
from gsomia.sim.config import RunConfig
from gsomia.sim.scenario import load_scenario
from gsomia.sim.seeds import run_seeds

EVENTS = ("2022-10-05#1", "2022-10-05#2", "2026-01-27#1", "2026-01-27#2")
TIMING_KEYS = ("timings_s", "wall_s")


def _untimed(doc: Any) -> Any:
    """``doc`` without its timing fields (wall-clock seconds, never equal twice)."""
    if isinstance(doc, dict):
        return {k: _untimed(v) for k, v in doc.items() if k not in TIMING_KEYS}
    if isinstance(doc, list):
        return [_untimed(v) for v in doc]
    return doc


@pytest.fixture(scope="module")
def events(shared_data: Path) -> list[BatchEvent]:
    got = {ev.id: ev for ev in batch_events(shared_data / "cns", dt.date(2022, 10, 5))}
    return [got[e] for e in EVENTS]


# -- the scheduler option --------------------------------------------------------------------

@pytest.mark.parametrize(("text", "want"), [
    ("local", LOCAL), (" none ", IN_PROCESS), ("tcp://127.0.0.1:8786", "tcp://127.0.0.1:8786"),
    ("tcp://sched.example:1", "tcp://sched.example:1"), ("tcp://[::1]:65535", "tcp://[::1]:65535"),
])
def test_scheduler_forms_accepted(text: str, want: str) -> None:
    assert check_scheduler(text) == want


@pytest.mark.parametrize("text", ["", "tcp://127.0.0.1", "tcp://127.0.0.1:0",
                                  "tcp://127.0.0.1:65536", "127.0.0.1:8786",
                                  "http://127.0.0.1:8786", "tls://127.0.0.1:8786",
                                  "tcp://a b:1", "Local"])
def test_scheduler_forms_refused(text: str) -> None:
    with pytest.raises(InputError) as err:
        check_scheduler(text)
    assert err.value.field == "scheduler" and err.value.value == text


@given(st.text(max_size=40))
def test_any_scheduler_text_is_a_form_or_an_input_error(text: str) -> None:
    try:
        got = check_scheduler(text)
    except InputError as exc:
        assert exc.field == "scheduler"
    else:
        assert got in (LOCAL, IN_PROCESS) or got.startswith("tcp://")


# -- run_tasks -------------------------------------------------------------------------------

def test_in_process_results_in_order_and_every_one_reported() -> None:
    seen: list[tuple[int, float]] = []
    got = run_tasks(math.sqrt, [16.0, 1.0, 9.0], ["a", "b", "c"],
                    on_done=lambda k, v: seen.append((k, v)))
    assert got == [4.0, 1.0, 3.0]
    assert seen == [(0, 4.0), (1, 1.0), (2, 3.0)]
    assert run_tasks(math.pow, [2.0, 3.0], ["a", "b"], shared=(2.0,)) == [4.0, 9.0]


def test_in_process_failure_names_the_task() -> None:
    with pytest.raises(TaskError) as err:
        run_tasks(math.sqrt, [4.0, -1.0], ["event A", "event B, seed 7"])
    assert err.value.task == "event B, seed 7"
    assert str(err.value) == "event B, seed 7: ValueError: math domain error"
    assert isinstance(err.value.__cause__, ValueError)


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(InputError, match="labels"):
        run_tasks(math.sqrt, [1.0], [])
    with pytest.raises(InputError, match="workers"):
        run_tasks(math.sqrt, [1.0], ["a"], scheduler=LOCAL, workers=-1)
    with pytest.raises(InputError, match="scheduler"):
        run_tasks(math.sqrt, [1.0], ["a"], scheduler="tcp://nowhere")
    with pytest.raises(InputError, match="seeds"):
        run_events([], seeds=0)


@pytest.mark.slow
def test_local_cluster_gathers_all_and_names_a_failed_task() -> None:
    seen: list[int] = []
    got = run_tasks(math.sqrt, [float(k * k) for k in range(8)], [f"t{k}" for k in range(8)],
                    scheduler=LOCAL, workers=2, on_done=lambda k, _: seen.append(k))
    assert got == [float(k) for k in range(8)]          # in input order
    assert sorted(seen) == list(range(8))               # each reported once as it finished
    with pytest.raises(TaskError) as err:
        run_tasks(math.sqrt, [4.0, -1.0, 9.0], ["event A", "event B, seed 3", "event C"],
                  scheduler=LOCAL, workers=2)
    assert err.value.task == "event B, seed 3"
    assert err.value.reason == "ValueError: math domain error"


@pytest.mark.slow
def test_a_dead_worker_is_an_error_naming_the_task() -> None:
    """The task kills its worker process; with no retry allowed the scheduler gives up
    (KilledWorker) and the error names the task."""
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}), \
            pytest.raises(TaskError) as err:
        run_tasks(os._exit, [3], ["event 2017-03-06#1, seed 20170306"], scheduler=LOCAL,
                  workers=1)
    assert err.value.task == "event 2017-03-06#1, seed 20170306"
    assert err.value.reason.startswith("KilledWorker on the Dask cluster")


# -- the batch and the seed study: the same results wherever they run ------------------------

@pytest.mark.slow
def test_batch_on_a_local_cluster_equals_the_sequential_run(events) -> None:
    seq = run_events(events, seeds=2, scheduler=IN_PROCESS)
    finished: list[tuple[str, int]] = []
    par = run_events(events, seeds=2, scheduler=LOCAL, workers=2,
                     on_done=lambda out: finished.append((out["event"], out["seed"])))
    assert _untimed(par) == _untimed(seq)
    assert len(finished) == 2 * len(events)
    for k, draw in enumerate(seq):
        assert [r["event"] for r in draw] == list(EVENTS)
        assert [r["seed"] for r in draw] == [ev.seed + k for ev in events]
        assert [r["ok"] for r in draw] == [True, False, True, True]
        # the launch that cannot be flown is dropped with its reason, in every draw
        (drop,) = draw[1]["dropped"]
        assert (drop["entry"], drop["class"]) == (200, "not_flyable")
        assert draw[0]["run"]["scenario"]["seed"] == 20221005 + k
    # the two draws are different draws of the same flights
    a, b = (d[0]["run"]["launches"][0] for d in seq)
    assert a["impact_lat_deg"] == b["impact_lat_deg"]
    assert a["parties"] != b["parties"]   # some party's figures differ (5-s scans: not all)


@pytest.mark.slow
def test_seed_study_on_a_local_cluster_equals_the_sequential_run() -> None:
    scenario = load_scenario("2017-08-29")
    cfg = RunConfig(measured=("JPN",), routes=("none", "direct"))
    seq = run_seeds(scenario, 2, cfg, scheduler=IN_PROCESS)
    par = run_seeds(scenario, 2, cfg, scheduler=LOCAL, workers=2)
    assert par == seq
    assert seq["scenario"]["seeds"] == [20170829, 20170830]


# -- a scheduler and two workers started as processes ---------------------------------------

def _dask(*args: str, log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "dask", *args], stdout=log.open("wb"),
                            stderr=subprocess.STDOUT)


def _listening(proc: subprocess.Popen) -> list[str]:
    """The addresses on which ``proc`` and its children listen (TCP)."""
    out = []
    parent = psutil.Process(proc.pid)
    for p in [parent, *parent.children(recursive=True)]:
        try:
            conns = p.net_connections(kind="tcp")
        except psutil.NoSuchProcess:
            continue
        out += [c.laddr.ip for c in conns if c.status == psutil.CONN_LISTEN]
    return out


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1 (the scheduler's
    port chosen by the system, read from its scheduler file), stopped at the end."""
    tmp = tmp_path_factory.mktemp("dask")
    file = tmp / "scheduler.json"
    procs = [_dask("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                   "--dashboard-address", "127.0.0.1:0", "--scheduler-file", str(file),
                   log=tmp / "scheduler.log")]
    try:
        deadline = time.monotonic() + 60
        while not file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        address = json.loads(file.read_text(encoding="utf-8"))["address"]
        for k in range(2):
            procs.append(_dask("worker", address, "--nworkers", "1", "--nthreads", "1",
                               "--no-dashboard", "--dashboard-address", "127.0.0.1:0",
                               "--host", "127.0.0.1", log=tmp / f"worker{k}.log"))
        yield {"address": address, "procs": procs}
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


@pytest.mark.slow
def test_cli_batch_on_a_started_scheduler_gives_the_local_json(dask_cluster, shared_data,
                                                               tmp_path) -> None:
    """``gsomia run --records … --since … --seeds 2 --scheduler tcp://127.0.0.1:PORT``: the
    same JSON as in this process, timings aside; every socket of the cluster on
    127.0.0.1."""
    address = dask_cluster["address"]
    docs, printed = {}, {}
    for where in (address, "none"):
        out = tmp_path / f"{where[:4]}.json"
        res = CliRunner().invoke(app, ["run", "--records", str(shared_data / "cns"),
                                       "--since", "2026-01-27", "--seeds", "2",
                                       "--scheduler", where, "--json-out", str(out)])
        assert res.exit_code == 0, res.output
        docs[where] = json.loads(out.read_text(encoding="utf-8"))
        printed[where] = " ".join(res.output.split())
    remote, here = docs[address], docs["none"]
    assert _untimed(remote) == _untimed(here)
    assert here["seeds"] == 2 and [d["seed_offset"] for d in here["draws"]] == [1]
    assert [e["event"] for e in here["events"]] == ["2026-01-27#1", "2026-01-27#2",
                                                    "2026-03-14#1"]
    assert [e["seed"] + 1 for e in here["events"]] == [e["seed"] for e in
                                                       here["draws"][0]["events"]]
    assert here["summary"]["launches"] == here["draws"][0]["summary"]["launches"] == 14
    spread = here["spread"]["median_gained_s"]["JPN"]["direct"]
    assert spread["draws"] == 2 and spread["min"] <= spread["median"] <= spread["max"]
    assert f"Ran on the Dask scheduler at {address}." in printed[address]
    assert "Ran in this process (no Dask)." in printed["none"]
    listening = [ip for p in dask_cluster["procs"] for ip in _listening(p)]
    assert len(listening) >= 5 and set(listening) == {"127.0.0.1"}


@pytest.mark.slow
def test_cli_seed_study_on_a_started_scheduler(dask_cluster, tmp_path) -> None:
    out = tmp_path / "s.json"
    res = CliRunner().invoke(app, ["run", "2017-08-29", "--seeds", "2", "--routes", "direct",
                                   "--scheduler", dask_cluster["address"],
                                   "--json-out", str(out)])
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["scenario"]["seeds"] == [20170829, 20170830] and doc["draws"] == 2
    assert "on the Dask scheduler at" in " ".join(res.output.split())


# -- the command line ------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "message"), [
    (["--since", "2026-04-07", "--scheduler", "bogus"], "--scheduler='bogus'"),
    (["--since", "2026-04-07", "--scheduler", "none", "--workers", "2"],
     "--workers sizes the local Dask cluster"),
    (["--record", "2017-03-06", "--scheduler", "none"], "a single run takes neither"),
    (["--record", "2017-03-06", "--workers", "2"], "a single run takes neither"),
])
def test_cli_refuses_misplaced_cluster_options(shared_data, args, message) -> None:
    res = CliRunner().invoke(app, ["run", "--records", str(shared_data / "cns"), *args])
    assert res.exit_code == 2
    assert message in " ".join(res.output.split())


@pytest.mark.slow
def test_cli_names_a_scheduler_that_does_not_answer(shared_data) -> None:
    import socket

    with socket.socket() as s:            # a port of 127.0.0.1 that nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    res = CliRunner().invoke(app, ["run", "--records", str(shared_data / "cns"), "--since",
                                   "2026-04-07", "--scheduler", f"tcp://127.0.0.1:{port}"])
    assert res.exit_code == 2
    assert f"scheduler='tcp://127.0.0.1:{port}': no Dask scheduler answers there" in \
        " ".join(res.output.split())

"""Where the batch and the seed studies run: Dask (``dask.distributed``), or this process.

The runs of the batch (:mod:`gsomia.sim.batch`: one per event and seed) and of a seed study
(:mod:`gsomia.sim.seeds`: one per seed) are independent, so each is one Dask task;
:func:`run_tasks` submits them all, gathers them with ``as_completed`` as they finish
(calling ``on_done`` for each, e.g. a progress bar) and returns them in the order they were
given, whatever the finishing order: the output depends only on the inputs and seeds, not
on where or when a task ran. ``scheduler`` (:func:`check_scheduler`) says where:

- :data:`LOCAL` (``"local"``): a ``LocalCluster`` started for the call and stopped after
  it: ``workers`` processes (0: one per CPU, ``os.cpu_count()``), one thread each, scheduler
  and workers listening on 127.0.0.1 only (ports chosen at run time), no dashboard;
- ``"tcp://HOST:PORT"``: an existing scheduler (``dask scheduler``) and its workers
  (``dask worker tcp://HOST:PORT``). Every worker needs the same ``gsomia`` installed
  (checked on connecting: its version); the records are sent to the tasks as data, so a
  worker needs no copy of the records directory;
- :data:`IN_PROCESS` (``"none"``): one after another in this process (debugging; no Dask).

The large inputs shared by every task (the maritime zones, the scenario, the run
configuration) are sent to every worker once (``Client.scatter(broadcast=True)``).

A task that raises, or whose worker dies more often than Dask allows
(``distributed.scheduler.allowed-failures``, 3 by default, ``KilledWorker``), ends the call
with a :class:`~gsomia.errors.TaskError` naming the task; the other tasks are cancelled.
Failures that are one launch's are no task failure: the batch drops that launch with its
reason inside its task (:func:`gsomia.sim.batch.run_event`).
"""

from __future__ import annotations

import logging
import os
import re
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from gsomia.errors import InputError, TaskError

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["CONNECT_TIMEOUT_S", "IN_PROCESS", "LOCAL", "WORKER_WAIT_S", "check_scheduler",
           "local_workers", "run_tasks"]

LOCAL = "local"
"""A ``LocalCluster`` on this machine (module notes)."""

IN_PROCESS = "none"
"""No Dask: the tasks run one after another in this process."""

CONNECT_TIMEOUT_S = 10.0
"""How long to try to reach an existing scheduler [s]."""

WORKER_WAIT_S = 30.0
"""How long to wait for an existing scheduler to have at least one worker [s]."""

_ADDRESS = re.compile(r"tcp://(?P<host>[A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\]):(?P<port>\d{1,5})")


def check_scheduler(text: str) -> str:
    """``text`` as a scheduler (module notes): ``"local"``, ``"none"`` or
    ``"tcp://HOST:PORT"`` (host name, IPv4, or IPv6 in brackets; port 1-65535).

    Raises:
        InputError: anything else (field ``scheduler``).
    """
    value = text.strip() if isinstance(text, str) else text
    if value in (LOCAL, IN_PROCESS):
        return value
    m = _ADDRESS.fullmatch(value) if isinstance(value, str) else None
    if m is None or not 1 <= int(m["port"]) <= 65535:
        raise InputError("scheduler", text, "expected tcp://HOST:PORT (a running `dask "
                         "scheduler`), local (a LocalCluster here) or none (this process)")
    return value


def local_workers(workers: int) -> int:
    """Worker processes of a local cluster: ``workers``, or one per CPU when 0.

    Raises:
        InputError: a negative or non-integer ``workers``.
    """
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 0:
        raise InputError("workers", workers, "expected an integer >= 0 (0: one per CPU)")
    return workers or max(1, os.cpu_count() or 1)


def _versions_match(client: Client, scheduler: str) -> None:
    """Every worker has the ``gsomia`` this process has (by version)."""
    try:
        want = version("gsomia")
    except PackageNotFoundError:       # run from a source tree: nothing to compare
        return
    got = client.run(version, "gsomia", on_error="return")
    bad = {w: v for w, v in got.items() if v != want}
    if bad:
        raise InputError("scheduler", scheduler, "workers without gsomia " + want + ": "
                         + ", ".join(f"{w} ({v if isinstance(v, str) else 'not installed'})"
                                     for w, v in sorted(bad.items())))


@contextmanager
def _client(scheduler: str, workers: int) -> Iterator[Client]:
    """A Dask client of ``scheduler`` (:data:`LOCAL` or an address), closed on exit."""
    from distributed import Client, LocalCluster

    if scheduler == LOCAL:
        # no dashboard; the scheduler's small HTTP server (health, metrics) on a free port
        # of 127.0.0.1 (it would take 8787, or another port, on the scheduler's host)
        with LocalCluster(n_workers=local_workers(workers), threads_per_worker=1,
                          processes=True, host="127.0.0.1", dashboard_address=None,
                          scheduler_kwargs={"dashboard": False,
                                            "dashboard_address": "127.0.0.1:0"},
                          silence_logs=logging.ERROR) as cluster, \
                Client(cluster, set_as_default=False) as client:
            yield client
        return
    try:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except OSError as exc:
        raise InputError("scheduler", scheduler, f"no Dask scheduler answers there "
                         f"({type(exc).__name__}: {exc})") from exc
    with client:
        try:
            client.wait_for_workers(1, timeout=WORKER_WAIT_S)
        except TimeoutError as exc:
            raise InputError("scheduler", scheduler, f"no worker joined in "
                             f"{WORKER_WAIT_S:g} s: start some with `dask worker "
                             f"{scheduler}`") from exc
        _versions_match(client, scheduler)
        yield client


def _call(fn: Callable[..., Any], item: Any, *shared: Any) -> tuple[bool, Any]:
    """Run one task on a worker: ``(True, result)``, or ``(False, "Type: message")`` when it
    raises (not every exception survives the trip back, e.g. one whose constructor takes
    several arguments)."""
    try:
        return True, fn(item, *shared)
    except Exception as exc:  # any failure of the task is reported, named, by the caller
        return False, f"{type(exc).__name__}: {exc}"


def _gather(client: Client, fn: Callable[..., Any], items: Sequence[Any],
            labels: Sequence[str], shared: tuple[Any, ...],
            on_done: Callable[[int, Any], None] | None) -> list[Any]:
    """Submit every task, collect them as they finish, return them in the given order."""
    from distributed import as_completed

    scattered = client.scatter(list(shared), broadcast=True, hash=False) if shared else []
    token = uuid.uuid4().hex[:12]
    futures = [client.submit(_call, fn, item, *scattered, key=f"gsomia-{token}-{k}",
                             pure=False) for k, item in enumerate(items)]
    where = {f.key: k for k, f in enumerate(futures)}
    out: list[Any] = [None] * len(items)
    try:
        for fut in as_completed(futures, loop=client.loop):
            k = where[fut.key]
            if fut.status != "finished":
                exc = fut.exception()
                raise TaskError(labels[k], f"{type(exc).__name__} on the Dask cluster: {exc}")
            ok, value = fut.result()
            fut.release()
            if not ok:
                raise TaskError(labels[k], value)
            out[k] = value
            if on_done:
                on_done(k, value)
    finally:
        client.cancel([f for f in futures if not f.done()])
    return out


def run_tasks(fn: Callable[..., Any], items: Sequence[Any], labels: Sequence[str], *,
              shared: tuple[Any, ...] = (), scheduler: str = IN_PROCESS, workers: int = 0,
              on_done: Callable[[int, Any], None] | None = None) -> list[Any]:
    """``[fn(item, *shared) for item in items]``, each call one task (module notes).

    Args:
        fn: a module-level function (a Dask worker imports it by name).
        items: one per task; sent to the task's worker.
        labels: one per item, naming it in errors (e.g. ``"event 2017-03-06#1, seed …"``).
        shared: further arguments of every call, sent once to every worker.
        scheduler: :func:`check_scheduler`'s ``"local"``, ``"none"`` or
            ``"tcp://HOST:PORT"``.
        workers: worker processes of a ``"local"`` cluster (0: one per CPU).
        on_done: called with ``(index, result)`` as each task finishes (any order).

    Returns:
        the results, in the order of ``items``.

    Raises:
        InputError: a bad ``scheduler``, ``workers`` or label count; a scheduler that
            does not answer, has no worker, or has workers without this ``gsomia``.
        TaskError: a task raised, or its worker died (names the task's label).
    """
    where = check_scheduler(scheduler)
    if len(labels) != len(items):
        raise InputError("labels", len(labels), f"expected one per item ({len(items)})")
    if where == IN_PROCESS:
        out = []
        for k, item in enumerate(items):
            try:
                value = fn(item, *shared)
            except Exception as exc:  # named as on a cluster; the original is chained
                raise TaskError(labels[k], f"{type(exc).__name__}: {exc}") from exc
            out.append(value)
            if on_done:
                on_done(k, value)
        return out
    if not items:
        return []
    with _client(where, min(local_workers(workers), len(items))) as client:
        return _gather(client, fn, items, labels, shared, on_done)

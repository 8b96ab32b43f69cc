"""The measuring party's fusion in live mode (:mod:`gsomia.sim.delivery.live` notes, 2): each
arriving track report of the origin is fused with the party's own confirmed tracks and the
latest reports of the other partners, and the PIP of the fused track holding it computed, in
a process of its own (:class:`FusionProcess`), so that it never waits for (nor holds up) the
interpreter lock of the process that runs the servers.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import numpy as np

import gsomia
from gsomia.node.clock import ScaledWallClock
from gsomia.sim.pictures import OwnPicture
from gsomia.warning.fusion import FusionConfig, TrackFuser, TrackReport
from gsomia.warning.tracking.impact import predict_impact
from gsomia.warning.tracking.states import GaussianStates
from gsomia.warning.tracking.tracker import TrackerConfig, scans
from gsomia.warning.types import Detection

__all__ = ["FusionProcess", "MeasuringFusion", "Prepared", "fusion_main", "replay_scans",
           "warm_up"]


@dataclass(frozen=True, slots=True)
class Prepared:
    """What the end-to-end measurement takes from the run
    (:meth:`gsomia.sim.delivery.live.LiveDelivery.prepare`).

    Attributes:
        scans: the origin's radar scans to replay (:func:`replay_scans`).
        tracker: the run's tracker configuration; report_interval_s: the sharing rule's [s].
        own: the measuring party's own confirmed tracks (its batch tracker run).
        fusion: the run's fusion configuration; pip_step_s: the PIP's RK4 step [s].
    """

    scans: list[tuple[float, list[Detection]]]
    tracker: TrackerConfig
    report_interval_s: float
    own: OwnPicture
    fusion: FusionConfig
    pip_step_s: float


def replay_scans(detections: Sequence[Detection]) -> list[tuple[float, list[Detection]]]:
    """``(time [s], scan)`` in the order of :meth:`Tracker.process
    <gsomia.warning.tracking.tracker.Tracker.process>` (:func:`~gsomia.warning.tracking.
    tracker.scans`)."""
    return [(scan[0].t_s, list(scan)) for scan in scans(detections)]


class MeasuringFusion:
    """What the measuring party's node does with arriving track reports
    (:mod:`gsomia.sim.delivery.live` notes, 2): the jobs waiting together are handled at
    once; a picture is fused and PIPs computed
    only when some of them are the origin's reports (what the measurement needs), the
    other partners' reports being held as the latest of their tracks for that picture."""

    def __init__(self, prep: Prepared, origin: str, at: str,
                 clock: ScaledWallClock) -> None:
        self.prep, self.origin, self.clock = prep, origin, clock
        self.fuser = TrackFuser(at, prep.fusion)
        self.latest: dict[tuple[str, str], TrackReport] = {}
        self.others: list[tuple[str, str]] = []   # other partners' keys not yet fused
        # item id → (arrival, taken up, picture fused, PIP done [perf_counter s], valid)
        self.fused: dict[str, tuple[float, float, float, float, bool]] = {}
        self.counts = {"stale": 0, "other_fused": 0, "fuse_batches": 0}

    def handle(self, batch: list[tuple[float, str, str, TrackReport]]) -> None:
        """``batch``: (arrival [perf_counter], originator, item id, report) per job."""
        prep, began = self.prep, time.perf_counter()
        for _, _, _, rep in batch:
            held = self.latest.get(rep.key)
            if held is None or rep.update > held.update:
                self.latest[rep.key] = rep
        mine = [job for job in batch if job[1] == self.origin]
        self.others += [job[3].key for job in batch if job[1] != self.origin]
        if not mine:
            return
        t = self.clock.now_s()
        picture = self.fuser.fuse(t, prep.own.at(t), list(self.latest.values()))
        fused = time.perf_counter()
        where = {key: i for i, f in enumerate(picture) for key in f.sources}
        idx = sorted({where[job[3].key] for job in mine if job[3].key in where})
        pips = {} if not idx else dict(zip(idx, predict_impact(
            GaussianStates(t, np.stack([picture[i].x for i in idx]),
                           np.stack([picture[i].P for i in idx])),
            prep.fusion.earth, step_s=prep.pip_step_s), strict=True))
        done = time.perf_counter()
        self.counts["fuse_batches"] += 1
        self.counts["other_fused"] += sum(k in where for k in self.others)
        self.others.clear()
        for wall, _, item_id, rep in mine:
            i = where.get(rep.key)
            if i is None:   # older than max_age_s at the fusion time
                self.counts["stale"] += 1
            else:
                self.fused[item_id] = (wall, began, fused, done, pips[i].valid)


def warm_up(config: FusionConfig, pip_step_s: float) -> None:
    """Run the fusion and PIP code once on a made-up pair of reports of one object (two
    partners, so association and covariance intersection run too), with a fuser of its
    own, so that the first timed report does not pay for imports and the PIP kernel's
    loading (:mod:`gsomia.physics.impact_kernel`: compiled or read from Numba's cache)."""
    from gsomia.physics.geodesy import geodetic2ecef

    x = np.concatenate((geodetic2ecef(38.0, 133.0, 150e3), [0.0, 0.0, -1500.0]))
    P = np.diag([1e4, 1e4, 1e4, 1e2, 1e2, 1e2])
    reports = [TrackReport(who, "warm-up", 1, 0.0, x, P) for who in ("A", "B")]
    picture = TrackFuser("-", config).fuse(1.0, [], reports)
    predict_impact(GaussianStates(1.0, np.stack([f.x for f in picture]),
                                  np.stack([f.P for f in picture])),
                   config.earth, step_s=pip_step_s)


def fusion_main(fd: int) -> None:
    """Body of the measuring node's fusion process (:class:`FusionProcess`), on the socket
    ``fd``: the run's inputs, then the clock, then jobs until None; the results (or the
    error) go back at the end."""
    conn = Connection(fd)
    try:
        prep, origin, at = conn.recv()
        warm_up(prep.fusion, prep.pip_step_s)
        conn.send("ready")
        work = MeasuringFusion(prep, origin, at, conn.recv())
        running = True
        while running:
            jobs = [conn.recv()]
            while conn.poll():
                jobs.append(conn.recv())
            running = None not in jobs
            batch = [j for j in jobs if j is not None]
            if batch:
                work.handle(batch)
        conn.send(("ok", {"fused": work.fused, **work.counts}))
    except BaseException as exc:  # noqa: BLE001 - re-raised by the parent
        try:
            conn.send(("error", exc))
        except Exception:  # noqa: BLE001 - an exception that does not pickle
            conn.send(("error", RuntimeError(f"fusion process: {exc!r}")))


class FusionProcess:
    """The measuring node's fusion worker (:class:`MeasuringFusion`) in a process of its
    own, so that fusing and computing PIPs never wait for (nor hold up) the interpreter
    lock of the process that runs the three servers and the publishing loop. Jobs go over
    a socket pair as they arrive (the arrival time stamped before, on
    :func:`time.perf_counter`, the system's monotonic clock, common to both processes);
    the PIP time is stamped in the worker; the results come back at the end.

    The worker is a fresh interpreter (``python -c``, this copy of gsomia first on its
    path), not a fork of this threaded process nor a multiprocessing spawn (which would
    re-run the caller's main script)."""

    def __init__(self, prep: Prepared, origin: str, at: str) -> None:
        ours, theirs = socket.socketpair()
        root = str(Path(gsomia.__file__).resolve().parents[1])
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            [root] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])}
        self._proc = subprocess.Popen(
            [sys.executable, "-c", "import sys; from gsomia.sim.delivery.live_fusion "
             "import fusion_main; fusion_main(int(sys.argv[1]))", str(theirs.fileno())],
            pass_fds=[theirs.fileno()], env=env, stdin=subprocess.DEVNULL)
        theirs.close()
        self._conn = Connection(ours.detach())
        self._lock = threading.Lock()
        self.error: BaseException | None = None
        try:
            self._conn.send((prep, origin, at))
            ready = self._conn.recv()
        except (EOFError, OSError):
            ready = None
        if ready != "ready":
            self._stop()
            raise RuntimeError(f"the fusion process did not start (exit {self._proc.poll()})")

    def _stop(self, timeout_s: float = 0.1) -> None:
        try:
            self._proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self._proc.terminate()
            self._proc.wait()
        self._conn.close()

    def start(self, clock: ScaledWallClock) -> None:
        self._conn.send(clock)

    def put(self, wall: float, originator: str, item_id: str, rep: TrackReport) -> None:
        with self._lock:
            self._conn.send((wall, originator, item_id, rep))

    def finish(self, timeout_s: float) -> tuple[dict[str, Any], int]:
        """Send the end, wait up to ``timeout_s`` for the results: ``(results, pending)``
        (pending 1 when the worker did not finish in time; its results are then lost)."""
        with self._lock:
            try:
                self._conn.send(None)
            except OSError:   # the worker is gone: its error (if any) is still to read
                pass
        got: dict[str, Any] = {}
        pending = 1
        if self._conn.poll(timeout_s):
            try:
                status, value = self._conn.recv()
            except EOFError:
                status, value = "error", RuntimeError("the fusion process ended early")
            if status == "error":
                self.error = value
            else:
                got, pending = value, 0
        self._stop(timeout_s if pending == 0 else 0.1)
        return got, pending

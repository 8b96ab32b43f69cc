"""The measuring party's fusion in live mode (:mod:`gsomia.sim.delivery.live` notes, 2): each
arriving track report of the origin is fused with the party's own confirmed tracks and the
latest reports of the other partners, and the PIP of the fused track holding it computed, in
the thread that delivers it to the party's subscriber (:class:`InlineFusion`: no queue, no
hand-off to another thread or process).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from gsomia.node.clock import ScaledWallClock
from gsomia.sim.pictures import OwnPicture
from gsomia.warning.fusion import FusionConfig, TrackFuser, TrackReport
from gsomia.warning.tracking.impact import predict_impact
from gsomia.warning.tracking.states import GaussianStates
from gsomia.warning.tracking.tracker import TrackerConfig, scans
from gsomia.warning.types import Detection

__all__ = ["InlineFusion", "MeasuringFusion", "Prepared", "replay_scans", "warm_up"]


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


class InlineFusion:
    """The measuring node's fusion (:class:`MeasuringFusion`) run in the thread that hands
    the node's arriving reports to its subscribers (the receiving request's thread: the
    inbox delivers a batch in the request that stored it, :mod:`gsomia.node.inbox`), so a
    report is fused and its PIP computed with no queue and no hand-off to another thread
    or process. The reports of one delivered batch are kept (:meth:`put`) and handled
    together once the node has handed them all (:meth:`batch_done`, the node's
    ``on_batch``): one fused picture and one PIP call for the batch's reports, as a
    worker taking up the reports waiting together would. One lock keeps the picture
    consistent when two partners' requests deliver at once (the second waits for the
    first's fusion; the wait counts in the latency, stamped as the ``queue`` part).
    :func:`warm_up` runs on creation, before the scenario clock starts. The first error of
    the fusion is kept (:attr:`error`, re-raised by the caller after the route); the
    reports after it are not fused.
    """

    def __init__(self, prep: Prepared, origin: str, at: str) -> None:
        warm_up(prep.fusion, prep.pip_step_s)
        self._args = (prep, origin, at)
        self._work: MeasuringFusion | None = None
        self._lock = threading.Lock()
        self._kept = threading.local()   # this thread's batch: its reports not yet fused
        self.error: BaseException | None = None

    def start(self, clock: ScaledWallClock) -> None:
        """Begin fusing on ``clock`` (the route's scaled wall clock)."""
        self._work = MeasuringFusion(*self._args, clock)

    def put(self, wall: float, originator: str, item_id: str, rep: TrackReport) -> None:
        """Keep one arrived report (``wall``: its arrival, perf_counter s) for this
        thread's :meth:`batch_done`."""
        batch = getattr(self._kept, "batch", None)
        if batch is None:
            batch = self._kept.batch = []
        batch.append((wall, originator, item_id, rep))

    def batch_done(self) -> None:
        """Fuse the reports this thread kept (its delivered batch), now."""
        batch = getattr(self._kept, "batch", None)
        if not batch:
            return
        self._kept.batch = []
        with self._lock:
            if self._work is None or self.error is not None:
                return
            try:
                self._work.handle(batch)
            except Exception as exc:  # noqa: BLE001 - re-raised by the caller after the route
                self.error = exc

    def finish(self, timeout_s: float) -> tuple[dict[str, Any], int]:
        """The results: ``(results, pending)``, pending always 0 (nothing is queued;
        ``timeout_s`` is unused, kept for the caller's interface)."""
        with self._lock:
            work = self._work
            if work is None:
                return {}, 0
            return {"fused": dict(work.fused), **work.counts}, 0

"""Measurement-level sharing in the main job: each receiver tracks its own and its partners'
radar plots (``gsomia run --share measurements``; :mod:`gsomia.sim.run`, module notes).

What is shared: one item per scan of a party's own radars with at least one plot
(:func:`gsomia.sim.share.plot_warnings`; the node payload is
:class:`gsomia.node.plots.RadarPlots`), and the infrared launch reports as in track-level
sharing. Track reports are not shared: each
receiver builds its own tracks.

The receiver's picture ("ideal reprocessing"): at evaluation time ``t`` the picture of
party ``p`` on a route is exactly the :class:`~gsomia.warning.tracking.tracker.Tracker`
(same :class:`~gsomia.warning.tracking.tracker.TrackerConfig`) run over ``{own plots
measured by t} ∪ {partners' plots arrived by t}``, scan by scan in measurement-time order
(ties by sensor id, as :meth:`Tracker.process <gsomia.warning.tracking.tracker.Tracker.
process>` orders them). A plot that arrives late is therefore processed at its measurement
time, as a node that re-runs its tracker from a checkpoint on every late arrival would.

Implementation (:class:`ReprocessingTracker`): with ``a_i`` the time scan ``i`` becomes
available (its measurement time for an own scan, its arrival for a partner's) and
``τ(t) = min{t_i : a_i > t}`` the earliest measurement time of a scan not yet available, every
scan with ``t_i < τ(t)`` is available at ``t`` and at every later time, and no scan still
to come sorts before it; τ never decreases with ``t``. A *settled* tracker is advanced
(forward only) over the scans with ``t_i < τ(t)``; the picture at ``t`` is a copy of it
(:meth:`Tracker.fork <gsomia.warning.tracking.tracker.Tracker.fork>`) that also processes
the available scans with ``t_i ≥ τ(t)`` up to ``t``; without such scans it is the settled
tracker itself. The result
equals a fresh tracker run over the available set (the tests check it against one).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from gsomia.errors import InputError
from gsomia.sim.config import RunConfig
from gsomia.sim.delivery.plan import NONE
from gsomia.sim.items import Delivered, Warning
from gsomia.sim.pictures import FusedPictures, Pictures, best_by_launch, truth_labels
from gsomia.warning.fusion import FusedTrack, TrackReport
from gsomia.warning.tracking.tracker import Tracker, TrackerConfig
from gsomia.warning.types import Detection

__all__ = ["ReprocessingTracker", "RoutePictures"]


class ReprocessingTracker:
    """One receiver's tracker under ideal reprocessing (module notes).

    Args:
        config: the tracker's configuration.
        scans: ``(available_s, detections)`` per scan: the time the scan is available to
            the receiver [s since the epoch] (an own scan's measurement time; a partner's
            arrival) and its detections (one sensor, one time). A scan given twice (same
            sensor and time) counts once, available at the earlier time.

    Raises:
        InputError: an empty scan or one mixing sensors or times (``scans``), or a scan
            available before it was measured (``available_s``).
    """

    def __init__(self, config: TrackerConfig,
                 scans: Iterable[tuple[float, Sequence[Detection]]]) -> None:
        merged: dict[tuple[float, str], tuple[float, tuple[Detection, ...]]] = {}
        for avail, dets in scans:
            dets = tuple(dets)
            if not dets or any((d.t_s, d.sensor_id) != (dets[0].t_s, dets[0].sensor_id)
                               for d in dets):
                raise InputError("scans", len(dets),
                                 "a scan of one sensor at one time with a detection expected")
            if not avail >= dets[0].t_s:
                raise InputError("available_s", avail,
                                 f"before the scan's measurement time {dets[0].t_s}")
            key = (float(dets[0].t_s), dets[0].sensor_id)
            held = merged.get(key)
            if held is None or avail < held[0]:
                merged[key] = (float(avail), dets)
        keys = sorted(merged)
        self.times = np.array([k[0] for k in keys])
        self.available = np.array([merged[k][0] for k in keys])
        self.scans = [merged[k][1] for k in keys]
        self._avail_of = {(k[1], k[0]): merged[k][0] for k in keys}
        order = np.argsort(self.available, kind="stable")
        self._avail_sorted = self.available[order]
        # earliest measurement time among the scans available after each arrival rank
        self._tau = np.minimum.accumulate(self.times[order][::-1])[::-1]
        self.settled = Tracker(config)
        self._next = 0
        self._last_t = -math.inf

    def available_s(self, d: Detection) -> float:
        """When the scan of detection ``d`` became available [s] (KeyError: not given)."""
        return self._avail_of[(d.sensor_id, d.t_s)]

    def tau(self, t_s: float) -> float:
        """τ(t): the earliest measurement time of a scan not available by ``t_s``
        (``inf`` when every scan is)."""
        k = int(np.searchsorted(self._avail_sorted, t_s, side="right"))
        return float(self._tau[k]) if k < len(self._tau) else math.inf

    def at(self, t_s: float) -> Tracker:
        """The tracker run over every scan available by ``t_s``, in measurement order.

        The result may be the settled tracker itself: read it, never feed it.

        Raises:
            InputError: ``t_s`` earlier than a previous call's (forward only).
        """
        if t_s < self._last_t:
            raise InputError("t_s", t_s, f"before the previous evaluation {self._last_t}")
        self._last_t = t_s
        tau = self.tau(t_s)
        n = len(self.scans)
        while self._next < n and self.times[self._next] < tau:
            self.settled.step(self.scans[self._next])
            self._next += 1
        upto = int(np.searchsorted(self.times, t_s, side="right"))
        rest = [i for i in range(self._next, upto) if self.available[i] <= t_s]
        if not rest:
            return self.settled
        spec = self.settled.fork()
        for i in rest:
            spec.step(self.scans[i])
        return spec


class RoutePictures:
    """The pictures of measurement-level sharing, as a picture source of
    :func:`gsomia.sim.knowledge.measure` (module notes), and ``first_confirmed_s``.

    Route ``none``, and every route before the first partner plot arrives at the party, is
    the party's own picture (:class:`gsomia.sim.pictures.FusedPictures` with no track reports:
    its own confirmed tracks predicted to ``t``). Otherwise the route's
    :class:`ReprocessingTracker` gives the tracks; its confirmed live tracks, each predicted
    to ``t`` by the party's fuser as an own track is, make the picture, and each track's
    sources are the parties whose plots it holds. Pairs (party, route) receiving the same
    plots at the same times share one tracker, and routes whose arrived plots (and their
    arrival times) are the same at ``t`` share one picture (e.g. TISA's and the automated
    hub's before the first plot relayed by the hub arrives).

    Args:
        parties: the scenario's parties; cfg: the run's configuration (``measured``,
            ``tracker``).
        warnings: party → its items (:func:`gsomia.sim.share.plot_warnings`).
        deliveries: route → arrivals.
        own: the own pictures (built with the same warnings and deliveries).
    """

    def __init__(self, parties: Sequence[str], cfg: RunConfig,
                 warnings: dict[str, list[Warning]], deliveries: dict[str, list[Delivered]],
                 own: FusedPictures) -> None:
        self.own = own
        self.parties = list(parties)
        self.trackers: dict[tuple[str, str], ReprocessingTracker] = {}
        self.first_arrival: dict[tuple[str, str], float] = {}
        self._confirmed: dict[tuple[str, str], dict[str, float]] = {}
        self._arrived: dict[tuple[str, str], tuple[np.ndarray, list[tuple[Any, ...]]]] = {}
        self._candidates: dict[tuple[Any, ...], dict[str, float]] = {}
        shared: dict[tuple[Any, ...], ReprocessingTracker] = {}
        for p in self.parties:
            if cfg.measured is not None and p not in cfg.measured:
                continue
            mine = [(w.t_s, w.plots) for w in warnings.get(p, []) if w.plots]
            for route, got in deliveries.items():
                if route == NONE:
                    continue
                theirs = [(d.t_s, d.item.plots) for d in got if d.to == p and d.item.plots]
                self.first_arrival[(p, route)] = min((a for a, _ in theirs), default=math.inf)
                arrived = sorted((a, s[0].sensor_id, s[0].t_s) for a, s in theirs)
                self._arrived[(p, route)] = (np.array([a[0] for a in arrived]), arrived)
                sched = (p, tuple(arrived))
                if sched not in shared:
                    shared[sched] = ReprocessingTracker(cfg.tracker, mine + theirs)
                self.trackers[(p, route)] = shared[sched]

    def __call__(self, t: float, needed: list[tuple[str, str]]) -> Pictures:
        mine = [(p, r) for p, r in needed
                if (p, r) not in self.trackers or self.first_arrival[(p, r)] > t]
        chosen, pictures = self.own(t, mine) if mine else ({}, {})
        for p, route in needed:
            if (p, route) in chosen:
                continue
            rt = self.trackers[(p, route)]
            times, arrived = self._arrived[(p, route)]
            n = int(np.searchsorted(times, t, side="right"))
            sig = ("measurements", p, t, tuple(arrived[:n]))   # same plots, same times
            chosen[(p, route)] = sig
            if sig not in pictures:
                pictures[sig], self._candidates[sig] = self._picture(p, rt, rt.at(t), t)
            conf = self._confirmed.setdefault((p, route), {})
            for label, known in self._candidates[sig].items():
                conf[label] = min(conf.get(label, math.inf), known)
        return chosen, pictures

    def _picture(self, p: str, rt: ReprocessingTracker, tracker: Tracker, t: float
                 ) -> tuple[dict[str, FusedTrack], dict[str, float]]:
        """The best track per launch, and per launch the earliest time a confirmed track
        of it was known (module notes of :mod:`gsomia.sim.run`)."""
        conf: dict[str, float] = {}
        for tr in tracker.tracks:
            if tr.confirmed_s is None:
                continue
            group = truth_labels(tr)
            if not group:
                continue
            known = max([tr.confirmed_s] + [rt.available_s(d) for d in tr.detections
                                            if d.t_s <= tr.confirmed_s])
            for label in group:
                conf[label] = min(conf.get(label, math.inf), known)
        live = [tr for tr in tracker.tracks if tr.status == "confirmed"]
        if not live:
            return {}, conf
        reports = [TrackReport(p, str(tr.number), len(tr.history) - 1, tr.state.t_s,
                               tr.state.x, tr.state.P) for tr in live]
        st = self.own.fusers[p].predict(reports, t)
        labels: dict[tuple[str, str], tuple[str, ...]] = {}
        picture = []
        for i, tr in enumerate(live):
            keys = tuple((o, str(tr.number)) for o in sorted({d.owner for d in tr.detections}))
            group = truth_labels(tr)
            labels.update((k, group) for k in keys)
            picture.append(FusedTrack(t, st.x[i], st.P[i], keys))
        return best_by_launch(picture, labels), conf

    def first_confirmed(self, launch: str, party: str, route: str, impact_s: float
                        ) -> float | None:
        """When ``party`` first knew a confirmed track of ``launch`` on ``route`` [s since
        the epoch] (module notes of :mod:`gsomia.sim.run`), or None: never by
        ``impact_s``, or the party is not measured.

        Before the first partner plot arrives the route's picture is the own tracker's, so
        its own confirmations before then count at their times; after it, the confirmed
        tracks of the evaluated pictures count.
        """
        if route == NONE or (party, route) not in self.trackers:
            return None
        own = self.own.own[party]
        times = [tr.confirmed_s for tr in own.tracks
                 if own.labels.get((party, str(tr.number))) == launch
                 and tr.confirmed_s < self.first_arrival[(party, route)]]
        times.append(self._confirmed.get((party, route), {}).get(launch, math.inf))
        best = min(times)
        return best if best <= impact_s else None

"""Each party's picture at an evaluation time: its own confirmed tracks, fused with what has
arrived (:mod:`gsomia.sim.run`, module notes, step 4), and which track follows which launch.

- :class:`OwnPicture`: a party's own confirmed tracks, read at any time;
- :class:`FusedPictures`: track-level sharing's picture source (own tracks fused with the
  partners' track reports arrived by ``t``);
- :func:`truth_labels` and :func:`best_by_launch`: which launches a track follows, and each
  launch's best fused track, for scoring only (the tracker and the fusion never read them);
- :data:`Pictures`, :data:`PictureSource`, :class:`Confirmations`: the contract of a
  picture source (measurement-level sharing's is :class:`gsomia.sim.measurements.
  RoutePictures`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np

from gsomia.sim.config import RunConfig
from gsomia.sim.items import Delivered, Warning, covered_launches, track_report
from gsomia.warning.fusion import FusedTrack, TrackFuser, TrackReport
from gsomia.warning.tracking.tracker import Track, Tracker

__all__ = ["Confirmations", "FusedPictures", "OwnPicture", "PictureSource", "Pictures",
           "best_by_launch", "truth_labels"]

Pictures = tuple[dict[tuple[str, str], tuple[Any, ...]],
                 dict[tuple[Any, ...], dict[str, FusedTrack]]]
"""What a picture source gives at one time: ``chosen`` ((party, route) → the signature of
its picture; identical inputs, one signature) and ``pictures`` (signature → launch id →
the best track of that launch, :func:`best_by_launch`)."""

PictureSource = Callable[[float, list[tuple[str, str]]], Pictures]
"""The pictures of the needed (party, route) pairs at evaluation time ``t`` [s]; called with
non-decreasing ``t``."""


@runtime_checkable
class Confirmations(Protocol):
    """A picture source that also measures ``first_confirmed_s`` (measurement mode)."""

    def first_confirmed(self, launch: str, party: str, route: str, impact_s: float
                        ) -> float | None: ...


def truth_labels(track: Track) -> tuple[str, ...]:
    """The launches a track follows, for scoring: those covered
    (:func:`gsomia.sim.items.covered_launches`) by at least half of its detections after
    confirmation (all of them before), sorted. One launch for a track of one missile; every
    member for a track of a group its radars could not resolve (a salvo flying one
    trajectory: the group's PIP is each member's); ``()`` for a false or mixed track."""
    dets = [d for d in track.detections
            if track.confirmed_s is None or d.t_s >= track.confirmed_s]
    counts = Counter(i for d in dets for i in covered_launches(d))
    return tuple(sorted(i for i, c in counts.items() if 2 * c >= len(dets)))


def best_by_launch(picture: list[FusedTrack], labels: dict[tuple[str, str], tuple[str, ...]]
                   ) -> dict[str, FusedTrack]:
    """Each launch's fused track, for scoring: a fused track goes to the launches most of
    its sources follow (labels: source key → :func:`truth_labels`), and a launch with
    several gets the one of smallest position covariance trace."""
    best: dict[str, FusedTrack] = {}
    for f in picture:
        votes = Counter(i for s in f.sources for i in labels.get(s, ()))
        if not votes:
            continue
        top = max(votes.values())
        for launch in sorted(i for i, v in votes.items() if v == top):
            held = best.get(launch)
            if held is None or np.trace(f.P[:3, :3]) < np.trace(held.P[:3, :3]):
                best[launch] = f
    return best


class OwnPicture:
    """A party's own confirmed tracks, read at any time.

    Attributes:
        party: the party; tracks: its confirmed tracks (of its finished tracker run).
        labels: ``(party, track number)`` → :func:`truth_labels`.
    """

    def __init__(self, party: str, tracker: Tracker) -> None:
        self.party = party
        self.tracks = [t for t in tracker.tracks if t.confirmed]
        self.labels = {(party, str(t.number)): truth_labels(t) for t in self.tracks}
        self.times = [np.array([s.t_s for s in t.history]) for t in self.tracks]

    def at(self, t_s: float) -> list[TrackReport]:
        """The latest state of each track confirmed and not deleted at ``t_s`` [s], as the
        party's track reports (:func:`gsomia.sim.items.track_report`)."""
        out = []
        for tr, times in zip(self.tracks, self.times, strict=True):
            if tr.confirmed_s > t_s or (tr.deleted_s is not None and tr.deleted_s <= t_s):
                continue
            k = int(np.searchsorted(times, t_s, side="right")) - 1
            if k >= 0:
                out.append(track_report(self.party, tr, k))
        return out


class FusedPictures:
    """Track-level sharing's pictures (:mod:`gsomia.sim.run` notes, step 4), a
    :data:`PictureSource`: each party's own confirmed tracks fused with the partners' track
    reports arrived by ``t`` (each originator's latest report of a track, no older than the
    fuser's ``max_age_s``).

    Args:
        parties: the scenario's parties; cfg: the run's configuration (``fusion``).
        trackers: party → its finished tracker run; warnings: party → its items.
        deliveries: route → arrivals.
        cache: pictures shared by many instances over one run's re-scorings
            (:mod:`gsomia.sim.attribution`), or None (the default: each call's identical
            pictures computed once, nothing kept). With a cache a picture's signature is its
            *content*: party, time, and each own and received report's key, update, time,
            state, covariance and launch labels, so pictures of other trackers' runs (a
            sensor left out) never collide; identical content, identical fusion.

    Attributes:
        own: party → :class:`OwnPicture`; fusers: party → its
            :class:`~gsomia.warning.fusion.TrackFuser`; labels: track key → launches.
    """

    def __init__(self, parties: Sequence[str], cfg: RunConfig, trackers: dict[str, Tracker],
                 warnings: dict[str, list[Warning]],
                 deliveries: dict[str, list[Delivered]],
                 cache: dict[tuple[Any, ...], dict[str, FusedTrack]] | None = None) -> None:
        self.cfg = cfg
        self.cache = cache
        self.parties = list(parties)
        self.labels: dict[tuple[str, str], tuple[str, ...]] = {}
        self.own = {p: OwnPicture(p, tr) for p, tr in trackers.items()}
        for p in self.parties:
            self.labels.update(self.own[p].labels)
        for items in warnings.values():
            for w in items:
                if w.report is not None:
                    self.labels[w.report.key] = tuple(sorted(w.truth_ids))
        self.arrivals: dict[tuple[str, str], tuple[np.ndarray, list[TrackReport]]] = {}
        for route, got in deliveries.items():
            for p in self.parties:
                mine = [d for d in got if d.to == p and d.item.report is not None]
                self.arrivals[(p, route)] = (np.array([d.t_s for d in mine]),
                                             [d.item.report for d in mine])  # type: ignore[misc]
        self.fusers = {p: TrackFuser(p, cfg.fusion) for p in self.parties}

    def __call__(self, t: float, needed: list[tuple[str, str]]) -> Pictures:
        pictures: dict[tuple[Any, ...], dict[str, FusedTrack]] = {}
        chosen: dict[tuple[str, str], tuple[Any, ...]] = {}
        own_now = {p: self.own[p].at(t) for p in {p for p, _ in needed}}
        for p, route in needed:
            times, reps = self.arrivals.get((p, route), (np.array([]), []))
            n = int(np.searchsorted(times, t, side="right"))
            recent = [r for r in reps[:n] if t - self.cfg.fusion.max_age_s <= r.t_s <= t]
            latest: dict[tuple[str, str], TrackReport] = {}
            for r in recent:
                held = latest.get(r.key)
                if held is None or r.update > held.update:
                    latest[r.key] = r
            if self.cache is None:
                sig: tuple[Any, ...] = (p, tuple((r.key, r.update) for r in own_now[p]),
                                        tuple(sorted((k, r.update) for k, r in latest.items())))
            else:
                sig = (p, t, tuple(self._content(r) for r in own_now[p]),
                       tuple(self._content(latest[k]) for k in sorted(latest)))
            chosen[(p, route)] = sig
            if sig not in pictures:
                held = None if self.cache is None else self.cache.get(sig)
                if held is None:
                    picture = self.fusers[p].fuse(t, own_now[p], list(latest.values()))
                    held = best_by_launch(picture, self.labels)
                    if self.cache is not None:
                        self.cache[sig] = held
                pictures[sig] = held
        return chosen, pictures

    def _content(self, r: TrackReport) -> tuple[Any, ...]:
        """What a report's fusion and scoring depend on (the ``cache`` signature)."""
        return (r.key, r.update, r.t_s, r.x.tobytes(), r.P.tobytes(), self.labels.get(r.key))

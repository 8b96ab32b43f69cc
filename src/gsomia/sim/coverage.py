"""Honest coverage of the boost-aware footprint: how often the true impact lies inside the
region that should hold it with probability ``p`` (:mod:`gsomia.warning.tracking.boost`).

For each party of a scenario, its own tracker is run over its own detections (the picture
of route ``none``: no fusion, so each sample is one party's own estimate); every confirmed
track that follows one launch (:func:`gsomia.sim.pictures.truth_labels`) is evaluated
every ``boost_interval_s`` while some burn hypothesis still burns and every
``free_interval_s`` after, at its latest state (:class:`gsomia.sim.pictures.OwnPicture`;
a state not updated since the previous sample is not counted again), until the true
impact. The launch time is the track's own estimate
(:func:`~gsomia.warning.tracking.boost.track_launch_time`: its LPE, else the kinematic
estimate of its first state), the class is the launch's propulsion class, and the
footprint collapses once the track's IMM holds the ballistic mode
(:func:`~gsomia.warning.tracking.boost.ballistic_since`). A sample
counts as covered when the true impact point is in
the footprint's ``p`` highest-density region (:meth:`~gsomia.warning.tracking.boost.
BoostFootprint.contains`). Samples whose footprint is not valid (a hypothesis that never
came down) are counted apart (``invalid``), never as covered.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from gsomia.errors import InputError
from gsomia.sim.observe import observe
from gsomia.sim.pictures import OwnPicture, truth_labels
from gsomia.sim.scenario import Scenario
from gsomia.warning.tracking.boost import (
    ballistic_since,
    predict_footprint,
    track_launch_time,
)
from gsomia.warning.tracking.tracker import Tracker, TrackerConfig

__all__ = ["Coverage", "coverage_of", "footprint_coverage"]


@dataclass(slots=True)
class Coverage:
    """Counts of footprint samples: ``boost`` (some hypothesis burning) and ``free``
    (collapsed to free flight), each ``[covered, total]``; ``invalid``: not counted."""

    probability: float
    boost: list[int] = field(default_factory=lambda: [0, 0])
    free: list[int] = field(default_factory=lambda: [0, 0])
    invalid: int = 0

    def add(self, other: Coverage) -> None:
        """Add another scenario's counts."""
        for mine, theirs in ((self.boost, other.boost), (self.free, other.free)):
            mine[0] += theirs[0]
            mine[1] += theirs[1]
        self.invalid += other.invalid

    def to_dict(self) -> dict[str, Any]:
        """Counts and fractions (None with no sample)."""
        def frac(c: list[int]) -> float | None:
            return None if c[1] == 0 else round(c[0] / c[1], 4)
        both = [self.boost[0] + self.free[0], self.boost[1] + self.free[1]]
        return {"probability": self.probability, "boost": [*self.boost, frac(self.boost)],
                "free": [*self.free, frac(self.free)], "all": [*both, frac(both)],
                "invalid": self.invalid}


def _track_samples(track: Any, picture: OwnPicture, launch: tuple[float, float] | None,
                   flight: Any,
                   cov: Coverage, boost_s: float, free_s: float) -> None:
    t = track.confirmed_s
    end = flight.impact_s if track.deleted_s is None else min(track.deleted_s,
                                                               flight.impact_s)
    last = None
    while t < end:
        reps = [r for r in picture.at(t) if r.track_id == str(track.number)]
        step = free_s
        if reps and reps[0].t_s != last:     # a state not updated since is counted once
            r = reps[0]
            last = r.t_s
            est, sigma = launch if launch is not None else (r.t_s - 1e6, 0.0)
            fp = predict_footprint(r.t_s, r.x, r.P, est, flight.trajectory.propulsion,
                                   launch_sigma_s=sigma,
                                   burnt_out=ballistic_since(track.history, r.t_s) is not None)
            if not fp.valid:
                cov.invalid += 1
            else:
                counts = cov.boost if fp.boosting else cov.free
                counts[1] += 1
                counts[0] += fp.contains(flight.trajectory.impact_lat_deg,
                                         flight.trajectory.impact_lon_deg, cov.probability)
                step = boost_s if fp.boosting else free_s
        t += step


def footprint_coverage(scenario: Scenario, probability: float = 0.95,
                       boost_interval_s: float = 10.0, free_interval_s: float = 30.0,
                       tracker: TrackerConfig | None = None) -> Coverage:
    """The coverage counts of one scenario (module notes).

    Raises:
        InputError: probability outside (0, 1) or an interval not positive.
    """
    if not 0.0 < probability < 1.0:
        raise InputError("probability", probability, "must be in (0, 1)")
    if not (boost_interval_s > 0 and free_interval_s > 0):
        raise InputError("interval_s", (boost_interval_s, free_interval_s), "must be positive")
    obs = observe(scenario)
    flights = {f.id: f for f in obs.flights}
    cov = Coverage(probability)
    for party in scenario.parties:
        tr = Tracker(tracker)
        tr.process([d for d in obs.detections if d.owner == party])
        picture = OwnPicture(party, tr)
        for track in picture.tracks:
            labels = truth_labels(track)
            if len(labels) != 1:
                continue
            est = track_launch_time(track.detections, track.history)
            _track_samples(track, picture, est, flights[labels[0]], cov, boost_interval_s,
                           free_interval_s)
    return cov


def coverage_of(scenarios: Iterable[Scenario], probability: float = 0.95) -> Coverage:
    """The summed coverage of several scenarios."""
    total = Coverage(probability)
    for sc in scenarios:
        total.add(footprint_coverage(sc, probability))
    return total

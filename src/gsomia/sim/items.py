"""What the parties' nodes share in a run, and the delivery step's contract.

- :class:`Warning`: one item a party's node issues (a track report, an infrared launch
  report, the plots of one radar scan, or an entry of its public warning log);
- :class:`Delivered`: an item as it arrived at a recipient on one route;
- :class:`Delivery`: a delivery step (the warnings of every party and one route's plan →
  arrivals), and :class:`PreparedDelivery`, one that also takes what it needs from the run
  before the routes (live mode);
- :func:`covered_launches` and :func:`track_report`: an item's launches for scoring, and a
  track's history entry as the report a node shares.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from gsomia.sharing import Catalog
from gsomia.sim.config import RunConfig
from gsomia.sim.delivery.plan import RoutePlan
from gsomia.sim.observe import Observation
from gsomia.sim.scenario import Scenario
from gsomia.warning.alerts import WarningEntry
from gsomia.warning.fusion import TrackReport
from gsomia.warning.sensors import LaunchReport
from gsomia.warning.sensors.maritime import ContactReport
from gsomia.warning.tracking.tracker import Track, Tracker
from gsomia.warning.types import Detection

__all__ = ["Delivered", "Delivery", "PreparedDelivery", "Warning", "covered_launches",
           "track_report"]


def covered_launches(d: Detection) -> tuple[str, ...]:
    """The launches a plot is of, for scoring: every member of an unresolved group
    (:attr:`~gsomia.warning.types.Detection.merged_truth_ids`), else its ``truth_id``."""
    if d.merged_truth_ids:
        return tuple(d.merged_truth_ids)
    return () if d.truth_id is None else (d.truth_id,)


def track_report(party: str, track: Track, k: int) -> TrackReport:
    """Entry ``k`` of ``track``'s history as ``party``'s track report (update count ``k``)."""
    s = track.history[k]
    return TrackReport(party, str(track.number), k, s.t_s, s.x, s.P)


@dataclass(frozen=True, slots=True, eq=False)
class Warning:
    """One item a party's node issues: a track report, an infrared launch report, the
    plots of one radar scan (measurement-level sharing), or an entry of its public warning
    log (issue, update or withdraw a warning of an area; :mod:`gsomia.sim.warnlog`).

    Attributes:
        t_s: sending time [s] (a scan's: its measurement time); originator: the issuing
            party.
        report: the track estimate (trajectory element), or None.
        launch: the infrared launch report (launch-point element), or None.
        truth_id: the launch it follows, for scoring only (None: a false track; plots carry
            their own in each detection's ``truth_id``, never shared).
        plots: the detections of one scan (one sensor, one time), or ``()``.
        truth_group: every launch a track report follows, for scoring only: more than one
            where the track follows a group of objects its radars could not resolve
            (:func:`gsomia.sim.pictures.truth_labels`); ``()``: just ``truth_id``.
        alert: the public warning log entry, or None (its ``launch`` is the issuing
            party's designation of the launch, shared).
        contact: a maritime source's submarine contact report (pre-launch indication;
            :mod:`gsomia.sim.maritime`), or None. It concerns no launch (``truth_ids``
            empty): it cues radars, it is no warning of a missile.
    """

    t_s: float
    originator: str
    report: TrackReport | None = None
    launch: LaunchReport | None = None
    truth_id: str | None = None
    plots: tuple[Detection, ...] = ()
    truth_group: tuple[str, ...] = ()
    alert: WarningEntry | None = None
    contact: ContactReport | None = None

    @property
    def truth_ids(self) -> set[str]:
        """Launches the item concerns, for scoring only (a scan's: of its plots, every member
        of an unresolved group included)."""
        if self.plots:
            return {i for d in self.plots for i in covered_launches(d)}
        if self.alert is not None:
            return {self.alert.launch}
        if self.contact is not None:
            return set()
        ids = set(self.truth_group) or {self.truth_id}
        return {i for i in ids if i is not None}


@dataclass(frozen=True, slots=True, eq=False)
class Delivered:
    """A warning as it arrived at a recipient on one route: ``t_s`` [s], ``to``, ``item``."""

    t_s: float
    to: str
    item: Warning


class Delivery(Protocol):
    """A delivery step: every party's warnings (party → items in time order) and one
    route's plan → the arrivals, in time order. The catalog is the run's (the agreements
    each node decides by)."""

    def __call__(self, warnings: dict[str, list[Warning]], plan: RoutePlan,
                 scenario: Scenario, catalog: Catalog) -> list[Delivered]: ...


@runtime_checkable
class PreparedDelivery(Protocol):
    """A delivery step that takes what it needs from the run once, before the routes
    (:class:`gsomia.sim.delivery.live.LiveDelivery` replays the scans itself)."""

    def prepare(self, observation: Observation, trackers: dict[str, Tracker],
                config: RunConfig) -> None: ...

    def __call__(self, warnings: dict[str, list[Warning]], plan: RoutePlan,
                 scenario: Scenario, catalog: Catalog) -> list[Delivered]: ...

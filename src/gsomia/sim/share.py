"""The sharing rule: which items a party's node issues (:mod:`gsomia.sim.run` notes, step 2).

- track-level sharing (the default): the state of each confirmed track (the trajectory
  element, with covariance) at most every ``report_interval_s``, and its infrared launch
  reports (the launch-point element): :func:`party_warnings`, one copy of the rule
  (:func:`shared_report`) used by it and by the live replay
  (:mod:`gsomia.sim.delivery.live`);
- measurement-level sharing: one item per scan of its own radars with at least one plot,
  and its infrared launch reports: :func:`plot_warnings`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from gsomia.sim.items import Warning, track_report
from gsomia.sim.pictures import truth_labels
from gsomia.warning.fusion import TrackReport
from gsomia.warning.sensors import LaunchReport
from gsomia.warning.tracking.tracker import Track, Tracker, scans
from gsomia.warning.types import Detection

__all__ = ["party_warnings", "plot_warnings", "shared_report"]


def shared_report(party: str, tr: Track, k: int, last: dict[int, float],
                  interval_s: float) -> TrackReport | None:
    """The report of ``tr``'s history entry ``k`` if the sharing rule shares it (confirmed,
    updated, at least ``interval_s`` [s] after the track's last report), else None; updates
    ``last`` (track number → time of its last report [s]). Entries must come in order."""
    s = tr.history[k]
    if tr.confirmed_s is None or s.t_s < tr.confirmed_s or not s.updated:
        return None
    if s.t_s - last.get(tr.number, -math.inf) < interval_s - 1e-9:
        return None
    last[tr.number] = s.t_s
    return track_report(party, tr, k)


def party_warnings(party: str, tracker: Tracker, reports: Sequence[LaunchReport],
                   report_interval_s: float) -> list[Warning]:
    """The warnings a party's node issues under track-level sharing, in time order.

    Args:
        party: the issuing party; tracker: its finished tracker run over its own detections.
        reports: its own infrared launch reports.
        report_interval_s: least spacing of one track's reports [s].
    """
    out = [Warning(r.t_s, party, launch=r, truth_id=r.truth_id) for r in reports]
    for tr in tracker.tracks:
        if not tr.confirmed:
            continue
        group = truth_labels(tr)
        label = group[0] if group else None
        last: dict[int, float] = {}
        for k in range(len(tr.history)):
            rep = shared_report(party, tr, k, last, report_interval_s)
            if rep is not None:
                out.append(Warning(rep.t_s, party, report=rep, truth_id=label,
                                   truth_group=group))
    out.sort(key=lambda w: (w.t_s, w.originator))
    return out


def plot_warnings(party: str, detections: Sequence[Detection],
                  reports: Sequence[LaunchReport]) -> list[Warning]:
    """The items a party's node issues under measurement-level sharing, in time order: one
    per scan of its own radars with at least one plot (sent at the scan time, false alarms
    included), and its infrared launch reports.

    Args:
        party: the issuing party; detections: its own radars' detections.
        reports: its own infrared launch reports.
    """
    out = [Warning(r.t_s, party, launch=r, truth_id=r.truth_id) for r in reports]
    out += [Warning(scan[0].t_s, party, plots=scan) for scan in scans(detections)]
    out.sort(key=lambda w: (w.t_s, w.originator))
    return out

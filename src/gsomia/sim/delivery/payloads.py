"""A run's items as node payloads and back (:mod:`gsomia.sim.delivery.nodes` and
:mod:`gsomia.sim.delivery.live` publish them; each receiver turns them back into items).

- track report → :class:`~gsomia.node.MissileWarning` with the trajectory element (the
  track state); its update count on arrival is the estimate's time in ms
  (:func:`received_report`);
- infrared launch report → :class:`~gsomia.node.MissileWarning` with the launch-point
  element;
- a scan's plots → :class:`~gsomia.node.plots.RadarPlots`;
- an entry of a party's public warning log → :class:`~gsomia.node.alerts.AreaWarning`
  (id ``alert-<launch>-<time in ms>``: one entry per launch and assessment time).
- a submarine contact report → :class:`~gsomia.node.contacts.SubmarineContact`.
"""

from __future__ import annotations

import numpy as np

from gsomia.errors import InputError
from gsomia.node import AreaWarning, MissileWarning
from gsomia.node.contacts import SubmarineContact
from gsomia.node.plots import RadarPlots
from gsomia.sim.items import Warning
from gsomia.sim.scenario import Scenario
from gsomia.warning.fusion import TrackReport
from gsomia.warning.tracking.launch import LaunchPointEstimate
from gsomia.warning.tracking.states import TrackState

__all__ = ["payload_of", "received_report"]


def payload_of(w: Warning, scenario: Scenario, n: int | None = None
               ) -> MissileWarning | RadarPlots | AreaWarning | SubmarineContact:
    """The node payload of an item (module notes). An infrared launch report's id names its
    sensor, time and reported launch point, and ``n`` (the report's place in its
    originator's list) where given: the missiles of a salvo are reported by one sensor at
    one time, and each report must stay its own item.

    Raises:
        InputError: an item with neither plots, nor a track report, nor a launch report,
            nor a warning log entry.
    """
    if w.alert is not None:
        e = w.alert
        return AreaWarning(f"alert-{e.launch}-{round(e.t_s * 1000.0)}", scenario.epoch, e)
    if w.plots:
        d = w.plots[0]
        return RadarPlots.from_detections(f"scan-{d.sensor_id}-{d.t_s:.6f}", scenario.epoch,
                                          w.plots)
    if w.contact is not None:
        c = w.contact
        return SubmarineContact(f"contact-{c.sensor_id}-{c.t_s:.3f}" + ("" if n is None
                                                                         else f"-{n}"),
                                scenario.epoch, c.t_s, c.contact_t_s, c.sensor_id, c.how,
                                c.lat_deg, c.lon_deg, c.sigma_m)
    if w.report is not None:
        r = w.report
        state = TrackState(r.t_s, r.x, r.P, np.zeros(2), True)
        return MissileWarning.from_estimates(r.track_id, scenario.epoch, r.t_s, track=state)
    lr = w.launch
    if lr is None:
        raise InputError("warning", w.originator,
                         "an item carries plots, a track report or a launch report")
    sig2 = lr.sigma_position_m**2
    lpe = LaunchPointEstimate(lr.launch_lat_deg, lr.launch_lon_deg, float(lr.launch_t_s), 0.0,
                              np.diag([sig2, sig2]), 0)
    ident = (f"ir-{lr.sensor_id}-{w.t_s:.3f}-{lr.launch_lat_deg:.5f}-{lr.launch_lon_deg:.5f}"
             + ("" if n is None else f"-{n}"))
    return MissileWarning.from_estimates(ident, scenario.epoch, lr.t_s, launch=lpe)


def received_report(originator: str, mw: MissileWarning) -> TrackReport:
    """The track report a received warning's trajectory element carries (update count: the
    estimate's time in ms, so a track's reports keep their order).

    Raises:
        InputError: the warning has no trajectory element.
    """
    tr = mw.trajectory
    if tr is None:
        raise InputError("trajectory", None, f"warning {mw.track_id} has no track state")
    return TrackReport(originator, mw.track_id, int(round(tr["t_s"] * 1000.0)), tr["t_s"],
                       np.array(tr["x_ecef"]), np.array(tr["P"]))

"""What a party's sensors and trackers would publish on its in-nation stream during a
scenario (``gsomia stream feed``; :mod:`gsomia.node.stream`).

The scenario is observed as in a run (:func:`gsomia.sim.observe.observe`: same flights,
same seeded sensors); the party's own radar detections become one ``detections`` message
per scan (:class:`~gsomia.node.plots.RadarPlots`, false alarms included), and its tracker
run over them (:class:`~gsomia.warning.tracking.tracker.Tracker` of ``config.tracker``)
gives one ``tracks`` message per shared track report, with its infrared launch reports,
by the sharing rule of :func:`gsomia.sim.share.party_warnings` (one report per track every
``config.report_interval_s``). Payloads are made by :func:`gsomia.sim.delivery.payloads.
payload_of`, as the simulated nodes publish them.

Each message's id (``Nats-Msg-Id``) is ``<scenario>/<party>/<payload id>`` (the scan id,
or the track id and time in ms): feeding the same scenario twice within the stream's
duplicate window stores each message once.
"""

from __future__ import annotations

import re

from gsomia.errors import InputError
from gsomia.node.plots import RadarPlots
from gsomia.node.stream import StreamMessage
from gsomia.sim.config import RunConfig
from gsomia.sim.delivery.payloads import payload_of
from gsomia.sim.items import Warning
from gsomia.sim.observe import observe
from gsomia.sim.scenario import Scenario
from gsomia.sim.share import party_warnings, plot_warnings
from gsomia.warning.tracking.tracker import Tracker

__all__ = ["FEED_KINDS", "party_feed"]

#: What ``party_feed`` can give: radar scans, track reports, or both.
FEED_KINDS = ("detections", "tracks", "both")


def _msg_id(scenario: Scenario, party: str, ident: str) -> str:
    """``<scenario>/<party>/<ident>``, every character outside printable ASCII (and space)
    replaced by ``_``, at most 256 characters."""
    return re.sub(r"[^\x21-\x7e]", "_", f"{scenario.name}/{party}/{ident}")[:256]


def _message(scenario: Scenario, party: str, w: Warning, n: int | None) -> StreamMessage:
    payload = payload_of(w, scenario, n)
    if isinstance(payload, RadarPlots):
        return StreamMessage("detections", _msg_id(scenario, party, payload.scan_id),
                             payload.to_dict())
    t_ms = round(payload.t_s * 1000.0)
    return StreamMessage("tracks", _msg_id(scenario, party, f"{payload.track_id}@{t_ms}"),
                         payload.to_dict())


def party_feed(scenario: Scenario, party: str, what: str = "both",
               config: RunConfig | None = None) -> list[StreamMessage]:
    """The messages ``party``'s sensors and trackers publish during ``scenario``, in time
    order (module notes).

    Raises:
        InputError: ``party`` not of the scenario, ``what`` not one of :data:`FEED_KINDS`.
    """
    if party not in scenario.parties:
        raise InputError("--party", party,
                         f"not a party of the scenario ({', '.join(scenario.parties)})")
    if what not in FEED_KINDS:
        raise InputError("--what", what, f"expected one of {', '.join(FEED_KINDS)}")
    cfg = config or RunConfig()
    obs = observe(scenario)
    mine = [d for d in obs.detections if d.owner == party]
    reports = [r for r in obs.reports if r.owner == party]
    items: list[Warning] = []
    if what in ("detections", "both"):
        items += [w for w in plot_warnings(party, mine, []) if w.plots]
    if what in ("tracks", "both"):
        tracker = Tracker(cfg.tracker)
        tracker.process(mine)
        items += party_warnings(party, tracker, reports, cfg.report_interval_s)
    items.sort(key=lambda w: w.t_s)
    out, launches = [], 0
    for w in items:  # a launch report's id takes its place among the launch reports
        out.append(_message(scenario, party, w, launches if w.launch is not None else None))
        launches += w.launch is not None
    return out

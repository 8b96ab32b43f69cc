"""A scenario played on the participants' live nodes, and scored after the fact.

Injection (:func:`exercise_feed`, :func:`inject`): the scenario is flown, observed and
tracked as :func:`gsomia.sim.run.run_scenario` does (the same code: :func:`~gsomia.sim.run.
observed_scenario`, :func:`~gsomia.sim.run.track_and_issue`), and each participant's items
(its own track and launch reports, or its radar scans when the run shares measurements:
:func:`gsomia.sim.delivery.payloads.payload_of`) become messages of its exercise's
in-nation stream (:func:`gsomia.node.exercise.exercise_settings`), published on the
wall clock at their scenario times divided by ``speed``. Each message id is
``<exercise id>/<party>/<n>`` (``n``: the item's place in its party's list), so the item
the node makes of it has a known id (:func:`gsomia.node.stream_ingest.stream_item_id`).

Scoring (:func:`exercise_knowledge`): the recipients' audit logs say when each item
arrived (``receive.accepted``, at the record's time); an arrival at wall time ``w`` is at
scenario time ``t0 + speed × (w − w0)`` (``w0``: the wall time the item of scenario time
``t0`` was due, from the run record). :class:`ArrivalDelivery` hands those arrivals to
:func:`~gsomia.sim.run.run_scenario` in place of the simulated delivery, so the figures
(what each party knew, and when) are computed by the very code of ``gsomia run``, and
set beside the simulated run of the same scenario on the same route.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from gsomia.node.exercise import exercise_settings
from gsomia.node.plots import RadarPlots
from gsomia.node.stream import StreamMessage, publish_messages
from gsomia.node.stream_ingest import stream_item_id
from gsomia.sharing import Catalog
from gsomia.sim.config import RunConfig
from gsomia.sim.delivery.payloads import payload_of
from gsomia.sim.delivery.plan import NONE, RoutePlan
from gsomia.sim.delivery.planned import deliver_planned
from gsomia.sim.items import Delivered, Warning
from gsomia.sim.observe import observe
from gsomia.sim.run import RunResult, observed_scenario, run_scenario, track_and_issue
from gsomia.sim.scenario import Scenario

__all__ = ["FIGURES", "ArrivalDelivery", "FeedItem", "arrivals_from_audit", "compare",
           "compare_warnings", "exercise_feed", "exercise_knowledge", "exercise_report_data",
           "inject", "item_ids", "msg_id", "simulated_arrivals"]

#: The per-launch figures set side by side (:mod:`gsomia.sim.knowledge`).
FIGURES = ("first_detection_s", "first_confirmed_s", "first_pip_within_50km_s",
           "area_at_risk_s")


def msg_id(exercise_id: str, party: str, n: int) -> str:
    """The stream message id of ``party``'s ``n``-th item in an exercise."""
    return f"{exercise_id}/{party}/{n}"


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One item a participant's sensors and tracker would give its node.

    Attributes:
        t_s: its scenario time [s]; party: the nation; n: its place in the nation's list;
        message: the stream message (``tracks`` or ``detections``).
    """

    t_s: float
    party: str
    n: int
    message: StreamMessage


def _items(scenario: Scenario, config: RunConfig) -> dict[str, list[Warning]]:
    sc = observed_scenario(scenario, config)
    _, warnings = track_and_issue(sc, observe(sc), config)
    return warnings


def exercise_feed(scenario: Scenario, exercise_id: str, parties: Iterable[str],
                  config: RunConfig | None = None) -> list[FeedItem]:
    """Every participant's items in time order (module notes); parties of the scenario
    that do not take part are left out."""
    cfg = config or RunConfig()
    keep = set(parties)
    out = []
    for party, items in _items(scenario, cfg).items():
        if party not in keep:
            continue
        for n, w in enumerate(items):
            payload = payload_of(w, scenario, n)
            kind = "detections" if isinstance(payload, RadarPlots) else "tracks"
            out.append(FeedItem(w.t_s, party, n, StreamMessage(
                kind, msg_id(exercise_id, party, n), payload.to_dict())))
    out.sort(key=lambda f: (f.t_s, f.party, f.n))
    return out


def inject(feed: list[FeedItem], servers: Mapping[str, str], exercise_id: str, *,
           speed: float = 1.0, progress: Callable[[int], None] | None = None,
           sleep: Callable[[float], None] = time.sleep) -> dict[str, Any]:
    """Publish ``feed`` to each party's exercise stream on its server (``servers``: party →
    NATS URL) on the wall clock, ``speed`` scenario seconds a wall second; the run record
    (what scoring needs: ``t0_s``, ``wall0``, ``speed``, the items sent per party).

    Raises:
        LinkError: a server not reachable; InputError: a bad speed.
    """
    if not speed > 0:
        from gsomia.errors import InputError
        raise InputError("speed", speed, "expected a positive number")
    t0 = feed[0].t_s if feed else 0.0
    wall0 = time.time() + 1.0
    settings = {p: exercise_settings(u, p, exercise_id) for p, u in servers.items()}
    sent: dict[str, int] = {}
    i = 0
    while i < len(feed):
        due = feed[i].t_s
        batch = []
        while i < len(feed) and feed[i].t_s == due:
            batch.append(feed[i])
            i += 1
        wait = wall0 + (due - t0) / speed - time.time()
        if wait > 0:
            sleep(wait)
        for party in sorted({f.party for f in batch} & set(settings)):
            mine = [f.message for f in batch if f.party == party]
            publish_messages(settings[party], mine)
            sent[party] = sent.get(party, 0) + len(mine)
        if progress is not None:
            progress(i)
    return {"exercise_id": exercise_id, "t0_s": t0, "speed": speed,
            "wall0": dt.datetime.fromtimestamp(wall0, dt.UTC).isoformat(), "sent": sent,
            "streams": {p: s.stream for p, s in settings.items()}}


class ArrivalDelivery:
    """A delivery step of :func:`gsomia.sim.run.run_scenario` that gives the arrivals an
    exercise recorded (module notes) on the route ``route``, none on the others.

    Args:
        arrivals: ``(recipient, originator, n) → scenario time of arrival [s]`` of the
            originator's ``n``-th item; an entry of a public warning log (the run shares
            those in a later call) is keyed ``(recipient, originator, (launch, t_s))``
            instead (:func:`simulated_arrivals`; an audit log gives none).
    """

    def __init__(self, arrivals: Mapping[tuple[str, str, Any], float],
                 route: str = "direct") -> None:
        self.arrivals = dict(arrivals)
        self.route = route

    def __call__(self, warnings: dict[str, list[Warning]], plan: RoutePlan,
                 scenario: Scenario, catalog: Catalog) -> list[Delivered]:
        """The recorded arrivals of ``plan``'s route, in time order."""
        if plan.route == NONE or plan.route != self.route:
            return []
        recipients = {k[0] for k in self.arrivals}
        out = []
        for origin, items in warnings.items():
            for n, w in enumerate(items):
                ref = n if w.alert is None else (w.alert.launch, w.alert.t_s)
                out += [Delivered(self.arrivals[key], to, w) for to in recipients
                        if (key := (to, origin, ref)) in self.arrivals]
        out.sort(key=lambda d: (d.t_s, d.to, d.item.originator))
        return out


def arrivals_from_audit(records: Iterable[tuple[str, Mapping[str, Any]]], recipient: str,
                        ids: Mapping[str, tuple[str, int]], record: Mapping[str, Any]
                        ) -> dict[tuple[str, str, Any], float]:
    """The arrivals at ``recipient`` from its audit records ``(at, body)`` of kind
    ``receive.accepted`` (``ids``: item id → (originator, n); ``record``: the run
    record), in scenario time (module notes)."""
    wall0 = dt.datetime.fromisoformat(record["wall0"]).timestamp()
    out: dict[tuple[str, str, int], float] = {}
    for at, body in records:
        key = ids.get(str(body.get("item_id")))
        if key is None:
            continue
        wall = dt.datetime.fromisoformat(at).timestamp()
        t = record["t0_s"] + record["speed"] * (wall - wall0)
        out.setdefault((recipient, *key), t)
    return out


def item_ids(feed: Iterable[FeedItem], streams: Mapping[str, str]) -> dict[str, tuple[str, int]]:
    """Item id (as each originator's node derives it) → (originator, n)."""
    return {stream_item_id(f.party, streams[f.party], f.message.msg_id): (f.party, f.n)
            for f in feed if f.party in streams}


def exercise_knowledge(scenario: Scenario, arrivals: Mapping[tuple[str, str, int], float],
                       config: RunConfig | None = None) -> tuple[RunResult, RunResult]:
    """``(exercise, simulated)``: the run of ``scenario`` with the exercise's recorded
    arrivals on ``direct``, and the simulated run (the parties' nodes on a simulated
    clock, :class:`~gsomia.sim.delivery.nodes.NodeDelivery`), both with routes
    ``none`` and ``direct``."""
    cfg = config or RunConfig(routes=("none", "direct"))
    return (run_scenario(scenario, cfg, delivery=ArrivalDelivery(arrivals)),
            run_scenario(scenario, cfg))


def compare(exercise: RunResult, simulated: RunResult, parties: Iterable[str],
            route: str = "direct") -> list[dict[str, Any]]:
    """Per launch, party and figure (:data:`FIGURES`): the exercise's value, the simulated
    one and the difference [s after the launch; None: not reached before the impact]."""
    out = []
    for lid, by_party in exercise.knowledge.items():
        for party in parties:
            ex = by_party.get(party, {}).get(route)
            sim = simulated.knowledge.get(lid, {}).get(party, {}).get(route)
            if ex is None or sim is None:
                continue
            for fig in FIGURES:
                a, b = getattr(ex, fig), getattr(sim, fig)
                out.append({"launch": lid, "party": party, "figure": fig, "exercise": a,
                            "simulated": b,
                            "difference": None if a is None or b is None else a - b})
    return out


def _actions(result: RunResult, parties: Iterable[str]
             ) -> dict[tuple[str, str, str], list[Any]]:
    """``(launch, party, action)`` → its warning log entries (:mod:`gsomia.sim.warnlog`)."""
    keep = set(parties)
    out: dict[tuple[str, str, str], list[Any]] = {}
    for e in (result.alerts.entries if result.alerts is not None else []):
        if e.party in keep:
            out.setdefault((e.launch, e.party, e.action), []).append(e)
    return out


def compare_warnings(exercise: RunResult, simulated: RunResult, parties: Iterable[str]
                     ) -> list[dict[str, Any]]:
    """Per launch, party and action (``issue``, ``update``, ``withdraw``) of the warning
    logs of ``gsomia run`` (:mod:`gsomia.sim.warnlog`, computed by the same code from the
    pictures each run's arrivals give): how many entries each run logged, the first one's
    time [s after the launch; None: none logged] and area, and the difference of those
    times (exercise − simulated)."""
    launch_s = {f.id: f.launch_s for f in simulated.observation.flights}
    parties = list(parties)
    ex, sim = _actions(exercise, parties), _actions(simulated, parties)
    out = []
    for key in sorted(set(ex) | set(sim)):
        lid, party, action = key
        row: dict[str, Any] = {"launch": lid, "party": party, "action": action}
        for name, got in (("exercise", ex.get(key, [])), ("simulated", sim.get(key, []))):
            first = min(got, key=lambda e: e.t_s) if got else None
            row[name] = None if first is None else round(first.t_s - launch_s[lid], 3)
            row[f"{name}_count"] = len(got)
            row[f"{name}_area"] = None if first is None else list(first.area)
        a, b = row["exercise"], row["simulated"]
        row["difference"] = None if a is None or b is None else round(a - b, 3)
        out.append(row)
    return out


def simulated_arrivals(simulated: RunResult, route: str = "direct"
                       ) -> dict[tuple[str, str, Any], float]:
    """The simulated run's arrivals item by item on ``route``, keyed as
    :class:`ArrivalDelivery` takes them: the planned delivery, whose arrivals are the
    nodes' (:mod:`gsomia.sim.delivery.nodes`) and which hands on the items themselves."""
    where = {id(w): (origin, n) for origin, ws in simulated.warnings.items()
             for n, w in enumerate(ws)}
    out: dict[tuple[str, str, Any], float] = {
        (d.to, *where[id(d.item)]): d.t_s
        for d in deliver_planned(simulated.warnings, simulated.plans[route])
        if id(d.item) in where}
    if simulated.alerts is not None and simulated.alerts.route == route:
        for (party, launch, t_s), got in simulated.alerts.received.items():
            out.update({(to, party, (launch, t_s)): t for to, t in got.items()})
    return out


def _audit_arrivals(path: Any) -> list[tuple[str, dict[str, Any]]]:
    """``(at, body)`` of every ``receive.accepted`` item record of an audit log."""
    from gsomia.sharing.audit import AuditLog

    log = AuditLog(path)
    try:
        return [(r.at, r.body) for r in log.records()
                if r.kind == "receive.accepted" and r.body.get("kind") == "item"]
    finally:
        log.close()


def exercise_report_data(plan: Mapping[str, Any], record: Mapping[str, Any],
                         logs: Mapping[str, Any], parties: Iterable[str],
                         config: RunConfig | None = None) -> dict[str, Any]:
    """The report of ``gsomia exercise report`` (module notes): ``figures``
    (:func:`compare`), ``warnings`` (:func:`compare_warnings`; and each run's whole
    warning log, ``warning_log``: ``{"exercise": [...], "simulated": [...]}``, the JSON
    ``warnings`` list of ``gsomia run --json-out``), ``links`` per
    ``"<originator>-><recipient>"`` (items sent, arrived, lost, median extra delay over
    the simulated arrival [s scenario time]) and the ``arrivals`` read per recipient.

    Args:
        plan: the plan (its JSON form); record: the run record of :func:`inject`;
        logs: participant → its exercise store (audit log); parties: those reported.

    Raises:
        InputError: an unreadable log or scenario.
    """
    from gsomia.sim.scenario import load_scenario

    parties = list(parties)
    scenario = load_scenario(record.get("scenario") or plan["scenario"])
    eid = plan["exercise_id"]
    feed = exercise_feed(scenario, eid, plan["participants"], config)
    ids = item_ids(feed, record["streams"])
    arrivals: dict[tuple[str, str, int], float] = {}
    for recipient, path in logs.items():
        arrivals.update(arrivals_from_audit(_audit_arrivals(path), recipient, ids, record))
    exercise, simulated = exercise_knowledge(scenario, arrivals, config)
    sim_at = simulated_arrivals(simulated)
    links: dict[str, dict[str, Any]] = {}
    for (to, origin, n), t_sim in sim_at.items():
        # the items the exercise fed (a warning-log entry, keyed by launch and time, is
        # computed after the fact, never fed)
        if to not in logs or origin not in record["streams"] or not isinstance(n, int):
            continue
        d = links.setdefault(f"{origin}->{to}", {"sent": 0, "arrived": 0, "extra": []})
        d["sent"] += 1
        if (t := arrivals.get((to, origin, n))) is not None:
            d["arrived"] += 1
            d["extra"].append(t - t_sim)
    for d in links.values():
        extra = sorted(d.pop("extra"))
        d["lost"] = d["sent"] - d["arrived"]
        d["extra_delay_median_s"] = (round(extra[len(extra) // 2], 3) if extra else None)
    return {"exercise_id": eid, "scenario": scenario.name, "speed": record["speed"],
            "figures": compare(exercise, simulated, parties),
            "warnings": compare_warnings(exercise, simulated, parties),
            "warning_log": {name: [e for e in (r.alerts.to_json() if r.alerts else [])
                                   if e["party"] in parties]
                            for name, r in (("exercise", exercise),
                                            ("simulated", simulated))},
            "links": dict(sorted(links.items())),
            "arrivals": len(arrivals)}

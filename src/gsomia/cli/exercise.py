"""``gsomia exercise …``: exercises on the participants' own running nodes.

``propose``, ``accept``, ``end``, ``show`` reach the party's node as its operator (mutual
TLS; the options of ``gsomia item``: :mod:`gsomia.cli.item`) and agree the exercise by
items (:mod:`gsomia.web.exercise`, :mod:`gsomia.node.exercise`). ``run`` feeds every
participant's exercise stream with what its sensors and tracker would give (on the wall
clock, ``--speed`` times faster), ``inject`` puts one track report on a participant's
exercise stream by hand (the controller's console), and ``report`` scores the exercise
from the audit logs the participants hand over (their consent: the exercise stores they
give with ``--log``) beside the simulated run of the same scenario
(:mod:`gsomia.sim.exercise`).

A PLAN is the plan file ``propose`` writes (the plan as JSON). Exit codes: 0 done; 2 bad
input, a node that cannot be reached or answers an error, or a scenario that is not the
plan's (its SHA-256 differs).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from pathlib import Path
from typing import Annotated, Any

import typer

from gsomia.cli._app import app, console, guarded, print_json
from gsomia.cli.item import ConfigOpt, JsonOpt, UrlOpt, node_client
from gsomia.errors import InputError

__all__ = ["exercise_accept", "exercise_app", "exercise_end", "exercise_inject",
           "exercise_propose", "exercise_report", "exercise_run", "exercise_show"]

exercise_app = typer.Typer(help="Exercises on the participants' own running nodes: agreed, "
                                "marked EXERCISE, kept apart from real traffic, and scored.",
                           no_args_is_help=True)
app.add_typer(exercise_app, name="exercise")

PlanArg = Annotated[Path, typer.Argument(help="The plan file (written by 'gsomia exercise "
                                              "propose').")]
StreamOpt = Annotated[list[str], typer.Option(
    "--stream", help="PARTY=nats://host:port: a participant's stream server (repeat).")]


def _plan(path: Path) -> dict[str, Any]:
    from gsomia.node.exercise import ExercisePlan

    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError("PLAN", str(path), f"not a readable plan file: {exc}") from None
    try:
        return ExercisePlan.from_dict(data).to_dict()
    except InputError as exc:
        raise InputError(exc.field, exc.value, f"{exc.reason} (plan file {path}, as "
                         "'gsomia exercise propose' writes it)") from None


def _pairs(values: list[str], option: str) -> dict[str, str]:
    out = {}
    for v in values:
        party, sep, rest = v.partition("=")
        if not sep or not rest or len(party) != 3 or not party.isupper():
            raise InputError(option, v, "expected PARTY=VALUE, e.g. JPN=...")
        out[party] = rest
    return out


def scenario_sha256(scenario: str) -> str:
    """SHA-256 of a scenario's file (packaged name or path)."""
    from gsomia.sim.scenario.load import resolve_scenario_path

    return hashlib.sha256(resolve_scenario_path(scenario).read_bytes()).hexdigest()


@exercise_app.command("propose")
@guarded
def exercise_propose(
    scenario: Annotated[str, typer.Argument(help="Packaged scenario name or TOML file.")],
    config: ConfigOpt,
    participants: Annotated[str, typer.Option("--participants",
                                              help="Party codes, comma separated.")],
    out: Annotated[Path, typer.Option("--out", help="Write the plan file here.")],
    name: Annotated[str, typer.Option("--name", help="The exercise's name.")] = "exercise",
    start: Annotated[str | None, typer.Option("--start", help="Window start, ISO 8601 "
                                              "with offset (default: now).")] = None,
    hours: Annotated[float, typer.Option("--hours", min=0.01, help="Window length [h].")] = 2.0,
    on_end: Annotated[str, typer.Option("--on-end", help="archive or purge.")] = "archive",
    url: UrlOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Propose an exercise plan to the participants from this party's node; write the
    plan file."""
    try:
        t0 = (dt.datetime.fromisoformat(start) if start else dt.datetime.now(dt.UTC))
    except ValueError:
        raise InputError("--start", start, "expected ISO 8601 date and time with a UTC "
                         "offset, e.g. 2026-12-05T09:00+00:00") from None
    if t0.tzinfo is None:
        raise InputError("--start", start, "needs a UTC offset, e.g. +00:00 or Z")
    if on_end not in ("archive", "purge"):
        raise InputError("--on-end", on_end, "expected archive or purge")
    if t0 + dt.timedelta(hours=hours) <= dt.datetime.now(dt.UTC):
        raise InputError("--start", start, f"the window ({hours:g} h) is already over: an "
                         "exercise runs on the wall clock (its scenario keeps its own date)")
    body = {"name": name, "participants": [p.strip().upper() for p in participants.split(",")],
            "start": t0.isoformat(), "end": (t0 + dt.timedelta(hours=hours)).isoformat(),
            "scenario": scenario, "scenario_sha256": scenario_sha256(scenario),
            "on_end": on_end}
    node = node_client(config, url)
    got = node.answer(node.call("POST", "/v1/exercises", json=body))
    out.write_text(json.dumps(got["plan"], indent=2) + "\n", encoding="utf-8")
    if json_out:
        print_json(got)
    else:
        console.print(f"{got['exercise_id']} proposed ({got['status']}); plan: {out}",
                      soft_wrap=True, highlight=False)


def _act(plan: Path, config: Path, url: str | None, action: str, json_out: bool) -> None:
    p = _plan(plan)
    eid = p["exercise_id"]
    node = node_client(config, url)
    if action and node.party not in p["participants"]:
        raise InputError("--config", str(config), f"{node.party} is not a participant of "
                         f"{eid} ({', '.join(p['participants'])}): it cannot {action} it")
    got = node.answer(node.call("POST" if action else "GET",
                                f"/v1/exercises/{eid}{'/' + action if action else ''}"))
    if json_out:
        print_json(got)
    else:
        console.print(f"{eid}: {got['status']}; accepted by {', '.join(got['accepted_by'])}"
                      f"{'; running here' if got.get('running') else ''}", soft_wrap=True,
                      highlight=False)


@exercise_app.command("accept")
@guarded
def exercise_accept(plan: PlanArg, config: ConfigOpt, url: UrlOpt = None,
                    json_out: JsonOpt = False) -> None:
    """Sign this party's acceptance of the plan (the exercise becomes active once every
    participant has)."""
    _act(plan, config, url, "accept", json_out)


@exercise_app.command("end")
@guarded
def exercise_end(plan: PlanArg, config: ConfigOpt, url: UrlOpt = None,
                 json_out: JsonOpt = False) -> None:
    """End the exercise (any participant); its store is archived or purged per the plan."""
    _act(plan, config, url, "end", json_out)


@exercise_app.command("show")
@guarded
def exercise_show(plan: PlanArg, config: ConfigOpt, url: UrlOpt = None,
                  json_out: JsonOpt = False) -> None:
    """The exercise as this party's node knows it."""
    _act(plan, config, url, "", json_out)


@exercise_app.command("run")
@guarded
def exercise_run(
    scenario: Annotated[str, typer.Argument(help="The plan's scenario (name or file).")],
    plan: Annotated[Path, typer.Option("--plan", help="The plan file.")],
    stream: StreamOpt,
    speed: Annotated[float, typer.Option("--speed", min=0.01,
                                         help="Scenario seconds per wall second.")] = 1.0,
    record: Annotated[Path | None, typer.Option("--record", help="Write the run record "
                                                "here (default: PLAN.run.json).")] = None,
) -> None:
    """Feed each participant's node, through its exercise stream, what its sensors and
    tracker would give in SCENARIO, on the wall clock (--speed times faster)."""
    from gsomia.sim.exercise import exercise_feed, inject
    from gsomia.sim.scenario import load_scenario

    p = _plan(plan)
    if scenario_sha256(scenario) != p["scenario_sha256"]:
        raise InputError("SCENARIO", scenario, f"not the plan's scenario (SHA-256 "
                                               f"{p['scenario_sha256'][:12]}…)")
    servers = _pairs(stream, "--stream")
    feed = exercise_feed(load_scenario(scenario), p["exercise_id"], p["participants"])
    console.print(f"{len(feed)} items to {', '.join(sorted(servers))} at {speed:g}x "
                  f"({(feed[-1].t_s - feed[0].t_s) / speed if feed else 0:.0f} s)",
                  highlight=False)
    rec = inject(feed, servers, p["exercise_id"], speed=speed)
    path = record or plan.with_suffix(".run.json")
    path.write_text(json.dumps({**rec, "scenario": scenario}, indent=2) + "\n",
                    encoding="utf-8")
    console.print(f"sent {rec['sent']}; run record: {path}", soft_wrap=True, highlight=False)


@exercise_app.command("inject")
@guarded
def exercise_inject(
    plan: PlanArg,
    party: Annotated[str, typer.Option("--party", help="Whose sensors report it.")],
    server: Annotated[str, typer.Option("--stream", help="That party's nats://host:port.")],
    warning: Annotated[Path, typer.Option("--warning", help="A track report (missile "
                                          "warning JSON, gsomia schema missile-warning).")],
) -> None:
    """Put one track report on a participant's exercise stream now (the controller's
    console: a launch injected by hand)."""
    from gsomia.node.exercise import exercise_settings
    from gsomia.node.stream import StreamMessage, publish_messages
    from gsomia.node.warning import MissileWarning

    p = _plan(plan)
    if party not in p["participants"]:
        raise InputError("--party", party, "not a participant of the plan")
    try:
        payload = json.loads(warning.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError("--warning", str(warning), f"not a JSON file: {exc}") from None
    MissileWarning.from_dict(payload).validate()
    mid = f"{p['exercise_id']}/{party}/manual-{uuid.uuid4().hex[:12]}"
    publish_messages(exercise_settings(server, party, p["exercise_id"]),
                     [StreamMessage("tracks", mid, payload)])
    console.print(f"injected {mid}", highlight=False)


def _check_record(rec: Any, path: Path, exercise_id: str) -> None:
    """A run record as ``gsomia exercise run`` writes it, of this plan's exercise."""
    if not isinstance(rec, dict):
        raise InputError("--record", str(path), "expected a JSON object (a run record)")
    for key in ("exercise_id", "t0_s", "speed", "wall0", "streams", "scenario"):
        if key not in rec:
            raise InputError(f"record.{key}", None, f"required (run record {path})")
    if rec["exercise_id"] != exercise_id:
        raise InputError("record.exercise_id", rec["exercise_id"],
                         f"not the plan's exercise {exercise_id} (run record {path})")


@exercise_app.command("report")
@guarded
def exercise_report(
    plan: PlanArg,
    log: Annotated[list[str], typer.Option("--log", help="PARTY=STORE: a participant's "
                                           "exercise store (its audit log), given with its "
                                           "consent (repeat).")],
    record: Annotated[Path | None, typer.Option("--record", help="The run record (default: "
                                                "PLAN.run.json).")] = None,
    party: Annotated[list[str] | None, typer.Option("--party", help="Parties to report "
                                                    "(default: those of --log).")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Score the exercise from the participants' audit logs: the figures of 'gsomia run'
    (what each nation knew and when) beside the simulated run of the same scenario on
    the direct route, and what differed."""
    from gsomia.sim.exercise import exercise_report_data

    p = _plan(plan)
    rec_path = record or plan.with_suffix(".run.json")
    try:
        rec = json.loads(rec_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError("--record", str(rec_path), f"not a run record: {exc}") from None
    _check_record(rec, rec_path, p["exercise_id"])
    logs = {k: Path(v) for k, v in _pairs(log, "--log").items()}
    for who, path in logs.items():
        if who not in p["participants"]:
            raise InputError("--log", f"{who}={path}", "not a participant of the plan")
        if not path.is_file():
            raise InputError("--log", f"{who}={path}", "no such file (the participant's "
                             f"exercises/{p['exercise_id']}.sqlite)")
    for who in party or ():
        if who not in p["participants"]:
            raise InputError("--party", who, "not a participant of the plan")
    data = exercise_report_data(p, rec, logs, party or sorted(logs))
    if json_out:
        print_json(data)
        return
    console.print(f"{p['name']} ({p['exercise_id']}), scenario {rec['scenario']} at "
                  f"{rec['speed']:g}x: exercise vs simulated (direct), s after launch",
                  highlight=False)
    for row in data["figures"]:
        diff = row["difference"]
        console.print(f"{row['launch']:4} {row['party']} {row['figure']:24} "
                      f"{row['exercise']!s:>8} {row['simulated']!s:>8} "
                      f"{'' if diff is None else format(diff, '+g')}", highlight=False)
    console.print("warnings (gsomia run's log): first entry, s after launch, and count",
                  highlight=False)
    for row in data["warnings"]:
        diff = row["difference"]
        console.print(f"{row['launch']:4} {row['party']} {row['action']:8} "
                      f"{row['exercise']!s:>8} ×{row['exercise_count']:<3} "
                      f"{row['simulated']!s:>8} ×{row['simulated_count']:<3} "
                      f"{'' if diff is None else format(diff, '+g')}", highlight=False)
    for pair, d in data["links"].items():
        console.print(f"{pair}: {d['arrived']}/{d['sent']} arrived, lost {d['lost']}, "
                      f"extra delay median {d['extra_delay_median_s']} s", highlight=False)

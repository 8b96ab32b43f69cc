"""Agreed exercises on the real nodes: the plan, the participants' acceptances, the end,
and the marking that keeps exercise traffic apart from real traffic.

An exercise is agreed by items like any other (created, signed, released, received and
audited by the real nodes): one party proposes an :class:`ExercisePlan` (payload kind
``exercise_plan``), every participant accepts it by an item of its own
(``exercise_acceptance``, naming the plan's SHA-256, so that it accepts that plan and no
other), and any participant ends it (``exercise_end``). Each node keeps what it knows in
an :class:`ExerciseBook` (rebuilt from its store on a restart: :meth:`ExerciseBook.replay`).

The exercise is **active** while (a) its plan is known, (b) every participant's signed
acceptance of that plan is known, (c) no participant has ended it, and (d) the wall clock
is inside the plan's window. A node takes exercise traffic only for an exercise that is
active and that it accepted itself (:meth:`ExerciseBook.refusal`).

Marking: every item an exercise node creates carries ``EXERCISE <exercise id>`` as the
STANAG 4774 privacy mark of its label (:func:`exercise_mark`; the label is signed by the
originator and travels inside every envelope), and the marking applied on receipt
repeats it (key ``exercise``). :func:`exercise_refusal` is the rule both ends apply: a real
node (no exercise) never takes nor releases an item with an exercise mark, and an
exercise node takes and releases only items marked with its own exercise id, and only
while its gate admits them. ASSUMPTION: the privacy mark is the label field for the
EXERCISE marking (STANAG 4774 privacy marks are free-text caveats that do not change
access control; NATO exercise practice prefixes every exercise message "EXERCISE").
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from gsomia.errors import InputError
from gsomia.sharing.audit_hash import canonical_json
from gsomia.sharing.label import Label

if TYPE_CHECKING:
    from gsomia.node.stream import StreamSettings

__all__ = ["END_POLICIES", "EXERCISE_KINDS", "ExerciseBook", "ExerciseGate", "ExercisePlan",
           "exercise_mark", "exercise_of", "exercise_refusal", "exercise_settings"]

#: Payload kinds of the items that agree an exercise (real items, never exercise traffic).
EXERCISE_KINDS = ("exercise_plan", "exercise_acceptance", "exercise_end")
#: What becomes of the exercise's store when it ends: kept read-only, or its items erased
#: (the audit log is kept in both cases: scoring reads it).
END_POLICIES = ("archive", "purge")
_PREFIX = "EXERCISE "
_ID = re.compile(r"^EX-[0-9a-f]{12}$")


def exercise_mark(exercise_id: str) -> str:
    """The privacy mark of an exercise item: ``"EXERCISE <exercise id>"``."""
    return _PREFIX + exercise_id


def exercise_of(label: Label) -> str | None:
    """The exercise id a label is marked with, or None for a real item."""
    mark = label.privacy_mark or ""
    return mark[len(_PREFIX):] if mark.startswith(_PREFIX) else None


def exercise_settings(url: str, party: str, exercise_id: str) -> StreamSettings:
    """The exercise's in-nation stream of ``party`` on the NATS server ``url``: stream
    ``EX_<hex>_<PARTY>``, subjects ``ex<hex>.<party>.*``, consumer
    ``gsomia-<party>-exercise``: a stream of its own beside the nation's real one
    (:class:`gsomia.node.stream.StreamSettings`), so no exercise message enters it."""
    from gsomia.node.stream import StreamSettings  # nats-py only where a stream is used

    tail = exercise_id.split("-", 1)[-1].lower()
    return StreamSettings(url, party, stream=f"EX_{tail}_{party}", prefix=f"ex{tail}",
                          durable=f"gsomia-{party.lower()}-exercise")


class ExerciseGate(Protocol):
    """What an exercise node asks before it takes or releases exercise traffic."""

    @property
    def exercise_id(self) -> str: ...

    def refusal(self) -> str | None:
        """None while the exercise is active and accepted by this node, else why not."""


def exercise_refusal(gate: ExerciseGate | None, label: Label, party: str) -> str | None:
    """Why ``label``'s item may not be taken or released by ``party``'s node serving
    ``gate`` (None: a real node), or None when it may (module notes)."""
    mark = exercise_of(label)
    if gate is None:
        if mark is None:
            return None
        return (f"{label.item_id} is exercise traffic (EXERCISE {mark}): {party}'s real node "
                "never takes nor releases it as real")
    if mark != gate.exercise_id:
        return (f"{label.item_id} is not marked EXERCISE {gate.exercise_id} (mark "
                f"{label.privacy_mark!r}): not traffic of this exercise")
    return gate.refusal()


def _time(field_name: str, value: Any) -> dt.datetime:
    try:
        t = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise InputError(field_name, value, "expected an ISO 8601 date and time") from None
    if t.tzinfo is None:
        raise InputError(field_name, value, "needs a UTC offset")
    return t.astimezone(dt.UTC)


@dataclass(frozen=True, slots=True)
class ExercisePlan:
    """An exercise plan (the payload of an ``exercise_plan`` item).

    Attributes:
        exercise_id: ``EX-<12 hex>``; name: what the planners call it.
        proposer: the party that proposes it; participants: party codes, proposer included.
        start, end: the window (UTC) in which exercise traffic is taken.
        scenario: the scenario run (a packaged name or a file name); scenario_sha256: the
            SHA-256 of its file, so every party knows it exercises the same one.
        on_end: ``archive`` or ``purge`` (:data:`END_POLICIES`).
    """

    exercise_id: str
    name: str
    proposer: str
    participants: tuple[str, ...]
    start: dt.datetime
    end: dt.datetime
    scenario: str
    scenario_sha256: str
    on_end: str = "archive"

    @classmethod
    def new(cls, name: str, proposer: str, participants: Iterable[str], start: Any, end: Any,
            scenario: str, scenario_sha256: str, on_end: str = "archive") -> ExercisePlan:
        """A plan with a new id (checked as :meth:`from_dict`)."""
        return cls.from_dict({
            "exercise_id": f"EX-{uuid.uuid4().hex[:12]}", "name": name, "proposer": proposer,
            "participants": sorted(set(participants) | {proposer}), "start": start,
            "end": end, "scenario": scenario, "scenario_sha256": scenario_sha256,
            "on_end": on_end})

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ExercisePlan:
        """Read a plan's JSON form.

        Raises:
            InputError: a missing or malformed field (named ``plan.<field>``).
        """
        if not isinstance(data, Mapping):
            raise InputError("plan", data, "expected a JSON object")
        need = ("exercise_id", "name", "proposer", "participants", "start", "end",
                "scenario", "scenario_sha256")
        for key in need:
            if key not in data:
                raise InputError(f"plan.{key}", None, "required")
        eid = data["exercise_id"]
        if not isinstance(eid, str) or not _ID.match(eid):
            raise InputError("plan.exercise_id", eid, "expected EX- and 12 hex digits")
        parts = data["participants"]
        if (not isinstance(parts, list | tuple) or len(parts) < 2
                or not all(isinstance(p, str) and re.fullmatch(r"[A-Z]{3}", p) for p in parts)):
            raise InputError("plan.participants", parts, "expected two or more party codes")
        if data["proposer"] not in parts:
            raise InputError("plan.proposer", data["proposer"], "not among the participants")
        start, end = _time("plan.start", data["start"]), _time("plan.end", data["end"])
        if end <= start:
            raise InputError("plan.end", data["end"], "not after plan.start")
        sha = data["scenario_sha256"]
        if not isinstance(sha, str) or not re.fullmatch(r"[0-9a-f]{64}", sha):
            raise InputError("plan.scenario_sha256", sha, "expected 64 hex digits")
        on_end = data.get("on_end", "archive")
        if on_end not in END_POLICIES:
            raise InputError("plan.on_end", on_end, f"one of {list(END_POLICIES)}")
        for key in ("name", "scenario"):
            if not isinstance(data[key], str) or not data[key]:
                raise InputError(f"plan.{key}", data[key], "expected a non-empty string")
        return cls(eid, data["name"], data["proposer"], tuple(sorted(set(parts))), start, end,
                   data["scenario"], sha, on_end)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (payload of the ``exercise_plan`` item, with ``kind``)."""
        return {"kind": "exercise_plan", "exercise_id": self.exercise_id, "name": self.name,
                "proposer": self.proposer, "participants": list(self.participants),
                "start": self.start.isoformat(), "end": self.end.isoformat(),
                "scenario": self.scenario, "scenario_sha256": self.scenario_sha256,
                "on_end": self.on_end}

    @property
    def sha256(self) -> str:
        """SHA-256 of the plan's canonical JSON (what an acceptance names)."""
        return hashlib.sha256(canonical_json(self.to_dict()).encode()).hexdigest()


@dataclass
class ExerciseBook:
    """What one party's node knows of exercises (module notes).

    Every method takes the event's party as authenticated by the caller (the originator of
    the signed item that carried it, or this node itself). Events may come in any order: an
    acceptance known before its plan counts once the plan is known, if it names that plan.
    """

    party: str
    plans: dict[str, ExercisePlan] = field(default_factory=dict)
    acceptances: dict[str, dict[str, str]] = field(default_factory=dict)
    ended: dict[str, str] = field(default_factory=dict)

    def propose(self, plan: ExercisePlan, by: str) -> None:
        """A plan proposed by ``by`` (its proposer, who thereby accepts it).

        Raises:
            InputError: ``by`` is not the plan's proposer, or another plan has this id.
        """
        if by != plan.proposer:
            raise InputError("plan.proposer", plan.proposer, f"proposed by {by}")
        known = self.plans.get(plan.exercise_id)
        if known is not None and known != plan:
            raise InputError("plan.exercise_id", plan.exercise_id, "another plan has this id")
        self.plans[plan.exercise_id] = plan
        self.acceptances.setdefault(plan.exercise_id, {})[by] = plan.sha256

    def accept(self, exercise_id: str, by: str, plan_sha256: str) -> None:
        """``by`` accepts the plan of ``exercise_id`` whose SHA-256 is ``plan_sha256``."""
        self.acceptances.setdefault(exercise_id, {})[by] = plan_sha256

    def end(self, exercise_id: str, by: str) -> None:
        """``by`` ends the exercise (only a participant's end counts: :meth:`status`)."""
        plan = self.plans.get(exercise_id)
        if plan is None or by in plan.participants:
            self.ended.setdefault(exercise_id, by)

    def accepted_by(self, exercise_id: str) -> list[str]:
        """The participants whose acceptance of the known plan is known."""
        plan = self.plans.get(exercise_id)
        if plan is None:
            return []
        got = self.acceptances.get(exercise_id, {})
        return [p for p in plan.participants if got.get(p) == plan.sha256]

    def status(self, exercise_id: str, now: dt.datetime) -> str:
        """``unknown``, ``proposed`` (acceptances missing), ``ended``, ``scheduled``
        (accepted by all, before the window), ``over`` (after it) or ``active``."""
        plan = self.plans.get(exercise_id)
        if plan is None:
            return "unknown"
        ended_by = self.ended.get(exercise_id)
        if ended_by is not None and ended_by in plan.participants:
            return "ended"
        if len(self.accepted_by(exercise_id)) < len(plan.participants):
            return "proposed"
        if now < plan.start:
            return "scheduled"
        return "over" if now > plan.end else "active"

    def refusal(self, exercise_id: str, now: dt.datetime) -> str | None:
        """None when this node takes traffic of ``exercise_id`` now (active, and accepted
        by this node), else the reason."""
        status = self.status(exercise_id, now)
        if status != "active":
            return f"exercise {exercise_id} is {status} at {self.party}"
        if self.party not in self.accepted_by(exercise_id):  # not a participant
            return f"exercise {exercise_id} was not accepted by {self.party}"
        return None

    def apply(self, payload: Mapping[str, Any], originator: str) -> str | None:
        """Apply the payload of an exercise item signed by ``originator``; the exercise id,
        or None when the payload is no exercise item. Raises InputError: a malformed one."""
        kind = payload.get("kind")
        if kind not in EXERCISE_KINDS:
            return None
        if kind == "exercise_plan":
            plan = ExercisePlan.from_dict(payload)
            self.propose(plan, originator)
            return plan.exercise_id
        eid = payload.get("exercise_id")
        if not isinstance(eid, str) or not _ID.match(eid):
            raise InputError("exercise_id", eid, "expected EX- and 12 hex digits")
        if kind == "exercise_acceptance":
            self.accept(eid, originator, str(payload.get("plan_sha256")))
        else:
            self.end(eid, originator)
        return eid

    def replay(self, own: Iterable[Mapping[str, Any]],
               received: Iterable[tuple[Mapping[str, Any], str]]) -> None:
        """Rebuild from this node's own exercise items' payloads and the received ones
        with their originators (a restart); malformed ones are skipped."""
        for payload, originator in [*((p, self.party) for p in own), *received]:
            try:
                self.apply(payload, originator)
            except InputError:
                continue

    def view(self, exercise_id: str, now: dt.datetime) -> dict[str, Any]:
        """The exercise as an API answers it: plan, status, who accepted, who ended it."""
        plan = self.plans.get(exercise_id)
        return {"exercise_id": exercise_id, "marking": exercise_mark(exercise_id),
                "status": self.status(exercise_id, now),
                "plan": None if plan is None else plan.to_dict(),
                "accepted_by": self.accepted_by(exercise_id),
                "ended_by": self.ended.get(exercise_id)}

"""Warning policy: when a party's node issues, updates and withdraws a public warning, and
how a log of warnings is scored against what happened.

Policy (:class:`WarningPolicy`, every figure a documented choice, not a measured one)
--------------------------------------------------------------------------------------
At each assessment a node knows, for each *own* area (country = the party; zone ``land``,
``territorial_sea`` or ``eez``), the probability that the impact falls in it and the
probability that the missile flies over it below ``overflight_alt_m`` (overflight counts
over land and territorial sea only: a state's airspace is the air above its land and
territorial sea, UNCLOS Art. 2(2); the EEZ has no airspace). The *severity* of a zone is
land > territorial sea > EEZ.

- **issue**: no warning is in force and some own area has probability ≥ ``p_issue`` (the
  most severe such area; impact before overflight on equal zones);
- **update**: a warning is in force and the area so chosen differs from the warned one,
  or the probability of the warned area moved by ≥ ``p_update_step``;
- **withdraw**: a warning is in force and the warned area's probability (impact and
  overflight) fell below ``p_withdraw`` with no other area above ``p_issue``
  ("predicted area no longer at risk"), or the launch has had no track for
  ``lost_after_s`` ("track lost": the prediction can no longer be held). The gap between
  ``p_issue`` and ``p_withdraw`` is a hysteresis that keeps a warning from flickering.

Hysteresis in time (``hold_s``) damps flicker and never delays a first warning:

- the *first announcement of an area* in the log (an issue, or an update to an area not
  announced before, more or less severe) is made at the first assessment that calls for
  it: a correct warning of the EEZ is not held back because a more severe (overflight)
  area was announced before it;
- an *escalation* (a move to a more severe area) is announced at once, unless that area
  was itself announced less than ``hold_s`` ago (a re-announcement: then ``hold_s`` after
  that announcement; with assessments every ``interval_s`` ≥ ``hold_s``/2, as by default,
  this never delays one, since a move away and back takes two intervals);
- a *de-escalation* to an area already announced (a move to a less severe area, or a
  withdrawal because the area is no longer at risk) only once every assessment for
  ``hold_s`` has called for it (it is pending from the first one that did; one that does
  not resets it), and a re-announcement of the warned area (its probability moved by
  ``p_update_step``) or a withdrawal for a lost track only ``hold_s`` after the last entry.

So no area is issued, updated to or withdrawn twice within ``hold_s``, and an area at the
margin of two assessments' choices no longer flickers between them.

A warning still in force at the true impact time ends there (no entry: the event is over).

Scoring (:func:`score_log`)
---------------------------
Against the truth for the party (its area where the true impact fell, and the areas the
true trajectory flew over below ``overflight_alt_m``): ``first_correct_s`` (first issue or
update naming a true area, seconds after launch), ``false_warnings`` (issues or updates
naming an area that was not at risk) with their total ``false_duration_s`` (until the next
entry or the impact), ``withdrawals``, ``missed`` (a true area and no correct warning) and
``withdraw_lead_s`` (impact time minus the time of each withdrawal of a false warning:
positive = withdrawn before the impact).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gsomia.errors import InputError

__all__ = [
    "ACTIONS",
    "OVERFLIGHT_ZONES",
    "OWN_ZONES",
    "Assessment",
    "WarningEntry",
    "WarningLog",
    "WarningPolicy",
    "score_log",
]

ACTIONS = ("issue", "update", "withdraw")
"""The actions of a warning log entry."""
OWN_ZONES = ("land", "territorial_sea", "eez")
"""A party's own zones, most severe first."""
OVERFLIGHT_ZONES = ("land", "territorial_sea")
"""Zones whose overflight is warned of (airspace, UNCLOS Art. 2(2))."""

Cell = tuple[str, str]


@dataclass(frozen=True, slots=True)
class WarningPolicy:
    """Thresholds of the warning policy (module notes).

    Attributes:
        p_issue: least probability of an own area to issue (or move) a warning [-].
        p_withdraw: below it the warned area is no longer at risk [-] (< ``p_issue``).
        p_update_step: change of the warned area's probability that is re-announced [-].
        overflight_alt_m: overflight below this height is warned of [m]. 1,000 km covers
            the heights of the overflights of Japan that J-Alert announced (Japan MoD:
            ~550 km on 29 Aug 2017, ~800 km on 15 Sep 2017, ~1,000 km apogee on 4 Oct
            2022; the last is the reported apogee, the height over Japan was lower).
        lost_after_s: a launch with no track this long is withdrawn ("track lost") [s].
        interval_s: time between assessments [s].
        hold_s: how long a de-escalation to an area already announced must persist, and
            the least time between two announcements of one area and between two entries
            that are neither escalations nor first announcements [s] (module notes).
            ASSUMPTION: 20 s, two assessment intervals (three agreeing assessments); no
            public figure exists.

    Raises:
        InputError: probabilities outside (0, 1) or ``p_withdraw >= p_issue``; a height,
            time or interval not positive.
    """

    p_issue: float = 0.3
    p_withdraw: float = 0.1
    p_update_step: float = 0.25
    overflight_alt_m: float = 1_000e3
    lost_after_s: float = 30.0
    interval_s: float = 10.0
    hold_s: float = 20.0

    def __post_init__(self) -> None:
        for name in ("p_issue", "p_withdraw", "p_update_step"):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and 0.0 < v < 1.0):
                raise InputError(f"warning_policy.{name}", v, "expected a probability in (0, 1)")
        if self.p_withdraw >= self.p_issue:
            raise InputError("warning_policy.p_withdraw", self.p_withdraw,
                             f"must be below p_issue ({self.p_issue})")
        for name in ("overflight_alt_m", "lost_after_s", "interval_s"):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and math.isfinite(v) and v > 0):
                raise InputError(f"warning_policy.{name}", v, "must be positive and finite")
        if not (isinstance(self.hold_s, int | float) and math.isfinite(self.hold_s)
                and self.hold_s >= 0):
            raise InputError("warning_policy.hold_s", self.hold_s, "must be >= 0 and finite")


@dataclass(frozen=True, slots=True)
class Assessment:
    """What a node's picture says of one launch at one time.

    Attributes:
        t_s: time [s since the epoch].
        impact: own area ``(country, zone)`` → probability that the impact falls in it.
        overflight: own area → probability of an overflight below the policy's height.
    """

    t_s: float
    impact: Mapping[Cell, float] = field(default_factory=dict)
    overflight: Mapping[Cell, float] = field(default_factory=dict)

    def at_risk(self, cell: Cell) -> float:
        """Probability that ``cell`` is hit or overflown (the larger of the two)."""
        return max(self.impact.get(cell, 0.0), self.overflight.get(cell, 0.0))


@dataclass(frozen=True, slots=True)
class WarningEntry:
    """One entry of a warning log (the JSON ``warnings`` item, :meth:`to_dict`)."""

    party: str
    launch: str
    t_s: float
    action: str
    area: Cell
    p: float
    reason: str

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise InputError("warning.action", self.action, f"expected one of {ACTIONS}")
        if not 0.0 <= self.p <= 1.0:
            raise InputError("warning.p", self.p, "expected a probability in [0, 1]")

    def to_dict(self) -> dict[str, Any]:
        """``{party, launch, t_s, action, area: [country, zone], p, reason}``."""
        return {"party": self.party, "launch": self.launch, "t_s": round(self.t_s, 3),
                "action": self.action, "area": list(self.area), "p": round(self.p, 3),
                "reason": self.reason}


def _choose(a: Assessment, policy: WarningPolicy) -> tuple[Cell, float, str] | None:
    """The most severe own area at risk with probability ≥ ``p_issue``, or None."""
    best: tuple[int, int, Cell, float, str] | None = None
    for kind, probs in (("impact", a.impact), ("overflight", a.overflight)):
        for cell, p in probs.items():
            if p < policy.p_issue or cell[1] not in OWN_ZONES:
                continue
            if kind == "overflight" and cell[1] not in OVERFLIGHT_ZONES:
                continue
            rank = (OWN_ZONES.index(cell[1]), 0 if kind == "impact" else 1)
            if best is None or rank < best[:2]:
                best = (*rank, cell, p, kind)
    return None if best is None else best[2:]


def _reason(kind: str, cell: Cell, p: float, policy: WarningPolicy) -> str:
    what = {"land": "land", "territorial_sea": "territorial sea", "eez": "EEZ"}[cell[1]]
    if kind == "overflight":
        return (f"may fly over {cell[0]} {what} below {policy.overflight_alt_m / 1e3:.0f} km "
                f"(p={p:.2f})")
    return f"may fall in {cell[0]} {what} (p={p:.2f})"


class WarningLog:
    """One party's warnings about one launch, built assessment by assessment (policy in
    the module notes).

    Args:
        party, launch: who warns, of what; policy: the thresholds.
    """

    def __init__(self, party: str, launch: str, policy: WarningPolicy) -> None:
        self.party, self.launch, self.policy = party, launch, policy
        self.entries: list[WarningEntry] = []
        self.active: WarningEntry | None = None
        self.last_seen_s: float | None = None
        # the de-escalation called for by the assessments since a time: (what, since)
        self.pending: tuple[Cell | None, float] | None = None
        # each area's last announcement (issue or update) [s]
        self.announced: dict[Cell, float] = {}

    def _add(self, t_s: float, action: str, area: Cell, p: float, reason: str) -> None:
        entry = WarningEntry(self.party, self.launch, t_s, action, area, p, reason)
        self.entries.append(entry)
        self.active = None if action == "withdraw" else entry
        if action != "withdraw":
            self.announced[area] = t_s
        self.pending = None

    def _announce_now(self, cell: Cell, warned: Cell, t_s: float) -> bool:
        """Whether a move from the ``warned`` area to ``cell`` is announced at once: its
        first announcement, or an escalation ``hold_s`` after its last one (module notes)."""
        last = self.announced.get(cell)
        if last is None:
            return True
        more_severe = OWN_ZONES.index(cell[1]) < OWN_ZONES.index(warned[1])
        return more_severe and t_s - last >= self.policy.hold_s - 1e-9

    def _held(self, t_s: float) -> bool:
        """At least ``hold_s`` since the last entry."""
        return not self.entries or t_s - self.entries[-1].t_s >= self.policy.hold_s - 1e-9

    def _persists(self, what: Cell | None, t_s: float) -> bool:
        """Whether the de-escalation ``what`` (an area, or None: withdraw) has been called
        for by every assessment for ``hold_s`` (it becomes pending now if it was not)."""
        if self.pending is None or self.pending[0] != what:
            self.pending = (what, t_s)
        return t_s - self.pending[1] >= self.policy.hold_s - 1e-9

    def assess(self, a: Assessment) -> None:
        """Apply one assessment of the launch's track (module notes, hysteresis)."""
        self.last_seen_s = a.t_s
        pol = self.policy
        chosen = _choose(a, pol)
        active = self.active
        if active is None:
            if chosen is not None:
                cell, p, kind = chosen
                self._add(a.t_s, "issue", cell, p, _reason(kind, cell, p, pol))
            return
        if chosen is not None:
            cell, p, kind = chosen
            if cell == active.area:
                self.pending = None
                if abs(p - active.p) >= pol.p_update_step and self._held(a.t_s):
                    self._add(a.t_s, "update", cell, p, _reason(kind, cell, p, pol))
            elif self._announce_now(cell, active.area, a.t_s) or (
                    self._persists(cell, a.t_s) and self._held(a.t_s)):
                self._add(a.t_s, "update", cell, p, _reason(kind, cell, p, pol))
            return
        held = a.at_risk(active.area)
        if held >= pol.p_withdraw:
            self.pending = None
        elif self._persists(None, a.t_s) and self._held(a.t_s):
            self._add(a.t_s, "withdraw", active.area, held,
                      f"predicted area no longer at risk (p={held:.2f})")

    def no_track(self, t_s: float) -> None:
        """The node had no track of the launch at ``t_s``: withdraw once it has had none for
        ``lost_after_s`` (counted from the last assessment) and ``hold_s`` has passed since
        the last entry."""
        if self.active is None:
            return
        since = self.last_seen_s if self.last_seen_s is not None else self.active.t_s
        if t_s - since >= self.policy.lost_after_s - 1e-9 and self._held(t_s):
            self._add(t_s, "withdraw", self.active.area, 0.0,
                      f"track lost for {t_s - since:.0f} s: prediction no longer held")


def score_log(entries: Sequence[WarningEntry], launch_s: float, impact_s: float,
              true_areas: Iterable[Cell]) -> dict[str, Any]:
    """Score one party's log of one launch (module notes, *Scoring*).

    Args:
        entries: the log, in time order; launch_s, impact_s: true times [s since epoch].
        true_areas: the party's areas truly hit or overflown.

    Returns:
        ``{first_correct_s, false_warnings, false_duration_s, withdrawals,
        withdraw_lead_s: [..], missed, entries}`` (times rounded to ms; ``first_correct_s``
        None when never).
    """
    truth = set(true_areas)
    first = None
    false_n, false_dur, withdrawals, leads = 0, 0.0, 0, []
    held: Cell | None = None
    for i, e in enumerate(entries):
        if e.t_s > impact_s:
            break
        if e.action == "withdraw":
            withdrawals += 1
            held = None
            if e.area not in truth:
                leads.append(round(impact_s - e.t_s, 3))
            continue
        if e.area in truth:
            held = e.area
            if first is None:
                first = e.t_s - launch_s
            continue
        if e.area != held:   # a new false warning (an update of the same one is not)
            false_n += 1
        held = e.area
        end = entries[i + 1].t_s if i + 1 < len(entries) else impact_s
        false_dur += min(end, impact_s) - e.t_s
    return {"first_correct_s": None if first is None else round(first, 3),
            "false_warnings": false_n, "false_duration_s": round(false_dur, 3),
            "withdrawals": withdrawals, "withdraw_lead_s": leads,
            "missed": bool(truth) and first is None, "entries": len(entries)}

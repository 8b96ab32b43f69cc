"""Agreements as values: parties, equivalence tables, dated events, rules, and "in force on D?".

An :class:`Agreement` is built from a TOML file by :mod:`gsomia.sharing.catalog`; nothing
here reads files. Two kinds exist:

``bilateral``
    Two parties exchange directly (route ``direct``), each marking as in its
    equivalence table (jpn-kor-gsomia Art. 4(2)).
``hub``
    An arrangement among several parties where everything passes through a hub party
    (TISA para 4, route ``tisa_hub``; the 2023 automated mechanism, route ``auto_hub``). It has
    no classification scheme of its own: each leg is protected by a bilateral agreement
    (TISA para 3).

In force (Art. 21): from ``in_force_from``; with a renewal clause (term, notice days), a
written termination notice ends the agreement at the end of the first term that closes at
least ``notice_days`` after the notice, unless the notice was suspended or withdrawn
before then. A ``terminated`` event ends it on its date outright.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from gsomia.errors import InputError
from gsomia.sharing.routes import Route

__all__ = [
    "EVENT_KINDS",
    "RULE_IDS",
    "Agreement",
    "AgreementEvent",
    "Equivalence",
    "Exclusion",
    "InForce",
    "Renewal",
    "Scope",
]

#: Dated events an agreement file may record (agreements.md §1 History, Art. 21).
EVENT_KINDS = ("termination_notice", "notice_suspended", "notice_withdrawn", "terminated")

#: Release rules an agreement file may switch on, each with its article as the value
#: (``protection`` is the obligation the decision cites for "protect at least as your own").
RULE_IDS = (
    "third_party_consent",  # Art. 6
    "purpose",  # Art. 6
    "protection",  # Art. 6
    "personnel_clearance",  # Art. 7
    "need_to_know",  # Art. 7
    "contractor_facility",  # Art. 16
)


@dataclass(frozen=True, slots=True)
class Equivalence:
    """One row of an agreement's equivalence table (Art. 4(2)).

    Attributes:
        level: common name of the row (e.g. ``"SECRET"``).
        markings: per party code, that party's markings in this row; the first is the
            one the party applies on receipt.
        source: article of the row.
        scheme_level_differs: the row equates a marking to another common level than its
            party's scheme gives it, on purpose (Art. 4(2); see :mod:`gsomia.sharing.ruledata`).
    """

    level: str
    markings: dict[str, tuple[str, ...]] = field(hash=False)
    source: str
    scheme_level_differs: bool = False


@dataclass(frozen=True, slots=True)
class Exclusion:
    """A marking the agreement never covers (e.g. 군사I급비밀, agreements.md §1)."""

    party: str
    marking: str
    source: str


@dataclass(frozen=True, slots=True)
class AgreementEvent:
    """A dated event in an agreement's life (kind in :data:`EVENT_KINDS`)."""

    date: dt.date
    kind: str
    by: str
    source: str


@dataclass(frozen=True, slots=True)
class Renewal:
    """Art. 21 clause: ``term_years`` terms, renewed unless notice ``notice_days`` before."""

    term_years: int
    notice_days: int
    source: str


@dataclass(frozen=True, slots=True)
class Scope:
    """What a hub arrangement may carry (TISA para 1; agreements.md §4).

    Attributes:
        topics: label topics inside the scope.
        elements: if not empty, an item must carry only these elements (§4 three elements).
        excluded_elements: elements never carried.
        source: where the scope is stated.
    """

    topics: tuple[str, ...]
    elements: tuple[str, ...] = ()
    excluded_elements: tuple[str, ...] = ()
    source: str = ""


@dataclass(frozen=True, slots=True)
class InForce:
    """Answer to "is the agreement in force on ``date``?" with the facts behind it."""

    agreement: str
    date: dt.date
    in_force: bool
    reason: str
    ends: dt.date | None = None

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "agreement": self.agreement,
            "date": self.date.isoformat(),
            "in_force": self.in_force,
            "reason": self.reason,
            "ends": self.ends.isoformat() if self.ends else None,
        }


def _add_years(day: dt.date, years: int) -> dt.date | None:
    """``day`` plus ``years`` (29 February → 28), or None past 9999-12-31."""
    year = day.year + years
    if year > dt.MAXYEAR:
        return None
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February
        return day.replace(year=year, day=28)


@dataclass(frozen=True, slots=True)
class Agreement:
    """An agreement or arrangement, as loaded from its data file.

    Attributes:
        name: file-level identifier (e.g. ``"jpn-kor-gsomia"``).
        title: full title.
        kind: ``"bilateral"`` or ``"hub"``.
        parties: party codes.
        in_force_from: first day in force.
        route: :attr:`Route.DIRECT` for bilateral; :attr:`Route.TISA_HUB` or
            :attr:`Route.AUTO_HUB` for hub arrangements.
        hub: hub party code (hub kind only; TISA para 4).
        equivalence: equivalence rows (bilateral only; Art. 4(2)).
        excluded: markings never covered.
        events: dated events, in date order.
        renewal: Art. 21 clause, if any.
        rules: enforced release rules, rule id → article.
        scope: what a hub arrangement may carry.
        protection_under: names of the bilateral agreements protecting each leg (TISA para 3).
        legal_basis: name of the arrangement this one rests on (§4: TISA).
        originator_approval: ``"per-item"`` or ``"standing"`` (hub kind; TISA para 4).
        originator_approval_source, protection_source: articles of the two fields above.
        legally_binding: False for arrangements (TISA para 8).
        signed: date of signature, if known.
        source: where the facts come from.
        file: the file it was loaded from.
        digest: its content hash, ``"sha256:…"`` (:func:`gsomia.sharing.ruledata.content_digest`).
    """

    name: str
    title: str
    kind: str
    parties: tuple[str, ...]
    in_force_from: dt.date
    route: Route = Route.DIRECT
    hub: str | None = None
    equivalence: tuple[Equivalence, ...] = ()
    excluded: tuple[Exclusion, ...] = ()
    events: tuple[AgreementEvent, ...] = ()
    renewal: Renewal | None = None
    rules: dict[str, str] = field(default_factory=dict, hash=False)
    scope: Scope | None = None
    protection_under: tuple[str, ...] = ()
    legal_basis: str | None = None
    originator_approval: str | None = None
    originator_approval_source: str = ""
    protection_source: str = ""
    legally_binding: bool = True
    signed: dt.date | None = None
    source: str = ""
    file: str = ""
    digest: str = ""

    # -- Art. 4(2) ---------------------------------------------------------------------

    def row_of(self, party: str, marking: str) -> Equivalence | None:
        """The equivalence row holding ``party``'s ``marking``, or None if not covered."""
        if self.is_excluded(party, marking):
            return None
        for row in self.equivalence:
            if marking in row.markings.get(party, ()):
                return row
        return None

    def is_excluded(self, party: str, marking: str) -> bool:
        """True when the agreement explicitly never covers this marking."""
        return any(x.party == party and x.marking == marking for x in self.excluded)

    def row_source(self, party: str, level: str) -> str:
        """Source of the row giving ``party``'s marking at ``level`` (else of the table)."""
        for row in self.equivalence:
            if row.level == level and row.markings.get(party):
                return row.source
        return self.table_source()

    def table_source(self) -> str:
        """Sources of the equivalence table's rows, each once (e.g. ``"Art. 4(2)"``)."""
        return "; ".join(dict.fromkeys(row.source for row in self.equivalence)) or self.source

    def equivalent(self, party: str, level: str) -> str | None:
        """The marking ``party`` applies on receipt of information at ``level`` (Art. 4(2))."""
        for row in self.equivalence:
            if row.level == level and row.markings.get(party):
                return row.markings[party][0]
        return None

    # -- Art. 21 -----------------------------------------------------------------------

    def _notice_effect(self, notice: dt.date) -> dt.date | None:
        """First day no longer in force after a termination notice given on ``notice``
        (None: not before the end of the calendar, 9999-12-31)."""
        if self.renewal is None:
            return notice
        years = 1
        while True:
            end = _add_years(self.in_force_from, years * self.renewal.term_years)
            if end is None:
                return None
            if (end - notice).days >= self.renewal.notice_days:
                return end
            years += 1

    def in_force_changes(self) -> tuple[dt.date, ...]:
        """The days on which :meth:`in_force` may answer otherwise than the day before (its
        flag, reason and end), in order: entry into force, each event, and the day each
        termination notice would take effect. Between two of them (and before the first,
        after the last) the answer is the same every day but for its ``date``: each test
        :meth:`in_force` makes compares ``date`` with one of these days."""
        days = {self.in_force_from, *(e.date for e in self.events)}
        for event in self.events:
            if event.kind == "termination_notice":
                effect = self._notice_effect(event.date)
                if effect is not None:
                    days.add(effect)
        return tuple(sorted(days))

    def in_force(self, date: dt.date) -> InForce:
        """Whether the agreement is in force on ``date`` (Art. 21 and the dated events).

        Raises:
            InputError: ``date`` is not a :class:`datetime.date`.
        """
        if not isinstance(date, dt.date):
            raise InputError("at", date, "expected a date")
        if isinstance(date, dt.datetime):
            date = date.date()
        if date < self.in_force_from:
            return InForce(
                self.name, date, False, f"before entry into force on {self.in_force_from}"
            )
        for event in self.events:
            if event.kind == "terminated" and event.date <= date:
                return InForce(self.name, date, False, f"terminated on {event.date}")
        notices = [e for e in self.events if e.kind == "termination_notice" and e.date <= date]
        for notice in notices:
            effect = self._notice_effect(notice.date)
            if effect is not None and effect <= date and not self._lifts(notice.date, effect):
                return InForce(
                    self.name,
                    date,
                    False,
                    f"ended {effect} on the termination notice of {notice.date}",
                )
        if not notices:
            return InForce(self.name, date, True, f"since {self.in_force_from}")
        notice = notices[-1]
        effect = self._notice_effect(notice.date)
        lifts = self._lifts(notice.date, date, inclusive=True)
        if lifts:
            word = "suspended" if lifts[-1].kind == "notice_suspended" else "withdrawn"
            return InForce(
                self.name,
                date,
                True,
                f"termination notice of {notice.date} {word} on {lifts[-1].date}",
            )
        when = f"on {effect}" if effect is not None else f"after {dt.date.max}"
        return InForce(
            self.name,
            date,
            True,
            f"termination notice of {notice.date} takes effect {when}",
            ends=effect,
        )

    def _lifts(
        self, notice: dt.date, effect: dt.date, inclusive: bool = False
    ) -> list[AgreementEvent]:
        """Suspensions and withdrawals of a notice given on ``notice``, made before ``effect``
        (on or before it with ``inclusive``)."""
        return [
            e
            for e in self.events
            if e.kind in ("notice_suspended", "notice_withdrawn")
            and notice <= e.date
            and (e.date <= effect if inclusive else e.date < effect)
        ]

    def to_dict(self) -> dict[str, object]:
        """JSON-ready summary (used by ``gsomia agreement show``)."""
        return {
            "name": self.name,
            "title": self.title,
            "kind": self.kind,
            "route": self.route,
            "parties": list(self.parties),
            "hub": self.hub,
            "signed": self.signed.isoformat() if self.signed else None,
            "in_force_from": self.in_force_from.isoformat(),
            "legally_binding": self.legally_binding,
            "renewal": None
            if self.renewal is None
            else {
                "term_years": self.renewal.term_years,
                "notice_days": self.renewal.notice_days,
                "source": self.renewal.source,
            },
            "equivalence": [
                {
                    "level": r.level,
                    "markings": {k: list(v) for k, v in r.markings.items()},
                    "source": r.source,
                    "scheme_level_differs": r.scheme_level_differs,
                }
                for r in self.equivalence
            ],
            "excluded": [
                {"party": x.party, "marking": x.marking, "source": x.source} for x in self.excluded
            ],
            "events": [
                {"date": e.date.isoformat(), "kind": e.kind, "by": e.by, "source": e.source}
                for e in self.events
            ],
            "rules": dict(self.rules),
            "scope": None
            if self.scope is None
            else {
                "topics": list(self.scope.topics),
                "elements": list(self.scope.elements),
                "excluded_elements": list(self.scope.excluded_elements),
                "source": self.scope.source,
            },
            "protection_under": list(self.protection_under),
            "legal_basis": self.legal_basis,
            "originator_approval": self.originator_approval,
            "source": self.source,
            "file": self.file,
            "digest": self.digest,
        }

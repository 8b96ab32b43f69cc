"""Agreement and marking-scheme files (TOML; :func:`gsomia.sharing.load_catalog`).

A file with a top-level ``[party]`` table is a marking scheme (:class:`MarkingSchemeFile`),
one with ``[agreement]`` an agreement (:class:`AgreementFile`). Data never holds
expressions: only names, dates, lists and text. Marking texts are kept in Unicode NFC.

Checked here: types, required keys, party codes, a bilateral's two parties and equivalence
table, a hub's hub among the parties and its originator approval, equivalence markings and
event parties among the agreement's parties, a scheme's distinct markings. The catalog then
checks what needs the other files or the sharing layer's tables (routes, rule ids, event
kinds, markings of the parties' schemes, protection references).

Order is checked twice over, so that a file with its lines moved, its ranks swapped or its
texts swapped does not load as a different scheme (a person cleared to 秘 would then pass
for a 極秘 item): a scheme lists its markings highest first with ``rank`` 0, 1, 2 … in
that order, each marking names its common level (:data:`COMMON_LEVELS`) and the levels
never rise down the list; an agreement lists its equivalence rows with their common levels
strictly falling. The catalog then checks the rows against each party's ranks.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, StrictBool, model_validator

from gsomia.schemas.base import (
    Closed,
    LocalDate,
    NfcText,
    PartyCode,
    RouteText,
    Text,
    fail,
    integer,
)

__all__ = [
    "COMMON_LEVELS",
    "AgreementFile",
    "AgreementHead",
    "EquivalenceEntry",
    "EventEntry",
    "ExclusionEntry",
    "MarkingEntry",
    "MarkingSchemeFile",
    "PartyEntry",
    "RenewalEntry",
    "ScopeEntry",
]


#: The common classification levels, highest first: the levels of the equivalence rows
#: (agreements.md §1 Art. 4(2): SECRET, CONFIDENTIAL; §1 note: 군사I급비밀 about TOP SECRET;
#: §2 the US markings) and, below them, RESTRICTED and UNCLASSIFIED for markings under the
#: classified levels (kor.toml: 대외비, for official use only). Each marking of a scheme and
#: each equivalence row names one; the order is what "higher" means across files.
COMMON_LEVELS = ("TOP SECRET", "SECRET", "CONFIDENTIAL", "RESTRICTED", "UNCLASSIFIED")


def _common_level(level: str, at: tuple[str | int, ...]) -> int:
    """The position of ``level`` in :data:`COMMON_LEVELS` (0 highest), or a fault at ``at``."""
    try:
        return COMMON_LEVELS.index(level)
    except ValueError:
        raise fail(f"not a common level (expected one of {', '.join(COMMON_LEVELS)})",
                   at=at, value=level, has_value=True) from None


class RenewalEntry(Closed):
    """``[agreement.renewal]``: the term and the notice to end it."""

    term_years: integer(1)  # type: ignore[valid-type]
    notice_days: integer(0)  # type: ignore[valid-type]
    source: str


class ScopeEntry(Closed):
    """``[agreement.scope]``: topics and elements the agreement carries (agreements.md §4)."""

    topics: list[Text]
    elements: list[Text] = []
    excluded_elements: list[Text] = []
    source: str


class AgreementHead(Closed):
    """``[agreement]``: who, since when, by which route, on what authority."""

    name: str
    kind: Literal["bilateral", "hub"]
    parties: list[PartyCode]
    route: RouteText | None = Field(None, description="direct (bilateral, default) | tisa_hub "
                                                "(tisa) | auto_hub (auto-hub)")
    hub: PartyCode | None = None
    renewal: RenewalEntry | None = None
    scope: ScopeEntry | None = None
    originator_approval: str | None = Field(None, description="per-item | standing (hub)")
    in_force_from: LocalDate
    signed: LocalDate | None = None
    title: str
    protection_under: list[Text] = []
    legal_basis: str | None = None
    originator_approval_source: str = ""
    protection_source: str = ""
    legally_binding: StrictBool = True
    source: str

    @model_validator(mode="after")
    def parties_and_hub(self) -> AgreementHead:
        """Two or more distinct parties (two for a bilateral); a hub arrangement names its
        hub among them and how the originator approves (``per-item`` or ``standing``)."""
        parties = list(self.parties)
        if len(set(parties)) != len(parties) or len(parties) < 2:
            raise fail("expected two or more distinct parties", at=("parties",), value=parties,
                       has_value=True)
        if self.kind == "bilateral" and len(parties) != 2:
            raise fail("a bilateral agreement has two parties", at=("parties",),
                       value=parties, has_value=True)
        if self.kind == "hub":
            if self.hub is None:
                raise fail("required key is missing", at=("hub",), value=None,
                           has_value=True)
            if self.hub not in parties:
                raise fail(f"the hub must be one of the parties {parties}", at=("hub",),
                           value=self.hub, has_value=True)
            if self.originator_approval not in ("per-item", "standing"):
                raise fail("expected 'per-item' or 'standing'", at=("originator_approval",),
                           value=self.originator_approval, has_value=True)
        return self


class EquivalenceEntry(Closed):
    """``[[equivalence]]``: the parties' markings of one level (the agreement's table).

    ``scheme_level_differs = true`` says that the agreement equates a marking of this row
    to a common level other than the one its party's scheme gives it (Art. 4(2) sets the
    equivalence per agreement); without it such a row is refused, so that a scheme whose
    texts were swapped between levels cannot load (:mod:`gsomia.sharing.ruledata`)."""

    level: str
    markings: dict[PartyCode, list[NfcText]]
    source: str
    scheme_level_differs: StrictBool = False


class ExclusionEntry(Closed):
    """``[[excluded]]``: a party's marking the agreement does not cover."""

    party: PartyCode
    marking: NfcText
    source: str


class EventEntry(Closed):
    """``[[event]]``: a dated act of a party on the agreement (notice, termination)."""

    date: LocalDate
    kind: Text = Field(description="an event kind of gsomia.sharing.agreements.EVENT_KINDS")
    by: PartyCode
    source: str


class AgreementFile(Closed):
    """An agreement file (``gsomia/data/agreements/*.toml``)."""

    agreement: AgreementHead
    rules: dict[str, Text] = Field({}, description="release rule id → its article")
    equivalence: list[EquivalenceEntry] = []
    excluded: list[ExclusionEntry] = []
    event: list[EventEntry] = []

    @model_validator(mode="after")
    def among_the_parties(self) -> AgreementFile:
        """Equivalence markings and events name parties of the agreement; a bilateral has
        an equivalence table."""
        parties = self.agreement.parties
        for i, row in enumerate(self.equivalence):
            for code, marks in row.markings.items():
                if code not in parties:
                    raise fail("not a party of the agreement",
                               at=("equivalence", i, "markings", code), value=marks,
                               has_value=True)
        if self.agreement.kind == "bilateral" and not self.equivalence:
            raise fail("a bilateral agreement needs an equivalence table",
                       at=("equivalence",), value=[], has_value=True)
        self._rows_in_level_order()
        for i, event in enumerate(self.event):
            if event.by not in parties:
                raise fail("not a party of the agreement", at=("event", i, "by"),
                           value=event.by, has_value=True)
        return self

    def _rows_in_level_order(self) -> None:
        """Equivalence rows name common levels, listed strictly highest first (a row above
        another is a higher level: rows swapped or a level given twice are refused)."""
        ranks = [_common_level(row.level, ("equivalence", i, "level"))
                 for i, row in enumerate(self.equivalence)]
        for i in range(1, len(ranks)):
            if ranks[i] <= ranks[i - 1]:
                above, row = self.equivalence[i - 1], self.equivalence[i]
                raise fail(f"equivalence[{i - 1}] ({above.level}) is listed above "
                           f"equivalence[{i}] ({row.level}): rows are listed highest level "
                           f"first, each level once ({', '.join(COMMON_LEVELS)})",
                           at=("equivalence", i, "level"), value=row.level, has_value=True)


class PartyEntry(Closed):
    """``[party]``: a party's code and names."""

    code: PartyCode
    name: str
    name_en: str
    source: str = ""
    names: dict[PartyCode, str] = Field({}, description="other parties' names, by code")


class MarkingEntry(Closed):
    """``[[marking]]``: one marking of the party, from the highest down: its rank (0 for
    the highest, then 1, 2 … in the order listed) and its common level
    (:data:`COMMON_LEVELS`)."""

    text: NfcText
    english: str
    rank: integer(0)  # type: ignore[valid-type]
    level: str = Field(description="common level: " + " | ".join(COMMON_LEVELS))


class MarkingSchemeFile(Closed):
    """A party's marking scheme (``gsomia/data/markings/*.toml``)."""

    party: PartyEntry
    marking: list[MarkingEntry]

    @model_validator(mode="after")
    def distinct_markings(self) -> MarkingSchemeFile:
        """At least one marking, each text and each rank once, listed in rank order from 0
        with no gap, and their common levels never rising down the list (a reordered,
        re-ranked or re-texted scheme is refused; see the module notes)."""
        marks = self.marking
        if not marks:
            raise fail("a party needs at least one marking", at=("marking",), value=[],
                       has_value=True)
        for i, m in enumerate(marks):
            for j, other in enumerate(marks[:i]):
                if m.text == other.text:
                    raise fail(f"marking listed twice (as marking[{j}] too)",
                               at=("marking", i, "text"), value=m.text, has_value=True)
                if m.rank == other.rank:
                    raise fail(f"rank given twice: marking[{j}] {other.text!r} and "
                               f"marking[{i}] {m.text!r}", at=("marking", i, "rank"),
                               value=m.rank, has_value=True)
        levels = [_common_level(m.level, ("marking", i, "level")) for i, m in enumerate(marks)]
        for i, m in enumerate(marks):
            above = marks[i - 1] if i else None
            if m.rank != i:
                holder = next((f"marking[{j}] {o.text!r} has rank {i}"
                               for j, o in enumerate(marks) if o.rank == i),
                              f"no marking has rank {i}")
                raise fail(f"marking[{i}] {m.text!r} has rank {m.rank} but is listed at "
                           f"position {i}, and {holder}: markings are listed highest first "
                           "with ranks 0, 1, 2 … in that order", at=("marking", i, "rank"),
                           value=m.rank, has_value=True)
            if above is not None and levels[i] < levels[i - 1]:
                raise fail(f"marking[{i}] {m.text!r} ({m.level}) is listed below "
                           f"marking[{i - 1}] {above.text!r} ({above.level}): levels "
                           "must not rise down the list", at=("marking", i, "level"),
                           value=m.level, has_value=True)
        return self

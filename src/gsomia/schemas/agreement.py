"""Agreement and marking-scheme files (TOML; :func:`gsomia.sharing.load_catalog`).

A file with a top-level ``[party]`` table is a marking scheme (:class:`MarkingSchemeFile`),
one with ``[agreement]`` an agreement (:class:`AgreementFile`). Data never holds
expressions: only names, dates, lists and text. Marking texts are kept in Unicode NFC.

Checked here: types, required keys, party codes, a bilateral's two parties and equivalence
table, a hub's hub among the parties and its originator approval, equivalence markings and
event parties among the agreement's parties, a scheme's distinct markings. The catalog then
checks what needs the other files or the sharing layer's tables (routes, rule ids, event
kinds, markings of the parties' schemes, protection references).
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
    """``[[equivalence]]``: the parties' markings of one level (the agreement's table)."""

    level: str
    markings: dict[PartyCode, list[NfcText]]
    source: str


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
        for i, event in enumerate(self.event):
            if event.by not in parties:
                raise fail("not a party of the agreement", at=("event", i, "by"),
                           value=event.by, has_value=True)
        return self


class PartyEntry(Closed):
    """``[party]``: a party's code and names."""

    code: PartyCode
    name: str
    name_en: str
    source: str = ""
    names: dict[PartyCode, str] = Field({}, description="other parties' names, by code")


class MarkingEntry(Closed):
    """``[[marking]]``: one marking of the party, from the highest down."""

    text: NfcText
    english: str


class MarkingSchemeFile(Closed):
    """A party's marking scheme (``gsomia/data/markings/*.toml``)."""

    party: PartyEntry
    marking: list[MarkingEntry]

    @model_validator(mode="after")
    def distinct_markings(self) -> MarkingSchemeFile:
        """At least one marking, each listed once."""
        if not self.marking:
            raise fail("a party needs at least one marking", at=("marking",), value=[],
                       has_value=True)
        texts = [m.text for m in self.marking]
        for i, text in enumerate(texts):
            if text in texts[:i]:
                raise fail("marking listed twice", at=("marking", i, "text"), value=text,
                           has_value=True)
        return self

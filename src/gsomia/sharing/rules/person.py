"""Rules on the person who would get access (Arts. 7, 16), applied when the recipient's
agreement lists each in its ``[rules]`` table. Each is a :data:`~gsomia.sharing.rules.Rule`.

The same three rules decide a read of an item a party holds (:func:`read_reasons`): they
read only the recipient's agreement (``last``), the catalog and the marking applied on
receipt (:class:`PersonFacts`), which a received item carries.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Protocol

from gsomia.sharing.agreements import Agreement
from gsomia.sharing.catalog import Catalog
from gsomia.sharing.label import Label, Person
from gsomia.sharing.markings import ReceivedMarking
from gsomia.sharing.routes import Route
from gsomia.sharing.rules.evidence import Evidence, Reason
from gsomia.sharing.rules.request import ReleaseRequest

__all__ = ["PERSON_RULES", "PersonFacts", "contractor_facility", "need_to_know",
           "personnel_clearance", "read_reasons"]


class PersonFacts(Protocol):
    """What the person rules read of a :class:`~gsomia.sharing.rules.Context`."""

    @property
    def last(self) -> Agreement | None: ...

    @property
    def catalog(self) -> Catalog: ...

    @property
    def marking(self) -> ReceivedMarking | None: ...


def _article(ctx: PersonFacts, rule: str) -> str | None:
    """The article of ``rule`` in the recipient's agreement, or None if not listed."""
    last = ctx.last
    return None if last is None else last.rules.get(rule)


def personnel_clearance(request: ReleaseRequest, ctx: PersonFacts) -> Evidence | None:
    """``personnel_clearance`` (Art. 7): the person holds a Personnel Security Clearance of
    the Receiving Party at least the equivalent marking.

    Raises:
        InputError: the clearance is not a marking of the Receiving Party.
    """
    person, to, source = request.person, request.to, _article(ctx, "personnel_clearance")
    if person is None or source is None:
        return None
    if person.party != to:
        return Evidence((Reason("personnel_clearance", source, False,
                                f"clearance of {person.party}, not of the Receiving Party "
                                f"{to}"),))
    scheme = ctx.catalog.scheme(to)
    scheme.get(person.clearance, "person.clearance")  # unknown → InputError
    marking = ctx.marking
    if marking is None:
        return Evidence((Reason("personnel_clearance", source, False,
                                "no equivalent marking to compare the clearance with"),))
    return Evidence((Reason(
        "personnel_clearance", source,
        bool(scheme.at_least(person.clearance, marking.classification)),
        f"holds {person.clearance}; needs {marking.classification} or higher",
    ),))


def need_to_know(request: ReleaseRequest, ctx: PersonFacts) -> Evidence | None:
    """``need_to_know`` (Art. 7): the person's official duties require the item's topic."""
    person, source = request.person, _article(ctx, "need_to_know")
    if person is None or source is None:
        return None
    topic = request.label.topic
    return Evidence((Reason("need_to_know", source, topic in person.need_to_know,
                            f"topic {topic!r}; duties cover {sorted(person.need_to_know)}"),))


def contractor_facility(request: ReleaseRequest, ctx: PersonFacts) -> Evidence | None:
    """``contractor_facility`` (Art. 16): a contractor's employee gets access only where the
    contractor's facility is able to protect the information."""
    person, source = request.person, _article(ctx, "contractor_facility")
    if person is None or not person.contractor or source is None:
        return None
    able = "able" if person.facility_clearance else "not shown able"
    return Evidence((Reason("contractor_facility", source, bool(person.facility_clearance),
                            f"contractor facility {able} to protect the information"),))


#: The person rules in the order :func:`~gsomia.sharing.decide` runs them.
PERSON_RULES = (personnel_clearance, need_to_know, contractor_facility)


@dataclasses.dataclass(frozen=True, slots=True)
class _ReadFacts:
    last: Agreement | None
    catalog: Catalog
    marking: ReceivedMarking | None


def read_reasons(person: Person, label: Label, marking: ReceivedMarking,
                 agreement: Agreement | None, catalog: Catalog,
                 at: dt.datetime) -> tuple[Reason, ...]:
    """The reasons of :data:`PERSON_RULES` for ``person`` reading an item its party
    received: Art. 7 (clearance at least ``marking.classification``, the marking applied on
    receipt in the Receiving Party's own scheme, Art. 4(2); the item's topic among the
    person's duties) and Art. 16 (a contractor's facility able to protect it), each with
    the article ``agreement``'s ``[rules]`` table gives (the agreement under which the
    item was received). A rule the agreement does not list gives no reason.

    Parameters:
        person: the reader (``person.party`` should be ``marking.receiver``).
        label: the item's label (its topic is judged).
        marking: the marking applied on receipt.
        agreement: the agreement named by the marking, or None (no rule applies).
        catalog: the marking schemes.
        at: when the read happens (UTC).

    Raises:
        InputError: the clearance is not a marking of the receiver's scheme.
    """
    holder = label.originator if label.originator != marking.receiver else label.holder
    request = ReleaseRequest(label=dataclasses.replace(label, holder=holder),
                             to=marking.receiver, at=at, route=Route.DIRECT, person=person)
    facts = _ReadFacts(agreement, catalog, marking)
    out: list[Reason] = []
    for rule in PERSON_RULES:
        evidence = rule(request, facts)
        if evidence is not None:
            out.extend(evidence.reasons)
    return tuple(out)

"""Rules on the person who would get access (Arts. 7, 16), applied when the recipient's
agreement lists each in its ``[rules]`` table. Each is a :data:`~gsomia.sharing.rules.Rule`.
"""

from __future__ import annotations

from gsomia.sharing.rules.context import Context
from gsomia.sharing.rules.evidence import Evidence, Reason
from gsomia.sharing.rules.request import ReleaseRequest

__all__ = ["contractor_facility", "need_to_know", "personnel_clearance"]


def _article(ctx: Context, rule: str) -> str | None:
    """The article of ``rule`` in the recipient's agreement, or None if not listed."""
    last = ctx.last
    return None if last is None else last.rules.get(rule)


def personnel_clearance(request: ReleaseRequest, ctx: Context) -> Evidence | None:
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


def need_to_know(request: ReleaseRequest, ctx: Context) -> Evidence | None:
    """``need_to_know`` (Art. 7): the person's official duties require the item's topic."""
    person, source = request.person, _article(ctx, "need_to_know")
    if person is None or source is None:
        return None
    topic = request.label.topic
    return Evidence((Reason("need_to_know", source, topic in person.need_to_know,
                            f"topic {topic!r}; duties cover {sorted(person.need_to_know)}"),))


def contractor_facility(request: ReleaseRequest, ctx: Context) -> Evidence | None:
    """``contractor_facility`` (Art. 16): a contractor's employee gets access only where the
    contractor's facility is able to protect the information."""
    person, source = request.person, _article(ctx, "contractor_facility")
    if person is None or not person.contractor or source is None:
        return None
    able = "able" if person.facility_clearance else "not shown able"
    return Evidence((Reason("contractor_facility", source, bool(person.facility_clearance),
                            f"contractor facility {able} to protect the information"),))

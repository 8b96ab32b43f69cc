"""Rules on onward release and use: the originator's consent to a third-party release
(Art. 6; TISA para 4), the purpose (Art. 6), and the handling obligations of a released
item (Art. 6 protection; Art. 17 loss or compromise). Each is a
:data:`~gsomia.sharing.rules.Rule`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gsomia.sharing.agreements import Agreement
from gsomia.sharing.consent import ConsentBook
from gsomia.sharing.label import Label
from gsomia.sharing.rules.context import Context, rule_source
from gsomia.sharing.rules.evidence import Evidence, Obligation, Reason
from gsomia.sharing.rules.request import ReleaseRequest

__all__ = ["ConsentLeg", "consent_check", "consent_legs", "consent_needed", "handling",
           "purpose", "third_party_consent"]


def third_party_consent(request: ReleaseRequest, ctx: Context) -> Evidence:
    """``third_party_consent`` per leg (Art. 6; TISA para 4): a leg between two parties that
    are not the originator needs the originator's prior written consent, valid at that
    time; on a hub arrangement with ``originator_approval = "per-item"`` (TISA) the hub's
    leg needs one naming the item; standing approval covers the hub's leg on ``auto_hub``
    (modelling choice). A failure says why each consent did not count and obliges asking
    for the consent."""
    reasons, obligations = [], []
    for leg in consent_legs(request.label.originator, ctx.arrangement, ctx.hub, ctx.legs,
                            ctx.leg_agreements):
        if isinstance(leg, Reason):
            reasons.append(leg)
            continue
        reason, obligation = consent_check(leg, request, ctx.book)
        reasons.append(reason)
        if obligation is not None:
            obligations.append(obligation)
    return Evidence(tuple(reasons), tuple(obligations))


def consent_legs(originator: str, arrangement: Agreement | None, hub: str | None,
                 legs: Sequence[tuple[str, str]], leg_agreements: Sequence[Agreement | None]
                 ) -> list[Reason | ConsentLeg]:
    """What :func:`third_party_consent` checks on each leg between two parties neither of
    which is ``originator``: the reason of a standing approval (the hub's leg of an
    arrangement with ``originator_approval = "standing"``), else the consent to look for."""
    out: list[Reason | ConsentLeg] = []
    for (sender, receiver), agreement in zip(legs, leg_agreements, strict=True):
        if originator in (sender, receiver):
            continue
        approval = arrangement.originator_approval if arrangement and sender == hub else None
        source = (arrangement.originator_approval_source if arrangement and sender == hub
                  else rule_source(agreement, "third_party_consent", "Art. 6"))
        if approval == "standing":
            assert arrangement is not None
            out.append(Reason("third_party_consent", source, True,
                              f"standing approval of {originator} for {arrangement.name}"))
            continue
        out.append(ConsentLeg(sender, receiver, source, approval == "per-item"))
    return out


@dataclass(frozen=True, slots=True)
class ConsentLeg:
    """A leg on which the originator's consent is looked for (:func:`consent_legs`).

    Attributes:
        sender, receiver: the leg's parties (neither the originator).
        source: the article cited (Art. 6, the agreement's, or the arrangement's).
        per_item: only an approval naming the item counts (TISA para 4).
    """

    sender: str
    receiver: str
    source: str
    per_item: bool


def consent_check(leg: ConsentLeg, request: ReleaseRequest, book: ConsentBook
                  ) -> tuple[Reason, Obligation | None]:
    """The ``third_party_consent`` reason of ``leg`` for ``request`` (the first consent of
    ``book`` covering it, else why none did) and, when none did, the obligation to ask."""
    label = request.label
    consent, why = book.explain(label, leg.receiver, request.at, leg.per_item)
    reason = Reason(
        "third_party_consent", leg.source, consent is not None,
        f"{leg.sender} → {leg.receiver}: "
        + ("approval of the item" if leg.per_item else "prior written consent")
        + f" of {label.originator} "
        + (f"{consent.consent_id!r}" if consent else f"missing: {why}"),
    )
    return reason, None if consent is not None else consent_needed(leg, label)


def consent_needed(leg: ConsentLeg, label: Label) -> Obligation:
    """The obligation to obtain the originator's consent to release ``label``'s item on
    ``leg`` (Art. 6), when no consent covers it."""
    return Obligation(
        "consent_needed",
        f"obtain the prior written consent of {label.originator} to release "
        f"{label.item_id} to {leg.receiver}",
        leg.source,
        {"from": label.originator, "to": leg.receiver, "item_id": label.item_id},
    )


def purpose(request: ReleaseRequest, ctx: Context) -> Evidence | None:
    """``purpose`` (Art. 6, where the recipient's agreement lists the rule): the stated
    purpose equals the one the item was provided for; obliges use for that purpose only."""
    last, provided = ctx.last, request.label.purpose
    if last is None or "purpose" not in last.rules or provided is None:
        return None
    source = last.rules["purpose"]
    reasons = ()
    if request.purpose is not None:
        reasons = (Reason("purpose", source, request.purpose == provided,
                          f"requested {request.purpose!r}; provided for {provided!r}"),)
    return Evidence(reasons, (Obligation("purpose", f"use only for {provided!r}", source),))


def handling(request: ReleaseRequest, ctx: Context) -> Evidence | None:
    """No reason; once the recipient's marking is known, obliges protecting the item at
    least as its own equivalent classification (Art. 6, or the article the agreement's
    ``protection`` rule gives) and reporting any loss or compromise at once (Art. 17)."""
    marking = ctx.marking
    if marking is None:
        return None
    return Evidence(obligations=(
        Obligation("protect", f"protect at least as {request.to}'s own {marking.classification}",
                   rule_source(ctx.last, "protection", "Art. 6 (summary)")),
        Obligation("report_loss",
                   f"report any loss or compromise to {request.label.originator} at once",
                   "Art. 17"),
    ))

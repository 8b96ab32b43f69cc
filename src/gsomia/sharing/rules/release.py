"""Rules on onward release and use: the originator's consent to a third-party release
(Art. 6; TISA para 4), the purpose (Art. 6), and the handling obligations of a released
item (Art. 6 protection; Art. 17 loss or compromise). Each is a
:data:`~gsomia.sharing.rules.Rule`.
"""

from __future__ import annotations

from gsomia.sharing.rules.context import Context, rule_source
from gsomia.sharing.rules.evidence import Evidence, Obligation, Reason
from gsomia.sharing.rules.request import ReleaseRequest

__all__ = ["handling", "purpose", "third_party_consent"]


def third_party_consent(request: ReleaseRequest, ctx: Context) -> Evidence:
    """``third_party_consent`` per leg (Art. 6; TISA para 4): a leg between two parties that
    are not the originator needs the originator's prior written consent, valid at that
    time; on a hub arrangement with ``originator_approval = "per-item"`` (TISA) the hub's
    leg needs one naming the item; standing approval covers the hub's leg on ``auto_hub``
    (modelling choice). A failure says why each consent did not count and obliges asking
    for the consent."""
    label, arrangement, hub = request.label, ctx.arrangement, ctx.hub
    reasons, obligations = [], []
    for (sender, receiver), agreement in zip(ctx.legs, ctx.leg_agreements, strict=True):
        if label.originator in (sender, receiver):
            continue
        approval = arrangement.originator_approval if arrangement and sender == hub else None
        source = (arrangement.originator_approval_source if arrangement and sender == hub
                  else rule_source(agreement, "third_party_consent", "Art. 6"))
        if approval == "standing":
            assert arrangement is not None
            reasons.append(Reason("third_party_consent", source, True,
                                  f"standing approval of {label.originator} for "
                                  f"{arrangement.name}"))
            continue
        per_item = approval == "per-item"
        consent, why = ctx.book.explain(label, receiver, request.at, per_item)
        reasons.append(Reason(
            "third_party_consent", source, consent is not None,
            f"{sender} → {receiver}: "
            + ("approval of the item" if per_item else "prior written consent")
            + f" of {label.originator} "
            + (f"{consent.consent_id!r}" if consent else f"missing: {why}"),
        ))
        if consent is None:
            obligations.append(Obligation(
                "consent_needed",
                f"obtain the prior written consent of {label.originator} to release "
                f"{label.item_id} to {receiver}",
                source,
                {"from": label.originator, "to": receiver, "item_id": label.item_id},
            ))
    return Evidence(tuple(reasons), tuple(obligations))


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

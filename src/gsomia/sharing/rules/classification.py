"""Rules on the classification: the originator's marking lies inside every leg's
equivalence table (Art. 4(1)–(2)) and inside the originator's own agreement with every
party the item reaches (Art. 4(1); Art. 6). Each is a :data:`~gsomia.sharing.rules.Rule`.
"""

from __future__ import annotations

from gsomia.sharing.rules.context import Context, not_covered
from gsomia.sharing.rules.evidence import Evidence, Obligation, Reason
from gsomia.sharing.rules.request import ReleaseRequest

__all__ = ["classification", "originator_ceiling"]


def classification(request: ReleaseRequest, ctx: Context) -> Evidence:
    """``classification[:<agreement>]`` (Art. 4(1)–(2)): an agreement the originator is
    party to gives the level of its marking, and each leg's agreement has an equivalent for
    the receiver and does not exclude the marking (Korean 군사I급비밀 never under the
    Japan–Korea agreement); each check cites the row it used. Obliges the Art. 4(2) marking
    (originator's name + the recipient's equivalent) when one is found."""
    label, basis = request.label, ctx.level_basis
    if basis is None:
        return Evidence((Reason(
            "classification", "Art. 4(2)", False,
            f"no agreement between originator {label.originator} and holder "
            f"{label.holder} gives the level of {label.classification!r}",
        ),))
    if ctx.level_row is None:
        why, source = not_covered(basis, label.originator, label.classification)
        return Evidence((Reason(f"classification:{basis.name}", source, False,
                                f"{label.originator} {label.classification!r} is {why}"),),
                        agreements=(basis.name,))
    level = ctx.level_row.level
    reasons = []
    for (_, receiver), agreement in zip(ctx.legs, ctx.leg_agreements, strict=True):
        if agreement is None:
            continue
        mark = agreement.equivalent(receiver, level)
        excluded = agreement.is_excluded(label.originator, label.classification)
        source = (not_covered(agreement, label.originator, label.classification)[1]
                  if excluded else agreement.row_source(receiver, level))
        reasons.append(Reason(
            f"classification:{agreement.name}", source, mark is not None and not excluded,
            f"{level} ({label.originator} {label.classification}) → {receiver} {mark!r}",
        ))
    marking = ctx.marking
    obligations = ()
    if marking is not None:
        both = (marking.text if marking.text == marking.text_en
                else f"{marking.text} / {marking.text_en}")
        obligations = (Obligation("mark", f"mark as {both}", "Art. 4(2)",
                                  {"marking": marking.text, "marking_en": marking.text_en}),)
    return Evidence(tuple(reasons), obligations, agreements=(basis.name,))


def originator_ceiling(request: ReleaseRequest, ctx: Context) -> Evidence:
    """``originator_ceiling:<agreement>`` (Art. 4(1); agreements.md §1 note; Art. 6): the
    originator's own agreement with each party the item reaches (hub or recipient) bounds
    what may reach it, whoever holds the item and by whatever route — a marking it excludes
    or does not list never goes there. Checked only where no ``classification`` reason of
    that agreement was given already."""
    label = request.label
    checked = {r.rule for r in ctx.reasons}
    reasons, used = [], []
    for _, receiver in ctx.legs:
        if receiver == label.originator:
            continue
        agreement = ctx.catalog.bilateral(label.originator, receiver, ctx.date)
        if agreement is None or f"classification:{agreement.name}" in checked:
            continue
        rule = f"originator_ceiling:{agreement.name}"
        if rule in checked or agreement.row_of(label.originator, label.classification):
            continue
        checked.add(rule)
        used.append(agreement.name)
        why, source = not_covered(agreement, label.originator, label.classification)
        reasons.append(Reason(
            rule, source, False,
            f"{label.originator} {label.classification!r} is {why}, the originator's "
            f"agreement with {receiver}: never provided to {receiver}, by any route or "
            f"holder (held by {label.holder})",
        ))
    return Evidence(tuple(reasons), agreements=tuple(used))

"""Rules on the way an item travels: the hub arrangement and its legal basis (TISA para 4;
2023 mechanism §4), its scope (TISA para 1; §4), Releasable To (STANAG 4774) and each leg's
agreement in force (Art. 21; TISA para 3). Each is a :data:`~gsomia.sharing.rules.Rule`.
"""

from __future__ import annotations

from gsomia.sharing.agreements import Agreement
from gsomia.sharing.label import Label
from gsomia.sharing.routes import Route
from gsomia.sharing.rules.context import Context
from gsomia.sharing.rules.evidence import Evidence, Reason
from gsomia.sharing.rules.request import ReleaseRequest

__all__ = ["hub_route", "legal_basis", "legs_in_force", "releasable_to", "scope"]


def hub_route(request: ReleaseRequest, ctx: Context) -> Evidence | None:
    """``in_force:<arrangement>`` and ``route`` (TISA para 4; agreements.md §4): on a hub
    route, an arrangement governs it, is in force, and both ends take part in it."""
    if request.route is Route.DIRECT:
        return None
    arrangement = ctx.arrangement
    if arrangement is None:
        detail = f"no arrangement governs route '{request.route}'"
        return Evidence((Reason("route", "TISA para 4", False, detail),))
    status = ctx.catalog.in_force(arrangement, ctx.date)
    members = {request.label.holder, request.to}
    return Evidence(
        (
            Reason(f"in_force:{arrangement.name}", arrangement.source, status.in_force,
                   status.reason),
            Reason(
                "route",
                arrangement.originator_approval_source or arrangement.source,
                members <= set(arrangement.parties),
                f"{sorted(members)} via hub {arrangement.hub}; "
                f"participants {list(arrangement.parties)}",
            ),
        ),
        agreements=(arrangement.name,),
    )


def legal_basis(request: ReleaseRequest, ctx: Context) -> Evidence | None:
    """``in_force:<basis>`` (agreements.md §4): the legal basis of the hub arrangement
    (TISA for the 2023 mechanism) is in force."""
    arrangement = ctx.arrangement
    if arrangement is None or not arrangement.legal_basis:
        return None
    basis = ctx.catalog.agreement(arrangement.legal_basis)
    status = ctx.catalog.in_force(basis, ctx.date)
    return Evidence(
        (Reason(f"in_force:{basis.name}", f"legal basis of {arrangement.name}: {basis.source}",
                status.in_force, status.reason),),
        agreements=(basis.name,),
    )


def scope(request: ReleaseRequest, ctx: Context) -> Evidence | None:
    """``scope:<a>`` and ``elements:<a>`` (TISA para 1; agreements.md §4): the topic lies in
    the scope of the legal basis and of the arrangement; where elements are listed, the
    item carries only those (on ``auto_hub`` the three warning elements, never pre-launch
    indications or own sensors)."""
    arrangement = ctx.arrangement
    if arrangement is None:
        return None
    scoped = [arrangement]
    if arrangement.legal_basis:
        scoped.insert(0, ctx.catalog.agreement(arrangement.legal_basis))
    return Evidence(tuple(r for a in scoped for r in _scope_checks(a, request.label)))


def _scope_checks(arrangement: Agreement, label: Label) -> list[Reason]:
    s = arrangement.scope
    if s is None:
        return []
    reasons = [Reason(f"scope:{arrangement.name}", s.source, label.topic in s.topics,
                      f"topic {label.topic!r}; in scope: {list(s.topics)}")]
    if s.elements or s.excluded_elements:
        items = set(label.elements)
        ok = bool(items) and items <= set(s.elements) and not items & set(s.excluded_elements)
        outside = sorted((items - set(s.elements) if s.elements else set())
                         | (items & set(s.excluded_elements)))
        if not items:
            detail = "no element named"
        elif ok:
            detail = f"elements {sorted(items)} within {list(s.elements)}"
        else:
            never = f"; never {list(s.excluded_elements)}" if s.excluded_elements else ""
            detail = (f"elements {outside} not carried (allowed only {list(s.elements)}"
                      f"{never})")
        reasons.append(Reason(f"elements:{arrangement.name}", s.source, ok, detail))
    return reasons


def releasable_to(request: ReleaseRequest, ctx: Context) -> Evidence:
    """``releasable_to`` (STANAG 4774 PERMISSIVE category, agreements.md §5): the recipient
    and, on a hub route, the hub are in the label's Releasable To; the originator is always
    allowed its own item."""
    label = request.label
    needed = ({request.to} | ({ctx.hub} if ctx.hub else set())) - {label.originator}
    return Evidence((Reason(
        "releasable_to",
        "label Releasable To category (STANAG 4774, agreements.md §5)",
        needed <= label.releasable_to,
        f"needs {sorted(needed)}; label releasable to {sorted(label.releasable_to)}",
    ),))


def legs_in_force(request: ReleaseRequest, ctx: Context) -> Evidence:
    """``in_force:<agreement>`` per leg (Art. 21; on a hub route TISA para 3): a bilateral
    agreement protects each leg and is in force on the date (its renewal article cited)."""
    source = "Art. 21" if request.route is Route.DIRECT else "TISA para 3"
    reasons, used = [], []
    for (sender, receiver), agreement in zip(ctx.legs, ctx.leg_agreements, strict=True):
        if agreement is None:
            reasons.append(Reason("in_force", source, False,
                                  f"no bilateral agreement between {sender} and {receiver}"))
            continue
        used.append(agreement.name)
        status = ctx.catalog.in_force(agreement, ctx.date)
        reasons.append(Reason(
            f"in_force:{agreement.name}",
            agreement.renewal.source if agreement.renewal else agreement.source,
            status.in_force,
            status.reason,
        ))
    return Evidence(tuple(reasons), agreements=tuple(used))

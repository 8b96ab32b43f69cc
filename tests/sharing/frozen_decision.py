"""Frozen copy of ``gsomia.sharing.decision.decide`` as it was before issue 11 split it into
rule functions (main at 2847076), kept only as the oracle of
``test_sharing_rules_equivalence.py``. Not used by the package; do not edit.

The release decision: may this item go to this party (and person), by this route, now?

:func:`decide` evaluates every rule and returns a :class:`Decision` with the verdict, all
reasons (passed and failed, each citing its source) and the obligations. Default: deny —
a permit needs at least one rule evaluated and every rule passed.

Rules and their sources (agreements.md):

``releasable_to``
    the recipient (and, on a hub route, the hub) is in the label's Releasable To
    category (STANAG 4774 PERMISSIVE category, §5); the originator itself is always
    allowed its own item.
``route``
    direct: a bilateral agreement between sender and recipient; ``tisa``: TISA in force,
    both ends TISA parties, through the hub (TISA para 4); ``auto-hub``: the 2023
    mechanism and its legal basis (TISA) in force (§4).
``in_force:<agreement>``
    each agreement protecting a leg is in force on the date (Art. 21; TISA para 3).
``classification:<agreement>``
    the originator's marking lies inside each leg's equivalence table and is not excluded
    (Art. 4(1)–(2); Korean 군사I급비밀 never under the Japan–Korea agreement). Each check
    cites the source of the row it used (``"assumed by analogy …"`` where the data says so).
``originator_ceiling:<agreement>``
    the originator's own agreement with each party the item reaches (hub or recipient)
    bounds what may reach that party, whoever holds the item and by whatever route: a
    marking that agreement excludes or does not list never goes there (Art. 4(1): the
    Korean markings under the Japan–Korea agreement are Class II and III; agreements.md §1
    note: 군사I급비밀 is outside it, never provided; Art. 6: the Receiving Party releases
    only with the originator's approval, so never beyond what the originator may provide).
``scope``
    topic within the arrangement's scope (TISA para 1); for ``auto-hub``, only the three
    warning elements, never pre-launch indications or own sensors (§4).
``third_party_consent``
    a party that is not the originator releases to a party that is not the originator
    only with the originator's prior written consent, valid at that time (Art. 6; TISA
    para 4). On a hub arrangement with ``originator_approval = "per-item"`` (TISA) the
    hub's leg needs a consent naming the item. Standing approval covers the hub's leg on
    ``auto-hub`` (modelling choice). A failure says why each consent did not count.
``purpose``
    the stated purpose equals the purpose for which it was provided (Art. 6).
``personnel_clearance``, ``need_to_know``, ``contractor_facility``
    for a person: a Personnel Security Clearance of the Receiving Party at least the
    equivalent marking, AND need-to-know for the topic (Art. 7); a contractor also needs a
    facility able to protect it (Art. 16). Applied when the recipient's agreement lists
    the rule in its ``[rules]`` table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from gsomia.errors import InputError
from gsomia.sharing.agreements import Agreement
from gsomia.sharing.catalog import Catalog
from gsomia.sharing.consent import Consent, ConsentBook
from gsomia.sharing.label import Label, Person, parse_time
from gsomia.sharing.markings import ReceivedMarking, party_code
from gsomia.sharing.routes import Route

__all__ = ["Decision", "Obligation", "Reason", "ReleaseRequest", "decide"]


@dataclass(frozen=True, slots=True)
class ReleaseRequest:
    """One question to :func:`decide`.

    Attributes:
        label: the item's label (its ``holder`` is the sender).
        to: the Receiving Party code.
        route: a :class:`~gsomia.sharing.routes.Route`; any spelling
            :meth:`Route.parse` takes is accepted and stored as the Route.
        at: when the release would happen (aware UTC datetime).
        person: the person who would get access, or None for the party as a whole.
        purpose: the purpose of the release (Art. 6), or None.
    """

    label: Label
    to: str
    at: dt.datetime
    route: Route = Route.DIRECT
    person: Person | None = None
    purpose: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "route", Route.parse(self.route))
        object.__setattr__(self, "to", party_code("to", self.to))
        object.__setattr__(self, "at", parse_time("at", self.at))
        if self.to == self.label.holder:
            raise InputError("to", self.to, "the recipient is the holder itself")


@dataclass(frozen=True, slots=True)
class Reason:
    """One evaluated rule: its id, its source, whether it passed, and why."""

    rule: str
    source: str
    passed: bool
    detail: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "rule": self.rule,
            "passed": self.passed,
            "detail": self.detail,
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class Obligation:
    """Something the parties must do if (or before) the item is released."""

    kind: str
    detail: str
    source: str
    data: dict[str, Any] = field(default_factory=dict, hash=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"kind": self.kind, "detail": self.detail, "source": self.source, **self.data}


@dataclass(frozen=True, slots=True)
class Decision:
    """Verdict, every reason, and the obligations of one release request.

    Attributes:
        permit: True only when every reason passed.
        reasons: all evaluated rules, in evaluation order.
        obligations: marking to apply, consent needed, protection, purpose, reporting.
        marking: the marking the recipient applies (Art. 4(2)), when it can be determined.
        agreements: names of the agreements the decision rests on.
        request: the request, in JSON-ready form.
    """

    permit: bool
    reasons: tuple[Reason, ...]
    obligations: tuple[Obligation, ...]
    marking: ReceivedMarking | None
    agreements: tuple[str, ...]
    request: dict[str, Any] = field(hash=False)

    @property
    def failed(self) -> tuple[Reason, ...]:
        """The reasons that failed (empty for a permit)."""
        return tuple(r for r in self.reasons if not r.passed)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the ``gsomia decide --json`` output)."""
        return {
            "permit": self.permit,
            "reasons": [r.to_dict() for r in self.reasons],
            "denied_by": [r.rule for r in self.failed],
            "marking": None if self.marking is None else self.marking.to_dict(),
            "obligations": [o.to_dict() for o in self.obligations],
            "agreements": list(self.agreements),
            "request": self.request,
        }


class _Evaluation:
    """Collects reasons and obligations while :func:`decide` runs."""

    def __init__(self) -> None:
        self.reasons: list[Reason] = []
        self.obligations: list[Obligation] = []
        self.agreements: list[str] = []

    def check(self, rule: str, source: str, passed: bool, detail: str) -> bool:
        self.reasons.append(Reason(rule, source, bool(passed), detail))
        return bool(passed)

    def use(self, agreement: Agreement) -> None:
        if agreement.name not in self.agreements:
            self.agreements.append(agreement.name)


#: Memo of the look-ups that depend only on catalog objects and a date (which agreement
#: protects a pair of parties, whether an agreement is in force), so that a run of
#: decisions on one date does each once: ``(id(owner), *key) → (owner, value)``. The owner
#: (a :class:`Catalog` or :class:`Agreement`, both frozen) is kept with its value, so an
#: id is never taken for another object's; the memo is emptied when it reaches
#: ``_MEMO_MAX`` entries. Only caching: the values are what the look-ups return.
_MEMO: dict[tuple[Any, ...], tuple[object, Any]] = {}
_MEMO_MAX = 4096


def _memo(owner: object, key: tuple[Any, ...], compute: Any) -> Any:
    k = (id(owner), *key)
    hit = _MEMO.get(k)
    if hit is not None and hit[0] is owner:
        return hit[1]
    value = compute()
    if len(_MEMO) >= _MEMO_MAX:
        _MEMO.clear()
    _MEMO[k] = (owner, value)
    return value


def _in_force(agreement: Agreement, date: dt.date) -> Any:
    """``agreement.in_force(date)``, memoised (see :data:`_MEMO`)."""
    return _memo(agreement, ("in_force", date), lambda: agreement.in_force(date))


def _bilateral(
    catalog: Catalog, a: str, b: str, date: dt.date, among: Iterable[str] | None = None
) -> Agreement | None:
    """The bilateral agreement between ``a`` and ``b`` (one in force on ``date`` first)."""
    names = None if among is None else frozenset(among)
    return _memo(catalog, ("bilateral", a, b, date, names),
                 lambda: _find_bilateral(catalog, a, b, date, names))


def _find_bilateral(
    catalog: Catalog, a: str, b: str, date: dt.date, names: frozenset[str] | None
) -> Agreement | None:
    found = catalog.bilaterals(a, b)
    if names is not None:
        found = [x for x in found if x.name in names]
    for x in found:
        if _in_force(x, date).in_force:
            return x
    return found[0] if found else None


def _hub_arrangement(
    ev: _Evaluation, catalog: Catalog, request: ReleaseRequest, date: dt.date
) -> Agreement | None:
    """Check the hub route's arrangement (TISA para 4; §4); return it if usable."""
    label, route = request.label, request.route
    candidates = catalog.by_route(route)
    if not candidates:
        ev.check("route", "TISA para 4", False, f"no arrangement governs route '{route}'")
        return None
    arrangement = next((a for a in candidates if _in_force(a, date).in_force), candidates[0])
    ev.use(arrangement)
    status = _in_force(arrangement, date)
    ev.check(f"in_force:{arrangement.name}", arrangement.source, status.in_force, status.reason)
    members = {label.holder, request.to}
    ev.check(
        "route",
        arrangement.originator_approval_source or arrangement.source,
        members <= set(arrangement.parties),
        f"{sorted(members)} via hub {arrangement.hub}; participants {list(arrangement.parties)}",
    )
    if arrangement.legal_basis:
        basis = catalog.agreement(arrangement.legal_basis)
        ev.use(basis)
        basis_status = _in_force(basis, date)
        ev.check(
            f"in_force:{basis.name}",
            f"legal basis of {arrangement.name}: {basis.source}",
            basis_status.in_force,
            basis_status.reason,
        )
        _check_scope(ev, basis, label)
    _check_scope(ev, arrangement, label)
    return arrangement


def _check_scope(ev: _Evaluation, arrangement: Agreement, label: Label) -> None:
    scope = arrangement.scope
    if scope is None:
        return
    ev.check(
        f"scope:{arrangement.name}",
        scope.source,
        label.topic in scope.topics,
        f"topic {label.topic!r}; in scope: {list(scope.topics)}",
    )
    if scope.elements or scope.excluded_elements:
        items = set(label.elements)
        ok = (
            bool(items)
            and items <= set(scope.elements)
            and not items & set(scope.excluded_elements)
        )
        outside = sorted((items - set(scope.elements) if scope.elements else set())
                         | (items & set(scope.excluded_elements)))
        ev.check(
            f"elements:{arrangement.name}",
            scope.source,
            ok,
            (f"elements {sorted(items)} within {list(scope.elements)}" if ok else
             f"elements {outside} not carried (allowed only {list(scope.elements)}"
             + (f"; never {list(scope.excluded_elements)}" if scope.excluded_elements else "")
             + ")" if items else "no element named"),
        )


def _protections(catalog: Catalog, arrangement: Agreement) -> tuple[str, ...]:
    if arrangement.protection_under:
        return arrangement.protection_under
    if arrangement.legal_basis:
        return catalog.agreement(arrangement.legal_basis).protection_under
    return ()


def _level(
    ev: _Evaluation, catalog: Catalog, label: Label, first: Agreement | None, date: dt.date
) -> str | None:
    """Common level of the originator's marking (Art. 4(2)), via an agreement it is party to."""
    basis = first
    if basis is None or label.originator not in basis.parties:
        basis = _bilateral(catalog, label.originator, label.holder, date)
    if basis is None:
        ev.check(
            "classification",
            "Art. 4(2)",
            False,
            f"no agreement between originator {label.originator} and holder "
            f"{label.holder} gives the level of {label.classification!r}",
        )
        return None
    ev.use(basis)
    row = basis.row_of(label.originator, label.classification)
    if row is None:
        why, source = _not_covered(basis, label.originator, label.classification)
        ev.check(
            f"classification:{basis.name}",
            source,
            False,
            f"{label.originator} {label.classification!r} is {why}",
        )
        return None
    return row.level


def _not_covered(agreement: Agreement, party: str, marking: str) -> tuple[str, str]:
    """Why ``agreement`` does not cover ``party``'s ``marking``, and the source to cite."""
    for x in agreement.excluded:
        if x.party == party and x.marking == marking:
            return f"excluded from {agreement.name}", x.source
    return (
        f"not in the equivalence table of {agreement.name}",
        agreement.table_source(),
    )


def _check_ceiling(
    ev: _Evaluation,
    catalog: Catalog,
    label: Label,
    receivers: Iterable[str],
    date: dt.date,
) -> None:
    """The originator's agreement with each receiver bounds what reaches it (docstring)."""
    checked = {r.rule for r in ev.reasons}
    for receiver in receivers:
        if receiver == label.originator:
            continue
        agreement = _bilateral(catalog, label.originator, receiver, date)
        if agreement is None or f"classification:{agreement.name}" in checked:
            continue
        rule = f"originator_ceiling:{agreement.name}"
        if rule in checked or agreement.row_of(label.originator, label.classification):
            continue
        checked.add(rule)
        ev.use(agreement)
        why, source = _not_covered(agreement, label.originator, label.classification)
        ev.check(
            rule,
            source,
            False,
            f"{label.originator} {label.classification!r} is {why}, the originator's "
            f"agreement with {receiver}: never provided to {receiver}, by any route or "
            f"holder (held by {label.holder})",
        )


def decide(
    request: ReleaseRequest, catalog: Catalog, consents: ConsentBook | Iterable[Consent] = ()
) -> Decision:
    """Decide whether ``request.label``'s item may be released to ``request.to``.

    Parameters:
        request: item, recipient, route, time, optional person and purpose.
        catalog: the agreements and marking schemes (:func:`~gsomia.sharing.load_catalog`).
        consents: the originator consents known to the holder (Art. 6).

    Returns:
        A :class:`Decision` listing every rule evaluated (see the module docstring for
        the rules and their articles), its obligations and the marking to apply.

    Raises:
        InputError: an unknown party, or a marking that is not the originator's
            (``classification``) or the recipient's (``person.clearance``).
    """
    label, to, at = request.label, request.to, request.at
    date = at.date()
    book = consents if isinstance(consents, ConsentBook) else ConsentBook(consents)
    for name, code in (
        ("label.originator", label.originator),
        ("label.holder", label.holder),
        ("to", to),
    ):
        if code not in catalog.schemes:
            raise InputError(name, code, f"unknown party (known: {', '.join(catalog.schemes)})")
    if request.person is not None and request.person.party not in catalog.schemes:
        raise InputError(
            "person.party",
            request.person.party,
            f"unknown party (known: {', '.join(catalog.schemes)})",
        )
    catalog.scheme(label.originator).get(label.classification, "label.classification")
    ev = _Evaluation()

    # Releasable To (STANAG 4774 PERMISSIVE category)
    hub = None
    arrangement = None
    if request.route != "direct":
        arrangement = _hub_arrangement(ev, catalog, request, date)
        hub = arrangement.hub if arrangement else None
    needed = ({to} | ({hub} if hub else set())) - {label.originator}  # own item: always
    ev.check(
        "releasable_to",
        "label Releasable To category (STANAG 4774, agreements.md §5)",
        needed <= label.releasable_to,
        f"needs {sorted(needed)}; label releasable to {sorted(label.releasable_to)}",
    )

    # Legs and the bilateral agreement protecting each (direct; TISA para 3)
    if request.route == "direct":
        legs = [(label.holder, to)]
        among = None
    else:
        legs = [(s, r) for s, r in ((label.holder, hub), (hub, to)) if s and r and s != r]
        among = _protections(catalog, arrangement) if arrangement else ()
    leg_agreements: list[Agreement | None] = []
    for sender, receiver in legs:
        agreement = _bilateral(catalog, sender, receiver, date, among)
        leg_agreements.append(agreement)
        source = "Art. 21" if request.route == "direct" else "TISA para 3"
        if agreement is None:
            ev.check(
                "in_force", source, False, f"no bilateral agreement between {sender} and {receiver}"
            )
            continue
        ev.use(agreement)
        status = _in_force(agreement, date)
        ev.check(
            f"in_force:{agreement.name}",
            agreement.renewal.source if agreement.renewal else agreement.source,
            status.in_force,
            status.reason,
        )

    # Classification inside every leg's agreement (Art. 4)
    level = _level(ev, catalog, label, leg_agreements[0] if leg_agreements else None, date)
    marking = None
    if level is not None:
        for (_, receiver), agreement in zip(legs, leg_agreements, strict=True):
            if agreement is None:
                continue
            mark = agreement.equivalent(receiver, level)
            excluded = agreement.is_excluded(label.originator, label.classification)
            ev.check(
                f"classification:{agreement.name}",
                _not_covered(agreement, label.originator, label.classification)[1]
                if excluded
                else agreement.row_source(receiver, level),
                mark is not None and not excluded,
                f"{level} ({label.originator} {label.classification}) → {receiver} {mark!r}",
            )
            if mark is not None and receiver == to:
                marking = _received(catalog, label.originator, to, mark, level, agreement)
    last = leg_agreements[-1] if leg_agreements else None
    _check_ceiling(ev, catalog, label, [r for _, r in legs], date)

    # Third-party release: originator's prior written consent (Art. 6; TISA para 4)
    for (sender, receiver), agreement in zip(legs, leg_agreements, strict=True):
        if label.originator in (sender, receiver):
            continue
        standing = (
            arrangement is not None
            and arrangement.originator_approval == "standing"
            and sender == hub
        )
        source = (
            arrangement.originator_approval_source
            if arrangement and sender == hub
            else _rule_source(agreement, "third_party_consent", "Art. 6")
        )
        if standing:
            ev.check(
                "third_party_consent",
                source,
                True,
                f"standing approval of {label.originator} for {arrangement.name}",
            )
            continue
        per_item = (
            arrangement is not None
            and arrangement.originator_approval == "per-item"
            and sender == hub
        )
        consent, why = book.explain(label, receiver, at, per_item)
        ev.check(
            "third_party_consent",
            source,
            consent is not None,
            f"{sender} → {receiver}: "
            + ("approval of the item" if per_item else "prior written consent")
            + f" of {label.originator} "
            + (f"{consent.consent_id!r}" if consent else f"missing: {why}"),
        )
        if consent is None:
            ev.obligations.append(
                Obligation(
                    "consent_needed",
                    f"obtain the prior written consent of {label.originator} to release "
                    f"{label.item_id} to {receiver}",
                    source,
                    {"from": label.originator, "to": receiver, "item_id": label.item_id},
                )
            )

    # Purpose (Art. 6)
    if last is not None and "purpose" in last.rules and label.purpose is not None:
        if request.purpose is not None:
            ev.check(
                "purpose",
                last.rules["purpose"],
                request.purpose == label.purpose,
                f"requested {request.purpose!r}; provided for {label.purpose!r}",
            )
        ev.obligations.append(
            Obligation("purpose", f"use only for {label.purpose!r}", last.rules["purpose"])
        )

    # Person (Arts. 7, 16)
    if request.person is not None:
        _check_person(ev, catalog, request.person, to, label, marking, last)

    if marking is not None:
        both = (
            marking.text
            if marking.text == marking.text_en
            else f"{marking.text} / {marking.text_en}"
        )
        ev.obligations.insert(
            0,
            Obligation(
                "mark",
                f"mark as {both}",
                "Art. 4(2)",
                {"marking": marking.text, "marking_en": marking.text_en},
            ),
        )
        ev.obligations.append(
            Obligation(
                "protect",
                f"protect at least as {to}'s own {marking.classification}",
                _rule_source(last, "protection", "Art. 6 (summary)"),
            )
        )
        ev.obligations.append(
            Obligation(
                "report_loss",
                f"report any loss or compromise to {label.originator} at once",
                "Art. 17",
            )
        )
    permit = bool(ev.reasons) and all(r.passed for r in ev.reasons)
    return Decision(
        permit=permit,
        reasons=tuple(ev.reasons),
        obligations=tuple(ev.obligations),
        marking=marking,
        agreements=tuple(ev.agreements),
        request=_request_dict(request),
    )


def _rule_source(agreement: Agreement | None, rule: str, default: str) -> str:
    if agreement is not None and rule in agreement.rules:
        return agreement.rules[rule]
    return default


def _received(
    catalog: Catalog, originator: str, receiver: str, mark: str, level: str, agreement: Agreement
) -> ReceivedMarking:
    """The Art. 4(2) marking: originator's name + the receiver's equivalent classification."""
    scheme = catalog.scheme(receiver)
    return ReceivedMarking(
        originator=originator,
        receiver=receiver,
        originator_name=scheme.name_of(originator)
        if originator in scheme.names
        else catalog.scheme(originator).name_en,
        originator_name_en=catalog.scheme(originator).name_en,
        classification=mark,
        classification_en=scheme.get(mark).english,
        level=level,
        agreement=agreement.name,
        source="Art. 4(2)",
    )


def _check_person(
    ev: _Evaluation,
    catalog: Catalog,
    person: Person,
    to: str,
    label: Label,
    marking: ReceivedMarking | None,
    agreement: Agreement | None,
) -> None:
    rules = agreement.rules if agreement is not None else {}
    if "personnel_clearance" in rules:
        source = rules["personnel_clearance"]
        if person.party != to:
            ev.check(
                "personnel_clearance",
                source,
                False,
                f"clearance of {person.party}, not of the Receiving Party {to}",
            )
        else:
            catalog.scheme(to).get(person.clearance, "person.clearance")  # unknown → InputError
            if marking is None:
                ev.check(
                    "personnel_clearance",
                    source,
                    False,
                    "no equivalent marking to compare the clearance with",
                )
            else:
                ok = catalog.scheme(to).at_least(person.clearance, marking.classification)
                ev.check(
                    "personnel_clearance",
                    source,
                    ok,
                    f"holds {person.clearance}; needs {marking.classification} or higher",
                )
    if "need_to_know" in rules:
        ev.check(
            "need_to_know",
            rules["need_to_know"],
            label.topic in person.need_to_know,
            f"topic {label.topic!r}; duties cover {sorted(person.need_to_know)}",
        )
    if person.contractor and "contractor_facility" in rules:
        able = "able" if person.facility_clearance else "not shown able"
        ev.check(
            "contractor_facility",
            rules["contractor_facility"],
            person.facility_clearance,
            f"contractor facility {able} to protect the information",
        )


def _request_dict(request: ReleaseRequest) -> dict[str, Any]:
    return {
        "label": request.label.to_stanag4774(),
        "to": request.to,
        "route": request.route,
        "at": request.at.isoformat(),
        "person": None if request.person is None else request.person.to_dict(),
        "purpose": request.purpose,
    }

"""Release decisions from tables compiled from the catalog (issue 19 item 4).

A decision's reasons fall in two kinds. Most depend only on who sends what to whom and how,
and on the date: the hub arrangement and its legal basis (TISA para 4; §4), each leg's
agreement and whether it is in force (Art. 21; TISA para 3), the equivalence rows and
exclusions (Art. 4(1)–(2)), the originator's ceiling (Art. 4(1), Art. 6), the marking and
the handling obligations (Art. 4(2), 6, 17). The rest depend on the request itself: the
topic and elements (TISA para 1; §4), the label's Releasable To (STANAG 4774), the consents
(Art. 6), the purpose (Art. 6) and the person (Arts. 7, 16).

:class:`DecisionTables` keeps, per ``(holder, recipient, route, originator,
classification)``, a :class:`Plan`: the facts of :class:`~gsomia.sharing.rules.Context` and
the reasons of the first kind, worked out once by the rule functions themselves. A date
enters only through whether each agreement is in force, and
:meth:`~gsomia.sharing.agreements.Agreement.in_force` changes its answer only on the dates
of :meth:`~gsomia.sharing.agreements.Agreement.in_force_changes`; so the dates are cut into
*epochs* between those days, and a plan keeps the in-force reasons of each epoch it met.
Where the catalog offers two agreements for one pair or two arrangements for one route
(the first in force is chosen), the plan's key also holds the epoch of those choices.

The reasons of the second kind are computed by the same rule functions, with the plan as
their context, and kept per the inputs they read (topic and elements; Releasable To;
purposes; person), each table holding at most :data:`TABLE_MAX` answers. Consents are
looked up afresh for every request. The result is the decision
:func:`gsomia.sharing.decision.reference_decide` gives (the property test
``tests/sharing/test_compiled_decisions.py`` checks verdict, reasons, obligations, marking,
agreements and data hashes over generated requests).
"""

from __future__ import annotations

import datetime as dt
import itertools
from bisect import bisect_right
from collections.abc import Iterable
from operator import attrgetter
from typing import Any

from gsomia.errors import InputError
from gsomia.sharing.agreements import Agreement
from gsomia.sharing.catalog import Catalog
from gsomia.sharing.consent import Consent, ConsentBook
from gsomia.sharing.label import Label, Person
from gsomia.sharing.markings import ReceivedMarking
from gsomia.sharing.routes import Route
from gsomia.sharing.rules import (
    Context,
    Obligation,
    Reason,
    ReleaseRequest,
    classification,
    contractor_facility,
    handling,
    hub_route,
    legal_basis,
    legs_in_force,
    need_to_know,
    originator_ceiling,
    personnel_clearance,
    purpose,
    releasable_to,
    scope,
)
from gsomia.sharing.rules.release import ConsentLeg, consent_check, consent_legs, consent_needed

__all__ = ["TABLE_MAX", "DecisionTables", "Plan", "Verdict", "check_parties",
           "decision_tables"]

#: What :meth:`DecisionTables.decide` returns: permit, reasons, obligations, marking,
#: agreements, data hashes (the fields of a Decision but its request).
Verdict = tuple[bool, tuple[Reason, ...], tuple[Obligation, ...], ReceivedMarking | None,
                tuple[str, ...], dict[str, str]]

#: Most answers each per-request table keeps before it starts afresh.
TABLE_MAX = 65536

#: The name under which a catalog keeps its decision tables (:meth:`Catalog.derived`).
_TABLES = "decision_tables"

_IN_FORCE = "in_force:"

#: The book of no consent (read only).
_NO_CONSENTS = ConsentBook()

_CONSENT_ID = attrgetter("consent_id")


def check_parties(request: ReleaseRequest, catalog: Catalog) -> None:
    """Raise InputError for a party the catalog does not know (``label.originator``,
    ``label.holder``, ``to``, ``person.party``, in that order), or a classification that
    is not a marking of the originator (``label.classification``). A Releasable To may
    name nations outside the catalog (a node's audience of routes, e.g. a new partner)."""
    label = request.label
    fields = [("label.originator", label.originator), ("label.holder", label.holder),
              ("to", request.to)]
    if request.person is not None:
        fields.append(("person.party", request.person.party))
    for name, code in fields:
        if code not in catalog.schemes:
            known = ", ".join(catalog.schemes)
            raise InputError(name, code, f"unknown party (known: {known})")
    catalog.scheme(label.originator).get(label.classification, "label.classification")


class Plan:
    """What one ``(holder, recipient, route, originator, classification)`` decides whatever
    the request's other fields, and the context the per-request rules read.

    Attributes:
        key: the table key (choice epoch, holder, to, route, originator, classification).
        catalog, arrangement, hub, legs, leg_agreements, last, marking: as in
            :class:`~gsomia.sharing.rules.Context`.
        head: the reasons of ``hub_route`` and ``legal_basis``; an in-force reason is kept
            as ``(agreement, rule, source)``, filled per epoch.
        body: the same for ``legs_in_force``, ``classification``, ``originator_ceiling``.
        marks: the obligations of ``classification`` (the Art. 4(2) marking).
        handles: the obligations of ``handling`` (Art. 6, Art. 17).
        duties: ``marks`` then ``handles`` (the obligations when no per-request rule adds
            one).
        agreements: the agreements the decision rests on, in order.
        data: the content hashes of those agreements and of both parties' schemes.
        needed: the parties Releasable To must list (recipient, hub; not the originator).
        consents: per leg joining two parties neither of which is the originator, the
            reason of a standing approval or the consent to look for
            (:func:`~gsomia.sharing.rules.release.consent_legs`).
        receivers: the receivers of the legs whose consent is looked for.
        missing: per such leg, its reason when no consent of the originator to its
            receiver is known.
        checks: ``consents`` with, for each leg looked for, its ``missing`` reason:
            ``(reason, None)`` or ``(leg, missing reason)``, in order.
        scoped: the name of ``arrangement`` (the key of its scope checks), or None.
        last_name: the name of ``last``, or None.
        marked: the recipient's marking (``marking.classification``), or None.
        epochs: epoch → (head, body, all passed), the in-force reasons filled in.
    """

    __slots__ = ("agreements", "arrangement", "body", "catalog", "checks", "consents", "data",
                 "duties", "epochs", "handles", "head", "hub", "key", "last", "last_name",
                 "leg_agreements", "legs", "marked", "marking", "marks", "missing", "needed",
                 "receivers", "scoped")

    def __init__(self, key: tuple[Any, ...], request: ReleaseRequest, catalog: Catalog) -> None:
        ctx = Context(request, catalog, ConsentBook())
        self.key = key
        self.catalog = catalog
        self.arrangement: Agreement | None = ctx.arrangement
        self.hub: str | None = ctx.hub
        self.legs = tuple(ctx.legs)
        self.leg_agreements = tuple(ctx.leg_agreements)
        self.last: Agreement | None = ctx.last
        self.marking: ReceivedMarking | None = ctx.marking
        label = request.label
        self.needed = frozenset(({request.to} | ({self.hub} if self.hub else set()))
                                - {label.originator})
        self.consents = tuple(consent_legs(label.originator, self.arrangement, self.hub,
                                           self.legs, self.leg_agreements))
        self.receivers = frozenset(leg.receiver for leg in self.consents
                                   if isinstance(leg, ConsentLeg))
        self.missing = {leg: consent_check(leg, request, _NO_CONSENTS)[0]
                        for leg in self.consents if isinstance(leg, ConsentLeg)}
        self.checks = tuple((leg, self.missing.get(leg)) for leg in self.consents)
        self.scoped = None if self.arrangement is None else self.arrangement.name
        self.last_name = None if self.last is None else self.last.name
        self.marked = None if self.marking is None else self.marking.classification
        agreements: dict[str, None] = {}
        parts: list[tuple[Any, ...]] = []
        self.marks: tuple[Obligation, ...] = ()
        for rules in ((hub_route, legal_basis), (legs_in_force, classification,
                                                 originator_ceiling)):
            part: list[Any] = []
            for rule in rules:
                evidence = rule(request, ctx)
                if evidence is None:
                    continue
                ctx.reasons.extend(evidence.reasons)
                part.extend(_slot(r, catalog) for r in evidence.reasons)
                agreements.update(dict.fromkeys(evidence.agreements))
                if rule is classification:
                    self.marks = evidence.obligations
            parts.append(tuple(part))
        self.head, self.body = parts
        done = handling(request, ctx)
        self.handles = () if done is None else done.obligations
        self.duties = self.marks + self.handles
        self.agreements = tuple(agreements)
        self.data = catalog.digests(agreements, dict.fromkeys((label.originator, request.to)))
        self.epochs: dict[int, tuple[tuple[Reason, ...], tuple[Reason, ...], bool]] = {}

    def fill(self, epoch: int, date: dt.date) -> tuple[tuple[Reason, ...], tuple[Reason, ...],
                                                       bool]:
        """The head and body reasons on ``date`` (of ``epoch``), and whether all passed."""
        head = tuple(_filled(x, self.catalog, date) for x in self.head)
        body = tuple(_filled(x, self.catalog, date) for x in self.body)
        filled = (head, body, all(r.passed for r in head + body))
        self.epochs[epoch] = filled
        return filled


def _slot(reason: Reason, catalog: Catalog) -> Reason | tuple[Agreement, str, str]:
    """An in-force reason as ``(agreement, rule, source)``; any other reason as it is."""
    if reason.rule.startswith(_IN_FORCE):
        return catalog.agreement(reason.rule[len(_IN_FORCE):]), reason.rule, reason.source
    return reason


def _filled(item: Reason | tuple[Agreement, str, str], catalog: Catalog,
            date: dt.date) -> Reason:
    if isinstance(item, Reason):
        return item
    agreement, rule, source = item
    status = catalog.in_force(agreement, date)
    return Reason(rule, source, status.in_force, status.reason)


def _change_dates(agreements: Iterable[Agreement]) -> list[dt.date]:
    return sorted({d for a in agreements for d in a.in_force_changes()})


def _choice_agreements(catalog: Catalog) -> list[Agreement]:
    """Agreements whose being in force decides a choice: two or more arrangements for one
    route, or two or more bilateral agreements for one pair."""
    out: list[Agreement] = []
    for route in Route:
        if route is not Route.DIRECT and len(found := catalog.by_route(route)) > 1:
            out.extend(found)
    pairs: dict[frozenset[str], list[Agreement]] = {}
    for a in catalog.agreements.values():
        if a.kind == "bilateral":
            pairs.setdefault(frozenset(a.parties), []).append(a)
    out.extend(a for found in pairs.values() if len(found) > 1 for a in found)
    return out


class DecisionTables:
    """The compiled decision tables of one catalog (module docstring).

    Built by :func:`decision_tables`; :meth:`compile` fills every plan at once (else each
    is made at its first request); :meth:`decide` answers a request.
    """

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.breaks = _change_dates(catalog.agreements.values())
        self.choice_breaks = _change_dates(_choice_agreements(catalog))
        self.plans: dict[tuple[Any, ...], Plan] = {}
        self.scopes: dict[tuple[Any, ...], tuple[tuple[Reason, ...], bool]] = {}
        self.releasable: dict[tuple[Any, ...], Reason] = {}
        self.purposes: dict[tuple[Any, ...],
                            tuple[tuple[Reason, ...], tuple[Obligation, ...], bool]] = {}
        self.persons: dict[tuple[Any, ...], tuple[tuple[Reason, ...], bool]] = {}

    def plan(self, request: ReleaseRequest, date: dt.date) -> Plan:
        """The plan of ``request`` (made and kept on first use).

        Raises:
            InputError: as :func:`check_parties`.
        """
        label = request.label
        choice = bisect_right(self.choice_breaks, date) if self.choice_breaks else 0
        key = (choice, label.holder, request.to, request.route, label.originator,
               label.classification)
        plan = self.plans.get(key)
        if plan is None:
            check_parties(request, self.catalog)
            plan = self.plans[key] = Plan(key, request, self.catalog)
        elif request.person is not None and request.person.party not in self.catalog.schemes:
            check_parties(request, self.catalog)
        return plan

    def compile(self) -> int:
        """Make every plan of the catalog's parties, markings and routes (holder ≠
        recipient), for each choice epoch, with the in-force reasons of every epoch filled
        in; only the per-request tables are then left to fill. Returns the number of plans.
        """
        catalog = self.catalog
        parties = list(catalog.schemes)
        days = [dt.date.min, *self.breaks]
        for first in [dt.date.min, *self.choice_breaks]:
            at = dt.datetime.combine(first, dt.time(), dt.UTC)
            for holder, to, originator, route in itertools.product(parties, parties, parties,
                                                                  Route):
                if holder == to:
                    continue
                for marking in catalog.schemes[originator].markings:
                    label = Label(item_id="compile", originator=originator,
                                  classification=marking.text, releasable_to=frozenset(),
                                  topic="-", holder=holder)
                    plan = self.plan(ReleaseRequest(label, to, at, route), first)
                    for epoch, day in enumerate(days):
                        if epoch not in plan.epochs:
                            plan.fill(epoch, day)
        return len(self.plans)

    def decide(self, request: ReleaseRequest,
               consents: ConsentBook | Iterable[Consent] = ()) -> Verdict:
        """The fields of the :class:`~gsomia.sharing.decision.Decision` of ``request``
        but its ``request`` (module docstring): permit, reasons, obligations, marking,
        agreements and data hashes.

        Raises:
            InputError: as :func:`check_parties`, or a clearance that is not a marking of
                the Receiving Party.
            SharingError: two consents with one id.
        """
        label, person = request.label, request.person
        date = request.at.date()
        plan = self.plans.get((bisect_right(self.choice_breaks, date) if self.choice_breaks
                               else 0, label.holder, request.to, request.route,
                               label.originator, label.classification))
        if plan is None or (person is not None and person.party not in self.catalog.schemes):
            plan = self.plan(request, date)
        book = _book(consents, label.originator, plan.receivers)
        epoch = bisect_right(self.breaks, date)
        head, body, ok = plan.epochs.get(epoch) or plan.fill(epoch, date)
        rel = self.releasable.get((plan.needed, label.releasable_to)) \
            or self._releasable(plan, request)
        if plan.scoped is None:
            reasons = (*head, rel, *body)
            ok = ok and rel.passed
        else:
            scoped, scope_ok = self.scopes.get((plan.scoped, label.topic, label.elements)) \
                or self._scope(plan, request)
            reasons = (*head, *scoped, rel, *body)
            ok = ok and scope_ok and rel.passed
        obligations = plan.marks
        for leg, missing in plan.checks:
            if missing is None:
                reasons += (leg,)
                continue
            if book is _NO_CONSENTS:
                reason, obligation = missing, consent_needed(leg, label)
            else:
                reason, obligation = consent_check(leg, request, book)
            reasons += (reason,)
            if obligation is not None:
                obligations += (obligation,)
                ok = False
        if label.purpose is not None and plan.last is not None:
            used, duties, used_ok = self.purposes.get(
                (plan.last_name, label.purpose, request.purpose)) or self._purpose(plan, request)
            reasons += used
            obligations += duties
            ok = ok and used_ok
        if person is not None:
            checked, person_ok = self._person(plan, request, person)
            reasons += checked
            ok = ok and person_ok
        return (ok, reasons, plan.duties if obligations is plan.marks
                else obligations + plan.handles, plan.marking, plan.agreements, dict(plan.data))

    def _scope(self, plan: Plan, request: ReleaseRequest) -> tuple[tuple[Reason, ...], bool]:
        assert plan.arrangement is not None
        label = request.label
        key = (plan.scoped, label.topic, label.elements)
        found = self.scopes.get(key)
        if found is None:
            evidence = scope(request, plan)  # type: ignore[arg-type]
            reasons = () if evidence is None else evidence.reasons
            found = _keep(self.scopes, key, (reasons, all(r.passed for r in reasons)))
        return found

    def _releasable(self, plan: Plan, request: ReleaseRequest) -> Reason:
        reason = releasable_to(request, plan).reasons[0]  # type: ignore[arg-type]
        return _keep(self.releasable, (plan.needed, request.label.releasable_to), reason)

    def _purpose(self, plan: Plan, request: ReleaseRequest
                 ) -> tuple[tuple[Reason, ...], tuple[Obligation, ...], bool]:
        assert plan.last is not None
        key = (plan.last_name, request.label.purpose, request.purpose)
        found = self.purposes.get(key)
        if found is None:
            evidence = purpose(request, plan)  # type: ignore[arg-type]
            found = ((), (), True) if evidence is None else (
                evidence.reasons, evidence.obligations,
                all(r.passed for r in evidence.reasons))
            _keep(self.purposes, key, found)
        return found

    def _person(self, plan: Plan, request: ReleaseRequest, person: Person
                ) -> tuple[tuple[Reason, ...], bool]:
        """The person rules (Arts. 7, 16), each kept per the inputs it reads: the
        recipient's agreement, and the marking, recipient and clearance; the topic and the
        duties; the contractor and facility."""
        last, persons = plan.last_name, self.persons
        cleared = persons.get(key := (personnel_clearance, last, plan.marked, request.to,
                                      person.party, person.clearance)) \
            or self._person_rule(key, plan, request)
        knows = persons.get(key := (need_to_know, last, request.label.topic,
                                    person.need_to_know)) \
            or self._person_rule(key, plan, request)
        facility = persons.get(key := (contractor_facility, last, person.contractor,
                                       person.facility_clearance)) \
            or self._person_rule(key, plan, request)
        return (cleared[0] + knows[0] + facility[0],
                cleared[1] and knows[1] and facility[1])

    def _person_rule(self, key: tuple[Any, ...], plan: Plan, request: ReleaseRequest
                     ) -> tuple[tuple[Reason, ...], bool]:
        """One person rule (``key[0]``) run and kept under ``key``: its reasons and whether
        all passed (no reason: passed)."""
        evidence = key[0](request, plan)
        checked = () if evidence is None else evidence.reasons
        return _keep(self.persons, key, (checked, all(r.passed for r in checked)))


def _keep(table: dict[Any, Any], key: Any, value: Any) -> Any:
    if len(table) >= TABLE_MAX:
        table.clear()
    table[key] = value
    return value


def _book(consents: ConsentBook | Iterable[Consent], originator: str,
          receivers: frozenset[str]) -> ConsentBook:
    """A book answering as ``ConsentBook(consents)`` would for ``originator``'s consents to
    ``receivers`` (all :meth:`ConsentBook.explain` reads of them): only those are recorded,
    in their order. Raises, as :class:`ConsentBook` does, for two consents with one id.
    """
    if isinstance(consents, ConsentBook):
        return consents
    if not isinstance(consents, (list, tuple)):
        consents = tuple(consents)
    if not consents:
        return _NO_CONSENTS
    if len(consents) > 1 and len(set(map(_CONSENT_ID, consents))) != len(consents):
        ConsentBook(consents)  # raises SharingError naming the repeated id
    if not receivers:
        return _NO_CONSENTS
    kept = [c for c in consents if c.originator == originator and c.to in receivers]
    return ConsentBook(kept) if kept else _NO_CONSENTS


def decision_tables(catalog: Catalog) -> DecisionTables:
    """The decision tables of ``catalog``, made once and kept by it
    (:meth:`Catalog.derived`)."""
    return catalog.derived(_TABLES, DecisionTables)

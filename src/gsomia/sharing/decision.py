"""The release decision: may this item go to this party (and person), by this route, now?

:func:`reference_decide` runs the rule functions of :mod:`gsomia.sharing.rules` in the
order of :data:`~gsomia.sharing.rules.RULES` and returns a :class:`Decision` with the
verdict, all reasons (passed and failed, each citing its source) and the obligations.
Default: deny — a permit needs at least one rule evaluated and every rule passed.
:func:`decide` gives the same decision from the catalog's compiled decision tables
(:mod:`gsomia.sharing.compiled`: what depends only on the parties, route, marking and date
worked out once; the rules that read the rest of the request run on it). Per-date look-ups
(which agreement protects a pair, whether it is in force) and the tables are kept by the
:class:`~gsomia.sharing.catalog.Catalog` passed in, never by this module.

Rules (reason ids) and their sources (agreements.md):

``releasable_to``
    the recipient (and, on a hub route, the hub) is in the label's Releasable To
    category (STANAG 4774 PERMISSIVE category, §5); the originator itself is always
    allowed its own item.
``route``
    direct: a bilateral agreement between sender and recipient; ``tisa_hub``: TISA in force,
    both ends TISA parties, through the hub (TISA para 4); ``auto_hub``: the 2023
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
    topic within the arrangement's scope (TISA para 1); for ``auto_hub``, only the three
    warning elements, never pre-launch indications or own sensors (§4).
``third_party_consent``
    a party that is not the originator releases to a party that is not the originator
    only with the originator's prior written consent, valid at that time (Art. 6; TISA
    para 4). On a hub arrangement with ``originator_approval = "per-item"`` (TISA) the
    hub's leg needs a consent naming the item. Standing approval covers the hub's leg on
    ``auto_hub`` (modelling choice). A failure says why each consent did not count.
``purpose``
    the stated purpose equals the purpose for which it was provided (Art. 6).
``personnel_clearance``, ``need_to_know``, ``contractor_facility``
    for a person: a Personnel Security Clearance of the Receiving Party at least the
    equivalent marking, AND need-to-know for the topic (Art. 7); a contractor also needs a
    facility able to protect it (Art. 16). Applied when the recipient's agreement lists
    the rule in its ``[rules]`` table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from gsomia.sharing.catalog import Catalog
from gsomia.sharing.compiled import check_parties, decision_tables
from gsomia.sharing.consent import Consent, ConsentBook
from gsomia.sharing.markings import ReceivedMarking
from gsomia.sharing.rules import RULES, Context, Obligation, Reason, ReleaseRequest

__all__ = ["Decision", "Obligation", "Reason", "ReleaseRequest", "decide",
           "reference_decide"]


@dataclass(frozen=True, slots=True)
class Decision:
    """Verdict, every reason, and the obligations of one release request.

    Attributes:
        permit: True only when every reason passed.
        reasons: all evaluated rules, in evaluation order.
        obligations: marking to apply, consent needed, protection, purpose, reporting.
        marking: the marking the recipient applies (Art. 4(2)), when it can be determined.
        agreements: names of the agreements the decision rests on.
        asked: the request, as a :class:`ReleaseRequest` or in JSON-ready form; read
            :attr:`request` for the JSON-ready form (made when first read).
        data: the content hash of each data file that decided: the agreements of
            ``agreements`` by name, then the originator's and the recipient's marking
            schemes as ``markings/<party>`` (``"sha256:…"``,
            :func:`gsomia.sharing.ruledata.content_digest`), so a decision kept in an audit
            log names the version of the rules that made it.
    """

    permit: bool
    reasons: tuple[Reason, ...]
    obligations: tuple[Obligation, ...]
    marking: ReceivedMarking | None
    agreements: tuple[str, ...]
    asked: ReleaseRequest | dict[str, Any] = field(hash=False)
    data: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    _request: dict[str, Any] | None = field(default=None, init=False, repr=False,
                                            hash=False, compare=False)

    @property
    def request(self) -> dict[str, Any]:
        """The request in JSON-ready form (:meth:`ReleaseRequest.to_dict`), made once."""
        if isinstance(self.asked, dict):
            return self.asked
        if self._request is None:
            object.__setattr__(self, "_request", self.asked.to_dict())
        assert self._request is not None
        return self._request

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
            "data": dict(self.data),
        }


def decide(
    request: ReleaseRequest, catalog: Catalog, consents: ConsentBook | Iterable[Consent] = ()
) -> Decision:
    """Decide whether ``request.label``'s item may be released to ``request.to``.

    Parameters:
        request: item, recipient, route, time, optional person and purpose.
        catalog: the agreements and marking schemes (:func:`~gsomia.sharing.load_catalog`);
            it keeps the compiled decision tables (:mod:`gsomia.sharing.compiled`) and the
            per-date look-ups between calls.
        consents: the originator consents known to the holder (Art. 6).

    Returns:
        A :class:`Decision` listing every rule evaluated (see the module docstring for
        the rules and their articles), its obligations and the marking to apply: the
        decision of :func:`reference_decide`, read mostly from the compiled tables.

    Raises:
        InputError: an unknown party, or a marking that is not the originator's
            (``classification``) or the recipient's (``person.clearance``).
        SharingError: two consents with one id.
    """
    permit, reasons, obligations, marking, agreements, data = \
        decision_tables(catalog).decide(request, consents)
    return Decision(permit, reasons, obligations, marking, agreements, request, data)


def reference_decide(
    request: ReleaseRequest, catalog: Catalog, consents: ConsentBook | Iterable[Consent] = ()
) -> Decision:
    """:func:`decide` computed afresh: every rule of :data:`~gsomia.sharing.rules.RULES`
    run on the request, in order (the reference the compiled tables are checked against;
    same parameters, result and errors)."""
    check_parties(request, catalog)
    book = consents if isinstance(consents, ConsentBook) else ConsentBook(consents)
    ctx = Context(request, catalog, book)
    obligations: list[Obligation] = []
    agreements: dict[str, None] = {}
    for rule in RULES:
        evidence = rule(request, ctx)
        if evidence is None:
            continue
        ctx.reasons.extend(evidence.reasons)
        obligations.extend(evidence.obligations)
        for name in evidence.agreements:
            agreements[name] = None
    return Decision(
        permit=bool(ctx.reasons) and all(r.passed for r in ctx.reasons),
        reasons=tuple(ctx.reasons),
        obligations=tuple(obligations),
        marking=ctx.marking,
        agreements=tuple(agreements),
        asked=request,
        data=catalog.digests(agreements, dict.fromkeys((request.label.originator, request.to))),
    )

"""The facts a request's rules share (:class:`Context`): the hub arrangement, the legs and
the agreement protecting each, the common level and the marking to apply. Each fact is
worked out once, from the request and the catalog (whose memo answers the per-date
look-ups); the rules read them and never change them.
"""

from __future__ import annotations

from gsomia.sharing.agreements import Agreement
from gsomia.sharing.catalog import Catalog
from gsomia.sharing.consent import ConsentBook
from gsomia.sharing.markings import ReceivedMarking
from gsomia.sharing.routes import Route
from gsomia.sharing.rules.evidence import Reason
from gsomia.sharing.rules.request import ReleaseRequest

__all__ = ["Context", "not_covered", "rule_source"]


class Context:
    """Shared facts of one request, and the reasons evaluated so far.

    The facts are worked out once, when the context is made (plain attributes: a decision
    reads them many times, and the look-ups are the catalog's memo).

    Attributes:
        request: the request being decided.
        catalog: agreements and marking schemes; its memo answers per-date look-ups.
        book: the originator consents known to the holder (Art. 6).
        date: the UTC date of ``request.at`` (the date agreements are judged on).
        arrangement: on a hub route, the arrangement governing it — the first candidate
            (:meth:`Catalog.by_route`) in force, else the first; None when direct or none.
        hub: the arrangement's hub party, or None.
        legs: ``(sender, receiver)`` of each hop: holder → to, or holder → hub → to (a
            hop from a party to itself left out; none on a hub route without arrangement).
        leg_agreements: the bilateral agreement protecting each leg (Art. 21), on a hub
            route only one the arrangement's protection names (TISA para 3); or None.
        last: the last leg's agreement (the recipient's, whose ``[rules]`` apply), or None.
        level_basis: the agreement giving the common level of the originator's marking
            (Art. 4(2)): the first leg's if the originator is its party, else the
            originator–holder one; or None.
        level_row: the equivalence row of the marking in ``level_basis``, or None.
        marking: the marking the recipient applies (Art. 4(2)), or None when the level or
            the last leg's equivalent is unknown.
        reasons: the reasons of the rules run so far, in order (:func:`decide` adds them).
    """

    def __init__(self, request: ReleaseRequest, catalog: Catalog, book: ConsentBook) -> None:
        self.request = request
        self.catalog = catalog
        self.book = book
        self.date = date = request.at.date()
        self.reasons: list[Reason] = []
        label, to = request.label, request.to
        self.arrangement = self.hub = None
        if request.route is Route.DIRECT:
            self.legs = [(label.holder, to)]
            among: tuple[str, ...] | None = None
        else:
            candidates = catalog.by_route(request.route)
            self.arrangement = next(
                (a for a in candidates if catalog.in_force(a, date).in_force),
                candidates[0] if candidates else None,
            )
            self.hub = self.arrangement.hub if self.arrangement else None
            hops = ((label.holder, self.hub), (self.hub, to))
            self.legs = [(s, r) for s, r in hops if s and r and s != r]
            among = self._protections()
        self.leg_agreements = [catalog.bilateral(s, r, date, among) for s, r in self.legs]
        self.last = self.leg_agreements[-1] if self.leg_agreements else None
        first = self.leg_agreements[0] if self.leg_agreements else None
        if first is not None and label.originator in first.parties:
            self.level_basis: Agreement | None = first
        else:
            self.level_basis = catalog.bilateral(label.originator, label.holder, date)
        self.level_row = (None if self.level_basis is None
                          else self.level_basis.row_of(label.originator, label.classification))
        self.marking = None if self.level_row is None else self._marking(self.level_row.level)

    def _protections(self) -> tuple[str, ...]:
        arrangement = self.arrangement
        if arrangement is None:
            return ()
        if arrangement.protection_under:
            return arrangement.protection_under
        if arrangement.legal_basis:
            return self.catalog.agreement(arrangement.legal_basis).protection_under
        return ()

    def _marking(self, level: str) -> ReceivedMarking | None:
        marking = None
        for (_, receiver), agreement in zip(self.legs, self.leg_agreements, strict=True):
            mark = None if agreement is None else agreement.equivalent(receiver, level)
            if mark is not None and receiver == self.request.to:
                marking = self._received(mark, level, agreement)
        return marking

    def _received(self, mark: str, level: str, agreement: Agreement | None) -> ReceivedMarking:
        """Art. 4(2): the originator's name + the receiver's equivalent classification."""
        assert agreement is not None
        originator, receiver = self.request.label.originator, self.request.to
        scheme = self.catalog.scheme(receiver)
        own = self.catalog.scheme(originator)
        return ReceivedMarking(
            originator=originator,
            receiver=receiver,
            originator_name=scheme.name_of(originator)
            if originator in scheme.names
            else own.name_en,
            originator_name_en=own.name_en,
            classification=mark,
            classification_en=scheme.get(mark).english,
            level=level,
            agreement=agreement.name,
            source="Art. 4(2)",
            data={agreement.name: agreement.digest, f"markings/{originator}": own.digest,
                  f"markings/{receiver}": scheme.digest},
        )


def not_covered(agreement: Agreement, party: str, marking: str) -> tuple[str, str]:
    """Why ``agreement`` does not cover ``party``'s ``marking``, and the source to cite:
    an exclusion row (Art. 4(1)) or the equivalence table (Art. 4(2))."""
    for x in agreement.excluded:
        if x.party == party and x.marking == marking:
            return f"excluded from {agreement.name}", x.source
    return (
        f"not in the equivalence table of {agreement.name}",
        agreement.table_source(),
    )


def rule_source(agreement: Agreement | None, rule: str, default: str) -> str:
    """The article ``agreement``'s ``[rules]`` table gives for ``rule``, else ``default``."""
    if agreement is not None and rule in agreement.rules:
        return agreement.rules[rule]
    return default

"""The facts a request's rules share (:class:`Context`): the hub arrangement, the legs and
the agreement protecting each, the common level and the marking to apply. Each fact is
worked out once, on first use, from the request and the catalog (whose memo answers the
per-date look-ups); the rules read them and never change them.
"""

from __future__ import annotations

from functools import cached_property

from gsomia.sharing.agreements import Agreement, Equivalence
from gsomia.sharing.catalog import Catalog
from gsomia.sharing.consent import ConsentBook
from gsomia.sharing.markings import ReceivedMarking
from gsomia.sharing.routes import Route
from gsomia.sharing.rules.evidence import Reason
from gsomia.sharing.rules.request import ReleaseRequest

__all__ = ["Context", "not_covered", "rule_source"]


class Context:
    """Shared facts of one request, and the reasons evaluated so far.

    Attributes:
        request: the request being decided.
        catalog: agreements and marking schemes; its memo answers per-date look-ups.
        book: the originator consents known to the holder (Art. 6).
        date: the UTC date of ``request.at`` (the date agreements are judged on).
        reasons: the reasons of the rules run so far, in order (:func:`decide` adds them).
    """

    def __init__(self, request: ReleaseRequest, catalog: Catalog, book: ConsentBook) -> None:
        self.request = request
        self.catalog = catalog
        self.book = book
        self.date = request.at.date()
        self.reasons: list[Reason] = []

    @cached_property
    def candidates(self) -> list[Agreement]:
        """Hub arrangements governing the request's route (none for ``direct``)."""
        route = self.request.route
        return [] if route is Route.DIRECT else self.catalog.by_route(route)

    @cached_property
    def arrangement(self) -> Agreement | None:
        """The hub arrangement used: the first candidate in force, else the first."""
        if not self.candidates:
            return None
        return next((a for a in self.candidates if self.catalog.in_force(a, self.date).in_force),
                    self.candidates[0])

    @property
    def hub(self) -> str | None:
        """The hub party of the arrangement, or None (direct, or no arrangement)."""
        return self.arrangement.hub if self.arrangement else None

    @cached_property
    def legs(self) -> list[tuple[str, str]]:
        """``(sender, receiver)`` of each hop: holder → to, or holder → hub → to (a hop
        from a party to itself is left out; none when a hub route has no arrangement)."""
        label, to = self.request.label, self.request.to
        if self.request.route is Route.DIRECT:
            return [(label.holder, to)]
        hops = ((label.holder, self.hub), (self.hub, to))
        return [(s, r) for s, r in hops if s and r and s != r]

    @cached_property
    def leg_agreements(self) -> list[Agreement | None]:
        """The bilateral agreement protecting each leg (Art. 21), on a hub route only one
        named in the arrangement's protection (TISA para 3); None where there is none."""
        among: tuple[str, ...] | None = None
        if self.request.route is not Route.DIRECT:
            among = self._protections() if self.arrangement else ()
        return [self.catalog.bilateral(s, r, self.date, among) for s, r in self.legs]

    def _protections(self) -> tuple[str, ...]:
        arrangement = self.arrangement
        assert arrangement is not None
        if arrangement.protection_under:
            return arrangement.protection_under
        if arrangement.legal_basis:
            return self.catalog.agreement(arrangement.legal_basis).protection_under
        return ()

    @property
    def last(self) -> Agreement | None:
        """The agreement of the last leg (the recipient's), whose ``[rules]`` apply."""
        return self.leg_agreements[-1] if self.leg_agreements else None

    @cached_property
    def level_basis(self) -> Agreement | None:
        """The agreement giving the common level of the originator's marking (Art. 4(2)):
        the first leg's if the originator is its party, else originator–holder."""
        first = self.leg_agreements[0] if self.leg_agreements else None
        label = self.request.label
        if first is not None and label.originator in first.parties:
            return first
        return self.catalog.bilateral(label.originator, label.holder, self.date)

    @cached_property
    def level_row(self) -> Equivalence | None:
        """The equivalence row of the originator's marking in :attr:`level_basis`."""
        basis, label = self.level_basis, self.request.label
        return None if basis is None else basis.row_of(label.originator, label.classification)

    @cached_property
    def marking(self) -> ReceivedMarking | None:
        """The marking the recipient applies (Art. 4(2)), when the level and the last
        leg's equivalent are known; else None."""
        if self.level_row is None:
            return None
        level, to = self.level_row.level, self.request.to
        marking = None
        for (_, receiver), agreement in zip(self.legs, self.leg_agreements, strict=True):
            mark = None if agreement is None else agreement.equivalent(receiver, level)
            if mark is not None and receiver == to:
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

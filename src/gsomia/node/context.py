"""What every part of one node shares: who it is, its keys, catalog, clock and ledger.

The parts (:mod:`~gsomia.node.origin`, :mod:`~gsomia.node.outbox`,
:mod:`~gsomia.node.inbox`, :mod:`~gsomia.node.hub`) each hold the one
:class:`NodeContext` of their :class:`~gsomia.node.Node`; none holds state of its own that
another part needs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from gsomia.errors import EnvelopeError, ReplayError
from gsomia.node.clock import Clock, to_datetime
from gsomia.node.consents import Consents
from gsomia.node.exercise import ExerciseGate
from gsomia.node.ledger import Ledger
from gsomia.node.stamps import Stamps
from gsomia.sharing.catalog import Catalog
from gsomia.sharing.envelope import Directory, Header, PartyKeys
from gsomia.sharing.routes import Route

__all__ = ["NodeContext"]


@dataclass(eq=False)
class NodeContext:
    """One node's shared state.

    Attributes:
        party: the node's party code; keys: its private keys; directory: the parties'
            public keys; catalog: agreements and markings (the node's for life).
        clock: the node's clock; ledger: its store, audit log and lock.
        consents: the originators' consents it knows.
        stamps: the recorder of envelope stages (:mod:`gsomia.node.stamps`), or None
            (nothing recorded; the default).
        exercise: the gate of the exercise this node serves, or None (a real node).
    """

    party: str
    keys: PartyKeys
    directory: Directory
    catalog: Catalog
    clock: Clock
    ledger: Ledger
    consents: Consents
    _hubs: dict[Route, str | None] = field(default_factory=dict, repr=False)
    stamps: Stamps | None = field(default=None, repr=False)
    #: the exercise this node serves (:mod:`gsomia.node.exercise`), or None: a real node
    exercise: ExerciseGate | None = field(default=None, repr=False)

    def stamp(self, envelope_id: str, stage: str) -> None:
        """Stamp ``stage`` of ``envelope_id`` when a recorder is set (else nothing)."""
        if self.stamps is not None:
            self.stamps.mark(envelope_id, stage)

    def now(self) -> tuple[float, dt.datetime]:
        """The clock's time: seconds since its epoch, and as an aware UTC datetime."""
        t = self.clock.now_s()
        return t, to_datetime(self.clock, t)

    def hub_of(self, route: Route | str) -> str | None:
        """The hub party of a hub route: the ``hub`` of the route's first arrangement in
        the catalog (:meth:`~gsomia.sharing.Catalog.by_route`); None for ``direct`` or a
        route no arrangement governs.

        Raises:
            InputError: ``route`` is no route (:meth:`Route.parse`).
        """
        route = Route.parse(route)
        if route not in self._hubs:  # the catalog is the node's for life: once each
            self._hubs[route] = self.catalog.hub_of(route)
        return self._hubs[route]

    def check_hop(self, h: Header) -> tuple[Route, str | None]:
        """``(route, hub)`` of an arriving envelope's hop, after the checks every kind of
        message passes: this party is its final recipient or the hub of its route, and its
        sequence number comes after the last accepted on its stream from its sender.

        Raises:
            InputError: the route is no route (any spelling :meth:`Route.parse` takes).
            EnvelopeError: (check ``header``) this party is neither final nor the hub.
            ReplayError: the sequence number is not after the last accepted.
        """
        route = Route.parse(h.route, "envelope.route")  # any spelling a peer may send
        hub = self.hub_of(route)
        if h.final != self.party and hub != self.party:
            raise EnvelopeError("header", "envelope.final", h.final,
                                f"{self.party} is not the hub of route {str(route)!r}")
        last = self.ledger.store.last_in_seq(h.sender, h.stream)
        if h.seq <= last:
            raise ReplayError("seq", h.envelope_id,
                              f"seq {h.seq} on stream {h.stream!r} from {h.sender} is not "
                              f"after the last accepted ({last})")
        return route, hub

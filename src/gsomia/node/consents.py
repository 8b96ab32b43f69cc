"""The originators' consents a node knows (Art. 6; TISA para 4), with their signed form.

Two books: :attr:`Consents.book` holds every consent recorded (what ``Node.book`` shows);
:attr:`Consents.signed` only those that came with the Originating Party's signature (JWS,
verified on receipt or made by this node as originator). Every release decision of a node
reads :attr:`Consents.signed`, so a consent typed into a node's book by hand, or one a
holder made up, never lets an item go anywhere (Art. 6: the Originating Party's prior
*written* approval; a holder's word is not the originator's).

A TISA hub forwards each held item together with the originator's matching signed
approvals, and a holder that releases a received item onward (with the originator's
consent) sends the covering signed consents ahead of it, so that the recipient can check
them itself (:meth:`Consents.covering`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from gsomia.node.store import Store
from gsomia.sharing.consent import Consent, ConsentBook
from gsomia.sharing.label import Label

__all__ = ["Consents"]


class Consents:
    """Consents known to one node: the books the decisions read, and each one's JWS.

    Attributes:
        book: every consent recorded (:class:`~gsomia.sharing.ConsentBook`).
        signed: the consents recorded with their originator's signature; what release
            decisions read (module docstring).
    """

    def __init__(self) -> None:
        self.book = ConsentBook()
        self.signed = ConsentBook()
        # by (originator, to): (consent, JWS or None, message id of the JWS when this node
        # signed or verified it since it started, else None)
        self._signed: dict[tuple[str, str],
                           list[tuple[Consent, str | None, str | None]]] = {}
        self._bodies: dict[str, dict[str, Any]] = {}
        self._jws: dict[str, tuple[str, str | None]] = {}  # consent id: (JWS, msg_id)

    @classmethod
    def load(cls, store: Store) -> Consents:
        """Every consent recorded in ``store``, in the order recorded."""
        out = cls()
        for body, jws in store.consents():
            out.add(Consent.from_dict(body), jws, None)
        return out

    def known(self, consent_id: str) -> dict[str, Any] | None:
        """The recorded body of the consent ``consent_id``, or None."""
        return self._bodies.get(consent_id)

    def add(self, consent: Consent, jws: str | None, msg_id: str | None) -> None:
        """Index ``consent``'s signed form, then grant it in the books (in :attr:`signed`
        too when ``jws`` is given).

        Raises:
            SharingError: the book holds a consent of the same id already.
        """
        self.book.grant(consent)
        self._bodies[consent.consent_id] = consent.to_dict()
        key = (consent.originator, consent.to)
        self._signed.setdefault(key, []).append((consent, jws, msg_id))
        if jws:
            self.signed.grant(consent)
            self._jws[consent.consent_id] = (jws, msg_id)

    def signed_for(self, originator: str, to: str, item_id: str | None
                   ) -> list[tuple[str, str | None]]:
        """``(jws, msg_id)`` of every signed consent of ``originator`` for ``to`` that covers
        ``item_id`` (an item-level one for it, or one for any item), in the order recorded."""
        return [(jws, mid) for c, jws, mid in self._signed.get((originator, to), [])
                if jws and c.item_id in (None, item_id)]

    def covering(self, label: Label, to: str, at: dt.datetime, per_item: bool = False
                 ) -> list[tuple[str, str | None]]:
        """``(jws, msg_id)`` of every signed consent of ``label``'s originator that allows
        releasing its item to ``to`` at ``at`` (:meth:`Consent.covers`), in the order
        recorded: what a holder sends ahead of an onward release (Art. 6)."""
        return [self._jws[c.consent_id] for c in self.signed.candidates(label, to, per_item)
                if c.covers(label, to, at, per_item)]

"""The originators' consents a node knows (Art. 6; TISA para 4), with their signed form.

The release decision reads the :class:`~gsomia.sharing.ConsentBook`; a TISA hub forwards
each held item together with the originator's matching signed approvals (JWS), which it
finds here by (originator, recipient) without re-reading every consent from the store.
"""

from __future__ import annotations

from typing import Any

from gsomia.node.store import Store
from gsomia.sharing.consent import Consent, ConsentBook

__all__ = ["Consents"]


class Consents:
    """Consents known to one node: the book the decision reads, and each one's JWS.

    Attributes:
        book: the :class:`~gsomia.sharing.ConsentBook` given to
            :func:`~gsomia.sharing.decide`.
    """

    def __init__(self) -> None:
        self.book = ConsentBook()
        # by (originator, to): (body, JWS or None, message id of the JWS when this node
        # signed or verified it since it started, else None)
        self._signed: dict[tuple[str, str],
                           list[tuple[dict[str, Any], str | None, str | None]]] = {}

    @classmethod
    def load(cls, store: Store) -> Consents:
        """Every consent recorded in ``store``, in the order recorded."""
        out = cls()
        for body, jws in store.consents():
            out.book.grant(Consent.from_dict(body))
            out._index(body, jws, None)
        return out

    def add(self, consent: Consent, jws: str | None, msg_id: str | None) -> None:
        """Index ``consent``'s signed form, then grant it in the book.

        Raises:
            SharingError: the book holds a consent of the same id already.
        """
        self._index(consent.to_dict(), jws, msg_id)
        self.book.grant(consent)

    def signed_for(self, originator: str, to: str, item_id: str | None
                   ) -> list[tuple[str, str | None]]:
        """``(jws, msg_id)`` of every signed consent of ``originator`` for ``to`` that covers
        ``item_id`` (an item-level one for it, or one for any item), in the order recorded."""
        return [(jws, mid) for body, jws, mid in self._signed.get((originator, to), [])
                if jws and body.get("originator") == originator and body.get("to") == to
                and body.get("item_id") in (None, item_id)]

    def _index(self, body: dict[str, Any], jws: str | None, msg_id: str | None) -> None:
        key = (str(body.get("originator")), str(body.get("to")))
        self._signed.setdefault(key, []).append((body, jws, msg_id))

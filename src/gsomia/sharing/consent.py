"""Originator consents: prior written approval to release to a third party.

Source: jpn-kor-gsomia Art. 6 (summary): no release to any government, person, firm,
institution or other entity of a third country without the Originating Party's prior
written approval; TISA para 4: the hub passes information on only with the originator's
approval. A consent is scoped (one item, a topic, and/or some of the originator's
markings), addressed to one recipient party, starts at ``granted_at``, may expire, and may
be revoked by the originator. A :class:`ConsentBook` holds them; it is an object you pass
around, not a global.

Where an arrangement asks for approval per item (``originator_approval = "per-item"``,
TISA para 4: DoD passes *it* — the information provided — on only with the originator's
approval), only a consent that names the item counts; a topic- or class-wide consent does
not. :meth:`ConsentBook.explain` says why no consent covers a release (not written, not
yet valid, expired, revoked, out of scope, or names no item).

Look-ups are indexed: a :class:`ConsentBook` keeps its consents by (originator, recipient,
item or None, topic or None), so a decision reads only the consents whose scope can match
its item (at most four index entries), not every consent: the cost of a decision does not
grow with the number of consents of other items, and a run's decisions do not grow with
the square of its items. The verdict is the plain scan's (the first covering consent in
the order granted; same rules, :meth:`Consent.why_not`). A denial's reason is bounded: it
names at most :data:`MAX_LISTED` consents, the closest first, and how many more there are
(:meth:`ConsentBook.explain`).

JSON form (a label's ``consents`` or ``--consents``): the attribute names below; party
codes in any case (kept in capitals); times ISO 8601; any other key is an error naming
``consents[i].<key>``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from gsomia.errors import InputError, SharingError
from gsomia.schemas import ConsentDoc, parse
from gsomia.sharing.label import Label, parse_time
from gsomia.sharing.markings import MarkingScheme, nfc, party_code

__all__ = ["CONSENT_KEYS", "MAX_LISTED", "Consent", "ConsentBook"]

#: Keys a consent JSON object may have (:class:`gsomia.schemas.ConsentDoc`).
CONSENT_KEYS = tuple(ConsentDoc.model_fields)
#: Most consents a denial's reason names (:meth:`ConsentBook.explain`).
MAX_LISTED = 3


@dataclass(frozen=True, slots=True)
class Consent:
    """One prior written approval of an Originating Party.

    Attributes:
        consent_id: identifier.
        originator: the Originating Party that grants it.
        to: the party it allows release to.
        granted_at: from when it holds (UTC).
        expires_at: until when (exclusive), or None.
        item_id: the one item it covers, or None for a class of items.
        topic: the topic it covers, or None.
        classifications: the originator's markings it covers (empty: any).
        written: True for a written approval; Art. 6 accepts only written ones.
        revoked_at: when the originator revoked it, or None.
    """

    consent_id: str
    originator: str
    to: str
    granted_at: dt.datetime
    expires_at: dt.datetime | None = None
    item_id: str | None = None
    topic: str | None = None
    classifications: tuple[str, ...] = ()
    written: bool = True
    revoked_at: dt.datetime | None = None

    def __post_init__(self) -> None:
        self._validate("consent")

    def _validate(self, p: str) -> None:
        put = object.__setattr__
        put(self, "originator", party_code(f"{p}.originator", self.originator))
        put(self, "to", party_code(f"{p}.to", self.to))
        for key in ("item_id", "topic"):
            value = getattr(self, key)
            if value is not None and (not isinstance(value, str) or not value):
                raise InputError(f"{p}.{key}", value, "expected a non-empty string")
        if self.topic is not None:
            put(self, "topic", nfc(self.topic))
        put(self, "classifications", tuple(nfc(c) for c in self.classifications))
        if self.item_id is None and self.topic is None and not self.classifications:
            raise InputError(
                p, self.consent_id,
                "a consent must name an item_id, a topic or classifications (its scope)",
            )
        if self.expires_at is not None and self.expires_at <= self.granted_at:
            raise InputError(
                f"{p}.expires_at", self.expires_at.isoformat(), "must be after granted_at"
            )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], index: int = 0) -> Consent:
        """Build a consent from JSON (keys as the attributes; times ISO 8601).

        Raises:
            InputError: naming ``consents[index].<field>`` when malformed or unknown.
        """
        p = f"consents[{index}]"
        if not isinstance(data, Mapping):
            raise InputError(p, data, "expected a JSON object")
        doc = parse(ConsentDoc, data, prefix=p)
        classes = doc.classifications
        written = doc.written
        consent_id = doc.consent_id or f"consent-{index}"
        consent = object.__new__(cls)
        values = dict(
            consent_id=consent_id,
            originator=data["originator"],
            to=data["to"],
            granted_at=parse_time(f"{p}.granted_at", data["granted_at"]),
            expires_at=None
            if data.get("expires_at") is None
            else parse_time(f"{p}.expires_at", data["expires_at"]),
            item_id=data.get("item_id"),
            topic=data.get("topic"),
            classifications=tuple(classes),
            written=written,
            revoked_at=None
            if data.get("revoked_at") is None
            else parse_time(f"{p}.revoked_at", data["revoked_at"]),
        )
        for key, value in values.items():
            object.__setattr__(consent, key, value)
        consent._validate(p)  # errors name consents[index].<field>
        return consent

    def check_markings(self, scheme: MarkingScheme, field_name: str = "consent") -> None:
        """Check that every ``classifications`` entry is a marking of the originator.

        Raises:
            InputError: naming ``<field_name>.classifications[j]``.
        """
        for j, mark in enumerate(self.classifications):
            scheme.get(mark, f"{field_name}.classifications[{j}]")

    def why_not(
        self, label: Label, to: str, at: dt.datetime, per_item: bool = False
    ) -> str | None:
        """Why this consent does not allow releasing ``label``'s item to ``to`` at ``at``
        (None when it does). ``per_item``: only a consent naming the item counts."""
        if self.originator != label.originator:
            return f"granted by {self.originator}, not the Originating Party"
        if self.to != to:
            return f"addressed to {self.to}, not {to}"
        if not self.written:
            return "not written (Art. 6 asks for prior written approval)"
        if at < self.granted_at:
            return f"not yet valid (from {self.granted_at.isoformat()})"
        if self.revoked_at is not None and at >= self.revoked_at:
            return f"revoked on {self.revoked_at.isoformat()}"
        if self.expires_at is not None and at >= self.expires_at:
            return f"expired on {self.expires_at.isoformat()}"
        if self.item_id is not None and self.item_id != label.item_id:
            return f"out of scope: for item {self.item_id!r}, not {label.item_id!r}"
        if self.topic is not None and self.topic != label.topic:
            return f"out of scope: for topic {self.topic!r}, not {label.topic!r}"
        if self.classifications and label.classification not in self.classifications:
            return (f"out of scope: for {list(self.classifications)}, not "
                    f"{label.classification!r}")
        if per_item and self.item_id is None:
            return "names no item: approval per item is required"
        return None

    def covers(self, label: Label, to: str, at: dt.datetime, per_item: bool = False) -> bool:
        """True when this consent allows releasing ``label``'s item to ``to`` at ``at``
        (``per_item``: and it names that item)."""
        return self.why_not(label, to, at, per_item) is None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""

        def iso(t: dt.datetime | None) -> str | None:
            return None if t is None else t.isoformat()

        return {
            "consent_id": self.consent_id,
            "originator": self.originator,
            "to": self.to,
            "granted_at": iso(self.granted_at),
            "expires_at": iso(self.expires_at),
            "item_id": self.item_id,
            "topic": self.topic,
            "classifications": list(self.classifications),
            "written": self.written,
            "revoked_at": iso(self.revoked_at),
        }


class ConsentBook:
    """The consents one node knows, granted and revoked over time, indexed by scope.

    Index: consent ids by ``(originator, to, item_id, topic)`` (None where the consent
    names no item or no topic), in the order granted, and the number of consents per
    ``(originator, to)``. A release of item *i* of topic *t* can only be covered by a
    consent under ``(o, to, i, t)``, ``(o, to, i, None)``, ``(o, to, None, t)`` or
    ``(o, to, None, None)`` (:meth:`Consent.why_not`: originator, recipient, item and
    topic must match when named), so :meth:`find` and :meth:`explain` read only these.
    Revocation replaces a consent under the same id and keeps its place.
    """

    def __init__(self, consents: Iterable[Consent] = ()) -> None:
        self._consents: dict[str, Consent] = {}
        # scope key -> [(order granted, consent_id)], ascending
        self._index: dict[tuple[str, str, str | None, str | None],
                          list[tuple[int, str]]] = {}
        self._pairs: dict[tuple[str, str], list[str]] = {}
        for consent in consents:
            self.grant(consent)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._consents.values())

    def __len__(self) -> int:
        return len(self._consents)

    def grant(self, consent: Consent) -> None:
        """Record ``consent``.

        Raises:
            SharingError: a consent with the same id exists already (nothing recorded).
        """
        if consent.consent_id in self._consents:
            raise SharingError(f"consent_id={consent.consent_id!r}: already recorded")
        order = len(self._consents)
        key = (consent.originator, consent.to, consent.item_id, consent.topic)
        self._consents[consent.consent_id] = consent
        self._index.setdefault(key, []).append((order, consent.consent_id))
        self._pairs.setdefault((consent.originator, consent.to), []).append(
            consent.consent_id)

    def revoke(self, consent_id: str, by: str, at: dt.datetime) -> Consent:
        """Revoke a consent from ``at`` on; only its originator may (Art. 6).

        Raises:
            InputError: no such consent.
            SharingError: ``by`` is not the consent's Originating Party.
        """
        try:
            consent = self._consents[consent_id]
        except KeyError:
            raise InputError("consent_id", consent_id, "no such consent") from None
        if by != consent.originator:
            raise SharingError(
                f"by={by!r}: only the Originating Party {consent.originator} may revoke "
                f"consent {consent_id!r} (Art. 6)"
            )
        revoked = replace(consent, revoked_at=at)
        self._consents[consent_id] = revoked  # same key: same place, same index entries
        return revoked

    def candidates(self, label: Label, to: str, per_item: bool = False) -> list[Consent]:
        """The consents whose originator, recipient, item and topic can cover releasing
        ``label``'s item to ``to`` (``per_item``: only those naming the item), in the order
        granted; the others cannot (:meth:`Consent.why_not`)."""
        o, item, topic = label.originator, label.item_id, label.topic
        keys = {(o, to, item, topic), (o, to, item, None)}
        if not per_item:
            keys |= {(o, to, None, topic), (o, to, None, None)}
        found = [self._index.get(k, ()) for k in keys]
        hits = [e for entries in found for e in entries]
        if len([f for f in found if f]) > 1:
            hits.sort()
        return [self._consents[cid] for _, cid in hits]

    def find(
        self, label: Label, to: str, at: dt.datetime, per_item: bool = False
    ) -> Consent | None:
        """The first consent (in the order granted) covering release of ``label``'s item to
        ``to`` at ``at`` (``per_item``: only one naming the item), or None."""
        for consent in self.candidates(label, to, per_item):
            if consent.covers(label, to, at, per_item):
                return consent
        return None

    def explain(
        self, label: Label, to: str, at: dt.datetime, per_item: bool = False
    ) -> tuple[Consent | None, str]:
        """``(consent, "")`` for the first covering consent (in the order granted), else
        ``(None, why)``.

        ``why``: ``none recorded from <originator> for <to>`` when the originator granted
        ``to`` nothing; else the reasons (:meth:`Consent.why_not`) of at most
        :data:`MAX_LISTED` of its consents to ``to``, the closest first: those in scope of
        the item (failing on writing, time, revocation, class or, per item, naming no item;
        the order granted), then others (item or topic out of scope; the first granted).
        When more are recorded, ``(N consents from <originator> for <to>; M not listed)``
        follows, so the reason stays short however many consents the book holds.
        """
        o = label.originator
        scoped = self.candidates(label, to, per_item=False)
        misses: list[str] = []
        listed: set[str] = set()
        for consent in scoped:
            why = consent.why_not(label, to, at, per_item)
            if why is None:
                return consent, ""
            if len(misses) < MAX_LISTED:
                misses.append(f"{consent.consent_id!r} {why}")
                listed.add(consent.consent_id)
        pair = self._pairs.get((o, to), [])
        if not pair:
            return None, f"none recorded from {o} for {to}"
        for cid in pair:
            if len(misses) >= MAX_LISTED:
                break
            if cid not in listed:
                consent = self._consents[cid]
                misses.append(f"{cid!r} {consent.why_not(label, to, at, per_item)}")
                listed.add(cid)
        why = "; ".join(misses)
        if len(pair) > len(misses):
            why += (f" ({len(pair)} consents from {o} for {to}; "
                    f"{len(pair) - len(misses)} not listed)")
        return None, why

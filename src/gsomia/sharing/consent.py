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
from gsomia.sharing.label import Label, check_keys, parse_time
from gsomia.sharing.markings import MarkingScheme, nfc, party_code

__all__ = ["CONSENT_KEYS", "Consent", "ConsentBook"]

#: Keys a consent JSON object may have.
CONSENT_KEYS = ("consent_id", "originator", "to", "granted_at", "expires_at", "item_id",
                "topic", "classifications", "written", "revoked_at")


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
        check_keys(data, p, CONSENT_KEYS)
        for key in ("originator", "to", "granted_at"):
            if key not in data:
                raise InputError(f"{p}.{key}", None, "required")
        classes = data.get("classifications", [])
        if not isinstance(classes, list):
            raise InputError(f"{p}.classifications", classes, "expected a list of markings")
        for j, mark in enumerate(classes):
            if not isinstance(mark, str) or not mark:
                raise InputError(f"{p}.classifications[{j}]", mark,
                                 "expected a marking (non-empty string)")
        written = data.get("written", True)
        if not isinstance(written, bool):
            raise InputError(f"{p}.written", written, "expected true or false")
        consent_id = data.get("consent_id", f"consent-{index}")
        if not isinstance(consent_id, str) or not consent_id:
            raise InputError(f"{p}.consent_id", consent_id, "expected a non-empty string")
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
    """The consents one node knows, granted and revoked over time."""

    def __init__(self, consents: Iterable[Consent] = ()) -> None:
        self._consents: dict[str, Consent] = {}
        for consent in consents:
            self.grant(consent)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._consents.values())

    def __len__(self) -> int:
        return len(self._consents)

    def grant(self, consent: Consent) -> None:
        """Record ``consent``.

        Raises:
            SharingError: a consent with the same id exists already.
        """
        if consent.consent_id in self._consents:
            raise SharingError(f"consent_id={consent.consent_id!r}: already recorded")
        self._consents[consent.consent_id] = consent

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
        self._consents[consent_id] = revoked
        return revoked

    def find(
        self, label: Label, to: str, at: dt.datetime, per_item: bool = False
    ) -> Consent | None:
        """The first consent covering release of ``label``'s item to ``to`` at ``at``
        (``per_item``: only one naming the item)."""
        for consent in self._consents.values():
            if consent.covers(label, to, at, per_item):
                return consent
        return None

    def explain(
        self, label: Label, to: str, at: dt.datetime, per_item: bool = False
    ) -> tuple[Consent | None, str]:
        """``(consent, "")`` for the first covering consent, else ``(None, why)``: why each
        consent of the originator to ``to`` fails, or that none is recorded."""
        misses = []
        for consent in self._consents.values():
            why = consent.why_not(label, to, at, per_item)
            if why is None:
                return consent, ""
            if consent.originator == label.originator and consent.to == to:
                misses.append(f"{consent.consent_id!r} {why}")
        if not misses:
            return None, f"none recorded from {label.originator} for {to}"
        return None, "; ".join(misses)

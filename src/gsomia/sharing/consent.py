"""Originator consents: prior written approval to release to a third party.

Source: jpn-kor-gsomia Art. 6 (summary): no release to any government, person, firm,
institution or other entity of a third country without the Originating Party's prior
written approval; TISA para 4: the hub passes information on only with the originator's
approval. A consent is scoped (one item, a topic, and/or some of the originator's
markings), addressed to one recipient party, starts at ``granted_at``, may expire, and may
be revoked by the originator. A :class:`ConsentBook` holds them; it is an object you pass
around, not a global.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from gsomia.errors import InputError, SharingError
from gsomia.sharing.label import Label, parse_time
from gsomia.sharing.markings import check_party_code

__all__ = ["Consent", "ConsentBook"]


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
        check_party_code("consent.originator", self.originator)
        check_party_code("consent.to", self.to)
        if self.item_id is None and self.topic is None and not self.classifications:
            raise InputError(
                f"consent[{self.consent_id}]",
                None,
                "a consent must name an item_id, a topic or classifications (its scope)",
            )
        if self.expires_at is not None and self.expires_at <= self.granted_at:
            raise InputError(
                "consent.expires_at", self.expires_at.isoformat(), "must be after granted_at"
            )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], index: int = 0) -> Consent:
        """Build a consent from JSON (keys as the attributes; times ISO 8601).

        Raises:
            InputError: naming ``consents[index].<field>`` when malformed.
        """
        p = f"consents[{index}]"
        if not isinstance(data, Mapping):
            raise InputError(p, data, "expected a JSON object")
        for key in ("originator", "to", "granted_at"):
            if key not in data:
                raise InputError(f"{p}.{key}", None, "required")
        classes = data.get("classifications", [])
        if not isinstance(classes, list) or not all(isinstance(c, str) for c in classes):
            raise InputError(f"{p}.classifications", classes, "expected a list of markings")
        written = data.get("written", True)
        if not isinstance(written, bool):
            raise InputError(f"{p}.written", written, "expected true or false")
        return cls(
            consent_id=str(data.get("consent_id", f"consent-{index}")),
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

    def covers(self, label: Label, to: str, at: dt.datetime) -> bool:
        """True when this consent allows releasing ``label``'s item to ``to`` at ``at``."""
        return (
            self.written
            and self.originator == label.originator
            and self.to == to
            and self.granted_at <= at
            and (self.expires_at is None or at < self.expires_at)
            and (self.revoked_at is None or at < self.revoked_at)
            and (self.item_id is None or self.item_id == label.item_id)
            and (self.topic is None or self.topic == label.topic)
            and (not self.classifications or label.classification in self.classifications)
        )

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

    def find(self, label: Label, to: str, at: dt.datetime) -> Consent | None:
        """The first consent covering release of ``label``'s item to ``to`` at ``at``."""
        for consent in self._consents.values():
            if consent.covers(label, to, at):
                return consent
        return None

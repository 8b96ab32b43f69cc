"""Confidentiality labels (modelled on NATO STANAG 4774) and persons asking for access.

A label file (JSON) has at least ``originator``, ``classification`` (the originator's own
marking text), ``releasable_to`` (party codes), ``topic`` and ``holder``; optional
``item_id``, ``created`` (ISO 8601), ``policy_id``, ``elements`` (missile-warning elements,
agreements.md §4), ``purpose`` (Art. 6), ``privacy_mark``, ``consents`` (see
:mod:`gsomia.sharing.consent`) and ``derived_from``: the sources of an item whose content
derives from received items (derivative classification, :class:`DerivedSource`: each
source's ``item_id``, ``originator``, ``classification``, ``topic``, ``releasable_to``).
A derived item is marked at least as its most restrictive source and is releasable only to
the parties every source is releasable to; releasing it needs each source originator's
consent as for the source itself (Art. 6). A person file has ``party``, ``clearance`` (the
party's own marking text), ``need_to_know`` (topics), ``contractor`` and optional
``facility_clearance`` (Art. 16) and ``name``.

The schema is :class:`gsomia.schemas.LabelDoc` (``gsomia schema label``) and
:class:`gsomia.schemas.PersonDoc`. A key not listed above is an error naming it (a
misspelt ``facility_clearence`` must not silently become "no facility clearance").
Party codes are accepted in any case and kept in capitals (``"kor"`` → ``"KOR"``). Text
that is compared — markings, topics, elements, purpose — is kept in Unicode NFC, so a
decomposed 군사II급비밀 equals the precomposed one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gsomia.errors import InputError
from gsomia.schemas import LabelDoc, PersonDoc, parse
from gsomia.sharing.markings import nfc, party_code

__all__ = ["LABEL_KEYS", "PERSON_KEYS", "DerivedSource", "Label", "Person", "parse_time"]

#: Keys a label JSON object may have (module docstring; :class:`gsomia.schemas.LabelDoc`).
LABEL_KEYS = tuple(LabelDoc.model_fields)
#: Keys a person JSON object may have (:class:`gsomia.schemas.PersonDoc`).
PERSON_KEYS = tuple(PersonDoc.model_fields)
#: Why a time could not be read: the reason of :func:`parse_time`'s errors, worded as the
#: schemas' (``gsomia.schemas.base``) so that every label field reads alike.
_TIME_REASON = "expected an ISO 8601 date or date-time, e.g. 2024-01-02 or 2024-01-02T03:00:00Z"


def parse_time(field_name: str, value: Any) -> dt.datetime:
    """An aware UTC datetime from a date, datetime or ISO 8601 text (a bare date is 00:00 UTC).

    Raises:
        InputError: naming ``field_name`` and the value when it cannot be read.
    """
    if isinstance(value, dt.datetime):
        out = value
    elif isinstance(value, dt.date):
        out = dt.datetime.combine(value, dt.time(), tzinfo=dt.UTC)
    elif isinstance(value, str):
        try:
            out = dt.datetime.fromisoformat(value)
        except ValueError:
            raise InputError(field_name, value, _TIME_REASON) from None
    else:
        raise InputError(field_name, value, _TIME_REASON)
    if out.tzinfo is None:
        out = out.replace(tzinfo=dt.UTC)
    try:
        return out.astimezone(dt.UTC)
    except OverflowError:
        raise InputError(field_name, value if isinstance(value, str) else str(value),
                         "outside the calendar once converted to UTC "
                         "(0001-01-01 to 9999-12-31)") from None


@dataclass(frozen=True, slots=True)
class DerivedSource:
    """One source of a derived item (derivative classification; Art. 6: the source's
    Originating Party keeps control of its content inside the derived item).

    Attributes:
        item_id: the source item's id (``<ORIGINATOR>-...``).
        originator: the source's Originating Party code.
        classification: the source originator's own marking text.
        topic: the source's topic.
        releasable_to: the source's Releasable To party codes.
    """

    item_id: str
    originator: str
    classification: str
    topic: str
    releasable_to: frozenset[str]

    def __post_init__(self) -> None:
        put = object.__setattr__
        put(self, "originator", party_code("label.derived_from.originator", self.originator))
        put(self, "releasable_to", frozenset(
            party_code("label.derived_from.releasable_to", c) for c in self.releasable_to))
        put(self, "classification", nfc(self.classification))
        put(self, "topic", nfc(self.topic))

    def label(self, holder: str) -> Label:
        """The source as a label held by ``holder`` (what a consent is checked against)."""
        return Label(item_id=self.item_id, originator=self.originator,
                     classification=self.classification, releasable_to=self.releasable_to,
                     topic=self.topic, holder=holder)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (an entry of a label's ``derived_from``)."""
        return {"item_id": self.item_id, "originator": self.originator,
                "classification": self.classification, "topic": self.topic,
                "releasable_to": sorted(self.releasable_to)}


@dataclass(frozen=True, slots=True)
class Label:
    """The confidentiality label of one item (STANAG 4774 fields plus GSOMIA roles).

    Attributes:
        item_id: identifier of the labelled item.
        originator: Originating Party code (Art. 2).
        classification: the originator's own marking text (e.g. ``"極秘"``).
        releasable_to: party codes of the "Releasable To" PERMISSIVE category.
        topic: subject of the item (e.g. ``"dprk-missile-threat"``; TISA para 1 scope).
        holder: party code of whoever holds the item now (originator or a Receiving Party).
        created: creation time (UTC), or None.
        policy_id: STANAG 4774 policy identifier; default ``"gsomia:<originator>"``.
        elements: missile-warning elements carried (agreements.md §4), may be empty.
        purpose: the purpose for which it was provided (Art. 6), or None.
        privacy_mark: optional STANAG 4774 privacy mark.
        derived_from: the sources of a derived item (:class:`DerivedSource`), empty for
            original information.
    """

    item_id: str
    originator: str
    classification: str
    releasable_to: frozenset[str]
    topic: str
    holder: str
    created: dt.datetime | None = None
    policy_id: str = ""
    elements: tuple[str, ...] = ()
    purpose: str | None = None
    privacy_mark: str | None = None
    derived_from: tuple[DerivedSource, ...] = ()

    def __post_init__(self) -> None:
        put = object.__setattr__
        put(self, "derived_from", tuple(self.derived_from))
        put(self, "originator", party_code("label.originator", self.originator))
        put(self, "holder", party_code("label.holder", self.holder))
        put(self, "releasable_to", frozenset(
            party_code("label.releasable_to", code) for code in self.releasable_to))
        put(self, "classification", nfc(self.classification))
        put(self, "topic", nfc(self.topic))
        put(self, "elements", tuple(nfc(e) for e in self.elements))
        if self.purpose is not None:
            put(self, "purpose", nfc(self.purpose))
        if not self.policy_id:
            object.__setattr__(self, "policy_id", f"gsomia:{self.originator}")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Label:
        """Build a label from its JSON form (see module docstring).

        Raises:
            InputError: a field is missing or malformed (names ``label.<field>``).
        """
        if not isinstance(data, Mapping):
            raise InputError("label", data, "expected a JSON object")
        doc = parse(LabelDoc, data, prefix="label")
        item_id = doc.item_id
        if item_id is None:
            digest = hashlib.sha256(
                json.dumps(
                    {k: v for k, v in data.items() if k != "consents"},
                    sort_keys=True,
                    ensure_ascii=False,
                    default=str,
                ).encode()
            ).hexdigest()
            item_id = f"item-{digest[:16]}"
        created = data.get("created")
        return cls(
            item_id=item_id,
            originator=doc.originator,
            classification=doc.classification,
            releasable_to=frozenset(doc.releasable_to),
            topic=doc.topic,
            holder=doc.holder,
            created=None if created is None else parse_time("label.created", created),
            policy_id=doc.policy_id or "",
            elements=tuple(doc.elements),
            purpose=doc.purpose,
            privacy_mark=doc.privacy_mark,
            derived_from=tuple(DerivedSource(d.item_id, d.originator, d.classification,
                                             d.topic, frozenset(d.releasable_to))
                               for d in doc.derived_from),
        )

    def to_stanag4774(self) -> dict[str, Any]:
        """The label as a STANAG 4774-shaped mapping (agreements.md §5).

        Keys: ``policy_identifier``, ``classification``, ``privacy_mark``, ``categories``
        (``Releasable To`` PERMISSIVE with the party codes; ``Topic`` and ``Elements``
        INFORMATIVE), ``creation_time``, ``originator``, ``holder``, ``item_id``.
        """
        categories: list[dict[str, Any]] = [
            {"tag": "Releasable To", "type": "PERMISSIVE", "values": sorted(self.releasable_to)},
            {"tag": "Topic", "type": "INFORMATIVE", "values": [self.topic]},
        ]
        if self.elements:
            categories.append(
                {"tag": "Elements", "type": "INFORMATIVE", "values": list(self.elements)}
            )
        return {
            "policy_identifier": self.policy_id,
            "classification": self.classification,
            "privacy_mark": self.privacy_mark,
            "categories": categories,
            "creation_time": self.created.isoformat() if self.created else None,
            "originator": self.originator,
            "holder": self.holder,
            "item_id": self.item_id,
            "purpose": self.purpose,
        }


@dataclass(frozen=True, slots=True)
class Person:
    """A person of a Receiving Party asking for access (Arts. 7, 16).

    Attributes:
        party: the party whose Personnel Security Clearance the person holds.
        clearance: that clearance, as the party's own marking text.
        need_to_know: topics the person's official duties require.
        contractor: True for a contractor's employee (Art. 16).
        facility_clearance: True when the contractor's facility can protect CMI (Art. 16).
        name: optional name, for the audit record.
    """

    party: str
    clearance: str
    need_to_know: frozenset[str]
    contractor: bool = False
    facility_clearance: bool = False
    name: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "party", party_code("person.party", self.party))
        object.__setattr__(self, "clearance", nfc(self.clearance))
        object.__setattr__(self, "need_to_know", frozenset(nfc(t) for t in self.need_to_know))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Person:
        """Build a person from its JSON form (see module docstring).

        Raises:
            InputError: a field is missing or malformed (names ``person.<field>``).
        """
        if not isinstance(data, Mapping):
            raise InputError("person", data, "expected a JSON object")
        doc = parse(PersonDoc, data, prefix="person")
        return cls(party=doc.party, clearance=doc.clearance,
                   need_to_know=frozenset(doc.need_to_know), contractor=doc.contractor,
                   facility_clearance=doc.facility_clearance, name=doc.name)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "party": self.party,
            "clearance": self.clearance,
            "need_to_know": sorted(self.need_to_know),
            "contractor": self.contractor,
            "facility_clearance": self.facility_clearance,
            "name": self.name,
        }

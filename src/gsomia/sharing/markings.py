"""Each party's own classification markings, ordered, and the marking applied on receipt.

A party's scheme lists its markings highest first (Japan 特定秘密 / 極秘 / 秘; Korea
군사I급비밀 / 군사II급비밀 / 군사III급비밀 / 대외비; US TOP SECRET / SECRET / CONFIDENTIAL;
source: agreements.md §1 Art. 4(1), §2). Which marking of one party equals which of
another is *not* a property of a scheme: it is set per agreement (Art. 4(2)), see
:mod:`gsomia.sharing.agreements`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from gsomia.errors import InputError

__all__ = ["Marking", "MarkingScheme", "ReceivedMarking", "check_party_code", "nfc", "party_code"]

_PARTY_CODE = re.compile(r"^[A-Z]{3}$")


def nfc(text: str) -> str:
    """``text`` in Unicode normal form C, so that a decomposed 군사II급비밀 (conjoining jamo)
    compares equal to the precomposed one every data file uses."""
    return unicodedata.normalize("NFC", text)


def party_code(field_name: str, code: object) -> str:
    """A party code from user input (label, person, consent, ``--to``): accepted in any
    case and returned in capitals (``"kor"`` → ``"KOR"``), as ``gsomia evaluate`` does.

    Raises:
        InputError: naming ``field_name`` when it is not three letters.
    """
    if isinstance(code, str) and len(code) == 3 and code.isascii() and code.isalpha():
        return code.upper()
    return check_party_code(field_name, code)


def check_party_code(field_name: str, code: object) -> str:
    """Return ``code`` if it is an ISO 3166-1 alpha-3 party code (three capitals).

    Raises:
        InputError: naming ``field_name`` and the value otherwise.
    """
    if not isinstance(code, str) or not _PARTY_CODE.match(code):
        raise InputError(field_name, code, "expected an ISO 3166 alpha-3 party code like 'JPN'")
    return code


@dataclass(frozen=True, slots=True)
class Marking:
    """One classification marking of a party.

    Attributes:
        text: the marking as the party writes it, in its own script (e.g. ``"極秘"``).
        english: its English rendering (e.g. ``"Gokuhi"``).
        rank: 0 for the party's highest marking, 1 for the next, and so on.
        level: its common level (:data:`gsomia.schemas.COMMON_LEVELS`, e.g. ``"SECRET"``).
    """

    text: str
    english: str
    rank: int
    level: str = ""


@dataclass(frozen=True, slots=True)
class MarkingScheme:
    """A party's ordered marking scheme and how it writes party names.

    Attributes:
        party: ISO 3166 alpha-3 code (e.g. ``"KOR"``).
        name: the party's name in its own script.
        name_en: the party's name in English.
        markings: highest first.
        names: other parties' names in this party's script, by code.
        source: where the scheme comes from (agreements.md section / article).
        file: the file it was loaded from.
        digest: its content hash, ``"sha256:…"`` (:func:`gsomia.sharing.ruledata.content_digest`).
    """

    party: str
    name: str
    name_en: str
    markings: tuple[Marking, ...]
    names: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    source: str = ""
    file: str = field(default="", compare=False)
    digest: str = ""

    def __post_init__(self) -> None:
        check_party_code("party.code", self.party)
        texts = [m.text for m in self.markings]
        if len(set(texts)) != len(texts):
            raise InputError(f"{self.party}.marking", texts, "markings must be distinct")

    def get(self, text: str, field_name: str = "classification") -> Marking:
        """The marking called ``text`` (compared in Unicode NFC).

        Raises:
            InputError: naming ``field_name`` when ``text`` is not one of this party's
                markings.
        """
        wanted = nfc(text) if isinstance(text, str) else text
        for marking in self.markings:
            if marking.text == wanted:
                return marking
        known = ", ".join(m.text for m in self.markings)
        raise InputError(field_name, text, f"not a {self.party} marking (known: {known})")

    def at_least(self, held: str, required: str) -> bool:
        """True when marking ``held`` is as high as ``required`` or higher (Art. 7 clearance)."""
        return self.get(held).rank <= self.get(required).rank

    def name_of(self, party: str) -> str:
        """``party``'s name as this party writes it (English name's code when unknown)."""
        return self.names.get(party, party)


@dataclass(frozen=True, slots=True)
class ReceivedMarking:
    """The marking a Receiving Party puts on received information (Art. 4(2)).

    It is the Originating Party's name followed by the Receiving Party's equivalent
    classification, given in the Receiving Party's script (``text``) and in English
    (``text_en``).

    Attributes:
        originator: Originating Party code.
        receiver: Receiving Party code.
        originator_name: the originator's name in the receiver's script.
        originator_name_en: the originator's name in English.
        classification: the receiver's equivalent marking, own script (e.g. ``"군사II급비밀"``).
        classification_en: its English rendering.
        level: the common level of the equivalence row (e.g. ``"SECRET"``).
        agreement: the agreement whose equivalence table gave it.
        source: the article (``"Art. 4(2)"``).
        data: content hash of each data file it was made from (the agreement by name, the
            schemes as ``markings/<party>``), so a stored marking names the data behind it.
    """

    originator: str
    receiver: str
    originator_name: str
    originator_name_en: str
    classification: str
    classification_en: str
    level: str
    agreement: str
    source: str
    data: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    @property
    def text(self) -> str:
        """Marking in the Receiving Party's script, e.g. ``"일본 군사II급비밀"``."""
        return f"{self.originator_name} {self.classification}"

    @property
    def text_en(self) -> str:
        """Marking in English, e.g. ``"Japan Military Class II Secret (SECRET)"``; the
        common level in brackets only where it differs from the English marking (a US
        receiver: ``"Republic of Korea SECRET"``)."""
        text = f"{self.originator_name_en} {self.classification_en}"
        return text if self.classification_en == self.level else f"{text} ({self.level})"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, with ``text`` and ``text_en`` and the data hashes (``data``)."""
        return {
            "originator": self.originator,
            "receiver": self.receiver,
            "originator_name": self.originator_name,
            "originator_name_en": self.originator_name_en,
            "classification": self.classification,
            "classification_en": self.classification_en,
            "level": self.level,
            "text": self.text,
            "text_en": self.text_en,
            "agreement": self.agreement,
            "source": self.source,
            "data": dict(self.data),
        }

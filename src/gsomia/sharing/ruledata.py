"""Integrity of the rule data: content hashes, rank order across files, and overrides.

Content hash (:func:`content_digest`): ``"sha256:"`` + the SHA-256 (FIPS 180-4) of the
canonical JSON of the *parsed* data, never of the file's bytes, so comments, blank lines,
key order, the TOML spelling of a value and the Unicode normal form of a text do not
change it, and every value that a decision can read does. The canonical JSON is
``{"format": 1, "kind": KIND, "data": DATA}`` with keys sorted, no blanks
(``separators=(",", ":")``), UTF-8 without escapes, every text in Unicode NFC, where
``KIND`` is ``"marking-scheme"`` or ``"agreement"`` and ``DATA`` is the validated file
(:class:`gsomia.schemas.MarkingSchemeFile` or :class:`gsomia.schemas.AgreementFile`,
``model_dump(mode="json")``: defaults filled in, dates as ISO 8601) with, for an
agreement, the route as :class:`~gsomia.sharing.routes.Route` names it and the events
in date order (as the loader keeps them). The name a hash is recorded under
(:func:`data_key`): the agreement's name, or ``markings/<party>`` for a scheme.

Rank order (:func:`check_rank_order`): an agreement's equivalence rows follow each
party's rank order (Art. 4(2) equates a party's marking of one level with the other's of
the same level, so a higher row holds higher markings for every party), and each
marking sits in a row of the common level its scheme gives it. Which level a marking is
equated to is the agreement's to set (Art. 4(2): a user agreement may put 特定秘密 in a
TOP SECRET row where the Japan–Korea one puts it at SECRET), so a row may differ from the
scheme when it says so (``scheme_level_differs = true``); without that, a scheme whose
texts were swapped between levels (대외비 and 군사III급비밀, ranks and levels left in
place) is refused by the agreements that list them.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import dataclass
from typing import Any

from gsomia.errors import AgreementError
from gsomia.sharing.agreements import Agreement
from gsomia.sharing.markings import MarkingScheme

__all__ = ["DIGEST_PREFIX", "Override", "check_rank_order", "content_digest", "data_key"]

#: What every content hash starts with (the hash function's name).
DIGEST_PREFIX = "sha256:"


def _nfc(value: Any) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, dict):
        return {_nfc(k): _nfc(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_nfc(v) for v in value]
    return value


def content_digest(kind: str, data: Any) -> str:
    """``"sha256:<64 hex digits>"`` of the canonical JSON of ``data`` (module notes).

    Args:
        kind: ``"marking-scheme"`` or ``"agreement"`` (part of the hashed text, so a
            scheme and an agreement never share a hash).
        data: the parsed file as JSON values (dicts, lists, text, numbers, booleans, None).
    """
    text = json.dumps({"format": 1, "kind": kind, "data": _nfc(data)}, sort_keys=True,
                      ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return DIGEST_PREFIX + hashlib.sha256(text.encode("utf-8")).hexdigest()


def data_key(item: Agreement | MarkingScheme) -> str:
    """The name a hash is recorded under: ``"jpn-kor-gsomia"``, ``"markings/JPN"``."""
    if isinstance(item, MarkingScheme):
        return f"markings/{item.party}"
    return item.name


@dataclass(frozen=True, slots=True)
class Override:
    """A user file that redefines an agreement or scheme loaded before it (allowed only
    with ``allow_override``; :func:`gsomia.sharing.load_catalog`).

    Attributes:
        key: what is redefined (:func:`data_key`).
        replaced_file, replaced_digest: the file and content hash it replaces.
        file, digest: the file and content hash now in force.
    """

    key: str
    replaced_file: str
    replaced_digest: str
    file: str
    digest: str

    def line(self) -> str:
        """The warning printed on standard error."""
        return (f"warning: {self.key} from {self.replaced_file} ({self.replaced_digest}) is "
                f"overridden by {self.file} ({self.digest})")

    def to_dict(self) -> dict[str, str]:
        """JSON-ready form."""
        return {"key": self.key, "replaced_file": self.replaced_file,
                "replaced_digest": self.replaced_digest, "file": self.file,
                "digest": self.digest}


def _row_text(agreement: Agreement, i: int, code: str) -> str:
    row = agreement.equivalence[i]
    return f"equivalence[{i}] ({row.level}: {' / '.join(row.markings[code])})"


def check_rank_order(agreement: Agreement, schemes: dict[str, MarkingScheme]) -> None:
    """Refuse an equivalence table out of a party's rank order (module notes).

    For every party and every two rows ``i < j`` that both list it, each of the party's
    markings in row ``i`` ranks strictly higher (a smaller rank) than each in row ``j``
    (so swapped rows, a party's lists swapped between rows, and a marking in two rows are
    refused); then each marking's common level in its scheme is the row's level, unless
    the row says ``scheme_level_differs`` (and then at least one differs).

    Raises:
        AgreementError: naming the agreement's file, the rows (``equivalence[i]``), the
            party's markings and their ranks.
    """
    rows = agreement.equivalence
    for code in agreement.parties:
        if code not in schemes:
            continue
        scheme = schemes[code]
        ranks = [[scheme.get(m).rank for m in row.markings.get(code, ())] for row in rows]
        for j in range(len(rows)):
            for i in range(j):
                if ranks[i] and ranks[j] and max(ranks[i]) >= min(ranks[j]):
                    raise AgreementError(
                        agreement.file, f"equivalence[{j}].markings.{code}",
                        list(rows[j].markings[code]),
                        f"{_row_text(agreement, i, code)} is not above "
                        f"{_row_text(agreement, j, code)} in {code}'s rank order (ranks "
                        f"{ranks[i]} vs {ranks[j]}, 0 highest, {scheme.file or code}): "
                        "rows are listed highest first for every party")
    for i in range(len(rows)):
        _check_row_levels(agreement, i, schemes)


def _check_row_levels(agreement: Agreement, i: int, schemes: dict[str, MarkingScheme]) -> None:
    row = agreement.equivalence[i]
    differ = [(code, k, mark, schemes[code].get(mark).level)
              for code, marks in row.markings.items() if code in schemes
              for k, mark in enumerate(marks) if schemes[code].get(mark).level != row.level]
    if differ and not row.scheme_level_differs:
        code, k, mark, level = differ[0]
        raise AgreementError(
            agreement.file, f"equivalence[{i}].markings.{code}[{k}]", mark,
            f"{code}'s scheme ({schemes[code].file or code}) gives {mark!r} the common level "
            f"{level}, but this row is {row.level} (if the agreement equates it so, say "
            "scheme_level_differs = true in the row)")
    if row.scheme_level_differs and not differ:
        raise AgreementError(agreement.file, f"equivalence[{i}].scheme_level_differs", True,
                             f"every marking of this row has the common level {row.level} "
                             "in its scheme")

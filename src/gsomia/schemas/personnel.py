"""A node's personnel file (TOML; :func:`gsomia.node.persons.load_personnel`).

.. code-block:: toml

    party = "JPN"                       # optional; must be the node's own party

    [persons.duty-officer]              # the id of the person's certificate
    name = "Duty officer, JSDF"         # (CN "JPN person duty-officer")
    clearance = "極秘"                  # Personnel Security Clearance (Art. 7): a marking
                                        # of the node's own party's scheme
    need_to_know = ["dprk-missile-threat", "operation-plan"]   # topics of their duties
    contractor = false                  # a contractor's employee (Art. 16)
    facility_clearance = false          # the contractor's facility can protect it (Art. 16)
    valid_until = 2027-03-31            # optional: a date (end of that day, UTC) or an
                                        # offset date-time; no read after it

    [persons.operator]                  # optional: the operator certificate
    ...                                 # (CN "JPN operator") reads as this person

Checked here: closed tables (a misspelt ``need_to_kno`` is refused, naming it), the
person ids (:data:`gsomia.sharing.pki.PERSON_ID` spelling), texts non-empty, booleans
strict. The clearance is checked against the node's marking scheme by the loader.
"""

from __future__ import annotations

import datetime as dt
import re

from pydantic import Field, StrictBool, field_validator

from gsomia.schemas.base import Closed, NfcText, PartyCode, Text, fail

__all__ = ["PersonnelEntry", "PersonnelFile"]

#: A person id as written in a personnel file (the key of ``[persons.<id>]``).
_PERSON_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,52}")


class PersonnelEntry(Closed):
    """``[persons.<id>]``: one person of the node's party (Art. 7, Art. 16)."""

    name: Text = Field(description="the person's name, for the audit record")
    clearance: NfcText = Field(description="Personnel Security Clearance: a marking of "
                                           "the node's own party's scheme (Art. 7)")
    need_to_know: list[NfcText] = Field(description="topics the person's official duties "
                                                    "require (Art. 7)")
    contractor: StrictBool = Field(False, description="a contractor's employee (Art. 16)")
    facility_clearance: StrictBool = Field(False, description="the contractor's facility "
                                                              "can protect it (Art. 16)")
    valid_until: dt.date | dt.datetime | None = Field(
        None, description="no read after this date (end of the day, UTC) or offset "
                          "date-time")

    @field_validator("valid_until", mode="before")
    @classmethod
    def date_or_aware(cls, value: object) -> object:
        """A TOML local date, or an offset date-time (converted to UTC)."""
        if value is None:
            return value
        if isinstance(value, dt.datetime):
            if value.tzinfo is None:
                raise fail("expected a date (2027-03-31) or an offset date-time "
                           "(2027-03-31T23:59:59Z)")
            return value.astimezone(dt.UTC)
        if isinstance(value, dt.date):
            return value
        raise fail("expected a date (2027-03-31) or an offset date-time")


class PersonnelFile(Closed):
    """A node's personnel file: who may read classified items, with which clearance and
    need-to-know (Art. 7, Art. 16)."""

    party: PartyCode | None = Field(None, description="the node's own party (optional)")
    persons: dict[str, PersonnelEntry] = Field(
        description="by person id (a person certificate's id; 'operator': the operator "
                    "certificate)")

    @field_validator("persons", mode="before")
    @classmethod
    def person_ids(cls, value: object) -> object:
        """Each key a person id (letters, digits, ``.``, ``_``, ``-``; at most 53)."""
        if isinstance(value, dict):
            for key in value:
                if not isinstance(key, str) or not _PERSON_ID.fullmatch(key):
                    raise fail("expected a person id: a letter or digit, then up to 52 "
                               "letters, digits, '.', '_' or '-'", at=(key,), value=key,
                               has_value=True)
        return value

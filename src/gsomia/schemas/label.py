"""Confidentiality labels and persons asking for access, as JSON objects
(:meth:`gsomia.sharing.Label.from_dict`, :meth:`gsomia.sharing.Person.from_dict`).

Party codes are read in any case here and put in capitals by the domain types; texts that
are compared are put in Unicode NFC there too (:mod:`gsomia.sharing.label`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import Field, StrictBool

from gsomia.schemas.base import Closed, Text

__all__ = ["DerivedSourceDoc", "LabelDoc", "PersonDoc"]


class DerivedSourceDoc(Closed):
    """One source of a derived item (derivative classification): the source item's id,
    Originating Party, marking, topic and Releasable To, as the deriving holder held it."""

    item_id: Text = Field(description="the source item's id (<ORIGINATOR>-...)")
    originator: Text = Field(description="the source's Originating Party code")
    classification: Text = Field(description="the source originator's own marking text")
    topic: Text = Field(description="the source's topic")
    releasable_to: list[Text] = Field(description="the source's Releasable To party codes")


class LabelDoc(Closed):
    """A confidentiality label (STANAG 4774 fields plus the GSOMIA roles)."""

    item_id: Text | None = Field(None, description="default: a digest of the label")
    originator: Text = Field(description="Originating Party code (Art. 2)")
    classification: Text = Field(description="the originator's own marking text")
    releasable_to: list[Text] = Field(description="party codes (Releasable To)")
    topic: Text = Field(description="subject of the item (TISA para 1 scope)")
    holder: Text = Field(description="party code of whoever holds the item now")
    created: dt.datetime | dt.date | None = Field(None, description="ISO 8601")
    policy_id: Text | None = None
    elements: list[Text] = Field([], description="missile-warning elements carried "
                                                 "(agreements.md §4)")
    purpose: Text | None = Field(None, description="the purpose it was provided for "
                                                   "(Art. 6)")
    privacy_mark: Text | None = None
    consents: Any = Field(None, description="a list of originator consents, read by "
                                            "gsomia.sharing.consent")
    derived_from: list[DerivedSourceDoc] = Field(
        [], description="the received items whose content this item derives from "
                        "(derivative classification): their restrictions apply")


class PersonDoc(Closed):
    """A person of a Receiving Party asking for access (Art. 7, Art. 16)."""

    party: Text = Field(description="the party of the person's clearance")
    clearance: Text = Field(description="the party's own marking text")
    need_to_know: list[Text] = Field([], description="topics the person's duties require")
    contractor: StrictBool = False
    facility_clearance: StrictBool = Field(False, description="the contractor's facility "
                                                              "can protect CMI (Art. 16)")
    name: Text | None = None

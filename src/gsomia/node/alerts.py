"""A party's public warning as a shared payload: one entry (issue, update or withdraw) of its
warning log (:mod:`gsomia.warning.alerts`).

A node that issues, updates or withdraws a public warning of an area shares it with its
partners like any other item: under the missile-warning topic (:data:`gsomia.node.warning.
WARNING_TOPIC`), released by the same decision rules (route, classification, topic,
elements). A warning names where the impact (or a low overflight) may fall, so its label
carries the element ``impact_point`` only (:data:`AREA_WARNING_ELEMENTS`), one of the three
elements of the trilateral arrangement's scope (agreements.md §4): any path that carries
track reports carries area warnings too.

Payload (JSON-ready; times in seconds since the scenario epoch, which travels as ISO 8601
text)::

    {"kind": "area_warning", "warning_id": str, "epoch": ISO 8601, "t_s": float,
     "launch": str, "action": "issue" | "update" | "withdraw",
     "area": {"country": str, "zone": "land" | "territorial_sea" | "eez"},
     "p": float in [0, 1], "reason": str}

``launch`` is the originator's designation of the launch the warning is about (in a run,
the scenario's launch id); ``warning_id`` is unique per originator.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from gsomia.errors import InputError
from gsomia.node.warning import WARNING_TOPIC
from gsomia.schemas import AreaWarningDoc, parse
from gsomia.warning.alerts import WarningEntry

__all__ = ["AREA_WARNING_ELEMENTS", "AREA_WARNING_KIND", "AreaWarning",
           "is_area_warning_payload"]

#: The payload's ``kind``.
AREA_WARNING_KIND = "area_warning"
#: Elements of an area warning's label: it says where the impact may fall.
AREA_WARNING_ELEMENTS = ("impact_point",)


@dataclass(frozen=True, slots=True)
class AreaWarning:
    """One entry of a party's public warning log, as shared (module notes).

    Attributes:
        warning_id: the originator's id of the entry (1 to 128 characters).
        epoch: the scenario epoch (aware datetime); t_s: time of the entry [s since it].
        entry: the log entry (party, launch, action, area, probability, reason).
    """

    warning_id: str
    epoch: dt.datetime
    entry: WarningEntry

    #: The label's topic and elements when published (:meth:`gsomia.node.Node.publish`).
    topic: ClassVar[str] = WARNING_TOPIC
    elements: ClassVar[tuple[str, ...]] = AREA_WARNING_ELEMENTS

    @property
    def t_s(self) -> float:
        """Time of the entry [s since the epoch]."""
        return self.entry.t_s

    @property
    def stream(self) -> str:
        """The stream it is published on, ``alerts:<launch>`` (a launch's log in order)."""
        return f"alerts:{self.entry.launch}"

    def to_dict(self) -> dict[str, Any]:
        """The JSON payload (module notes)."""
        e = self.entry
        return {"kind": AREA_WARNING_KIND, "warning_id": self.warning_id,
                "epoch": self.epoch.astimezone(dt.UTC).isoformat(), "t_s": float(e.t_s),
                "launch": e.launch, "action": e.action,
                "area": {"country": e.area[0], "zone": e.area[1]}, "p": float(e.p),
                "reason": e.reason}

    def validate(self) -> AreaWarning:
        """Check every field against the schema (:class:`gsomia.schemas.AreaWarningDoc`);
        return self.

        Raises:
            InputError: names the field, e.g. ``area_warning.area.zone``.
        """
        if not isinstance(self.epoch, dt.datetime) or self.epoch.tzinfo is None:
            raise InputError("area_warning.epoch", self.epoch, "expected an aware datetime")
        parse(AreaWarningDoc, self.to_dict(), prefix="area_warning")
        return self

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], originator: str) -> AreaWarning:
        """Read the JSON payload back (checked as :meth:`validate` does); the entry's party
        is ``originator`` (the item's, from its signed label).

        Raises:
            InputError: a field is missing or malformed (names ``area_warning.<field>``).
        """
        if not isinstance(data, Mapping):
            raise InputError("area_warning", data, "expected a JSON object")
        doc = parse(AreaWarningDoc, data, prefix="area_warning")
        entry = WarningEntry(originator, doc.launch, doc.t_s, doc.action,
                             (doc.area.country, doc.area.zone), doc.p, doc.reason)
        return cls(doc.warning_id, doc.epoch, entry)


def is_area_warning_payload(payload: Any) -> bool:
    """True when an item's payload is an :class:`AreaWarning` (its ``kind``)."""
    return isinstance(payload, Mapping) and payload.get("kind") == AREA_WARNING_KIND

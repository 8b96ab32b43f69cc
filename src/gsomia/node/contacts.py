"""Submarine contact reports as a shared payload: a maritime source's contact (where a
patrol aircraft or submarine put a submarine at sea, when, and how well), a classified
item released by the same decision rules as any other.

Before a launch from the sea, a contact is a *pre-launch indication*: its label carries
the element :data:`CONTACT_ELEMENTS` (``pre_launch_indication``) under the missile-warning
topic, and the release decision (:func:`gsomia.sharing.decide`) judges each path by it.
The 2023 arrangement excludes pre-launch indications (agreements.md §4: "Not shared:
pre-launch indications"), so the automated hub never carries contacts; the bilateral
GSOMIAs and TISA (through the US with the originator's approval) have no element limits.

Payload (JSON-ready; SI units; times in seconds since the scenario epoch, which travels as
ISO 8601 text; position on WGS 84)::

    {"kind": "submarine_contact", "contact_id": str, "epoch": ISO 8601, "t_s": float,
     "contact_t_s": float, "sensor_id": str, "how": "radar" | "sonobuoy" | "sonar",
     "lat_deg": float, "lon_deg": float, "sigma_m": float}

Schema: :class:`gsomia.schemas.SubmarineContactDoc` (``gsomia schema submarine-contact``).
The true submarine of a contact never travels (the simulation keeps it for scoring).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from gsomia.errors import InputError
from gsomia.node.warning import WARNING_TOPIC
from gsomia.schemas import SubmarineContactDoc, parse

__all__ = ["CONTACT_ELEMENTS", "CONTACT_KIND", "SubmarineContact", "is_contact_payload"]

#: The payload's ``kind``.
CONTACT_KIND = "submarine_contact"
#: Elements of a contact item's label (agreements.md §4 names pre-launch indications as
#: never shared by the automated hub).
CONTACT_ELEMENTS = ("pre_launch_indication",)


@dataclass(frozen=True, slots=True)
class SubmarineContact:
    """One submarine contact report (the shared payload; module notes).

    Attributes:
        contact_id: the originator's id of the report (1 to 128 characters).
        epoch: the scenario epoch (aware datetime); t_s: issue time [s since the epoch];
        contact_t_s: time of the contact [s].
        sensor_id: the maritime source; how: ``radar``, ``sonobuoy`` or ``sonar``.
        lat_deg, lon_deg: estimated position [deg, WGS 84]; sigma_m: 1-σ error per
            horizontal axis [m].
    """

    contact_id: str
    epoch: dt.datetime
    t_s: float
    contact_t_s: float
    sensor_id: str
    how: str
    lat_deg: float
    lon_deg: float
    sigma_m: float

    #: The label's topic and elements when published (:meth:`gsomia.node.Node.publish`).
    topic: ClassVar[str] = WARNING_TOPIC
    elements: ClassVar[tuple[str, ...]] = CONTACT_ELEMENTS

    @property
    def stream(self) -> str:
        """The stream it is published on, ``contacts:<sensor_id>``."""
        return f"contacts:{self.sensor_id}"

    def to_dict(self) -> dict[str, Any]:
        """The JSON payload (module notes)."""
        return {"kind": CONTACT_KIND, "contact_id": self.contact_id,
                "epoch": self.epoch.astimezone(dt.UTC).isoformat(), "t_s": self.t_s,
                "contact_t_s": self.contact_t_s, "sensor_id": self.sensor_id,
                "how": self.how, "lat_deg": self.lat_deg, "lon_deg": self.lon_deg,
                "sigma_m": self.sigma_m}

    def validate(self) -> SubmarineContact:
        """Check every field against the schema; return self.

        Raises:
            InputError: names the field, e.g. ``contact.sigma_m``.
        """
        if not isinstance(self.epoch, dt.datetime) or self.epoch.tzinfo is None:
            raise InputError("contact.epoch", self.epoch, "expected an aware datetime")
        parse(SubmarineContactDoc, self.to_dict(), prefix="contact")
        return self

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SubmarineContact:
        """Read the JSON payload back, checked by the schema.

        Raises:
            InputError: a field is missing or malformed (names ``contact.<field>``).
        """
        if not isinstance(data, Mapping):
            raise InputError("contact", data, "expected a JSON object")
        doc = parse(SubmarineContactDoc, data, prefix="contact")
        return cls(doc.contact_id, doc.epoch, doc.t_s, doc.contact_t_s, doc.sensor_id,
                   doc.how, doc.lat_deg, doc.lon_deg, doc.sigma_m)


def is_contact_payload(payload: Any) -> bool:
    """True when an item's payload is a :class:`SubmarineContact` (its ``kind``)."""
    return isinstance(payload, Mapping) and payload.get("kind") == CONTACT_KIND

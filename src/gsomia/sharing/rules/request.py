"""The question a release decision answers: :class:`ReleaseRequest`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from gsomia.errors import InputError
from gsomia.sharing.label import Label, Person, parse_time
from gsomia.sharing.markings import party_code
from gsomia.sharing.routes import Route

__all__ = ["ReleaseRequest"]


@dataclass(frozen=True, slots=True)
class ReleaseRequest:
    """One question to :func:`~gsomia.sharing.decide`.

    Attributes:
        label: the item's label (its ``holder`` is the sender).
        to: the Receiving Party code.
        route: a :class:`~gsomia.sharing.routes.Route`; any spelling
            :meth:`Route.parse` takes is accepted and stored as the Route.
        at: when the release would happen (aware UTC datetime).
        person: the person who would get access, or None for the party as a whole.
        purpose: the purpose of the release (Art. 6), or None.

    Raises:
        InputError: a bad route, party code or time, or ``to`` equal to the holder.
    """

    label: Label
    to: str
    at: dt.datetime
    route: Route = Route.DIRECT
    person: Person | None = None
    purpose: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "route", Route.parse(self.route))
        object.__setattr__(self, "to", party_code("to", self.to))
        object.__setattr__(self, "at", parse_time("at", self.at))
        if self.to == self.label.holder:
            raise InputError("to", self.to, "the recipient is the holder itself")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the ``request`` of a decision)."""
        return {
            "label": self.label.to_stanag4774(),
            "to": self.to,
            "route": self.route,
            "at": self.at.isoformat(),
            "person": None if self.person is None else self.person.to_dict(),
            "purpose": self.purpose,
        }

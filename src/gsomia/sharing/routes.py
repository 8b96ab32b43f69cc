"""The one route type: the path a released item takes from its Originating Party.

A route is a name only. Who the hub is, which markings, topics and elements it carries and
whether the originator approves each item are the agreement's to say
(:meth:`gsomia.sharing.Catalog.by_route`); nothing outside the catalog re-types them.

===========  ==========================================================================
route        path
===========  ==========================================================================
direct       originator → recipient under a bilateral in force (e.g. Japan–Korea GSOMIA
             of 23 Nov 2016, Art. 21)
tisa_hub     originator → hub → recipient, the hub forwarding only with the originator's
             approval of the item (TISA of 29 Dec 2014, para 4)
auto_hub     originator → hub → recipient through the automated mechanism of Dec 2023,
             the originator's taking part read as its standing approval
===========  ==========================================================================

Every spelling found in files and on the command line is parsed here, once:
``tisa`` and ``tisa-hub`` → :attr:`Route.TISA_HUB`; ``auto-hub`` and ``autohub`` →
:attr:`Route.AUTO_HUB`; case and surrounding blanks do not matter. Everything inside the
program then holds a :class:`Route`; being a :class:`str`, it compares equal to its
canonical spelling and prints as it (``f"{Route.TISA_HUB}" == "tisa_hub"``).

Example:
    >>> Route.parse("auto-hub")
    <Route.AUTO_HUB: 'auto_hub'>
    >>> Route.parse("tisa").is_hub
    True
"""

from __future__ import annotations

import enum

from gsomia.errors import InputError
from gsomia.schemas.base import ROUTE_SPELLINGS

__all__ = ["Route"]


class Route(enum.StrEnum):
    """A route a release may take (ARCHITECTURE.md data-flow step 4; TISA para 4)."""

    DIRECT = "direct"
    TISA_HUB = "tisa_hub"
    AUTO_HUB = "auto_hub"

    @property
    def is_hub(self) -> bool:
        """True for a route through a hub party (``tisa_hub``, ``auto_hub``)."""
        return self is not Route.DIRECT

    @classmethod
    def parse(cls, value: object, field: str = "route") -> Route:
        """``value`` in any accepted spelling as a :class:`Route`.

        Args:
            value: a :class:`Route` or a text (see the module table for the spellings).
            field: the name of the field read, for the error.

        Raises:
            InputError: naming ``field`` and ``value`` when it is no route.
        """
        if isinstance(value, Route):
            return value
        if isinstance(value, str):
            found = _SPELLINGS.get(value.strip().lower())
            if found is not None:
                return found
        raise InputError(field, value, "expected direct, tisa_hub (tisa) or auto_hub (auto-hub)")


_SPELLINGS: dict[str, Route] = {text: Route(name) for text, name in ROUTE_SPELLINGS.items()}

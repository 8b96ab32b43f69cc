"""The release rules of the agreements, one function per rule, run in order by
:func:`gsomia.sharing.decide`.

Every rule has one signature, :data:`Rule`: ``(request, context) -> Evidence | None`` — it
reads the request and the shared facts of the :class:`Context` (hub arrangement, legs and
their agreements, level, marking; the reasons so far), and returns the reasons it
evaluated, the obligations it adds and the agreements it rests on, or None where it does
not apply. A rule never changes the context; :func:`decide` collects the evidence.

:data:`RULES` is the order (agreements.md, and the sources cited in each docstring):

1. :func:`hub_route` — TISA para 4; §4: an arrangement governs the hub route, in force,
   both ends participants.
2. :func:`legal_basis` — §4: the arrangement's legal basis (TISA) in force.
3. :func:`scope` — TISA para 1; §4: topic within scope, only the allowed elements.
4. :func:`releasable_to` — STANAG 4774 Releasable To (§5), recipient and hub.
5. :func:`legs_in_force` — Art. 21; TISA para 3: each leg's bilateral agreement in force.
6. :func:`classification` — Art. 4(1)–(2): marking inside each leg's table; the marking.
7. :func:`originator_ceiling` — Art. 4(1), Art. 6: the originator's own agreement with
   each receiver bounds what reaches it.
8. :func:`third_party_consent` — Art. 6; TISA para 4: originator's prior written consent.
9. :func:`purpose` — Art. 6: the purpose it was provided for.
10. :func:`personnel_clearance` — Art. 7: clearance at least the equivalent marking.
11. :func:`need_to_know` — Art. 7: duties cover the topic.
12. :func:`contractor_facility` — Art. 16: a contractor's facility able to protect it.
13. :func:`handling` — Art. 6 protection and Art. 17 loss reporting (obligations only).

The order is part of the output (a decision lists its reasons in it) and
:func:`originator_ceiling` reads the reasons before it, so it is fixed here.
"""

from __future__ import annotations

from collections.abc import Callable

from gsomia.sharing.rules.classification import classification, originator_ceiling
from gsomia.sharing.rules.context import Context
from gsomia.sharing.rules.evidence import Evidence, Obligation, Reason
from gsomia.sharing.rules.person import contractor_facility, need_to_know, personnel_clearance
from gsomia.sharing.rules.release import handling, purpose, third_party_consent
from gsomia.sharing.rules.request import ReleaseRequest
from gsomia.sharing.rules.route import hub_route, legal_basis, legs_in_force, releasable_to, scope

__all__ = [
    "RULES",
    "Context",
    "Evidence",
    "Obligation",
    "Reason",
    "ReleaseRequest",
    "Rule",
    "classification",
    "contractor_facility",
    "handling",
    "hub_route",
    "legal_basis",
    "legs_in_force",
    "need_to_know",
    "originator_ceiling",
    "personnel_clearance",
    "purpose",
    "releasable_to",
    "scope",
    "third_party_consent",
]

#: A rule: ``(request, context) -> Evidence | None`` (module docstring).
Rule = Callable[[ReleaseRequest, Context], Evidence | None]

#: The rules in the order :func:`~gsomia.sharing.decide` runs them (module docstring).
RULES: tuple[Rule, ...] = (
    hub_route,
    legal_basis,
    scope,
    releasable_to,
    legs_in_force,
    classification,
    originator_ceiling,
    third_party_consent,
    purpose,
    personnel_clearance,
    need_to_know,
    contractor_facility,
    handling,
)

"""The analytical delivery step: each item reaches each partner the route allows after the
path's delay (:mod:`gsomia.sim.delivery.plan`; plots only where the path allows plot
items, submarine contacts only where it allows contact items; a public warning log entry,
whose label names the element ``impact_point`` only, one of the elements the warning
decision judged, wherever a track report goes). The cross-check of the nodes' delivery
(:mod:`gsomia.sim.delivery.nodes`), which gives the same arrivals (the tests check it)."""

from __future__ import annotations

from gsomia.sharing import Catalog
from gsomia.sim.delivery.plan import RoutePlan
from gsomia.sim.items import Delivered, Warning
from gsomia.sim.scenario import Scenario

__all__ = ["deliver_planned", "planned"]


def deliver_planned(warnings: dict[str, list[Warning]], plan: RoutePlan) -> list[Delivered]:
    """Arrival = sending time + the path's delay [s], for every item and partner the plan
    allows; returns the arrivals in time order."""
    out = []
    parties = list(warnings)
    for sender, items in warnings.items():
        for to in parties:
            if to == sender:
                continue
            delays = {kind: plan.delay(sender, to, kind)
                      for kind in ("warning", "plots", "contacts")}
            for w in items:
                delay = delays["plots" if w.plots else
                               "contacts" if w.contact is not None else "warning"]
                if delay is not None:
                    out.append(Delivered(w.t_s + delay, to, w))
    out.sort(key=lambda d: d.t_s)
    return out


def planned(warnings: dict[str, list[Warning]], plan: RoutePlan, scenario: Scenario,
            catalog: Catalog) -> list[Delivered]:
    """:func:`deliver_planned` as a :class:`~gsomia.sim.items.Delivery` step (the
    scenario and the catalog are not needed: the plan holds the decisions)."""
    return deliver_planned(warnings, plan)

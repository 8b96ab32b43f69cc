"""Routes of a run and the delivery steps that carry each party's items over them.

- :mod:`gsomia.sim.delivery.plan`: the routes (``none`` and the
  :class:`~gsomia.sharing.Route` members), their paths and delays, decided on the scenario
  date from the agreement catalog (re-exported here);
- :mod:`gsomia.sim.delivery.planned`: the analytical step (arrival = send + the path's delay);
- :mod:`gsomia.sim.delivery.nodes`: the parties' real nodes on a simulated clock (the
  default of :func:`gsomia.sim.run.run_scenario`);
- :mod:`gsomia.sim.delivery.live`: real servers on 127.0.0.1 on a compressed wall clock
  (``gsomia run --live``; the cluster comes from the caller).

The steps are not imported here: they import :mod:`gsomia.sim.items`, which imports the plan.
"""

from gsomia.sim.delivery.plan import (
    NONE,
    RUN_ROUTES,
    SHARES,
    Path,
    RouteConfig,
    RoutePlan,
    link_delay,
    parse_run_route,
    plan_routes,
    warning_marking,
    warning_scope,
)

__all__ = ["NONE", "RUN_ROUTES", "SHARES", "Path", "RouteConfig", "RoutePlan", "link_delay",
           "parse_run_route", "plan_routes", "warning_marking", "warning_scope"]

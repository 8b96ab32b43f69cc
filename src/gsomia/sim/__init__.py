"""Run layer: scenarios, flying the launches, letting the sensors observe them, and the main
job (``gsomia run``), one idea per module:

- ``scenario``, ``observe``: what is flown and what every sensor sees;
- ``config`` (:class:`~gsomia.sim.config.RunConfig`), ``run`` (orchestration,
  :func:`~gsomia.sim.run.run_scenario`, :class:`~gsomia.sim.run.RunResult`);
- ``share`` (the sharing rule), ``items`` (the shared items, the delivery contract);
- ``delivery/`` (``plan``: routes and paths from the agreement catalog; the steps
  ``planned``, ``nodes``, ``live`` with ``live_fusion``; ``payloads``);
- ``pictures``, ``measurements`` (each party's picture), ``knowledge`` (the figures),
  ``scoring`` (area at risk, zones passed in);
- ``batch``, ``seeds``, ``cluster`` (where they run: Dask or this process), ``report``,
  ``plots``.
"""

__all__: list[str] = []  # the modules are the API; nothing is re-exported here

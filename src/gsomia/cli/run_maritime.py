"""``gsomia run`` on a scenario with maritime sources: the scenario run once per distinct
set of cues (each route's arrivals of the contacts; :func:`gsomia.sim.maritime.cue_groups`)
and once without one party's maritime sources (Japan's, where it has any), and the
``maritime`` block of the JSON (:func:`gsomia.sim.maritime.maritime_block`), printed as
gains per launch."""

from __future__ import annotations

import dataclasses
from typing import Any

from gsomia.cli._app import console
from gsomia.sim.config import RunConfig
from gsomia.sim.maritime import cue_groups, maritime_block, without_maritime
from gsomia.sim.run import RunResult, run_scenario

__all__ = ["maritime_comparison"]


def _r(value: float | None) -> float | None:
    return None if value is None else round(float(value), 1)


def maritime_comparison(result: RunResult, config: RunConfig, step: Any,
                        doc: dict[str, Any]) -> None:
    """Run ``result``'s scenario cued by each route's contacts and without the maritime
    sources of Japan (else of the first maritime source's owner), add ``doc["maritime"]``
    and print the gains of every party on every route (a no-op without maritime
    sources)."""
    sc = result.scenario
    if not sc.maritime:
        return
    owners = [s.owner for s in sc.maritime]
    owner = "JPN" if "JPN" in owners else owners[0]
    groups = cue_groups(result.contacts, result.contact_deliveries)
    config = dataclasses.replace(config, warnings=False)   # the block needs no warning log
    runs: dict[str, RunResult] = {}
    for first in dict.fromkeys(groups.values()):
        with console.status(f"running cued by the contacts of route {first}"):
            runs[first] = run_scenario(sc, config, delivery=step, cue_route=first)
    with console.status(f"running again without {owner}'s maritime sources"):
        without = run_scenario(without_maritime(sc, owner), config, delivery=step)
    block = maritime_block({r: runs[first] for r, first in groups.items()}, without, owner,
                           _r)
    doc["maritime"] = block
    for route, cues in block["cues"].items():
        for party, cue in sorted(cues.items()):
            console.print(f"maritime {route}: {party}'s first contact to cue its radars "
                          f"by {cue['t_s']:.0f} s, from {cue['source']} "
                          f"({cue['originator']}, {cue['route']}; a radar too far to see "
                          "low over the area takes no cue)", highlight=False)
    for launch in block["launches"]:
        for party, routes in launch["parties"].items():
            for route, figures in routes.items():
                gains = ", ".join(f"{m.removesuffix('_s')} {figures[m]['gain_s']}"
                                  for m in figures)
                console.print(f"maritime gain {launch['id']} {party} {route}: {gains} s "
                              f"(with vs without {owner}'s maritime sources)",
                              highlight=False)

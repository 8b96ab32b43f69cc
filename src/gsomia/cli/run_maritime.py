"""``gsomia run`` on a scenario with maritime sources: the same run again without one
party's maritime sources (Japan's, where it has any), and the ``maritime`` block of the
JSON (:func:`gsomia.sim.maritime.maritime_block`), printed as gains per launch."""

from __future__ import annotations

from typing import Any

from gsomia.cli._app import console
from gsomia.sim.config import RunConfig
from gsomia.sim.delivery import NONE
from gsomia.sim.maritime import maritime_block, without_maritime
from gsomia.sim.run import RunResult, run_scenario

__all__ = ["maritime_comparison"]


def _r(value: float | None) -> float | None:
    return None if value is None else round(float(value), 1)


def maritime_comparison(result: RunResult, config: RunConfig, step: Any,
                        doc: dict[str, Any]) -> None:
    """Run ``result``'s scenario without the maritime sources of Japan (else of the first
    maritime source's owner), add ``doc["maritime"]`` and print the gains of every
    party on every sharing route (a no-op without maritime sources)."""
    sc = result.scenario
    if not sc.maritime:
        return
    owners = [s.owner for s in sc.maritime]
    owner = "JPN" if "JPN" in owners else owners[0]
    with console.status(f"running again without {owner}'s maritime sources"):
        without = run_scenario(without_maritime(sc, owner), config, delivery=step)
    block = maritime_block(result, without, owner, _r)
    doc["maritime"] = block
    for party, cue in sorted(block["cues"].items()):
        console.print(f"maritime: {party}'s radars first cued at {cue['t_s']:.0f} s by "
                      f"{cue['source']} ({cue['originator']}, route {cue['route']})",
                      highlight=False)
    for launch in block["launches"]:
        for party, routes in launch["parties"].items():
            for route, figures in routes.items():
                if route == NONE and party != owner:
                    continue
                gains = ", ".join(f"{m.removesuffix('_s')} {figures[m]['gain_s']}"
                                  for m in figures)
                console.print(f"maritime gain {launch['id']} {party} {route}: {gains} s "
                              f"(with vs without {owner}'s maritime sources)",
                              highlight=False)

"""The engagement tables of ``gsomia run`` (figures: :mod:`gsomia.sim.engage`)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from gsomia.sim.delivery import NONE
from gsomia.sim.run import RunResult

__all__ = ["print_engagement"]


def _s(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


def _gain(value: float) -> str:
    """A signed gain [s]: whole seconds, or tenths under 1 s so that a small loss shows
    its sign (``-0.2``, not ``-0``); exactly zero is ``±0``."""
    if value == 0:
        return "±0"
    return f"{value:+.1f}" if abs(value) < 1 else f"{value:+.0f}"


def print_engagement(console: Console, result: RunResult, doc: dict[str, Any]) -> None:
    """Print each launch's engagement per party and route (first firing solution, window,
    shots, fire unit, window gained against ``none``, signed: :func:`_gain`) and the
    salvo table (per party the threats to it, :func:`gsomia.sim.engage.is_threat_to`,
    and per route those engageable at least once / twice, with every launch's counts in
    brackets) with the fire units' magazine
    and reaction figures, from the run's JSON document ``doc``
    (:func:`gsomia.sim.report.run_to_json`); nothing when the run has no engagements."""
    if "engagement" not in doc:
        return
    routes = list(result.config.routes)
    table = Table(title="Engagement per launch (s after launch): first firing solution / "
                  "window / shots (shoot-look-shoot), fire unit; window gained against "
                  "'none'", title_justify="left")
    table.add_column("launch")
    table.add_column("party")
    for r in routes:
        table.add_column(r, justify="right")
    for launch in doc["launches"]:
        for party, by_route in launch["parties"].items():
            cells = []
            for r in routes:
                e = by_route[r].get("engagement")
                if e is None or e["first_firing_solution_s"] is None:
                    cells.append("none")
                    continue
                gained = e.get("window_gained_s")
                cells.append(f"{_s(e['first_firing_solution_s'])} / {_s(e['window_s'])} / "
                             f"{e['shot_opportunities']} {e['fire_unit']}"
                             + ("" if r == NONE or gained is None else f" ({_gain(gained)})"))
            table.add_row(launch["id"], party, *cells)
        table.add_section()
    console.print(table)
    salvo = doc["engagement"]["salvo"]
    n = next(iter(next(iter(salvo.values())).values()))["launches"] if salvo else 0
    st = Table(title=f"Salvo of {n} launches: threats to the party (impact on its land or "
               "territorial sea, or in a defended asset) engageable at least once / twice "
               "of the threats; in brackets every launch engageable once / twice "
               "(earliest-deadline-first over each party's fire units)",
               title_justify="left")
    st.add_column("party")
    st.add_column("threats", justify="right")
    for r in routes:
        st.add_column(r, justify="right")
    for party, by_route in salvo.items():
        first = by_route[routes[0]] if routes else {"threats": 0}
        st.add_row(party, str(first["threats"]),
                   *[f"{by_route[r]['engageable_once']} / {by_route[r]['engageable_twice']}"
                     f" ({by_route[r]['launches_engageable_once']} / "
                     f"{by_route[r]['launches_engageable_twice']})" for r in routes])
    console.print(st)
    used = "; ".join(f"{u['id']} ({u['interceptor']}): magazine {u['magazine']}, reaction "
                     f"{u['reaction_s']:g} s, assessment {u['assessment_s']:g} s, basket "
                     f"{u['basket_km']:g} km" for u in doc["engagement"]["fire_units"])
    console.print(f"fire units in service on {result.scenario.epoch.date().isoformat()}: "
                  + (used or "none") + " (data/interceptors.toml: sources and ASSUMPTIONS)",
                  highlight=False)

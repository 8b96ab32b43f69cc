"""``gsomia run --live``: its option checks and its printed figures (the link delays and the
end-to-end warning latency, :mod:`gsomia.sim.delivery.live`).

No command is registered here: :mod:`gsomia.cli.run` calls :func:`check_live_options` before
any work and :func:`print_live` after a live run.
"""

from __future__ import annotations

from typing import Any

from rich.table import Table

from gsomia.cli._app import console, fail

__all__ = ["SPEED_DEFAULT", "check_live_options", "print_live"]

#: ``--speed`` when not given: scenario seconds per wall second (an ASSUMPTION of the
#: live mode, gsomia.sim.delivery.live).
SPEED_DEFAULT = 20.0


def check_live_options(live: bool, *, share: str, delivery: str | None, speed: float) -> None:
    """Refuse option combinations that ``--live`` would silently override or ignore: exit 2
    (:func:`gsomia.cli._app.fail`) naming the option and its value.

    --live shares tracks only; --live is its own delivery (a --delivery given with it would be
    dropped); --speed paces --live only (without it, a --speed other than the default would
    be ignored).
    """
    if live and share != "tracks":
        fail(f"--live shares tracks only: leave out --share {share}")
    if live and delivery is not None:
        fail(f"--live is its own delivery (real servers on the wall clock): leave out "
             f"--delivery {delivery}")
    if not live and speed != SPEED_DEFAULT:
        fail(f"--speed={speed:g} paces --live only: add --live or leave out --speed")


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def print_live(live: dict[str, Any]) -> None:
    """Print a live run's ``live`` JSON member (``links``: per route, every delivery between
    any two nodes; ``warning_latency``: per route, one measured pair, gsomia.sim.delivery.live
    notes)."""
    for route, st in live["links"].items():
        console.print(f"live {route}: {st['delivered']} delivered, {st['lost']} lost, "
                      f"p50 {st['p50_ms']} ms, p99 {st['p99_ms']} ms (every message between "
                      "any two nodes: publish or TISA approval → partner node's subscriber, "
                      "wall clock)", highlight=False)
    _print_latency(live["warning_latency"])


def _print_latency(stats: dict[str, dict[str, Any]]) -> None:
    """The end-to-end warning latency of ``gsomia run --live`` (gsomia.sim.delivery.live notes)."""
    if not stats:
        return
    any_route = next(iter(stats.values()))
    table = Table(title=f"Warning latency: detection at a {any_route['origin']} radar → fused "
                  f"PIP at {any_route['at']}'s node (wall clock, ms; "
                  f"{any_route['origin']}'s track reports)", title_justify="left")
    for col in ("route", "timed from", "n", "p50", "p99", "max", "tracker step p50",
                "link p50", "fuse+PIP p50", "stale", "state mismatches"):
        table.add_column(col, justify="left" if col in ("route", "timed from") else "right")
    for route, st in stats.items():
        parts = list(st["parts_p50_ms"].values())
        table.add_row(route, "TISA approval" if st["from"] == "tisa_approval" else "detection",
                      str(st["n"]), _ms(st["p50_ms"]), _ms(st["p99_ms"]), _ms(st["max_ms"]),
                      *[_ms(v) for v in parts], str(st["stale"]),
                      str(st["state_mismatches"] + st["missing"] + st["extra"]))
    console.print(table)
    console.print("tisa_hub is timed from the originator's approval (the modelled approval "
                  "wait is left out); the part columns are each part's own median (they need "
                  "not add up to the total's p50; every part's p50/p99/max is in the JSON, "
                  "live.warning_latency.<route>.parts_ms); stale: older than the fuser's "
                  "max age on arrival (no PIP); scans handed to the tracker late by p50/max "
                  + ", ".join(f"{r} {_ms(st['handover_lag_ms']['p50_ms'])}/"
                              f"{_ms(st['handover_lag_ms']['max_ms'])} ms, load (1 min) "
                              "{load_1m_start}/{load_1m_end} on {cores} cores".format(
                                  **st["machine"]) for r, st in stats.items())
                  + " (the loop behind the compressed clock; not in the latency)", highlight=False)

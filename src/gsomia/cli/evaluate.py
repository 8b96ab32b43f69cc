"""``gsomia evaluate SCENARIO --party PARTY|all``: a party's radars through the tracker,
without any sharing, scored against the truth."""

from __future__ import annotations

import dataclasses
import math
from typing import Annotated

import typer
from rich.table import Table

from gsomia.cli._app import app, console, fail, guarded, print_json
from gsomia.sim.observe import observe as run_observe
from gsomia.sim.scenario import load_scenario
from gsomia.warning.areas import MaritimeZones
from gsomia.warning.tracking.metrics import GOSPA_C_MAX_M, EvaluationConfig, evaluate_run
from gsomia.warning.tracking.tracker import Tracker

__all__ = ["SEED_MAX", "evaluate_command"]

#: The largest ``--seed``: a scenario file's ``seed`` is a TOML integer (64-bit signed,
#: TOML 1.0.0 "Integer"), and NumPy's seeds are non-negative.
SEED_MAX = 2**63 - 1


@app.command("evaluate")
@guarded
def evaluate_command(
    scenario: Annotated[str, typer.Argument(metavar="SCENARIO", help="A packaged scenario "
                                            "name or a path to a scenario TOML file.")],
    party: Annotated[str, typer.Option("--party", help="ISO alpha-3 party whose sensors feed "
                                       "the tracker, or 'all' (every sensor: the upper bound "
                                       "of sharing).")] = "all",
    gospa_c_km: Annotated[float, typer.Option(
        "--gospa-c-km", help="GOSPA cut-off [km]: finite, > 0, <= 10000.")] = 10.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    seed: Annotated[int | None, typer.Option(
        "--seed", help="Seed of the random draws, 0 to 2**63 - 1 as a "
        "scenario file's seed (default: the scenario's own).")] = None,
) -> None:
    """Track a scenario's detections of one party (or all) and report the metrics.

    Per-launch times (first_confirmed_s, first_pip_within_50km_s) are seconds after that
    launch; lpe_time_error_s is the estimated minus the true launch time; pip_age_s is the age
    of the state whose PIP is read; distances in km; GOSPA in metres
    (α = 2, order 1, cut-off ``--gospa-c-km``) averaged on a 5-s grid from the first launch
    to the last impact, whatever the party's scans; areas at
    risk are the land, territorial sea and EEZ of Japan and Korea (Natural Earth land,
    ``gsomia.warning.areas``) holding the PIP of 60 s after burnout, with probabilities.

    JSON fields: scenario, party, seed (the one drawn with), detections, confirmed_tracks,
    spurious_tracks, track_swaps, gospa_mean_m (on a 5-s grid from first launch to last
    impact), gospa_c_m, gospa_p, launches[]: id, first_confirmed_s, lpe_error_km,
    lpe_time_error_s, lpe_semi_major_95_km, lpe_inside_95, pip_error_km_60s_after_burnout,
    pip_age_s_60s_after_burnout, first_pip_within_50km_s, true_impact_area, areas_at_risk
    (null where not reached); note (only for a party without sensors in the scenario).
    The launch-point estimate (LPE): lpe_error_km is the geodesic distance from the
    estimated to the true launch point [km], lpe_time_error_s the estimated minus the true
    launch time [s]; lpe_semi_major_95_km the semi-major axis [km] of the ellipse that holds
    the launch point with 95 % probability by the estimate's own covariance (χ², 2 degrees of
    freedom), and lpe_inside_95 whether the true launch point lies inside that ellipse (an
    error larger than the semi-major axis is always outside; a smaller one can be outside
    along the minor axis). The table marks an LPE whose ellipse misses the truth with "!".
    """
    c_max_km = GOSPA_C_MAX_M / 1e3
    if not (math.isfinite(gospa_c_km) and 0.0 < gospa_c_km <= c_max_km):
        fail(f"--gospa-c-km={gospa_c_km!r}: the GOSPA cut-off must be a finite number of km, "
             f"> 0 and <= {c_max_km:g}")
    if seed is not None and not 0 <= seed <= SEED_MAX:
        fail(f"--seed={seed}: a seed is an integer from 0 to 2**63 - 1")
    sc = load_scenario(scenario)
    if seed is not None:
        sc = dataclasses.replace(sc, seed=seed)
    wanted = party.upper()
    if wanted != "ALL" and wanted not in sc.parties:
        fail(f"--party={party!r}: not a party of {sc.name} (parties: {', '.join(sc.parties)}, "
             "or 'all')")
    note = None
    if wanted != "ALL" and not any(s.owner == wanted for s in sc.sensors):
        note = f"{wanted} has no sensor in {sc.name}: no detections, no tracks"
    obs = run_observe(sc)
    dets = [d for d in obs.detections if wanted == "ALL" or d.owner == wanted]
    tracker = Tracker()
    tracker.process(dets)
    result = {"scenario": sc.name, "party": "all" if wanted == "ALL" else wanted,
              "seed": sc.seed, "detections": len(dets)}
    if note:
        result["note"] = note
    result.update(evaluate_run(tracker, obs.flights,
                               EvaluationConfig(gospa_c_m=gospa_c_km * 1000.0),
                               MaritimeZones.from_natural_earth(("JPN", "KOR"))))
    if as_json:
        print_json(result)
        return
    console.print(f"[bold]{sc.title}[/] — party {result['party']}: {len(dets)} detections, "
                  f"{result['confirmed_tracks']} confirmed tracks, {result['spurious_tracks']} "
                  f"spurious, {result['track_swaps']} swaps, mean GOSPA "
                  f"{result['gospa_mean_m']} m", highlight=False)
    console.print(_launch_table(result["launches"]))
    _print_marks(result["launches"])
    if note:
        console.print(f"note: {note}", highlight=False)


def _launch_table(launches: list[dict]) -> Table:
    """The per-launch table of :func:`evaluate_command` (units in the headers; "!" after an
    LPE error whose 95 % ellipse misses the true launch point)."""
    table = Table("launch", "confirmed [s]", "LPE err [km]", "LPE 95 % semi-major [km]",
                  "PIP err +60 s [km]", "PIP < 50 km [s]", "areas at risk (PIP +60 s)")
    for item in launches:
        areas = item["areas_at_risk"]
        cells = [("—" if item[k] is None else f"{item[k]:.1f}") for k in (
            "first_confirmed_s", "lpe_error_km", "lpe_semi_major_95_km",
            "pip_error_km_60s_after_burnout", "first_pip_within_50km_s")]
        if item.get("lpe_inside_95") is False:
            cells[1] += " !"
        table.add_row(item["id"], *cells, "—" if areas is None else (", ".join(
            f"{a['party']} {a['zone']} {a['probability']:.0%}" for a in areas) or "none"))
    return table


def _print_marks(launches: list[dict]) -> None:
    """The legend of the "!" mark, printed only when a launch has it."""
    if any(item.get("lpe_inside_95") is False for item in launches):
        console.print("!: the true launch point is outside the LPE's 95 % ellipse",
                      highlight=False)

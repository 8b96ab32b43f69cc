"""Flying a scenario's launches (the trajectory fits) and the split of ``gsomia evaluate``.

Measures, per scenario, the CPU time of :func:`gsomia.sim.observe.fly_launches` (best of
``--repeat``), the number of launches and of distinct fits; with ``--split``, the CPU time of
each stage of ``gsomia evaluate SCENARIO --party all`` as the command runs them: load, fly
(:func:`fly_launches`), observe (the sensors, on the flown launches), track
(:class:`~gsomia.warning.tracking.tracker.Tracker`) and score
(:func:`~gsomia.warning.tracking.metrics.evaluate_run`).

No peer library flies our propulsion model; the comparison is with the code before a change:
run this script on both versions (it uses public functions only). ``--dump FILE.npz`` saves
every flown trajectory, and ``--compare A.npz B.npz`` reports how far two dumps differ.

Run: ``python benchmarks/bench_fly.py [SCENARIO ...] [--repeat 3] [--split] [--json]``
(defaults: 2017-03-06, stress-20 and benchmarks/scenarios/salvo-100-five-sites.toml).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from gsomia.sim.observe import fly_launches, observe
from gsomia.sim.scenario import load_scenario

HERE = Path(__file__).resolve().parent
DEFAULT_SCENARIOS = ("2017-03-06", "stress-20", str(HERE / "scenarios/salvo-100-five-sites.toml"))


def fly_time(name: str, repeat: int) -> dict:
    """Best CPU time [s] of flying scenario ``name`` over ``repeat`` runs, with counts."""
    sc = load_scenario(name)
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        flights = fly_launches(sc)
        best = min(best, time.process_time() - t0)
    distinct = {(s.lat_deg, s.lon_deg, s.alt_m, s.bearing_deg, s.range_m, s.apogee_m,
                 s.propulsion, s.missile, s.fit_tolerance, s.failure, s.impact_point)
                for s in sc.launches}
    return {"scenario": sc.name, "launches": len(flights), "distinct_fits": len(distinct),
            "fly_cpu_s": round(best, 3)}


def evaluate_split(name: str) -> dict:
    """CPU time [s] of each stage of ``gsomia evaluate NAME --party all`` (module notes)."""
    from gsomia.warning.areas import MaritimeZones
    from gsomia.warning.tracking.metrics import EvaluationConfig, evaluate_run
    from gsomia.warning.tracking.tracker import Tracker

    out: dict = {}
    t0 = time.process_time()
    sc = load_scenario(name)
    t1 = time.process_time()
    flights = fly_launches(sc)
    t2 = time.process_time()
    obs = observe(sc, flights)
    t3 = time.process_time()
    tracker = Tracker()
    tracker.process(list(obs.detections))
    t4 = time.process_time()
    evaluate_run(tracker, obs.flights, EvaluationConfig(gospa_c_m=10e3),
                 MaritimeZones.from_natural_earth(("JPN", "KOR")))
    t5 = time.process_time()
    for key, a, b in (("load", t0, t1), ("fly", t1, t2), ("observe", t2, t3),
                      ("track", t3, t4), ("score", t4, t5), ("total", t0, t5)):
        out[f"{key}_cpu_s"] = round(b - a, 3)
    out["detections"] = len(obs.detections)
    return out


def dump(names: list[str], path: str) -> None:
    """Save every flown trajectory of the scenarios ``names`` to ``path`` (npz)."""
    arrays = {}
    for name in names:
        sc = load_scenario(name)
        for f in fly_launches(sc):
            tr, key = f.trajectory, f"{sc.name}|{f.id}"
            arrays[f"{key}|t"], arrays[f"{key}|r"] = tr.t_s, tr.r_ecef_m
            arrays[f"{key}|fig"] = np.array([tr.range_m, tr.apogee_m, tr.impact_lat_deg,
                                             tr.impact_lon_deg, tr.burnout_s])
    np.savez(path, **arrays)


def compare(path_a: str, path_b: str) -> dict:
    """How far two dumps differ: bit-identical arrays, largest position difference [m] and
    largest range / apogee difference [m] (same keys and sample times required)."""
    a, b = np.load(path_a), np.load(path_b)
    if set(a.files) != set(b.files):
        raise SystemExit(f"different flights: {sorted(set(a.files) ^ set(b.files))[:5]}")
    same = sum(bool(np.array_equal(a[k], b[k])) for k in a.files)
    pos = max(float(np.max(np.abs(a[k] - b[k]))) for k in a.files if k.endswith("|r"))
    figs = max(float(np.max(np.abs(a[k][:2] - b[k][:2]))) for k in a.files
               if k.endswith("|fig"))
    return {"arrays": len(a.files), "bit_identical": same, "max_position_diff_m": pos,
            "max_range_apogee_diff_m": figs}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenarios", nargs="*", default=list(DEFAULT_SCENARIOS))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--split", action="store_true", help="also time each stage of evaluate")
    ap.add_argument("--dump", metavar="FILE.npz", help="save the flown trajectories")
    ap.add_argument("--compare", nargs=2, metavar=("A.npz", "B.npz"))
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if args.compare:
        print(json.dumps(compare(*args.compare)))
        return
    if args.dump:
        dump(args.scenarios, args.dump)
        return
    rows = []
    for name in args.scenarios:
        row = fly_time(name, args.repeat)
        if args.split:
            row["evaluate"] = evaluate_split(name)
        rows.append(row)
        if not args.json:
            print(json.dumps(row), flush=True)
    if args.json:
        print(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()

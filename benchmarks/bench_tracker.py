"""Our tracker vs Stone Soup's JPDA on the same detections of big salvos: speed and accuracy.

Run: ``python benchmarks/bench_tracker.py [--targets 10,20,50,100] [--scans K]
[--peer-budget B] [--peer-associator ehm2|pyehm2|ehm|lbp|gnn] [--ss-q Q] [--seed S]
[--scenario NAME ...] [--json]`` (defaults: K = 150 scans, B = 200 s per case, EHM2, Q =
3000 m²/s³, seed 18; about 5-7 min here). The figures of the last runs are in
``benchmarks/README.md``.

*Cases*: for each N of ``--targets``, a synthetic salvo written here (:func:`salvo_toml`):
N launches within 10 s (launch k at ``10 k / N`` s), taken in turn from five facilities of
``data/facilities.toml`` (Sohae, Sunan, Wonsan, Kusong, Sunchon, with the propulsion class,
bearing, range and apogee of ``benchmarks/scenarios/salvo-100-five-sites.toml``), each launch's
bearing spread ±5° and its range and apogee ±10 % by a generator seeded with ``seed + N``
(deterministic); the packaged sensors of the epoch's date (12 radars: resolution cells, Pd
0.9-0.95, 0.01-0.02 false alarms per scan). The flights are flown by our physics
(:func:`gsomia.sim.observe.observe`) and observed by our sensors; ``--scenario NAME`` adds a
scenario file or packaged name (e.g. ``2017-03-06``, ``stress-20``).

*Scans compared*: the first K scans (one radar at one time) from the first detection, the
same detections fed one scan at a time to both trackers, in the same order.

*Ours*: :class:`gsomia.warning.tracking.tracker.Tracker` with its defaults (public
``Tracker``/``TrackerConfig`` API only: ``step``, ``tracks``, ``snapshots``), run twice on
fresh trackers, the faster run counted. *Peer*: Stone Soup assembled from its stock
components as its documentation does (:mod:`tracker_peer` beside this file: JPDA with
Efficient Hypothesis Management 2 by default, Pd, clutter density and gate from our sensors
and tracker, same motion function and measurement model), run once in a child process that
is stopped after ``--peer-budget`` seconds (wall): then the report says it did not finish
and gives what it did in the budget (scans done, CPU per scan, its scores on those scans,
with ours on the same scans).

Reported per case: CPU time per scan (``time.process_time`` of the tracking alone, the
detections converted beforehand; the machine is shared, so CPU rather than wall time), the
ratio peer / ours (on the same scans), mean GOSPA over the scans (c = 10 km, p = 1, α = 2,
summed over targets as in ``gsomia evaluate``; the true set at a scan is the launches in
flight that some radar has already detected, so neither tracker pays for what no sensor
saw), and at the last scan: confirmed tracks (ever confirmed; the peer's tracks are those
its initiator released), launches with a track (a track follows the launch most of its
detections came from; a JPDA update counts its most probable detection) and spurious tracks
(confirmed tracks beyond one per launch: duplicates and tracks on false alarms).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

from bench_args import float_above, int_at_least
from gsomia.errors import InputError
from gsomia.sim.observe import observe
from gsomia.sim.scenario import load_scenario
from gsomia.warning.sensors import Radar
from gsomia.warning.tracking.metrics import gospa
from gsomia.warning.tracking.tracker import Tracker, TrackerConfig, scans
from tracker_peer import (
    PEER_ASSOCIATORS,
    TrackLabels,
    peer_config,
    peer_scans,
    peer_tracker,
)

GOSPA_C_M = 10_000.0
SALVO_SITES = (("sohae", 80.0, 1000.0, 250.0, "liquid-srbm"),
               ("sunan", 75.0, 600.0, 150.0, "liquid-srbm"),
               ("wonsan", 95.0, 400.0, 90.0, "solid-srbm"),
               ("kusong", 70.0, 800.0, 200.0, "solid-mrbm"),
               ("sunchon", 85.0, 350.0, 80.0, "solid-srbm"))
"""(facility, bearing [deg], range [km], apogee [km], propulsion) of the five salvo sites, as
in ``benchmarks/scenarios/salvo-100-five-sites.toml`` (synthetic, not facts)."""


def salvo_toml(n: int, seed: int) -> str:
    """A synthetic scenario of ``n`` launches within 10 s from five facilities (module notes)."""
    rng = np.random.default_rng(seed + n)
    lines = [f'name = "salvo-{n}"',
             f'title = "Synthetic: {n} launches within 10 s from five facilities"',
             "epoch = 2024-01-01T00:00:00Z", f"seed = {seed + n}",
             'parties = ["JPN", "KOR", "USA"]', 'sources = ["synthetic (bench_tracker.py)"]']
    for k in range(n):
        site, bearing, range_km, apogee_km, propulsion = SALVO_SITES[k % len(SALVO_SITES)]
        spread = 1.0 + 0.1 * (2.0 * rng.random() - 1.0)
        lines += ["", "[[launches]]", f'id = "S{k + 1:03d}"', f'site = "{site}"',
                  f"t_s = {10.0 * k / n:.3f}",
                  f"bearing_deg = {bearing + 5.0 * (2.0 * rng.random() - 1.0):.2f}",
                  f"range_km = {range_km * spread:.1f}", f"apogee_km = {apogee_km * spread:.1f}",
                  f'propulsion = "{propulsion}"', 'source = "synthetic"']
    return "\n".join(lines) + "\n"


def _cases(targets: list[int], extra: dict, seed: int, tmp: Path):
    for n in targets:
        path = tmp / f"salvo-{n}.toml"
        path.write_text(salvo_toml(n, seed))
        yield f"salvo-{n}", load_scenario(path)
    yield from extra.items()


def _truth_sets(obs, scan_list):
    """Per scan: the true positions of launches in flight already detected (module notes)."""
    first = {}
    for d in obs.detections:
        for tid in (d.merged_truth_ids or (d.truth_id,)):
            if tid is not None:
                first[tid] = min(first.get(tid, np.inf), d.t_s)
    out = []
    for t, _ in scan_list:
        pos = [f.position_at(t) for f in obs.flights
               if f.launch_s <= t <= f.impact_s and first.get(f.id, np.inf) <= t]
        out.append(np.array(pos).reshape(-1, 3))
    return out


def _counts(labels: list[str | None]) -> dict:
    """Confirmed, launches with a track, spurious, from the labels of confirmed tracks."""
    found = {x for x in labels if x is not None}
    return {"confirmed_tracks": len(labels), "launches_tracked": len(found),
            "spurious_tracks": len(labels) - len(found)}


def run_ours(scan_list, cfg: TrackerConfig, repeats: int = 2) -> dict:
    """Our tracker on ``scan_list``: CPU per scan, snapshots and confirmed-track labels."""
    best = np.inf
    for _ in range(repeats):
        tracker = Tracker(cfg)
        cpu = 0.0
        for _, scan in scan_list:
            t0 = time.process_time()
            tracker.step(scan)
            cpu += time.process_time() - t0
        best = min(best, cpu)
    positions = [np.asarray(s[2], dtype=float).reshape(-1, 3) for s in tracker.snapshots]
    labels = []
    for tr in tracker.tracks:
        if tr.confirmed:
            ids = Counter(d.truth_id for d in tr.detections if d.truth_id is not None)
            labels.append(ids.most_common(1)[0][0] if ids else None)
    return {"cpu_s": best, "positions": positions, "labels": labels,
            "scans_done": len(scan_list)}


def _peer_child(conn, ss_scans, truth, kind, q, gate_probability, gate, confirm) -> None:
    """Run the peer scan by scan; send (CPU so far, positions, labels) after each scan."""
    tracker = peer_tracker(ss_scans, kind, q, gate_probability, gate, confirm)
    labeller = TrackLabels(truth)
    ever: dict[str, str | None] = {}
    it = iter(tracker)
    cpu = 0.0
    for _ in ss_scans:
        t0 = time.process_time()
        _, tracks = next(it)
        cpu += time.process_time() - t0
        pos = np.array([np.asarray(tr.state_vector, float)[:3, 0] for tr in tracks])
        for tr in tracks:
            ever[tr.id] = labeller.label(tr)
        conn.send((cpu, pos.reshape(-1, 3), list(ever.values())))
    conn.send(None)
    conn.close()


def run_peer(ss_scans, truth, kind: str, q: float, cfg: TrackerConfig,
             budget_s: float) -> dict:
    """The peer in a child process (fork), stopped after ``budget_s`` of wall time."""
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_peer_child, daemon=True,
                       args=(child, ss_scans, truth, kind, q, cfg.gate_probability,
                             cfg.gate_threshold, cfg.confirm_hits))
    start = time.perf_counter()
    proc.start()
    child.close()
    cpu, positions, labels, finished, error = 0.0, [], [], False, None
    while True:
        left = budget_s - (time.perf_counter() - start)
        if left <= 0 or not parent.poll(left):
            break
        try:
            msg = parent.recv()
        except EOFError:
            error = f"peer process ended with exit code {proc.exitcode}"
            break
        if msg is None:
            finished = True
            break
        cpu, pos, labels = msg
        positions.append(pos)
    wall = time.perf_counter() - start
    if proc.is_alive():
        proc.terminate()
    proc.join()
    return {"cpu_s": cpu, "positions": positions, "labels": labels, "finished": finished,
            "scans_done": len(positions), "wall_s": round(wall, 1), "error": error}


def _summary(res: dict, truths) -> dict:
    k = res["scans_done"]
    vals = [gospa(p, y, GOSPA_C_M, 1.0) for p, y in zip(res["positions"][:k], truths[:k],
                                                          strict=True)]
    out = {"scans_done": k, "cpu_s": round(res["cpu_s"], 3),
           "ms_per_scan": round(1e3 * res["cpu_s"] / k, 2) if k else None,
           "gospa_mean_m": round(float(np.mean(vals)), 1) if vals else None}
    return out | _counts(res["labels"])


def run_case(name: str, scenario, n_scans: int, kind: str, q: float, budget_s: float) -> dict:
    """One case (module notes): both trackers on the first ``n_scans`` scans."""
    t0 = time.process_time()
    obs = observe(scenario)
    sim_cpu = time.process_time() - t0
    all_scans = [(s[0].t_s, list(s)) for s in scans(obs.detections)]
    scan_list = all_scans[:n_scans]
    truths = _truth_sets(obs, scan_list)
    radars = {s.id: s for s in scenario.sensors if isinstance(s, Radar)}
    cfg = TrackerConfig()
    ours = _summary(run_ours(scan_list, cfg), truths)
    ss_scans, truth = peer_scans(scan_list, radars)
    peer_res = run_peer(ss_scans, truth, kind, q, cfg, budget_s)
    peer = _summary(peer_res, truths) | {"finished": peer_res["finished"],
                                         "wall_s": peer_res["wall_s"],
                                         "error": peer_res["error"]}
    out = {"case": name, "launches": len(obs.flights), "radars": len(radars),
           "detections_in_scans": sum(len(s) for _, s in scan_list),
           "scans": len(scan_list), "t_first_s": scan_list[0][0] if scan_list else None,
           "t_last_s": scan_list[-1][0] if scan_list else None,
           "observe_cpu_s": round(sim_cpu, 2), "ours": ours, "peer": peer,
           "peer_budget_s": budget_s}
    k = peer["scans_done"]
    if 0 < k < len(scan_list):     # the peer stopped early: ours on the same scans too
        out["ours_on_peer_scans"] = _summary(run_ours(scan_list[:k], cfg, repeats=1), truths)
    same = out.get("ours_on_peer_scans", ours)   # the ratio compares the same scans
    if same["ms_per_scan"] and peer["ms_per_scan"]:
        out["speed_ratio"] = round(peer["ms_per_scan"] / same["ms_per_scan"], 1)
    return out


def ours_config(cfg: TrackerConfig) -> dict:
    """Our tracker's settings that the comparison depends on."""
    return {"tracker": "gsomia Tracker (defaults: IMM ballistic + powered + thrust EKFs, "
                       "GNN checked by belief-propagation marginals with a JPDA update of "
                       "ambiguous pairs, two-point initiation, M-of-N confirmation)",
            "gate_probability": cfg.gate_probability, "confirm_hits": cfg.confirm_hits,
            "max_coast_s": cfg.max_coast_s,
            "thrust_accelerations_m_s2": list(cfg.thrust_accelerations_m_s2),
            "update_min_probability": cfg.update_min_probability}


def _line(name: str, x: dict) -> str:
    ms = "-" if x["ms_per_scan"] is None else f"{x['ms_per_scan']:.1f}"
    g = "-" if x["gospa_mean_m"] is None else f"{x['gospa_mean_m'] / 1e3:.2f}"
    return (f"  {name:22s} {x['scans_done']:4d} scans {ms:>8s} ms/scan  GOSPA {g:>6s} km  "
            f"confirmed {x['confirmed_tracks']:4d}  launches tracked "
            f"{x['launches_tracked']:4d}  spurious {x['spurious_tracks']:4d}")


def _print(results: list[dict], meta: dict) -> None:
    for r in results:
        print(f"{r['case']}: {r['launches']} launches, {r['scans']} scans "
              f"(t = {r['t_first_s']:.0f}-{r['t_last_s']:.0f} s), "
              f"{r['detections_in_scans']} detections")
        print(_line("ours", r["ours"]))
        p = r["peer"]
        print(_line(f"Stone Soup {meta['peer_associator']}", p))
        if not p["finished"]:
            why = p["error"] or f"did not finish within {r['peer_budget_s']:g} s"
            print(f"  peer: {why} ({p['scans_done']} of {r['scans']} scans done)")
        if "ours_on_peer_scans" in r:
            print(_line("ours, same scans", r["ours_on_peer_scans"]))
        if "speed_ratio" in r:
            print(f"  CPU per scan, Stone Soup / ours (same scans): {r['speed_ratio']}x")


def _targets(text: str) -> list[int]:
    """argparse type of ``--targets``: comma-separated launch counts, each ≥ 1."""
    try:
        targets = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not comma-separated integers: {text!r}") from None
    if any(n < 1 for n in targets):
        raise argparse.ArgumentTypeError(f"each N must be ≥ 1, got {text!r}")
    return targets


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The command line (module notes); exit 2 naming the argument and the value for a bad
    or unknown one. ``--scenario`` files or names are loaded here, before any case runs
    (``a.scenarios``: name → scenario)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--targets", type=_targets, default=[10, 20, 50, 100],
                    help="launches per synthetic salvo, comma-separated (default "
                         "10,20,50,100; '' for none)")
    ap.add_argument("--scans", type=int_at_least(1), default=150,
                    help="scans compared per case (≥ 1, default 150)")
    ap.add_argument("--peer-budget", type=float_above(0.0),
                    default=200.0, help="wall seconds the peer may take per case "
                                        "(> 0, default 200)")
    ap.add_argument("--peer-associator", choices=PEER_ASSOCIATORS, default="ehm2",
                    help="Stone Soup's data associator (default ehm2)")
    ap.add_argument("--ss-q", type=float_above(0.0), default=3000.0,
                    help="the peer's process noise, m²/s³ (> 0, default 3000)")
    ap.add_argument("--seed", type=int, default=18, help="salvo generator seed (default 18)")
    ap.add_argument("--scenario", action="append", default=[],
                    help="also a scenario file or packaged name (repeatable)")
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    a = ap.parse_args(argv)
    a.scenarios = {}
    for name in a.scenario:
        try:
            a.scenarios[name] = load_scenario(name)
        except InputError as exc:
            ap.error(f"argument --scenario: {exc}")
    if not a.targets and not a.scenarios:
        ap.error("argument --targets: no case to run (empty, and no --scenario)")
    return a


def main(argv: list[str]) -> int:
    a = parse_args(argv)
    targets = a.targets
    cfg = TrackerConfig()
    meta = {"peer_associator": a.peer_associator, "scans": a.scans,
            "peer_budget_s": a.peer_budget, "seed": a.seed,
            "peer_config": peer_config(a.peer_associator, a.ss_q, cfg.gate_probability,
                                       cfg.gate_threshold, cfg.confirm_hits),
            "ours_config": ours_config(cfg),
            "accuracy": f"GOSPA c = {GOSPA_C_M:g} m, p = 1, alpha = 2, mean over the scans; "
                        "truth: launches in flight already detected"}
    results = []
    if not a.json:
        print("peer: " + "; ".join(f"{k} {v}" for k, v in meta["peer_config"].items()))
        print("ours: " + "; ".join(f"{k} {v}" for k, v in meta["ours_config"].items()))
        print(f"accuracy: {meta['accuracy']}")
    with tempfile.TemporaryDirectory() as tmp:
        for name, scenario in _cases(targets, a.scenarios, a.seed, Path(tmp)):
            results.append(run_case(name, scenario, a.scans, a.peer_associator, a.ss_q,
                                    a.peer_budget))
            if not a.json:
                _print(results[-1:], meta)
                sys.stdout.flush()
    if a.json:
        print(json.dumps({"meta": meta, "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Areas at risk: the prepared zones (:meth:`MaritimeZones.zones`) against the plain rule
(:meth:`MaritimeZones.zones_reference`: land clipped and projected at each call, unprepared
shapely distances) on the PIPs a run really scores.

The inputs are every :func:`gsomia.sim.scoring.knows_area` call of a planned run of the
scenario (PIP, samples per call), captured once into a pickle. Each call's samples are drawn
once (seeded) and both paths classify the same points; the two are timed alternately,
``--repeats`` times, and the median per call of each and their ratio are printed, with the
number of points whose (country, zone) differ (must be 0: both give the same cells, which is
the accuracy compared).

"First pass" is as one run meets them: Numba already initialised (a run has loaded its PIP
kernels before it scores an area; the zones' own compiled Vincenty kernels are loaded from
Numba's disk cache during the pass), the zones' k-d trees and prepared land built once
(``prepare``, timed on its own and printed, and counted once more in the "with prepare"
ratio), the grid cells built on the way.

    python benchmarks/bench_areas.py [--scenario 2017-03-06] [--inputs /tmp/areas.pkl]
"""

from __future__ import annotations

import argparse
import os
import pickle
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from bench_args import int_at_least


def capture(scenario: str, path: str) -> None:
    import gsomia.sim.knowledge as knowledge
    from gsomia.sim.config import RunConfig
    from gsomia.sim.delivery.planned import planned
    from gsomia.sim.run import run_scenario
    from gsomia.sim.scenario import load_scenario

    calls = []
    orig = knowledge.knows_area

    def spy(pip, truth, zones, probability, n_samples):
        calls.append((pip, n_samples))
        return orig(pip, truth, zones, probability, n_samples)

    knowledge.knows_area = spy
    try:
        run_scenario(load_scenario(scenario), RunConfig(routes=("none", "direct")),
                     delivery=planned)
    finally:
        knowledge.knows_area = orig
    with open(path, "wb") as fh:
        pickle.dump(calls, fh)


def samples(pip, n: int, seed: int) -> np.ndarray:
    w, v = np.linalg.eigh(0.5 * (pip.cov_en_m2 + pip.cov_en_m2.T))
    return np.random.default_rng(seed).standard_normal((n, 2)) * np.sqrt(np.maximum(w, 0)) @ v.T


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line; exit 2 naming the argument and the value for a bad or unknown one
    (an unknown ``--scenario`` too, before anything runs)."""
    from gsomia.errors import InputError
    from gsomia.sim.scenario import resolve_scenario_path

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].replace("\n", " "))
    ap.add_argument("--scenario", default="2017-03-06",
                    help="scenario file or packaged name (default 2017-03-06)")
    ap.add_argument("--inputs", default=None, help="pickle of captured calls (made if absent)")
    ap.add_argument("--repeats", type=int_at_least(1), default=3,
                    help="timed runs of each side (≥ 1, default 3)")
    args = ap.parse_args(argv)
    try:
        resolve_scenario_path(args.scenario)
    except InputError as exc:
        ap.error(f"argument --scenario: {exc}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from gsomia.sim.scoring import load_zones

    path = args.inputs or f"/tmp/bench_areas_{Path(args.scenario).stem}.pkl"
    if not os.path.exists(path):
        capture(args.scenario, path)
    with open(path, "rb") as fh:
        calls = pickle.load(fh)
    import numba

    numba.njit(lambda: 0)()        # as in a run: Numba is up before the first area
    zones = load_zones()
    points = [(pip, samples(pip, n, i)) for i, (pip, n) in enumerate(calls)]
    times: dict[str, list[float]] = {"zones_reference": [], "zones": []}
    out: dict[str, list] = {}
    first = 0.0
    t0 = time.process_time()
    zones.prepare()
    prepare = time.process_time() - t0
    for rep in range(args.repeats):
        for name in times:
            f = getattr(zones, name)
            t0 = time.process_time()
            out[name] = [f(p.lat_deg, p.lon_deg, en[:, 0], en[:, 1], every_country=True)
                         for p, en in points]
            times[name].append((time.process_time() - t0) / len(points))
            if rep == 0 and name == "zones":
                first = times[name][-1]   # trees and grid cells built on the way
    differ = sum(int(np.sum((a[0] != b[0]) | (a[1] != b[1])))
                 for a, b in zip(out["zones_reference"], out["zones"], strict=True))
    n_pts = sum(len(en) for _, en in points)
    ref, fast = (statistics.median(times[k]) for k in ("zones_reference", "zones"))
    with_prep = first + prepare / len(points)
    print(f"{len(points)} calls, {n_pts} points ({args.scenario}), {args.repeats} repeats, "
          f"A/B alternated, CPU time (time.process_time)")
    print(f"peer: MaritimeZones.zones_reference (the plain rule: every country's land clipped "
          f"to the call's reach, projected with pymap3d Vincenty, unprepared shapely "
          f"distances per call) median {ref * 1e3:.2f} ms CPU/call")
    print(f"ours: MaritimeZones.zones (grid-cell then per-point k-d tree bounds, exact "
          f"distances near the undecided points, compiled Vincenty) median "
          f"{fast * 1e3:.2f} ms CPU/call; first pass (grid cells built on the way) "
          f"{first * 1e3:.2f} ms CPU/call; prepare (k-d trees, prepared land; once per "
          f"zones) {prepare * 1e3:.0f} ms CPU")
    print(f"accuracy: cells differing from the peer's {differ} of {n_pts} (both exact: 0 is "
          f"required)")
    print(f"ratio {ref / fast:.1f}x (first pass {ref / first:.1f}x, first pass with prepare "
          f"{ref / with_prep:.1f}x); load average {os.getloadavg()[0]:.2f}")
    return int(differ > 0)


if __name__ == "__main__":
    sys.exit(main())

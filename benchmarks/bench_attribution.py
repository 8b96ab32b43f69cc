"""Attribution's re-scoring: shared caches vs the plain re-scoring, on the same run.

Input: a run of a packaged scenario (default ``2017-03-06``, planned delivery). Both sides
re-score every coalition variant of the attribution (each sharing route without one
partner's items, :func:`gsomia.sim.attribution.variant_deliveries`) and an 11-point TISA
approval-delay sweep, for every party:

- ours: :func:`gsomia.sim.attribution.rescore` of every variant in one call (fused
  pictures, PIPs and area tests shared by content, only open figures evaluated);
- peer: :func:`gsomia.sim.knowledge.measure` of every variant in one call with a plain
  :class:`~gsomia.sim.pictures.FusedPictures` (no cache, every picture on the grid, as
  before the caches).

Both must give the same four figures for every variant (checked); prints CPU seconds
(``time.process_time``, medians of ``--repeat``) and the ratio.

    python benchmarks/bench_attribution.py [--scenario 2017-03-06] [--repeat 1]
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time

from gsomia.sharing import load_catalog
from gsomia.sim.attribution import rescore, variant_deliveries
from gsomia.sim.config import RunConfig
from gsomia.sim.delivery.plan import NONE, plan_routes
from gsomia.sim.delivery.planned import deliver_planned, planned
from gsomia.sim.knowledge import METRICS, measure
from gsomia.sim.pictures import FusedPictures
from gsomia.sim.run import run_scenario
from gsomia.sim.scenario import load_scenario
from gsomia.sim.scoring import load_zones, true_area


def _groups(r):
    """The variant groups: coalitions of every sharing route, and the TISA sweep."""
    coalitions = {f"{route}-{p}": variant_deliveries(r.deliveries[route], {p})
                  for route in r.config.routes if route != NONE for p in r.scenario.parties}
    sweep = {}
    for d in range(0, 601, 60):
        rc = dataclasses.replace(r.config.route, approval_delay_s=float(d))
        plan = plan_routes(r.scenario, load_catalog(), rc, (NONE, "tisa_hub"))["tisa_hub"]
        sweep[f"tisa@{d}"] = deliver_planned(r.warnings, plan)
    return {**coalitions, **sweep}


def _peer(r, deliveries, zones):
    areas = {f.id: true_area(f, zones) for f in r.flights}
    cfg = dataclasses.replace(r.config, pip_tail_interval_s=1e9)
    object.__setattr__(cfg, "routes", tuple(deliveries))
    src = FusedPictures(r.scenario.parties, cfg, r.trackers, r.warnings, deliveries)
    return measure(r.scenario.parties, r.observation, cfg, r.trackers, deliveries, src,
                   zones, areas)


def _figures(know):
    return {(lid, p, v, m): getattr(k, m) for lid, ps in know.items() for p, vs in ps.items()
            for v, k in vs.items() for m in METRICS}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="2017-03-06")
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    zones = load_zones()
    r = run_scenario(load_scenario(args.scenario), RunConfig(), delivery=planned,
                     zones=zones)
    variants = _groups(r)
    parties = list(r.scenario.parties)
    ours_s, peer_s = [], []
    for _ in range(args.repeat):
        c = time.process_time()
        ours = rescore(r, variants, parties, zones)
        ours_s.append(time.process_time() - c)
        c = time.process_time()
        peer = _peer(r, variants, zones)
        peer_s.append(time.process_time() - c)
    fo, fp = _figures(ours), _figures(peer)
    differ = sum(fo.get(k) != fp.get(k) for k in set(fo) | set(fp))
    o, p = statistics.median(ours_s), statistics.median(peer_s)
    print(f"{args.scenario}: {len(variants)} variants, {len(parties)} parties, CPU time "
          f"(time.process_time), median of {args.repeat}")
    print("ours: gsomia.sim.attribution.rescore, every variant in one call (fused pictures, "
          "PIPs and area tests shared by content, only open figures evaluated)")
    print("peer: gsomia.sim.knowledge.measure of every variant in one call, plain "
          "FusedPictures (no cache, every picture on the grid), same run and zones")
    print(f"accuracy: figures ({', '.join(METRICS)}) differing between ours and the peer: "
          f"{differ} of {len(fp)} (0 required)")
    print(f"ours (shared caches) {o:.2f} s CPU; peer (plain re-scoring) {p:.2f} s CPU; "
          f"peer/ours {p / o:.2f}")
    assert differ == 0, "cached re-scoring differs from the plain one"


if __name__ == "__main__":
    main()

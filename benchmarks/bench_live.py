"""The live warning path (issue 19 part 3): the measuring node's fusion against the previous
code, and the end-to-end latency of ``gsomia run 2017-03-06 --live --routes direct``.

1. **Fusion** (CPU, this process): :meth:`gsomia.warning.fusion.TrackFuser.fuse` on a
   seeded picture like the live one (``--objects`` objects seen by JPN, KOR and USA, each
   report 0-20 s old) against the code before (kept here as the peer): each source's
   estimates predicted by its own :meth:`~gsomia.warning.fusion.TrackFuser.predict` call,
   and the covariance-intersection weight found by :func:`scipy.optimize.minimize_scalar`
   (bounded, ``xatol`` 1e-6) evaluating ``tr inv(ω Ia + (1 − ω) Ib)``. Accuracy: the
   largest difference of the fused states (relative) and of the fused traces between the
   two; ours minimises the trace to 1e-12 in ω, the peer to Brent's 1e-6.
2. **End to end** (``--e2e N``): the acceptance command run N times one after the other;
   for each, the ``live`` block's direct p50/p99/max, the p50 and p99 of every part
   (:data:`gsomia.sim.delivery.live.PARTS`) and the machine's load average at the start
   and end of the route (the latency is wall time: on a machine loaded past its cores it
   shows in the p99).

    python benchmarks/bench_live.py [--objects 4] [--repeat 5] [--e2e 3] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from scipy.optimize import minimize_scalar

from bench_args import int_at_least
from gsomia.physics.geodesy import geodetic2ecef
from gsomia.warning.fusion import (
    FusedTrack,
    FusionConfig,
    TrackFuser,
    TrackReport,
    associate,
    latest_reports,
)
from gsomia.warning.tracking.predict import symmetrise


def picture(rng: np.random.Generator, objects: int) -> tuple[list, list]:
    """JPN's own reports and the partners' (KOR, USA) of ``objects`` objects at t = 100 s."""
    truth = [np.concatenate((geodetic2ecef(38 + rng.uniform(-2, 2), 133 + rng.uniform(-2, 2),
                                           rng.uniform(5e4, 3e5)), rng.normal(size=3) * 1500))
             for _ in range(objects)]
    own, received = [], []
    for who in ("JPN", "KOR", "USA"):
        for k, x in enumerate(truth):
            noisy = x + rng.normal(size=6) * np.array([300.0] * 3 + [10.0] * 3)
            P = np.diag(list(rng.uniform(1e4, 1e5, 3)) + list(rng.uniform(10, 100, 3)))
            rep = TrackReport(who, str(k), 1, 100.0 - rng.uniform(0, 20), noisy, P)
            (own if who == "JPN" else received).append(rep)
    return own, received


def _peer_ci(xa, Pa, xb, Pb):
    Ia, Ib = np.linalg.inv(symmetrise(Pa)), np.linalg.inv(symmetrise(Pb))

    def cost(w):
        return float(np.trace(np.linalg.inv(w * Ia + (1.0 - w) * Ib)))

    res = minimize_scalar(cost, bounds=(0.0, 1.0), method="bounded", options={"xatol": 1e-6})
    cands = [(cost(0.0), 0.0), (cost(1.0), 1.0)]
    if res.success and np.isfinite(res.fun):
        cands.append((float(res.fun), float(res.x)))
    _, w = min(cands)
    P = symmetrise(np.linalg.inv(w * Ia + (1.0 - w) * Ib))
    return P @ (w * Ia @ xa + (1.0 - w) * Ib @ xb), P


def peer_fuse(fuser: TrackFuser, t_s: float, own, received) -> list[FusedTrack]:
    """The fusion before issue 19 part 3 (module notes)."""
    cfg = fuser.config
    fresh = [r for r in latest_reports(received, own=fuser.party)
             if t_s - cfg.max_age_s <= r.t_s <= t_s]
    own = [r for r in latest_reports(own) if t_s - cfg.max_age_s <= r.t_s <= t_s]
    out: list[FusedTrack] = []
    if own:
        st = fuser.predict(own, t_s)
        out = [FusedTrack(t_s, st.x[i], st.P[i], (r.key,)) for i, r in enumerate(own)]
    for who in sorted({r.originator for r in fresh}):
        theirs = [r for r in fresh if r.originator == who]
        st = fuser.predict(theirs, t_s)
        pairs = associate(np.stack([f.x for f in out]), np.stack([f.P for f in out]),
                          st.x, st.P, cfg.gate_probability) if out else []
        matched = set()
        for i, j in pairs:
            x, P = _peer_ci(out[i].x, out[i].P, st.x[j], st.P[j])
            out[i] = FusedTrack(t_s, x, P, out[i].sources + (theirs[j].key,))
            matched.add(j)
        out += [FusedTrack(t_s, st.x[j], st.P[j], (theirs[j].key,))
                for j in range(len(theirs)) if j not in matched]
    return out


def bench_fusion(objects: int, repeat: int) -> dict:
    fuser = TrackFuser("JPN", FusionConfig())
    own, received = picture(np.random.default_rng(19), objects)
    ours, peer = [], []
    for _ in range(repeat):   # interleaved, so that load hits both alike
        for fn, times in ((fuser.fuse, ours), (lambda *a: peer_fuse(fuser, *a), peer)):
            t0 = time.process_time()
            for _ in range(20):
                got = fn(100.0, own, received)
            times.append((time.process_time() - t0) / 20)
    a, b = fuser.fuse(100.0, own, received), peer_fuse(fuser, 100.0, own, received)
    assert [f.sources for f in a] == [f.sources for f in b]
    pairs = list(zip(a, b, strict=True))
    dx = max(float(np.max(np.abs(p.x - q.x) / (1.0 + np.abs(q.x)))) for p, q in pairs)
    dtr = max(float((np.trace(p.P) - np.trace(q.P)) / np.trace(q.P)) for p, q in pairs)
    return {"objects": objects, "tracks_fused": len(got), "ours_ms": 1e3 * np.median(ours),
            "peer_ms": 1e3 * np.median(peer), "ratio": np.median(peer) / np.median(ours),
            "max_rel_state_diff": dx, "max_rel_trace_excess_ours": dtr}


def bench_e2e(runs: int) -> list[dict]:
    out = []
    for k in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "l.json")
            gsomia = os.path.join(os.path.dirname(sys.executable), "gsomia")
            subprocess.run([gsomia, "run", "2017-03-06", "--live",
                            "--routes", "direct", "--json-out", path], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            with open(path) as f:
                st = json.load(f)["live"]["warning_latency"]["direct"]
        out.append({"run": k + 1, "n": st["n"], "p50_ms": st["p50_ms"], "p99_ms": st["p99_ms"],
                    "max_ms": st["max_ms"], "machine": st.get("machine", {}),
                    "stale": st["stale"], "unfused": st["unfused"],
                    "state_mismatches": st["state_mismatches"],
                    "parts_ms": {p: [v["p50_ms"], v["p99_ms"]]
                                 for p, v in st["parts_ms"].items()}})
    return out


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line; exit 2 naming the argument and the value for a bad or unknown one."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].replace("\n", " "))
    ap.add_argument("--objects", type=int_at_least(1), default=4,
                    help="objects seen by every source in the fusion case (≥ 1, default 4)")
    ap.add_argument("--repeat", type=int_at_least(1), default=5,
                    help="runs of each side; CPU medians reported (≥ 1, default 5)")
    ap.add_argument("--e2e", type=int_at_least(0), default=0,
                    help="runs of the acceptance command (≥ 0, default 0: none)")
    ap.add_argument("--json", action="store_true", help="print the report as JSON")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    doc = {"peer": "fusion before issue 19 part 3: per-source predict, Brent CI weight "
                   "(scipy minimize_scalar bounded, xatol 1e-6), in this script",
           "fusion": bench_fusion(args.objects, args.repeat)}
    if args.e2e:
        doc["e2e"] = bench_e2e(args.e2e)
    if args.json:
        print(json.dumps(doc, indent=1, default=float))
        return
    f = doc["fusion"]
    print(f"peer: {doc['peer']}")
    print(f"fusion of {f['objects']} objects x 3 parties ({f['tracks_fused']} fused tracks), "
          f"CPU median of {args.repeat}: ours {f['ours_ms']:.2f} ms, peer {f['peer_ms']:.2f} ms,"
          f" ratio {f['ratio']:.1f}x; max relative state difference "
          f"{f['max_rel_state_diff']:.1e}, ours' trace above the peer's by at most "
          f"{f['max_rel_trace_excess_ours']:.1e} (relative)")
    for r in doc.get("e2e", []):
        m = r["machine"]
        print(f"e2e run {r['run']}: n {r['n']} (stale {r['stale']}, unfused {r['unfused']}, "
              f"state mismatches {r['state_mismatches']}) p50 {r['p50_ms']} p99 {r['p99_ms']} max "
              f"{r['max_ms']} ms; load (1 min) {m.get('load_1m_start')}/{m.get('load_1m_end')} "
              f"on {m.get('cores')} cores (switch interval {m.get('switch_interval_s')} s); "
              "parts p50/p99: "
              + ", ".join(f"{p} {a}/{b}" for p, (a, b) in r["parts_ms"].items()))


if __name__ == "__main__":
    main()

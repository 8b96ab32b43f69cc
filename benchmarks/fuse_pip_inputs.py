"""Real inputs of the fusion and PIP path on a scenario, and a check that two versions of the
code give the same fused pictures and PIPs on them.

``capture`` runs the scenario with the planned delivery and records every
:meth:`TrackFuser.fuse` call (fusion time, own reports, received reports) and every
:func:`predict_impact` batch (times, states, covariances), as the run makes them.

    python benchmarks/fuse_pip_inputs.py capture /tmp/inputs.pkl [--scenario 2017-03-06]
    python benchmarks/fuse_pip_inputs.py outputs /tmp/inputs.pkl /tmp/out.pkl
    python benchmarks/fuse_pip_inputs.py compare /tmp/out_old.pkl /tmp/out_new.pkl

``outputs`` evaluates the recorded inputs with the code on ``sys.path`` (run it once with
an older checkout first on ``PYTHONPATH`` to compare versions) and records which code that
was (the package's directory, version and git commit) and its fusion and PIP times;
``compare`` prints both versions' code and times (the "peer" here is the other version),
their ratios, and the largest differences of the fused states (absolute and relative to the
covariance scale) and of the PIPs (metres on the ground, seconds, covariance): the accuracy
of one against the other. ``compare --json`` prints the same as JSON.
"""

from __future__ import annotations

import argparse
import json
import pickle
import subprocess
import sys
import time
from pathlib import Path

import numpy as np


def capture(scenario: str, path: str) -> None:
    import gsomia.sim.knowledge as knowledge_mod
    from gsomia.sim.config import RunConfig
    from gsomia.sim.delivery.planned import planned
    from gsomia.sim.run import run_scenario
    from gsomia.sim.scenario import load_scenario
    from gsomia.warning.fusion import TrackFuser

    fuses: list = []
    pips: list = []
    orig_fuse = TrackFuser.fuse
    orig_pip = knowledge_mod.predict_impact

    def fuse(self, t_s, own, received):
        received = list(received)
        fuses.append((self.party, t_s, [_rep(r) for r in own], [_rep(r) for r in received]))
        return orig_fuse(self, t_s, own, received)

    def predict(states, earth=None, step_s=2.0, **kw):
        pips.append((states.t_s, states.x.copy(), states.P.copy(), step_s))
        return orig_pip(states, earth, step_s=step_s, **kw)

    TrackFuser.fuse = fuse
    knowledge_mod.predict_impact = predict
    try:
        run_scenario(load_scenario(scenario), RunConfig(routes=("none", "direct")),
                     delivery=planned)
    finally:
        TrackFuser.fuse = orig_fuse
        knowledge_mod.predict_impact = orig_pip
    with open(path, "wb") as fh:
        pickle.dump({"scenario": scenario, "fuses": fuses, "pips": pips}, fh)
    print(f"{len(fuses)} fuse calls, {len(pips)} PIP batches "
          f"({sum(len(p[1]) for p in pips)} states) -> {path}")


def _rep(r):
    return (r.originator, r.track_id, r.update, r.t_s, r.x.copy(), r.P.copy())


def load(path: str) -> dict:
    with open(path, "rb") as fh:
        return pickle.load(fh)


def reports(rows):
    from gsomia.warning.fusion import TrackReport

    return [TrackReport(*row) for row in rows]


def code_identity() -> dict:
    """Which gsomia evaluated: its directory, version and (if in a git work tree) commit."""
    import gsomia

    where = Path(gsomia.__file__).resolve().parent
    try:
        commit = subprocess.run(["git", "-C", str(where), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, timeout=10).stdout.strip()
    except OSError:
        commit = ""
    return {"gsomia": str(where), "version": gsomia.__version__, "commit": commit or "?"}


def outputs(inp: str, out: str) -> None:
    from gsomia.warning.fusion import TrackFuser
    from gsomia.warning.tracking.impact import predict_impact
    from gsomia.warning.tracking.states import GaussianStates

    data = load(inp)
    fusers: dict = {}
    pictures = []
    t0 = time.perf_counter()
    for party, t, own, rec in data["fuses"]:
        fuser = fusers.setdefault(party, TrackFuser(party))
        pictures.append([(f.x, f.P, f.sources)
                         for f in fuser.fuse(t, reports(own), reports(rec))])
    t1 = time.perf_counter()
    pips = []
    for t, x, P, step in data["pips"]:
        pips.append([(p.impact_s, p.impact_sigma_s, p.lat_deg, p.lon_deg, p.cov_en_m2, p.valid)
                     for p in predict_impact(GaussianStates(t, x, P), step_s=step)])
    t2 = time.perf_counter()
    with open(out, "wb") as fh:
        pickle.dump({"pictures": pictures, "pips": pips, "code": code_identity(),
                     "fuse_s": t1 - t0, "pip_s": t2 - t1}, fh)
    print(f"fuse {t1 - t0:.2f} s ({len(pictures)} calls), PIP {t2 - t1:.2f} s "
          f"({len(pips)} batches) by {code_identity()} -> {out}")


def compare(a_path: str, b_path: str, as_json: bool = False) -> int:
    from gsomia.physics.geodesy import geodesic_inverse

    a, b = load(a_path), load(b_path)
    bad = 0
    dx = dxr = dP = 0.0
    for pa, pb in zip(a["pictures"], b["pictures"], strict=True):
        if [f[2] for f in pa] != [f[2] for f in pb]:
            bad += 1
            continue
        for (xa, Pa, _), (xb, Pb, _) in zip(pa, pb, strict=True):
            dx = max(dx, float(np.max(np.abs(xa - xb))))
            sig = np.sqrt(np.diag(Pa))
            dxr = max(dxr, float(np.max(np.abs(xa - xb) / sig)))
            dP = max(dP, float(np.max(np.abs(Pa - Pb) / np.sqrt(np.outer(np.diag(Pa),
                                                                          np.diag(Pa))))))
    dm = dt = dsig = dcov = 0.0
    valid_diff = 0
    for qa, qb in zip(a["pips"], b["pips"], strict=True):
        for ia, ib in zip(qa, qb, strict=True):
            valid_diff += ia[5] != ib[5]
            if not (ia[5] and ib[5]):
                continue
            dist, _ = geodesic_inverse(ia[2], ia[3], ib[2], ib[3])
            dm = max(dm, float(dist))
            dt = max(dt, abs(ia[0] - ib[0]))
            dsig = max(dsig, abs(ia[1] - ib[1]))
            dcov = max(dcov, float(np.max(np.abs(ia[4] - ib[4]))
                                   / max(float(np.max(np.abs(ia[4]))), 1e-300)))
    n_f = sum(len(p) for p in a["pictures"])
    n_p = sum(len(p) for p in a["pips"])
    result = {
        "a": {k: a.get(k) for k in ("code", "fuse_s", "pip_s")},
        "b": {k: b.get(k) for k in ("code", "fuse_s", "pip_s")},
        "ratio_a_over_b": {k: (a[k] / b[k] if a.get(k) and b.get(k) else None)
                           for k in ("fuse_s", "pip_s")},
        "fused_tracks": n_f, "pictures": len(a["pictures"]), "association_differs": bad,
        "max_dx": dx, "max_dx_over_sigma": dxr, "max_dP_over_sigma2": dP,
        "pips": n_p, "valid_differs": valid_diff, "max_ground_distance_m": dm,
        "max_impact_time_s": dt, "max_sigma_t_s": dsig, "max_cov_en_rel": dcov,
    }
    failed = int(bad > 0 or valid_diff > 0 or dm > 1.0 or dxr > 1e-6)
    if as_json:
        print(json.dumps(dict(result, ok=not failed), indent=2))
        return failed
    for name in ("a", "b"):
        r = result[name]
        print(f"{name}: {r['code']}, fuse {r['fuse_s']} s, PIP {r['pip_s']} s")
    print(f"a/b time: {result['ratio_a_over_b']}")
    print(f"fused tracks {n_f} in {len(a['pictures'])} pictures: association differs in "
          f"{bad}; max |dx| {dx:.3g} (m, m/s), max |dx|/sigma {dxr:.3g}, "
          f"max |dP|/(sigma_i sigma_j) {dP:.3g}")
    print(f"PIPs {n_p}: valid differs {valid_diff}; max ground distance {dm:.3g} m, "
          f"max |d impact time| {dt:.3g} s, max |d sigma_t| {dsig:.3g} s, "
          f"max |d cov_en|/max|cov_en| {dcov:.3g}")
    return failed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("capture")
    c.add_argument("path")
    c.add_argument("--scenario", default="2017-03-06")
    o = sub.add_parser("outputs")
    o.add_argument("inputs")
    o.add_argument("out")
    m = sub.add_parser("compare")
    m.add_argument("a")
    m.add_argument("b")
    m.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if args.cmd == "capture":
        capture(args.scenario, args.path)
    elif args.cmd == "outputs":
        outputs(args.inputs, args.out)
    else:
        return compare(args.a, args.b, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())

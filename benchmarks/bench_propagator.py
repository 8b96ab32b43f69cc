"""Our vectorised RK4 propagation to impact vs ONE vectorised ``scipy.integrate.solve_ivp``
call over all states, at matched impact-point accuracy.

Input: N free-flight states of a 1,000 km ER-Scud-class flight (the fitted 2017-03-06
trajectory at burnout, perturbed by 200 m / 5 m/s one-sigma, seed 2017), each propagated
to the ellipsoid (vacuum: J2 gravity and the rotating-frame terms, in ECEF).

*Ours*: :func:`gsomia.physics.propagate.propagate_to_impact` (RK4 at a fixed ``--step``,
the crossing located on the step's Hermite interpolant and refined by Newton steps).

*Peer*: one ``solve_ivp`` call on the stacked system of all N states (6N unknowns,
``vectorized=True``: the right-hand side takes ``(6N, k)`` columns), whose right-hand side is
the same :func:`gsomia.physics.propagate.derivatives` (same dynamics, same frame). One
terminal event, the highest state's height, ends the call when the last state has landed;
``dense_output=True``. Each state's impact is found as solve_ivp finds an event (SciPy docs:
the root of the event function on the step's dense-output interpolant), vectorised: the
step in which its height changes sign, the interpolant of that step sampled at 8 Chebyshev
nodes (a polynomial of degree 4 for RK45, 7 for DOP853, SciPy docs: so the degree-7 fit
through 8 nodes is the interpolant itself) and 40 bisections of the ellipsoid test (as ours).

Matched accuracy: the impact-point error is the distance from a reference, ``solve_ivp``
DOP853 at rtol 1e-12, atol 1e-6 per state with a terminal ground event, on ``--ref``
states. For each ``--methods`` entry the peer's rtol is tightened by ``--factor`` from
``--rtol0`` (atol = rtol × ``--atol-scale`` in m and m/s) until its largest error on the
sample is at most ours, then back up in ``--refine`` smaller steps to the loosest rtol that
still matches; that configuration is timed (best of ``--repeat``, interleaved with
ours). A stacked system shares one step size and one error norm (RMS over the 6N
components), which is why its tolerance must be tighter than a per-state call's.

    python benchmarks/bench_propagator.py [--n 10000] [--step 10] [--methods RK45,DOP853]
        [--rtol0 1e-6] [--factor 10] [--refine 4] [--min-rtol 1e-13] [--ref 50]
        [--repeat 3] [--json]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time

import numpy as np
import scipy
from scipy.integrate import solve_ivp

from gsomia.physics.ballistics import fit_trajectory
from gsomia.physics.earth import WGS84
from gsomia.physics.geodesy import height_above_ellipsoid_fast
from gsomia.physics.propagate import derivatives, propagate_to_impact

REF_RTOL, REF_ATOL = 1e-12, 1e-6
T_MAX_S = 3000.0
NODES = 8          # Chebyshev nodes per step: exact for dense outputs of degree <= 7
BISECTIONS = 40


def burnout_state() -> np.ndarray:
    """ECEF state ``(6,)`` at burnout of the 2017-03-06 flight fitted from launch at
    39.66° N 124.71° E, azimuth 81°, 1,000 km range, 265 km apogee (ER-Scud)."""
    traj = fit_trajectory(39.66, 124.71, 81.0, 1000e3, 265e3, missile="ER-Scud")
    i = int(np.searchsorted(traj.t_s, traj.burnout_s))
    return np.concatenate((traj.r_ecef_m[i], traj.v_ecef_m_s[i]))


def make_states(n: int, seed: int = 2017) -> np.ndarray:
    """``(n, 6)`` ECEF states: :func:`burnout_state` perturbed by 200 m / 5 m/s (1σ)."""
    base = burnout_state()
    rng = np.random.default_rng(seed)
    return base + np.concatenate((rng.normal(0, 200.0, (n, 3)),
                                  rng.normal(0, 5.0, (n, 3))), axis=1)


def _ground(t, y):
    return height_above_ellipsoid_fast(y[:3], WGS84)


_ground.terminal = True
_ground.direction = -1


def reference_impact(y0: np.ndarray, rtol: float = REF_RTOL,
                     atol: float = REF_ATOL) -> np.ndarray:
    """Impact state ``(6,)`` of one state by DOP853 at rtol 1e-12 (per-state call)."""
    sol = solve_ivp(lambda t, y: derivatives(y, WGS84), (0.0, T_MAX_S), y0, method="DOP853",
                    rtol=rtol, atol=atol, events=_ground)
    return sol.y_events[0][0]


def _stacked_rhs(n: int):
    """``fun(t, y)`` of the stacked system: ``y`` ``(6n,)`` or ``(6n, k)``."""
    def fun(t, y):
        k = 1 if y.ndim == 1 else y.shape[1]
        s = y.reshape(n, 6, k).transpose(0, 2, 1).reshape(n * k, 6)
        d = derivatives(s, WGS84).reshape(n, k, 6).transpose(0, 2, 1).reshape(6 * n, k)
        return d if y.ndim == 2 else d[:, 0]
    return fun


def _inside(p: np.ndarray) -> np.ndarray:
    """True where positions ``(..., 3)`` are on or below the ellipsoid."""
    a, b = WGS84.a_m, WGS84.b_m
    return (p[..., 0] ** 2 + p[..., 1] ** 2) / a**2 + p[..., 2] ** 2 / b**2 <= 1.0


def peer_impacts(y0: np.ndarray, method: str, rtol: float, atol: float) -> dict:
    """Impact states ``(N, 6)`` and times ``(N,)`` of all states by one solve_ivp call
    (module docstring); also the call's step and evaluation counts."""
    n = len(y0)

    def last_landing(t, y):
        return float(height_above_ellipsoid_fast(y.reshape(n, 6)[:, :3], WGS84).max())

    last_landing.terminal = True
    last_landing.direction = -1
    sol = solve_ivp(_stacked_rhs(n), (0.0, T_MAX_S), y0.ravel(), method=method, rtol=rtol,
                    atol=atol, vectorized=True, dense_output=True, events=last_landing)
    if sol.status != 1:
        raise RuntimeError(f"solve_ivp {method} rtol={rtol:g}: {sol.message}")
    # step boundaries (M,); the last step's interpolant is the solver's whole step, which
    # goes on past the event: end it a hair later so that the last state is below too
    ts = sol.sol.ts.copy()
    ts[-1] += 1e-6 * (ts[-1] - ts[-2])
    ys = sol.sol(ts).reshape(n, 6, len(ts))
    below = _inside(ys[:, :3, :].transpose(0, 2, 1))       # (n, M)
    seg = np.argmax(below, axis=1) - 1                     # step [ts[seg], ts[seg+1]]
    if np.any(~below.any(axis=1)) or np.any(seg < 0):
        raise RuntimeError("a state did not cross the ellipsoid within the call")
    # the interpolant of each step with a crossing, as polynomial coefficients in s in [0, 1]
    s_nodes = 0.5 - 0.5 * np.cos(np.pi * (np.arange(NODES) + 0.5) / NODES)
    inv_vander = np.linalg.inv(np.vander(s_nodes, NODES, increasing=True))
    coef = np.empty((n, 6, NODES))
    for j in np.unique(seg):
        rows = seg == j
        t_nodes = ts[j] + s_nodes * (ts[j + 1] - ts[j])
        vals = sol.sol(t_nodes).reshape(n, 6, NODES)[rows]
        coef[rows] = vals @ inv_vander.T
    lo, hi = np.zeros(n), np.ones(n)
    for _ in range(BISECTIONS):
        mid = 0.5 * (lo + hi)
        inside = _inside(_poly(coef[:, :3], mid))
        hi = np.where(inside, mid, hi)
        lo = np.where(inside, lo, mid)
    s = 0.5 * (lo + hi)
    return {"y": _poly(coef, s), "t_s": ts[seg] + s * (ts[seg + 1] - ts[seg]),
            "steps": len(ts) - 1, "nfev": int(sol.nfev)}


def _poly(coef: np.ndarray, s: np.ndarray) -> np.ndarray:
    """``sum_k coef[i, :, k] s_i^k`` for every row ``i`` (Horner)."""
    out = coef[:, :, -1].copy()
    for k in range(coef.shape[2] - 2, -1, -1):
        out *= s[:, None]
        out += coef[:, :, k]
    return out


def impact_errors_m(y_imp: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Distances ``(K,)`` [m] of the first K impact points from the K references."""
    return np.linalg.norm(y_imp[:len(ref), :3] - ref[:, :3], axis=1)


def _timed(f):
    t = time.perf_counter()
    out = f()
    return time.perf_counter() - t, out


def match_tolerance(y0: np.ndarray, ref: np.ndarray, method: str, target_m: float,
                    search: argparse.Namespace) -> tuple[dict, list[dict]]:
    """Tighten rtol until the largest error on the sample is <= ``target_m``: by
    ``search.factor`` from ``search.rtol0``, then, between the last unmatched and the first
    matched value, by ``search.factor ** (1 / search.refine)`` (looser first). Returns the
    loosest matched trial (or the tightest tried) and every trial."""
    trials = []

    def trial(rtol: float) -> dict:
        atol = rtol * search.atol_scale
        seconds, out = _timed(lambda: peer_impacts(y0, method, rtol, atol))
        err = impact_errors_m(out["y"], ref)
        trials.append({"method": method, "rtol": rtol, "atol": atol,
                       "max_error_m": float(err.max()),
                       "median_error_m": float(np.median(err)), "steps": out["steps"],
                       "nfev": out["nfev"], "seconds": round(seconds, 3)})
        return trials[-1]

    rtol = search.rtol0
    while trial(rtol)["max_error_m"] > target_m:
        if rtol / search.factor < search.min_rtol * (1 - 1e-9):
            return trials[-1], trials
        rtol /= search.factor
    matched = trials[-1]
    if len(trials) > 1:
        fine = search.factor ** (1.0 / search.refine)
        for j in range(1, search.refine):
            if trial(rtol * search.factor / fine**j)["max_error_m"] <= target_m:
                return trials[-1], trials
    return matched, trials


def run(args: argparse.Namespace) -> dict:
    y0 = make_states(args.n)
    ref = np.array([reference_impact(y0[k]) for k in range(min(args.ref, args.n))])
    # the reference's own error, as far as a tighter one sees it (rtol 1e-13, atol 1e-9)
    ref_self = max(float(np.linalg.norm(reference_impact(y0[k], 1e-13, 1e-9)[:3] - ref[k, :3]))
                   for k in range(min(5, len(ref))))
    ours = propagate_to_impact(y0, WGS84, step_s=args.step)
    err_ours = impact_errors_m(ours.y_ecef, ref)
    target = float(err_ours.max())
    peers, all_trials = [], []
    for method in args.methods.split(","):
        chosen, trials = match_tolerance(y0, ref, method, target, args)
        all_trials += trials
        peers.append(dict(chosen, matched=chosen["max_error_m"] <= target))
    t_ours = [math.inf]
    t_peer = [math.inf] * len(peers)
    for _ in range(args.repeat):                   # interleaved: load hits all alike
        t_ours[0] = min(t_ours[0], _timed(lambda: propagate_to_impact(
            y0, WGS84, step_s=args.step))[0])
        for i, p in enumerate(peers):
            t_peer[i] = min(t_peer[i], _timed(lambda p=p: peer_impacts(
                y0, p["method"], p["rtol"], p["atol"]))[0])
    for p, t in zip(peers, t_peer, strict=True):
        p["time_s"] = round(t, 3)
        p["ratio_peer_over_ours"] = round(t / t_ours[0], 2)
    best = min((p for p in peers if p["matched"]), key=lambda p: p["time_s"], default=None)
    return {
        "states": args.n, "reference_states": len(ref),
        "mean_flight_s": round(float(np.nanmean(ours.t_s)), 1),
        "ours": {"config": f"propagate_to_impact RK4, step {args.step:g} s",
                 "time_s": round(t_ours[0], 3), "max_error_m": target,
                 "median_error_m": float(np.median(err_ours))},
        "peer_config": {"scipy": scipy.__version__, "call": "one solve_ivp over all states "
                        "(6N unknowns), vectorized=True, dense_output=True, terminal event "
                        "at the last landing", "rhs": "gsomia.physics.propagate.derivatives",
                        "atol": f"rtol x {args.atol_scale:g} (m, m/s)",
                        "rtol_search": f"from {args.rtol0:g} down by {args.factor:g} "
                        f"to {args.min_rtol:g}, then {args.refine} steps per factor"},
        "reference": f"solve_ivp DOP853 rtol {REF_RTOL:g} atol {REF_ATOL:g}, one call per "
                     "state, terminal ground event",
        "reference_vs_rtol_1e-13_max_m": ref_self,
        "peers": peers, "trials": all_trials, "repeats": args.repeat,
        "ratio_best_matched_peer_over_ours": None if best is None else
        best["ratio_peer_over_ours"],
    }


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--step", type=float, default=10.0, help="our RK4 step [s]")
    ap.add_argument("--methods", default="RK45,DOP853")
    ap.add_argument("--rtol0", type=float, default=1e-6)
    ap.add_argument("--factor", type=float, default=10.0)
    ap.add_argument("--refine", type=int, default=4)
    ap.add_argument("--min-rtol", type=float, default=1e-13)
    ap.add_argument("--atol-scale", type=float, default=1.0)
    ap.add_argument("--ref", type=int, default=50)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    r = run(ap.parse_args(argv))
    if "--json" in argv:
        print(json.dumps(r, indent=2))
        return 0
    print(f"{r['states']} states of a 1,000 km flight, burnout to impact (mean flight "
          f"{r['mean_flight_s']:.0f} s); errors vs {r['reference']} on "
          f"{r['reference_states']} states (its own error <= "
          f"{1e3 * r['reference_vs_rtol_1e-13_max_m']:.3g} mm vs rtol 1e-13); "
          f"best of {r['repeats']}")
    print("peer: " + "; ".join(f"{k} {v}" for k, v in r["peer_config"].items()))
    print("tolerance search: " + ", ".join(
        f"{t['method']} {t['rtol']:.3g}: {1e3 * t['max_error_m']:.3g} mm" for t in r["trials"]))
    print(f"{'method':<44}{'time [s]':>9}{'max err [mm]':>14}{'median [mm]':>13}{'ratio':>8}")
    o = r["ours"]
    print(f"{o['config']:<44}{o['time_s']:>9.3f}{1e3 * o['max_error_m']:>14.4f}"
          f"{1e3 * o['median_error_m']:>13.4f}{1.0:>8.2f}")
    for p in r["peers"]:
        label = f"solve_ivp {p['method']} rtol {p['rtol']:.3g} atol {p['atol']:.3g}"
        note = "" if p["matched"] else "  (not matched: tightest tried)"
        print(f"{label:<44}{p['time_s']:>9.3f}{1e3 * p['max_error_m']:>14.4f}"
              f"{1e3 * p['median_error_m']:>13.4f}{p['ratio_peer_over_ours']:>8.2f}{note}")
    print(f"ratio (fastest matched peer / ours): {r['ratio_best_matched_peer_over_ours']}x")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Vectorised RK4 propagator vs a loop of ``scipy.integrate.solve_ivp`` on the same dynamics.

Input: 10,000 free-flight states of a 1,000 km ER-Scud-class flight (the fitted 2017-03-06
trajectory at burnout, perturbed by 200 m / 5 m/s one-sigma), each propagated to impact.
Accuracy is the impact-point error against a DOP853 reference at rtol 1e-12 on a sample, so
the two timings are compared at measured, similar accuracy. Prints a table and the ratio.

    python benchmarks/bench_propagator.py [--n 10000] [--loop 1000] [--step 10] [--rtol 1e-6]

``--loop`` times the solve_ivp loop on that many states and scales to ``--n`` (the loop is
linear in N); ``--loop 10000`` times it on all of them.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy.integrate import solve_ivp

from gsomia.physics.ballistics import fit_trajectory
from gsomia.physics.earth import WGS84
from gsomia.physics.geodesy import height_above_ellipsoid_fast
from gsomia.physics.propagate import derivatives, propagate_to_impact


def _ground(t, y):
    return height_above_ellipsoid_fast(y[:3], WGS84)


_ground.terminal = True
_ground.direction = -1


def solve_one(y0, method: str, rtol: float, atol: float):
    sol = solve_ivp(lambda t, y: derivatives(y, WGS84), (0.0, 3000.0), y0, method=method,
                    rtol=rtol, atol=atol, events=_ground)
    return sol.t_events[0][0], sol.y_events[0][0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--loop", type=int, default=1_000)
    ap.add_argument("--step", type=float, default=10.0, help="RK4 step [s]")
    ap.add_argument("--rtol", type=float, default=1e-6, help="solve_ivp (RK45) rtol")
    args = ap.parse_args()

    traj = fit_trajectory(39.66, 124.71, 81.0, 1000e3, 265e3, missile="ER-Scud")
    i = int(np.searchsorted(traj.t_s, traj.burnout_s))
    base = np.concatenate((traj.r_ecef_m[i], traj.v_ecef_m_s[i]))
    rng = np.random.default_rng(2017)
    y0 = base + np.concatenate((rng.normal(0, 200.0, (args.n, 3)),
                                rng.normal(0, 5.0, (args.n, 3))), axis=1)

    t = time.perf_counter()
    ours = propagate_to_impact(y0, WGS84, step_s=args.step)
    t_ours = time.perf_counter() - t

    m = min(args.loop, args.n)
    t = time.perf_counter()
    loop = [solve_one(y0[k], "RK45", args.rtol, 1e-3) for k in range(m)]
    t_loop = (time.perf_counter() - t) * args.n / m

    k_ref = min(50, m)
    ref = [solve_one(y0[k], "DOP853", 1e-12, 1e-6) for k in range(k_ref)]
    err_ours = [np.linalg.norm(ours.y_ecef[k, :3] - ref[k][1][:3]) for k in range(k_ref)]
    err_loop = [np.linalg.norm(loop[k][1][:3] - ref[k][1][:3]) for k in range(k_ref)]

    print(f"{args.n} states of a 1,000 km flight, burnout to impact "
          f"(mean flight {np.nanmean(ours.t_s):.0f} s after burnout)")
    print(f"{'method':<40}{'time [s]':>10}{'max impact error [mm]':>24}")
    print(f"{'gsomia propagate_to_impact (RK4, ' + str(args.step) + ' s)':<40}{t_ours:>10.2f}"
          f"{1e3 * max(err_ours):>24.3f}")
    label = f"solve_ivp RK45 rtol={args.rtol:g} loop"
    scaled = "" if m == args.n else f" (timed on {m}, scaled)"
    print(f"{label:<40}{t_loop:>10.2f}{1e3 * max(err_loop):>24.3f}{scaled}")
    print(f"ratio (solve_ivp loop / vectorised): {t_loop / t_ours:.0f}x")


if __name__ == "__main__":
    main()

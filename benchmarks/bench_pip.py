"""PIP per track: our :func:`predict_impact` vs a peer on the same input.

Input: the fused track states whose PIPs a run of the 2017-03-06 scenario computes
(recorded by ``benchmarks/fuse_pip_inputs.py capture``; captured here if ``--inputs`` is
not given), each predicted on its own (one track per call, as the live measuring node does
for one arrived report) and all of one grid time together (as the run does).

Peer: the same unscented transform (13 sigma points, alpha 1, beta 2, kappa 0: filterpy's
``MerweScaledSigmaPoints``, filterpy being in the ``bench`` extra; ours if it is missing,
and the configuration line says so) with every sigma point
propagated to the ground by ``scipy.integrate.solve_ivp`` (RK45, ``--rtol``, a terminal
ground event) on the same dynamics (:func:`gsomia.physics.propagate.derivatives`), and the
mean impact point taken as ours. Accuracy: the distance of each mean impact point from a
DOP853 reference at rtol 1e-11 (same sigma points), so the timings compare at measured
accuracy. A second peer is our own NumPy form (the same UT, the NumPy propagator
:func:`~gsomia.physics.propagate.propagate_to_impact` and the NumPy moments
:func:`~gsomia.warning.tracking.impact.impact_moments_numpy`), whose PIPs the compiled ones
equal within rounding. Prints the medians of ``--repeat`` runs (CPU time of this process)
and the ratios.

    python benchmarks/bench_pip.py [--inputs FILE] [--n 40] [--rtol 1e-6] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

import numpy as np
from scipy.integrate import solve_ivp

from gsomia.physics.earth import WGS84
from gsomia.physics.geodesy import ecef2geodetic, geodesic_inverse, height_above_ellipsoid_fast
from gsomia.physics.propagate import derivatives, propagate_to_impact
from gsomia.warning.tracking.impact import (
    ImpactPrediction,
    impact_moments_numpy,
    lift_to_surface,
    predict_impact,
)
from gsomia.warning.tracking.predict import sigma_points
from gsomia.warning.tracking.states import GaussianStates


def _ground(t, y):
    return height_above_ellipsoid_fast(y[:3], WGS84)


_ground.terminal = True
_ground.direction = -1


def _peer_points(x: np.ndarray, P: np.ndarray):
    try:
        from filterpy.kalman import MerweScaledSigmaPoints
    except ImportError:
        pts, wm, _ = sigma_points(x[None], P[None])
        return pts[0], wm, "gsomia sigma_points"
    sp = MerweScaledSigmaPoints(6, alpha=1.0, beta=2.0, kappa=0.0)
    return sp.sigma_points(x, P), sp.Wm, "filterpy MerweScaledSigmaPoints"


def peer_pip(x: np.ndarray, P: np.ndarray, method: str, rtol: float,
             atol: float) -> tuple[float, float]:
    """Mean impact point ``(lat, lon)`` of the UT with solve_ivp per sigma point."""
    pts, wm, _ = _peer_points(x, P)
    pts = lift_to_surface(pts, WGS84)
    r = []
    for y0 in pts:
        sol = solve_ivp(lambda t, y: derivatives(y, WGS84), (0.0, 3600.0), y0,
                        method=method, rtol=rtol, atol=atol, events=_ground)
        r.append(sol.y_events[0][0][:3])
    lat, lon, _ = ecef2geodetic(wm @ np.array(r), WGS84)
    return float(lat), float(lon)


def numpy_pip(t: float, x: np.ndarray, P: np.ndarray, step: float) -> ImpactPrediction:
    """The same PIP in NumPy: sigma points, NumPy propagator, NumPy moments."""
    pts, wm, wc = sigma_points(x[None], P[None])
    res = propagate_to_impact(lift_to_surface(pts[0], WGS84), WGS84, step_s=step,
                              max_time_s=3600.0)
    t_imp = np.where(res.hit, res.t_s, np.nan)
    mo = impact_moments_numpy(res.y_ecef[None, :, :3], t_imp[None], wm, wc, WGS84)[0]
    return ImpactPrediction(t, t + mo[2], mo[3], mo[0], mo[1], mo[5:].reshape(2, 2),
                            bool(mo[4]))


def _version(package: str, bare: bool = False) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        v = version(package)
    except PackageNotFoundError:
        return "" if not bare else "?"
    return v if bare else f", {package} {v}"


def _inputs(path: str | None):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import fuse_pip_inputs

    if path is None:
        path = os.path.join(tempfile.mkdtemp(prefix="bench-pip-"), "inputs.pkl")
        fuse_pip_inputs.capture("2017-03-06", path)
    return fuse_pip_inputs.load(path)["pips"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--inputs", help="pickle of fuse_pip_inputs.py capture")
    ap.add_argument("--n", type=int, default=40, help="tracks timed against the peer")
    ap.add_argument("--rtol", type=float, default=1e-6, help="solve_ivp (RK45) rtol")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    batches = _inputs(args.inputs)
    step = batches[0][3]
    tracks = [(t, x[i], P[i]) for t, x, P, _ in batches for i in range(len(x))]
    pick = np.linspace(0, len(tracks) - 1, min(args.n, len(tracks))).astype(int)
    sample = [tracks[i] for i in pick]
    print(f"{len(tracks)} track states in {len(batches)} batches (2017-03-06); "
          f"{len(sample)} timed against the peer")
    print(f"ours: gsomia UT (13 sigma points, alpha 1, beta 2, kappa 0), every sigma point "
          f"of a call propagated by the compiled RK4 (gsomia.physics.impact_kernel), step "
          f"{step} s, Hermite + Newton ground crossing")
    print(f"peer: {_peer_points(sample[0][1], sample[0][2])[2]} (n 6, alpha 1, beta 2, "
          f"kappa 0){_version('filterpy')} + scipy {_version('scipy', bare=True)} "
          f"solve_ivp RK45 per sigma point, rtol {args.rtol:g}, atol 1e-3 m, terminal "
          f"ground event (height_above_ellipsoid_fast, direction -1), same dynamics "
          f"(gsomia.physics.propagate.derivatives)")
    print("accuracy of both: distance of the mean impact point from the same UT with "
          "DOP853 rtol 1e-11, atol 1e-6 per sigma point")

    def ours_one():
        return [predict_impact(GaussianStates(t, x[None], P[None]), WGS84, step_s=step)[0]
                for t, x, P in sample]

    def ours_batches():
        for t, x, P, s in batches:
            predict_impact(GaussianStates(t, x, P), WGS84, step_s=s)

    def peer():
        return [peer_pip(x, P, "RK45", args.rtol, 1e-3) for _, x, P in sample]

    def numpy_one():
        return [numpy_pip(t, x, P, step) for t, x, P in sample]

    def timed(fn):
        out, times = None, []
        for _ in range(args.repeat):
            t0 = time.process_time()
            out = fn()
            times.append(time.process_time() - t0)
        return out, float(np.median(times))

    mine, t_one = timed(ours_one)
    _, t_batch = timed(ours_batches)
    plain, t_numpy = timed(numpy_one)
    theirs, t_peer = timed(peer)
    ref = [peer_pip(x, P, "DOP853", 1e-11, 1e-6) for _, x, P in sample]

    def err(lat_lon):
        return [float(geodesic_inverse(a, b, c, d)[0]) for (a, b), (c, d) in
                zip(lat_lon, ref, strict=True)]

    e_ours = err([(p.lat_deg, p.lon_deg) for p in mine])
    e_peer = err(theirs)
    e_numpy = err([(p.lat_deg, p.lon_deg) for p in plain])
    n = len(sample)
    print(f"{'':34s}{'ms CPU/track':>12s}{'ratio':>8s}{'err p50 m':>11s}{'err max m':>11s}")
    print(f"{'ours, one track per call':34s}{1e3 * t_one / n:12.3f}{1.0:8.2f}"
          f"{np.median(e_ours):11.3f}{max(e_ours):11.3f}")
    print(f"{'ours, batches of the run':34s}{1e3 * t_batch / len(tracks):12.3f}"
          f"{t_batch / len(tracks) / (t_one / n):8.2f}{'':>11s}{'':>11s}")
    print(f"{'peer: UT + solve_ivp RK45/point':34s}{1e3 * t_peer / n:12.3f}"
          f"{t_peer / t_one:8.2f}{np.median(e_peer):11.3f}{max(e_peer):11.3f}")
    print(f"{'ours in NumPy (one track a call)':34s}{1e3 * t_numpy / n:12.3f}"
          f"{t_numpy / t_one:8.2f}{np.median(e_numpy):11.3f}{max(e_numpy):11.3f}")
    print(f"peer / ours (one track per call): {t_peer / t_one:.1f}x; NumPy form / ours "
          f"{t_numpy / t_one:.1f}x (median of {args.repeat} runs each, CPU time; load "
          f"average {os.getloadavg()[0]:.2f})")


if __name__ == "__main__":
    main()

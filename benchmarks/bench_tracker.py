"""Our tracker vs a Stone Soup tracker on identical detections: speed and accuracy.

Run: ``python benchmarks/bench_tracker.py [SCENARIO ...] [--ss-q Q] [--repeat N] [--json]``
(default: ``2017-03-06`` and ``stress-20``, every sensor of the scenario as in ``gsomia
evaluate --party all``; each tracker timed as the best of N = 2 runs on fresh trackers).

*Ours*: :class:`gsomia.warning.tracking.tracker.Tracker` with its defaults (IMM of a
ballistic and a powered EKF, Mahalanobis gate, GNN by ``linear_sum_assignment``, two-point
initiation, 5-hit confirmation).

*Stone Soup* (``stonesoup``, the test extra), assembled from its stock components the way its
tutorials build a multi-target EKF tracker: ``ExtendedKalmanPredictor`` /
``ExtendedKalmanUpdater``, ``DistanceHypothesiser`` with the ``Mahalanobis`` measure and a
missed distance equal to our gate, ``GNNWith2DAssignment``, ``MultiMeasurementInitiator``
(5 updates to confirm, like ours) and ``UpdateTimeDeleter`` (60 s, our ``max_coast_s``),
driven by ``MultiTargetTracker``. Stone Soup has no ballistic motion model, so two models are
written here for it: a ``TransitionModel`` whose function is our
:func:`gsomia.physics.propagate.propagate` (J2, rotating Earth) with CWNA noise of one
density (a single EKF, no IMM: ``--ss-q`` sets the density, default 300 m²/s³, between our
ballistic and powered modes, so that it can follow the boost), with Stone Soup's own
finite-difference Jacobian; and a measurement model of range, azimuth (as a ``Bearing``) and
elevation in the radar's east-north-up frame, computed by our
:class:`~gsomia.warning.tracking.models.RadarMeasurementModel` (reversible, for the
initiator). Detections are fed to both one scan (one sensor at one time) at a time.

Reported per scenario: wall time of the tracking alone (detections already converted; best
of the repeats, as the machine may be shared), the ratio, mean GOSPA (c = 10 km, p = 1, α =
2, over the scans from first launch to last impact, the figure of ``gsomia evaluate``),
confirmed tracks, and the PIP error 60 s after burnout of each launch (our unscented-
transform PIP applied to each tracker's latest state of the launch's track at that instant;
a track follows the launch most of its detections came from).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import sys
import time
from collections import Counter

import numpy as np

from gsomia.physics.geodesy import geodesic_inverse
from gsomia.physics.propagate import propagate
from gsomia.sim.observe import observe
from gsomia.sim.scenario import load_scenario
from gsomia.warning.tracking.impact import predict_impact
from gsomia.warning.tracking.metrics import gospa
from gsomia.warning.tracking.models import RadarMeasurementModel, cwna_covariance
from gsomia.warning.tracking.states import GaussianStates
from gsomia.warning.tracking.tracker import Tracker, TrackerConfig

GOSPA_C_M = 10_000.0
AFTER_BURNOUT_S = 60.0
EPOCH = dt.datetime(2000, 1, 1)


def stone_soup_tracker(detection_scans, q_m2_s3: float, gate: float, confirm: int):
    """A Stone Soup EKF + GNN (2-D assignment) tracker over ``detection_scans``."""
    from stonesoup.base import Property
    from stonesoup.dataassociator.neighbour import GNNWith2DAssignment
    from stonesoup.deleter.time import UpdateTimeDeleter
    from stonesoup.hypothesiser.distance import DistanceHypothesiser
    from stonesoup.initiator.simple import MultiMeasurementInitiator
    from stonesoup.measures import Mahalanobis
    from stonesoup.models.base import GaussianModel, TimeVariantModel
    from stonesoup.models.transition.base import TransitionModel
    from stonesoup.predictor.kalman import ExtendedKalmanPredictor
    from stonesoup.tracker.simple import MultiTargetTracker
    from stonesoup.types.array import CovarianceMatrix, StateVector, StateVectors
    from stonesoup.types.state import GaussianState
    from stonesoup.updater.kalman import ExtendedKalmanUpdater

    class BallisticTransition(TransitionModel, GaussianModel, TimeVariantModel):
        """Unpowered flight by gsomia's propagator, CWNA noise of density ``q``."""

        q: float = Property(doc="CWNA density [m²/s³]")

        @property
        def ndim_state(self) -> int:
            return 6

        def function(self, state, noise=False, time_interval=dt.timedelta(0), **kwargs):
            x = np.asarray(state.state_vector, dtype=float)
            dts = time_interval.total_seconds()
            out = x if dts == 0.0 else propagate(x.T, dts, step_s=2.0).T
            if isinstance(noise, bool) and noise:
                noise = self.rvs(num_samples=out.shape[1], time_interval=time_interval)
            if not isinstance(noise, bool):
                out = out + np.asarray(noise)
            return StateVectors(out) if out.shape[1] > 1 else StateVector(out)

        def covar(self, time_interval=dt.timedelta(0), **kwargs):
            return CovarianceMatrix(cwna_covariance(self.q, time_interval.total_seconds()))

    ss_scans = [(EPOCH + dt.timedelta(seconds=t), dets) for t, dets in detection_scans]
    transition = BallisticTransition(q=q_m2_s3)
    predictor = ExtendedKalmanPredictor(transition)
    updater = ExtendedKalmanUpdater(measurement_model=None)
    hypothesiser = DistanceHypothesiser(predictor, updater, measure=Mahalanobis(),
                                        missed_distance=math.sqrt(gate))
    associator = GNNWith2DAssignment(hypothesiser)
    deleter = UpdateTimeDeleter(dt.timedelta(seconds=60))
    prior = GaussianState(StateVector(np.zeros(6)),
                          CovarianceMatrix(np.diag([0.0] * 3 + [3000.0**2] * 3)))
    initiator = MultiMeasurementInitiator(
        prior_state=prior, measurement_model=None, deleter=UpdateTimeDeleter(
            dt.timedelta(seconds=30)), data_associator=associator, updater=updater,
        min_points=confirm)
    return MultiTargetTracker(initiator=initiator, deleter=deleter, detector=ss_scans,
                              data_associator=associator, updater=updater)


def _stone_soup_detections(scans):
    """Our scans → Stone Soup detections with a measurement model per sensor."""
    from stonesoup.base import Property
    from stonesoup.models.base import ReversibleModel
    from stonesoup.models.measurement.nonlinear import NonLinearGaussianMeasurement
    from stonesoup.types.angle import Bearing, Elevation
    from stonesoup.types.array import StateVector, StateVectors
    from stonesoup.types.detection import Detection as SSDetection

    class RadarAER(NonLinearGaussianMeasurement, ReversibleModel):
        """Range, azimuth (Bearing) and elevation in the site's ENU frame, by gsomia."""

        site: tuple = Property(doc="(lat_deg, lon_deg, alt_m)")

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._ours = RadarMeasurementModel(*self.site)

        @property
        def ndim_meas(self) -> int:
            return 3

        def function(self, state, noise=False, **kwargs):
            x = np.asarray(state.state_vector, dtype=float)
            z = self._ours.function(x.T)                                  # (n, 3)
            if isinstance(noise, bool) and noise:
                z = z + np.asarray(self.rvs(num_samples=z.shape[0])).T
            cols = [StateVector([r, Bearing(a), Elevation(e)]) for r, a, e in z]
            return cols[0] if len(cols) == 1 else StateVectors(cols)

        def jacobian(self, state, **kwargs):
            return self._ours.jacobian(np.asarray(state.state_vector, float).T)[0]

        def inverse_function(self, detection, **kwargs):
            z = np.array([float(v) for v in detection.state_vector.ravel()])
            r, _ = self._ours.inverse(z[None], np.asarray(self.noise_covar)[None])
            return StateVector([*r[0], 0.0, 0.0, 0.0])

    models = {}
    out, truth = [], {}
    for t, scan in scans:
        d0 = scan[0]
        key = d0.sensor_id
        if key not in models:
            models[key] = RadarAER(ndim_state=6, mapping=(0, 1, 2), noise_covar=d0.covariance,
                                   site=(d0.site_lat_deg, d0.site_lon_deg, d0.site_alt_m))
        dets = set()
        for d in scan:
            sd = SSDetection(StateVector([d.range_m, Bearing(d.az_rad), Elevation(d.el_rad)]),
                             timestamp=EPOCH + dt.timedelta(seconds=t),
                             measurement_model=models[key])
            truth[id(sd)] = d.truth_id
            dets.add(sd)
        out.append((t, dets))
    return out, truth


def _scans(detections):
    dets = sorted(detections, key=lambda d: (d.t_s, d.sensor_id))
    return [(t, list(g)) for (t, _), g in itertools.groupby(dets, key=lambda d: (d.t_s,
                                                                               d.sensor_id))]


def _score(snapshots, flights):
    t0 = min(f.launch_s for f in flights)
    t1 = max(f.impact_s for f in flights)
    vals = []
    for t, pos in snapshots:
        if t0 <= t <= t1:
            truth = np.array([f.position_at(t) for f in flights if f.launch_s <= t <= f.impact_s])
            vals.append(gospa(pos, truth.reshape(-1, 3), GOSPA_C_M, 1.0))
    return float(np.mean(vals))


def _pip_errors_km(labelled_states, flights):
    """``labelled_states``: launch id → list of (t_s, x (6,), P (6, 6)) of its tracks."""
    out = {}
    picks, ids = [], []
    for f in flights:
        t_read = f.launch_s + f.trajectory.burnout_s + AFTER_BURNOUT_S
        cand = [s for s in labelled_states.get(f.id, []) if s[0] <= t_read]
        out[f.id] = None
        if cand:
            picks.append(max(cand, key=lambda s: s[0]))
            ids.append(f)
    if picks:
        pips = predict_impact(GaussianStates(0.0, np.array([p[1] for p in picks]),
                                             np.array([p[2] for p in picks])))
        for f, pip in zip(ids, pips, strict=True):
            d, _ = geodesic_inverse(pip.lat_deg, pip.lon_deg, f.trajectory.impact_lat_deg,
                                    f.trajectory.impact_lon_deg)
            out[f.id] = round(float(d) / 1e3, 3)
    return out


def run(scenario: str, ss_q: float, repeats: int = 2) -> dict:
    obs = observe(load_scenario(scenario))
    scans = _scans(obs.detections)
    cfg = TrackerConfig()

    # --- ours (best of `repeats` runs, each on a fresh tracker)
    t_ours = math.inf
    for _ in range(repeats):
        t = time.perf_counter()
        ours = Tracker(cfg)
        for _, scan in scans:
            ours.step(scan)
        t_ours = min(t_ours, time.perf_counter() - t)
    ours_labels = {}
    for tr in ours.tracks:
        if tr.confirmed:
            ids = Counter(d.truth_id for d in tr.detections if d.truth_id is not None)
            if ids:
                ours_labels.setdefault(ids.most_common(1)[0][0], []).extend(
                    (s.t_s, s.x, s.P) for s in tr.history if s.t_s >= tr.confirmed_s)
    ours_result = {"time_s": round(t_ours, 3),
                   "confirmed_tracks": sum(tr.confirmed for tr in ours.tracks),
                   "gospa_mean_m": round(_score([(t, p) for t, _, p in ours.snapshots],
                                                obs.flights), 1),
                   "pip_error_km_60s_after_burnout": _pip_errors_km(ours_labels, obs.flights)}

    # --- Stone Soup
    ss_scans, truth = _stone_soup_detections(scans)
    t_ss = math.inf
    for _ in range(repeats):
        tracker = stone_soup_tracker(ss_scans, ss_q, cfg.gate_threshold, cfg.confirm_hits)
        snapshots, all_tracks = [], set()
        t = time.perf_counter()
        for (_, tracks), (t_s, _) in zip(tracker, ss_scans, strict=True):
            all_tracks |= tracks
            snapshots.append((t_s, np.array([np.asarray(tr.state_vector, float)[:3, 0]
                                             for tr in tracks]).reshape(-1, 3)))
        t_ss = min(t_ss, time.perf_counter() - t)
    ss_labels = {}
    for tr in all_tracks:
        ids = Counter(truth.get(id(getattr(s.hypothesis, "measurement", None)))
                      for s in tr.states if hasattr(s, "hypothesis"))
        ids.pop(None, None)
        if ids:
            ss_labels.setdefault(ids.most_common(1)[0][0], []).extend(
                ((s.timestamp - EPOCH).total_seconds(), np.asarray(s.state_vector, float)[:, 0],
                 np.asarray(s.covar, float)) for s in tr.states)
    ss_result = {"time_s": round(t_ss, 3), "confirmed_tracks": len(all_tracks),
                 "gospa_mean_m": round(_score(snapshots, obs.flights), 1),
                 "pip_error_km_60s_after_burnout": _pip_errors_km(ss_labels, obs.flights),
                 "q_m2_s3": ss_q}
    return {"scenario": scenario, "detections": len(obs.detections), "scans": len(scans),
            "launches": len(obs.flights), "ours": ours_result, "stone_soup": ss_result,
            "ours_config": ours_config(cfg), "peer_config": peer_config(cfg, ss_q),
            "accuracy": f"GOSPA c = {GOSPA_C_M:g} m, p = 1, alpha = 2, mean over the scans "
                        "from first launch to last impact; PIP error "
                        f"{AFTER_BURNOUT_S:g} s after burnout (our UT PIP on each tracker's "
                        "state)", "repeats": repeats,
            "speed_ratio": round(t_ss / t_ours, 2)}


def ours_config(cfg: TrackerConfig) -> dict:
    """Our tracker's settings that the comparison depends on."""
    return {"tracker": "gsomia Tracker (IMM ballistic + powered EKF, GNN by "
                       "linear_sum_assignment, two-point initiation)",
            "gate_threshold": cfg.gate_threshold, "confirm_hits": cfg.confirm_hits,
            "max_coast_s": cfg.max_coast_s}


def peer_config(cfg: TrackerConfig, ss_q: float) -> dict:
    """Stone Soup's components and parameters as :func:`stone_soup_tracker` builds them."""
    import stonesoup

    return {"stonesoup": getattr(stonesoup, "__version__", "?"),
            "tracker": "MultiTargetTracker", "predictor": "ExtendedKalmanPredictor",
            "updater": "ExtendedKalmanUpdater",
            "transition": "gsomia propagate (J2, rotating Earth, RK4 step 2 s) + CWNA, "
                          "Stone Soup's finite-difference Jacobian",
            "cwna_q_m2_s3": ss_q,
            "measurement": "range, Bearing, Elevation in the site ENU (gsomia "
                           "RadarMeasurementModel)",
            "hypothesiser": "DistanceHypothesiser(Mahalanobis, missed_distance = "
                            f"sqrt({cfg.gate_threshold:g}))",
            "associator": "GNNWith2DAssignment",
            "initiator": f"MultiMeasurementInitiator(min_points={cfg.confirm_hits}, "
                         "deleter UpdateTimeDeleter 30 s, prior velocity sigma 3 km/s)",
            "deleter": "UpdateTimeDeleter(60 s)"}


def main(argv: list[str]) -> int:
    as_json = "--json" in argv
    ss_q, repeats = 300.0, 2
    args = [a for a in argv if a != "--json"]
    if "--ss-q" in args:
        i = args.index("--ss-q")
        ss_q = float(args[i + 1])
        del args[i:i + 2]
    if "--repeat" in args:
        i = args.index("--repeat")
        repeats = int(args[i + 1])
        del args[i:i + 2]
    scenarios = args or ["2017-03-06", "stress-20"]
    results = [run(s, ss_q, repeats) for s in scenarios]
    if as_json:
        print(json.dumps(results, indent=2))
        return 0
    for r in results:
        print(f"{r['scenario']}: {r['detections']} detections in {r['scans']} scans, "
              f"{r['launches']} launches")
        for name in ("ours", "stone_soup"):
            x = r[name]
            pips = [v for v in x["pip_error_km_60s_after_burnout"].values()]
            known = [v for v in pips if v is not None]
            print(f"  {name:10s} {x['time_s']:8.2f} s  GOSPA {x['gospa_mean_m']:8.1f} m  "
                  f"confirmed {x['confirmed_tracks']:3d}  PIP+60s median "
                  f"{np.median(known) if known else float('nan'):.2f} km "
                  f"(max {max(known) if known else float('nan'):.2f}, missing "
                  f"{pips.count(None)})")
        print(f"  Stone Soup / ours time: {r['speed_ratio']}x (best of {r['repeats']})")
        print("  ours: " + "; ".join(f"{k} {v}" for k, v in r["ours_config"].items()))
        print("  peer: " + "; ".join(f"{k} {v}" for k, v in r["peer_config"].items()))
        print(f"  accuracy: {r['accuracy']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

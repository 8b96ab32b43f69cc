"""The Stone Soup peer of ``bench_tracker.py``: models, associators and the tracker.

Stone Soup (``stonesoup``, the test extra) has no ballistic motion model, no radar model in
a site's east-north-up frame and no interacting multiple model (IMM) filter, so two models
are written here for it from gsomia's own functions; everything else is its stock
components, assembled as its documentation does:

- *motion*: a ``TransitionModel`` whose function is :func:`gsomia.physics.propagate.
  propagate` (J2, rotating Earth, RK4 step 2 s, as our tracker) with continuous white-noise
  acceleration (CWNA) of one density ``q`` [m²/s³], and Stone Soup's own finite-difference
  Jacobian. One EKF, not our IMM of a ballistic and a powered mode: ``q`` (``--ss-q``,
  default 3000 m²/s³, our powered mode's density) must let it follow the boost, which
  fills the scans compared. On ``salvo-10`` of seed 99 (not the benchmark's seed 18), the
  peer's mean GOSPA over 150 scans was 10.2 km at q = 1000, 6.2 km at 3000 and 5.9 km at
  10,000 (and at seed 18: 59.6 km at 30, 28.6 km at 300 with duplicate tracks on launches
  it could not follow, 10.0 km at 3000).
- *measurement*: range, azimuth (a ``Bearing``) and elevation in the radar's ENU frame, by
  :class:`gsomia.warning.tracking.models.RadarMeasurementModel` (reversible, for the
  initiator); each radar's model carries that radar's Pd and clutter density.
- *association* (``--peer-associator``): ``ehm2`` (default) ``JPDAwithEHM2``, ``ehm``
  ``JPDAwithEHM``, ``lbp`` ``JPDAwithLBP``, ``pyehm2`` the C++ EHM2 of ``pyehm`` (the bench
  extra; Stone Soup's example below points to it as the faster implementation, through
  ``pyehm.plugins.stonesoup.JPDAWithEHM2``), each with a ``PDAHypothesiser`` and driven by
  ``MultiTargetMixtureTracker`` (Stone Soup's example "Comparing Efficient Hypothesis
  Management (EHM) with probability associators" builds its JPDA trackers this way; EHM and
  EHM2 give the exact JPDA marginals without enumerating joint events, EHM2 faster on
  clustered tracks, per Horridge & Maskell, "Real-time tracking of hundreds of targets with
  efficient exact JPDAF implementation", FUSION 2006); or ``gnn``: ``GNNWith2DAssignment`` with
  a ``DistanceHypothesiser`` (Mahalanobis, missed distance = our gate) and
  ``MultiTargetTracker``, the peer this benchmark used before.
- *PDA parameters, from our sensors*: Pd of the scanning radar (``Radar.pd``, 0.9 or 0.95);
  clutter density = its ``false_alarms_per_scan`` over its coverage volume in measurement
  space, ``R_max · Δaz · (π/2 − el_min)`` [m·rad²] (the simulation draws false alarms
  uniformly in that coverage, :meth:`gsomia.warning.sensors.Radar.sample_coverage`); gate
  probability = ours (``TrackerConfig.gate_probability``, 0.9999). ``PDAHypothesiser`` has one
  Pd and one density; the subclass here takes them, per scan, from the scan's radar.
- *initiation and deletion*: ``MultiMeasurementInitiator`` (tentative tracks associated by
  ``GNNWith2DAssignment`` + ``DistanceHypothesiser`` at our gate, released after our
  ``confirm_hits`` = 5 updates, tentative ones deleted after 30 s without update, our
  ``init_max_dt_s``; prior velocity 0 ± 3 km/s) and ``UpdateTimeDeleter`` (60 s, our
  ``max_coast_s``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter

import numpy as np

from gsomia.physics.propagate import propagate
from gsomia.warning.sensors import Radar
from gsomia.warning.tracking.models import RadarMeasurementModel, cwna_covariance

EPOCH = dt.datetime(2000, 1, 1)
PEER_ASSOCIATORS = ("ehm2", "pyehm2", "ehm", "lbp", "gnn")
TENTATIVE_TIMEOUT_S = 30.0
COAST_TIMEOUT_S = 60.0


def clutter_density(radar: Radar) -> float:
    """False alarms per scan over the radar's coverage in (range, az, el) [1/(m·rad²)]."""
    width = 2.0 * radar.sector_half_width_rad
    return radar.false_alarms_per_scan / (radar.max_range_m * width
                                          * (math.pi / 2 - radar.min_elevation_rad))


def _transition(q_m2_s3: float):
    from stonesoup.base import Property
    from stonesoup.models.base import GaussianModel, TimeVariantModel
    from stonesoup.models.transition.base import TransitionModel
    from stonesoup.types.array import CovarianceMatrix, StateVector, StateVectors

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

    return BallisticTransition(q=q_m2_s3)


def _radar_model_class():
    from stonesoup.base import Property
    from stonesoup.models.base import ReversibleModel
    from stonesoup.models.measurement.nonlinear import NonLinearGaussianMeasurement
    from stonesoup.types.angle import Bearing, Elevation
    from stonesoup.types.array import StateVector, StateVectors

    class RadarAER(NonLinearGaussianMeasurement, ReversibleModel):
        """Range, azimuth (Bearing) and elevation in the site's ENU frame, by gsomia."""

        site: tuple = Property(doc="(lat_deg, lon_deg, alt_m)")
        prob_detect: float = Property(default=0.9, doc="Pd of the radar")
        clutter_density: float = Property(default=1e-12, doc="false alarms / (m rad²)")

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

    return RadarAER


def peer_scans(scans, radars: dict[str, Radar]):
    """Our scans ``[(t_s, [Detection, ...]), ...]`` → ``([(datetime, set of Stone Soup
    detections)], truth)``, ``truth`` mapping ``id(detection)`` to its ``truth_id``; one
    measurement model per radar, carrying its Pd and clutter density."""
    from stonesoup.types.angle import Bearing, Elevation
    from stonesoup.types.array import StateVector
    from stonesoup.types.detection import Detection as SSDetection

    radar_aer = _radar_model_class()
    models = {}
    out, truth = [], {}
    for t, scan in scans:
        d0 = scan[0]
        key = d0.sensor_id
        if key not in models:
            radar = radars.get(key)
            models[key] = radar_aer(
                ndim_state=6, mapping=(0, 1, 2), noise_covar=d0.covariance,
                site=(d0.site_lat_deg, d0.site_lon_deg, d0.site_alt_m),
                prob_detect=radar.pd if radar else 0.9,
                clutter_density=clutter_density(radar) if radar else 1e-12)
        stamp = EPOCH + dt.timedelta(seconds=t)
        dets = set()
        for d in scan:
            sd = SSDetection(StateVector([d.range_m, Bearing(d.az_rad), Elevation(d.el_rad)]),
                             timestamp=stamp, measurement_model=models[key])
            truth[id(sd)] = d.truth_id
            dets.add(sd)
        out.append((stamp, dets))
    return out, truth


def peer_tracker(scans, kind: str, q_m2_s3: float, gate_probability: float,
                 gate: float, confirm: int):
    """The Stone Soup tracker (module notes) over ``scans`` from :func:`peer_scans`;
    iterate it for ``(time, tracks)`` after each scan."""
    from stonesoup.dataassociator.neighbour import GNNWith2DAssignment
    from stonesoup.dataassociator.probability import JPDAwithEHM, JPDAwithEHM2, JPDAwithLBP
    from stonesoup.deleter.time import UpdateTimeDeleter
    from stonesoup.hypothesiser.distance import DistanceHypothesiser
    from stonesoup.hypothesiser.probability import PDAHypothesiser
    from stonesoup.initiator.simple import MultiMeasurementInitiator
    from stonesoup.measures import Mahalanobis
    from stonesoup.predictor.kalman import ExtendedKalmanPredictor
    from stonesoup.tracker.simple import MultiTargetMixtureTracker, MultiTargetTracker
    from stonesoup.types.array import CovarianceMatrix, StateVector
    from stonesoup.types.state import GaussianState
    from stonesoup.updater.kalman import ExtendedKalmanUpdater

    class RadarPDAHypothesiser(PDAHypothesiser):
        """PDA hypotheses with the Pd and clutter density of the scan's radar."""

        def hypothesise(self, track, detections, timestamp, **kwargs):
            for d in detections:
                self.prob_detect = d.measurement_model.prob_detect
                self.clutter_spatial_density = d.measurement_model.clutter_density
                break
            return super().hypothesise(track, detections, timestamp, **kwargs)

    if kind not in PEER_ASSOCIATORS:
        raise ValueError(f"peer associator {kind!r}: expected one of {PEER_ASSOCIATORS}")
    predictor = ExtendedKalmanPredictor(_transition(q_m2_s3))
    updater = ExtendedKalmanUpdater(measurement_model=None)

    def gnn():
        return GNNWith2DAssignment(DistanceHypothesiser(
            predictor, updater, measure=Mahalanobis(), missed_distance=math.sqrt(gate)))

    prior = GaussianState(StateVector(np.zeros(6)),
                          CovarianceMatrix(np.diag([0.0] * 3 + [3000.0**2] * 3)))
    initiator = MultiMeasurementInitiator(
        prior_state=prior, measurement_model=None,
        deleter=UpdateTimeDeleter(dt.timedelta(seconds=TENTATIVE_TIMEOUT_S)),
        data_associator=gnn(), updater=updater, min_points=confirm)
    deleter = UpdateTimeDeleter(dt.timedelta(seconds=COAST_TIMEOUT_S))
    if kind == "gnn":
        return MultiTargetTracker(initiator=initiator, deleter=deleter, detector=scans,
                                  data_associator=gnn(), updater=updater)
    hyp = RadarPDAHypothesiser(predictor=predictor, updater=updater,
                               clutter_spatial_density=1e-12, prob_detect=0.9,
                               prob_gate=gate_probability)
    if kind == "pyehm2":
        from pyehm.plugins.stonesoup import JPDAWithEHM2 as PyEHM2

        assoc = PyEHM2(hyp)
    else:
        assoc = {"ehm2": JPDAwithEHM2, "ehm": JPDAwithEHM, "lbp": JPDAwithLBP}[kind](hyp)
    return MultiTargetMixtureTracker(initiator=initiator, deleter=deleter, detector=scans,
                                     data_associator=assoc, updater=updater)


def measurement_of(state):
    """The detection a Stone Soup track state was updated with (the most probable one of
    a JPDA mixture), or ``None``."""
    from stonesoup.types.multihypothesis import MultipleHypothesis

    hyp = getattr(state, "hypothesis", None)
    if hyp is None:
        return None
    if isinstance(hyp, MultipleHypothesis):
        best = max((h for h in hyp if h), key=lambda h: float(h.probability), default=None)
        return None if best is None else best.measurement
    return hyp.measurement or None


class TrackLabels:
    """Majority truth id of each Stone Soup track's updates, counted incrementally."""

    def __init__(self, truth: dict[int, str | None]) -> None:
        self._truth = truth
        self._seen: dict[str, int] = {}
        self._counts: dict[str, Counter] = {}

    def label(self, track) -> str | None:
        n = self._seen.get(track.id, 0)
        counts = self._counts.setdefault(track.id, Counter())
        for s in track.states[n:]:
            m = measurement_of(s)
            if m is not None and self._truth.get(id(m)) is not None:
                counts[self._truth[id(m)]] += 1
        self._seen[track.id] = len(track.states)
        return counts.most_common(1)[0][0] if counts else None


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "(not installed)"


def peer_config(kind: str, q_m2_s3: float, gate_probability: float, gate: float,
                confirm: int) -> dict:
    """The peer's components and parameters as :func:`peer_tracker` builds them."""
    import stonesoup

    pda = (f"RadarPDAHypothesiser (PDAHypothesiser, Pd and clutter density of the scan's "
           f"radar, prob_gate {gate_probability:g})")
    return {"stonesoup": getattr(stonesoup, "__version__", "?"),
            "tracker": "MultiTargetTracker" if kind == "gnn" else "MultiTargetMixtureTracker",
            "associator": {"ehm2": "JPDAwithEHM2", "ehm": "JPDAwithEHM", "lbp": "JPDAwithLBP",
                           "pyehm2": f"pyehm {_version('pyehm')} JPDAWithEHM2 (C++)",
                           "gnn": "GNNWith2DAssignment"}[kind],
            "hypothesiser": (f"DistanceHypothesiser(Mahalanobis, missed_distance = "
                             f"sqrt({gate:g}))" if kind == "gnn" else pda),
            "predictor": "ExtendedKalmanPredictor", "updater": "ExtendedKalmanUpdater",
            "transition": "gsomia propagate (J2, rotating Earth, RK4 step 2 s) + CWNA, "
                          "Stone Soup's finite-difference Jacobian (one EKF: no IMM in "
                          "Stone Soup)",
            "cwna_q_m2_s3": q_m2_s3,
            "measurement": "range, Bearing, Elevation in the site ENU (gsomia "
                           "RadarMeasurementModel)",
            "initiator": f"MultiMeasurementInitiator(min_points={confirm}, GNNWith2DAssignment "
                         f"+ DistanceHypothesiser at the gate, deleter UpdateTimeDeleter "
                         f"{TENTATIVE_TIMEOUT_S:g} s, prior velocity sigma 3 km/s)",
            "deleter": f"UpdateTimeDeleter({COAST_TIMEOUT_S:g} s)"}

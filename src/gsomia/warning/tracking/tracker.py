"""Multi-target tracker: IMM filters (ballistic, powered and thrust modes), Mahalanobis
gating, global-nearest-neighbour assignment checked by marginal association probabilities,
two-point initiation, M-of-N confirmation and deletion.

Detections of any number of radars and owners enter one tracker; they are processed scan by
scan (all detections of one sensor at one time) in time order. For each scan:

1. *Predict* every live track to the scan time (IMM, one batched propagation per mode).
2. *Gate*: innovation ``ν = z ⊖ h(x̂)`` and ``S = H P Hᵀ + R`` for every track/detection pair;
   the pair is admissible when ``d² = νᵀ S⁻¹ ν ≤ γ`` with ``γ`` the χ²(3) quantile of
   ``gate_probability`` (Bar-Shalom, Li & Kirubarajan 2001, §2.7.3 / §7.4).
3. *Assign* by global nearest neighbour: minimise ``Σ d²`` over one-to-one assignments with
   :func:`scipy.optimize.linear_sum_assignment` on a ``K × (J + K)`` matrix whose extra
   columns let track k stay unassigned at cost ``γ`` (Blackman & Popoli, *Design and
   Analysis of Modern Tracking Systems*, Artech House 1999, §6.2); out-of-gate pairs are
   forbidden. Each detection goes to at most one track and each track takes at most one.
   The marginal probability of each pair (:mod:`.association`, belief propagation over
   the scan's joint association events) decides what an assignment may do: a pair below
   ``update_min_probability`` is *ambiguous* (in a salvo, the plot may as well be a
   neighbour's; a plot of an unresolved group is every member's): the track then takes the
   JPDA update of all the plots in its gate weighted by their marginals, which keeps the
   tracks of a group on the group's plots, with their spread in the covariance, until the
   radar resolves them, instead of a hard choice that can move it onto a neighbour
   (Bar-Shalom, Daum & Huang 2009); the plots of such an update are not added to the
   track's ``detections`` (they hold the plots that updated it alone). A plot that some
   track explains with probability above ``1 − initiate_min_probability`` (a plot of an
   unresolved group, a neighbour's plot in the gate) initiates nothing.
4. *Update* the assigned tracks (IMM update); for each unassigned track that the scanning
   sensor has seen before, count a miss *of that sensor* (a track's miss count is the
   smallest count of consecutive misses over the sensors that have seen it, so a radar that
   lost coverage does not delete a track that another radar still holds).
5. *Initiate*: an unassigned detection is paired with a waiting single detection (an
   *initiator*) of the previous 0.5–``init_max_dt_s`` seconds if their distance fits a
   speed ≤ ``init_max_speed_mps`` (plus 4σ); the pair gives a tentative track (two-point
   differencing, Bar-Shalom et al. 2001 §5.5.3); unpaired detections wait as initiators.
6. *Confirm* a tentative track after ``confirm_hits`` updates (M of N: a tentative track with
   ``tentative_max_misses`` misses is deleted first); *delete* a confirmed track after
   ``confirmed_max_misses`` consecutive misses, after ``max_coast_s`` without update (dated
   when that age ran out; :meth:`Tracker.advance` does the same between scans), or when its
   prediction is below the ground; of two confirmed tracks closer than
   ``duplicate_distance_m`` (if positive) the younger one is deleted.

The tracker never reads a detection's ``truth_id``.
"""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.stats import chi2

from gsomia.errors import InputError
from gsomia.physics.earth import WGS84, Earth
from gsomia.physics.geodesy import height_above_ellipsoid_fast
from gsomia.warning.tracking.association import (
    association_log_weights,
    gnn_assign,
    marginal_association,
    mode_distances,
    pda_update,
)
from gsomia.warning.tracking.checks import MAX_RANGE_M, check_detection
from gsomia.warning.tracking.imm import IMMEstimate, IMMFilter, combine
from gsomia.warning.tracking.models import (
    BallisticMotionModel,
    RadarMeasurementModel,
    ThrustMotionModel,
)
from gsomia.warning.tracking.predict import ExtendedKalmanPredictor
from gsomia.warning.tracking.states import GaussianStates, TrackState
from gsomia.warning.tracking.update import ExtendedKalmanUpdater
from gsomia.warning.types import Detection

__all__ = ["BALLISTIC", "MAX_RANGE_M", "POWERED", "Track", "Tracker", "TrackerConfig",
           "check_detection", "gnn_assign", "scans"]

BALLISTIC = 0
"""Index of the ballistic mode in the IMM."""
POWERED = 1
"""Index of the powered (boost) mode in the IMM."""

_FORBIDDEN = 1e12


@dataclass(frozen=True, slots=True)
class TrackerConfig:
    """The whole configuration of a :class:`Tracker`.

    Attributes:
        q_ballistic_m2_s3: CWNA density of the ballistic mode above the atmosphere [m²/s³]
            (:mod:`.models` notes): 0.01 m²/s³ is a velocity random walk of 0.3 m/s over a
            10-s revisit, two orders of magnitude above the exo-atmospheric forces that the
            physics layer leaves out, as a margin for the EKF's linearisation.
        drag_beta_kg_m2: β of the lightest re-entry body expected [kg/m²], which raises the
            ballistic mode's noise inside the atmosphere (:mod:`.models` notes), or ``None``
            (the default): the simulated flights of :mod:`gsomia.sim` fly drag-free, and on
            them a drag term only costs accuracy (on stress-20 it raised the mean GOSPA by
            ~350 m with β = 1000 kg/m², by inflating the noise during re-entry). A node facing
            real re-entries should set it (order 10³-10⁴ kg/m² for ballistic re-entry
            vehicles; the low end is the conservative choice).
        q_powered_m2_s3: CWNA density of the powered mode [m²/s³]; 3000 m²/s³ lets the velocity
            wander ~55 m/s in 1 s, the size of a missile's thrust acceleration near burnout.
        boost_to_ballistic_per_s, ballistic_to_boost_per_s: IMM switching rates [1/s].
        initial_powered_probability: μ(powered) of a new track.
        gate_probability: probability mass inside the gate (χ², 3 degrees of freedom).
        confirm_hits: updates that confirm a tentative track (M of M-of-N).
        tentative_max_misses: misses that delete a tentative track (N − M + 1).
        confirmed_max_misses: consecutive misses that delete a confirmed track.
        max_coast_s: time without update that deletes any track [s].
        init_max_speed_mps: largest speed of a two-point initiation [m/s].
        init_max_dt_s: largest time between the two points [s].
        init_velocity_sigma_mps: extra velocity uncertainty of a new track [m/s] (thrust).
        thrust_accelerations_m_s2: one IMM mode of thrust along the velocity
            (:class:`~.models.ThrustMotionModel`) per value [m/s²], inside the 18-87 m/s²
            of :mod:`gsomia.physics`' classes. Without them a track lags its accelerating
            missile by ½·a·Δt² per revisit and slides onto the missile behind (salvo-50-
            five-sites, all parties: confirmed / spurious / swaps 63 / 13 / 76 without,
            55 / 5 / 48 with; Japan-alone LPEs up to 12.7 km off on 2017-03-06). Cost: a
            thrust at burnout above the top level (ER-Scud ~75 m/s²) leaves the track
            150-300 m/s behind and the IMM in the thrust modes a scan or two: Korea's
            first PIP within 50 km on 2017-03-06 comes 5-15 s later.
        q_thrust_m2_s3: CWNA density of the thrust modes [m²/s³] (the thrust's change and
            direction error: 300 m²/s³ is ~17 m/s of velocity wander in 1 s).
        thrust_change_per_s: total switching rate from a powered mode to the others [1/s].
        association_pd: P_D of the association weights (:mod:`.association`).
        new_plot_density: density of plots from no track (false alarms, new objects) per
            unit of measurement space [1/(m·rad²)] in the association weights.
        update_min_probability: smallest marginal probability of a GNN pair that updates
            its track alone; below it the JPDA update (module notes, step 3).
        initiate_min_probability: smallest probability of coming from no track that lets
            a plot initiate (module notes, step 3).
        duplicate_distance_m: confirmed tracks closer than this merge (younger deleted);
            0 turns merging off (the default: salvo missiles fly within a kilometre).
        step_s: RK4 step of the propagation [s].
        earth: the Earth model.
    """

    q_ballistic_m2_s3: float = 0.01
    drag_beta_kg_m2: float | None = None
    q_powered_m2_s3: float = 3000.0
    boost_to_ballistic_per_s: float = 0.02
    ballistic_to_boost_per_s: float = 1e-4
    initial_powered_probability: float = 0.5
    gate_probability: float = 0.9999
    confirm_hits: int = 5
    tentative_max_misses: int = 2
    confirmed_max_misses: int = 4
    max_coast_s: float = 60.0
    init_max_speed_mps: float = 8000.0
    init_max_dt_s: float = 30.0
    init_velocity_sigma_mps: float = 300.0
    duplicate_distance_m: float = 0.0
    thrust_accelerations_m_s2: tuple[float, ...] = (20.0, 45.0)
    q_thrust_m2_s3: float = 300.0
    thrust_change_per_s: float = 0.1
    association_pd: float = 0.9
    new_plot_density: float = 1e-6
    update_min_probability: float = 0.5
    initiate_min_probability: float = 0.5
    step_s: float = 2.0
    earth: Earth = field(default=WGS84, repr=False)

    def __post_init__(self) -> None:
        if not 0.0 < self.gate_probability < 1.0:
            raise InputError("gate_probability", self.gate_probability, "must be in (0, 1)")
        if self.confirm_hits < 1:
            raise InputError("confirm_hits", self.confirm_hits, "must be >= 1")
        for name in ("q_ballistic_m2_s3", "q_powered_m2_s3", "max_coast_s",
                     "init_max_speed_mps", "init_max_dt_s", "step_s"):
            if not getattr(self, name) > 0:
                raise InputError(name, getattr(self, name), "must be positive")

    @property
    def gate_threshold(self) -> float:
        """γ: the χ²(3) quantile of ``gate_probability``."""
        return float(chi2.ppf(self.gate_probability, 3))

    def imm_filter(self) -> IMMFilter:
        """The IMM of a ballistic (mode 0), a powered (mode 1) EKF and one thrust EKF per
        ``thrust_accelerations_m_s2`` (modes 2, …).

        Rates: ballistic → powered modes ``ballistic_to_boost_per_s`` in all, shared
        equally; each powered mode → ballistic ``boost_to_ballistic_per_s``; between the
        powered modes ``thrust_change_per_s`` in all from each (the thrust acceleration of
        a rocket changes over tens of seconds as its mass falls).
        """
        ball = ExtendedKalmanPredictor(BallisticMotionModel(
            self.q_ballistic_m2_s3, self.step_s, self.earth, self.drag_beta_kg_m2))
        powered = ExtendedKalmanPredictor(BallisticMotionModel(
            self.q_powered_m2_s3, self.step_s, self.earth))
        thrust = [ExtendedKalmanPredictor(ThrustMotionModel(
            a, self.q_thrust_m2_s3, self.step_s, self.earth))
            for a in self.thrust_accelerations_m_s2]
        m = 2 + len(thrust)
        rates = np.zeros((m, m))
        rates[0, 1:] = self.ballistic_to_boost_per_s / (m - 1)
        rates[1:, 0] = self.boost_to_ballistic_per_s
        if m > 2:
            off = self.thrust_change_per_s / (m - 2)
            rates[1:, 1:] = off
        np.fill_diagonal(rates, 0.0)
        np.fill_diagonal(rates, -rates.sum(axis=1))
        return IMMFilter((ball, powered, *thrust), rates)

    def initial_mode_probabilities(self) -> np.ndarray:
        """μ of a new track ``(M,)``: ``initial_powered_probability`` shared equally by the
        powered modes."""
        m = 2 + len(self.thrust_accelerations_m_s2)
        mu = np.full(m, self.initial_powered_probability / (m - 1))
        mu[0] = 1.0 - self.initial_powered_probability
        return mu


class Track:
    """One track: its number, status, IMM estimate, history and associated detections.

    Attributes:
        number: track number (1, 2, …, in order of initiation).
        status: ``"tentative"``, ``"confirmed"`` or ``"deleted"``.
        t_s: time of the current estimate [s]; x: ``(M, 6)``; P: ``(M, 6, 6)``; mu: ``(M,)``.
        history: :class:`TrackState` after every scan that concerned the track.
        detections: the detections that updated it alone (in time order; not those of a
            JPDA update, module notes step 3).
        initiated_s, confirmed_s, deleted_s: times of those events (``None`` until they happen).
        deleted_reason: why it was deleted (``None`` while live): ``"misses"`` (the
            sensors that saw it missed it too often), ``"age"`` (no update for
            ``max_coast_s``; then ``deleted_s`` is the time the age limit ran out),
            ``"below ground"`` or ``"duplicate"``.
    """

    def __init__(self, number: int, t_s: float, x: np.ndarray, P: np.ndarray,
                 mu: np.ndarray, detections: list[Detection]) -> None:
        self.number = number
        self.status = "tentative"
        self.t_s = t_s
        self.x = x
        self.P = P
        self.mu = mu
        self.hits = len(detections)
        self.sensor_misses = {d.sensor_id: 0 for d in detections}
        self.detections = list(detections)
        self.initiated_s = t_s
        self.confirmed_s: float | None = None
        self.deleted_s: float | None = None
        self.deleted_reason: str | None = None
        self.last_update_s = t_s
        self.history: list[TrackState] = []
        self._record(True)

    def _record(self, updated: bool) -> None:
        xc, Pc = combine(self.x[None], self.P[None], self.mu[None])
        self.history.append(TrackState(self.t_s, xc[0], Pc[0], self.mu.copy(), updated))

    @property
    def misses(self) -> int:
        """Consecutive misses of the sensor that lost the track last: the smallest count of
        consecutive misses over the sensors that have seen it."""
        return min(self.sensor_misses.values())

    @property
    def state(self) -> TrackState:
        """The latest combined estimate."""
        return self.history[-1]

    @property
    def confirmed(self) -> bool:
        """True once confirmed (also after deletion)."""
        return self.confirmed_s is not None

    def __repr__(self) -> str:
        return f"Track(number={self.number}, status={self.status!r}, t_s={self.t_s:.1f})"


@dataclass(slots=True)
class _Initiator:
    t_s: float
    r: np.ndarray
    cov: np.ndarray
    detection: Detection


def scans(detections: Iterable[Detection]) -> list[tuple[Detection, ...]]:
    """Detections grouped into scans (one sensor, one time) in the order :meth:`Tracker.
    process` takes them: a stable sort by (time, sensor id), order within a scan kept."""
    dets = sorted(detections, key=lambda d: (d.t_s, d.sensor_id))
    return [tuple(g) for _, g in itertools.groupby(dets, key=lambda d: (d.t_s, d.sensor_id))]


class Tracker:
    """The multi-target tracker (module notes). Feed it detections with :meth:`process`.

    Attributes:
        config: its :class:`TrackerConfig`.
        tracks: every track ever made (live and deleted), in order of initiation.
        snapshots: after each scan, ``(t_s, numbers (n,), positions (n, 3))`` of the
            confirmed live tracks, for the metrics.
    """

    def __init__(self, config: TrackerConfig | None = None) -> None:
        self.config = config or TrackerConfig()
        self._imm = self.config.imm_filter()
        self._gate = self.config.gate_threshold
        self._numbers = itertools.count(1)
        self._updaters: dict[tuple[float, float, float], ExtendedKalmanUpdater] = {}
        self._initiators: list[_Initiator] = []
        self.tracks: list[Track] = []
        self.snapshots: list[tuple[float, np.ndarray, np.ndarray]] = []
        self.t_s = -math.inf

    @property
    def live_tracks(self) -> list[Track]:
        """Tracks not deleted."""
        return [t for t in self.tracks if t.status != "deleted"]

    def fork(self) -> Tracker:
        """An independent copy (:func:`copy.deepcopy`) to run on from here: fed the same
        scans, it gives exactly what this tracker would, and feeding it never changes this
        one.

        The copy shares what a tracker never changes once made (its frozen configuration,
        IMM filter and measurement models, the detections, the recorded states, the
        snapshots and the deleted tracks), so copying costs the live tracks' mutable parts
        only.
        """
        memo: dict[int, object] = {id(self.config): self.config, id(self._imm): self._imm}
        memo.update((id(u), u) for u in self._updaters.values())
        memo.update((id(s), s) for s in self.snapshots)
        for tr in self.tracks:
            if tr.status == "deleted":
                memo[id(tr)] = tr
                continue
            memo.update((id(d), d) for d in tr.detections)
            memo.update((id(s), s) for s in tr.history)
        memo.update((id(i.detection), i.detection) for i in self._initiators)
        return copy.deepcopy(self, memo)

    def _updater(self, d: Detection) -> ExtendedKalmanUpdater:
        key = (d.site_lat_deg, d.site_lon_deg, d.site_alt_m)
        upd = self._updaters.get(key)
        if upd is None:
            upd = ExtendedKalmanUpdater(RadarMeasurementModel(*key, earth=self.config.earth))
            self._updaters[key] = upd
        return upd

    def process(self, detections: Iterable[Detection]) -> None:
        """Process detections scan by scan (grouped by sensor and time, in time order).

        Every detection is checked first (:func:`check_detection`); the same detection given
        twice (same sensor, time and measurement) counts once (:meth:`step`).

        Raises:
            InputError: an invalid detection (named field), or a detection older than a
                scan already processed.
        """
        dets = list(detections)
        for d in dets:
            check_detection(d)
        for scan in scans(dets):
            self.step(list(scan))

    def step(self, scan: Sequence[Detection]) -> None:
        """Process one scan: detections of one sensor at one time (module notes 1-6).

        The detections are checked (:func:`check_detection`) and must share sensor and time;
        identical detections (same sensor, time, range, azimuth, elevation and covariance, as
        when one feed is given twice) are kept once: a duplicate is not a second return, and
        kept twice it would initiate a spurious second track.

        Raises:
            InputError: an invalid detection, a scan mixing sensors or times, or a scan
                older than the tracker's time.
        """
        if not scan:
            return
        for d in scan:
            check_detection(d)
        if any(d.sensor_id != scan[0].sensor_id or d.t_s != scan[0].t_s for d in scan):
            raise InputError("scan", len(scan), "detections of one sensor at one time expected")
        seen: set[tuple] = set()
        unique = []
        for d in scan:
            key = (d.range_m, d.az_rad, d.el_rad, d.site_lat_deg, d.site_lon_deg, d.site_alt_m,
                   np.asarray(d.covariance, dtype=float).tobytes())
            if key not in seen:
                seen.add(key)
                unique.append(d)
        scan = unique
        t = scan[0].t_s
        if t < self.t_s:
            raise InputError("t_s", t, f"scan older than the tracker's time {self.t_s}")
        self.t_s = t
        updater = self._updater(scan[0])
        z = np.array([d.z for d in scan])
        R = np.array([d.covariance for d in scan])
        used = self._associate(self.live_tracks, scan, t, updater, z, R)
        self._maintain(t)
        free = [j for j in range(len(scan)) if j not in used]
        if free:
            self._initiate(t, [scan[j] for j in free], updater.measurement_model)
        self._snapshot(t)

    def _associate(self, live: list[Track], scan: Sequence[Detection], t: float,
                   updater: ExtendedKalmanUpdater, z: np.ndarray, R: np.ndarray) -> set[int]:
        """Steps 1-4 of the module notes for the live tracks and one scan's plots ``z``
        ``(J, 3)``, ``R`` ``(J, 3, 3)``: predict, gate, assign (GNN), update. A GNN pair whose
        marginal association probability (:meth:`_marginals`) is below
        ``update_min_probability`` is *ambiguous*: the track takes the JPDA update of every
        plot in its gate (:meth:`_pda_update`) instead of the one plot. Returns the
        indices of the plots that may not initiate: those assigned, ambiguous, or from a
        track with probability above ``1 − initiate_min_probability``."""
        if not live:
            return set()
        cfg = self.config
        model = updater.measurement_model
        est = IMMEstimate(live[0].t_s, np.stack([tr.x for tr in live]),
                          np.stack([tr.P for tr in live]), np.stack([tr.mu for tr in live]))
        pred = self._predict(live, est, t)
        mp = updater.predict_measurement(self._imm.combined(pred))
        nu = model.residual(z[None], mp.z[:, None])                         # (K, J, 3)
        S = mp.Pzz[:, None] + R[None]                                        # (K, J, 3, 3)
        d2 = np.einsum("kji,kji->kj", nu, np.linalg.solve(S, nu[..., None])[..., 0])
        d2 = np.minimum(d2, mode_distances(pred, updater, z, R))
        beta, p_new = self._marginals(d2, S)
        pairs = gnn_assign(d2, self._gate)
        shared = {k for k, j in pairs if beta[k, j] < cfg.update_min_probability}
        for k in shared:
            self._pda_update(live[k], pred, k, beta[k], updater, z, R, scan[0].sensor_id)
        used = {j for _, j in pairs} | {int(j) for j in
                                        np.nonzero(p_new < cfg.initiate_min_probability)[0]}
        pairs = [(k, j) for k, j in pairs if k not in shared]
        if pairs:
            ti = np.array([p[0] for p in pairs])
            dj = np.array([p[1] for p in pairs])
            sub = IMMEstimate(t, pred.x[ti], pred.P[ti], pred.mu[ti])
            post = self._imm.update(sub, updater, z[dj], R[dj])
            for n, (k, j) in enumerate(pairs):
                tr = live[k]
                tr.x, tr.P, tr.mu, tr.t_s = post.x[n], post.P[n], post.mu[n], t
                tr.hits += 1
                tr.sensor_misses[scan[j].sensor_id] = 0
                tr.last_update_s = t
                tr.detections.append(scan[j])
                tr._record(True)
        done = {k for k, _ in pairs} | shared
        for k, tr in enumerate(live):
            if k in done:
                continue
            tr.x, tr.P, tr.mu, tr.t_s = pred.x[k], pred.P[k], pred.mu[k], t
            if scan[0].sensor_id in tr.sensor_misses:
                tr.sensor_misses[scan[0].sensor_id] += 1
            tr._record(False)
        return used
    def _pda_update(self, tr: Track, pred: IMMEstimate, k: int, beta: np.ndarray,
                    updater: ExtendedKalmanUpdater, z: np.ndarray, R: np.ndarray,
                    sensor_id: str) -> None:
        """The JPDA update of track ``k`` (:func:`.association.pda_update`), mode by mode
        (the mode probabilities stay those predicted)."""
        x, P = pda_update(GaussianStates(pred.t_s, pred.x[k], pred.P[k]), beta, updater, z, R)
        tr.x, tr.P, tr.mu, tr.t_s = x, P, pred.mu[k], pred.t_s
        tr.hits += 1
        tr.sensor_misses[sensor_id] = 0
        tr.last_update_s = pred.t_s
        tr._record(True)

    def _marginals(self, d2: np.ndarray, S: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Marginal association probabilities of a scan (:mod:`.association`) from the
        squared distances ``(K, J)`` and innovation covariances ``(K, J, 3, 3)``."""
        cfg = self.config
        return marginal_association(
            association_log_weights(d2, S, self._gate, cfg.association_pd,
                                    cfg.new_plot_density),
            1.0 - cfg.association_pd * cfg.gate_probability)

    def _predict(self, live: list[Track], est: IMMEstimate, t: float) -> IMMEstimate:
        # Tracks may carry different times (all equal in practice: every live track is
        # brought to each scan time); predict each group of equal time in one batch.
        times = np.array([tr.t_s for tr in live])
        if np.all(times == times[0]):
            return self._imm.predict(est, t)
        out_x, out_P, out_mu = np.empty_like(est.x), np.empty_like(est.P), np.empty_like(est.mu)
        for t0 in np.unique(times):
            idx = np.nonzero(times == t0)[0]
            p = self._imm.predict(IMMEstimate(float(t0), est.x[idx], est.P[idx], est.mu[idx]), t)
            out_x[idx], out_P[idx], out_mu[idx] = p.x, p.P, p.mu
        return IMMEstimate(t, out_x, out_P, out_mu)

    def advance(self, t_s: float) -> list[Track]:
        """Bring the tracker's clock to ``t_s`` without a scan: every live track not updated
        for more than ``max_coast_s`` is deleted (reason ``"age"``, at the time its age limit
        ran out, ``last_update_s + max_coast_s``), as it would be at a scan; a track is
        lost on time even when no detection arrives. Nothing else changes (no prediction,
        no snapshot); waiting initiators older than ``init_max_dt_s`` are dropped.

        Returns:
            the tracks deleted by this call.

        Raises:
            InputError: ``t_s`` not finite or earlier than the tracker's time.
        """
        if not math.isfinite(t_s) or t_s < self.t_s:
            raise InputError("t_s", t_s, f"must be finite and not before the tracker's time "
                             f"{self.t_s}")
        cfg = self.config
        self.t_s = t_s
        lost = [tr for tr in self.live_tracks if t_s - tr.last_update_s > cfg.max_coast_s]
        for tr in lost:
            self._delete(tr, tr.last_update_s + cfg.max_coast_s, "age")
        self._initiators = [i for i in self._initiators if t_s - i.t_s <= cfg.init_max_dt_s]
        return lost

    def _maintain(self, t: float) -> None:
        cfg = self.config
        for tr in self.live_tracks:
            h = float(height_above_ellipsoid_fast(tr.state.x[:3], cfg.earth))
            if t - tr.last_update_s > cfg.max_coast_s:
                # lost when its age limit ran out, not at this later scan
                self._delete(tr, tr.last_update_s + cfg.max_coast_s, "age")
            elif tr.status == "tentative":
                if tr.misses >= cfg.tentative_max_misses:
                    self._delete(tr, t, "misses")
                elif tr.hits >= cfg.confirm_hits:
                    tr.status = "confirmed"
                    tr.confirmed_s = t
            elif tr.misses >= cfg.confirmed_max_misses or h < 0.0:
                self._delete(tr, t, "misses" if tr.misses >= cfg.confirmed_max_misses
                             else "below ground")
        confirmed = [tr for tr in self.live_tracks if tr.status == "confirmed"]
        for a, b in itertools.combinations(confirmed, 2):
            if a.status == "deleted" or b.status == "deleted":
                continue
            if np.linalg.norm(a.state.x[:3] - b.state.x[:3]) < cfg.duplicate_distance_m > 0:
                self._delete(b if b.number > a.number else a, t, "duplicate")

    def _delete(self, tr: Track, t: float, reason: str) -> None:
        tr.status = "deleted"
        tr.deleted_s = t
        tr.deleted_reason = reason

    def _initiate(self, t: float, dets: list[Detection], model: RadarMeasurementModel) -> None:
        cfg = self.config
        self._initiators = [i for i in self._initiators if t - i.t_s <= cfg.init_max_dt_s]
        z = np.array([d.z for d in dets])
        r, cov = model.inverse(z, np.array([d.covariance for d in dets]))
        cands = [i for i in self._initiators if t - i.t_s >= 0.5]
        used_init: set[int] = set()
        used_det: set[int] = set()
        if cands:
            dist = np.linalg.norm(r[:, None] - np.array([c.r for c in cands])[None], axis=-1)
            dt = t - np.array([c.t_s for c in cands])
            sig = np.sqrt(np.trace(cov, axis1=1, axis2=2)[:, None]
                          + np.array([np.trace(c.cov) for c in cands])[None])
            ok = dist <= cfg.init_max_speed_mps * dt[None] + 4.0 * sig
            cost = np.where(ok, dist / dt[None], _FORBIDDEN)
            rows, cols = linear_sum_assignment(cost)
            for a, b in zip(rows, cols, strict=True):
                if cost[a, b] >= _FORBIDDEN:
                    continue
                used_det.add(int(a))
                used_init.add(int(b))
                self._new_track(t, r[a], cov[a], cands[b], dets[a])
        drop = {id(cands[b]) for b in used_init}
        self._initiators = [i for i in self._initiators if id(i) not in drop]
        for a in range(len(dets)):
            if a not in used_det:
                self._initiators.append(_Initiator(t, r[a], cov[a], dets[a]))

    def _new_track(self, t: float, r2: np.ndarray, c2: np.ndarray, first: _Initiator,
                   det: Detection) -> None:
        cfg = self.config
        dt = t - first.t_s
        x = np.concatenate((r2, (r2 - first.r) / dt))
        P = np.zeros((6, 6))
        P[:3, :3] = c2
        P[:3, 3:] = c2 / dt
        P[3:, :3] = c2 / dt
        P[3:, 3:] = (c2 + first.cov) / dt**2 + np.eye(3) * cfg.init_velocity_sigma_mps**2
        mu = cfg.initial_mode_probabilities()
        m = self._imm.n_modes
        tr = Track(next(self._numbers), t, np.repeat(x[None], m, axis=0),
                   np.repeat(P[None], m, axis=0), mu, [first.detection, det])
        self.tracks.append(tr)

    def _snapshot(self, t: float) -> None:
        conf = [tr for tr in self.live_tracks if tr.status == "confirmed"]
        nums = np.array([tr.number for tr in conf], dtype=int)
        pos = np.array([tr.state.x[:3] for tr in conf]).reshape(-1, 3)
        self.snapshots.append((t, nums, pos))

    def combined_states(self, tracks: Sequence[Track]) -> GaussianStates:
        """Current combined estimates of ``tracks`` (all at the tracker's time)."""
        xs, Ps = combine(np.stack([tr.x for tr in tracks]), np.stack([tr.P for tr in tracks]),
                         np.stack([tr.mu for tr in tracks]))
        return GaussianStates(self.t_s, xs, Ps)

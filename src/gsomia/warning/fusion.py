"""Track-to-track fusion across parties: association, covariance intersection, provenance.

Each party's node tracks its own sensors' detections and shares *track reports*: the
estimate of one of its tracks at one time (ECEF state and covariance) with its provenance.
A receiving node combines its own tracks with the reports it holds in three steps.

1. **Provenance and de-duplication.** A report is identified by ``(originator,
   track_id)`` and ordered by ``update`` (the originator's update count of that track, ties
   broken by time). Only the latest report of each key is kept, and reports whose
   originator is the fusing node itself are dropped: a partner's (or a hub's) copy of our
   own data never comes back into our picture. A node shares only estimates made from its
   own sensors (``originator`` is never rewritten when a hub relays a report), so the same
   data can enter a fused estimate at most once per originator.

2. **Association** (Bar-Shalom, "On the track-to-track correlation problem", IEEE Trans.
   Automatic Control 26(2), 1981; Bar-Shalom & Campo, "The effect of the common process
   noise on the two-sensor fused-track covariance", IEEE Trans. AES 22(6), 1986;
   Bar-Shalom, Willett & Tian, *Tracking and Data Fusion*, YBS 2011, §8.3). All estimates
   are first predicted to the fusion time. For estimates ``a`` and ``b`` of the same object
   the difference ``Δ = x̂_a − x̂_b`` has covariance ``T = P_a + P_b − P_ab − P_ba``; the
   cross-covariance ``P_ab`` of two parties' tracks is not known to either of them, so it
   is taken as zero (``T = P_a + P_b``, which makes the test stricter when the common process
   noise correlates the errors positively). The pair is admissible when
   ``d² = Δᵀ T⁻¹ Δ ≤ γ`` with ``γ`` the χ²(6) quantile of ``gate_probability``, and pairs are
   chosen by a global-nearest-neighbour assignment minimising ``Σ d²`` (the tracker's
   :func:`~gsomia.warning.tracking.association.gnn_assign`, :func:`scipy.optimize.
   linear_sum_assignment`).

3. **Covariance intersection** (Julier & Uhlmann, "A non-divergent estimation algorithm in
   the presence of unknown correlations", Proc. American Control Conference 1997, eqs.
   (4)-(5)): with unknown cross-correlation the consistent combination is

   .. math::
       P^{-1} = \\omega P_a^{-1} + (1 - \\omega) P_b^{-1},\\qquad
       \\hat x = P\\,(\\omega P_a^{-1}\\hat x_a + (1 - \\omega) P_b^{-1}\\hat x_b)

   with ``ω ∈ [0, 1]`` minimising ``tr P`` or ``det P`` (both convex in ω; written as
   scalar functions of ω through one generalised eigendecomposition of the two
   information matrices and minimised by safeguarded Newton steps on their derivative,
   or at an end point, so the result is never larger than the better input by the
   criterion).
   Fusing an estimate with itself returns it for every ω.

Several reports of one object are fused sequentially (own tracks first, then each
originator in sorted order); CI of CI results stays consistent.

Shapes and units: states ``(6,)`` / ``(N, 6)`` ECEF position [m] and Earth-relative
velocity [m/s]; covariances ``(6, 6)`` / ``(N, 6, 6)``; times in seconds since the
scenario epoch. This module knows nothing of classification or of who may see a report.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.linalg
from scipy.stats import chi2

from gsomia.errors import InputError
from gsomia.physics.earth import WGS84, Earth
from gsomia.physics.propagate import propagate_each
from gsomia.warning.tracking.association import gnn_assign
from gsomia.warning.tracking.models import BallisticMotionModel
from gsomia.warning.tracking.predict import ExtendedKalmanPredictor, symmetrise
from gsomia.warning.tracking.states import GaussianStates

__all__ = [
    "CI_CRITERIA",
    "CovarianceIntersection",
    "FusedTrack",
    "FusionConfig",
    "TrackFuser",
    "TrackReport",
    "associate",
    "covariance_intersection",
    "latest_reports",
    "track_distance2",
]

CI_CRITERIA = ("trace", "det")
"""Criteria minimised by the CI weight ω: ``tr P`` or ``det P``."""


@dataclass(frozen=True, slots=True, eq=False)
class TrackReport:
    """One shared track estimate with its provenance (module notes, step 1).

    Attributes:
        originator: the party whose sensors made the estimate (never rewritten by a relay).
        track_id: the originator's track id.
        update: the originator's update count of that track (larger is newer).
        t_s: time of the estimate [s since the epoch].
        x: state ``(6,)``, ECEF [m, m/s]; P: covariance ``(6, 6)``.

    Raises:
        InputError: wrong shapes or a non-finite state.
    """

    originator: str
    track_id: str
    update: int
    t_s: float
    x: np.ndarray
    P: np.ndarray

    def __post_init__(self) -> None:
        x = np.asarray(self.x, dtype=float).reshape(-1)
        P = np.asarray(self.P, dtype=float)
        if x.shape != (6,) or P.shape != (6, 6):
            raise InputError("x", (x.shape, P.shape), "expected x (6,) and P (6, 6)")
        if not (np.all(np.isfinite(x)) and np.all(np.isfinite(P))):
            raise InputError("x", x.tolist(), "state and covariance must be finite")
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "P", P)

    @property
    def key(self) -> tuple[str, str]:
        """``(originator, track_id)``: the identity of the reported track."""
        return (self.originator, self.track_id)


@dataclass(frozen=True, slots=True, eq=False)
class CovarianceIntersection:
    """Result of :func:`covariance_intersection`: ``x (6,)`` or ``(n,)``, ``P``, ``omega``."""

    x: np.ndarray
    P: np.ndarray
    omega: float


def _spd_inverse(P: np.ndarray) -> np.ndarray:
    return np.linalg.inv(symmetrise(P))


def covariance_intersection(xa: np.ndarray, Pa: np.ndarray, xb: np.ndarray, Pb: np.ndarray,
                            criterion: str = "trace") -> CovarianceIntersection:
    """Fuse two estimates of one state whose cross-correlation is unknown (module notes 3).

    Args:
        xa, xb: means ``(n,)`` (same frame and units); Pa, Pb: covariances ``(n, n)``,
            symmetric positive definite.
        criterion: ``"trace"`` (minimise ``tr P``) or ``"det"`` (minimise ``det P``).

    Returns:
        the fused mean, covariance and the weight ω of ``a``.

    Raises:
        InputError: an unknown criterion or mismatched shapes.

    References:
        Julier & Uhlmann 1997 (module notes), eqs. (4)-(5).
    """
    if criterion not in CI_CRITERIA:
        raise InputError("criterion", criterion, f"expected one of {', '.join(CI_CRITERIA)}")
    xa, xb = np.asarray(xa, dtype=float), np.asarray(xb, dtype=float)
    Pa, Pb = np.asarray(Pa, dtype=float), np.asarray(Pb, dtype=float)
    n = xa.shape[0]
    if xb.shape != (n,) or Pa.shape != (n, n) or Pb.shape != (n, n):
        raise InputError("Pb", (xa.shape, Pa.shape, xb.shape, Pb.shape),
                         "expected x (n,) and P (n, n) for both estimates")
    Ia, Ib = _spd_inverse(Pa), _spd_inverse(Pb)

    def information(w: float) -> np.ndarray:
        return w * Ia + (1.0 - w) * Ib                                   # eq. (4)

    # The criterion as a scalar function of ω from one generalised eigendecomposition
    # Ia v = λ Ib v (V^T Ib V = I, V^T Ia V = diag λ; Golub & Van Loan, Matrix
    # Computations, 4th ed., §8.7.1): information(ω) = V^-T diag(s) V^-1 with
    # s_k = 1 + ω(λ_k − 1), so tr P = Σ_k ‖v_k‖² / s_k and log det P = −log det Ib −
    # Σ_k log s_k, both convex in ω with closed-form derivatives; ω is the root of the
    # derivative in (0, 1) (Newton steps kept inside a shrinking bracket), or an end point
    # where the derivative does not change sign.
    lam, V = scipy.linalg.eigh(symmetrise(Ia), symmetrise(Ib))
    w = _ci_weight(lam - 1.0, np.einsum("ij,ij->j", V, V), criterion)
    P = symmetrise(np.linalg.inv(information(w)))
    x = P @ (w * Ia @ xa + (1.0 - w) * Ib @ xb)                          # eq. (5)
    return CovarianceIntersection(x, P, w)


def _ci_weight(d: np.ndarray, weight: np.ndarray, criterion: str) -> float:
    """The ω in [0, 1] minimising the CI criterion (:func:`covariance_intersection`):
    ``tr P(ω) = Σ weight_k / (1 + ω d_k)`` or ``−log det P(ω) = Σ log(1 + ω d_k)`` up to
    a constant, both convex on [0, 1] (every ``1 + ω d_k > 0``: ``d_k = λ_k − 1`` with
    ``λ_k > 0``). Safeguarded Newton on the derivative to 1e-12 in ω."""

    def slopes(w: float) -> tuple[float, float]:
        s = 1.0 + w * d
        if criterion == "det":
            return float(-np.sum(d / s)), float(np.sum((d / s) ** 2))
        return (float(-np.sum(weight * d / s**2)),
                float(2.0 * np.sum(weight * d**2 / s**3)))

    if slopes(0.0)[0] >= 0.0:
        return 0.0
    if slopes(1.0)[0] <= 0.0:
        return 1.0
    lo, hi, w = 0.0, 1.0, 0.5
    for _ in range(100):
        g, h = slopes(w)
        if g > 0.0:
            hi = w
        else:
            lo = w
        step = w - g / h if h > 0.0 else 0.5 * (lo + hi)
        nxt = step if lo < step < hi else 0.5 * (lo + hi)
        if abs(nxt - w) <= 1e-12 or hi - lo <= 1e-12:
            return nxt
        w = nxt
    return w


def track_distance2(xa: np.ndarray, Pa: np.ndarray, xb: np.ndarray,
                    Pb: np.ndarray) -> np.ndarray:
    """Squared normalised distances of every pair of two batches of track estimates.

    ``d²[i, j] = Δᵀ (P_a,i + P_b,j)⁻¹ Δ`` with ``Δ = x_a,i − x_b,j`` (module notes 2: the
    unknown cross-covariance taken as zero).

    Args:
        xa: ``(N, n)``; Pa: ``(N, n, n)``; xb: ``(M, n)``; Pb: ``(M, n, n)``; all at one time.

    Returns:
        ``(N, M)`` array (χ² with ``n`` degrees of freedom for pairs of one object).
    """
    xa, xb = np.asarray(xa, dtype=float), np.asarray(xb, dtype=float)
    if xa.shape[0] == 0 or xb.shape[0] == 0:
        return np.zeros((xa.shape[0], xb.shape[0]))
    d = xa[:, None] - xb[None]                                           # (N, M, n)
    T = np.asarray(Pa, dtype=float)[:, None] + np.asarray(Pb, dtype=float)[None]
    return np.einsum("nmi,nmi->nm", d, np.linalg.solve(T, d[..., None])[..., 0])


def associate(xa: np.ndarray, Pa: np.ndarray, xb: np.ndarray, Pb: np.ndarray,
              gate_probability: float = 0.9999) -> list[tuple[int, int]]:
    """Pair the tracks of two sources that follow the same objects (module notes 2).

    Args:
        xa, Pa, xb, Pb: as :func:`track_distance2` (same time, same frame).
        gate_probability: mass of the χ²(n) gate, in (0, 1).

    Returns:
        pairs ``(index in a, index in b)``, each index at most once, all inside the gate.

    Raises:
        InputError: gate_probability outside (0, 1).
    """
    if not 0.0 < gate_probability < 1.0:
        raise InputError("gate_probability", gate_probability, "must be in (0, 1)")
    d2 = track_distance2(xa, Pa, xb, Pb)
    if d2.size == 0:
        return []
    return gnn_assign(d2, _chi2_gate(gate_probability, np.asarray(xa).shape[1]))


@functools.cache
def _chi2_gate(probability: float, dof: int) -> float:
    """χ²(``dof``) quantile of ``probability`` (computed once per pair: SciPy's ``ppf``
    costs about a millisecond, more than the rest of a small association)."""
    return float(chi2.ppf(probability, dof))


def latest_reports(reports: Iterable[TrackReport], own: str | None = None
                   ) -> list[TrackReport]:
    """The latest report of each ``(originator, track_id)``, leaving out ``own``'s data.

    Args:
        reports: reports in any order, possibly repeated (the same report received over two
            routes) or stale.
        own: the fusing party: its own reports, relayed back by a partner, are dropped.

    Returns:
        one report per key (largest ``update``, then latest ``t_s``), sorted by key.
    """
    best: dict[tuple[str, str], TrackReport] = {}
    for r in reports:
        if own is not None and r.originator == own:
            continue
        held = best.get(r.key)
        if held is None or (r.update, r.t_s) > (held.update, held.t_s):
            best[r.key] = r
    return [best[k] for k in sorted(best)]


@dataclass(frozen=True, slots=True, eq=False)
class FusedTrack:
    """One object in a node's fused picture.

    Attributes:
        t_s: time of the estimate [s]; x: ``(6,)`` ECEF [m, m/s]; P: ``(6, 6)``.
        sources: the ``(originator, track_id)`` of every estimate fused into it (the own
            track first when there is one).
    """

    t_s: float
    x: np.ndarray
    P: np.ndarray
    sources: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class FusionConfig:
    """The whole configuration of a :class:`TrackFuser`.

    Attributes:
        gate_probability: mass of the χ²(6) association gate.
        criterion: the CI criterion, ``"trace"`` or ``"det"``.
        q_m2_s3: process-noise density of the prediction to the fusion time [m²/s³].
        step_s: RK4 step of that prediction [s].
        max_age_s: reports older than this at the fusion time are left out [s]: the
            partners' and the node's own alike (a stale own track must not stand in for a
            partner's fresh one).
        earth: the Earth model.
    """

    gate_probability: float = 0.9999
    criterion: str = "trace"
    q_m2_s3: float = 1.0
    step_s: float = 2.0
    max_age_s: float = 30.0
    earth: Earth = field(default=WGS84, repr=False)

    def __post_init__(self) -> None:
        if not 0.0 < self.gate_probability < 1.0:
            raise InputError("gate_probability", self.gate_probability, "must be in (0, 1)")
        if self.criterion not in CI_CRITERIA:
            raise InputError("criterion", self.criterion,
                             f"expected one of {', '.join(CI_CRITERIA)}")
        if not self.max_age_s > 0:
            raise InputError("max_age_s", self.max_age_s, "must be positive")


class TrackFuser:
    """A node's fusion of its own tracks with its partners' reports (module notes).

    Args:
        party: the fusing party (its own data is never taken back from a report).
        config: the :class:`FusionConfig`.
    """

    def __init__(self, party: str, config: FusionConfig | None = None) -> None:
        self.party = party
        self.config = config or FusionConfig()
        self._model = BallisticMotionModel(self.config.q_m2_s3, self.config.step_s,
                                           self.config.earth)
        self._predictor = ExtendedKalmanPredictor(self._model)

    def predict(self, reports: Sequence[TrackReport], t_s: float) -> GaussianStates:
        """Every report's estimate predicted to ``t_s``: the EKF time update of
        :class:`~gsomia.warning.tracking.predict.ExtendedKalmanPredictor` (the same numbers
        as one call per distinct report time), with the motion function of every report
        and finite-difference perturbation advanced in one batch
        (:func:`~gsomia.physics.propagate.propagate_each`)."""
        n = len(reports)
        x = np.stack([r.x for r in reports]) if n else np.empty((0, 6))
        P = np.stack([r.P for r in reports]) if n else np.empty((0, 6, 6))
        times = np.array([r.t_s for r in reports])
        move = np.nonzero(times != t_s)[0]
        if move.size == 0:
            return GaussianStates(t_s, x, P)
        pred, model = self._predictor, self._model
        dt = t_s - times[move]
        steps = np.array([pred.fd_step_pos_m] * 3 + [pred.fd_step_vel_mps] * 3)
        delta = np.diag(steps)
        xm = x[move]
        pts = np.concatenate((xm[:, None], xm[:, None] + delta, xm[:, None] - delta), axis=1)
        out = propagate_each(pts.reshape(-1, 6), np.repeat(dt, 13), model.earth,
                             model.step_s).reshape(-1, 13, 6)
        F = np.swapaxes((out[:, 1:7] - out[:, 7:13]) / (2.0 * steps[:, None]), 1, 2)
        Pm = F @ P[move] @ np.swapaxes(F, 1, 2)
        for d in np.unique(dt):
            k = np.nonzero(dt == d)[0]
            Pm[k] = Pm[k] + model.covar(float(d), xm[k])
        x[move], P[move] = out[:, 0], symmetrise(Pm)
        return GaussianStates(t_s, x, P)

    def fuse(self, t_s: float, own: Sequence[TrackReport],
             received: Iterable[TrackReport]) -> list[FusedTrack]:
        """The fused picture at ``t_s``.

        Args:
            t_s: fusion time [s]; every estimate is predicted to it.
            own: the node's own track estimates (originator = ``party``), one per track;
                those older than ``max_age_s`` (or later than ``t_s``) are left out, as
                partners' reports are.
            received: every report held (any order, repeats and stale ones allowed).

        Returns:
            one :class:`FusedTrack` per object: own tracks (fused with the partners'
            reports associated to them) then partners' tracks no own track follows.
        """
        cfg = self.config
        fresh = [r for r in latest_reports(received, own=self.party)
                 if t_s - cfg.max_age_s <= r.t_s <= t_s]
        own = [r for r in latest_reports(own) if t_s - cfg.max_age_s <= r.t_s <= t_s]
        # every estimate predicted to t_s in one batch (row by row the same numbers as
        # one call per source: TrackFuser.predict, propagate_each)
        everyone = own + fresh
        st = self.predict(everyone, t_s)
        picture = [FusedTrack(t_s, st.x[i], st.P[i], (r.key,)) for i, r in enumerate(own)]
        originators = sorted({r.originator for r in fresh})
        for who in originators:
            rows = [len(own) + k for k, r in enumerate(fresh) if r.originator == who]
            theirs = [everyone[k] for k in rows]
            x, P = st.x[rows], st.P[rows]
            if picture:
                xa = np.stack([f.x for f in picture])
                Pa = np.stack([f.P for f in picture])
                pairs = associate(xa, Pa, x, P, cfg.gate_probability)
            else:
                pairs = []
            matched = set()
            for i, j in pairs:
                ci = covariance_intersection(picture[i].x, picture[i].P, x[j], P[j],
                                             cfg.criterion)
                picture[i] = FusedTrack(t_s, ci.x, ci.P, picture[i].sources + (theirs[j].key,))
                matched.add(j)
            picture += [FusedTrack(t_s, x[j], P[j], (theirs[j].key,))
                        for j in range(len(theirs)) if j not in matched]
        return picture

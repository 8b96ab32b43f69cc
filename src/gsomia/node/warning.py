"""The missile-warning payload a node shares: the three warning elements, as plain JSON.

Agreements.md §4: the trilateral mechanism shares only the estimated launch point (and
time), the flight trajectory (track state) and the estimated impact point, each with its
uncertainty; never pre-launch indications nor the type or location of own sensors. The
payload therefore holds only these, as JSON-ready numbers (SI units; times in seconds since
the scenario epoch, which travels as ISO 8601 text):

.. code-block:: text

    {"track_id": str, "epoch": ISO 8601, "t_s": float,
     "launch_point": {"lat_deg", "lon_deg", "launch_s", "launch_sigma_s",
                      "cov_en_m2": [[e, en], [ne, n]]} | null,
     "trajectory":   {"t_s", "x_ecef": [6 floats, m and m/s], "P": 6x6} | null,
     "impact_point": {"lat_deg", "lon_deg", "impact_s", "impact_sigma_s",
                      "cov_en_m2": 2x2, "valid": bool} | null}

This module is where the warning wing's types meet the node; the sharing wing sees only
the dict.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from gsomia.errors import InputError
from gsomia.schemas import MissileWarningDoc, parse
from gsomia.warning.tracking.impact import ImpactPrediction
from gsomia.warning.tracking.launch import LaunchPointEstimate
from gsomia.warning.tracking.states import TrackState

__all__ = ["ELEMENTS", "WARNING_TOPIC", "MissileWarning"]

#: Element names, as in the trilateral arrangement's scope (agreements.md §4).
ELEMENTS = ("launch_point", "trajectory", "impact_point")
#: The topic of missile warnings (TISA para 1 scope).
WARNING_TOPIC = "dprk-missile-threat"
#: Relative tolerance of a covariance's symmetry: ``|C - Cᵀ| <= SYMMETRY_RTOL * max|C|``
#: element by element (rounding in the tracker leaves ~1e-16; a typed matrix is exact).
SYMMETRY_RTOL = 1e-9
#: Relative tolerance of positive semi-definiteness: the smallest eigenvalue must be at
#: least ``-PSD_RTOL * max|eigenvalue|`` (rounding makes a singular covariance's zero
#: eigenvalue slightly negative).
PSD_RTOL = 1e-9


def _floats(value: Any, shape: tuple[int, ...], name: str) -> list:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise InputError(name, value, f"expected finite numbers of shape {shape}") from None
    if arr.shape != shape or not np.all(np.isfinite(arr)) or _has_non_number(value):
        raise InputError(name, value, f"expected finite numbers of shape {shape}")
    return arr.tolist()


def _has_non_number(value: Any) -> bool:
    """True when a nested list holds anything but int/float (a str "1" or a bool)."""
    if isinstance(value, list | tuple):
        return any(_has_non_number(v) for v in value)
    if isinstance(value, np.ndarray):
        return False
    return isinstance(value, bool) or not isinstance(value, int | float | np.number)


def _sigma(value: Any) -> float | None:
    """A standard deviation as JSON: None when unknown (not finite)."""
    v = float(value)
    return v if math.isfinite(v) else None


@dataclass(frozen=True, slots=True)
class MissileWarning:
    """One warning about one tracked missile at one time (the shared payload).

    Attributes:
        track_id: the issuing party's track number.
        epoch: the scenario epoch (aware UTC datetime).
        t_s: time of the warning [s since the epoch].
        launch_point, trajectory, impact_point: the elements (dicts as in the module
            docstring), each None when not yet estimated; at least one is present.
    """

    track_id: str
    epoch: dt.datetime
    t_s: float
    launch_point: dict[str, Any] | None = None
    trajectory: dict[str, Any] | None = None
    impact_point: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        if self.epoch.tzinfo is None:
            raise InputError("warning.epoch", self.epoch, "expected an aware datetime")
        if not self.elements:
            raise InputError("warning", self.track_id, "carries none of the three elements")

    @property
    def elements(self) -> tuple[str, ...]:
        """Names of the elements present, in :data:`ELEMENTS` order."""
        return tuple(e for e in ELEMENTS if getattr(self, e) is not None)

    #: The label's topic when published (:meth:`gsomia.node.Node.publish`).
    topic: ClassVar[str] = WARNING_TOPIC

    @property
    def stream(self) -> str:
        """The stream it is published on, ``warning:<track_id>`` (order kept per track)."""
        return f"warning:{self.track_id}"

    @classmethod
    def from_estimates(
        cls,
        track_id: str,
        epoch: dt.datetime,
        t_s: float,
        track: TrackState | None = None,
        launch: LaunchPointEstimate | None = None,
        impact: ImpactPrediction | None = None,
    ) -> MissileWarning:
        """Build the payload from the tracker's estimates (any may be None, not all)."""
        return cls(
            track_id=track_id,
            epoch=epoch,
            t_s=float(t_s),
            launch_point=None if launch is None else {
                "lat_deg": float(launch.lat_deg),
                "lon_deg": float(launch.lon_deg),
                "launch_s": float(launch.launch_s),
                "launch_sigma_s": _sigma(launch.launch_sigma_s),
                "cov_en_m2": _floats(launch.cov_en_m2, (2, 2), "launch.cov_en_m2"),
            },
            trajectory=None if track is None else {
                "t_s": float(track.t_s),
                "x_ecef": _floats(track.x, (6,), "track.x"),
                "P": _floats(track.P, (6, 6), "track.P"),
            },
            impact_point=None if impact is None else {
                "lat_deg": float(impact.lat_deg),
                "lon_deg": float(impact.lon_deg),
                "impact_s": float(impact.impact_s),
                "impact_sigma_s": _sigma(impact.impact_sigma_s),
                "cov_en_m2": _floats(impact.cov_en_m2, (2, 2), "impact.cov_en_m2"),
                "valid": bool(impact.valid),
            },
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON payload (module docstring)."""
        return {
            "track_id": self.track_id,
            "epoch": self.epoch.astimezone(dt.UTC).isoformat(),
            "t_s": self.t_s,
            "launch_point": self.launch_point,
            "trajectory": self.trajectory,
            "impact_point": self.impact_point,
        }

    def validate(self) -> MissileWarning:
        """Check every field (the node refuses to sign a malformed warning); return self.

        - ``track_id`` a non-empty string of at most 128 characters;
        - every time (``t_s``, ``launch_s``, ``impact_s``, ``trajectory.t_s``) a finite
          number [s since the epoch] of magnitude at most :data:`MAX_ABS_TIME_S` (ten
          years);
        - ``impact_point.impact_s >= t_s``: an impact is predicted forward from the
          estimate, never before it;
        - ``launch_point.launch_s <= t_s``: a launch is estimated after it happened;
        - latitudes in [-90, 90] and longitudes in [-180, 360] degrees (WGS 84, either
          longitude convention); standard deviations finite and >= 0 or null (unknown);
        - ``cov_en_m2`` 2x2 and ``P`` 6x6 finite matrices that are covariances:
          symmetric (to :data:`SYMMETRY_RTOL` of the largest element) and positive
          semi-definite (smallest eigenvalue >= ``-PSD_RTOL`` times the largest
          magnitude); ``x_ecef`` 6 finite numbers; ``valid`` a boolean.

        Raises:
            InputError: names the field, e.g. ``warning.launch_point.lat_deg``.
        """
        parse(MissileWarningDoc, self.to_dict(), prefix="warning")
        return self._check_covariances()

    def _check_covariances(self) -> MissileWarning:
        """The checks beyond the schema (numpy): each covariance symmetric and PSD."""
        for name in ("launch_point", "impact_point"):
            element = getattr(self, name)
            if element is not None and element.get("cov_en_m2") is not None:
                _covariance(element["cov_en_m2"], 2, f"warning.{name}.cov_en_m2")
        if self.trajectory is not None:
            _covariance(self.trajectory["P"], 6, "warning.trajectory.P")
        return self

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MissileWarning:
        """Read the JSON payload back and check it as :meth:`validate` does (the schema
        once, on ``data``; then the covariances).

        Raises:
            InputError: a field is missing or malformed (names ``warning.<field>``).
        """
        if not isinstance(data, Mapping):
            raise InputError("warning", data, "expected a JSON object")
        doc = parse(MissileWarningDoc, data, prefix="warning")
        return cls(track_id=doc.track_id, epoch=doc.epoch, t_s=doc.t_s,
                   launch_point=data.get("launch_point"), trajectory=data.get("trajectory"),
                   impact_point=data.get("impact_point"))._check_covariances()


def _covariance(value: Any, n: int, name: str) -> None:
    """An n x n covariance: finite numbers, symmetric and positive semi-definite (to the
    relative tolerances :data:`SYMMETRY_RTOL` and :data:`PSD_RTOL`)."""
    m = np.array(_floats(value, (n, n), name))
    if any(m[i, i] < 0 for i in range(n)):
        raise InputError(name, value, "expected a non-negative diagonal (variances)")
    check_covariance(m, name, value)


def check_covariance(m: np.ndarray, name: str, value: Any = None) -> None:
    """Raise :class:`InputError` naming ``name`` unless the finite square matrix ``m`` is
    symmetric and positive semi-definite (module tolerances)."""
    shown = m.tolist() if value is None else value
    scale = float(np.max(np.abs(m))) if m.size else 0.0
    if not np.all(np.abs(m - m.T) <= SYMMETRY_RTOL * scale):
        raise InputError(name, shown, "expected a symmetric matrix (a covariance)")
    eig = np.linalg.eigvalsh((m + m.T) / 2.0)
    if eig[0] < -PSD_RTOL * max(float(np.max(np.abs(eig))), 0.0):
        raise InputError(name, shown, f"expected a positive semi-definite matrix (a "
                                      f"covariance); smallest eigenvalue {eig[0]:.6g}")

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
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from gsomia.errors import InputError
from gsomia.warning.tracking.impact import ImpactPrediction
from gsomia.warning.tracking.launch import LaunchPointEstimate
from gsomia.warning.tracking.states import TrackState

__all__ = ["ELEMENTS", "WARNING_TOPIC", "MissileWarning"]

#: Element names, as in the trilateral arrangement's scope (agreements.md §4).
ELEMENTS = ("launch_point", "trajectory", "impact_point")
#: The topic of missile warnings (TISA para 1 scope).
WARNING_TOPIC = "dprk-missile-threat"


def _floats(value: Any, shape: tuple[int, ...], name: str) -> list:
    arr = np.asarray(value, dtype=float)
    if arr.shape != shape or not np.all(np.isfinite(arr)):
        raise InputError(name, value, f"expected finite numbers of shape {shape}")
    return arr.tolist()


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
                "launch_sigma_s": float(launch.launch_sigma_s),
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
                "impact_sigma_s": float(impact.impact_sigma_s),
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

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MissileWarning:
        """Read the JSON payload back.

        Raises:
            InputError: a field is missing or malformed (names ``warning.<field>``).
        """
        try:
            epoch = dt.datetime.fromisoformat(data["epoch"])
            out = cls(
                track_id=str(data["track_id"]),
                epoch=epoch,
                t_s=float(data["t_s"]),
                launch_point=data.get("launch_point"),
                trajectory=data.get("trajectory"),
                impact_point=data.get("impact_point"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, InputError):
                raise
            raise InputError("warning", dict(data), f"not a missile warning: {exc}") from None
        if out.trajectory is not None:
            _floats(out.trajectory.get("x_ecef"), (6,), "warning.trajectory.x_ecef")
        return out

"""Types shared by the sensors and the tracker.

Each stage of an estimate has its own type (after Stone Soup's ``types`` package): a
:class:`Detection` is what a sensor reports and is never used as a track state.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["Detection"]


@dataclass(frozen=True, eq=False)
class Detection:
    """One radar measurement (a plot) of one object, or a false alarm.

    Attributes:
        t_s: measurement time, seconds since the scenario epoch (UTC).
        sensor_id: id of the sensor that made it (e.g. ``"kor-greenpine-b-1"``).
        owner: the party that owns the sensor, ISO 3166 alpha-3 (``"KOR"``).
        site_lat_deg, site_lon_deg, site_alt_m: the sensor's geodetic position (WGS-84).
        range_m: slant range [m]; az_rad: azimuth, clockwise from north [rad];
            el_rad: elevation above the local horizontal [rad].
        covariance: measurement covariance, shape ``(3, 3)``, in (range_m, az_rad, el_rad).
        truth_id: id of the true object (a launch id), kept for evaluation only and never
            read by the tracker; ``None`` for a false alarm. For a plot of several objects
            the radar could not resolve, the first of ``merged_truth_ids``.
        merged_truth_ids: ids of every object merged into this one plot because the radar
            could not resolve them (:mod:`gsomia.warning.sensors`, "Resolution"), in the
            order of the observed flights; evaluation only, like ``truth_id``. Empty (the
            default) for a plot of one object or a false alarm.
    """

    t_s: float
    sensor_id: str
    owner: str
    site_lat_deg: float
    site_lon_deg: float
    site_alt_m: float
    range_m: float
    az_rad: float
    el_rad: float
    covariance: np.ndarray = field(repr=False)
    truth_id: str | None = None
    merged_truth_ids: tuple[str, ...] = ()

    @property
    def z(self) -> np.ndarray:
        """The measurement vector ``[range_m, az_rad, el_rad]``, shape ``(3,)``."""
        return np.array([self.range_m, self.az_rad, self.el_rad])

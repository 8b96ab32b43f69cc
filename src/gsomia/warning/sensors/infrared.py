"""Space-based infrared early warning: launch reports from the boost plume (e.g. SBIRS).

Randomness comes only from the ``numpy.random.Generator`` passed in: the same generator
state gives the same reports. Positions are geodetic (WGS-84) [deg], headings clockwise
from north [rad], times seconds since the scenario epoch.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from gsomia.physics.earth import WGS84, Earth
from gsomia.physics.geodesy import geodesic_direct, geodesic_inverse
from gsomia.warning.sensors.checks import check_identity, check_nonneg, check_probability
from gsomia.warning.sensors.coverage import wrap_angle_rad
from gsomia.warning.sensors.flight import Flight

__all__ = ["InfraredLaunchSensor", "LaunchReport"]


@dataclass(frozen=True, slots=True)
class LaunchReport:
    """A launch event reported by a space-based infrared sensor (no radar measurement).

    Attributes:
        t_s: time the report is available [s since the epoch].
        sensor_id, owner: the reporting sensor and its party.
        launch_t_s: estimated launch time [s since the epoch].
        launch_lat_deg, launch_lon_deg: coarse launch position (geodetic, WGS-84).
        heading_rad: estimated initial heading of the flight [rad, clockwise from north].
        sigma_position_m: 1-σ error of the position, per horizontal axis [m].
        sigma_heading_rad: 1-σ error of the heading [rad].
        truth_id: the true launch id, for evaluation only.
    """

    t_s: float
    sensor_id: str
    owner: str
    launch_t_s: float
    launch_lat_deg: float
    launch_lon_deg: float
    heading_rad: float
    sigma_position_m: float
    sigma_heading_rad: float
    truth_id: str | None = None


@dataclass(frozen=True, slots=True)
class InfraredLaunchSensor:
    """A space-based infrared early-warning system seen as one sensor (e.g. SBIRS).

    It sees the boost plume once the missile has burnt for ``detect_after_s`` (clearing
    cloud tops; a flight whose burn is shorter is not seen) and, ``report_delay_s`` later,
    issues a :class:`LaunchReport` with the launch point perturbed by Gaussian noise of
    ``sigma_position_m`` east and north, the launch time by ``sigma_time_s`` and the heading
    (true initial geodesic azimuth launch → impact) by ``sigma_heading_rad``. A report is
    issued with probability ``pd``. Global coverage is assumed (geostationary plus
    highly-elliptical constellation).

    Attributes:
        id, owner: sensor id and owning party.
        detect_after_s: burn time before the plume is seen [s].
        report_delay_s: processing and dissemination delay [s].
        sigma_position_m, sigma_time_s, sigma_heading_rad: report errors (1-σ).
        pd: probability of reporting a launch.
        earth: the ellipsoid.
    """

    id: str
    owner: str
    detect_after_s: float = 20.0
    report_delay_s: float = 40.0
    sigma_position_m: float = 5000.0
    sigma_time_s: float = 5.0
    sigma_heading_rad: float = math.radians(10.0)
    pd: float = 0.95
    earth: Earth = field(default=WGS84, repr=False)

    def __post_init__(self) -> None:
        check_identity(self.id, self.owner)
        check_nonneg("detect_after_s", self.detect_after_s)
        check_nonneg("report_delay_s", self.report_delay_s)
        check_nonneg("sigma_position_m", self.sigma_position_m)
        check_nonneg("sigma_time_s", self.sigma_time_s)
        check_nonneg("sigma_heading_rad", self.sigma_heading_rad)
        check_probability("pd", self.pd)

    def observe(self, flights: Sequence[Flight], rng: np.random.Generator) -> list[LaunchReport]:
        """Launch reports for the flights it sees, sorted by report time.

        Same generator state and inputs ⇒ identical reports.
        """
        reports = []
        for flight in flights:
            traj = flight.trajectory
            draws = rng.standard_normal(4)
            if rng.random() >= self.pd or traj.burnout_s < self.detect_after_s:
                continue
            _, heading_deg = geodesic_inverse(traj.launch_lat_deg, traj.launch_lon_deg,
                                              traj.impact_lat_deg, traj.impact_lon_deg,
                                              self.earth)
            de, dn = draws[0] * self.sigma_position_m, draws[1] * self.sigma_position_m
            dist = math.hypot(de, dn)
            lat, lon = traj.launch_lat_deg, traj.launch_lon_deg
            if dist > 0.0:
                lat, lon = geodesic_direct(lat, lon, dist,
                                           math.degrees(math.atan2(de, dn)) % 360.0,
                                           self.earth)
            reports.append(LaunchReport(
                t_s=flight.launch_s + self.detect_after_s + self.report_delay_s,
                sensor_id=self.id, owner=self.owner,
                launch_t_s=flight.launch_s + draws[2] * self.sigma_time_s,
                launch_lat_deg=float(lat), launch_lon_deg=float(lon),
                heading_rad=float(wrap_angle_rad(math.radians(float(heading_deg))
                                                 + draws[3] * self.sigma_heading_rad)),
                sigma_position_m=self.sigma_position_m,
                sigma_heading_rad=self.sigma_heading_rad, truth_id=flight.id))
        reports.sort(key=lambda r: r.t_s)
        return reports

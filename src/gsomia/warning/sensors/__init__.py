"""Sensor models: ground/ship radars that measure range, azimuth and elevation, and a
space-based infrared sensor that reports launch events.

One idea per module:

- :mod:`~gsomia.warning.sensors.flight`: :class:`Flight`, what a sensor observes (a
  trajectory placed on the scenario clock).
- :mod:`~gsomia.warning.sensors.coverage`: line of sight over the ellipsoid, refraction
  (effective-Earth model), sectors, angle wrapping.
- :mod:`~gsomia.warning.sensors.resolution`: objects a radar cannot tell apart, and the
  rule that merges their echoes into one plot ("Resolution").
- :mod:`~gsomia.warning.sensors.radar`: :class:`Radar` (coverage, detection draws, noise,
  false alarms, scans) and the limits of its configuration.
- :mod:`~gsomia.warning.sensors.scan`: the arrays a radar observes with, every object at
  every scan at once (samples, the draws in object order, resolution cells into plots).
- :mod:`~gsomia.warning.sensors.infrared`: :class:`InfraredLaunchSensor` and its
  :class:`LaunchReport`.
- :mod:`~gsomia.warning.sensors.checks`: the checks every sensor's configuration passes.

A sensor is a frozen dataclass whose fields are its whole configuration. Randomness comes
only from the ``numpy.random.Generator`` passed in: the same generator state gives the same
output. Frames and units: sites geodetic (WGS-84) [deg, m], targets ECEF [m], measurements
slant range [m], azimuth clockwise from north [rad] in ``[0, 2π)``, elevation [rad]; times
seconds since the scenario epoch.
"""

from gsomia.warning.sensors.coverage import (
    STANDARD_REFRACTION_K,
    line_of_sight_clear,
    wrap_angle_rad,
)
from gsomia.warning.sensors.flight import Flight
from gsomia.warning.sensors.infrared import InfraredLaunchSensor, LaunchReport
from gsomia.warning.sensors.radar import (
    MAX_BEAMWIDTH_RAD,
    MAX_FALSE_ALARMS_PER_SCAN,
    MAX_RANGE_RESOLUTION_M,
    MAX_SCAN_OFFSET_S,
    MAX_SIGMA_RANGE_M,
    Radar,
)

__all__ = [
    "MAX_BEAMWIDTH_RAD",
    "MAX_FALSE_ALARMS_PER_SCAN",
    "MAX_RANGE_RESOLUTION_M",
    "MAX_SCAN_OFFSET_S",
    "MAX_SIGMA_RANGE_M",
    "STANDARD_REFRACTION_K",
    "Flight",
    "InfraredLaunchSensor",
    "LaunchReport",
    "Radar",
    "line_of_sight_clear",
    "wrap_angle_rad",
]

"""Cueing a radar toward an area: a submarine contact tells a node where a launch may come
from, and its radars spend part of their search time on that sector.

Model (search radar equation: the time to search a solid angle at a given sensitivity is
proportional to the solid angle — Skolnik, *Introduction to Radar Systems*, 3rd ed.,
§2.15; Barton, *Radar System Analysis and Modeling*, §1.6): from the cue's time on, a radar
gives a fraction ``share`` of its search time (ASSUMPTION: half, :data:`CUE_SHARE`) to
the azimuth sector toward the area, a fence of the same elevations, so that sector is
revisited every

    revisit_cued = revisit · (half_width_cued / half_width_full) / share

(at least :data:`MIN_CUED_REVISIT_S`), while the rest of the volume is still searched at
``revisit / (1 − share)`` (its plots inside the cued sector are dropped: that sector is
the cued schedule's). The cued sector's half-width covers the area's 3-σ circle plus
:data:`CUE_MARGIN_M` (the first tens of seconds of a missile's flight, ASSUMPTION) seen
from the radar, and at least the radar's beamwidth. A radar with a fixed face cues only
an area inside its field of regard (its sector); an all-round radar cues any; a radar
too far to see low over the area (:data:`CUE_MAX_ALT_M`) takes no cue. A cue changes
nothing before its time.

Frames and units: geodetic sites and areas [deg], distances [m], azimuths clockwise from
north [rad]; times seconds since the scenario epoch.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from gsomia.errors import InputError
from gsomia.physics.geodesy import geodesic_inverse
from gsomia.warning.sensors.coverage import in_sector
from gsomia.warning.sensors.flight import Flight
from gsomia.warning.sensors.radar import Radar
from gsomia.warning.types import Detection

__all__ = ["CUE_MARGIN_M", "CUE_MAX_ALT_M", "CUE_SHARE", "MIN_CUED_REVISIT_S", "Cue",
           "cued_radars", "first_visible_alt_m", "observe_cued"]

CUE_SHARE = 0.5
"""Fraction of a cued radar's search time given to the cued sector (ASSUMPTION: half; no
public figure; a phased array's scheduler may give more or less)."""
CUE_MARGIN_M = 20_000.0
"""Added to the area's 3-σ radius [m]: a missile rises tens of km before a distant radar
sees it over the horizon, drifting a few km to some tens of km downrange (ASSUMPTION)."""
CUE_MAX_ALT_M = 20_000.0
"""Highest altitude [m] at which a radar must first see over the cued area to take the
cue (ASSUMPTION): below ~20 km a ballistic missile is still in its early, steep climb,
within :data:`CUE_MARGIN_M` of its launch point; a radar that first sees higher would
first see the missile downrange, outside the cued sector, and would only lose search
time on it."""
MIN_CUED_REVISIT_S = 1.0
"""Shortest revisit of a cued sector [s] (ASSUMPTION: a search frame needs dwells)."""


@dataclass(frozen=True, slots=True)
class Cue:
    """An area a node's radars are cued toward.

    Attributes:
        t_s: from when [s since the epoch] (a contact's issue or arrival time).
        lat_deg, lon_deg: centre of the area (geodetic) [deg].
        sigma_m: 1-σ radius of the area [m].
        source: what it came from (a contact report's source id).
    """

    t_s: float
    lat_deg: float
    lon_deg: float
    sigma_m: float
    source: str = ""

    def __post_init__(self) -> None:
        if not (math.isfinite(self.sigma_m) and self.sigma_m >= 0.0):
            raise InputError("cue.sigma_m", self.sigma_m, "expected a radius >= 0 m")


def first_visible_alt_m(radar: Radar, distance_m: float) -> float:
    """Lowest altitude [m] the radar sees at ground distance ``distance_m`` [m]: the
    height hidden by the Earth of effective radius k·a beyond the site's own horizon,
    ``(d − √(2·k·a·h_site))² / (2·k·a)`` (Skolnik §8.2), plus the beam's lowest elevation
    ``d · tan(min_elevation)`` (a small-angle, flat-Earth addition)."""
    ka2 = 2.0 * radar.refraction_k * 6_371_000.0
    hidden = max(0.0, distance_m - math.sqrt(ka2 * max(radar.alt_m, 0.0))) ** 2 / ka2
    return hidden + distance_m * math.tan(max(radar.min_elevation_rad, 0.0))


def cued_radars(radar: Radar, cue: Cue) -> tuple[Radar, Radar] | None:
    """The two search schedules of ``radar`` after ``cue`` (module notes): the cued sector
    (same id) and the whole volume at its slower revisit; both start their scans at the
    cue's time. ``None`` when the area lies outside the radar's field of regard or beyond
    its instrumented range plus the area's radius, when the radar first sees over the
    area above :data:`CUE_MAX_ALT_M` (:func:`first_visible_alt_m`), or when the cued
    sector would be revisited no sooner than the whole volume (a wide or near area)."""
    d, az_deg = (float(v) for v in geodesic_inverse(radar.lat_deg, radar.lon_deg,
                                                    cue.lat_deg, cue.lon_deg))
    reach = 3.0 * cue.sigma_m + CUE_MARGIN_M
    az = math.radians(az_deg) % (2.0 * math.pi)
    if d > radar.max_range_m + reach or not bool(in_sector(
            az, radar.sector_center_rad, radar.sector_half_width_rad)):
        return None
    if first_visible_alt_m(radar, d) > CUE_MAX_ALT_M:
        return None
    half = max(math.atan2(reach, d), radar.beamwidth_rad, 1e-3)
    full = radar.sector_half_width_rad if radar.sector_center_rad is not None else math.pi
    half = min(half, full)
    revisit = max(MIN_CUED_REVISIT_S, radar.revisit_s * (half / full) / CUE_SHARE)
    if revisit >= radar.revisit_s:   # an area this wide (or near) gains nothing: keep searching
        return None
    sector = dataclasses.replace(radar, sector_center_rad=az, sector_half_width_rad=half,
                                 revisit_s=revisit, scan_offset_s=cue.t_s,
                                 false_alarms_per_scan=radar.false_alarms_per_scan * half / full)
    rest = dataclasses.replace(radar, revisit_s=radar.revisit_s / (1.0 - CUE_SHARE),
                               scan_offset_s=cue.t_s)
    return sector, rest


def observe_cued(radar: Radar, flights: Sequence[Flight], t_start_s: float, t_end_s: float,
                 rng: np.random.Generator, cues: Sequence[Cue]) -> list[Detection]:
    """:meth:`Radar.observe` under a sequence of cues: its own schedule before the first
    cue it can take, and from each such cue's time to the next one's, the two schedules of
    that cue (:func:`cued_radars`: a later contact moves the sector). Without a usable cue,
    exactly ``radar.observe(...)``.

    Returns:
        detections sorted by time (same id and owner as the radar's own).
    """
    usable = [(max(c.t_s, t_start_s), pair) for c in sorted(cues, key=lambda c: c.t_s)
              if c.t_s < t_end_s and (pair := cued_radars(radar, c)) is not None]
    if not usable:
        return radar.observe(flights, t_start_s, t_end_s, rng)
    t0 = usable[0][0]
    out = radar.observe(flights, t_start_s, t0 - 1e-6, rng) if t0 > t_start_s else []
    for i, (t_a, (sector, rest)) in enumerate(usable):
        t_b = usable[i + 1][0] - 1e-6 if i + 1 < len(usable) else t_end_s
        if t_b < t_a:
            continue
        out += sector.observe(flights, t_a, t_b, rng)
        out += [d for d in rest.observe(flights, t_a, t_b, rng)
                if not sector.in_sector(d.az_rad)]
    out.sort(key=lambda d: d.t_s)
    return out

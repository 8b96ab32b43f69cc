"""Maritime sources: patrol aircraft and submarines that find a submarine at sea and issue
**contact reports** (position, uncertainty, time) before it launches.

Two sensor models, each a frozen dataclass whose fields are its whole configuration:

- :class:`PatrolAircraft` (P-3C / P-1 class maritime patrol aircraft on station): a
  search radar that detects a *mast or periscope* above the water, out to the smaller of
  its assumed periscope detection range and the radar horizon between the aircraft and the
  mast (:func:`radar_horizon_m`), and a *sonobuoy field* laid around its station that
  hears a submerged submarine out to an assumed passive range;
- :class:`SonarSubmarine` (a submarine on a barrier station): passive sonar contact out
  to an assumed range.

Every performance figure is an ASSUMPTION of order of magnitude: no navy publishes the
detection ranges of its sensors against a given submarine. The data file
(``gsomia/data/maritime_sensors.toml``) gives each figure with its reason and public source.

What is observed: :class:`SubmarineTrack`, a submarine's path (waypoints, linear in
latitude and longitude between them) and the windows during which its mast is up
(snorkelling or periscope depth). Randomness comes only from the
``numpy.random.Generator`` passed in. Positions are geodetic (WGS-84) [deg], distances [m],
times seconds since the scenario epoch.

References:
    Skolnik, *Introduction to Radar Systems*, 3rd ed., §8.2: radar horizon over a
    spherical Earth of effective radius k·a (k = 4/3), d = √(2kah₁) + √(2kah₂).
    Urick, *Principles of Underwater Sound*, 3rd ed., ch. 2: the passive sonar equation
    (why a passive range is a scenario assumption: it depends on the source level).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from gsomia.errors import InputError
from gsomia.physics.geodesy import geodesic_direct, geodesic_inverse
from gsomia.warning.sensors.checks import (
    check_finite,
    check_identity,
    check_nonneg,
    check_positive,
    check_probability,
    check_site,
)

__all__ = ["EARTH_RADIUS_M", "MAX_INTERVAL_S", "MAX_STATION_S", "MIN_INTERVAL_S",
           "ContactReport", "PatrolAircraft", "SonarSubmarine", "SubmarineTrack",
           "observe_maritime", "radar_horizon_m"]

EARTH_RADIUS_M = 6_371_000.0
"""Mean Earth radius [m] (IUGG) for the radar horizon; the 4/3 factor is applied on top."""

MAX_STATION_S = 4 * 3600.0
"""Time on station lies within this many seconds of the scenario epoch, either side (the
span of a scenario's submarine tracks, :data:`gsomia.schemas.scenario.MAX_DURATION_S`)."""

MIN_INTERVAL_S = 1.0
"""Least time between a source's looks [s] (ASSUMPTION: a bound on the number of looks,
at most 28,800 in a scenario's span, not a figure of any aircraft or submarine)."""

MAX_INTERVAL_S = 3600.0
"""Greatest time between a source's looks [s] (the bound of a radar's ``revisit_s``)."""

def radar_horizon_m(h1_m: float, h2_m: float, k: float = 4.0 / 3.0) -> float:
    """Distance [m] at which two heights [m] above the sea see each other by radar:
    √(2·k·a·h₁) + √(2·k·a·h₂) (Skolnik §8.2; k = 4/3: standard refraction).

    Raises:
        InputError: a negative height or a non-positive k.
    """
    for name, h in (("h1_m", h1_m), ("h2_m", h2_m)):
        if not (math.isfinite(h) and h >= 0.0):
            raise InputError(name, h, "expected a height >= 0 m")
    check_positive("k", k)
    ka = 2.0 * k * EARTH_RADIUS_M
    return math.sqrt(ka * h1_m) + math.sqrt(ka * h2_m)


@dataclass(frozen=True, slots=True)
class SubmarineTrack:
    """A submarine's path before (and up to) a launch.

    Attributes:
        id: the submarine's id (the truth id of its contact reports; evaluation only).
        waypoints: ``((t_s, lat_deg, lon_deg), ...)`` in increasing time; the position is
            linear in latitude and longitude between them, held at the ends.
        mast_up: ``((from_s, to_s), ...)`` windows when a mast or periscope is above the
            water (snorkelling, periscope depth); radar sees it only then.
        launch: the launch id it fires, or ``None`` (evaluation only).
        source: where the track comes from (public report or ASSUMPTION).

    Raises:
        InputError: no waypoint, times not increasing, a bad position or window.
    """

    id: str
    waypoints: tuple[tuple[float, float, float], ...]
    mast_up: tuple[tuple[float, float], ...] = ()
    launch: str | None = None
    source: str = ""

    def __post_init__(self) -> None:
        if not self.waypoints:
            raise InputError(f"submarines.{self.id}.track", [], "at least one waypoint")
        times = [w[0] for w in self.waypoints]
        if any(b <= a for a, b in zip(times, times[1:], strict=False)):
            raise InputError(f"submarines.{self.id}.track", times, "times must increase")
        for t, lat, lon in self.waypoints:
            check_finite("t_s", t)
            check_site(lat, lon, 0.0)
        for lo, hi in self.mast_up:
            if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
                raise InputError(f"submarines.{self.id}.mast_up", [lo, hi],
                                 "expected from_s < to_s")

    def position(self, t_s: float) -> tuple[float, float]:
        """``(lat_deg, lon_deg)`` at ``t_s`` (linear between waypoints, held at the ends)."""
        t = np.array([w[0] for w in self.waypoints])
        return (float(np.interp(t_s, t, [w[1] for w in self.waypoints])),
                float(np.interp(t_s, t, [w[2] for w in self.waypoints])))

    def mast_is_up(self, t_s: float) -> bool:
        """Whether a mast is above the water at ``t_s`` (a window ``[from_s, to_s)``)."""
        return any(lo <= t_s < hi for lo, hi in self.mast_up)

    @property
    def span_s(self) -> tuple[float, float]:
        """First and last waypoint times [s]."""
        return self.waypoints[0][0], self.waypoints[-1][0]


@dataclass(frozen=True, slots=True)
class ContactReport:
    """A submarine contact: where a maritime source puts a submarine, and when.

    Attributes:
        t_s: time the report is issued [s since the epoch] (the contact time plus the
            source's reporting delay).
        contact_t_s: time of the contact [s].
        sensor_id, owner: the reporting source and its party.
        lat_deg, lon_deg: estimated position (geodetic, WGS-84).
        sigma_m: 1-σ position error per horizontal axis [m].
        how: ``"radar"`` (mast/periscope), ``"sonobuoy"`` or ``"sonar"``.
        truth_id: the true submarine, for evaluation only (never shared).
    """

    t_s: float
    contact_t_s: float
    sensor_id: str
    owner: str
    lat_deg: float
    lon_deg: float
    sigma_m: float
    how: str
    truth_id: str | None = None


def _contact(sensor_id: str, owner: str, t_s: float, delay_s: float, lat: float, lon: float,
             sigma_m: float, how: str, sub: SubmarineTrack,
             rng: np.random.Generator) -> ContactReport:
    """A report at the true position plus Gaussian noise of ``sigma_m`` east and north."""
    de, dn = rng.standard_normal(2) * sigma_m
    az = math.degrees(math.atan2(de, dn)) % 360.0
    plat, plon = geodesic_direct(lat, lon, math.hypot(de, dn), az)
    return ContactReport(float(t_s + delay_s), float(t_s), sensor_id, owner, float(plat),
                         float(plon), float(sigma_m), how, sub.id)


def _check_common(s: PatrolAircraft | SonarSubmarine) -> None:
    for name in ("id", "owner"):
        if not isinstance(getattr(s, name), str):
            raise InputError(name, getattr(s, name), "expected a non-empty string")
    check_identity(s.id, s.owner)
    check_site(s.lat_deg, s.lon_deg, 0.0)
    check_finite("interval_s", s.interval_s)
    if not MIN_INTERVAL_S <= s.interval_s <= MAX_INTERVAL_S:
        raise InputError("interval_s", s.interval_s,
                         f"must be between {MIN_INTERVAL_S:g} and {MAX_INTERVAL_S:g} s")
    check_nonneg("report_delay_s", s.report_delay_s)
    for name in ("on_station_from_s", "on_station_to_s"):
        value = getattr(s, name)
        check_finite(name, value)
        if not -MAX_STATION_S <= value <= MAX_STATION_S:
            raise InputError(name, value, f"must be between {-MAX_STATION_S:g} and "
                             f"{MAX_STATION_S:g} s (the scenario's span)")
    if not s.on_station_from_s < s.on_station_to_s:
        raise InputError("on_station_to_s", s.on_station_to_s,
                         f"must be after on_station_from_s={s.on_station_from_s:g}")


@dataclass(frozen=True, slots=True)
class PatrolAircraft:
    """A maritime patrol aircraft on station (P-3C / P-1 class; module notes).

    Every ``interval_s`` while on station, a submarine is looked for: with its mast up
    and within ``min(periscope_range_m, radar_horizon_m(alt_m, mast_height_m))`` of the
    station, the radar detects it with probability ``pd_radar``; submerged (or mast
    up) within ``sonobuoy_field_radius_m + sonobuoy_range_m`` of the station, the
    sonobuoy field hears it with probability ``pd_sonobuoy``. A detection gives a
    :class:`ContactReport` with the position error of the sensor that made it
    (``sigma_radar_m`` or ``sigma_sonobuoy_m``), ``report_delay_s`` later.

    Attributes:
        id, owner: source id and party.
        lat_deg, lon_deg: centre of the patrol station (geodetic) [deg].
        alt_m: patrol altitude [m].
        on_station_from_s, on_station_to_s: time on station [s], within
            ±:data:`MAX_STATION_S` of the epoch.
        periscope_range_m: radar detection range of a mast or periscope [m] (ASSUMPTION).
        mast_height_m: height of the exposed mast above the water [m] (ASSUMPTION).
        pd_radar: per look, of a mast in range.
        sonobuoy_field_radius_m: radius of the sonobuoy field around the station [m].
        sonobuoy_range_m: passive range of one buoy [m] (ASSUMPTION).
        pd_sonobuoy: per look, of a submarine within the field's reach.
        sigma_radar_m, sigma_sonobuoy_m: 1-σ position errors [m].
        interval_s: time between looks [s], :data:`MIN_INTERVAL_S` to
            :data:`MAX_INTERVAL_S`; report_delay_s: to the report [s].
    """

    id: str
    owner: str
    lat_deg: float
    lon_deg: float
    alt_m: float = 1500.0
    on_station_from_s: float = 0.0
    on_station_to_s: float = 14_400.0
    periscope_range_m: float = 30_000.0
    mast_height_m: float = 2.0
    pd_radar: float = 0.5
    sonobuoy_field_radius_m: float = 20_000.0
    sonobuoy_range_m: float = 5_000.0
    pd_sonobuoy: float = 0.3
    sigma_radar_m: float = 500.0
    sigma_sonobuoy_m: float = 2_000.0
    interval_s: float = 300.0
    report_delay_s: float = 60.0

    def __post_init__(self) -> None:
        _check_common(self)
        check_positive("alt_m", self.alt_m)
        for name in ("periscope_range_m", "sonobuoy_range_m", "sigma_radar_m",
                     "sigma_sonobuoy_m"):
            check_positive(name, getattr(self, name))
        check_nonneg("mast_height_m", self.mast_height_m)
        check_nonneg("sonobuoy_field_radius_m", self.sonobuoy_field_radius_m)
        check_probability("pd_radar", self.pd_radar)
        check_probability("pd_sonobuoy", self.pd_sonobuoy)

    @property
    def mast_detection_range_m(self) -> float:
        """Radar range on a mast [m]: the assumed periscope range, cut at the radar horizon
        between the aircraft and the mast top (:func:`radar_horizon_m`)."""
        return min(self.periscope_range_m, radar_horizon_m(self.alt_m, self.mast_height_m))

    @property
    def sonobuoy_reach_m(self) -> float:
        """Distance from the station within which the buoy field hears a submarine [m]."""
        return self.sonobuoy_field_radius_m + self.sonobuoy_range_m

    def observe(self, submarines: Sequence[SubmarineTrack],
                rng: np.random.Generator) -> list[ContactReport]:
        """Contact reports of ``submarines`` while on station, sorted by time."""
        out = []
        for t, sub, lat, lon, d in _sightings(self, submarines):
            by_radar = (sub.mast_is_up(t) and d <= self.mast_detection_range_m
                        and rng.random() < self.pd_radar)
            if by_radar:
                out.append(_contact(self.id, self.owner, t, self.report_delay_s, lat, lon,
                                    self.sigma_radar_m, "radar", sub, rng))
            elif d <= self.sonobuoy_reach_m and rng.random() < self.pd_sonobuoy:
                out.append(_contact(self.id, self.owner, t, self.report_delay_s, lat, lon,
                                    self.sigma_sonobuoy_m, "sonobuoy", sub, rng))
        return out


@dataclass(frozen=True, slots=True)
class SonarSubmarine:
    """A submarine on a barrier station with passive sonar (module notes).

    Every ``interval_s`` while on station, a submarine within ``passive_range_m`` (or
    ``snorkel_range_m`` while its mast is up: a snorkelling diesel is loud) is heard with
    probability ``pd``; the report's 1-σ error is ``sigma_fraction`` of the range (a
    bearing and a rough range from target motion analysis), at least ``min_sigma_m``.

    Attributes:
        id, owner, lat_deg, lon_deg: source id, party, station [deg].
        on_station_from_s, on_station_to_s: time on station [s], within
            ±:data:`MAX_STATION_S` of the epoch.
        passive_range_m: detection range of a submerged boat on batteries [m] (ASSUMPTION).
        snorkel_range_m: detection range of a snorkelling boat [m] (ASSUMPTION).
        pd: per look; sigma_fraction, min_sigma_m: position error.
        interval_s: time between looks [s], :data:`MIN_INTERVAL_S` to
            :data:`MAX_INTERVAL_S`; report_delay_s: to the report (a submarine
            reports when it comes to communication depth) [s].
    """

    id: str
    owner: str
    lat_deg: float
    lon_deg: float
    on_station_from_s: float = 0.0
    on_station_to_s: float = 14_400.0
    passive_range_m: float = 10_000.0
    snorkel_range_m: float = 40_000.0
    pd: float = 0.5
    sigma_fraction: float = 0.1
    min_sigma_m: float = 1_000.0
    interval_s: float = 300.0
    report_delay_s: float = 600.0

    def __post_init__(self) -> None:
        _check_common(self)
        for name in ("passive_range_m", "snorkel_range_m", "sigma_fraction", "min_sigma_m"):
            check_positive(name, getattr(self, name))
        check_probability("pd", self.pd)

    def observe(self, submarines: Sequence[SubmarineTrack],
                rng: np.random.Generator) -> list[ContactReport]:
        """Contact reports of ``submarines`` while on station, sorted by time."""
        out = []
        for t, sub, lat, lon, d in _sightings(self, submarines):
            reach = self.snorkel_range_m if sub.mast_is_up(t) else self.passive_range_m
            if d <= reach and rng.random() < self.pd:
                sigma = max(self.min_sigma_m, self.sigma_fraction * d)
                out.append(_contact(self.id, self.owner, t, self.report_delay_s, lat, lon,
                                    sigma, "sonar", sub, rng))
        return out


def _sightings(s: PatrolAircraft | SonarSubmarine, submarines: Sequence[SubmarineTrack]
               ) -> Iterator[tuple[float, SubmarineTrack, float, float, float]]:
    """At each look on station (``from, from + interval, …`` up to ``to`` [s]), each
    submarine: ``(t_s, track, lat_deg, lon_deg, distance from the station [m])``."""
    n = int(math.floor((s.on_station_to_s - s.on_station_from_s) / s.interval_s + 1e-9))
    for t in s.on_station_from_s + s.interval_s * np.arange(n + 1):
        for sub in submarines:
            lat, lon = sub.position(float(t))
            yield (float(t), sub, lat, lon,
                   float(geodesic_inverse(s.lat_deg, s.lon_deg, lat, lon)[0]))


def observe_maritime(sources: Sequence[PatrolAircraft | SonarSubmarine],
                     submarines: Sequence[SubmarineTrack], seed_rng,
                     t_end_s: float) -> list[ContactReport]:
    """Every source's contact reports issued by ``t_end_s``, sorted by (time, source).

    ``seed_rng(sensor_id)`` gives each source its own generator (the run's
    :func:`gsomia.sim.observe.sensor_rng`), so adding a source changes nothing else.
    """
    out = [r for s in sources for r in s.observe(submarines, seed_rng(s.id))
           if r.t_s <= t_end_s]
    out.sort(key=lambda r: (r.t_s, r.sensor_id))
    return out

"""Sensor models: ground/ship radars that measure range, azimuth and elevation, and a
space-based infrared sensor that reports launch events.

A sensor is a frozen dataclass whose fields are its whole configuration (a scenario builds
it, a report shows it). It observes :class:`Flight` objects (a :class:`Trajectory` placed on
the scenario clock) and returns what it saw: :class:`~gsomia.warning.types.Detection` for a
radar, :class:`LaunchReport` for the infrared sensor. Randomness comes only from the
``numpy.random.Generator`` passed in: the same generator state gives the same output.

Frames and units: sites are geodetic (WGS-84) latitude/longitude [deg] and height [m];
targets are ECEF [m]; measurements are slant range [m], azimuth clockwise from north [rad]
in ``[0, 2π)`` and elevation above the local (geodetic) horizontal [rad]. Times are seconds
since the scenario epoch.

Line of sight
-------------
Geometric line of sight is the straight segment from the site to the target not passing
below the WGS-84 ellipsoid. It is tested exactly: scaling ECEF coordinates by
``(1/a, 1/a, 1/b)`` maps the ellipsoid onto the unit sphere and segments onto segments, so
the test is whether the nearest point of the scaled segment to the origin lies inside the
unit sphere.

Refraction uses the effective-Earth-radius model: a standard atmosphere bends rays so that,
relative to the ray, the Earth looks ``k`` times larger, ``k = 4/3`` (M. I. Skolnik, *Radar
Handbook*, 3rd ed., McGraw-Hill 2008, ch. 26 "Radar propagation", 4/3-Earth model; first
due to Schelleng, Burrows and Ferrell, Proc. IRE 21 (1933)). We state it on the true
ellipsoid: the ray from site to target is an arc of curvature (1 − 1/k)/R bent toward the
Earth; it must clear the ellipsoid, and the elevation at which it leaves the site is the
*apparent* elevation, which is what the minimum-elevation limit applies to. The reported
measurement is always the true geometric range/azimuth/elevation plus noise (a radar
corrects for refraction before reporting).

The geometric radio horizon of a radar at height ``h_r`` for a target at height ``h_t``
is then ``d ≈ √(2Rh_r) + √(2Rh_t)`` (ground distance; ``R`` the Earth's radius of curvature,
``kR`` with refraction) — the formula the tests hold the model to.

Resolution
----------
A radar cannot separate two objects that sit in the same resolution cell: their echoes
overlap in time (range) and arrive inside the same beam (angle), and the radar reports one
plot. Two objects are *resolved* in range when their slant ranges differ by at least the
range resolution ``ΔR = c/(2B)`` (``B`` the waveform bandwidth; ``c·τ/2`` for an
uncompressed pulse of length ``τ``), and in angle when the angle between their lines of
sight is at least the half-power beamwidth ``θ_B`` (M. I. Skolnik, *Introduction to Radar
Systems*, 3rd ed., McGraw-Hill 2001, range resolution ``c/2B`` and angular resolution ≈
beamwidth; the same rule as the "radar resolution volume" of the AMS *Glossary of
Meteorology*: "targets within the volume are not resolved and appear to be merged into a
single target"). Two objects are *unresolved* when both ``|ΔR_ij| < ΔR`` and
``angle_ij < θ_B``; unresolved pairs are chained (single linkage: if A is unresolved from B
and B from C, all three are one cell), which is a modelling choice (ASSUMPTION) that makes
the grouping independent of object order. The beam is taken as circular: one beamwidth for
azimuth and elevation, the angle measured between the two lines of sight from the site.

Merge rule (see :meth:`Radar.observe`): a cell of several in-coverage objects gives one plot
if at least one of them passes its own detection draw (echoes add, so a cell holding more
scatterers is detected with probability ``1 − (1 − pd)ⁿ``, ASSUMPTION of independent
fluctuation); the plot is the range/azimuth/elevation of the centroid of the members' true
ECEF positions with equal weights (ASSUMPTION: equal radar cross-sections; a real radar
gives an amplitude-weighted, glinting centroid) plus the noise of one ordinary plot with the
radar's covariance; its ``truth_id`` is the member that comes first in the order of the
``flights`` given (a rule that keeps one label while the objects stay together) and its
``merged_truth_ids`` lists every member in that order. A range resolution or beamwidth of 0
(the default) resolves everything: such a radar gives one plot per detected object, as
before this rule. False alarms are never merged.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from gsomia.errors import InputError
from gsomia.physics.earth import WGS84, Earth
from gsomia.physics.geodesy import (
    enu_basis,
    geodesic_direct,
    geodesic_inverse,
    geodetic2ecef,
    height_above_ellipsoid_fast,
)
from gsomia.physics.trajectory import Trajectory
from gsomia.warning.types import Detection

__all__ = [
    "STANDARD_REFRACTION_K",
    "Flight",
    "InfraredLaunchSensor",
    "LaunchReport",
    "Radar",
    "line_of_sight_clear",
]

STANDARD_REFRACTION_K = 4.0 / 3.0
"""Effective-Earth-radius factor of the standard atmosphere (Skolnik, *Radar Handbook*)."""

_TWO_PI = 2.0 * math.pi

MAX_FALSE_ALARMS_PER_SCAN = 100.0
"""Largest mean number of false alarms per radar scan: 100, orders of magnitude above a
radar's false-alarm rate after detection thresholding and far above any scenario's needs;
beyond it the detections (and the tracker's gating matrices) grow without bound."""
MAX_SIGMA_RANGE_M = 10_000.0
"""Largest range noise standard deviation [m]: 10 km, far coarser than any tracking radar."""
MAX_RANGE_RESOLUTION_M = 10_000.0
"""Largest range resolution [m]: 10 km, a 15 kHz bandwidth (c/2B), coarser than any
surveillance radar's waveform."""
MAX_BEAMWIDTH_RAD = math.pi / 2
"""Largest beamwidth [rad]: 90°; a wider beam could not tell the sides of a sector apart."""
MAX_SCAN_OFFSET_S = 86_400.0
"""Largest ``|scan_offset_s|`` [s]: one day (an offset beyond a revisit only shifts the
scan grid by whole revisits, and a scenario lasts less than a day)."""


def _check_finite(name: str, value: float) -> None:
    if not math.isfinite(value):
        raise InputError(name, value, "must be a finite number")


def _check_positive(name: str, value: float) -> None:
    _check_finite(name, value)
    if value <= 0.0:
        raise InputError(name, value, "must be > 0")


def _check_nonneg(name: str, value: float) -> None:
    _check_finite(name, value)
    if value < 0.0:
        raise InputError(name, value, "must be >= 0")


def _check_identity(sensor_id: str, owner: str) -> None:
    if not sensor_id:
        raise InputError("id", sensor_id, "a sensor needs a non-empty id")
    if not owner:
        raise InputError("owner", owner, "a sensor needs an owning party")


def _check_site(lat_deg: float, lon_deg: float, alt_m: float) -> None:
    _check_finite("lat_deg", lat_deg)
    _check_finite("lon_deg", lon_deg)
    _check_finite("alt_m", alt_m)
    if not -90.0 <= lat_deg <= 90.0:
        raise InputError("lat_deg", lat_deg, "latitude must lie in [-90, 90] degrees")
    if not -180.0 <= lon_deg <= 360.0:
        raise InputError("lon_deg", lon_deg, "longitude must lie in [-180, 360] degrees")
    if alt_m < -500.0:
        raise InputError("alt_m", alt_m, "a sensor site must not be below -500 m")


def _check_probability(name: str, value: float) -> None:
    _check_finite(name, value)
    if not 0.0 <= value <= 1.0:
        raise InputError(name, value, "a probability must lie in [0, 1]")


def wrap_angle_rad(angle_rad: np.ndarray) -> np.ndarray:
    """Wrap angles to ``[0, 2π)`` (float arrays in and out).

    ``np.mod`` of a tiny negative angle rounds to exactly 2π; that case is folded to 0.
    """
    w = np.mod(np.asarray(angle_rad, dtype=float), _TWO_PI)
    return np.where(w >= _TWO_PI, 0.0, w)


def line_of_sight_clear(site_ecef_m, target_ecef_m, earth: Earth = WGS84) -> np.ndarray:
    """True where the straight segment site → target stays on or above the ellipsoid.

    Exact for an ellipsoid of revolution: with ``s = diag(1/a, 1/a, 1/b)`` the ellipsoid is
    the unit sphere, segments stay segments, and the segment clears the Earth iff its point
    nearest the origin has norm ≥ 1 (a relative tolerance of 1e-12 lets end points lying
    exactly on the surface, such as a launch pad, count as visible when not masked).

    Args:
        site_ecef_m: sensor position, shape ``(3,)`` or ``(..., 3)`` [m], ECEF.
        target_ecef_m: target positions, shape ``(..., 3)`` [m], ECEF (broadcast with the site).
        earth: ellipsoid (default WGS-84).

    Returns:
        bool array of the broadcast leading shape.
    """
    scale = np.array([1.0 / earth.a_m, 1.0 / earth.a_m, 1.0 / earth.b_m])
    p = np.asarray(site_ecef_m, dtype=float) * scale
    q = np.asarray(target_ecef_m, dtype=float) * scale
    p, q = np.broadcast_arrays(p, q)
    d = q - p
    dd = np.einsum("...i,...i->...", d, d)
    pd = np.einsum("...i,...i->...", p, d)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.where(dd > 0.0, -pd / np.where(dd > 0.0, dd, 1.0), 0.0)
    s = np.clip(s, 0.0, 1.0)
    m = p + s[..., None] * d
    return np.einsum("...i,...i->...", m, m) >= 1.0 - 1e-12


@dataclass(frozen=True, slots=True)
class Flight:
    """One flown missile placed on the scenario clock.

    Attributes:
        id: launch id (becomes a detection's ``truth_id``).
        launch_s: launch time, seconds since the scenario epoch.
        trajectory: the flight, its own clock starting at 0 at launch.
    """

    id: str
    launch_s: float
    trajectory: Trajectory

    @property
    def impact_s(self) -> float:
        """Impact time, seconds since the scenario epoch."""
        return self.launch_s + self.trajectory.impact_s

    def position_at(self, t_s) -> np.ndarray:
        """ECEF position [m] at scenario time(s) ``t_s`` (``(...)`` → ``(..., 3)``).

        Raises:
            InputError: a time before launch or after impact.
        """
        return self.trajectory.position_at(np.asarray(t_s, dtype=float) - self.launch_s)


_Member = tuple[int, np.ndarray, tuple[np.ndarray, np.ndarray] | None]
"""An object in coverage at one scan: its flight's index, true ECEF position [m], and its
measurement and noise ``(z, noise)`` (each ``(3,)``) or ``None`` if it failed its Pd draw."""


@dataclass(frozen=True, slots=True)
class Radar:
    """A surveillance radar at a fixed site (ground or a ship on station).

    A target is *in coverage* at a scan when all hold: slant range ≤ ``max_range_m``;
    apparent elevation ≥ ``min_elevation_rad``; azimuth inside the sector (if any); line of
    sight clear of the ellipsoid (see the module notes; refraction via ``refraction_k``).
    In coverage it is detected with probability ``pd``; its measurement is the true
    (range, azimuth, elevation) plus independent Gaussian noise of standard deviations
    ``sigma_*``, with covariance ``diag(σ_r², σ_az², σ_el²)``.

    Scans happen at ``t = scan_offset_s + k · revisit_s`` (k integer): the radar revisits the
    whole volume at that interval (a search-fence model; no track-while-scan priority).
    False alarms: a Poisson number of mean ``false_alarms_per_scan`` per scan, placed
    uniformly in the coverage volume (uniform in volume means slant range with density
    ∝ r², azimuth uniform in the sector, sin(elevation) uniform; points out of coverage are
    re-drawn).

    Attributes:
        id: sensor id (e.g. ``"kor-greenpine-b-1"``).
        owner: owning party, ISO 3166 alpha-3 (``"KOR"``).
        lat_deg, lon_deg, alt_m: site, geodetic WGS-84 [deg, deg, m above the ellipsoid].
        max_range_m: instrumented range [m].
        min_elevation_rad: lowest apparent elevation the beam covers [rad], in [-π/2, π/2].
        revisit_s: time between scans [s].
        sigma_range_m, sigma_az_rad, sigma_el_rad: measurement noise standard deviations.
        pd: probability of detection per scan of a target in coverage.
        false_alarms_per_scan: mean number of false alarms per scan (Poisson), at most
            ``MAX_FALSE_ALARMS_PER_SCAN``; ``sigma_range_m`` at most ``MAX_SIGMA_RANGE_M``.
        sector_center_rad: boresight azimuth of the sector [rad, clockwise from north], or
            ``None`` for all-round coverage.
        sector_half_width_rad: half-width of the sector [rad] (ignored without a centre).
        refraction_k: effective-Earth-radius factor; 1 = geometric, 4/3 = standard atmosphere.
        scan_offset_s: time of the scan at k = 0 [s since the epoch], within
            ±``MAX_SCAN_OFFSET_S``.
        range_resolution_m: range resolution ``c/(2B)`` [m], in
            ``[0, MAX_RANGE_RESOLUTION_M]``; 0 (default) resolves every range difference.
        beamwidth_rad: half-power beamwidth, the angular resolution [rad], in
            ``[0, MAX_BEAMWIDTH_RAD]``; 0 (default) resolves every angle. Objects closer
            than both (module notes, "Resolution") give one plot.
        earth: the ellipsoid (default WGS-84).

    Raises:
        InputError: on construction, for a value out of its domain (field name and value).
    """

    id: str
    owner: str
    lat_deg: float
    lon_deg: float
    alt_m: float
    max_range_m: float
    min_elevation_rad: float = 0.0
    revisit_s: float = 10.0
    sigma_range_m: float = 50.0
    sigma_az_rad: float = 1.0e-3
    sigma_el_rad: float = 1.0e-3
    pd: float = 0.9
    false_alarms_per_scan: float = 0.0
    sector_center_rad: float | None = None
    sector_half_width_rad: float = math.pi
    refraction_k: float = 1.0
    scan_offset_s: float = 0.0
    range_resolution_m: float = 0.0
    beamwidth_rad: float = 0.0
    earth: Earth = field(default=WGS84, repr=False)

    def __post_init__(self) -> None:
        _check_identity(self.id, self.owner)
        _check_site(self.lat_deg, self.lon_deg, self.alt_m)
        _check_positive("max_range_m", self.max_range_m)
        _check_finite("min_elevation_rad", self.min_elevation_rad)
        if not -math.pi / 2 <= self.min_elevation_rad <= math.pi / 2:
            raise InputError("min_elevation_rad", self.min_elevation_rad,
                             "must lie in [-pi/2, pi/2]")
        _check_positive("revisit_s", self.revisit_s)
        _check_nonneg("sigma_range_m", self.sigma_range_m)
        _check_nonneg("sigma_az_rad", self.sigma_az_rad)
        _check_nonneg("sigma_el_rad", self.sigma_el_rad)
        _check_probability("pd", self.pd)
        _check_nonneg("false_alarms_per_scan", self.false_alarms_per_scan)
        if self.false_alarms_per_scan > MAX_FALSE_ALARMS_PER_SCAN:
            raise InputError("false_alarms_per_scan", self.false_alarms_per_scan,
                             f"must be <= {MAX_FALSE_ALARMS_PER_SCAN:g} per scan")
        if self.sigma_range_m > MAX_SIGMA_RANGE_M:
            raise InputError("sigma_range_m", self.sigma_range_m,
                             f"must be <= {MAX_SIGMA_RANGE_M:g} m")
        _check_finite("scan_offset_s", self.scan_offset_s)
        if abs(self.scan_offset_s) > MAX_SCAN_OFFSET_S:
            raise InputError("scan_offset_s", self.scan_offset_s,
                             f"must lie in [-{MAX_SCAN_OFFSET_S:g}, {MAX_SCAN_OFFSET_S:g}] s")
        if self.sector_center_rad is not None:
            _check_finite("sector_center_rad", self.sector_center_rad)
        _check_finite("sector_half_width_rad", self.sector_half_width_rad)
        if not 0.0 < self.sector_half_width_rad <= math.pi:
            raise InputError("sector_half_width_rad", self.sector_half_width_rad,
                             "must lie in (0, pi]")
        _check_finite("refraction_k", self.refraction_k)
        if not 0.5 <= self.refraction_k <= 10.0:
            raise InputError("refraction_k", self.refraction_k,
                             "effective-radius factor must lie in [0.5, 10] (4/3 is standard)")
        _check_finite("scan_offset_s", self.scan_offset_s)
        _check_nonneg("range_resolution_m", self.range_resolution_m)
        if self.range_resolution_m > MAX_RANGE_RESOLUTION_M:
            raise InputError("range_resolution_m", self.range_resolution_m,
                             f"must be <= {MAX_RANGE_RESOLUTION_M:g} m")
        _check_nonneg("beamwidth_rad", self.beamwidth_rad)
        if self.beamwidth_rad > MAX_BEAMWIDTH_RAD:
            raise InputError("beamwidth_rad", self.beamwidth_rad,
                             f"must be <= {MAX_BEAMWIDTH_RAD:g} rad (90 deg)")

    # -- geometry ----------------------------------------------------------------------

    @property
    def site_ecef_m(self) -> np.ndarray:
        """The site in ECEF, shape ``(3,)`` [m]."""
        return geodetic2ecef(self.lat_deg, self.lon_deg, self.alt_m, self.earth)

    @property
    def covariance(self) -> np.ndarray:
        """Measurement covariance ``diag(σ_r², σ_az², σ_el²)``, shape ``(3, 3)``."""
        return np.diag([self.sigma_range_m**2, self.sigma_az_rad**2, self.sigma_el_rad**2])

    def aer(self, r_ecef_m) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """True azimuth [rad, in [0, 2π)], elevation [rad] and slant range [m] of ECEF
        position(s) ``r_ecef_m`` (shape ``(..., 3)``), from this site.

        ENU components are the projections of ``r − site`` on the site's geodetic east,
        north and up unit vectors; az = atan2(e, n), el = atan2(u, √(e² + n²)).
        """
        rel = np.asarray(r_ecef_m, dtype=float) - self.site_ecef_m
        enu = rel @ enu_basis(self.lat_deg, self.lon_deg).T
        e, n, u = enu[..., 0], enu[..., 1], enu[..., 2]
        return (wrap_angle_rad(np.arctan2(e, n)), np.arctan2(u, np.hypot(e, n)),
                np.linalg.norm(enu, axis=-1))

    def aer_to_ecef(self, az_rad, el_rad, range_m) -> np.ndarray:
        """Inverse of :meth:`aer`: ECEF position(s) ``(..., 3)`` [m] of az/el/range."""
        az = np.asarray(az_rad, dtype=float)
        el = np.asarray(el_rad, dtype=float)
        rng = np.asarray(range_m, dtype=float)
        enu = np.stack((rng * np.cos(el) * np.sin(az), rng * np.cos(el) * np.cos(az),
                        rng * np.sin(el)), axis=-1)
        return self.site_ecef_m + enu @ enu_basis(self.lat_deg, self.lon_deg)

    def _refraction_clear(self, r_ecef_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Line of sight along the refracted ray, and the ray's departure angle above the
        chord [rad]; shapes ``(...)``.

        The ray is an arc of curvature κ = (1 − 1/k)/R₁ (R₁ the mean Earth radius) through
        the site and the target, bent toward the Earth, which is the effective-Earth model
        stated on the true Earth: the Earth's curvature relative to the ray is 1/(kR).
        Between its end points it rises above the chord by the sagitta κL²s(1 − s)/2
        (s ∈ [0, 1] along the chord of length L, small-angle form), and it leaves the site
        κL/2 above the chord. Clearance is checked at 257 points along the ray with
        :func:`~gsomia.physics.geodesy.height_above_ellipsoid_fast`, which bounds the
        grid error to about L²/(8·257²·R) (< 1 m at L = 1,000 km).
        """
        site = self.site_ecef_m
        r = np.asarray(r_ecef_m, dtype=float)
        kappa = (1.0 - 1.0 / self.refraction_k) / self.earth.mean_radius_m
        chord = r - site
        length = np.linalg.norm(chord, axis=-1)
        s = np.linspace(0.0, 1.0, 257)
        pts = site + s[:, None] * chord[..., None, :]                      # (..., S, 3)
        radial = pts / np.linalg.norm(pts, axis=-1, keepdims=True)
        sag = 0.5 * kappa * (length[..., None] ** 2) * s * (1.0 - s)        # (..., S)
        h = height_above_ellipsoid_fast(pts + sag[..., None] * radial, self.earth)
        return np.all(h >= -1e-3, axis=-1), 0.5 * kappa * length

    def in_sector(self, az_rad) -> np.ndarray:
        """True where azimuth(s) [rad] lie inside the sector (always, without a sector)."""
        az = np.asarray(az_rad, dtype=float)
        if self.sector_center_rad is None:
            return np.ones(az.shape, dtype=bool)
        off = np.mod(az - self.sector_center_rad + math.pi, _TWO_PI) - math.pi
        return np.abs(off) <= self.sector_half_width_rad

    def in_coverage(self, r_ecef_m) -> np.ndarray:
        """True where ECEF position(s) ``(..., 3)`` [m] are in coverage (see the class notes).

        Returns:
            bool array of shape ``(...)``.
        """
        r = np.asarray(r_ecef_m, dtype=float)
        az, el, rng = self.aer(r)
        if self.refraction_k == 1.0:
            clear = line_of_sight_clear(self.site_ecef_m, r, self.earth)
            el_apparent = el
        else:
            clear, lift_rad = self._refraction_clear(r)
            el_apparent = el + lift_rad
        return ((rng <= self.max_range_m) & (el_apparent >= self.min_elevation_rad)
                & self.in_sector(az) & clear)

    # -- observation ---------------------------------------------------------------------

    def scan_times(self, t_start_s: float, t_end_s: float) -> np.ndarray:
        """Scan times in ``[t_start_s, t_end_s]``, shape ``(M,)`` [s since the epoch]."""
        k0 = math.ceil((t_start_s - self.scan_offset_s) / self.revisit_s - 1e-9)
        k1 = math.floor((t_end_s - self.scan_offset_s) / self.revisit_s + 1e-9)
        return self.scan_offset_s + self.revisit_s * np.arange(k0, k1 + 1, dtype=float)

    def _detection(self, t_s: float, z: np.ndarray, truth_id: str | None,
                   cov: np.ndarray, merged: tuple[str, ...] = ()) -> Detection:
        return Detection(t_s=float(t_s), sensor_id=self.id, owner=self.owner,
                         site_lat_deg=self.lat_deg, site_lon_deg=self.lon_deg,
                         site_alt_m=self.alt_m, range_m=float(z[0]), az_rad=float(z[1]),
                         el_rad=float(z[2]), covariance=cov, truth_id=truth_id,
                         merged_truth_ids=merged)

    def _noise(self, n: int, gen: np.random.Generator) -> np.ndarray:
        """``n`` noise draws ``(n, 3)`` in (range [m], az [rad], el [rad])."""
        return gen.standard_normal((n, 3)) * np.array(
            [self.sigma_range_m, self.sigma_az_rad, self.sigma_el_rad])

    @staticmethod
    def _measured(az, el, rng_m, noise: np.ndarray) -> np.ndarray:
        """True (range, az, el) plus noise, azimuth wrapped to [0, 2π); shape ``(n, 3)``."""
        z = np.stack((rng_m, az, el), axis=-1) + noise
        z[:, 1] = wrap_angle_rad(z[:, 1])
        return z

    @property
    def resolves_everything(self) -> bool:
        """True when a range resolution or beamwidth is 0: every object gets its own plot."""
        return self.range_resolution_m <= 0.0 or self.beamwidth_rad <= 0.0

    def unresolved_groups(self, r_ecef_m) -> list[list[int]]:
        """Partition objects seen at one scan into resolution cells (module notes).

        Args:
            r_ecef_m: true ECEF positions of the objects, shape ``(n, 3)`` [m].

        Returns:
            lists of indices into ``r_ecef_m``, each sorted, ordered by their first index;
            objects ``i, j`` share a list when a chain of pairs each closer than
            ``range_resolution_m`` in slant range AND than ``beamwidth_rad`` in angle
            between lines of sight joins them (single linkage).
        """
        r = np.asarray(r_ecef_m, dtype=float).reshape(-1, 3)
        n = len(r)
        if n < 2 or self.resolves_everything:
            return [[i] for i in range(n)]
        los = r - self.site_ecef_m
        rng_m = np.linalg.norm(los, axis=-1)
        u = los / np.where(rng_m > 0.0, rng_m, 1.0)[:, None]
        cross = np.linalg.norm(np.cross(u[:, None, :], u[None, :, :]), axis=-1)
        angle = np.arctan2(cross, np.einsum("ik,jk->ij", u, u))
        close = ((np.abs(rng_m[:, None] - rng_m[None, :]) < self.range_resolution_m)
                 & (angle < self.beamwidth_rad))
        _, label = connected_components(csr_matrix(close), directed=False)
        groups: dict[int, list[int]] = {}
        for i, lab in enumerate(label.tolist()):
            groups.setdefault(lab, []).append(i)
        return sorted(groups.values(), key=lambda g: g[0])

    def observe(self, flights: Sequence[Flight], t_start_s: float, t_end_s: float,
                rng: np.random.Generator) -> list[Detection]:
        """Scan from ``t_start_s`` to ``t_end_s`` and report what was detected.

        At each scan, every flight in coverage gets its own detection draw (probability
        ``pd``) and, if detected, its own noise draw, in the order of ``flights``; objects
        the radar cannot resolve are then merged into one plot per resolution cell (module
        notes, "Resolution": centroid of the true positions with equal weights plus the
        noise drawn for the first detected member, ``truth_id`` the first member in the
        order of ``flights``, ``merged_truth_ids`` all members). A cell of one object gives
        exactly the plot it gave without the resolution rule, from the same draws.

        Args:
            flights: the objects in the air (each observed only between launch and impact).
            t_start_s, t_end_s: observation window [s since the epoch].
            rng: the source of randomness (Pd draws, noise, false alarms).

        Returns:
            detections sorted by time (then target order; false alarms last in a scan).
            At most one plot per object in coverage at each scan. Same generator state and
            inputs ⇒ identical detections.
        """
        scans = self.scan_times(t_start_s, t_end_s)
        cov = self.covariance
        found: list[tuple[float, int, Detection]] = []
        # per scan index: (flight order, true position, (z, noise) or None if not detected)
        cells: dict[int, list[_Member]] = {}
        for order, flight in enumerate(flights):
            k = np.nonzero((scans >= flight.launch_s) & (scans <= flight.impact_s))[0]
            if k.size == 0:
                continue
            t = scans[k]
            r = flight.position_at(t)
            covered = self.in_coverage(r)
            seen = covered & (rng.random(t.size) < self.pd)
            if not np.any(covered):
                continue
            az, el, rng_m = self.aer(r[seen])
            noise = self._noise(int(seen.sum()), rng)
            z = self._measured(az, el, rng_m, noise)
            if self.resolves_everything:
                for ti, zi in zip(t[seen], z, strict=True):
                    found.append((ti, order, self._detection(ti, zi, flight.id, cov)))
                continue
            row = np.cumsum(seen) - 1
            for i in np.nonzero(covered)[0]:
                cells.setdefault(int(k[i]), []).append(
                    (order, r[i], (z[row[i]], noise[row[i]]) if seen[i] else None))
        for ki, members in cells.items():
            found += self._cell_plots(float(scans[ki]), members, flights, cov)
        if self.false_alarms_per_scan > 0.0 and scans.size:
            counts = rng.poisson(self.false_alarms_per_scan, scans.size)
            points = self.sample_coverage(int(counts.sum()), rng)
            az, el, rng_m = self.aer(points)
            z = self._measured(az, el, rng_m, self._noise(len(points), rng))
            times = np.repeat(scans, counts)
            for ti, zi in zip(times, z, strict=True):
                found.append((ti, len(flights), self._detection(ti, zi, None, cov)))
        found.sort(key=lambda item: (item[0], item[1]))
        return [d for _, _, d in found]

    def _cell_plots(self, t_s: float, members: list[_Member], flights: Sequence[Flight],
                    cov: np.ndarray) -> list[tuple[float, int, Detection]]:
        """The plots of one scan: one per resolution cell holding a detected member."""
        out = []
        for group in self.unresolved_groups(np.array([m[1] for m in members])):
            detected = [members[i] for i in group if members[i][2] is not None]
            if not detected:
                continue
            first = members[group[0]][0]
            own_z, own_noise = detected[0][2]  # type: ignore[misc]
            if len(group) == 1:
                out.append((t_s, first, self._detection(t_s, own_z, flights[first].id, cov)))
                continue
            az, el, rng_m = self.aer(np.mean([members[i][1] for i in group], axis=0)[None, :])
            z = self._measured(az, el, rng_m, own_noise[None, :])[0]
            ids = tuple(flights[members[i][0]].id for i in group)
            out.append((t_s, first, self._detection(t_s, z, ids[0], cov, ids)))
        return out

    def sample_coverage(self, n: int, rng: np.random.Generator,
                        max_rounds: int = 200) -> np.ndarray:
        """``n`` points drawn uniformly in the coverage volume, ECEF ``(n, 3)`` [m].

        Rejection sampling from the cone (range ≤ max, sector, elevation ≥ min) with
        density ∝ r² in range and uniform sin(elevation); points failing
        :meth:`in_coverage` (e.g. below the horizon) are re-drawn.

        Raises:
            InputError: the coverage volume looks empty (nothing accepted in ``max_rounds``).
        """
        out = np.empty((0, 3))
        if n <= 0:
            return out
        half = math.pi if self.sector_center_rad is None else self.sector_half_width_rad
        centre = 0.0 if self.sector_center_rad is None else self.sector_center_rad
        s_lo = math.sin(self.min_elevation_rad)
        for _ in range(max_rounds):
            m = max(64, 4 * (n - len(out)))
            r = self.max_range_m * rng.random(m) ** (1.0 / 3.0)
            az = centre + half * (2.0 * rng.random(m) - 1.0)
            el = np.arcsin(s_lo + (1.0 - s_lo) * rng.random(m))
            pts = self.aer_to_ecef(az, el, r)
            out = np.concatenate((out, pts[self.in_coverage(pts)]))
            if len(out) >= n:
                return out[:n]
        raise InputError(f"{self.id}.false_alarms_per_scan", self.false_alarms_per_scan,
                         "cannot place false alarms: the coverage volume looks empty")


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
        _check_identity(self.id, self.owner)
        _check_nonneg("detect_after_s", self.detect_after_s)
        _check_nonneg("report_delay_s", self.report_delay_s)
        _check_nonneg("sigma_position_m", self.sigma_position_m)
        _check_nonneg("sigma_time_s", self.sigma_time_s)
        _check_nonneg("sigma_heading_rad", self.sigma_heading_rad)
        _check_probability("pd", self.pd)

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

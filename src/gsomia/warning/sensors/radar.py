"""Surveillance radars at a fixed site (ground, or a ship on station) that measure slant
range, azimuth and elevation.

A radar is a frozen dataclass whose fields are its whole configuration (a scenario builds
it, a report shows it). It observes :class:`~gsomia.warning.sensors.flight.Flight` objects
(a :class:`~gsomia.physics.trajectory.Trajectory` placed on the scenario clock) and returns
:class:`~gsomia.warning.types.Detection` objects. Randomness comes only from the
``numpy.random.Generator`` passed in: the same generator state gives the same output.

Frames and units: sites are geodetic (WGS-84) latitude/longitude [deg] and height [m];
targets are ECEF [m]; measurements are slant range [m], azimuth clockwise from north [rad]
in ``[0, 2π)`` and elevation above the local (geodetic) horizontal [rad]. Times are seconds
since the scenario epoch.

Line of sight and refraction: :mod:`gsomia.warning.sensors.coverage`. Objects closer than
the radar's resolution cell, and the merge of their echoes into one plot:
:mod:`gsomia.warning.sensors.resolution`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from gsomia.errors import InputError
from gsomia.physics.earth import WGS84, Earth
from gsomia.physics.geodesy import enu_basis, geodetic2ecef
from gsomia.warning.sensors.checks import (
    check_finite,
    check_identity,
    check_nonneg,
    check_positive,
    check_probability,
    check_site,
)
from gsomia.warning.sensors.coverage import (
    aer_from_site,
    in_sector,
    line_of_sight_clear,
    refracted_line_of_sight,
    wrap_angle_rad,
)
from gsomia.warning.sensors.flight import Flight
from gsomia.warning.sensors.resolution import resolution_cells, unresolved_groups
from gsomia.warning.sensors.scan import Samples, cell_plots, detection_draws, samples_at
from gsomia.warning.types import Detection

__all__ = [
    "MAX_BEAMWIDTH_RAD",
    "MAX_FALSE_ALARMS_PER_SCAN",
    "MAX_RANGE_RESOLUTION_M",
    "MAX_SCAN_OFFSET_S",
    "MAX_SIGMA_RANGE_M",
    "PLATFORMS",
    "Radar",
]

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
PLATFORMS = ("ground", "ship")
"""What a radar stands on: a ground site, or a ship on station (drawn apart in the plots;
the model is the same: a fixed site)."""
MAX_SCAN_OFFSET_S = 86_400.0
"""Largest ``|scan_offset_s|`` [s]: one day (an offset beyond a revisit only shifts the
scan grid by whole revisits, and a scenario lasts less than a day)."""

@dataclass(frozen=True, slots=True)
class Radar:
    """A surveillance radar at a fixed site (ground or a ship on station).

    A target is *in coverage* at a scan when all hold: slant range ≤ ``max_range_m``;
    apparent elevation ≥ ``min_elevation_rad``; azimuth inside the sector (if any); line of
    sight clear of the ellipsoid (:mod:`~gsomia.warning.sensors.coverage`; refraction via
    ``refraction_k``).
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
            than both (:mod:`~gsomia.warning.sensors.resolution`) give one plot.
        earth: the ellipsoid (default WGS-84).
        platform: one of :data:`PLATFORMS`: ``"ground"`` (default) or ``"ship"`` (on
            station: the same fixed-site model, told apart in the plots).

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
    platform: str = "ground"

    def __post_init__(self) -> None:
        check_identity(self.id, self.owner)
        if self.platform not in PLATFORMS:
            raise InputError("platform", self.platform, f"expected {' or '.join(PLATFORMS)}")
        check_site(self.lat_deg, self.lon_deg, self.alt_m)
        check_positive("max_range_m", self.max_range_m)
        check_finite("min_elevation_rad", self.min_elevation_rad)
        if not -math.pi / 2 <= self.min_elevation_rad <= math.pi / 2:
            raise InputError("min_elevation_rad", self.min_elevation_rad,
                             "must lie in [-pi/2, pi/2]")
        check_positive("revisit_s", self.revisit_s)
        check_nonneg("sigma_range_m", self.sigma_range_m)
        check_nonneg("sigma_az_rad", self.sigma_az_rad)
        check_nonneg("sigma_el_rad", self.sigma_el_rad)
        check_probability("pd", self.pd)
        check_nonneg("false_alarms_per_scan", self.false_alarms_per_scan)
        if self.false_alarms_per_scan > MAX_FALSE_ALARMS_PER_SCAN:
            raise InputError("false_alarms_per_scan", self.false_alarms_per_scan,
                             f"must be <= {MAX_FALSE_ALARMS_PER_SCAN:g} per scan")
        if self.sigma_range_m > MAX_SIGMA_RANGE_M:
            raise InputError("sigma_range_m", self.sigma_range_m,
                             f"must be <= {MAX_SIGMA_RANGE_M:g} m")
        check_finite("scan_offset_s", self.scan_offset_s)
        if abs(self.scan_offset_s) > MAX_SCAN_OFFSET_S:
            raise InputError("scan_offset_s", self.scan_offset_s,
                             f"must lie in [-{MAX_SCAN_OFFSET_S:g}, {MAX_SCAN_OFFSET_S:g}] s")
        if self.sector_center_rad is not None:
            check_finite("sector_center_rad", self.sector_center_rad)
        check_finite("sector_half_width_rad", self.sector_half_width_rad)
        if not 0.0 < self.sector_half_width_rad <= math.pi:
            raise InputError("sector_half_width_rad", self.sector_half_width_rad,
                             "must lie in (0, pi]")
        check_finite("refraction_k", self.refraction_k)
        if not 0.5 <= self.refraction_k <= 10.0:
            raise InputError("refraction_k", self.refraction_k,
                             "effective-radius factor must lie in [0.5, 10] (4/3 is standard)")
        check_finite("scan_offset_s", self.scan_offset_s)
        check_nonneg("range_resolution_m", self.range_resolution_m)
        if self.range_resolution_m > MAX_RANGE_RESOLUTION_M:
            raise InputError("range_resolution_m", self.range_resolution_m,
                             f"must be <= {MAX_RANGE_RESOLUTION_M:g} m")
        check_nonneg("beamwidth_rad", self.beamwidth_rad)
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
        north and up unit vectors; az = atan2(e, n), el = atan2(u, √(e² + n²))
        (:func:`~gsomia.warning.sensors.coverage.aer_from_site`: element by element, the
        same bits for a target alone or in a batch).
        """
        return aer_from_site(self.site_ecef_m, enu_basis(self.lat_deg, self.lon_deg),
                             r_ecef_m)

    def aer_to_ecef(self, az_rad, el_rad, range_m) -> np.ndarray:
        """Inverse of :meth:`aer`: ECEF position(s) ``(..., 3)`` [m] of az/el/range."""
        az = np.asarray(az_rad, dtype=float)
        el = np.asarray(el_rad, dtype=float)
        rng = np.asarray(range_m, dtype=float)
        enu = np.stack((rng * np.cos(el) * np.sin(az), rng * np.cos(el) * np.cos(az),
                        rng * np.sin(el)), axis=-1)
        return self.site_ecef_m + enu @ enu_basis(self.lat_deg, self.lon_deg)

    def in_sector(self, az_rad) -> np.ndarray:
        """True where azimuth(s) [rad] lie inside the sector (always, without a sector)."""
        return in_sector(az_rad, self.sector_center_rad, self.sector_half_width_rad)

    def in_coverage(self, r_ecef_m) -> np.ndarray:
        """True where ECEF position(s) ``(..., 3)`` [m] are in coverage (see the class notes).

        The cheap limits (range, apparent elevation, sector) are applied first and the line
        of sight is checked only for the targets that pass them (the same answer: all must
        hold).

        Returns:
            bool array of shape ``(...)``.
        """
        r = np.asarray(r_ecef_m, dtype=float)
        az, el, rng = self.aer(r)
        site = self.site_ecef_m
        if self.refraction_k != 1.0:
            kappa = (1.0 - 1.0 / self.refraction_k) / self.earth.mean_radius_m
            el = el + 0.5 * kappa * rng          # apparent elevation (coverage module)
        ok = ((rng <= self.max_range_m) & (el >= self.min_elevation_rad)
              & self.in_sector(az)).reshape(-1)
        todo = np.flatnonzero(ok)
        if todo.size:
            pts = r.reshape(-1, 3)[todo]
            if self.refraction_k == 1.0:
                ok[todo] = line_of_sight_clear(site, pts, self.earth)
            else:
                ok[todo] = refracted_line_of_sight(site, pts, self.refraction_k,
                                                   self.earth)[0]
        return ok.reshape(r.shape[:-1])

    # -- observation ---------------------------------------------------------------------

    def scan_times(self, t_start_s: float, t_end_s: float) -> np.ndarray:
        """Scan times in ``[t_start_s, t_end_s]``, shape ``(M,)`` [s since the epoch]."""
        k0 = math.ceil((t_start_s - self.scan_offset_s) / self.revisit_s - 1e-9)
        k1 = math.floor((t_end_s - self.scan_offset_s) / self.revisit_s + 1e-9)
        return self.scan_offset_s + self.revisit_s * np.arange(k0, k1 + 1, dtype=float)

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
        """Partition objects seen at one scan into resolution cells: ``r_ecef_m`` the true
        ECEF positions ``(n, 3)`` [m]; lists of indices, each sorted, ordered by their first
        index (:func:`gsomia.warning.sensors.resolution.unresolved_groups` with this
        radar's site, ``range_resolution_m`` and ``beamwidth_rad``)."""
        return unresolved_groups(self.site_ecef_m, r_ecef_m, self.range_resolution_m,
                                 self.beamwidth_rad)

    def observe(self, flights: Sequence[Flight], t_start_s: float, t_end_s: float,
                rng: np.random.Generator) -> list[Detection]:
        """Scan from ``t_start_s`` to ``t_end_s`` and report what was detected.

        At each scan, every flight in coverage gets its own detection draw (probability
        ``pd``) and, if detected, its own noise draw, in the order of ``flights``; objects
        the radar cannot resolve are then merged into one plot per resolution cell
        (:mod:`~gsomia.warning.sensors.resolution`: centroid of the true positions with equal
        weights plus the noise drawn for the first detected member, ``truth_id`` the first
        member in the order of ``flights``, ``merged_truth_ids`` all members). A cell of one
        object gives exactly the plot it gave without the resolution rule, from the same
        draws.

        Computed on arrays of all objects × all scans at once
        (:mod:`~gsomia.warning.sensors.scan`): positions, coverage, resolution cells and
        measurements; the draws are taken object by object, each object's Pd draws for all
        its scans in the air and then its noise draws, so the generator is used as by an
        object-by-object loop.

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
        samples = samples_at(flights, scans)
        covered = self.in_coverage(samples.r_ecef_m)
        seen, std = detection_draws(samples, covered, self.pd, rng)
        noise = std * np.array([self.sigma_range_m, self.sigma_az_rad, self.sigma_el_rad])
        ids = [f.id for f in flights]
        if self.resolves_everything:
            first = np.flatnonzero(seen)
            pos, rows = samples.r_ecef_m[first], np.arange(first.size)
            merged: list[tuple[str, ...]] = [()] * first.size
        else:
            first, rows, pos, merged = self._cells(samples, covered, seen, ids)
        z = self._measured(*self.aer(pos), noise[rows])
        times = scans[samples.scan[first]]
        order = samples.obj[first]
        truth: list[str | None] = [ids[o] for o in order.tolist()]
        if self.false_alarms_per_scan > 0.0 and scans.size:
            counts = rng.poisson(self.false_alarms_per_scan, scans.size)
            points = self.sample_coverage(int(counts.sum()), rng)
            fa_z = self._measured(*self.aer(points), self._noise(len(points), rng))
            z = np.concatenate((z, fa_z))
            times = np.concatenate((times, np.repeat(scans, counts)))
            order = np.concatenate((order, np.full(len(points), len(flights))))
            truth += [None] * len(points)
            merged += [()] * len(points)
        return self._detections(times, z, truth, merged, np.lexsort((order, times)))

    def _cells(self, samples: Samples, covered: np.ndarray, seen: np.ndarray,
               ids: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                        list[tuple[str, ...]]]:
        """Plots of the resolution cells: first member's sample, noise row, centroid, and
        the merged ids (empty for a cell of one)."""
        covered_idx = np.flatnonzero(covered)
        labels = resolution_cells(samples.scan[covered_idx], self.site_ecef_m,
                                  samples.r_ecef_m[covered_idx], self.range_resolution_m,
                                  self.beamwidth_rad)
        cells = cell_plots(samples, covered_idx, labels, seen)
        member_obj = samples.obj[cells.members].tolist()
        merged: list[tuple[str, ...]] = [
            () if m == 1 else tuple(ids[o] for o in member_obj[a:a + m])
            for a, m in zip(cells.member_start.tolist(), cells.size.tolist(), strict=True)]
        return cells.first, cells.noise_row, cells.centroid_ecef_m, merged

    def _detections(self, times: np.ndarray, z: np.ndarray, truth: list[str | None],
                    merged: list[tuple[str, ...]], order: np.ndarray) -> list[Detection]:
        """Detection objects of plots ``(t, z)``, in the order of the indices ``order``."""
        cov = self.covariance
        t_list, z_list = times[order].tolist(), z[order].tolist()
        return [Detection(t_s=t, sensor_id=self.id, owner=self.owner,
                          site_lat_deg=self.lat_deg, site_lon_deg=self.lon_deg,
                          site_alt_m=self.alt_m, range_m=zi[0], az_rad=zi[1], el_rad=zi[2],
                          covariance=cov, truth_id=truth[i], merged_truth_ids=merged[i])
                for t, zi, i in zip(t_list, z_list, order.tolist(), strict=True)]

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

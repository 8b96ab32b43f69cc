"""The Earth model: WGS-84 defining constants in one place, with their source.

Every other module takes an :class:`Earth` argument (default :data:`WGS84`) and never
re-types a constant. Simplified Earths (sphere, no rotation, no J2) exist for tests against
closed-form results.

Source: NGA.STND.0036_1.0.0_WGS84, *Department of Defense World Geodetic System 1984*,
version 1.0.0 (2014), Table 3.1 (defining parameters a, 1/f, GM, ω) and the derived
ellipsoidal gravity constants of its Chapter 3 (normalised C̄2,0 = −0.484166774985e−3, so
J2 = −√5 · C̄2,0 = 1.08262982131e−3).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

__all__ = ["WGS84", "Earth"]


@dataclass(frozen=True)
class Earth:
    """Constants of an Earth model.

    Attributes:
        a_m: semi-major (equatorial) axis [m].
        f: flattening [-] (0 for a sphere).
        gm_m3_s2: geocentric gravitational constant GM [m³/s²].
        j2: second zonal harmonic J2 [-] (0 for a point mass).
        omega_rad_s: rotation rate about the ECEF z axis [rad/s] (0 for a non-rotating Earth).
        name: a label for reports.
    """

    a_m: float = 6378137.0
    f: float = 1.0 / 298.257223563
    gm_m3_s2: float = 3.986004418e14
    j2: float = 1.08262982131e-3
    omega_rad_s: float = 7.292115e-5
    name: str = "WGS-84"

    @property
    def b_m(self) -> float:
        """Semi-minor (polar) axis b = a(1 − f) [m]."""
        return self.a_m * (1.0 - self.f)

    @property
    def e2(self) -> float:
        """First eccentricity squared e² = f(2 − f) [-]."""
        return self.f * (2.0 - self.f)

    @property
    def mean_radius_m(self) -> float:
        """Mean radius R₁ = (2a + b)/3 [m] (IUGG definition)."""
        return (2.0 * self.a_m + self.b_m) / 3.0

    def pymap3d_ellipsoid(self):
        """This model's figure as a :class:`pymap3d.Ellipsoid`."""
        import pymap3d

        return pymap3d.Ellipsoid(self.a_m, self.b_m, name=self.name, model=self.name)

    def spherical(self, radius_m: float | None = None) -> Earth:
        """A spherical, non-rotating, point-mass Earth with this GM (for closed-form checks)."""
        r = self.mean_radius_m if radius_m is None else radius_m
        return replace(self, a_m=r, f=0.0, j2=0.0, omega_rad_s=0.0, name=f"sphere R={r:.0f} m")

    def circular_period_s(self, radius_m: float) -> float:
        """Period of a circular orbit of radius ``radius_m`` about a point mass: 2π√(r³/GM) [s]."""
        return 2.0 * math.pi * math.sqrt(radius_m**3 / self.gm_m3_s2)


WGS84 = Earth()
"""The WGS-84 Earth (NGA.STND.0036_1.0.0_WGS84, 2014)."""

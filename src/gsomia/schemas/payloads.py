"""The shared payloads: a missile warning (:class:`gsomia.node.MissileWarning`), the radar
plots of one scan (:class:`gsomia.node.plots.RadarPlots`) and one entry of a party's public
warning log (:class:`gsomia.node.alerts.AreaWarning`), as JSON objects.

SI units; times in seconds since the scenario epoch, which travels as ISO 8601 text with
its offset; positions on WGS 84. Checked here: keys, types, finite numbers, ranges
(latitudes [-90, 90], longitudes [-180, 360] deg, the epoch from :data:`EPOCH_MIN` to
before :data:`EPOCH_MAX` in UTC, every time within :data:`MAX_ABS_TIME_S` of the epoch,
standard deviations >= 0 or null), the shapes of vectors and matrices with non-negative
variances, a warning's order of times (a launch estimated after it happened, an impact
predicted forward) and at least one element, and physical bounds (:data:`MAX_RADIUS_M`,
:data:`MAX_SPEED_M_S`, :data:`MAX_SIGMA_M`, :data:`MAX_SIGMA_M_S`, :data:`MAX_SIGMA_S`:
far beyond any missile, so that a unit mistake or a garbage value is refused with the
field named, while every real estimate passes). That a matrix is a covariance (symmetric,
positive semi-definite or definite) needs its eigenvalues and is checked by the payload
types themselves, as are the tracker's range limit of a plot.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any, Literal

import annotated_types as at
from pydantic import AfterValidator, BeforeValidator, Field, StrictBool, model_validator

from gsomia.schemas.base import Closed, check_controls, fail, number

__all__ = [
    "EPOCH_MAX",
    "EPOCH_MIN",
    "MAX_ABS_TIME_S",
    "MAX_PLOTS",
    "MAX_RADIUS_M",
    "MAX_SIGMA_M",
    "MAX_SIGMA_M_S",
    "MAX_SIGMA_S",
    "MAX_SPEED_M_S",
    "AreaDoc",
    "AreaWarningDoc",
    "ImpactPointDoc",
    "LaunchPointDoc",
    "MissileWarningDoc",
    "PlotDoc",
    "RadarPlotsDoc",
    "SiteDoc",
    "SubmarineContactDoc",
    "TrajectoryDoc",
]

#: Largest magnitude of any time in a payload [s since the epoch]: ten Julian years (a
#: time further from the epoch is a unit or sign mistake: milliseconds, Unix time).
MAX_ABS_TIME_S = 10 * 365.25 * 86400.0
#: Most plots in one scan (false alarms are at most 100 a scan; the rest is margin).
MAX_PLOTS = 10_000

#: The epochs accepted, once converted to UTC: from 1970-01-01 (Unix time 0) to before
#: 9990-01-01, so that every time of a payload (within :data:`MAX_ABS_TIME_S`, ten years,
#: of its epoch) is a date-time of the Gregorian calendar Python holds (years 1 to 9999).
EPOCH_MIN = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
EPOCH_MAX = dt.datetime(9990, 1, 1, tzinfo=dt.UTC)

#: Largest distance of a position from the Earth's centre [m]: 10^8 m, 2.4 times the
#: geostationary radius (42,164 km); a ballistic missile's apogee is below 5,000 km.
MAX_RADIUS_M = 1e8
#: Largest speed [m/s]: 10^5 m/s, nine times the Earth's escape speed (11.2 km/s); an
#: ICBM flies at about 7 km/s.
MAX_SPEED_M_S = 1e5
#: Largest standard deviation of a position [m]: 10^7 m, about the Earth's diameter
#: (12,742 km); a less certain estimate says nothing of where the missile is.
MAX_SIGMA_M = 1e7
#: Largest standard deviation of a velocity [m/s]: :data:`MAX_SPEED_M_S`.
MAX_SIGMA_M_S = MAX_SPEED_M_S
#: Largest standard deviation of a time [s]: :data:`MAX_ABS_TIME_S`.
MAX_SIGMA_S = MAX_ABS_TIME_S

Time = number(-MAX_ABS_TIME_S, MAX_ABS_TIME_S)
Sigma = number(0.0, MAX_SIGMA_S)
Latitude = number(-90.0, 90.0)
Longitude = number(-180.0, 360.0)


def _is_number(value: Any) -> bool:
    return (not isinstance(value, bool) and isinstance(value, int | float)
            and math.isfinite(value))


def _array(shape: tuple[int, ...]) -> Any:
    """Finite JSON numbers in nested lists of ``shape`` (a matrix: non-negative diagonal)."""

    def check(value: Any) -> Any:
        rows = value if len(shape) == 2 else [value]
        width = shape[-1]
        if (not isinstance(value, list | tuple) or len(value) != shape[0]
                or any(not isinstance(r, list | tuple) or len(r) != width for r in rows)
                or not all(_is_number(v) for r in rows for v in r)):
            raise fail(f"expected finite numbers of shape {shape}")
        if len(shape) == 2 and any(value[i][i] < 0 for i in range(width)):
            raise fail("expected a non-negative diagonal (variances)")
        return value

    row = Annotated[list[float], at.Len(shape[-1], shape[-1])]
    inner = row if len(shape) == 1 else Annotated[list[row], at.Len(shape[0], shape[0])]
    return Annotated[inner, BeforeValidator(check)]


def _bounded_sigmas(matrix: Any, sigmas: tuple[float, ...]) -> Any:
    """``matrix`` (a square covariance, already of finite numbers and shape) if each
    diagonal element is at most ``sigmas[i]`` squared and each element at most the
    largest of them in magnitude (physical bounds of the module notes)."""
    for i, row in enumerate(matrix):
        if row[i] > sigmas[i] ** 2:
            raise fail(f"variance {row[i]!r} above ({sigmas[i]:g})² (standard deviation at "
                       f"most {sigmas[i]:g}: a less certain estimate carries nothing)",
                       at=(i, i), value=row[i], has_value=True)
        for j, v in enumerate(row):
            if abs(v) > sigmas[i] * sigmas[j]:
                raise fail(f"covariance above {sigmas[i]:g} x {sigmas[j]:g} in magnitude "
                           "(the product of the largest standard deviations)",
                           at=(i, j), value=v, has_value=True)
    return matrix


def _en_covariance(matrix: Any) -> Any:
    return _bounded_sigmas(matrix, (MAX_SIGMA_M, MAX_SIGMA_M))


def _state_covariance(matrix: Any) -> Any:
    return _bounded_sigmas(matrix, (MAX_SIGMA_M,) * 3 + (MAX_SIGMA_M_S,) * 3)


def _state(vector: Any) -> Any:
    """An ECEF state ``[x, y, z, vx, vy, vz]`` within :data:`MAX_RADIUS_M` of the Earth's
    centre and :data:`MAX_SPEED_M_S`."""
    radius, speed = math.hypot(*vector[:3]), math.hypot(*vector[3:])
    if radius > MAX_RADIUS_M:
        raise fail(f"position {radius:g} m from the Earth's centre; at most "
                   f"{MAX_RADIUS_M:g} m (2.4 geostationary radii)", at=(0,),
                   value=vector[0], has_value=True)
    if speed > MAX_SPEED_M_S:
        raise fail(f"speed {speed:g} m/s; at most {MAX_SPEED_M_S:g} m/s (nine times the "
                   "escape speed)", at=(3,), value=vector[3], has_value=True)
    return vector


EnCovariance = Annotated[_array((2, 2)), AfterValidator(_en_covariance)]


def _aware_text(value: Any) -> dt.datetime:
    if not isinstance(value, str):
        raise fail("expected ISO 8601 text")
    try:
        out = dt.datetime.fromisoformat(value)
    except ValueError:
        raise fail("expected ISO 8601 text") from None
    if out.tzinfo is None:
        raise fail("expected ISO 8601 text with an offset (e.g. +00:00)")
    try:
        utc = out.astimezone(dt.UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+01:00 is before year 1 in UTC
        utc = None
    if utc is None or not EPOCH_MIN <= utc < EPOCH_MAX:
        raise fail(f"expected an epoch from {EPOCH_MIN.isoformat()} to before "
                   f"{EPOCH_MAX.isoformat()} once converted to UTC")
    return out


def _name(value: Any) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= 128:
        raise fail("expected a string of 1 to 128 characters")
    return check_controls(value)


def _reason(value: Any) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= 500:
        raise fail("expected a string of 1 to 500 characters")
    return check_controls(value)


Epoch = Annotated[dt.datetime, BeforeValidator(_aware_text)]
Name = Annotated[str, at.MinLen(1), at.MaxLen(128), BeforeValidator(_name)]


class LaunchPointDoc(Closed):
    """The estimated launch point and time, with their uncertainty."""

    lat_deg: Latitude  # type: ignore[valid-type]
    lon_deg: Longitude  # type: ignore[valid-type]
    launch_s: Time  # type: ignore[valid-type]
    launch_sigma_s: Sigma | None = None  # type: ignore[valid-type]
    cov_en_m2: EnCovariance | None = Field(  # type: ignore[valid-type]
        None, description="east-north covariance [m²]")


class TrajectoryDoc(Closed):
    """The track state: ECEF position and velocity [m, m/s] and its covariance."""

    t_s: Time  # type: ignore[valid-type]
    x_ecef: Annotated[_array((6,)), AfterValidator(_state)]  # type: ignore[valid-type]
    P: Annotated[_array((6, 6)), AfterValidator(_state_covariance)]  # type: ignore[valid-type]


class ImpactPointDoc(Closed):
    """The predicted impact point and time, with their uncertainty."""

    lat_deg: Latitude  # type: ignore[valid-type]
    lon_deg: Longitude  # type: ignore[valid-type]
    impact_s: Time  # type: ignore[valid-type]
    impact_sigma_s: Sigma | None = None  # type: ignore[valid-type]
    cov_en_m2: EnCovariance | None = None  # type: ignore[valid-type]
    valid: StrictBool = Field(description="whether the prediction holds (required: a "
                                          "missing flag is never taken as true)")


class MissileWarningDoc(Closed):
    """One warning about one tracked missile at one time: the three elements of the
    trilateral arrangement (agreements.md §4), each null until estimated, at least one."""

    track_id: Name
    epoch: Epoch = Field(description="the scenario epoch, ISO 8601 with offset")
    t_s: Time  # type: ignore[valid-type]
    launch_point: LaunchPointDoc | None = None
    trajectory: TrajectoryDoc | None = None
    impact_point: ImpactPointDoc | None = None

    @model_validator(mode="after")
    def times_in_order(self) -> MissileWarningDoc:
        """A launch is estimated after it happened; an impact is predicted forward."""
        if self.launch_point is not None and self.launch_point.launch_s > self.t_s:
            raise fail(f"expected a time not after the warning's t_s ({self.t_s!r}): a "
                       "launch is estimated after it", at=("launch_point", "launch_s"),
                       value=self.launch_point.launch_s, has_value=True)
        if self.impact_point is not None and self.impact_point.impact_s < self.t_s:
            raise fail(f"expected a time not before the warning's t_s ({self.t_s!r}): an "
                       "impact is predicted forward", at=("impact_point", "impact_s"),
                       value=self.impact_point.impact_s, has_value=True)
        if (self.launch_point, self.trajectory, self.impact_point) == (None, None, None):
            raise fail("carries none of the three elements", value=self.track_id,
                       has_value=True)
        return self


class SiteDoc(Closed):
    """The radar's position (WGS 84)."""

    lat_deg: Latitude  # type: ignore[valid-type]
    lon_deg: Longitude  # type: ignore[valid-type]
    alt_m: number()  # type: ignore[valid-type]


class PlotDoc(Closed):
    """One plot in the radar's coordinates: range [m], azimuth clockwise from north and
    elevation [rad], and their covariance (range_m, az_rad, el_rad)."""

    range_m: number(0.0, lo_open=True)  # type: ignore[valid-type]
    az_rad: number()  # type: ignore[valid-type]
    el_rad: number(-math.pi / 2, math.pi / 2)  # type: ignore[valid-type]
    covariance: _array((3, 3))  # type: ignore[valid-type]


class RadarPlotsDoc(Closed):
    """Every plot of one scan of one radar (measurement-level sharing)."""

    kind: Literal["radar_plots"]
    scan_id: Name
    epoch: Epoch = Field(description="the scenario epoch, ISO 8601 with offset")
    t_s: Time  # type: ignore[valid-type]
    sensor_id: Name
    site: SiteDoc
    plots: Annotated[list[PlotDoc], at.Len(1, MAX_PLOTS)]


class AreaDoc(Closed):
    """An area a public warning names: a country's land, territorial sea or EEZ."""

    country: Name
    zone: Literal["land", "territorial_sea", "eez"]


class AreaWarningDoc(Closed):
    """One entry of a party's public warning log about one launch: issue, update or
    withdraw a warning of an area, with its probability and reason
    (:mod:`gsomia.warning.alerts`)."""

    kind: Literal["area_warning"]
    warning_id: Name
    epoch: Epoch = Field(description="the scenario epoch, ISO 8601 with offset")
    t_s: Time  # type: ignore[valid-type]
    launch: Name
    action: Literal["issue", "update", "withdraw"]
    area: AreaDoc
    p: number(0.0, 1.0)  # type: ignore[valid-type]
    reason: Annotated[str, at.MinLen(1), at.MaxLen(500), BeforeValidator(_reason)]
class SubmarineContactDoc(Closed):
    """A submarine contact report (:mod:`gsomia.node.contacts`): where a maritime source put
    a submarine, when, and how well (1-σ per horizontal axis [m])."""

    kind: Literal["submarine_contact"]
    contact_id: Name
    epoch: Epoch = Field(description="the scenario epoch, ISO 8601 with offset")
    t_s: Time = Field(description="issue time [s since the epoch]")  # type: ignore[valid-type]
    contact_t_s: Time  # type: ignore[valid-type]
    sensor_id: Name
    how: Literal["radar", "sonobuoy", "sonar"]
    lat_deg: Latitude  # type: ignore[valid-type]
    lon_deg: Longitude  # type: ignore[valid-type]
    sigma_m: number(0.0, 1e6, lo_open=True)  # type: ignore[valid-type]

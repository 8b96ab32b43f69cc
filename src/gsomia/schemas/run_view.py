"""What the common operational picture reads of a run's JSON (``gsomia cop RUN.json``):
the members of ``gsomia.run/1`` (:mod:`gsomia.sim.report`) that the page draws, checked
before anything is served, so that a file the page cannot draw is refused naming the key
and the value.

:class:`RunView` is the run document: ``schema``, ``scenario`` (``name``, ``title``,
``epoch``, ``parties``), ``routes``, ``launches`` and ``picture``; its other members (the
figures of ``gsomia run``) are let through unread. ``picture`` is closed: its schema is
:mod:`gsomia.sim.replay`'s (times in seconds after the epoch, positions geodetic WGS-84 in
degrees, altitudes and ellipse axes in km). The launch figures the page reads
(``first_*_s``, ``area_at_risk_s``: seconds after the launch, or null) are checked, other
figures let through.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from gsomia.schemas.base import Closed, PartyCode, Text, fail, number

__all__ = ["LaunchView", "PictureView", "RunView", "ScenarioView"]

Seconds = number()
Lat = number(-90.0, 90.0)
Lon = number(-180.0, 180.0)
Km = number(0.0)
Point = tuple[Seconds, Lat, Lon, number()]     # [t_s, lat_deg, lon_deg, alt_km]


def _iso(value: Any) -> Any:
    if not isinstance(value, str):
        raise fail("expected an ISO 8601 date-time text such as 2017-03-05T22:34:00+00:00")
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        raise fail("expected an ISO 8601 date-time text such as "
                   "2017-03-05T22:34:00+00:00") from None
    if when.tzinfo is None:
        raise fail("expected a date-time with its offset (+00:00)")
    return value


def _some(what: str) -> Any:
    def check(value: Any) -> Any:
        if isinstance(value, list) and not value:
            raise fail(f"expected at least one {what}")
        return value

    return BeforeValidator(check)


class _Open(BaseModel):
    """A frozen model that lets undeclared keys through unread (the run's other figures)."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class ScenarioView(_Open):
    """``"scenario"``: the run's name, title, epoch and parties (at least one)."""

    name: Text
    title: str = ""
    epoch: Annotated[str, BeforeValidator(_iso)]
    parties: Annotated[list[PartyCode], _some("party")]


class ImpactArea(Closed):
    """Where the launch fell: ``party`` ("" on the high seas) and ``zone``."""

    party: str
    zone: Literal["land", "territorial_sea", "eez", "high_seas"]


class RouteFigures(_Open):
    """A party's figures of a launch on a route that the page reads [s after launch]."""

    first_detection_s: Seconds | None = None
    first_confirmed_s: Seconds | None = None
    first_pip_within_50km_s: Seconds | None = None
    area_at_risk_s: Seconds | None = None


class LaunchView(_Open):
    """One launch of ``"launches"``."""

    id: Text
    launch_s: Seconds
    impact_s: Seconds
    impact_lat_deg: Lat
    impact_lon_deg: Lon
    impact_area: ImpactArea
    impact_area_by_party: dict[str, tuple[str, Literal["land", "territorial_sea", "eez",
                                                        "high_seas"]]] = {}
    parties: dict[str, dict[str, RouteFigures]] = {}


class SensorView(Closed):
    """A sensor of the picture (no position for a space sensor)."""

    id: Text
    owner: Text
    kind: Literal["radar", "infrared"]
    platform: Literal["land", "ship", "space"]
    lat_deg: Lat | None
    lon_deg: Lon | None
    max_range_km: Km | None
    sector_center_deg: number() | None
    sector_half_width_deg: number(0.0, 180.0) | None
    description: str


class FlightView(Closed):
    """A missile's true flight."""

    id: Text
    launch_s: Seconds
    impact_s: Seconds
    points: list[Point]


class TrackView(Closed):
    """A party's confirmed track and its history."""

    track: Text
    launches: list[Text]
    confirmed_s: Seconds
    points: list[Point]


class LaunchReport(Closed):
    """A launch report of a space sensor."""

    t_s: Seconds
    owner: Text
    sensor: Text
    launch: Text
    launch_s: Seconds
    lat_deg: Lat
    lon_deg: Lon
    sigma_km: Km


#: [t_s, lat_deg, lon_deg, semi_major_km, semi_minor_km, orientation_deg, [source, ...]]
PipRow = tuple[Seconds, Lat, Lon, Km, Km, number(), list[Text]]
#: [t_s, to, originator, kind, [launch, ...], sent_s]
ArrivalRow = tuple[Seconds, Text, Text, Literal["track", "launch", "plots"], list[Text],
                   Seconds]


class PictureView(Closed):
    """``"picture"`` (:mod:`gsomia.sim.replay`)."""

    sensors: list[SensorView]
    flights: list[FlightView]
    tracks: dict[str, list[TrackView]]
    launch_reports: list[LaunchReport]
    pips: dict[str, dict[str, dict[str, list[PipRow]]]]
    arrivals: dict[str, list[ArrivalRow]]
    ellipse_probability: number(0.0, 1.0, lo_open=True, hi_open=True)


class RunView(_Open):
    """A run's JSON as the COP page reads it (module notes)."""

    schema_: Literal["gsomia.run/1"] = Field(alias="schema")
    scenario: ScenarioView
    routes: Annotated[list[Text], _some("route")]
    launches: list[LaunchView]
    picture: PictureView

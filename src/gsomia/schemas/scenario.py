"""Scenario files (TOML; :func:`gsomia.sim.scenario.load_scenario`) and the facility list.

Degrees and kilometres as in the file. The checks here are those the file alone decides
(types, ranges, required keys, a launch's site or position, a salvo's last launch time,
distinct parties); the loader then checks against the catalogues (agreement names and
parties, facilities, sensor sites, missile families) and expands salvos (launch ids,
:data:`MAX_LAUNCHES`).

Domains are those of the flight model (:func:`gsomia.physics.ballistics.fit_trajectory`):
range :data:`RANGE_KM`, apogee :data:`APOGEE_KM`, bearing [0, 360) deg, latitude [-90, 90],
longitude [-180, 360] deg. Limits (a scenario cannot hang or exhaust memory): at most
:data:`MAX_SALVO_COUNT` missiles a salvo, launch times and ``duration_s`` at most
:data:`MAX_DURATION_S` (4 h).
"""

from __future__ import annotations

from typing import Annotated, Any

import annotated_types as at
from pydantic import AfterValidator, Field, RootModel, model_validator

from gsomia.schemas.base import (
    Closed,
    LocalDate,
    OffsetDateTime,
    PartyCode,
    RouteText,
    Text,
    fail,
    integer,
    number,
)

__all__ = [
    "APOGEE_KM",
    "FAILURE_KINDS",
    "MAX_DURATION_S",
    "MAX_LAUNCHES",
    "MAX_PIECES",
    "MAX_SALVO_COUNT",
    "RANGE_KM",
    "AgreementEntry",
    "FacilityEntry",
    "FacilityFile",
    "FailureEntry",
    "LaunchEntry",
    "LinkEntry",
    "OutageEntry",
    "SalvoEntry",
    "ScenarioFile",
    "SensorEntry",
    "SubmarineEntry",
    "WaypointEntry",
]

RANGE_KM = (10.0, 15_000.0)
"""Ground range a launch may have [km]: the domain of the flight fit
(:func:`gsomia.physics.ballistics.fit_trajectory`)."""

APOGEE_KM = (1.0, 10_000.0)
"""Apogee a launch may have [km]: the domain of the flight fit."""

MAX_SALVO_COUNT = 100
"""Most missiles in one salvo (the largest salvo on record is under 10 missiles)."""

MAX_LAUNCHES = 1000
"""Most launches in one scenario, salvos expanded (50× the 20-launch stress scenario)."""

MAX_DURATION_S = 4 * 3600.0
"""Longest observation window and latest launch time [s]: 4 h (an ICBM flies ~1 h)."""

Latitude = number(-90.0, 90.0)
Longitude = number(-180.0, 360.0)
Free = number()


class SalvoEntry(Closed):
    """``salvo = { count = 4, spacing_s = 5.0 }``: missiles ``<id>-1 …``, spaced in time."""

    count: integer(1, MAX_SALVO_COUNT)  # type: ignore[valid-type]
    spacing_s: number(0.0, MAX_DURATION_S) = 0.0  # type: ignore[valid-type]


FAILURE_KINDS = ("thrust-cut", "breakup", "explosion")
"""How a missile fails (:mod:`gsomia.physics.failure`): the thrust stops and the missile
coasts whole; or it comes apart into ``pieces`` (slowly: a structural breakup; fast: an
explosion)."""

MAX_PIECES = 50
"""Most objects a failed missile becomes (each is flown and observed)."""


class FailureEntry(Closed):
    """``failure = { t_s = 200.0, kind = "thrust-cut", pieces = 1 }``: the missile fails
    ``t_s`` seconds after its launch (:mod:`gsomia.physics.failure`).

    Without ``t_s`` the launch's ``range_km`` and ``apogee_km`` are those of the failed flight
    as reported, and the failure time is the middle of the failing ``stage`` (default: the
    last stage of the propulsion class); the flight is then fitted to the reported figures.
    With ``t_s`` the same: the flight is fitted, powered until ``t_s``, to the range and
    apogee given. With ``dv_m_s`` (the missile's total ideal Δv, e.g. that of its
    successful flights of the same type) the failure time is fitted within the failing
    stage so that the failed flight has the reported range and apogee
    (:func:`gsomia.physics.failure.fit_failed_flight`).
    """

    t_s: number(0.0, 3600.0, lo_open=True) | None = None  # type: ignore[valid-type]
    kind: Text = Field("thrust-cut", description="thrust-cut | breakup | explosion")
    pieces: integer(1, MAX_PIECES) = 1  # type: ignore[valid-type]
    stage: integer(1, 9) | None = None  # type: ignore[valid-type]
    source: Text | None = None
    dv_m_s: number(0.0, 20_000.0, lo_open=True) | None = None  # type: ignore[valid-type]

    @model_validator(mode="after")
    def kind_and_pieces(self) -> FailureEntry:
        """A known kind; a breakup or explosion makes at least two pieces; a failure time
        given or fitted (``dv_m_s``), not both."""
        if self.kind not in FAILURE_KINDS:
            raise fail(f"expected one of {', '.join(FAILURE_KINDS)}", at=("kind",),
                       value=self.kind, has_value=True)
        if self.kind != "thrust-cut" and self.pieces < 2:
            article = "an" if self.kind == "explosion" else "a"
            raise fail(f"{article} {self.kind} makes at least 2 pieces", at=("pieces",),
                       value=self.pieces, has_value=True)
        if self.t_s is not None and self.stage is not None:
            raise fail("give t_s or stage, not both", at=("stage",), value=self.stage,
                       has_value=True)
        if self.t_s is not None and self.dv_m_s is not None:
            raise fail("give t_s or dv_m_s (the time is then fitted), not both",
                       at=("dv_m_s",), value=self.dv_m_s, has_value=True)
        return self


class OutageEntry(Closed):
    """``{ from_s = 100.0, to_s = 160.0 }``: a window in which a sensor reports nothing
    [s after the epoch], ``from_s < to_s``."""

    from_s: number(-MAX_DURATION_S, MAX_DURATION_S)  # type: ignore[valid-type]
    to_s: number(-MAX_DURATION_S, MAX_DURATION_S)  # type: ignore[valid-type]

    @model_validator(mode="after")
    def ordered(self) -> OutageEntry:
        """``from_s < to_s``."""
        if not self.from_s < self.to_s:
            raise fail(f"must be after from_s = {self.from_s:g}", at=("to_s",),
                       value=self.to_s, has_value=True)
        return self


class LaunchEntry(Closed):
    """One ``[[launches]]`` entry: a missile (or a salvo) from a facility or a position."""

    id: Text
    site: Text | None = Field(None, description="a facility of data/facilities.toml "
                                                "(instead of lat_deg/lon_deg)")
    lat_deg: Latitude | None = None  # type: ignore[valid-type]
    lon_deg: Longitude | None = None  # type: ignore[valid-type]
    alt_m: number(-500.0, 10e3) = 0.0  # type: ignore[valid-type]
    t_s: number(0.0, MAX_DURATION_S) = 0.0  # type: ignore[valid-type]
    bearing_deg: number(0.0, 360.0, hi_open=True)  # type: ignore[valid-type]
    range_km: number(*RANGE_KM)  # type: ignore[valid-type]
    apogee_km: number(*APOGEE_KM)  # type: ignore[valid-type]
    missile: Text | None = None
    propulsion: Text = Field("auto", description="'auto' or a propulsion class of "
                                                 "gsomia.physics.ballistics")
    salvo: SalvoEntry | None = None
    source: Text | None = None
    notes: Any = None
    fit_tolerance: number(1e-6, 0.05) = 1e-3  # type: ignore[valid-type]
    failure: FailureEntry | None = None
    impact_lat_deg: Latitude | None = Field(  # type: ignore[valid-type]
        None, description="reported impact point (with impact_lon_deg): the fit honours it "
                          "with range and apogee")
    impact_lon_deg: Longitude | None = None  # type: ignore[valid-type]
    impact_sigma_km: number(0.001, 2000.0) = 20.0  # type: ignore[valid-type]

    @model_validator(mode="after")
    def position_and_times(self) -> LaunchEntry:
        """A site or a position, not both; a salvo ends within :data:`MAX_DURATION_S`."""
        if self.site is not None and (self.lat_deg is not None or self.lon_deg is not None):
            raise fail("give either site or lat_deg/lon_deg, not both", at=("site",),
                       value=self.site, has_value=True)
        if self.site is None:
            for key in ("lat_deg", "lon_deg"):
                if getattr(self, key) is None:
                    raise fail("required key is missing (or give site)", at=(key,),
                               value=None, has_value=True)
        if (self.impact_lat_deg is None) != (self.impact_lon_deg is None):
            key = "impact_lon_deg" if self.impact_lon_deg is None else "impact_lat_deg"
            raise fail("give both impact_lat_deg and impact_lon_deg, or neither", at=(key,),
                       value=None, has_value=True)
        if self.salvo is not None:
            last = self.t_s + (self.salvo.count - 1) * self.salvo.spacing_s
            if last > MAX_DURATION_S:
                raise fail(f"the salvo's last launch would be at {last:g} s: launch times "
                           f"must be <= {MAX_DURATION_S:g} s", at=("salvo", "spacing_s"),
                           value=self.salvo.spacing_s, has_value=True)
        return self


class SensorEntry(Closed):
    """One ``[[sensors]]`` entry: a catalogue site (``site``, any key overriding its
    value) or a sensor given inline (keys of :mod:`gsomia.warning.sites`, whose ranges
    are checked when the sensor is built)."""

    site: Text | None = None
    kind: Text | None = Field(None, description="radar | infrared")
    platform: Text | None = Field(None, description="radar: ground (default) | ship")
    id: Text | None = None
    owner: PartyCode | None = None
    lat_deg: Latitude | None = None  # type: ignore[valid-type]
    lon_deg: Longitude | None = None  # type: ignore[valid-type]
    alt_m: Free | None = None  # type: ignore[valid-type]
    max_range_km: Free | None = None  # type: ignore[valid-type]
    min_elevation_deg: Free | None = None  # type: ignore[valid-type]
    revisit_s: Free | None = None  # type: ignore[valid-type]
    sigma_range_m: Free | None = None  # type: ignore[valid-type]
    sigma_az_deg: Free | None = None  # type: ignore[valid-type]
    sigma_el_deg: Free | None = None  # type: ignore[valid-type]
    pd: Free | None = None  # type: ignore[valid-type]
    false_alarms_per_scan: Free | None = None  # type: ignore[valid-type]
    sector_center_deg: Free | None = None  # type: ignore[valid-type]
    sector_half_width_deg: Free | None = None  # type: ignore[valid-type]
    refraction_k: Free | None = None  # type: ignore[valid-type]
    scan_offset_s: Free | None = None  # type: ignore[valid-type]
    range_resolution_m: Free | None = None  # type: ignore[valid-type]
    beamwidth_deg: Free | None = None  # type: ignore[valid-type]
    detect_after_s: Free | None = None  # type: ignore[valid-type]
    report_delay_s: Free | None = None  # type: ignore[valid-type]
    sigma_position_km: Free | None = None  # type: ignore[valid-type]
    sigma_time_s: Free | None = None  # type: ignore[valid-type]
    sigma_heading_deg: Free | None = None  # type: ignore[valid-type]
    in_service: LocalDate | None = None
    outages: list[OutageEntry] = Field([], description="windows [s after the epoch] in "
                                                       "which the sensor reports nothing")
    # documentation keys of the catalogue
    class_: Text | None = Field(None, alias="class")
    description: Text | None = None
    assumption: Text | None = None
    position_source: Text | None = None
    range_source: Text | None = None
    sector_source: Text | None = None
    notes: Text | None = None
    in_service_source: Text | None = None
    resolution_source: Text | None = None


class AgreementEntry(Closed):
    """An agreement of the catalogue in force in the scenario, and its items' route."""

    name: Text
    route: RouteText = Field("direct", description="direct | tisa_hub (tisa) | auto_hub "
                                              "(auto-hub); gsomia.sharing.Route")


class LinkEntry(Closed):
    """A one-way link between two different parties' nodes, with its delay [s]."""

    from_: Text = Field(alias="from")
    to: Text
    delay_s: number(0.0, 3600.0)  # type: ignore[valid-type]

    @model_validator(mode="after")
    def two_parties(self) -> LinkEntry:
        """A link joins two different parties."""
        if self.from_ == self.to:
            raise fail("a link joins two different parties (from = to)", at=("to",),
                       value=self.to, has_value=True)
        return self


def _distinct(parties: list[str]) -> list[str]:
    if not parties:
        raise fail("a scenario needs at least one party")
    for i, party in enumerate(parties):
        if party in parties[:i]:
            raise fail(f"{party} is listed twice")
    return parties


def _some_launches(launches: list[LaunchEntry]) -> list[LaunchEntry]:
    if not launches:
        raise fail("a scenario needs at least one [[launches]] entry")
    return launches


class WaypointEntry(Closed):
    """A submarine's position at a time [s after the epoch; deg]."""

    t_s: number(-MAX_DURATION_S, MAX_DURATION_S)  # type: ignore[valid-type]
    lat_deg: Latitude  # type: ignore[valid-type]
    lon_deg: Longitude  # type: ignore[valid-type]


class SubmarineEntry(Closed):
    """A submarine at sea before a launch (:class:`gsomia.warning.sensors.maritime.
    SubmarineTrack`): its waypoints and the windows its mast is up."""

    id: Text
    launch: Text | None = Field(None, description="the launch id it fires (scoring only)")
    track: Annotated[list[WaypointEntry], at.Len(1, 1000)]
    mast_up: list[OutageEntry] = Field([], description="windows [s] with a mast above "
                                                        "the water (from_s, to_s)")
    source: Text | None = None
    notes: Any = None


class ScenarioFile(Closed):
    """A scenario file (``gsomia/data/scenarios/*.toml``; docs/scenarios.md)."""

    name: Text | None = Field(None, description="default: the file stem")
    title: Text | None = Field(None, description="default: the name")
    epoch: OffsetDateTime = Field(description="scenario time 0")
    seed: integer(0)  # type: ignore[valid-type]
    parties: Annotated[list[PartyCode], AfterValidator(_distinct)]
    sources: list[Text] = []
    duration_s: number(0.0, MAX_DURATION_S, lo_open=True) | None = None  # type: ignore[valid-type]
    sensors: list[SensorEntry] = Field([], description="none: every catalogue sensor of "
                                                       "the parties in service on the epoch")
    launches: Annotated[list[LaunchEntry], AfterValidator(_some_launches)]
    agreements: list[AgreementEntry] = []
    links: list[LinkEntry] = []
    submarines: list[SubmarineEntry] = Field([], description="submarines at sea before "
                                                            "the launches")
    maritime: list[dict[str, Any]] = Field(
        [], description="patrol aircraft and submarines that report submarine contacts: a "
        "station of data/maritime_sensors.toml by 'site' (keys overridable), or a table; "
        "checked by gsomia.warning.maritime_sites")


class FacilityEntry(Closed):
    """A launch facility of ``gsomia/data/facilities.toml`` (CNS facility list)."""

    name: Text
    lat_deg: Latitude  # type: ignore[valid-type]
    lon_deg: Longitude  # type: ignore[valid-type]


class FacilityFile(RootModel[dict[str, FacilityEntry]]):
    """The facility list: key → facility."""

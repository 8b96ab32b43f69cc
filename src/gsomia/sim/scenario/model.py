"""Scenario types: who is in it, what they can see, what is launched, and what is in force.

The file schema is :class:`gsomia.schemas.ScenarioFile` (``gsomia schema scenario``); the
limits are defined there and re-exported here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from gsomia.physics.failure import Failure
from gsomia.schemas.scenario import (
    APOGEE_KM,
    MAX_DURATION_S,
    MAX_LAUNCHES,
    MAX_SALVO_COUNT,
    RANGE_KM,
)
from gsomia.sharing import Route
from gsomia.warning.maritime_sites import MaritimeSource
from gsomia.warning.sensors.maritime import SubmarineTrack
from gsomia.warning.sites import Sensor

__all__ = [
    "APOGEE_KM",
    "MAX_DURATION_S",
    "MAX_LAUNCHES",
    "MAX_SALVO_COUNT",
    "RANGE_KM",
    "RECORD_FIT_TOLERANCE",
    "ROUTES",
    "AgreementSpec",
    "LaunchSpec",
    "LinkSpec",
    "Scenario",
]

ROUTES = tuple(Route)
"""Routes over which an agreement's items travel: bilateral, via a hub with originator
approval (TISA), via the automated hub (2023 mechanism); :class:`gsomia.sharing.Route`."""


@dataclass(frozen=True, slots=True)
class LaunchSpec:
    """One missile to fly (a salvo is expanded into one spec per missile).

    Attributes:
        id: launch id (the truth id of its detections).
        lat_deg, lon_deg, alt_m: launch point, geodetic WGS-84.
        t_s: launch time [s after the epoch].
        bearing_deg: initial direction, clockwise from north [deg].
        range_m, apogee_m: ground range and apogee to fit [m].
        propulsion: propulsion class name or ``"auto"``.
        missile: missile name as in the public record, or ``None``.
        site: facility key when given by name, else ``None``.
        source: where the figures come from.
        where: the ``[[launches]]`` entry it came from (``"launches[0]"``), for messages.
        fit_tolerance: relative agreement of the fitted range and apogee with the given
            ones (:func:`gsomia.physics.ballistics.fit_trajectory`; default 0.1 %; scenarios
            from the public record use :data:`RECORD_FIT_TOLERANCE`).
        failure: how and when the missile fails (:class:`gsomia.physics.failure.Failure`),
            or ``None`` for a complete flight.
        impact_point: a reported impact point ``(lat_deg, lon_deg, sigma_m)`` that the fit
            honours with range and apogee, or ``None``.
    """

    id: str
    lat_deg: float
    lon_deg: float
    alt_m: float
    t_s: float
    bearing_deg: float
    range_m: float
    apogee_m: float
    propulsion: str = "auto"
    missile: str | None = None
    site: str | None = None
    source: str = ""
    where: str = ""
    fit_tolerance: float = 1e-3
    failure: Failure | None = None
    impact_point: tuple[float, float, float] | None = None


RECORD_FIT_TOLERANCE = 0.02
"""Fit tolerance of launches built from the public record: the CNS ranges and apogees are
rounded figures from press reports ("about 1,100 km", "60 km"), mostly to two significant
digits, i.e. ±0.5-5 %; a flight within 2 % of them matches the record as well as it can be
known (a tighter fit would drop launches the model flies, for rounding alone)."""


@dataclass(frozen=True, slots=True)
class AgreementSpec:
    """An agreement in force and the route its items take (data for the sharing layer)."""

    name: str
    route: Route


@dataclass(frozen=True, slots=True)
class LinkSpec:
    """A one-way link between two parties' nodes with its delay [s]."""

    from_party: str
    to_party: str
    delay_s: float


@dataclass(frozen=True, slots=True)
class Scenario:
    """A validated scenario (see the module notes for the file schema).

    Attributes:
        name, title: identification; ``file`` the path it was read from.
        epoch: scenario time 0, aware UTC.
        seed: the seed of every random draw in a run.
        parties: ISO alpha-3 codes.
        sensors: sensor models.
        launches: one spec per missile, in file order.
        agreements, links: carried for the sharing layer.
        duration_s: observation end [s], or ``None`` for the last impact.
        sources: where the scenario's facts come from.
        outages: ``(sensor id, from_s, to_s)`` windows [s after the epoch] in which that
            sensor reports nothing (its detections and reports in the window are dropped;
            its random draws are the same as without the outage).
        submarines: submarines at sea before the launches (their tracks).
        maritime: patrol aircraft and submarines that report submarine contacts
            (:mod:`gsomia.warning.sensors.maritime`).
    """

    name: str
    title: str
    file: str
    epoch: dt.datetime
    seed: int
    parties: tuple[str, ...]
    sensors: tuple[Sensor, ...]
    launches: tuple[LaunchSpec, ...]
    agreements: tuple[AgreementSpec, ...] = ()
    links: tuple[LinkSpec, ...] = ()
    duration_s: float | None = None
    sources: tuple[str, ...] = ()
    outages: tuple[tuple[str, float, float], ...] = ()
    submarines: tuple[SubmarineTrack, ...] = ()
    maritime: tuple[MaritimeSource, ...] = ()

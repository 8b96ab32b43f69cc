"""Fly a scenario's launches and let its sensors observe them.

Randomness: every sensor draws from its own generator, seeded from the scenario seed and a
CRC-32 of the sensor id (``SeedSequence(seed, spawn_key=(crc32(id),))``), so a run is
reproducible and adding or removing one sensor does not change what the others see.

Detections file (CSV, one row per radar detection or infrared launch report, sorted by time):

============== =============================================================================
column         meaning
============== =============================================================================
t_s            time of the detection / availability of the report [s after the epoch]
utc            the same instant, ISO 8601 UTC
kind           ``radar`` or ``ir``
sensor_id      sensor id
owner          owning party (ISO alpha-3)
site_lat_deg   radar site latitude (empty for ir)
site_lon_deg   radar site longitude (empty for ir)
site_alt_m     radar site height above the ellipsoid [m] (empty for ir)
range_m        measured slant range [m] (radar)
az_deg         measured azimuth, clockwise from north [deg] (radar)
el_deg         measured elevation [deg] (radar)
sigma_range_m  1-σ range noise [m] (radar)
sigma_az_deg   1-σ azimuth noise [deg] (radar)
sigma_el_deg   1-σ elevation noise [deg] (radar)
launch_t_s     estimated launch time [s after the epoch] (ir)
launch_lat_deg reported launch latitude (ir)
launch_lon_deg reported launch longitude (ir)
heading_deg    reported heading [deg] (ir)
truth_id       true launch id (evaluation only; empty for a false alarm)
============== =============================================================================
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import zlib
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path
from typing import IO, Any

import numpy as np

from gsomia.datafile import write_atomic
from gsomia.errors import InputError, PhysicsError
from gsomia.physics.ballistics import fit_trajectory
from gsomia.physics.failure import failure_time_s, fit_failed_flight, piece_trajectories
from gsomia.physics.fit_start import FitStarts
from gsomia.physics.propulsion import propulsion_class_for, resolve_propulsion
from gsomia.physics.trajectory import Trajectory
from gsomia.sim.scenario import LaunchSpec, Scenario
from gsomia.warning.sensors import Flight, InfraredLaunchSensor, LaunchReport
from gsomia.warning.sensors.cueing import Cue, observe_cued
from gsomia.warning.types import Detection

__all__ = ["DETECTION_COLUMNS", "Observation", "fly_launches", "fly_pieces", "in_outage",
           "observe", "sensor_rng", "summarise", "write_detections_csv"]

DETECTION_COLUMNS = ("t_s", "utc", "kind", "sensor_id", "owner", "site_lat_deg",
                     "site_lon_deg", "site_alt_m", "range_m", "az_deg", "el_deg",
                     "sigma_range_m", "sigma_az_deg", "sigma_el_deg", "launch_t_s",
                     "launch_lat_deg", "launch_lon_deg", "heading_deg", "truth_id")


@dataclass(frozen=True, slots=True)
class Observation:
    """What a scenario's sensors saw.

    Attributes:
        scenario: the scenario run.
        flights: the flown launches, in the scenario's order.
        detections: radar detections of all sensors, sorted by time.
        reports: infrared launch reports, sorted by time.
        t_end_s: end of the observation window [s after the epoch].
        pieces: the further objects of failed launches (breakup, explosion;
            :func:`fly_pieces`), ids ``<launch id>/piece-<k>`` (k from 2), which the radars
            see like any object (their detections carry the piece's id as ``truth_id``).
    """

    scenario: Scenario
    flights: tuple[Flight, ...]
    detections: tuple[Detection, ...]
    reports: tuple[LaunchReport, ...]
    t_end_s: float
    pieces: tuple[Flight, ...] = ()


def sensor_rng(seed: int, sensor_id: str) -> np.random.Generator:
    """The generator of one sensor in a run seeded with ``seed`` (see the module notes)."""
    return np.random.default_rng(
        np.random.SeedSequence(seed, spawn_key=(zlib.crc32(sensor_id.encode()),)))


def fly_launches(scenario: Scenario) -> tuple[Flight, ...]:
    """Fit and fly every launch (identical launch figures are fitted once; each fit starts
    from the correction of the nearest earlier fit of its kind,
    :class:`~gsomia.physics.fit_start.FitStarts`); a launch with a
    ``failure`` is fitted as the failed flight (:mod:`gsomia.physics.failure`: powered
    until the failure time, range and apogee those of the failed flight).

    Raises:
        PhysicsError: a launch's range/apogee cannot be flown by its propulsion class; the
            message names the scenario file, the ``[[launches]]`` entry and the launch id.
        InputError: a launch figure outside the flight model's domain (named the same way;
            :func:`~gsomia.sim.scenario.load_scenario` already checks these domains).
    """
    fitted: dict[tuple[Any, ...], Trajectory] = {}
    starts = FitStarts()
    flights = []
    for spec in scenario.launches:
        key = (spec.lat_deg, spec.lon_deg, spec.alt_m, spec.bearing_deg, spec.range_m,
               spec.apogee_m, spec.propulsion, spec.missile, spec.fit_tolerance,
               spec.failure, spec.impact_point)
        if key not in fitted:
            fitted[key] = _fit(scenario, spec, starts)
        flights.append(Flight(spec.id, spec.t_s, fitted[key]))
    return tuple(flights)


def _fit(scenario: Scenario, spec: LaunchSpec, starts: FitStarts) -> Trajectory:
    """Fit one launch (warm-started from the earlier fits in ``starts``), naming the file,
    entry and launch id in any failure."""
    where = f"{scenario.file}: {spec.where + ' ' if spec.where else ''}launch {spec.id}"
    try:
        cut = None
        if spec.failure is not None:
            prop = spec.propulsion if spec.propulsion != "auto" else \
                propulsion_class_for(spec.missile, spec.range_m)
            if spec.failure.dv_m_s is not None:   # the failure time is fitted
                if spec.impact_point is not None:
                    raise InputError("failure.dv_m_s", spec.failure.dv_m_s,
                                     "a fitted failure time does not take a reported "
                                     "impact point (give one of them)")
                return fit_failed_flight(spec.lat_deg, spec.lon_deg, spec.bearing_deg,
                                         spec.range_m, spec.apogee_m, prop, spec.failure,
                                         alt_m=spec.alt_m, tolerance=spec.fit_tolerance)
            cut = failure_time_s(spec.failure, resolve_propulsion(prop))
        return fit_trajectory(spec.lat_deg, spec.lon_deg, spec.bearing_deg, spec.range_m,
                              spec.apogee_m, propulsion=spec.propulsion,
                              missile=spec.missile, alt_m=spec.alt_m,
                              tolerance=spec.fit_tolerance, thrust_cut_s=cut, starts=starts,
                              **({} if spec.impact_point is None else {
                                  "impact_point_deg": spec.impact_point[:2],
                                  "impact_sigma_m": spec.impact_point[2]}))
    except InputError as exc:
        raise InputError(f"{where}: {exc.field}", exc.value, exc.reason) from exc
    except PhysicsError as exc:
        raise PhysicsError(f"{where} (range_km={spec.range_m / 1e3:g}, apogee_km="
                           f"{spec.apogee_m / 1e3:g}, missile={spec.missile!r}, "
                           f"propulsion={spec.propulsion!r}) cannot be flown: {exc}") from exc


def fly_pieces(scenario: Scenario, flights: tuple[Flight, ...]) -> tuple[Flight, ...]:
    """The further pieces of every launch that breaks up or explodes
    (:func:`gsomia.physics.failure.piece_trajectories`), ids ``<launch id>/piece-<k>``
    (k = 2 … pieces), each placed on the clock at the failure (its ``launch_s``: the
    failure time, when it comes into being); the kicks are drawn from a generator of the
    scenario seed and the launch id (:func:`sensor_rng` of ``"failure:<launch id>"``)."""
    out = []
    for spec, flight in zip(scenario.launches, flights, strict=True):
        if spec.failure is None:
            continue
        rng = sensor_rng(scenario.seed, f"failure:{spec.id}")
        t_f = flight.launch_s + flight.trajectory.burnout_s   # the pieces exist from here
        for k, traj in enumerate(piece_trajectories(flight.trajectory, spec.failure, rng),
                                 start=2):
            out.append(Flight(f"{spec.id}/piece-{k}", t_f, traj))
    return tuple(out)


def in_outage(scenario: Scenario, sensor_id: str, t_s: float) -> bool:
    """Whether ``sensor_id`` is out of service at ``t_s`` (a window ``[from_s, to_s)`` of
    :attr:`Scenario.outages <gsomia.sim.scenario.Scenario>`)."""
    return any(sid == sensor_id and lo <= t_s < hi for sid, lo, hi in scenario.outages)


def observe(scenario: Scenario, flights: tuple[Flight, ...] | None = None,
            cues: Mapping[str, Sequence[Cue]] | None = None) -> Observation:
    """Run every sensor of the scenario over its flights (flown here unless given) and the
    pieces of failed launches (radars only: an infrared sensor reports launches).

    The window is ``[0, duration_s]``, default from 0 to the last impact (of a launch). A
    sensor reports nothing inside its outage windows (:func:`in_outage`): what it would
    have reported there is dropped after its draws, so an outage changes nothing else.
    ``cues``: party → areas its radars are cued toward from a time on
    (:func:`gsomia.warning.sensors.cueing.observe_cued`; :mod:`gsomia.sim.maritime`).
    """
    flights = fly_launches(scenario) if flights is None else flights
    pieces = fly_pieces(scenario, flights)
    t_end = scenario.duration_s
    if t_end is None:
        t_end = max(f.impact_s for f in flights)
    detections: list[Detection] = []
    reports: list[LaunchReport] = []
    for sensor in scenario.sensors:
        rng = sensor_rng(scenario.seed, sensor.id)
        down = [(lo, hi) for sid, lo, hi in scenario.outages if sid == sensor.id]
        if isinstance(sensor, InfraredLaunchSensor):
            reports += [r for r in sensor.observe(flights, rng) if r.t_s <= t_end
                        and not any(lo <= r.t_s < hi for lo, hi in down)]
        else:
            mine = (cues or {}).get(sensor.owner)
            found = (observe_cued(sensor, flights + pieces, 0.0, t_end, rng, mine) if mine
                     else sensor.observe(flights + pieces, 0.0, t_end, rng))
            detections += [d for d in found if not any(lo <= d.t_s < hi for lo, hi in down)] \
                if down else found
    detections.sort(key=attrgetter("t_s", "sensor_id"))
    reports.sort(key=attrgetter("t_s", "sensor_id"))
    return Observation(scenario, flights, tuple(detections), tuple(reports), t_end, pieces)


def summarise(obs: Observation) -> dict[str, Any]:
    """Per launch, who saw it first; per sensor, how much and from when.

    A launch counts as seen by a radar at its first detection whose ``truth_id`` is the
    launch, and by an infrared sensor when its launch report is available. A sensor's
    ``detections`` counts its true detections (radar detections and infrared reports of a
    launch), ``false_alarms`` its detections of nothing (``truth_id`` empty), and
    ``first_t_s`` is the time of its first *true* detection (``None`` if none).

    Returns:
        ``{"scenario", "epoch", "seed", "launches": [{"id", "launch_t_s", "impact_t_s",
        "first_detection": {"party", "sensor", "t_s"} | None,
        "first_detection_by_party": {party: t_s}}], "sensors": [{"id", "party", "kind",
        "detections", "false_alarms", "first_t_s"}]}`` (times in s after the epoch).
    """
    sightings: list[tuple[float, str, str, str | None]] = (
        [(d.t_s, d.owner, d.sensor_id, d.truth_id) for d in obs.detections]
        + [(r.t_s, r.owner, r.sensor_id, r.truth_id) for r in obs.reports])
    sightings.sort(key=lambda s: (s[0], s[2]))
    by_launch: dict[str, list[tuple[float, str, str, str | None]]] = defaultdict(list)
    true_by_sensor: dict[str, list[float]] = defaultdict(list)
    false_by_sensor: dict[str, int] = defaultdict(int)
    for sighting in sightings:
        if sighting[3]:
            by_launch[sighting[3]].append(sighting)
            true_by_sensor[sighting[2]].append(sighting[0])
        else:
            false_by_sensor[sighting[2]] += 1
    launches = []
    for flight in obs.flights:
        mine = by_launch.get(flight.id, [])
        by_party: dict[str, float] = {}
        for t, party, _, _ in mine:
            by_party.setdefault(party, t)
        first = None if not mine else {"party": mine[0][1], "sensor": mine[0][2],
                                       "t_s": mine[0][0]}
        launches.append({"id": flight.id, "launch_t_s": flight.launch_s,
                         "impact_t_s": flight.impact_s, "first_detection": first,
                         "first_detection_by_party": dict(sorted(by_party.items()))})
    sensors = []
    for sensor in obs.scenario.sensors:
        times = true_by_sensor.get(sensor.id, [])
        sensors.append({"id": sensor.id, "party": sensor.owner,
                        "kind": "ir" if isinstance(sensor, InfraredLaunchSensor) else "radar",
                        "detections": len(times), "false_alarms": false_by_sensor[sensor.id],
                        "first_t_s": times[0] if times else None})
    return {"scenario": obs.scenario.name, "epoch": obs.scenario.epoch.isoformat(),
            "seed": obs.scenario.seed, "launches": launches, "sensors": sensors}


def _utc(epoch: dt.datetime, t_s: float) -> str:
    return (epoch + dt.timedelta(seconds=t_s)).isoformat(timespec="milliseconds")


def write_detections_csv(obs: Observation, path: str | Path) -> int:
    """Write the detections file (columns in the module notes). Returns the row count.

    The file is written atomically (a temporary file in the same folder renamed into place,
    :func:`gsomia.datafile.write_atomic`): a failure leaves no partial file.

    Raises:
        InputError: ``path`` cannot be written (a folder, a missing folder, no permission).
    """
    epoch = obs.scenario.epoch
    rows: list[tuple[float, str, dict[str, Any]]] = []
    for d in obs.detections:
        sd = np.sqrt(np.diag(d.covariance))
        rows.append((d.t_s, d.sensor_id, {
            "t_s": f"{d.t_s:.3f}", "utc": _utc(epoch, d.t_s), "kind": "radar",
            "sensor_id": d.sensor_id, "owner": d.owner, "site_lat_deg": d.site_lat_deg,
            "site_lon_deg": d.site_lon_deg, "site_alt_m": d.site_alt_m,
            "range_m": f"{d.range_m:.3f}", "az_deg": f"{math.degrees(d.az_rad):.6f}",
            "el_deg": f"{math.degrees(d.el_rad):.6f}", "sigma_range_m": f"{sd[0]:.3f}",
            "sigma_az_deg": f"{math.degrees(sd[1]):.6f}",
            "sigma_el_deg": f"{math.degrees(sd[2]):.6f}", "truth_id": d.truth_id or ""}))
    for r in obs.reports:
        rows.append((r.t_s, r.sensor_id, {
            "t_s": f"{r.t_s:.3f}", "utc": _utc(epoch, r.t_s), "kind": "ir",
            "sensor_id": r.sensor_id, "owner": r.owner, "launch_t_s": f"{r.launch_t_s:.3f}",
            "launch_lat_deg": f"{r.launch_lat_deg:.5f}",
            "launch_lon_deg": f"{r.launch_lon_deg:.5f}",
            "heading_deg": f"{math.degrees(r.heading_rad):.3f}", "truth_id": r.truth_id or ""}))
    rows.sort(key=lambda row: (row[0], row[1]))

    def write(fh: IO[str]) -> None:
        writer = csv.DictWriter(fh, fieldnames=DETECTION_COLUMNS, restval="")
        writer.writeheader()
        writer.writerows(row for _, _, row in rows)

    write_atomic(path, write)
    return len(rows)

"""What the common operational picture needs to replay a run (``gsomia cop RUN.json``;
:mod:`gsomia.web.cop`): the member ``"picture"`` of ``gsomia run --json-out``.

Schema (times in seconds after the scenario epoch, positions geodetic WGS-84 in degrees,
altitudes and ellipse axes in km)::

    "picture": {
      "sensors": [{"id", "owner", "kind": "radar" | "infrared",
                   "platform": "land" | "ship" | "space", "lat_deg", "lon_deg",
                   "max_range_km", "sector_center_deg", "sector_half_width_deg",
                   "description"}],      # no position for a space sensor (null)
      "flights": [{"id", "launch_s", "impact_s",
                   "points": [[t_s, lat_deg, lon_deg, alt_km], ...]}],   # truth
      "tracks": {party: [{"track": "<party>-<number>", "launches": [launch id, ...],
                          "confirmed_s", "points": [[t_s, lat_deg, lon_deg, alt_km]]}]},
      "launch_reports": [{"t_s", "owner", "sensor", "launch", "launch_s", "lat_deg",
                          "lon_deg", "sigma_km"}],
      "pips": {launch: {party: {route: [[t_s, lat_deg, lon_deg, semi_major_km,
                                         semi_minor_km, orientation_deg, [source, ...]]]}}},
      "arrivals": {route: [[t_s, to, originator, kind, [launch, ...], sent_s]]},
      "ellipse_probability": 0.95}

``tracks``: each party's own confirmed tracks (its tracker over its own detections), the
history of states after each scan, at most one point every ``step_s``; ``launches`` is the
scoring label of :func:`gsomia.sim.pictures.truth_labels` (never used by the tracker).
``pips``: the PIP of the party's best fused track of the launch at each evaluation time
(:class:`gsomia.sim.knowledge.PipSample`), with its 95 % ellipse
(:func:`gsomia.warning.tracking.states.error_ellipse`: scale ``√(−2 ln 0.05)``, χ² with 2
degrees of freedom; orientation of the major axis clockwise from north). ``arrivals``: each
item as it reached a party on a route (``kind``: ``"track"``, ``"launch"`` or ``"plots"``),
i.e. who contributed what, and when.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from gsomia.physics.geodesy import ecef2geodetic
from gsomia.sim.items import Warning
from gsomia.sim.pictures import truth_labels
from gsomia.sim.run import RunResult
from gsomia.warning.sensors import Radar
from gsomia.warning.sites import Sensor, load_sensor_catalogue
from gsomia.warning.tracking.states import error_ellipse

__all__ = ["ELLIPSE_PROBABILITY", "run_picture", "sensor_views"]

#: Probability held by the drawn PIP ellipses.
ELLIPSE_PROBABILITY = 0.95


def _r(value: float, nd: int = 4) -> float:
    return round(float(value), nd)


def sensor_views(sensors: Sequence[Sensor],
                 catalogue: Mapping[str, Mapping[str, Any]] | None = None) -> list[dict]:
    """Each sensor as the picture shows it (module schema, ``"sensors"``).

    ``platform``: ``"space"`` for an infrared launch sensor, ``"ship"`` for a radar whose
    catalogue class describes a destroyer (:mod:`gsomia.warning.sites`, ``sensors.toml``),
    else ``"land"``.
    """
    catalogue = catalogue or {}
    out = []
    for s in sensors:
        entry = catalogue.get(s.id, {})
        text = str(entry.get("description") or "")
        view: dict[str, Any] = {"id": s.id, "owner": s.owner, "description": text,
                                "lat_deg": None, "lon_deg": None, "max_range_km": None,
                                "sector_center_deg": None, "sector_half_width_deg": 180.0}
        if isinstance(s, Radar):
            ship = "destroyer" in text.lower() or "ship" in text.lower()
            centre = s.sector_center_rad
            view.update(kind="radar", platform="ship" if ship else "land",
                        lat_deg=_r(s.lat_deg), lon_deg=_r(s.lon_deg),
                        max_range_km=_r(s.max_range_m / 1e3, 1),
                        sector_center_deg=None if centre is None else _r(math.degrees(centre)),
                        sector_half_width_deg=_r(math.degrees(s.sector_half_width_rad), 2))
        else:
            view.update(kind="infrared", platform="space")
        out.append(view)
    return out


def _points(t: np.ndarray, x_ecef: np.ndarray) -> list[list[float]]:
    lat, lon, alt = ecef2geodetic(x_ecef)
    return [[_r(a, 1), _r(b), _r(c), _r(d / 1e3, 2)]
            for a, b, c, d in zip(t, np.atleast_1d(lat), np.atleast_1d(lon),
                                  np.atleast_1d(alt), strict=True)]


def _thin(times: Sequence[float], step_s: float) -> list[int]:
    """Indices of ``times`` at most one per ``step_s``, the last always kept."""
    keep, last = [], -math.inf
    for i, t in enumerate(times):
        if t - last >= step_s or i == len(times) - 1:
            keep.append(i)
            last = t
    return keep


def _tracks(result: RunResult, step_s: float) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for party, tracker in result.trackers.items():
        rows = []
        for tr in tracker.tracks:
            if tr.confirmed_s is None or not tr.history:
                continue
            keep = _thin([h.t_s for h in tr.history], step_s)
            t = np.array([tr.history[i].t_s for i in keep])
            x = np.array([tr.history[i].x[:3] for i in keep])
            rows.append({"track": f"{party}-{tr.number}", "launches": list(truth_labels(tr)),
                         "confirmed_s": _r(tr.confirmed_s, 1), "points": _points(t, x)})
        out[party] = rows
    return out


def _kind(w: Warning) -> str:
    return "plots" if w.plots else ("launch" if w.launch is not None else "track")


def run_picture(result: RunResult, step_s: float = 5.0) -> dict[str, Any]:
    """The ``"picture"`` member of a run's JSON (module schema).

    Args:
        result: a run (:func:`gsomia.sim.run.run_scenario`).
        step_s: least spacing of the flight and track points [s].
    """
    flights = []
    for f in result.flights:
        t = np.arange(0.0, f.trajectory.impact_s, step_s)
        t = np.append(t, f.trajectory.impact_s)
        flights.append({"id": f.id, "launch_s": _r(f.launch_s, 3),
                        "impact_s": _r(f.impact_s, 3),
                        "points": _points(t + f.launch_s, f.trajectory.position_at(t))})
    reports = [{"t_s": _r(r.t_s, 2), "owner": r.owner, "sensor": r.sensor_id,
                "launch": r.truth_id, "launch_s": _r(r.launch_t_s, 2),
                "lat_deg": _r(r.launch_lat_deg), "lon_deg": _r(r.launch_lon_deg),
                "sigma_km": _r(r.sigma_position_m / 1e3, 2)} for r in result.observation.reports]
    pips: dict[str, Any] = {}
    for lid, parties in result.knowledge.items():
        pips[lid] = {}
        for party, routes in parties.items():
            pips[lid][party] = {}
            for route, k in routes.items():
                rows = []
                for p in k.pips:
                    a, b, o = error_ellipse(p.cov_en_m2, ELLIPSE_PROBABILITY)
                    rows.append([_r(p.t_s, 1), _r(p.lat_deg), _r(p.lon_deg), _r(a / 1e3, 2),
                                 _r(b / 1e3, 2), _r(o, 1), list(p.sources)])
                pips[lid][party][route] = rows
    arrivals = {route: [[_r(d.t_s, 2), d.to, d.item.originator, _kind(d.item),
                         sorted(d.item.truth_ids), _r(d.item.t_s, 2)] for d in rows]
                for route, rows in result.deliveries.items()}
    return {"sensors": sensor_views(result.scenario.sensors, load_sensor_catalogue()),
            "flights": flights, "tracks": _tracks(result, step_s),
            "launch_reports": reports, "pips": pips, "arrivals": arrivals,
            "ellipse_probability": ELLIPSE_PROBABILITY}

"""The sensor simulation (``gsomia.sim.observe.observe``): the vectorised radar scan against
the per-object path it replaced, on the same scenarios.

Peer: :func:`reference_radar_observe`, the radar model as it was written object by object
(one flight at a time over its scans, the coverage of each flight's positions, one
resolution-cell grouping per scan, one plot at a time), kept here as the reference. It uses
the same geometry kernels (``Radar.aer``, ``line_of_sight_clear``, the refracted ray
checked on every grid point by ``ray_clear_on_grid``, ``unresolved_groups``) and the same
generator draws, so both must give the same detections bit for bit; the script checks that
before it times anything.

Run: ``python benchmarks/bench_observe.py [--repeat 3] [--json] [SCENARIO ...]`` (default
scenarios: 2017-03-06, stress-20 and ``benchmarks/scenarios/salvo-100-five-sites.toml``).
Times are CPU times (``time.process_time``) of ``observe`` with the flights already flown,
best of ``--repeat``, ours and the peer interleaved.
"""

from __future__ import annotations

import argparse
import json
import time
from operator import attrgetter
from pathlib import Path

import numpy as np

from gsomia.sim.observe import Observation, fly_launches, fly_pieces, observe, sensor_rng
from gsomia.sim.scenario import Scenario, load_scenario
from gsomia.warning.sensors import Flight, InfraredLaunchSensor, Radar
from gsomia.warning.sensors.coverage import (
    line_of_sight_clear,
    ray_clear_on_grid,
    wrap_angle_rad,
)
from gsomia.warning.types import Detection

HERE = Path(__file__).resolve().parent
DEFAULT_SCENARIOS = ("2017-03-06", "stress-20",
                     str(HERE / "scenarios" / "salvo-100-five-sites.toml"))


def reference_in_coverage(radar: Radar, r: np.ndarray) -> np.ndarray:
    """Coverage as first written: every limit on every target, the refracted ray checked
    on all its grid points."""
    az, el, rng = radar.aer(r)
    if radar.refraction_k == 1.0:
        clear = line_of_sight_clear(radar.site_ecef_m, r, radar.earth)
    else:
        clear = ray_clear_on_grid(radar.site_ecef_m, r, radar.refraction_k, radar.earth)
        kappa = (1.0 - 1.0 / radar.refraction_k) / radar.earth.mean_radius_m
        el = el + 0.5 * kappa * rng
    return ((rng <= radar.max_range_m) & (el >= radar.min_elevation_rad)
            & radar.in_sector(az) & clear)


def _measured(radar: Radar, r: np.ndarray, noise: np.ndarray) -> np.ndarray:
    az, el, rng = radar.aer(r)
    z = np.stack((rng, az, el), axis=-1) + noise
    z[:, 1] = wrap_angle_rad(z[:, 1])
    return z


def _plot(radar: Radar, t: float, z, truth, merged=()) -> Detection:
    return Detection(t_s=float(t), sensor_id=radar.id, owner=radar.owner,
                     site_lat_deg=radar.lat_deg, site_lon_deg=radar.lon_deg,
                     site_alt_m=radar.alt_m, range_m=float(z[0]), az_rad=float(z[1]),
                     el_rad=float(z[2]), covariance=radar.covariance, truth_id=truth,
                     merged_truth_ids=merged)


def reference_radar_observe(radar: Radar, flights: list[Flight] | tuple[Flight, ...],
                            t0: float, t1: float, rng: np.random.Generator) -> list[Detection]:
    """The per-object radar model (see the module notes)."""
    scans = radar.scan_times(t0, t1)
    sigma = np.array([radar.sigma_range_m, radar.sigma_az_rad, radar.sigma_el_rad])
    found: list[tuple[float, int, Detection]] = []
    cells: dict[int, list] = {}
    for order, flight in enumerate(flights):
        k = np.nonzero((scans >= flight.launch_s) & (scans <= flight.impact_s))[0]
        if k.size == 0:
            continue
        t = scans[k]
        r = flight.position_at(t)
        covered = reference_in_coverage(radar, r)
        seen = covered & (rng.random(t.size) < radar.pd)
        if not np.any(covered):
            continue
        noise = rng.standard_normal((int(seen.sum()), 3)) * sigma
        z = _measured(radar, r[seen], noise)
        if radar.resolves_everything:
            found += [(ti, order, _plot(radar, ti, zi, flight.id))
                      for ti, zi in zip(t[seen], z, strict=True)]
            continue
        row = np.cumsum(seen) - 1
        for i in np.nonzero(covered)[0]:
            cells.setdefault(int(k[i]), []).append(
                (order, r[i], (z[row[i]], noise[row[i]]) if seen[i] else None))
    for ki, members in cells.items():
        t_s = float(scans[ki])
        for group in radar.unresolved_groups(np.array([m[1] for m in members])):
            detected = [members[i] for i in group if members[i][2] is not None]
            if not detected:
                continue
            first = members[group[0]][0]
            own_z, own_noise = detected[0][2]
            if len(group) == 1:
                found.append((t_s, first, _plot(radar, t_s, own_z, flights[first].id)))
                continue
            centre = np.mean([members[i][1] for i in group], axis=0)[None, :]
            ids = tuple(flights[members[i][0]].id for i in group)
            found.append((t_s, first, _plot(radar, t_s, _measured(radar, centre,
                                                                  own_noise[None, :])[0],
                                            ids[0], ids)))
    if radar.false_alarms_per_scan > 0.0 and scans.size:
        counts = rng.poisson(radar.false_alarms_per_scan, scans.size)
        points = radar.sample_coverage(int(counts.sum()), rng)
        z = _measured(radar, points, rng.standard_normal((len(points), 3)) * sigma)
        found += [(ti, len(flights), _plot(radar, ti, zi, None))
                  for ti, zi in zip(np.repeat(scans, counts), z, strict=True)]
    found.sort(key=lambda item: (item[0], item[1]))
    return [d for _, _, d in found]


def reference_observe(scenario: Scenario, flights: tuple[Flight, ...]) -> list[Detection]:
    """The radar detections of ``observe`` by the per-object path (outages applied)."""
    pieces = fly_pieces(scenario, flights)
    t_end = scenario.duration_s
    if t_end is None:
        t_end = max(f.impact_s for f in flights)
    out: list[Detection] = []
    for sensor in scenario.sensors:
        if isinstance(sensor, InfraredLaunchSensor):
            continue
        rng = sensor_rng(scenario.seed, sensor.id)
        out += [d for d in reference_radar_observe(sensor, flights + pieces, 0.0, t_end, rng)
                if not any(s == sensor.id and lo <= d.t_s < hi
                           for s, lo, hi in scenario.outages)]
    out.sort(key=attrgetter("t_s", "sensor_id"))
    return out


def detection_key(d: Detection) -> tuple:
    """Every field of a detection (the covariance as its entries)."""
    return (d.t_s, d.sensor_id, d.owner, d.site_lat_deg, d.site_lon_deg, d.site_alt_m,
            d.range_m, d.az_rad, d.el_rad, tuple(np.asarray(d.covariance).ravel().tolist()),
            d.truth_id, d.merged_truth_ids)


def compare(ours: Observation, ref: list[Detection]) -> int:
    """Detections that differ between ours and the reference (0: identical, bit for bit)."""
    a = [detection_key(d) for d in ours.detections]
    b = [detection_key(d) for d in ref]
    return sum(x != y for x, y in zip(a, b, strict=False)) + abs(len(a) - len(b))


def bench(name: str, repeat: int) -> dict:
    """Time ours and the reference on one scenario; check they agree."""
    scenario = load_scenario(name)
    flights = fly_launches(scenario)
    ours = observe(scenario, flights)
    diff = compare(ours, reference_observe(scenario, flights))
    t_ours, t_ref = [], []
    for _ in range(repeat):
        t = time.process_time()
        observe(scenario, flights)
        t_ours.append(time.process_time() - t)
        t = time.process_time()
        reference_observe(scenario, flights)
        t_ref.append(time.process_time() - t)
    merged = sum(1 for d in ours.detections if d.merged_truth_ids)
    return {"scenario": scenario.name, "launches": len(flights),
            "radars": sum(not isinstance(s, InfraredLaunchSensor) for s in scenario.sensors),
            "detections": len(ours.detections), "merged_plots": merged,
            "differing_detections": diff, "ours_cpu_s": min(t_ours),
            "reference_cpu_s": min(t_ref), "ratio": min(t_ref) / max(min(t_ours), 1e-9)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenarios", nargs="*", default=list(DEFAULT_SCENARIOS))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = [bench(name, args.repeat) for name in args.scenarios]
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print("ours: gsomia.sim.observe.observe (vectorised radar scans); peer: "
          "reference_observe (this file: the radar model object by object, same geometry "
          "kernels and generator draws); CPU time (time.process_time), best of "
          f"{args.repeat}, interleaved")
    print("accuracy: 'differ' = detections of ours that differ from the peer's, bit for bit "
          "(0 required; both are the same model)")
    print(f"{'scenario':<22}{'launches':>9}{'detections':>11}{'merged':>8}{'differ':>7}"
          f"{'ours s':>9}{'reference s':>13}{'ratio':>8}")
    for r in rows:
        print(f"{r['scenario']:<22}{r['launches']:>9}{r['detections']:>11}"
              f"{r['merged_plots']:>8}{r['differing_detections']:>7}{r['ours_cpu_s']:>9.3f}"
              f"{r['reference_cpu_s']:>13.3f}{r['ratio']:>8.1f}")


if __name__ == "__main__":
    main()

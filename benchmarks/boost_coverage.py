"""Coverage of the boost-aware footprint (gsomia.sim.coverage): how often the true impact is
inside the 95 % region, over the packaged scenarios and the batch of the public record.

    python benchmarks/boost_coverage.py                      # every packaged scenario
    python benchmarks/boost_coverage.py --scenarios 2017-03-06,2019-10-02
    python benchmarks/boost_coverage.py --scenarios none --records ../shared/data/cns \
        --since 2022-01-01 --limit 20                        # the batch's events
    python benchmarks/boost_coverage.py --calibrate          # synthetic flights (BIAS_FRACTION)

Prints one JSON line per scenario or event and the totals. ``--calibrate`` flies synthetic
flights of the physics layer (classes, ranges and sites apart from the scenarios) and
prints, for true states during boost, the coverage with the packaged ``BIAS_FRACTION``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
from pathlib import Path

import numpy as np

from gsomia.errors import InputError
from gsomia.sim.batch import batch_events
from gsomia.sim.coverage import Coverage, footprint_coverage
from gsomia.sim.scenario import load_scenario, scenario_from_records

PACKAGED = ("2016-09-05", "2017-03-06", "2017-08-29", "2017-11-29", "2019-10-02",
            "2022-10-04", "stress-20")
SYNTHETIC = (("Scud-C", 500e3, 150e3, 90.0), ("Nodong", 1300e3, 400e3, 100.0),
             ("Musudan", 3000e3, 900e3, 60.0), ("Hwasong-15", 8000e3, 1500e3, 85.0),
             ("Pukguksong-2", 1500e3, 550e3, 70.0), ("Hwasong-19", 3000e3, 4000e3, 95.0),
             ("KN-24", 400e3, 50e3, 45.0))


def calibrate() -> dict:
    from gsomia.physics.ballistics import fit_trajectory
    from gsomia.warning.tracking.boost import kinematic_launch_time, predict_footprint

    inside = total = 0
    for missile, rng, apo, brg in SYNTHETIC:
        tr = fit_trajectory(39.0, 126.0, brg, rng, apo, missile=missile)
        tf = max(15.0, 0.3 * tr.burnout_s)
        launch = kinematic_launch_time(tf, np.concatenate([tr.position_at(tf),
                                                           tr.velocity_at(tf)]))
        for f in np.linspace(0.35, 0.95, 7):
            t = f * tr.burnout_s
            x = np.concatenate([tr.position_at(t), tr.velocity_at(t)])
            fp = predict_footprint(t, x, np.diag([100.0**2] * 3 + [10.0**2] * 3), launch,
                                   tr.propulsion)
            total += 1
            inside += fp.contains(tr.impact_lat_deg, tr.impact_lon_deg)
    return {"synthetic_boost": [inside, total, round(inside / total, 4)]}


def record_scenarios(records: Path, since: dt.date, limit: int):
    events = batch_events(records, since)[:limit]
    for ev in events:
        try:
            text, _ = scenario_from_records(list(ev.records), seed=ev.seed, event=ev.index)
        except InputError as exc:   # no record of the event can be flown
            print(json.dumps({"event": ev.id, "skipped": exc.reason[:120]}))
            continue
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"record-{ev.id}.toml"
            path.write_text(text, encoding="utf-8")
            try:
                yield ev.id, load_scenario(path)
            except Exception as exc:  # noqa: BLE001 - a record the scenario cannot hold
                print(json.dumps({"event": ev.id, "skipped": str(exc)[:120]}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenarios", default=",".join(PACKAGED))
    ap.add_argument("--records", type=Path)
    ap.add_argument("--since", default="2022-01-01")
    ap.add_argument("--limit", type=int, default=20)
    ap.add_argument("--calibrate", action="store_true")
    args = ap.parse_args()
    if args.calibrate:
        print(json.dumps(calibrate()))
        return
    total = Coverage(0.95)
    names = [] if args.scenarios == "none" else args.scenarios.split(",")
    for name in names:
        c = footprint_coverage(load_scenario(name))
        print(json.dumps({"scenario": name, **c.to_dict()}), flush=True)
        total.add(c)
    if args.records is not None:
        for eid, sc in record_scenarios(args.records, dt.date.fromisoformat(args.since),
                                        args.limit):
            try:
                c = footprint_coverage(sc)
            except Exception as exc:  # noqa: BLE001 - a launch that cannot be flown
                print(json.dumps({"event": eid, "skipped": str(exc)[:120]}))
                continue
            print(json.dumps({"event": eid, **c.to_dict()}), flush=True)
            total.add(c)
    print(json.dumps({"total": total.to_dict()}))


if __name__ == "__main__":
    main()

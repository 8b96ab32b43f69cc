"""``gsomia run`` through the real nodes against the planned delivery, same figures.

Run: ``python benchmarks/bench_run_delivery.py [SCENARIO] [--repeat R] [--json]``
(default scenario 2017-03-06, R = 3).

Compared: the whole command ``gsomia run SCENARIO`` (the default delivery step: every item
through the parties' real nodes on a simulated clock, :mod:`gsomia.sim.delivery.nodes`)
against ``gsomia run SCENARIO --delivery planned`` (arrival = send + the path's delay,
:mod:`gsomia.sim.delivery.planned`), each a fresh process, run alternately R times (node,
planned, node, planned, …) so that other load on the machine hits both alike (issue 19's
acceptance). Each run's wall time and CPU time (user + system of the child process,
``resource.getrusage(RUSAGE_CHILDREN)``) are taken, with the 1-minute load average before
and after.

Accuracy: the ``--json-out`` documents of every run must be equal once the timing keys
(``timings_s``, ``wall_s``) and the ``delivery`` name are left out; a difference is printed
and the exit code is 1.

Reported: each run, the medians, and the ratio node / planned of the median wall and CPU
times (issue 19 asks ≤ 1.3).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_args import int_at_least
from gsomia.errors import InputError
from gsomia.sim.scenario import resolve_scenario_path

#: Keys left out of the compared documents: times of this run, and the step's own name.
IGNORED = frozenset({"timings_s", "wall_s", "delivery"})


def strip(doc: Any) -> Any:
    """``doc`` without the :data:`IGNORED` keys, at any depth."""
    if isinstance(doc, dict):
        return {k: strip(v) for k, v in doc.items() if k not in IGNORED}
    if isinstance(doc, list):
        return [strip(v) for v in doc]
    return doc


def first_difference(a: Any, b: Any, path: str = "") -> str | None:
    """Where two JSON values first differ (a JSON-pointer-like path), or None."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return f"{path}/{k} (missing on one side)"
            where = first_difference(a[k], b[k], f"{path}/{k}")
            if where:
                return where
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path} (lengths {len(a)} / {len(b)})"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            where = first_difference(x, y, f"{path}/{i}")
            if where:
                return where
        return None
    return None if a == b else f"{path} ({a!r} / {b!r})"


def one_run(gsomia: str, scenario: str, delivery: str, out: Path) -> dict[str, Any]:
    """One ``gsomia run`` in a child process: wall [s], cpu [s] (user + system), loads."""
    args = [gsomia, "run", scenario, "--json-out", str(out)]
    if delivery == "planned":
        args += ["--delivery", "planned"]
    load0 = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"delivery": delivery, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
            "load": [round(load0, 2), round(os.getloadavg()[0], 2)]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", nargs="?", default="2017-03-06",
                    help="scenario file or packaged name (default 2017-03-06)")
    ap.add_argument("--repeat", type=int_at_least(1), default=3,
                    help="runs of each delivery, alternated (≥ 1, default 3)")
    ap.add_argument("--json", action="store_true", help="print the report as JSON")
    a = ap.parse_args(argv)
    try:
        resolve_scenario_path(a.scenario)
    except InputError as exc:
        ap.error(f"argument scenario: {exc}")
    gsomia = shutil.which("gsomia") or str(Path(sys.executable).with_name("gsomia"))
    runs: list[dict[str, Any]] = []
    docs: list[Any] = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(a.repeat):
            for delivery in ("node", "planned"):
                out = Path(tmp) / f"{delivery}-{i}.json"
                runs.append(one_run(gsomia, a.scenario, delivery, out))
                docs.append(strip(json.loads(out.read_text())))
                if not a.json:
                    r = runs[-1]
                    print(f"{delivery:8s} run {i + 1}: wall {r['wall_s']:7.2f} s  "
                          f"cpu {r['cpu_s']:7.2f} s  load {r['load'][0]:.1f}→{r['load'][1]:.1f}",
                          flush=True)
    diffs = [first_difference(docs[0], d) for d in docs[1:]]
    med = {d: {k: statistics.median(r[k] for r in runs if r["delivery"] == d)
               for k in ("wall_s", "cpu_s")} for d in ("node", "planned")}
    ratio = {k: round(med["node"][k] / med["planned"][k], 3) for k in ("wall_s", "cpu_s")}
    report = {"scenario": a.scenario, "repeat": a.repeat, "runs": runs, "median": med,
              "ratio_node_over_planned": ratio,
              "figures_identical": not any(diffs),
              "differences": [d for d in diffs if d]}
    if a.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"median node: wall {med['node']['wall_s']:.2f} s, cpu {med['node']['cpu_s']:.2f} s;"
              f" planned: wall {med['planned']['wall_s']:.2f} s, "
              f"cpu {med['planned']['cpu_s']:.2f} s")
        print(f"ratio node / planned: wall {ratio['wall_s']:.2f}, cpu {ratio['cpu_s']:.2f}; "
              f"figures identical: {report['figures_identical']}")
        for d in report["differences"]:
            print(f"  differs at {d}")
    return 0 if report["figures_identical"] else 1


if __name__ == "__main__":
    sys.exit(main())

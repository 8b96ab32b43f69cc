"""Cost of the audit log's Merkle tree: append time per record, and proof sizes and times.

Run: ``python benchmarks/bench_audit_tree.py [N] [--json]`` (N records for the proof
figures, default 100,000). Times are wall-clock on this machine, SQLite in a temporary
directory (WAL, ``synchronous=NORMAL``, as a node's store).

Append figures: records appended one per transaction (as a node's single decisions) and
in batches of 100 (as a delivery pass), in µs per record. Run the same script with the
sources of an earlier version first on ``PYTHONPATH`` to compare (an AuditLog without
``root`` measures only the appends).

Proof figures, on a log of N records: the number of hashes and the time of a root at a
random size, an inclusion proof of a random record, and a consistency proof between two
random sizes, each read from the stored perfect subtrees (``O(log N)`` rows).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from gsomia.sharing.audit import AuditLog

T = dt.datetime(2024, 1, 14, tzinfo=dt.UTC)


def _body(i: int) -> dict:
    return {"item": f"JPN-{i:06d}", "to": "KOR", "permit": i % 3 != 0,
            "rules": ["releasable_to", "equivalence", "in_force"], "n": i}


def append_cost(directory: Path, records: int, batch: int) -> float:
    """µs per record, appending ``records`` in batches of ``batch``."""
    with AuditLog(directory / f"a{batch}.db") as log:
        start = time.perf_counter()
        for i in range(0, records, batch):
            log.append_many([("decision", _body(j), T) for j in range(i, i + batch)])
        return (time.perf_counter() - start) / records * 1e6


def proof_figures(directory: Path, n: int, samples: int = 200) -> dict:
    """Sizes and times of roots and proofs on a log of ``n`` records."""
    rng = random.Random(7)
    with AuditLog(directory / "big.db") as log:
        for i in range(0, n, 1000):
            log.append_many([("decision", _body(j), T) for j in range(i, min(n, i + 1000))])
        out: dict = {"records": n}
        for name, make in (
            ("root", lambda: [log.root(rng.randint(1, n))]),
            ("inclusion", lambda: log.inclusion_proof(rng.randrange(n))),
            ("consistency", lambda: log.consistency_proof(*sorted(
                rng.sample(range(1, n + 1), 2)))),
        ):
            sizes, times = [], []
            for _ in range(samples):
                start = time.perf_counter()
                sizes.append(len(make()))
                times.append((time.perf_counter() - start) * 1e6)
            out[name] = {"hashes_max": max(sizes), "hashes_mean": statistics.mean(sizes),
                         "bytes_max": 32 * max(sizes), "us_median": statistics.median(times)}
        start = time.perf_counter()
        result = log.verify()
        out["verify_s"] = time.perf_counter() - start
        out["verify_ok"] = result.ok
        out["tree_rows"] = log.db.fetchone("SELECT COUNT(*) FROM audit_tree")[0]
    return out


def main(argv: list[str]) -> int:
    n = next((int(a) for a in argv if a.isdigit()), 100_000)
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        result = {"append_us_per_record": {
            "batch_1": append_cost(directory, 2000, 1),
            "batch_100": append_cost(directory, 20_000, 100),
        }}
        if hasattr(AuditLog, "root"):
            result["proofs"] = proof_figures(directory, n)
    if "--json" in argv:
        print(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Cost of the audit log's Merkle tree against pymerkle's SQLite tree: append time per
record, and proof sizes and times, with both trees' roots and proofs checked against each
other.

Run: ``python benchmarks/bench_audit_tree.py [N] [--json]`` (N records for the proof
figures, default 100,000). Times are wall-clock on this machine, SQLite in a temporary
directory.

*Ours*: :class:`gsomia.sharing.audit.AuditLog` (WAL, ``synchronous=NORMAL``, as a node's
store): each record's chain hash, its row, and the new perfect subtrees of its RFC 9162 tree
(leaf data: the record's 32-byte chain hash) in the same transaction.

*Peer*: ``pymerkle.SqliteTree`` (pymerkle 7, the ``bench`` extra) with its defaults (SHA-256,
``security`` on: RFC 9162 leaf and node prefixes, an LRU cache of subroots, threshold 128,
capacity 1 GiB), one leaf table of (entry, hash); its connection set to WAL and
``synchronous=NORMAL`` as ours, so that both pay the same durability. Its entries are the
same leaf data as ours (the chain hashes of our records, computed beforehand): the peer only
hashes and stores leaves, it keeps no chain and no record.

Append figures: records appended one per transaction (as a node's single decisions; the
peer's ``append_entry``) and in batches of 100 (as a delivery pass; the peer's
``append_entries``), in µs per record.

Proof figures, on logs of N records: the number of hashes and the time of a root at a random
size, an inclusion proof of a random record, and a consistency proof between two random
sizes (the same draws for both; ours reads the stored perfect subtrees, ``O(log N)`` rows;
pymerkle computes subroots from the leaves, caching them). Accuracy: every root of ours
equals the peer's at the same size, our proofs verify (RFC 9162 §2.1.3.2/§2.1.4.2,
:mod:`gsomia.sharing.translog.tree`) against the peer's roots and the peer's proofs
verify (``pymerkle.verify_inclusion`` / ``verify_consistency``) against ours; the counts
of mismatches and failures are printed (0 expected; otherwise the exit code is 1).
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

import pymerkle

from gsomia.sharing.audit import AuditLog
from gsomia.sharing.translog.tree import leaf_hash, verify_consistency, verify_inclusion

T = dt.datetime(2024, 1, 14, tzinfo=dt.UTC)


def _body(i: int) -> dict:
    return {"item": f"JPN-{i:06d}", "to": "KOR", "permit": i % 3 != 0,
            "rules": ["releasable_to", "equivalence", "in_force"], "n": i}


def _peer(path: Path) -> pymerkle.SqliteTree:
    tree = pymerkle.SqliteTree(str(path))
    tree.con.execute("PRAGMA journal_mode=WAL")
    tree.con.execute("PRAGMA synchronous=NORMAL")
    return tree


def append_cost(directory: Path, records: int, batch: int) -> dict:
    """µs per record of ours and of the peer, appending ``records`` in batches of
    ``batch`` (the peer: the leaf data of our records)."""
    with AuditLog(directory / f"a{batch}.db") as log:
        start = time.perf_counter()
        for i in range(0, records, batch):
            log.append_many([("decision", _body(j), T) for j in range(i, i + batch)])
        ours = (time.perf_counter() - start) / records * 1e6
        leaves = [bytes.fromhex(r.hash) for r in log.records()]
    tree = _peer(directory / f"p{batch}.db")
    try:
        start = time.perf_counter()
        if batch == 1:
            for data in leaves:
                tree.append_entry(data)
        else:
            for i in range(0, records, batch):
                tree.append_entries(leaves[i:i + batch])
        peer = (time.perf_counter() - start) / records * 1e6
    finally:
        tree.close()
    return {"ours": ours, "pymerkle": peer, "ratio_peer_over_ours": peer / ours}


def _timed(f) -> tuple[float, object]:
    start = time.perf_counter()
    out = f()
    return (time.perf_counter() - start) * 1e6, out


def _summary(sizes: list[int], times: list[float]) -> dict:
    return {"hashes_max": max(sizes), "hashes_mean": statistics.mean(sizes),
            "bytes_max": 32 * max(sizes), "us_median": statistics.median(times)}


def proof_figures(directory: Path, n: int, samples: int = 200) -> dict:
    """Sizes and times of roots and proofs on logs of ``n`` records, ours and the peer's,
    and their agreement."""
    rng = random.Random(7)
    draws = {"root": [rng.randint(1, n) for _ in range(samples)],
             "inclusion": [rng.randrange(n) for _ in range(samples)],
             "consistency": [tuple(sorted(rng.sample(range(1, n + 1), 2)))
                             for _ in range(samples)]}
    with AuditLog(directory / "big.db") as log:
        for i in range(0, n, 1000):
            log.append_many([("decision", _body(j), T) for j in range(i, min(n, i + 1000))])
        leaves = [bytes.fromhex(r.hash) for r in log.records()]
        tree = _peer(directory / "peer.db")
        tree.append_entries(leaves)
        out: dict = {"records": n, "ours": {}, "pymerkle": {}}
        bad = {"root_mismatches": 0, "ours_proofs_failed": 0, "peer_proofs_failed": 0}
        full = log.root()
        bad["root_mismatches"] += full != tree.get_root(n)
        for kind in ("root", "inclusion", "consistency"):
            mine, theirs = ([], []), ([], [])
            for d in draws[kind]:
                if kind == "root":
                    t0, a = _timed(lambda d=d: log.root(d))
                    t1, b = _timed(lambda d=d: tree.get_root(d))
                    bad["root_mismatches"] += a != b
                    sizes = (1, 1)
                elif kind == "inclusion":
                    t0, a = _timed(lambda d=d: log.inclusion_proof(d))
                    t1, b = _timed(lambda d=d: tree.prove_inclusion(d + 1, n))
                    lf = leaf_hash(leaves[d])
                    bad["ours_proofs_failed"] += not verify_inclusion(lf, d, n, a, full)
                    bad["peer_proofs_failed"] += not _peer_ok(
                        pymerkle.verify_inclusion, lf, full, b)
                    sizes = (len(a), len(b.path))
                else:
                    old, new = d
                    t0, a = _timed(lambda old=old, new=new: log.consistency_proof(old, new))
                    t1, b = _timed(lambda old=old, new=new: tree.prove_consistency(old, new))
                    r_old, r_new = log.root(old), log.root(new)
                    bad["ours_proofs_failed"] += not verify_consistency(
                        old, new, tree.get_root(old), tree.get_root(new), a)
                    bad["peer_proofs_failed"] += not _peer_ok(
                        pymerkle.verify_consistency, r_old, r_new, b)
                    sizes = (len(a), len(b.path))
                for acc, size, t in ((mine, sizes[0], t0), (theirs, sizes[1], t1)):
                    acc[0].append(size)
                    acc[1].append(t)
            out["ours"][kind] = _summary(*mine)
            out["pymerkle"][kind] = _summary(*theirs)
            out[f"{kind}_ratio_peer_over_ours"] = (out["pymerkle"][kind]["us_median"]
                                                   / out["ours"][kind]["us_median"])
        tree.close()
        start = time.perf_counter()
        result = log.verify()
        out["verify_s"] = time.perf_counter() - start
        out["verify_ok"] = result.ok
        out["tree_rows"] = log.db.fetchone("SELECT COUNT(*) FROM audit_tree")[0]
        out["agreement"] = bad
    return out


def _peer_ok(check, *args) -> bool:
    try:
        check(*args)
    except pymerkle.InvalidProof:
        return False
    return True


PEER_CONFIG = {
    "pymerkle": pymerkle.__version__, "tree": "SqliteTree(algorithm='sha256')",
    "defaults": "security on (RFC 9162 0x00/0x01 prefixes), subroot LRU cache threshold "
                "128, capacity 1 GiB",
    "sqlite": "journal_mode=WAL, synchronous=NORMAL (as ours)",
    "entries": "our records' 32-byte chain hashes (same leaves, same RFC 9162 tree)",
    "append": "append_entry per record (batch 1), append_entries (batch 100)",
}


def main(argv: list[str]) -> int:
    n = next((int(a) for a in argv if a.isdigit()), 100_000)
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        result = {"peer_config": PEER_CONFIG,
                  "ours_config": "AuditLog on SQLite (WAL, synchronous=NORMAL)",
                  "append_us_per_record": {
                      "batch_1": append_cost(directory, 2000, 1),
                      "batch_100": append_cost(directory, 20_000, 100)},
                  "proofs": proof_figures(directory, n)}
    agreement = result["proofs"]["agreement"]
    if "--json" in argv:
        print(json.dumps(result, indent=2))
    else:
        print("peer: " + "; ".join(f"{k} {v}" for k, v in PEER_CONFIG.items()))
        for batch, row in result["append_us_per_record"].items():
            print(f"append {batch}: ours {row['ours']:.1f} us/record, pymerkle "
                  f"{row['pymerkle']:.1f} us/record, ratio {row['ratio_peer_over_ours']:.2f}")
        p = result["proofs"]
        for kind in ("root", "inclusion", "consistency"):
            o, q = p["ours"][kind], p["pymerkle"][kind]
            print(f"{kind} on {p['records']} records: ours {o['us_median']:.0f} us "
                  f"({o['hashes_max']} hashes max), pymerkle {q['us_median']:.0f} us "
                  f"({q['hashes_max']} path entries max), ratio "
                  f"{p[kind + '_ratio_peer_over_ours']:.2f}")
        print(f"accuracy: {agreement} (0 expected); ours verify {p['verify_s']:.2f} s, "
              f"ok {p['verify_ok']}")
    return 0 if not any(agreement.values()) and result["proofs"]["verify_ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

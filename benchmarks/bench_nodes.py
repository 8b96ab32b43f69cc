"""Envelopes per second of the node pipeline, against the JOSE floor on the same input.

Run: ``python benchmarks/bench_nodes.py [N] [--route direct|tisa] [--repeat R] [--json]``
(N warnings per party, default 300; R interleaved repeats, default 3; seed 7).

Pipeline (ours): three real :class:`gsomia.node.Node` s (JPN, KOR, USA) on one
:class:`~gsomia.node.SimClock`, linked by :class:`~gsomia.node.InProcessLink` (0.5 s), each on
a SQLite file in a temporary directory (the store and audit log in one database, as
``gsomia run`` opens them). Each party publishes N warnings (a trajectory element: a 6-state
and its 6×6 covariance from a seeded random generator, as the tracker's reports carry) to
both partners, 0.1 s apart; the clock then runs until every envelope has arrived. Measured:
publish → arrival of every envelope, i.e. decide, sign, seal (hop signature + JWE), outbox
row, send, open (decrypt, hop and originator verification), replay checks, decide, mark,
inbox row, the audit records of every step (SHA-256 chain) and delivery at the arrival time.
``--route tisa``: Japan and Korea through the US hub with the originator's signed approval of
each item (four envelopes per relayed item), the US directly.

Floor (the peer, same process, same input): for each envelope the pipeline carried, the JOSE
work alone with joserfc 1.x on pyca/cryptography keys imported once: the originator's JWS
(Ed25519) of the same canonical body, the hop JWS, the JWE (ECDH-ES+A256KW on X25519,
A256GCM), then decrypt and both verifications. No store, audit, decision or clock.

Reported: envelopes per second of each (the best of R runs, wall and process CPU time, so
that other load on the machine counts as little as it can), and our overhead ratio = the
pipeline's best CPU time / the floor's best CPU time. The pipeline's arrivals are checked
(every envelope accepted, every warning delivered once) or the exit code is 1.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

import joserfc
from joserfc import jwe, jws
from joserfc.jwk import OKPKey

from gsomia.node import Directory, InProcessLink, MissileWarning, Node, PartyKeys, SimClock
from gsomia.sharing import load_catalog
from gsomia.sharing.envelope import _jwe_registry, label_to_dict

PARTIES = ("JPN", "KOR", "USA")
EPOCH = dt.datetime(2024, 1, 14, 6, 0, tzinfo=dt.UTC)  # every catalogued agreement in force
DELAY_S = 0.5
STEP_S = 0.1


def make_warnings(n: int, seed: int) -> dict[str, list[MissileWarning]]:
    """``n`` warnings per party, each a trajectory element (fixed seed)."""
    rng = random.Random(seed)
    out: dict[str, list[MissileWarning]] = {}
    for p in PARTIES:
        items = []
        for i in range(n):
            x = [rng.uniform(-6.4e6, 6.4e6) for _ in range(3)] + \
                [rng.uniform(-3e3, 3e3) for _ in range(3)]
            a = [[rng.gauss(0.0, 30.0) for _ in range(6)] for _ in range(6)]
            cov = [[sum(a[r][k] * a[c][k] for k in range(6)) for c in range(6)]
                   for r in range(6)]
            items.append(MissileWarning(f"{p}-T{i % 7}", EPOCH, 60.0 + i * STEP_S,
                                        trajectory={"t_s": 60.0 + i * STEP_S, "x_ecef": x,
                                                    "P": cov}))
        out[p] = items
    return out


def routes_for(route: str) -> dict[str, dict[str, str]]:
    if route == "direct":
        return {p: {q: "direct" for q in PARTIES if q != p} for p in PARTIES}
    if route == "tisa":
        return {"JPN": {"KOR": "tisa", "USA": "direct"}, "KOR": {"JPN": "tisa", "USA": "direct"},
                "USA": {"JPN": "direct", "KOR": "direct"}}
    raise SystemExit(f"--route: expected direct or tisa, not {route!r}")


def run_pipeline(warnings: dict[str, list[MissileWarning]], keys: dict[str, PartyKeys],
                 route: str) -> tuple[float, float, int, int]:
    """Publish every warning through real nodes; return (wall s, cpu s, envelopes acked,
    warnings delivered). Exits (code 1) when an envelope is rejected or a warning lost."""
    catalog = load_catalog()
    directory = Directory(k.public() for k in keys.values())
    clock = SimClock(EPOCH)
    got: list[tuple[str, str]] = []
    routes = routes_for(route)
    with tempfile.TemporaryDirectory() as tmp:
        nodes = {p: Node(p, keys[p], directory, catalog, Path(tmp) / f"{p}.sqlite", clock,
                         routes=routes[p],
                         on_warning=lambda w, item, p=p: got.append((item.originator, p)))
                 for p in PARTIES}
        for a in PARTIES:
            for b in PARTIES:
                if a != b:
                    nodes[a].connect(b, InProcessLink(b, nodes[b], clock, DELAY_S, sender=a))
        queue = sorted((w.t_s, p, w) for p, items in warnings.items() for w in items)
        wall, cpu = time.perf_counter(), time.process_time()
        for t, p, w in queue:
            clock.advance_to(t)
            for rel in nodes[p].publish_warning(w):
                if rel.status == "awaiting_approval":
                    nodes[p].approve(rel.item_id, rel.to, "tisa")
        clock.run()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        envelopes = sum(n.outbox_counts()["acked"] for n in nodes.values())
        rejected = sum(n.outbox_counts()["rejected"] for n in nodes.values())
        for n in nodes.values():
            n.close()
    if rejected:
        print(f"pipeline: {rejected} envelopes rejected", file=sys.stderr)
        raise SystemExit(1)
    expected = sum(len(v) for v in warnings.values()) * (len(PARTIES) - 1)
    if len(got) != expected or len(set(got)) != len(PARTIES) * (len(PARTIES) - 1):
        print(f"pipeline: {len(got)} warnings delivered, expected {expected}", file=sys.stderr)
        raise SystemExit(1)
    return wall, cpu, envelopes, len(got)


def run_floor(warnings: dict[str, list[MissileWarning]], keys: dict[str, PartyKeys],
              envelopes: int) -> tuple[float, float, int, int]:
    """The JOSE work of ``envelopes`` envelopes on the same payloads (module docstring);
    returns (wall s, cpu s, envelopes, bodies that did not come back equal)."""
    sig = {p: OKPKey.import_key(k.signing) for p, k in keys.items()}
    ver = {p: OKPKey.import_key(k.signing.public_key()) for p, k in keys.items()}
    dec = {p: OKPKey.import_key(k.encryption) for p, k in keys.items()}
    enc = {p: OKPKey.import_key(k.encryption.public_key()) for p, k in keys.items()}
    registry = _jwe_registry()
    jobs = []
    for p, items in warnings.items():
        for w in items:
            for q in PARTIES:
                if q != p:
                    jobs.append((p, q, w))
    jobs = (jobs * (envelopes // len(jobs) + 1))[:envelopes]

    def canonical(obj: object) -> bytes:
        return json.dumps(obj, sort_keys=True, separators=(",", ":"),
                          ensure_ascii=False).encode()

    from gsomia.sharing.label import Label

    mismatches = 0
    wall, cpu = time.perf_counter(), time.process_time()
    for p, q, w in jobs:
        at = EPOCH + dt.timedelta(seconds=w.t_s)
        label = Label(f"{p}-{uuid.uuid4().hex[:16]}", p, "SECRET", frozenset({q}),
                      "dprk-missile-threat", p, at, ("trajectory",))
        body = {"v": 1, "msg_id": uuid.uuid4().hex, "kind": "item", "originator": p,
                "signed_at": at.isoformat(), "label": label_to_dict(label),
                "payload": w.to_dict()}
        signed = canonical(body)
        inner = jws.serialize_compact({"alg": "Ed25519", "kid": f"{p}-sig"}, signed,
                                      sig[p], algorithms=["Ed25519"])
        hop = {"jti": uuid.uuid4().hex, "iss": p, "aud": q, "iat": at.isoformat(),
               "route": "direct", "final": q, "stream": "s", "seq": 1}
        hop_jws = jws.serialize_compact({"alg": "Ed25519", "kid": f"{p}-sig"},
                                        canonical({"v": 1, "hop": hop, "jws": inner}),
                                        sig[p], algorithms=["Ed25519"])
        token = jwe.encrypt_compact({"alg": "ECDH-ES+A256KW", "enc": "A256GCM", **hop},
                                    hop_jws.encode("ascii"), enc[q], registry=registry)
        opened = jwe.decrypt_compact(token, dec[q], registry=registry)
        hop_body = json.loads(jws.deserialize_compact(opened.plaintext, ver[p],
                                                      algorithms=["Ed25519"]).payload)
        opened = jws.deserialize_compact(hop_body["jws"], ver[p], algorithms=["Ed25519"])
        json.loads(opened.payload)
        mismatches += opened.payload != signed
    return time.perf_counter() - wall, time.process_time() - cpu, len(jobs), mismatches


PEER_CONFIG = {
    "joserfc": getattr(joserfc, "__version__", "?"),
    "keys": "OKPKey.import_key of the parties' pyca/cryptography keys, once",
    "per envelope": "JWS Ed25519 (originator, canonical body) + JWS Ed25519 (hop) + JWE "
                    "ECDH-ES+A256KW (X25519) / A256GCM, then decrypt and both verifications",
    "left out": "store, audit log, release decision, replay checks, clock",
}


def main(argv: list[str]) -> int:
    args = [a for a in argv if not a.startswith("--")]
    route = "direct"
    repeat = 3
    for i, a in enumerate(argv):
        if a == "--route":
            route = argv[i + 1]
            args.remove(route)
        if a == "--repeat":
            repeat = int(argv[i + 1])
            args.remove(argv[i + 1])
    n = int(args[0]) if args else 300
    warnings = make_warnings(n, seed=7)
    keys = {p: PartyKeys.generate(p) for p in PARTIES}
    pipe: list[tuple[float, float]] = []
    floor: list[tuple[float, float]] = []
    envelopes = deliveries = 0
    for _ in range(repeat):  # interleaved, so that load on the machine hits both alike
        wall, cpu, envelopes, deliveries = run_pipeline(warnings, keys, route)
        pipe.append((wall, cpu))
        f_wall, f_cpu, _, floor_mismatches = run_floor(warnings, keys, envelopes)
        floor.append((f_wall, f_cpu))
    p_wall, p_cpu = min(w for w, _ in pipe), min(c for _, c in pipe)
    f_wall, f_cpu = min(w for w, _ in floor), min(c for _, c in floor)
    result = {
        "route": route, "warnings_per_party": n, "envelopes": envelopes,
        "deliveries": deliveries, "repeats": repeat,
        "pipeline_envelopes_per_s_wall": round(envelopes / p_wall, 1),
        "pipeline_envelopes_per_s_cpu": round(envelopes / p_cpu, 1),
        "floor_envelopes_per_s_wall": round(envelopes / f_wall, 1),
        "floor_envelopes_per_s_cpu": round(envelopes / f_cpu, 1),
        "overhead_ratio_cpu": round(p_cpu / f_cpu, 2),
        "overhead_ratio_wall": round(p_wall / f_wall, 2),
        "ours_config": "3 Nodes (JPN, KOR, USA) on SQLite files, InProcessLink 0.5 s, SimClock; "
                       f"route {route}",
        "peer_config": PEER_CONFIG,
        "accuracy": {"pipeline": f"{envelopes} envelopes acked, 0 rejected, {deliveries} "
                                 "warnings delivered, each once (checked, else exit 1)",
                     "floor_bodies_not_equal_after_round_trip": floor_mismatches},
    }
    if "--json" in argv:
        print(json.dumps(result, indent=2))
    else:
        print(f"route {route}: {envelopes} envelopes, {deliveries} warnings delivered "
              f"(best of {repeat})")
        print(f"  pipeline (real nodes) {result['pipeline_envelopes_per_s_cpu']:9.1f} env/s CPU"
              f"  {result['pipeline_envelopes_per_s_wall']:9.1f} env/s wall")
        print(f"  floor (joserfc alone) {result['floor_envelopes_per_s_cpu']:9.1f} env/s CPU"
              f"  {result['floor_envelopes_per_s_wall']:9.1f} env/s wall")
        print(f"  overhead ratio pipeline/floor: {result['overhead_ratio_cpu']} (CPU), "
              f"{result['overhead_ratio_wall']} (wall)")
        print("  ours: " + result["ours_config"])
        print("  peer: " + "; ".join(f"{k} {v}" for k, v in PEER_CONFIG.items()))
        print(f"  accuracy: pipeline {result['accuracy']['pipeline']}; floor bodies not equal "
              f"after the round trip: {floor_mismatches}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

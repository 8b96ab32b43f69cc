"""``gsomia bench links``: three live nodes on 127.0.0.1 with mutual TLS, warnings over
every route with a restart of the receiving node mid-stream, and bad envelopes.

Report (``run_bench`` returns it; ``--json`` prints it)::

    {"routes": {"direct" | "tisa_hub" | "auto_hub":
                 {"sent", "delivered", "lost", "duplicates", "p50_ms", "p99_ms",
                  "p50_ms_before_restart"}},
     "rejected": {"tampered" | "wrong_key" | "replayed" | "unknown_party" |
                  "third_party_without_consent" | "forged_sender":
                  {"sent", "rejected", "checks"}, "audited": int},
     "resent_exact": {"sent", "deduplicated"}, "restarts": int, "ports": {...},
     "throughput": {"batch", "rate_per_s", "batched" | "single":
                    {"saturation" | "fixed_rate": {"sent", "delivered", "lost",
                     "duplicates", "offered_per_s", "per_s", "p50_ms", "p99_ms"}},
                    "ratio": {"saturation", "p99_at_rate"}}}

``throughput``: one direct link driven to saturation and at a fixed offered load, with
link batches (up to ``batch`` envelopes a request) and one envelope a request, in the same
run (:mod:`gsomia.web.bench_rate`). The route part's links take batches of ``batch`` too.

``forged_sender``: Japan passes on a Korean item it holds, to the USA, naming Korea as the
hop sender (hop signed with Japan's key, over Japan's mutual-TLS connection).

Latency: wall time from ``publish_warning`` on the Korean node (plus, on the TISA route,
Korea's immediate approval) until the Japanese node hands the warning to its subscriber;
it includes the outage while the Japanese node restarts, so p99 shows the retry cost.
``p50_ms_before_restart`` is the median over the warnings published before the Japanese
node is stopped (no outage, connections warm after the first).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from gsomia.node import HttpsLink, MissileWarning, PartyKeys, Receipt
from gsomia.node.links import MAX_BATCH_ENVELOPES
from gsomia.sharing import Route
from gsomia.sharing.catalog import load_catalog
from gsomia.sharing.envelope import Envelope, Header, label_from_dict, seal, sign
from gsomia.sharing.pki import init_pki, load_party_keys
from gsomia.web.bench_rate import await_deliveries, run_rate_bench
from gsomia.web.live import LiveCluster

__all__ = ["run_bench", "sample_warning"]

ROUTES = (Route.DIRECT, Route.TISA_HUB, Route.AUTO_HUB)
"""The routes benchmarked, in the report's order."""
EPOCH = dt.datetime(2024, 1, 14, tzinfo=dt.UTC)


def sample_warning(i: int, party: str = "") -> MissileWarning:
    """Warning ``i`` of a benchmark track (``T<i // 10>``, or ``<party>-A<i // 10>`` when
    ``party`` is given, so that each party's warnings are its own information: a payload
    equal to one received from a partner would be a re-origination, refused)."""
    return MissileWarning(
        f"{party}-A{i // 10}" if party else f"T{i // 10}", EPOCH, float(i),
        launch_point={"lat_deg": 39.0, "lon_deg": 125.7, "launch_s": 0.0,
                      "launch_sigma_s": 2.0, "cov_en_m2": [[4e6, 0.0], [0.0, 4e6]]},
        impact_point={"lat_deg": 40.5, "lon_deg": 136.0, "impact_s": 600.0 + i,
                      "impact_sigma_s": 5.0, "cov_en_m2": [[1e8, 0.0], [0.0, 1e8]],
                      "valid": True},
    )


def _flip(text: str, i: int) -> str:
    """Change one character of segment ``i % 5`` of a compact JWE, keeping it base64url."""
    parts = text.split(".")
    k = i % 5
    seg = parts[k] or "A"
    j = (7 * i) % len(seg)
    parts[k] = seg[:j] + ("B" if seg[j] != "B" else "C") + seg[j + 1:]
    return ".".join(parts)


def run_bench(n_per_route: int = 30, n_bad: int = 5, timeout_s: float = 30.0,
              workdir: Path | None = None, *, batch: int = MAX_BATCH_ENVELOPES,
              rate_per_s: float = 200.0, throughput: bool = True) -> dict[str, Any]:
    """Run the benchmark (see the module docstring); all servers are stopped at the end.
    ``batch``: envelopes per request on the links (1: no batches); ``rate_per_s``: the
    fixed offered load of the throughput part [warnings/s], which ``throughput=False``
    leaves out (its phases publish ``n_per_route`` warnings each)."""
    tmp = Path(workdir or tempfile.mkdtemp(prefix="gsomia-bench-"))
    init_pki(tmp / "pki")
    lock = threading.Lock()
    seen: dict[str, list[float]] = defaultdict(list)

    def on_jpn(warning: MissileWarning, item: Any) -> None:
        with lock:
            seen[item.item_id].append(time.perf_counter())

    cluster = LiveCluster(
        tmp / "pki", tmp, load_catalog(),
        {"KOR": {"JPN": Route.DIRECT}, "JPN": {}, "USA": {}}, on_warning={"JPN": on_jpn},
        batch=batch,
    ).start()
    report: dict[str, Any] = {"routes": {}, "rejected": {}, "restarts": 0,
                              "ports": dict(cluster.ports)}
    try:
        for route in ROUTES:
            kor = cluster.nodes["KOR"]
            kor.routes = {"JPN": route}
            started: dict[str, float] = {}
            before_restart: set[str] = set()
            for i in range(n_per_route):
                if i == n_per_route // 2:
                    cluster.stop_node("JPN")
                if i == n_per_route // 2 + max(1, n_per_route // 6):
                    cluster.start_node("JPN")
                    report["restarts"] += 1
                t0 = time.perf_counter()
                [rel] = kor.publish_warning(sample_warning(i))
                started[rel.item_id] = t0
                if i < n_per_route // 2:
                    before_restart.add(rel.item_id)
                if route is Route.TISA_HUB:
                    kor.approve(rel.item_id, "JPN", route)
            if "JPN" not in cluster.nodes:
                cluster.start_node("JPN")
                report["restarts"] += 1
            got = await_deliveries(cluster.nodes["JPN"], started, seen, lock, timeout_s)
            lat = list(got.latency_ms.values())
            calm = [ms for k, ms in got.latency_ms.items() if k in before_restart]
            report["routes"][str(route)] = {
                "sent": len(started),
                "delivered": len(lat),
                "lost": len(started) - len(lat),
                "duplicates": got.duplicates,
                "p50_ms": round(float(np.percentile(lat, 50)), 2) if lat else None,
                "p99_ms": round(float(np.percentile(lat, 99)), 2) if lat else None,
                "p50_ms_before_restart": (round(float(np.percentile(calm, 50)), 2)
                                          if calm else None),
            }
        report["rejected"], report["resent_exact"] = _bad_envelopes(cluster, n_bad)
    finally:
        cluster.stop()
    if throughput:
        report["throughput"] = run_rate_bench(
            tmp / "pki", tmp / "throughput", n_per_route, batch=batch, rate_per_s=rate_per_s,
            timeout_s=max(timeout_s, 4.0 * n_per_route / rate_per_s),
            warning=lambda i: sample_warning(i, "KOR"))
    return report


def _bad_envelopes(cluster: LiveCluster, n: int) -> tuple[dict[str, Any], dict[str, int]]:
    pki, directory = cluster.pki, cluster.directory
    kor_keys = load_party_keys(pki, "KOR")
    jpn_keys = load_party_keys(pki, "JPN")
    jpn = cluster.nodes["JPN"]
    kor_to_jpn = HttpsLink("JPN", cluster.url("JPN"), cluster.tls("KOR"))
    jpn_to_usa = HttpsLink("USA", cluster.url("USA"), cluster.tls("JPN"))
    now = dt.datetime.now(dt.UTC)
    label = label_from_dict({
        "item_id": "bench-bad", "originator": "KOR", "classification": "군사II급비밀",
        "releasable_to": ["JPN", "USA"], "topic": "dprk-missile-threat", "holder": "KOR",
        "elements": ["impact_point"],
    })
    payload = sample_warning(0).to_dict()

    def header(sender: str, to: str, at: dt.datetime = now) -> Header:
        eid = uuid.uuid4().hex
        return Header(eid, sender, to, at, "direct", to, f"bench:bad:{eid}", 1)

    def fresh(keys: PartyKeys, at: dt.datetime = now) -> Envelope:
        lab = dataclasses.replace(label, originator=keys.party, holder=keys.party,
                                  item_id=f"bench-{uuid.uuid4().hex[:8]}")
        hop = kor_keys if keys.party == "KOR" else keys  # wrong_key: only the inner key is wrong
        return seal(sign(keys, "item", payload, at, lab), header(keys.party, "JPN", at),
                    directory, hop)

    delivered_rows = [r for r in jpn.store.inbox(kind="item")
                      if Route.parse(r.route) is Route.DIRECT and r.sender == "KOR"]
    kor_rows = [r for r in cluster.nodes["KOR"].store.outbox()
                if r.status == "acked" and Route.parse(r.route) is Route.DIRECT]
    cases: dict[str, list[tuple[HttpsLink, Envelope]]] = defaultdict(list)
    for i in range(n):
        env = fresh(kor_keys)
        cases["tampered"].append((kor_to_jpn, dataclasses.replace(env, jwe=_flip(env.jwe, i))))
        rogue = PartyKeys("KOR", PartyKeys.generate("KOR").signing, kor_keys.encryption)
        cases["wrong_key"].append((kor_to_jpn, fresh(rogue)))
        if i % 2 == 0 and delivered_rows:
            row = delivered_rows[i % len(delivered_rows)]
            cases["replayed"].append((kor_to_jpn, seal(row.jws, header("KOR", "JPN"), directory,
                                                          kor_keys)))
        else:
            stale = now - dt.timedelta(days=2)
            cases["replayed"].append((kor_to_jpn, fresh(kor_keys, stale)))
        cases["unknown_party"].append((kor_to_jpn, fresh(PartyKeys.generate("PRK"))))
        if delivered_rows:
            row = delivered_rows[(i + 1) % len(delivered_rows)]
            cases["third_party_without_consent"].append(
                (jpn_to_usa, seal(row.jws, header("JPN", "USA"), directory, jpn_keys)))
            as_korea = PartyKeys("KOR", jpn_keys.signing, jpn_keys.encryption)
            cases["forged_sender"].append(
                (jpn_to_usa, seal(row.jws, header("KOR", "USA"), directory, as_korea)))
    before = {p: _rejections(cluster, p) for p in ("JPN", "USA")}
    out: dict[str, Any] = {}
    for kind in ("tampered", "wrong_key", "replayed", "unknown_party",
                 "third_party_without_consent", "forged_sender"):
        receipts: list[Receipt] = [link.send(env) for link, env in cases[kind]]
        out[kind] = {"sent": len(receipts),
                     "rejected": sum(r.status == "rejected" for r in receipts),
                     "checks": sorted({str(r.check) for r in receipts})}
    after = {p: _rejections(cluster, p) for p in ("JPN", "USA")}
    out["audited"] = sum(after[p] - before[p] for p in after)
    resent = [kor_to_jpn.send(Envelope.from_wire(r.wire)) for r in kor_rows[:n]]
    kor_to_jpn.close()
    jpn_to_usa.close()
    return out, {"sent": len(resent), "deduplicated": sum(r.status == "duplicate"
                                                           for r in resent)}


def _rejections(cluster: LiveCluster, party: str) -> int:
    node = cluster.nodes[party]
    with node.lock:  # read the audit log under the node's lock
        return sum(1 for r in node.audit.records() if r.kind == "receive.rejected")

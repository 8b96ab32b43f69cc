"""``gsomia bench fuzz``: requests generated from a node's OpenAPI (Schemathesis, on
Hypothesis) and poison bodies, sent to the node; no answer may be 5xx and no rejected
request may leave anything stored.

The requests (:func:`request_strategy`, reproducible by ``seed``) are drawn from:

- every operation of ``/openapi.json`` (partner inbox, operator POSTs, reads), with bodies
  that fit its schema (Schemathesis positive mode) or break it (negative mode: wrong
  types, missing and unknown keys, values out of range);
- poison bodies for every POST path (:func:`poison_bodies`): JSON nested 65 to 5,000 deep,
  400-digit integers, ``1e400``, lone surrogates (``"\\ud800"``) in values and member
  names, bytes that are not UTF-8, a repeated member name, epochs that overflow once
  converted to UTC, a missing ``valid``;
- an ``Idempotency-Key`` on about a quarter of the POSTs: mostly a new key, sometimes one
  of :data:`KEY_POOL` shared keys (reused with another request: 422), every key an RFC
  8941 quoted string. A request with a new key is sent twice and the second must store
  nothing; after a 2xx the second answer must be the first one replayed (same status and
  body, ``Idempotency-Replayed: true``), after a 4xx (the key released) the request is
  processed again: the same status, not replayed; else it counts in
  ``replay_mismatches``.

A request answered 4xx is "rejected": the node's stored rows (items, outbox, inbox,
consents, custody, notices, cases) and its ``item.created`` audit records are counted
before and after it and must not change (:func:`stored_counts`).

:func:`run_bench` starts KOR and JPN as live servers on 127.0.0.1 (mutual TLS,
:class:`gsomia.web.live.LiveCluster`) and sends the inbox requests with JPN's node
certificate and every other with KOR's operator certificate. Report::

    {"requests", "by_class": {"2xx", "3xx", "4xx", "5xx"}, "by_status": {"400": n, ...},
     "server_errors", "server_error_examples": [...], "stored_from_rejected",
     "stored_examples": [...], "replays", "replay_mismatches", "replay_examples": [...],
     "by_operation": {"POST /v1/warnings": n, ...}, "seed"}
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from gsomia.node import Node
from gsomia.sharing import Route
from gsomia.sharing.catalog import load_catalog
from gsomia.sharing.pki import init_pki
from gsomia.web.live import LiveCluster

__all__ = ["FuzzRequest", "poison_bodies", "request_strategy", "run_bench", "run_fuzz",
           "stored_counts"]

#: Tables whose rows a rejected request must not change (:func:`stored_counts`).
STORED_TABLES = ("local_items", "outbox", "inbox", "consents", "custody", "notices",
                 "notice_acks", "cases")
#: Shared idempotency keys (reused by other requests: 422 answers).
KEY_POOL = 4
#: Stands for a new idempotency key, made unique when the request is sent.
NEW_KEY = "new"


@dataclass(frozen=True, slots=True)
class FuzzRequest:
    """One generated request: method, path (with query), headers and body bytes."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    operation: str


def stored_counts(node: Node) -> dict[str, int]:
    """Rows of :data:`STORED_TABLES` and ``item.created`` audit records of ``node``."""
    db = node.store.db
    with node.lock:
        counts = {t: int(db.fetchone(f"SELECT count(*) FROM {t}")[0])  # noqa: S608
                  for t in STORED_TABLES}
        row = node.audit.db.fetchone("SELECT count(*) FROM audit WHERE kind = ?",
                                     ("item.created",))
    counts["audit item.created"] = int(row[0])
    return counts


def poison_bodies() -> Any:
    """Hypothesis strategy of poison body bytes (module notes)."""
    from hypothesis import strategies as st

    good = {"track_id": "T1", "epoch": "2024-01-14T00:00:00Z", "t_s": 10.0,
            "impact_point": {"lat_deg": 40.5, "lon_deg": 136.0, "impact_s": 600.0,
                             "impact_sigma_s": 5.0, "cov_en_m2": [[1e8, 0.0], [0.0, 1e8]],
                             "valid": True}}
    text = json.dumps(good)

    def nested(n: int, obj: bool) -> bytes:
        return (('{"a":' * n + "1" + "}" * n) if obj else ("[" * n + "]" * n)).encode()

    epochs = st.sampled_from(["0001-01-01T00:00:00+01:00", "9999-12-31T23:00:00-05:00",
                              "1969-12-31T23:59:59Z", "9999-12-31T23:59:59Z"])
    return st.one_of(
        st.builds(nested, st.integers(65, 5000), st.booleans()),
        st.integers(19, 400).map(lambda n: text.replace("10.0", "9" * n).encode()),
        st.just(text.replace("100000000.0", "1e400").encode()),
        st.sampled_from(["\\ud800", "\\udfff", "a\\udc00b"]).map(
            lambda s: text.replace('"T1"', f'"{s}"').encode()),
        st.just(text.replace('"track_id"', '"\\ud800"').encode()),
        st.binary(min_size=1, max_size=64).map(lambda b: b'{"track_id": "' + b + b'"}'),
        st.just(b'{"track_id": "T1", "track_id": "T2"}'),
        epochs.map(lambda e: text.replace("2024-01-14T00:00:00Z", e).encode()),
        st.just(text.replace(', "valid": true', "").encode()),
        st.just(text.replace('"t_s"', '"extra": 1, "t_s"').encode()),
    )


def request_strategy(spec: dict[str, Any]) -> Any:
    """Hypothesis strategy of :class:`FuzzRequest` for the API described by ``spec``
    (an OpenAPI document; module notes)."""
    import schemathesis
    from hypothesis import strategies as st
    from schemathesis import GenerationMode

    schema = schemathesis.openapi.from_dict(spec)
    operations = [r.ok() for r in schema.get_all_operations()]
    cases = st.one_of([op.as_strategy(mode) for op in operations
                       for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)])
    posts = sorted({op.path for op in operations if op.method.upper() == "POST"})

    def from_case(case: Any) -> FuzzRequest:
        kw = case.as_transport_kwargs(base_url="http://node")
        url = httpx.URL(kw["url"], params=kw.get("params") or None)
        headers = {k: str(v) for k, v in (kw.get("headers") or {}).items()
                   if k.lower() in ("content-type", "idempotency-key")}
        if "json" in kw:
            body: bytes | None = json.dumps(kw["json"]).encode()
        else:
            data = kw.get("data") or kw.get("content")
            body = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
        target = url.raw_path.decode("ascii")
        return FuzzRequest(case.method.upper(), target, headers, body,
                           f"{case.method.upper()} {case.operation.path}")

    def poison(path: str, body: bytes) -> FuzzRequest:
        return FuzzRequest("POST", path.replace("{item_id}", "KOR-0").replace(
            "{case_id}", "case-0"), {"content-type": "application/json"}, body,
            f"POST {path} (poison)")

    def keyed(req: FuzzRequest, key: str | None) -> FuzzRequest:
        if key is None or req.method != "POST" or req.path.startswith("/v1/inbox"):
            return req  # the inbox is idempotent by envelope id, without keys
        return FuzzRequest(req.method, req.path, {**req.headers, "idempotency-key": key},
                           req.body, req.operation)

    poisoned = st.builds(poison, st.sampled_from(posts), poison_bodies())
    # a quarter poison, drawn explicitly (Hypothesis favours the first branch of one_of)
    requests = st.integers(0, 3).flatmap(lambda i: poisoned if i == 3
                                         else cases.map(from_case))
    keys = st.integers(0, 7).flatmap(
        lambda i: st.just(NEW_KEY) if i == 0
        else st.integers(0, KEY_POOL - 1).map(lambda k: f'"shared-{k}"') if i == 1
        else st.none())
    return st.builds(keyed, requests, keys)


def run_fuzz(spec: dict[str, Any], send: Callable[[FuzzRequest], httpx.Response],
             node: Node, n: int, seed: int = 0) -> dict[str, Any]:
    """Send ``n`` generated requests (:func:`request_strategy` of ``spec``, seeded) with
    ``send`` and check each answer against ``node``'s store (module notes); the report."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hypothesis_seed

    by_status: Counter[int] = Counter()
    by_operation: Counter[str] = Counter()
    server_errors: list[dict[str, Any]] = []
    stored: list[dict[str, Any]] = []
    mismatches: list[dict[str, Any]] = []
    replays: list[str] = []

    strategy = request_strategy(spec)

    def one(req: FuzzRequest) -> None:
        if sum(by_status.values()) >= n:
            return
        fresh = req.headers.get("idempotency-key") == NEW_KEY
        if fresh:
            req = dataclasses.replace(req, headers={
                **req.headers, "idempotency-key": f'"new-{seed}-{sum(by_status.values())}"'})
        before = stored_counts(node)
        answer = send(req)
        by_status[answer.status_code] += 1
        by_operation[req.operation] += 1
        if fresh and sum(by_status.values()) < n:  # a new key: send again, a replay
            kept = stored_counts(node)
            again = send(req)
            replays.append(req.operation)
            if stored_counts(node) != kept:  # a replay does nothing again
                mismatches.append({"operation": req.operation, "stored": "again"})
            by_status[again.status_code] += 1
            by_operation[req.operation] += 1
            replayed = again.headers.get("idempotency-replayed") == "true"
            if (200 <= answer.status_code < 300 and (
                    (again.status_code, again.content) != (answer.status_code, answer.content)
                    or not replayed)) or (400 <= answer.status_code < 500 and (
                    again.status_code != answer.status_code or replayed)):
                mismatches.append({"operation": req.operation, "first": answer.status_code,
                                   "again": again.status_code, "answer": again.text[:300]})
        example = {"operation": req.operation, "path": req.path[:200],
                   "status": answer.status_code, "answer": answer.text[:300],
                   "body": (req.body or b"")[:300].decode("utf-8", "replace")}
        if answer.status_code >= 500:
            server_errors.append(example)
        elif 400 <= answer.status_code < 500:
            after = stored_counts(node)
            if after != before:
                changed = {k: after[k] - before[k] for k in after if after[k] != before[k]}
                stored.append({**example, "changed": changed})

    rounds = 0
    while sum(by_status.values()) < n:  # Hypothesis may stop a run short of max_examples
        run = settings(max_examples=n, database=None, deadline=None, phases=[Phase.generate],
                       suppress_health_check=list(HealthCheck))(given(strategy)(one))
        hypothesis_seed(seed + rounds)(run)()
        rounds += 1
    classes = Counter(f"{s // 100}xx" for s in by_status.elements())
    return {
        "requests": sum(by_status.values()),
        "by_class": {c: classes.get(c, 0) for c in ("2xx", "3xx", "4xx", "5xx")},
        "by_status": {str(s): c for s, c in sorted(by_status.items())},
        "server_errors": len(server_errors), "server_error_examples": server_errors[:10],
        "stored_from_rejected": len(stored), "stored_examples": stored[:10],
        "replays": len(replays), "replay_mismatches": len(mismatches),
        "replay_examples": mismatches[:10],
        "by_operation": dict(sorted(by_operation.items())), "seed": seed,
    }


def run_bench(n: int = 2000, seed: int = 0, workdir: Path | None = None) -> dict[str, Any]:
    """Fuzz a live KOR node (module notes); all servers are stopped at the end."""
    tmp = Path(workdir or tempfile.mkdtemp(prefix="gsomia-fuzz-"))
    init_pki(tmp / "pki", ("KOR", "JPN"))
    cluster = LiveCluster(tmp / "pki", tmp, load_catalog(),
                          {"KOR": {"JPN": Route.DIRECT}, "JPN": {}}).start()
    operator = httpx.Client(verify=cluster.operator_tls("KOR").client_context(),
                            timeout=30.0, trust_env=False)
    partner = httpx.Client(verify=cluster.tls("JPN").client_context(), timeout=30.0,
                           trust_env=False)
    base = cluster.url("KOR")

    def send(req: FuzzRequest) -> httpx.Response:
        client = partner if urlsplit(req.path).path.startswith("/v1/inbox") else operator
        return client.request(req.method, base + req.path, headers=req.headers,
                              content=req.body)

    try:
        spec = operator.get(f"{base}/openapi.json").raise_for_status().json()
        report = run_fuzz(spec, send, cluster.nodes["KOR"], n, seed)
    finally:
        operator.close()
        partner.close()
        cluster.stop()
    report["node"] = {"party": "KOR", "url": base, "mutual_tls": True}
    return report

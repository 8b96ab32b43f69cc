"""Messages per second a node takes in from its nation's stream on NATS JetStream, with one
and with several worker processes on one store.

Run: ``python benchmarks/bench_stream.py [--n N] [--workers 1,2] [--server URL]
[--postgresql URL] [--json]`` (N track reports, default 400; the server default
``nats://127.0.0.1:4222``; ``--postgresql postgresql://127.0.0.1:5432/postgres``: the store
in a fresh schema of that database, dropped afterwards, instead of a SQLite file).

For each worker count W: a fresh stream and durable consumer (names unique to the run,
deleted at the end), N track reports (each a :class:`~gsomia.node.MissileWarning` with
launch- and impact-point elements, its own ``Nats-Msg-Id``) published first, then W
``gsomia stream work`` processes of Korea's node on one SQLite store (Japan a peer on a
closed port, so each item is decided, signed, sealed and kept in the outbox: the node's
whole originating work but the send; SQLite serialises the workers' transactions on its
one write lock, PostgreSQL on row locks only). Measured: from all W workers fetching to every
message processed (its row in ``stream_messages``), wall time; reported as messages per
second, with each worker's share and the consumer's state at the end (pending, ack
pending: both 0, or the exit code is 1; redelivered_pending: of the unacked messages, those
delivered more than once, the server's num_redelivered, so 0 once all are acked).

*Floor* (the peer, same server, same N messages on a fresh stream of their own): nats-py
alone, one process, no node: a durable pull consumer with the node's consumer settings
(explicit ack, ack_wait 30 s, max_deliver 100, deliver all, max_ack_pending 1000),
``pull_subscribe_bind``, ``fetch`` of 8 as the workers, each message's JSON parsed and
acknowledged with ``ack_sync`` (what a worker does around the node's work). The ratio is the
floor's rate over ours. Accuracy (both): messages processed or acked out of N, and the
consumer's pending and ack-pending counts at the end (0 expected).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import importlib.metadata
import json
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import nats
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from gsomia.node import MissileWarning
from gsomia.node.stream import StreamMessage, StreamSettings, publish_messages, stream_info
from gsomia.sharing.pki import init_pki

EPOCH = dt.datetime(2024, 1, 14, 6, 0, tzinfo=dt.UTC)


def _warning(i: int) -> MissileWarning:
    return MissileWarning(
        f"T{i}", EPOCH, 10.0 + i,
        launch_point={"lat_deg": 39.0, "lon_deg": 125.7, "launch_s": 0.0,
                      "launch_sigma_s": 2.0, "cov_en_m2": [[4e6, 0.0], [0.0, 4e6]]},
        impact_point={"lat_deg": 40.5, "lon_deg": 136.0, "impact_s": 600.0,
                      "impact_sigma_s": 5.0, "cov_en_m2": [[1e8, 0.0], [0.0, 1e8]],
                      "valid": True})


def _count(store: Path | str) -> int:
    if isinstance(store, str):
        import psycopg

        base, schema = store.split("?schema=")
        with psycopg.connect(base) as con:
            try:
                return con.execute(f'SELECT count(*) FROM "{schema}".stream_messages'
                                   ).fetchone()[0]
            except psycopg.Error:
                return 0
    try:
        con = sqlite3.connect(store, timeout=10)
        try:
            return con.execute("SELECT count(*) FROM stream_messages").fetchone()[0]
        finally:
            con.close()
    except sqlite3.OperationalError:
        return 0


def _config(root: Path, pki: Path, store: str) -> Path:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cfg = root / "kor.toml"
    cfg.write_text(f'party = "KOR"\nlisten = "127.0.0.1:0"\nstore = "{store}"\n'
                   f'keys = "{pki}"\n\n[peers.JPN]\nurl = "https://127.0.0.1:{port}"\n',
                   encoding="utf-8")
    return cfg


def run_one(url: str, n: int, workers: int, pki: Path, root: Path,
            postgresql: str | None) -> dict:
    tag = uuid.uuid4().hex[:8]
    s = StreamSettings(url, "KOR", stream=f"BENCH_{tag}", durable=f"b{tag}", prefix=f"b{tag}")
    store: Path | str = (root / "kor" / "store.sqlite" if postgresql is None
                         else f"{postgresql}?schema=bench_{tag}")
    cfg = _config(root, pki, "kor/store.sqlite" if postgresql is None else str(store))
    publish_messages(s, [StreamMessage("tracks", f"m-{i}", _warning(i).to_dict())
                         for i in range(n)])
    gsomia = str(Path(sys.executable).with_name("gsomia"))
    logs = [root / f"w{i}.log" for i in range(workers)]
    procs = [subprocess.Popen([gsomia, "stream", "work", "--config", str(cfg), "--stream", url,
                               "--stream-name", s.stream, "--durable", s.durable, "--prefix",
                               s.prefix, "--batch", "8"],
                              stdout=subprocess.DEVNULL, stderr=log.open("w"))
             for log in logs]
    try:
        while not all("worker on" in log.read_text() for log in logs):
            if any(p.poll() is not None for p in procs):
                raise SystemExit("a worker stopped: " + " ".join(x.read_text() for x in logs))
            time.sleep(0.02)
        t0 = time.perf_counter()
        deadline = t0 + 600
        while _count(store) < n and time.perf_counter() < deadline:
            time.sleep(0.02)
        wall = time.perf_counter() - t0
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            p.wait(30)
    shares = [int(log.read_text().split("processed", 1)[1].split(",")[0]) for log in logs]
    consumer = stream_info(s)["consumer"]
    asyncio.run(_delete(url, s.stream))
    done = _count(store)
    if isinstance(store, str):
        import psycopg

        base, schema = store.split("?schema=")
        with psycopg.connect(base, autocommit=True) as con:
            con.execute(f'DROP SCHEMA "{schema}" CASCADE')
    return {"store": "sqlite" if postgresql is None else "postgresql",
            "workers": workers, "messages": n, "processed": done, "seconds": round(wall, 2),
            "per_s": round(done / wall, 1), "shares": shares,
            "pending": consumer["pending"], "ack_pending": consumer["ack_pending"],
            "redelivered_pending": consumer["redelivered_pending"]}


def run_floor(url: str, n: int) -> dict:
    """The floor (module docstring) on N fresh messages."""
    tag = uuid.uuid4().hex[:8]
    s = StreamSettings(url, "KOR", stream=f"BENCHF_{tag}", durable=f"f{tag}", prefix=f"f{tag}")
    publish_messages(s, [StreamMessage("tracks", f"m-{i}", _warning(i).to_dict())
                         for i in range(n)])

    async def consume() -> tuple[float, int]:
        nc = await nats.connect(url)
        try:
            js = nc.jetstream()
            await js.add_consumer(s.stream, ConsumerConfig(
                durable_name=s.durable, ack_policy=AckPolicy.EXPLICIT, ack_wait=30.0,
                max_deliver=100, deliver_policy=DeliverPolicy.ALL, max_ack_pending=1000,
                filter_subjects=s.subjects))
            sub = await js.pull_subscribe_bind(s.durable, s.stream)
            acked = 0
            t0 = time.perf_counter()
            while acked < n and time.perf_counter() - t0 < 600:
                try:
                    msgs = await sub.fetch(8, timeout=1.0)
                except (nats.errors.TimeoutError, TimeoutError):
                    continue
                for msg in msgs:
                    json.loads(msg.data)
                    await msg.ack_sync(timeout=5.0)
                    acked += 1
            return time.perf_counter() - t0, acked
        finally:
            await nc.close()

    wall, acked = asyncio.run(consume())
    consumer = stream_info(s)["consumer"]
    asyncio.run(_delete(url, s.stream))
    return {"messages": n, "processed": acked, "seconds": round(wall, 2),
            "per_s": round(acked / wall, 1), "pending": consumer["pending"],
            "ack_pending": consumer["ack_pending"]}


PEER_CONFIG = {
    "nats-py": importlib.metadata.version("nats-py"),
    "consumer": "durable pull, explicit ack, ack_wait 30 s, max_deliver 100, deliver all, "
                "max_ack_pending 1000 (the node's settings)",
    "loop": "one process: pull_subscribe_bind, fetch(8, timeout 1 s), json.loads, ack_sync",
    "left out": "the node's work (decide, sign, seal, store, outbox, audit)",
}


async def _delete(url: str, name: str) -> None:
    nc = await nats.connect(url)
    try:
        await nc.jetstream().delete_stream(name)
    finally:
        await nc.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=400)
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--server", default="nats://127.0.0.1:4222")
    ap.add_argument("--postgresql", default=None)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        pki = Path(tmp) / "pki"
        init_pki(pki, ["KOR", "JPN"])
        for w in (int(x) for x in args.workers.split(",")):
            root = Path(tmp) / f"w{w}"
            root.mkdir()
            rows.append(run_one(args.server, args.n, w, pki, root, args.postgresql))
    floor = run_floor(args.server, args.n)
    for r in rows:
        r["ratio_floor_over_ours"] = round(floor["per_s"] / r["per_s"], 2)
    ok = all(r["processed"] == r["messages"] and r["pending"] == r["ack_pending"] == 0
             for r in [*rows, floor])
    if args.json:
        print(json.dumps({"runs": rows, "floor": floor, "peer_config": PEER_CONFIG,
                          "ours_config": "gsomia stream work (KOR node, --batch 8), W "
                                         "processes on one store", "ok": ok}, indent=2))
    else:
        for r in rows:
            print(f"{r['store']}, {r['workers']} worker(s): {r['processed']}/{r['messages']} in "
                  f"{r['seconds']} s = {r['per_s']} msg/s, shares {r['shares']}, redelivered "
                  f"and unacked {r['redelivered_pending']}, pending {r['pending']}, ack "
                  f"pending {r['ack_pending']}; floor/ours {r['ratio_floor_over_ours']}")
        print(f"floor (nats-py alone): {floor['processed']}/{floor['messages']} in "
              f"{floor['seconds']} s = {floor['per_s']} msg/s, pending {floor['pending']}, "
              f"ack pending {floor['ack_pending']}")
        print("peer: " + "; ".join(f"{k} {v}" for k, v in PEER_CONFIG.items()))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Listing STIX objects over TAXII 2.1: a gsomia node vs medallion (the OASIS reference
TAXII 2.1 server, memory backend), read by the same client (taxii2-client).

Run: ``python benchmarks/bench_taxii.py [N] [--page P] [--peer-budget S] [--json]``
(N objects, default 100,000; pages of P, default 1,000; S: the most seconds medallion is
given to answer its listing, default 600).

Both servers run in a process of their own on 127.0.0.1 (ports chosen at run time), over
TLS with the same server certificate (``gsomia pki init``), and hold the same N objects:

- ours: a KOR node whose store holds N missile warnings released to JPN (a warning with
  launch point, trajectory and impact point with their covariances; ~2 kB of STIX each),
  served by ``gsomia.web.app.create_app`` on uvicorn with mutual TLS, read with JPN's node
  certificate. The store is filled as a release fills it (the item row, the outbox row
  and its custody row: ``Store.add_local_item`` and ``Store.enqueue``) in one transaction,
  without sealing N envelopes, which the listing never reads.
- medallion: ``medallion.backends.memory_backend.MemoryBackend`` loaded from a JSON file
  holding the objects ours answers (the same dicts, from :func:`gsomia.node.stix.
  item_to_stix`) and their manifest (same ``date_added``), ``max_page_size`` = P, its
  paging sessions kept for the whole run (``session_timeout``), behind werkzeug's
  threaded server with TLS and HTTP basic authentication (its only scheme).

The client lists the whole collection with ``as_pages(collection.get_objects,
per_request=P)``; objects/s is N over the wall time of the listing. Peak memory is the
server process's peak resident set (``VmHWM`` of ``/proc/PID/status``), and its resident
set before the listing. The ids listed by both are compared: a mismatch makes the exit
code 1. If medallion has not answered the whole listing within ``--peer-budget`` seconds
it is stopped and its rate is given as an upper bound (objects received by then over the
budget): its memory backend orders the first page by matching every manifest entry
against the filtered objects (``BasicFilter.sort_and_paginate``, a loop in a loop: N²/2
comparisons) and hands out later pages by ``list.pop(0)``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

COLLECTION = "91a7b528-80eb-42ed-a74d-c6fbd5a26116"
EPOCH = dt.datetime(2024, 1, 14, tzinfo=dt.UTC)
T0_S = 1.7e9  # release times [s since the Unix epoch]: from 2023-11-14, 1 ms apart


def _warning(i: int) -> dict:
    cov6 = [[(1e4 if r == c else 10.0 * (r + c)) for c in range(6)] for r in range(6)]
    return {"track_id": f"T{i}", "epoch": EPOCH.isoformat(), "t_s": 120.0 + i,
            "launch_point": {"lat_deg": 39.0 + i * 1e-6, "lon_deg": 125.7, "launch_s": 3.5,
                             "launch_sigma_s": 1.5, "cov_en_m2": [[4e6, 1e5], [1e5, 9e6]]},
            "trajectory": {"t_s": 120.0 + i, "x_ecef": [-3.1e6, 4.1e6, 3.9e6, 900.0,
                                                        -1200.0, 1500.0], "P": cov6},
            "impact_point": {"lat_deg": 40.5, "lon_deg": 136.0, "impact_s": 600.0,
                             "impact_sigma_s": 5.0, "cov_en_m2": [[1e8, 0.0], [0.0, 1e8]],
                             "valid": True}}


def fill(store_url: str, n: int) -> None:
    """N warnings of KOR released to JPN, as a release writes them (module docstring)."""
    from gsomia.node.store import Store
    from gsomia.node.warning import ELEMENTS, WARNING_TOPIC
    from gsomia.sharing.envelope import label_to_dict
    from gsomia.sharing.label import Label

    store = Store(store_url)
    with store.transaction():
        for i in range(n):
            item_id = f"KOR-{i:016x}"
            label = Label(item_id, "KOR", "군사II급비밀", frozenset({"JPN", "USA"}),
                          WARNING_TOPIC, "KOR", EPOCH + dt.timedelta(seconds=i),
                          elements=ELEMENTS)
            at_s = T0_S + i * 1e-3
            store.add_local_item(item_id, label_to_dict(label), _warning(i), at_s)
            store.enqueue(envelope_id=f"env-{i:016x}", peer="JPN", final="JPN",
                          route="direct", stream="items:KOR", seq=i + 1, kind="item",
                          item_id=item_id, msg_id=f"msg-{i:016x}", wire={}, queued_s=at_s)
    store.close()


def serve_ours(pki: Path, store_url: str) -> None:
    """Child process: KOR's node API (uvicorn, mutual TLS) on a free port."""
    import uvicorn

    from gsomia.node import Node, WallClock
    from gsomia.sharing import load_catalog
    from gsomia.sharing.pki import load_directory, load_party_cas, load_party_keys, tls_paths
    from gsomia.web.app import create_app
    from gsomia.web.server import bind, uvicorn_config

    parties = ("JPN", "KOR", "USA")
    node = Node("KOR", load_party_keys(pki, "KOR"), load_directory(pki, parties),
                load_catalog(), store_url, WallClock())
    app = create_app(node, party_cas=load_party_cas(pki, parties))
    sock = bind("127.0.0.1", 0)
    config = uvicorn_config(app, *tls_paths(pki, "KOR"))
    config.log_level = "warning"
    print(f"PORT {sock.getsockname()[1]}", flush=True)
    uvicorn.Server(config).run(sockets=[sock])


def serve_medallion(config_path: Path, pki: Path) -> None:
    """Child process: medallion (memory backend) on werkzeug with TLS, on a free port."""
    import logging

    from medallion import application_instance, register_blueprints, set_config
    from werkzeug.serving import make_server

    from gsomia.sharing.pki import tls_paths

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    config = json.loads(config_path.read_text())
    for prop in ("users", "taxii", "backend"):
        set_config(application_instance, prop, config)
    register_blueprints(application_instance)
    cert, key, _ = tls_paths(pki, "KOR")
    server = make_server("127.0.0.1", 0, application_instance, threaded=True,
                         ssl_context=(str(cert), str(key)))
    print(f"PORT {server.server_port}", flush=True)
    server.serve_forever()


def medallion_config(path: Path, objects: list[dict], added: list[str], page: int) -> dict:
    """Write medallion's data file and configuration; return the configuration."""
    from gsomia.node.stix import STIX_MEDIA_TYPE

    data = {"discovery": {"title": "bench", "default": "/api1/", "api_roots": ["/api1/"]},
            "api1": {"information": {"title": "api1",
                                     "versions": ["application/taxii+json;version=2.1"],
                                     "max_content_length": 10 ** 9},
                     "status": [],
                     "collections": [{
                         "id": COLLECTION, "title": "released", "can_read": True,
                         "can_write": False, "media_types": [STIX_MEDIA_TYPE],
                         "objects": objects,
                         "manifest": [{"id": o["id"], "date_added": a,
                                       "version": o["modified"],
                                       "media_type": STIX_MEDIA_TYPE}
                                      for o, a in zip(objects, added, strict=True)]}]}}
    (path / "medallion-data.json").write_text(json.dumps(data))
    config = {"users": {"bench": "bench"}, "taxii": {"max_page_size": page},
              "backend": {"module": "medallion.backends.memory_backend",
                          "module_class": "MemoryBackend",
                          "filename": str(path / "medallion-data.json"),
                          "session_timeout": 24 * 3600, "check_interval": 3600}}
    (path / "medallion.json").write_text(json.dumps(config))
    return config


def _start(args: list[str]) -> tuple[subprocess.Popen, int]:
    proc = subprocess.Popen([sys.executable, __file__, *args], stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("PORT "):
        proc.kill()
        raise SystemExit(f"server {args[0]} did not start: {line!r}")
    return proc, int(line.split()[1])


def _memory(pid: int) -> tuple[float, float]:
    """(resident set, peak resident set) of process ``pid`` [MiB] (``/proc/PID/status``)."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(rest.split()[0]) / 1024.0
    return values["VmRSS"], values["VmHWM"]


def _list(collection, page: int, budget_s: float) -> tuple[list[dict], float, bool]:
    """The objects listed, the wall time [s], and whether the listing finished in budget."""
    from taxii2client.v21 import as_pages

    objects: list[dict] = []
    done, stop = threading.Event(), threading.Event()

    def run() -> None:
        try:
            for envelope in as_pages(collection.get_objects, per_request=page):
                objects.extend(envelope.get("objects", []))
        except Exception as exc:  # the server stopped at the budget, or failed
            if not stop.is_set():
                print(f"listing failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            return
        done.set()

    t0 = time.perf_counter()
    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    finished = done.wait(None if budget_s == float("inf") else budget_s)
    stop.set()
    return list(objects), time.perf_counter() - t0, finished


def _measure(name: str, args: list[str], url: str, page: int, budget_s: float,
             **client: object) -> dict:
    from taxii2client.v21 import Collection

    proc, port = _start(args)
    try:
        rss0, _ = _memory(proc.pid)
        collection = Collection(url.format(port=port), **client)
        objects, wall_s, finished = _list(collection, page, budget_s)
        ids = [o["id"] for o in objects]
        rss, peak = _memory(proc.pid)
    finally:
        proc.kill()
        proc.wait()
    return {"server": name, "objects": len(ids), "finished": finished,
            "wall_s": round(wall_s, 3),
            "objects_per_s": round(len(ids) / wall_s, 1) if finished else None,
            "objects_per_s_at_most": None if finished else round(max(len(ids), page)
                                                                  / wall_s, 1),
            "rss_before_mib": round(rss0, 1), "peak_rss_mib": round(peak, 1),
            "rss_after_mib": round(rss, 1), "objects_listed": objects}


def main(argv: list[str]) -> int:
    if argv[:1] == ["--serve"]:
        if argv[1] == "ours":
            serve_ours(Path(argv[2]), argv[3])
        else:
            serve_medallion(Path(argv[2]), Path(argv[3]))
        return 0
    for var in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        os.environ.pop(var, None)  # they override a requests session's own CA bundle
    from gsomia.node.feed import Feed
    from gsomia.node.store import Store
    from gsomia.sharing.pki import init_pki, tls_paths
    from gsomia.web.taxii import RELEASED_ID

    positional = [a for a in argv if not a.startswith("--")]
    n = int(positional[0]) if positional else 100_000
    page = int(argv[argv.index("--page") + 1]) if "--page" in argv else 1000
    budget = float(argv[argv.index("--peer-budget") + 1]) if "--peer-budget" in argv else 600.0
    with tempfile.TemporaryDirectory(prefix="bench-taxii-") as tmp:
        root = Path(tmp)
        init_pki(root / "pki")
        url = f"sqlite:///{root / 'KOR.sqlite'}"
        t0 = time.perf_counter()
        fill(url, n)
        fill_s = time.perf_counter() - t0
        cert, key, cas = tls_paths(root / "pki", "JPN")
        ours = _measure("gsomia", ["--serve", "ours", str(root / "pki"), url],
                        "https://127.0.0.1:{port}/taxii2/api/collections/"
                        f"{RELEASED_ID}/", page, float("inf"),
                        verify=str(cas), cert=(str(cert), str(key)))
        # the same objects for medallion: what ours answered, with the same date_added
        objects = ours.pop("objects_listed")
        store = Store(url)
        added = [(dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=row.at_s)
                  ).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
                 for row in Feed(store, "KOR").page("JPN", limit=n + 1)]
        store.close()
        config = medallion_config(root, objects, added, page)
        peer = _measure("medallion", ["--serve", "medallion", str(root / "medallion.json"),
                                      str(root / "pki")],
                        "https://127.0.0.1:{port}/api1/collections/" + COLLECTION + "/",
                        page, budget, user="bench", password="bench", verify=str(cas))
    peer_objects = peer.pop("objects_listed")
    same = (peer_objects == objects[:len(peer_objects)] if not peer["finished"]
            else peer_objects == objects)
    import medallion

    result = {
        "n_objects": n, "page": page, "fill_s": round(fill_s, 2),
        # ours listed all N; the peer's objects (all, or those it listed in budget) are
        # compared with ours, object for object
        "same_objects": same and len(objects) == n,
        "peer_objects_compared": len(peer_objects),
        "ours": ours, "medallion": peer,
        "speedup": (round(ours["objects_per_s"] / peer["objects_per_s"], 1)
                    if peer["objects_per_s"] else None),
        "speedup_at_least": (None if peer["objects_per_s"] else
                             round(ours["objects_per_s"] / peer["objects_per_s_at_most"], 1)),
        "peer_config": {"medallion": medallion.__version__,
                        "backend": config["backend"]["module_class"],
                        "max_page_size": config["taxii"]["max_page_size"],
                        "session_timeout_s": config["backend"]["session_timeout"],
                        "server": "werkzeug make_server(threaded=True), TLS, basic auth",
                        "budget_s": budget},
        "client": "taxii2-client as_pages(Collection.get_objects, per_request=page)",
        "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
    }
    if "--json" in argv:
        print(json.dumps(result, indent=2))
    else:
        for name in ("ours", "medallion"):
            r = result[name]
            rate = r["objects_per_s"] or f"< {r['objects_per_s_at_most']}"
            print(f"{r['server']:10s} {r['objects']:>7d} objects in {r['wall_s']:8.2f} s "
                  f"({rate} objects/s); peak RSS {r['peak_rss_mib']} MiB")
        print(f"speedup {result['speedup'] or '>= ' + str(result['speedup_at_least'])}; "
              f"peer: {result['peer_config']}")
        print(f"accuracy: same objects in the same order {result['same_objects']} "
              f"({result['peer_objects_compared']} of the peer's compared with ours)")
    return 0 if result["same_objects"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

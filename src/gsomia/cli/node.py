"""``gsomia pki init``, ``gsomia serve``, ``gsomia bench links``, ``gsomia bench audit``
(nodes, links, and partners witnessing each other's audit logs)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from gsomia.cli._app import app, console, guarded, print_json
from gsomia.cli.stream import Durable, Prefix, StreamName, checked_stream, start_ingest

__all__ = ["bench_app", "bench_audit", "bench_links", "pki_app", "pki_init", "pki_person",
           "serve"]

pki_app = typer.Typer(help="Keys and certificates of the parties.", no_args_is_help=True)
bench_app = typer.Typer(help="Benchmarks of live nodes.", no_args_is_help=True)
app.add_typer(pki_app, name="pki")
app.add_typer(bench_app, name="bench")


@pki_app.command("init")
@guarded
def pki_init(
    directory: Annotated[Path, typer.Argument(help="Folder to create the keys in.")],
    party: Annotated[list[str] | None, typer.Option("--party", help="Party codes.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace existing files of these "
                                        "parties.")] = False,
) -> None:
    """Create each party's CA, TLS key and certificate, operator certificate, signing and
    encryption keys. Refuses (exit 2) if any file of a party already exists, unless
    --force; adding a party extends trusted-cas.pem."""
    from gsomia.sharing.pki import init_pki

    party = party or ["JPN", "KOR", "USA"]
    root = init_pki(directory, party, force=force)
    for p in party:
        console.print(f"{p}: {root / p} (ca.crt, tls.crt/key, operator.crt/key, "
                      "sign.key/pub, enc.key/pub)")
    console.print(f"trusted CAs: {root / 'trusted-cas.pem'}")
    console.print(f"persons who read items: gsomia pki person {directory} --party P --id ID, "
                  "and a personnel file (gsomia schema personnel)", soft_wrap=True,
                  highlight=False)


@pki_app.command("person")
@guarded
def pki_person(
    directory: Annotated[Path, typer.Argument(help="A folder made by 'gsomia pki init'.")],
    party: Annotated[str, typer.Option("--party", help="The person's party code.")],
    person_id: Annotated[str, typer.Option("--id", help="The person's id (the key of "
                                           "[persons.<id>] in the personnel file).")],
    force: Annotated[bool, typer.Option("--force", help="Replace an existing "
                                        "certificate.")] = False,
) -> None:
    """Issue a person's client certificate with the party's CA: DIR/<PARTY>/persons/<id>.crt
    and .key (CN "<PARTY> person <id>"). What the person may read is the node's personnel
    file (gsomia schema personnel). Refuses (exit 2) an existing one unless --force."""
    from gsomia.sharing.markings import check_party_code
    from gsomia.sharing.pki import issue_person

    code = check_party_code("--party", party.upper())
    crt, key = issue_person(directory, code, person_id, force=force)
    console.print(f"{code} person {person_id}: {crt}, {key}", soft_wrap=True)


@app.command("serve")
@guarded
def serve(
    config: Annotated[Path, typer.Option("--config", help="Node TOML file.")],
    stream: Annotated[str | None, typer.Option(
        "--stream", help="nats://host:port: also consume the nation's stream on NATS "
        "JetStream (gsomia stream; overrides the config's stream).")] = None,
    stream_name: StreamName = "",
    prefix: Prefix = "",
    durable: Durable = "",
) -> None:
    """Run a party's node as an HTTPS server with mutual TLS (see node.config); with a
    stream (--stream or the config's), the node also publishes what its nation's sensors
    and trackers put on the stream (gsomia.node.stream). --stream-name, --prefix and
    --durable override the config's stream_name, stream_prefix and stream_durable; the
    stream is checked (reached, its subjects as expected, the consumer made) before the
    node says it is up."""
    import uvicorn

    from gsomia.errors import InputError
    from gsomia.node import HttpsLink, Node, TlsFiles, WallClock
    from gsomia.node.config import check_keys, listen_warning, load_config
    from gsomia.node.persons import Personnel, load_personnel
    from gsomia.sharing.catalog import load_catalog
    from gsomia.sharing.pki import load_directory, load_party_cas, load_party_keys, tls_paths
    from gsomia.web import bind, uvicorn_config

    # everything is checked, and the port bound, before the store is created
    cfg = load_config(config)
    stream_settings = checked_stream(cfg, stream, stream_name, prefix, durable)
    if not cfg.keys.is_dir():
        raise InputError(f"{config}: keys", str(cfg.keys), "not a directory")
    directory = load_directory(cfg.keys)
    check_keys(cfg, set(directory.parties) & set(load_party_cas(cfg.keys)))
    keys = load_party_keys(cfg.keys, cfg.party)
    tls = TlsFiles(*tls_paths(cfg.keys, cfg.party))
    party_cas = load_party_cas(cfg.keys)
    catalog = load_catalog()
    if cfg.personnel is None:
        personnel = Personnel(cfg.party)
        console.print("warning: no personnel file in the config: nobody may read "
                      "classified items over HTTP", soft_wrap=True)
    else:
        personnel = load_personnel(cfg.personnel, cfg.party, catalog)
        console.print(f"{len(personnel.records)} persons may ask to read "
                      f"({personnel.source})", soft_wrap=True, highlight=False)
    warning = listen_warning(cfg)
    if warning:
        console.print(f"warning: {warning}", soft_wrap=True)
    sock = bind(cfg.host, cfg.port)
    try:
        if isinstance(cfg.store, Path):
            try:
                cfg.store.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise InputError(f"{config}: store", str(cfg.store),
                                 f"cannot create its folder: {exc.strerror}") from None
        node = Node(cfg.party, keys, directory, catalog, cfg.store, WallClock(),
                    routes={p.party: p.route for p in cfg.peers})
    except BaseException:
        sock.close()
        raise
    try:
        for peer in cfg.peers:
            node.connect(peer.party, HttpsLink(peer.party, peer.url, tls))
        host = _served_app(node, cfg, tls, party_cas, personnel, stream_settings)
        server = uvicorn.Server(uvicorn_config(host, tls.cert, tls.key, tls.trusted_cas))
        try:
            consumer = start_ingest(node, stream_settings)
        except BaseException:
            sock.close()
            raise
        console.print(f"{cfg.party} node on https://{cfg.host}:{sock.getsockname()[1]} "
                      f"(mutual TLS; OpenAPI at /docs, the COP at /cop)", soft_wrap=True)
        node.resume()
        try:
            server.run(sockets=[sock])
        finally:
            host.close(consumer)
    finally:
        node.close()


def _served_app(node: Any, cfg: Any, tls: Any, party_cas: Any, personnel: Any,
                stream_settings: Any) -> Any:
    """What ``gsomia serve`` serves: the node's API (:func:`gsomia.web.create_app`) with its
    exercises (:class:`gsomia.web.exercise.ExerciseHost`):
    their stores under ``<store folder>/exercises``, their links to the partners' servers
    under ``/exercises/<id>``, their streams on the node's stream server."""
    from gsomia.node import HttpsLink
    from gsomia.web import create_app
    from gsomia.web.exercise import ExerciseHost

    base = cfg.store.parent if isinstance(cfg.store, Path) else Path(".")
    app_ = create_app(node, party_cas=party_cas, personnel=personnel)
    return ExerciseHost(
        node, app_, peers={p.party: p.url for p in cfg.peers},
        make_app=lambda n: create_app(n, party_cas=party_cas, personnel=personnel),
        link=lambda p, url: HttpsLink(p, url, tls), folder=base / "exercises",
        stream_url=None if stream_settings is None else stream_settings.url)


@bench_app.command("links")
@guarded
def bench_links(
    n: Annotated[int, typer.Option("--n", min=2, help="Warnings per route.")] = 30,
    bad: Annotated[int, typer.Option("--bad", min=1, help="Bad envelopes per kind.")] = 5,
    batch: Annotated[int, typer.Option(
        "--batch", min=1, max=256,
        help="Envelopes per request on the links (1: one per request, no batches).")] = 256,
    rate: Annotated[float, typer.Option(
        "--rate", min=1.0, help="Offered load of the fixed-rate phase [warnings/s].")] = 200.0,
    json_out: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """JPN, KOR, USA as live servers on 127.0.0.1 (mutual TLS): warnings over each route
    with a restart of the receiver mid-stream, and bad envelopes; then one direct link at
    saturation and at --rate, with batches of --batch and with one envelope a request
    (N warnings a phase)."""
    from gsomia.web.bench import run_bench

    with console.status("benchmarking links (live servers on 127.0.0.1)…"):
        report = run_bench(n, bad, batch=batch, rate_per_s=rate)
    if json_out:
        print_json(report)
        return
    for name, r in report["routes"].items():
        console.print(f"{name:9} sent {r['sent']} delivered {r['delivered']} lost {r['lost']} "
                      f"duplicates {r['duplicates']} p50 {r['p50_ms']} ms p99 {r['p99_ms']} ms")
    for name, r in report["rejected"].items():
        if isinstance(r, dict):
            console.print(f"{name:28} sent {r['sent']} rejected {r['rejected']} "
                          f"({', '.join(r['checks'])})")
    tp = report["throughput"]
    for mode in ("batched", "single"):
        phases = tp[mode]
        sat, backlog, fixed = (phases[k] for k in ("saturation", "backlog", "fixed_rate"))
        console.print(f"direct {mode:7} (batch {tp['batch'] if mode == 'batched' else 1}): "
                      f"{sat['per_s']} warnings/s at saturation, {backlog['per_s']}/s "
                      f"draining a backlog; at {tp['rate_per_s']}/s p50 {fixed['p50_ms']} "
                      f"ms p99 {fixed['p99_ms']} ms; lost "
                      f"{sum(p['lost'] for p in phases.values())} duplicates "
                      f"{sum(p['duplicates'] for p in phases.values())}", soft_wrap=True)
    ratio = tp["ratio"]
    console.print(f"batched/single: {ratio['saturation']}x at saturation, "
                  f"{ratio['backlog']}x draining, {ratio['p99_at_rate']}x lower p99 at "
                  f"{tp['rate_per_s']}/s")


@bench_app.command("audit")
@guarded
def bench_audit(
    n: Annotated[int, typer.Option("--n", min=1, help="Warnings per party.")] = 5,
    json_out: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """JPN, KOR, USA as live servers on 127.0.0.1 (mutual TLS) cosign each other's audit
    checkpoints; then each kind of tampering of a copy of Korea's store must be detected.
    Exits 1 when any kind goes undetected."""
    from gsomia.web.bench_audit import run_audit_bench

    report = run_audit_bench(n)
    missed = [k for k, r in report["kinds"].items() if not r["detected"]]
    if json_out:
        print_json(report)
    else:
        console.print(f"KOR log: {report['records']} records, checkpoint size "
                      f"{report['checkpoint_size']} cosigned; intact copy verifies: "
                      f"{report['intact']['ok']}", soft_wrap=True)
        for party, c in report["cosigned"].items():
            console.print(f"{party}: {c['by_partners']} own checkpoints cosigned by partners, "
                          f"{c['of_partners']} partners' checkpoints cosigned")
        for kind, r in report["kinds"].items():
            console.print(f"{kind:24} detected {str(r['detected']):5} failing {r['failing']}"
                          f"  ({r['reason']})", soft_wrap=True, markup=False)
    if missed or not report["intact"]["ok"]:
        raise typer.Exit(1)

"""``gsomia pki init``, ``gsomia serve``, ``gsomia bench links`` (nodes and links)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gsomia.cli._app import app, console, guarded, print_json

pki_app = typer.Typer(help="Keys and certificates of the parties.", no_args_is_help=True)
bench_app = typer.Typer(help="Benchmarks of live nodes.", no_args_is_help=True)
app.add_typer(pki_app, name="pki")
app.add_typer(bench_app, name="bench")


@pki_app.command("init")
@guarded
def pki_init(
    directory: Annotated[Path, typer.Argument(help="Folder to create the keys in.")],
    party: Annotated[list[str] | None, typer.Option("--party", help="Party codes.")] = None,
) -> None:
    """Create each party's CA, TLS key and certificate, signing and encryption keys."""
    from gsomia.sharing.pki import init_pki

    party = party or ["JPN", "KOR", "USA"]
    root = init_pki(directory, party)
    for p in party:
        console.print(f"{p}: {root / p} (ca.crt, tls.crt/key, sign.key/pub, enc.key/pub)")
    console.print(f"trusted CAs: {root / 'trusted-cas.pem'}")


@app.command("serve")
@guarded
def serve(config: Annotated[Path, typer.Option("--config", help="Node TOML file.")]) -> None:
    """Run a party's node as an HTTPS server with mutual TLS (see node.config)."""
    import uvicorn

    from gsomia.node import HttpsLink, Node, TlsFiles, WallClock
    from gsomia.node.config import load_config
    from gsomia.sharing.catalog import load_catalog
    from gsomia.sharing.pki import load_directory, load_party_cas, load_party_keys, tls_paths
    from gsomia.web import bind, create_app, uvicorn_config

    cfg = load_config(config)
    if isinstance(cfg.store, Path):
        cfg.store.parent.mkdir(parents=True, exist_ok=True)
    node = Node(
        cfg.party, load_party_keys(cfg.keys, cfg.party), load_directory(cfg.keys),
        load_catalog(), cfg.store, WallClock(),
        routes={p.party: p.route for p in cfg.peers},
    )
    try:
        tls = TlsFiles(*tls_paths(cfg.keys, cfg.party))
        for peer in cfg.peers:
            node.connect(peer.party, HttpsLink(peer.party, peer.url, tls))
        sock = bind(cfg.host, cfg.port)
        app_ = create_app(node, party_cas=load_party_cas(cfg.keys))
        server = uvicorn.Server(uvicorn_config(app_, tls.cert, tls.key, tls.trusted_cas))
        console.print(f"{cfg.party} node on https://{cfg.host}:{sock.getsockname()[1]} "
                      f"(mutual TLS; OpenAPI at /docs)", soft_wrap=True)
        node.resume()
        server.run(sockets=[sock])
    finally:
        node.close()


@bench_app.command("links")
@guarded
def bench_links(
    n: Annotated[int, typer.Option("--n", min=2, help="Warnings per route.")] = 30,
    bad: Annotated[int, typer.Option("--bad", min=1, help="Bad envelopes per kind.")] = 5,
    json_out: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """JPN, KOR, USA as live servers on 127.0.0.1 (mutual TLS): warnings over each route
    with a restart of the receiver mid-stream, and bad envelopes."""
    from gsomia.web.bench import run_bench

    report = run_bench(n, bad)
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

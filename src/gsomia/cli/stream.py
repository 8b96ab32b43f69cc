"""``gsomia stream …``: a nation's in-nation stream on NATS JetStream (gsomia.node.stream):
feed it, publish to it, look at it, and run node workers on it. nats-py is imported by the
commands only, so that a node without a stream never loads it."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from gsomia.cli._app import app, console, err_console, guarded, print_json
from gsomia.errors import InputError

__all__ = ["NAMES_HELP", "Durable", "Prefix", "StreamName", "checked_stream", "known_party",
           "open_node", "settings_of", "start_ingest", "stream_app", "stream_feed",
           "stream_info_command", "stream_publish", "stream_work"]

stream_app = typer.Typer(
    help="The in-nation stream on NATS JetStream: sensors and trackers publish detections "
         "and tracks, node workers consume them durably (gsomia serve --stream, "
         "gsomia stream work).", no_args_is_help=True)
app.add_typer(stream_app, name="stream")

Server = Annotated[str, typer.Option("--server", help="The NATS server, nats://host:port.")]
Party = Annotated[str, typer.Option("--party", help="The nation's party code (KOR: stream "
                                    "GSOMIA_KOR, subjects gsomia.kor.detections and "
                                    "gsomia.kor.tracks).")]
#: How the stream's name and its subjects go together, said in every command's --help.
NAMES_HELP = ("A stream of its own (e.g. a second one on a shared server) needs subjects of "
              "its own: with --stream-name alone the prefix is the name in lower case "
              "(T_1: t_1.kor.detections, t_1.kor.tracks); an existing stream with other "
              "subjects is refused, never changed.")
StreamName = Annotated[str, typer.Option("--stream-name", help="The stream's name "
                                         "(default GSOMIA_ and the party code). "
                                         + NAMES_HELP)]
Durable = Annotated[str, typer.Option("--durable", help="The durable consumer's name "
                                      "(default gsomia-kor-node for KOR).")]
Prefix = Annotated[str, typer.Option("--prefix", help="First subject token (default gsomia "
                                     "for the default stream, else the --stream-name in "
                                     "lower case).")]


def settings_of(server: str, party: str, stream_name: str | None = "",
                durable: str | None = "", prefix: str | None = "", **more: Any) -> Any:
    """The :class:`gsomia.node.stream.StreamSettings` of the command-line options (party
    upper-cased; options given as None or '' left at their defaults: a prefix derived
    from the stream's name, :data:`NAMES_HELP`)."""
    from gsomia.node.stream import StreamSettings

    more = {k: v for k, v in more.items() if v is not None}
    return StreamSettings(server, party.upper(), stream_name or "", durable or "",
                          prefix or "", **more)


def known_party(party: str) -> str:
    """``party`` in capitals if it is a party of the agreements (it has a marking scheme
    in the catalog), as ``gsomia stream feed`` takes only a party of its scenario.

    Raises:
        InputError: names --party and the known parties.
    """
    from gsomia.sharing.catalog import load_catalog

    code = party.upper()
    schemes = load_catalog().schemes
    if code not in schemes:
        raise InputError("--party", party, f"unknown party (known: {', '.join(sorted(schemes))})")
    return code


def checked_stream(cfg: Any, url: str | None = None, stream_name: str = "",
                   prefix: str = "", durable: str = "", **more: Any) -> Any:
    """The stream settings of a node (``gsomia serve``, ``gsomia stream work``): each
    option given overrides the config's key (``stream``, ``stream_name``,
    ``stream_prefix``, ``stream_durable``); a --stream-name given without --prefix
    derives the prefix from it rather than taking the config's. Checked before anything
    is created; None without a stream URL."""
    url = url or cfg.stream
    if url is None:
        return None
    if not stream_name:
        stream_name, prefix = cfg.stream_name or "", prefix or cfg.stream_prefix or ""
    return settings_of(url, cfg.party, stream_name, durable or cfg.stream_durable, prefix,
                       **more)


def start_ingest(node: Any, settings: Any) -> Any:
    """Start consuming ``settings``' stream into ``node``; the started
    :class:`gsomia.node.stream.StreamConsumer`, or None without settings.

    Raises:
        LinkError: the server is not reachable (names the URL).
    """
    if settings is None:
        return None
    from gsomia.node.stream import StreamConsumer
    from gsomia.node.stream_ingest import NodeIngest

    consumer = StreamConsumer(settings, NodeIngest(node)).start()
    console.print(f"consuming {settings.stream} ({settings.url}) as {settings.durable}",
                  soft_wrap=True, highlight=False)
    return consumer


def _publish(settings: Any, messages: list[Any], quiet: bool) -> Any:
    from gsomia.node.stream import publish_messages

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=err_console, transient=True, disable=quiet) as bar:
        task = bar.add_task(f"publish to {settings.stream}", total=len(messages))
        return publish_messages(settings, messages,
                                progress=lambda n: bar.update(task, completed=n))


@stream_app.command("feed")
@guarded
def stream_feed(
    scenario: Annotated[str, typer.Argument(help="A packaged scenario name (e.g. "
                                            "2017-03-06) or a scenario file.")],
    party: Party,
    server: Server = "nats://127.0.0.1:4222",
    what: Annotated[str, typer.Option("--what", help="detections (radar scans), tracks "
                                      "(track and launch reports) or both.")] = "both",
    stream_name: StreamName = "",
    prefix: Prefix = "",
    json_out: Annotated[bool, typer.Option("--json", help="Print the counts as JSON.")] = False,
) -> None:
    """Publish what PARTY's sensors and trackers see during SCENARIO (observed as in
    'gsomia run', same seeds) to its stream, each message with a stable Nats-Msg-Id: a
    second feed within the duplicate window stores nothing new."""
    from gsomia.sim.feed import party_feed
    from gsomia.sim.scenario import load_scenario

    settings = settings_of(server, party, stream_name, prefix=prefix)
    messages = party_feed(load_scenario(scenario), settings.party, what)
    result = _publish(settings, messages, json_out)
    counts = {"stream": settings.stream, "messages": len(messages),
              "detections": sum(m.kind == "detections" for m in messages),
              "tracks": sum(m.kind == "tracks" for m in messages),
              "stored": result.stored, "duplicates": result.duplicates}
    if json_out:
        print_json(counts)
        return
    console.print(f"{settings.stream}: {counts['messages']} messages ({counts['detections']} "
                  f"detections, {counts['tracks']} tracks): {result.stored} stored, "
                  f"{result.duplicates} duplicates", highlight=False, soft_wrap=True)


@stream_app.command("publish")
@guarded
def stream_publish(
    payload: Annotated[Path, typer.Argument(help="A JSON file: one payload (a RadarPlots "
                                            "for detections, a MissileWarning for tracks), "
                                            "or - for standard input.")],
    party: Party,
    kind: Annotated[str, typer.Option("--kind", help="detections or tracks.")],
    msg_id: Annotated[str, typer.Option("--id", help="The message id (Nats-Msg-Id): the "
                                        "same id again within the duplicate window is "
                                        "stored once.")],
    server: Server = "nats://127.0.0.1:4222",
    stream_name: StreamName = "",
    prefix: Prefix = "",
) -> None:
    """Publish one message to PARTY's stream (PARTY: a party of the agreements). The file
    is read as the node reads a message (I-JSON, RFC 7493: UTF-8, no lone surrogates,
    nesting at most 64 deep, integers within +-(2^53-1), finite numbers, no repeated
    member names; exit 2 naming the fault); the payload's fields are checked by the
    consuming node: a malformed one is terminated and audited there (stream.rejected)."""
    import sys

    from gsomia.node.stream import StreamMessage
    from gsomia.schemas.json_text import read_json

    try:
        raw = sys.stdin.buffer.read() if str(payload) == "-" else payload.read_bytes()
    except OSError as exc:
        raise InputError("PAYLOAD", str(payload), f"cannot read: {exc.strerror}") from None
    data = read_json(raw, "PAYLOAD")
    if not isinstance(data, dict):
        raise InputError("PAYLOAD", str(payload), "expected a JSON object")
    settings = settings_of(server, known_party(party), stream_name, prefix=prefix)
    result = _publish(settings, [StreamMessage(kind, msg_id, data)], True)
    console.print(f"{settings.subject(kind)} {msg_id}: "
                  f"{'duplicate (not stored again)' if result.duplicates else 'stored'}",
                  highlight=False, soft_wrap=True, markup=False)


@stream_app.command("info")
@guarded
def stream_info_command(
    party: Party,
    server: Server = "nats://127.0.0.1:4222",
    stream_name: StreamName = "",
    durable: Durable = "",
    prefix: Prefix = "",
    json_out: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """The stream's messages and the durable consumer's state: pending (not yet
    delivered), ack pending (delivered, not acked; of which redelivered: delivered more
    than once and still not acked, the server's num_redelivered; it counts messages
    pending now, not redeliveries made, and is 0 again once they are acked or
    terminated)."""
    from gsomia.node.stream import stream_info

    info = stream_info(settings_of(server, known_party(party), stream_name, durable, prefix))
    if json_out:
        print_json(info)
        return
    console.print(f"stream {info['stream']} ({', '.join(info['subjects'])}): "
                  f"{info['messages']} messages, seq {info['first_seq']}..{info['last_seq']}, "
                  f"duplicate window {info['duplicate_window_s']:g} s",
                  highlight=False, soft_wrap=True)
    c = info["consumer"]
    if c is None:
        console.print("no consumer yet (gsomia serve --stream or gsomia stream work "
                      "creates it)", highlight=False)
        return
    console.print(f"consumer {c['name']}: pending {c['pending']}, ack pending "
                  f"{c['ack_pending']} (of which redelivered {c['redelivered_pending']}), acked "
                  f"up to seq "
                  f"{c['ack_floor_seq']} (ack {c['ack_policy']}, ack_wait {c['ack_wait_s']:g} s, "
                  f"max_deliver {c['max_deliver']})", highlight=False, soft_wrap=True)


@stream_app.command("work")
@guarded
def stream_work(
    config: Annotated[Path, typer.Option("--config", help="Node TOML file (as for "
                                         "gsomia serve).")],
    server: Annotated[str | None, typer.Option(
        "--stream", help="The NATS server (default: the config's stream).")] = None,
    stream_name: StreamName = "",
    durable: Durable = "",
    prefix: Prefix = "",
    ack_wait: Annotated[float | None, typer.Option(
        "--ack-wait", min=0.1, help="Seconds before an unacked message is redelivered "
        "(default 30; a new consumer only).")] = None,
    max_deliver: Annotated[int | None, typer.Option(
        "--max-deliver", min=1, help="Deliveries of one message at most (default 100; a "
        "new consumer only).")] = None,
    batch: Annotated[int, typer.Option("--batch", min=1, max=10_000, help="Messages per "
                                       "fetch.")] = 32,
) -> None:
    """One node worker without the HTTP server: consume the nation's stream into the
    node's store (each message published by the node exactly once), until SIGTERM or
    Ctrl-C. Start several on one store: they share the durable consumer."""
    from gsomia.node.config import load_config

    cfg = load_config(config)
    settings = checked_stream(cfg, server, stream_name, prefix, durable, ack_wait_s=ack_wait,
                              max_deliver=max_deliver, batch=batch)
    if settings is None:
        raise InputError("--stream", None, f"no stream URL given, nor in {config}")
    node = open_node(cfg)
    try:
        consumer = start_ingest(node, settings)
        node.resume()
        done = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: done.set())
        err_console.print(f"{cfg.party} worker on {settings.stream} (consumer "
                          f"{settings.durable}, {settings.url})", highlight=False,
                          soft_wrap=True)
        done.wait()
        consumer.stop()
        c = consumer.counts
        err_console.print(f"processed {c.processed}, duplicates {c.duplicate}, rejected "
                          f"{c.rejected}, retried {c.retry}", highlight=False)
    finally:
        node.close()


def open_node(cfg: Any) -> Any:
    """The node of a loaded config (keys, catalog, store, routes, HTTPS links), resumed by
    the caller."""
    from gsomia.node import HttpsLink, Node, TlsFiles, WallClock
    from gsomia.node.config import check_keys
    from gsomia.sharing.catalog import load_catalog
    from gsomia.sharing.pki import load_directory, load_party_cas, load_party_keys, tls_paths

    if not cfg.keys.is_dir():
        raise InputError("keys", str(cfg.keys), "not a directory")
    directory = load_directory(cfg.keys)
    check_keys(cfg, set(directory.parties) & set(load_party_cas(cfg.keys)))
    if isinstance(cfg.store, Path):
        try:
            cfg.store.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError("store", str(cfg.store),
                             f"cannot create its folder: {exc.strerror}") from None
    node = Node(cfg.party, load_party_keys(cfg.keys, cfg.party), directory, load_catalog(),
                cfg.store, WallClock(), routes={p.party: p.route for p in cfg.peers})
    tls = TlsFiles(*tls_paths(cfg.keys, cfg.party))
    for peer in cfg.peers:
        node.connect(peer.party, HttpsLink(peer.party, peer.url, tls))
    return node


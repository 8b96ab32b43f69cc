"""``gsomia item …``: classified items of any kind (documents with attachments) on a
running node: ``create``, ``release``, ``list``, ``show``.

How a command reaches the node: it is an HTTPS client of the party's running node
(``gsomia serve``), which alone owns its store and audit log, so a command never opens
them (no second writer, and every step goes through the node's decide → sign → seal →
send path and its audit). Each command reads the node configuration (``--config``, the
TOML file of ``gsomia serve``, :mod:`gsomia.node.config`; or the environment variable
``GSOMIA_NODE_CONFIG``) for the party, the node's URL
(``https://<listen>``; a wildcard host is reached on 127.0.0.1; ``--url`` overrides it,
e.g. when the node listens on port 0) and the PKI folder (``keys``). It authenticates
with mutual TLS as the party's **operator** (``<keys>/<PARTY>/operator.crt`` and
``.key``; ``--cert``/``--key`` give another client certificate), as the node's local-user
routes require (:mod:`gsomia.web.app`).

Reads (``list``, ``show``) are decided by the node per person (Art. 7 Personnel Security
Clearance and need-to-know, Art. 16 contractors; :mod:`gsomia.node.persons`) and audited
there: a person reads with their own certificate (``gsomia pki person``, ``--cert
<keys>/<PARTY>/persons/<id>.crt --key <keys>/<PARTY>/persons/<id>.key``); the operator
certificate reads only as the personnel file's ``[persons.operator]`` entry, if there is
one. ``show`` reads one item (``GET /v1/items/{id}``); ``list`` the items the person may
read, and says how many it withholds (``X-Withheld-Items``).

Input is checked before anything is sent: a missing or unreadable file (any system error,
e.g. a name too long for the file system), a file over 8 MiB, a file name over 255 UTF-8
bytes, more than 32 files or a document over 16 MiB (:mod:`gsomia.schemas.document`), a
marking that is not one of the party's (the message lists them), an unknown party code,
a ``--cert``/``--key`` that is not PEM or a key that is not the certificate's, an ITEM
that is not an item id (``<PARTY>-<id>``). Exit codes: 0 done;
1 a release or a read denied (the rules, their articles and reasons are printed); 2 bad
input, no such item, or a node that cannot be reached or answers an error.

Other command modules add subcommands to :data:`item_app` with the same options
(:data:`ConfigOpt`, :data:`UrlOpt`, :data:`CertOpt`, :data:`KeyOpt`, :data:`JsonOpt`) and
reach the node through :func:`node_client` (:meth:`NodeClient.call`,
:meth:`NodeClient.answer`).
"""

from __future__ import annotations

import json
import re
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from gsomia.cli._app import app, console, err_console, fail, guarded, print_json
from gsomia.cli.cells import cell, printable
from gsomia.errors import InputError

__all__ = [
    "CertOpt",
    "ConfigOpt",
    "JsonOpt",
    "KeyOpt",
    "NodeClient",
    "UrlOpt",
    "item_app",
    "item_create",
    "item_list",
    "item_release",
    "item_show",
    "node_client",
]

#: The ``gsomia item`` group; other command modules may add their subcommands to it.
item_app = typer.Typer(help="Classified items of any kind on a running node (operator "
                            "certificate, mutual TLS).", no_args_is_help=True)
app.add_typer(item_app, name="item")

#: Upload chunk for the progress display [bytes].
_CHUNK = 256 * 1024
#: An item id as nodes make them: the originator's party code, ``-``, then letters,
#: digits and ``. _ : ~ -`` (``<PARTY>-<16 hex digits>``, :mod:`gsomia.node.origin`; a
#: node accepts only ids bound to their originator, :func:`gsomia.node.guard.owns_id`);
#: at most 256 characters in all (:data:`gsomia.web.reads.MAX_ITEM_ID`).
_ITEM_ID = re.compile(r"[A-Z]{3}-[A-Za-z0-9][A-Za-z0-9._:~-]{0,251}")

ConfigOpt = Annotated[Path, typer.Option("--config", envvar="GSOMIA_NODE_CONFIG",
                                         help="The node's TOML file (gsomia serve "
                                              "--config): party, listen address, keys.")]
UrlOpt = Annotated[str | None, typer.Option("--url", help="The node's URL (default: "
                                            "https://<listen> of the config).")]
CertOpt = Annotated[Path | None, typer.Option("--cert", help="Client certificate (default: "
                                              "KEYS/PARTY/operator.crt); a person "
                                              "reads with KEYS/PARTY/persons/ID.crt.")]
KeyOpt = Annotated[Path | None, typer.Option("--key", help="Its private key (default: "
                                             "KEYS/PARTY/operator.key).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the node's answer as JSON.")]


@dataclass
class NodeClient:
    """An operator's HTTPS client of one party's node (module notes)."""

    party: str
    url: str
    client: Any

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        """The response to ``method path``; a transport failure exits 2 naming the URL."""
        import httpx

        try:
            return self.client.request(method, f"{self.url}{path}", **kwargs)
        except httpx.HTTPError as exc:
            fail(f"cannot reach {self.party}'s node at {self.url}: {type(exc).__name__}: {exc}")

    def answer(self, response: Any, ok: tuple[int, ...] = (200, 201)) -> Any:
        """The JSON answer of a successful response; else exit 2 with the node's error."""
        try:
            body = response.json()
        except ValueError:
            body = {"error": response.text[:300]}
        if response.status_code not in ok:
            error = body.get("error", body) if isinstance(body, dict) else body
            fail(f"{self.party}'s node answered HTTP {response.status_code}: {error}")
        return body


def node_client(config: Path, url: str | None = None, cert: Path | None = None,
                key: Path | None = None) -> NodeClient:
    """The operator's client of the node of ``config`` (module notes); for every
    ``gsomia item`` subcommand, with the options :data:`ConfigOpt`, :data:`UrlOpt`,
    :data:`CertOpt`, :data:`KeyOpt`.

    Raises:
        InputError: unreadable configuration, port 0 without ``url``; ``--cert``
            without ``--key`` or the reverse; a certificate or key file missing,
            unreadable or not PEM (``--cert``, ``--key``), or a key that is not the
            certificate's (``--cert/--key``, both files named).
    """
    import httpx

    from gsomia.node import TlsFiles
    from gsomia.node.config import load_config
    from gsomia.sharing.pki import operator_paths

    cfg = load_config(config)
    if url is None:
        if cfg.port == 0:
            raise InputError("--url", None, f"{config} listens on port 0 (chosen at start): "
                                            "give the node's URL")
        host = cfg.host.strip("[]")
        host = "127.0.0.1" if host in ("", "*", "0.0.0.0", "::") else host
        url = f"https://{host}:{cfg.port}"
    if (cert is None) != (key is None):  # never pair a person's file with the operator's
        given, missing = ("--cert", "--key") if key is None else ("--key", "--cert")
        raise InputError(missing, None, f"required with {given} (a certificate and its key)")
    op_cert, op_key, cas = operator_paths(cfg.keys, cfg.party)
    tls = TlsFiles(cert or op_cert, key or op_key, cas)
    _check_pair(tls.cert, tls.key)
    try:
        context = tls.client_context()
    except (ssl.SSLError, OSError) as exc:  # e.g. the partner CA bundle
        raise InputError("--cert/--key", f"{tls.cert}, {tls.key}, CAs {tls.trusted_cas}",
                         f"TLS files not usable: {exc}") from None
    client = httpx.Client(verify=context, timeout=httpx.Timeout(120.0), trust_env=False)
    return NodeClient(cfg.party, url.rstrip("/"), client)


def _check_pair(cert: Path, key: Path) -> None:
    """Check that ``cert`` is a readable PEM X.509 certificate (RFC 7468 section 5),
    ``key`` a readable unencrypted PEM private key, and that the key is the certificate's
    (same public key), before TLS is set up.

    Raises:
        InputError: ``--cert`` or ``--key`` missing, unreadable or not PEM;
            ``--cert/--key`` naming both files: certificate and key do not match.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    def read(field: str, path: Path) -> bytes:
        try:
            if not path.is_file():
                raise InputError(field, str(path), "no such file")
            return path.read_bytes()
        except OSError as exc:
            raise InputError(field, str(path), f"cannot read: {exc.strerror or exc}") from None

    cert_pem, key_pem = read("--cert", cert), read("--key", key)
    try:
        certificate = x509.load_pem_x509_certificate(cert_pem)
    except ValueError:
        raise InputError("--cert", str(cert), "not a PEM X.509 certificate") from None
    try:
        private = serialization.load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError):
        raise InputError("--key", str(key), "not an unencrypted PEM private key") from None
    raw = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    if certificate.public_key().public_bytes(*raw) != private.public_key().public_bytes(*raw):
        raise InputError("--cert/--key", f"{cert}, {key}", "certificate and key do not "
                                                           "match (the key is not the "
                                                           "certificate's)")


def _item_id(value: str) -> str:
    """``value`` if it has an item id's form (:data:`_ITEM_ID`), checked before any request
    so that an id never names another route (``../../v1/health``, ``a/b``).

    Raises:
        InputError: ``ITEM``, naming the value.
    """
    if not _ITEM_ID.fullmatch(value):
        raise InputError("ITEM", value, "not an item id: <PARTY>-<id> (e.g. "
                                        "KOR-3f9a0c2e5b7d1e48: party code, '-', then "
                                        "letters, digits, . _ : ~ -; at most 256 characters)")
    return value


def _parties(values: list[str], field: str, known: set[str]) -> list[str]:
    """Party codes from repeated or comma-separated options, each a known party."""
    out = [p.strip().upper() for v in values for p in v.split(",") if p.strip()]
    for p in out:
        if p not in known:
            raise InputError(field, p, f"unknown party (known: {', '.join(sorted(known))})")
    return out


def _upload(body: bytes, label: str) -> Iterator[bytes]:
    """``body`` in chunks, with a progress bar on a terminal (large uploads)."""
    if not err_console.is_terminal or len(body) < 4 * _CHUNK:
        yield body
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

    with Progress("[progress.description]{task.description}", BarColumn(), DownloadColumn(),
                  TransferSpeedColumn(), console=err_console, transient=True) as progress:
        task = progress.add_task(label, total=len(body))
        for start in range(0, len(body), _CHUNK):
            yield body[start:start + _CHUNK]
            progress.advance(task, min(_CHUNK, len(body) - start))


def _print_release(rel: dict[str, Any]) -> None:
    line = f"{rel['item_id']} → {rel['to']} by {rel['route']}: {rel['status']}"
    if rel.get("envelope_id"):
        line += f" (envelope {rel['envelope_id']}, next hop {rel['next_hop']})"
    console.print(line, highlight=False, soft_wrap=True)
    for reason in rel.get("reasons", []):
        console.print(f"  denied by {reason}", highlight=False, soft_wrap=True)


@item_app.command("create")
@guarded
def item_create(
    config: ConfigOpt,
    classification: Annotated[str, typer.Option("--classification", help="One of the "
                                                 "party's markings, e.g. 군사II급비밀.")],
    releasable_to: Annotated[list[str], typer.Option("--releasable-to", help="REL TO: party "
                                                     "codes (repeat, or comma-separated).")],
    topic: Annotated[str, typer.Option("--topic", help="The label's topic, e.g. "
                                       "operation-plan, evacuation-coordination.")],
    files: Annotated[list[Path] | None, typer.Option("--file", help="A file to attach "
                                                     "(repeat; 8 MiB each, 16 MiB in all).")
                     ] = None,
    title: Annotated[str | None, typer.Option("--title", help="Default: the first file's "
                                              "name.")] = None,
    text: Annotated[str | None, typer.Option("--text", help="The document's body text.")
                    ] = None,
    to: Annotated[list[str] | None, typer.Option("--to", help="Release at once to these "
                                                 "parties (repeat).")] = None,
    route: Annotated[str, typer.Option("--route", help="Route of those releases: direct, "
                                       "tisa, auto-hub.")] = "direct",
    purpose: Annotated[str | None, typer.Option("--purpose", help="The purpose it is "
                                                "provided for (Art. 6).")] = None,
    url: UrlOpt = None, cert: CertOpt = None, key: KeyOpt = None, as_json: JsonOpt = False,
) -> None:
    """Create an item of this party holding a document with the given files attached, on
    the running node; with --to, release it at once (decide → sign → seal → send).
    Prints the item id and each release (queued, awaiting approval, or denied with the
    rules' reasons: exit 1)."""
    from gsomia.node import Document
    from gsomia.node.config import load_config
    from gsomia.sharing import Route
    from gsomia.sharing.catalog import load_catalog

    party = load_config(config).party
    catalog = load_catalog()
    marking = catalog.scheme(party).get(classification, "--classification").text
    known = set(catalog.schemes)
    rel_to = _parties(releasable_to, "--releasable-to", known)
    targets = _parties(to or [], "--to", known)
    Route.parse(route, "--route")
    document = Document.from_files(files or [], title=title, topic=topic, body=text)
    client = node_client(config, url, cert, key)
    body = json.dumps({
        "classification": marking, "releasable_to": rel_to, "purpose": purpose,
        "document": document.to_dict(),
        "release": [{"to": t, "route": route} for t in targets]}, ensure_ascii=False).encode()
    answer = client.answer(client.call(
        "POST", "/v1/items", content=_upload(body, f"upload to {party}'s node"),
        headers={"content-type": "application/json", "content-length": str(len(body))}))
    if as_json:
        print_json(answer)
    else:
        console.print(f"created {answer['item_id']} ({marking}, topic {topic}, "
                      f"{len(document.attachments)} attachments, {document.size} bytes)",
                      highlight=False, soft_wrap=True)
        for rel in answer["releases"]:
            _print_release(rel)
    if any(r["status"] == "denied" for r in answer["releases"]):
        raise typer.Exit(1)


@item_app.command("release")
@guarded
def item_release(
    item: Annotated[str, typer.Argument(help="The item id.")],
    config: ConfigOpt,
    to: Annotated[str, typer.Option("--to", help="The party to release it to.")],
    route: Annotated[str, typer.Option("--route", help="direct, tisa or auto-hub.")
                     ] = "direct",
    url: UrlOpt = None, cert: CertOpt = None, key: KeyOpt = None, as_json: JsonOpt = False,
) -> None:
    """Release an item the node holds to a party by a route. A denial prints the failed
    rules with their reasons (e.g. scope:tisa for an operation plan: TISA para 1) and
    exits 1; a party the item was released to already: already_released, with that
    release's envelope (one copy per item at a holder)."""
    from urllib.parse import quote

    from gsomia.sharing import Route
    from gsomia.sharing.catalog import load_catalog

    item = _item_id(item)
    [party] = _parties([to], "--to", set(load_catalog().schemes))
    Route.parse(route, "--route")
    client = node_client(config, url, cert, key)
    response = client.call("POST", f"/v1/items/{quote(item, safe='')}/release",
                           json={"to": party, "route": route})
    if response.status_code == 403 and "release" in (body := response.json()):
        if as_json:
            print_json(body)
        else:
            err_console.print(f"denied: {body['error']}", highlight=False, soft_wrap=True)
        raise typer.Exit(1)
    answer = client.answer(response)
    if as_json:
        print_json(answer)
    else:
        _print_release(answer)


def _read_denied(client: NodeClient, response: Any, as_json: bool) -> None:
    """A read the node refused (403, :mod:`gsomia.node.persons`): print who was refused
    and each failed rule with its article and reason (the whole decision with --json),
    then exit 1. Any other error answer exits 2 (:meth:`NodeClient.answer`)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code != 403 or not isinstance(body, dict) or "reasons" not in body:
        client.answer(response)
        return
    if as_json:
        print_json(body)
        raise typer.Exit(1)
    what = "the item list" if body.get("item_id") is None else f"item {body['item_id']}"
    err_console.print(f"read of {what} denied by {client.party}'s node to "
                      f"{body.get('person')!r}:", highlight=False, soft_wrap=True)
    for r in body["reasons"]:
        if not r.get("passed"):
            err_console.print(f"  {r.get('rule')} ({r.get('source')}): {r.get('detail')}",
                              highlight=False, soft_wrap=True, markup=False)
    raise typer.Exit(1)


def _items(client: NodeClient, as_json: bool) -> tuple[list[dict[str, Any]], int]:
    """The items the caller may read, and how many the node withheld."""
    response = client.call("GET", "/v1/items")
    if response.status_code != 200:
        _read_denied(client, response, as_json)
    withheld = response.headers.get("X-Withheld-Items", "0")
    return client.answer(response), int(withheld) if withheld.isdigit() else 0


@item_app.command("list")
@guarded
def item_list(config: ConfigOpt, url: UrlOpt = None, cert: CertOpt = None,
              key: KeyOpt = None, as_json: JsonOpt = False) -> None:
    """List the items delivered to this party that the caller may read (module notes):
    id, kind, originator, marking (Art. 4(2)), topic, and for a document its title and
    attachments (payloads are not printed); how many were withheld. A caller the node
    does not list in its personnel file is refused (exit 1, reasons printed)."""
    from rich.table import Table

    items, withheld = _items(node_client(config, url, cert, key), as_json)
    rows = [{
        "item_id": i["item_id"], "kind": i["kind"], "originator": i["originator"],
        "marking": (i.get("marking") or {}).get("text"), "topic": i["topic"],
        "title": i["payload"].get("title") if i["kind"] == "document" else None,
        "attachments": [a.get("name") for a in i["payload"].get("attachments", [])]
        if i["kind"] == "document" else [],
    } for i in items]
    if as_json:
        print_json(rows)
        return
    table = Table("item", "kind", "from", "marking", "topic", "title", "attachments")
    for r in rows:
        table.add_row(cell(r["item_id"]), cell(r["kind"]), cell(r["originator"]),
                      cell(r["marking"]), cell(r["topic"]), cell(r["title"]),
                      cell(", ".join(r["attachments"])))
    console.print(table)
    if withheld:
        console.print(f"{withheld} more item(s) withheld: not readable by this person "
                      "(Art. 7 clearance or need-to-know, Art. 16); each refusal is "
                      "audited at the node", highlight=False, soft_wrap=True)


@item_app.command("show")
@guarded
def item_show(
    item: Annotated[str, typer.Argument(help="The item id.")],
    config: ConfigOpt,
    save: Annotated[Path | None, typer.Option("--save-attachments", help="Write the "
                                              "attachments into this folder (never "
                                              "overwrites).")] = None,
    url: UrlOpt = None, cert: CertOpt = None, key: KeyOpt = None, as_json: JsonOpt = False,
) -> None:
    """Show one delivered item: marking, originator, route, and for a document its title,
    text and attachments, each checked against its size and SHA-256; with
    --save-attachments, write them out. The node decides the read for the caller's
    certificate (module notes) and audits it; a refusal prints the failed rules with their
    articles (exit 1)."""
    from urllib.parse import quote

    from gsomia.node import Document

    item = _item_id(item)
    client = node_client(config, url, cert, key)
    response = client.call("GET", f"/v1/items/{quote(item, safe='')}")
    if response.status_code == 404:
        raise InputError("ITEM", item, "no such item delivered to this node")
    if response.status_code != 200:
        _read_denied(client, response, as_json)
    entry = client.answer(response)
    document = Document.from_dict(entry["payload"]) if entry["kind"] == "document" else None
    written = document.save(save) if document is not None and save is not None else []
    if as_json:
        print_json({k: v for k, v in entry.items() if k != "payload"} | {
            "document": None if document is None else {
                "title": document.title, "topic": document.topic, "body": document.body,
                "attachments": [{k: v for k, v in a.to_dict().items() if k != "data"}
                                for a in document.attachments]},
            "saved": [str(p) for p in written]})
        return
    marking = entry.get("marking") or {}
    console.print(f"{entry['item_id']}  {marking.get('text')} ({marking.get('text_en')})\n"
                  f"from {entry['originator']} via {entry['sender']} ({entry['route']}), "
                  f"topic {entry['topic']}, sent {entry['sent_at']}",
                  highlight=False, soft_wrap=True)
    if document is None:
        console.print_json(data=entry["payload"])
        return
    console.print(f"title: {printable(document.title)}", highlight=False,
                  soft_wrap=True, markup=False)
    if document.body:
        console.print(printable(document.body, keep="\n\t"), highlight=False, soft_wrap=True,
                      markup=False)
    for a in document.attachments:
        console.print(f"  {a.name}  {a.media_type}  {a.size} bytes  sha256 {a.sha256} (checked)",
                      highlight=False, soft_wrap=True)
    for p in written:
        console.print(f"saved {p}", highlight=False, soft_wrap=True)

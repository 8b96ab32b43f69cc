"""The TOML configuration of a live node (``gsomia serve --config FILE``).

.. code-block:: toml

    party = "KOR"
    listen = "127.0.0.1:8443"          # host:port (port 0: chosen at start)
    store = "kor/store.sqlite"         # SQLite file, or a URL: "sqlite:///…",
                                       # "postgresql://host:5432/db?schema=kor";
                                       # the audit log lives in the same database
    keys = "pki"                       # a directory made by 'gsomia pki init'
    personnel = "personnel.toml"       # who may read classified items over HTTP
                                       # (gsomia.node.persons); without it nobody may

    stream = "nats://127.0.0.1:4222"   # optional: consume the in-nation stream on NATS
                                       # JetStream (gsomia.node.stream); default none
    stream_name = "GSOMIA_KOR"         # optional: the stream, its subjects' first token
    stream_prefix = "gsomia"           # and the durable consumer (defaults as shown; a
    stream_durable = "gsomia-kor-node" # stream of its own needs a prefix of its own:
                                       # with stream_name alone, its name in lower case)

    [peers.JPN]
    url = "https://127.0.0.1:8444"
    route = "direct"                   # direct | tisa_hub | auto_hub (for warnings;
                                       # any spelling of gsomia.sharing.Route)

Relative paths (``store`` when not a URL, ``keys``, ``personnel``) are read from the file's folder.
Errors name the file, key and value. A complete example: ``examples/live/`` in the
repository.

Checks (all before anything is created): ``listen`` a host and a port in 0..65535 (a
wildcard host such as ``0.0.0.0`` is allowed but :func:`listen_warning` names it: the
node would be reachable on every interface); ``peers`` a table of tables; each peer's
``url`` ``https://host:port`` (an ``http://`` URL would send envelopes without TLS, and
the JWE protected header names sender, recipient, stream and sequence in clear,
RFC 7516 section 4), and a party other than the node's own; ``store``'s folder a
directory that exists or can be created. Keys are checked against the PKI directory by
:func:`check_keys` (every peer needs public keys there). Unknown keys are refused, at the
top level and in a peer table (the schema :class:`gsomia.schemas.NodeConfigFile`,
``gsomia schema node-config``): a misspelt key (``lisen``) would otherwise be ignored
silently. ``route`` is read by :meth:`gsomia.sharing.Route.parse` (``tisa``, ``auto-hub``
and the canonical ``tisa_hub``, ``auto_hub`` are all accepted).
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from gsomia.errors import InputError
from gsomia.schemas import NodeConfigFile, parse
from gsomia.sharing import Route

__all__ = ["NodeConfig", "PeerConfig", "check_keys", "listen_warning", "load_config"]

@dataclass(frozen=True, slots=True)
class PeerConfig:
    """A partner's inbox URL and the route used to send it warnings."""

    party: str
    url: str
    route: Route


@dataclass(frozen=True, slots=True)
class NodeConfig:
    """A live node's settings (see module docstring)."""

    party: str
    host: str
    port: int
    store: Path | str
    keys: Path
    peers: tuple[PeerConfig, ...]
    personnel: Path | None = None
    stream: str | None = None
    stream_name: str | None = None
    stream_prefix: str | None = None
    stream_durable: str | None = None


def _store(value: str, base: Path) -> Path | str:
    """A database URL as it is; a SQLite path relative to the file's folder."""
    return value if "://" in value else base / value


def load_config(path: str | Path) -> NodeConfig:
    """Read and check a node configuration file (:class:`gsomia.schemas.NodeConfigFile`).

    Raises:
        InputError: unreadable file, missing or unknown key or bad value (names file and
            key).
    """
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError("--config", str(p), f"cannot read: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError("--config", str(p), f"not TOML: {exc}") from None
    except RecursionError:
        raise InputError("--config", str(p), "not TOML: nested too deeply") from None
    f = str(p)
    doc = parse(NodeConfigFile, data, file=f)
    peers = []
    for code, peer in doc.peers.items():
        try:
            route = Route.parse(peer.route)
        except InputError as exc:
            raise InputError(f"{f}: peers.{code}.route", peer.route, exc.reason) from None
        peers.append(PeerConfig(code, peer.url, route))
    host, _, port = doc.listen.rpartition(":")
    store = _store(doc.store, p.parent)
    if isinstance(store, Path):
        _check_store_folder(store, f"{f}: store")
    return NodeConfig(party=doc.party, host=host, port=int(port), store=store,
                      keys=p.parent / doc.keys, peers=tuple(peers),
                      personnel=None if doc.personnel is None else p.parent / doc.personnel,
                      stream=doc.stream, stream_name=doc.stream_name,
                      stream_prefix=doc.stream_prefix, stream_durable=doc.stream_durable)


def _check_store_folder(store: Path, name: str) -> None:
    """The store's folder exists as a directory, or its nearest existing ancestor is a
    writable directory (so the folder can be created). Nothing is created here."""
    folder = store.parent
    while not folder.exists():
        if folder.parent == folder:
            break
        folder = folder.parent
    if not folder.is_dir():
        raise InputError(name, str(store), f"{folder} is not a directory")
    if not os.access(folder, os.W_OK | os.X_OK) and not store.parent.is_dir():
        raise InputError(name, str(store), f"cannot create folders in {folder}")
    if store.exists() and not store.is_file():
        raise InputError(name, str(store), "exists and is not a file")


def listen_warning(cfg: NodeConfig) -> str | None:
    """A warning when the node would listen on every interface (``0.0.0.0``, ``::``, an
    empty host) rather than on loopback or one explicit address; else None."""
    host = cfg.host.strip("[]")
    try:
        addr = ipaddress.ip_address(host)
    except ValueError:
        return None if host and host != "*" else f"listen host {cfg.host!r}: every interface"
    if addr.is_unspecified:
        return (f"listen = {cfg.host}:{cfg.port} accepts connections on every interface; "
                "prefer 127.0.0.1 or one explicit address")
    return None


def check_keys(cfg: NodeConfig, parties_with_keys: set[str]) -> None:
    """Every peer (and the node's party) has keys in the PKI directory ``cfg.keys``.

    Raises:
        InputError: names ``peers.<PARTY>`` (or ``party``) lacking keys.
    """
    if cfg.party not in parties_with_keys:
        raise InputError("party", cfg.party, f"no keys of {cfg.party} in {cfg.keys}")
    for peer in cfg.peers:
        if peer.party not in parties_with_keys:
            raise InputError(f"peers.{peer.party}", peer.party,
                             f"no public keys of {peer.party} in {cfg.keys} "
                             "(sign.pub, enc.pub, ca.crt)")

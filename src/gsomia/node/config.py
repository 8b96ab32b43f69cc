"""The TOML configuration of a live node (``gsomia serve --config FILE``).

.. code-block:: toml

    party = "KOR"
    listen = "127.0.0.1:8443"          # host:port (port 0: chosen at start)
    store = "kor/store.sqlite"         # SQLite file, or a URL: "sqlite:///…",
                                       # "postgresql://host:5432/db?schema=kor";
                                       # the audit log lives in the same database
    keys = "pki"                       # a directory made by 'gsomia pki init'

    [peers.JPN]
    url = "https://127.0.0.1:8444"
    route = "direct"                   # direct | tisa | auto-hub (for warnings);
                                       # aliases tisa_hub, auto_hub (the run's names)

Relative paths (``store`` when not a URL, ``keys``) are read from the file's folder.
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
top level (:data:`TOP_KEYS`) and in a peer table (:data:`PEER_KEYS`): a misspelt key
(``lisen``) would otherwise be ignored silently. ``route`` is one of :data:`ROUTES`; the
names of ``gsomia run`` and the benchmark (:data:`ROUTE_ALIASES`: ``tisa_hub``,
``auto_hub``) are accepted for them.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gsomia.errors import InputError
from gsomia.sharing.markings import check_party_code

__all__ = ["NodeConfig", "PeerConfig", "check_keys", "listen_warning", "load_config"]

#: Keys of the top level of a node configuration.
TOP_KEYS = ("party", "listen", "store", "keys", "peers")
#: Keys of a ``[peers.<PARTY>]`` table.
PEER_KEYS = ("url", "route")
#: Routes of warnings to a peer.
ROUTES = ("direct", "tisa", "auto-hub")
#: Other names of the routes (as ``gsomia run`` and ``gsomia bench links`` spell them).
ROUTE_ALIASES = {"tisa_hub": "tisa", "auto_hub": "auto-hub"}


def _no_unknown_keys(table: dict[str, Any], allowed: tuple[str, ...], where: str) -> None:
    for key in table:
        if key not in allowed:
            raise InputError(f"{where}{key}", table[key],
                             f"unknown key; expected one of {', '.join(allowed)}")


@dataclass(frozen=True, slots=True)
class PeerConfig:
    """A partner's inbox URL and the route used to send it warnings."""

    party: str
    url: str
    route: str


@dataclass(frozen=True, slots=True)
class NodeConfig:
    """A live node's settings (see module docstring)."""

    party: str
    host: str
    port: int
    store: Path | str
    keys: Path
    peers: tuple[PeerConfig, ...]


def _get(data: dict[str, Any], key: str, file: str, kind: type = str) -> Any:
    value = data.get(key)
    if not isinstance(value, kind):
        what = "a string" if kind is str else f"a {kind.__name__}"
        raise InputError(f"{file}: {key}", value, f"expected {what} (required)")
    return value


def _store(value: str, base: Path) -> Path | str:
    """A database URL as it is; a SQLite path relative to the file's folder."""
    return value if "://" in value else base / value


def load_config(path: str | Path) -> NodeConfig:
    """Read and check a node configuration file.

    Raises:
        InputError: unreadable file, missing key or bad value (names file and key).
    """
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError("--config", str(p), f"cannot read: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError("--config", str(p), f"not TOML: {exc}") from None
    f = str(p)
    _no_unknown_keys(data, TOP_KEYS, f"{f}: ")
    party = check_party_code(f"{f}: party", _get(data, "party", f))
    listen = _get(data, "listen", f)
    host, _, port_text = listen.rpartition(":")
    if not host or not port_text.isdigit():
        raise InputError(f"{f}: listen", listen, "expected host:port")
    if not 0 <= int(port_text) <= 65535:
        raise InputError(f"{f}: listen", listen, "expected a port in 0..65535")
    base = p.parent
    peers = []
    tables = data.get("peers", {})
    if not isinstance(tables, dict):
        raise InputError(f"{f}: peers", tables, "expected a table of [peers.<PARTY>] tables")
    for code, table in tables.items():
        check_party_code(f"{f}: peers", code)
        if code == party:
            raise InputError(f"{f}: peers.{code}", code, "the node's own party is not a peer")
        if not isinstance(table, dict):
            raise InputError(f"{f}: peers.{code}", table, "expected a table")
        _no_unknown_keys(table, PEER_KEYS, f"{f}: peers.{code}.")
        route = table.get("route", "direct")
        route = ROUTE_ALIASES.get(route, route) if isinstance(route, str) else route
        if route not in ROUTES:
            raise InputError(f"{f}: peers.{code}.route", table.get("route"),
                             "expected direct, tisa or auto-hub (aliases: tisa_hub, "
                             "auto_hub)")
        url = _get(table, "url", f"{f}: peers.{code}")
        _check_url(url, f"{f}: peers.{code}.url")
        peers.append(PeerConfig(code, url, route))
    store = _store(_get(data, "store", f), base)
    if isinstance(store, Path):
        _check_store_folder(store, f"{f}: store")
    return NodeConfig(
        party=party, host=host, port=int(port_text),
        store=store, keys=base / _get(data, "keys", f),
        peers=tuple(peers),
    )


def _check_url(url: str, name: str) -> None:
    """``https://host:port`` with nothing else (no TLS-less http, no credentials)."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InputError(name, url, f"not a URL: {exc}") from None
    if parts.scheme != "https":
        raise InputError(name, url, "expected https:// (envelopes go over mutual TLS only)")
    if not parts.hostname or port is None or parts.username or parts.password:
        raise InputError(name, url, "expected https://host:port")


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

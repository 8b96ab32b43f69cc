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
    route = "direct"                   # direct | tisa | auto-hub (for warnings)

Relative paths (``store`` when not a URL, ``keys``) are read from the file's folder.
Errors name the file, key and value. A complete example: ``examples/live/`` in the
repository.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gsomia.errors import InputError
from gsomia.sharing.markings import check_party_code

__all__ = ["NodeConfig", "PeerConfig", "load_config"]


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
        raise InputError(f"{file}: {key}", value, f"required {kind.__name__}")
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
    party = check_party_code(f"{f}: party", _get(data, "party", f))
    listen = _get(data, "listen", f)
    host, _, port_text = listen.rpartition(":")
    if not host or not port_text.isdigit():
        raise InputError(f"{f}: listen", listen, "expected host:port")
    base = p.parent
    peers = []
    for code, table in (data.get("peers") or {}).items():
        check_party_code(f"{f}: peers", code)
        if not isinstance(table, dict):
            raise InputError(f"{f}: peers.{code}", table, "expected a table")
        route = table.get("route", "direct")
        if route not in ("direct", "tisa", "auto-hub"):
            raise InputError(f"{f}: peers.{code}.route", route, "direct, tisa or auto-hub")
        peers.append(PeerConfig(code, _get(table, "url", f"{f}: peers.{code}"), route))
    return NodeConfig(
        party=party, host=host, port=int(port_text),
        store=_store(_get(data, "store", f), base), keys=base / _get(data, "keys", f),
        peers=tuple(peers),
    )

"""A live node's configuration file (TOML; :func:`gsomia.node.config.load_config`).

Checked here: the keys (closed at the top level and in each ``[peers.<PARTY>]`` table),
the party codes, ``listen`` as ``host:port`` with a port in 0..65535, each peer's ``url``
as ``https://host:port`` (no TLS-less ``http://``, no credentials) and no peer of the
node's own party; ``stream`` (optional) as ``nats://host:port``; ``stream_name``,
``stream_prefix`` and ``stream_durable`` (optional) are checked by
:class:`gsomia.node.stream.StreamSettings` when the node starts. The route
(:meth:`gsomia.sharing.Route.parse`), the paths and the keys are checked by the loader.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from gsomia.schemas.base import Closed, PartyCode, RouteText, Text, fail

__all__ = ["NodeConfigFile", "PeerEntry"]


class PeerEntry(Closed):
    """``[peers.<PARTY>]``: the partner's inbox and the route of warnings to it."""

    url: Text = Field(description="https://host:port of the partner's node")
    route: RouteText = Field("direct", description="direct | tisa_hub (tisa) | auto_hub "
                                              "(auto-hub); gsomia.sharing.Route")

    @field_validator("url")
    @classmethod
    def https_host_port(cls, url: str) -> str:
        """``https://host:port`` with nothing else (envelopes go over mutual TLS only)."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as exc:
            raise fail(f"not a URL: {exc}") from None
        if parts.scheme != "https":
            raise fail("expected https:// (envelopes go over mutual TLS only)")
        if not parts.hostname or port is None or parts.username or parts.password:
            raise fail("expected https://host:port")
        return url


class NodeConfigFile(Closed):
    """A node configuration (``gsomia serve --config FILE``; examples/live/)."""

    party: PartyCode
    listen: Text = Field(description="host:port (port 0: chosen at start)")
    store: Text = Field(description="SQLite file (relative to the file's folder) or a "
                                    "database URL (sqlite:///…, postgresql://…)")
    keys: Text = Field(description="a directory made by 'gsomia pki init'")
    personnel: Text | None = Field(None, description="the personnel file (relative to the "
                                   "file's folder; gsomia schema personnel): who may read "
                                   "classified items; none: nobody")
    peers: dict[PartyCode, PeerEntry] = {}
    stream: Text | None = Field(None, description="nats://host:port of the nation's NATS "
                                "JetStream server: the node consumes its in-nation stream "
                                "(gsomia.node.stream); none: the node's own calls only")
    stream_name: Text | None = Field(None, description="the stream's name (default "
                                     "GSOMIA_<PARTY>; gsomia.node.stream)")
    stream_prefix: Text | None = Field(None, description="the first token of the stream's "
                                       "subjects (default gsomia for the default stream, "
                                       "else stream_name in lower case)")
    stream_durable: Text | None = Field(None, description="the durable consumer's name "
                                        "(default gsomia-<party>-node)")

    @field_validator("listen")
    @classmethod
    def host_port(cls, listen: str) -> str:
        """``host:port`` with a port in 0..65535."""
        host, _, port = listen.rpartition(":")
        if not host or not port.isdigit():
            raise fail("expected host:port")
        if not 0 <= int(port) <= 65535:
            raise fail("expected a port in 0..65535")
        return listen

    @field_validator("stream")
    @classmethod
    def nats_url(cls, url: str | None) -> str | None:
        """``nats://host:port`` (or ``tls://``), nothing else."""
        if url is None:
            return None
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as exc:
            raise fail(f"not a URL: {exc}") from None
        if parts.scheme not in ("nats", "tls") or not parts.hostname or port is None \
                or parts.path or parts.query:
            raise fail("expected nats://host:port")
        return url

    @model_validator(mode="after")
    def own_party_is_no_peer(self) -> NodeConfigFile:
        """The node's own party is not one of its peers."""
        if self.party in self.peers:
            raise fail("the node's own party is not a peer", at=("peers", self.party),
                       value=self.party, has_value=True)
        return self

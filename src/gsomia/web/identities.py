"""Who the client of a node's server is: the identity of its TLS client certificate
(:func:`gsomia.sharing.pki.identity_of_certificate`), worked out once per certificate by
the node's guard (:class:`Identities`) and read back by the request's handlers
(:func:`client_identity`)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from cryptography import x509

from gsomia.sharing.pki import identity_of_certificate

__all__ = ["IDENTITY_KEY", "Identities", "client_cert", "client_identity"]


def client_cert(scope: Mapping[str, Any]) -> str | None:
    """The client's own TLS certificate (PEM) from the ASGI TLS extension (filled in by
    :class:`gsomia.web.server.MutualTlsH11Protocol`), or None."""
    tls = (scope.get("extensions") or {}).get("tls") or {}
    chain = tls.get("client_cert_chain") or []
    return chain[0] if chain else None


#: the ASGI scope key under which :class:`Identities` (the node's guard) leaves the
#: identity it found for the request (read back by :func:`client_identity`; set by our
#: own middleware only, never from the request)
IDENTITY_KEY = "gsomia.client_identity"
#: most client certificates whose identity a node's guard remembers (:class:`Identities`)
_IDENTITY_CACHE_SIZE = 256


def client_identity(
    scope: Mapping[str, Any], party_cas: Mapping[str, x509.Certificate]
) -> tuple[str, str, str | None] | None:
    """``(party, role, person_id)`` of the client's certificate (:func:`gsomia.sharing.pki.
    identity_of_certificate`), or None (no accepted identity). The identity the node's
    guard already found for this request (same certificate, same CAs) is taken from the
    scope instead of being worked out again."""
    held = scope.get(IDENTITY_KEY)
    cert = client_cert(scope)
    if held is not None and held[0] == cert:
        return held[1]
    return identity_of_certificate(cert, party_cas) if cert else None


class Identities:
    """The identities of the client certificates a node's guard has seen (each worked out
    once: :func:`gsomia.sharing.pki.identity_of_certificate` checks the certificate's
    signature against every party's CA, ~1 ms, on every request before). Keyed by the
    certificate as the TLS layer handed it (PEM text, already validated by the handshake);
    the CAs are the guard's own, fixed for its life, so the same certificate always has the
    same identity. At most :data:`_IDENTITY_CACHE_SIZE` kept (forgotten all at once when
    full)."""

    def __init__(self, party_cas: Mapping[str, x509.Certificate]) -> None:
        self.party_cas = party_cas
        self._known: dict[str, tuple[str, str, str | None] | None] = {}
        self._lock = threading.Lock()

    def of(self, scope: dict) -> tuple[str, str, str | None] | None:
        """The client's identity (None: no certificate or none accepted), left in
        ``scope`` for :func:`client_identity`."""
        cert = client_cert(scope)
        if cert is None:
            return None
        with self._lock:
            hit = cert in self._known
            who = self._known.get(cert)
        if not hit:
            who = identity_of_certificate(cert, self.party_cas)
            with self._lock:
                if len(self._known) >= _IDENTITY_CACHE_SIZE:
                    self._known.clear()
                self._known[cert] = who
        scope[IDENTITY_KEY] = (cert, who)
        return who

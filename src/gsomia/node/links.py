"""Links between nodes: one method, ``send(envelope) -> Receipt``, two implementations.

- :class:`InProcessLink` hands the envelope to the receiving :class:`~gsomia.node.Node` in
  the same process, stamped to arrive ``delay_s`` later on the shared clock (analysis mode).
- :class:`HttpsLink` POSTs it to the partner's inbox (``/v1/inbox``) over HTTPS with mutual
  TLS (httpx; live mode).

Batches: a link whose ``max_batch`` is above 1 also has ``send_batch(envelopes) ->
list[Receipt]``, which delivers up to ``max_batch`` envelopes in one exchange (one request,
``POST /v1/inbox/batch``; one store transaction at the receiver:
:meth:`gsomia.node.Node.receive_batch`) and returns one receipt per envelope, in order, or
raises LinkError when none was delivered. The outbox uses it when more than one envelope
is due for the peer (:mod:`gsomia.node.outbox`); a link without it sends one at a time.

The node cannot tell them apart (STYLE.md, transports). Both return the receiver's
:class:`Receipt` (signed by the receiver: :meth:`Receipt.sign`, :meth:`Receipt.verify`), or
raise :class:`~gsomia.errors.LinkError` when nothing was delivered
(peer down, timeout, server error): the sender then keeps the envelope and retries.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import socket
import ssl
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

from gsomia.errors import EnvelopeError, LinkError, StoreError
from gsomia.node.clock import Clock
from gsomia.sharing.audit_hash import canonical_json
from gsomia.sharing.envelope import Envelope, PartyKeys, PublicKeys

__all__ = [
    "HTTP_REFUSED",
    "MAX_BATCH_BYTES",
    "MAX_BATCH_ENVELOPES",
    "MIN_RATE_BPS",
    "RECEIPT_TYP",
    "RETRY_4XX",
    "HttpsLink",
    "InProcessLink",
    "Link",
    "Receipt",
    "Receiver",
    "TlsFiles",
    "envelope_digest",
]

#: Slowest rate [bytes/s] at which a receiver is expected to read, open and store an
#: envelope; sets the extra timeout of a large one (up to 64 MiB: about a minute).
MIN_RATE_BPS = 1024 * 1024

#: Most envelopes in one batch (:meth:`HttpsLink.send_batch`); a receiver refuses more.
MAX_BATCH_ENVELOPES = 256
#: Most bytes of JWE text a sender puts in one batch (4 MiB, well under the inbox's body
#: limit of 64 MiB); an envelope larger than this goes alone.
MAX_BATCH_BYTES = 4 * 1024 * 1024

#: Receipt statuses: the envelope was stored (``accepted``), stored and held at a hub
#: awaiting the originator's approval (``held``), had already been stored (``duplicate``:
#: an idempotent acknowledgement), or failed a check (``rejected``).
STATUSES = ("accepted", "held", "duplicate", "rejected")
#: ``check`` of the receipt a link makes for a final 4xx answer that is no receipt.
HTTP_REFUSED = "http"
#: 4xx statuses that mean "later" (RFC 9110 section 15.5.9 408 Request Timeout, RFC 8470
#: 425 Too Early, RFC 6585 section 4 429 Too Many Requests): retried like a 5xx.
RETRY_4XX = frozenset({408, 425, 429})
#: ``typ`` of a receipt's JWS.
RECEIPT_TYP = "gsomia+receipt"
_JWS_REGISTRY = jws.JWSRegistry(algorithms=["Ed25519"])


_JWKS: dict[int, tuple[Ed25519PrivateKey | Ed25519PublicKey, OKPKey]] = {}


def _jwk(key: Ed25519PrivateKey | Ed25519PublicKey) -> OKPKey:
    """The joserfc form of a key, made once per key object (the key is kept with it, so
    its id is never reused while cached; keys are not hashable)."""
    kept = _JWKS.get(id(key))
    if kept is None or kept[0] is not key:
        if len(_JWKS) > 256:
            _JWKS.clear()
        kept = _JWKS[id(key)] = (key, OKPKey.import_key(key))
    return kept[1]


def envelope_digest(envelope: Envelope) -> str:
    """SHA-256 (hex) of an envelope's JWE text as sent: what a receipt is bound to. The
    JWE's authenticated encryption covers the hop and the originator's signed message, so
    the receipt names that message too; the sender, which cannot open the JWE, can
    compute it from its outbox row."""
    return hashlib.sha256(envelope.jwe.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Receipt:
    """The receiver's answer to one envelope.

    Attributes:
        status: one of ``accepted``, ``held``, ``duplicate``, ``rejected``.
        envelope_id: the envelope's id (``"?"`` if unreadable).
        party: the receiving party.
        check: for a rejection, the failed check (``format``, ``party``, ``decrypt``,
            ``signature``, ``header``, ``replay``, ``release``); else None.
        reason: the error message, or a short note.
        marking: the marking applied on receipt (Art. 4(2)) in the receiver's script.
        cosignature: the receiver's C2SP tlog-cosignature line on the checkpoint the
            envelope carried (:mod:`gsomia.node.witness`), or None.
        cosigned_size: the size of the sender's log the receiver has cosigned last (after
            this envelope), or None: the sender's next consistency proof starts there.
        digest: :func:`envelope_digest` of the envelope answered.
        signature: compact JWS by the receiver's Ed25519 key (``kid "<PARTY>-sig"``,
            ``typ "gsomia+receipt"``, RFC 7515/8037) over all the fields above
            (:meth:`signed_fields`); None when unsigned (refused by the sender).
    """

    status: str
    envelope_id: str
    party: str
    check: str | None = None
    reason: str = ""
    marking: str | None = None
    cosignature: str | None = None
    cosigned_size: int | None = None
    digest: str | None = None
    signature: str | None = None

    @property
    def ok(self) -> bool:
        """True when the envelope is (now or already) stored by the receiver."""
        return self.status != "rejected"

    def signed_fields(self) -> dict[str, Any]:
        """The fields the signature covers (all but ``signature``), with ``v: 1``."""
        return {
            "v": 1,
            "status": self.status,
            "envelope_id": self.envelope_id,
            "party": self.party,
            "check": self.check,
            "reason": self.reason,
            "marking": self.marking,
            "cosignature": self.cosignature,
            "cosigned_size": self.cosigned_size,
            "digest": self.digest,
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the body of the inbox's answer)."""
        out = self.signed_fields()
        del out["v"]
        return {**out, "signature": self.signature}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Receipt:
        """Inverse of :meth:`to_dict` (the new fields optional: an old receiver's answer
        reads, unsigned)."""
        size = data.get("cosigned_size")
        return cls(
            str(data["status"]), str(data["envelope_id"]), str(data["party"]),
            data.get("check"), str(data.get("reason", "")), data.get("marking"),
            data.get("cosignature"), size if isinstance(size, int) else None,
            data.get("digest"), data.get("signature"),
        )

    def sign(self, keys: PartyKeys) -> Receipt:
        """This receipt signed by ``keys`` (the receiving party's)."""
        data = canonical_json(self.signed_fields()).encode()
        token = jws.serialize_compact(
            {"alg": "Ed25519", "kid": f"{keys.party}-sig", "typ": RECEIPT_TYP}, data,
            _jwk(keys.signing), registry=_JWS_REGISTRY)
        return dataclasses.replace(self, signature=token)

    def verify(self, public: PublicKeys, envelope: Envelope) -> None:
        """Check that this is ``public.party``'s signed answer to ``envelope``.

        Raises:
            EnvelopeError: check ``signature``: unsigned, not a JWS of ``public.party``
                (``typ``, ``kid``, key), signed fields other than the receipt's, or the
                receipt names another party, envelope id or digest.
        """
        eid = envelope.envelope_id
        token = self.signature
        if not isinstance(token, str) or token.count(".") != 2:
            raise EnvelopeError("signature", "receipt.signature", eid,
                                f"receipt from {public.party} is not signed")
        try:
            obj = jws.deserialize_compact(token, _jwk(public.signing), registry=_JWS_REGISTRY)
            header, body = obj.protected, json.loads(obj.payload)
        except (JoseError, ValueError, TypeError, KeyError) as exc:
            raise EnvelopeError("signature", "receipt.signature", eid,
                                f"receipt signature of {public.party} does not verify: "
                                f"{exc}") from None
        problems = [name for name, ok in (
            ("typ", header.get("typ") == RECEIPT_TYP),
            ("kid", header.get("kid") == f"{public.party}-sig"),
            ("fields", body == self.signed_fields()),
            ("party", self.party == public.party),
            ("envelope_id", self.envelope_id == eid),
            ("digest", self.digest == envelope_digest(envelope)),
        ) if not ok]
        if problems:
            raise EnvelopeError("signature", "receipt", eid,
                                f"receipt from {public.party} refused: "
                                f"{', '.join(problems)} do not match")


class Receiver(Protocol):
    """What an in-process link delivers to (a :class:`~gsomia.node.Node`)."""

    def receive(
        self, wire: Any, arrived_s: float | None = None, *, peer: str | None = None
    ) -> Receipt: ...

    def receive_batch(
        self, wires: Sequence[Any], arrived_s: float | None = None, *, peer: str | None = None
    ) -> list[Receipt]: ...


class Link(Protocol):
    """A one-way link to one peer party (optionally with ``max_batch`` and
    ``send_batch``: module notes)."""

    peer: str

    def send(self, envelope: Envelope) -> Receipt:
        """Deliver ``envelope``; return the receipt, or raise LinkError if not delivered."""
        ...

    def close(self) -> None:
        """Release the link's resources."""
        ...


class InProcessLink:
    """A link to a node in the same process, with a modelled one-way delay.

    Parameters:
        peer: the receiving party code.
        receiver: its node.
        clock: the shared clock (a :class:`~gsomia.node.SimClock` in analysis mode).
        delay_s: one-way delay [s], a number or a function returning one per envelope
            (e.g. drawn from a seeded ``numpy.random.Generator``).
        sender: the sending node's party; when given, the receiver checks that each
            envelope's hop sender is this party (as the mutual-TLS certificate does in live
            mode). None: the receiver relies on the hop signature alone.
        max_batch: most envelopes per :meth:`send_batch` (1, the default: one envelope
            per delivery, each with its own modelled delay, as analysis mode has always
            drawn them).

    Attributes:
        up: set False to model an outage: ``send`` then raises LinkError.
    """

    def __init__(
        self,
        peer: str,
        receiver: Receiver,
        clock: Clock,
        delay_s: float | Callable[[], float] = 0.0,
        sender: str | None = None,
        max_batch: int = 1,
    ) -> None:
        self.peer = peer
        self.sender = sender
        self.max_batch = max(1, min(int(max_batch), MAX_BATCH_ENVELOPES))
        self.receiver = receiver
        self.clock = clock
        self.delay_s = delay_s
        self.up = True

    def send(self, envelope: Envelope) -> Receipt:
        return self.send_batch([envelope])[0]

    def send_batch(self, envelopes: Sequence[Envelope]) -> list[Receipt]:
        """Deliver ``envelopes`` together (one modelled delay; one receiver transaction,
        :meth:`gsomia.node.Node.receive_batch`); their receipts in order."""
        if not self.up:
            raise LinkError(self.peer, "link down (modelled outage)")
        delay = self.delay_s() if callable(self.delay_s) else self.delay_s
        if delay < 0:
            raise LinkError(self.peer, f"negative modelled delay {delay} s")
        arrived_s = self.clock.now_s() + delay
        wires = [e.to_wire() for e in envelopes]
        try:
            if len(wires) == 1:  # a receiver of one envelope (Receiver.receive) will do
                return [self.receiver.receive(wires[0], arrived_s=arrived_s,
                                              peer=self.sender)]
            return self.receiver.receive_batch(wires, arrived_s=arrived_s, peer=self.sender)
        except StoreError as exc:  # not stored, so not acknowledged: the sender retries
            raise LinkError(self.peer, f"receiver could not store the envelope: {exc}") from None

    def close(self) -> None:
        return None


@dataclass(frozen=True, slots=True)
class TlsFiles:
    """PEM files for mutual TLS: own certificate and key, and the CAs trusted (partners')."""

    cert: Path
    key: Path
    trusted_cas: Path

    def client_context(self) -> ssl.SSLContext:
        """A TLS client context that checks the server against ``trusted_cas`` and shows
        our own certificate (TLS 1.2 or later)."""
        ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=str(self.trusted_cas))
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(str(self.cert), str(self.key))
        return ctx


class HttpsLink:
    """A link to a partner's node over HTTPS with mutual TLS (httpx client).

    Parameters:
        peer: the receiving party code.
        base_url: e.g. ``"https://127.0.0.1:8443"``.
        tls: own certificate/key and the trusted partner CAs.
        timeout_s: connect/read timeout [s]; a large envelope (a document with
            attachments) gets one more second per :data:`MIN_RATE_BPS` bytes, since the
            receiver answers only once it has opened and stored it.

        max_batch: most envelopes per :meth:`send_batch` (default and ceiling
            :data:`MAX_BATCH_ENVELOPES`; 1: one envelope per request, as an older node
            takes them).

    ``send`` POSTs the wire form to ``{base_url}/v1/inbox``. A 2xx or 4xx answer carries a
    :class:`Receipt`; a connection error, timeout, 5xx or one of :data:`RETRY_4XX` raises
    LinkError (retry later). Any other 4xx answer that is no receipt (403 for a refused
    certificate, 413 for an envelope over the limit, 415) is final: an unsigned
    ``rejected`` receipt of check :data:`HTTP_REFUSED` naming the status, so that the
    sender records the envelope rejected and goes on with its queue (RFC 9110 section
    15.5: the client should not repeat the request unmodified).
    ``send_batch`` POSTs ``{"envelopes": [wire, ...]}`` to ``{base_url}/v1/inbox/batch``
    and reads ``{"receipts": [receipt, ...]}``, one per envelope in order.
    """

    def __init__(self, peer: str, base_url: str, tls: TlsFiles, timeout_s: float = 5.0,
                 max_batch: int = MAX_BATCH_ENVELOPES) -> None:
        self.peer = peer
        self.base_url = base_url.rstrip("/")
        self.max_batch = max(1, min(int(max_batch), MAX_BATCH_ENVELOPES))
        # One client per link: its pool keeps the TLS connection open between envelopes
        # (no handshake per send). TCP_NODELAY: httpx writes the request head and body
        # separately; with Nagle's algorithm the body then waits for the peer's delayed
        # ACK (about 40 ms on Linux loopback) on every envelope.
        transport = httpx.HTTPTransport(
            verify=tls.client_context(),
            socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)],
        )
        self._client = httpx.Client(transport=transport, timeout=timeout_s, trust_env=False)

    def _post(self, path: str, body: dict[str, Any], size: int) -> httpx.Response:
        """POST ``body`` (``size`` bytes of JWE text) to ``path``; a 5xx or a transport
        fault raises LinkError."""
        timeout = self._client.timeout.read + size / MIN_RATE_BPS
        try:
            response = self._client.post(f"{self.base_url}{path}", json=body,
                                         timeout=httpx.Timeout(self._client.timeout.connect,
                                                               read=timeout, write=timeout))
        except httpx.HTTPError as exc:
            raise LinkError(self.peer, f"{type(exc).__name__}: {exc}") from None
        status = response.status_code
        if status >= 500 or status in RETRY_4XX:
            raise LinkError(self.peer, f"HTTP {status} from {self.base_url}")
        return response

    def send(self, envelope: Envelope) -> Receipt:
        wire = envelope.to_wire()
        response = self._post("/v1/inbox", wire, len(wire["jwe"]))
        status = response.status_code
        try:
            return Receipt.from_dict(response.json())
        except (ValueError, KeyError, TypeError):
            if 400 <= status < 500:  # refused for good: final, never retried
                return Receipt("rejected", envelope.envelope_id, self.peer, HTTP_REFUSED,
                               f"HTTP {status} from {self.base_url}: "
                               f"{response.text[:200]}")
            raise LinkError(self.peer, f"HTTP {status}: answer is not a receipt") from None

    def send_batch(self, envelopes: Sequence[Envelope]) -> list[Receipt]:
        """Deliver ``envelopes`` (at most :attr:`max_batch`) in one request; their
        receipts in order.

        Raises:
            LinkError: as :meth:`send`; also when the answer is not one receipt per
                envelope. A 4xx answer without receipts (an older node without the batch
                route: 403, 404 or 405) also sets :attr:`max_batch` to 1, so the outbox
                retries the envelopes one per request.
        """
        if len(envelopes) > self.max_batch:
            raise ValueError(f"{len(envelopes)} envelopes: more than max_batch "
                             f"{self.max_batch}")
        wires = [e.to_wire() for e in envelopes]
        response = self._post("/v1/inbox/batch", {"envelopes": wires},
                              sum(len(w["jwe"]) for w in wires))
        try:
            answers = response.json()["receipts"]
            receipts = [Receipt.from_dict(a) for a in answers]
        except (ValueError, KeyError, TypeError):
            if response.status_code >= 400:
                self.max_batch = 1
            raise LinkError(self.peer, f"HTTP {response.status_code} from "
                            f"{self.base_url}/v1/inbox/batch: answer is not a list of "
                            "receipts" + (" (sending one envelope a request from now on)"
                                          if self.max_batch == 1 else "")) from None
        if len(receipts) != len(envelopes):
            raise LinkError(self.peer, f"{len(receipts)} receipts for {len(envelopes)} "
                            "envelopes")
        return receipts

    def close(self) -> None:
        self._client.close()

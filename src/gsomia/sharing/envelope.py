"""Sealed envelopes: the originator signs label and payload together, then each hop encrypts.

Two layers, the electronic form of the double sealed envelope (Arts. 9, 12 summary):

1. **Inner, signed by the Originating Party** (JWS compact serialization, RFC 7515, with
   Ed25519 per RFC 8037, ``alg = "Ed25519"``; header ``kid = "<PARTY>-sig"``). Its payload
   is the canonical JSON (sorted keys, no spaces, UTF-8) of::

       {"v": 1, "msg_id": str, "kind": one of _KINDS, "originator": "KOR",
        "signed_at": ISO 8601 UTC, "label": {...} | null, "payload": {...},
        "release": {"to": "JPN", "route": "auto_hub", "hub": "USA" | null}}

   The label (see :func:`label_to_dict`) and the data are signed as one object, so a label
   cannot be moved to other data nor the data relabelled (STANAG 4778 in spirit). ``msg_id``
   is unique per signing: a receiver accepts each ``(originator, msg_id)`` once. ``release``:
   the originator's authorisation of this copy (addressee, route, hub; Art. 6, TISA para 4).
2. **Hop, signed by the hop sender** (JWS compact, RFC 7515, Ed25519, header
   ``kid = "<HOP SENDER>-sig"``, ``typ = "gsomia+hop"``). Its payload is the canonical JSON
   ``{"v": 1, "hop": {jti, iss, aud, iat, route, final, stream, seq}, "jws": <inner JWS>}``.
   Encrypting to a public key proves nothing about who encrypted, so the hop sender signs
   the hop fields together with the inner object (sign-then-encrypt, as a nested JWT,
   RFC 7519 §5.2 and §11.2): a partner holding a valid certificate cannot pass an item on
   while claiming to be another party, nor move a signed hop to another recipient
   (``aud`` is signed).
3. **Outer, encrypted for one Receiving Party** (JWE compact serialization, RFC 7516, with
   ``alg = "ECDH-ES+A256KW"`` on the recipient's X25519 key, RFC 8037, and
   ``enc = "A256GCM"``, ``cty = "gsomia+hop"``). Its plaintext is the hop JWS. The protected
   header, authenticated by the AEAD, repeats the hop fields: ``jti`` (envelope id), ``iat``
   (sent at, ISO 8601), ``iss`` (hop sender), ``aud`` (hop recipient), ``route``, ``final``
   (final recipient), ``stream`` and ``seq`` (order per stream); they must equal the signed
   hop fields. A hub that forwards decrypts the outer layer, keeps the inner JWS byte for
   byte, signs a new hop as itself and encrypts it anew for the next party, so the final
   recipient verifies the originator (inner JWS) and the last hop sender (hop JWS).

On the wire an :class:`Envelope` is the JSON object
``{"envelope_id", "sender", "recipient", "jwe"}``; the three plain fields must equal the
authenticated header or the envelope is rejected. An optional ``"witness"`` object (the
sender's latest signed checkpoint; :mod:`gsomia.node.witness`) rides beside the JWE.

Errors: every failed check raises :class:`~gsomia.errors.EnvelopeError` naming the check
(``format``, ``party``, ``decrypt``, ``header``, ``sender``: the hop signature does not
verify with the claimed hop sender's key, ``signature``: the originator's) and the envelope
id; a too-old or future-dated envelope raises :class:`~gsomia.errors.ReplayError`.
"""

from __future__ import annotations

import base64
import datetime as dt
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from joserfc import jwe, jws
from joserfc.errors import JoseError
from joserfc.registry import HeaderParameter

from gsomia.errors import EnvelopeError, InputError, ReplayError
from gsomia.schemas.document import MAX_ENVELOPE_BYTES
from gsomia.schemas.json_text import read_json
from gsomia.sharing.audit_hash import canonical_json
from gsomia.sharing.keys import Directory, PartyKeys, PublicKeys
from gsomia.sharing.label import Label, parse_time

__all__ = [
    "JWE_ALGORITHMS",
    "JWS_ALGORITHMS",
    "WIRE_KEYS",
    "Directory",
    "Envelope",
    "Header",
    "Opened",
    "PartyKeys",
    "PublicKeys",
    "Signed",
    "label_from_dict",
    "label_to_dict",
    "open_envelope",
    "seal",
    "sign",
    "verify",
]

#: Algorithms accepted for the inner signature (RFC 8037 §3.1).
JWS_ALGORITHMS = ("Ed25519",)
#: Algorithms accepted for the outer encryption (RFC 7518 §4.6 on X25519, RFC 8037 §3.2).
JWE_ALGORITHMS = ("ECDH-ES+A256KW", "A256GCM")
#: Keys of an envelope's wire form (:meth:`Envelope.to_wire`); any other is refused.
WIRE_KEYS = ("envelope_id", "sender", "recipient", "jwe", "witness")
_KINDS = ("item", "consent", "notice", "ack", "compromise", "investigation")
#: ``typ`` of the hop JWS and ``cty`` of the JWE that carries it.
_HOP_TYP = "gsomia+hop"

#: The hop fields of the JWE protected header, each required and type-checked by joserfc.
_HOP_HEADER = {
    "jti": HeaderParameter("envelope id", "str", required=True),
    "iss": HeaderParameter("hop sender", "str", required=True),
    "aud": HeaderParameter("hop recipient", "str", required=True),
    "iat": HeaderParameter("sent at, ISO 8601", "str", required=True),
    "route": HeaderParameter("route", "str", required=True),
    "final": HeaderParameter("final recipient", "str", required=True),
    "stream": HeaderParameter("stream name", "str", required=True),
    "seq": HeaderParameter("position in the stream", "int", required=True),
}


def _jwe_registry() -> jwe.JWERegistry:
    return jwe.JWERegistry(header_registry=_HOP_HEADER, algorithms=list(JWE_ALGORITHMS))


# Built once: joserfc registries hold only the allowed algorithms and header rules, and
# checking a header does not change them.
_JWE_REGISTRY = _jwe_registry()
_JWS_REGISTRY = jws.JWSRegistry(algorithms=list(JWS_ALGORITHMS))
# joserfc caps a JWE's ciphertext at 64 KiB and a JWS's payload at 128,000 bytes by
# default; an item with attachments is larger. The bound is the largest envelope a node's
# inbox reads (gsomia.schemas.document.MAX_ENVELOPE_BYTES), enforced there before parsing.
_JWE_REGISTRY.max_ciphertext_length = MAX_ENVELOPE_BYTES
_JWS_REGISTRY.max_payload_length = MAX_ENVELOPE_BYTES


def _canonical(obj: Any) -> bytes:
    return canonical_json(obj).encode()


def _iso(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).isoformat()


def label_to_dict(label: Label) -> dict[str, Any]:
    """The label as the JSON object :meth:`Label.from_dict` reads back (signed with the data)."""
    return {
        "item_id": label.item_id,
        "originator": label.originator,
        "classification": label.classification,
        "releasable_to": sorted(label.releasable_to),
        "topic": label.topic,
        "holder": label.holder,
        "created": None if label.created is None else _iso(label.created),
        "policy_id": label.policy_id,
        "elements": list(label.elements),
        "purpose": label.purpose,
        "privacy_mark": label.privacy_mark,
        "derived_from": [d.to_dict() for d in label.derived_from],
    }


def label_from_dict(data: Mapping[str, Any]) -> Label:
    """Inverse of :func:`label_to_dict` (raises InputError on a malformed label).

    A label read before is returned as read (the :class:`Label` is immutable), found by
    its canonical JSON among the last :data:`_LABELS_KEPT` read: an item's label, signed
    once, is checked once however many hops and parties read it."""
    try:
        key = canonical_json(data)
    except (TypeError, ValueError):  # not JSON: read, and kept nowhere
        key = None
    label = _LABELS.get(key) if key is not None else None
    if label is None:
        label = Label.from_dict({k: v for k, v in data.items() if v is not None})
        if key is not None:
            with _LABELS_LOCK:
                if len(_LABELS) >= _LABELS_KEPT:
                    del _LABELS[next(iter(_LABELS))]  # the oldest
                _LABELS[key] = label
    return label


#: How many labels :func:`label_from_dict` keeps (by canonical JSON; oldest dropped first).
_LABELS_KEPT = 4096
_LABELS: dict[str, Label] = {}
_LABELS_LOCK = threading.Lock()


@dataclass(frozen=True, slots=True)
class Signed:
    """An object signed by its Originating Party.

    Attributes:
        jws: the compact JWS (kept byte for byte when forwarded).
        msg_id: unique id of this signing.
        kind: ``"item"`` (label + data) or a label-less kind of ``_KINDS`` (Arts. 6, 17).
        originator: the signing party (the holder of an ``ack`` or Art. 17 report).
        signed_at: when it was signed (UTC).
        label: the label as JSON (None for a consent).
        payload: the data, JSON-ready.
        release: the originator's ``{"to", "route", "hub"}`` of this copy, or None.
    """

    jws: str
    msg_id: str
    kind: str
    originator: str
    signed_at: dt.datetime
    label: dict[str, Any] | None
    payload: dict[str, Any]
    release: dict[str, Any] | None = None


def sign(
    keys: PartyKeys,
    kind: str,
    payload: Mapping[str, Any],
    at: dt.datetime,
    label: Label | None = None,
    msg_id: str | None = None,
    release: Mapping[str, Any] | None = None,
) -> Signed:
    """Sign ``label`` and ``payload`` together as ``keys.party`` (RFC 7515, RFC 8037).

    Parameters:
        keys: the Originating Party's keys.
        kind: ``"item"`` (a label of originator ``keys.party``) or a kind of :data:`_KINDS`.
        payload: JSON-ready data.
        at: signing time (aware datetime).
        label: the item's label.
        msg_id: unique id; a random UUID when omitted.
        release: the release authorisation of this copy (module docstring), or None.

    Raises:
        EnvelopeError: (check ``format``) wrong kind, missing label or a label of another
            originator, payload not JSON-ready.
    """
    msg_id = msg_id or uuid.uuid4().hex
    if kind not in _KINDS:
        raise EnvelopeError("format", "kind", kind, f"expected one of {', '.join(_KINDS)}")
    if kind == "item" and (label is None or label.originator != keys.party):
        raise EnvelopeError(
            "format", "label.originator", None if label is None else label.originator,
            f"an item is signed by its originator {keys.party}",
        )
    body = {
        "v": 1,
        "msg_id": msg_id,
        "kind": kind,
        "originator": keys.party,
        "signed_at": _iso(parse_time("at", at)),
        "label": None if label is None else label_to_dict(label),
        "payload": dict(payload),
        **({} if release is None else {"release": dict(release)}),
    }
    try:
        data = _canonical(body)
    except (TypeError, ValueError) as exc:
        raise EnvelopeError("format", "payload", msg_id, f"not JSON-ready: {exc}") from None
    token = jws.serialize_compact(
        {"alg": "Ed25519", "kid": f"{keys.party}-sig", "typ": "gsomia+jws"},
        data,
        keys._jwk[0],
        registry=_JWS_REGISTRY,
    )
    return Signed(
        token, msg_id, kind, keys.party, parse_time("at", at), body["label"], body["payload"],
        release and dict(release))


def verify(token: str | bytes, directory: Directory, envelope_id: str = "?") -> Signed:
    """Verify an originator's JWS and return its content.

    The signer is named by the header's ``kid`` (``"<PARTY>-sig"``) and must equal the
    payload's ``originator`` and, for an item, the label's originator.

    Raises:
        EnvelopeError: check ``format`` (not a JWS, bad JSON or fields), ``party``
            (unknown signer) or ``signature`` (does not verify with the signer's key).
    """
    if isinstance(token, bytes):
        token = token.decode("ascii", "replace")
    try:
        header = read_json(_b64decode(token.split(".")[0]), "jws.header")
        kid = header["kid"]
    except (ValueError, KeyError, TypeError, IndexError):
        raise EnvelopeError("format", "jws.header", envelope_id, "not a compact JWS") from None
    if not isinstance(kid, str) or not kid.endswith("-sig"):
        raise EnvelopeError("format", "jws.kid", kid, "expected '<PARTY>-sig'")
    signer = kid[: -len("-sig")]
    public = directory.get(signer, envelope_id)
    try:
        obj = jws.deserialize_compact(token, public._jwk[0], registry=_JWS_REGISTRY)
    except JoseError as exc:
        raise EnvelopeError(
            "signature", "jws", envelope_id, f"signature of {signer} does not verify: {exc}"
        ) from None
    except (ValueError, TypeError) as exc:
        raise EnvelopeError("format", "jws", envelope_id, f"unreadable JWS: {exc}") from None
    try:
        body = read_json(obj.payload, "jws.payload")
        ok = (
            body.get("v") == 1
            and body.get("kind") in _KINDS
            and isinstance(body.get("msg_id"), str)
            and isinstance(body.get("payload"), dict)
            and isinstance(body.get("release"), dict | None)
        )
    except (ValueError, AttributeError):
        ok = False
    if not ok:
        raise EnvelopeError("format", "jws.payload", envelope_id, "not a gsomia signed object")
    if body.get("originator") != signer:
        raise EnvelopeError(
            "signature", "jws.originator", body.get("originator"), f"signed by {signer}"
        )
    label = body.get("label")
    own = isinstance(label, dict) and label.get("originator") == signer
    if body["kind"] == "item" and not own:
        raise EnvelopeError(
            "signature", "label.originator", None if not isinstance(label, dict)
            else label.get("originator"), f"an item must be signed by its originator ({signer})",
        )
    return Signed(
        token, body["msg_id"], body["kind"], signer,
        parse_time("signed_at", body.get("signed_at")), label, body["payload"],
        body.get("release"))


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


@dataclass(frozen=True, slots=True)
class Header:
    """The authenticated hop header of an envelope (JWE protected header).

    Attributes:
        envelope_id: unique per hop and attempt series (``jti``); a resend keeps it.
        sender: the hop sender (``iss``); recipient: the hop recipient (``aud``).
        sent_at: when first sealed (``iat``, UTC).
        route: ``"direct"``, ``"tisa"`` or ``"auto-hub"``.
        final: the final recipient (the hop recipient on a direct route).
        stream: stream name; seq: position in the stream (1, 2, …) per (sender,
            recipient, stream).
    """

    envelope_id: str
    sender: str
    recipient: str
    sent_at: dt.datetime
    route: str
    final: str
    stream: str
    seq: int

    def to_jose(self) -> dict[str, Any]:
        return {
            "jti": self.envelope_id,
            "iss": self.sender,
            "aud": self.recipient,
            "iat": _iso(self.sent_at),
            "route": self.route,
            "final": self.final,
            "stream": self.stream,
            "seq": self.seq,
        }

    @classmethod
    def from_jose(cls, h: Mapping[str, Any]) -> Header:
        try:
            seq = h["seq"]
            if not isinstance(seq, int) or seq < 1:
                raise ValueError
            return cls(
                str(h["jti"]), str(h["iss"]), str(h["aud"]), parse_time("iat", h["iat"]),
                str(h["route"]), str(h["final"]), str(h["stream"]), seq,
            )
        except (KeyError, ValueError, TypeError):
            raise EnvelopeError(
                "header", "jwe.header", h.get("jti", "?"), "missing or malformed hop fields"
            ) from None


@dataclass(frozen=True, slots=True)
class Envelope:
    """A sealed envelope as it travels (see module docstring for the wire form)."""

    envelope_id: str
    sender: str
    recipient: str
    jwe: str
    #: The hop sender's checkpoint and consistency proof (module notes), or None.
    witness: dict[str, Any] | None = None

    def to_wire(self) -> dict[str, Any]:
        """The JSON object sent on a link (``witness`` only when there is one)."""
        wire: dict[str, Any] = {"envelope_id": self.envelope_id, "sender": self.sender,
                                "recipient": self.recipient, "jwe": self.jwe}
        if self.witness is not None:
            wire["witness"] = self.witness
        return wire

    @classmethod
    def from_wire(cls, data: Any) -> Envelope:
        """Read the wire form.

        Raises:
            EnvelopeError: (check ``format``) JSON text that is not I-JSON within the limits
                of :func:`gsomia.schemas.json_text.read_json`, not an object with the four
                string fields,
                a key not of :data:`WIRE_KEYS`, or a ``witness`` that is not a JSON object.
        """
        if isinstance(data, bytes | str):  # untrusted text: read under the I-JSON limits
            try:
                data = read_json(data, "envelope")
            except InputError as exc:
                raise EnvelopeError("format", exc.field, exc.value, exc.reason) from None
        if not isinstance(data, Mapping):
            raise EnvelopeError("format", "envelope", "?", "expected a JSON object")
        fields = ("envelope_id", "sender", "recipient", "jwe")
        for key in data:
            if key not in WIRE_KEYS:
                raise EnvelopeError("format", f"envelope.{str(key)[:64]}",
                                    str(data.get("envelope_id", "?"))[:128],
                                    f"unknown key (expected one of {', '.join(WIRE_KEYS)})")
        for key in fields:
            if not isinstance(data.get(key), str) or not data.get(key):
                raise EnvelopeError(
                    "format", f"envelope.{key}", data.get("envelope_id", "?"),
                    "expected a non-empty string",
                )
        witness = data.get("witness")
        if witness is not None and not isinstance(witness, Mapping):
            raise EnvelopeError("format", "envelope.witness", data["envelope_id"],
                                "expected a JSON object")
        return cls(*(data[k] for k in fields), None if witness is None else dict(witness))


@dataclass(frozen=True, slots=True)
class Opened:
    """An opened envelope: its verified hop header and the originator's signed object."""

    header: Header
    signed: Signed


def seal(
    signed: Signed | str, header: Header, directory: Directory, sender: PartyKeys
) -> Envelope:
    """Sign the hop as ``sender`` and encrypt it for ``header.recipient`` (RFC 7515, 7516).

    Parameters:
        signed: the originator's signed object (or its compact JWS, kept byte for byte).
        header: the hop fields; ``header.sender`` must be ``sender.party``.
        directory: public keys (the recipient's encryption key is taken from it).
        sender: the hop sender's private keys (its Ed25519 key signs the hop).

    Raises:
        EnvelopeError: (check ``party``) the recipient is not in ``directory``;
            (check ``sender``) ``sender`` is not the party named in ``header.sender``.
    """
    token = signed.jws if isinstance(signed, Signed) else signed
    if sender.party != header.sender:
        raise EnvelopeError("sender", "header.sender", header.sender,
                            f"the hop is signed by {sender.party}, so it must name it")
    public = directory.get(header.recipient, header.envelope_id)
    hop = header.to_jose()
    hop_jws = jws.serialize_compact(
        {"alg": "Ed25519", "kid": f"{sender.party}-sig", "typ": _HOP_TYP},
        _canonical({"v": 1, "hop": hop, "jws": token}),
        sender._jwk[0],
        registry=_JWS_REGISTRY,
    )
    protected = {
        "alg": JWE_ALGORITHMS[0],
        "enc": JWE_ALGORITHMS[1],
        "kid": f"{header.recipient}-enc",
        "cty": _HOP_TYP,
        **hop,
    }
    token_jwe = jwe.encrypt_compact(
        protected, hop_jws.encode("ascii"), public._jwk[1], registry=_JWE_REGISTRY,
    )
    return Envelope(header.envelope_id, header.sender, header.recipient, token_jwe)


def _verify_hop(
    token: bytes, protected: Mapping[str, Any], header: Header, directory: Directory
) -> str:
    """Check the hop JWS against the claimed hop sender's key; return the inner JWS.

    Raises:
        EnvelopeError: check ``sender`` (signed by another key or party, or the signed hop
            fields differ from the encrypted header), ``format`` (not a hop JWS).
    """
    eid = header.envelope_id
    text = token.decode("ascii", "replace")
    try:
        jws_header = read_json(_b64decode(text.split(".")[0]), "hop.header")
        kid, typ = jws_header["kid"], jws_header.get("typ")
    except (ValueError, KeyError, TypeError, IndexError):
        raise EnvelopeError("format", "hop.jws", eid, "the plaintext is not a hop JWS") from None
    if typ != _HOP_TYP:
        raise EnvelopeError("format", "hop.typ", typ, f"expected {_HOP_TYP!r}")
    if kid != f"{header.sender}-sig":
        raise EnvelopeError("sender", "hop.kid", kid,
                            f"envelope {eid} claims hop sender {header.sender}")
    public = directory.get(header.sender, eid)
    try:
        obj = jws.deserialize_compact(text, public._jwk[0], registry=_JWS_REGISTRY)
        body = read_json(obj.payload, "hop.payload")
    except JoseError as exc:
        raise EnvelopeError(
            "sender", "hop.jws", eid,
            f"hop signature does not verify with {header.sender}'s key: {exc}",
        ) from None
    except (ValueError, TypeError) as exc:
        raise EnvelopeError("format", "hop.jws", eid, f"unreadable hop JWS: {exc}") from None
    if not isinstance(body, dict) or body.get("v") != 1 or not isinstance(body.get("jws"), str):
        raise EnvelopeError("format", "hop.payload", eid, "not a gsomia hop")
    signed_hop = body.get("hop")
    if not isinstance(signed_hop, dict) or any(
        signed_hop.get(k) != protected.get(k) for k in _HOP_HEADER
    ):
        raise EnvelopeError("sender", "hop.fields", eid,
                            "the signed hop fields differ from the encrypted header")
    return body["jws"]


def open_envelope(
    envelope: Envelope,
    keys: PartyKeys,
    directory: Directory,
    now: dt.datetime,
    max_age_s: float = 86_400.0,
    max_skew_s: float = 300.0,
) -> Opened:
    """Check and open an envelope addressed to ``keys.party``.

    Order of checks: addressed to us, sender known (``party``); decrypts with our key
    (``decrypt``: tampered bytes or sealed for another key); protected header equals the
    plain fields (``header``); the hop JWS verifies with the key of the hop sender named in
    ``iss`` and signs the same hop fields (``sender``); ``iat`` within
    ``[now - max_age_s, now + max_skew_s]`` (``replay``); the inner JWS verifies with its
    originator's key (``signature``).

    Raises:
        EnvelopeError, ReplayError: see above; the message names the envelope id.
    """
    eid = envelope.envelope_id
    if envelope.recipient != keys.party:
        raise EnvelopeError("header", "envelope.recipient", envelope.recipient,
                            f"this node is {keys.party}")
    directory.get(envelope.sender, eid)
    try:
        obj = jwe.decrypt_compact(envelope.jwe, keys._jwk[1], registry=_JWE_REGISTRY)
    except (JoseError, ValueError, TypeError, KeyError, IndexError) as exc:
        raise EnvelopeError(
            "decrypt", "envelope.jwe", eid, f"cannot be opened with {keys.party}'s key: {exc!r}"
        ) from None
    header = Header.from_jose(obj.protected)
    for name, plain, sealed in (
        ("envelope_id", eid, header.envelope_id),
        ("sender", envelope.sender, header.sender),
        ("recipient", envelope.recipient, header.recipient),
    ):
        if plain != sealed:
            raise EnvelopeError(
                "header", f"envelope.{name}", plain, f"sealed header says {sealed!r}"
            )
    inner = _verify_hop(obj.plaintext, obj.protected, header, directory)
    age = (now - header.sent_at).total_seconds()
    if age > max_age_s or age < -max_skew_s:
        raise ReplayError("envelope.iat", eid, f"sent at {_iso(header.sent_at)}, "
                          f"{age:.0f} s from now; accepted window [-{max_skew_s}, {max_age_s}] s")
    signed = verify(inner, directory, eid)
    return Opened(header, signed)


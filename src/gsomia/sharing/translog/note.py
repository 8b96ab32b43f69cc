"""Checkpoints as signed notes, witness cosignatures, and the witness's consistency check.

Sources (C2SP, https://c2sp.org):

- ``signed-note`` v1: a note is a text ending in a newline, a blank line, then one or more
  signature lines ``— <key name> <base64(key ID ‖ signature)>`` (U+2014 em dash). The
  text must be UTF-8 without ASCII control characters other than newline. A key name is
  non-empty, without Unicode spaces or ``+``. An Ed25519 signature (type 0x01) signs the
  text, final newline included; its key ID is ``SHA-256(name ‖ "\\n" ‖ 0x01 ‖
  public key)[:4]``. Verifiers ignore lines of unknown keys; a line whose name and key ID
  are a known key's but whose signature fails makes the whole note invalid.
- ``tlog-checkpoint`` v1: the note text is the origin line, the tree size in decimal (no
  leading zeros), the root hash in standard base64, then optional non-empty extension lines.
- ``tlog-cosignature`` v1 (Ed25519, type 0x04): key ID ``SHA-256(name ‖ "\\n" ‖ 0x04 ‖
  public key)[:4]``; the signature is ``key ID ‖ u64 big-endian time ‖ Ed25519
  signature`` over ``"cosignature/v1\\ntime <seconds>\\n"`` followed by the checkpoint text.
- ``tlog-witness`` (semantics only): a witness cosigns a checkpoint only when it is
  consistent with the latest one it cosigned for that origin (:func:`check_consistent`).

Errors are :class:`~gsomia.errors.TranslogError` naming the field (``note``,
``note.signature``, ``checkpoint.size`` …) and the value;
:class:`~gsomia.errors.InconsistentLog` for a log caught rewriting what it showed before.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from gsomia.errors import InconsistentLog, TranslogError
from gsomia.sharing.translog.tree import HASH_SIZE, verify_consistency

__all__ = [
    "COSIGNATURE_TYPE",
    "ED25519_TYPE",
    "MAX_NOTE_BYTES",
    "MAX_SIGNATURES",
    "Checkpoint",
    "NoteSignature",
    "add_signature",
    "check_consistent",
    "cosign",
    "cosignature_key_id",
    "decode_hashes",
    "encode_hashes",
    "key_id",
    "open_cosignatures",
    "open_note",
    "parse_checkpoint",
    "sign_note",
    "split_note",
    "verify_cosignature",
]

#: Signature type byte of an Ed25519 note signature (C2SP signed-note).
ED25519_TYPE = 0x01
#: Signature type byte of an Ed25519 cosignature/v1 (C2SP tlog-cosignature).
COSIGNATURE_TYPE = 0x04
#: Longest note accepted (bytes) and most signature lines (as the Go reference, 100).
MAX_NOTE_BYTES = 1 << 20
MAX_SIGNATURES = 100
_DASH = "\u2014 "
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")
_NAME = re.compile(r"[^\s+]+")
_SIZE = re.compile(r"0|[1-9][0-9]{0,19}")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str, field: str) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise TranslogError(field, text, "not standard base64") from None
    if _b64(raw) != text:
        raise TranslogError(field, text, "not canonical standard base64")
    return raw


def _raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _check_name(name: object, field: str = "name") -> str:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise TranslogError(field, name, "expected a non-empty key name without spaces or '+'")
    return name


def key_id(name: str, public_key: Ed25519PublicKey) -> bytes:
    """The 4-byte key ID of an Ed25519 note key: ``SHA-256(name ‖ 0x0A ‖ 0x01 ‖ key)[:4]``
    (C2SP signed-note)."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([ED25519_TYPE]) + _raw(public_key)
                          ).digest()[:4]


def cosignature_key_id(name: str, public_key: Ed25519PublicKey) -> bytes:
    """The 4-byte key ID of an Ed25519 cosigner: ``SHA-256(name ‖ 0x0A ‖ 0x04 ‖ key)[:4]``
    (C2SP tlog-cosignature)."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([COSIGNATURE_TYPE])
                          + _raw(public_key)).digest()[:4]


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A log's signed statement of its size and root (C2SP tlog-checkpoint).

    Attributes:
        origin: the log's unique name (first line; e.g. ``"gsomia.example/JPN/audit"``).
        size: the tree size (leaves).
        root: the 32-byte RFC 9162 root hash of the first ``size`` leaves.
        extensions: further non-empty lines, in order (not interpreted here).

    Raises:
        TranslogError: a field that cannot be written as a checkpoint (names it).
    """

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if (not isinstance(self.origin, str) or not self.origin or "\n" in self.origin
                or _CONTROL.search(self.origin)):
            raise TranslogError("checkpoint.origin", self.origin,
                                "expected a non-empty line without control characters")
        if isinstance(self.size, bool) or not isinstance(self.size, int) or not (
                0 <= self.size < 1 << 63):
            raise TranslogError("checkpoint.size", self.size, "expected an integer >= 0")
        if not isinstance(self.root, bytes) or len(self.root) != HASH_SIZE:
            raise TranslogError("checkpoint.root", self.root, f"expected {HASH_SIZE} bytes")
        for i, line in enumerate(self.extensions):
            if not isinstance(line, str) or not line or "\n" in line or _CONTROL.search(line):
                raise TranslogError(f"checkpoint.extensions[{i}]", line,
                                    "expected a non-empty line without control characters")

    def body(self) -> str:
        """The note text: ``origin\\nsize\\nbase64(root)\\n`` then the extension lines."""
        lines = [self.origin, str(self.size), _b64(self.root), *self.extensions]
        return "".join(f"{line}\n" for line in lines)


def parse_checkpoint(body: str) -> Checkpoint:
    """Read a checkpoint note text (C2SP tlog-checkpoint; no signatures).

    Raises:
        TranslogError: not newline-terminated, fewer than three lines, size not a decimal
            without leading zeros, root not 32 bytes of canonical base64, an empty line.
    """
    if not isinstance(body, str) or not body.endswith("\n"):
        raise TranslogError("checkpoint", body, "expected text ending in a newline")
    lines = body[:-1].split("\n")
    if len(lines) < 3:
        raise TranslogError("checkpoint", body, "expected origin, size and root hash lines")
    origin, size, root, *ext = lines
    if not _SIZE.fullmatch(size):
        raise TranslogError("checkpoint.size", size, "expected a decimal without leading zeros")
    raw = _unb64(root, "checkpoint.root")
    return Checkpoint(origin, int(size), raw, tuple(ext))


@dataclass(frozen=True, slots=True)
class NoteSignature:
    """One signature line of a note: key ``name``, 4-byte ``key_id`` and the rest ``sig``."""

    name: str
    key_id: bytes
    sig: bytes

    def line(self) -> str:
        """The line, without its newline."""
        return f"{_DASH}{self.name} {_b64(self.key_id + self.sig)}"


def _parse_line(line: str, field: str = "note.signature") -> NoteSignature:
    line = line.removesuffix("\n")
    if not line.startswith(_DASH):
        raise TranslogError(field, line, "expected '— <name> <base64 signature>'")
    parts = line[len(_DASH):].split(" ")
    if len(parts) != 2:
        raise TranslogError(field, line, "expected '— <name> <base64 signature>'")
    name = _check_name(parts[0], field)
    raw = _unb64(parts[1], field)
    if len(raw) < 5:
        raise TranslogError(field, line, "signature shorter than a key ID and one byte")
    return NoteSignature(name, raw[:4], raw[4:])


def _check_text(text: object, field: str) -> str:
    if not isinstance(text, str):
        raise TranslogError(field, text, "expected text")
    if len(text.encode("utf-8", "surrogatepass")) > MAX_NOTE_BYTES:
        raise TranslogError(field, f"{len(text)} characters", f"longer than {MAX_NOTE_BYTES}")
    if _CONTROL.search(text):
        raise TranslogError(field, text, "contains a control character other than newline")
    return text


def split_note(text: str) -> tuple[str, list[NoteSignature]]:
    """Split a signed note into its text (final newline kept) and signature lines.

    Raises:
        TranslogError: not a note (no blank line before signatures, a malformed
            signature line, over :data:`MAX_SIGNATURES` lines, control characters).
    """
    _check_text(text, "note")
    cut = text.rfind("\n\n")
    if cut < 0 or not text.endswith("\n"):
        raise TranslogError("note", text, "expected text, a blank line, then signature lines")
    body, sig_text = text[:cut + 1], text[cut + 2:]
    lines = sig_text[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise TranslogError("note", f"{len(lines)} signatures", f"more than {MAX_SIGNATURES}")
    return body, [_parse_line(line) for line in lines]


def sign_note(body: str, name: str, key: Ed25519PrivateKey) -> str:
    """Sign ``body`` (e.g. :meth:`Checkpoint.body`) as ``name``: the whole note text.

    Raises:
        TranslogError: ``body`` empty, not newline-terminated, with a blank line or control
            characters; ``name`` empty or with a space or ``+``.
    """
    _check_text(body, "note.text")
    if not body.endswith("\n") or "\n\n" in body or body.startswith("\n"):
        raise TranslogError("note.text", body,
                            "expected non-empty lines each ending in a newline")
    _check_name(name)
    sig = key.sign(body.encode())
    line = NoteSignature(name, key_id(name, key.public_key()), sig).line()
    return f"{body}\n{line}\n"


def add_signature(note_text: str, line: str) -> str:
    """The note with one more signature line (a cosignature, say) appended; unchanged when
    the same line is already there.

    Raises:
        TranslogError: ``note_text`` is not a note, or ``line`` not a signature line.
    """
    split_note(note_text)
    sig = _parse_line(line)
    if f"\n{sig.line()}\n" in note_text:
        return note_text
    return f"{note_text}{sig.line()}\n"


def open_note(text: str, verifiers: Mapping[str, Ed25519PublicKey]
              ) -> tuple[Checkpoint, list[str]]:
    """Verify a signed checkpoint note with the known log keys ``verifiers`` (name → key).

    Returns:
        The checkpoint and the names whose signature verified (in line order).

    Raises:
        TranslogError: malformed note or checkpoint; a line with a known key's name and
            key ID whose signature fails (``note.signature``); no line by a known key.
    """
    body, sigs = split_note(text)
    checkpoint = parse_checkpoint(body)
    good: list[str] = []
    for sig in sigs:
        key = verifiers.get(sig.name)
        if key is None or sig.key_id != key_id(sig.name, key) or sig.name in good:
            continue
        try:
            key.verify(sig.sig, body.encode())
        except InvalidSignature:
            raise TranslogError("note.signature", sig.name,
                                "signature by this key does not verify") from None
        good.append(sig.name)
    if not good:
        names = sorted({s.name for s in sigs})
        raise TranslogError("note.signature", names,
                            f"no valid signature by a known key ({sorted(verifiers)})")
    return checkpoint, good


def _cosigned_message(checkpoint: Checkpoint, time_s: int) -> bytes:
    return f"cosignature/v1\ntime {time_s}\n{checkpoint.body()}".encode()


def cosign(checkpoint: Checkpoint, name: str, key: Ed25519PrivateKey, time_s: int) -> str:
    """A witness's cosignature line on ``checkpoint`` at POSIX time ``time_s`` (seconds)
    (C2SP tlog-cosignature, Ed25519 cosignature/v1); no newline.

    The caller must first have checked the checkpoint consistent with the last one it
    cosigned for that origin (:func:`check_consistent`).

    Raises:
        TranslogError: ``name`` not a key name, ``time_s`` not in ``[0, 2**63)``.
    """
    _check_name(name)
    if isinstance(time_s, bool) or not isinstance(time_s, int) or not 0 <= time_s < 1 << 63:
        raise TranslogError("time_s", time_s, "expected an integer in [0, 2**63)")
    sig = key.sign(_cosigned_message(checkpoint, time_s))
    kid = cosignature_key_id(name, key.public_key())
    return NoteSignature(name, kid, time_s.to_bytes(8, "big") + sig).line()


def verify_cosignature(checkpoint: Checkpoint, line: str, name: str,
                       public_key: Ed25519PublicKey) -> int:
    """Check a cosignature line by the witness ``name`` on ``checkpoint``; return its time
    (POSIX seconds).

    Raises:
        TranslogError: malformed line, another name or key ID, wrong length, time over
            2**63 - 1, or the signature does not verify (``cosignature``).
    """
    sig = _parse_line(line, "cosignature")
    if sig.name != name:
        raise TranslogError("cosignature", sig.name, f"expected a line by {name!r}")
    if sig.key_id != cosignature_key_id(name, public_key):
        raise TranslogError("cosignature", name, "key ID is not this witness's cosigning key")
    if len(sig.sig) != 8 + 64:
        raise TranslogError("cosignature", name, "expected an 8-byte time and 64-byte signature")
    time_s = int.from_bytes(sig.sig[:8], "big")
    if time_s >= 1 << 63:
        raise TranslogError("cosignature", time_s, "time over 2**63 - 1")
    try:
        public_key.verify(sig.sig[8:], _cosigned_message(checkpoint, time_s))
    except InvalidSignature:
        raise TranslogError("cosignature", name,
                            f"does not verify on {checkpoint.origin} size {checkpoint.size}"
                            ) from None
    return time_s


def open_cosignatures(text: str, witnesses: Mapping[str, Ed25519PublicKey]) -> dict[str, int]:
    """The cosignatures in a note by known ``witnesses`` (name → key): name → time.

    Lines of other names or key IDs are ignored (C2SP signed-note).

    Raises:
        TranslogError: malformed note; a line with a known witness's name and cosigning
            key ID that does not verify.
    """
    body, sigs = split_note(text)
    checkpoint = parse_checkpoint(body)
    out: dict[str, int] = {}
    for sig in sigs:
        key = witnesses.get(sig.name)
        if key is not None and sig.key_id == cosignature_key_id(sig.name, key):
            out[sig.name] = verify_cosignature(checkpoint, sig.line(), sig.name, key)
    return out


def check_consistent(old: Checkpoint | None, new: Checkpoint, proof: Sequence[bytes]) -> None:
    """The witness's check (C2SP tlog-witness): ``new`` extends ``old`` append-only.

    ``old`` is the latest checkpoint of that origin already accepted (None: first sight,
    nothing to check); ``proof`` the RFC 9162 consistency proof from ``old.size`` to
    ``new.size``.

    Raises:
        TranslogError: ``old`` and ``new`` are of different origins (``checkpoint.origin``).
        InconsistentLog: the size went back (``checkpoint.size``), the same size has
            another root (``checkpoint.root``), or the proof does not verify (``proof``).
    """
    if old is None:
        return
    if old.origin != new.origin:
        raise TranslogError("checkpoint.origin", new.origin, f"expected {old.origin!r}")
    if new.size < old.size:
        raise InconsistentLog(new.origin, old.size, new.size, "checkpoint.size", new.size,
                              "the log's size went back")
    if new.size == old.size and new.root != old.root:
        raise InconsistentLog(new.origin, old.size, new.size, "checkpoint.root",
                              _b64(new.root), f"same size, another root than {_b64(old.root)}")
    if not verify_consistency(old.size, new.size, old.root, new.root, proof):
        raise InconsistentLog(new.origin, old.size, new.size, "proof",
                              f"{len(proof)} hashes",
                              "the consistency proof does not verify (history rewritten)")


def encode_hashes(hashes: Sequence[bytes]) -> list[str]:
    """Proof hashes as standard base64 strings (as C2SP tlog-witness sends them)."""
    return [_b64(bytes(h)) for h in hashes]


def decode_hashes(items: Sequence[str], field: str = "proof") -> list[bytes]:
    """Inverse of :func:`encode_hashes`.

    Raises:
        TranslogError: an item not canonical base64 of 32 bytes (names ``field[i]``).
    """
    if isinstance(items, str | bytes) or not isinstance(items, Sequence):
        raise TranslogError(field, items, "expected a list of base64 hashes")
    out = []
    for i, item in enumerate(items):
        raw = _unb64(item, f"{field}[{i}]") if isinstance(item, str) else b""
        if len(raw) != HASH_SIZE:
            raise TranslogError(f"{field}[{i}]", item, f"expected {HASH_SIZE} bytes in base64")
        out.append(raw)
    return out

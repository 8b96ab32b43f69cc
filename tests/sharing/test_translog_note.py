"""C2SP signed-note checkpoints, tlog-cosignature lines and the witness's consistency check.

Known answer: the example of Go's reference implementation of signed notes
(golang.org/x/mod/sumdb/note, package documentation and note_test.go): the key
``PeterNeumann`` (key ID c74f20a3), its two-line text and the exact signed note. Ed25519
(RFC 8032) is deterministic, so :func:`sign_note` must reproduce it byte for byte.
"""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given, settings
from hypothesis import strategies as st

from gsomia.errors import InconsistentLog, TranslogError
from gsomia.sharing.translog import (
    Checkpoint,
    add_signature,
    check_consistent,
    consistency_proof,
    cosign,
    cosignature_key_id,
    decode_hashes,
    encode_hashes,
    key_id,
    leaf_hash,
    open_cosignatures,
    open_note,
    parse_checkpoint,
    sign_note,
    split_note,
    tree_root,
    verify_cosignature,
)

GO_SEED = base64.b64decode("AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz")  # 0x01 ‖ seed
GO_PUB = base64.b64decode("ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")  # 0x01 ‖ key
GO_TEXT = ("If you think cryptography is the answer to your problem,\n"
           "then you don't know what your problem is.\n")
GO_NOTE = (GO_TEXT + "\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1"
           "FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n")

LOG_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
WITNESS_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32, 64)))
ORIGIN = "gsomia.example/JPN/audit"
WITNESS = "gsomia.example/KOR/witness"


def raw(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def checkpoint(n: int) -> Checkpoint:
    return Checkpoint(ORIGIN, n, tree_root([leaf_hash(bytes([i])) for i in range(n)]))


def test_sign_note_reproduces_the_go_reference_note() -> None:
    assert GO_SEED[0] == 1 and GO_PUB[0] == 1
    key = Ed25519PrivateKey.from_private_bytes(GO_SEED[1:])
    assert raw(key) == GO_PUB[1:]
    assert key_id("PeterNeumann", key.public_key()).hex() == "c74f20a3"
    assert sign_note(GO_TEXT, "PeterNeumann", key) == GO_NOTE
    body, sigs = split_note(GO_NOTE)
    assert body == GO_TEXT and [s.name for s in sigs] == ["PeterNeumann"]


def test_key_ids_are_computed_as_the_specs_say() -> None:
    pub = raw(LOG_KEY)
    assert key_id(ORIGIN, LOG_KEY.public_key()) == hashlib.sha256(
        ORIGIN.encode() + b"\n\x01" + pub).digest()[:4]
    assert cosignature_key_id(WITNESS, WITNESS_KEY.public_key()) == hashlib.sha256(
        WITNESS.encode() + b"\n\x04" + raw(WITNESS_KEY)).digest()[:4]


def test_checkpoint_body_and_parse_round_trip() -> None:
    cp = Checkpoint(ORIGIN, 8, bytes(range(32)), ("extension line",))
    body = cp.body()
    assert body == (f"{ORIGIN}\n8\n{base64.b64encode(bytes(range(32))).decode()}\n"
                    "extension line\n")
    assert parse_checkpoint(body) == cp


@pytest.mark.parametrize(("body", "field"), [
    (f"{ORIGIN}\n08\n{base64.b64encode(bytes(32)).decode()}\n", "checkpoint.size"),
    (f"{ORIGIN}\n-1\n{base64.b64encode(bytes(32)).decode()}\n", "checkpoint.size"),
    (f"{ORIGIN}\n1\n{base64.b64encode(bytes(31)).decode()}\n", "checkpoint.root"),
    (f"{ORIGIN}\n1\nnot base64!\n", "checkpoint.root"),
    (f"{ORIGIN}\n1\n", "checkpoint"),
    (f"{ORIGIN}\n1\n{base64.b64encode(bytes(32)).decode()}", "checkpoint"),
    (f"\n1\n{base64.b64encode(bytes(32)).decode()}\n", "checkpoint.origin"),
    (f"{ORIGIN}\n1\n{base64.b64encode(bytes(32)).decode()}\n\n", "checkpoint.extensions[0]"),
])
def test_malformed_checkpoints_name_the_field(body: str, field: str) -> None:
    with pytest.raises(TranslogError) as info:
        parse_checkpoint(body)
    assert info.value.field == field


def test_open_note_round_trip_and_failures() -> None:
    cp = checkpoint(5)
    note = sign_note(cp.body(), ORIGIN, LOG_KEY)
    got, names = open_note(note, {ORIGIN: LOG_KEY.public_key()})
    assert got == cp and names == [ORIGIN]
    with pytest.raises(TranslogError, match="no valid signature"):  # another key
        open_note(note, {ORIGIN: WITNESS_KEY.public_key()})
    with pytest.raises(TranslogError, match="no valid signature"):  # another name
        open_note(note, {"other": LOG_KEY.public_key()})
    tampered = note.replace("\n5\n", "\n6\n", 1)
    with pytest.raises(TranslogError, match="does not verify") as info:
        open_note(tampered, {ORIGIN: LOG_KEY.public_key()})
    assert info.value.field == "note.signature"
    for bad in ("", cp.body(), note.replace("\u2014", "-"), note.rstrip("\n"),
                note.replace("\n\n", "\n\x07\n")):
        with pytest.raises(TranslogError):
            open_note(bad, {ORIGIN: LOG_KEY.public_key()})


def test_unknown_signature_lines_are_ignored() -> None:
    cp = checkpoint(3)
    note = sign_note(cp.body(), ORIGIN, LOG_KEY)
    other = Ed25519PrivateKey.from_private_bytes(bytes(32))
    foreign = sign_note(cp.body(), "someone.else", other).split("\n\n")[1]
    both = add_signature(note, foreign)
    assert both == note + foreign
    assert add_signature(both, foreign) == both  # the same line is not added twice
    assert open_note(both, {ORIGIN: LOG_KEY.public_key()})[1] == [ORIGIN]
    assert open_note(both, {ORIGIN: LOG_KEY.public_key(), "someone.else": other.public_key()}
                     )[1] == [ORIGIN, "someone.else"]


def test_cosignature_layout_round_trip_and_failures() -> None:
    cp = checkpoint(7)
    line = cosign(cp, WITNESS, WITNESS_KEY, 1_700_000_000)
    name, blob = line.removeprefix("\u2014 ").split(" ")
    data = base64.b64decode(blob)
    assert name == WITNESS and len(data) == 4 + 8 + 64
    assert data[:4] == cosignature_key_id(WITNESS, WITNESS_KEY.public_key())
    assert int.from_bytes(data[4:12], "big") == 1_700_000_000
    message = f"cosignature/v1\ntime 1700000000\n{cp.body()}".encode()
    WITNESS_KEY.public_key().verify(data[12:], message)  # raises if not over that message
    assert verify_cosignature(cp, line, WITNESS, WITNESS_KEY.public_key()) == 1_700_000_000
    with pytest.raises(TranslogError, match="does not verify"):
        verify_cosignature(checkpoint(8), line, WITNESS, WITNESS_KEY.public_key())
    with pytest.raises(TranslogError, match="key ID"):
        verify_cosignature(cp, line, WITNESS, LOG_KEY.public_key())
    with pytest.raises(TranslogError, match="expected a line by"):
        verify_cosignature(cp, line, "other", WITNESS_KEY.public_key())
    note = add_signature(sign_note(cp.body(), ORIGIN, LOG_KEY), line)
    assert open_note(note, {ORIGIN: LOG_KEY.public_key()})[1] == [ORIGIN]
    assert open_cosignatures(note, {WITNESS: WITNESS_KEY.public_key()}) == {
        WITNESS: 1_700_000_000}
    # a cosignature is not a note signature of the same key (another type byte, key ID)
    with pytest.raises(TranslogError, match="no valid signature"):
        open_note(note, {WITNESS: WITNESS_KEY.public_key()})


def test_check_consistent_catches_each_kind_of_rewrite() -> None:
    leaves = [leaf_hash(bytes([i])) for i in range(9)]
    old, new = checkpoint(5), checkpoint(9)
    check_consistent(None, new, [])
    check_consistent(old, new, consistency_proof(leaves, 5))
    check_consistent(new, new, [])
    with pytest.raises(InconsistentLog) as info:
        check_consistent(new, old, [])
    assert info.value.field == "checkpoint.size" and (info.value.old_size,
                                                      info.value.new_size) == (9, 5)
    forged = Checkpoint(ORIGIN, 9, tree_root([leaf_hash(b"x"), *leaves[1:]]))
    with pytest.raises(InconsistentLog) as info:
        check_consistent(new, forged, [])
    assert info.value.field == "checkpoint.root"
    with pytest.raises(InconsistentLog) as info:
        check_consistent(old, forged, consistency_proof(leaves, 5))
    assert info.value.field == "proof"
    with pytest.raises(TranslogError) as info:
        check_consistent(Checkpoint("other", 1, bytes(32)), new, [])
    assert info.value.field == "checkpoint.origin"


def test_proof_hashes_encode_and_decode() -> None:
    hashes = [leaf_hash(b"a"), leaf_hash(b"b")]
    assert decode_hashes(encode_hashes(hashes)) == hashes
    with pytest.raises(TranslogError) as info:
        decode_hashes([encode_hashes(hashes)[0], "AAAA"])
    assert info.value.field == "proof[1]"


@settings(max_examples=40, deadline=None)
@given(size=st.integers(0, 2**40), root=st.binary(min_size=32, max_size=32),
       flip=st.integers(0, 10_000))
def test_any_changed_character_of_a_signed_checkpoint_fails(size: int, root: bytes,
                                                            flip: int) -> None:
    cp = Checkpoint(ORIGIN, size, root)
    note = sign_note(cp.body(), ORIGIN, LOG_KEY)
    assert open_note(note, {ORIGIN: LOG_KEY.public_key()})[0] == cp
    body = cp.body()
    i = flip % len(body)
    if body[i] == "\n":
        return
    changed = body[:i] + ("A" if body[i] != "A" else "B") + body[i + 1:]
    with pytest.raises(TranslogError):
        open_note(changed + note[len(body):], {ORIGIN: LOG_KEY.public_key()})

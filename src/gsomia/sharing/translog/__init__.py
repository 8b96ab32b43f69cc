"""A transparency log's pure parts: RFC 9162 Merkle proofs, checkpoints, cosignatures.

No database here: :mod:`.tree` has the Merkle Tree Hash and its proofs over any
:class:`~gsomia.sharing.translog.tree.HashSource`; :mod:`.note` has C2SP signed-note
checkpoints, tlog-cosignature lines and the witness's consistency check. The audit log
(:mod:`gsomia.sharing.audit`) stores a tree of its records with these.
"""

from gsomia.sharing.translog.note import (
    Checkpoint,
    NoteSignature,
    add_signature,
    check_consistent,
    cosign,
    cosignature_key_id,
    decode_hashes,
    encode_hashes,
    key_id,
    open_cosignatures,
    open_note,
    parse_checkpoint,
    sign_note,
    split_note,
    verify_cosignature,
)
from gsomia.sharing.translog.tree import (
    EMPTY_ROOT,
    HASH_SIZE,
    CompactRange,
    HashSource,
    MemoryHashes,
    consistency_proof,
    consistency_proof_from,
    inclusion_proof,
    inclusion_proof_from,
    leaf_hash,
    node_hash,
    range_keys,
    root_from,
    tree_root,
    verify_consistency,
    verify_inclusion,
)

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "Checkpoint",
    "CompactRange",
    "HashSource",
    "MemoryHashes",
    "NoteSignature",
    "add_signature",
    "check_consistent",
    "consistency_proof",
    "consistency_proof_from",
    "cosign",
    "cosignature_key_id",
    "decode_hashes",
    "encode_hashes",
    "inclusion_proof",
    "inclusion_proof_from",
    "key_id",
    "leaf_hash",
    "node_hash",
    "open_cosignatures",
    "open_note",
    "parse_checkpoint",
    "range_keys",
    "root_from",
    "sign_note",
    "split_note",
    "tree_root",
    "verify_consistency",
    "verify_cosignature",
    "verify_inclusion",
]

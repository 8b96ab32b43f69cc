"""Merkle Tree Hash, inclusion and consistency proofs (RFC 9162 §2.1, SHA-256).

Source: RFC 9162 (Certificate Transparency 2.0) §2.1.1 (MTH), §2.1.3 (inclusion proofs:
generation §2.1.3.1, verification §2.1.3.2) and §2.1.4 (consistency proofs: generation
§2.1.4.1, verification §2.1.4.2); the same tree as RFC 6962 §2.1.

- a leaf is ``leaf_hash(d) = SHA-256(0x00 ‖ d)``, an inner node
  ``node_hash(l, r) = SHA-256(0x01 ‖ l ‖ r)``; the empty tree's root is SHA-256 of the
  empty string (:data:`EMPTY_ROOT`);
- every hash is 32 bytes; indexes are 0-based leaf positions, sizes are leaf counts.

Stored subtrees
---------------

A *perfect subtree* ``(level, index)`` covers the ``2**level`` leaves
``[index·2**level, (index+1)·2**level)``; level 0 is the leaf hashes themselves. Every
subtree the RFC's recursion reaches (its left halves, and the right halves that are
themselves split again) starts on a multiple of a power of two at least its size, so it
is a run of at most ``log2(n)+1`` perfect subtrees, largest first, folded from the right
(:func:`range_keys`). A store that keeps every perfect subtree hash (a log appends each
when it completes: :class:`CompactRange`) answers a root at any size, an inclusion proof
or a consistency proof with ``O(log n)`` hashes read, fetched at once through the
one-method :class:`HashSource`. The list-based functions (:func:`tree_root`,
:func:`inclusion_proof`, :func:`consistency_proof`) are thin wrappers over an in-memory
source (:class:`MemoryHashes`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Protocol

from gsomia.errors import TranslogError

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "CompactRange",
    "HashSource",
    "MemoryHashes",
    "consistency_proof",
    "consistency_proof_from",
    "inclusion_proof",
    "inclusion_proof_from",
    "leaf_hash",
    "node_hash",
    "range_keys",
    "root_from",
    "tree_root",
    "verify_consistency",
    "verify_inclusion",
]

#: Bytes in every hash (SHA-256).
HASH_SIZE = 32
#: Root of the empty tree: SHA-256 of the empty string (RFC 9162 §2.1.1).
EMPTY_ROOT = hashlib.sha256(b"").digest()

Key = tuple[int, int]


def leaf_hash(data: bytes) -> bytes:
    """``SHA-256(0x00 ‖ data)``: the hash of one leaf (RFC 9162 §2.1.1)."""
    return hashlib.sha256(b"\x00" + bytes(data)).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """``SHA-256(0x01 ‖ left ‖ right)``: an inner node (RFC 9162 §2.1.1)."""
    return hashlib.sha256(b"\x01" + bytes(left) + bytes(right)).digest()


class HashSource(Protocol):
    """Where perfect-subtree hashes are read from (memory, a database table)."""

    def get_many(self, keys: Sequence[Key]) -> list[bytes]:
        """The hashes of the perfect subtrees ``(level, index)``, in the order asked.

        Raises:
            TranslogError (or a store's own error): a subtree is not stored.
        """
        ...  # pragma: no cover


def _split(n: int) -> int:
    """The largest power of two strictly less than ``n`` (``n`` ≥ 2; RFC 9162 §2.1.1)."""
    return 1 << ((n - 1).bit_length() - 1)


def _check_size(field: str, value: object, low: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise TranslogError(field, value, f"expected an integer >= {low}")
    return value


def range_keys(start: int, end: int) -> list[Key]:
    """The perfect subtrees ``(level, index)`` that make up leaves ``[start, end)``,
    largest (leftmost) first; their fold from the right is ``MTH(D[start:end])``.

    Only for ranges the RFC recursion reaches: ``start`` a multiple of the smallest power
    of two ≥ ``end - start`` (always true for ``start = 0``).

    Raises:
        TranslogError: an empty or unaligned range.
    """
    n = end - start
    if n <= 0 or start % (1 << (n - 1).bit_length()):
        raise TranslogError("range", (start, end), "not a subtree the RFC 9162 recursion uses")
    keys = []
    for level in range(n.bit_length() - 1, -1, -1):
        if n >> level & 1:
            keys.append((level, start >> level))
            start += 1 << level
    return keys


def _fold(hashes: Sequence[bytes]) -> bytes:
    """Fold perfect-subtree hashes (largest first) from the right into one root."""
    root = hashes[-1]
    for h in reversed(hashes[:-1]):
        root = node_hash(h, root)
    return root


def _resolve(source: HashSource, ranges: Sequence[tuple[int, int]]) -> list[bytes]:
    """``MTH`` of each range, reading every needed perfect subtree in one ``get_many``."""
    plans = [range_keys(a, b) for a, b in ranges]
    wanted = sorted({k for plan in plans for k in plan})
    got = dict(zip(wanted, source.get_many(wanted), strict=True))
    return [_fold([got[k] for k in plan]) for plan in plans]


def _inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The subtrees whose roots make ``PATH(index, D[0:size])`` (RFC 9162 §2.1.3.1),
    in proof order (next to the leaf first)."""
    out = []
    start, end = 0, size
    while end - start > 1:
        mid = start + _split(end - start)
        if index < mid:
            out.append((mid, end))
            end = mid
        else:
            out.append((start, mid))
            start = mid
    return out[::-1]


def _consistency_ranges(old_size: int, new_size: int) -> list[tuple[int, int]]:
    """The subtrees whose roots make ``PROOF(old_size, D[0:new_size])``
    (RFC 9162 §2.1.4.1, ``SUBPROOF`` unrolled), in proof order."""
    out = []
    start, end, m, whole = 0, new_size, old_size, True
    while m != end - start:
        k = _split(end - start)
        if m <= k:
            out.append((start + k, end))
            end = start + k
        else:
            out.append((start, start + k))
            m -= k
            start += k
            whole = False
    if not whole:
        out.append((start, end))
    return out[::-1]


def root_from(source: HashSource, size: int) -> bytes:
    """The root of the first ``size`` leaves, from stored perfect subtrees (≤ log2 n + 1
    hashes read). ``size`` 0 gives :data:`EMPTY_ROOT`.

    Raises:
        TranslogError: ``size`` negative or not an integer.
    """
    _check_size("size", size)
    return EMPTY_ROOT if size == 0 else _resolve(source, [(0, size)])[0]


def inclusion_proof_from(source: HashSource, index: int, size: int) -> list[bytes]:
    """The inclusion proof of leaf ``index`` in the tree of ``size`` leaves (RFC 9162
    §2.1.3.1), from stored perfect subtrees: at most ``ceil(log2 size)`` hashes.

    Raises:
        TranslogError: ``size`` < 1, or ``index`` not in ``[0, size)``.
    """
    _check_size("size", size, 1)
    _check_size("index", index)
    if index >= size:
        raise TranslogError("index", index, f"expected an index below the tree size {size}")
    return _resolve(source, _inclusion_ranges(index, size))


def consistency_proof_from(source: HashSource, old_size: int, new_size: int) -> list[bytes]:
    """The consistency proof from the tree of ``old_size`` leaves to that of ``new_size``
    (RFC 9162 §2.1.4.1), from stored perfect subtrees. Empty when ``old_size`` is 0 or
    equals ``new_size`` (nothing to prove).

    Raises:
        TranslogError: a size negative, or ``old_size`` > ``new_size``.
    """
    _check_size("old_size", old_size)
    _check_size("new_size", new_size)
    if old_size > new_size:
        raise TranslogError("old_size", old_size, f"expected at most new_size {new_size}")
    if old_size in (0, new_size):
        return []
    return _resolve(source, _consistency_ranges(old_size, new_size))


class MemoryHashes:
    """Every perfect subtree of a list of leaf hashes, in memory (a :class:`HashSource`).

    Built in ``O(n)`` hashes; ``levels[l][i]`` is subtree ``(l, i)``.
    """

    def __init__(self, leaf_hashes: Sequence[bytes]) -> None:
        self.levels: list[list[bytes]] = [[bytes(h) for h in leaf_hashes]]
        while len(self.levels[-1]) > 1:
            below = self.levels[-1]
            self.levels.append(
                [node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)])

    def get_many(self, keys: Sequence[Key]) -> list[bytes]:
        """See :class:`HashSource`."""
        try:
            return [self.levels[level][index] for level, index in keys]
        except IndexError:
            raise TranslogError("subtree", list(keys), "not in this tree") from None


def tree_root(leaf_hashes: Sequence[bytes]) -> bytes:
    """``MTH`` of the leaves whose hashes are given (RFC 9162 §2.1.1); empty → EMPTY_ROOT."""
    compact = CompactRange()
    for h in leaf_hashes:
        compact.append(h)
    return compact.root()


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int) -> list[bytes]:
    """The inclusion proof of leaf ``index`` in the tree of all ``leaf_hashes``
    (RFC 9162 §2.1.3.1). Raises TranslogError as :func:`inclusion_proof_from`."""
    return inclusion_proof_from(MemoryHashes(leaf_hashes), index, len(leaf_hashes))


def consistency_proof(leaf_hashes: Sequence[bytes], old_size: int) -> list[bytes]:
    """The consistency proof from the first ``old_size`` leaves to all ``leaf_hashes``
    (RFC 9162 §2.1.4.1). Raises TranslogError as :func:`consistency_proof_from`."""
    return consistency_proof_from(MemoryHashes(leaf_hashes), old_size, len(leaf_hashes))


def _is_hash(value: object) -> bool:
    return isinstance(value, bytes | bytearray) and len(value) == HASH_SIZE


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes],
                     root: bytes) -> bool:
    """True when ``proof`` shows the leaf with hash ``leaf`` at ``index`` in the tree of
    ``size`` leaves whose root is ``root`` (RFC 9162 §2.1.3.2, step by step).

    Never raises: a malformed argument (wrong hash length, index out of range) is False.
    """
    if not (_is_hash(leaf) and _is_hash(root) and _is_count(index) and _is_count(size)):
        return False
    if index >= size or not all(_is_hash(p) for p in proof):
        return False
    fn, sn, r = index, size - 1, bytes(leaf)
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes,
                       proof: Sequence[bytes]) -> bool:
    """True when ``proof`` shows the tree of ``old_size`` leaves with root ``old_root`` is
    a prefix of the tree of ``new_size`` leaves with root ``new_root`` (RFC 9162
    §2.1.4.2, step by step).

    Edge cases the RFC leaves to the caller: ``old_size == new_size`` holds when the proof
    is empty and the roots are equal; ``old_size == 0`` holds when the proof is empty and
    ``old_root`` is :data:`EMPTY_ROOT` (the empty tree is a prefix of every tree).
    Never raises: a malformed argument is False.
    """
    if not (_is_hash(old_root) and _is_hash(new_root)):
        return False
    if not (_is_count(old_size) and _is_count(new_size)) or old_size > new_size:
        return False
    if not all(_is_hash(p) for p in proof):
        return False
    if old_size == 0:
        return not proof and old_root == EMPTY_ROOT
    if old_size == new_size:
        return not proof and old_root == new_root
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # an exact power of 2: the old root is a node
        path.insert(0, bytes(old_root))
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == old_root and sr == new_root and sn == 0


class CompactRange:
    """The right edge of a growing tree: the perfect subtrees covering ``[0, size)``.

    What a log keeps to append: each :meth:`append` returns the perfect subtrees it
    completes (the new leaf at level 0, and every node it closes), which a store writes;
    :meth:`root` is the current root. Load one from a store with :meth:`load`.

    Attributes:
        size: leaves so far.
        hashes: the covering subtrees' hashes, largest first (``range_keys(0, size)``).
    """

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        _check_size("size", size)
        if len(hashes) != size.bit_count():
            raise TranslogError("hashes", len(hashes),
                                f"a tree of {size} leaves has {size.bit_count()} edge subtrees")
        self.size = size
        self.hashes = [bytes(h) for h in hashes]

    @classmethod
    def load(cls, source: HashSource, size: int) -> CompactRange:
        """The compact range of the first ``size`` leaves of a stored tree."""
        _check_size("size", size)
        return cls(size, source.get_many(range_keys(0, size)) if size else [])

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add a leaf hash; return the perfect subtrees ``(level, index, hash)`` it
        completes, the leaf itself first."""
        index = self.size
        new = [(0, index, bytes(leaf))]
        h, level = bytes(leaf), 0
        while index >> level & 1:  # a left sibling at this level: close the parent
            h = node_hash(self.hashes.pop(), h)
            level += 1
            new.append((level, index >> level, h))
        self.hashes.append(h)
        self.size += 1
        return new

    def root(self) -> bytes:
        """The root of the tree so far (:data:`EMPTY_ROOT` when empty)."""
        return _fold(self.hashes) if self.hashes else EMPTY_ROOT

"""RFC 9162 §2.1 Merkle Tree Hash and proofs: reference vectors, a naive oracle, Hypothesis.

Vectors: the Certificate Transparency reference test data (the 8 leaves of the RFC 6962
test data and the roots of every prefix, the node hashes of the 8-leaf tree, and the
inclusion and consistency proofs), as published in Google's certificate-transparency
test suite and carried into github.com/transparency-dev/merkle, files
``testonly/constants.go`` (LeafInputs, NodeHashes, RootHashes) and ``proof/verify_test.go``
(inclusionProofs, consistencyProofs; there leaf numbers are 1-based).
"""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gsomia.errors import TranslogError
from gsomia.sharing.translog import (
    EMPTY_ROOT,
    CompactRange,
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

LEAVES = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
    "606162636465666768696a6b6c6d6e6f")]
#: RootHashes()[1:]: root of the first n leaves, n = 1..8.
ROOTS = [bytes.fromhex(h) for h in (
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
)]
#: NodeHashes(): the perfect subtrees of the 8-leaf tree, by level.
NODES = [[bytes.fromhex(h) for h in level] for level in (
    ("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
     "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
     "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
     "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
     "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
     "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
     "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
     "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1"),
    ("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
     "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
     "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
     "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
    ("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
     "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
    ("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",),
)]
#: inclusionProofs (0-based index, tree size, path).
INCLUSION = [
    (0, 1, []),
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]
#: consistencyProofs (old size, new size, proof).
CONSISTENCY = [
    (1, 1, []),
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    (6, 7, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
]
HASHES = [leaf_hash(d) for d in LEAVES]


def naive_mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1 written as it reads: the second oracle."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + naive_mth(leaves[:k]) + naive_mth(leaves[k:])).digest()


def test_empty_tree_is_sha256_of_nothing() -> None:
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert tree_root([]) == EMPTY_ROOT


@pytest.mark.parametrize("n", range(1, 9))
def test_roots_of_every_prefix_match_the_reference(n: int) -> None:
    assert tree_root(HASHES[:n]) == ROOTS[n - 1]
    assert naive_mth(LEAVES[:n]) == ROOTS[n - 1]
    assert root_from(MemoryHashes(HASHES), n) == ROOTS[n - 1]


def test_node_hashes_match_the_reference() -> None:
    assert MemoryHashes(HASHES).levels == NODES
    assert node_hash(NODES[0][0], NODES[0][1]) == NODES[1][0]


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION)
def test_inclusion_proofs_match_the_reference(index: int, size: int, path: list[str]) -> None:
    proof = inclusion_proof(HASHES[:size], index)
    assert [p.hex() for p in proof] == path
    assert verify_inclusion(HASHES[index], index, size, proof, ROOTS[size - 1])


@pytest.mark.parametrize(("old", "new", "path"), CONSISTENCY)
def test_consistency_proofs_match_the_reference(old: int, new: int, path: list[str]) -> None:
    proof = consistency_proof(HASHES[:new], old)
    assert [p.hex() for p in proof] == path
    assert verify_consistency(old, new, ROOTS[old - 1], ROOTS[new - 1], proof)


def test_range_keys_cover_a_prefix_by_its_binary_digits() -> None:
    assert range_keys(0, 7) == [(2, 0), (1, 2), (0, 6)]
    assert range_keys(4, 7) == [(1, 2), (0, 6)]
    assert range_keys(0, 8) == [(3, 0)]
    with pytest.raises(TranslogError, match="range"):
        range_keys(2, 5)  # a range the recursion never asks for


def test_compact_range_emits_each_perfect_subtree_once() -> None:
    compact = CompactRange()
    emitted = {}
    for h in HASHES:
        for level, index, value in compact.append(h):
            assert (level, index) not in emitted
            emitted[level, index] = value
    assert emitted == {(lv, i): h for lv, row in enumerate(NODES) for i, h in enumerate(row)}
    assert compact.root() == ROOTS[-1]
    loaded = CompactRange.load(MemoryHashes(HASHES), 7)
    assert loaded.root() == ROOTS[6]


def test_bad_arguments_are_refused_or_false() -> None:
    with pytest.raises(TranslogError, match="index=8"):
        inclusion_proof(HASHES, 8)
    with pytest.raises(TranslogError, match="old_size=9"):
        consistency_proof(HASHES, 9)
    with pytest.raises(TranslogError, match="size"):
        root_from(MemoryHashes(HASHES), -1)
    assert not verify_inclusion(HASHES[0], 0, 0, [], EMPTY_ROOT)
    assert not verify_inclusion(HASHES[0], 1, 1, [], HASHES[0])
    assert not verify_inclusion(b"short", 0, 1, [], HASHES[0])
    assert not verify_consistency(2, 1, ROOTS[1], ROOTS[0], [])
    assert not verify_consistency(1, 2, ROOTS[0], ROOTS[1], [])  # empty proof
    assert verify_consistency(0, 5, EMPTY_ROOT, ROOTS[4], [])
    assert not verify_consistency(0, 5, ROOTS[0], ROOTS[4], [])
    assert not verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT])
    assert not verify_consistency(3, 3, ROOTS[2], ROOTS[3], [])


def _flip(proof: list[bytes], i: int, byte: int) -> list[bytes]:
    out = list(proof)
    b = bytearray(out[i])
    b[byte] ^= 0x01
    out[i] = bytes(b)
    return out


@st.composite
def trees(draw: st.DrawFn) -> list[bytes]:
    n = draw(st.integers(1, 70))
    seed = draw(st.binary(min_size=0, max_size=4))
    return [leaf_hash(seed + i.to_bytes(4, "big")) for i in range(n)]


@settings(max_examples=60, deadline=None)
@given(leaves=trees(), data=st.data())
def test_every_inclusion_proof_verifies_and_any_change_fails(leaves: list[bytes],
                                                              data: st.DataObject) -> None:
    n = len(leaves)
    source = MemoryHashes(leaves)
    roots = [naive_mth_of_hashes(leaves[:k]) for k in range(n + 1)]
    for size in range(1, n + 1):
        assert root_from(source, size) == roots[size]
        for index in range(size):
            proof = inclusion_proof_from(source, index, size)
            assert verify_inclusion(leaves[index], index, size, proof, roots[size])
    size = data.draw(st.integers(1, n))
    index = data.draw(st.integers(0, size - 1))
    proof = inclusion_proof(leaves[:size], index)
    root = roots[size]
    for i in range(len(proof)):
        for byte in (0, 17, 31):
            assert not verify_inclusion(leaves[index], index, size, _flip(proof, i, byte), root)
    for other in range(n + 2):  # another index: the proof does not show that leaf there
        if other != index:
            assert not verify_inclusion(leaves[index], other, size, proof, root)
    for other_size in range(1, n + 1):  # another tree (size and its root)
        if other_size != size:
            assert not verify_inclusion(leaves[index], index, other_size, proof,
                                        roots[other_size])
    assert not verify_inclusion(leaves[index], index, 2 * size, proof, root)
    assert not verify_inclusion(leaves[index], index, size, proof, _flip([root], 0, 5)[0])
    assert not verify_inclusion(_flip([leaves[index]], 0, 9)[0], index, size, proof, root)
    assert not verify_inclusion(leaves[index], index, size, [*proof, root], root)
    if proof:
        assert not verify_inclusion(leaves[index], index, size, proof[:-1], root)


def naive_mth_of_hashes(hashes: list[bytes]) -> bytes:
    """As :func:`naive_mth`, from leaf hashes."""
    if not hashes:
        return hashlib.sha256(b"").digest()
    if len(hashes) == 1:
        return hashes[0]
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    return node_hash(naive_mth_of_hashes(hashes[:k]), naive_mth_of_hashes(hashes[k:]))


@settings(max_examples=60, deadline=None)
@given(leaves=trees(), data=st.data())
def test_every_consistency_proof_verifies_and_any_change_fails(leaves: list[bytes],
                                                                data: st.DataObject) -> None:
    n = len(leaves)
    source = MemoryHashes(leaves)
    roots = [naive_mth_of_hashes(leaves[:k]) for k in range(n + 1)]
    for new in range(1, n + 1):
        for old in range(0, new + 1):
            proof = consistency_proof_from(source, old, new)
            assert verify_consistency(old, new, roots[old], roots[new], proof)
    new = data.draw(st.integers(2, max(2, n)).filter(lambda k: k <= n))
    old = data.draw(st.integers(1, new - 1))
    proof = consistency_proof(leaves[:new], old)
    for i in range(len(proof)):
        for byte in (0, 13, 31):
            assert not verify_consistency(old, new, roots[old], roots[new], _flip(proof, i, byte))
    assert not verify_consistency(old, new, _flip([roots[old]], 0, 2)[0], roots[new], proof)
    assert not verify_consistency(old, new, roots[old], _flip([roots[new]], 0, 2)[0], proof)
    assert not verify_consistency(old, new, roots[new], roots[old], proof)
    for other in range(1, n + 1):  # another pair of trees (sizes with their roots)
        if other != old and other <= new:
            assert not verify_consistency(other, new, roots[other], roots[new], proof)
        if other != new and other >= old:
            assert not verify_consistency(old, other, roots[old], roots[other], proof)
    assert not verify_consistency(old, new, roots[old], roots[new], proof[:-1])
    assert not verify_consistency(old, new, roots[old], roots[new], [*proof, roots[new]])
    assert not verify_consistency(old, new, roots[old], roots[new], [roots[old], *proof])


@settings(max_examples=40, deadline=None)
@given(leaves=trees(), data=st.data())
def test_a_changed_leaf_changes_every_root_that_covers_it(leaves: list[bytes],
                                                          data: st.DataObject) -> None:
    n = len(leaves)
    index = data.draw(st.integers(0, n - 1))
    changed = list(leaves)
    changed[index] = _flip([leaves[index]], 0, data.draw(st.integers(0, 31)))[0]
    for size in range(index + 1, n + 1):
        assert tree_root(changed[:size]) != tree_root(leaves[:size])
        proof = inclusion_proof(leaves[:size], index)
        assert not verify_inclusion(changed[index], index, size, proof, tree_root(leaves[:size]))

"""The ledger's Merkle tree against RFC 6962's recursive definitions and known vectors."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matching import merkle

# The test inputs and roots used by Certificate Transparency implementations.
CT_INPUTS = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
]
CT_ROOT_1 = "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
CT_ROOT_8 = "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"


def mth(entries: list[bytes]) -> bytes:
    """RFC 6962 §2.1 MTH, written as the RFC states it."""
    n = len(entries)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + entries[0]).digest()
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + mth(entries[:k]) + mth(entries[k:])).digest()


def path(m: int, entries: list[bytes]) -> list[bytes]:
    n = len(entries)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return [*path(m, entries[:k]), mth(entries[k:])]
    return [*path(m - k, entries[k:]), mth(entries[:k])]


def subproof(m: int, entries: list[bytes], whole: bool) -> list[bytes]:
    n = len(entries)
    if m == n:
        return [] if whole else [mth(entries)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*subproof(m, entries[:k], whole), mth(entries[k:])]
    return [*subproof(m - k, entries[k:], False), mth(entries[:k])]


def reader(entries: list[bytes]) -> merkle.NodeReader:
    def node(level: int, index: int) -> bytes:
        width = 1 << level
        return mth(entries[index * width : (index + 1) * width])

    return node


def stored_reader(entries: list[bytes]) -> merkle.NodeReader:
    """Nodes as the ledger stores them: leaves plus what ``extend`` reported complete."""
    leaves = [merkle.leaf_hash(e) for e in entries]
    _, _, nodes = merkle.extend(0, [], leaves)
    table = {(0, i): h for i, h in enumerate(leaves)}
    table.update({(level, index): h for level, index, h in nodes})
    return lambda level, index: table[(level, index)]


def test_known_roots() -> None:
    assert merkle.root_of_leaves([merkle.leaf_hash(CT_INPUTS[0])])[1].hex() == CT_ROOT_1
    leaves = [merkle.leaf_hash(e) for e in CT_INPUTS]
    assert merkle.root_of_leaves(leaves) == (8, bytes.fromhex(CT_ROOT_8))
    assert merkle.root_of_leaves([]) == (0, merkle.EMPTY_ROOT)


entries_strategy = st.lists(st.binary(max_size=6), min_size=1, max_size=40)


@given(entries_strategy)
def test_root_matches_rfc_definition(entries: list[bytes]) -> None:
    assert merkle.root_of_leaves(merkle.leaf_hash(e) for e in entries)[1] == mth(entries)
    assert merkle.range_hash(0, len(entries), stored_reader(entries)) == mth(entries)


@given(entries_strategy, st.data())
def test_incremental_extension_equals_whole_tree(entries: list[bytes], data: st.DataObject) -> None:
    cut = data.draw(st.integers(0, len(entries)))
    leaves = [merkle.leaf_hash(e) for e in entries]
    size, frontier, first_nodes = merkle.extend(0, [], leaves[:cut])
    table = {(0, i): h for i, h in enumerate(leaves)}
    table.update({(lv, ix): h for lv, ix, h in first_nodes})
    assert frontier == [table[c] for c in merkle.frontier_coordinates(size)]
    size, frontier, more = merkle.extend(size, frontier, leaves[cut:])
    assert size == len(entries)
    assert merkle.root_of_frontier(frontier) == mth(entries)
    _, _, all_at_once = merkle.extend(0, [], leaves)
    assert sorted(first_nodes + more) == sorted(all_at_once)


@given(entries_strategy, st.data())
def test_inclusion_proofs(entries: list[bytes], data: st.DataObject) -> None:
    n = len(entries)
    size = data.draw(st.integers(1, n))
    index = data.draw(st.integers(0, size - 1))
    proof = merkle.inclusion_path(index, size, stored_reader(entries))
    assert proof == path(index, entries[:size])
    root = mth(entries[:size])
    merkle.verify_inclusion(merkle.leaf_hash(entries[index]), index, size, proof, root)
    with pytest.raises(merkle.ProofError):
        merkle.verify_inclusion(merkle.leaf_hash(entries[index] + b"!"), index, size, proof, root)
    if size > 1:
        with pytest.raises(merkle.ProofError):
            other = (index + 1) % size
            if entries[other] != entries[index]:
                merkle.verify_inclusion(merkle.leaf_hash(entries[index]), other, size, proof, root)
            else:
                raise merkle.ProofError("same entry twice: nothing to distinguish")


@given(entries_strategy, st.data())
def test_consistency_proofs(entries: list[bytes], data: st.DataObject) -> None:
    n = len(entries)
    second = data.draw(st.integers(1, n))
    first = data.draw(st.integers(1, second))
    proof = merkle.consistency_proof(first, second, stored_reader(entries))
    assert proof == subproof(first, entries[:second], True)
    old, new = mth(entries[:first]), mth(entries[:second])
    merkle.verify_consistency(first, second, old, new, proof)
    if first < second:
        forged = mth([b"rewritten", *entries[1:first]])
        with pytest.raises(merkle.ProofError):
            merkle.verify_consistency(first, second, forged, new, proof)


def test_nodes_needed_are_few_and_sufficient() -> None:
    entries = [str(i).encode() for i in range(1000)]
    wanted = merkle.nodes_needed(lambda node: merkle.inclusion_path(517, 1000, node))
    assert len(wanted) <= 2 * 10
    full = stored_reader(entries)
    table = {c: full(*c) for c in wanted}
    proof = merkle.inclusion_path(517, 1000, lambda lv, ix: table[(lv, ix)])
    assert proof == path(517, entries)


def test_bad_arguments_are_refused() -> None:
    node = reader([b"a", b"b"])
    with pytest.raises(merkle.ProofError):
        merkle.inclusion_path(2, 2, node)
    with pytest.raises(merkle.ProofError):
        merkle.consistency_proof(0, 2, node)
    with pytest.raises(merkle.ProofError):
        merkle.verify_inclusion(b"x" * 32, 0, 2, [], b"y" * 32)

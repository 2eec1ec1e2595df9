"""The Merkle tree of the disclosure ledger, exactly as RFC 6962 §2.1 (and RFC 9162 §2.1).

Leaf hash = SHA-256(0x00 || entry), interior node = SHA-256(0x01 || left || right), and a tree
of n leaves splits at the largest power of two below n. Anyone holding the entries can rebuild
the root; anyone holding one entry, its audit path and a signed root can check it was included;
two roots and a consistency proof show the later tree only appended to the earlier one.

The tree is addressed by *perfect subtrees*: node (level, index) covers leaves
[index·2^level, (index+1)·2^level). RFC 6962's recursion only ever asks for aligned ranges,
so every range it needs is made of such nodes, which the database stores once they are full.
Proofs therefore read O(log n) stored nodes instead of rehashing the log.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

Hash = bytes
#: Returns the hash of the perfect subtree (level, index); level 0 is a leaf hash.
NodeReader = Callable[[int, int], Hash]

EMPTY_ROOT: Hash = hashlib.sha256(b"").digest()


class ProofError(ValueError):
    """A proof that does not verify, or arguments no tree could have."""


def leaf_hash(entry: bytes) -> Hash:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: Hash, right: Hash) -> Hash:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly below n (n ≥ 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def range_hash(start: int, end: int, node: NodeReader) -> Hash:
    """MTH of leaves [start, end), built from stored perfect subtrees."""
    size = end - start
    if size == 0:
        return EMPTY_ROOT
    if size & (size - 1) == 0 and start % size == 0:
        level = size.bit_length() - 1
        return node(level, start >> level)
    k = _split(size)
    return node_hash(range_hash(start, start + k, node), range_hash(start + k, end, node))


def inclusion_path(index: int, size: int, node: NodeReader) -> list[Hash]:
    """RFC 6962 PATH(index, D[size]): sibling hashes from the leaf up to the root."""
    if not 0 <= index < size:
        raise ProofError("条目位置超出树的范围")
    path: list[Hash] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            path.append(range_hash(start + k, end, node))
            end = start + k
        else:
            path.append(range_hash(start, start + k, node))
            start += k
    path.reverse()
    return path


def consistency_proof(first: int, second: int, node: NodeReader) -> list[Hash]:
    """RFC 6962 PROOF(first, D[second])."""
    if not 0 < first <= second:
        raise ProofError("一致性证明需要 0 < 前一个大小 ≤ 后一个大小")
    proof: list[Hash] = []
    start, end, whole = 0, second, True
    m = first
    while m != end - start:
        k = _split(end - start)
        if m <= k:
            proof.append(range_hash(start + k, end, node))
            end = start + k
        else:
            proof.append(range_hash(start, start + k, node))
            start += k
            m -= k
            whole = False
    if not whole:
        proof.append(range_hash(start, end, node))
    proof.reverse()
    return proof


def nodes_needed(run: Callable[[NodeReader], object]) -> set[tuple[int, int]]:
    """The stored nodes a computation reads, found by running it on dummy hashes.

    Which nodes a proof needs depends only on the indices, never on hash values, so the
    caller can fetch them all in one query before computing the real proof.
    """
    wanted: set[tuple[int, int]] = set()

    def record(level: int, index: int) -> Hash:
        wanted.add((level, index))
        return EMPTY_ROOT

    run(record)
    return wanted


def verify_inclusion(leaf: Hash, index: int, size: int, path: Sequence[Hash], root: Hash) -> None:
    """RFC 9162 §2.1.3.2; raises ProofError unless the leaf is at ``index`` under ``root``."""
    if not 0 <= index < size:
        raise ProofError("条目位置超出树的范围")
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            raise ProofError("包含路径过长")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("包含路径过短")
    if r != root:
        raise ProofError("沿路径算得的根哈希与树头不符")


def verify_consistency(
    first: int, second: int, first_root: Hash, second_root: Hash, proof: Sequence[Hash]
) -> None:
    """RFC 9162 §2.1.4.2; raises ProofError unless ``second`` only appended to ``first``."""
    if not 0 < first <= second:
        raise ProofError("一致性证明需要 0 < 前一个大小 ≤ 后一个大小")
    if first == second:
        if proof:
            raise ProofError("两个树大小相同时证明应为空")
        if first_root != second_root:
            raise ProofError("同一大小的两个根哈希不同")
        return
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    if not path:
        raise ProofError("一致性证明为空")
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("一致性证明过长")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("一致性证明过短")
    if fr != first_root:
        raise ProofError("前一棵树不是后一棵树的前缀")
    if sr != second_root:
        raise ProofError("后一棵树的根哈希不符")


# --- building the tree as entries arrive ---------------------------------------------------


def frontier_coordinates(size: int) -> list[tuple[int, int]]:
    """The perfect subtrees along the right edge of a tree of ``size`` leaves, largest first.

    They are exactly what is needed to extend the tree and to compute its root.
    """
    return [
        (level, (size >> level) - 1)
        for level in range(size.bit_length() - 1, -1, -1)
        if size >> level & 1
    ]


def extend(
    size: int, frontier: Sequence[Hash], leaves: Iterable[Hash], *, keep_nodes: bool = True
) -> tuple[int, list[Hash], list[tuple[int, int, Hash]]]:
    """Append leaves to a tree given its frontier (see ``frontier_coordinates``).

    Returns the new size, the new frontier, and every interior node (level ≥ 1) that became
    complete, for storage. Amortised one hash per leaf.
    """
    levels = [level for level, _ in frontier_coordinates(size)]
    stack: list[tuple[int, Hash]] = list(zip(levels, frontier, strict=True))
    completed: list[tuple[int, int, Hash]] = []
    for leaf in leaves:
        level, current = 0, leaf
        position = size
        while stack and stack[-1][0] == level:
            _, left = stack.pop()
            current = node_hash(left, current)
            level += 1
            if keep_nodes:
                completed.append((level, position >> level, current))
        stack.append((level, current))
        size += 1
    return size, [h for _, h in stack], completed


def root_of_frontier(frontier: Sequence[Hash]) -> Hash:
    if not frontier:
        return EMPTY_ROOT
    root = frontier[-1]
    for left in reversed(frontier[:-1]):
        root = node_hash(left, root)
    return root


def root_of_leaves(leaves: Iterable[Hash]) -> tuple[int, Hash]:
    """The size and MTH of a whole list of leaf hashes, in one pass and O(log n) memory."""
    size, frontier, _ = extend(0, [], leaves, keep_nodes=False)
    return size, root_of_frontier(frontier)

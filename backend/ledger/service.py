"""Writing to the ledger and reading it back with proofs.

``append`` is called by the service that makes a change, inside its unit of work, so the entry
commits or rolls back with the change itself: a pledge without its entry cannot exist. Entries
are positioned later by ``backend/ledger/sealing.py``.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from backend.db import execute_raw, fetch_raw, in_transaction
from backend.errors import DomainError
from backend.ledger.tables import LedgerEntry
from backend.ledger.tables import TreeHead as TreeHeadRow
from matching import merkle
from matching.ledger import EntryKind, TreeHead, entry_body

NODE_KEY_SHIFT = 48


class LedgerEntryNotFound(DomainError):
    status_code = 404
    code = "ledger_entry_not_found"
    message = "账本条目不存在"


class EntryNotYetSealed(DomainError):
    status_code = 409
    code = "ledger_entry_not_sealed"
    message = "该条目尚未写入已签名的树头，请稍后再试"


class TreeSizeInvalid(DomainError):
    status_code = 400
    code = "ledger_tree_size_invalid"
    message = "树大小不正确"


class NoTreeHead(DomainError):
    status_code = 404
    code = "ledger_no_tree_head"
    message = "账本尚无已签名的树头"


async def append(
    kind: EntryKind,
    *,
    amount_fen: int = 0,
    hours: int = 0,
    need: str | None = None,
    organisation: str | None = None,
    pledge: str | None = None,
    details: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> str:
    """Record one movement in the current transaction; returns the entry's public id.

    ``need``, ``organisation`` and ``pledge`` are public ids. ``details`` holds public facts
    only (payee kind, evidence hash, donor display name): never anything about the household.
    """
    if not in_transaction():
        # Outside a unit of work the entry would commit on its own, apart from its change.
        raise RuntimeError("ledger entries are written in the transaction of their change")
    entry_id = secrets.token_urlsafe(12)
    moment = at or datetime.now(UTC)
    body = entry_body(
        entry_id=entry_id,
        kind=kind,
        at=moment,
        amount_fen=amount_fen,
        hours=hours,
        need=need,
        organisation=organisation,
        pledge=pledge,
        details=details,
    )
    # Hand-written: this runs inside every pledge request (see backend/events/service.py).
    await execute_raw(
        "INSERT INTO ledger_entry (public_id, kind, recorded_at, need_public_id, "
        "organisation_public_id, pledge_public_id, amount_fen, hours, body, leaf_hash) "
        "VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {})",
        entry_id,
        kind.value,
        moment,
        need,
        organisation,
        pledge,
        amount_fen,
        hours,
        body.decode(),
        merkle.leaf_hash(body).hex(),
    )
    return entry_id


def node_key(level: int, index: int) -> int:
    return (level << NODE_KEY_SHIFT) | index


async def read_nodes(coordinates: set[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """Stored hashes of the given perfect subtrees, in one query (leaves and inner nodes)."""
    if not coordinates:
        return {}
    leaves = sorted(index for level, index in coordinates if level == 0)
    inner = sorted(node_key(level, index) for level, index in coordinates if level > 0)
    # Integers formatted by us, never input: one round trip instead of two keeps a proof over
    # a million entries within a few milliseconds.
    leaf_list = ",".join(str(int(i)) for i in leaves) or "NULL"
    inner_list = ",".join(str(int(k)) for k in inner) or "NULL"
    rows = await LedgerEntry.raw(
        "SELECT 0 AS level, seq AS position, leaf_hash AS hash FROM ledger_entry "  # noqa: S608
        f"WHERE seq IN ({leaf_list}) UNION ALL "
        "SELECT 1 AS level, key AS position, hash FROM ledger_node "
        f"WHERE key IN ({inner_list})"
    )
    mask = (1 << NODE_KEY_SHIFT) - 1
    found: dict[tuple[int, int], bytes] = {}
    for row in rows:
        position = int(row["position"])
        if row["level"] == 0:
            found[(0, position)] = bytes.fromhex(row["hash"])
        else:
            found[(position >> NODE_KEY_SHIFT, position & mask)] = bytes.fromhex(row["hash"])
    missing = coordinates - found.keys()
    if missing:
        raise RuntimeError(f"ledger nodes missing: {sorted(missing)[:5]}")
    return found


def _head_from_row(row: Mapping[str, Any]) -> TreeHead:
    return TreeHead(
        tree_size=int(row["tree_size"]),
        root_hash=bytes.fromhex(row["root_hash"]),
        timestamp=row["signed_at"],
        key_id=row["key_id"],
        signature=base64.b64decode(row["signature"]),
    )


_HEAD_COLUMNS = (
    TreeHeadRow.tree_size,
    TreeHeadRow.root_hash,
    TreeHeadRow.signed_at,
    TreeHeadRow.key_id,
    TreeHeadRow.signature,
)


async def latest_tree_head() -> TreeHead | None:
    row = await TreeHeadRow.select(*_HEAD_COLUMNS).order_by(TreeHeadRow.id, ascending=False).first()
    return _head_from_row(row) if row else None


async def tree_head_of_size(size: int) -> TreeHead:
    row = (
        await TreeHeadRow.select(*_HEAD_COLUMNS)
        .where(TreeHeadRow.tree_size == size)
        .order_by(TreeHeadRow.id, ascending=False)
        .first()
    )
    if row is None:
        raise TreeSizeInvalid(f"没有大小为 {size} 的已签名树头")
    return _head_from_row(row)


async def tree_heads_page(after: int, limit: int) -> list[TreeHead]:
    """Signed tree heads with a size above ``after``, smallest first: the latest head of each
    size, so a page is never cut short by heads signed again at an unchanged size."""
    rows = await fetch_raw(
        "SELECT h.tree_size, h.root_hash, h.signed_at, h.key_id, h.signature "
        "FROM ledger_tree_head h WHERE h.tree_size > {} AND h.id = "
        "(SELECT MAX(l.id) FROM ledger_tree_head l WHERE l.tree_size = h.tree_size) "
        "ORDER BY h.tree_size LIMIT {}",
        after,
        limit,
    )
    return [_head_from_row(row) for row in rows]


async def sealed_size() -> int:
    rows = await LedgerEntry.raw("SELECT MAX(seq) AS top FROM ledger_entry")
    top = rows[0]["top"] if rows else None
    return 0 if top is None else int(top) + 1


async def entry_position(public_id: str) -> tuple[int, bytes, str]:
    """The entry's leaf index, leaf hash and body."""
    row = (
        await LedgerEntry.select(LedgerEntry.seq, LedgerEntry.leaf_hash, LedgerEntry.body)
        .where(LedgerEntry.public_id == public_id)
        .first()
    )
    if row is None:
        raise LedgerEntryNotFound()
    if row["seq"] is None:
        raise EntryNotYetSealed()
    return int(row["seq"]), bytes.fromhex(row["leaf_hash"]), row["body"]


async def inclusion_proof(public_id: str, tree_size: int | None = None) -> dict[str, Any]:
    """The audit path of an entry against a signed tree head (the latest by default)."""
    if tree_size is None:
        # The entry and the latest head in one round trip: this is the hot read.
        rows = await LedgerEntry.raw(
            "SELECT e.seq, e.leaf_hash, e.body, h.tree_size, h.root_hash, h.signed_at, "
            "h.key_id, h.signature FROM ledger_entry e LEFT JOIN ("
            "SELECT * FROM ledger_tree_head ORDER BY id DESC LIMIT 1) h ON TRUE "
            "WHERE e.public_id = {}",
            public_id,
        )
        if not rows:
            raise LedgerEntryNotFound()
        row = rows[0]
        if row["seq"] is None:
            raise EntryNotYetSealed()
        if row["tree_size"] is None:
            raise NoTreeHead()
        index, leaf, body = int(row["seq"]), bytes.fromhex(row["leaf_hash"]), row["body"]
        head = _head_from_row(row)
    else:
        index, leaf, body = await entry_position(public_id)
        head = await tree_head_of_size(tree_size)
    if index >= head.tree_size:
        raise EntryNotYetSealed()
    size = head.tree_size
    nodes = await read_nodes(
        merkle.nodes_needed(lambda node: merkle.inclusion_path(index, size, node))
    )
    path = merkle.inclusion_path(index, size, lambda lv, ix: nodes[(lv, ix)])
    return {
        "entry_id": public_id,
        "entry": body,
        "leaf_index": index,
        "leaf_hash": leaf.hex(),
        "tree_size": size,
        "audit_path": [h.hex() for h in path],
        "tree_head": head.to_json(),
    }


async def consistency(first: int, second: int) -> dict[str, Any]:
    """A proof that the tree of ``second`` entries only appended to that of ``first``."""
    if not 0 < first <= second:
        raise TreeSizeInvalid("需要 0 < first ≤ second")
    first_head = await tree_head_of_size(first)
    second_head = await tree_head_of_size(second)
    nodes = await read_nodes(
        merkle.nodes_needed(lambda node: merkle.consistency_proof(first, second, node))
    )
    proof = merkle.consistency_proof(first, second, lambda lv, ix: nodes[(lv, ix)])
    return {
        "first": first,
        "second": second,
        "proof": [h.hex() for h in proof],
        "first_tree_head": first_head.to_json(),
        "second_tree_head": second_head.to_json(),
    }


async def entries_page(start: int, end: int) -> list[str]:
    """Sealed entries [start, end) in tree order, as their canonical bodies."""
    rows = (
        await LedgerEntry.select(LedgerEntry.body)
        .where((LedgerEntry.seq >= start) & (LedgerEntry.seq < end))
        .order_by(LedgerEntry.seq)
    )
    return [r["body"] for r in rows]

"""Sealing: give committed entries their place in the tree and sign a new tree head.

One sealer at a time (an advisory lock on PostgreSQL; SQLite write transactions are already
serialised), so positions are gapless and final. Run every minute by the scheduler, and on
demand by staff, auditors and the CLI.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import structlog
from piccolo.engine.postgres import PostgresEngine

from backend.db import get_engine
from backend.ledger.keys import ledger_keys
from backend.ledger.service import latest_tree_head, node_key, read_nodes, sealed_size
from backend.ledger.tables import LedgerEntry, LedgerNode
from backend.ledger.tables import TreeHead as TreeHeadRow
from matching import merkle
from matching.ledger import TreeHead, sign_tree_head

log = structlog.get_logger(__name__)

#: Entries positioned per statement; a long backlog is sealed in several rounds.
BATCH = 5000
#: A head is re-signed at least this often even when nothing changed, so a reader can tell a
#: quiet ledger from a stalled one.
HEARTBEAT = timedelta(hours=1)


async def _lock() -> None:
    if isinstance(get_engine(), PostgresEngine):
        await LedgerEntry.raw("SELECT pg_advisory_xact_lock(hashtext('aidbridge.ledger.seal'))")


async def _position_batch(size: int) -> list[bytes]:
    """Give the oldest unpositioned entries the next positions; returns their leaf hashes."""
    rows = await LedgerEntry.raw(
        "UPDATE ledger_entry SET seq = s.pos FROM ("
        "SELECT id, {} - 1 + ROW_NUMBER() OVER (ORDER BY id) AS pos FROM ledger_entry "
        "WHERE seq IS NULL ORDER BY id LIMIT {}) AS s "
        "WHERE ledger_entry.id = s.id RETURNING ledger_entry.seq, ledger_entry.leaf_hash",
        size,
        BATCH,
    )
    ordered = sorted(rows, key=lambda r: int(r["seq"]))
    return [bytes.fromhex(r["leaf_hash"]) for r in ordered]


async def _store_nodes(nodes: list[tuple[int, int, bytes]]) -> None:
    for start in range(0, len(nodes), 1000):
        chunk = nodes[start : start + 1000]
        await LedgerNode.insert(
            *[LedgerNode(key=node_key(level, index), hash=h.hex()) for level, index, h in chunk]
        )


async def seal(*, now: datetime | None = None) -> TreeHead:
    """Position every committed entry, store the completed nodes, sign the new head."""
    now = now or datetime.now(UTC)
    await _lock()
    size = await sealed_size()
    coordinates = merkle.frontier_coordinates(size)
    stored = await read_nodes(set(coordinates))
    frontier = [stored[c] for c in coordinates]
    grown = False
    while True:
        leaves = await _position_batch(size)
        if not leaves:
            break
        size, frontier, nodes = merkle.extend(size, frontier, leaves)
        await _store_nodes(nodes)
        grown = True
    last = await latest_tree_head()
    signer = ledger_keys().signer_at(now)
    if not grown and last is not None and last.tree_size == size:
        signed_at = datetime.fromisoformat(last.timestamp.replace("Z", "+00:00"))
        # A new key in force re-signs at once, so the latest head is always under it.
        if now - signed_at < HEARTBEAT and last.key_id == signer.key_id:
            return last
    assert signer.private_key is not None  # signer_at refuses a public-only key
    head = sign_tree_head(signer.private_key, size, merkle.root_of_frontier(frontier), now)
    await TreeHeadRow.insert(
        TreeHeadRow(
            tree_size=head.tree_size,
            root_hash=head.root_hash.hex(),
            signed_at=head.timestamp,
            issued_at=now,
            key_id=head.key_id,
            signature=head.to_json()["signature"],
        )
    )
    log.info("ledger_sealed", tree_size=size)
    return head

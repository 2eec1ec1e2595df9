"""The disclosure ledger on PostgreSQL.

Budgets (issue 6): appending ≥ 2,000 entries/s inside transactions; an inclusion proof over
1,000,000 entries ≤ 5 ms; verifying 1,000,000 downloaded entries ≤ 10 s (``aidbridge verify``,
the whole command, start-up included).
"""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._support import (
    BENCH_DATABASE_URL,
    describe,
    percentile,
    recreate_database,
    use_bench_database,
)

use_bench_database()

WRITERS = 16
APPENDS_PER_WRITER = 500
BIG = int(os.environ.get("BENCH_LEDGER_SIZE", "1000000"))
PROOFS = 300
APPEND_BUDGET_PER_S = 2000.0
PROOF_BUDGET_MS = 5.0
VERIFY_BUDGET_S = 10.0
ROOT = Path(__file__).resolve().parents[1]


async def measure_appends() -> float:
    from backend.db import unit_of_work
    from backend.ledger import service
    from matching.ledger import EntryKind

    async def writer(n: int) -> None:
        for i in range(APPENDS_PER_WRITER):
            async with unit_of_work():
                await service.append(
                    EntryKind.pledge,
                    amount_fen=1000 + i,
                    need=f"need-{n % 10}",
                    organisation=f"org-{n}",
                    pledge=f"p-{n}-{i}",
                    details={"pledge_kind": "money"},
                )

    started = time.perf_counter()
    await asyncio.gather(*(writer(n) for n in range(WRITERS)))
    elapsed = time.perf_counter() - started
    return WRITERS * APPENDS_PER_WRITER / elapsed


async def build_big_ledger(path: Path) -> None:
    """A million entries, positioned and with their nodes, loaded with COPY (set-up only)."""
    import asyncpg

    from matching import merkle
    from matching.ledger import EntryKind, entry_body

    kinds = [EntryKind.pledge, EntryKind.donation, EntryKind.disbursement, EntryKind.verification]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    entries, leaves = [], []
    with path.open("wb") as out:
        for i in range(BIG):
            kind = kinds[i % 4]
            at = start + timedelta(seconds=i * 20)
            body = entry_body(
                entry_id=f"e{i:011d}",
                kind=kind,
                at=at,
                amount_fen=(i % 9000 + 1) * 100,
                need=f"need-{i % 50_000:06d}",
                organisation=f"org-{i % 700:04d}",
                details={"payee_kind": "hospital"} if kind is EntryKind.disbursement else None,
            )
            leaf = merkle.leaf_hash(body)
            out.write(body + b"\n")
            leaves.append(leaf)
            entries.append(
                (
                    i,
                    f"e{i:011d}",
                    kind.value,
                    at,
                    f"need-{i % 50_000:06d}",
                    (i % 9000 + 1) * 100,
                    body.decode(),
                    leaf.hex(),
                )
            )
    _, _, nodes = merkle.extend(0, [], leaves)
    conn = await asyncpg.connect(BENCH_DATABASE_URL)
    try:
        await conn.copy_records_to_table(
            "ledger_entry",
            records=entries,
            columns=[
                "seq",
                "public_id",
                "kind",
                "recorded_at",
                "need_public_id",
                "amount_fen",
                "body",
                "leaf_hash",
            ],
        )
        await conn.copy_records_to_table(
            "ledger_node",
            records=[((level << 48) | index, h.hex()) for level, index, h in nodes],
            columns=["key", "hash"],
        )
        await conn.execute("ANALYZE ledger_entry; ANALYZE ledger_node")
    finally:
        await conn.close()


async def main() -> int:
    from backend.db import get_engine, start_engine, unit_of_work
    from backend.ledger import service
    from backend.ledger.keys import public_key_document
    from backend.ledger.sealing import seal
    from backend.migrations import migrate

    await recreate_database()
    await start_engine()
    await migrate()
    failures = []

    rate = await measure_appends()
    print(
        f"ledger append: {WRITERS} writers, one entry per transaction: {rate:,.0f} entries/s "
        f"(budget ≥ {APPEND_BUDGET_PER_S:,.0f})"
    )
    if rate < APPEND_BUDGET_PER_S:
        failures.append("append")
    async with unit_of_work():
        await service.LedgerEntry.raw("ALTER TABLE ledger_entry DISABLE TRIGGER USER")
        await service.LedgerEntry.raw("TRUNCATE ledger_entry, ledger_node, ledger_tree_head")
        await service.LedgerEntry.raw("ALTER TABLE ledger_entry ENABLE TRIGGER USER")

    with tempfile.TemporaryDirectory() as folder:
        entries_file = Path(folder) / "entries.jsonl"
        started = time.perf_counter()
        await build_big_ledger(entries_file)
        async with unit_of_work():
            head = await seal()
        print(f"set-up: {BIG:,} entries loaded and signed in {time.perf_counter() - started:.1f} s")

        rng = random.Random(7)
        samples = []
        for _ in range(PROOFS):
            entry_id = f"e{rng.randrange(BIG):011d}"
            t0 = time.perf_counter()
            async with unit_of_work(write=False):
                proof = await service.inclusion_proof(entry_id)
            samples.append((time.perf_counter() - t0) * 1000)
            assert proof["tree_size"] == BIG
        p95 = percentile(samples, 95)
        print(
            f"inclusion proof over {BIG:,} entries: {describe(samples)} "
            f"(budget p95 ≤ {PROOF_BUDGET_MS} ms)"
        )
        if p95 > PROOF_BUDGET_MS:
            failures.append("proof")

        import json

        (Path(folder) / "head.json").write_text(json.dumps(head.to_json()))
        (Path(folder) / "key.json").write_text(json.dumps(public_key_document()))
        started = time.perf_counter()
        result = await asyncio.to_thread(
            subprocess.run,
            [
                str(ROOT / ".venv/bin/aidbridge"),
                "verify",
                "--public-key",
                str(Path(folder) / "key.json"),
                "--tree-head",
                str(Path(folder) / "head.json"),
                "--entries",
                str(entries_file),
            ],
            capture_output=True,
            text=True,
            check=False,
            env={"PATH": os.environ.get("PATH", ""), "LOG_LEVEL": "WARNING"},
        )
        took = time.perf_counter() - started
        size_mb = entries_file.stat().st_size / 1e6
        print(
            f"aidbridge verify of {BIG:,} entries ({size_mb:.0f} MB): {took:.1f} s, "
            f"exit {result.returncode} (budget ≤ {VERIFY_BUDGET_S:.0f} s)"
        )
        if result.returncode != 0:
            print(result.stderr)
            failures.append("verify-failed")
        if took > VERIFY_BUDGET_S:
            failures.append("verify")

    await get_engine().close_connection_pool()
    if failures:
        print("budget missed:", ", ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

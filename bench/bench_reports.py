"""The year's report over 100,000 needs on PostgreSQL: p95 must stay ≤ 1 s.

Sets up a throwaway database with the real migrations and bulk-loads (COPY) a year of
activity into the real tables: 50,000 cases in the fixture communities, one submitted
referral each, 100,000 needs (the synthetic needs of ``needs_generator``, published over
2025) with their need items, half of them fully pledged and a quarter fulfilled some days
later, and about 300,000 ledger entries (pledges, cancellations, expiries, disbursements and
donations, which the report must skip). Then times ``backend.reports.service.build_report``
for the whole platform (an auditor) and for one district (a reviewer of 滨海新区), each
inside a read-only unit of work as a request runs it: the one aggregate statement, the region
names and the exact medians. That is everything the API does before encoding the JSON.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("BENCH_DB_NAME", "aidbridge_bench_reports")

from bench._support import (
    BENCH_DATABASE_URL,
    describe,
    migrate_quietly,
    percentile,
    recreate_database,
    use_bench_database,
)

use_bench_database()

NEEDS = int(os.environ.get("BENCH_REPORT_NEEDS", "100000"))
CASES = NEEDS // 2
YEAR = 2025
RUNS = 15
WARM_UP = 2
BUDGET_P95_MS = 1_000.0
DISTRICT = "120116000000"  # 天津市滨海新区


def _entry(
    n: int, kind: str, at: datetime, need: str, amount_fen: int, hours: int
) -> tuple[Any, ...]:
    public_id = f"bench{n:019d}"
    body = f'{{"id":"{public_id}","kind":"{kind}"}}'
    leaf = hashlib.sha256(b"\x00" + body.encode()).hexdigest()
    return (public_id, kind, at, need, amount_fen, hours, body, leaf)


async def load(staff_id: int, communities: list[str]) -> dict[str, int]:
    """COPY a year of cases, referrals, needs and ledger entries; returns row counts."""
    import asyncpg

    from bench.needs_generator import generate_needs

    r = random.Random(7)
    now = datetime.now(UTC)
    cases = [
        (i + 1, f"bench-case-{i + 1}", r.choice(communities), "dibao", 0, False, "yearly",
         date(YEAR, 1, 1), staff_id, now, now)
        for i in range(CASES)
    ]  # fmt: skip
    referrals: dict[int, tuple[Any, ...]] = {}
    items: list[tuple[Any, ...]] = []
    needs: list[tuple[Any, ...]] = []
    entries: list[tuple[Any, ...]] = []
    for n, need in enumerate(generate_needs(NEEDS)):
        row_id = n + 1
        case_id = r.randrange(CASES) + 1
        published = need.published_at
        submitted = published - timedelta(hours=r.randrange(1, 72))
        referral = referrals.get(case_id)
        if referral is None or referral[6] > submitted:
            referrals[case_id] = (case_id, f"bench-ref-{case_id}", case_id, "approved", "", "",
                                  submitted, staff_id)  # fmt: skip
        service = need.kind == "service"
        target_fen = None if service else need.remaining_fen
        target_hours = need.remaining_hours if service else None
        street = cases[case_id - 1][2][:9] + "000"
        fully = fulfilled = None
        if r.random() < 0.5:
            fully = published + timedelta(seconds=r.randrange(1, 60 * 86400))
            if r.random() < 0.5:
                fulfilled = fully + timedelta(seconds=r.randrange(1, 30 * 86400))
        status = "fulfilled" if fulfilled else "fully_pledged" if fully else "published"
        items.append(
            (row_id, case_id, 1, need.category, need.kind, target_fen, "[]", target_hours, "",
             need.urgency, need.deadline, need.title[:80])
        )  # fmt: skip
        needs.append(
            (row_id, need.id, case_id, case_id, row_id, need.title[:80], need.story,
             need.category, need.kind, need.urgency, street, target_fen, target_hours, "[]",
             "", need.deadline, status, published, date(YEAR + 1, 1, 1), 0, 1, 0, 0, fully,
             fulfilled)
        )  # fmt: skip
        # Two pledges, one in ten cancelled or expired, a disbursement when fulfilled, and a
        # donation now and then (not a pledge: the report must leave it out).
        amount, hours = (0, need.remaining_hours) if service else (need.remaining_fen, 0)
        half_fen, half_hours = amount // 2, hours // 2
        for _ in range(2):
            at = published + timedelta(seconds=r.randrange(1, 40 * 86400))
            entries.append(_entry(len(entries), "pledge", at, need.id, half_fen, half_hours))
            if r.random() < 0.1:
                kind = r.choice(("pledge_cancelled", "pledge_expired"))
                later = at + timedelta(days=r.randrange(1, 30))
                entries.append(_entry(len(entries), kind, later, need.id, -half_fen, -half_hours))
        if fulfilled and not service:
            entries.append(_entry(len(entries), "disbursement", fulfilled, need.id, amount, 0))
        if r.random() < 0.2:
            entries.append(_entry(len(entries), "donation", published, need.id, 10_000, 0))

    conn = await asyncpg.connect(BENCH_DATABASE_URL)
    try:
        await conn.copy_records_to_table(
            "assistance_case",
            records=cases,
            columns=["id", "ref_code", "region_code", "programme", "monthly_income_fen",
                     "income_stable", "review_cycle", "verified_on", "created_by", "created_at",
                     "updated_at"],
        )  # fmt: skip
        await conn.copy_records_to_table(
            "referral",
            records=[(*row, row[6]) for row in referrals.values()],
            columns=["id", "ref_code", "case", "status", "narrative_sealed", "public_text",
                     "submitted_at", "created_by", "created_at"],
        )  # fmt: skip
        # Needs of a case without a referral of its own hang on the first referral.
        known = set(referrals)
        items = [(*i[:1], i[1] if i[1] in known else next(iter(known)), *i[2:]) for i in items]
        needs = [(*x[:3], x[3] if x[3] in known else next(iter(known)), *x[4:]) for x in needs]
        await conn.copy_records_to_table(
            "need_item",
            records=items,
            columns=["id", "referral", "seq", "category", "kind", "amount_fen", "goods", "hours",
                     "service_type", "urgency", "deadline", "title"],
        )  # fmt: skip
        await conn.copy_records_to_table(
            "need",
            records=needs,
            columns=["id", "public_id", "case", "referral", "need_item", "title", "story",
                     "category", "kind", "urgency", "region_code", "target_fen", "target_hours",
                     "goods", "service_type", "deadline", "status", "published_at",
                     "review_due_on", "government_aid_fen", "version", "pledged_fen",
                     "pledged_hours", "fully_pledged_at", "fulfilled_at"],
        )  # fmt: skip
        await conn.copy_records_to_table(
            "ledger_entry",
            records=entries,
            columns=["public_id", "kind", "recorded_at", "need_public_id", "amount_fen", "hours",
                     "body", "leaf_hash"],
        )  # fmt: skip
        for table in ("assistance_case", "referral", "need_item", "need"):
            await conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT MAX(id) FROM {table}))"
            )
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()
    return {"cases": len(cases), "referrals": len(referrals), "needs": len(needs),
            "ledger entries": len(entries)}  # fmt: skip


async def main() -> int:
    from backend.accounts.tables import Role
    from backend.commands import load_regions
    from backend.db import get_engine, start_engine, unit_of_work
    from backend.regions.tables import Region
    from backend.reports.service import build_report
    from tests.factories import make_user

    await recreate_database()
    await migrate_quietly()
    await load_regions()
    await start_engine()
    staff = await make_user(Role.staff, username="bench-staff")
    communities = [row["code"] for row in await Region.select(Region.code).where(Region.level == 5)]
    started = time.perf_counter()
    counts = await load(staff.id, communities)
    loaded = ", ".join(f"{v:,} {k}" for k, v in counts.items())
    print(f"loaded {loaded} in {time.perf_counter() - started:.1f} s")

    auditor = await make_user(Role.auditor, username="bench-auditor")
    reviewer = await make_user(Role.reviewer, username="bench-reviewer", region_code=DISTRICT)
    failed = False
    for label, user, region in (
        ("whole platform (auditor)", auditor, None),
        ("one district, by street (reviewer of 滨海新区)", reviewer, DISTRICT),
    ):
        samples: list[float] = []
        report = None
        for run in range(WARM_UP + RUNS):
            began = time.perf_counter()
            async with unit_of_work(write=False):
                report = await build_report(user, region, YEAR)
            if run >= WARM_UP:
                samples.append((time.perf_counter() - began) * 1000)
        assert report is not None
        p95 = percentile(samples, 95)
        failed |= p95 > BUDGET_P95_MS
        print(
            f"{YEAR} report, {label}: {describe(samples)} (budget p95 <= {BUDGET_P95_MS:.0f} ms); "
            f"{report.total.needs_published:,} needs published, "
            f"{report.total.needs_fully_pledged:,} fully pledged "
            f"(median {report.total.median_days_to_fully_pledged} days), "
            f"{len(report.sub_regions)} {report.sub_region_level} rows"
        )
    await get_engine().close_connection_pool()  # type: ignore[no-untyped-call]
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))

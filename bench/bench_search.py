"""The embedded search engine: relevance on the judged corpus, then, on 100,000 synthetic needs,
build rate and faceted query latency.

Budgets: relevance (issue 18) nDCG@10 ≥ 0.85 and recall@20 ≥ 0.95 over the judged queries of
``bench/relevance``, nothing found only where nothing should be; index build ≥ 5,000 needs/s
(issue 4); a faceted query (words + one filter + every facet + a sort, highlighting included)
p95 ≤ 10 ms in-process (issue 18: the thesaurus, typo and partial-match work must not cost the
speed). The index is built the way ``aidbridge reindex`` builds it (aside, then swapped in), in
a temporary directory. Exits 1 when a budget is missed.
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._support import describe, percentile
from bench.needs_generator import QUERY_WORDS, generate_needs
from bench.relevance.evaluate import Report, documents, evaluate
from search.chinese import warm_up
from search.embedded import EmbeddedIndex
from search.index import SORTS, SearchQuery

NEEDS = int(os.environ.get("BENCH_SEARCH_NEEDS", "100000"))
BATCH = 5_000
WARM_UP = 50
RUNS = 200
BUDGET_BUILD_PER_S = 5_000.0
BUDGET_QUERY_P95_MS = 10.0

#: One filter per query, in turn.
FILTERS: list[dict[str, Any]] = [
    {"region": "120116000000"},
    {"region": "500105006000"},
    {"category": ["medical"]},
    {"kind": ["service"]},
    {"urgency": ["urgent"]},
    {"status": ["published"]},
    {"min_remaining": 100_000},
    {"max_remaining": 500_000},
    {"deadline_before": date(2026, 1, 1) + timedelta(days=90)},
    {"region": "370902000000"},
]


def queries(n: int, seed: int) -> list[SearchQuery]:
    r = random.Random(seed)
    return [
        SearchQuery(
            q=r.choice(QUERY_WORDS),
            sort=r.choice(SORTS),
            page=r.choice((1, 1, 1, 2, 3)),
            **r.choice(FILTERS),
        )
        for _ in range(n)
    ]


async def relevance() -> Report:
    """The judged queries on their corpus, in an index of their own."""
    with tempfile.TemporaryDirectory(prefix="bench-relevance-") as root:
        index = EmbeddedIndex(root)
        await index.upsert(documents())
        report = await evaluate(index)
        await index.close()
    for line in report.lines():
        print(line)
    return report


async def main() -> int:
    warm_up()
    judged = await relevance()
    started = time.perf_counter()
    docs = [need.document() for need in generate_needs(NEEDS)]
    generated = time.perf_counter() - started
    print(f"generated {len(docs)} needs (documents included) in {generated:.1f} s")

    with tempfile.TemporaryDirectory(prefix="bench-search-") as root:
        live = EmbeddedIndex(root)
        await live.apply_settings()
        started = time.perf_counter()
        aside = await live.build_aside("bench")
        for i in range(0, len(docs), BATCH):
            await aside.upsert(docs[i : i + BATCH])
        await live.swap(aside)
        build_s = time.perf_counter() - started
        rate = len(docs) / build_s
        assert await live.count() == len(docs)
        print(f"index build: {len(docs)} needs in {build_s:.1f} s = {rate:,.0f} needs/s")

        for query in queries(WARM_UP, seed=1):
            await live.search(query)
        samples: list[float] = []
        totals: list[int] = []
        for query in queries(RUNS, seed=2):
            t0 = time.perf_counter()
            result = await live.search(query)
            samples.append((time.perf_counter() - t0) * 1000)
            totals.append(result.total)
        print(f"faceted query (q + 1 filter + 6 facets + sort), in-process: {describe(samples)}")
        print(f"  matches per query: median {sorted(totals)[len(totals) // 2]}, max {max(totals)}")
        await live.close()

    p95 = percentile(samples, 95)
    failed = False
    if not judged.met:
        print("FAIL: relevance below the bar (or a query found nothing it should have)")
        failed = True
    if rate < BUDGET_BUILD_PER_S:
        print(f"FAIL: build rate {rate:,.0f}/s is below {BUDGET_BUILD_PER_S:,.0f}/s")
        failed = True
    if p95 > BUDGET_QUERY_P95_MS:
        print(f"FAIL: query p95 {p95:.1f} ms is above {BUDGET_QUERY_P95_MS:.0f} ms")
        failed = True
    print("budgets met" if not failed else "budget missed")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))

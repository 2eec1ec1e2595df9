"""Relevance on the judged corpus (bench/relevance), for every engine the suite runs against.

Issue 18's bar: nDCG@10 ≥ 0.85 and recall@20 ≥ 0.95 over the judged queries; nothing found only
for the queries that should find nothing. ``make bench`` prints the same figures per query group.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator

import pytest

from bench.relevance.evaluate import (
    NEEDS,
    TARGET_NDCG,
    TARGET_RECALL,
    Report,
    documents,
    evaluate,
    score,
)
from bench.relevance.judged import JUDGED
from bench.relevance.model import judge
from search.index import SearchIndex
from tests.search.conftest import filled_index


@pytest.fixture(scope="module")
async def judged_index(
    engine: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[SearchIndex]:
    async with filled_index(engine, tmp_path_factory.mktemp("relevance"), documents()) as index:
        yield index


@pytest.fixture(scope="module")
async def report(judged_index: SearchIndex) -> Report:
    return await evaluate(judged_index)


def test_the_judged_set_is_large_and_varied() -> None:
    assert len(JUDGED) >= 150 and len(NEEDS) >= 250
    assert len({j.q for j in JUDGED}) == len(JUDGED), "each query judged once"
    groups = {j.group for j in JUDGED}
    assert groups >= {"synonym", "typo", "partial", "category", "goods", "service", "region",
                      "traditional", "empty"}  # fmt: skip
    assert sum(j.empty for j in JUDGED) >= 10
    for item in JUDGED:  # every judgement that expects needs names some
        assert item.empty or any(item.grade(n) for n in NEEDS), item.q


def test_ndcg_and_recall_reach_the_bar(report: Report) -> None:
    worst = [(o.judged.q, round(o.ndcg, 2), round(o.recall, 2)) for o in report.worst(8)]
    assert report.ndcg >= TARGET_NDCG, f"nDCG@10 {report.ndcg:.3f}; worst: {worst}"
    assert report.recall >= TARGET_RECALL, f"recall@20 {report.recall:.3f}; worst: {worst}"


def test_nothing_found_only_where_nothing_should_be(report: Report) -> None:
    assert [o.judged.q for o in report.unexpected_zero] == []
    assert [(o.judged.q, o.found[:3]) for o in report.unexpected_found] == []


def test_the_metrics_themselves() -> None:
    """nDCG and recall computed by hand on a query that one need alone answers."""
    counts = Counter(t for n in NEEDS for t in n.item.tags)
    first = next(n for n in NEEDS if any(counts[t] == 1 for t in n.item.tags))
    only = next(t for t in first.item.tags if counts[t] == 1)
    second = next(n for n in NEEDS if n is not first)
    item = judge("x", "test", need={only: 3})
    assert item.grade(first) == 3 and item.grade(second) == 0
    perfect = score(item, [first.id], 1)
    assert perfect.ndcg == 1.0 and perfect.recall == 1.0
    late = score(item, [second.id, first.id], 2)
    assert late.ndcg == pytest.approx(1 / 1.5849625, rel=1e-6)  # log2(3)
    missed = score(item, [second.id], 1)
    assert missed.ndcg == 0.0 and missed.recall == 0.0
    empty = score(judge("y", "nothing", "empty"), [], 0)
    assert not empty.wrong_emptiness and score(judge("y", "", "empty"), ["a"], 1).wrong_emptiness

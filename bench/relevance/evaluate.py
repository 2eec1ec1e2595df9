"""Relevance of a search engine on the judged corpus: nDCG@10, recall@20, zero results.

- nDCG@10: gain 2^grade − 1, discount log2(rank + 1), against the ideal order of every judged
  need (not only those found), averaged over queries that should find something;
- recall@20: of the relevant needs (grade ≥ 2; grade ≥ 1 for a query with none), the share in
  the first 20, out of at most 20 (a district has more relevant needs than one page holds);
- zero results: queries that should find something and found nothing; and, apart, queries that
  should find nothing (``empty``) and found something.

The corpus is indexed into whichever ``SearchIndex`` the caller gives (``bench_search.py`` and
``tests/search/test_relevance.py`` use it for both engines).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from bench.relevance import cases_binhai, cases_jiangbei, cases_more, cases_rural, cases_taishan
from bench.relevance.judged import JUDGED
from bench.relevance.model import Case, Judged, Need, needs_of
from search.documents import NeedDocument
from search.index import SearchIndex, SearchQuery

CASES: list[Case] = [
    *cases_binhai.CASES,
    *cases_jiangbei.CASES,
    *cases_taishan.CASES,
    *cases_more.CASES,
    *cases_rural.CASES,
]
NEEDS: list[Need] = needs_of(CASES)
NDCG_AT, RECALL_AT = 10, 20
#: Done means (issue 18).
TARGET_NDCG, TARGET_RECALL = 0.85, 0.95


def documents() -> list[NeedDocument]:
    return [need.document(i) for i, need in enumerate(NEEDS)]


def dcg(grades: Sequence[int]) -> float:
    return sum((2**g - 1) / math.log2(rank + 2) for rank, g in enumerate(grades))


@dataclass(frozen=True)
class Outcome:
    judged: Judged
    found: list[str]
    total: int
    ndcg: float
    recall: float

    @property
    def wrong_emptiness(self) -> bool:
        """Nothing found where something should be, or something where nothing should be."""
        return (self.total == 0) != self.judged.empty


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)

    def _scored(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.judged.empty]

    @property
    def ndcg(self) -> float:
        scored = self._scored()
        return sum(o.ndcg for o in scored) / len(scored)

    @property
    def recall(self) -> float:
        scored = self._scored()
        return sum(o.recall for o in scored) / len(scored)

    @property
    def zero_result_rate(self) -> float:
        """Share of all queries that found nothing."""
        return sum(o.total == 0 for o in self.outcomes) / len(self.outcomes)

    @property
    def unexpected_zero(self) -> list[Outcome]:
        return [o for o in self._scored() if o.total == 0]

    @property
    def unexpected_found(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.judged.empty and o.total]

    @property
    def met(self) -> bool:
        return (
            self.ndcg >= TARGET_NDCG
            and self.recall >= TARGET_RECALL
            and not self.unexpected_zero
            and not self.unexpected_found
        )

    def by_group(self) -> dict[str, tuple[int, float, float]]:
        groups: dict[str, list[Outcome]] = defaultdict(list)
        for outcome in self._scored():
            groups[outcome.judged.group].append(outcome)
        return {
            name: (
                len(items),
                sum(o.ndcg for o in items) / len(items),
                sum(o.recall for o in items) / len(items),
            )
            for name, items in sorted(groups.items())
        }

    def lines(self) -> list[str]:
        """The figures as printed by ``make bench``."""
        scored = self._scored()
        out = [
            f"relevance over {len(NEEDS)} needs, {len(self.outcomes)} judged queries "
            f"({len(scored)} that should find something, "
            f"{len(self.outcomes) - len(scored)} that should find nothing):",
            f"  nDCG@{NDCG_AT} {self.ndcg:.3f} (target ≥ {TARGET_NDCG}), "
            f"recall@{RECALL_AT} {self.recall:.3f} (target ≥ {TARGET_RECALL}), "
            f"zero-result rate {self.zero_result_rate:.3f} "
            f"({len(self.unexpected_zero)} unexpected, "
            f"{len(self.unexpected_found)} should-be-empty queries found something)",
        ]
        for name, (count, ndcg, recall) in self.by_group().items():
            out.append(f"    {name:<12} {count:>3} queries  nDCG {ndcg:.3f}  recall {recall:.3f}")
        return out

    def worst(self, n: int = 10) -> list[Outcome]:
        return sorted(self._scored(), key=lambda o: o.ndcg + o.recall)[:n]


def score(judged: Judged, found: list[str], total: int) -> Outcome:
    grades = {need.id: judged.grade(need) for need in NEEDS}
    if judged.empty:
        return Outcome(judged, found, total, 1.0, 1.0)
    ideal = sorted(grades.values(), reverse=True)[:NDCG_AT]
    got = [grades.get(i, 0) for i in found[:NDCG_AT]]
    ndcg = dcg(got) / dcg(ideal) if dcg(ideal) else 0.0
    floor = 2 if any(g >= 2 for g in grades.values()) else 1
    relevant = {i for i, g in grades.items() if g >= floor}
    hit = len(relevant & set(found[:RECALL_AT]))
    recall = hit / min(len(relevant), RECALL_AT) if relevant else 1.0
    return Outcome(judged, found, total, ndcg, recall)


async def evaluate(index: SearchIndex, judged: Sequence[Judged] = JUDGED) -> Report:
    """Run every judged query on ``index`` (which holds ``documents()``) and score it."""
    report = Report()
    for item in judged:
        result = await index.search(SearchQuery(q=item.q, per_page=RECALL_AT))
        found = [hit.document.id for hit in result.hits]
        report.outcomes.append(score(item, found, result.total))
    return report

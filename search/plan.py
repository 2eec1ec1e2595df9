"""A search query checked and turned into engine-neutral terms, filters and sort keys.

Both engines start from the same ``Plan``, so they agree on what a query means: which words
must match (all of them), which may match with a typo or as a prefix, which field a region
code filters on, and what each sort orders by.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from matching.regions import InvalidRegionCode, level_of
from search.chinese import is_han, is_latin_or_digits, query_words
from search.index import MAX_QUERY_CHARS, Facet, InvalidQuery, SearchQuery, Sort

#: A region code filters on the field of its own level; a community narrows to its street,
#: as no need is placed below a street.
REGION_FIELDS = {1: "province_code", 2: "city_code", 3: "district_code", 4: "street_code"}

#: Latin words this long tolerate one typo (MRl → MRI); digit runs from the length at which
#: Meilisearch starts tolerating typos, so that amounts like 3000 stay exact on both engines.
FUZZY_MIN_LATIN = 3
FUZZY_MIN_DIGITS = 5


@dataclass(frozen=True, slots=True)
class Term:
    """One query word: every word must match, exactly, as a prefix or within one typo."""

    text: str
    #: The last word matches as a prefix too, as in search-as-you-type (肾 → 肾病).
    prefix: bool
    fuzzy: bool


@dataclass(frozen=True, slots=True)
class Plan:
    terms: tuple[Term, ...]
    region: tuple[str, str] | None
    category: tuple[str, ...]
    kind: tuple[str, ...]
    urgency: tuple[str, ...]
    status: tuple[str, ...]
    min_remaining: int | None
    max_remaining: int | None
    deadline_before: date | None
    #: The order actually applied: "relevance" without words means "urgency".
    sort: Sort
    offset: int
    limit: int
    facets: tuple[Facet, ...]


def make_terms(q: str) -> tuple[Term, ...]:
    if len(q) > MAX_QUERY_CHARS:
        raise InvalidQuery("q", f"搜索词不能超过 {MAX_QUERY_CHARS} 个字符")
    words = query_words(q)
    terms = []
    for position, word in enumerate(words):
        last = position == len(words) - 1
        latin = is_latin_or_digits(word)
        if latin and word.isdigit():
            fuzzy = len(word) >= FUZZY_MIN_DIGITS
        else:
            fuzzy = latin and len(word) >= FUZZY_MIN_LATIN
        prefix = last and not word.isdigit() and (is_han(word) or latin)
        terms.append(Term(text=word, prefix=prefix, fuzzy=fuzzy))
    return tuple(terms)


def region_filter(code: str) -> tuple[str, str]:
    """(field, value) that a region code filters on."""
    try:
        level = level_of(code)
    except InvalidRegionCode:
        raise InvalidQuery("region", "地区代码无效") from None
    if level == 5:
        return "street_code", code[:9] + "000"
    return REGION_FIELDS[level], code


def make_plan(query: SearchQuery) -> Plan:
    """Check what the model cannot, and resolve the query into a ``Plan``."""
    if (
        query.min_remaining is not None
        and query.max_remaining is not None
        and query.min_remaining > query.max_remaining
    ):
        raise InvalidQuery("max_remaining", "最高金额不能低于最低金额")
    terms = make_terms(query.q)
    sort: Sort = "urgency" if query.sort == "relevance" and not terms else query.sort
    return Plan(
        terms=terms,
        region=region_filter(query.region) if query.region else None,
        category=tuple(c.value for c in query.category or ()),
        kind=tuple(k.value for k in query.kind or ()),
        urgency=tuple(u.value for u in query.urgency or ()),
        status=tuple(query.status or ()),
        min_remaining=query.min_remaining,
        max_remaining=query.max_remaining,
        deadline_before=query.deadline_before,
        sort=sort,
        offset=(query.page - 1) * query.per_page,
        limit=query.per_page,
        facets=query.facets,
    )

"""The Meilisearch adapter: the production engine behind the same ``SearchIndex`` interface.

Both engines must find the same needs for the same query. So the Chinese analysis is ours,
not Meilisearch's: each document carries, beside its display fields, ``*_terms`` fields with
the Simplified, jieba search-mode tokens of its title, goods and service, labels, places and
story (built by ``search.chinese`` exactly as the embedded engine indexes them), and only those
fields are searchable. Meilisearch's own segmenter (jieba-rs in its default mode) would index
肾透析 as one word, and 透析 would not find it; 醫療 would not find 医疗 either. Its
``dictionary`` setting holds the thesaurus's words so that it keeps 护理床 whole as we do.
Filters and sorts use the same plan (``search.plan``).

The query sent is the plan's terms, Simplified, joined by spaces, with ``matchingStrategy:
last`` (needs matching every term first, then fewer, dropping terms from the end):

- the thesaurus is Meilisearch's ``synonyms`` setting (``set_thesaurus``), so a term is sent
  as typed and Meilisearch expands it; one-way entries stay one-way there;
- typos: Meilisearch's typo tolerance counts letters and knows nothing of Chinese, so a term
  typed as pieces that form no word (论椅) is sent as its correction among the thesaurus's
  words when there is one (轮椅), else as its pinyin key (``lunyi``), which matches the
  ``pinyin_terms`` attribute holding the keys of every word of the need (typo tolerance is off
  there: one letter off in a key is another sound).

What differs from the embedded engine, by construction: "last" drops terms from the end, so a
need matching only a later term of several is not found (the embedded engine finds it, ranked
below); a correction is sought among the thesaurus's words, not the index's; and the
"common word" rule of the embedded engine has no equivalent.

Highlighting is ours (``search.highlight``) on both engines, so synonym and typo matches are
marked alike; Meilisearch's own highlighting knows neither our tokens nor our corrections.

Errors: connection failures, timeouts, 5xx and failed tasks raise ``SearchUnavailable``;
an invalid filter or sort (which the plan should have caught) raises ``InvalidQuery``.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import httpx2
from meilisearch_python_sdk import AsyncClient
from meilisearch_python_sdk.errors import MeilisearchApiError, MeilisearchError
from meilisearch_python_sdk.models.settings import (
    Faceting,
    LocalizedAttributes,
    MeilisearchSettings,
    Pagination,
    TypoTolerance,
)
from meilisearch_python_sdk.models.task import TaskInfo

from matching.thesaurus import Relation, Thesaurus, builtin
from search.chinese import domain_words, index_tokens
from search.documents import NeedDocument
from search.expansion import Expander
from search.highlight import search_hit
from search.index import (
    SORTS,
    InvalidQuery,
    SearchIndex,
    SearchQuery,
    SearchResult,
    SearchUnavailable,
)
from search.plan import (
    Plan,
    Term,
    builtin_expander,
    did_you_mean,
    make_plan,
    make_terms,
    with_fallbacks,
)
from search.typos import correctable, pinyin_key, pinyin_keys

log = logging.getLogger(__name__)

DOCUMENT_FIELDS = list(NeedDocument.model_fields)
#: In order of importance (Meilisearch's ``attribute`` rule), as the embedded engine weighs.
TERM_FIELDS = {
    "title_terms": "title",
    "item_terms": "items",
    "label_terms": "labels",
    "place_terms": "places",
    "story_terms": "story",
}
PINYIN_FIELD = "pinyin_terms"
SEARCHABLE = [*TERM_FIELDS, PINYIN_FIELD]
#: How often a process re-reads the synonyms another process may have changed.
THESAURUS_TTL_S = 60.0
FILTERABLE = [
    "province_code",
    "city_code",
    "district_code",
    "street_code",
    "category",
    "kind",
    "urgency",
    "status",
    "remaining_fen",
    "deadline_day",
]
SORTABLE = ["urgency_rank", "deadline_day", "published_ts", "remaining_fen", "remaining_hours"]
#: The same orders as the embedded engine's integer keys (search.embedded.sort_keys).
SORT_RULES: dict[str, list[str] | None] = {
    "relevance": None,
    "urgency": ["urgency_rank:asc", "deadline_day:asc", "published_ts:desc"],
    "deadline": ["deadline_day:asc", "published_ts:desc"],
    "newest": ["published_ts:desc"],
    "remaining": ["remaining_fen:desc", "remaining_hours:desc"],
}

SETTINGS = MeilisearchSettings(
    searchable_attributes=SEARCHABLE,
    filterable_attributes=list(FILTERABLE),
    sortable_attributes=SORTABLE,
    # "sort" first: an explicit sort orders the results; relevance only breaks its ties.
    ranking_rules=["sort", "words", "typo", "proximity", "attribute", "exactness"],
    localized_attributes=[
        LocalizedAttributes(locales=["zho"], attribute_patterns=["title", "story", "*_terms"])
    ],
    typo_tolerance=TypoTolerance(enabled=True, disable_on_attributes=[PINYIN_FIELD]),
    dictionary=domain_words(),
    faceting=Faceting(max_values_per_facet=1000),
    # totalHits is exact only up to this many; the need hall needs the true total.
    pagination=Pagination(max_total_hits=1_000_000),
)


def to_meili(doc: NeedDocument) -> dict[str, Any]:
    """The document as sent: its fields, the analysed ``*_terms``, pinyin keys, sort keys."""
    body = doc.model_dump(mode="json")
    texts = doc.search_texts()
    tokens = {name: index_tokens(texts[part]) for name, part in TERM_FIELDS.items()}
    for name, field_tokens in tokens.items():
        body[name] = " ".join(field_tokens)
    body[PINYIN_FIELD] = " ".join(pinyin_keys(t for ts in tokens.values() for t in ts))
    body["urgency_rank"] = 0 if doc.urgency == "urgent" else 1
    body["deadline_day"] = doc.deadline.toordinal()
    body["published_ts"] = doc.published_ts
    return body


def from_meili(hit: dict[str, Any]) -> NeedDocument:
    return NeedDocument.model_validate({k: hit[k] for k in DOCUMENT_FIELDS if k in hit})


def meili_filter(plan: Plan) -> list[str]:
    """The plan's filters as Meilisearch filter expressions, all required.

    Every value was validated (enums, status spelling, digits), and is JSON-quoted anyway.
    """
    parts: list[str] = []
    if plan.region:
        parts.append(f"{plan.region[0]} = {json.dumps(plan.region[1])}")
    for name in ("category", "kind", "urgency", "status"):
        values: tuple[str, ...] = getattr(plan, name)
        if values:
            parts.append(f"{name} IN [{', '.join(json.dumps(v) for v in values)}]")
    if plan.min_remaining is not None:
        parts.append(f"remaining_fen >= {int(plan.min_remaining)}")
    if plan.max_remaining is not None:
        parts.append(f"remaining_fen <= {int(plan.max_remaining)}")
    if plan.deadline_before is not None:
        parts.append(f"deadline_day <= {plan.deadline_before.toordinal()}")
    return parts


def query_word(term: Term) -> str:
    """How one term is sent: as typed; a run that is no word as its correction or its key."""
    if not term.merged:
        return term.text
    if term.fallbacks:
        return term.fallbacks[0].text
    return pinyin_key(term.text) if correctable(term.text) else term.text


def meili_query(plan: Plan) -> str:
    return " ".join(query_word(term) for term in plan.terms)


def _thesaurus_from(synonyms: dict[str, list[str]] | None) -> Thesaurus | None:
    if not synonyms:
        return None
    return Thesaurus(
        {t: dict.fromkeys(targets, Relation.synonym) for t, targets in synonyms.items()}
    )


class _IndexMissing(Exception):
    pass


_QUERY_ERRORS = {"invalid_search_filter": "filter", "invalid_search_sort": "sort"}


@asynccontextmanager
async def _errors(what: str) -> AsyncIterator[None]:
    try:
        yield
    except MeilisearchApiError as exc:
        if exc.code == "index_not_found":
            raise _IndexMissing() from exc
        if exc.code in _QUERY_ERRORS:
            param = _QUERY_ERRORS[exc.code]
            allowed = list(SORTS) if param == "sort" else FILTERABLE
            raise InvalidQuery(param, "搜索引擎拒绝了这个条件", allowed) from exc
        log.warning("meilisearch %s failed: %s", what, exc)
        raise SearchUnavailable() from exc
    except (MeilisearchError, httpx2.HTTPError, OSError) as exc:
        log.warning("meilisearch %s failed: %s", what, exc)
        raise SearchUnavailable() from exc


class MeiliIndex(SearchIndex):
    """The need index in one Meilisearch index (``uid``)."""

    def __init__(
        self,
        url: str,
        api_key: str | None = None,
        *,
        uid: str = "needs",
        timeout_s: int = 5,
        task_timeout_ms: int = 60_000,
        client: AsyncClient | None = None,
    ) -> None:
        self.uid = uid
        self._owns_client = client is None
        self._client = client or AsyncClient(url, api_key, timeout=timeout_s)
        self._task_timeout_ms = task_timeout_ms
        self._url, self._api_key = url, api_key
        #: The thesaurus in force and when it was read from the server (None: not yet).
        self._expanding: Expander | None = None
        self._read_at = 0.0

    @property
    def _index(self) -> Any:
        return self._client.index(self.uid)

    async def _wait(self, task: TaskInfo) -> None:
        await self._client.wait_for_task(
            task.task_uid, timeout_in_ms=self._task_timeout_ms, raise_for_status=True
        )

    async def apply_settings(self) -> None:
        """The settings, and the synonyms in force (the server's, or else the built-in ones:
        the backend pushes admins' changes with ``set_thesaurus``)."""
        async with _errors("apply_settings"):
            index = await self._client.get_or_create_index(self.uid, primary_key="id")
            await self._wait(await index.update_settings(SETTINGS))
        if await self._server_thesaurus() is None:
            await self.set_thesaurus(
                self._expanding.thesaurus if self._expanding is not None else builtin()
            )

    async def set_thesaurus(self, thesaurus: Thesaurus) -> None:
        async with _errors("set_thesaurus"):
            await self._wait(await self._index.update_synonyms(thesaurus.synonyms()))
        self._expanding, self._read_at = Expander(thesaurus), time.monotonic()

    async def _server_thesaurus(self) -> Thesaurus | None:
        try:
            async with _errors("synonyms"):
                found = _thesaurus_from(await self._index.get_synonyms())
        except _IndexMissing:
            return None
        if found is not None:
            self._expanding, self._read_at = Expander(found), time.monotonic()
        return found

    async def _expander(self) -> Expander:
        """The synonyms in force, re-read now and then: another process may have changed them."""
        if self._expanding is None or time.monotonic() - self._read_at > THESAURUS_TTL_S:
            self._read_at = time.monotonic()
            try:
                if await self._server_thesaurus() is None and self._expanding is None:
                    self._expanding = builtin_expander()
            except SearchUnavailable:
                if self._expanding is None:
                    raise
        assert self._expanding is not None
        return self._expanding

    async def upsert(self, docs: Sequence[NeedDocument]) -> None:
        if not docs:
            return
        async with _errors("upsert"):
            for start in range(0, len(docs), 1000):
                body = [to_meili(doc) for doc in docs[start : start + 1000]]
                await self._wait(await self._index.add_documents(body, primary_key="id"))

    async def delete(self, ids: Sequence[str]) -> None:
        if not ids:
            return
        try:
            async with _errors("delete"):
                await self._wait(await self._index.delete_documents(list(ids)))
        except _IndexMissing:
            return

    async def clear(self) -> None:
        try:
            async with _errors("clear"):
                await self._wait(await self._index.delete_all_documents())
        except _IndexMissing:
            return

    async def search(self, query: SearchQuery) -> SearchResult:
        plan = make_plan(query)  # InvalidQuery escapes before any engine work
        expander = await self._expander()
        if expander is not builtin_expander():
            plan = replace(plan, terms=make_terms(query.q, expander))
        terms = with_fallbacks(plan.terms, expander.lexicon, expander)
        plan = replace(plan, terms=terms)
        facets: dict[str, dict[str, int]] = {name: {} for name in plan.facets}
        try:
            async with _errors("search"):
                found = await self._index.search(
                    meili_query(plan),
                    page=query.page,
                    hits_per_page=query.per_page,
                    filter=meili_filter(plan) or None,
                    facets=list(plan.facets) or None,
                    sort=SORT_RULES[plan.sort],
                    attributes_to_retrieve=DOCUMENT_FIELDS,
                    matching_strategy="last",
                    locales=["zho"],
                )
        except _IndexMissing:
            return SearchResult(
                hits=[], total=0, facets=facets, page=query.page, per_page=query.per_page
            )
        for name, counts in (found.facet_distribution or {}).items():
            if name in facets:
                facets[name] = {str(value): int(count) for value, count in counts.items()}
        hits = [search_hit(from_meili(hit), terms) for hit in found.hits]
        total = found.total_hits if found.total_hits is not None else len(hits)
        return SearchResult(
            hits=hits,
            total=total,
            facets=facets,
            page=query.page,
            per_page=query.per_page,
            suggestion=did_you_mean(terms, expander.lexicon) if total == 0 else None,
        )

    async def health(self) -> bool:
        try:
            async with _errors("health"):
                return (await self._client.health()).status == "available"
        except (SearchUnavailable, _IndexMissing):
            return False

    async def count(self) -> int:
        try:
            async with _errors("count"):
                return int((await self._index.get_stats()).number_of_documents)
        except _IndexMissing:
            return 0

    async def all_ids(self) -> set[str]:
        ids: set[str] = set()
        try:
            async with _errors("all_ids"):
                offset = 0
                while True:
                    page = await self._index.get_documents(fields=["id"], offset=offset, limit=1000)
                    ids.update(str(row["id"]) for row in page.results)
                    offset += len(page.results)
                    if not page.results or offset >= page.total:
                        return ids
        except _IndexMissing:
            return ids

    async def build_aside(self, name: str | None = None) -> MeiliIndex:
        suffix = name or datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", suffix):
            raise ValueError(f"bad index name: {suffix!r}")
        aside = MeiliIndex(
            self._url,
            self._api_key,
            uid=f"{self.uid}__{suffix}",
            task_timeout_ms=self._task_timeout_ms,
            client=self._client,
        )
        # The new index starts with the synonyms in force here (admins' edits included), not
        # the built-in ones a brand-new index would get.
        aside._expanding = await self._expander()
        await aside.discard()
        await aside.apply_settings()
        return aside

    async def swap(self, new: SearchIndex) -> None:
        """Swap the two indexes in one Meilisearch task, then delete the old documents."""
        if not isinstance(new, MeiliIndex) or new.uid == self.uid:
            raise ValueError("swap takes an index from this index's build_aside")
        async with _errors("swap"):
            await self._client.get_or_create_index(self.uid, primary_key="id")
            await self._wait(await self._client.swap_indexes([(self.uid, new.uid)]))
        await new.discard()

    async def discard(self) -> None:
        try:
            async with _errors("discard"):
                await self._client.delete_index_if_exists(self.uid)
        except _IndexMissing:
            return

    async def close(self) -> None:
        if self._owns_client:
            await self._client.aclose()

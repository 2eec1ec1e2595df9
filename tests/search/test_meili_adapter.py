"""The Meilisearch adapter without a server: its translation of plans, and an engine that is down.

The contract suite runs the adapter against a real Meilisearch when MEILI_URL is set; these
tests check, here too, that it asks Meilisearch for what the embedded engine does.
"""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date
from typing import Any

import httpx2 as httpx  # the client meilisearch-python-sdk is built on
import pytest
from meilisearch_python_sdk import AsyncClient
from meilisearch_python_sdk._http_requests import AsyncHttpRequests

from matching.thesaurus import Entry, Relation, build, builtin
from search.embedded import sort_keys
from search.expansion import Expander
from search.index import FACETS, SORTS, InvalidQuery, SearchQuery, SearchUnavailable
from search.meili import (
    FILTERABLE,
    PINYIN_FIELD,
    SEARCHABLE,
    SETTINGS,
    SORT_RULES,
    SORTABLE,
    MeiliIndex,
    from_meili,
    meili_filter,
    meili_query,
    to_meili,
)
from search.plan import make_plan, with_fallbacks
from tests.search.corpus import documents

DOCS = documents()


def test_filters_are_quoted_expressions_on_filterable_attributes() -> None:
    plan = make_plan(
        SearchQuery(
            region="500105006012",
            category=["medical", "care"],
            urgency="urgent",
            status="published",
            min_remaining=100,
            max_remaining=5000,
            deadline_before=date(2026, 3, 1),
        )
    )
    assert meili_filter(plan) == [
        'street_code = "500105006000"',
        'category IN ["medical", "care"]',
        'urgency IN ["urgent"]',
        'status IN ["published"]',
        "remaining_fen >= 100",
        "remaining_fen <= 5000",
        f"deadline_day <= {date(2026, 3, 1).toordinal()}",
    ]
    for expression in meili_filter(plan):
        assert expression.split()[0] in FILTERABLE
    assert meili_filter(make_plan(SearchQuery())) == []


def test_the_query_sent_is_our_words() -> None:
    assert meili_query(make_plan(SearchQuery(q='醫療 "AND" (轮椅)'))) == "医疗 and 轮椅"


@pytest.mark.parametrize(
    ("q", "sent"),
    [
        ("论椅", "轮椅"),  # no word: corrected among the thesaurus's words (a homophone)
        ("学废", "学费"),
        ("透折", "透析"),  # no homophone: a same-skeleton word
        ("自闭证 康复", "自闭症 康复"),
        ("咔咔咔", "kakaka"),  # no word, no correction: its pinyin key
        ("钢琴", "钢琴"),  # a word as typed, even one the thesaurus lacks
    ],
)
def test_typos_are_sent_corrected_or_as_their_pinyin_key(q: str, sent: str) -> None:
    expander = Expander(builtin())
    plan = make_plan(SearchQuery(q=q), expander)
    terms = with_fallbacks(plan.terms, expander.lexicon, expander)
    assert meili_query(replace(plan, terms=terms)) == sent


@pytest.mark.parametrize("sort", ["urgency", "deadline", "newest", "remaining"])
def test_sort_rules_order_like_the_embedded_keys(sort: str) -> None:
    bodies = {doc.id: to_meili(doc) for doc in DOCS}
    rules = SORT_RULES[sort]
    assert rules is not None
    for rule in rules:
        assert rule.split(":")[0] in SORTABLE

    def meili_key(doc_id: str) -> tuple[int, ...]:
        body = bodies[doc_id]
        return tuple(
            body[field] if order == "asc" else -body[field]
            for field, order in (rule.split(":") for rule in rules)
        )

    field = {"urgency": "sort_urgency", "deadline": "sort_deadline", "newest": "sort_newest",
             "remaining": "sort_remaining"}[sort]  # fmt: skip
    descending = sort in ("newest", "remaining")
    embedded = sorted(
        bodies, key=lambda i: (-1 if descending else 1) * sort_keys(from_meili(bodies[i]))[field]
    )
    assert [meili_key(i) for i in embedded] == sorted(meili_key(i) for i in embedded)


def test_documents_round_trip_and_carry_the_analysed_terms() -> None:
    doc = next(d for d in DOCS if d.id == "c-uremia")
    body = to_meili(doc)
    assert from_meili(body) == doc
    assert "透析" in body["title_terms"].split()
    assert "滨海新区" in body["place_terms"].split()
    # The pinyin keys of its words: 论椅 sent as lunyi finds 轮椅.
    assert {"touxi", "niaoduzen"} <= set(body[PINYIN_FIELD].split())
    wheelchair = to_meili(next(d for d in DOCS if d.id == "c-wheelchair-old"))
    assert "lunyi" in wheelchair[PINYIN_FIELD].split()
    assert set(SETTINGS.searchable_attributes or []) <= set(body)
    assert set(map(str, SETTINGS.filterable_attributes or [])) <= set(body)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_a_server_that_is_down_means_unavailable() -> None:
    index = MeiliIndex(f"http://127.0.0.1:{_closed_port()}", "key", timeout_s=2)
    assert not await index.health()
    calls = [
        index.search(SearchQuery(q="透析")),
        index.upsert(DOCS[:1]),
        index.delete(["c-uremia"]),
        index.count(),
        index.all_ids(),
        index.apply_settings(),
        index.clear(),
    ]
    for call in calls:
        with pytest.raises(SearchUnavailable) as caught:
            await call
        assert caught.value.retry_after > 0
    await index.close()


# -- against a fake of Meilisearch's HTTP API -----------------------------------------------
# No Meilisearch can run here; this fake answers the few endpoints the adapter calls, the way
# Meilisearch documents them, so that what the adapter sends and how it reads the answers are
# checked on every run. The contract suite checks the real thing when MEILI_URL is set.

ENQUEUED_AT = "2025-01-01T00:00:00Z"


def api_error(code: str) -> dict[str, str]:
    return {"message": code, "code": code, "type": "invalid_request", "link": ""}


class FakeMeili:
    def __init__(self) -> None:
        self.indexes: dict[str, dict[str, dict[str, Any]]] = {}
        self.settings: dict[str, Any] = {}
        self.synonyms: dict[str, dict[str, list[str]]] = {}
        self.searches: list[dict[str, Any]] = []
        self.fail_search: tuple[int, dict[str, Any]] | None = None
        self.fail_tasks = False
        self._tasks = 0

    def _task(self, uid: str | None) -> httpx.Response:
        self._tasks += 1
        return httpx.Response(
            202,
            json={"taskUid": self._tasks, "indexUid": uid, "status": "enqueued",
                  "type": "x", "enqueuedAt": ENQUEUED_AT},
        )  # fmt: skip

    @staticmethod
    def _error(status: int, code: str) -> httpx.Response:
        return httpx.Response(status, json=api_error(code))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        method, parts = request.method, request.url.path.strip("/").split("/")
        body: Any = json.loads(request.content) if request.content else None
        if parts == ["health"]:
            return httpx.Response(200, json={"status": "available"})
        if parts[0] == "tasks":
            status = "failed" if self.fail_tasks else "succeeded"
            return httpx.Response(
                200,
                json={"uid": int(parts[1]), "status": status, "type": "x",
                      "enqueuedAt": ENQUEUED_AT},
            )  # fmt: skip
        if parts == ["swap-indexes"]:
            a, b = body[0]["indexes"]
            self.indexes[a], self.indexes[b] = self.indexes[b], self.indexes[a]
            return self._task(None)
        if parts == ["indexes"] and method == "POST":
            self.indexes[body["uid"]] = {}
            return self._task(body["uid"])
        uid, rest = parts[1], parts[2:]
        if not rest and method == "DELETE":  # Meilisearch enqueues it even for no index
            self.indexes.pop(uid, None)
            return self._task(uid)
        if uid not in self.indexes:
            return self._error(404, "index_not_found")
        docs = self.indexes[uid]
        if not rest and method == "GET":
            info = {"uid": uid, "primaryKey": "id", "createdAt": ENQUEUED_AT,
                    "updatedAt": ENQUEUED_AT}  # fmt: skip
            return httpx.Response(200, json=info)
        if rest == ["settings"]:
            self.settings = body
            return self._task(uid)
        if rest == ["settings", "synonyms"] and method == "PUT":
            self.synonyms[uid] = body
            return self._task(uid)
        if rest == ["settings", "synonyms"]:
            return httpx.Response(200, json=self.synonyms.get(uid, {}))
        if rest == ["stats"]:
            stats = {"numberOfDocuments": len(docs), "isIndexing": False,
                     "fieldDistribution": {}}  # fmt: skip
            return httpx.Response(200, json=stats)
        if rest == ["documents"] and method == "POST":
            docs.update({d["id"]: d for d in body})
            return self._task(uid)
        if rest == ["documents"] and method == "DELETE":
            docs.clear()
            return self._task(uid)
        if rest == ["documents"] and method == "GET":
            offset, limit = int(request.url.params["offset"]), int(request.url.params["limit"])
            page = [{"id": i} for i in sorted(docs)[offset : offset + limit]]
            listing = {"results": page, "offset": offset, "limit": limit, "total": len(docs)}
            return httpx.Response(200, json=listing)
        if rest == ["documents", "delete-batch"]:
            for doc_id in body:
                docs.pop(doc_id, None)
            return self._task(uid)
        if rest == ["search"]:
            self.searches.append(body)
            if self.fail_search:
                return httpx.Response(self.fail_search[0], json=self.fail_search[1])
            return httpx.Response(200, json=self._search(docs, body))
        raise AssertionError(f"unexpected call {method} {request.url}")

    @staticmethod
    def _search(docs: dict[str, dict[str, Any]], body: dict[str, Any]) -> dict[str, Any]:
        """Every document, as Meilisearch returns them: enough to check the mapping."""
        hits = [
            {k: doc[k] for k in body["attributesToRetrieve"]}
            for doc in list(docs.values())[: body["hitsPerPage"]]
        ]
        return {
            "hits": hits, "query": body["q"], "processingTimeMs": 1,
            "hitsPerPage": body["hitsPerPage"], "page": body["page"], "totalPages": 1,
            "totalHits": len(docs), "facetDistribution": {"kind": {"money": len(docs)}},
        }  # fmt: skip


@pytest.fixture
async def fake() -> AsyncIterator[tuple[FakeMeili, MeiliIndex]]:
    server = FakeMeili()
    client = AsyncClient("http://meili.test", "key")
    client.http_client = httpx.AsyncClient(
        transport=httpx.MockTransport(server), base_url="http://meili.test"
    )
    client._http_requests = AsyncHttpRequests(client.http_client, json_handler=client.json_handler)
    index = MeiliIndex("http://meili.test", "key", uid="needs", client=client)
    yield server, index
    await client.aclose()


async def test_settings_sent_to_meilisearch(fake: tuple[FakeMeili, MeiliIndex]) -> None:
    server, index = fake
    await index.apply_settings()
    assert server.settings["searchableAttributes"] == SEARCHABLE
    assert server.settings["rankingRules"][0] == "sort"
    assert server.settings["localizedAttributes"] == [
        {"locales": ["zho"], "attributePatterns": ["title", "story", "*_terms"]}
    ]
    assert server.settings["pagination"] == {"maxTotalHits": 1_000_000}
    assert set(server.settings["filterableAttributes"]) == set(FILTERABLE)
    assert server.settings["typoTolerance"] == {
        "enabled": True,
        "disableOnAttributes": [PINYIN_FIELD],
    }
    assert "护理床" in server.settings["dictionary"]
    # A new index gets the built-in thesaurus as its synonyms …
    assert server.synonyms["needs"] == builtin().synonyms()
    assert "血液透析" in server.synonyms["needs"]["血透"]


async def test_the_thesaurus_is_the_synonyms_setting(fake: tuple[FakeMeili, MeiliIndex]) -> None:
    server, index = fake
    await index.apply_settings()
    mine = build([Entry(Relation.synonym, ("助行器", "步行器"))])
    await index.set_thesaurus(mine)
    assert server.synonyms["needs"] == {"助行器": ["步行器"], "步行器": ["助行器"]}
    # … and one that has synonyms keeps them: applying the settings again changes nothing.
    await index.apply_settings()
    assert server.synonyms["needs"] == {"助行器": ["步行器"], "步行器": ["助行器"]}
    # A rebuild keeps them: the index built aside starts with the synonyms in force.
    aside = await index.build_aside("r2")
    assert server.synonyms["needs__r2"] == {"助行器": ["步行器"], "步行器": ["助行器"]}
    await aside.discard()
    # Another process reads the synonyms in force from the server.
    other = MeiliIndex("http://meili.test", "key", uid="needs", client=index._client)
    await other.search(SearchQuery(q="助行器"))
    assert (await other._expander()).thesaurus.expand("助行器") == {"步行器": Relation.synonym}


async def test_writes_count_ids_and_rebuild_through_the_api(
    fake: tuple[FakeMeili, MeiliIndex],
) -> None:
    server, index = fake
    assert await index.count() == 0 and await index.all_ids() == set()
    await index.apply_settings()
    await index.upsert(DOCS)
    assert await index.count() == len(DOCS)
    assert await index.all_ids() == {d.id for d in DOCS}
    assert server.indexes["needs"]["c-uremia"]["title_terms"].split()[-2:] == ["费用", "缺口"]
    await index.delete(["c-uremia", "c-unknown"])
    assert await index.count() == len(DOCS) - 1
    aside = await index.build_aside("r1")
    assert aside.uid == "needs__r1"
    await aside.upsert(DOCS[:3])
    await index.swap(aside)
    assert await index.all_ids() == {d.id for d in DOCS[:3]}
    assert "needs__r1" not in server.indexes
    await index.clear()
    assert await index.count() == 0
    assert await index.health()


async def test_search_request_and_result_mapping(fake: tuple[FakeMeili, MeiliIndex]) -> None:
    server, index = fake
    await index.apply_settings()
    script = DOCS[0].model_copy(update={"title": "<b>透析</b>", "story": "血透<script>"})
    await index.upsert([script])
    query = SearchQuery(q="醫療 透析", region="500105000000", sort="urgency", page=1, per_page=5)
    result = await index.search(query)
    sent = server.searches[-1]
    assert sent["q"] == "医疗 透析"
    assert sent["filter"] == ['district_code = "500105000000"']
    assert sent["sort"] == SORT_RULES["urgency"]
    assert (sent["page"], sent["hitsPerPage"]) == (1, 5)
    assert sent["matchingStrategy"] == "last" and sent["locales"] == ["zho"]
    assert sent["facets"] == list(FACETS)
    assert result.total == 1 and result.hits[0].document == script
    # Our highlighting, escaped, marking synonyms too (血透 for 透析).
    assert result.hits[0].highlights.title == "&lt;b&gt;<mark>透析</mark>&lt;/b&gt;"
    assert result.hits[0].highlights.story == "<mark>血透</mark>&lt;script&gt;"
    assert result.facets["kind"] == {"money": 1} and result.facets["district_code"] == {}
    assert result.suggestion is None


async def test_meilisearch_errors_are_mapped(fake: tuple[FakeMeili, MeiliIndex]) -> None:
    server, index = fake
    empty = await index.search(SearchQuery(q="透析"))  # no index yet: nothing found
    assert empty.total == 0 and empty.hits == []
    await index.apply_settings()
    server.fail_search = (400, api_error("invalid_search_sort"))
    with pytest.raises(InvalidQuery) as caught:
        await index.search(SearchQuery(sort="deadline"))
    assert caught.value.param == "sort" and caught.value.allowed == list(SORTS)
    server.fail_search = (400, api_error("invalid_search_filter"))
    with pytest.raises(InvalidQuery):
        await index.search(SearchQuery(kind="money"))
    server.fail_search = (503, api_error("internal"))
    with pytest.raises(SearchUnavailable):
        await index.search(SearchQuery())
    server.fail_tasks = True
    with pytest.raises(SearchUnavailable):
        await index.upsert(DOCS[:1])

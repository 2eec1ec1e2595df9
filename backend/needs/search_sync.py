"""Keeping the need search in step with the database, and asking it questions.

Every change of a need's public state enqueues ``index_need`` (idempotent: it reads the need's
current state and upserts or deletes). ``reindex`` rebuilds aside and swaps, so searches go on
during a rebuild; ``drift`` compares the index with the database for ``aidbridge search-check``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import structlog

from backend.errors import DomainError, FieldInvalid
from backend.jobs import enqueue, job
from backend.needs.service import PUBLIC_COLUMNS, PUBLIC_STATUSES, remaining, to_public
from backend.needs.tables import Need
from backend.regions.tables import Region
from backend.settings import get_settings
from search import InvalidQuery, NeedDocument, SearchIndex, SearchQuery, SearchResult
from search import SearchUnavailable as EngineUnavailable

log = structlog.get_logger(__name__)

_index: SearchIndex | None = None
_lock = asyncio.Lock()
BATCH = 500


class SearchUnavailable(DomainError):
    status_code = 503
    code = "search_unavailable"
    message = "搜索服务暂时不可用，请稍后重试；需求详情页仍可正常访问"


async def search_index() -> SearchIndex:
    """The process's index: Meilisearch when ``MEILI_URL`` is set, else the embedded engine."""
    global _index
    async with _lock:
        if _index is None:
            settings = get_settings()
            if settings.meili_url:
                from search.meili import MeiliIndex

                _index = MeiliIndex(settings.meili_url, settings.meili_api_key)
                await _index.apply_settings()
            else:
                from search.embedded import EmbeddedIndex

                _index = EmbeddedIndex(settings.search_dir)
    return _index


async def close_search_index() -> None:
    global _index
    if _index is not None:
        await _index.close()
        _index = None


async def _region_names(codes: set[str]) -> dict[str, str]:
    rows = await Region.select(Region.code, Region.name).where(
        Region.code.is_in(list(codes) or [""])
    )
    return {row["code"]: row["name"] for row in rows}


async def documents_for(rows: list[dict[str, Any]]) -> list[NeedDocument]:
    """Documents from ``need`` rows read with ``PUBLIC_COLUMNS`` (the one public projection)."""
    from search.documents import region_levels

    levels = {row["public_id"]: region_levels(row["region_code"]) for row in rows}
    # Every level's name, province to street: a charity may type any of them.
    names = await _region_names({code for lv in levels.values() for code in lv.values() if code})
    documents = []
    for row in rows:
        public = await to_public(row)
        remaining_fen, remaining_hours = remaining(row)
        level = levels[row["public_id"]]
        documents.append(
            NeedDocument.from_public(
                public,
                remaining_fen=remaining_fen,
                remaining_hours=remaining_hours,
                province_name=names.get(level["province_code"] or ""),
                city_name=names.get(level["city_code"] or ""),
                district_name=names.get(level["district_code"] or ""),
                street_name=names.get(level["street_code"] or ""),
            )
        )
    return documents


@job
async def index_need(public_id: str) -> None:
    """Bring one need's search document to its current state (idempotent)."""
    row = await Need.select(*PUBLIC_COLUMNS).where(Need.public_id == public_id).first()
    index = await search_index()
    if row is None or row["status"] not in PUBLIC_STATUSES:
        await index.delete([public_id])
        return
    await index.upsert(await documents_for([row]))


def need_changed(public_id: str) -> None:
    """Call inside the unit of work that changed a need's public state."""
    enqueue(index_need, public_id, dedupe_key=f"search:need:{public_id}")


async def _public_rows(after: int = 0) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = (
        await Need.select(Need.id, *PUBLIC_COLUMNS)
        .where(Need.status.is_in(list(PUBLIC_STATUSES)) & (Need.id > after))
        .order_by(Need.id)
        .limit(BATCH)
    )
    return rows


async def reindex() -> int:
    """Rebuild the whole index aside from the database, then swap it in."""
    live = await search_index()
    fresh = await live.build_aside()
    written, last = 0, 0
    try:
        while rows := await _public_rows(last):
            await fresh.upsert(await documents_for(rows))
            written += len(rows)
            last = rows[-1]["id"]
        await live.swap(fresh)
    except BaseException:
        await fresh.discard()
        raise
    log.info("search_reindexed", needs=written)
    return written


@dataclass(frozen=True)
class Drift:
    missing: set[str]  # public in the database, absent from the index
    stale: set[str]  # in the index, no longer public (or gone)

    @property
    def clean(self) -> bool:
        return not self.missing and not self.stale


async def drift() -> Drift:
    index = await search_index()
    indexed = await index.all_ids()
    public = {
        row["public_id"]
        for row in await Need.select(Need.public_id).where(Need.status.is_in(list(PUBLIC_STATUSES)))
    }
    return Drift(missing=public - indexed, stale=indexed - public)


async def search_needs(params: Mapping[str, Any]) -> SearchResult:
    """Answer the need hall's query; bad parameters and engine outages become domain errors."""
    try:
        query = SearchQuery.from_params(params)
    except InvalidQuery as exc:
        raise _invalid(exc) from None
    try:
        index = await search_index()
        return await index.search(query)
    except InvalidQuery as exc:
        raise _invalid(exc) from None
    except EngineUnavailable as exc:
        log.warning("search_unavailable", error=type(exc).__name__)
        raise SearchUnavailable(headers={"Retry-After": str(exc.retry_after)}) from None


def _invalid(exc: InvalidQuery) -> FieldInvalid:
    allowed = f"；可选值：{'、'.join(exc.allowed)}" if exc.allowed else ""
    return FieldInvalid(
        f"参数 {exc.param} 无效：{exc.message}{allowed}", field=exc.param, code="invalid_parameter"
    )

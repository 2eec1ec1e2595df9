"""The one search interface the backend calls, whichever engine sits behind it.

``SearchIndex`` is what both engines implement and what one contract test suite checks;
``SearchQuery`` and ``SearchResult`` are the shapes the JSON API passes in and hands out. The
two errors are the only ones a search may raise: the API answers ``SearchUnavailable`` with 503
and a retry hint, ``InvalidQuery`` with 400 naming the parameter and its allowed values.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)

from matching.thesaurus import Thesaurus
from matching.vocabulary import NeedCategory, NeedKind, Urgency
from search.documents import NeedDocument, StatusName

Sort = Literal["relevance", "urgency", "deadline", "newest", "remaining"]
Facet = Literal["district_code", "street_code", "category", "kind", "urgency", "status"]
SORTS: tuple[str, ...] = get_args(Sort)
FACETS: tuple[Facet, ...] = get_args(Facet)

#: Longest query string accepted: longer ones are refused with a clear 400, not truncated.
MAX_QUERY_CHARS = 200


class SearchError(Exception):
    """Base of the two errors a search engine may raise."""


class SearchUnavailable(SearchError):
    """The engine cannot be reached or refused to work; the caller should retry later."""

    def __init__(self, message: str = "搜索服务暂时不可用，请稍后重试", *, retry_after: int = 5):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


class InvalidQuery(SearchError):
    """A search parameter the engines cannot honour, named with the values it may take."""

    def __init__(self, param: str, message: str, allowed: Sequence[str] | None = None) -> None:
        super().__init__(f"{param}: {message}")
        self.param = param
        self.message = message
        self.allowed = list(allowed) if allowed is not None else None


def _as_tuple(value: Any) -> Any:
    """One value or a list of them; a comma-separated string counts as a list."""
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]
    if isinstance(value, list | tuple | set | frozenset):
        items: list[Any] = []
        for item in value:
            if isinstance(item, str):
                items.extend(part.strip() for part in item.split(",") if part.strip())
            else:
                items.append(item)
        return tuple(items) or None
    return value


def _facets(value: Any) -> Any:
    return () if value is None else (_as_tuple(value) or ())


class SearchQuery(BaseModel):
    """What to look for: the text, the filters, the facets to count, the order and the page."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: Free text as the user typed it; may be empty (browse everything that passes the filters).
    q: str = ""
    #: A 12-digit division code: matches needs at or below that province/city/district/street.
    region: Annotated[str, StringConstraints(pattern=r"^\d{12}$")] | None = None
    category: Annotated[tuple[NeedCategory, ...] | None, BeforeValidator(_as_tuple)] = None
    kind: Annotated[tuple[NeedKind, ...] | None, BeforeValidator(_as_tuple)] = None
    urgency: Annotated[tuple[Urgency, ...] | None, BeforeValidator(_as_tuple)] = None
    status: Annotated[tuple[StatusName, ...] | None, BeforeValidator(_as_tuple)] = None
    #: Bounds on ``remaining_fen``, inclusive; services (0 fen) fall below any positive minimum.
    min_remaining: int | None = Field(default=None, ge=0)
    max_remaining: int | None = Field(default=None, ge=0)
    #: Needs whose deadline is on or before this day.
    deadline_before: date | None = None
    sort: Sort = "relevance"
    page: int = Field(default=1, ge=1, le=100_000)
    per_page: int = Field(default=20, ge=1, le=100)
    facets: Annotated[tuple[Facet, ...], BeforeValidator(_facets)] = FACETS

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> SearchQuery:
        """Parse API query parameters, turning every problem into ``InvalidQuery``.

        Values may be strings or lists of strings (a repeated parameter); an empty string
        means the parameter was not given.
        """
        data: dict[str, Any] = {}
        for name, raw in params.items():
            if name not in cls.model_fields:
                raise InvalidQuery(name, "未知的查询参数", sorted(cls.model_fields))
            given = raw if isinstance(raw, list | tuple) else [raw]
            values = [v for v in given if v is not None]
            if name in _MULTI:
                values = [v for v in values if v != ""]
                if values:
                    data[name] = values
            elif name == "q":
                data[name] = values[-1] if values else ""
            elif values and values[-1] != "":
                data[name] = values[-1]
        try:
            return cls(**data)
        except ValidationError as exc:
            raise invalid_query_from(exc) from None


_MULTI = frozenset({"category", "kind", "urgency", "status", "facets"})

#: The values each enumerated parameter accepts, for the 400 answer.
ALLOWED_VALUES: dict[str, list[str]] = {
    "sort": list(SORTS),
    "facets": list(FACETS),
    "category": [c.value for c in NeedCategory],
    "kind": [k.value for k in NeedKind],
    "urgency": [u.value for u in Urgency],
}

_MESSAGES: dict[str, str] = {
    "q": "搜索词无效",
    "region": "地区代码应为 12 位数字",
    "status": "状态取值无效",
    "min_remaining": "金额应为不小于 0 的整数（分）",
    "max_remaining": "金额应为不小于 0 的整数（分）",
    "deadline_before": "日期格式应为 YYYY-MM-DD",
    "page": "页码应为 1 到 100000 之间的整数",
    "per_page": "每页条数应为 1 到 100 之间的整数",
}


def invalid_query_from(exc: ValidationError) -> InvalidQuery:
    """The first validation problem as an ``InvalidQuery`` naming its parameter."""
    error = exc.errors()[0]
    param = str(error["loc"][0]) if error["loc"] else "q"
    allowed = ALLOWED_VALUES.get(param)
    message = _MESSAGES.get(param, "取值无效，可选值见 allowed" if allowed else "取值无效")
    return InvalidQuery(param, message, allowed)


class Highlights(BaseModel):
    """HTML-escaped text with ``<mark>…</mark>`` around matched words; the story is cropped."""

    title: str
    story: str


class SearchHit(BaseModel):
    document: NeedDocument
    highlights: Highlights


class SearchResult(BaseModel):
    hits: list[SearchHit]
    #: Every match of the query and filters, not just this page.
    total: int
    #: Facet name → value → count, over all matches (empty values are left out).
    facets: dict[str, dict[str, int]]
    page: int
    per_page: int
    #: When nothing matched: the query with its unknown words replaced by words that are in
    #: some need ("did you mean"), or ``None``.
    suggestion: str | None = None


class SearchIndex(ABC):
    """The need index, behind which sits the embedded engine or Meilisearch.

    Writes are idempotent (``upsert`` replaces by id, ``delete`` ignores unknown ids), so sync
    jobs may run more than once. Every method raises ``SearchUnavailable`` when the engine is
    down, and ``search`` raises ``InvalidQuery`` for what it cannot honour; nothing else.
    """

    @abstractmethod
    async def upsert(self, docs: Sequence[NeedDocument]) -> None:
        """Add or replace these documents; they are searchable when this returns."""

    @abstractmethod
    async def delete(self, ids: Sequence[str]) -> None:
        """Remove these public ids; unknown ones are ignored."""

    @abstractmethod
    async def search(self, query: SearchQuery) -> SearchResult: ...

    @abstractmethod
    async def apply_settings(self) -> None:
        """Create the index if needed and (re)apply its settings; safe to call on every start."""

    @abstractmethod
    async def set_thesaurus(self, thesaurus: Thesaurus) -> None:
        """Expand queries with this thesaurus from now on, in every process using the index."""

    @abstractmethod
    async def health(self) -> bool:
        """True when the engine answers; never raises."""

    @abstractmethod
    async def count(self) -> int: ...

    @abstractmethod
    async def all_ids(self) -> set[str]:
        """Every indexed public id, to compare with the database (drift check)."""

    @abstractmethod
    async def clear(self) -> None: ...

    @abstractmethod
    async def build_aside(self, name: str | None = None) -> SearchIndex:
        """A new, empty index beside this one, to fill while this one keeps serving."""

    @abstractmethod
    async def swap(self, new: SearchIndex) -> None:
        """Make ``new`` (from ``build_aside``) the live index, in one step, and drop the old one.

        Changes written to this index while ``new`` was being built are not in ``new``: the
        caller re-upserts what changed since its build started.
        """

    @abstractmethod
    async def discard(self) -> None:
        """Delete an index from ``build_aside`` that will not be swapped in (a failed build)."""

    @abstractmethod
    async def close(self) -> None:
        """Release the writer, files and connections."""

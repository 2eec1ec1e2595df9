"""The embedded engine: tantivy in a directory under ``var/``, no service to run.

Layout of the directory given to the constructor (the backend passes ``var/search/<name>``)::

    CURRENT          the name of the live generation, replaced atomically
    gen-<name>/      one tantivy index per generation

``build_aside`` makes a new generation that a rebuild fills while searches go on against the
live one; ``swap`` points ``CURRENT`` at it with one ``os.replace``. Every instance, in this
process or another (the ``aidbridge reindex`` command, the web server), checks ``CURRENT``
before each call (one ``stat``) and follows it, so a swap needs no restart.

One ``IndexWriter`` per generation is held by the instance that first writes, behind an
``asyncio.Lock``; tantivy's own lock file refuses a second writer, in any process, and that
refusal surfaces as ``SearchUnavailable``. Readers take a fresh searcher per query, reloaded
after each commit, so they never wait for a writer. All tantivy calls run in a worker thread.

Text is analysed in Python (``search.chinese``) and indexed as space-separated tokens with
tantivy's ``whitespace`` tokenizer; filters, facets and sorts use fast fields; facet counts come
from tantivy's terms aggregation over the whole filtered set, which costs well under a
millisecond on 100,000 needs. Multi-key sorts (urgent first, then deadline) are single integer
keys computed at indexing time, because tantivy orders by one fast field.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import secrets
import shutil
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import tantivy

from search.chinese import index_text, index_text_cached
from search.documents import NeedDocument
from search.highlight import STORY_CROP, highlight
from search.index import (
    Highlights,
    SearchHit,
    SearchIndex,
    SearchQuery,
    SearchResult,
    SearchUnavailable,
)
from search.plan import Plan, make_plan

log = logging.getLogger(__name__)

T = TypeVar("T")

POINTER = "CURRENT"
GENERATION_PREFIX = "gen-"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")

#: Searched text fields and their weight in relevance.
TEXT_FIELDS: dict[str, float] = {"title_t": 3.0, "label_t": 2.0, "place_t": 2.0, "story_t": 1.0}
#: Exact-value fields: filters and facets.
KEYWORD_FIELDS = (
    "category",
    "kind",
    "urgency",
    "status",
    "province_code",
    "city_code",
    "district_code",
    "street_code",
)
#: Sort keys: (fast field, order); relevance orders by score.
SORT_FIELDS: dict[str, tuple[str, tantivy.Order] | None] = {
    "relevance": None,
    "urgency": ("sort_urgency", tantivy.Order.Asc),
    "deadline": ("sort_deadline", tantivy.Order.Asc),
    "newest": ("sort_newest", tantivy.Order.Desc),
    "remaining": ("sort_remaining", tantivy.Order.Desc),
}
_INT_FIELDS = (
    "remaining_fen",
    "deadline_day",
    "sort_urgency",
    "sort_deadline",
    "sort_newest",
    "sort_remaining",
)
_U32 = 2**32 - 1
_U20 = 2**20 - 1

#: How long a writer waits for another process's writer lock (tries x wait).
_LOCK_ATTEMPTS = 50
_LOCK_WAIT_S = 0.1


def build_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=False, fast=True, tokenizer_name="raw")
    for name in TEXT_FIELDS:
        # Positions are useless here: search-mode tokens overlap, so no phrase queries.
        builder.add_text_field(name, tokenizer_name="whitespace", index_option="freq")
    for name in KEYWORD_FIELDS:
        builder.add_text_field(name, fast=True, tokenizer_name="raw", index_option="basic")
    for name in _INT_FIELDS:
        builder.add_integer_field(name, indexed=True, fast=True)
    builder.add_bytes_field("doc", stored=True)
    return builder.build()


SCHEMA = build_schema()


def sort_keys(doc: NeedDocument) -> dict[str, int]:
    """Integer keys that order like the multi-key sorts, newest first among equals.

    deadline: day << 32 | (newest first); urgency: (urgent 0, else 1) << 52 | deadline key;
    remaining: fen << 20 | hours. Each part is clamped to its bits.
    """
    published = min(max(doc.published_ts, 0), _U32)
    deadline_day = doc.deadline.toordinal()
    by_deadline = (deadline_day << 32) | (_U32 - published)
    urgent = 0 if doc.urgency == "urgent" else 1
    return {
        "deadline_day": deadline_day,
        "sort_deadline": by_deadline,
        "sort_urgency": (urgent << 52) | by_deadline,
        "sort_newest": published,
        "sort_remaining": (min(doc.remaining_fen, 2**42 - 1) << 20)
        | min(doc.remaining_hours, _U20),
    }


def to_tantivy(doc: NeedDocument) -> tantivy.Document:
    """The indexed form of a document; the document itself is stored as JSON beside it."""
    out = tantivy.Document()
    out.add_text("id", doc.id)
    texts = doc.search_texts()
    out.add_text("title_t", index_text(texts["title"]))
    out.add_text("story_t", index_text(texts["story"]))
    # Labels and region names repeat across needs: analysed once each.
    out.add_text("label_t", index_text_cached(texts["labels"]))
    out.add_text("place_t", index_text_cached(texts["places"]))
    for name in KEYWORD_FIELDS:
        value = getattr(doc, name)
        if value is not None:
            out.add_text(name, str(value))
    out.add_integer("remaining_fen", doc.remaining_fen)
    for name, value in sort_keys(doc).items():
        out.add_integer(name, value)
    out.add_bytes("doc", doc.model_dump_json().encode())
    return out


#: Most index terms a prefix expands to, per field, the most frequent first.
MAX_PREFIX_TERMS = 100


def _prefix_terms(searcher: tantivy.Searcher, field_name: str, prefix: str) -> list[str]:
    """Index terms that start with ``prefix`` (itself excluded), most frequent first.

    Read from the term dictionary (tens of µs); a regex query would compile an automaton for
    every field of every query, about 0.5 ms each.
    """
    found = searcher.terms_with_prefix(field_name, prefix)
    found.sort(key=lambda pair: -pair[1])
    return [term for term, _ in found if term != prefix][:MAX_PREFIX_TERMS]


def _text_query(plan: Plan, searcher: tantivy.Searcher) -> tantivy.Query | None:
    """Every word must match in some field: exactly, or as a prefix, or within one typo."""
    if not plan.terms:
        return None
    Q, should = tantivy.Query, tantivy.Occur.Should
    groups = []
    for term in plan.terms:
        alternatives = []
        for name, boost in TEXT_FIELDS.items():
            exact = Q.term_query(SCHEMA, name, term.text)
            alternatives.append((should, Q.boost_query(exact, boost)))
            if term.prefix and (longer := _prefix_terms(searcher, name, term.text)):
                prefix = Q.term_set_query(SCHEMA, name, longer)
                alternatives.append((should, Q.boost_query(prefix, boost * 0.5)))
            if term.fuzzy:
                fuzzy = Q.fuzzy_term_query(SCHEMA, name, term.text, distance=1)
                alternatives.append((should, Q.boost_query(fuzzy, boost * 0.5)))
        groups.append((tantivy.Occur.Must, Q.boolean_query(alternatives)))
    return Q.boolean_query(groups)


def _filter_query(plan: Plan) -> tantivy.Query | None:
    """The filters, all required, scoring nothing so they never sway relevance."""
    Q = tantivy.Query
    clauses: list[tantivy.Query] = []
    if plan.region:
        clauses.append(Q.term_query(SCHEMA, plan.region[0], plan.region[1]))
    for name in ("category", "kind", "urgency", "status"):
        values: tuple[str, ...] = getattr(plan, name)
        if len(values) == 1:
            clauses.append(Q.term_query(SCHEMA, name, values[0]))
        elif values:
            clauses.append(Q.term_set_query(SCHEMA, name, list(values)))
    if plan.min_remaining is not None or plan.max_remaining is not None:
        clauses.append(
            Q.range_query(
                SCHEMA,
                "remaining_fen",
                tantivy.FieldType.Integer,
                plan.min_remaining,
                plan.max_remaining,
            )
        )
    if plan.deadline_before is not None:
        day = plan.deadline_before.toordinal()
        clauses.append(Q.range_query(SCHEMA, "deadline_day", tantivy.FieldType.Integer, None, day))
    if not clauses:
        return None
    combined = Q.boolean_query([(tantivy.Occur.Must, c) for c in clauses])
    return Q.const_score_query(combined, 0.0)


def build_query(plan: Plan, searcher: tantivy.Searcher) -> tantivy.Query:
    text, filters = _text_query(plan, searcher), _filter_query(plan)
    if text is not None and filters is not None:
        return tantivy.Query.boolean_query(
            [(tantivy.Occur.Must, text), (tantivy.Occur.Must, filters)]
        )
    return text or filters or tantivy.Query.all_query()


def _stored(searcher: tantivy.Searcher, address: tantivy.DocAddress) -> NeedDocument:
    payload = searcher.doc(address).get_first("doc")
    if not isinstance(payload, bytes):
        raise ValueError("indexed document without its stored copy")
    return NeedDocument.model_validate_json(payload)


@contextmanager
def _engine_errors(what: str) -> Iterator[None]:
    """Turn tantivy's failures (ValueError, OSError, even a Rust panic) into SearchUnavailable."""
    try:
        yield
    except SearchUnavailable:
        raise
    except Exception as exc:
        log.warning("search index %s failed: %s", what, exc)
        raise SearchUnavailable() from exc
    except BaseException as exc:  # pyo3 turns a Rust panic into a BaseException subclass
        if type(exc).__name__ != "PanicException":
            raise
        log.error("search index %s panicked: %s", what, exc)
        raise SearchUnavailable() from exc


@dataclass(eq=False)
class _Generation:
    name: str
    path: Path
    index: tantivy.Index
    writer: tantivy.IndexWriter | None = field(default=None, repr=False)


class EmbeddedIndex(SearchIndex):
    """The need index on tantivy, in ``root`` (see the module docstring for the layout)."""

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        writer_heap_bytes: int = 64_000_000,
        writer_threads: int = 1,
        _generation: str | None = None,
    ) -> None:
        self._root = Path(root).resolve()
        self._heap = writer_heap_bytes
        self._threads = writer_threads
        #: Set for an index from build_aside: it stays on its generation, whatever CURRENT says.
        self._pinned = _generation
        self._gen: _Generation | None = None
        self._stamp: tuple[int, int] | None = None
        self._write_lock = asyncio.Lock()
        self._open_lock = threading.Lock()
        self._retired = False
        #: Ids written so far, for an index from build_aside only: it starts empty and no one
        #: else writes it, so an id not in here needs no delete before its add (half the cost
        #: of a bulk load).
        self._known_ids: set[str] | None = set() if _generation is not None else None

    @property
    def root(self) -> Path:
        return self._root

    @property
    def generation(self) -> str | None:
        """The generation this instance currently reads (``None`` before first use)."""
        return self._gen.name if self._gen else None

    # -- generations ---------------------------------------------------------------------

    def _pointer_stamp(self) -> tuple[int, int] | None:
        try:
            st = (self._root / POINTER).stat()
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns)

    def _open(self, name: str) -> _Generation:
        path = self._root / name
        path.mkdir(parents=True, exist_ok=True)
        index = tantivy.Index(SCHEMA, path=str(path), reuse=True)
        index.config_reader("commit")
        return _Generation(name=name, path=path, index=index)

    def _write_pointer(self, name: str) -> None:
        """Point CURRENT at ``name`` atomically: write a temporary file, fsync, rename."""
        tmp = self._root / f"{POINTER}.{secrets.token_hex(4)}.tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(name + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self._root / POINTER)
        dir_fd = os.open(self._root, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def _new_generation_name(self, name: str | None = None) -> str:
        if name is None:
            name = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(3)
        if not _NAME.match(name):
            raise ValueError(f"bad generation name: {name!r}")
        return GENERATION_PREFIX + name

    def _live(self) -> _Generation:
        """The generation to use now, following CURRENT unless pinned (cheap: one stat).

        Reader threads call this concurrently: ``self._gen`` is read once into a local and
        only ever replaced whole, under ``_open_lock``.
        """
        if self._retired:
            raise SearchUnavailable("这个索引已被替换")
        if self._pinned is not None:
            with self._open_lock:
                if self._gen is None:
                    self._gen = self._open(self._pinned)
                return self._gen
        stamp, gen = self._pointer_stamp(), self._gen
        if gen is not None and stamp is not None and stamp == self._stamp:
            return gen
        with self._open_lock:
            stamp, gen = self._pointer_stamp(), self._gen
            if gen is not None and stamp is not None and stamp == self._stamp:
                return gen
            self._root.mkdir(parents=True, exist_ok=True)
            name = None
            if stamp is not None:
                name = (self._root / POINTER).read_text("utf-8").strip() or None
            if name is None:
                name = self._new_generation_name()
                self._write_pointer(name)
            if gen is None or gen.name != name:
                try:
                    gen = self._open(name)
                except ValueError as exc:
                    if "schema does not match" not in str(exc):
                        raise
                    # Written by another version of this code: start empty; the backend's
                    # drift check sees the missing needs and `aidbridge reindex` refills it.
                    log.warning("search index %s has an old schema; starting a new one", name)
                    name = self._new_generation_name()
                    gen = self._open(name)
                    self._write_pointer(name)
                self._gen = gen
            self._stamp = self._pointer_stamp()
            return gen

    def _switch_to(self, name: str) -> _Generation:
        """Point CURRENT at ``name`` and read it from now on; the previous generation."""
        with self._open_lock:
            old = self._gen
            gen = self._open(name)
            self._write_pointer(name)
            self._gen, self._stamp = gen, self._pointer_stamp()
        assert old is not None
        return old

    def _writer(self, gen: _Generation) -> tantivy.IndexWriter:
        """Take the index's writer lock, waiting briefly if another process holds it.

        Writers release the lock after every commit (see ``_write``), so a web process and a
        command line ``reindex`` or a second app process take turns instead of failing.
        """
        if gen.writer is None:
            for attempt in range(_LOCK_ATTEMPTS):
                try:
                    gen.writer = gen.index.writer(heap_size=self._heap, num_threads=self._threads)
                    break
                except ValueError as exc:
                    if "LockBusy" not in str(exc):
                        raise
                    if attempt == _LOCK_ATTEMPTS - 1:
                        raise SearchUnavailable("搜索索引正被另一个进程写入，请稍后重试") from exc
                    time.sleep(_LOCK_WAIT_S)
        assert gen.writer is not None
        return gen.writer

    async def _run(self, what: str, fn: Callable[[], T]) -> T:
        def call() -> T:
            with _engine_errors(what):
                return fn()

        return await asyncio.to_thread(call)

    async def _write(self, what: str, fn: Callable[[tantivy.IndexWriter], None]) -> None:
        """Run ``fn`` with the writer, commit, and reload so the next search sees it."""

        def call() -> None:
            gen = self._live()
            writer = self._writer(gen)
            try:
                fn(writer)
                writer.commit()
            except BaseException:
                writer.rollback()
                raise
            finally:
                # Release the lock: other processes share this directory.
                gen.writer = None
                writer.wait_merging_threads()
            gen.index.reload()

        async with self._write_lock:
            await self._run(what, call)

    # -- SearchIndex ---------------------------------------------------------------------

    async def upsert(self, docs: Sequence[NeedDocument]) -> None:
        if not docs:
            return

        known = self._known_ids

        def fn(writer: tantivy.IndexWriter) -> None:
            for doc in docs:
                if known is None or doc.id in known:
                    writer.delete_documents_by_term("id", doc.id)
                writer.add_document(to_tantivy(doc))
            if known is not None:
                known.update(doc.id for doc in docs)

        await self._write("upsert", fn)

    async def delete(self, ids: Sequence[str]) -> None:
        if not ids:
            return

        def fn(writer: tantivy.IndexWriter) -> None:
            for public_id in ids:
                writer.delete_documents_by_term("id", public_id)

        await self._write("delete", fn)

    async def clear(self) -> None:
        await self._write("clear", lambda writer: writer.delete_all_documents())

    async def search(self, query: SearchQuery) -> SearchResult:
        plan = make_plan(query)  # InvalidQuery escapes before any engine work
        total, docs, facets = await self._run("search", lambda: self._search(plan))
        hits = [
            SearchHit(
                document=doc,
                highlights=Highlights(
                    title=highlight(doc.title, plan.terms),
                    story=highlight(doc.story, plan.terms, crop=STORY_CROP),
                ),
            )
            for doc in docs
        ]
        return SearchResult(
            hits=hits, total=total, facets=facets, page=query.page, per_page=query.per_page
        )

    def _search(self, plan: Plan) -> tuple[int, list[NeedDocument], dict[str, dict[str, int]]]:
        searcher = self._live().index.searcher()
        query = build_query(plan, searcher)
        docs: list[NeedDocument] = []
        if plan.offset < searcher.num_docs:
            order = SORT_FIELDS[plan.sort]
            if order is None:
                found = searcher.search(query, plan.limit, count=True, offset=plan.offset)
            else:
                found = searcher.search(
                    query,
                    plan.limit,
                    count=True,
                    order_by_field=order[0],
                    offset=plan.offset,
                    order=order[1],
                )
            docs = [_stored(searcher, address) for _, address in found.hits]
        else:
            # Beyond the last page: only the count (a huge offset would size tantivy's heap).
            found = searcher.search(query, 1, count=True)
        # The type stub leaves out ``count``, which search(count=True) sets.
        total = int(getattr(found, "count", 0) or 0)
        facets: dict[str, dict[str, int]] = {name: {} for name in plan.facets}
        if plan.facets and total:
            aggs = {name: {"terms": {"field": name, "size": 10_000}} for name in plan.facets}
            counted: dict[str, Any] = searcher.aggregate(query, aggs)
            for name in plan.facets:
                buckets = counted.get(name, {}).get("buckets", [])
                facets[name] = {str(b["key"]): int(b["doc_count"]) for b in buckets}
        return total, docs, facets

    async def apply_settings(self) -> None:
        """Open (or create) the live generation; the schema itself is code."""
        await self._run("open", self._live)

    async def health(self) -> bool:
        try:
            await self._run("health", lambda: self._live().index.searcher().num_docs)
        except SearchUnavailable:
            return False
        return True

    async def count(self) -> int:
        return await self._run("count", lambda: int(self._live().index.searcher().num_docs))

    async def all_ids(self) -> set[str]:
        def ids() -> set[str]:
            searcher = self._live().index.searcher()
            # With a filter, the term dictionary counts live documents only (deletes excluded).
            terms = searcher.terms_with_prefix("id", "", filter_query=tantivy.Query.all_query())
            return {term for term, count in terms if count > 0}

        return await self._run("all_ids", ids)

    # -- rebuilding aside ----------------------------------------------------------------

    async def build_aside(self, name: str | None = None) -> EmbeddedIndex:
        """A new empty generation beside the live one, with a writer sized for bulk loads."""
        if self._pinned is not None:
            raise ValueError("build_aside is called on the live index")
        generation = self._new_generation_name(name)
        live = await self._run("build_aside", self._live)
        if generation == live.name:
            raise ValueError(f"{generation} is the live generation")
        await asyncio.to_thread(shutil.rmtree, self._root / generation, True)
        aside = EmbeddedIndex(
            self._root,
            writer_heap_bytes=max(self._heap, 256_000_000),
            writer_threads=self._threads,
            _generation=generation,
        )
        await aside.apply_settings()
        return aside

    async def swap(self, new: SearchIndex) -> None:
        if (
            not isinstance(new, EmbeddedIndex)
            or new._pinned is None
            or new._root != self._root
            or self._pinned is not None
        ):
            raise ValueError("swap takes an index from this index's build_aside")
        await new._release()
        new._retired = True
        name = new._pinned

        def switch() -> Path | None:
            if self._live().name == name:
                return None
            old = self._switch_to(name)
            old.writer = None  # dropping it releases its lock; that generation is done
            return old.path

        async with self._write_lock:
            old_path = await self._run("swap", switch)
        if old_path is not None:
            await asyncio.to_thread(shutil.rmtree, old_path, True)

    async def discard(self) -> None:
        if self._pinned is None:
            raise ValueError("only an index from build_aside can be discarded")
        await self._release()
        self._retired = True
        await asyncio.to_thread(shutil.rmtree, self._root / self._pinned, True)

    async def _release(self) -> None:
        """Let the writer finish its merges and give up its lock."""

        def release() -> None:
            gen = self._gen
            if gen is not None and gen.writer is not None:
                writer, gen.writer = gen.writer, None
                writer.wait_merging_threads()

        async with self._write_lock:
            await self._run("close", release)

    async def close(self) -> None:
        await self._release()

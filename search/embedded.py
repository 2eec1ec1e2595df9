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
tantivy's ``whitespace`` tokenizer (fields and scoring: ``search.embedded_query``); filters,
facets and sorts use fast fields; facet counts come from tantivy's terms aggregation over the
whole filtered set, which costs well under a millisecond on 100,000 needs. Multi-key sorts
(urgent first, then deadline) are single integer keys computed at indexing time, because
tantivy orders by one fast field.

The thesaurus expands queries only, so changing it needs no reindex: ``set_thesaurus`` writes
``THESAURUS.json`` beside CURRENT, and every instance reloads it when its stamp changes, as it
follows CURRENT. Without the file, the built-in thesaurus applies.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import secrets
import shutil
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import tantivy

from matching.thesaurus import Relation, Thesaurus
from search.documents import NeedDocument
from search.embedded_query import (
    SCHEMA,
    TEXT_FIELDS,
    IndexLexicon,
    build_query,
    sort_keys,
    to_tantivy,
)
from search.expansion import Expander
from search.highlight import search_hit
from search.index import (
    SearchIndex,
    SearchQuery,
    SearchResult,
    SearchUnavailable,
)
from search.plan import Plan, Term, builtin_expander, did_you_mean, make_plan, with_fallbacks

__all__ = ["SCHEMA", "TEXT_FIELDS", "EmbeddedIndex", "sort_keys", "to_tantivy"]

log = logging.getLogger(__name__)

T = TypeVar("T")

POINTER = "CURRENT"
GENERATION_PREFIX = "gen-"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")

#: The thesaurus in force, written by ``set_thesaurus`` beside CURRENT for every process.
THESAURUS_FILE = "THESAURUS.json"
#: Sort keys: (fast field, order); relevance orders by score.
SORT_FIELDS: dict[str, tuple[str, tantivy.Order] | None] = {
    "relevance": None,
    "urgency": ("sort_urgency", tantivy.Order.Asc),
    "deadline": ("sort_deadline", tantivy.Order.Asc),
    "newest": ("sort_newest", tantivy.Order.Desc),
    "remaining": ("sort_remaining", tantivy.Order.Desc),
}

#: How long a writer waits for another process's writer lock (tries x wait).
_LOCK_ATTEMPTS = 50
_LOCK_WAIT_S = 0.1


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


def _read_thesaurus(path: Path) -> Thesaurus:
    raw = json.loads(path.read_text("utf-8"))["expansions"]
    return Thesaurus(
        {term: {t: Relation(r) for t, r in targets.items()} for term, targets in raw.items()}
    )


@dataclass(frozen=True, slots=True)
class _Found:
    total: int
    docs: list[NeedDocument]
    facets: dict[str, dict[str, int]]
    #: The terms as searched, with their fallbacks, for highlighting.
    terms: tuple[Term, ...]
    suggestion: str | None


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
        self._expanding: Expander | None = None
        self._thesaurus_stamp: tuple[int, int] | None = None
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
        expander = self._expander()
        plan = make_plan(query, expander)  # InvalidQuery escapes before any engine work
        found = await self._run("search", lambda: self._search(plan, expander))
        hits = [search_hit(doc, found.terms) for doc in found.docs]
        return SearchResult(
            hits=hits,
            total=found.total,
            facets=found.facets,
            page=query.page,
            per_page=query.per_page,
            suggestion=found.suggestion,
        )

    def _search(self, plan: Plan, expander: Expander) -> _Found:
        searcher = self._live().index.searcher()
        lexicon = IndexLexicon(searcher)
        plan = replace(plan, terms=with_fallbacks(plan.terms, lexicon, expander))
        query = build_query(plan, searcher, lexicon)
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
        offer = did_you_mean(plan.terms, lexicon) if total == 0 else None
        return _Found(total, docs, facets, plan.terms, offer)

    # -- the thesaurus -------------------------------------------------------------------

    def _expander(self) -> Expander:
        """The thesaurus in force: THESAURUS.json when written, else the built-in one."""
        path = self._root / THESAURUS_FILE
        try:
            st = path.stat()
            stamp: tuple[int, int] | None = (st.st_ino, st.st_mtime_ns)
        except OSError:
            stamp = None
        if self._expanding is None or stamp != self._thesaurus_stamp:
            expander = builtin_expander()
            if stamp is not None:
                try:
                    expander = Expander(_read_thesaurus(path))
                except (OSError, ValueError) as exc:
                    log.warning("search thesaurus %s unreadable, built-in used: %s", path, exc)
            self._expanding, self._thesaurus_stamp = expander, stamp
        return self._expanding

    async def set_thesaurus(self, thesaurus: Thesaurus) -> None:
        """Write the thesaurus beside CURRENT (atomically); every instance picks it up."""
        body = json.dumps(
            {"expansions": {term: dict(targets) for term, targets in thesaurus.expansions.items()}},
            ensure_ascii=False,
            sort_keys=True,
        )

        def write() -> None:
            self._root.mkdir(parents=True, exist_ok=True)
            tmp = self._root / f"{THESAURUS_FILE}.{secrets.token_hex(4)}.tmp"
            tmp.write_text(body, "utf-8")
            os.replace(tmp, self._root / THESAURUS_FILE)

        await self._run("set_thesaurus", write)

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

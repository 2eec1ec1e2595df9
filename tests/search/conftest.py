"""Engines for the search tests: always the embedded one; Meilisearch when MEILI_URL is set.

None of these fixtures touches the database: the search package runs on documents alone.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from search.documents import NeedDocument
from search.embedded import EmbeddedIndex
from search.index import SearchIndex
from search.meili import MeiliIndex
from tests.search.corpus import documents

ENGINES = ("embedded", "meili")


def original_env(name: str) -> str | None:
    """A variable as the test run was started with it: ``tests/settings.py`` moves
    ``MEILI_URL`` (and its key) to ``TEST_*`` so that the backend's tests use the embedded
    engine while this suite can still reach the Meilisearch that was offered."""
    return os.environ.get(f"TEST_{name}") or os.environ.get(name)


MEILI_URL = original_env("MEILI_URL")
MEILI_API_KEY = original_env("MEILI_API_KEY")


def make_index(engine: str, where: Path) -> SearchIndex:
    if engine == "embedded":
        return EmbeddedIndex(where / "needs")
    assert MEILI_URL
    return MeiliIndex(MEILI_URL, MEILI_API_KEY, uid=f"test_needs_{uuid.uuid4().hex[:10]}")


async def drop_index(index: SearchIndex) -> None:
    if isinstance(index, MeiliIndex):
        await index.discard()
    await index.close()


@pytest.fixture(scope="module", params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    if name == "meili" and not MEILI_URL:
        pytest.skip("MEILI_URL is not set: no Meilisearch server to run the contract against")
    return name


@pytest.fixture
async def empty_index(engine: str, tmp_path: Path) -> AsyncIterator[SearchIndex]:
    """A fresh, empty index per test, for tests that write."""
    index = make_index(engine, tmp_path)
    await index.apply_settings()
    yield index
    await drop_index(index)


@asynccontextmanager
async def filled_index(
    engine: str, where: Path, docs: Sequence[NeedDocument]
) -> AsyncIterator[SearchIndex]:
    """An index of ``engine`` holding ``docs``, dropped afterwards."""
    index = make_index(engine, where)
    await index.apply_settings()
    await index.upsert(docs)
    try:
        yield index
    finally:
        await drop_index(index)


@pytest.fixture(scope="module")
async def corpus_index(
    engine: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[SearchIndex]:
    """The sixty corpus needs, indexed once per module; tests must only read it."""
    async with filled_index(engine, tmp_path_factory.mktemp("corpus"), documents()) as index:
        yield index

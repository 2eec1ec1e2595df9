"""Fixtures shared by the whole suite: a fresh PostgreSQL database, the app and its client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest

from tests.settings import PG_ADMIN_DSN, TEST_DB, configure_environment

configure_environment()

from litestar import Litestar  # noqa: E402

from backend.app import create_app  # noqa: E402
from backend.db import get_engine, start_engine  # noqa: E402
from backend.settings import Settings, set_settings  # noqa: E402

# Tables that hold reference data loaded once per session, kept between tests.
_KEPT_TABLES = {"region", "migration", "policy_parameter"}


async def _recreate_database() -> None:
    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{TEST_DB}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{TEST_DB}"')
    finally:
        await conn.close()


async def _drop_database() -> None:
    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{TEST_DB}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(scope="session")
async def database() -> AsyncIterator[None]:
    from backend.commands import load_regions
    from backend.migrations import migrate

    await _recreate_database()
    await migrate()
    await load_regions()
    await start_engine()
    yield
    await get_engine().close_connection_pool()
    await _drop_database()


@pytest.fixture(scope="session")
def settings(database: None) -> Settings:
    test_settings = Settings()
    set_settings(test_settings)
    return test_settings


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[Litestar]:
    yield create_app(settings)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client calling the app in this event loop.

    Litestar's own test client runs the app in a thread with its own event loop, which a
    connection pool created in this loop cannot serve; the pool is the session's instead.
    """
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as c:
        yield c


@pytest.fixture(autouse=True)
async def clean_tables(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """Every test starts from empty tables (reference data aside)."""
    yield
    if "database" not in request.fixturenames:
        return
    engine = get_engine()
    rows = await engine.run_ddl("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    names = [r["tablename"] for r in rows if r["tablename"] not in _KEPT_TABLES]
    if names:
        quoted = ", ".join(f'"{n}"' for n in names)
        await engine.run_ddl(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")

"""The database engine and the unit of work that every request, job and command runs in.

One transaction per unit of work; services never commit. Jobs enqueued inside a unit of work
are held back and flushed only after the commit, and dropped on rollback, so a worker never
sees a row that was not committed (the pattern of Polar's ``worker/_enqueue.py``).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, nullcontext
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from asyncpg.exceptions import UniqueViolationError
from piccolo.engine.base import Engine
from piccolo.engine.finder import engine_finder
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.querystring import QueryString

from backend.settings import Settings

if TYPE_CHECKING:
    from backend.jobs.queue import PendingJobs


#: What a unique-constraint violation raises on either engine.
UNIQUE_VIOLATIONS = (UniqueViolationError, sqlite3.IntegrityError)


def build_engine(settings: Settings) -> Engine:  # type: ignore[type-arg]
    if settings.database_url:
        return PostgresEngine(config={"dsn": settings.database_url})
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    # timeout: how long a writer waits for SQLite's lock before "database is locked".
    return SQLiteEngine(path=str(settings.sqlite_path), timeout=30)


def get_engine() -> Engine:  # type: ignore[type-arg]
    engine = engine_finder()
    if engine is None:  # pragma: no cover - PICCOLO_CONF is set in backend/__init__
        raise RuntimeError("no Piccolo engine configured")
    return engine


async def start_engine() -> None:
    engine = get_engine()
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(max_size=20)
    else:
        await engine.run_ddl("PRAGMA journal_mode=WAL")


async def stop_engine() -> None:
    engine = get_engine()
    if isinstance(engine, PostgresEngine):
        await engine.close_connection_pool()


def _transaction(engine: Engine, *, write: bool):  # type: ignore[no-untyped-def,type-arg]
    if isinstance(engine, SQLiteEngine):
        # A deferred SQLite transaction that later writes can deadlock with another writer;
        # taking the write lock up front makes writers queue instead.
        kind = TransactionType.immediate if write else TransactionType.deferred
        return engine.transaction(transaction_type=kind)
    return engine.transaction()


#: SQLite allows one writer at a time. Writers of this process queue here, in order, before
#: they ask SQLite for its write lock (BEGIN IMMEDIATE); other processes (the CLI, a second
#: server) still wait on SQLite's busy timeout. Per event loop: the tests run several.
_writer_locks: dict[int, asyncio.Lock] = {}
_holding_writer_lock: ContextVar[bool] = ContextVar("holding_writer_lock", default=False)


@asynccontextmanager
async def _sqlite_writer() -> AsyncIterator[None]:
    if _holding_writer_lock.get():
        yield
        return
    loop = id(asyncio.get_running_loop())
    lock = _writer_locks.setdefault(loop, asyncio.Lock())
    async with lock:
        token = _holding_writer_lock.set(True)
        try:
            yield
        finally:
            _holding_writer_lock.reset(token)


def uses_sqlite() -> bool:
    return isinstance(get_engine(), SQLiteEngine)


def is_database_busy(exc: BaseException) -> bool:
    """SQLite's "database is locked": a reader that began before another writer committed
    cannot become a writer itself (SQLITE_BUSY_SNAPSHOT), whatever the busy timeout."""
    return isinstance(exc, sqlite3.OperationalError) and (
        "locked" in str(exc) or "busy" in str(exc)
    )


class Rollback(Exception):
    """Raised inside a unit of work to roll it back without an error reaching the caller."""


@asynccontextmanager
async def unit_of_work(*, write: bool = True) -> AsyncIterator[PendingJobs]:
    """Run the block in one transaction; flush the jobs it enqueued once it has committed."""
    from backend.jobs.queue import collect_jobs

    engine = get_engine()
    serialise = _sqlite_writer() if write and isinstance(engine, SQLiteEngine) else nullcontext()
    async with collect_jobs() as pending:
        try:
            async with serialise, _transaction(engine, write=write):
                yield pending
        except Rollback:
            pending.discard()
            return
        except BaseException:
            pending.discard()
            raise
    await pending.flush()


def in_transaction() -> bool:
    return get_engine().current_transaction.get() is not None


def _numbered(sql: str, count: int) -> str:
    for position in range(1, count + 1):
        sql = sql.replace("{}", f"${position}", 1)
    return sql


async def execute_raw(sql: str, *args: object) -> None:
    """Run one statement (``{}`` placeholders) by the fast path of ``fetch_raw``."""
    await fetch_raw(sql, *args)


async def fetch_raw(sql: str, *args: object) -> list[dict[str, Any]]:
    """Rows of one hand-written statement (``{}`` placeholders), for the hot paths.

    On PostgreSQL the statement goes straight to asyncpg: the current transaction's connection
    (so it joins the unit of work) or, outside one, a pooled connection. asyncpg's
    prepared-statement cache makes this about ten times cheaper than Piccolo's raw query path
    (0.1 ms against 0.6 ms a statement, measured for bench/bench_ledger.py). Elsewhere it is an
    ordinary Piccolo raw query. PostgreSQL returns dates and timestamps as objects, SQLite as
    ISO strings: callers accept both.
    """
    engine = get_engine()
    if isinstance(engine, PostgresEngine):
        transaction = engine.current_transaction.get()
        if transaction is not None:
            records = await transaction.connection.fetch(_numbered(sql, len(args)), *args)
            return [dict(record) for record in records]
        if engine.pool is not None:
            async with engine.pool.acquire() as connection:
                records = await connection.fetch(_numbered(sql, len(args)), *args)
            return [dict(record) for record in records]
    rows = await engine.run_querystring(QueryString(sql, *args))
    return list(rows or [])

"""Shared set-up for benchmarks: a throwaway PostgreSQL database with the schema applied.

A benchmark's output is its figures: Piccolo's migration report (printed on stdout) and the
application's info logs are kept out of it, and shown only when a migration fails.
"""

from __future__ import annotations

import contextlib
import io
import os
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path

PG_ADMIN_DSN = os.environ.get("BENCH_PG_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
# One database per benchmark script, so two benchmarks never drop each other's data.
BENCH_DB = os.environ.get(
    "BENCH_DB_NAME", "aidbridge_bench_" + Path(sys.argv[0]).stem.removeprefix("bench_")
)
BENCH_DATABASE_URL = PG_ADMIN_DSN.rsplit("/", 1)[0] + "/" + BENCH_DB


def use_bench_database() -> None:
    """Point the settings at the bench database; call before importing backend modules."""
    os.environ["DATABASE_URL"] = BENCH_DATABASE_URL
    os.environ.setdefault("ENVIRONMENT", "test")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.pop("REDIS_URL", None)


def quiet_logs() -> None:
    """Application logs at WARNING and above only (``LOG_LEVEL`` may still raise it)."""
    from backend.logging import configure_logging
    from backend.settings import get_settings

    configure_logging(get_settings())


async def migrate_quietly() -> None:
    """Apply every migration without Piccolo's report; on failure, print it and raise."""
    from backend.migrations import migrate

    quiet_logs()
    report = io.StringIO()
    try:
        with contextlib.redirect_stdout(report):
            await migrate()
    except BaseException:
        sys.stderr.write(report.getvalue())
        raise


async def recreate_database() -> None:
    import asyncpg

    quiet_logs()

    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    finally:
        await conn.close()


def percentile(samples: Sequence[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def describe(samples_ms: Sequence[float]) -> str:
    return (
        f"n={len(samples_ms)} p50={percentile(samples_ms, 50):.1f} ms "
        f"p95={percentile(samples_ms, 95):.1f} ms max={max(samples_ms):.1f} ms "
        f"mean={statistics.fmean(samples_ms):.1f} ms"
    )

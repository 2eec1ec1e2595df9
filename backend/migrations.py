"""Applying Piccolo migrations of every app, in dependency order, on either engine."""

from __future__ import annotations

from piccolo.apps.migrations.commands.forwards import run_forwards

from backend.db import get_engine


async def migrate() -> None:
    engine = get_engine()
    if engine.engine_type == "sqlite":
        await engine.run_ddl("PRAGMA journal_mode=WAL")
    result = await run_forwards(app_name="all")
    if not result.success:
        raise RuntimeError(f"migrations failed: {result.message}")

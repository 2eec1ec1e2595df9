"""Liveness and readiness probes for orchestrators and load balancers."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Response, get
from redis.asyncio import Redis

from backend.db import get_engine
from backend.settings import get_settings


async def _check_database() -> None:
    await get_engine().run_ddl("SELECT 1")


async def _check_redis(url: str) -> None:
    client = Redis.from_url(url, socket_timeout=2)
    try:
        await client.ping()
    finally:
        await client.aclose()


async def _check_search() -> None:
    from backend.needs.search_sync import search_index

    if not await (await search_index()).health():
        raise ConnectionError("search index unhealthy")


class HealthController(Controller):
    path = "/health"
    include_in_schema = False

    @get("/live")
    async def live(self) -> dict[str, str]:
        return {"status": "ok"}

    @get("/ready")
    async def ready(self) -> Response[dict[str, Any]]:
        settings = get_settings()
        checks: dict[str, str] = {}
        probes = {"database": _check_database(), "search": _check_search()}
        if settings.redis_url:
            probes["redis"] = _check_redis(settings.redis_url)
        for name, probe in probes.items():
            try:
                await probe
                checks[name] = "ok"
            except Exception as exc:
                # Only the kind of failure: connection strings may carry credentials.
                checks[name] = f"fail: {type(exc).__name__}"
        ok = all(value == "ok" for value in checks.values())
        return Response(
            {"status": "ok" if ok else "unavailable", "checks": checks},
            status_code=200 if ok else 503,
        )

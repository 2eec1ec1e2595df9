"""Health probes and the OpenAPI document."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.usefixtures("database")


async def test_live(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_ready_checks_database_and_search(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/ready")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "search": "ok"}


async def test_ready_reports_an_unreachable_search_engine(client: httpx.AsyncClient) -> None:
    """A Meilisearch that does not answer makes the app unready (and says only what failed)."""
    from backend.needs import search_sync
    from backend.settings import get_settings, set_settings

    settings = get_settings()
    await search_sync.close_search_index()
    set_settings(settings.model_copy(update={"meili_url": "http://127.0.0.1:9"}))
    try:
        response = await client.get("/health/ready")
    finally:
        await search_sync.close_search_index()
        set_settings(settings)
    assert response.status_code == 503
    assert response.json()["checks"]["search"].startswith("fail")
    assert "127.0.0.1:9" not in response.text


async def test_openapi_schema_lists_the_api(client: httpx.AsyncClient) -> None:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/auth/token" in paths
    assert "/api/v1/organisations" in paths
    assert "/login" not in paths

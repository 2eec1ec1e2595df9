"""The embedded default serves a small office: ten people at once on SQLite, no "database is
locked". A real server process (uvicorn via ``aidbridge serve``) on a fresh SQLite file with the
demo data; ten clients with their own connections hit it truly concurrently, mixing reads that
write an audit row (a staff member opening a household) with plain reads and writes."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from backend.accounts.tables import Role
from backend.demo import DEMO_ACCOUNTS
from tests.live import serve, stop

CLIENTS = 10
ROUNDS = 12


def _sqlite_env(var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(VAR_DIR=str(var_dir), ENVIRONMENT="test", EMBEDDED_SCHEDULER="false")
    return env


@pytest.fixture(scope="module")
def sqlite_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    var_dir = tmp_path_factory.mktemp("sqlite-office")
    env = _sqlite_env(var_dir)
    for command in (["migrate"], ["seed-demo"]):
        subprocess.run(
            [sys.executable, "-m", "backend.cli", *command],
            env=env,
            check=True,
            capture_output=True,
            timeout=120,
        )
    try:
        process, url = serve(env)
    except RuntimeError:
        pytest.fail("the SQLite server did not start")
    yield url
    stop(process)


def _account(role: Role) -> tuple[str, str]:
    account = next(a for a in DEMO_ACCOUNTS if a.role == role)
    return account.username, account.password


async def _token(client: httpx.AsyncClient, role: Role) -> str:
    username, password = _account(role)
    response = await client.post(
        "/api/v1/auth/token", json={"username": username, "password": password}
    )
    assert response.status_code == 201, response.text
    return str(response.json()["token"])


async def _office_worker(url: str, n: int, statuses: Counter[int], start: asyncio.Event) -> None:
    role = Role.staff if n % 2 == 0 else Role.reviewer
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        token = await _token(client, role)
        headers = {"Authorization": f"Bearer {token}"}
        found = await client.get("/api/v1/cases", params={"q": ""}, headers=headers)
        assert found.status_code == 200, found.text
        refs = [case["ref"] for case in found.json()]
        assert refs, "the demo data has households in the staff member's region"
        await start.wait()
        for i in range(ROUNDS):
            ref = refs[(n + i) % len(refs)]
            for response in await asyncio.gather(
                client.get(f"/api/v1/cases/{ref}", headers=headers),  # writes an audit row
                client.get("/api/v1/needs"),
                client.get("/disclosure"),
            ):
                statuses[response.status_code] += 1
                if response.status_code != 200:
                    print(n, response.request.url, response.status_code, response.text[:200])


async def test_ten_people_at_once_on_sqlite_get_no_locked_database(sqlite_server: str) -> None:
    statuses: Counter[int] = Counter()
    start = asyncio.Event()
    workers = [
        asyncio.create_task(_office_worker(sqlite_server, n, statuses, start))
        for n in range(CLIENTS)
    ]
    await asyncio.sleep(0.5)
    start.set()
    await asyncio.gather(*workers)
    assert statuses == Counter({200: CLIENTS * ROUNDS * 3})


async def test_each_concurrent_read_keeps_its_audit_row(sqlite_server: str) -> None:
    """A read that was retried as a writer leaves one audit row, not none and not two."""
    async with httpx.AsyncClient(base_url=sqlite_server, timeout=60) as client:
        auditor = {"Authorization": f"Bearer {await _token(client, Role.auditor)}"}
        staff = {"Authorization": f"Bearer {await _token(client, Role.staff)}"}
        ref = (await client.get("/api/v1/cases", params={"q": ""}, headers=staff)).json()[0]["ref"]

        async def audit_rows() -> int:
            response = await client.get("/api/v1/audit", params={"case": ref}, headers=auditor)
            assert response.status_code == 200, response.text
            return int(response.json()["total"])

        before = await audit_rows()
        views = await asyncio.gather(
            *(client.get(f"/api/v1/cases/{ref}", headers=staff) for _ in range(CLIENTS))
        )
        assert [v.status_code for v in views] == [200] * CLIENTS
        assert await audit_rows() == before + CLIENTS

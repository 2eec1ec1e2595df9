"""Creating a case through the JSON API on PostgreSQL: p95 must stay within 50 ms.

Runs the real app in-process (httpx ASGI transport, so no socket noise) against a throwaway
PostgreSQL database, as a staff member, with a two-member household each time.
"""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._support import (
    describe,
    migrate_quietly,
    percentile,
    recreate_database,
    use_bench_database,
)

use_bench_database()

BUDGET_P95_MS = 50.0
RUNS = 300


async def main() -> int:
    import httpx

    from backend.app import create_app
    from backend.commands import load_regions
    from backend.db import get_engine, start_engine
    from tests.factories import api_token, make_user
    from tests.people import member

    await recreate_database()
    await migrate_quietly()
    await load_regions()
    await start_engine()
    from backend.accounts.tables import Role

    staff = await make_user(Role.staff, username="bench-staff")
    app = create_app()
    transport = httpx.ASGITransport(app=app)
    samples: list[float] = []
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        headers = await api_token(client, staff.username)
        for n in range(RUNS + 20):
            body = {
                "region_code": "120116001016",
                "programme": "dibao",
                "members": [
                    member(
                        head=True,
                        born=date(1960, 1, 1) + timedelta(days=n),
                        phone="13812345678",
                        address=f"海洋小区{n}号楼",
                    ),
                    member(
                        relation="子女",
                        born=date(2008, 1, 1) + timedelta(days=n),
                        school="滨海新区第一中学",
                    ),
                ],
            }
            started = time.perf_counter()
            response = await client.post("/api/v1/cases", json=body, headers=headers)
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 201, response.text
            if n >= 20:  # warm-up: pools, caches, JIT of the first queries
                samples.append(elapsed)
    await get_engine().close_connection_pool()
    p95 = percentile(samples, 95)
    print(
        f"case create via API on PostgreSQL: {describe(samples)} (budget p95 <= {BUDGET_P95_MS} ms)"
    )
    return 0 if p95 <= BUDGET_P95_MS else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))

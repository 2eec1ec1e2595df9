"""50 concurrent clients pledging over 10 hot needs on PostgreSQL, through the API.

Budget: at least 200 accepted pledges per second, no need ever over-pledged, and the totals on
the needs equal the sum of the accepted pledges exactly.
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._support import migrate_quietly, recreate_database, use_bench_database

use_bench_database()
# As in production, jobs (search index updates) go to arq on Redis instead of running inside
# the request; a Redis database of the bench's own, flushed before and after.
BENCH_REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
os.environ["REDIS_URL"] = BENCH_REDIS_URL

CLIENTS = 50
REQUESTS_PER_CLIENT = 40
HOT_NEEDS = 10
TARGET_FEN = 150_000
BUDGET_PER_S = 200.0


async def main() -> int:
    import httpx
    from redis.asyncio import Redis

    from backend.accounts.tables import Role
    from backend.app import create_app
    from backend.commands import load_regions
    from backend.db import get_engine, start_engine
    from backend.needs.tables import Need
    from backend.pledges.tables import Pledge
    from tests.factories import api_token, make_organisation, make_user
    from tests.needs_factory import publish_need

    redis = Redis.from_url(BENCH_REDIS_URL)
    await redis.flushdb()
    await recreate_database()
    await migrate_quietly()
    await load_regions()
    await start_engine()
    app = create_app()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        needs = [
            (await publish_need(client, amount_fen=TARGET_FEN))["need"]["id"]
            for _ in range(HOT_NEEDS)
        ]
        org = await make_organisation()
        clients = []
        for n in range(CLIENTS):
            user = await make_user(
                Role.org_member, username=f"bench-member-{n}", organisation_id=org.id
            )
            clients.append(await api_token(client, user.username))

        accepted = refused = errors = 0

        async def run(headers: dict[str, str], seed: int) -> None:
            nonlocal accepted, refused, errors
            rng = random.Random(seed)
            for _ in range(REQUESTS_PER_CLIENT):
                response = await client.post(
                    "/api/v1/pledges",
                    json={
                        "need_id": rng.choice(needs),
                        "organisation_id": org.id,
                        "kind": "money",
                        "amount_fen": rng.randint(500, 1_500),
                    },
                    headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
                )
                if response.status_code == 201:
                    accepted += 1
                elif response.status_code == 409:
                    refused += 1
                else:
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*[run(h, n) for n, h in enumerate(clients)])
        elapsed = time.perf_counter() - started

    over = 0
    mismatched = 0
    for need_id in needs:
        row = (
            await Need.select(Need.id, Need.pledged_fen, Need.target_fen)
            .where(Need.public_id == need_id)
            .first()
        )
        assert row is not None
        total = sum(
            p["amount_fen"]
            for p in await Pledge.select(Pledge.amount_fen).where(Pledge.need == row["id"])
        )
        over += row["pledged_fen"] > row["target_fen"]
        mismatched += total != row["pledged_fen"]
    await get_engine().close_connection_pool()
    await redis.flushdb()
    await redis.aclose()
    rate = accepted / elapsed
    print(
        f"pledges via API on PostgreSQL: {CLIENTS} clients x {REQUESTS_PER_CLIENT} requests over "
        f"{HOT_NEEDS} needs in {elapsed:.2f} s: {accepted} accepted ({rate:.0f}/s, budget >= "
        f"{BUDGET_PER_S:.0f}/s), {refused} refused as over-pledge, {errors} errors; "
        f"over-pledged needs: {over}; needs whose total differs from their pledges: {mismatched}"
    )
    return 0 if rate >= BUDGET_PER_S and over == 0 and mismatched == 0 and errors == 0 else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))

"""Build the reports dataset on the embedded SQLite database and print its reports as JSON.

Run in a subprocess by ``test_sqlite.py`` with an embedded environment (no DATABASE_URL), so
the whole app, migrations included, runs on SQLite as ``make demo`` does; the test compares
the output with the same reports on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any


async def main() -> None:
    import httpx

    from backend.accounts.tables import Role
    from backend.app import create_app
    from backend.commands import load_regions
    from backend.db import start_engine, unit_of_work
    from backend.migrations import migrate
    from backend.reports.service import build_report
    from tests.factories import make_user
    from tests.integration.reports import dataset

    await migrate()
    await load_regions()
    await start_engine()
    app: Any = create_app()
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://sqlite.local") as client:
        await dataset.build(client)
    auditor = await make_user(Role.auditor)
    reviewer = await make_user(Role.reviewer, region_code=dataset.BINHAI)
    reports = []
    for user in (auditor, reviewer):
        async with unit_of_work(write=False):
            reports.append((await build_report(user, None, dataset.YEAR)).model_dump(mode="json"))
    json.dump(reports, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    asyncio.run(main())

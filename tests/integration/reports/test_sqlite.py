"""The embedded SQLite database gives the same reports as PostgreSQL (one code path; only the
whole-days arithmetic is spelled per engine, and SQLite keeps timestamps as text)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from backend.accounts.tables import Role
from backend.db import unit_of_work
from backend.reports.service import build_report
from tests.factories import make_user
from tests.integration.reports import dataset

pytestmark = pytest.mark.usefixtures("database")


async def test_sqlite_reports_equal_postgres_reports(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "MEILI_URL"}
    }
    env.update({"VAR_DIR": str(tmp_path), "ENVIRONMENT": "test"})
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "tests.integration.reports.sqlite_report"],
        env=env,
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    assert (tmp_path / "aidbridge.sqlite3").exists()
    on_sqlite = json.loads(done.stdout.decode().strip().splitlines()[-1])

    await dataset.build(client)
    on_postgres = []
    for user in (
        await make_user(Role.auditor),
        await make_user(Role.reviewer, region_code=dataset.BINHAI),
    ):
        async with unit_of_work(write=False):
            report = await build_report(user, None, dataset.YEAR)
        on_postgres.append(report.model_dump(mode="json"))
    assert on_sqlite == on_postgres
    assert on_sqlite[1]["total"]["median_days_to_fulfilled"] == 33.5

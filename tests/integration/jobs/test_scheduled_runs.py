"""Every run of a job leaves a run record: on the real arq worker, in-process, and from the
embedded scheduler, which is driven here by an injected clock instead of waiting minutes."""

from __future__ import annotations

import asyncio
import subprocess
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from arq import Retry

from backend.db import unit_of_work
from backend.figures.jobs import refresh_headline_figures
from backend.jobs import enqueue, job
from backend.jobs.queue import PendingJob, run_in_process
from backend.jobs.scheduler import EmbeddedScheduler
from backend.jobs.service import RUN_RETENTION
from backend.jobs.tables import DeadJob, JobRun, Trigger
from backend.jobs.worker import SCHEDULE, _wrap
from backend.settings import Settings, set_settings

pytestmark = pytest.mark.usefixtures("database")

BEIJING = ZoneInfo("Asia/Shanghai")
PHONE = "13812345678"


async def _runs(name: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = (
        await JobRun.select().where(JobRun.name == name).order_by(JobRun.started_at)
    )
    return rows


async def _wait_for_runs(
    name: str, worker: subprocess.Popen[bytes], count: int = 1
) -> list[dict[str, Any]]:
    for _ in range(150):
        rows = await _runs(name)
        if len(rows) >= count:
            return rows
        assert worker.poll() is None, worker.stdout.read().decode() if worker.stdout else ""
        await asyncio.sleep(0.1)
    pytest.fail(f"the arq worker did not record {count} run(s) of {name} within 15 s")


async def test_a_job_run_by_the_arq_worker_leaves_an_ok_run_record(
    arq_settings: Settings, worker: subprocess.Popen[bytes]
) -> None:
    set_settings(arq_settings)
    async with unit_of_work():
        enqueue(refresh_headline_figures)

    [run] = await _wait_for_runs("figures.refresh_headline_figures", worker)
    assert run["trigger"] == "enqueued"
    assert run["outcome"] == "ok"
    assert run["error_type"] is None and run["error_message"] is None
    assert run["started_at"] <= run["finished_at"]
    assert run["duration_ms"] >= 0


_written_by_the_job = "written-by-the-failing-job"


async def _failing_job(marker: str) -> None:
    # Something the job wrote before failing: its rollback must not take the run record along.
    await DeadJob.insert(DeadJob(name=_written_by_the_job, error_type="-", error_message="-"))
    raise ValueError(f"cannot reach the mail server for {PHONE} ({marker})")


async def test_a_failing_job_leaves_retry_then_failed_records_without_personal_data(
    settings: Settings,
) -> None:
    run = _wrap("tests.failing", _failing_job, max_tries=2)

    with pytest.raises(Retry):
        await run.coroutine({"job_try": 1, "job_id": "abc"}, "first")
    with pytest.raises(ValueError):
        await run.coroutine({"job_try": 2, "job_id": "abc"}, "last")

    retry, failed = await _runs("tests.failing")
    assert (retry["outcome"], failed["outcome"]) == ("retry", "failed")
    for record in (retry, failed):
        assert record["trigger"] == "enqueued"
        assert record["error_type"] == "ValueError"
        assert PHONE not in record["error_message"]  # scrubbed like the dead letters
        assert "cannot reach the mail server" in record["error_message"]
    assert "last" in failed["error_message"]
    # The job's own writes were rolled back; its run records were not.
    assert not await DeadJob.exists().where(DeadJob.name == _written_by_the_job)
    assert await DeadJob.count().where(DeadJob.name == "tests.failing") == 1


async def test_cron_and_manual_runs_on_the_worker_are_recorded_as_such(settings: Settings) -> None:
    async def fine() -> None:
        return None

    await _wrap("tests.fine", fine, max_tries=1).coroutine({"job_id": "manual:tests.fine"})
    cron = _wrap("tests.fine", fine, max_tries=1, trigger=Trigger.cron)
    await cron.coroutine({"job_id": "cron:tests.fine:1700000000000"})
    assert [r["trigger"] for r in await _runs("tests.fine")] == ["manual", "cron"]


@job
async def explode_in_process() -> None:
    raise RuntimeError(f"smtp refused {PHONE}")


async def test_an_in_process_run_records_ok_and_failed_runs(settings: Settings) -> None:
    await run_in_process(PendingJob("figures.refresh_headline_figures", ()))
    await run_in_process(PendingJob("jobs.explode_in_process", ()))

    [ok] = await _runs("figures.refresh_headline_figures")
    assert (ok["trigger"], ok["outcome"]) == ("enqueued", "ok")
    [failed] = await _runs("jobs.explode_in_process")
    assert (failed["outcome"], failed["error_type"]) == ("failed", "RuntimeError")
    assert PHONE not in failed["error_message"]
    assert await DeadJob.exists().where(DeadJob.name == "jobs.explode_in_process")


async def test_old_run_records_are_pruned(settings: Settings) -> None:
    now = datetime.now(UTC)
    for age in (RUN_RETENTION + timedelta(days=1), RUN_RETENTION - timedelta(days=1)):
        started = now - age
        await JobRun.insert(
            JobRun(
                name="tests.old",
                trigger="cron",
                started_at=started,
                finished_at=started,
                outcome="ok",
                duration_ms=1,
            )
        )
    await run_in_process(PendingJob("jobs.prune_job_runs", ()))

    [kept] = await _runs("tests.old")
    assert kept["started_at"] > now - RUN_RETENTION
    [prune] = await _runs("jobs.prune_job_runs")
    assert prune["outcome"] == "ok"


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _due_at(minute: int) -> list[str]:
    return [name for name, minutes in SCHEDULE if minute in minutes]


async def test_the_embedded_scheduler_runs_the_jobs_due_at_each_minute_once(
    settings: Settings,
) -> None:
    clock = FakeClock(datetime(2026, 11, 25, 10, 14, 10, tzinfo=BEIJING))
    scheduler = EmbeddedScheduler(clock=clock)

    assert await scheduler.tick() == []  # the first look only notes the time
    clock.now = datetime(2026, 11, 25, 10, 15, 0, 200_000, tzinfo=BEIJING)
    ran = await scheduler.tick()
    assert ran == _due_at(15)
    assert "needs.sweep_needs" in ran and "notifications.send_digests" not in ran
    clock.now += timedelta(seconds=30)
    assert await scheduler.tick() == []  # the same minute: nothing twice

    [sweep] = await _runs("needs.sweep_needs")
    assert (sweep["trigger"], sweep["outcome"]) == ("cron", "ok")
    assert await _runs("notifications.send_digests") == []

    # A look delayed past several minutes runs each job due in between once.
    clock.now = datetime(2026, 11, 25, 10, 21, 0, 200_000, tzinfo=BEIJING)
    ran = await scheduler.tick()
    assert "notifications.send_digests" in ran
    assert len(await _runs("notifications.send_digests")) == 1


async def test_the_embedded_scheduler_loop_wakes_at_the_next_minute(settings: Settings) -> None:
    """The loop itself, started and stopped like the app does, with a sleep that moves the
    injected clock instead of waiting, and parks once the scheduled minute is past."""
    clock = FakeClock(datetime(2026, 11, 25, 9, 59, 40, tzinfo=BEIJING))
    parked = asyncio.Event()
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.now += timedelta(seconds=seconds)
        if clock.now > datetime(2026, 11, 25, 10, 0, 30, tzinfo=BEIJING):
            parked.set()
            await asyncio.Event().wait()  # until stop() cancels

    scheduler = EmbeddedScheduler(clock=clock, sleep=sleep)
    await scheduler.start()
    assert scheduler.running
    await asyncio.wait_for(parked.wait(), timeout=30)
    await scheduler.stop()
    assert not scheduler.running

    assert slept[0] == pytest.approx(20.2)  # from 09:59:40 to just after 10:00
    [digest] = await _runs("notifications.send_digests")  # scheduled at minute 0
    assert (digest["trigger"], digest["outcome"]) == ("cron", "ok")
    assert await _runs("needs.sweep_needs") == []


async def test_a_disabled_scheduler_does_not_start(settings: Settings) -> None:
    scheduler = EmbeddedScheduler.for_settings(settings)  # ENVIRONMENT=test: off
    await scheduler.start()
    assert not scheduler.running
    enabled = EmbeddedScheduler.for_settings(
        settings.model_copy(update={"embedded_scheduler": True})
    )
    assert enabled.enabled

"""Jobs enqueued in a unit of work wait for its commit and vanish with its rollback."""

import pytest

from backend.jobs.queue import PendingJob, PendingJobs, collect_jobs, enqueue
from backend.jobs.registry import job_name, registered_jobs


async def _sample() -> None:
    return None


def test_enqueue_outside_a_unit_of_work_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="unit of work"):
        enqueue(_sample)


async def test_jobs_are_collected_and_deduplicated() -> None:
    async with collect_jobs() as pending:
        enqueue(_sample, 1, dedupe_key="k")
        enqueue(_sample, 2, dedupe_key="k")
        enqueue(_sample, 3)
        # A nested collector joins the outer one: the outer transaction owns the flush.
        async with collect_jobs() as inner:
            assert inner is pending
    assert [job.args for job in pending.jobs] == [(1,), (3,)]


def test_discard_drops_everything() -> None:
    pending = PendingJobs([PendingJob("x", ())])
    pending.discard()
    assert pending.jobs == []


def test_registry_knows_every_job_by_a_stable_name() -> None:
    from backend.figures.jobs import refresh_headline_figures

    assert registered_jobs()[job_name(refresh_headline_figures)] is refresh_headline_figures
    assert job_name(refresh_headline_figures) == "figures.refresh_headline_figures"

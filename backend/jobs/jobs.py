"""Jobs of the jobs domain itself. Idempotent: a second run finds nothing more to delete."""

from __future__ import annotations

import structlog

from backend.jobs.registry import job
from backend.jobs.service import prune_runs

log = structlog.get_logger(__name__)


@job
async def prune_job_runs() -> int:
    """Delete run records past their retention, so ``job_run`` stays small (scheduled hourly)."""
    deleted = await prune_runs()
    if deleted:
        log.info("job_runs_pruned", deleted=deleted)
    return deleted

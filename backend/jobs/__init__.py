"""Background jobs: one way to enqueue (``enqueue``), two ways to run.

With ``REDIS_URL`` set, jobs go to arq and ``aidbridge worker`` runs them with retries and a
dead-letter log; without it, they run in-process right after the enqueuing transaction commits.
Either way the same job function runs, so it must be idempotent (arq may run a job twice).
"""

from backend.jobs.queue import enqueue
from backend.jobs.registry import job

__all__ = ["enqueue", "job"]

"""The jobs' own records: the dead-letter log, and one row per run of a job."""

from enum import StrEnum

from piccolo.columns import JSON, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table


class DeadJob(Table, tablename="dead_job"):
    name = Varchar(length=120, index=True)
    #: The job's arguments: ids only, never personal data.
    args = JSON(default="[]")
    error_type = Varchar(length=200)
    #: Scrubbed of anything that looks like personal data before it is stored.
    error_message = Text()
    tries = Integer(default=1)
    failed_at = Timestamptz()


class Trigger(StrEnum):
    """What started a run."""

    #: The schedule: the arq worker's cron, or the embedded scheduler without Redis.
    cron = "cron"
    #: An admin's "立即运行".
    manual = "manual"
    #: ``enqueue(...)`` from a unit of work.
    enqueued = "enqueued"


class Outcome(StrEnum):
    ok = "ok"
    #: Failed, and arq will try again after a back-off.
    retry = "retry"
    #: Failed for good (its last try, or an in-process run): also in the dead-letter log.
    failed = "failed"


class JobRun(Table, tablename="job_run"):
    """One try of one job, written in a transaction of its own after the job's has ended, so a
    failed job's rollback keeps it. Pruned by ``jobs.prune_job_runs``; the index on
    ``(name, started_at)`` (a separate migration) serves "the last run of each job"."""

    id: Serial
    name = Varchar(length=120)
    trigger = Varchar(length=16, choices=Trigger)
    started_at = Timestamptz(index=True)
    finished_at = Timestamptz()
    outcome = Varchar(length=16, choices=Outcome)
    error_type = Varchar(length=200, null=True, default=None)
    #: Scrubbed like the dead letters' (``backend.logging.scrub_text``) before it is stored.
    error_message = Text(null=True, default=None)
    duration_ms = Integer()

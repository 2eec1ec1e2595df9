"""The dead-letter log: jobs that failed on their last try."""

from piccolo.columns import JSON, Integer, Text, Timestamptz, Varchar
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

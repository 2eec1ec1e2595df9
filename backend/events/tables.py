"""The event log of need and pledge transitions: append-only, no personal data.

Every state change of a need or a pledge is recorded here in the same transaction as the
change itself, so the history can be replayed and audited; the ledger of the disclosure issue
builds on the same moments.
"""

from piccolo.columns import JSON, ForeignKey, Serial, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.accounts.tables import User
from backend.needs.tables import Need


class Event(Table, tablename="domain_event"):
    id: Serial
    at = Timestamptz(index=True)
    #: e.g. need.published, need.lapsed, pledge.accepted, pledge.cancelled, pledge.verified.
    kind = Varchar(length=40, index=True)
    need = ForeignKey(Need, on_delete=OnDelete.restrict, null=True, index=True)
    #: The pledge's public id, when the event is about a pledge.
    pledge_id = Varchar(length=24, null=True, default=None, index=True)
    #: Null for scheduled jobs.
    actor = ForeignKey(User, on_delete=OnDelete.restrict, null=True, default=None)
    #: Amounts and statuses only: never a personal field.
    data = JSON(default="{}")

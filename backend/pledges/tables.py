"""Pledges (认捐): an organisation's or volunteer's commitment against a need.

The need row carries running totals (``pledged_fen``, ``pledged_hours``); a pledge is accepted
only by a conditional UPDATE of those totals that cannot take them past the target, so the
database itself forbids over-pledging under any concurrency.
"""

from enum import StrEnum

from piccolo.columns import JSON, Date, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.accounts.tables import User
from backend.needs.tables import Need
from backend.organisations.tables import Organisation
from matching.vocabulary import NeedKind


class PledgeStatus(StrEnum):
    pledged = "pledged"
    delivered = "delivered"  # goods or services handed over, awaiting staff verification
    disbursed = "disbursed"  # fully paid out (disbursements), awaiting staff verification
    verified = "verified"  # confirmed by staff against the case
    cancelled = "cancelled"
    expired = "expired"


PLEDGE_STATUS_LABELS = {
    PledgeStatus.pledged: "已认捐",
    PledgeStatus.delivered: "已交付待核实",
    PledgeStatus.disbursed: "已拨付",
    PledgeStatus.verified: "已核实",
    PledgeStatus.cancelled: "已取消",
    PledgeStatus.expired: "已过期",
}

#: Statuses whose amount still counts against the need.
OPEN_STATUSES = (
    PledgeStatus.pledged,
    PledgeStatus.delivered,
    PledgeStatus.disbursed,
    PledgeStatus.verified,
)


class Pledge(Table, tablename="pledge"):
    id: Serial
    public_id = Varchar(length=24, unique=True)
    need = ForeignKey(Need, on_delete=OnDelete.restrict, index=True)
    #: Null for an individual volunteer's pledge of hours.
    organisation = ForeignKey(Organisation, on_delete=OnDelete.restrict, null=True, index=True)
    pledged_by = ForeignKey(User, on_delete=OnDelete.restrict, index=True)
    kind = Varchar(length=10, choices=NeedKind)
    #: Money in fen, or the estimated value of goods in fen.
    amount_fen = Integer(default=0)
    hours = Integer(default=0)
    #: Running total of the pledge's non-rejected disbursements (fen); only ever changed by the
    #: conditional UPDATEs of backend/disbursements/service.py, never past ``amount_fen``.
    disbursed_fen = Integer(default=0)
    #: Goods: [{"item", "quantity", "unit", "unit_value_fen"}].
    goods = JSON(default="[]")
    service_type = Varchar(length=40, default="")
    status = Varchar(length=12, choices=PledgeStatus, default=PledgeStatus.pledged, index=True)
    #: A retried request with the same key (per user) has the effect of one.
    idempotency_key = Varchar(length=80, unique=True)
    #: The government assistance records of the case at pledge time (linkage; staff only).
    linked_grants = JSON(default="[]")
    created_at = Timestamptz()
    expires_on = Date(index=True)
    delivered_at = Timestamptz(null=True, default=None)
    verified_at = Timestamptz(null=True, default=None)
    verified_by = ForeignKey(User, on_delete=OnDelete.restrict, null=True, default=None)
    cancelled_at = Timestamptz(null=True, default=None)
    cancel_reason = Text(default="")

"""Published needs: the anonymised public face of a referral's need item."""

from enum import StrEnum

from piccolo.columns import (
    JSON,
    Date,
    ForeignKey,
    Integer,
    Serial,
    SmallInt,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.cases.tables import Case
from backend.referrals.tables import NeedItem, Referral
from matching.vocabulary import NeedCategory, NeedKind, Urgency


class NeedStatus(StrEnum):
    published = "published"
    fully_pledged = "fully_pledged"
    fulfilled = "fulfilled"
    closed = "closed"
    lapsed = "lapsed"  # review date passed without re-verification
    expired = "expired"  # deadline passed


NEED_STATUS_LABELS = {
    NeedStatus.published: "募集中",
    NeedStatus.fully_pledged: "已足额认捐",
    NeedStatus.fulfilled: "已完成",
    NeedStatus.closed: "已关闭",
    NeedStatus.lapsed: "待复核",
    NeedStatus.expired: "已过期",
}


class Need(Table, tablename="need"):
    id: Serial
    #: Random, unguessable; the only id on public pages.
    public_id = Varchar(length=24, unique=True)
    #: Internal links, never exposed publicly.
    case = ForeignKey(Case, on_delete=OnDelete.restrict, index=True)
    referral = ForeignKey(Referral, on_delete=OnDelete.restrict, index=True)
    need_item = ForeignKey(NeedItem, on_delete=OnDelete.restrict, unique=True)
    title = Varchar(length=80)
    story = Text()
    category = Varchar(length=20, choices=NeedCategory, index=True)
    kind = Varchar(length=10, choices=NeedKind, index=True)
    urgency = Varchar(length=10, choices=Urgency, index=True)
    #: Generalised region (street, or district when k-anonymity needed it).
    region_code = Varchar(length=12, index=True)
    age_band = Varchar(length=20, null=True, default=None)
    sex = Varchar(length=6, null=True, default=None)
    household_size_band = Varchar(length=20, null=True, default=None)
    #: Targets, by kind: fen for money, estimated fen for goods, hours for services.
    target_fen = Integer(null=True, default=None)
    target_hours = Integer(null=True, default=None)
    goods = JSON(default="[]")
    service_type = Varchar(length=40, default="")
    deadline = Date(index=True)
    status = Varchar(length=16, choices=NeedStatus, default=NeedStatus.published, index=True)
    published_at = Timestamptz()
    review_due_on = Date(index=True)
    #: Government aid already given to the case, in fen: amounts only, for the public page.
    government_aid_fen = Integer(default=0)
    version = SmallInt(default=1)
    #: Running totals of open pledges (money/goods value in fen, service hours); only ever
    #: changed by the conditional UPDATEs of backend/pledges/service.py.
    pledged_fen = Integer(default=0)
    pledged_hours = Integer(default=0)
    #: When the need first became fully pledged, was fulfilled, was closed (for the reports).
    fully_pledged_at = Timestamptz(null=True, default=None)
    fulfilled_at = Timestamptz(null=True, default=None)
    closed_at = Timestamptz(null=True, default=None)

"""Referrals (转介): staff's proposal that a case be offered to charities, and its need items."""

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

from backend.accounts.tables import User
from backend.cases.tables import Case
from matching.vocabulary import NeedCategory, NeedKind, Urgency


class ReferralStatus(StrEnum):
    draft = "draft"
    submitted = "submitted"
    approved = "approved"
    rejected = "rejected"


REFERRAL_STATUS_LABELS = {
    ReferralStatus.draft: "草稿",
    ReferralStatus.submitted: "待审核",
    ReferralStatus.approved: "已通过",
    ReferralStatus.rejected: "已退回",
}


class ConsentMethod(StrEnum):
    written = "written"  # 书面签字
    oral = "oral"  # 口头同意（须有见证人）
    electronic = "electronic"  # 电子确认


CONSENT_METHOD_LABELS = {
    ConsentMethod.written: "书面签字",
    ConsentMethod.oral: "口头同意",
    ConsentMethod.electronic: "电子确认",
}


class Referral(Table, tablename="referral"):
    id: Serial
    ref_code = Varchar(length=24, unique=True)
    case = ForeignKey(Case, on_delete=OnDelete.restrict, index=True)
    status = Varchar(length=12, choices=ReferralStatus, default=ReferralStatus.draft, index=True)
    #: Staff's narrative in their own words: personal data, sealed.
    narrative_sealed = Text()
    #: The public story: the anonymiser's draft, edited by staff until nothing is found in it.
    public_text = Text()
    #: What the anonymiser removed (kinds, offsets, replacements; never the removed text).
    findings = JSON(default="[]")
    #: The published quasi-identifiers and how far they had to be generalised (k-anonymity).
    generalisation = JSON(default="{}")
    consent_on = Date(null=True, default=None)
    consent_method = Varchar(length=12, choices=ConsentMethod, null=True, default=None)
    consent_witness_sealed = Text(null=True, default=None)
    created_by = ForeignKey(User, on_delete=OnDelete.restrict)
    created_at = Timestamptz()
    submitted_at = Timestamptz(null=True, default=None)
    reviewed_by = ForeignKey(User, on_delete=OnDelete.restrict, null=True, default=None)
    reviewed_at = Timestamptz(null=True, default=None)
    decision_reason = Text(default="")


class NeedItem(Table, tablename="need_item"):
    """One thing the household still needs; each becomes one published need on approval."""

    id: Serial
    referral = ForeignKey(Referral, on_delete=OnDelete.cascade, index=True)
    seq = SmallInt()
    category = Varchar(length=20, choices=NeedCategory)
    kind = Varchar(length=10, choices=NeedKind)
    #: For money needs: the amount still needed, in fen.
    amount_fen = Integer(null=True, default=None)
    #: For goods needs: [{"item", "quantity", "unit", "unit_value_fen"}].
    goods = JSON(default="[]")
    #: For service needs: hours and the kind of service.
    hours = Integer(null=True, default=None)
    service_type = Varchar(length=40, default="")
    urgency = Varchar(length=10, choices=Urgency)
    deadline = Date()
    title = Varchar(length=80)

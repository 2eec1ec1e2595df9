"""Disbursement schemas: what the organisation records and what it and staff see.

The evidence file itself travels as the multipart field ``evidence``; its name is never kept.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from pydantic import BaseModel, Field, field_validator

from backend.disbursements.tables import (
    DisbursementStatus,
    EvidenceKind,
    PayeeKind,
    RejectionReason,
)


class DisbursementCreate(BaseModel):
    amount_fen: int = Field(title="拨付金额（分）", gt=0, le=1_000_000_000)
    payee_kind: PayeeKind = Field(title="收款方类型")
    paid_on: date = Field(title="拨付日期")
    evidence_kind: EvidenceKind = Field(title="证明类型")

    @field_validator("paid_on")
    @classmethod
    def _not_in_the_future(cls, value: date) -> date:
        # One day of slack: the organisation may sit in a later time zone than the server.
        if value > date.today() + timedelta(days=1):
            raise ValueError("拨付日期不能晚于今天")
        return value


class DisbursementReject(BaseModel):
    reason_code: RejectionReason = Field(title="退回原因")
    reason: str = Field(title="退回说明", min_length=2, max_length=500)


class DisbursementRead(BaseModel):
    id: str
    pledge_id: str
    amount_fen: int
    payee_kind: PayeeKind
    payee_kind_label: str
    paid_on: date
    evidence_kind: EvidenceKind
    evidence_kind_label: str
    evidence_sha256: str
    evidence_size: int
    evidence_type: str
    status: DisbursementStatus
    status_label: str
    recorded_at: datetime
    decided_at: datetime | None
    reject_reason_code: RejectionReason | None
    reject_reason_label: str
    #: Staff's explanation, shown to the organisation and staff only.
    reject_reason: str


class PledgeDisbursements(BaseModel):
    """A pledge's disbursements with what is still to be paid out."""

    pledge_id: str
    amount_fen: int
    disbursed_fen: int
    remaining_fen: int
    disbursements: list[DisbursementRead]

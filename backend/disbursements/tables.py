"""Disbursements (拨付): money (or the purchase of goods) actually paid out for a pledge.

A disbursement is recorded by a member of the pledging organisation with an evidence file
(receipt, invoice), then verified or rejected by civil-affairs staff of the case's region. The
pledge's ``disbursed_fen`` running total holds the sum of its non-rejected disbursements.
"""

from enum import StrEnum

from piccolo.columns import Date, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.accounts.tables import User
from backend.organisations.tables import Organisation
from backend.pledges.tables import Pledge


class PayeeKind(StrEnum):
    hospital = "hospital"
    school = "school"
    landlord = "landlord"
    supplier = "supplier"
    household = "household"


PAYEE_KIND_LABELS = {
    PayeeKind.hospital: "医院",
    PayeeKind.school: "学校",
    PayeeKind.landlord: "房东",
    PayeeKind.supplier: "供应商",
    PayeeKind.household: "受助家庭",
}


class EvidenceKind(StrEnum):
    receipt = "receipt"
    invoice = "invoice"
    other = "other"


EVIDENCE_KIND_LABELS = {
    EvidenceKind.receipt: "收据",
    EvidenceKind.invoice: "发票",
    EvidenceKind.other: "其他",
}


class DisbursementStatus(StrEnum):
    recorded = "recorded"  # awaiting staff verification
    verified = "verified"
    rejected = "rejected"  # its amount went back to the pledge


DISBURSEMENT_STATUS_LABELS = {
    DisbursementStatus.recorded: "待核实",
    DisbursementStatus.verified: "已核实",
    DisbursementStatus.rejected: "已退回",
}


class RejectionReason(StrEnum):
    """Why staff returned a disbursement: the code is public (ledger), the note is not."""

    evidence_unreadable = "evidence_unreadable"
    amount_mismatch = "amount_mismatch"
    payee_mismatch = "payee_mismatch"
    not_for_this_need = "not_for_this_need"
    duplicate = "duplicate"
    other = "other"


REJECTION_REASON_LABELS = {
    RejectionReason.evidence_unreadable: "证明文件无法辨认",
    RejectionReason.amount_mismatch: "金额与证明不符",
    RejectionReason.payee_mismatch: "收款方与需求不符",
    RejectionReason.not_for_this_need: "与该需求无关",
    RejectionReason.duplicate: "重复登记",
    RejectionReason.other: "其他",
}


class Disbursement(Table, tablename="disbursement"):
    id: Serial
    #: Random, unguessable; named in the ledger.
    public_id = Varchar(length=24, unique=True)
    pledge = ForeignKey(Pledge, on_delete=OnDelete.restrict, index=True)
    #: The pledging organisation, whose members recorded it and may read its evidence.
    organisation = ForeignKey(Organisation, on_delete=OnDelete.restrict, index=True)
    recorded_by = ForeignKey(User, on_delete=OnDelete.restrict)
    #: Fen paid out (positive).
    amount_fen = Integer()
    payee_kind = Varchar(length=12, choices=PayeeKind)
    paid_on = Date()
    evidence_kind = Varchar(length=10, choices=EvidenceKind)
    #: Hex SHA-256 of the evidence file, which lives under ``var_dir/evidence`` by this hash.
    evidence_sha256 = Varchar(length=64, index=True)
    evidence_size = Integer()
    #: Media type detected from the file's first bytes (never the client's claim).
    evidence_type = Varchar(length=40)
    status = Varchar(
        length=10, choices=DisbursementStatus, default=DisbursementStatus.recorded, index=True
    )
    recorded_at = Timestamptz()
    decided_at = Timestamptz(null=True, default=None)
    decided_by = ForeignKey(User, on_delete=OnDelete.restrict, null=True, default=None)
    reject_reason_code = Varchar(length=24, default="")
    #: Staff's explanation to the organisation; never in the ledger or the events.
    reject_reason = Text(default="")

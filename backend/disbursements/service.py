"""Disbursements: recording payouts against a pledge, staff verification, evidence downloads.

What a pledge still holds (its amount less its non-rejected disbursements) is enforced by the
database: a disbursement is accepted only by an UPDATE of the pledge's ``disbursed_fen`` whose
WHERE clause refuses to pass the pledge's amount, so concurrent requests can never disburse a
fen more than was pledged. Verification and rejection lock the pledge row first, so the last of
several concurrent verifications is the one that sees every disbursement verified and completes
the pledge (and the need, which is then fulfilled and closed).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import anyio.to_thread
import structlog
from piccolo.engine.postgres import PostgresEngine

from backend.accounts.guards import in_region_scope
from backend.accounts.schemas import CurrentUser
from backend.accounts.tables import Membership, Role
from backend.audit.service import record as audit
from backend.db import get_engine
from backend.disbursements import evidence
from backend.disbursements.schemas import (
    DisbursementCreate,
    DisbursementRead,
    DisbursementReject,
    PledgeDisbursements,
)
from backend.disbursements.tables import (
    DISBURSEMENT_STATUS_LABELS,
    EVIDENCE_KIND_LABELS,
    PAYEE_KIND_LABELS,
    REJECTION_REASON_LABELS,
    Disbursement,
    DisbursementStatus,
    EvidenceKind,
    PayeeKind,
    RejectionReason,
)
from backend.errors import Conflict, NotFound
from backend.events.service import record_event
from backend.ledger import service as ledger
from backend.needs.search_sync import need_changed
from backend.pledges.service import _fulfil_if_complete, _transition
from backend.pledges.tables import Pledge, PledgeStatus
from backend.referrals.service import known_identifiers
from matching.anonymiser import Finding, remaining_identifiers
from matching.ledger import EntryKind
from matching.recommend import yuan
from matching.vocabulary import NeedKind

log = structlog.get_logger(__name__)


class DisbursementNotFound(NotFound):
    code = "disbursement_not_found"
    message = "未找到该拨付记录"


class PledgeNotFound(NotFound):
    code = "pledge_not_found"
    message = "未找到该认捐"


class OverDisbursement(Conflict):
    code = "over_disbursement"

    def __init__(self, left_fen: int) -> None:
        super().__init__(
            f"拨付超过认捐尚未拨付的金额，当前剩余：{yuan(left_fen)}", field="amount_fen"
        )


class PledgeNotDisbursable(Conflict):
    code = "pledge_not_disbursable"
    message = "该认捐当前状态不能登记拨付"


class EvidenceReused(Conflict):
    code = "evidence_reused"
    message = "该证明文件已用于本认捐的另一笔拨付，请勿重复登记"

    def __init__(self) -> None:
        super().__init__(field="evidence")


class DisbursementStateConflict(Conflict):
    code = "disbursement_state_conflict"
    message = "只有待核实的拨付可以核实或退回"


class ReasonIdentifies(Conflict):
    """The reason is shown to the pledging organisation, which must not learn who the
    household is: the same check as a referral's public text."""

    code = "reason_identifies"

    def __init__(self, findings: tuple[Finding, ...]) -> None:
        kinds = "、".join(sorted({f.reason for f in findings}))
        super().__init__(
            f"退回说明会告知认捐组织，其中不能含有可识别家庭的信息，请修改后再提交：{kinds}",
            field="reason",
        )


def _now() -> datetime:
    return datetime.now(UTC)


async def _lock_pledge(pledge_id: int) -> None:
    """Serialise decisions on one pledge's disbursements (SQLite serialises writes anyway)."""
    if isinstance(get_engine(), PostgresEngine):
        await Pledge.raw("SELECT id FROM pledge WHERE id = {} FOR UPDATE", pledge_id)


_PLEDGE_COLUMNS = (
    Pledge.id,
    Pledge.public_id,
    Pledge.kind,
    Pledge.amount_fen,
    Pledge.hours,
    Pledge.disbursed_fen,
    Pledge.status,
    Pledge.organisation,
    Pledge.organisation.public_id,
    Pledge.need,
    Pledge.need.public_id,
    Pledge.need._.case._.region_code,
)


async def _is_member(user: CurrentUser, organisation_id: int | None) -> bool:
    if organisation_id is None or user.role != Role.org_member:
        return False
    found: bool = await Membership.exists().where(
        (Membership.user == user.id) & (Membership.organisation == organisation_id)
    )
    return found


def _staff_in_scope(user: CurrentUser, region_code: str) -> bool:
    """Civil-affairs staff of the case's region (auditors and admins see no evidence)."""
    return user.role == Role.staff and in_region_scope(user, region_code)


async def _pledge_of_member(user: CurrentUser, pledge_public_id: str) -> dict[str, Any]:
    row = await Pledge.select(*_PLEDGE_COLUMNS).where(Pledge.public_id == pledge_public_id).first()
    if row is None or not await _is_member(user, row["organisation"]):
        raise PledgeNotFound()
    return row


async def record_disbursement(
    user: CurrentUser, pledge_public_id: str, data: DisbursementCreate, content: bytes
) -> DisbursementRead:
    """A member of the pledging organisation records money paid out, with its evidence."""
    pledge = await _pledge_of_member(user, pledge_public_id)
    if pledge["kind"] == NeedKind.service:
        raise PledgeNotDisbursable("服务时长认捐无需登记拨付，请在完成服务后标记交付")
    if pledge["status"] in (PledgeStatus.cancelled, PledgeStatus.expired):
        raise PledgeNotDisbursable("该认捐已取消或已过期，不能登记拨付")
    if pledge["status"] == PledgeStatus.verified:
        raise PledgeNotDisbursable("该认捐已核实完成，不能再登记拨付")
    found = evidence.check(content)

    # One statement: adds the amount unless that would pass the pledge's amount; the pledge
    # becomes "disbursed" with its last fen. Only constants are interpolated.
    amount = data.amount_fen
    taken = await Pledge.raw(
        "UPDATE pledge SET disbursed_fen = disbursed_fen + {}, "
        "status = CASE WHEN status = 'pledged' AND disbursed_fen + {} >= amount_fen "
        "THEN 'disbursed' ELSE status END "
        "WHERE id = {} AND status IN ('pledged', 'delivered') "
        "AND disbursed_fen + {} <= amount_fen RETURNING status",
        amount,
        amount,
        pledge["id"],
        amount,
    )
    if not taken:
        now = await Pledge.select(Pledge.status, Pledge.disbursed_fen, Pledge.amount_fen).where(
            Pledge.id == pledge["id"]
        )
        if now and now[0]["status"] in (PledgeStatus.cancelled, PledgeStatus.expired):
            raise PledgeNotDisbursable("该认捐已取消或已过期，不能登记拨付")
        left = now[0]["amount_fen"] - now[0]["disbursed_fen"] if now else 0
        raise OverDisbursement(max(left, 0))
    # The pledge row is locked until commit, so a concurrent upload of the same file waits
    # above and then sees this one.
    if await Disbursement.exists().where(
        (Disbursement.pledge == pledge["id"])
        & (Disbursement.evidence_sha256 == found.sha256)
        & (Disbursement.status != DisbursementStatus.rejected)
    ):
        raise EvidenceReused()

    row = Disbursement(
        public_id=secrets.token_urlsafe(12),
        pledge=pledge["id"],
        organisation=pledge["organisation"],
        recorded_by=user.id,
        amount_fen=amount,
        payee_kind=data.payee_kind,
        paid_on=data.paid_on,
        evidence_kind=data.evidence_kind,
        evidence_sha256=found.sha256,
        evidence_size=found.size,
        evidence_type=found.media_type,
        status=DisbursementStatus.recorded,
        recorded_at=_now(),
    )
    await row.save()
    await anyio.to_thread.run_sync(evidence.store, content, found)
    await record_event(
        "disbursement.recorded",
        need_id=pledge["need"],
        pledge_id=pledge["public_id"],
        actor_id=user.id,
        disbursement=row.public_id,
        amount_fen=amount,
        payee_kind=data.payee_kind.value,
    )
    await ledger.append(
        EntryKind.disbursement,
        amount_fen=amount,
        need=pledge["need.public_id"],
        organisation=pledge["organisation.public_id"],
        pledge=pledge["public_id"],
        details={
            "disbursement": row.public_id,
            "payee_kind": data.payee_kind.value,
            "paid_on": data.paid_on.isoformat(),
            "evidence_sha256": found.sha256,
            "evidence_kind": data.evidence_kind.value,
        },
    )
    if taken[0]["status"] == PledgeStatus.disbursed and pledge["status"] != PledgeStatus.disbursed:
        await record_event(
            "pledge.disbursed",
            need_id=pledge["need"],
            pledge_id=pledge["public_id"],
            amount_fen=pledge["amount_fen"],
        )
    need_changed(pledge["need.public_id"])
    log.info(
        "disbursement_recorded",
        disbursement=row.public_id,
        pledge=pledge["public_id"],
        evidence_bytes=found.size,
    )
    return await _read(row.public_id)


_READ_COLUMNS = (
    Disbursement.id,
    Disbursement.public_id,
    Disbursement.amount_fen,
    Disbursement.payee_kind,
    Disbursement.paid_on,
    Disbursement.evidence_kind,
    Disbursement.evidence_sha256,
    Disbursement.evidence_size,
    Disbursement.evidence_type,
    Disbursement.status,
    Disbursement.recorded_at,
    Disbursement.decided_at,
    Disbursement.reject_reason_code,
    Disbursement.reject_reason,
    Disbursement.pledge.public_id,
)


def _to_read(row: dict[str, Any]) -> DisbursementRead:
    status = DisbursementStatus(row["status"])
    payee = PayeeKind(row["payee_kind"])
    kind = EvidenceKind(row["evidence_kind"])
    reason = RejectionReason(row["reject_reason_code"]) if row["reject_reason_code"] else None
    return DisbursementRead(
        id=row["public_id"],
        pledge_id=row["pledge.public_id"],
        amount_fen=row["amount_fen"],
        payee_kind=payee,
        payee_kind_label=PAYEE_KIND_LABELS[payee],
        paid_on=row["paid_on"],
        evidence_kind=kind,
        evidence_kind_label=EVIDENCE_KIND_LABELS[kind],
        evidence_sha256=row["evidence_sha256"],
        evidence_size=row["evidence_size"],
        evidence_type=row["evidence_type"],
        status=status,
        status_label=DISBURSEMENT_STATUS_LABELS[status],
        recorded_at=row["recorded_at"],
        decided_at=row["decided_at"],
        reject_reason_code=reason,
        reject_reason_label=REJECTION_REASON_LABELS[reason] if reason else "",
        reject_reason=row["reject_reason"],
    )


async def _read(public_id: str) -> DisbursementRead:
    row = (
        await Disbursement.select(*_READ_COLUMNS).where(Disbursement.public_id == public_id).first()
    )
    if row is None:
        raise DisbursementNotFound()
    return _to_read(row)


async def disbursements_by_pledge(
    pledge_public_ids: list[str],
) -> dict[str, list[DisbursementRead]]:
    """The disbursements of pledges the caller already may see (my pledges, a case's linkage)."""
    found: dict[str, list[DisbursementRead]] = {p: [] for p in pledge_public_ids}
    if not pledge_public_ids:
        return found
    rows = (
        await Disbursement.select(*_READ_COLUMNS)
        .where(Disbursement.pledge.public_id.is_in(pledge_public_ids))
        .order_by(Disbursement.id)
    )
    for row in rows:
        found[row["pledge.public_id"]].append(_to_read(row))
    return found


async def pledge_disbursements(user: CurrentUser, pledge_public_id: str) -> PledgeDisbursements:
    """For the pledging organisation's members and staff of the case's region; else 404."""
    pledge = (
        await Pledge.select(*_PLEDGE_COLUMNS).where(Pledge.public_id == pledge_public_id).first()
    )
    if pledge is None or not (
        _staff_in_scope(user, pledge["need.case.region_code"])
        or await _is_member(user, pledge["organisation"])
    ):
        raise PledgeNotFound()
    listed = (await disbursements_by_pledge([pledge_public_id]))[pledge_public_id]
    return PledgeDisbursements(
        pledge_id=pledge_public_id,
        amount_fen=pledge["amount_fen"],
        disbursed_fen=pledge["disbursed_fen"],
        remaining_fen=pledge["amount_fen"] - pledge["disbursed_fen"],
        disbursements=listed,
    )


_DECISION_COLUMNS = (
    Disbursement.id,
    Disbursement.public_id,
    Disbursement.amount_fen,
    Disbursement.status,
    Disbursement.pledge,
    Disbursement.pledge.public_id,
    Disbursement.pledge._.status,
    Disbursement.pledge._.need,
    Disbursement.pledge._.need._.public_id,
    Disbursement.pledge._.need._.case,
    Disbursement.pledge._.need._.case._.region_code,
    Disbursement.pledge._.organisation._.public_id,
)


async def _for_staff(staff: CurrentUser, public_id: str) -> dict[str, Any]:
    row = (
        await Disbursement.select(*_DECISION_COLUMNS)
        .where(Disbursement.public_id == public_id)
        .first()
    )
    if row is None or not _staff_in_scope(staff, row["pledge.need.case.region_code"]):
        raise DisbursementNotFound()
    return row


async def _decide(
    row: dict[str, Any], staff: CurrentUser, to: DisbursementStatus, values: dict[Any, Any]
) -> None:
    """Move a recorded disbursement to ``to`` (conditional: a second decision loses)."""
    await _lock_pledge(row["pledge"])
    moved = (
        await Disbursement.update(
            {
                Disbursement.status: to,
                Disbursement.decided_at: _now(),
                Disbursement.decided_by: staff.id,
                **values,
            }
        )
        .where(
            (Disbursement.id == row["id"]) & (Disbursement.status == DisbursementStatus.recorded)
        )
        .returning(Disbursement.id)
    )
    if not moved:
        raise DisbursementStateConflict()


async def verify_disbursement(staff: CurrentUser, public_id: str) -> DisbursementRead:
    """Staff confirm a payout against the case; the last one completes the pledge."""
    row = await _for_staff(staff, public_id)
    await _decide(row, staff, DisbursementStatus.verified, {})
    pledge_public_id = row["pledge.public_id"]
    need_public_id = row["pledge.need.public_id"]
    await record_event(
        "disbursement.verified",
        need_id=row["pledge.need"],
        pledge_id=pledge_public_id,
        actor_id=staff.id,
        disbursement=public_id,
        amount_fen=row["amount_fen"],
    )
    await ledger.append(
        EntryKind.verification,
        amount_fen=row["amount_fen"],
        need=need_public_id,
        organisation=row["pledge.organisation.public_id"],
        pledge=pledge_public_id,
        details={"of": "disbursement", "disbursement": public_id},
    )
    log.info("disbursement_verified", disbursement=public_id, pledge=pledge_public_id)
    await _complete_pledge(staff, row)
    need_changed(need_public_id)
    return await _read(public_id)


async def _complete_pledge(staff: CurrentUser, row: dict[str, Any]) -> None:
    """A fully disbursed pledge whose every disbursement is verified is verified itself."""
    pending = await Disbursement.exists().where(
        (Disbursement.pledge == row["pledge"])
        & (Disbursement.status == DisbursementStatus.recorded)
    )
    if pending:
        return
    pledge = {"id": row["pledge"]}
    if not await _transition(
        pledge,
        PledgeStatus.verified,
        (PledgeStatus.disbursed,),
        {Pledge.verified_at: _now(), Pledge.verified_by: staff.id},
    ):
        return  # not yet fully disbursed, or a delivered goods pledge verified on its own path
    await record_event(
        "pledge.verified",
        need_id=row["pledge.need"],
        pledge_id=row["pledge.public_id"],
        actor_id=staff.id,
        by="disbursements",
    )
    log.info("pledge_verified", pledge=row["pledge.public_id"], by="disbursements")
    await _fulfil_if_complete(row["pledge.need"], row["pledge.need.public_id"])


async def reject_disbursement(
    staff: CurrentUser, public_id: str, data: DisbursementReject
) -> DisbursementRead:
    """Staff return a payout that does not check out; its amount goes back to the pledge.

    The ledger gets a correction (the same kind, negative amount, the reason's code only), so
    the public totals stay right and nothing is silently edited; the explanation stays here.
    """
    row = await _for_staff(staff, public_id)
    known = await known_identifiers(row["pledge.need.case"])
    findings = remaining_identifiers(data.reason, known)
    if findings:
        raise ReasonIdentifies(findings)
    await _decide(
        row,
        staff,
        DisbursementStatus.rejected,
        {
            Disbursement.reject_reason_code: data.reason_code,
            Disbursement.reject_reason: data.reason,
        },
    )
    await Pledge.raw(
        "UPDATE pledge SET disbursed_fen = disbursed_fen - {}, "
        "status = CASE WHEN status = 'disbursed' THEN 'pledged' ELSE status END "
        "WHERE id = {}",
        row["amount_fen"],
        row["pledge"],
    )
    await record_event(
        "disbursement.rejected",
        need_id=row["pledge.need"],
        pledge_id=row["pledge.public_id"],
        actor_id=staff.id,
        disbursement=public_id,
        amount_fen=row["amount_fen"],
        reason_code=data.reason_code.value,
    )
    await ledger.append(
        EntryKind.disbursement,
        amount_fen=-row["amount_fen"],
        need=row["pledge.need.public_id"],
        organisation=row["pledge.organisation.public_id"],
        pledge=row["pledge.public_id"],
        details={
            "disbursement": public_id,
            "correction": "rejected",
            "reason_code": data.reason_code.value,
        },
    )
    need_changed(row["pledge.need.public_id"])
    log.info("disbursement_rejected", disbursement=public_id, reason_code=data.reason_code.value)
    return await _read(public_id)


@dataclass(frozen=True)
class EvidenceFile:
    content: bytes
    media_type: str
    #: Built from the disbursement's id: the uploader's file name is never kept.
    filename: str


async def evidence_download(
    user: CurrentUser | None, public_id: str, *, ip: str = ""
) -> EvidenceFile:
    """The evidence file for the organisation's members and staff of the case's region.

    Anyone else (anonymous, other organisations, staff of other regions, auditors) gets the
    same 404 as for an unknown id, so the file's existence is not revealed. Each download by
    staff is audited against the case, as the file may show the household's personal data.
    """
    row = (
        await Disbursement.select(
            Disbursement.evidence_sha256,
            Disbursement.evidence_type,
            Disbursement.organisation,
            Disbursement.pledge._.need._.case,
            Disbursement.pledge._.need._.case._.region_code,
        )
        .where(Disbursement.public_id == public_id)
        .first()
    )
    if row is None or user is None:
        raise DisbursementNotFound()
    staff = _staff_in_scope(user, row["pledge.need.case.region_code"])
    if not staff and not await _is_member(user, row["organisation"]):
        raise DisbursementNotFound()
    try:
        content = await anyio.to_thread.run_sync(evidence.read, row["evidence_sha256"])
    except FileNotFoundError:
        log.error("evidence_file_missing", disbursement=public_id)
        raise DisbursementNotFound("证明文件缺失，请联系平台管理员") from None
    await audit(
        user,
        "disbursement.evidence",
        case_id=row["pledge.need.case"] if staff else None,
        detail=f"下载拨付证明 {public_id}",
        ip=ip,
    )
    suffix = evidence.SUFFIXES.get(row["evidence_type"], "")
    return EvidenceFile(
        content=content, media_type=row["evidence_type"], filename=f"evidence-{public_id}{suffix}"
    )

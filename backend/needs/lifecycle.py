"""Needs over time: lapse past the review date, expire past the deadline, reopen on
re-verification. Run daily by arq cron (and callable directly); every change re-indexes."""

from __future__ import annotations

from datetime import UTC, date, datetime

import structlog

from backend.accounts.schemas import CurrentUser
from backend.audit.service import record
from backend.cases.service import case_in_scope
from backend.cases.tables import Case
from backend.events.service import record_event
from backend.jobs import job
from backend.needs.search_sync import need_changed
from backend.needs.service import review_due_on
from backend.needs.tables import Need, NeedStatus

log = structlog.get_logger(__name__)


async def sweep(today: date | None = None) -> dict[str, int]:
    """Lapse needs whose case is due for review; expire open needs past their deadline."""
    today = today or date.today()
    lapsed = (
        await Need.update({Need.status: NeedStatus.lapsed})
        .where(
            Need.status.is_in([NeedStatus.published, NeedStatus.fully_pledged])
            & (Need.review_due_on < today)
        )
        .returning(Need.public_id)
    )
    expired = (
        await Need.update({Need.status: NeedStatus.expired})
        .where((Need.status == NeedStatus.published) & (Need.deadline < today))
        .returning(Need.public_id)
    )
    for row in [*lapsed, *expired]:
        need_changed(row["public_id"])
    if lapsed or expired:
        log.info("needs_swept", lapsed=len(lapsed), expired=len(expired))
    return {"lapsed": len(lapsed), "expired": len(expired)}


@job
async def sweep_needs() -> None:
    """The daily sweep (idempotent: a second run finds nothing to change)."""
    await sweep()


async def reverify_case(staff: CurrentUser, case_ref: str, *, ip: str = "") -> int:
    """Staff re-verified the household (复核): lapsed needs reopen with a new review date."""
    case = await case_in_scope(staff, case_ref)
    today = date.today()
    await Case.update({Case.verified_on: today, Case.updated_at: datetime.now(UTC)}).where(
        Case.id == case["id"]
    )
    due = await review_due_on(case["id"], today)
    reopened = await Need.raw(
        "UPDATE need SET review_due_on = {}, status = CASE "
        "WHEN (kind = 'service' AND pledged_hours >= target_hours) "
        "OR (kind <> 'service' AND pledged_fen >= target_fen) THEN 'fully_pledged' "
        "WHEN deadline < {} THEN 'expired' ELSE 'published' END "
        "WHERE \"case\" = {} AND status = 'lapsed' RETURNING id, public_id, status",
        due,
        today,
        case["id"],
    )
    await Need.update({Need.review_due_on: due}).where(
        (Need.case == case["id"])
        & Need.status.is_in([NeedStatus.published, NeedStatus.fully_pledged])
    )
    for row in reopened:
        await record_event(
            "need.reverified",
            need_id=row["id"],
            actor_id=staff.id,
            status=row["status"],
            review_due_on=due.isoformat(),
        )
        need_changed(row["public_id"])
    await record(
        staff, "case.reverify", case_id=case["id"], detail=f"重新发布{len(reopened)}项", ip=ip
    )
    return len(reopened)

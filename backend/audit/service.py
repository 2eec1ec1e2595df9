"""Writing and reading the audit log of personal-data access."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from backend.accounts.schemas import CurrentUser
from backend.audit.tables import AuditEntry

ACTION_LABELS = {
    "case.create": "登记救助对象",
    "case.view": "查看救助对象",
    "case.search": "检索救助对象",
    "case.grant": "登记救助记录",
    "referral.create": "创建转介",
    "referral.view": "查看转介原文",
    "referral.update": "修改转介",
    "referral.review": "审核转介",
    "relative.declare": "近亲属备案",
    "case.reverify": "复核救助对象",
}


class AuditRead(BaseModel):
    at: datetime
    username: str
    display_name: str
    action: str
    action_label: str
    case_ref: str | None
    detail: str
    ip: str


async def record(
    user: CurrentUser, action: str, *, case_id: int | None = None, detail: str = "", ip: str = ""
) -> None:
    """Append one entry. ``detail`` must name fields or counts, never a personal value."""
    await AuditEntry.insert(
        AuditEntry(user=user.id, action=action, case=case_id, detail=detail[:500], ip=ip)
    )


async def entries(
    *, case_ref: str | None = None, username: str | None = None, limit: int = 200, offset: int = 0
) -> list[AuditRead]:
    query = AuditEntry.select(
        AuditEntry.at,
        AuditEntry.user.username,
        AuditEntry.user.display_name,
        AuditEntry.action,
        AuditEntry.case.ref_code,
        AuditEntry.detail,
        AuditEntry.ip,
    ).order_by(AuditEntry.id, ascending=False)
    if case_ref:
        query = query.where(AuditEntry.case.ref_code == case_ref)
    if username:
        query = query.where(AuditEntry.user.username == username)
    rows: list[dict[str, Any]] = await query.limit(limit).offset(offset)
    return [
        AuditRead(
            at=row["at"],
            username=row["user.username"],
            display_name=row["user.display_name"],
            action=row["action"],
            action_label=ACTION_LABELS.get(row["action"], row["action"]),
            case_ref=row["case.ref_code"],
            detail=row["detail"],
            ip=row["ip"],
        )
        for row in rows
    ]

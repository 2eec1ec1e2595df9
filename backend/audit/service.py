"""Writing the audit log of personal-data access, and reading it for auditors and admins.

Reading is filtered by time, actor, action and case, page by page; an export (CSV or .xlsx,
``backend/audit/export.py``) is itself an action on the log and is recorded like any other.
Every action is a member of ``matching.vocabulary.AuditAction``, so none can be written without
the Chinese label people read it by.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from piccolo.columns.combination import Or
from piccolo.query import Count, Select
from pydantic import BaseModel, Field

from backend.accounts.schemas import CurrentUser
from backend.audit.tables import AuditEntry
from backend.errors import DomainError
from matching.vocabulary import AUDIT_ACTION_LABELS, AUDIT_DETAIL_LABELS, AuditAction

Query = TypeVar("Query", Select[Any], Count)

PAGE_SIZE = 50
PAGE_SIZE_MAX = 500
#: An export larger than this is refused: narrow the dates instead.
EXPORT_MAX_ROWS = 100_000


class AuditExportTooLarge(DomainError):
    status_code = 400
    code = "audit_export_too_large"
    message = f"符合条件的记录超过 {EXPORT_MAX_ROWS} 条，请缩小日期范围后再导出"


class AuditFilter(BaseModel):
    """Which entries: all of the given conditions hold. Times are aware; ``until`` excluded."""

    since: datetime | None = None
    until: datetime | None = None
    #: A username (exactly, any case) or part of a display name.
    actor: str | None = Field(default=None, max_length=100)
    action: AuditAction | None = None
    case_ref: str | None = Field(default=None, max_length=32)

    def describe(self) -> str:
        """The filter in words, for the export's own audit entry (no personal data in it)."""
        parts = []
        if self.since:
            parts.append(f"自 {self.since.isoformat(timespec='minutes')}")
        if self.until:
            parts.append(f"至 {self.until.isoformat(timespec='minutes')} 前")
        if self.actor:
            parts.append(f"用户 {self.actor}")
        if self.action:
            parts.append(f"操作 {AUDIT_ACTION_LABELS[self.action]}")
        if self.case_ref:
            parts.append(f"救助对象 {self.case_ref}")
        return "，".join(parts) or "全部记录"


class AuditRead(BaseModel):
    at: datetime
    username: str
    display_name: str
    action: str
    action_label: str
    case_ref: str | None
    #: As recorded (a code for some actions, e.g. a grant's kind).
    detail: str
    #: What people read: a recorded code replaced by its label.
    detail_label: str
    ip: str


class AuditPage(BaseModel):
    items: list[AuditRead]
    total: int
    page: int
    page_size: int


async def record(
    user: CurrentUser, action: str, *, case_id: int | None = None, detail: str = "", ip: str = ""
) -> None:
    """Append one entry. ``detail`` must name fields or counts, never a personal value."""
    await AuditEntry.insert(
        AuditEntry(
            user=user.id, action=AuditAction(action).value, case=case_id, detail=detail[:500], ip=ip
        )
    )


def action_label(action: str) -> str:
    try:
        return AUDIT_ACTION_LABELS[AuditAction(action)]
    except ValueError:  # written before the vocabulary knew it: shown as it was recorded
        return action


def detail_label(action: str, detail: str) -> str:
    try:
        labels: dict[Any, str] = AUDIT_DETAIL_LABELS.get(AuditAction(action), {})
    except ValueError:
        return detail
    return labels.get(detail, detail)


def _where(query: Query, found: AuditFilter) -> Query:
    if found.since is not None:
        query = query.where(AuditEntry.at >= found.since)
    if found.until is not None:
        query = query.where(AuditEntry.at < found.until)
    if found.action is not None:
        query = query.where(AuditEntry.action == found.action.value)
    if found.case_ref:
        query = query.where(AuditEntry.case.ref_code == found.case_ref.strip())
    if found.actor and found.actor.strip():
        actor = found.actor.strip()
        # LIKE escapes differ between PostgreSQL and SQLite: a ``%`` typed is dropped instead.
        pattern = "%" + actor.replace("%", "").replace("\\", "") + "%"
        name = AuditEntry.user.display_name
        # SQLite's LIKE already ignores ASCII case (and piccolo warns at each ILIKE there).
        sqlite = AuditEntry._meta.db.engine_type == "sqlite"
        matches = name.like(pattern) if sqlite else name.ilike(pattern)
        query = query.where(Or(AuditEntry.user.username == actor.lower(), matches))
    return query


def _read(row: dict[str, Any]) -> AuditRead:
    return AuditRead(
        at=row["at"],
        username=row["user.username"],
        display_name=row["user.display_name"],
        action=row["action"],
        action_label=action_label(row["action"]),
        case_ref=row["case.ref_code"],
        detail=row["detail"],
        detail_label=detail_label(row["action"], row["detail"]),
        ip=row["ip"],
    )


def _select() -> Select[Any]:
    return AuditEntry.select(
        AuditEntry.at,
        AuditEntry.user.username,
        AuditEntry.user.display_name,
        AuditEntry.action,
        AuditEntry.case.ref_code,
        AuditEntry.detail,
        AuditEntry.ip,
    ).order_by(AuditEntry.id, ascending=False)


async def count(found: AuditFilter) -> int:
    total: int = await _where(AuditEntry.count(), found)
    return total


async def entries(found: AuditFilter, *, limit: int = 200, offset: int = 0) -> list[AuditRead]:
    """The newest entries first."""
    rows: list[dict[str, Any]] = await _where(_select(), found).limit(limit).offset(offset)
    return [_read(row) for row in rows]


async def page_of(found: AuditFilter, page: int = 1, page_size: int = PAGE_SIZE) -> AuditPage:
    size = max(1, min(page_size, PAGE_SIZE_MAX))
    number = max(1, page)
    items = await entries(found, limit=size, offset=(number - 1) * size)
    return AuditPage(items=items, total=await count(found), page=number, page_size=size)


async def entries_for_export(
    user: CurrentUser, found: AuditFilter, fmt: str, *, ip: str = ""
) -> list[AuditRead]:
    """Every matching entry for a download, the download itself recorded first."""
    total = await count(found)
    if total > EXPORT_MAX_ROWS:
        raise AuditExportTooLarge(field="date_to")
    rows = await entries(found, limit=EXPORT_MAX_ROWS)
    await record(
        user,
        AuditAction.audit_export,
        detail=f"导出 {fmt.upper()} {len(rows)} 条；{found.describe()}",
        ip=ip,
    )
    return rows

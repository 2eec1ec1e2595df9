"""The audit log's filter as people type it (the page's form, the API's query string).

Dates are whole days in Beijing time, both ends included: 2025-03-01 to 2025-03-31 is March as
a Tianjin auditor means it. Each mistake is named by its field, in Chinese.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from litestar.params import FromQuery

from backend.audit.service import AuditFilter
from backend.web.forms import FormErrors
from backend.web.pages import LOCAL_ZONE
from matching.vocabulary import AUDIT_ACTION_LABELS, AuditAction

#: (value, label) of the action select, in the vocabulary's order.
ACTION_OPTIONS = [(action.value, label) for action, label in AUDIT_ACTION_LABELS.items()]


@dataclass(frozen=True)
class AuditQuery:
    """The filter's fields as typed, each a string ("" when not given)."""

    date_from: str = ""
    date_to: str = ""
    actor: str = ""
    action: str = ""
    case: str = ""

    @classmethod
    def of(cls, **typed: str | None) -> AuditQuery:
        return cls(**{k: (v or "").strip()[:100] for k, v in typed.items()})

    def values(self) -> dict[str, str]:
        return asdict(self)

    def query_string(self, **extra: int | str) -> str:
        pairs = {**self.values(), **{k: str(v) for k, v in extra.items()}}
        return urlencode({k: v for k, v in pairs.items() if v})

    def __bool__(self) -> bool:
        return any(self.values().values())


def audit_query(
    date_from: FromQuery[str] = "",
    date_to: FromQuery[str] = "",
    actor: FromQuery[str] = "",
    action: FromQuery[str] = "",
    case: FromQuery[str] = "",
) -> AuditQuery:
    """The filter from the query string (a dependency of the page and the API)."""
    return AuditQuery.of(
        date_from=date_from, date_to=date_to, actor=actor, action=action, case=case
    )


def _day(text: str, field: str, label: str, errors: FormErrors) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.add(field, f"{label}应为日期，如 2025-03-01")
        return None


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LOCAL_ZONE)


def to_filter(query: AuditQuery) -> tuple[AuditFilter, FormErrors]:
    """The filter, and the mistakes found (a field in error filters nothing)."""
    errors = FormErrors()
    first = _day(query.date_from, "date_from", "开始日期", errors)
    last = _day(query.date_to, "date_to", "结束日期", errors)
    if first and last and last < first:
        errors.add("date_to", "结束日期不能早于开始日期")
        last = None
    action = None
    if query.action:
        try:
            action = AuditAction(query.action)
        except ValueError:
            errors.add("action", "操作不在可选范围内")
    found = AuditFilter(
        since=_midnight(first) if first else None,
        until=_midnight(last + timedelta(days=1)) if last else None,
        actor=query.actor or None,
        action=action,
        case_ref=query.case or None,
    )
    return found, errors

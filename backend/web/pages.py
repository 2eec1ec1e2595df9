"""Rendering server pages with what every page needs (the user, role labels, CSRF)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Request
from litestar.response import Template

from backend.accounts.schemas import CurrentUser
from backend.accounts.tables import ROLE_LABELS, Role


def role_label(role: Role | str) -> str:
    return ROLE_LABELS.get(Role(role), str(role))


def current_user(request: Request[Any, Any, Any]) -> CurrentUser | None:
    user = request.scope.get("user")
    return user if isinstance(user, CurrentUser) else None


def page(
    request: Request[Any, Any, Any],
    template_name: str,
    *,
    status_code: int = 200,
    **context: Any,
) -> Template:
    context.setdefault("user", current_user(request))
    context.setdefault("flashes", [])
    return Template(template_name=template_name, context=context, status_code=status_code)


#: Staff and the public read times in Beijing time, whatever the server's zone.
LOCAL_ZONE = ZoneInfo("Asia/Shanghai")


def yuan(fen: int | None) -> str:
    """Integer fen as yuan for people: 123456 → "¥1,234.56" (exact, no float)."""
    if fen is None:
        return "—"
    sign = "-" if fen < 0 else ""
    return f"{sign}¥{Decimal(abs(fen)).scaleb(-2):,.2f}"


def local_time(value: datetime | date | None) -> str:
    """A timestamp in Beijing time to the minute, a date as YYYY-MM-DD."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(LOCAL_ZONE)
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


TEMPLATE_GLOBALS = {"role_label": role_label, "yuan": yuan, "local_time": local_time}

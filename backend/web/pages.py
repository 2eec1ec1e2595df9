"""Rendering server pages with what every page needs (the user, role labels, CSRF)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import pass_context
from jinja2.runtime import Context
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


#: Roles whose nav shows the inbox badge: people who receive need digests.
INBOX_ROLES = frozenset({Role.org_member, Role.volunteer})
_INBOX_UNREAD = "inbox_unread"


async def load_inbox_badge(request: Request[Any, Any, Any]) -> None:
    """App-wide ``before_request`` hook: count the unread inbox for the nav badge.

    Jinja renders synchronously, so the count cannot be read from the template itself; it is
    read here, once, and only where a badge will show: a whole page (not the API, not an
    htmx fragment), fetched with GET by an organisation member or volunteer. One indexed
    COUNT. A controller or handler that sets a ``before_request`` of its own replaces this
    hook (Litestar layers override), and its pages then show no badge.
    """
    user = current_user(request)
    if (
        user is None
        or user.role not in INBOX_ROLES
        or request.method != "GET"
        or request.url.path.startswith("/api/")
        or request.headers.get("hx-request") == "true"
    ):
        return
    from backend.notifications.service import unread_count

    request.state[_INBOX_UNREAD] = await unread_count(user)


@pass_context
def inbox_unread(context: Context) -> int:
    """Unread notifications of the current user, as counted by ``load_inbox_badge`` (else 0)."""
    request = context.get("request")
    if not isinstance(request, Request):
        return 0
    return int(request.state.get(_INBOX_UNREAD, 0))


TEMPLATE_GLOBALS = {
    "role_label": role_label,
    "yuan": yuan,
    "local_time": local_time,
    "inbox_unread": inbox_unread,
}

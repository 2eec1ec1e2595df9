"""Rendering server pages with what every page needs (the user, role labels, CSRF)."""

from __future__ import annotations

from typing import Any

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


TEMPLATE_GLOBALS = {"role_label": role_label}

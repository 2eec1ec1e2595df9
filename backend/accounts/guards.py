"""Guards every endpoint reuses: who may call it (role), where (region scope), for whom (org).

Refusals raise domain errors, so the API answers with its error shape and the web pages with a
page or a redirect to the login form.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from backend.accounts.schemas import CurrentUser
from backend.accounts.tables import REGION_SCOPED_ROLES, Membership, MembershipRole, Role
from backend.errors import Forbidden, NotAuthenticated, NotFound
from matching.regions import InvalidRegionCode, contains

Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None] | None]

#: Roles that see every region (they hold no case work of their own).
ALL_REGION_ROLES = frozenset({Role.admin, Role.auditor})


class RoleRefused(Forbidden):
    code = "role_forbidden"
    message = "您的角色无权执行此操作"


class RegionOutOfScope(Forbidden):
    code = "region_out_of_scope"
    message = "该地区不在您的管辖范围内"


class OrganisationNotFound(NotFound):
    code = "organisation_not_found"
    message = "未找到该组织"


def user_of(connection: ASGIConnection[Any, Any, Any, Any]) -> CurrentUser:
    user = connection.scope.get("user")
    if not isinstance(user, CurrentUser):
        raise NotAuthenticated()
    return user


def require_login(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    user_of(connection)


def require_roles(*roles: Role) -> Guard:
    allowed = frozenset(roles)

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if user_of(connection).role not in allowed:
            raise RoleRefused()

    return guard


def in_region_scope(user: CurrentUser, region_code: str) -> bool:
    if user.role in ALL_REGION_ROLES:
        return True
    if user.role not in REGION_SCOPED_ROLES or not user.region_code:
        return False
    try:
        return contains(user.region_code, region_code)
    except InvalidRegionCode:
        return False


def require_region_scope(param: str = "region_code") -> Guard:
    """The path parameter ``param`` must name a region inside the user's scope."""

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if not in_region_scope(user_of(connection), str(connection.path_params[param])):
            raise RegionOutOfScope()

    return guard


def require_org_member(param: str = "org_id") -> Guard:
    """The user must belong to the organisation in the path; to anyone else it does not exist.

    404 rather than 403, so that membership probing reveals nothing. Admins pass.
    """

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        user = user_of(connection)
        if user.role == Role.admin:
            return
        public_id = str(connection.path_params[param])
        member = await Membership.exists().where(
            (Membership.user == user.id) & (Membership.organisation.public_id == public_id)
        )
        if not member:
            raise OrganisationNotFound()

    return guard


def require_org_owner(param: str = "org_id") -> Guard:
    """The user must be the owner of the organisation in the path; to anyone else, members
    included, it does not exist (404, as with ``require_org_member``). Admins pass."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        user = user_of(connection)
        if user.role == Role.admin:
            return
        public_id = str(connection.path_params[param])
        owner = await Membership.exists().where(
            (Membership.user == user.id)
            & (Membership.organisation.public_id == public_id)
            & (Membership.role == MembershipRole.owner)
        )
        if not owner:
            raise OrganisationNotFound()

    return guard


__all__ = [
    "RegionOutOfScope",
    "RoleRefused",
    "in_region_scope",
    "require_login",
    "require_org_member",
    "require_org_owner",
    "require_region_scope",
    "require_roles",
    "user_of",
]

"""Organisations API: registration, the public profile and the owner's edits, the verification
queue for staff and admins, members and one-time invitations.

Refusals: a write for an organisation the caller does not own (or belong to) is 404, so that
membership cannot be probed. Verification is refused with 403 ``region_out_of_scope`` to staff
whose region no service region of the organisation lies in: the organisation's existence is
public (its profile is), so a 404 would hide nothing and only mislead.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

from backend.accounts.guards import require_org_member, require_org_owner, require_roles, user_of
from backend.accounts.tables import Role
from backend.organisations import members, service
from backend.organisations.schemas import (
    AccountCreate,
    InvitationInfo,
    InvitationRead,
    JoinedRead,
    MemberRead,
    OrganisationCreate,
    OrganisationDetail,
    OrganisationPublic,
    OrganisationRead,
    OrganisationRegister,
    OrganisationStatus,
    OrganisationUpdate,
    RegistrationRead,
    SuspendRequest,
)
from backend.public_url import public_base_url

REVIEWERS = require_roles(Role.staff, Role.admin)


def invitation_url(base: str, token: str) -> str:
    return base.rstrip("/") + members.INVITATION_PATH + token


class OrganisationsApiController(Controller):
    path = "/api/v1/organisations"
    tags = ["组织"]

    @post("/", summary="登记组织（民政工作人员、平台管理员）", guards=[REVIEWERS])
    async def create(self, data: JSONBody[OrganisationCreate]) -> OrganisationRead:
        return await service.create_organisation(data)

    @post("/register", summary="注册组织及其负责人账号（公开）")
    async def register(self, data: JSONBody[OrganisationRegister]) -> RegistrationRead:
        registered, _ = await service.register(data)
        return registered

    @get("/", summary="认证队列（民政工作人员：本辖区；平台管理员：全部）", guards=[REVIEWERS])
    async def queue(
        self,
        request: Request[Any, Any, Any],
        status: FromQuery[OrganisationStatus] = OrganisationStatus.pending,
    ) -> list[OrganisationDetail]:
        return await service.list_organisations(user_of(request), status)

    @get("/{org_id:str}", summary="组织公开资料")
    async def profile(self, org_id: FromPath[str]) -> OrganisationPublic:
        return await service.public_profile(org_id)

    @patch("/{org_id:str}", summary="修改组织资料（负责人）", guards=[require_org_owner("org_id")])
    async def update(
        self,
        request: Request[Any, Any, Any],
        org_id: FromPath[str],
        data: JSONBody[OrganisationUpdate],
    ) -> OrganisationDetail:
        return await service.update_profile(user_of(request), org_id, data)

    @post("/{org_id:str}/verify", summary="认证组织", guards=[REVIEWERS], status_code=200)
    async def verify(
        self, request: Request[Any, Any, Any], org_id: FromPath[str]
    ) -> OrganisationDetail:
        return await service.verify(user_of(request), org_id)

    @post(
        "/{org_id:str}/suspend",
        summary="暂停组织（须说明原因）",
        guards=[REVIEWERS],
        status_code=200,
    )
    async def suspend(
        self, request: Request[Any, Any, Any], org_id: FromPath[str], data: JSONBody[SuspendRequest]
    ) -> OrganisationDetail:
        return await service.suspend(user_of(request), org_id, data.reason)

    @post("/{org_id:str}/reinstate", summary="恢复组织", guards=[REVIEWERS], status_code=200)
    async def reinstate(
        self, request: Request[Any, Any, Any], org_id: FromPath[str]
    ) -> OrganisationDetail:
        return await service.reinstate(user_of(request), org_id)

    @get("/{org_id:str}/members", summary="组织成员", guards=[require_org_member("org_id")])
    async def list_members(self, org_id: FromPath[str]) -> list[MemberRead]:
        return await members.members(org_id)

    @post(
        "/{org_id:str}/invitations",
        summary="生成一次性邀请链接（负责人）",
        guards=[require_org_owner("org_id")],
    )
    async def invite(
        self, request: Request[Any, Any, Any], org_id: FromPath[str]
    ) -> InvitationRead:
        token, expires_at = await members.create_invitation(user_of(request), org_id)
        url = invitation_url(public_base_url(), token)
        return InvitationRead(url=url, expires_at=expires_at)

    @delete(
        "/{org_id:str}/members/{username:str}",
        summary="移除成员（负责人）",
        guards=[require_org_owner("org_id")],
    )
    async def remove_member(
        self, request: Request[Any, Any, Any], org_id: FromPath[str], username: FromPath[str]
    ) -> None:
        await members.remove_member(user_of(request), org_id, username)


class InvitationsApiController(Controller):
    path = "/api/v1/invitations"
    tags = ["组织"]

    @get("/{token:str}", summary="邀请链接指向的组织")
    async def info(self, token: FromPath[str]) -> InvitationInfo:
        return await members.invitation_info(token)

    @post("/{token:str}", summary="用邀请链接创建组织成员账号")
    async def accept(self, token: FromPath[str], data: JSONBody[AccountCreate]) -> JoinedRead:
        joined, _ = await members.accept_invitation(token, data)
        return joined

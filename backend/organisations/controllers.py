"""Organisations API: creation by staff or admins; members visible to members."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody

from backend.accounts.guards import require_org_member, require_roles
from backend.accounts.tables import Role
from backend.organisations import service
from backend.organisations.service import MemberRead, OrganisationCreate, OrganisationRead


class OrganisationsApiController(Controller):
    path = "/api/v1/organisations"
    tags = ["组织"]

    @post("/", summary="登记组织", guards=[require_roles(Role.admin, Role.staff)])
    async def create(self, data: JSONBody[OrganisationCreate]) -> OrganisationRead:
        return await service.create_organisation(data)

    @get("/{org_id:str}/members", summary="组织成员", guards=[require_org_member("org_id")])
    async def members(self, org_id: FromPath[str]) -> list[MemberRead]:
        return await service.members(org_id)

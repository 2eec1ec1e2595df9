"""Regions API: the division tree (public) and who works where (scoped)."""

from __future__ import annotations

from litestar import Controller, get
from litestar.params import FromPath

from backend.accounts import service as accounts
from backend.accounts.guards import require_region_scope, require_roles
from backend.accounts.schemas import CurrentUser
from backend.accounts.tables import Role
from backend.regions import service
from backend.regions.service import RegionRead


class RegionsApiController(Controller):
    path = "/api/v1/regions"
    tags = ["地区"]

    @get("/", summary="顶级地区")
    async def roots(self) -> list[RegionRead]:
        return await service.children(None)

    @get("/{region_code:str}", summary="地区详情")
    async def detail(self, region_code: FromPath[str]) -> RegionRead:
        return await service.get_region(region_code)

    @get("/{region_code:str}/children", summary="下级地区")
    async def children(self, region_code: FromPath[str]) -> list[RegionRead]:
        await service.get_region(region_code)
        return await service.children(region_code)

    @get(
        "/{region_code:str}/staff",
        summary="本地区民政工作人员和审核人员",
        guards=[
            require_roles(Role.staff, Role.reviewer, Role.admin, Role.auditor),
            require_region_scope("region_code"),
        ],
    )
    async def staff(self, region_code: FromPath[str]) -> list[CurrentUser]:
        await service.get_region(region_code)
        return await accounts.users_in_region(region_code)

"""Policy parameters API: admins add values and withdraw those not yet in force; auditors read."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, post
from litestar.params import FromPath, JSONBody

from backend.accounts.guards import require_roles, user_of
from backend.accounts.tables import Role
from backend.policy import service
from backend.policy.schemas import ParameterRead, ParameterValueCreate, ParameterValueRead

ADMIN = require_roles(Role.admin)


class PolicyApiController(Controller):
    path = "/api/v1/policy/parameters"
    tags = ["政策参数"]
    guards = [require_roles(Role.admin, Role.auditor)]

    @get("/", summary="全部政策参数：各地区现行取值、待生效取值和历史")
    async def list_parameters(self) -> list[ParameterRead]:
        return await service.list_parameters()

    @get("/{name:str}", summary="一个政策参数的各地区取值和历史")
    async def parameter(self, name: FromPath[str]) -> ParameterRead:
        return await service.get_parameter(name)

    @post(
        "/",
        summary="添加取值（自生效日期起适用；不能追溯修改已被使用的参数）",
        guards=[ADMIN],
    )
    async def add(
        self, request: Request[Any, Any, Any], data: JSONBody[ParameterValueCreate]
    ) -> ParameterValueRead:
        return await service.add_value(user_of(request), data)

    @delete("/values/{value_id:int}", summary="撤回尚未生效的取值", guards=[ADMIN])
    async def withdraw(self, request: Request[Any, Any, Any], value_id: FromPath[int]) -> None:
        await service.withdraw_value(user_of(request), value_id)

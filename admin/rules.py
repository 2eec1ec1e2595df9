"""What piccolo-admin may write, table by table: validators and pre-write hooks.

piccolo-admin writes rows straight through PiccoloCRUD, past the domain services, so the rules
those services keep on create must be kept here on edit too: a password hash is only ever made
by argon2 in ``backend.accounts`` (never typed into a form), staff and reviewers need a region,
a 统一社会信用代码 carries its check character, an organisation's public id never changes, a
region code fixes its own level and parent. Append-only and policy tables refuse every write.

Refusals are Starlette ``HTTPException``s with a Chinese ``detail``, which the admin UI shows
beside the form. Each accepted write is logged with ids and column names only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

import structlog
from piccolo.columns.base import Column
from piccolo.table import Table
from piccolo_api.crud.endpoints import PiccoloCRUD
from piccolo_api.crud.validators import Validators
from pydantic_core import PydanticCustomError
from starlette.exceptions import HTTPException
from starlette.requests import Request

from backend.accounts.tables import REGION_SCOPED_ROLES, MembershipRole, Role, User
from backend.organisations.schemas import normalise_uscc
from backend.organisations.tables import Organisation, OrganisationKind
from backend.regions.tables import Region
from matching.regions import InvalidRegionCode, level_of, parent_code
from matching.vocabulary import NeedCategory

log = structlog.get_logger("aidbridge.admin")

Validator = Callable[[PiccoloCRUD, Request], Coroutine[Any, Any, Any] | None]
_USERNAME = re.compile(r"^[A-Za-z0-9_.-]{3,64}$")


def refuse(status: int, message: str) -> HTTPException:
    return HTTPException(status_code=status, detail=message)


def admin_id(request: Request) -> int | None:
    """The AidBridge id of the admin making the request (set by ``admin.gate``)."""
    return getattr(request.user, "user_id", None)


def refuse_with(message: str) -> Validator:
    def validator(piccolo_crud: PiccoloCRUD, request: Request) -> None:
        raise refuse(405, message)

    return validator


def read_only(message: str) -> Validators:
    """Every write endpoint of the table answers 405 with ``message``."""
    deny = [refuse_with(message)]
    return Validators(
        post_single=deny, put_single=deny, patch_single=deny, delete_single=deny, delete_all=deny
    )


def no_create_no_delete(create_message: str, delete_message: str) -> Validators:
    """Rows may be edited here, but are made and retired elsewhere."""
    no_delete = [refuse_with(delete_message)]
    return Validators(
        post_single=[refuse_with(create_message)],
        put_single=[refuse_with("请在编辑页逐项修改后保存")],
        delete_single=no_delete,
        delete_all=no_delete,
    )


def _by_name(values: dict[Any, Any]) -> dict[str, Any]:
    return {(k._meta.name if isinstance(k, Column) else str(k)): v for k, v in values.items()}


def _with(table: type[Table], named: dict[str, Any]) -> dict[Any, Any]:
    return {table._meta.get_column_by_name(name): value for name, value in named.items()}


def _logged(table: str, row_id: Any, request: Request, fields: list[str]) -> None:
    log.info(
        "admin_row_updated", table=table, row_id=row_id, admin_id=admin_id(request), fields=fields
    )


async def _check_region_exists(code: str, field: str) -> None:
    if not await Region.exists().where(Region.code == code):
        raise refuse(400, f"{field}：地区 {code} 不存在")


# --------------------------------------------------------------------------- users


async def user_pre_patch(row_id: Any, values: dict[Any, Any], request: Request) -> dict[Any, Any]:
    named = _by_name(values)
    if named.pop("password_hash", None):
        raise refuse(400, "密码：不能在后台修改，密码只以 argon2 摘要保存")
    current = (
        await User.select(User.role, User.region_code, User.is_active)
        .where(User.id == int(row_id))
        .first()
    )
    if current is None:
        raise refuse(404, "未找到该用户")
    if "username" in named:
        username = str(named["username"] or "").strip().lower()
        if not _USERNAME.match(username):
            raise refuse(400, "用户名：须为 3–64 位字母、数字、下划线、点或连字符")
        named["username"] = username
    role = named.get("role", current["role"])
    if role not in {r.value for r in Role}:
        raise refuse(400, "角色：请从列表中选择")
    region = named.get("region_code", current["region_code"]) or None
    if Role(role) in REGION_SCOPED_ROLES:
        if not region:
            raise refuse(400, "管辖地区：民政工作人员和审核人员必须指定管辖地区")
        await _check_region_exists(str(region), "管辖地区")
        named["region_code"] = region
    elif "role" in named or "region_code" in named:
        named["region_code"] = None  # only staff and reviewers are bounded by a region
    if int(row_id) == admin_id(request) and (
        role != Role.admin or named.get("is_active", current["is_active"]) is False
    ):
        raise refuse(400, "启用、角色：不能停用自己的账号或取消自己的管理员角色")
    _logged("app_user", row_id, request, sorted(named))
    return _with(User, named)


# ------------------------------------------------------------------- organisations


def _clean_organisation(named: dict[str, Any]) -> None:
    if "uscc" in named:
        try:
            named["uscc"] = normalise_uscc(str(named["uscc"] or ""))
        except PydanticCustomError as exc:
            raise refuse(400, str(exc.message())) from None
    if "kind" in named and named["kind"] not in {k.value for k in OrganisationKind}:
        raise refuse(400, "组织类型：请从列表中选择")
    for field, label in (
        ("monthly_capacity_fen", "每月可投入资金"),
        ("monthly_capacity_hours", "每月可投入服务时长"),
    ):
        if field in named and (named[field] is None or int(named[field]) < 0):
            raise refuse(400, f"{label}不能为负数")
    if "focus_categories" in named:
        categories = _json_list(named["focus_categories"], "关注类别")
        known = {c.value for c in NeedCategory}
        if any(c not in known for c in categories):
            raise refuse(400, "关注类别中有未知的类别")


def _json_list(value: Any, label: str) -> list[Any]:
    parsed = json.loads(value) if isinstance(value, str) else value
    if not isinstance(parsed, list):
        raise refuse(400, f"{label}须为 JSON 列表")
    return parsed


async def organisation_pre_patch(
    row_id: Any, values: dict[Any, Any], request: Request
) -> dict[Any, Any]:
    named = _by_name(values)
    named.pop("id", None)
    current = (
        await Organisation.select(
            Organisation.public_id, Organisation.verified, Organisation.suspended_reason
        )
        .where(Organisation.id == int(row_id))
        .first()
    )
    if current is None:
        raise refuse(404, "未找到该组织")
    if "public_id" in named and named["public_id"] != current["public_id"]:
        raise refuse(400, "公开编号：组织的公开编号不能修改")
    named.pop("public_id", None)
    _clean_organisation(named)
    if "service_regions" in named:
        for code in _json_list(named["service_regions"], "服务地区"):
            await _check_region_exists(str(code), "服务地区")
    if named.get("verified") and not current["verified"]:
        named.setdefault("verified_at", datetime.now(UTC))
    reason = named.get("suspended_reason", current["suspended_reason"])
    if named.get("suspended") and not str(reason or "").strip():
        raise refuse(400, "暂停原因：暂停组织时请填写暂停原因")
    _logged("organisation", row_id, request, sorted(named))
    return _with(Organisation, named)


# ------------------------------------------------------------------------ regions


class RegionCodeInvalid(ValueError):
    """Said in Chinese; a form shows it as it is, an API answer as a 400."""


def _region_shape(code: str) -> tuple[int, str | None]:
    try:
        return level_of(code), parent_code(code)
    except InvalidRegionCode:
        raise RegionCodeInvalid("区划代码须为 12 位统计用区划代码") from None


async def create_region(code: str, name: str, request: Request) -> None:
    """A new region: its level and parent follow from its code, and the parent must exist."""
    code, name = code.strip(), name.strip()
    level, parent = _region_shape(code)
    if not name:
        raise ValueError("请填写地区名称")
    if await Region.exists().where(Region.code == code):
        raise ValueError(f"区划代码 {code} 已存在")
    if parent is not None and not await Region.exists().where(Region.code == parent):
        raise ValueError(f"上级区划 {parent} 不存在，请先添加上级地区")
    await Region.insert(Region(code=code, name=name, level=level, parent_code=parent))
    log.info("admin_region_created", code=code, admin_id=admin_id(request))


async def region_pre_patch(row_id: Any, values: dict[Any, Any], request: Request) -> dict[Any, Any]:
    named = _by_name(values)
    if "code" in named and named["code"] != row_id:
        raise refuse(400, "区划代码：不能修改，请新建地区")
    named.pop("code", None)
    try:
        level, parent = _region_shape(str(row_id))
    except RegionCodeInvalid as exc:
        raise refuse(400, str(exc)) from None
    named["level"], named["parent_code"] = level, parent  # fixed by the code itself
    if "name" in named and not str(named["name"] or "").strip():
        raise refuse(400, "名称：请填写地区名称")
    _logged("region", row_id, request, sorted(named))
    return _with(Region, named)


# -------------------------------------------------------------------- memberships


async def membership_pre_save(row: Table, request: Request) -> Table:
    if row.role not in {r.value for r in MembershipRole}:  # type: ignore[attr-defined]
        raise refuse(400, "成员角色：须为「负责人」或「成员」")
    return row


async def membership_pre_patch(
    row_id: Any, values: dict[Any, Any], request: Request
) -> dict[Any, Any]:
    named = _by_name(values)
    if "role" in named and named["role"] not in {r.value for r in MembershipRole}:
        raise refuse(400, "成员角色：须为「负责人」或「成员」")
    _logged("membership", row_id, request, sorted(named))
    return values

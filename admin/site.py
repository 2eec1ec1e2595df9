"""The piccolo-admin site: which tables it shows, how, and what it may write.

The tables are listed one by one, with ``auto_include_related`` off, so that no table reaches
the back office by being referred to: household data (cases, assistance grants, household
members, referrals, need items, relatives' declarations) and secrets (API token and invitation
hashes) are never exposed, and ``tests/integration/admin`` checks the list. Joins through
foreign keys stay off too (PiccoloCRUD's ``max_joins`` is 0), so the audit log's reference to a
case cannot be followed into the case table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from piccolo.table import Table
from piccolo_admin.endpoints import AdminRouter, FormConfig, TableConfig, create_admin
from piccolo_admin.translations.data import SIMPLIFIED_CHINESE
from piccolo_api.crud.endpoints import OrderBy
from piccolo_api.crud.hooks import Hook, HookType
from piccolo_api.crud.validators import Validators
from pydantic import BaseModel, Field, SecretStr, ValidationError
from starlette.requests import Request

from admin import rules
from admin.labels import choices
from backend.accounts import service as accounts
from backend.accounts.schemas import UserCreate
from backend.accounts.tables import ROLE_LABELS, LoginAttempt, Membership, Role, User
from backend.errors import DomainError
from backend.organisations.tables import Organisation
from backend.regions.tables import Region
from backend.web.forms import describe

#: Links in the sidebar to pages of the main site that own a task piccolo-admin must not do.
SIDEBAR_LINKS = {
    "政策参数": "/manage/policy",
    "定时任务与失败任务": "/manage/jobs",
    "审计日志": "/audit",
    "搜索同义词表": "/manage/thesaurus",
    "组织认证队列": "/organisations/review",
    "返回平台首页": "/",
}

ACCOUNTS, PLACES, RECORDS = "账号与组织", "地区", "日志"


def _choices_of(labels: dict[Any, str]) -> dict[str, Any]:
    """A form field's choices, as ``admin.l10n`` makes custom forms offer them."""
    return {"extra": {"choices": choices(labels)}}


class NewUser(BaseModel):
    """The create-user form. Its fields only collect what was typed or picked; the rules (and
    the password policy) are those of ``POST /api/v1/users`` and the CLI: the accounts service's
    ``UserCreate``, whose every complaint is shown beside the form in Chinese."""

    username: str = Field(title="用户名（3–64 位字母、数字、下划线、点或连字符）", max_length=64)
    display_name: str = Field(title="显示名称", max_length=100)
    password: SecretStr = Field(
        title="初始密码（至少 10 位，不能是纯数字或常见密码）", max_length=256
    )
    #: Optional here so that a missing role is said together with every other problem.
    role: Role | None = Field(
        default=None,
        title="角色",
        json_schema_extra=_choices_of({r.value: ROLE_LABELS[r] for r in Role}),
    )
    #: Choices read from the database when the form opens (``admin.lookups``).
    region_code: str | None = Field(default=None, title="管辖地区（民政工作人员、审核人员必选）")
    organisation_id: str | None = Field(default=None, title="所属组织（组织成员必选）")


class NewRegion(BaseModel):
    """The add-region form: the code decides the level and the parent."""

    code: str = Field(title="区划代码（12 位统计用区划代码）", pattern=r"^\d{12}$")
    name: str = Field(title="名称", min_length=1, max_length=100)


async def create_region(request: Request, data: NewRegion) -> str:
    await rules.create_region(data.code, data.name, request)
    return f"已添加地区 {data.name}（{data.code}）"


async def create_user(request: Request, data: NewUser) -> str:
    """Creates the account through the accounts service, so the password is hashed with argon2
    after the platform's password rules. piccolo-admin shows a ``ValueError``'s message beside
    the form, one line per problem (``admin.l10n``)."""
    try:
        typed: dict[str, Any] = {
            "username": data.username.strip(),
            "display_name": data.display_name.strip(),
            "password": data.password.get_secret_value(),
            "region_code": data.region_code or None,
            "organisation_id": data.organisation_id or None,
        }
        if data.role is not None:  # none picked: said as "请选择角色"
            typed["role"] = data.role
        wanted = UserCreate.model_validate(typed)
        user = await accounts.create_user(wanted)
    except ValidationError as exc:
        said = [describe(UserCreate, err)[1] for err in exc.errors()]
        raise ValueError("\n".join(dict.fromkeys(said))) from None
    except DomainError as exc:
        raise ValueError(exc.message) from None
    rules.log.info("admin_user_created", user_id=user.id, admin_id=rules.admin_id(request))
    return f"已创建用户 {user.username}（编号 {user.id}）"


#: Tables whose rows may be edited here, and created here, by name (the gate checks the body).
EDITABLE: dict[str, type[Table]] = {
    "app_user": User,
    "organisation": Organisation,
    "membership": Membership,
    "region": Region,
}
CREATABLE: dict[str, type[Table]] = {"membership": Membership}


def _tables() -> list[TableConfig]:
    """The policy parameters, the audit log and the failed jobs are not here: each has a page
    of the site that shows it better (history by region, filters and exports, job names), and
    the sidebar links to it."""
    return [
        TableConfig(
            User,
            visible_columns=[
                User.username,
                User.display_name,
                User.role,
                User.region_code,
                User.is_active,
                User.last_login_at,
            ],
            visible_filters=[
                User.username,
                User.display_name,
                User.role,
                User.region_code,
                User.is_active,
            ],
            validators=rules.no_create_no_delete(
                "请用左侧「新建用户」表单创建用户（密码以 argon2 加密保存）",
                "用户不能删除：请取消勾选「启用」以停用账号",
            ),
            hooks=[Hook(hook_type=HookType.pre_patch, callable=rules.user_pre_patch)],
            menu_group=ACCOUNTS,
            link_column=User.username,
        ),
        TableConfig(
            Organisation,
            visible_columns=[
                Organisation.name,
                Organisation.kind,
                Organisation.uscc,
                Organisation.verified,
                Organisation.public_fundraising,
                Organisation.suspended,
                Organisation.created_at,
            ],
            visible_filters=[
                Organisation.name,
                Organisation.kind,
                Organisation.uscc,
                Organisation.verified,
                Organisation.public_fundraising,
                Organisation.suspended,
            ],
            validators=rules.no_create_no_delete(
                "组织请通过「组织注册」页面登记，以校验统一社会信用代码并生成公开编号",
                "组织不能删除：其认捐和公开记录须保留，请勾选「已暂停」并填写原因",
            ),
            hooks=[Hook(hook_type=HookType.pre_patch, callable=rules.organisation_pre_patch)],
            menu_group=ACCOUNTS,
            link_column=Organisation.name,
        ),
        TableConfig(
            Membership,
            visible_filters=[Membership.user, Membership.organisation, Membership.role],
            hooks=[
                Hook(hook_type=HookType.pre_save, callable=rules.membership_pre_save),
                Hook(hook_type=HookType.pre_patch, callable=rules.membership_pre_patch),
            ],
            validators=Validators(put_single=[rules.refuse_with("请在编辑页逐项修改后保存")]),
            menu_group=ACCOUNTS,
        ),
        TableConfig(
            Region,
            visible_filters=[Region.code, Region.name, Region.level, Region.parent_code],
            validators=Validators(
                post_single=[rules.refuse_with("请用左侧「新增地区」表单添加地区")],
                put_single=[rules.refuse_with("请在编辑页逐项修改后保存")],
                delete_single=[rules.refuse_with("地区不能删除：用户、组织和救助对象按代码引用它")],
                delete_all=[rules.refuse_with("地区不能删除：用户、组织和救助对象按代码引用它")],
            ),
            hooks=[Hook(hook_type=HookType.pre_patch, callable=rules.region_pre_patch)],
            menu_group=PLACES,
        ),
        TableConfig(
            LoginAttempt,
            visible_columns=[
                LoginAttempt.username,
                LoginAttempt.ip,
                LoginAttempt.succeeded,
                LoginAttempt.at,
            ],
            link_column=LoginAttempt.username,
            validators=rules.read_only("登录记录只读"),
            menu_group=RECORDS,
            order_by=[OrderBy(LoginAttempt.at, ascending=False)],
        ),
    ]


def build_site(*, production: bool, allowed_hosts: Sequence[str] = ()) -> AdminRouter:
    """The piccolo-admin ASGI app, built once when the Litestar app is made."""
    site: Any = create_admin(
        tables=_tables(),
        forms=[
            FormConfig(
                name="新建用户",
                pydantic_model=NewUser,
                endpoint=create_user,
                description=(
                    "创建平台账号：用户名、密码和管辖地区按平台统一的规则检查，密码加密保存。"
                ),
                form_group="账号",
            ),
            FormConfig(
                name="新增地区",
                pydantic_model=NewRegion,
                endpoint=create_region,
                description="添加一个行政区划；层级和上级由区划代码决定，上级须已存在。",
                form_group="地区",
            ),
        ],
        auto_include_related=False,
        site_name="救助衔接平台 · 后台管理",
        default_language_code="zh-CN",
        translations=[SIMPLIFIED_CHINESE],
        sidebar_links=SIDEBAR_LINKS,
        production=production,
        allowed_hosts=allowed_hosts,
        page_size=25,
    )
    router: AdminRouter = site
    return router

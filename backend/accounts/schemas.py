"""Request and response schemas of the accounts domain."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from backend.accounts.passwords import check_password_policy
from backend.accounts.tables import Role
from matching.identity import IdNumberInvalid, check_id_number


class CurrentUser(BaseModel, frozen=True):
    """Who is making the request: what guards and templates need, and nothing secret."""

    id: int
    username: str
    display_name: str
    role: Role
    region_code: str | None = None


class MyOrganisation(BaseModel):
    """An organisation the caller belongs to, by its public id."""

    id: str = Field(description="组织公开编号")
    name: str
    kind: str = Field(description="charity / social_work_agency / volunteer_team")
    membership_role: str = Field(description="owner（负责人）或 member（成员）")


class MeRead(CurrentUser, frozen=True):
    """``GET /api/v1/auth/me``: who the token belongs to and the organisations they act for."""

    organisations: list[MyOrganisation] = Field(default_factory=list)


class LoginForm(BaseModel):
    username: str = Field(title="用户名", min_length=1, max_length=64)
    password: str = Field(title="密码", min_length=1, max_length=256)


class TokenCreate(LoginForm):
    pass


class TokenRead(BaseModel):
    token: str = Field(title="访问令牌")
    token_type: str = "Bearer"  # noqa: S105 - the scheme name, not a secret
    expires_at: datetime
    user: CurrentUser


class UserCreate(BaseModel):
    username: str = Field(title="用户名", min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    display_name: str = Field(title="显示名称", min_length=1, max_length=100)
    password: str = Field(title="密码", max_length=256)
    role: Role = Field(title="角色")
    region_code: str | None = Field(default=None, title="管辖地区", pattern=r"^\d{12}$")
    organisation_id: str | None = Field(default=None, title="所属组织")

    @field_validator("password")
    @classmethod
    def _strong(cls, value: str, info: ValidationInfo) -> str:
        return check_password_policy(value, info.data.get("username"))


class UserRead(BaseModel):
    id: int
    username: str
    display_name: str
    role: Role
    region_code: str | None
    is_active: bool


class RelativeCreate(BaseModel):
    id_number: str = Field(title="近亲属身份证号", min_length=1, max_length=40)
    relation: str = Field(title="关系", min_length=1, max_length=20)

    @field_validator("id_number")
    @classmethod
    def _valid(cls, value: str) -> str:
        try:
            return check_id_number(value).number
        except IdNumberInvalid as exc:
            raise PydanticCustomError(exc.code, exc.message) from None


class RelativeRead(BaseModel):
    relation: str
    declared_at: datetime

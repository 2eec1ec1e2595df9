"""Request and response schemas of the organisations domain.

What organisations and the public read holds their own profile only: never a household's data,
never an internal id, never a password or its hash.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError
from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, ValidationError

from backend.accounts.passwords import check_password_policy
from backend.organisations.tables import OrganisationKind
from matching.vocabulary import NeedCategory

#: Upper bounds that keep the integer columns in range (¥20,000,000.00 and a million hours).
MAX_CAPACITY_FEN = 2_000_000_000
MAX_CAPACITY_HOURS = 1_000_000
MAX_REGIONS = 50

#: (code, message) of the rules on the public-fundraising qualification, shared by the
#: registration schema and the profile update (which checks them against the stored kind).
CHARITY_ONLY = ("fundraising_charity_only", "只有慈善组织可以具有公开募捐资格")
CERTIFICATE_REQUIRED = ("certificate_required", "具有公开募捐资格的，请填写公开募捐资格证书编号")

USERNAME_PATTERN = r"^[A-Za-z0-9_.-]+$"


class OrganisationStatus(StrEnum):
    pending = "pending"  # 待认证
    verified = "verified"  # 已认证
    suspended = "suspended"  # 已暂停


ORGANISATION_STATUS_LABELS = {
    OrganisationStatus.pending: "待认证",
    OrganisationStatus.verified: "已认证",
    OrganisationStatus.suspended: "已暂停",
}


def normalise_uscc(value: str) -> str:
    """Validate a 统一社会信用代码 with its check character; errors are said in Chinese."""
    try:
        return str(uscc.validate(value))
    except InvalidChecksum:
        raise PydanticCustomError("uscc_checksum", "统一社会信用代码校验位错误") from None
    except ValidationError:
        raise PydanticCustomError("uscc_format", "统一社会信用代码格式不正确") from None


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


RegionCode = Annotated[str, Field(pattern=r"^\d{12}$")]
Regions = Annotated[list[RegionCode], Field(min_length=1, max_length=MAX_REGIONS)]
Categories = Annotated[list[NeedCategory], Field(max_length=len(NeedCategory))]


class OrganisationCreate(BaseModel):
    """An organisation entered by staff or an admin (the registration form is below)."""

    name: str = Field(title="组织名称", min_length=2, max_length=200)
    kind: OrganisationKind = Field(title="组织类型")
    uscc: str = Field(title="统一社会信用代码", min_length=1, max_length=40)
    verified: bool = Field(strict=True, default=False, title="已认证")

    @field_validator("uscc")
    @classmethod
    def _check_uscc(cls, value: str) -> str:
        return normalise_uscc(value)


class OrganisationRegister(BaseModel):
    """Registration of an organisation and its owner's account, in one step.

    Field order matters: each qualification rule reads the fields declared before it.
    """

    name: str = Field(title="组织名称", min_length=2, max_length=200)
    kind: OrganisationKind = Field(title="组织类型")
    uscc: str = Field(title="统一社会信用代码", min_length=1, max_length=40)
    public_fundraising: bool = Field(
        strict=True, default=False, title="公开募捐资格", validate_default=True
    )
    fundraising_certificate: str = Field(
        default="", title="公开募捐资格证书编号", max_length=60, validate_default=True
    )
    service_regions: Regions = Field(title="服务地区")
    focus_categories: Categories = Field(default_factory=list, title="关注领域")
    monthly_capacity_fen: int = Field(
        strict=True, default=0, ge=0, le=MAX_CAPACITY_FEN, title="每月可投入资金（分）"
    )
    monthly_capacity_hours: int = Field(
        strict=True, default=0, ge=0, le=MAX_CAPACITY_HOURS, title="每月可投入服务时长（小时）"
    )
    owner_username: str = Field(
        title="负责人用户名", min_length=3, max_length=64, pattern=USERNAME_PATTERN
    )
    owner_display_name: str = Field(title="负责人显示名称", min_length=1, max_length=100)
    owner_password: str = Field(title="负责人密码", max_length=256)

    @field_validator("uscc")
    @classmethod
    def _check_uscc(cls, value: str) -> str:
        return normalise_uscc(value)

    @field_validator("public_fundraising")
    @classmethod
    def _charities_only(cls, value: bool, info: ValidationInfo) -> bool:
        kind = info.data.get("kind")
        if value and kind is not None and kind != OrganisationKind.charity:
            raise PydanticCustomError(*CHARITY_ONLY)
        return value

    @field_validator("fundraising_certificate")
    @classmethod
    def _certificate(cls, value: str, info: ValidationInfo) -> str:
        value = value.strip()
        if not info.data.get("public_fundraising"):
            return ""  # a certificate number means nothing without the qualification
        if not value:
            raise PydanticCustomError(*CERTIFICATE_REQUIRED)
        return value

    @field_validator("service_regions")
    @classmethod
    def _unique_regions(cls, value: list[str]) -> list[str]:
        return _unique(value)

    @field_validator("focus_categories")
    @classmethod
    def _unique_categories(cls, value: list[NeedCategory]) -> list[NeedCategory]:
        return [NeedCategory(c) for c in _unique(list(value))]

    @field_validator("owner_password")
    @classmethod
    def _strong(cls, value: str, info: ValidationInfo) -> str:
        return check_password_policy(value, info.data.get("owner_username"))


class OrganisationUpdate(BaseModel):
    """The owner's changes to the profile; fields left out stay as they are.

    Kind and credit code are what staff verified and cannot be changed here; changing the name
    or the public-fundraising qualification sends the organisation back to verification.
    """

    name: str | None = Field(default=None, title="组织名称", min_length=2, max_length=200)
    public_fundraising: bool | None = Field(strict=True, default=None, title="公开募捐资格")
    fundraising_certificate: str | None = Field(
        default=None, title="公开募捐资格证书编号", max_length=60
    )
    service_regions: Regions | None = Field(default=None, title="服务地区")
    focus_categories: Categories | None = Field(default=None, title="关注领域")
    monthly_capacity_fen: int | None = Field(
        strict=True, default=None, ge=0, le=MAX_CAPACITY_FEN, title="每月可投入资金（分）"
    )
    monthly_capacity_hours: int | None = Field(
        strict=True, default=None, ge=0, le=MAX_CAPACITY_HOURS, title="每月可投入服务时长（小时）"
    )

    @field_validator("service_regions")
    @classmethod
    def _unique_regions(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _unique(value)

    @field_validator("focus_categories")
    @classmethod
    def _unique_categories(cls, value: list[NeedCategory] | None) -> list[NeedCategory] | None:
        return None if value is None else [NeedCategory(c) for c in _unique(list(value))]

    @field_validator("fundraising_certificate")
    @classmethod
    def _strip(cls, value: str | None) -> str | None:
        return None if value is None else value.strip()


class SuspendRequest(BaseModel):
    reason: str = Field(title="暂停原因", max_length=500)

    @field_validator("reason")
    @classmethod
    def _given(cls, value: str) -> str:
        value = value.strip()
        if len(value) < 2:
            raise PydanticCustomError("suspend_reason_required", "请填写暂停原因（至少2个字）")
        return value


class AccountCreate(BaseModel):
    """The account an invited member creates for themself."""

    username: str = Field(title="用户名", min_length=3, max_length=64, pattern=USERNAME_PATTERN)
    display_name: str = Field(title="显示名称", min_length=1, max_length=100)
    password: str = Field(title="密码", max_length=256)

    @field_validator("password")
    @classmethod
    def _strong(cls, value: str, info: ValidationInfo) -> str:
        return check_password_policy(value, info.data.get("username"))


class RegionRef(BaseModel):
    code: str
    name: str


class OrganisationRead(BaseModel):
    """What staff-created organisations answer with (the older, short shape)."""

    id: str = Field(description="public id")
    name: str
    kind: OrganisationKind
    uscc: str
    verified: bool


class OrganisationPublic(BaseModel):
    """The public profile: what anyone may read about an organisation."""

    id: str = Field(description="public id")
    name: str
    kind: OrganisationKind
    kind_label: str
    uscc: str
    public_fundraising: bool
    fundraising_certificate: str
    service_regions: list[RegionRef]
    focus_categories: list[NeedCategory]
    status: OrganisationStatus
    status_label: str
    verified: bool
    verified_at: datetime | None
    suspended: bool


class OrganisationDetail(OrganisationPublic):
    """The profile with what only its owner, staff and admins read."""

    monthly_capacity_fen: int = Field(description="每月可投入资金，单位：分")
    monthly_capacity_hours: int
    suspended_reason: str
    created_at: datetime


class OwnerRead(BaseModel):
    username: str
    display_name: str


class RegistrationRead(BaseModel):
    organisation: OrganisationDetail
    owner: OwnerRead


class MemberRead(BaseModel):
    username: str
    display_name: str
    role: str


class InvitationRead(BaseModel):
    url: str = Field(description="一次性邀请链接，7天内有效，只能使用一次")
    expires_at: datetime


class InvitationInfo(BaseModel):
    organisation_id: str
    organisation_name: str
    expires_at: datetime


class JoinedRead(BaseModel):
    organisation_id: str
    organisation_name: str
    member: OwnerRead

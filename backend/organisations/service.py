"""Organisations: creation with a validated credit code, members."""

from __future__ import annotations

import secrets

import structlog
from pydantic import BaseModel, Field, field_validator
from pydantic_core import PydanticCustomError
from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, ValidationError

from backend.accounts.tables import Membership
from backend.errors import Conflict
from backend.figures.jobs import figures_changed
from backend.organisations.tables import Organisation, OrganisationKind

log = structlog.get_logger(__name__)


class UsccTaken(Conflict):
    code = "uscc_taken"
    message = "该统一社会信用代码已登记"


def normalise_uscc(value: str) -> str:
    """Validate a 统一社会信用代码 with its check character; errors are said in Chinese."""
    try:
        return str(uscc.validate(value))
    except InvalidChecksum:
        raise PydanticCustomError("uscc_checksum", "统一社会信用代码校验位错误") from None
    except ValidationError:
        raise PydanticCustomError("uscc_format", "统一社会信用代码格式不正确") from None


class OrganisationCreate(BaseModel):
    name: str = Field(title="组织名称", min_length=2, max_length=200)
    kind: OrganisationKind = Field(title="组织类型")
    uscc: str = Field(title="统一社会信用代码", min_length=1, max_length=40)
    verified: bool = Field(default=False, title="已认证")

    @field_validator("uscc")
    @classmethod
    def _check_uscc(cls, value: str) -> str:
        return normalise_uscc(value)


class OrganisationRead(BaseModel):
    id: str = Field(description="public id")
    name: str
    kind: OrganisationKind
    uscc: str
    verified: bool


class MemberRead(BaseModel):
    username: str
    display_name: str
    role: str


def new_public_id() -> str:
    return secrets.token_urlsafe(12)


async def create_organisation(data: OrganisationCreate) -> OrganisationRead:
    if await Organisation.exists().where(Organisation.uscc == data.uscc):
        raise UsccTaken(field="uscc")
    org = Organisation(
        public_id=new_public_id(),
        name=data.name,
        kind=data.kind,
        uscc=data.uscc,
        verified=data.verified,
    )
    await org.save()
    figures_changed()
    log.info("organisation_created", organisation=org.public_id)
    return OrganisationRead(
        id=org.public_id, name=org.name, kind=data.kind, uscc=org.uscc, verified=org.verified
    )


async def members(public_id: str) -> list[MemberRead]:
    rows = await Membership.select(
        Membership.user.username,
        Membership.user.display_name,
        Membership.role,
    ).where(Membership.organisation.public_id == public_id)
    return [
        MemberRead(
            username=row["user.username"], display_name=row["user.display_name"], role=row["role"]
        )
        for row in rows
    ]

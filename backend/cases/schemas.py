"""Schemas of the cases domain. Staff-only: these carry personal data and never leave the
staff pages and staff API."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import phonenumbers
from pydantic import BaseModel, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from matching.identity import IdNumberInvalid, check_id_number
from matching.vocabulary import GrantKind, Programme, ReviewCycle, Sex

Fen = Annotated[int, Field(ge=0, le=10_000_000_000, strict=True)]


def normalise_phone(value: str) -> str:
    try:
        parsed = phonenumbers.parse(value, "CN")
    except phonenumbers.NumberParseException:
        raise PydanticCustomError("phone_format", "电话号码格式不正确") from None
    if not phonenumbers.is_valid_number(parsed):
        raise PydanticCustomError("phone_format", "电话号码格式不正确")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


class MemberIn(BaseModel):
    is_head: bool = Field(strict=True, default=False, title="户主")
    relation: str = Field(title="与户主关系", min_length=1, max_length=20)
    name: str = Field(title="姓名", min_length=1, max_length=50)
    id_number: str = Field(title="身份证号", min_length=1, max_length=40)
    phone: str | None = Field(default=None, title="联系电话", max_length=30)
    address: str | None = Field(default=None, title="住址", max_length=200)
    disability_grade: int | None = Field(strict=True, default=None, title="残疾等级", ge=1, le=4)
    illness: str | None = Field(default=None, title="患病情况", max_length=200)
    school: str | None = Field(default=None, title="就读学校及年级", max_length=100)
    employment: str | None = Field(default=None, title="就业情况", max_length=100)
    monthly_income_fen: Fen = Field(default=0, title="月收入（分）")

    @field_validator("id_number")
    @classmethod
    def _id_number(cls, value: str) -> str:
        try:
            return check_id_number(value).number
        except IdNumberInvalid as exc:
            raise PydanticCustomError(exc.code, exc.message) from None

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return normalise_phone(value) if value and value.strip() else None

    @property
    def birth_date(self) -> date:
        return check_id_number(self.id_number).birth_date

    @property
    def sex(self) -> Sex:
        return check_id_number(self.id_number).sex


class CaseCreate(BaseModel):
    region_code: str = Field(title="所属社区（村）", pattern=r"^\d{12}$")
    programme: Programme = Field(title="救助类别")
    income_stable: bool = Field(strict=True, default=False, title="收入稳定")
    verified_on: date | None = Field(default=None, title="核实日期")
    members: list[MemberIn] = Field(title="家庭成员", min_length=1, max_length=20)

    @model_validator(mode="after")
    def _one_head_distinct_people(self) -> CaseCreate:
        if sum(1 for m in self.members if m.is_head) != 1:
            raise PydanticCustomError("one_head", "家庭成员中须有且仅有一位户主")
        numbers = [m.id_number for m in self.members]
        if len(set(numbers)) != len(numbers):
            raise PydanticCustomError("duplicate_member", "同一身份证号在家庭成员中重复")
        if self.verified_on and self.verified_on > date.today():
            raise PydanticCustomError("verified_on_future", "核实日期不能晚于今天")
        return self


class MemberRead(BaseModel):
    id: int
    is_head: bool
    relation: str
    name: str
    id_number: str
    phone: str | None
    address: str | None
    birth_date: date
    sex: Sex
    disability_grade: int | None
    illness: str | None
    school: str | None
    employment: str | None
    monthly_income_fen: int


class StageIn(BaseModel):
    amount_fen: Fen = Field(title="本期金额（分）")
    due_on: date = Field(title="计划发放日期")
    paid_on: date | None = Field(default=None, title="实际发放日期")


class GrantCreate(BaseModel):
    kind: GrantKind = Field(title="救助类型")
    amount_fen: int = Field(strict=True, title="救助金额（分）", gt=0, le=10_000_000_000)
    granted_on: date = Field(title="审批日期")
    office: str = Field(title="审批单位", min_length=2, max_length=200)
    stages: list[StageIn] = Field(default_factory=list, title="分阶段发放", max_length=24)

    @model_validator(mode="after")
    def _stages_add_up(self) -> GrantCreate:
        if self.granted_on > date.today():
            raise PydanticCustomError("granted_on_future", "审批日期不能晚于今天")
        if self.stages and sum(s.amount_fen for s in self.stages) != self.amount_fen:
            raise PydanticCustomError("stages_total", "各阶段金额之和须等于救助金额")
        return self


class StageRead(StageIn):
    seq: int


class GrantRead(BaseModel):
    id: int
    kind: GrantKind
    amount_fen: int
    granted_on: date
    office: str
    stages: list[StageRead]


class CaseSummary(BaseModel):
    ref: str
    region_code: str
    region_name: str
    programme: Programme
    head_name: str
    member_count: int
    review_cycle: ReviewCycle


class CaseRead(BaseModel):
    ref: str
    region_code: str
    region_name: str
    programme: Programme
    income_stable: bool
    review_cycle: ReviewCycle
    verified_on: date
    monthly_income_fen: int
    members: list[MemberRead]
    grants: list[GrantRead]
    warnings: list[str] = Field(default_factory=list)

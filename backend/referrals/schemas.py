"""Schemas of referrals: staff write the narrative and need items; reviewers decide."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field, model_validator
from pydantic_core import PydanticCustomError

from backend.referrals.tables import ConsentMethod, ReferralStatus
from matching.vocabulary import NeedCategory, NeedKind, Urgency


class GoodsLine(BaseModel):
    item: str = Field(title="物品", min_length=1, max_length=60)
    quantity: int = Field(strict=True, title="数量", gt=0, le=100_000)
    unit: str = Field(title="单位", min_length=1, max_length=10)
    unit_value_fen: int = Field(strict=True, title="单价估值（分）", ge=0, le=100_000_000)


class NeedItemIn(BaseModel):
    category: NeedCategory = Field(title="需求类别")
    kind: NeedKind = Field(title="帮扶方式")
    amount_fen: int | None = Field(
        strict=True, default=None, title="所需金额（分）", gt=0, le=1_000_000_000
    )
    goods: list[GoodsLine] = Field(default_factory=list, title="物资清单", max_length=50)
    hours: int | None = Field(strict=True, default=None, title="服务时长（小时）", gt=0, le=10_000)
    service_type: str = Field(default="", title="服务类型", max_length=40)
    urgency: Urgency = Field(title="紧急程度")
    deadline: date = Field(title="截止日期")
    title: str = Field(default="", title="需求标题", max_length=80)

    @model_validator(mode="after")
    def _kind_has_its_amount(self) -> NeedItemIn:
        if self.kind == NeedKind.money and not self.amount_fen:
            raise PydanticCustomError("amount_required", "资金类需求须填写所需金额")
        if self.kind == NeedKind.goods and not self.goods:
            raise PydanticCustomError("goods_required", "物资类需求须填写物资清单")
        if self.kind == NeedKind.service and not (self.hours and self.service_type):
            raise PydanticCustomError("hours_required", "服务类需求须填写服务类型和时长")
        if self.deadline <= date.today():
            raise PydanticCustomError("deadline_past", "截止日期须晚于今天")
        return self

    @property
    def goods_value_fen(self) -> int:
        return sum(line.quantity * line.unit_value_fen for line in self.goods)


class ConsentIn(BaseModel):
    consent_on: date = Field(title="同意日期")
    method: ConsentMethod = Field(title="同意方式")
    witness: str = Field(default="", title="见证人", max_length=50)

    @model_validator(mode="after")
    def _oral_needs_witness(self) -> ConsentIn:
        if self.consent_on > date.today():
            raise PydanticCustomError("consent_future", "同意日期不能晚于今天")
        if self.method == ConsentMethod.oral and not self.witness.strip():
            raise PydanticCustomError("witness_required", "口头同意须登记见证人")
        return self


class ReferralCreate(BaseModel):
    narrative: str = Field(title="情况说明", min_length=20, max_length=5000)
    items: list[NeedItemIn] = Field(title="需求事项", min_length=1, max_length=10)
    consent: ConsentIn | None = Field(default=None, title="公开同意")


class ReferralUpdate(BaseModel):
    narrative: str | None = Field(default=None, title="情况说明", min_length=20, max_length=5000)
    public_text: str | None = Field(default=None, title="公开文本", min_length=10, max_length=5000)
    consent: ConsentIn | None = Field(default=None, title="公开同意")


class Decision(BaseModel):
    approve: bool = Field(strict=True, title="是否通过")
    reason: str = Field(default="", title="审核意见", max_length=1000)

    @model_validator(mode="after")
    def _rejection_needs_reason(self) -> Decision:
        if not self.approve and not self.reason.strip():
            raise PydanticCustomError("reason_required", "退回转介须填写理由")
        return self


class FindingRead(BaseModel):
    kind: str
    start: int
    end: int
    replacement: str
    source: str
    reason: str


class NeedItemRead(NeedItemIn):
    seq: int


class ReferralRead(BaseModel):
    """Staff view: the original narrative beside the public draft, and what was removed."""

    ref: str
    case_ref: str
    status: ReferralStatus
    narrative: str
    public_text: str
    findings: list[FindingRead]
    remaining: list[FindingRead]
    items: list[NeedItemRead]
    consent_on: date | None
    consent_method: ConsentMethod | None
    created_by: str
    created_at: datetime
    reviewed_by: str | None
    decision_reason: str
    need_ids: list[str] = Field(default_factory=list)


class QueueEntry(BaseModel):
    ref: str
    case_ref: str
    region_name: str
    categories: list[NeedCategory]
    created_by: str
    submitted_at: datetime | None
    can_decide: bool
    why_not: str = ""

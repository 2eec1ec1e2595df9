"""Pledge schemas: what organisations and volunteers send and see (no personal data, ever)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field, model_validator
from pydantic_core import PydanticCustomError

from backend.pledges.tables import PledgeStatus
from backend.referrals.schemas import GoodsLine
from matching.vocabulary import NeedKind


class PledgeCreate(BaseModel):
    need_id: str = Field(title="需求编号", min_length=8, max_length=24)
    organisation_id: str | None = Field(default=None, title="认捐组织")
    kind: NeedKind = Field(title="认捐方式")
    amount_fen: int | None = Field(
        strict=True, default=None, title="认捐金额（分）", gt=0, le=1_000_000_000
    )
    goods: list[GoodsLine] = Field(default_factory=list, title="物资清单", max_length=50)
    hours: int | None = Field(strict=True, default=None, title="服务时长（小时）", gt=0, le=10_000)
    service_type: str = Field(default="", title="服务类型", max_length=40)

    @model_validator(mode="after")
    def _kind_has_its_amount(self) -> PledgeCreate:
        if self.kind == NeedKind.money and not self.amount_fen:
            raise PydanticCustomError("amount_required", "资金认捐须填写金额")
        if self.kind == NeedKind.goods and not self.goods:
            raise PydanticCustomError("goods_required", "物资认捐须填写物资清单")
        if self.kind == NeedKind.service and not self.hours:
            raise PydanticCustomError("hours_required", "服务认捐须填写服务时长")
        return self

    @property
    def value_fen(self) -> int:
        """What the pledge counts for against the need: fen for money and goods."""
        if self.kind == NeedKind.goods:
            return sum(line.quantity * line.unit_value_fen for line in self.goods)
        return self.amount_fen or 0


class CancelPledge(BaseModel):
    reason: str = Field(title="取消原因", min_length=2, max_length=500)


class PledgeRead(BaseModel):
    id: str
    need_id: str
    need_title: str
    organisation_id: str | None
    organisation_name: str | None
    kind: NeedKind
    amount_fen: int
    hours: int
    goods: list[GoodsLine]
    service_type: str
    status: PledgeStatus
    status_label: str
    created_at: datetime
    expires_on: date
    cancel_reason: str
    #: Money recorded as paid out of the pledge (its non-rejected disbursements), in fen.
    disbursed_fen: int


class LinkedPledge(PledgeRead):
    """Staff's view of a pledge beside the case's government assistance."""

    pledged_by: str


class Linkage(BaseModel):
    case_ref: str
    grants_total_fen: int
    pledges: list[LinkedPledge]
    pledged_total_fen: int
    verified_total_fen: int

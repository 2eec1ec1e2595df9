"""What the policy API and pages read and write: values with their dates, never a table row."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field


class ValueStatus(StrEnum):
    in_force = "in_force"  # 现行
    scheduled = "scheduled"  # 尚未生效
    superseded = "superseded"  # 已被替代


VALUE_STATUS_LABELS = {
    ValueStatus.in_force: "现行",
    ValueStatus.scheduled: "尚未生效",
    ValueStatus.superseded: "已被替代",
}


class ParameterValueCreate(BaseModel):
    name: str = Field(title="参数", min_length=1, max_length=80)
    #: Null or absent: the whole platform.
    region_code: str | None = Field(
        default=None,
        title="适用地区",
        pattern=r"^\d{12}$",
        description="12 位区划代码；留空为全平台",
    )
    #: An integer in the parameter's unit: fen, per-mille (1500 = 1.5 倍), months, days …
    value: int = Field(
        strict=True, title="取值", description="按参数单位的整数：分、千分比、月、天、分钟或个数"
    )
    effective_from: date = Field(title="生效日期")
    note: str = Field(default="", title="说明", max_length=500)


class ParameterValueRead(BaseModel):
    id: int
    name: str
    region_code: str | None
    region_name: str
    value: int
    #: The value for people, e.g. "1,110.00 元/人·月" or "1.5 倍".
    display: str
    effective_from: date
    note: str
    status: ValueStatus
    status_label: str
    #: True only while not yet in force: nothing can have used it.
    withdrawable: bool
    created_at: datetime
    created_by: str | None


class RegionValues(BaseModel):
    """One parameter in one region (or the platform): what is in force, what comes next, and
    every value it has had."""

    region_code: str | None
    region_name: str
    current: ParameterValueRead | None
    next: ParameterValueRead | None
    history: list[ParameterValueRead] = Field(description="按生效日期从新到旧")


class ParameterRead(BaseModel):
    name: str
    label: str
    unit: str
    kind: str
    per_region: bool
    minimum: str
    maximum: str
    help: str
    regions: list[RegionValues]


class DibaoAssessment(BaseModel):
    """A household's 低保 figures under the standard in force for its region at one date."""

    on: date
    #: Where the standard was set (the city, usually) and since when.
    standard_region_name: str
    standard_effective_from: date
    standard_fen: int
    per_capita_income_fen: int
    low_income_line_fen: int
    tekun_minimum_fen: int
    band: str
    band_label: str
    #: Monthly 低保金 the household's income leaves to make up; 0 when not below the standard.
    gap_fen: int
    #: The standard in force today when it differs from the one at ``on`` (else None).
    current_standard_fen: int | None = None
    current_effective_from: date | None = None

"""What a report says: counts, amounts in fen and medians in days; never a household."""

from __future__ import annotations

from pydantic import BaseModel, Field

from matching.report_stats import Tally


class ReportFigures(BaseModel):
    cases_referred: int = Field(description="提交转介的救助对象（户）数，同一户多次转介计一户")
    needs_published: int = Field(description="发布的需求数")
    needs_fully_pledged: int = Field(description="本期达到足额认捐的需求数")
    needs_fulfilled: int = Field(description="本期完成的需求数")
    pledged_fen: int = Field(description="认捐净额（分）：认捐减去取消和过期，含物资折价")
    pledged_hours: int = Field(description="认捐服务时长净额（小时）")
    disbursed_fen: int = Field(description="拨付金额（分）")
    median_days_to_fully_pledged: float | None = Field(
        description="本期足额认捐的需求从发布到足额认捐的天数中位数"
    )
    median_days_to_fulfilled: float | None = Field(
        description="本期完成的需求从发布到完成的天数中位数"
    )

    @classmethod
    def of(cls, tally: Tally) -> ReportFigures:
        return cls(
            cases_referred=tally.cases_referred,
            needs_published=tally.needs_published,
            needs_fully_pledged=tally.needs_fully_pledged,
            needs_fulfilled=tally.needs_fulfilled,
            pledged_fen=tally.pledged_fen,
            pledged_hours=tally.pledged_hours,
            disbursed_fen=tally.disbursed_fen,
            median_days_to_fully_pledged=tally.median_days_to_fully_pledged,
            median_days_to_fulfilled=tally.median_days_to_fulfilled,
        )


class MonthFigures(ReportFigures):
    month: int = Field(ge=1, le=12)
    #: "2025-03"
    label: str


class SubRegionFigures(BaseModel):
    code: str
    name: str
    total: ReportFigures
    months: list[MonthFigures]


class Report(BaseModel):
    year: int
    #: None for the whole platform.
    region_code: str | None
    region_name: str
    #: What the rows of ``sub_regions`` are (街道乡镇, 社区村 ...).
    sub_region_level: str
    total: ReportFigures
    months: list[MonthFigures]
    sub_regions: list[SubRegionFigures]


class RegionOption(BaseModel):
    code: str
    label: str

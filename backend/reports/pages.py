"""The report page (/reports) and its CSV and .xlsx downloads, with the same filters.

Who may read: civil-affairs staff and reviewers over their region scope, auditors and admins
over every region; everyone else is refused by role. The charts are the server-rendered SVG of
``backend.web.charts``, so the page reads the same without JavaScript and prints cleanly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from litestar import Controller, Request, Response, get
from litestar.params import FromQuery, QueryParameter
from litestar.response import Template
from markupsafe import Markup

from backend.accounts.guards import require_roles, user_of
from backend.reports import export, service
from backend.reports.schemas import Report
from backend.web.charts import Series, bar_chart, grouped_bar_chart
from backend.web.pages import page, yuan
from matching.regions import level_of

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

Region = Annotated[str | None, QueryParameter(max_length=12)]
Year = FromQuery[int | None]


@dataclass(frozen=True, slots=True)
class Charts:
    money: Markup
    needs: Markup
    by_region: Markup


def _count(value: int) -> str:
    return f"{value:,}"


def _charts(report: Report) -> Charts:
    months = [f"{m.month}月" for m in report.months]
    return Charts(
        money=grouped_bar_chart(
            months,
            [
                Series("认捐净额", [m.pledged_fen for m in report.months]),
                Series("拨付金额", [m.disbursed_fen for m in report.months]),
            ],
            title=f"{report.year}年每月认捐与拨付",
            formatter=yuan,
        ),
        needs=grouped_bar_chart(
            months,
            [
                Series("发布", [m.needs_published for m in report.months]),
                Series("足额认捐", [m.needs_fully_pledged for m in report.months]),
                Series("完成", [m.needs_fulfilled for m in report.months]),
            ],
            title=f"{report.year}年每月需求进展",
            formatter=_count,
        ),
        by_region=bar_chart(
            [(sub.name, sub.total.pledged_fen) for sub in report.sub_regions],
            title=f"各{report.sub_region_level}认捐净额",
            formatter=yuan,
        ),
    )


def _download(content: bytes, media_type: str, report: Report, extension: str) -> Response[bytes]:
    """An attachment named in Chinese (地区 and 年份), with an ASCII fallback."""
    name = quote(f"统计报表-{report.region_name}-{report.year}.{extension}")
    disposition = (
        f"attachment; filename=\"{export.filename(report, extension)}\"; filename*=UTF-8''{name}"
    )
    return Response(
        content=content, media_type=media_type, headers={"Content-Disposition": disposition}
    )


class ReportPagesController(Controller):
    path = "/reports"
    include_in_schema = False
    guards = [require_roles(*service.REPORT_ROLES)]

    @get("/", name="reports")
    async def report(
        self, request: Request[Any, Any, Any], region: Region = None, year: Year = None
    ) -> Template:
        user = user_of(request)
        report = await service.build_report(user, region, year)

        def link(to_region: str | None, to: str = "/reports") -> str:
            query = {"region": to_region or "", "year": report.year}
            return to + "?" + urlencode({k: v for k, v in query.items() if v})

        return page(
            request,
            "reports/report.html",
            active="reports",
            report=report,
            charts=_charts(report),
            regions=await service.region_options(user, report.region_code),
            years=service.year_options(report.year),
            link=link,
            # A community has no level below it to drill into.
            drill_down=report.region_code is None or level_of(report.region_code) < 5,
            csv_url=link(report.region_code, "/reports/export.csv"),
            xlsx_url=link(report.region_code, "/reports/export.xlsx"),
        )

    @get("/export.csv", name="reports_csv")
    async def export_csv(
        self, request: Request[Any, Any, Any], region: Region = None, year: Year = None
    ) -> Response[bytes]:
        report = await service.build_report(user_of(request), region, year)
        return _download(export.to_csv(report), "text/csv; charset=utf-8", report, "csv")

    @get("/export.xlsx", name="reports_xlsx")
    async def export_xlsx(
        self, request: Request[Any, Any, Any], region: Region = None, year: Year = None
    ) -> Response[bytes]:
        report = await service.build_report(user_of(request), region, year)
        return _download(export.to_xlsx(report), XLSX, report, "xlsx")

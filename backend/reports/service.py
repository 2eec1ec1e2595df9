"""Reports per region and month: referrals, needs, pledges and disbursements, counted in SQL.

Which region a row belongs to: the **case's** community (``assistance_case.region_code``),
reached from a need through ``need.case`` and from a ledger entry through its need, never the
need's published region. The published region is generalised for k-anonymity (one need in
ten is lifted to its district), so grouping by it would leave a street report short and put
a tenth of a district's needs under no street; civil affairs count a household where it
lives, and a staff member's scope is defined over the same case regions. The reports are
read by civil affairs and auditors only and hold counts and amounts, never a household.

Which month a figure belongs to: the Beijing-time month of its own event. Referrals count
when submitted, needs when published, "fully pledged" and "fulfilled" (and their median
days since publication) when that happened, pledge amounts when pledged, cancelled or
expired (cancellations and expiries are negative ledger entries, so a month's pledged
figure is net), disbursements when recorded in the ledger.

The database does the grouping in one statement (``backend/reports/queries.py``); the medians
and totals are computed here exactly from day-count histograms (``matching.report_stats``), so
PostgreSQL and SQLite run the same code path.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

from backend.accounts.guards import ALL_REGION_ROLES, RegionOutOfScope, in_region_scope
from backend.accounts.schemas import CurrentUser
from backend.accounts.tables import Role
from backend.errors import FieldInvalid
from backend.regions.service import RegionNotFound, full_name
from backend.regions.tables import Region
from backend.reports import queries
from backend.reports.schemas import (
    MonthFigures,
    RegionOption,
    Report,
    ReportFigures,
    SubRegionFigures,
)
from matching.regions import LEVEL_DIGITS, level_of, significant_prefix
from matching.report_stats import (
    MONTHS,
    Grouping,
    Tally,
    grouping_for,
    month_starts,
    sum_tallies,
)

#: Who reads reports: civil affairs within their region scope, auditors and admins everywhere.
REPORT_ROLES = (Role.staff, Role.reviewer, Role.auditor, Role.admin)
#: Civil affairs count months on the Beijing calendar.
REPORT_ZONE = ZoneInfo("Asia/Shanghai")
FIRST_YEAR = 2000
PLATFORM_NAME = "全平台"
#: Lowest level offered in the region selector; communities are reached by drilling down.
_SELECTOR_MAX_LEVEL = 4


class ReportYearInvalid(FieldInvalid):
    code = "report_year_invalid"
    message = "年份无效，请选择 2000 年至明年之间的年份"


class ReportRegionInvalid(FieldInvalid):
    code = "report_region_invalid"
    message = "地区代码应为 12 位数字"


class NoRegionScope(RegionOutOfScope):
    code = "report_no_region_scope"
    message = "您的账号未设置管辖地区，无法查看统计报表"


def current_year() -> int:
    return datetime.now(REPORT_ZONE).year


def check_year(year: int | None) -> int:
    if year is None:
        return current_year()
    if not FIRST_YEAR <= year <= current_year() + 1:
        raise ReportYearInvalid(field="year")
    return year


async def resolve_region(user: CurrentUser, region: str | None) -> str | None:
    """The region a report is over: the one asked for, if the user may read it; else the
    user's own scope (None, the whole platform, for auditors and admins)."""
    region = (region or "").strip() or None
    if region is None:
        if user.role in ALL_REGION_ROLES:
            return None
        if not user.region_code:
            raise NoRegionScope()
        return user.region_code
    try:
        level_of(region)
    except ValueError:
        raise ReportRegionInvalid(field="region") from None
    if not in_region_scope(user, region):
        raise RegionOutOfScope(field="region")
    if not await Region.exists().where(Region.code == region):
        raise RegionNotFound(field="region")
    return region


async def _sub_regions(grouping: Grouping, found: set[str]) -> list[tuple[str, str]]:
    """(digits, name) of every sub-region: all children of the region, even without data,
    and any code found in the data that the region table lacks (named by its code)."""
    if grouping.region is not None and level_of(grouping.region) == max(LEVEL_DIGITS):
        query = Region.select(Region.code, Region.name).where(Region.code == grouping.region)
    elif grouping.region is None:
        query = Region.select(Region.code, Region.name).where(Region.level == 1)
    else:
        query = Region.select(Region.code, Region.name).where(Region.parent_code == grouping.region)
    names = {row["code"][: grouping.digits]: row["name"] for row in await query}
    for digits in found - names.keys():
        names[digits] = grouping.sub_region_code(digits)
    return sorted(names.items())


def _month_label(year: int, month: int) -> str:
    return f"{year}-{month:02d}"


def _months(year: int, tallies: dict[int, Tally]) -> list[MonthFigures]:
    return [
        MonthFigures(
            month=m, label=_month_label(year, m), **ReportFigures.of(tallies[m]).model_dump()
        )
        for m in MONTHS
    ]


async def region_label(region: str | None) -> str:
    if region is None:
        return PLATFORM_NAME
    return await full_name(region, from_level=1 if level_of(region) <= 2 else 3)


async def build_report(user: CurrentUser, region: str | None, year: int | None) -> Report:
    """The report over ``region`` (or the user's scope) for a calendar ``year``."""
    year = check_year(year)
    region = await resolve_region(user, region)
    grouping = grouping_for(region)
    counts = await queries.count(grouping, month_starts(year, REPORT_ZONE))
    cells, referred = counts.cells, counts.referred

    subs = await _sub_regions(grouping, {sub for sub, _ in cells} | {s for s, _ in referred if s})
    sub_rows: list[SubRegionFigures] = []
    by_month: dict[int, list[Tally]] = defaultdict(list)
    for digits, name in subs:
        months = {m: cells.get((digits, m), Tally()) for m in MONTHS}
        for m, tally in months.items():
            by_month[m].append(tally)
        total = sum_tallies(months.values(), cases_referred=referred.get((digits, 0), 0))
        sub_rows.append(
            SubRegionFigures(
                code=grouping.sub_region_code(digits),
                name=name,
                total=ReportFigures.of(total),
                months=_months(year, months),
            )
        )
    month_totals = {
        m: sum_tallies(by_month[m], cases_referred=referred.get(("", m), 0)) for m in MONTHS
    }
    grand = sum_tallies(month_totals.values(), cases_referred=referred.get(("", 0), 0))
    return Report(
        year=year,
        region_code=region,
        region_name=await region_label(region),
        sub_region_level=grouping.level_name,
        total=ReportFigures.of(grand),
        months=_months(year, month_totals),
        sub_regions=sub_rows,
    )


async def region_options(user: CurrentUser, selected: str | None) -> list[RegionOption]:
    """Regions the user may pick (their scope, down to streets), indented by level; the
    selected region is kept even when it is a community reached by drilling down."""
    query = Region.select(Region.code, Region.name, Region.level).order_by(Region.code)
    top = 1
    if user.role not in ALL_REGION_ROLES:
        if not user.region_code:
            return []
        top = level_of(user.region_code)
        query = query.where(Region.code.like(significant_prefix(user.region_code) + "%"))
    rows = [
        row
        for row in await query
        if row["level"] <= max(_SELECTOR_MAX_LEVEL, top) or row["code"] == selected
    ]
    options = (
        [] if user.role not in ALL_REGION_ROLES else [RegionOption(code="", label=PLATFORM_NAME)]
    )
    for row in rows:
        indent = "\u3000" * (row["level"] - top + (1 if user.role in ALL_REGION_ROLES else 0))
        options.append(RegionOption(code=row["code"], label=indent + row["name"]))
    return options


def year_options(selected: int) -> list[int]:
    now = current_year()
    years = set(range(now - 4, now + 1)) | {selected}
    return sorted(years, reverse=True)

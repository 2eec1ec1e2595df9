"""A report as a spreadsheet: CSV (UTF-8 with BOM, so Excel reads the Chinese) and .xlsx.

Both carry the same rows: every sub-region month by month with its year total, then the whole
region likewise. Amounts are given twice: yuan with two decimals, computed from the integer fen
with Decimal (never a float), and the fen themselves, so a reader can reconcile to the cent.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from backend.reports.schemas import Report, ReportFigures
from backend.safe_text import spreadsheet_cell, spreadsheet_row
from matching.report_stats import fen_to_yuan

Cell = str | int | Decimal | None

HEADERS = (
    "年份",
    "地区代码",
    "地区",
    "月份",
    "转介救助对象（户）",
    "发布需求（个）",
    "足额认捐需求（个）",
    "发布至足额认捐天数中位数",
    "完成需求（个）",
    "发布至完成天数中位数",
    "认捐净额（元）",
    "认捐净额（分）",
    "认捐服务时长（小时）",
    "拨付金额（元）",
    "拨付金额（分）",
)
YEAR_LABEL = "全年"
TOTAL_LABEL = "合计"
_YUAN_COLUMNS = {HEADERS.index("认捐净额（元）"), HEADERS.index("拨付金额（元）")}
_MEDIAN_COLUMNS = {HEADERS.index("发布至足额认捐天数中位数"), HEADERS.index("发布至完成天数中位数")}


def _median(value: float | None) -> Decimal | None:
    # Medians of whole days are whole or halves: one decimal says them exactly.
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.1"))


def _figures(figures: ReportFigures) -> list[Cell]:
    return [
        figures.cases_referred,
        figures.needs_published,
        figures.needs_fully_pledged,
        _median(figures.median_days_to_fully_pledged),
        figures.needs_fulfilled,
        _median(figures.median_days_to_fulfilled),
        fen_to_yuan(figures.pledged_fen),
        figures.pledged_fen,
        figures.pledged_hours,
        fen_to_yuan(figures.disbursed_fen),
        figures.disbursed_fen,
    ]


def rows(report: Report) -> Iterator[list[Cell]]:
    """The data rows, without the header."""
    for sub in report.sub_regions:
        for month in sub.months:
            yield [report.year, sub.code, sub.name, month.label, *_figures(month)]
        yield [report.year, sub.code, sub.name, YEAR_LABEL, *_figures(sub.total)]
    code = report.region_code or ""
    name = f"{report.region_name}{TOTAL_LABEL}"
    for month in report.months:
        yield [report.year, code, name, month.label, *_figures(month)]
    yield [report.year, code, name, YEAR_LABEL, *_figures(report.total)]


def _text(cell: Cell) -> str:
    if cell is None:
        return ""
    return str(spreadsheet_cell(cell))


def to_csv(report: Report) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADERS)
    for row in rows(report):
        writer.writerow([_text(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(report: Report) -> bytes:
    """One sheet of rows as in the CSV, numbers stored as numbers with their display format;
    region codes stay text so their leading digits are never read as a number."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = f"{report.year}年统计"
    sheet.append(list(HEADERS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows(report):
        sheet.append(spreadsheet_row(row))
    for column in range(1, len(HEADERS) + 1):
        index = column - 1
        letter = get_column_letter(column)
        for cell in sheet[letter][1:]:
            if index in _YUAN_COLUMNS:
                cell.number_format = "#,##0.00"
            elif index in _MEDIAN_COLUMNS:
                cell.number_format = "0.0"
            elif index == 1:
                cell.number_format = "@"
        sheet.column_dimensions[letter].width = max(10, len(HEADERS[index]) * 2 + 2)
    sheet.freeze_panes = "E2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def filename(report: Report, extension: str) -> str:
    """ASCII file name: the region code (or "all") and the year."""
    return f"aidbridge-report-{report.region_code or 'all'}-{report.year}.{extension}"

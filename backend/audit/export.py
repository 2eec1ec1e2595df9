"""The audit log as a spreadsheet for auditors: CSV (UTF-8 with BOM, so Excel reads the Chinese)
and .xlsx, the same columns in both.

Every text cell goes through ``spreadsheet_cell``: a detail, a display name or an address that
starts with ``= + - @`` (or tab or CR) would be a formula in the auditor's spreadsheet.
"""

from __future__ import annotations

import csv
import io

from litestar import Response
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from backend.audit.service import AuditRead
from backend.safe_text import spreadsheet_row
from backend.web.pages import local_time

FORMATS = ("csv", "xlsx")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
HEADERS = (
    "时间（北京时间）",
    "用户名",
    "显示名称",
    "操作",
    "操作代码",
    "救助对象编号",
    "说明",
    "IP 地址",
)
_WIDTHS = (18, 16, 16, 14, 22, 16, 40, 16)


def row(entry: AuditRead) -> list[str]:
    return spreadsheet_row(
        [
            local_time(entry.at),
            entry.username,
            entry.display_name,
            entry.action_label,
            entry.action,
            entry.case_ref or "",
            entry.detail_label,
            entry.ip,
        ]
    )


def to_csv(entries: list[AuditRead]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADERS)
    writer.writerows(row(entry) for entry in entries)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(entries: list[AuditRead]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "审计日志"
    sheet.append(list(HEADERS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for entry in entries:
        sheet.append(row(entry))
    for column, width in enumerate(_WIDTHS, start=1):
        letter = get_column_letter(column)
        sheet.column_dimensions[letter].width = width
        for cell in sheet[letter][1:]:
            cell.number_format = "@"  # codes and addresses stay text
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def render(entries: list[AuditRead], fmt: str) -> bytes:
    return to_csv(entries) if fmt == "csv" else to_xlsx(entries)


def download(entries: list[AuditRead], fmt: str) -> Response[bytes]:
    """The file as an attachment (``aidbridge-audit.csv`` or ``.xlsx``)."""
    return Response(
        render(entries, fmt),
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="aidbridge-audit.{fmt}"'},
    )

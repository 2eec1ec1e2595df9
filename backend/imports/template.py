"""The downloadable import templates: an Excel workbook (data sheet, instructions, the
community codes of the downloader's own region) and a CSV with the same header row."""

from __future__ import annotations

import codecs
import csv
import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from backend.imports.columns import COLUMNS, HEADERS, MAX_GRANTS, Kind
from backend.imports.reader import DATA_SHEET, MAX_FILE_BYTES, MAX_ROWS
from backend.safe_text import spreadsheet_row
from matching.vocabulary import GRANT_KIND_LABELS, PROGRAMME_LABELS

INSTRUCTIONS: tuple[str, ...] = (
    f"1. 在“{DATA_SHEET}”表中从第2行起填写，每行一户："
    f"登记户主及该户已获得的政府救助（最多{MAX_GRANTS}条）。",
    "2. 请勿增删、改名或调换列名；不用的列留空即可。表头与模板不符的文件将被整体退回。",
    "3. 导入只登记户主：需登记全部家庭成员的多人家庭，请使用“登记新救助对象”表单；"
    "分阶段发放的救助请在救助对象页面登记。",
    "4. 身份证号、联系电话、社区代码请保持“文本”格式（模板已设置），否则 Excel 会把长数字改坏。",
    "5. 请勿使用合并单元格和公式：含合并单元格或公式的行会被标为错误、不予导入。",
    "6. 日期写作 2025-03-01；金额以元为单位，最多两位小数；是/否 列填“是”或“否”。",
    f"7. 每个文件最多 {MAX_ROWS} 行数据、不超过 {MAX_FILE_BYTES // (1024 * 1024)}MB；"
    "超出请拆分为多个文件。",
    "8. 有错误的行不会导入，其余行照常导入；导入报告按行号和列名说明原因，"
    "修改后可重新导入同一文件。",
    "9. 重新导入不会重复登记：系统按身份证号识别已登记的救助对象（报告为“已存在”），"
    "同一户相同类型、审批日期和金额的救助记录也不会重复添加。",
    "10. 只能导入您管辖地区内的社区；社区代码见“社区代码”表。"
    "也可另存为 CSV（UTF-8 或 GBK 编码）后上传。",
)

_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")
_TEXT_KINDS = (Kind.code, Kind.id_number)


def _choices(kind: Kind) -> list[str] | None:
    match kind:
        case Kind.programme:
            return list(PROGRAMME_LABELS.values())
        case Kind.grant_kind:
            return list(GRANT_KIND_LABELS.values())
        case Kind.yes_no:
            return ["是", "否"]
        case Kind.grade:
            return ["一级", "二级", "三级", "四级"]
    return None


def xlsx_template(communities: list[dict[str, Any]]) -> bytes:
    """``communities`` as ``backend.cases.pages.communities`` groups them, by street."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = DATA_SHEET
    sheet.append(spreadsheet_row(list(HEADERS)))
    last = MAX_ROWS + 1
    for position, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(position)
        cell = sheet.cell(row=1, column=position)
        cell.font = Font(bold=True)
        cell.fill = _REQUIRED_FILL if column.required else _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.column_dimensions[letter].width = max(12, len(column.header) * 2 + 2)
        if column.kind in _TEXT_KINDS:
            sheet.column_dimensions[letter].number_format = "@"
            for row in range(2, 202):  # Excel applies a column's format to cells typed later
                sheet.cell(row=row, column=position).number_format = "@"
        choices = _choices(column.kind)
        if choices:
            rule = DataValidation(
                type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True
            )
            rule.error, rule.errorTitle = "请从下拉列表中选择", column.header
            sheet.add_data_validation(rule)
            rule.add(f"{letter}2:{letter}{last}")
    sheet.freeze_panes = "A2"

    notes = workbook.create_sheet("填写说明")
    notes.column_dimensions["A"].width = 24
    notes.column_dimensions["B"].width = 10
    notes.column_dimensions["C"].width = 90
    notes.append(["批量导入救助对象：填写说明"])
    notes["A1"].font = Font(bold=True, size=14)
    for line in INSTRUCTIONS:
        notes.append([line])
    notes.append([])
    notes.append(["列名", "是否必填", "说明"])
    for cell in notes[notes.max_row]:
        cell.font = Font(bold=True)
    for column in COLUMNS:
        notes.append(
            spreadsheet_row([column.header, "必填" if column.required else "选填", column.help])
        )

    codes = workbook.create_sheet("社区代码")
    codes.append(["社区代码", "街道（乡镇）", "社区（村）"])
    for cell in codes[1]:
        cell.font = Font(bold=True)
    for width, letter in ((16, "A"), (24, "B"), (30, "C")):
        codes.column_dimensions[letter].width = width
    for street in communities:
        for code, name in street["options"]:
            codes.append(spreadsheet_row([code, street["name"], name]))
    for row in codes.iter_rows(min_row=2, max_col=1):
        row[0].number_format = "@"

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_template() -> bytes:
    """The header row, UTF-8 with the BOM Excel needs to open Chinese text correctly."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(spreadsheet_row(list(HEADERS)))
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")

"""Reading an uploaded spreadsheet into rows of raw cells, whatever staff saved it as.

Excel (.xlsx) is read with openpyxl without evaluating anything: a formula cell is reported,
never computed, and merged cells are reported by range, because a merged cell spreads one
household's value over rows that are not its own. CSV may be UTF-8 (with or without the BOM
Excel adds) or GBK/GB18030 (what Excel on a Chinese Windows saves). Limits are checked before
any row is parsed, so a huge or hostile file costs little.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from dataclasses import dataclass, field
from typing import Any

from openpyxl import load_workbook
from openpyxl.cell.cell import MergedCell
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula
from openpyxl.worksheet.worksheet import Worksheet

#: Data rows one file may hold; more must be split (the header row is not counted).
MAX_ROWS = 10_000
#: Largest file accepted, in bytes.
MAX_FILE_BYTES = 10 * 1024 * 1024
#: Largest total the parts of an .xlsx may unpack to (a zip bomb is refused before parsing).
MAX_UNPACKED_BYTES = 120 * 1024 * 1024
#: The sheet read from a workbook; the first sheet when there is none by this name.
DATA_SHEET = "救助对象"

_ZIP = b"PK\x03\x04"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls (Excel 97-2003)
_TEXT_SUFFIXES = (".csv", ".txt")


class UnreadableFile(Exception):
    """The file as a whole cannot be imported; ``code`` is stable, ``message`` Chinese."""

    def __init__(self, code: str, message: str, *, status_code: int = 400) -> None:
        super().__init__(code)
        self.code = code
        self.message = message
        self.status_code = status_code


@dataclass
class RawRow:
    #: The row number staff see in Excel (the header is row 1).
    number: int
    cells: list[Any]
    #: Column position → (code, message) of a cell that cannot be read as a value.
    problems: dict[int, tuple[str, str]] = field(default_factory=dict)


@dataclass
class Sheet:
    file_kind: str  # "xlsx" or "csv"
    headers: list[str]
    rows: list[RawRow]


def _blank(values: list[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def _too_many(count: int) -> UnreadableFile:
    return UnreadableFile(
        "too_many_rows",
        f"文件共有{count}行数据，超过单次导入上限{MAX_ROWS}行，请拆分为多个文件分批导入",
        status_code=413,
    )


def read_upload(filename: str, data: bytes) -> Sheet:
    if len(data) > MAX_FILE_BYTES:
        raise UnreadableFile(
            "file_too_large",
            f"文件超过{MAX_FILE_BYTES // (1024 * 1024)}MB的大小上限，请拆分后分批导入",
            status_code=413,
        )
    if not data.strip():
        raise UnreadableFile("empty_file", "文件是空的，请使用导入模板填写后再上传")
    name = filename.lower()
    if data.startswith(_ZIP):
        return _read_xlsx(data)
    if data.startswith(_OLE2):
        raise UnreadableFile(
            "xls_unsupported", "不支持旧版 .xls 格式，请在 Excel 中“另存为” .xlsx 后再导入"
        )
    if name.endswith(_TEXT_SUFFIXES) or "." not in name:
        return _read_csv(data)
    raise UnreadableFile("not_a_spreadsheet", "无法识别的文件，仅支持 .xlsx 或 .csv 格式")


def _not_a_workbook() -> UnreadableFile:
    return UnreadableFile(
        "not_a_spreadsheet", "无法读取该 Excel 文件，请确认文件完好且为 .xlsx 格式"
    )


def _read_xlsx(data: bytes) -> Sheet:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
            if "xl/workbook.xml" not in {p.filename for p in parts}:
                raise _not_a_workbook()
            if sum(p.file_size for p in parts) > MAX_UNPACKED_BYTES:
                raise UnreadableFile(
                    "file_too_large", "文件解压后过大，请拆分后分批导入", status_code=413
                )
        # Not read-only: merged ranges are known only to a fully loaded sheet. data_only=False
        # keeps formulas as formulas, so none is ever evaluated or trusted as a cached value.
        workbook = load_workbook(io.BytesIO(data), data_only=False)
    except UnreadableFile:
        raise
    except Exception:  # zipfile.BadZipFile, KeyError, XML errors: all "not a workbook"
        raise _not_a_workbook() from None
    sheet = workbook[DATA_SHEET] if DATA_SHEET in workbook.sheetnames else workbook.worksheets[0]
    if not isinstance(sheet, Worksheet):
        raise _not_a_workbook()
    return _sheet_rows(sheet)


def _sheet_rows(sheet: Worksheet) -> Sheet:
    merged: dict[tuple[int, int], str] = {}
    for cells in sheet.merged_cells.ranges:
        for row in range(max(cells.min_row, 2), cells.max_row + 1):
            for col in range(cells.min_col, cells.max_col + 1):
                merged[(row, col)] = cells.coord
    headers: list[str] = []
    rows: list[RawRow] = []
    count = 0
    for number, cells in enumerate(sheet.iter_rows(), start=1):
        if number == 1:
            headers = [str(c.value).strip() if c.value is not None else "" for c in cells]
            continue
        values: list[Any] = []
        problems: dict[int, tuple[str, str]] = {}
        for position, cell in enumerate(cells):
            value = None if isinstance(cell, MergedCell) else cell.value
            where = merged.get((number, position + 1))
            if where is not None:
                problems[position] = (
                    "merged_cell",
                    f"单元格{where}是合并单元格，请取消合并并逐行填写",
                )
                value = "merged"  # a row of merged cells only is no blank row
            elif cell.data_type == "f" or isinstance(value, ArrayFormula | DataTableFormula):
                problems[position] = (
                    "formula",
                    f"单元格{cell.coordinate}含公式，系统不计算公式，请粘贴为数值后再导入",
                )
                value = "formula"
            values.append(value)
        if _blank(values):
            continue
        count += 1
        if count <= MAX_ROWS:
            rows.append(RawRow(number=number, cells=values, problems=problems))
    if count > MAX_ROWS:
        raise _too_many(count)
    return Sheet(file_kind="xlsx", headers=headers, rows=rows)


def _decode(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        encodings: tuple[str, ...] = ("utf-8-sig",)
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ("utf-16",)  # Excel's "Unicode text"
    elif b"\x00" in data:
        raise UnreadableFile("not_a_spreadsheet", "无法识别的文件，仅支持 .xlsx 或 .csv 格式")
    else:
        encodings = ("utf-8", "gb18030")  # GB18030 is a superset of GBK and GB2312
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile(
        "bad_encoding",
        "无法识别文件的文字编码，请以“CSV UTF-8”或 GBK 编码保存，或直接上传 .xlsx 文件",
    )


def _read_csv(data: bytes) -> Sheet:
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error:
        raise UnreadableFile("not_a_spreadsheet", "无法读取该 CSV 文件，请检查格式") from None
    if not records or _blank(records[0]):
        raise UnreadableFile("empty_file", "文件没有表头，请使用导入模板填写后再上传")
    headers = [h.strip() for h in records[0]]
    rows = [
        RawRow(number=number, cells=list(values))
        for number, values in enumerate(records[1:], start=2)
        if not _blank(list(values))
    ]
    if len(rows) > MAX_ROWS:
        raise _too_many(len(rows))
    return Sheet(file_kind="csv", headers=headers, rows=rows)

"""Building import files for tests: rows of synthetic households, written as .xlsx or CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from openpyxl import Workbook  # type: ignore[import-untyped]

from backend.imports.columns import HEADERS
from tests.people import id_number, mobile, name

ZIYUN = "120116001016"  # 塘沽街道 紫云园社区
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def household(n: int = 0, **overrides: Any) -> dict[str, Any]:
    """One row of the template, keyed by header: a synthetic household with one grant."""
    born = date(1950, 1, 1) + timedelta(days=n % 20_000)
    row: dict[str, Any] = {
        "所属社区代码": ZIYUN,
        "救助类别": "低保",
        "收入稳定": "否",
        "核实日期": (date.today() - timedelta(days=3)).isoformat(),
        "户主姓名": name(),
        "户主身份证号": id_number(born=born, female=n % 2 == 0),
        "联系电话": mobile(),
        "住址": f"塘沽街道海洋小区{n % 40 + 1}号楼{n % 6 + 1}单元",
        "残疾等级": "",
        "患病情况": "",
        "就读学校及年级": "",
        "就业情况": "无业",
        "月收入（元）": "860.50",
        "救助记录1类型": "临时救助（急难型）",
        "救助记录1金额（元）": "3000",
        "救助记录1审批日期": (date.today() - timedelta(days=10)).isoformat(),
        "救助记录1审批单位": "滨海新区塘沽街道办事处",
    }
    row.update(overrides)
    return row


def grid(rows: Sequence[dict[str, Any]], headers: Sequence[str] = HEADERS) -> list[list[Any]]:
    return [list(headers), *([row.get(h, "") for h in headers] for row in rows)]


def xlsx_bytes(rows: Sequence[dict[str, Any]], headers: Sequence[str] = HEADERS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "救助对象"
    for values in grid(rows, headers):
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(
    rows: Sequence[dict[str, Any]], encoding: str = "utf-8-sig", headers: Sequence[str] = HEADERS
) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(grid(rows, headers))
    return buffer.getvalue().encode(encoding)


def upload(name: str, content: bytes) -> dict[str, tuple[str, bytes, str]]:
    kind = XLSX if name.endswith(".xlsx") else "text/csv"
    return {"file": (name, content, kind)}

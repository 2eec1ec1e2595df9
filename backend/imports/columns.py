"""The columns of the bulk-import template, and how one cell's text becomes a field value.

One row is one household, recorded with its head (户主), plus up to ``MAX_GRANTS`` government
grants already given to it. A single flat sheet works the same in Excel and in CSV, which a
second sheet keyed by ID number would not; households with several members, and staged grants,
are recorded on the case form. Headers are the case form's own words, so what staff type here
is what they would type there.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from backend.web.forms import MoneyInvalid, parse_yuan
from matching.vocabulary import GRANT_KIND_LABELS, PROGRAMME_LABELS

#: Grants one row may carry; more are recorded on the case page.
MAX_GRANTS = 3


class Kind(StrEnum):
    text = "text"
    code = "code"  # digits kept as text (region code, phone)
    id_number = "id_number"
    programme = "programme"
    yes_no = "yes_no"
    date = "date"
    money = "money"
    grade = "grade"
    grant_kind = "grant_kind"


@dataclass(frozen=True)
class Column:
    header: str
    #: Where the value goes: a ``CaseCreate`` path, or ``grants.<n>.<field>``.
    path: str
    kind: Kind
    required: bool
    help: str


def _grant_columns(n: int) -> list[Column]:
    say = f"救助记录{n}"
    kinds = "、".join(GRANT_KIND_LABELS.values())
    return [
        Column(f"{say}类型", f"grants.{n - 1}.kind", Kind.grant_kind, False, f"可选：{kinds}"),
        Column(f"{say}金额（元）", f"grants.{n - 1}.amount_fen", Kind.money, False, "单位元"),
        Column(f"{say}审批日期", f"grants.{n - 1}.granted_on", Kind.date, False, "如 2025-03-01"),
        Column(f"{say}审批单位", f"grants.{n - 1}.office", Kind.text, False, "如 塘沽街道办事处"),
    ]


_PROGRAMME_CHOICES = "、".join(PROGRAMME_LABELS.values())
COLUMNS: tuple[Column, ...] = (
    Column("所属社区代码", "region_code", Kind.code, True, "12位社区（村）代码，见“社区代码”表"),
    Column("救助类别", "programme", Kind.programme, True, "可选：" + _PROGRAMME_CHOICES),
    Column("收入稳定", "income_stable", Kind.yes_no, False, "是 或 否；留空视为否"),
    Column("核实日期", "verified_on", Kind.date, False, "入户核实日期，如 2025-03-01；留空为今天"),
    Column("户主姓名", "members.0.name", Kind.text, True, ""),
    Column("户主身份证号", "members.0.id_number", Kind.id_number, True, "18位，请以文本格式填写"),
    Column("联系电话", "members.0.phone", Kind.code, False, "手机或固定电话"),
    Column("住址", "members.0.address", Kind.text, False, ""),
    Column("残疾等级", "members.0.disability_grade", Kind.grade, False, "一级至四级，无则留空"),
    Column("患病情况", "members.0.illness", Kind.text, False, ""),
    Column("就读学校及年级", "members.0.school", Kind.text, False, ""),
    Column("就业情况", "members.0.employment", Kind.text, False, ""),
    Column("月收入（元）", "members.0.monthly_income_fen", Kind.money, False, "单位元，留空为0"),
    *(c for n in range(1, MAX_GRANTS + 1) for c in _grant_columns(n)),
)
HEADERS: tuple[str, ...] = tuple(c.header for c in COLUMNS)
BY_PATH = {c.path: c for c in COLUMNS}


def header_key(text: str) -> str:
    """Headers compare after NFKC and without spaces, so "月收入(元)" is "月收入（元）"."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


class CellInvalid(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _key(text: str) -> str:
    return re.sub(r"[\s()]", "", unicodedata.normalize("NFKC", text)).lower()


_PROGRAMMES = {_key(label): value for value, label in PROGRAMME_LABELS.items()} | {
    _key(value): value for value in PROGRAMME_LABELS
}
_GRANT_KINDS = {_key(label): value for value, label in GRANT_KIND_LABELS.items()} | {
    _key(value): value for value in GRANT_KIND_LABELS
}
_YES = {"是", "y", "yes", "true", "1", "稳定"}
_NO = {"否", "n", "no", "false", "0", "不稳定"}
_GRADES = {"1": 1, "2": 2, "3": 3, "4": 4, "一": 1, "二": 2, "三": 3, "四": 4}
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def cell_text(value: Any) -> str:
    """A cell as the text staff see, exactly: 1234.5 stays "1234.5", never 1234.4999…"""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    return str(value).strip()


def _date(text: str) -> date:
    text = unicodedata.normalize("NFKC", text).strip()
    match = _DATE.match(text) or _COMPACT_DATE.match(text)
    if match is None and " " in text:  # "2025-03-01 00:00:00" from a date-time cell
        match = _DATE.match(text.split(" ", 1)[0])
    try:
        if match is None:
            raise ValueError
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise CellInvalid("date_format", "日期格式不正确，应如 2025-03-01") from None


def parse(column: Column, value: Any) -> Any:
    """The field value of one cell; None when blank (the schema's default applies)."""
    if column.kind == Kind.id_number and isinstance(value, int | float) and value is not True:
        raise CellInvalid(
            "id_number_as_number", "身份证号被存成了数字，末几位可能已丢失，请把该列设为文本后重填"
        )
    text = cell_text(value)
    if not text:
        return None
    key = _key(text)
    match column.kind:
        case Kind.text | Kind.code | Kind.id_number:
            return text
        case Kind.programme:
            if key not in _PROGRAMMES:
                allowed = "、".join(PROGRAMME_LABELS.values())
                raise CellInvalid("programme_unknown", f"救助类别须为：{allowed}")
            return _PROGRAMMES[key]
        case Kind.grant_kind:
            if key not in _GRANT_KINDS:
                raise CellInvalid(
                    "grant_kind_unknown", "救助类型不在可选范围内，请按模板下拉选项填写"
                )
            return _GRANT_KINDS[key]
        case Kind.yes_no:
            if key in _YES:
                return True
            if key in _NO:
                return False
            raise CellInvalid("yes_no_invalid", "请填写“是”或“否”")
        case Kind.date:
            return value.date() if isinstance(value, datetime) else _date(text)
        case Kind.money:
            try:
                return parse_yuan(text)
            except MoneyInvalid as exc:
                raise CellInvalid("money_format", str(exc)) from None
        case Kind.grade:
            grade = _GRADES.get(key.removesuffix("级"))
            if grade is None:
                raise CellInvalid("disability_grade_invalid", "残疾等级须为一级至四级")
            return grade
    raise AssertionError(column.kind)  # pragma: no cover - every kind is matched above

"""Birth dates in every format staff write them: 1978年3月15日, 1978.3.15, 19780315,
78年3月15日, 一九七八年三月十五日 (the year's digits are ASCII already, see ``normalise``).

Other dates (diagnosis, job loss, the assistance granted) are what the need is about, so only
a date the sentence ties to a birth is removed, and any date equal to a known birthday, which
identifies its holder wherever it appears.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator

from matching.anonymiser.model import REPLACEMENTS, Finding
from matching.anonymiser.text import valid_date

_YEAR_DIGITS = str.maketrans("〇零一二三四五六七八九", "00123456789")
_CN_UNITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_MONTH = r"(?:1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九]|正|冬|腊)"
_DAY = (
    r"(?:3[01]|[12]\d|0?[1-9]|三十一?|二十[一二三四五六七八九]?|十[一二三四五六七八九]?"
    r"|[一二三四五六七八九]|初[一二三四五六七八九十]|廿[一二三四五六七八九]?)"
)
_DATE = re.compile(
    rf"(?<![\d〇零一二三四五六七八九])"
    rf"(?P<year>(?:18|19|20)\d{{2}}|\d{{2}}|[〇零一二三四五六七八九]{{2}})\s*年\s*(?P<m1>{_MONTH})\s*月"
    rf"(?:\s*(?P<d1>{_DAY})\s*[日号]?)?"
    rf"|(?<![\d.])(?P<year2>(?:18|19|20)\d{{2}})\s*(?P<sep>[-./])\s*(?P<m2>1[0-2]|0?[1-9])\s*(?P=sep)"
    rf"\s*(?P<d2>3[01]|[12]\d|0?[1-9])(?![\d.])"
    rf"|(?<!\d)(?P<compact>(?:19|20)\d{{6}})(?!\d)"
    rf"|(?<![\d年])(?P<m3>{_MONTH})\s*月\s*(?P<d3>{_DAY})\s*[日号]"
    # 85.6.12: only a birth cue or a known birthday makes this a date
    rf"|(?<![\d.])(?P<year4>\d{{2}})(?P<sep4>[./])(?P<m4>1[0-2]|0?[1-9])(?P=sep4)"
    rf"(?P<d4>3[01]|[12]\d|0?[1-9])(?![\d.])"
)
_BIRTH_BEFORE = re.compile(
    r"(?:出生|生于|生日|出生日期|生辰|出世|身份证上|证件上)"
    r"(?:日期|年月日|年月|时间|于|是|为|在|写的是|登记为|:|：|\s)*$"
)
_BIRTH_AFTER = re.compile(r"\s*(?:出生|生人|生(?![病活产意存效育命])|出世)")


def cn_number(value: str) -> int:
    """1–31 written in digits or in Chinese (三, 十五, 二十三, 正 for the first month)."""
    if value.isdigit():
        return int(value)
    if value == "正":
        return 1
    if value in ("冬", "腊"):
        return 11 if value == "冬" else 12
    if value.startswith("初"):
        return cn_number(value[1:])
    if value.startswith("廿"):
        return 20 + _CN_UNITS.get(value[1:], 0)
    if "十" not in value:
        return _CN_UNITS.get(value, 0)
    tens, _, units = value.partition("十")
    return (_CN_UNITS.get(tens, 0) if tens else 1) * 10 + _CN_UNITS.get(units, 0)


def _parts(match: re.Match[str]) -> tuple[str, int, int | None] | None:
    """(year as written, month, day or None) of a date match; year "" when none is written."""
    if match.group("compact"):
        digits = match.group("compact")
        return digits[:4], int(digits[4:6]), int(digits[6:])
    if match.group("year2"):
        return match.group("year2"), int(match.group("m2")), int(match.group("d2"))
    if match.group("year4"):
        return match.group("year4"), int(match.group("m4")), int(match.group("d4"))
    if match.group("m3"):
        return "", cn_number(match.group("m3")), cn_number(match.group("d3"))
    day = match.group("d1")
    return (
        match.group("year").translate(_YEAR_DIGITS),
        cn_number(match.group("m1")),
        cn_number(day) if day else None,
    )


def _same_day(year: str, month: int, day: int | None, born: dt.date) -> bool:
    if day is None or (month, day) != (born.month, born.day):
        return False
    if not year:
        return False
    if len(year) == 2:
        return int(year) == born.year % 100
    return int(year) == born.year


def _plausible(year: str, month: int, day: int | None) -> bool:
    if len(year) == 4:
        return valid_date(int(year), month, day or 1)
    return 1 <= month <= 12 and (day is None or 1 <= day <= 31)


def find_dates(folded: str, known_births: Iterable[dt.date] = ()) -> Iterator[Finding]:
    births = set(known_births)
    for match in _DATE.finditer(folded):
        parts = _parts(match)
        if parts is None or not _plausible(*parts):
            continue
        year, month, day = parts
        start, end = match.span()
        if any(_same_day(year, month, day, born) for born in births):
            yield Finding(
                "birth_date", start, end, REPLACEMENTS["birth_date"], "known",
                "已知出生日期（任何写法）",
            )  # fmt: skip
            continue
        cued = _BIRTH_BEFORE.search(folded, max(0, start - 12), start) or _BIRTH_AFTER.match(
            folded, end
        )
        if cued and (day is not None or len(year) == 4):
            yield Finding(
                "birth_date", start, end, REPLACEMENTS["birth_date"], "detected",
                "疑似出生日期（上下文为出生）",
            )  # fmt: skip

"""Identifiers with a fixed shape: numbers, plates, e-mail, chat ids and birth dates.

Every pattern runs on the folded text (see ``text.fold``), so full-width digits need no
special case and the offsets still index the original. Numbers are validated (check
character, Luhn, calendar) rather than merely shaped, because a need is full of ordinary
numbers (amounts, counts, policy numbers) that must stay.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator

from matching.anonymiser.model import REPLACEMENTS, Finding
from matching.anonymiser.text import is_luhn, is_resident_id, valid_date

_ID = re.compile(r"(?<!\d)\d(?:[ \t\-]{0,2}\d){16}[ \t\-]{0,2}[0-9Xx](?![0-9])")
_MOBILE = re.compile(
    r"(?<![\d+])(?:(?:\+\s?|00)86[\s\-]{0,3}|[(（]\s*\+?86\s*[)）][\s\-]{0,3}|86[\s\-]{0,3})?"
    r"1[3-9]\d[\s\-]{0,3}\d{4}[\s\-]{0,3}\d{4}(?!\d)"
)
_LANDLINE = re.compile(
    r"(?<![\d+])(?:[(（]\s*0\d{2,3}\s*[)）]|0\d{2,3})[\s\-]{0,3}[1-9]\d{2,3}[\s\-]?\d{4}(?!\d)"
)
#: A local number with no area code is only a telephone number when the text says so.
_CUED_LOCAL = re.compile(
    r"(?:电话|座机|固话|联系方式|手机|[Tt]el|TEL)[^0-9\n。；;]{0,8}?(?<!\d)([2-9]\d{2,3}[\s\-]?\d{4})(?!\d)"
)
_CARD = re.compile(
    r"(?<!\d)(?:\d{13,19}|\d{4}(?:[ \-]\d{4}){2,3}(?:[ \-]\d{1,4})?|\d{6}[ \-]\d{7,13})(?!\d)"
)
_PLATE = re.compile(
    r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-HJ-NP-Za-hj-np-z]"
    r"\s?[·•・.\-]?\s?[A-HJ-NP-Za-hj-np-z0-9]{5,6}[挂学警]?(?![A-Za-z0-9])"
)
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_WECHAT = re.compile(
    r"(?:微信(?:号码|号|ID|id)?|(?<![A-Za-z])(?:wx|WX|Wx|vx|VX|weixin|WeChat|wechat|Wechat)"
    r"(?:号|ID|id)?)\s*(?:[:：]|是|为)?\s*([A-Za-z0-9][A-Za-z0-9_\-]{5,19})(?![A-Za-z0-9_\-@])"
)
_QQ = re.compile(
    r"(?:(?<![A-Za-z])[Qq][Qq]|扣扣)(?:号码|号)?\s*(?:[:：]|是|为)?\s*([1-9]\d{4,11})(?!\d)"
)
_DATE = re.compile(
    r"(?<!\d)((?:18|19|20)\d{2})\s*(?:年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?"
    r"|([-./])\s*(\d{1,2})\s*\4\s*(\d{1,2}))(?!\d)"
)
_BIRTH_BEFORE = re.compile(r"(?:出生|生于|生日)(?:日期|年月日|时间|于)?\s*(?:[:：]|为|是|在)?\s*$")
_BIRTH_AFTER = re.compile(r"\s*(?:出生|生(?![病活产意存效育命]))")


def _finding(kind: str, start: int, end: int, reason: str) -> Finding:
    return Finding(kind, start, end, REPLACEMENTS[kind], "detected", reason)


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit() or c in "Xx").upper()


def find_id_numbers(folded: str) -> Iterator[Finding]:
    for match in _ID.finditer(folded):
        if is_resident_id(_digits(match.group())):
            yield _finding("id_number", *match.span(), "疑似身份证号（校验位与出生日期有效）")


def find_phones(folded: str) -> Iterator[Finding]:
    for match in _MOBILE.finditer(folded):
        yield _finding("phone", *match.span(), "疑似手机号码")
    for match in _LANDLINE.finditer(folded):
        yield _finding("landline", *match.span(), "疑似固定电话（含区号）")
    for match in _CUED_LOCAL.finditer(folded):
        yield _finding("landline", *match.span(1), "疑似固定电话（位于“电话”等提示词之后）")


def find_bank_cards(folded: str) -> Iterator[Finding]:
    for match in _CARD.finditer(folded):
        digits = _digits(match.group())
        if 13 <= len(digits) <= 19 and is_luhn(digits):
            yield _finding("bank_card", *match.span(), "疑似银行卡号（通过 Luhn 校验）")


def find_plates(folded: str) -> Iterator[Finding]:
    for match in _PLATE.finditer(folded):
        if sum(c.isdigit() for c in match.group()) >= 2:
            yield _finding("plate", *match.span(), "疑似机动车号牌")


def find_contacts(folded: str) -> Iterator[Finding]:
    for match in _EMAIL.finditer(folded):
        yield _finding("email", *match.span(), "疑似电子邮箱")
    for match in _WECHAT.finditer(folded):
        yield _finding("wechat", *match.span(1), "疑似微信号（位于“微信”等提示词之后）")
    for match in _QQ.finditer(folded):
        yield _finding("qq", *match.span(1), "疑似QQ号（位于“QQ”等提示词之后）")


def _date_of(match: re.Match[str]) -> dt.date | None:
    year = int(match.group(1))
    month = match.group(2) or match.group(5)
    day = match.group(3) or match.group(6)
    if not valid_date(year, int(month), int(day)):
        return None
    return dt.date(year, int(month), int(day))


def find_birth_dates(folded: str, known_births: Iterable[dt.date] = ()) -> Iterator[Finding]:
    """Exact dates said to be a birth, and any date equal to a known person's birthday.

    Other dates (diagnosis, job loss, the assistance granted) are what the need is about, so
    only a date the sentence itself ties to a birth is removed, plus the birthday written in a
    known ID number, which identifies its holder wherever it appears.
    """
    births = set(known_births)
    for match in _DATE.finditer(folded):
        date = _date_of(match)
        if date is None:
            continue
        start, end = match.span()
        if date in births:
            yield Finding(
                "birth_date", start, end, REPLACEMENTS["birth_date"], "known",
                "已知身份证号中的出生日期",
            )  # fmt: skip
        elif _BIRTH_BEFORE.search(folded, max(0, start - 12), start) or _BIRTH_AFTER.match(
            folded, end
        ):
            yield _finding("birth_date", start, end, "疑似出生日期（上下文为出生）")


def find_shaped(folded: str, known_births: Iterable[dt.date] = ()) -> list[Finding]:
    found: list[Finding] = []
    found.extend(find_id_numbers(folded))
    found.extend(find_phones(folded))
    found.extend(find_bank_cards(folded))
    found.extend(find_plates(folded))
    found.extend(find_contacts(folded))
    found.extend(find_birth_dates(folded, known_births))
    return found

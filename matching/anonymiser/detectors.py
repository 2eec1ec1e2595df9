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

from matching.anonymiser.dates import find_dates
from matching.anonymiser.latin import ALLOWED_LATIN
from matching.anonymiser.model import REPLACEMENTS, Finding
from matching.anonymiser.text import is_luhn, is_resident_id

_ID = re.compile(r"(?<!\d)\d(?:[ \t\-]{0,2}\d){16}[ \t\-]{0,2}[0-9Xx](?![0-9])")
_MOBILE = re.compile(
    r"(?<![\d+])(?:(?:\+\s?|00)86[\s\-]{0,3}|[(（]\s*\+?86\s*[)）][\s\-]{0,3}|86[\s\-]{0,3})?"
    r"1[3-9]\d[\s\-]{0,3}\d{4}[\s\-]{0,3}\d{4}(?!\d)"
)
#: Taiwan mobiles: 0912-345-678.
_TW_MOBILE = re.compile(r"(?<![\d+])09\d{2}[\s\-]?\d{3}[\s\-]?\d{3}(?!\d)")
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


def _finding(kind: str, start: int, end: int, reason: str) -> Finding:
    return Finding(kind, start, end, REPLACEMENTS[kind], "detected", reason)


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit() or c in "Xx").upper()


def find_id_numbers(folded: str) -> Iterator[Finding]:
    for match in _ID.finditer(folded):
        if is_resident_id(_digits(match.group())):
            yield _finding("id_number", *match.span(), "疑似身份证号（校验位与出生日期有效）")


#: A disability (残疾人证) or other certificate number: the holder's ID and one or two digits.
_CERTIFICATE = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx])[ \t\-]?(\d{1,2})(?![0-9])")
#: 1201071978****2876, 139****5678, 6222 **** **** 1234: a number with its middle hidden still
#: shows enough of it (and its tail finds every need of the household in the search).
_MASKED = re.compile(
    r"(?<![0-9A-Za-z])\d[\d \-]{0,16}[*＊×#]{2,14}(?:[\d \-]{0,10}\d)?(?![0-9])"
    r"|(?<![0-9A-Za-z])[*＊×#]{3,14}[ \-]?\d{3,8}(?![0-9])"
)
#: Passport (E12345678), Hong Kong ID (A123456(7)), Taiwan ID (A123456789) numbers.
_FOREIGN_ID = re.compile(
    r"(?<![0-9A-Za-z])(?:[A-Z]{1,2}\d{6}\s?[(（]?[0-9A]?[)）]?|[A-Z][12]\d{8}|[EGDSPH]\d{8})"
    r"(?![0-9A-Za-z])"
)


#: 尾号2876, 后四位1903: the tail of some number, which finds the household in a search.
_TAIL = re.compile(
    r"(?P<what>[\u4e00-\u9fff]{0,6}?)(?:尾号|尾数|后四位|末四位|后4位|末4位|后六位|后6位|末尾)"
    r"(?:是|为|[:：])?\s*(?P<digits>[0-9Xx]{3,6})(?![0-9])"
)
_TAIL_KINDS = (("手机", "phone"), ("电话", "phone"), ("卡", "bank_card"), ("账", "bank_card"))


def find_tails(folded: str) -> Iterator[Finding]:
    for match in _TAIL.finditer(folded):
        what = match.group("what")
        kind = next((k for cue, k in _TAIL_KINDS if cue in what), "id_number")
        yield _finding(kind, *match.span("digits"), "疑似号码尾号（位于“尾号”等提示词之后）")


def find_certificates(folded: str) -> Iterator[Finding]:
    for match in _CERTIFICATE.finditer(folded):
        if is_resident_id(match.group(1).upper()):
            yield _finding("certificate", *match.span(), "疑似证件号（身份证号加序号，如残疾人证）")


def find_masked(folded: str) -> Iterator[Finding]:
    for match in _MASKED.finditer(folded):
        digits = sum(c.isdigit() for c in match.group())
        if digits >= 3 and len(match.group().strip()) >= 7:
            yield _finding("number", *match.span(), "疑似部分隐藏的证件、银行卡或电话号码")
    for match in _FOREIGN_ID.finditer(folded):
        if sum(c.isdigit() for c in match.group()) >= 6:
            yield _finding("id_number", *match.span(), "疑似护照或港澳台身份证号")


def find_phones(folded: str) -> Iterator[Finding]:
    for match in _MOBILE.finditer(folded):
        yield _finding("phone", *match.span(), "疑似手机号码")
    for match in _TW_MOBILE.finditer(folded):
        yield _finding("phone", *match.span(), "疑似手机号码（台湾地区格式）")
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
    for match in _URL.finditer(folded):
        yield _finding("url", *match.span(), "疑似网址")


_URL = re.compile(
    r"(?:https?://|www\.)[^\s\u4e00-\u9fff，。；、）)]+"
    r"|(?<![A-Za-z0-9@.])[A-Za-z0-9\-]{2,}(?:\.[A-Za-z0-9\-]{2,})*\.(?:com|cn|net|org|cc|me|top|vip)"
    r"(?:/[^\s\u4e00-\u9fff，。；、）)]*)?(?![A-Za-z0-9])"
)
#: An account name written without a cue: letters with digits or an underscore (guzh_1990715,
#: wxid_8k2m, zhang1985). Words of medicine and daily life that look alike are in ALLOWED_LATIN.
_HANDLE = re.compile(r"(?<![A-Za-z0-9_@.\-])[A-Za-z][A-Za-z0-9_\-]{4,24}(?![A-Za-z0-9_@\-])")


_CUED_HANDLE = re.compile(r"^(?:vx|wx|weixin|wechat|qq)[A-Za-z0-9]", re.IGNORECASE)


#: A display name is as good as an account for finding someone: 微信名：快乐的小鱼.
_DISPLAY_NAME = re.compile(
    r"(?:微信名|微信昵称|微信名称|网名|昵称|抖音名|快手名|抖音昵称|快手昵称)\s*(?:是|为|叫|[:：])?\s*"
    r"(?P<name>[^\s，。；;,、:：（()）]{2,16})"
)


def find_handles(folded: str) -> Iterator[Finding]:
    for match in _DISPLAY_NAME.finditer(folded):
        yield _finding("wechat", *match.span("name"), "疑似网络昵称（位于“微信名”等提示词之后）")
    for match in _HANDLE.finditer(folded):
        token = match.group()
        letters = sum(c.isalpha() for c in token)
        digits = sum(c.isdigit() for c in token)
        if token.lower() in ALLOWED_LATIN or token.upper() in ALLOWED_LATIN:
            continue
        if _CUED_HANDLE.match(token):
            continue  # vxzxm_1988, QQ382716495: the cue detectors take the part after the cue
        if ("_" in token and letters >= 2) or (letters >= 2 and digits >= 3):
            yield _finding(
                "wechat", *match.span(), "疑似微信号或网络账号（字母与数字、下划线组合）"
            )


def find_shaped(folded: str, known_births: Iterable[dt.date] = ()) -> list[Finding]:
    found: list[Finding] = []
    found.extend(find_id_numbers(folded))
    found.extend(find_certificates(folded))
    found.extend(find_tails(folded))
    found.extend(find_masked(folded))
    found.extend(find_phones(folded))
    found.extend(find_bank_cards(folded))
    found.extend(find_plates(folded))
    found.extend(find_contacts(folded))
    found.extend(find_handles(folded))
    found.extend(find_dates(folded, known_births))
    return found

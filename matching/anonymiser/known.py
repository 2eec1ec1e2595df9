"""Every written form of the identifiers the case record already holds.

A caseworker writes the same ID number in groups of four, in full-width digits, masked
(1201071978****2876) or by its tail (尾号2876), the same phone with +86 in front or read out in
Chinese numerals, the same birthday as 19780315, 1978.3.15 or 七八年三月十五日. The record knows
the canonical values; this module derives their other forms (names: ``known_names``) and
finds them (``forms``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from matching.anonymiser.forms import Form, Skeleton, text_key
from matching.anonymiser.known_names import name_forms, nickname_forms
from matching.anonymiser.model import REPLACEMENTS, Finding, Known
from matching.anonymiser.normalise import normalise_value
from matching.anonymiser.places import strip_admin_prefix
from matching.anonymiser.text import fold
from matching.identity import birth_date_of

# --- numbers -------------------------------------------------------------------------------


def _number_key(raw: str) -> str:
    return "".join(c for c in fold(raw) if c.isascii() and c.isalnum()).upper()


def _id_forms(raw: str) -> Iterator[Form]:
    yield from _number_forms("id_number", raw, "已知身份证号")


def _number_forms(kind: str, raw: str, reason: str) -> Iterator[Form]:
    chars = _number_key(raw)
    if len(chars) >= 6:
        yield Form(kind, chars, "number", REPLACEMENTS[kind], reason, True)


def _phone_forms(raw: str) -> Iterator[Form]:
    digits = "".join(c for c in _number_key(raw) if c.isdigit())
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if len(digits) < 5:
        return
    if len(digits) == 11 and digits.startswith("1"):
        yield Form("phone", digits, "mobile", REPLACEMENTS["phone"], "已知电话号码", True)
        return
    kind = "landline" if digits.startswith("0") else "phone"
    yield Form(kind, digits, "number", REPLACEMENTS[kind], "已知电话号码", True)
    if digits.startswith("0") and len(digits) >= 10:
        local = digits[3:] if digits[1] in "12" else digits[4:]
        yield Form(
            "landline", local, "number", REPLACEMENTS["landline"], "已知电话号码（省略区号）", True
        )


# --- addresses, schools, employers ---------------------------------------------------------

_ESTATE_NAME = re.compile(r"^[\u4e00-\u9fff]{1,10}?(?:小区|花园|家园|公寓|新村|苑|大厦|社区|村|里)")
_UNITS = re.compile(r"\d.*(?:号楼|栋|幢|单元|号院|室|组|号)")


def _text_form(kind: str, value: str, reason: str, replacement: str | None = None) -> Form:
    return Form(kind, text_key(value), "text", replacement or REPLACEMENTS[kind], reason)


def _below_admin(kind: str, value: str, reason: str) -> Iterator[Form]:
    """The known value without its district and street, which the need is allowed to show.

    The part below them is a substring of the whole, so finding it removes every identifying
    character of the full written form too.
    """
    tail = strip_admin_prefix(value)
    if tail == value:
        yield _text_form(kind, value, reason)
    elif len(tail) >= 2:
        yield _text_form(kind, tail, reason + "（街道以下部分）")


def _address_forms(raw: str) -> Iterator[Form]:
    address = text_key(raw)
    if len(address) < 3:
        return
    yield from _below_admin("address", address, "已知住址")
    tail = strip_admin_prefix(address)
    estate = _ESTATE_NAME.match(tail)
    if estate and len(estate.group()) >= 3 and estate.group() != tail:
        yield _text_form("address", estate.group(), "已知住址的小区或村名")
        rest = tail[estate.end() :]
        if _UNITS.search(rest) and len(rest) >= 4:
            yield _text_form("address", rest, "已知住址的楼栋门牌")


_SCHOOL_END = re.compile(
    r"^.*(?:小学|中学|学校|幼儿园|附中|附小|职业高中|职高|中专|技校|大学|学院)"
)


_GRADE = re.compile(r"^(?:[一二三四五六七八九]年级|[初高][一二三]|学前班|大班|中班|小班)")


def _school_forms(raw: str) -> Iterator[Form]:
    """The school, and its class without the grade (the grade tells what help fits)."""
    school = text_key(raw)
    if len(school) < 3:
        return
    institution = _SCHOOL_END.match(school)
    if institution is None:
        yield from _below_admin("school", school, "已知学校及班级")
        return
    name = institution.group()
    yield from _below_admin("school", name, "已知学校名称")
    klass = _GRADE.sub("", school[len(name) :])
    if len(klass) >= 2 and klass.endswith("班"):
        yield _text_form("school", klass, "已知班级", "[班级]")


#: Short names of provinces and the platform's cities, which company names often start with.
_PLACE_PREFIX = re.compile(
    r"^(?:天津|重庆|泰安|北京|上海|山东|四川|河北|河南|湖北|湖南|广东|江苏|浙江|辽宁|吉林|黑龙江|"
    r"安徽|福建|江西|山西|陕西|甘肃|云南|贵州|广西|海南|内蒙古|宁夏|新疆|西藏|青海|济南|青岛)"
)
_COMPANY_SUFFIX = re.compile(
    r"(?:有限责任公司|股份有限公司|有限公司|分公司|集团公司|集团|公司|总厂|分厂|厂|商行|商店|"
    r"超市|门市部|经营部|合作社)$"
)


def _employer_forms(raw: str) -> Iterator[Form]:
    employer = text_key(raw)
    if len(employer) < 3:
        return
    yield from _below_admin("employer", employer, "已知工作单位")
    short = _PLACE_PREFIX.sub("", strip_admin_prefix(employer))
    if short != strip_admin_prefix(employer) and len(short) >= 4:
        yield _text_form("employer", short, "已知工作单位（省略地名）")
    core = _COMPANY_SUFFIX.sub("", short)
    if core != short and len(core) >= 3:
        yield _text_form("employer", core, "已知工作单位简称")


def _plain_forms(kind: str, raw: str) -> Iterator[Form]:
    """A plate or an account (WeChat id, QQ, e-mail) as written, ignoring case and spaces;
    a plate also without the dot or hyphen after its letter (粤D·52K81, 粤D52K81)."""
    value = text_key(normalise_value(raw))
    if len(value) < 4:
        return
    replacement = REPLACEMENTS.get(kind, REPLACEMENTS["wechat"])
    reason = "已知车牌号" if kind == "plate" else "已知账号"
    yield Form(kind, value, "text", replacement, reason)
    compact = re.sub(r"[·•・.\-]", "", value)
    if compact != value:
        yield Form(kind, compact, "text", replacement, reason)
    if kind == "plate" and len(compact) >= 7:
        for mark in "·-":
            yield Form(kind, compact[:2] + mark + compact[2:], "text", replacement, reason)


@dataclass(frozen=True, slots=True)
class KnownPlan:
    """What the gate looks for, derived once per household (pinyin costs ~30 µs a name)."""

    forms: tuple[Form, ...]
    #: The digits of every known number (ID, phone, card, certificate) with its kind.
    numbers: tuple[tuple[str, str], ...]
    births: frozenset[dt.date]


@lru_cache(maxsize=512)
def plan_for(known: Known) -> KnownPlan:
    forms: list[Form] = []
    for name in known.names:
        forms.extend(name_forms(name))
    for nickname in known.nicknames:
        forms.extend(nickname_forms(nickname))
    for number in known.id_numbers:
        forms.extend(_id_forms(number))
    for number in known.bank_cards:
        forms.extend(_number_forms("bank_card", number, "已知银行卡号"))
    for number in known.certificates:
        forms.extend(_number_forms("certificate", number, "已知证件号"))
    for phone in known.phones:
        forms.extend(_phone_forms(phone))
    for address in known.addresses:
        forms.extend(_address_forms(normalise_value(address)))
    for school in known.schools:
        forms.extend(_school_forms(normalise_value(school)))
    for employer in known.employers:
        forms.extend(_employer_forms(normalise_value(employer)))
    for plate in known.plates:
        forms.extend(_plain_forms("plate", plate))
    for account in known.accounts:
        forms.extend(_plain_forms("wechat", account))
    unique: dict[tuple[str, str], Form] = {}
    for form in forms:
        unique.setdefault((form.style, form.value), form)
    return KnownPlan(tuple(unique.values()), _known_numbers(known), frozenset(_births(known)))


def _known_numbers(known: Known) -> tuple[tuple[str, str], ...]:
    numbers: dict[str, str] = {}
    groups = (
        ("id_number", known.id_numbers), ("bank_card", known.bank_cards),
        ("certificate", known.certificates), ("phone", known.phones),
    )  # fmt: skip
    for kind, values in groups:
        for raw in values:
            digits = _number_key(raw)
            if kind == "phone" and digits.startswith("0086"):
                digits = digits[4:]
            elif kind == "phone" and digits.startswith("86") and len(digits) == 13:
                digits = digits[2:]
            if len(digits) >= 4:
                numbers.setdefault(digits, kind)
    return tuple(numbers.items())


def _births(known: Known) -> Iterator[dt.date]:
    """Birthdays the record holds, and those written inside known ID numbers."""
    for number in (*known.id_numbers, *known.certificates):
        chars = _number_key(number)
        if len(chars) >= 18 and chars[:17].isdigit():
            born = birth_date_of(chars[:18])
            if born is not None:
                yield born
    for raw in known.birth_dates:
        born = parse_date(normalise_value(raw))
        if born is not None:
            yield born


_ANY_DATE = re.compile(r"(\d{4})\D{0,3}?(\d{1,2})\D{0,3}?(\d{1,2})")


def parse_date(value: str) -> dt.date | None:
    """A date the record holds, in whatever format it was typed (1978-03-15, 1978年3月15日)."""
    match = _ANY_DATE.search(value)
    if match is None:
        return None
    try:
        return dt.date(*(int(group) for group in match.groups()))
    except ValueError:
        return None


# --- any four digits of a known number ------------------------------------------------------

#: A run this short is a known number's piece only when it is not a year, an amount or a count.
_SHORT_PIECE = 5
_NOT_A_PIECE_AFTER = re.compile(
    r"\s*(?:年|元|万|块|岁|次|人|户|个|天|%|‰|米|斤|公斤|克|平|㎡|多|余)"
)
_YEAR = re.compile(r"^(?:19|20)\d{2}$")


def _is_quantity(folded: str, digits: str, end: int) -> bool:
    return bool(_YEAR.match(digits)) or bool(_NOT_A_PIECE_AFTER.match(folded, end))


def find_known_digits(skeleton: Skeleton, numbers: tuple[tuple[str, str], ...]) -> list[Finding]:
    """Runs of four or more digits taken from a known number: masked, partial, its tail.

    尾号2876 finds every need of a household in the public search as surely as the whole ID;
    a run that contains a whole known number (a disability certificate is the ID plus digits)
    is removed whole.
    """
    if not numbers:
        return []
    found: list[Finding] = []
    folded = skeleton.folded
    for run, positions in skeleton.number_runs():
        for digits, kind in numbers:
            if len(digits) >= 8 and digits in run:
                found.append(
                    _piece(kind, positions[0], positions[-1] + 1, "已知号码（含其他数字）")
                )
        # contiguous groups inside the run (separators split them), and the run itself
        groups = [(run, positions)]
        begin = 0
        for index in range(1, len(run) + 1):
            if index == len(run) or positions[index] != positions[index - 1] + 1:
                if 0 < index - begin < len(run):
                    groups.append((run[begin:index], positions[begin:index]))
                begin = index
        for digits_seen, where in groups:
            if len(digits_seen) < 4:
                continue
            start, end = where[0], where[-1] + 1
            if len(digits_seen) <= _SHORT_PIECE and _is_quantity(folded, digits_seen, end):
                continue
            for digits, kind in numbers:
                if digits_seen in digits:
                    found.append(_piece(kind, start, end, "已知号码的部分数字"))
                    break
    return found


def _piece(kind: str, start: int, end: int, reason: str) -> Finding:
    return Finding(kind, start, end, REPLACEMENTS[kind], "known", reason)

"""Every written form of the identifiers the case record already holds.

A caseworker writes the same person as 张小明, 小明, 老张 or 张先生, the same ID number in
groups of four or in full-width digits, and the same phone with +86 in front. The record
knows the canonical values; this module derives their other forms and finds them.

Forms are matched on a skeleton of the text (spaces and brackets dropped; for numbers,
separators between digits dropped) with plain substring search. Compiling a regular
expression per form per narrative cost more than everything else the anonymiser does.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

from matching.anonymiser.model import REPLACEMENTS, Finding, Known
from matching.anonymiser.places import strip_admin_prefix
from matching.anonymiser.text import (
    fold,
    split_name,
    word_set,
    written_form_note,
)
from matching.identity import birth_date_of


@dataclass(frozen=True, slots=True)
class Form:
    """One written form to look for: a canonical string matched against a skeleton text."""

    kind: str
    value: str
    #: "text" ignores spaces and brackets; "number" also skips separators between digits and
    #: refuses to match inside a longer number; "mobile" also takes a +86/0086 prefix along.
    style: str
    replacement: str
    reason: str
    #: True when the reason should say which written form was matched (spaces, full-width …).
    note_form: bool = False


# --- skeletons -----------------------------------------------------------------------------

_TEXT_DROPPED = frozenset(" \t\r\n\u3000()（）")
_NUMBER_SEPARATORS = frozenset(" \t-·.()（）")
_MAX_SEPARATORS = 3
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def text_key(value: str) -> str:
    """What a phrase looks like on the text skeleton."""
    return "".join(c for c in fold(value) if c not in _TEXT_DROPPED).translate(_ASCII_LOWER)


class Skeleton:
    """Two views of a folded text that written-form variations do not change."""

    def __init__(self, folded: str) -> None:
        self.folded = folded
        text_chars: list[str] = []
        self.text_positions: list[int] = []
        number_chars: list[str] = []
        self.number_positions: list[int] = []
        for index, char in enumerate(folded):
            if char not in _TEXT_DROPPED:
                text_chars.append(char)
                self.text_positions.append(index)
            if "0" <= char <= "9" or char in "Xx":
                number_chars.append(char.upper())
                self.number_positions.append(index)
            elif char not in _NUMBER_SEPARATORS:
                number_chars.append("|")
                self.number_positions.append(index)
        self.text = "".join(text_chars).translate(_ASCII_LOWER)
        self.numbers = "".join(number_chars)

    def find_text(self, key: str) -> Iterator[tuple[int, int]]:
        positions = self.text_positions
        index = self.text.find(key)
        while index >= 0:
            yield positions[index], positions[index + len(key) - 1] + 1
            index = self.text.find(key, index + 1)

    def find_number(self, digits: str, mobile: bool = False) -> Iterator[tuple[int, int]]:
        numbers, positions = self.numbers, self.number_positions
        index = numbers.find(digits)
        while index >= 0:
            last = index + len(digits) - 1
            spaced = all(
                positions[i + 1] - positions[i] - 1 <= _MAX_SEPARATORS for i in range(index, last)
            )
            if spaced:
                start = self._with_prefix(index) if mobile else positions[index]
                end = positions[last] + 1
                if not self._digit_touches(start - 1) and not self._digit_touches(end):
                    yield self._with_bracket(start, end), end
            index = numbers.find(digits, index + 1)

    def _with_bracket(self, start: int, end: int) -> int:
        """Take the bracket of a bracketed area code, (022)2345 6789, along with the number."""
        folded = self.folded
        if start > 0 and folded[start - 1] in "(（" and any(c in ")）" for c in folded[start:end]):
            return start - 1
        return start

    def _digit_touches(self, offset: int) -> bool:
        return 0 <= offset < len(self.folded) and self.folded[offset].isdigit()

    def _with_prefix(self, index: int) -> int:
        """The start of a mobile number including a +86, 0086 or (+86) written before it."""
        start = self.number_positions[index]
        if index < 2 or self.numbers[index - 2 : index] != "86":
            return start
        candidate = self.number_positions[index - 2]
        if self.number_positions[index - 1] != candidate + 1 or start - candidate > 5:
            return start
        if index >= 4 and self.numbers[index - 4 : index - 2] == "00":
            zeros = self.number_positions[index - 4]
            if zeros + 2 == candidate:
                return zeros
        if candidate > 0 and self.folded[candidate - 1] == "+":
            candidate -= 1
        if candidate > 0 and self.folded[candidate - 1] in "(（":
            candidate -= 1
        return candidate


# --- names ---------------------------------------------------------------------------------

#: 小/老 + surname forms that are ordinary words (小于 "less than", 老师 "teacher").
_COMMON_FAMILIAR = word_set(
    "小于 小时 小区 小学 小心 小康 小说 小吃 小米 小姐 小孩 小便 小组 小型 小麦 小数 小额 小微 "
    "小车 小儿 小伙 小腿 小巷 小事 小名 小票 小卖 小包 小菜 小路 小城 小商 老师 老年 老家 老公 "
    "老婆 老乡 老人 老板 老实 老化 老区 老伴 老式 老龄 老汉 老大 老总 老将 老鼠 老母 老父 老房 "
    "老街 老城 老旧 老病 老弱 老屋 老宅 老路 老干"
)
_HONORIFICS = ("先生", "女士", "阿姨", "大爷", "大妈", "大娘", "奶奶", "爷爷", "师傅", "叔叔")
_HAN = re.compile(r"^[\u4e00-\u9fff]+$")


def _name(value: str, replacement: str, reason: str) -> Form:
    return Form("name", text_key(value), "text", replacement, reason)


def familiar_replacement(word: str) -> str:
    return word[0] + "某" if word[0] in "小老阿" else REPLACEMENTS["name"]


def name_forms(raw: str) -> Iterator[Form]:
    name = text_key(raw)
    if "·" in name or "•" in name:
        # 阿依古丽·买买提: each part of a transliterated name identifies its holder.
        yield _name(name, "某某", "已知姓名")
        for part in re.split(r"[·•]", name):
            if len(part) >= 2:
                yield _name(part, "某某", "已知姓名的一部分")
        return
    if len(name) < 2:
        return
    yield _name(name, "某某", "已知姓名")
    if not _HAN.match(name):
        return
    surname, given = split_name(name)
    familiar: list[tuple[str, str]] = []
    if len(given) >= 2:
        yield _name(given, familiar_replacement(given), "已知姓名的名字部分")
        if given[0] not in "小老阿":
            familiar.append(("小" + given[-1], "小某"))
    elif len(given) == 1:
        familiar += [("小" + given, "小某"), ("阿" + given, "阿某"), (given * 2, "某某")]
    familiar += [("小" + surname, "小某"), ("老" + surname, "老某")]
    for word, replacement in familiar:
        if word not in _COMMON_FAMILIAR:
            yield _name(word, replacement, "已知姓名的称呼写法（小/老/阿加姓或名）")
    for title in _HONORIFICS:
        yield _name(surname + title, "某" + title, "已知姓氏加称谓")


# --- numbers -------------------------------------------------------------------------------


def _number_key(raw: str) -> str:
    return "".join(c for c in fold(raw) if c.isascii() and c.isalnum()).upper()


def _id_forms(raw: str) -> Iterator[Form]:
    chars = _number_key(raw)
    if len(chars) >= 6:
        yield Form("id_number", chars, "number", REPLACEMENTS["id_number"], "已知身份证号", True)


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


def _school_forms(raw: str) -> Iterator[Form]:
    school = text_key(raw)
    if len(school) < 3:
        return
    yield from _below_admin("school", school, "已知学校及班级")
    institution = _SCHOOL_END.match(school)
    if institution is None:
        return
    name = institution.group()
    if name != school:
        yield from _below_admin("school", name, "已知学校名称")
        klass = school[len(name) :]
        if len(klass) >= 3 and "班" in klass:
            yield _text_form("school", klass, "已知班级")


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


def forms_of(known: Known) -> list[Form]:
    """Every form to look for, each once (two relatives share 老张; look for it once)."""
    forms: list[Form] = []
    for name in known.names:
        forms.extend(name_forms(name))
    for number in known.id_numbers:
        forms.extend(_id_forms(number))
    for phone in known.phones:
        forms.extend(_phone_forms(phone))
    for address in known.addresses:
        forms.extend(_address_forms(address))
    for school in known.schools:
        forms.extend(_school_forms(school))
    for employer in known.employers:
        forms.extend(_employer_forms(employer))
    unique: dict[tuple[str, str], Form] = {}
    for form in forms:
        unique.setdefault((form.style, form.value), form)
    return list(unique.values())


def known_birth_dates(known: Known) -> list[dt.date]:
    """Birthdays written inside known ID numbers: the same person wherever they appear."""
    dates = []
    for number in known.id_numbers:
        chars = _number_key(number)
        if len(chars) == 18 and chars[:17].isdigit():
            born = birth_date_of(chars)
            if born is not None:
                dates.append(born)
    return dates


def find_known(
    original: str, skeleton: Skeleton, forms: list[Form], source: str = "known"
) -> list[Finding]:
    found: list[Finding] = []
    for form in forms:
        if not form.value:
            continue
        if form.style == "text":
            spans = skeleton.find_text(form.value)
        else:
            spans = skeleton.find_number(form.value, mobile=form.style == "mobile")
        for start, end in spans:
            note = written_form_note(original[start:end]) if form.note_form else ""
            found.append(
                Finding(form.kind, start, end, form.replacement, source, form.reason + note)
            )
    return found

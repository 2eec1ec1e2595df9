"""Checking 18-character resident ID numbers (居民身份证号码) the way the rules require.

Format, birth date and check character decide validity. The county table does not: python-stdnum's
full validation rejects county codes created after the holder's birth year (120116 滨海新区 for
someone born in 1978), and re-issued cards carry exactly those codes, so an unknown county is a
warning only.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from stdnum.cn import ric
from stdnum.exceptions import InvalidComponent

from matching.vocabulary import Sex

_SHAPE = re.compile(r"^\d{17}[\dX]$")


class IdNumberInvalid(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class IdNumber:
    number: str
    birth_date: date
    sex: Sex
    warnings: tuple[str, ...] = ()


def normalise(value: str) -> str:
    """Full-width digits, spaces and dashes removed, a lower-case x upper-cased."""
    value = unicodedata.normalize("NFKC", value)
    return "".join(ch for ch in value if ch.isalnum()).upper()


def birth_date_of(number: str) -> date | None:
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None
    return born if date(1900, 1, 1) <= born <= date.today() else None


def check_character(first_17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for the first 17 digits.

    (python-stdnum's ``calc_check_digit`` expects a number *with* a check position, which it
    drops: hence the placeholder.)
    """
    return str(ric.calc_check_digit(first_17[:17] + "0"))


def has_valid_check_character(number: str) -> bool:
    return bool(_SHAPE.match(number)) and check_character(number[:17]) == number[17]


def check_id_number(value: str) -> IdNumber:
    number = normalise(value)
    if not _SHAPE.match(number):
        raise IdNumberInvalid("id_number_format", "身份证号格式不正确，应为18位")
    born = birth_date_of(number)
    if born is None:
        raise IdNumberInvalid("id_number_birth_date", "身份证号中的出生日期无效")
    if not has_valid_check_character(number):
        raise IdNumberInvalid("id_number_checksum", "身份证号校验位错误")
    warnings: tuple[str, ...] = ()
    try:
        ric.get_birth_place(number)
    except InvalidComponent:
        warnings = ("身份证号的地区代码不在现行区划表中（可能为新设区县，已接受）",)
    sex = Sex.male if int(number[16]) % 2 == 1 else Sex.female
    return IdNumber(number=number, birth_date=born, sex=sex, warnings=warnings)


def age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))

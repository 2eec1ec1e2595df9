"""Digit runs no detector explained: deny by default.

An ID with a wrong check character, a certificate, a case file number, a card typed with a
digit missing: a long number that is neither an amount, a quantity, a date nor a policy
document number is flagged, so staff decide, instead of it reaching the public page because
no pattern knew its shape.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from matching.anonymiser.model import REPLACEMENTS, Finding
from matching.anonymiser.text import valid_date

_RUN = re.compile(r"(?<![\d.])\d(?:[ \-]?\d){3,}(?:(?<=\d{17})[Xx])?(?![\d.]|\s?[%‰])")
_UNIT_AFTER = re.compile(
    r"\s*(?:元|万|亿|块|角|千|百|平方|平米|㎡|m2|米|公里|km|kg|公斤|斤|克|g|ml|毫升|mg|毫克|次|天|个|"
    r"人|户|岁|小时|分钟|秒|步|件|台|箱|袋|包|瓶|盒|张|册|本|条|只|kcal|千卡|卡|字|页|多|余|左右|年|"
    r"周|月|套|份|双|辆|亩|斤|吨|株|头|U|IU|单位|毫升|粒|片|支|针|袋)"
)
_MONEY_BEFORE = re.compile(
    r"(?:[¥￥$]|RMB|人民币|费|付|收入|工资|薪|花费|花了|欠|借|贷|款|钱|金|额|计|共|约|补助|补贴|救助|报销|"
    r"支出|开支|存款|债|余额|价|值|预算|缺口|需要|需)[^\d。；;\n第号]{0,4}$"
)
#: A count or a measured value: 白细胞计数15000, 病毒载量 20000, 评分 12000.
_MEASURE_BEFORE = re.compile(
    r"(?:计数|值|指标|水平|浓度|载量|拷贝|血糖|肌酐|尿素|尿酸|白细胞|血小板|红细胞|血红蛋白|剂量|步数|"
    r"分数|评分|得分|积分|排名|人数|户数|人口|面积|产量|里程|身高|体重)[^\d。；;\n]{0,4}$"
)
#: 2024-05-06, 2024.5.6, 2024/05/06: a date written with separators.
_SEPARATED_DATE = re.compile(r"^((?:19|20)\d{2})([-./ ])(\d{1,2})\2(\d{1,2})$")
_YEAR_RANGE = re.compile(r"^(?:19|20)\d{2}\s?-\s?(?:19|20)\d{2}$")
#: Amounts stop at eight digits (tens of millions of yuan); a longer run identifies.
_LONGEST_AMOUNT = 8


def _explained(folded: str, run: str, start: int, end: int) -> bool:
    digits = re.sub(r"\D", "", run)
    if _YEAR_RANGE.match(run):
        return True
    if len(digits) == 8 and run.isdigit():
        year, month, day = int(digits[:4]), int(digits[4:6]), int(digits[6:])
        if 1900 <= year <= 2100 and valid_date(year, month, day):
            return True  # a date (a birth date is the date detector's business)
    if len(digits) == 4 and run.isdigit() and 1900 <= int(digits) <= 2100:
        return True  # a year
    date = _SEPARATED_DATE.match(run)
    if date and valid_date(int(date.group(1)), int(date.group(3)), int(date.group(4))):
        return True
    if len(digits) > _LONGEST_AMOUNT:
        return False
    if not run.isdigit():
        # 5000-8000元: a range of two amounts
        groups = re.split(r"\s*-\s*", run)
        return (
            len(groups) == 2
            and all(g.isdigit() and len(g) <= 6 for g in groups)
            and bool(_UNIT_AFTER.match(folded, end))
        )
    return (
        bool(_UNIT_AFTER.match(folded, end))
        or bool(_MONEY_BEFORE.search(folded, max(0, start - 10), start))
        or bool(_MEASURE_BEFORE.search(folded, max(0, start - 10), start))
    )


#: Dates and times are set aside first, so 2024-05-06 14:30 is not read as one long number.
_DATE_OR_TIME = re.compile(
    r"(?<!\d)(?:19|20)\d{2}([-./])\d{1,2}\1\d{1,2}(?!\d)|(?<!\d)\d{1,2}:\d{2}(?::\d{2})?(?!\d)"
)


def find_digit_runs(folded: str, shortest: int = 5) -> Iterator[Finding]:
    """Runs of ``shortest`` or more digits (four in a title, where amounts are rare)."""
    if ":" in folded or "-" in folded or "." in folded or "/" in folded:
        folded = _DATE_OR_TIME.sub(lambda m: "□" * len(m.group()), folded)
    for match in _RUN.finditer(folded):
        run = match.group()
        if sum(c.isdigit() for c in run) < shortest:
            continue
        if _explained(folded, run, *match.span()):
            continue
        yield Finding(
            "number", match.start(), match.end(), REPLACEMENTS["number"], "detected",
            "无法判断用途的数字串（可能是证件、账号或门牌号）", "flagged",
        )  # fmt: skip

"""Policy parameters as data: the catalogue, which value is in force, the 低保 arithmetic, and
when a new value may take effect.

Every number here comes from a policy document that differs by city and changes over time, so
none is a constant: each is a row with an effective date (and a region where it varies), and a
computation reads the value in force at its own date. Values are integers in a stated unit
(fen, per-mille, months, days, minutes, a count): JSON keeps them exact, and no float ever
touches money or a ratio applied to money.

Plain Python on plain data; the service in ``backend/policy`` reads and writes the rows.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from matching.regions import LEVEL_DIGITS

# --------------------------------------------------------------------------------------------
# The catalogue
# --------------------------------------------------------------------------------------------


class ValueKind(StrEnum):
    """What an integer value stands for; fixes its unit, how it is typed and shown."""

    fen = "fen"  # money, integer fen (分); typed and shown in yuan
    permille = "permille"  # a ratio in thousandths: 1500 = 1.5 倍; typed as "1.5"
    months = "months"
    days = "days"
    minutes = "minutes"
    quantity = "quantity"


UNITS = {
    ValueKind.fen: "元/人·月",
    ValueKind.permille: "倍",
    ValueKind.months: "个月",
    ValueKind.days: "天",
    ValueKind.minutes: "分钟",
    ValueKind.quantity: "",
}


class Decisions(StrEnum):
    """The decisions a parameter's value went into: what a retroactive change would rewrite."""

    needs_published = "needs_published"  # needs published in the region since the date
    pledges_created = "pledges_created"
    cases_assessed = "cases_assessed"  # cases recorded or re-verified in the region
    digests_sent = "digests_sent"


DECISION_PHRASES = {
    Decisions.needs_published: "条需求按旧值发布",
    Decisions.pledges_created: "笔认捐按旧值确定到期日",
    Decisions.cases_assessed: "户救助对象按旧值登记或复核",
    Decisions.digests_sent: "份需求摘要按旧值发送",
}


class PolicyValueInvalid(ValueError):
    """A value outside its parameter's type or bounds; the message is for people."""


_DECIMAL = re.compile(r"^\d+(?:\.\d+)?$")


@dataclass(frozen=True)
class ParameterSpec:
    name: str
    label: str
    kind: ValueKind
    #: Inclusive bounds of the stored integer (fen, per-mille, months …).
    minimum: int
    maximum: int
    #: False: one platform-wide value; a regional value would never be read, so it is refused.
    per_region: bool
    decisions: Decisions
    help: str

    @property
    def unit(self) -> str:
        return UNITS[self.kind]

    def validate(self, value: object) -> int:
        """The value as its stored integer, or ``PolicyValueInvalid`` saying what is wrong."""
        if isinstance(value, bool) or not isinstance(value, int):
            raise PolicyValueInvalid(f"{self.label}应为整数（{self._stored_unit()}）")
        if not self.minimum <= value <= self.maximum:
            low, high = self.display(self.minimum), self.display(self.maximum)
            raise PolicyValueInvalid(f"{self.label}应在 {low} 至 {high} 之间")
        return value

    def parse(self, text: str) -> int:
        """A value as an admin types it (yuan for money, "1.5" for a ratio), validated."""
        raw = unicodedata.normalize("NFKC", text).strip().replace(",", "").replace(" ", "")
        raw = raw.removeprefix("¥").removesuffix(self.unit.split("/")[0]).removesuffix("元")
        if not raw:
            raise PolicyValueInvalid(f"请填写{self.label}")
        if self.kind in (ValueKind.fen, ValueKind.permille):
            places = 2 if self.kind == ValueKind.fen else 3
            if not _DECIMAL.match(raw):
                example = self.input_text(self.example)
                raise PolicyValueInvalid(f"{self.label}应为数字，如 {example}")
            try:
                number = Decimal(raw)
            except InvalidOperation as exc:  # pragma: no cover - the pattern admits only digits
                raise PolicyValueInvalid(f"{self.label}应为数字") from exc
            scaled = number.scaleb(places)
            if scaled != scaled.to_integral_value():
                raise PolicyValueInvalid(f"{self.label}最多保留 {places} 位小数")
            return self.validate(int(scaled))
        if not raw.isdigit():
            raise PolicyValueInvalid(f"{self.label}应为整数{self.unit}")
        return self.validate(int(raw))

    @property
    def example(self) -> int:
        return EXAMPLES.get(self.name, self.minimum)

    def input_text(self, value: int) -> str:
        """The value as the form shows it back: "1110.00", "1.5", "12"."""
        if self.kind == ValueKind.fen:
            return f"{Decimal(value).scaleb(-2):.2f}"
        if self.kind == ValueKind.permille:
            return _trim(Decimal(value).scaleb(-3))
        return str(value)

    def display(self, value: int) -> str:
        """The value for people: "1,110.00 元/人·月", "1.5 倍", "12 个月", "5"."""
        if self.kind == ValueKind.fen:
            return f"{Decimal(value).scaleb(-2):,.2f} {self.unit}"
        text = self.input_text(value)
        return f"{text} {self.unit}" if self.unit else text

    def _stored_unit(self) -> str:
        return {ValueKind.fen: "分", ValueKind.permille: "千分比，1500 即 1.5 倍"}.get(
            self.kind, self.unit or "个"
        )


def _trim(number: Decimal) -> str:
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


DIBAO_STANDARD = "dibao_standard_fen"
LOW_INCOME_MULTIPLIER = "low_income_multiplier_permille"
TEKUN_MULTIPLIER = "tekun_multiplier_permille"
K_ANONYMITY = "k_anonymity"
PLEDGE_EXPIRY_DAYS = "pledge_expiry_days"
DIGEST_INTERVAL_MINUTES = "notification.digest_interval_minutes"
DIGEST_LISTED_MAX = "notification.digest_listed_max"

CATALOGUE: dict[str, ParameterSpec] = {
    spec.name: spec
    for spec in (
        ParameterSpec(
            DIBAO_STANDARD,
            "低保标准",
            ValueKind.fen,
            1,
            1_000_000,
            True,
            Decisions.cases_assessed,
            "城乡最低生活保障标准，每人每月；低保金按标准与家庭人均收入之差补足",
        ),
        ParameterSpec(
            LOW_INCOME_MULTIPLIER,
            "低收入家庭认定倍数",
            ValueKind.permille,
            1000,
            3000,
            True,
            Decisions.cases_assessed,
            "人均收入高于低保标准、不超过本倍数乘低保标准的家庭认定为低收入家庭",
        ),
        ParameterSpec(
            TEKUN_MULTIPLIER,
            "特困供养标准倍数",
            ValueKind.permille,
            1000,
            3000,
            True,
            Decisions.cases_assessed,
            "特困人员基本生活标准不低于本倍数乘低保标准",
        ),
        ParameterSpec(
            "review_cycle_months.yearly",
            "按年复核周期",
            ValueKind.months,
            1,
            36,
            True,
            Decisions.needs_published,
            "特困及收入稳定的低保、低收入家庭的复核周期；需求的复核到期日由此计算",
        ),
        ParameterSpec(
            "review_cycle_months.half_yearly",
            "按半年复核周期",
            ValueKind.months,
            1,
            36,
            True,
            Decisions.needs_published,
            "收入不稳定或有劳动能力成员的家庭的复核周期；需求的复核到期日由此计算",
        ),
        ParameterSpec(
            PLEDGE_EXPIRY_DAYS,
            "认捐有效期",
            ValueKind.days,
            1,
            365,
            False,
            Decisions.pledges_created,
            "认捐后未交付、未拨付的期限，逾期释放所认捐的额度",
        ),
        ParameterSpec(
            K_ANONYMITY,
            "公开匿名度 k",
            ValueKind.quantity,
            2,
            50,
            True,
            Decisions.needs_published,
            "公开需求的准标识组合至少对应 k 户救助对象",
        ),
        ParameterSpec(
            DIGEST_INTERVAL_MINUTES,
            "需求摘要最短间隔",
            ValueKind.minutes,
            10,
            1440,
            False,
            Decisions.digests_sent,
            "同一组织两次新需求摘要之间至少相隔的时间",
        ),
        ParameterSpec(
            DIGEST_LISTED_MAX,
            "摘要列出需求条数上限",
            ValueKind.quantity,
            1,
            100,
            False,
            Decisions.digests_sent,
            "一份摘要逐条列出的需求数，其余只计数",
        ),
    )
}

#: Typical values, shown as examples in messages only (the values in force are rows).
EXAMPLES = {
    LOW_INCOME_MULTIPLIER: 1500,
    TEKUN_MULTIPLIER: 1300,
    DIBAO_STANDARD: 111_000,
    K_ANONYMITY: 5,
    PLEDGE_EXPIRY_DAYS: 30,
    DIGEST_INTERVAL_MINUTES: 60,
    DIGEST_LISTED_MAX: 20,
    "review_cycle_months.yearly": 12,
    "review_cycle_months.half_yearly": 6,
}


def spec_of(name: str) -> ParameterSpec:
    try:
        return CATALOGUE[name]
    except KeyError:
        raise PolicyValueInvalid(f"未知的政策参数：{name}") from None


# --------------------------------------------------------------------------------------------
# Which value is in force
# --------------------------------------------------------------------------------------------


def region_chain(region_code: str | None) -> list[str | None]:
    """The region and its ancestors, most specific first, then the platform (None)."""
    chain: list[str | None] = []
    if region_code:
        for digits in sorted(LEVEL_DIGITS.values(), reverse=True):
            code = region_code[:digits].ljust(12, "0")
            if code not in chain and code[:digits].strip("0"):
                chain.append(code)
    chain.append(None)
    return chain


def in_force(
    rows: Iterable[Mapping[str, Any]], on: date, region_code: str | None
) -> Mapping[str, Any] | None:
    """The row in force at ``on`` for ``region_code``: the most specific region that has a
    value by then wins, and within it the latest ``effective_from`` on or before ``on``.

    Rows carry ``region_code`` and ``effective_from`` (and anything else); one parameter only.
    """
    best: dict[str | None, Mapping[str, Any]] = {}
    for row in rows:
        if row["effective_from"] > on:
            continue
        current = best.get(row["region_code"])
        if current is None or row["effective_from"] > current["effective_from"]:
            best[row["region_code"]] = row
    for region in region_chain(region_code):
        if region in best:
            return best[region]
    return None


def next_change(
    rows: Iterable[Mapping[str, Any]], today: date, region_code: str | None
) -> Mapping[str, Any] | None:
    """The earliest value of exactly this region scheduled after ``today``."""
    later = [r for r in rows if r["region_code"] == region_code and r["effective_from"] > today]
    return min(later, key=lambda r: r["effective_from"]) if later else None


# --------------------------------------------------------------------------------------------
# When a new value may take effect, and when one may be withdrawn
# --------------------------------------------------------------------------------------------


def retroactive_refusal(
    spec: ParameterSpec, effective_from: date, today: date, decisions_since: int
) -> str | None:
    """Why a value effective from ``effective_from`` may not be added, or None if it may.

    A value from today or later changes nothing already decided. A past date is allowed only
    while no decision has used the parameter since then: otherwise history would say those
    decisions were taken under a value they never saw.
    """
    if effective_from >= today or decisions_since <= 0:
        return None
    return (
        f"{effective_from.isoformat()} 之后已有 {decisions_since} "
        f"{DECISION_PHRASES[spec.decisions]}，不能追溯修改；请将生效日期设为今天或以后"
    )


def may_withdraw(effective_from: date, today: date) -> bool:
    """Only a value not yet in force may be withdrawn: nothing has used it."""
    return effective_from > today


# --------------------------------------------------------------------------------------------
# 低保 arithmetic, in integer fen
# --------------------------------------------------------------------------------------------


class IncomeBand(StrEnum):
    below_standard = "below_standard"  # 人均收入低于低保标准
    low_income = "low_income"  # 低保标准至低收入线之间
    above = "above"  # 高于低收入线


INCOME_BAND_LABELS = {
    IncomeBand.below_standard: "人均收入低于低保标准",
    IncomeBand.low_income: "人均收入在低收入家庭认定范围内",
    IncomeBand.above: "人均收入高于低收入家庭认定线",
}


def _check(standard_fen: int, household_income_fen: int, size: int) -> None:
    if standard_fen <= 0:
        raise ValueError("低保标准须为正数")
    if household_income_fen < 0:
        raise ValueError("家庭收入不能为负数")
    if size <= 0:
        raise ValueError("家庭人数须为正数")


def per_capita_fen(household_income_fen: int, size: int) -> int:
    """Household monthly income per person, rounded half up to the fen (for display only:
    eligibility and amounts are computed on household totals, which need no rounding)."""
    if size <= 0:
        raise ValueError("家庭人数须为正数")
    if household_income_fen < 0:
        raise ValueError("家庭收入不能为负数")
    return (2 * household_income_fen + size) // (2 * size)


def multiply_half_up(fen: int, permille: int) -> int:
    """``fen × permille / 1000`` rounded half up to the fen."""
    return (2 * fen * permille + 1000) // 2000


def multiply_up(fen: int, permille: int) -> int:
    """``fen × permille / 1000`` rounded up: for a floor that must never fall short."""
    return -((-fen * permille) // 1000)


def low_income_line_fen(standard_fen: int, multiplier_permille: int) -> int:
    """The low-income line per person per month (1.5 × 低保标准 by default), half up."""
    return multiply_half_up(standard_fen, multiplier_permille)


def tekun_minimum_fen(standard_fen: int, multiplier_permille: int) -> int:
    """The least 特困 basic-living support per person per month (≥ 1.3 × 低保标准), rounded up
    so that the floor is never under the ratio."""
    return multiply_up(standard_fen, multiplier_permille)


def dibao_gap_fen(standard_fen: int, household_income_fen: int, size: int) -> int:
    """The household's monthly 低保金 (补差): (标准 − 人均收入) × 人数 when positive.

    Computed as 标准 × 人数 − 家庭收入, which is the same sum exactly, with no rounding of the
    per-capita income.
    """
    _check(standard_fen, household_income_fen, size)
    return max(standard_fen * size - household_income_fen, 0)


def income_band(
    standard_fen: int, household_income_fen: int, size: int, low_income_permille: int
) -> IncomeBand:
    """Where the household's per-capita income lies: below the standard, in the low-income
    band (≥ 1 × and ≤ the multiplier × the standard), or above it; exact, by cross-multiplying."""
    _check(standard_fen, household_income_fen, size)
    if household_income_fen < standard_fen * size:
        return IncomeBand.below_standard
    if household_income_fen * 1000 <= standard_fen * size * low_income_permille:
        return IncomeBand.low_income
    return IncomeBand.above


@dataclass(frozen=True)
class DibaoFigures:
    standard_fen: int
    per_capita_income_fen: int
    low_income_line_fen: int
    tekun_minimum_fen: int
    band: IncomeBand
    #: Monthly 低保金 the household's income leaves to make up (0 when not below the standard).
    gap_fen: int

    @property
    def band_label(self) -> str:
        return INCOME_BAND_LABELS[self.band]


def dibao_figures(
    standard_fen: int,
    household_income_fen: int,
    size: int,
    *,
    low_income_permille: int,
    tekun_permille: int,
) -> DibaoFigures:
    """All the 低保 figures of one household, from the parameters in force at one date."""
    return DibaoFigures(
        standard_fen=standard_fen,
        per_capita_income_fen=per_capita_fen(household_income_fen, size),
        low_income_line_fen=low_income_line_fen(standard_fen, low_income_permille),
        tekun_minimum_fen=tekun_minimum_fen(standard_fen, tekun_permille),
        band=income_band(standard_fen, household_income_fen, size, low_income_permille),
        gap_fen=dibao_gap_fen(standard_fen, household_income_fen, size),
    )

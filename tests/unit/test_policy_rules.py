"""The policy core: the catalogue's validation, the value in force, the 低保 arithmetic and when a
new value may take effect."""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matching.policy_rules import (
    CATALOGUE,
    DIBAO_STANDARD,
    K_ANONYMITY,
    LOW_INCOME_MULTIPLIER,
    PLEDGE_EXPIRY_DAYS,
    IncomeBand,
    PolicyValueInvalid,
    dibao_figures,
    dibao_gap_fen,
    in_force,
    income_band,
    low_income_line_fen,
    may_withdraw,
    next_change,
    per_capita_fen,
    region_chain,
    retroactive_refusal,
    spec_of,
    tekun_minimum_fen,
)

COMMUNITY = "120116001016"  # 天津市滨海新区塘沽街道紫云园社区
TIANJIN = "120000000000"
BINHAI = "120116000000"

# --------------------------------------------------------------------------------------------
# The catalogue
# --------------------------------------------------------------------------------------------


def test_every_parameter_the_code_reads_is_catalogued() -> None:
    for name in (
        "dibao_standard_fen",
        "low_income_multiplier_permille",
        "tekun_multiplier_permille",
        "review_cycle_months.yearly",
        "review_cycle_months.half_yearly",
        "pledge_expiry_days",
        "k_anonymity",
        "notification.digest_interval_minutes",
        "notification.digest_listed_max",
    ):
        assert name in CATALOGUE


def test_money_is_typed_in_yuan_and_stored_in_fen_exactly() -> None:
    spec = spec_of(DIBAO_STANDARD)
    assert spec.parse("1110") == 111_000
    assert spec.parse("1,110.50元") == 111_050
    assert spec.parse("０.０１") == 1  # full-width digits
    assert spec.display(111_050) == "1,110.50 元/人·月"
    assert spec.input_text(111_050) == "1110.50"
    with pytest.raises(PolicyValueInvalid, match="最多保留 2 位小数"):
        spec.parse("1110.005")
    with pytest.raises(PolicyValueInvalid, match="应在"):
        spec.parse("0")
    with pytest.raises(PolicyValueInvalid, match="应为数字"):
        spec.parse("-5")


def test_multipliers_are_per_mille_integers_never_floats() -> None:
    spec = spec_of(LOW_INCOME_MULTIPLIER)
    assert spec.parse("1.5") == 1500
    assert spec.parse("1.25倍") == 1250
    assert spec.display(1500) == "1.5 倍"
    assert spec.display(2000) == "2 倍"
    with pytest.raises(PolicyValueInvalid, match="最多保留 3 位小数"):
        spec.parse("1.2345")
    with pytest.raises(PolicyValueInvalid, match="应为整数"):
        spec.validate(1.5)
    with pytest.raises(PolicyValueInvalid, match="应在"):
        spec.validate(999)


def test_k_must_be_at_least_two_and_counts_are_whole() -> None:
    spec = spec_of(K_ANONYMITY)
    assert spec.validate(2) == 2
    with pytest.raises(PolicyValueInvalid):
        spec.validate(1)
    with pytest.raises(PolicyValueInvalid):
        spec.validate(True)
    with pytest.raises(PolicyValueInvalid, match="应为整数"):
        spec.parse("2.5")


def test_unknown_parameter_is_refused() -> None:
    with pytest.raises(PolicyValueInvalid, match="未知的政策参数"):
        spec_of("dibao_standrad_fen")


def test_platform_wide_parameters_are_marked_so() -> None:
    assert CATALOGUE[DIBAO_STANDARD].per_region
    assert CATALOGUE[K_ANONYMITY].per_region
    assert not CATALOGUE[PLEDGE_EXPIRY_DAYS].per_region  # read without a region today


# --------------------------------------------------------------------------------------------
# The value in force
# --------------------------------------------------------------------------------------------


def row(region: str | None, day: date, value: int) -> dict[str, Any]:
    return {"region_code": region, "effective_from": day, "value": value}


ROWS = [
    row(None, date(2024, 1, 1), 1),
    row(TIANJIN, date(2024, 1, 1), 2),
    row(TIANJIN, date(2025, 7, 1), 3),
    row(BINHAI, date(2025, 1, 1), 4),
    row(None, date(2026, 1, 1), 5),
]


def value(on: date, region: str | None) -> int | None:
    found = in_force(ROWS, on, region)
    return found["value"] if found else None


def test_region_chain_runs_from_the_community_up_to_the_platform() -> None:
    assert region_chain(COMMUNITY) == [
        COMMUNITY,
        "120116001000",
        BINHAI,
        "120100000000",
        TIANJIN,
        None,
    ]
    assert region_chain(None) == [None]


def test_the_most_specific_region_with_a_value_by_then_wins() -> None:
    assert value(date(2025, 3, 1), COMMUNITY) == 4  # the district's own value
    assert value(date(2024, 6, 1), COMMUNITY) == 2  # the district's starts later: the city's
    assert value(date(2025, 3, 1), "120105000000") == 2  # another Tianjin district
    assert value(date(2025, 3, 1), "500105000000") == 1  # Chongqing: the platform's
    assert value(date(2023, 12, 31), COMMUNITY) is None


def test_within_a_region_the_latest_date_on_or_before_wins() -> None:
    assert value(date(2025, 6, 30), "120105000000") == 2
    assert value(date(2025, 7, 1), "120105000000") == 3  # in force on its first day
    assert value(date(2025, 12, 31), None) == 1
    assert value(date(2026, 1, 1), None) == 5


def test_next_change_is_the_earliest_later_value_of_that_region() -> None:
    found = next_change(ROWS, date(2025, 3, 1), TIANJIN)
    assert found is not None and found["value"] == 3
    assert next_change(ROWS, date(2025, 7, 1), TIANJIN) is None  # in force, not next
    platform = next_change(ROWS, date(2025, 3, 1), None)
    assert platform is not None and platform["value"] == 5


# --------------------------------------------------------------------------------------------
# When a value may take effect, and be withdrawn
# --------------------------------------------------------------------------------------------

TODAY = date(2025, 6, 15)


def test_a_past_date_is_refused_once_decisions_used_the_parameter() -> None:
    reason = retroactive_refusal(CATALOGUE[K_ANONYMITY], date(2025, 3, 1), TODAY, 12)
    assert reason == (
        "2025-03-01 之后已有 12 条需求按旧值发布，不能追溯修改；请将生效日期设为今天或以后"
    )
    pledges = retroactive_refusal(CATALOGUE[PLEDGE_EXPIRY_DAYS], date(2025, 6, 14), TODAY, 1)
    assert pledges is not None and "1 笔认捐" in pledges


def test_a_past_date_is_accepted_while_nothing_used_the_parameter() -> None:
    assert retroactive_refusal(CATALOGUE[K_ANONYMITY], date(2025, 3, 1), TODAY, 0) is None


def test_today_or_later_is_always_accepted() -> None:
    spec = CATALOGUE[DIBAO_STANDARD]
    assert retroactive_refusal(spec, TODAY, TODAY, 500) is None
    assert retroactive_refusal(spec, date(2026, 1, 1), TODAY, 500) is None


def test_only_a_value_not_yet_in_force_may_be_withdrawn() -> None:
    assert may_withdraw(date(2025, 6, 16), TODAY)
    assert not may_withdraw(TODAY, TODAY)
    assert not may_withdraw(date(2025, 1, 1), TODAY)


# --------------------------------------------------------------------------------------------
# 低保 arithmetic
# --------------------------------------------------------------------------------------------


def test_dibao_gap_is_standard_less_per_capita_income_times_members() -> None:
    # 3 people, standard 1110 yuan, household income 1500 yuan: per capita 500 → 610 each.
    assert dibao_gap_fen(111_000, 150_000, 3) == 3 * 61_000
    assert dibao_gap_fen(111_000, 333_000, 3) == 0  # exactly at the standard
    assert dibao_gap_fen(111_000, 500_000, 3) == 0  # above: never negative


def test_per_capita_income_rounds_half_up_to_the_fen() -> None:
    assert per_capita_fen(100, 3) == 33  # 33.33…
    assert per_capita_fen(101, 2) == 51  # 50.5 → 51
    assert per_capita_fen(200, 3) == 67  # 66.67
    assert per_capita_fen(0, 4) == 0


def test_lines_from_the_standard() -> None:
    assert low_income_line_fen(111_000, 1500) == 166_500
    assert low_income_line_fen(79_001, 1500) == 118_502  # 118501.5 → half up
    assert tekun_minimum_fen(111_000, 1300) == 144_300
    assert tekun_minimum_fen(79_001, 1300) == 102_702  # 102701.3 → up, never short


def test_income_bands_at_their_edges() -> None:
    # standard 1000 yuan, 2 people, multiplier 1.5: below < 2000 ≤ low income ≤ 3000 < above
    assert income_band(100_000, 199_999, 2, 1500) == IncomeBand.below_standard
    assert income_band(100_000, 200_000, 2, 1500) == IncomeBand.low_income
    assert income_band(100_000, 300_000, 2, 1500) == IncomeBand.low_income
    assert income_band(100_000, 300_001, 2, 1500) == IncomeBand.above


def test_nonsense_inputs_are_refused() -> None:
    with pytest.raises(ValueError):
        dibao_gap_fen(0, 100, 1)
    with pytest.raises(ValueError):
        dibao_gap_fen(100, -1, 1)
    with pytest.raises(ValueError):
        per_capita_fen(100, 0)


standards = st.integers(min_value=1, max_value=1_000_000)
incomes = st.integers(min_value=0, max_value=10_000_000)
sizes = st.integers(min_value=1, max_value=20)
permilles = st.integers(min_value=1000, max_value=3000)


@given(standards, incomes, sizes)
def test_gap_equals_the_per_capita_formula_exactly(standard: int, income: int, size: int) -> None:
    exact = (standard - Fraction(income, size)) * size
    assert dibao_gap_fen(standard, income, size) == max(exact, 0)


@given(standards, incomes, sizes, permilles)
def test_band_agrees_with_exact_per_capita_income(
    standard: int, income: int, size: int, permille: int
) -> None:
    per_capita = Fraction(income, size)
    band = income_band(standard, income, size, permille)
    if per_capita < standard:
        assert band == IncomeBand.below_standard
        assert dibao_gap_fen(standard, income, size) > 0
    elif per_capita <= standard * Fraction(permille, 1000):
        assert band == IncomeBand.low_income
    else:
        assert band == IncomeBand.above


@given(standards, permilles)
def test_rounded_lines_are_within_a_fen_and_the_tekun_floor_never_short(
    standard: int, permille: int
) -> None:
    exact = standard * Fraction(permille, 1000)
    assert abs(low_income_line_fen(standard, permille) - exact) <= Fraction(1, 2)
    floor = tekun_minimum_fen(standard, permille)
    assert exact <= floor < exact + 1


@given(standards, incomes, sizes)
def test_per_capita_is_the_nearest_fen(standard: int, income: int, size: int) -> None:
    assert abs(per_capita_fen(income, size) - Fraction(income, size)) <= Fraction(1, 2)


def test_figures_bundle_one_household() -> None:
    figures = dibao_figures(111_000, 150_000, 3, low_income_permille=1500, tekun_permille=1300)
    assert figures.per_capita_income_fen == 50_000
    assert figures.band == IncomeBand.below_standard
    assert figures.band_label == "人均收入低于低保标准"
    assert figures.gap_fen == 183_000
    assert figures.low_income_line_fen == 166_500
    assert figures.tekun_minimum_fen == 144_300

"""The pure statistics of the reports: exact medians from day counts, local months, groupings."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from matching.report_stats import (
    Tally,
    fen_to_yuan,
    grouping_for,
    median_of_histogram,
    month_starts,
    sum_tallies,
)

BEIJING = ZoneInfo("Asia/Shanghai")


def test_median_of_empty_histogram_is_none() -> None:
    assert median_of_histogram(Counter()) is None
    assert median_of_histogram({3: 0}) is None


def test_median_odd_and_even_counts() -> None:
    assert median_of_histogram({2: 1, 9: 1, 4: 1}) == 4
    assert median_of_histogram({2: 1, 5: 1}) == 3.5
    # 0,0,0,10: the middle two are 0 and 0
    assert median_of_histogram({0: 3, 10: 1}) == 0
    # 1,1,7,7: the middle two are 1 and 7
    assert median_of_histogram({7: 2, 1: 2}) == 4


@given(st.lists(st.integers(min_value=0, max_value=400), min_size=1, max_size=200))
def test_median_equals_median_of_the_values(values: list[int]) -> None:
    assert median_of_histogram(Counter(values)) == statistics.median(values)


def test_month_starts_follow_beijing_calendar() -> None:
    starts = month_starts(2025, BEIJING)
    assert len(starts) == 13
    assert starts[0] == datetime(2024, 12, 31, 16, tzinfo=UTC)
    assert starts[1] == datetime(2025, 1, 31, 16, tzinfo=UTC)
    assert starts[12] == datetime(2025, 12, 31, 16, tzinfo=UTC)


def test_month_starts_follow_daylight_saving() -> None:
    starts = month_starts(2025, ZoneInfo("Europe/Berlin"))
    assert starts[0].hour == 23 and starts[3].hour == 22  # CET in January, CEST in April


def test_grouping_is_the_next_level_down() -> None:
    platform = grouping_for(None)
    assert (platform.prefix, platform.digits, platform.level_name) == ("", 2, "省")
    district = grouping_for("120116000000")
    assert (district.prefix, district.digits, district.level_name) == ("120116", 9, "街道乡镇")
    assert district.sub_region_code("120116001") == "120116001000"
    street = grouping_for("120116001000")
    assert (street.prefix, street.digits, street.level_name) == ("120116001", 12, "社区村")
    community = grouping_for("120116001016")
    assert (community.prefix, community.digits) == ("120116001016", 12)


def test_totals_add_amounts_merge_day_counts_and_keep_distinct_cases() -> None:
    january = Tally(cases_referred=2, needs_published=3, pledged_fen=500, disbursed_fen=100)
    january.days_to_fully_pledged.update({1: 1, 3: 1})
    february = Tally(cases_referred=1, needs_published=1, pledged_fen=-200, pledged_hours=4)
    february.days_to_fully_pledged.update({10: 1})
    february.days_to_fulfilled.update({20: 1})
    total = sum_tallies([january, february], cases_referred=2)  # one case referred twice
    assert total.cases_referred == 2
    assert total.needs_published == 4
    assert total.pledged_fen == 300 and total.pledged_hours == 4 and total.disbursed_fen == 100
    assert total.needs_fully_pledged == 3 and total.median_days_to_fully_pledged == 3
    assert total.needs_fulfilled == 1 and total.median_days_to_fulfilled == 20
    # the cells themselves are untouched
    assert january.needs_fully_pledged == 2 and january.median_days_to_fully_pledged == 2


def test_fen_to_yuan_is_exact() -> None:
    assert fen_to_yuan(12345) == Decimal("123.45")
    assert str(fen_to_yuan(5)) == "0.05"
    assert str(fen_to_yuan(-200)) == "-2.00"
    assert str(fen_to_yuan(123456789012345)) == "1234567890123.45"

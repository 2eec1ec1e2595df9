"""When a scheduled job runs next, from the minutes of the hour it is scheduled at."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.jobs.schedule import describe_minutes, due_between, next_run

BEIJING = ZoneInfo("Asia/Shanghai")


def at(hour: int, minute: int, second: int = 0, micro: int = 0, day: int = 25) -> datetime:
    return datetime(2026, 11, day, hour, minute, second, micro, tzinfo=BEIJING)


def test_next_scheduled_minute_later_in_the_same_hour() -> None:
    assert next_run({5}, at(10, 1, 30)) == at(10, 5)
    assert next_run({0, 10, 20, 30, 40, 50}, at(10, 11)) == at(10, 20)


def test_a_minute_whose_second_zero_has_passed_waits_for_the_next() -> None:
    assert next_run({15}, at(10, 15)) == at(11, 15)  # exactly at the tick: it is under way
    assert next_run({15}, at(10, 15, 0, 1)) == at(11, 15)
    assert next_run({15}, at(10, 14, 59, 999_999)) == at(10, 15)


def test_past_the_last_minute_of_the_hour_it_rolls_over_to_the_next_hour() -> None:
    assert next_run({5}, at(10, 6)) == at(11, 5)
    assert next_run({0, 30}, at(10, 45)) == at(11, 0)


def test_rolls_over_the_day_and_the_year() -> None:
    assert next_run({5}, at(23, 59, 59)) == at(0, 5, day=26)
    new_year = next_run({0}, datetime(2026, 12, 31, 23, 30, tzinfo=BEIJING))
    assert new_year == datetime(2027, 1, 1, 0, 0, tzinfo=BEIJING)


def test_every_minute_runs_at_the_next_minute() -> None:
    assert next_run(set(range(60)), at(10, 59, 1)) == at(11, 0)


def test_keeps_the_time_zone_it_was_given() -> None:
    result = next_run({45}, datetime(2026, 11, 25, 2, 50, tzinfo=UTC))
    assert result == datetime(2026, 11, 25, 3, 45, tzinfo=UTC)
    assert result.tzinfo is UTC


@pytest.mark.parametrize("minutes", [set(), {60}, {-1}])
def test_refuses_a_schedule_that_never_runs_or_is_no_minute(minutes: set[int]) -> None:
    with pytest.raises(ValueError):
        next_run(minutes, at(10, 0))


@given(
    minutes=st.frozensets(st.integers(0, 59), min_size=1),
    after=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
)
def test_next_run_is_the_first_scheduled_minute_after(
    minutes: frozenset[int], after: datetime
) -> None:
    result = next_run(minutes, after)
    assert result > after
    assert result - after <= timedelta(hours=1)
    assert result.minute in minutes and result.second == 0 and result.microsecond == 0
    # No scheduled minute starts in between.
    probe = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
    while probe < result:
        assert probe.minute not in minutes
        probe += timedelta(minutes=1)


def test_due_between_is_half_open_so_a_run_is_neither_lost_nor_doubled() -> None:
    assert due_between({15}, at(10, 14, 30), at(10, 15, 0, 200_000))
    assert not due_between({15}, at(10, 15, 0, 200_000), at(10, 16, 0, 200_000))
    assert due_between({15}, at(10, 14), at(10, 15))  # the tick itself belongs to the span
    assert not due_between({15}, at(10, 15), at(10, 15, 30))
    # A long job delayed the look by minutes: the missed minute is still due, once.
    assert due_between({15}, at(10, 14), at(10, 19))
    assert not due_between({15}, at(10, 19), at(10, 14))  # a clock set back runs nothing


def test_describes_the_schedule_in_chinese() -> None:
    assert describe_minutes(range(0, 60, 10)) == "每 10 分钟"
    assert describe_minutes(range(5, 60, 15)) == "每 15 分钟（第 5 分起）"
    assert describe_minutes(range(60)) == "每分钟"
    assert describe_minutes({5}) == "每小时第 5 分"
    assert describe_minutes({45, 15}) == "每 30 分钟（第 15 分起）"
    assert describe_minutes({1, 2, 40}) == "每小时第 1、2、40 分"

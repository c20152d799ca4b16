"""Tests for lib.workdays."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lib.workdays import WorkdayCounter, add_workdays, is_workday, workdays_between

FRIDAY = date(2025, 3, 7)
NO_OVERRIDES: dict[date, bool] = {}

# Dates and overrides drawn from the same few years, so overrides fall inside the ranges.
dates = st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31))
overrides_maps = st.dictionaries(dates, st.booleans(), max_size=80)
limits = st.integers(min_value=0, max_value=80)


def naive_between(start: date, end: date, overrides: dict[date, bool]) -> int:
    """Day-by-day count of working days in (start, end], to check the arithmetic."""
    count = 0
    day = start + timedelta(days=1)
    while day <= end:
        count += is_workday(day, overrides)
        day += timedelta(days=1)
    return count


def test_it_counts_monday_to_friday_without_overrides() -> None:
    assert is_workday(date(2025, 3, 7), NO_OVERRIDES)  # Friday
    assert not is_workday(date(2025, 3, 8), NO_OVERRIDES)  # Saturday
    assert not is_workday(date(2025, 3, 9), NO_OVERRIDES)  # Sunday


def test_it_lets_an_override_win() -> None:
    overrides = {date(2025, 3, 7): False, date(2025, 3, 8): True}
    assert not is_workday(date(2025, 3, 7), overrides)
    assert is_workday(date(2025, 3, 8), overrides)


def test_it_counts_from_the_day_after_the_start() -> None:
    # Submitted on a Friday, 5 working days: Mon..Fri of the next week.
    assert add_workdays(FRIDAY, 5, NO_OVERRIDES) == date(2025, 3, 14)
    assert add_workdays(FRIDAY, 1, NO_OVERRIDES) == date(2025, 3, 10)


def test_it_ends_on_start_for_zero_days() -> None:
    assert add_workdays(FRIDAY, 0, NO_OVERRIDES) == FRIDAY


def test_it_refuses_negative_days() -> None:
    with pytest.raises(ValueError):
        add_workdays(FRIDAY, -1, NO_OVERRIDES)


def test_it_skips_holidays_and_counts_make_up_saturdays() -> None:
    overrides = {date(2025, 3, 10): False, date(2025, 3, 15): True}
    # Mon off, Tue..Fri = 4, make-up Sat = 5.
    assert add_workdays(FRIDAY, 5, overrides) == date(2025, 3, 15)


def test_it_counts_between_excluding_start_including_end() -> None:
    assert workdays_between(FRIDAY, date(2025, 3, 14), NO_OVERRIDES) == 5
    assert workdays_between(FRIDAY, date(2025, 3, 9), NO_OVERRIDES) == 0
    assert workdays_between(FRIDAY, FRIDAY, NO_OVERRIDES) == 0
    assert workdays_between(date(2025, 3, 14), FRIDAY, NO_OVERRIDES) == 0


@given(dates, st.integers(min_value=1, max_value=80), overrides_maps)
def test_it_always_ends_on_a_workday(start: date, days: int, overrides: dict[date, bool]) -> None:
    assert is_workday(add_workdays(start, days, overrides), overrides)


@given(dates, limits, overrides_maps)
def test_it_counts_back_what_it_added(start: date, days: int, overrides: dict[date, bool]) -> None:
    assert workdays_between(start, add_workdays(start, days, overrides), overrides) == days


@given(dates, limits, overrides_maps)
def test_it_grows_with_the_limit(start: date, days: int, overrides: dict[date, bool]) -> None:
    assert start <= add_workdays(start, days, overrides) < add_workdays(start, days + 1, overrides)


@given(dates, dates, overrides_maps)
def test_it_agrees_with_counting_day_by_day(start: date, end: date, overrides: dict[date, bool]) -> None:
    assert workdays_between(start, end, overrides) == naive_between(start, end, overrides)


@given(dates, dates, dates, overrides_maps)
def test_it_adds_up_over_adjacent_ranges(a: date, b: date, c: date, overrides: dict[date, bool]) -> None:
    a, b, c = sorted((a, b, c))
    assert workdays_between(a, c, overrides) == workdays_between(a, b, overrides) + workdays_between(
        b, c, overrides
    )


@given(dates, dates, overrides_maps)
def test_the_counter_agrees_with_workdays_between(
    start: date, end: date, overrides: dict[date, bool]
) -> None:
    # The statistics count thousands of pairs with one counter (figures.selectors).
    assert WorkdayCounter(overrides).between(start, end) == workdays_between(start, end, overrides)

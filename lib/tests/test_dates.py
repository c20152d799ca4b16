"""Tests for lib.dates: years counted as 《民法典》 Art. 201–202 count them."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from lib.dates import add_years, add_years_to_datetime, validity_end, years_have_passed

dates = st.dates(min_value=date(1950, 1, 1), max_value=date(2200, 12, 31))
spans = st.integers(min_value=1, max_value=70)


def test_a_year_after_29_february_is_28_february_in_a_common_year() -> None:
    assert add_years(date(2024, 2, 29), 3) == date(2027, 2, 28)
    assert add_years(date(2028, 2, 29), 1) == date(2029, 2, 28)


def test_29_february_stays_in_a_leap_year() -> None:
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)
    assert add_years(date(2028, 2, 29), -4) == date(2024, 2, 29)


def test_ordinary_days_keep_their_date() -> None:
    assert add_years(date(2027, 2, 28), 1) == date(2028, 2, 28)
    assert add_years(date(2026, 11, 24), 3) == date(2029, 11, 24)
    assert add_years(date(2025, 3, 1), -65) == date(1960, 3, 1)


def test_a_moment_keeps_its_time_of_day_and_zone() -> None:
    moment = datetime(2028, 2, 29, 23, 59, 58, tzinfo=UTC)
    assert add_years_to_datetime(moment, 10) == datetime(2038, 2, 28, 23, 59, 58, tzinfo=UTC)
    assert add_years_to_datetime(moment, 20) == datetime(2048, 2, 29, 23, 59, 58, tzinfo=UTC)


def test_a_validity_ends_the_day_before_the_corresponding_day() -> None:
    assert validity_end(date(2026, 11, 24), 3) == date(2029, 11, 23)
    assert validity_end(date(2024, 3, 1), 3) == date(2027, 2, 28)
    # The day before 1 March 2028 is 29 February.
    assert validity_end(date(2025, 3, 1), 3) == date(2028, 2, 29)
    assert validity_end(date(2027, 2, 28), 3) == date(2030, 2, 27)


def test_a_validity_from_29_february_ends_on_28_february() -> None:
    # No 29 February in 2027: the month's last day is the period's last (Art. 202). The code
    # before `lib.dates` said 27 February and took a day from the holder.
    assert validity_end(date(2024, 2, 29), 3) == date(2027, 2, 28)
    assert validity_end(date(2028, 2, 29), 3) == date(2031, 2, 28)
    # With a 29 February at the end, the day before it.
    assert validity_end(date(2024, 2, 29), 4) == date(2028, 2, 28)


def test_a_validity_lasts_at_least_a_year() -> None:
    with pytest.raises(ValueError):
        validity_end(date(2026, 1, 1), 0)


def test_more_than_three_years_means_after_the_corresponding_day() -> None:
    # 2024 has a 29 February between: 3 × 365 days would have said "more than 3 years" a day
    # early, on 2025-03-01.
    since = date(2022, 3, 1)
    assert not years_have_passed(since=since, years=3, today=date(2025, 2, 28))
    assert not years_have_passed(since=since, years=3, today=date(2025, 3, 1))
    assert years_have_passed(since=since, years=3, today=date(2025, 3, 2))
    # From 29 February: the corresponding day is 28 February.
    leap = date(2024, 2, 29)
    assert not years_have_passed(since=leap, years=3, today=date(2027, 2, 28))
    assert years_have_passed(since=leap, years=3, today=date(2027, 3, 1))


@given(dates, st.integers(min_value=-70, max_value=70))
@example(date(2028, 2, 29), 1)
def test_add_years_moves_the_year_and_keeps_month_and_day_when_it_can(day: date, years: int) -> None:
    later = add_years(day, years)
    assert later.year == day.year + years
    assert later.month == day.month
    if (day.month, day.day) == (2, 29) and not calendar.isleap(later.year):
        assert later.day == 28
    else:
        assert later.day == day.day


@given(dates, spans)
def test_consecutive_validities_leave_no_gap_and_no_overlap(first_day: date, years: int) -> None:
    # A 延续注册 starts the day after the expiry: renewed again and again, the periods tile.
    end = validity_end(first_day, years)
    assert end >= first_day
    next_first = end + timedelta(days=1)
    assert next_first > end
    assert validity_end(next_first, years) > end


@given(dates, spans)
@example(date(2024, 2, 29), 3)
@example(date(2024, 2, 29), 4)
def test_a_validity_lasts_until_the_day_before_its_corresponding_day(first_day: date, years: int) -> None:
    # Only a first day of 29 February that has no corresponding day keeps the stand-in the
    # years arithmetic gives, 28 February, as its last day.
    end = validity_end(first_day, years)
    corresponding = add_years(first_day, years)
    if corresponding.day != first_day.day:
        assert end == corresponding == date(first_day.year + years, 2, 28)
    else:
        assert end == corresponding - timedelta(days=1)

"""The date rules the application types apply, on the days where "N years later" is not
obvious: 29 February, and a leap day inside the span."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from cases.forms import continuing_education_required
from cases.types import sixty_fifth_birthday
from notifications.testing import frozen_now


def noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_someone_born_on_29_february_turns_65_on_28_february_in_a_common_year() -> None:
    # 民法典 Art. 202: no corresponding day, so the month's last day (it used to be 1 March).
    assert sixty_fifth_birthday(date(1964, 2, 29)) == date(2029, 2, 28)
    assert sixty_fifth_birthday(date(1963, 2, 28)) == date(2028, 2, 28)
    assert sixty_fifth_birthday(date(1960, 6, 15)) == date(2025, 6, 15)


def test_continuing_education_is_due_the_day_after_the_third_anniversary() -> None:
    # 2024 has a 29 February between: counted as 3 × 365 days, the proof was asked for one day
    # early, on the anniversary itself.
    answers = {"qualification_date": "2022-03-01"}
    with frozen_now(noon(date(2025, 3, 1))):
        assert not continuing_education_required(answers)
    with frozen_now(noon(date(2025, 3, 2))):
        assert continuing_education_required(answers)


def test_continuing_education_from_29_february_counts_from_28_february() -> None:
    answers = {"qualification_date": "2024-02-29"}
    with frozen_now(noon(date(2027, 2, 28))):
        assert not continuing_education_required(answers)
    with frozen_now(noon(date(2027, 3, 1))):
        assert continuing_education_required(answers)


def test_no_date_asks_for_nothing() -> None:
    assert not continuing_education_required({"qualification_date": "not a date"})
    assert not continuing_education_required({})

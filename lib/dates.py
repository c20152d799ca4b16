"""Calendar arithmetic in years, the one home for "N years later" (working days live in
`lib.workdays`).

《中华人民共和国民法典》 counts periods this way:
- Art. 201: 开始的当日不计入，自下一日开始计算;
- Art. 202: 按照年、月计算期间的，到期月的对应日为期间的最后一日；没有对应日的，月末日为期间的最后一日;
- Art. 203: 期间的最后一日是法定休假日的，以法定休假日结束的次日为期间的最后一日 (not used
  here: a registration's validity and an age are not periods within which someone must act).

So a year later than 29 February is 28 February in a common year (the month's last day),
never 1 March; and a validity whose first day is 29 February ends on 28 February, never on
27 February: before this module, the register lost that day."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta

_ONE_DAY = timedelta(days=1)


def _month_end_clamped(year: int, month: int, day: int) -> int:
    """`day`, or the month's last day when `year`'s month has no such day (Art. 202)."""
    return min(day, calendar.monthrange(year, month)[1])


def add_years(day: date, years: int) -> date:
    """The corresponding day `years` later (earlier when negative); with no corresponding day
    (29 February in a common year) the month's last day, 28 February (民法典 Art. 202)."""
    year = day.year + years
    return day.replace(year=year, day=_month_end_clamped(year, day.month, day.day))


def add_years_to_datetime(moment: datetime, years: int) -> datetime:
    """`add_years` for a moment: the same time of day on the corresponding day."""
    return datetime.combine(add_years(moment.date(), years), moment.timetz())


def validity_end(first_day: date, years: int) -> date:
    """The last day of a validity of `years` years whose first day is `first_day`.

    The validity counts its first day, so it ends on the day before the corresponding day
    `years` later (2026-11-24 → 2029-11-23; 2025-03-01 → 2028-02-29). When there is no
    corresponding day (a first day of 29 February, a common year at the end), Art. 202 makes
    the month's last day the period's last: 2024-02-29 → 2027-02-28."""
    if years < 1:
        raise ValueError("a validity lasts at least one year")
    year = first_day.year + years
    if _month_end_clamped(year, first_day.month, first_day.day) != first_day.day:
        return add_years(first_day, years)
    return first_day.replace(year=year) - _ONE_DAY


def years_have_passed(*, since: date, years: int, today: date) -> bool:
    """Whether more than `years` years have passed since `since`: `today` is after the
    corresponding day (a qualification issued on 2022-03-01 is "more than 3 years old" from
    2025-03-02 on, whatever leap days lie between)."""
    return today > add_years(since, years)

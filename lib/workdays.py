"""Working-day arithmetic for legal time limits (DOMAIN.md, "time limits").

A day is a working day when it is Monday to Friday, unless `overrides` says otherwise:
`overrides[day]` is False for a statutory holiday on a weekday and True for a 调休 make-up
workday on a weekend. The functions here know nothing of where overrides come from; the
holiday table lives in the database (`catalog.calendar`).

Counting convention: a limit of N working days runs from the day AFTER the start day, as
《中华人民共和国行政许可法》 and 《民法典》 count periods ("开始的当日不计入"). A case
submitted on a Friday with 5 working days and no holidays is therefore due the next Friday,
and it is still within the limit all of that Friday."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from datetime import date, timedelta
from itertools import accumulate

_ONE_DAY = timedelta(days=1)


def is_workday(day: date, overrides: Mapping[date, bool]) -> bool:
    """Whether `day` is a working day: the override if there is one, else Monday to Friday."""
    override = overrides.get(day)
    if override is not None:
        return override
    return day.weekday() < 5


def add_workdays(start: date, days: int, overrides: Mapping[date, bool]) -> date:
    """The last day of a limit of `days` working days counted from the day after `start`.

    The result is the `days`-th working day after `start`, so it is always a working day
    when `days` >= 1. With `days` == 0 the limit ends on `start` itself."""
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    remaining = days
    # Terminates: overrides is finite, so past its last entry every week has five workdays.
    while remaining:
        day += _ONE_DAY
        if is_workday(day, overrides):
            remaining -= 1
    return day


def _weekdays_through(ordinal: int) -> int:
    """How many Mondays to Fridays there are among proleptic ordinals 1..`ordinal`.

    Ordinal 1 (0001-01-01) is a Monday, so every block of 7 ordinals starts on a Monday."""
    weeks, rest = divmod(ordinal, 7)
    return weeks * 5 + min(rest, 5)


def workdays_between(start: date, end: date, overrides: Mapping[date, bool]) -> int:
    """The number of working days in (start, end]: after `start`, up to and including `end`.

    0 when `end` <= `start`. The inverse of `add_workdays`:
    `workdays_between(s, add_workdays(s, n, o), o) == n`."""
    if end <= start:
        return 0
    # Arithmetic for the plain weeks, then the overrides in the range: the deadline pages
    # count ranges that can span years, so no day-by-day loop.
    count = _weekdays_through(end.toordinal()) - _weekdays_through(start.toordinal())
    for day, workday in overrides.items():
        if start < day <= end and workday != (day.weekday() < 5):
            count += 1 if workday else -1
    return count


class WorkdayCounter:
    """`workdays_between` for many pairs of days at once (the statistics count thousands):
    the overrides are sorted once, then each pair costs two binary searches instead of a
    pass over every override. `counter.between(s, e) == workdays_between(s, e, overrides)`
    for any `s` and `e` (overrides outside the range the caller loaded are simply absent)."""

    def __init__(self, overrides: Mapping[date, bool]) -> None:
        # Only the days that change the plain Monday-to-Friday count, with the change (+1 for a
        # 调休 make-up workday on a weekend, -1 for a holiday on a weekday), running totals.
        changes = sorted(
            (day, 1 if workday else -1)
            for day, workday in overrides.items()
            if workday != (day.weekday() < 5)
        )
        self._days = [day for day, _ in changes]
        self._totals = list(accumulate(change for _, change in changes))

    def _through(self, day: date) -> int:
        """Working days among ordinals 1..`day`, overrides up to `day` included."""
        found = bisect_right(self._days, day)
        return _weekdays_through(day.toordinal()) + (self._totals[found - 1] if found else 0)

    def between(self, start: date, end: date) -> int:
        """The number of working days in (start, end]; 0 when `end` <= `start`."""
        if end <= start:
            return 0
        return self._through(end) - self._through(start)

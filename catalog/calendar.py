"""The working-day calendar as the portal keeps it: `CalendarDay` rows (holidays and 调休,
editable in the admin) fed to the pure arithmetic of `lib.workdays`.

Counting follows `lib.workdays`: a limit of N working days runs from the day after the
start day (《行政许可法》: 开始的当日不计入). A year with no `CalendarYear` row has no
holiday data: it counts weekends only, and `calendar_warning` tells staff so."""

from __future__ import annotations

from datetime import date, timedelta

from catalog.models import CalendarDay, CalendarYear
from lib.publiccache import answer_get, answer_set, version_of, version_replace
from lib.workdays import WorkdayCounter, add_workdays, workdays_between

WARNING = "{years}的节假日数据尚未维护，期限按周末计算，请系统管理员在后台补充"


def calendar_overrides(*, start: date, end: date) -> dict[date, bool]:
    """The exceptions to Monday-to-Friday from `start` to `end`, both included (one query)."""
    return dict(CalendarDay.objects.filter(day__range=(start, end)).values_list("day", "is_workday"))


# The calendar's version in the shared cache (lib.publiccache): the limits computed from it are
# kept under it, and every change of the calendar replaces it.
_VERSION = "calendar"


def calendar_changed() -> None:
    """The holidays or 调休 changed (the admin, the seed): limits kept are not read again, in
    any process, once this transaction commits."""
    version_replace(_VERSION)


def workday_add(*, start: date, days: int) -> date:
    """The last day of a limit of `days` working days counted from the day after `start`.

    Kept in the shared cache under the calendar's version: every 保存并提交 asks the same
    question of the same day (its 受理 limit), and the calendar changes a few times a year
    (ISSUE 14). Without a cache it is computed, as it always was."""
    version = version_of(_VERSION)
    key = f"workday-add:{version}:{start.isoformat()}:{days}"
    if version is not None and isinstance(kept := answer_get(key), date):
        return kept
    due = _workday_add(start=start, days=days)
    if version is not None:
        answer_set(key, due)
    return due


def _workday_add(*, start: date, days: int) -> date:
    # Twice the limit plus two months holds any real run of holidays; if an administrator
    # entered a longer one, the answer falls past the window and we load a larger one, since
    # the result is only right when every override up to it was loaded.
    window = days * 2 + 60
    while True:
        end = start + timedelta(days=window)
        due = add_workdays(start, days, calendar_overrides(start=start, end=end))
        if due <= end:
            return due
        window *= 2


def workdays_left(*, today: date, due: date, counter: WorkdayCounter | None = None) -> int:
    """Working days left until `due`: positive before it, negative after it. With a
    `counter` (`workday_counter`) loaded over both days, no query: a page of many limits
    reads the calendar once.

    - `due` >= `today`: the working days in (today, due], so 0 on the due day itself (the
      last day of the limit, still in time) and 1 on the working day before it.
    - `due` < `today`: minus the working days in (due, today], so -1 on the first working
      day after the due day. A weekend right after the due day still gives 0: tell
      "overdue" from "due today" by `today > due`, not by this number."""
    start, end = min(today, due), max(today, due)
    count = (
        counter.between(start, end)
        if counter is not None
        else workdays_between(start, end, calendar_overrides(start=start, end=end))
    )
    return count if due >= today else -count


def calendar_known_years() -> set[int]:
    """The years whose holidays are maintained (seeded from the package or by an admin)."""
    return set(CalendarYear.objects.values_list("year", flat=True))


def calendar_unknown_years(*, start: date, end: date) -> list[int]:
    """The years from `start` to `end` that count weekends only, in order."""
    known = calendar_known_years()
    return [year for year in range(start.year, end.year + 1) if year not in known]


def calendar_warning(*, today: date) -> str:
    """The staff banner when this year or next year has no holiday data, else ""."""
    # Next year too: limits set in the autumn already run into it, and the State Council
    # publishes the next year's holidays only in November or December.
    years = calendar_unknown_years(start=today, end=date(today.year + 1, 1, 1))
    if not years:
        return ""
    return WARNING.format(years="、".join(f"{year}年" for year in years))


def workday_counter(*, start: date, end: date) -> WorkdayCounter:
    """Counts working days (`workdays_between`) for any pairs of days from `start` to `end`,
    with one query: for figures over many cases (the statistics' days per step)."""
    return WorkdayCounter(calendar_overrides(start=start, end=end))

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO

from django.core.management import call_command
from django.urls import reverse

from catalog.calendar import (
    calendar_changed,
    calendar_known_years,
    calendar_overrides,
    calendar_unknown_years,
    calendar_warning,
    workday_add,
    workdays_left,
)
from catalog.models import CalendarDay, CalendarSource, CalendarYear
from catalog.seed import HOLIDAY_NAMES, package_calendar_years, seed_calendar, seed_catalog
from portal.test import BaseTestCase

# chinesecalendar 1.11.0 (pinned) knows 2004–2026; 2027 stands for "a year with no data".
UNKNOWN_YEAR = 2027
WARNING_2027 = "2027年的节假日数据尚未维护，期限按周末计算，请系统管理员在后台补充"


def calendar_counts() -> tuple[int, int]:
    return CalendarDay.objects.count(), CalendarYear.objects.count()


class SeedCalendarTestCase(BaseTestCase):
    def test_it_seeds_the_2026_national_day_holidays(self) -> None:
        # 2026: 国庆节 and 中秋节 are Oct 1–7 off, with make-up Sundays Sep 20 and Saturday Oct 10.
        holidays = CalendarDay.objects.filter(day__range=(date(2026, 10, 1), date(2026, 10, 8)))
        self.assertEqual(
            [(d.day, d.is_workday, d.note) for d in holidays],
            [
                (date(2026, 10, 1), False, "国庆节"),
                (date(2026, 10, 2), False, "国庆节"),
                # Oct 3 and 4 are a weekend: off anyway, so no row.
                (date(2026, 10, 5), False, "国庆节"),
                (date(2026, 10, 6), False, "国庆节"),
                (date(2026, 10, 7), False, "国庆节"),
            ],
        )
        make_up = CalendarDay.objects.get(day=date(2026, 10, 10))
        self.assertTrue(make_up.is_workday)
        self.assertEqual(make_up.note, "国庆节调休上班")
        self.assertTrue(CalendarDay.objects.get(day=date(2026, 9, 20)).is_workday)

    def test_it_stores_only_exceptions_with_chinese_names(self) -> None:
        for day in CalendarDay.objects.all():
            with self.subTest(day=day.day):
                # A weekday holiday or a weekend workday, never an ordinary day.
                self.assertNotEqual(day.is_workday, day.day.weekday() < 5)
                name = day.note.removesuffix("调休上班")
                self.assertIn(name, HOLIDAY_NAMES.values())

    def test_it_marks_the_package_years_known(self) -> None:
        self.assertEqual(calendar_known_years(), set(range(2004, 2027)))
        self.assertEqual(package_calendar_years(), set(range(2004, 2027)))
        self.assertEqual(CalendarYear.objects.get(year=2026).source, CalendarSource.PACKAGE)

    def test_it_does_not_duplicate_when_seeded_twice(self) -> None:
        before = calendar_counts()

        self.assertEqual(seed_calendar(), 0)
        seed_catalog()

        self.assertEqual(calendar_counts(), before)
        self.assertEqual(CalendarDay.objects.filter(day=date(2026, 10, 1)).count(), 1)
        self.assertEqual(CalendarYear.objects.filter(year=2026).count(), 1)

    def test_it_keeps_admin_corrections_to_a_seeded_year(self) -> None:
        CalendarDay.objects.filter(day=date(2026, 10, 7)).update(is_workday=True, note="本省上班")

        seed_calendar()

        day = CalendarDay.objects.get(day=date(2026, 10, 7))
        self.assertTrue(day.is_workday)
        self.assertEqual(day.note, "本省上班")

    def test_it_seeds_a_year_not_yet_maintained_over_admin_days(self) -> None:
        CalendarYear.objects.filter(year=2026).delete()
        CalendarDay.objects.filter(day=date(2026, 10, 1)).update(is_workday=True, note="误录")
        before = calendar_counts()

        written = seed_calendar()

        self.assertEqual(written, CalendarDay.objects.filter(day__year=2026).count())
        self.assertEqual(calendar_counts(), (before[0], before[1] + 1))
        day = CalendarDay.objects.get(day=date(2026, 10, 1))
        self.assertFalse(day.is_workday)
        self.assertEqual(day.note, "国庆节")
        self.assertEqual(CalendarYear.objects.get(year=2026).source, CalendarSource.PACKAGE)

    def test_it_names_the_2015_victory_day(self) -> None:
        self.assertEqual(CalendarDay.objects.get(day=date(2015, 9, 3)).note, "抗战胜利70周年纪念日")

    def test_it_reports_the_calendar_from_the_command(self) -> None:
        before = calendar_counts()
        out = StringIO()

        call_command("seed_catalog", stdout=out)

        self.assertEqual(calendar_counts(), before)
        self.assertIn(f"Calendar seeded: {before[0]} holiday and make-up days (0 new)", out.getvalue())
        self.assertIn("23 years maintained (2004–2026)", out.getvalue())


class WorkdayAddTestCase(BaseTestCase):
    def test_it_pushes_a_deadline_past_national_day(self) -> None:
        # Submitted Wed Sep 30 2026; Oct 1–7 off; Thu 8, Fri 9, make-up Sat 10, Mon 12, Tue 13.
        self.assertEqual(workday_add(start=date(2026, 9, 30), days=5), date(2026, 10, 13))

    def test_it_counts_a_make_up_saturday(self) -> None:
        self.assertEqual(workday_add(start=date(2026, 10, 9), days=1), date(2026, 10, 10))
        self.assertEqual(workday_add(start=date(2026, 9, 18), days=1), date(2026, 9, 20))

    def test_it_counts_from_the_day_after_a_plain_friday(self) -> None:
        self.assertEqual(workday_add(start=date(2026, 11, 20), days=5), date(2026, 11, 27))

    def test_it_runs_over_the_spring_festival(self) -> None:
        # 2026 春节: Feb 15–23 off, make-up Sat Feb 14 and Sat Feb 28.
        self.assertEqual(workday_add(start=date(2026, 2, 13), days=1), date(2026, 2, 14))
        self.assertEqual(workday_add(start=date(2026, 2, 14), days=1), date(2026, 2, 24))

    def test_it_falls_back_to_weekends_in_an_unknown_year(self) -> None:
        self.assertNotIn(UNKNOWN_YEAR, package_calendar_years(), "pick a year the package does not know")
        self.assertFalse(CalendarDay.objects.filter(day__year=UNKNOWN_YEAR).exists())

        # Thu Sep 30 2027: Fri Oct 1 counts, as do Mon–Thu Oct 4–7; a real 国庆 would not.
        self.assertEqual(workday_add(start=date(2027, 9, 30), days=5), date(2027, 10, 7))
        self.assertEqual(calendar_unknown_years(start=date(2026, 12, 1), end=date(2027, 1, 15)), [2027])

    def test_it_loads_a_larger_window_for_a_long_closure(self) -> None:
        # Every weekday off from Mon Mar 1 to Sun Jul 18 2027: far past the first window
        # of 1*2+60 days that one working day loads.
        first = date(2027, 3, 1)
        CalendarDay.objects.bulk_create(
            CalendarDay(day=day, is_workday=False, note="闭馆")
            for day in (first + timedelta(days=i) for i in range(140))
            if day.weekday() < 5
        )

        self.assertEqual(workday_add(start=date(2027, 2, 26), days=1), date(2027, 7, 19))

    def test_it_reads_overrides_in_one_query(self) -> None:
        with self.assertNumQueries(1):
            overrides = calendar_overrides(start=date(2026, 9, 1), end=date(2026, 10, 31))
        self.assertFalse(overrides[date(2026, 10, 1)])
        self.assertTrue(overrides[date(2026, 10, 10)])
        self.assertNotIn(date(2026, 10, 3), overrides)


class WorkdaysLeftTestCase(BaseTestCase):
    due = date(2026, 10, 13)

    def test_it_counts_working_days_until_the_due_day(self) -> None:
        # (Sep 30, Oct 13]: Oct 8, 9, 10 (make-up), 12, 13.
        self.assertEqual(workdays_left(today=date(2026, 9, 30), due=self.due), 5)
        self.assertEqual(workdays_left(today=date(2026, 10, 12), due=self.due), 1)

    def test_it_gives_zero_on_the_due_day(self) -> None:
        self.assertEqual(workdays_left(today=self.due, due=self.due), 0)

    def test_it_goes_negative_when_overdue(self) -> None:
        self.assertEqual(workdays_left(today=date(2026, 10, 14), due=self.due), -1)
        self.assertEqual(workdays_left(today=date(2026, 10, 19), due=self.due), -4)

    def test_it_skips_the_holidays_when_overdue(self) -> None:
        # Due Wed Sep 30; the holidays do not count as days overdue, the make-up Saturday does.
        self.assertEqual(workdays_left(today=date(2026, 10, 7), due=date(2026, 9, 30)), 0)
        self.assertEqual(workdays_left(today=date(2026, 10, 10), due=date(2026, 9, 30)), -3)


class CalendarWarningTestCase(BaseTestCase):
    def test_it_warns_about_next_year_without_data(self) -> None:
        self.assertEqual(calendar_warning(today=date(2026, 11, 24)), WARNING_2027)

    def test_it_names_both_years_when_both_are_missing(self) -> None:
        self.assertEqual(
            calendar_warning(today=date(2027, 3, 1)),
            "2027年、2028年的节假日数据尚未维护，期限按周末计算，请系统管理员在后台补充",
        )

    def test_it_is_silent_when_both_years_are_known(self) -> None:
        self.assertEqual(calendar_warning(today=date(2025, 6, 1)), "")


class CalendarAdminTestCase(BaseTestCase):
    def test_it_lists_holidays_by_year(self) -> None:
        self.client.force_login(self.admin)

        r = self.client.get(reverse("admin:catalog_calendarday_changelist") + "?day__year=2026")

        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "节假日与调休")
        self.assertContains(r, "国庆节调休上班")
        self.assertContains(r, "星期六")
        self.assertEqual(r.context["cl"].result_count, CalendarDay.objects.filter(day__year=2026).count())

    def test_it_searches_by_note(self) -> None:
        self.client.force_login(self.admin)

        r = self.client.get(reverse("admin:catalog_calendarday_changelist") + "?q=春节")

        self.assertEqual(r.status_code, 200)
        spring = CalendarDay.objects.filter(note__contains="春节").count()
        self.assertEqual(r.context["cl"].result_count, spring)

    def test_it_lets_an_admin_add_a_holiday_that_deadlines_respect(self) -> None:
        self.client.force_login(self.admin)
        self.assertEqual(workday_add(start=date(2027, 9, 30), days=1), date(2027, 10, 1))

        r = self.client.post(
            reverse("admin:catalog_calendarday_add"), {"day": "2027-10-01", "note": "国庆节"}
        )

        self.assertEqual(r.status_code, 302, r.context and r.context["adminform"].form.errors)
        day = CalendarDay.objects.get(day=date(2027, 10, 1))
        self.assertFalse(day.is_workday)
        self.assertEqual(workday_add(start=date(2027, 9, 30), days=1), date(2027, 10, 4))
        # One day does not make the year maintained: the warning stays.
        self.assertEqual(calendar_warning(today=date(2026, 11, 24)), WARNING_2027)

    def test_it_lets_an_admin_mark_a_year_maintained(self) -> None:
        self.client.force_login(self.admin)

        r = self.client.post(reverse("admin:catalog_calendaryear_add"), {"year": "2027"})

        self.assertEqual(r.status_code, 302, r.context and r.context["adminform"].form.errors)
        self.assertEqual(CalendarYear.objects.get(year=2027).source, CalendarSource.ADMIN)
        self.assertEqual(calendar_warning(today=date(2026, 11, 24)), "")

    def test_it_keeps_seeded_years_read_only(self) -> None:
        self.client.force_login(self.admin)
        year = CalendarYear.objects.get(year=2026)

        r = self.client.post(reverse("admin:catalog_calendaryear_delete", args=[year.pk]), {"post": "yes"})
        self.assertEqual(r.status_code, 403)
        r = self.client.post(reverse("admin:catalog_calendaryear_change", args=[year.pk]), {"year": "2030"})
        self.assertEqual(r.status_code, 403)

        year.refresh_from_db()
        self.assertEqual(year.year, 2026)
        self.assertEqual(year.source, CalendarSource.PACKAGE)

    def test_it_keeps_non_staff_out(self) -> None:
        self.client.force_login(self.acceptor)

        r = self.client.get(reverse("admin:catalog_calendarday_changelist"))

        self.assertEqual(r.status_code, 302)
        self.assertTrue(r["Location"].startswith(reverse("admin:login")))


class WorkdayAddKeptTestCase(BaseTestCase):
    """Every 保存并提交 of a day asks the same 受理 limit: the answer is kept under the
    calendar's version, which the admin and the seed replace (ISSUE 14)."""

    def test_it_reads_the_calendar_once_for_the_same_question(self) -> None:
        with self.assertNumQueries(1):
            self.assertEqual(workday_add(start=date(2026, 9, 30), days=5), date(2026, 10, 13))
        with self.assertNumQueries(0):
            self.assertEqual(workday_add(start=date(2026, 9, 30), days=5), date(2026, 10, 13))
        with self.assertNumQueries(1):  # another question is asked of the calendar
            self.assertEqual(workday_add(start=date(2026, 9, 30), days=1), date(2026, 10, 8))

    def test_an_admin_deleting_a_holiday_shows_at_the_next_question(self) -> None:
        # 管理员 corrects the calendar: 2026-10-08 turns out to be a working day after all.
        self.assertEqual(workday_add(start=date(2026, 9, 30), days=1), date(2026, 10, 8))
        self.client.force_login(self.admin)
        holiday = CalendarDay.objects.get(day=date(2026, 10, 7))
        r = self.client.post(reverse("admin:catalog_calendarday_delete", args=[holiday.pk]), {"post": "yes"})
        self.assertEqual(r.status_code, 302)
        self.assertEqual(workday_add(start=date(2026, 9, 30), days=1), date(2026, 10, 7))

    def test_an_admin_changing_a_day_shows_at_the_next_question(self) -> None:
        self.assertEqual(workday_add(start=date(2026, 9, 30), days=1), date(2026, 10, 8))
        self.client.force_login(self.admin)
        holiday = CalendarDay.objects.get(day=date(2026, 10, 7))
        r = self.client.post(
            reverse("admin:catalog_calendarday_change", args=[holiday.pk]),
            {"day": "2026-10-07", "is_workday": "on", "note": "本省上班"},
        )
        self.assertEqual(r.status_code, 302, r.context and r.context["adminform"].form.errors)
        self.assertEqual(workday_add(start=date(2026, 9, 30), days=1), date(2026, 10, 7))

    def test_seeding_a_year_shows_at_the_next_question(self) -> None:
        CalendarYear.objects.filter(year=2026).delete()
        CalendarDay.objects.filter(day__year=2026).delete()
        calendar_changed()  # as the admin's deletions would
        self.assertEqual(workday_add(start=date(2026, 9, 30), days=1), date(2026, 10, 1))
        seed_calendar()
        self.assertEqual(workday_add(start=date(2026, 9, 30), days=1), date(2026, 10, 8))

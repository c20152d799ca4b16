"""`lib.localdates.LocalDate`: the day and month of a stored time in the portal's time zone,
as Django's own TruncDate gives them, whether the zone has one offset or daylight saving time."""

from __future__ import annotations

from datetime import UTC, date, datetime

from django.db.models.functions import TruncDate
from django.utils import timezone

from cases.models import Case
from cases.tests.builders import case_build
from lib.localdates import LocalDate, _fixed_offset
from portal.test import BaseTestCase


class LocalDateTestCase(BaseTestCase):
    def day_and_month(self, at: datetime) -> tuple[date, date, date]:
        case = case_build(self)
        Case.objects.filter(pk=case.pk).update(decided_at=at)
        row = Case.objects.filter(pk=case.pk).values(
            day=LocalDate("decided_at"),
            month=LocalDate("decided_at", month=True),
            django=TruncDate("decided_at"),
        )[0]
        return row["day"], row["month"], row["django"]

    def test_it_takes_the_day_in_the_portals_zone(self):
        # 31 January 2026, 17:30 UTC is 1 February, 01:30 in Beijing.
        self.assertEqual(
            self.day_and_month(datetime(2026, 1, 31, 17, 30, tzinfo=UTC)),
            (date(2026, 2, 1), date(2026, 2, 1), date(2026, 2, 1)),
        )

    def test_it_follows_a_zone_with_daylight_saving_time(self):
        self.assertIsNotNone(_fixed_offset("Asia/Shanghai"))
        self.assertIsNone(_fixed_offset("Europe/Berlin"))
        with timezone.override("Europe/Berlin"):
            # 31 May 2026, 22:30 UTC is 1 June, 00:30 in Berlin (summer time, +02:00) ...
            self.assertEqual(
                self.day_and_month(datetime(2026, 5, 31, 22, 30, tzinfo=UTC)),
                (date(2026, 6, 1), date(2026, 6, 1), date(2026, 6, 1)),
            )
            # ... while 31 January, 23:30 UTC is 1 February, 00:30 (winter, +01:00).
            self.assertEqual(
                self.day_and_month(datetime(2026, 1, 31, 23, 30, tzinfo=UTC)),
                (date(2026, 2, 1), date(2026, 2, 1), date(2026, 2, 1)),
            )

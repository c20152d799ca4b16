"""The days a case keeps beside its times (`Case.submitted_on` and the others, ADR 0028): the
statistics group by them. Written by the step that writes the time, in the portal's time zone
(the day in Shenyang, not in UTC), and filled by the migration that added them."""

from __future__ import annotations

import importlib
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.apps import apps
from django.db import connection
from django.utils import timezone

from cases.models import Case, CaseAction, CaseStatus
from cases.services import case_submit
from cases.tests.builders import case_build
from cases.tests.helpers import submitted_case
from notifications.testing import frozen_now
from portal.test import BaseTestCase

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAYS = ("submitted_on", "accepted_on", "reviewed_on", "decided_on")


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


class CaseDaysTestCase(BaseTestCase):
    def review(self) -> Any:
        # Imported here: review orchestrates cases, and cases' tests reach it only to walk a case.
        from review import services

        return services

    def test_it_writes_each_day_with_the_step_that_ends_it(self):
        review = self.review()
        # Each step early in the morning in Shenyang: the evening before in UTC.
        with frozen_now(local(date(2026, 3, 3), 7, 30)):
            case = submitted_case(self)
        case.refresh_from_db()
        self.assertEqual(case.submitted_on, date(2026, 3, 3))
        self.assertEqual((case.accepted_on, case.reviewed_on, case.decided_on), (None, None, None))

        with frozen_now(local(date(2026, 3, 5), 0, 10)):
            case = review.case_accept(case=case, actor=self.acceptor)
        with frozen_now(local(date(2026, 3, 9), 6, 0)):
            case = review.case_review(case=case, actor=self.reviewer, opinion="符合注册条件")
        case.refresh_from_db()
        self.assertEqual(case.accepted_on, date(2026, 3, 5))
        self.assertEqual(case.reviewed_at, local(date(2026, 3, 9), 6, 0))
        self.assertEqual(case.reviewed_on, date(2026, 3, 9))
        self.assertIsNone(case.decided_on)

        with frozen_now(local(date(2026, 3, 11), 7, 0)):
            case = review.case_approve(case=case, actor=self.decider)
        case.refresh_from_db()
        self.assertEqual(case.status, CaseStatus.APPROVED)
        self.assertEqual(case.decided_on, date(2026, 3, 11))
        # The event and the day agree: the day is the event's, in the portal's time zone.
        event = case.events.get(action=CaseAction.APPROVE)
        self.assertEqual(event.created_at, local(date(2026, 3, 11), 7, 0))

    def test_a_resubmission_moves_the_day_of_arrival(self):
        review = self.review()
        with frozen_now(local(date(2026, 3, 2), 10)):
            case = submitted_case(self)
        with frozen_now(local(date(2026, 3, 3), 10)):
            case = review.case_request_correction(
                case=case,
                actor=self.acceptor,
                items=[
                    review.CorrectionItem(material_code=case.item.materials.all()[0].code, reason="不清晰")
                ],
            )
        with frozen_now(local(date(2026, 3, 10), 7)):
            case = case_submit(case=case, user=self.applicant)
        case.refresh_from_db()
        self.assertEqual(case.submitted_on, date(2026, 3, 10))

    def test_the_migration_fills_the_cases_before_it(self):
        granted = case_build(self)
        waiting = case_build(self, status=CaseStatus.PENDING, applicant=self.other_applicant)
        # A review at 07:00 in Shenyang, 23:00 the day before in UTC.
        reviewed = local(date(2026, 3, 10), 7)
        granted.events.filter(action=CaseAction.REVIEW).update(created_at=reviewed)
        # As the cases stood before the migration: no 审查通过 time, no days.
        Case.objects.update(reviewed_at=None, **dict.fromkeys(DAYS))

        migration = importlib.import_module("cases.migrations.0011_case_days_figuresperf")
        # Not entered: SQLite's editor refuses to open inside the test's transaction, and the
        # backfill only runs statements through it.
        migration.days_fill(apps, connection.schema_editor())

        granted.refresh_from_db()
        self.assertEqual(granted.reviewed_at, reviewed)
        today = timezone.localdate(granted.decided_at)
        self.assertEqual([getattr(granted, day) for day in DAYS], [today, today, date(2026, 3, 10), today])
        waiting.refresh_from_db()
        self.assertIsNone(waiting.reviewed_at)
        self.assertEqual(
            [getattr(waiting, day) for day in DAYS],
            [timezone.localdate(waiting.submitted_at), None, None, None],
        )

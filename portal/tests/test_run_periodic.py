from __future__ import annotations

from datetime import date, timedelta
from unittest.mock import Mock, patch

from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from cases.models import CaseAction, CaseStatus, CorrectionReminder
from cases.services import case_transition
from cases.tests.helpers import employer_offline, submitted_case
from catalog.registration_types import ChangeKind
from notifications.models import SmsMessage, SmsStatus
from notifications.services import sms_enqueue
from notifications.testing import frozen_now, pending_tasks
from portal.test import BaseTestCase, person_create
from registry.models import (
    ExpiryReminder,
    Registration,
    RegistrationChange,
    RegistrationStatus,
)
from registry.tests.builders import registration_granted


class RunPeriodicTestCase(BaseTestCase):
    def setUp(self) -> None:
        # The daily jobs' once-a-day marker lives in the cache, which outlives a test.
        cache.clear()

    def test_it_hands_out_again_an_sms_left_by_a_dead_worker(self):
        message = sms_enqueue(
            mobile="13800000001",
            template="verification_code",
            context={"code": "123456", "purpose": "登录", "minutes": 5},
        )
        # A worker claimed it ten minutes ago and died before recording the outcome.
        SmsMessage.objects.filter(pk=message.pk).update(
            status=SmsStatus.SENDING, claimed_at=timezone.now() - timedelta(minutes=10), attempts=1
        )
        tasks_before = len(pending_tasks())

        call_command("run_periodic", once=True)

        message.refresh_from_db()
        self.assertEqual(message.status, SmsStatus.QUEUED)
        self.assertEqual(len(pending_tasks()), tasks_before + 1)

    def test_a_failing_round_does_not_stop_the_loop(self):
        with patch(
            "portal.management.commands.run_periodic.sms_requeue_stale", side_effect=RuntimeError("db down")
        ):
            call_command("run_periodic", once=True)  # logs, does not raise


class DailyJobsTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # The manual's paper path: the employer has no verified account (ADR 19).
        employer_offline(cls.enterprise)

    def setUp(self) -> None:
        cache.clear()

    def test_it_sends_reminders_and_lapses_registrations_once_a_day(self):
        today = timezone.localdate()
        # 张伟's specialty expires in 90 days; 李娜's registration ended yesterday.
        expiring = self.registered(applicant=self.applicant, valid_to=today + timedelta(days=90))
        ended = self.registered(applicant=self.other_applicant, valid_to=today - timedelta(days=1))
        # 王芳's first application has waited ten days for 补正.
        wang = person_create(name="王芳", first17="21010519880512004", mobile="13600000004")
        case = submitted_case(self, applicant=wang)
        with frozen_now(timezone.now() - timedelta(days=10)), transaction.atomic():
            case_transition(case=case, action=CaseAction.REQUEST_CORRECTION, actor=self.acceptor)

        call_command("run_periodic", once=True)

        self.assertEqual(
            list(ExpiryReminder.objects.values_list("specialty__registration", "days_before")),
            [(expiring.pk, 90)],
        )
        ended.refresh_from_db()
        self.assertEqual(ended.status, RegistrationStatus.LAPSED)
        self.assertTrue(RegistrationChange.objects.filter(registration=ended, kind=ChangeKind.LAPSE).exists())
        self.assertEqual(CorrectionReminder.objects.get().event.case, case)
        case.refresh_from_db()
        self.assertEqual(case.status, CaseStatus.CORRECTION)
        self.assertEqual(
            list(SmsMessage.objects.order_by("pk").values_list("mobile", "template")),
            [("13800000001", "specialty_expiring"), ("13600000004", "correction_waiting")],
        )

        # The next rounds the same day do not scan again.
        job = Mock(return_value=0)
        with patch("portal.management.commands.run_periodic.DAILY_JOBS", (("job", job),)):
            call_command("run_periodic", once=True)
        job.assert_not_called()

        # The next day they do.
        with (
            patch("portal.management.commands.run_periodic.DAILY_JOBS", (("job", job),)),
            frozen_now(timezone.now() + timedelta(days=1)),
        ):
            call_command("run_periodic", once=True)
        job.assert_called_once_with(today=today + timedelta(days=1))

    def test_a_failing_daily_job_does_not_stop_the_others_and_is_tried_again(self):
        broken = Mock(side_effect=RuntimeError("db down"))
        working = Mock(return_value=3)
        jobs = (("broken", broken), ("working", working))

        with patch("portal.management.commands.run_periodic.DAILY_JOBS", jobs):
            call_command("run_periodic", once=True)  # logs, does not raise
            self.assertEqual((broken.call_count, working.call_count), (1, 1))

            # The failed day is given back: the next round runs the jobs again.
            broken.side_effect = None
            broken.return_value = 0
            call_command("run_periodic", once=True)
            self.assertEqual((broken.call_count, working.call_count), (2, 2))

            # Done for today.
            call_command("run_periodic", once=True)
            self.assertEqual((broken.call_count, working.call_count), (2, 2))

    def registered(self, *, applicant: User, valid_to: date) -> Registration:
        return registration_granted(self, applicant=applicant, valid_to={"10401001": valid_to})

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from cases.jobs import correction_reminders_send
from cases.models import Case, CaseAction, CaseEvent, CaseStatus, CorrectionReminder
from cases.services import case_submit, case_transition
from cases.tests.helpers import employer_offline, submitted_case
from notifications.models import InboxMessage, SmsMessage
from notifications.testing import frozen_now, pending_tasks
from portal.test import BaseTestCase


def request_correction(testcase: BaseTestCase, case: Case, *, at: datetime) -> CaseEvent:
    with frozen_now(at), transaction.atomic():
        _, event = case_transition(
            case=case, action=CaseAction.REQUEST_CORRECTION, actor=testcase.acceptor, opinion="身份证明不清晰"
        )
    return event


def reminder_sms() -> list[SmsMessage]:
    return list(SmsMessage.objects.filter(template="correction_waiting").order_by("pk"))


class CorrectionRemindersTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # The manual's paper path: the employer has no verified account (ADR 19).
        employer_offline(cls.enterprise)

    def setUp(self) -> None:
        self.case = submitted_case(self)
        # Today mid-morning, away from midnight: the reminder counts local calendar days. Not
        # a fixed date, since the helper's qualification date follows the real clock.
        self.requested_on = timezone.localdate()
        self.requested_at = timezone.make_aware(datetime.combine(self.requested_on, time(10)))

    def on(self, days: int) -> str:
        return f"{self.requested_on + timedelta(days=days):%Y年%m月%d日}"

    def test_it_reminds_the_applicant_ten_days_after_the_request(self):
        event = request_correction(self, self.case, at=self.requested_at)
        tasks_before = len(pending_tasks(task_path="notifications.tasks.deliver_sms"))

        self.assertEqual(correction_reminders_send(today=self.requested_on + timedelta(days=9)), 0)
        self.assertEqual(reminder_sms(), [])

        self.assertEqual(correction_reminders_send(today=self.requested_on + timedelta(days=10)), 1)

        self.assertTrue(CorrectionReminder.objects.filter(event=event).exists())
        [sms] = reminder_sms()
        self.assertEqual((sms.mobile, sms.user), ("13800000001", self.applicant))
        self.assertIn(f"办件编号{self.case.number}", sms.text)
        self.assertIn("二级注册建造师执业资格认定（初始注册", sms.text)
        self.assertIn(f"自{self.on(0)}起等待补正材料", sms.text)
        self.assertIn("“我的办件”中点击“补正材料”", sms.text)
        self.assertEqual(len(pending_tasks(task_path="notifications.tasks.deliver_sms")), tasks_before + 1)
        inbox = InboxMessage.objects.get(user=self.applicant, title="申请材料等待补正")
        self.assertEqual(inbox.link, f"/cases/{self.case.pk}/")
        self.assertIn(self.case.number, inbox.body)

        # Again the same day, and the days after: nothing more.
        self.assertEqual(correction_reminders_send(today=self.requested_on + timedelta(days=10)), 0)
        self.assertEqual(correction_reminders_send(today=self.requested_on + timedelta(days=30)), 0)
        self.assertEqual(len(reminder_sms()), 1)

    def test_a_resubmitted_case_gets_nothing(self):
        request_correction(self, self.case, at=self.requested_at)
        with frozen_now(self.requested_at + timedelta(days=3)):
            case = case_submit(case=self.case, user=self.applicant)
        self.assertEqual(case.status, CaseStatus.PENDING)

        self.assertEqual(correction_reminders_send(today=self.requested_on + timedelta(days=10)), 0)

        self.assertFalse(CorrectionReminder.objects.exists())
        self.assertEqual(reminder_sms(), [])
        self.assertFalse(InboxMessage.objects.filter(title="申请材料等待补正").exists())

    def test_a_second_request_is_counted_from_its_own_date(self):
        request_correction(self, self.case, at=self.requested_at)
        with frozen_now(self.requested_at + timedelta(days=3)):
            case = case_submit(case=self.case, user=self.applicant)
        second = request_correction(self, case, at=self.requested_at + timedelta(days=5))

        # Ten days after the first request, five after the second: not yet.
        self.assertEqual(correction_reminders_send(today=self.requested_on + timedelta(days=10)), 0)
        self.assertEqual(correction_reminders_send(today=self.requested_on + timedelta(days=15)), 1)

        self.assertEqual(list(CorrectionReminder.objects.values_list("event_id", flat=True)), [second.pk])
        [sms] = reminder_sms()
        self.assertIn(f"自{self.on(5)}起等待补正材料", sms.text)

    def test_only_the_waiting_applicants_case_is_reminded(self):
        request_correction(self, self.case, at=self.requested_at)
        other = submitted_case(self, applicant=self.other_applicant)

        self.assertEqual(correction_reminders_send(today=self.requested_on + timedelta(days=10)), 1)

        [sms] = reminder_sms()
        self.assertEqual(sms.user, self.applicant)
        other.refresh_from_db()
        self.assertEqual(other.status, CaseStatus.PENDING)
        self.assertFalse(InboxMessage.objects.filter(user=self.other_applicant).exists())

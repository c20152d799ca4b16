from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from accounts.models import User
from cases.deadlines import case_deadline
from cases.models import ActorRole, CaseAction, CaseStatus, NoticeKind, PauseKind
from catalog.calendar import workday_add
from lib.errors import ApplicationError
from notifications.models import InboxMessage
from portal.test import BaseTestCase
from review.services import case_approve, case_review
from supervision.models import ClockPause
from supervision.services import pause_end, pause_start
from supervision.tests.builders import FRIDAY, MONDAY, WEDNESDAY, reviewing_case, sms_to

TUESDAY = date(2031, 3, 11)


class PauseTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.case = reviewing_case(self, due=date(2031, 3, 21))

    def post_pause(self, user: User | None = None, **data: str) -> Any:
        self.client.force_login(user or self.reviewer)
        form = {
            "pause-kind": PauseKind.EXPERT,
            "pause-workdays": "5",
            "pause-reason": "需组织专家评审业绩材料",
        }
        form.update({f"pause-{k}": v for k, v in data.items()})
        return self.client.post(f"/supervision/cases/{self.case.pk}/pause/", form, follow=True)

    def test_the_handler_records_a_pause_and_the_applicant_is_told_how_long(self):
        r = self.post_pause()
        self.assertContains(r, "已登记专家评审，暂停计时5个工作日，特别程序告知书已生成，已通知申请人")
        # The workbench shows the clock standing, and the pause with its end.
        self.assertContains(r, "专家评审期间暂停计时")
        self.assertContains(r, "暂停计时中")

        self.case.refresh_from_db()
        self.assertEqual((self.case.status, self.case.clock_paused), (CaseStatus.REVIEWING, PauseKind.EXPERT))
        self.assertEqual(self.case.decision_due, date(2031, 3, 21))  # moves when the pause ends
        deadline = case_deadline(self.case, today=MONDAY)
        assert deadline is not None
        self.assertEqual((deadline.paused, deadline.label), (True, "专家评审期间暂停计时"))
        pause = ClockPause.objects.get(case=self.case)
        today = timezone.localdate()
        self.assertEqual(
            (pause.workdays, pause.started_on, pause.ends_on), (5, today, workday_add(start=today, days=5))
        )
        event = self.case.events.get(action=CaseAction.PAUSE)
        self.assertEqual(
            (event.actor, event.actor_role, event.to_status),
            (self.reviewer, ActorRole.REVIEWER, CaseStatus.REVIEWING),
        )
        notice = self.case.notices.get(kind=NoticeKind.PAUSE)
        text = "".join(notice.data["paragraphs"])
        self.assertIn("需要进行专家评审", text)
        self.assertIn("所需时间为5个工作日", text)
        self.assertIn("第四十五条", text)
        [sms] = sms_to(self.applicant.mobile, "case_paused")
        self.assertIn("需进行专家评审，所需时间5个工作日", sms.text)
        self.assertTrue(InboxMessage.objects.filter(user=self.applicant, title__contains="暂停计时").exists())
        # The applicant's page says the clock stands.
        self.client.force_login(self.applicant)
        r = self.client.get(f"/cases/{self.case.pk}/")
        self.assertContains(r, "专家评审期间暂停计时")
        self.assertContains(r, "特别程序（暂停计时）")

    def test_a_wrong_role_or_a_second_pause_is_refused(self):
        r = self.post_pause(self.acceptor)
        self.assertContains(r, "您没有办理该办件此环节的权限")
        self.assertFalse(ClockPause.objects.exists())
        r = self.post_pause(workdays="0")
        self.assertFalse(ClockPause.objects.exists())
        self.post_pause()
        r = self.post_pause(kind=PauseKind.HEARING)
        self.assertContains(r, "该办件正在特别程序中，已暂停计时")
        self.assertEqual(ClockPause.objects.count(), 1)
        self.assertEqual(self.case.events.filter(action=CaseAction.PAUSE).count(), 1)

    def test_no_decision_while_the_clock_stands(self):
        # Deciding during a 特别程序 would leave the pause open on a finished case and the
        # decision period unknown: the decider ends the pause first.
        pause_start(
            case=self.case,
            actor=self.reviewer,
            kind=PauseKind.HEARING,
            reason="听证",
            workdays=5,
            today=FRIDAY,
        )
        case_review(
            case=self.case, actor=self.reviewer, opinion="审查通过"
        )  # still within the clock's statuses
        with self.assertRaisesMessage(ApplicationError, "请先结束特别程序"):
            case_approve(case=self.case, actor=self.decider, opinion="准予")
        self.case.refresh_from_db()
        self.assertEqual((self.case.status, self.case.clock_paused), (CaseStatus.DECIDING, PauseKind.HEARING))
        self.assertFalse(self.case.events.filter(action=CaseAction.APPROVE).exists())

        pause_end(case=self.case, actor=self.decider, today=WEDNESDAY)
        case_approve(case=self.case, actor=self.decider, opinion="准予")
        self.case.refresh_from_db()
        self.assertEqual((self.case.status, self.case.clock_paused), (CaseStatus.APPROVED, ""))

    def test_ending_it_by_hand_moves_the_due_day_by_the_working_days_paused(self):
        pause_start(
            case=self.case,
            actor=self.reviewer,
            kind=PauseKind.TESTING,
            reason="检测",
            workdays=10,
            today=FRIDAY,
        )
        # Passed on to the decider meanwhile: the clock still stands, and he ends it.
        case_review(case=self.case, actor=self.reviewer, opinion="审查通过")
        with self.assertRaises(ApplicationError):
            pause_end(case=self.case, actor=self.reviewer, today=WEDNESDAY)
        pause = pause_end(case=self.case, actor=self.decider, today=date(2031, 3, 19))

        self.assertEqual(pause.paused_workdays, 3)  # Monday to Wednesday
        self.case.refresh_from_db()
        self.assertEqual((self.case.status, self.case.clock_paused), (CaseStatus.DECIDING, ""))
        self.assertEqual(self.case.decision_due, date(2031, 3, 26))
        event = self.case.events.get(action=CaseAction.RESUME)
        self.assertEqual((event.actor, event.actor_role), (self.decider, ActorRole.DECIDER))
        [sms] = sms_to(self.applicant.mobile, "case_resumed")
        self.assertIn("检验检测已结束，恢复计时，预计2031年03月26日前办结", sms.text)
        with self.assertRaises(ApplicationError):
            pause_end(case=self.case, actor=self.decider, today=date(2031, 3, 19))

    def test_the_view_ends_it_for_the_handler(self):
        pause_start(
            case=self.case,
            actor=self.reviewer,
            kind=PauseKind.EXPERT,
            reason="评审",
            workdays=5,
            today=TUESDAY,
        )
        self.client.force_login(self.reviewer)
        r = self.client.post(f"/supervision/cases/{self.case.pk}/resume/", follow=True)
        self.assertContains(r, "专家评审已结束，恢复计时")
        self.case.refresh_from_db()
        self.assertEqual(self.case.clock_paused, "")
        self.assertIsNotNone(ClockPause.objects.get().ended_on)

from __future__ import annotations

from datetime import date

from accounts.models import User
from cases.models import ActorRole, Case, CaseAction, CaseStatus, PauseKind
from notifications.models import InboxMessage
from portal.test import BaseTestCase, staff_make
from review.services import case_approve
from supervision.jobs import deadline_alerts_send, pauses_end
from supervision.models import AlertKind, DeadlineAlert, DeadlineStep
from supervision.services import pause_start
from supervision.tests.builders import (
    FRIDAY,
    MONDAY,
    THURSDAY,
    WEDNESDAY,
    deciding_case,
    pending_case,
    reviewing_case,
    sms_to,
)

TUESDAY = date(2031, 3, 11)


class DeadlineAlertsTestCase(BaseTestCase):
    other_leader: User

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # Another department's leader: told of nothing here.
        cls.other_leader = staff_make(
            username="waibu-kz",
            name="外厅科室负责人",
            role=ActorRole.LEADER,
            department=cls.other_department,
            mobile="13500000019",
        )

    def inbox(self, user, title_part: str):
        return InboxMessage.objects.filter(user=user, title__contains=title_part)

    def test_it_reminds_the_handlers_two_working_days_before_and_only_once(self):
        case = pending_case(self)

        self.assertEqual(deadline_alerts_send(today=TUESDAY), 0)  # three working days left
        self.assertEqual(deadline_alerts_send(today=WEDNESDAY), 1)

        alert = DeadlineAlert.objects.get(case=case)
        self.assertEqual(
            (alert.step, alert.kind, alert.due), (DeadlineStep.ACCEPT, AlertKind.REMINDER, FRIDAY)
        )
        [sms] = sms_to(self.acceptor.mobile, "deadline_reminder")
        self.assertIn(f"办件{case.number}", sms.text)
        self.assertIn("受理期限为2031年03月14日，剩余2个工作日", sms.text)
        message = self.inbox(self.acceptor, "即将届满").get()
        self.assertEqual(message.link, f"/workbench/cases/{case.pk}/")
        # The other roles and the leader are not bothered by a reminder.
        self.assertEqual(sms_to(self.reviewer.mobile, "deadline_reminder"), [])
        self.assertFalse(self.inbox(self.leader, "").exists())

        # The job again, the same day and the next: nothing more.
        self.assertEqual(deadline_alerts_send(today=WEDNESDAY), 0)
        self.assertEqual(deadline_alerts_send(today=THURSDAY), 0)
        self.assertEqual(len(sms_to(self.acceptor.mobile, "deadline_reminder")), 1)

    def test_it_escalates_on_the_due_day_to_the_handlers_and_the_leader(self):
        case = reviewing_case(self)

        self.assertEqual(deadline_alerts_send(today=FRIDAY), 1)
        self.assertEqual(deadline_alerts_send(today=FRIDAY), 0)
        self.assertEqual(deadline_alerts_send(today=MONDAY), 0)

        alert = DeadlineAlert.objects.get(case=case)
        self.assertEqual((alert.step, alert.kind), (DeadlineStep.DECISION, AlertKind.ESCALATION))
        for user in (self.reviewer, self.leader):
            [sms] = sms_to(user.mobile, "deadline_escalated")
            self.assertIn("办结期限为2031年03月14日，今日到期，已列入科室负责人督办", sms.text)
            self.assertTrue(self.inbox(user, "已列入督办").exists())
        self.assertEqual(sms_to(self.acceptor.mobile, "deadline_escalated"), [])
        self.assertEqual(sms_to(self.decider.mobile, "deadline_escalated"), [])
        self.assertFalse(InboxMessage.objects.filter(user=self.other_leader).exists())

    def test_a_late_run_escalates_without_the_missed_reminder(self):
        deciding_case(self)
        self.assertEqual(deadline_alerts_send(today=MONDAY), 1)
        self.assertEqual(DeadlineAlert.objects.get().kind, AlertKind.ESCALATION)
        [sms] = sms_to(self.decider.mobile, "deadline_escalated")
        self.assertIn("已超期1个工作日", sms.text)

    def test_a_moved_due_day_is_reminded_again(self):
        case = reviewing_case(self)
        self.assertEqual(deadline_alerts_send(today=WEDNESDAY), 1)
        # Extended (or a 特别程序 ended): a new due day, a new reminder in its time.
        Case.objects.filter(pk=case.pk).update(decision_due=date(2031, 3, 28))
        self.assertEqual(deadline_alerts_send(today=WEDNESDAY), 0)
        self.assertEqual(deadline_alerts_send(today=date(2031, 3, 26)), 1)
        self.assertEqual(
            sorted(DeadlineAlert.objects.values_list("due", flat=True)), [FRIDAY, date(2031, 3, 28)]
        )

    def test_nothing_for_a_paused_or_a_finished_case(self):
        paused = reviewing_case(self)
        pause_start(
            case=paused,
            actor=self.reviewer,
            kind=PauseKind.EXPERT,
            reason="专家评审",
            workdays=10,
            today=TUESDAY,
        )
        finished = deciding_case(self, applicant=self.other_applicant)
        case_approve(case=finished, actor=self.decider)
        self.assertEqual(Case.objects.get(pk=finished.pk).status, CaseStatus.APPROVED)

        self.assertEqual(deadline_alerts_send(today=FRIDAY), 0)
        self.assertEqual(deadline_alerts_send(today=MONDAY), 0)
        self.assertFalse(DeadlineAlert.objects.exists())


class PausesEndTestCase(BaseTestCase):
    def test_a_pause_ends_when_its_stated_days_have_passed_and_moves_the_due_day(self):
        case = reviewing_case(self, due=date(2031, 3, 21))
        # Tuesday, 3 working days: the clock stands Wednesday to Friday.
        pause = pause_start(
            case=case,
            actor=self.reviewer,
            kind=PauseKind.HEARING,
            reason="申请人要求听证",
            workdays=3,
            today=TUESDAY,
        )
        self.assertEqual(pause.ends_on, FRIDAY)

        self.assertEqual(pauses_end(today=FRIDAY), 0)
        self.assertEqual(pauses_end(today=date(2031, 3, 15)), 1)
        self.assertEqual(pauses_end(today=MONDAY), 0)

        case.refresh_from_db()
        self.assertEqual((case.status, case.clock_paused), (CaseStatus.REVIEWING, ""))
        self.assertEqual(case.decision_due, date(2031, 3, 26))  # 21st + 3 working days
        event = case.events.get(action=CaseAction.RESUME_DUE)
        self.assertEqual((event.actor, event.actor_role), (None, ActorRole.SYSTEM))
        self.assertIn("暂停计时3个工作日，办结期限顺延至2031年03月26日", event.opinion)
        pause.refresh_from_db()
        self.assertEqual((pause.ended_on, pause.paused_workdays), (date(2031, 3, 15), 3))
        [sms] = sms_to(self.applicant.mobile, "case_resumed")
        self.assertIn("听证已结束，恢复计时，预计2031年03月26日前办结", sms.text)

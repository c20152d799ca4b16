"""督办 of the authority's proceedings (ADR 27): the holder reminded of the 陈述申辩 period, the
科室负责人 told once it ended unanswered, the decision's limit reminded and escalated to him.
Due days are fixed in 2031 (weekends only, no holiday rows), as in `test_jobs`."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.utils import timezone

from accounts.models import User
from cases.deadlines import PROCEEDING_DECISION_WORKDAYS, proceeding_decision_due_on
from cases.models import ActorRole, CaseAction
from catalog.registration_types import ProceedingKind
from notifications.models import InboxMessage
from portal.test import BaseTestCase, staff_make
from registry.tests.helpers import registered
from revocation.models import Ground, Proceeding
from revocation.services import proceeding_decide, proceeding_state
from revocation.tests.helpers import period_over, started
from supervision.jobs import deadline_alerts_send
from supervision.models import AlertKind, DeadlineAlert, DeadlineStep
from supervision.selectors import board_for_leader
from supervision.tests.builders import FRIDAY, MONDAY, THURSDAY, WEDNESDAY, sms_to

TUESDAY = date(2031, 3, 11)
# FRIDAY plus ten working days, and the reminder two working days before it.
DECISION_DUE = date(2031, 3, 28)
DECISION_REMIND = date(2031, 3, 26)


class ProceedingAlertsTestCase(BaseTestCase):
    other_leader: User

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.other_leader = staff_make(
            username="waibu-kz",
            name="外厅科室负责人",
            role=ActorRole.LEADER,
            department=cls.other_department,
            mobile="13500000019",
        )

    def setUp(self) -> None:
        super().setUp()
        proceeding = started(
            self, registered(self), kind=ProceedingKind.FORCED_CANCEL, ground=Ground.CONTRACT_ENDED
        )
        Proceeding.objects.filter(pk=proceeding.pk).update(statement_due=FRIDAY)
        proceeding.refresh_from_db()
        self.proceeding = proceeding
        self.case = proceeding.case

    def alerts(self) -> list[tuple[str, str, date]]:
        return list(
            DeadlineAlert.objects.filter(case=self.case).order_by("pk").values_list("step", "kind", "due")
        )

    def inbox(self, user: User, title_part: str):
        return InboxMessage.objects.filter(user=user, title__contains=title_part)

    def test_the_rule_counts_from_the_answer_or_the_periods_end(self):
        self.assertEqual(PROCEEDING_DECISION_WORKDAYS, 10)
        self.assertEqual(proceeding_decision_due_on(statement_due=FRIDAY, stated_on=None), DECISION_DUE)
        self.assertEqual(
            proceeding_decision_due_on(statement_due=FRIDAY, stated_on=WEDNESDAY), DECISION_REMIND
        )

    def test_it_reminds_the_holder_two_working_days_before_the_periods_end_once(self):
        self.assertEqual(deadline_alerts_send(today=TUESDAY), 0)  # three working days left
        self.assertEqual(deadline_alerts_send(today=WEDNESDAY), 1)
        self.assertEqual(deadline_alerts_send(today=WEDNESDAY), 0)
        self.assertEqual(deadline_alerts_send(today=THURSDAY), 0)
        self.assertEqual(deadline_alerts_send(today=FRIDAY), 0)  # the last day: still the one reminder

        self.assertEqual(self.alerts(), [(DeadlineStep.STATEMENT, AlertKind.REMINDER, FRIDAY)])
        [sms] = sms_to(self.applicant.mobile, "statement_reminder")
        self.assertIn(
            f"拟依法注销您的二级建造师注册（注册编号{self.proceeding.registration.number}", sms.text
        )
        self.assertIn("陈述申辩期限为2031年03月14日，剩余2个工作日", sms.text)
        message = self.inbox(self.applicant, "陈述申辩期限即将届满").get()
        self.assertEqual(message.link, f"/proceedings/mine/{self.case.pk}/")
        # Staff are not told of the holder's period.
        self.assertFalse(self.inbox(self.leader, "").exists())

    def test_the_leader_is_told_once_when_the_period_ended_unanswered(self):
        self.assertEqual(deadline_alerts_send(today=MONDAY), 1)  # a job that missed the reminder
        self.assertEqual(deadline_alerts_send(today=MONDAY), 0)
        self.assertEqual(deadline_alerts_send(today=MONDAY + timedelta(days=1)), 0)

        self.assertEqual(self.alerts(), [(DeadlineStep.STATEMENT, AlertKind.LAPSED, FRIDAY)])
        self.assertEqual(sms_to(self.applicant.mobile, "statement_reminder"), [])
        [sms] = sms_to(self.leader.mobile, "statement_lapsed")
        self.assertIn(
            f"强制注销程序（办件编号{self.case.number}）的陈述申辩期限2031年03月14日已届满", sms.text
        )
        message = self.inbox(self.leader, "陈述申辩期已满，待决定").get()
        self.assertEqual(message.link, f"/proceedings/{self.case.pk}/")
        # Another department's leader hears nothing, and his list is empty.
        self.assertFalse(self.inbox(self.other_leader, "").exists())
        self.assertEqual(sms_to(self.other_leader.mobile, "statement_lapsed"), [])
        self.assertEqual(board_for_leader(user=self.other_leader, today=MONDAY).lapsed, [])

        [row] = board_for_leader(user=self.leader, today=MONDAY).lapsed
        self.assertEqual((row.proceeding, row.deadline.due), (self.proceeding, DECISION_DUE))

    def test_the_decisions_limit_is_reminded_and_escalated_to_the_leader(self):
        deadline_alerts_send(today=MONDAY)  # the period's end

        self.assertEqual(deadline_alerts_send(today=DECISION_REMIND), 1)
        self.assertEqual(deadline_alerts_send(today=DECISION_REMIND), 0)
        [sms] = sms_to(self.leader.mobile, "deadline_reminder")
        self.assertIn(
            f"办件{self.case.number}（强制注销）的决定期限为2031年03月28日，剩余2个工作日", sms.text
        )
        board = board_for_leader(user=self.leader, today=DECISION_REMIND)
        [row] = board.due_soon
        self.assertEqual((row.case, row.step, row.handler), (self.case, "决定", "科室负责人"))

        self.assertEqual(deadline_alerts_send(today=DECISION_DUE), 1)
        self.assertEqual(deadline_alerts_send(today=DECISION_DUE + timedelta(days=3)), 0)
        [sms] = sms_to(self.leader.mobile, "deadline_escalated")
        self.assertIn("决定期限为2031年03月28日，今日到期，已列入科室负责人督办", sms.text)
        self.assertEqual(self.inbox(self.leader, "程序决定期限已到").count(), 1)
        [row] = board_for_leader(user=self.leader, today=DECISION_DUE).overdue
        self.assertEqual(row.case, self.case)
        self.assertEqual(
            self.alerts(),
            [
                (DeadlineStep.STATEMENT, AlertKind.LAPSED, FRIDAY),
                (DeadlineStep.DECISION, AlertKind.REMINDER, DECISION_DUE),
                (DeadlineStep.DECISION, AlertKind.ESCALATION, DECISION_DUE),
            ],
        )
        self.assertFalse(self.inbox(self.other_leader, "").exists())
        self.assertEqual(sms_to(self.reviewer.mobile, "deadline_escalated"), [])

    def test_an_answered_proceeding_is_not_chased_and_its_limit_runs_from_the_answer(self):
        proceeding_state(proceeding=self.proceeding, user=self.applicant, text="本人已与新单位签订劳动合同。")
        answered_at = timezone.make_aware(datetime(2031, 3, 12, 10, 0))  # WEDNESDAY
        Proceeding.objects.filter(pk=self.proceeding.pk).update(stated_at=answered_at)

        for day in (WEDNESDAY, THURSDAY, FRIDAY, MONDAY):
            self.assertEqual(deadline_alerts_send(today=day), 0)
        self.assertEqual(sms_to(self.applicant.mobile, "statement_reminder"), [])
        self.assertEqual(sms_to(self.leader.mobile, "statement_lapsed"), [])
        self.assertEqual(board_for_leader(user=self.leader, today=MONDAY).lapsed, [])

        # The decision within ten working days of the answer: 2031-03-26.
        self.assertEqual(deadline_alerts_send(today=DECISION_REMIND), 1)
        self.assertEqual(self.alerts(), [(DeadlineStep.DECISION, AlertKind.ESCALATION, DECISION_REMIND)])

    def test_a_decided_proceeding_gets_nothing(self):
        period_over(self.proceeding)
        proceeding_decide(
            proceeding=self.proceeding,
            by=self.leader,
            action=CaseAction.FORCE_CANCEL,
            reason="持证人未陈述申辩，事实清楚。",
        )
        for day in (WEDNESDAY, MONDAY, DECISION_DUE):
            self.assertEqual(deadline_alerts_send(today=day), 0)
        self.assertEqual(self.alerts(), [])

    def test_the_board_page_lists_the_lapsed_proceeding(self):
        period_over(self.proceeding)  # ended yesterday: the page reads today's date
        self.client.force_login(self.leader)
        r = self.client.get("/supervision/")
        self.assertContains(r, "陈述申辩期已满，待决定（1）")
        self.assertContains(r, f'<a href="/proceedings/{self.case.pk}/">{self.case.number}</a>', html=True)
        self.assertContains(r, "强制注销：已与聘用单位解除聘用合同关系，未申请注销")
        self.client.force_login(self.other_leader)
        r = self.client.get("/supervision/")
        self.assertContains(r, "陈述申辩期已满，待决定（0）")
        self.assertNotContains(r, str(self.case.number))

"""The legal time limits have one home, `cases.deadlines`: the due days the services write and
the state the workbench and the applicant's page show. Fixed dates in a year with no holiday
rows, so only weekends count."""

from __future__ import annotations

from datetime import date

from django.test import TestCase

from cases.deadlines import (
    PAUSED,
    AlertStage,
    accept_due_on,
    alert_stage,
    case_deadline,
    decision_due_on,
    extended_due_on,
    pause_ends_on,
    paused_workdays,
    resumed_due_on,
)
from cases.models import Case, CaseStatus, PauseKind

FRIDAY = date(2031, 3, 7)
NEXT_FRIDAY = date(2031, 3, 14)


class DueDayTestCase(TestCase):
    def test_acceptance_is_due_five_working_days_after_submission(self):
        # Counted from the day after (开始的当日不计入): Friday to the next Friday.
        self.assertEqual(accept_due_on(submitted_on=FRIDAY, days=5), NEXT_FRIDAY)

    def test_the_decision_is_due_the_promised_working_days_after_acceptance(self):
        self.assertEqual(decision_due_on(accepted_on=FRIDAY, promised_days=10), date(2031, 3, 21))


class CaseDeadlineTestCase(TestCase):
    def deadline(self, status: str, *, today: date, accept_due=None, decision_due=None):
        case = Case(status=status, accept_due=accept_due, decision_due=decision_due)
        return case_deadline(case, today=today)

    def test_waiting_for_acceptance_runs_the_acceptance_limit(self):
        deadline = self.deadline(CaseStatus.PENDING, today=date(2031, 3, 12), accept_due=NEXT_FRIDAY)
        self.assertEqual((deadline.label, deadline.due, deadline.left), ("受理期限", NEXT_FRIDAY, 2))
        self.assertEqual(
            (deadline.due_soon, deadline.css_class, deadline.badge), (True, "deadline-soon", "剩余2个工作日")
        )

    def test_on_the_due_day_it_is_due_today(self):
        deadline = self.deadline(CaseStatus.REVIEWING, today=NEXT_FRIDAY, decision_due=NEXT_FRIDAY)
        self.assertEqual((deadline.label, deadline.overdue, deadline.badge), ("办结期限", False, "今日到期"))

    def test_the_weekend_after_the_due_day_is_overdue(self):
        deadline = self.deadline(CaseStatus.DECIDING, today=date(2031, 3, 15), decision_due=NEXT_FRIDAY)
        self.assertEqual((deadline.overdue, deadline.left, deadline.badge), (True, 0, "已超期"))
        monday = self.deadline(CaseStatus.DECIDING, today=date(2031, 3, 17), decision_due=NEXT_FRIDAY)
        self.assertEqual(
            (monday.left, monday.badge, monday.css_class), (-1, "已超期1个工作日", "deadline-overdue")
        )

    def test_the_clock_stands_while_waiting_for_correction(self):
        deadline = self.deadline(CaseStatus.CORRECTION, today=FRIDAY, decision_due=None)
        self.assertIs(deadline, PAUSED)
        self.assertEqual(
            (deadline.paused, deadline.due, deadline.badge, deadline.css_class), (True, None, "", "")
        )

    def test_no_limit_runs_for_a_draft_or_a_finished_case(self):
        self.assertIsNone(self.deadline(CaseStatus.DRAFT, today=FRIDAY))
        self.assertIsNone(self.deadline(CaseStatus.APPROVED, today=FRIDAY, decision_due=NEXT_FRIDAY))


class SupervisionArithmeticTestCase(TestCase):
    """督办 (ADR 25): the extension, the 特别程序 and when the reminders come."""

    def test_an_extension_adds_ten_working_days(self):
        self.assertEqual(extended_due_on(due=NEXT_FRIDAY), date(2031, 3, 28))

    def test_a_pause_stops_the_clock_for_the_working_days_it_took_and_no_more(self):
        tuesday = date(2031, 3, 11)
        ends = pause_ends_on(paused_on=tuesday, days=3)
        self.assertEqual(ends, NEXT_FRIDAY)
        # Ended on Thursday by hand: Wednesday and Thursday.
        self.assertEqual(paused_workdays(paused_on=tuesday, ends_on=ends, resumed_on=date(2031, 3, 13)), 2)
        # Ended late (the job ran on Monday): the 3 days stated.
        self.assertEqual(paused_workdays(paused_on=tuesday, ends_on=ends, resumed_on=date(2031, 3, 17)), 3)
        self.assertEqual(paused_workdays(paused_on=tuesday, ends_on=ends, resumed_on=tuesday), 0)
        self.assertEqual(resumed_due_on(due=NEXT_FRIDAY, paused=2), date(2031, 3, 18))
        self.assertEqual(resumed_due_on(due=NEXT_FRIDAY, paused=0), NEXT_FRIDAY)

    def test_a_paused_decision_clock_shows_its_procedure(self):
        case = Case(status=CaseStatus.DECIDING, decision_due=NEXT_FRIDAY, clock_paused=PauseKind.HEARING)
        deadline = case_deadline(case, today=FRIDAY)
        assert deadline is not None
        self.assertEqual((deadline.paused, deadline.label), (True, "听证期间暂停计时"))
        self.assertIsNone(alert_stage(deadline, today=FRIDAY))

    def test_the_reminder_comes_two_working_days_before_and_the_escalation_on_the_day(self):
        def stage(today: date):
            case = Case(status=CaseStatus.REVIEWING, decision_due=NEXT_FRIDAY)
            return alert_stage(case_deadline(case, today=today), today=today)

        self.assertIsNone(stage(date(2031, 3, 11)))
        self.assertEqual(stage(date(2031, 3, 12)), AlertStage.REMIND)
        self.assertEqual(stage(date(2031, 3, 13)), AlertStage.REMIND)
        self.assertEqual(stage(NEXT_FRIDAY), AlertStage.ESCALATE)
        self.assertEqual(stage(date(2031, 3, 17)), AlertStage.ESCALATE)

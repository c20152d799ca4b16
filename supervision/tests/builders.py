"""Cases at the steps 督办 watches, built with the services as staff would take them, their due
days then set to fixed days of 2031 (a year with no holiday rows: weekends only), so that the
jobs and the services, which take the day they work for, never depend on today's date."""

from __future__ import annotations

from datetime import date

from accounts.models import User
from cases.models import Case
from cases.tests.helpers import submitted_case
from lib.datacrypt import mobile_index
from notifications.models import SmsMessage
from portal.test import BaseTestCase
from review.services import case_accept, case_review

WEDNESDAY = date(2031, 3, 12)
THURSDAY = date(2031, 3, 13)
FRIDAY = date(2031, 3, 14)  # the due day of most tests
MONDAY = date(2031, 3, 17)


def pending_case(testcase: BaseTestCase, *, due: date = FRIDAY, applicant: User | None = None) -> Case:
    """待受理, its 受理 limit ending on `due`."""
    case = submitted_case(testcase, applicant=applicant)
    Case.objects.filter(pk=case.pk).update(accept_due=due)
    return Case.objects.get(pk=case.pk)


def reviewing_case(testcase: BaseTestCase, *, due: date = FRIDAY, applicant: User | None = None) -> Case:
    """审查中, its decision limit ending on `due`."""
    case = case_accept(case=submitted_case(testcase, applicant=applicant), actor=testcase.acceptor)
    Case.objects.filter(pk=case.pk).update(decision_due=due)
    return Case.objects.get(pk=case.pk)


def deciding_case(testcase: BaseTestCase, *, due: date = FRIDAY, applicant: User | None = None) -> Case:
    case = reviewing_case(testcase, due=due, applicant=applicant)
    case_review(case=case, actor=testcase.reviewer, opinion="符合初始注册条件")
    return Case.objects.get(pk=case.pk)


def sms_to(mobile: str, template: str) -> list[SmsMessage]:
    return list(SmsMessage.objects.filter(mobile_index=mobile_index(mobile), template=template))

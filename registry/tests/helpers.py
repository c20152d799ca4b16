"""The register in tests, written as it is in production: through cases taken to 准予许可
by the staff personas (`cases.tests.helpers` builds the cases)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from accounts.models import User
from cases.models import Case
from cases.tests.helpers import form_data_of, submitted_case, submitted_case_of
from catalog.registration_types import RegistrationType
from registry.models import Registration


def case_grant(testcase: Any, case: Case) -> Case:
    """受理, 审查, 准予许可 by acceptor, reviewer and decider: the register changes."""
    from review.services import case_accept, case_approve, case_review

    case = case_accept(case=case, actor=testcase.acceptor)
    case = case_review(case=case, actor=testcase.reviewer, opinion="符合注册条件")
    return case_approve(case=case, actor=testcase.decider, opinion="准予许可")


def case_to_decision(testcase: Any, case: Case) -> Case:
    """受理 and 审查: the case waits for the decider (待决定)."""
    from review.services import case_accept, case_review

    case = case_accept(case=case, actor=testcase.acceptor)
    return case_review(case=case, actor=testcase.reviewer, opinion="符合注册条件")


def registered(
    testcase: Any,
    *,
    applicant: User | None = None,
    specialties: tuple[str, ...] = ("10401001",),
    valid_to: dict[str, date] | None = None,
) -> Registration:
    """`applicant` (张伟 by default) registered by an approved 初始注册 in `specialties`, with
    no case left open; `valid_to` moves expiry dates (a registration met late in its life)."""
    case = submitted_case(
        testcase,
        applicant=applicant,
        qualification_specialties=list(specialties),
        specialties=list(specialties),
    )
    case_grant(testcase, case)
    registration = Registration.objects.get(created_by_case=case)
    for code, day in (valid_to or {}).items():
        registration.specialties.filter(specialty=code).update(valid_to=day)
    return registration


def granted_case_of(
    testcase: Any, code: RegistrationType, *, applicant: User | None = None, **changes: Any
) -> Case:
    """A case of type `code` with the default answers (`form_data_of`), submitted and granted."""
    form = form_data_of(testcase, code, applicant=applicant, **changes)
    return case_grant(testcase, submitted_case_of(testcase, code, form, applicant=applicant))


def in_renewal_window(today: date) -> date:
    """An expiry date 60 days on (inside the 90-to-30-day window), moved off 28/29 February so
    that "3 years later" has one meaning."""
    day = today + timedelta(days=60)
    return day + timedelta(days=3) if (day.month, day.day) in ((2, 28), (2, 29)) else day

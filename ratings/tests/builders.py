"""Ended cases and ratings for the tests of ratings, written as they stand after their steps
(`cases.tests.builders.case_build`), and a rating made through the service (its rows are
what the tests check), for another matter or department when asked."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from accounts.models import User
from cases.models import ActorRole, Case, CaseAction, CaseEvent, CaseStatus
from cases.tests.builders import case_build
from catalog.models import Department, Matter
from ratings.models import BAD_LEVELS, Rating, RatingIndicator, RatingLevel
from ratings.services import rating_submit


def case_ended(
    testcase: Any,
    *,
    how: CaseAction = CaseAction.APPROVE,
    applicant: User | None = None,
    form_data: dict[str, Any] | None = None,
) -> Case:
    """A case ended by `how`: 准予许可 (APPROVE, the usual path), 不予受理 (REJECT, by the
    acceptor) or the applicant's own withdrawal (WITHDRAW) from 待受理."""
    if how == CaseAction.APPROVE:
        return case_build(testcase, status=CaseStatus.APPROVED, applicant=applicant, form_data=form_data)
    case = case_build(testcase, status=CaseStatus.PENDING, applicant=applicant, form_data=form_data)
    actor, role, target = {
        CaseAction.REJECT: (testcase.acceptor, ActorRole.ACCEPTOR, CaseStatus.REJECTED),
        CaseAction.WITHDRAW: (case.applicant, ActorRole.APPLICANT, CaseStatus.WITHDRAWN),
    }[how]
    CaseEvent.objects.create(
        case=case,
        action=how,
        from_status=case.status,
        to_status=target,
        actor=actor,
        actor_role=role,
        actor_name=actor.name,
    )
    case.status = target
    case.decided_at = timezone.now() if how == CaseAction.REJECT else None
    case.save()
    return case


def rating_made(
    testcase: Any,
    *,
    level: RatingLevel = RatingLevel.VERY_DISSATISFIED,
    case: Case | None = None,
    indicators: tuple[str, ...] = (RatingIndicator.EFFICIENCY,),
    text: str = "等了很久才受理",
) -> Rating:
    case = case or case_ended(testcase)
    return rating_submit(case=case, user=case.applicant, level=level, indicators=indicators, text=text)


def rating_of(
    testcase: Any, level: RatingLevel, *, matter: Matter | None = None, department: Department | None = None
) -> Rating:
    """A rating of `level`, through the service, of a case ended in `department` for `matter`
    (the test's own by default): the figures' tests spread ratings over matters and
    departments."""
    case = case_ended(testcase)
    changes: dict[str, Any] = {}
    if matter is not None:
        changes["matter"] = matter
    if department is not None:
        changes["department"] = department
    if changes:
        # Rows as they would stand for another matter or department: the figures are the subject.
        Case.objects.filter(pk=case.pk).update(**changes)
        case.refresh_from_db()
    indicators = (RatingIndicator.OVERALL,) if level in BAD_LEVELS else ()
    return rating_made(testcase, case=case, level=level, indicators=indicators)

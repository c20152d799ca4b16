"""Ended cases and ratings for the tests of ratings, written as they stand after their steps
(`cases.tests.builders.case_build`), and a rating made through the service (its rows are
what the tests check)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from accounts.models import User
from cases.models import ActorRole, Case, CaseAction, CaseEvent, CaseStatus
from cases.tests.builders import case_build
from ratings.models import Rating, RatingIndicator, RatingLevel
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

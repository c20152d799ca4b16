"""Cases written as they stand after their steps, each step on a day the test names: the
statistics count days, so unlike `cases.tests.builders.case_build` every event here has its
own time (the clock is frozen at it while the row is written)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.utils import timezone

from cases.models import FINISHED_STATUSES, ActorRole, Case, CaseAction, CaseEvent, CaseStatus
from cases.services import case_days_fill
from cases.tests.helpers import form_data_of, item_of
from cases.transitions import transition_find
from catalog.registration_types import RegistrationType
from notifications.testing import frozen_now


def at(day: date, hour: int = 10) -> datetime:
    """`day` at `hour` o'clock in the portal's time zone."""
    return timezone.make_aware(datetime.combine(day, time(hour)))


def case_walked(
    testcase: Any,
    steps: list[tuple[CaseAction, date]],
    *,
    code: RegistrationType = RegistrationType.INITIAL,
    accept_due: date | None = None,
    decision_due: date | None = None,
    opinions: dict[CaseAction, str] | None = None,
) -> Case:
    """A case of the type `code` that took `steps`, each on its day, by the personas, with
    the times the steps write (`cases.services._times_stamp`) and the due days given."""
    item = item_of(code)
    with frozen_now(at(steps[0][1], 9)):
        case = Case.objects.create(
            applicant=testcase.applicant,
            applicant_name=testcase.applicant.name,
            department=item.matter.department,
            matter=item.matter,
            item=item,
            submit_method="online",
            form_data=form_data_of(testcase, code),
        )
    actors = {
        ActorRole.APPLICANT: testcase.applicant,
        ActorRole.ACCEPTOR: testcase.acceptor,
        ActorRole.REVIEWER: testcase.reviewer,
        ActorRole.DECIDER: testcase.decider,
    }
    for action, day in steps:
        transition = transition_find(status=case.status, action=action)
        assert transition is not None, f"{action} is not a step from {case.status}"
        actor = actors[ActorRole(transition.role)]
        when = at(day)
        with frozen_now(when):
            CaseEvent.objects.create(
                case=case,
                action=action,
                from_status=case.status,
                to_status=transition.target,
                actor=actor,
                actor_role=transition.role,
                actor_name=actor.name,
                opinion=(opinions or {}).get(action, ""),
            )
        case.status = transition.target
        if action in (CaseAction.SUBMIT, CaseAction.RESUBMIT, CaseAction.FORWARD):
            case.submitted_at = when
            case.number = case.number or f"LN{day:%Y%m%d}{case.pk:05d}"
        elif action == CaseAction.ACCEPT:
            case.accepted_at = when
        elif action == CaseAction.REVIEW:
            case.reviewed_at = when
        if case.status in FINISHED_STATUSES:
            case.decided_at = when
    case_days_fill(case=case)
    case.accept_due = accept_due if case.status == CaseStatus.PENDING else None
    case.decision_due = decision_due
    case.save()
    return case

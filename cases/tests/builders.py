"""Cases written directly as they stand after their steps, for tests where a case is a
precondition and not the subject. The services (`cases.tests.helpers`,
`registry.tests.helpers.case_grant`) walk the same steps where the steps are what a test is
about; walking them costs a draft, six generated files, eligibility checks, notices and SMS
texts for every case."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from accounts.models import User
from cases.confirmation import questions_for
from cases.counters import counter_next
from cases.models import (
    ActorRole,
    Case,
    CaseAction,
    CaseEvent,
    CaseStatus,
    ConfirmationKind,
    ConfirmationStatus,
    EmployerConfirmation,
)
from cases.register import register_record_for
from cases.services import case_days_fill
from cases.tests.helpers import Personas, attach_required, form_data_of, item_of
from cases.transitions import transition_find
from catalog.registration_types import RegistrationType

# The usual path of a case: 保存并提交, 受理, 审查通过, 准予许可.
MAIN_PATH = (CaseAction.SUBMIT, CaseAction.ACCEPT, CaseAction.REVIEW, CaseAction.APPROVE)
# ... when enterprises with verified accounts confirm it online first (ADR 19): the answers are
# put in after SUBMIT_TO_EMPLOYER, one per enterprise asked.
CONFIRMED_PATH = (CaseAction.SUBMIT_TO_EMPLOYER, CaseAction.FORWARD, *MAIN_PATH[1:])
ANSWERS = {
    ConfirmationKind.EMPLOYMENT: (CaseAction.EMPLOYER_CONFIRM, ConfirmationStatus.CONFIRMED),
    ConfirmationKind.RELEASE: (CaseAction.RELEASE_AGREE, ConfirmationStatus.AGREED),
}


def case_build(
    testcase: Any,
    code: RegistrationType = RegistrationType.INITIAL,
    *,
    status: CaseStatus = CaseStatus.APPROVED,
    applicant: User | None = None,
    form_data: dict[str, Any] | None = None,
    files: bool = False,
) -> Case:
    """A case of the registration type `code` in `status` on the usual path, with the row,
    number and times the steps write and one event per step, by the applicant and the staff
    personas (`portal.test.BaseTestCase`); `form_data` defaults to `form_data_of`. With
    `files`, a file for every required material (the certificate draws the photo and the
    signature). An employer with a verified account confirms it online first, as it would
    (`cases.confirmation`). No notices or SMS, and no deadlines; nothing in the register
    changes (see `registry.tests.builders`)."""
    personas: Personas = testcase
    applicant = applicant or personas.applicant
    item = item_of(code)
    form = form_data if form_data is not None else form_data_of(testcase, code, applicant=applicant)
    typed_uscc = str(form.get("employer_uscc") or "").strip().upper()
    record = None if typed_uscc else register_record_for(applicant)
    case = Case.objects.create(
        applicant=applicant,
        applicant_name=applicant.name,
        department=item.matter.department,
        matter=item.matter,
        item=item,
        submit_method="online",
        form_data=form,
        employer_uscc=typed_uscc or (record.employer_uscc if record else ""),
    )
    if files:
        attach_required(testcase, case)
    actors = {
        ActorRole.APPLICANT: applicant,
        ActorRole.ACCEPTOR: testcase.acceptor,
        ActorRole.REVIEWER: testcase.reviewer,
        ActorRole.DECIDER: testcase.decider,
    }
    now, today = timezone.now(), timezone.localdate()
    questions = questions_for(case)
    steps: list[tuple[CaseAction, User | None]] = []
    for action in CONFIRMED_PATH if questions else MAIN_PATH:
        steps.append((action, None))
        if action == CaseAction.SUBMIT_TO_EMPLOYER:
            steps += [(ANSWERS[q.kind][0], q.enterprise.user) for q in questions]
    for action, enterprise_user in steps:
        if case.status == status:
            break
        transition = transition_find(status=case.status, action=action)
        assert transition is not None, f"{action} is not a step from {case.status}"
        role = ActorRole(transition.role)
        actor = enterprise_user if enterprise_user is not None else actors.get(role)
        CaseEvent.objects.create(
            case=case,
            action=action,
            from_status=case.status,
            to_status=transition.target,
            actor=actor,
            actor_role=transition.role,
            actor_name=actor.name if actor is not None else str(ActorRole.SYSTEM.label),
        )
        case.status = transition.target
        if action in (CaseAction.SUBMIT, CaseAction.SUBMIT_TO_EMPLOYER):
            case.number = f"LN{today:%Y%m%d}{counter_next(key=f'case-{today:%Y%m%d}'):05d}"
        if action in (CaseAction.SUBMIT, CaseAction.FORWARD):
            case.submitted_at = now
        if enterprise_user is not None:
            kind = next(k for k, (a, _) in ANSWERS.items() if a == action)
            question = next(q for q in questions if q.kind == kind)
            EmployerConfirmation.objects.create(
                case=case,
                kind=kind,
                uscc=question.enterprise.uscc,
                enterprise_name=question.enterprise.user.name,
                status=ANSWERS[kind][1],
                due=today,
                answered_at=now,
                answered_by=enterprise_user,
                answered_by_name=enterprise_user.name,
                agent_name=question.enterprise.agent_name,
            )
        elif action == CaseAction.ACCEPT:
            case.accepted_at = now
        elif action == CaseAction.REVIEW:
            case.reviewed_at = now
        elif action == CaseAction.APPROVE:
            case.decided_at = now
    case_days_fill(case=case)
    if case.status != status:
        raise ValueError(f"case_build makes cases on the path {CONFIRMED_PATH}, not in {status}")
    case.save()
    return case

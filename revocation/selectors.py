"""Reads of the proceedings, scoped: the department's case staff see their department's, the
holder their own; anyone else gets 404."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet
from django.db.models.functions import Upper
from django.http import Http404
from django.utils import timezone

from accounts.models import StaffRole, User
from cases.deadlines import Deadline, deadline_on, proceeding_decision_due_on
from commitments.models import RevocationProposal
from commitments.selectors import proposals_for_staff
from registry.models import Registration
from revocation.models import OPEN_STATUSES, Proceeding

# Who sees the proceedings on the workbench: who starts them (审查人员), who decides
# (科室负责人), and the 审批人员 who granted the registrations (ADR 27).
STAFF_ROLES = (StaffRole.REVIEWER, StaffRole.DECIDER, StaffRole.LEADER)


def sees_proceedings(user: User) -> bool:
    return user.works_on_cases and user.staff_role in STAFF_ROLES and user.department_id is not None


# `proceeding_list_for_staff(state=...)`: the running ones, or the ended ones.
RUNNING, ENDED = "running", "ended"


def proceeding_list_for_staff(*, user: User, state: str = RUNNING) -> QuerySet[Proceeding]:
    if not user.works_on_cases or user.department_id is None:
        return Proceeding.objects.none()
    found = Proceeding.objects.filter(case__department_id=user.department_id).select_related(
        "case", "registration", "started_by"
    )
    if state == ENDED:
        return found.exclude(case__status__in=OPEN_STATUSES).order_by("-case__decided_at", "-id")
    return found.filter(case__status__in=OPEN_STATUSES).order_by("statement_due", "id")


def proceeding_get_for_staff(*, user: User, case_pk: int) -> Proceeding:
    """By its case's id (the workbench links cases by theirs)."""
    if not user.works_on_cases or user.department_id is None:
        raise Http404("没有这个办件")
    try:
        return Proceeding.objects.select_related(
            "case__matter",
            "case__item",
            "case__department",
            "case__applicant",
            "registration__person",
            "proposal",
        ).get(case_id=case_pk, case__department_id=user.department_id)
    except Proceeding.DoesNotExist:
        raise Http404("没有这个办件") from None


def proceeding_get_for_holder(*, user: User, case_pk: int) -> Proceeding:
    try:
        return Proceeding.objects.select_related(
            "case__matter", "case__item", "case__department", "registration"
        ).get(case_id=case_pk, case__applicant=user)
    except Proceeding.DoesNotExist:
        raise Http404("没有这个办件") from None


def registration_for_staff(*, user: User, number: str) -> Registration | None:
    """A registration the user's department granted, by its 注册编号 (letters in any case)."""
    number = number.strip()
    if not number or not user.works_on_cases or user.department_id is None:
        return None
    return (
        Registration.objects.annotate(number_upper=Upper("number"))
        .filter(number_upper=number.upper(), created_by_case__department_id=user.department_id)
        .select_related("person")
        .first()
    )


def proposal_get_for_staff(*, user: User, pk: int) -> RevocationProposal:
    try:
        return proposals_for_staff(user=user).get(pk=pk)
    except RevocationProposal.DoesNotExist:
        raise Http404("没有这个撤销建议") from None


PROCEEDING_DECISION_LABEL = "决定期限"


STATEMENT_LABEL = "陈述申辩期限"


def proceeding_statement_deadline(proceeding: Proceeding, *, today: date) -> Deadline:
    """The 陈述申辩 period as it stands `today`: the holder's page, the staff page and the
    reminder before it ends read it."""
    return deadline_on(label=STATEMENT_LABEL, due=proceeding.statement_due, today=today)


def proceeding_decision_deadline(proceeding: Proceeding, *, today: date) -> Deadline:
    """The limit of the leader's decision (`cases.deadlines.proceeding_decision_due_on`), as it
    stands `today`: from the holder's answer, else from the end of the 陈述申辩 period. Read
    by the proceeding's page and by 督办 (`supervision`)."""
    stated_on = timezone.localdate(proceeding.stated_at) if proceeding.stated_at else None
    due = proceeding_decision_due_on(statement_due=proceeding.statement_due, stated_on=stated_on)
    return deadline_on(label=PROCEEDING_DECISION_LABEL, due=due, today=today)

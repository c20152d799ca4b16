"""Reads of the 核查 tasks and 撤销 proposals, scoped to the department's case staff: another
department's task does not exist (404)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import User
from cases.deadlines import Deadline, deadline_on
from cases.models import Case
from commitments.models import CheckStatus, CommitmentCheck, RevocationProposal
from commitments.transitions import is_open

# `check_list_for_staff(status=ALL)`: every task, whatever its status.
ALL = "all"


def check_list_for_staff(*, user: User, status: str = "") -> QuerySet[CommitmentCheck]:
    """The department's 核查 tasks; by default the open ones, the soonest due first."""
    if not user.works_on_cases or user.department_id is None:
        return CommitmentCheck.objects.none()
    found = CommitmentCheck.objects.filter(department_id=user.department_id).select_related(
        "commitment", "case__item", "case__matter", "registration", "closed_by"
    )
    wanted = status or CheckStatus.OPEN
    if wanted in CheckStatus.values:
        found = found.filter(status=wanted)
    if wanted == CheckStatus.OPEN:
        return found.order_by("due", "id")
    return found.order_by("-closed_at", "-id")


def check_get_for_staff(*, user: User, pk: int) -> CommitmentCheck:
    try:
        return check_list_for_staff(user=user, status=ALL).get(pk=pk)
    except CommitmentCheck.DoesNotExist:
        raise Http404("没有这个核查任务") from None


def check_counts(*, user: User, today: date) -> tuple[int, int]:
    """(open tasks, of which overdue) for the workbench's link."""
    open_checks = check_list_for_staff(user=user)
    return open_checks.count(), open_checks.filter(due__lt=today).count()


def check_deadline(check: CommitmentCheck, *, today: date) -> Deadline | None:
    """How an open task's 核查期限 stands today (None once closed)."""
    if not is_open(check.status):
        return None
    return deadline_on(label="核查期限", due=check.due, today=today)


@dataclass(frozen=True)
class CheckRow:
    check: CommitmentCheck
    deadline: Deadline | None


def check_rows(checks: QuerySet[CommitmentCheck] | list[CommitmentCheck], *, today: date) -> list[CheckRow]:
    return [CheckRow(check=c, deadline=check_deadline(c, today=today)) for c in checks]


def checks_for_case(case: Case) -> QuerySet[CommitmentCheck]:
    """The case's tasks, for its workbench page (the caller has read the case in scope)."""
    return CommitmentCheck.objects.filter(case=case).select_related("commitment", "closed_by")


def proposals_for_staff(*, user: User) -> QuerySet[RevocationProposal]:
    """The department's 撤销 proposals, newest first."""
    if not user.works_on_cases or user.department_id is None:
        return RevocationProposal.objects.none()
    return RevocationProposal.objects.filter(department_id=user.department_id).select_related(
        "case", "registration", "notice", "proposed_by", "check_task__commitment"
    )


def proposal_for_case(case: Case) -> RevocationProposal | None:
    return RevocationProposal.objects.filter(case=case).select_related("notice", "registration").first()

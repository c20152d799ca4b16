"""The staff's queues: their department's cases waiting for their role, soonest deadline first."""

from __future__ import annotations

from django.db.models import F, Q, QuerySet

from accounts.models import User
from cases.models import BEFORE_DEPARTMENT_STATUSES, Case, CaseStatus
from cases.transitions import ROLE_QUEUE

# `case_queue(status=ALL)`: every status but 草稿.
ALL = "all"


def queue_status_for(user: User) -> CaseStatus | None:
    return ROLE_QUEUE.get(user.staff_role)


def case_queue(*, user: User, status: str = "", query: str = "") -> QuerySet[Case]:
    """Cases of the user's department; by default the status their role works on. `query`
    matches the 办件编号 or the applicant's name."""
    if not user.works_on_cases or user.department_id is None:
        return Case.objects.none()
    cases = Case.objects.filter(department_id=user.department_id).exclude(
        status__in=BEFORE_DEPARTMENT_STATUSES
    )
    wanted = status or queue_status_for(user) or ""
    if wanted and wanted != ALL:
        cases = cases.filter(status=wanted)
    query = query.strip()
    if query:
        cases = cases.filter(Q(number__icontains=query) | Q(applicant_name__icontains=query))
    # Soonest deadline first: the 受理 deadline while waiting for 受理, the decision deadline after.
    due = "decision_due" if wanted in (CaseStatus.REVIEWING, CaseStatus.DECIDING) else "accept_due"
    return cases.select_related("matter", "item").order_by(F(due).asc(nulls_last=True), "submitted_at", "id")

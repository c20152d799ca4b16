"""The staff's queues: their department's cases waiting for their role, soonest deadline first."""

from __future__ import annotations

from django.db.models import Count, F, OrderBy, Q, QuerySet

from accounts.models import User
from cases.answers import department_counts_version
from cases.models import BEFORE_DEPARTMENT_STATUSES, FINISHED_STATUSES, Case, CaseStatus
from cases.transitions import ROLE_QUEUE
from lib.publiccache import answer_get, answer_set

# `case_queue(status=ALL)`: every status but 草稿; `FINISHED`: every 办结 status (and 已撤回),
# which no single status value names.
ALL = "all"
FINISHED = "finished"


def queue_status_for(user: User) -> CaseStatus | None:
    return ROLE_QUEUE.get(user.staff_role)


def case_queue(*, user: User, status: str = "", query: str = "") -> QuerySet[Case]:
    """Cases of the user's department; by default the status their role works on. `query`
    matches the 办件编号 or the applicant's name.

    Each tab's order is the order of an index of `Case` (issue 14): a page of 25 is read from
    it without sorting the department's cases. A status's tab: soonest deadline first (the 受理
    deadline while waiting for 受理, the decision deadline after); 已办结: the latest 办结
    first; 全部: the latest to arrive first."""
    if not user.works_on_cases or user.department_id is None:
        return Case.objects.none()
    # At the department: submitted to it (a case still with the employer, or withdrawn there,
    # never arrived), neither a draft nor waiting for the employer.
    cases = Case.objects.filter(department_id=user.department_id, submitted_at__isnull=False).exclude(
        status__in=BEFORE_DEPARTMENT_STATUSES
    )
    wanted = status or queue_status_for(user) or ""
    order: tuple[OrderBy | str, ...]
    if wanted == FINISHED:
        # Every 办结 case has its time; saying so lets the index skip the open ones.
        cases = cases.filter(status__in=FINISHED_STATUSES, decided_at__isnull=False)
        order = ("-decided_at", "-id")
    elif wanted and wanted != ALL:
        cases = cases.filter(status=wanted)
        due = "decision_due" if wanted in (CaseStatus.REVIEWING, CaseStatus.DECIDING) else "accept_due"
        order = (F(due).asc(nulls_last=True), "submitted_at", "id")
    else:
        order = ("-submitted_at", "-id")
    query = query.strip()
    if query:
        cases = cases.filter(Q(number__icontains=query) | Q(applicant_name__icontains=query))
    # The list shows no answers of the form: their decryption would cost more than the rows.
    return cases.select_related("matter", "item").defer("form_data").order_by(*order)


def queue_counts(*, user: User, query: str = "") -> dict[str, int]:
    """The number of cases under each tab of the queue (by status, `FINISHED` and `ALL`), of
    those `query` matches: one query, counted from the index that begins (department, status).
    Without a query, kept under the department's version (`cases.answers`), which every status
    change replaces: at 100,000 cases the count costs more than the rest of the page."""
    if not user.works_on_cases or user.department_id is None:
        return {}
    version = None if query.strip() else department_counts_version(department_id=user.department_id)
    key = f"queue-counts:{user.department_id}:{version}"
    if version is not None:
        kept = answer_get(key)
        if isinstance(kept, dict):
            return kept
    counts: dict[str, int] = dict(
        case_queue(user=user, status=ALL, query=query)
        .order_by()  # no ORDER BY columns in the GROUP BY
        .values("status")
        # COUNT(*), which needs no column: the narrow cases_case_counts_idx answers it alone.
        .annotate(n=Count("*"))
        .values_list("status", "n")
    )
    finished = sum(n for status, n in counts.items() if status in FINISHED_STATUSES)
    counts = {**counts, FINISHED: finished, ALL: sum(counts.values())}
    if version is not None:
        answer_set(key, counts)
    return counts

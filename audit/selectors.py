"""Scoped reads of the audit trail."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from audit.models import AuditEvent


def audit_accesses_to_person(*, subject_id: int) -> QuerySet[AuditEvent]:
    """What others (staff, administrators) did with the personal data of the account
    `subject_id`, newest first: the 「谁查看了我的信息」 list of 我的信息."""
    return (
        AuditEvent.objects.filter(subject_id=subject_id).exclude(actor_id=subject_id).order_by("-at", "-id")
    )


def audit_search(
    *,
    subject_ids: list[int] | None = None,
    actor_ids: list[int] | None = None,
    case_number: str = "",
    object_type: str = "",
    object_id: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
    action: str = "",
) -> QuerySet[AuditEvent]:
    """The 审计管理员's search, newest first. A list of ids that is given but empty (a person
    or staff member nobody matches) finds nothing, not everything. Rows about a 办件 carry its
    办件编号 at the start of their label (`audit_record`'s callers), which the search reads."""
    rows = AuditEvent.objects.all()
    if subject_ids is not None:
        rows = rows.filter(subject_id__in=subject_ids)
    if actor_ids is not None:
        rows = rows.filter(actor_id__in=actor_ids)
    if case_number:
        rows = rows.filter(object_label__startswith=case_number)
    if object_type:
        rows = rows.filter(object_type=object_type)
    if object_id:
        rows = rows.filter(object_id=object_id)
    if since is not None:
        rows = rows.filter(at__gte=since)
    if until is not None:
        rows = rows.filter(at__lt=until)
    if action:
        rows = rows.filter(action=action)
    return rows.order_by("-at", "-id")

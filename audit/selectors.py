"""Scoped reads of the audit trail."""

from __future__ import annotations

from django.db.models import QuerySet

from audit.models import AuditEvent


def audit_accesses_to_person(*, subject_id: int) -> QuerySet[AuditEvent]:
    """What others (staff, administrators) did with the personal data of the account
    `subject_id`, newest first: the 「谁查看了我的信息」 list of 我的信息."""
    return (
        AuditEvent.objects.filter(subject_id=subject_id).exclude(actor_id=subject_id).order_by("-at", "-id")
    )

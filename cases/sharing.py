"""What the province's 一网通办 办件 collection receives about a case: one record per status
change, written by `cases.services.case_transition` in the transaction of the change, in the
shape `exchange.contracts.CaseRecord` (docs/exchange.md 「办件归集」).

The collection counts and supervises 办件; it does not contact applicants, so the applicant
appears by kind and masked name only, with no ID number or mobile."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from accounts.models import User
from cases.deadlines import promised_workdays
from cases.models import FINISHED_STATUSES, Case, CaseAction, CaseEvent, CaseStatus
from exchange.contracts import CaseApplicant, CaseRecord, CaseRecordEvent, Channel, Organisation
from exchange.services import outbound_enqueue
from lib.masking import mask_name


def _moment(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value is not None else None


def case_record(*, case: Case, event: CaseEvent) -> CaseRecord:
    """The record of `event`, the change that has just moved `case` (its times stamped)."""
    applicant: User = case.applicant
    status = CaseStatus(case.status)
    return CaseRecord(
        case_number=case.number or "",
        matter_code=case.matter.code,
        matter_name=case.matter.name,
        item_name=case.item.name,
        department=Organisation(name=case.department.name, uscc=case.department.uscc),
        applicant=CaseApplicant(kind=applicant.kind, name=mask_name(case.applicant_name)),
        action=event.action,
        action_name=CaseAction(event.action).label,
        from_status=event.from_status,
        status=status.value,
        status_name=status.label,
        finished=status in FINISHED_STATUSES,
        occurred_at=timezone.localtime(event.created_at).isoformat(),
        submitted_at=_moment(case.submitted_at),
        accepted_at=_moment(case.accepted_at),
        finished_at=_moment(case.decided_at),
        promised_days=promised_workdays(case.item),
        legal_days=case.matter.legal_days,
    )


def case_record_enqueue(*, case: Case, event: CaseEvent) -> None:
    """Queue the record of `event` for the collection, in the caller's transaction. A draft
    withdrawn before it was ever submitted has no 办件编号 and never reached a department:
    it is no 办件, and nothing is sent."""
    if not case.number:
        return
    outbound_enqueue(
        channel=Channel.CASE,
        event=CaseRecordEvent.STATUS_CHANGED,
        subject=case.number,
        payload=case_record(case=case, event=event),
        occurred_at=event.created_at,
    )

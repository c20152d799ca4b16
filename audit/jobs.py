"""The audit trail's daily jobs, run by `manage.py run_periodic`: the chain is checked, and
rows past their retention are archived. Each takes the day it works for (the daily jobs'
common argument) and is safe to run again: a second check the same day does nothing, an
archive run with nothing due does nothing."""

from __future__ import annotations

import logging
from datetime import date

from django.db import transaction
from django.utils import timezone

from accounts.models import StaffRole, User, UserKind
from audit.models import AuditAction, AuditEvent, AuditResult
from audit.services import ArchiveError, audit_record, audit_rows_archive
from audit.verify import VerifyReport, table_verify
from notifications.services import inbox_message_create, sms_enqueue

logger = logging.getLogger(__name__)

DAILY_LABEL = "每日校验 {day}"


def audit_verify_run(*, label: str) -> VerifyReport:
    """Check the table's chain and write an AUDIT_VERIFY row with the outcome (the row joins
    the chain after the rows it checked). On a fault, every active 安全管理员 is alerted."""
    report = table_verify()
    if report.ok:
        logger.info("audit chain verified: %d rows", report.count)
    else:
        logger.error("audit chain broken: %s", report.fault)
    with transaction.atomic():
        if not report.ok:
            _security_alert(report)
        audit_record(
            action=AuditAction.AUDIT_VERIFY,
            label=label,
            result=AuditResult.SUCCESS if report.ok else AuditResult.FAILURE,
            detail={"条数": report.count, "结果": report.message()},
        )
    return report


def _security_alert(report: VerifyReport) -> None:
    # In-site message and SMS, queued in this transaction like every other notice.
    where = str(report.fault) if report.fault else ""
    time = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    officers = User.objects.filter(kind=UserKind.STAFF, staff_role=StaffRole.SECURITY, is_active=True)
    for officer in officers.order_by("pk"):
        inbox_message_create(
            user=officer,
            title="审计记录校验未通过",
            # No link: the trail's page is the 审计管理员's alone (三员分立); the officer works
            # from the database's own logs and `manage.py audit_verify`.
            body=f"{time} 的审计记录校验发现：{where}。请核查数据库访问记录，并按应急预案处置。",
        )
        if officer.mobile:
            fault_id = report.fault.row_id if report.fault else 0
            sms_enqueue(
                mobile=officer.mobile,
                template="audit_chain_broken",
                context={"time": time, "where": f"第 {fault_id} 条"},
                user=officer,
            )


def audit_verify_daily(*, today: date) -> int:
    """Once a day: check the chain (a second run the same day finds its row and stops).
    Returns how many rows were checked; a broken chain raises nothing, it alerts."""
    label = DAILY_LABEL.format(day=today.isoformat())
    if AuditEvent.objects.filter(action=AuditAction.AUDIT_VERIFY, object_label=label).exists():
        return 0
    return audit_verify_run(label=label).count


def audit_archive_daily(*, today: date) -> int:
    """Archive every row past AUDIT_RETENTION_DAYS, a file at a time; returns how many rows
    left the table."""
    moved = 0
    try:
        while (archive := audit_rows_archive()) is not None:
            moved += archive.count
    except ArchiveError:
        # Nothing was removed; retrying every round would rewrite the same file. The chain
        # check alerts the 安全管理员 if the rows themselves are at fault.
        logger.exception("audit archive refused")
    return moved

"""Scheduled jobs of cases, run once a day by `manage.py run_periodic`: safe to run again
the same day and on several hosts at once."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from cases.models import (
    Case,
    CaseAction,
    CaseEvent,
    CaseStatus,
    ConfirmationKind,
    ConfirmationStatus,
    CorrectionReminder,
    EmployerConfirmation,
)
from cases.services import release_silence_record
from notifications.services import inbox_message_create, sms_enqueue

logger = logging.getLogger(__name__)

# Calendar days, not working days: the reminder is a courtesy to the applicant, not a legal
# time limit (time waiting for 补正 does not count towards any), and "ten days" is what an
# applicant reads in it. Calendar days also need no holiday data for future years.
CORRECTION_REMINDER_DAYS = 10


def correction_reminders_send(*, today: date) -> int:
    """Remind the applicant, by SMS and in the inbox, of a case that has waited for 补正 for
    `CORRECTION_REMINDER_DAYS` days or more: once per 补正 request (the `CorrectionReminder`
    of the request event is unique). Returns how many reminders were made.

    A case resubmitted in the meantime gets nothing; asked for 补正 again later, its new
    request gets its own reminder in time."""
    # Requested on day D, reminded from day D + 10: the event's local date is on or before
    # `today - 10`, i.e. it happened before the start of the day after that.
    cutoff = timezone.make_aware(
        datetime.combine(today - timedelta(days=CORRECTION_REMINDER_DAYS - 1), time.min)
    )
    latest_request = (
        CaseEvent.objects.filter(case=OuterRef("case"), action=CaseAction.REQUEST_CORRECTION)
        .order_by("-created_at", "-id")
        .values("id")[:1]
    )
    # The case's latest request is the one it waits on; earlier rounds were answered.
    events = list(
        CaseEvent.objects.filter(
            case__status=CaseStatus.CORRECTION,
            action=CaseAction.REQUEST_CORRECTION,
            created_at__lt=cutoff,
            pk=Subquery(latest_request),
        )
        .exclude(Exists(CorrectionReminder.objects.filter(event=OuterRef("pk"))))
        .order_by("pk")
        .values_list("pk", "case_id")
    )
    made = 0
    for event_pk, case_pk in events:
        with transaction.atomic():
            # The applicant's resubmission locks the case too: under the lock, either the
            # case still waits for this request or it has moved on and needs no reminder.
            # No select_related: on PostgreSQL it would lock the joined matter and item rows too.
            case = Case.objects.select_for_update().get(pk=case_pk)
            if case.status != CaseStatus.CORRECTION:
                continue
            event = CaseEvent.objects.get(pk=event_pk)
            # The one-to-one key decides which host sends when two run at once.
            try:
                with transaction.atomic():
                    CorrectionReminder.objects.create(event=event)
            except IntegrityError:
                continue
            _correction_notify(case=case, since=timezone.localdate(event.created_at))
            made += 1
    if made:
        logger.info("queued %d 补正 reminder(s) for %s", made, today.isoformat())
    return made


def _correction_notify(*, case: Case, since: date) -> None:
    applicant: User = case.applicant
    context: dict[str, object] = {
        "matter": case.matter.name,
        "item": case.item.name,
        "number": case.number,
        "since": f"{since:%Y年%m月%d日}",
    }
    if applicant.mobile:
        sms_enqueue(mobile=applicant.mobile, template="correction_waiting", context=context, user=applicant)
    inbox_message_create(
        user=applicant,
        title="申请材料等待补正",
        body=f"{case.matter.name}（{case.item.name}），办件编号{case.number}：自{context['since']}起等待补正材料，"
        "请在“我的办件”中点击“补正材料”，按补正告知书补齐后重新提交。",
        link=reverse("cases:detail", args=[case.pk]),
    )


def release_silences_record(*, today: date) -> int:
    """解聘确认 left unanswered past their last day: each recorded as agreement, and the case
    handed to the department when nothing else waits (`services.release_silence_record`, which
    checks again under the case's lock: safe to run again and on several hosts at once)."""
    waiting = EmployerConfirmation.objects.overdue(kind=ConfirmationKind.RELEASE, today=today).order_by("pk")
    made = sum(release_silence_record(confirmation=row, today=today) for row in waiting)
    if made:
        logger.info("recorded %d 解聘确认 silence(s) as agreement for %s", made, today.isoformat())
    return made


def confirmations_overdue_notify(*, today: date) -> int:
    """Tell the applicant, by SMS and in the inbox, that the employer has let its 单位确认 run
    past its time and that they may switch to paper: once per question (the conditional
    update decides which host tells)."""
    overdue = (
        EmployerConfirmation.objects.overdue(kind=ConfirmationKind.EMPLOYMENT, today=today)
        .filter(overdue_notified_at__isnull=True)
        .order_by("pk")
    )
    made = 0
    for confirmation in overdue.select_related("case__matter", "case__item", "case__applicant"):
        with transaction.atomic():
            claimed = EmployerConfirmation.objects.filter(
                pk=confirmation.pk, status=ConfirmationStatus.WAITING, overdue_notified_at__isnull=True
            ).update(overdue_notified_at=timezone.now())
            if claimed != 1:
                continue
            _overdue_notify(confirmation=confirmation)
            made += 1
    if made:
        logger.info("told %d applicant(s) of an overdue 单位确认 for %s", made, today.isoformat())
    return made


def _overdue_notify(*, confirmation: EmployerConfirmation) -> None:
    case = confirmation.case
    applicant: User = case.applicant
    since = timezone.localdate(confirmation.requested_at)
    context: dict[str, object] = {
        "matter": case.matter.name,
        "item": case.item.name,
        "number": case.number,
        "enterprise": confirmation.enterprise_name,
        "since": f"{since:%Y年%m月%d日}",
        "days": case.matter.employer_confirm_days,
    }
    if applicant.mobile:
        sms_enqueue(mobile=applicant.mobile, template="confirmation_overdue", context=context, user=applicant)
    inbox_message_create(
        user=applicant,
        title="聘用单位逾期未确认",
        body=f"{case.matter.name}（{case.item.name}），办件编号{case.number}：{confirmation.enterprise_name}"
        f"自{context['since']}起超过{context['days']}个工作日未在线确认。您可继续等待，或在办件详情中点击“改为纸质确认”，"
        "上传经单位负责人签字并加盖企业公章的申请表后提交。",
        link=reverse("cases:detail", args=[case.pk]),
    )

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
from cases.models import Case, CaseAction, CaseEvent, CaseStatus, CorrectionReminder
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

"""Scheduled jobs of ratings, run once a day by `manage.py run_periodic`: safe to run again
the same day and on several hosts at once."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import StaffRole
from accounts.selectors import department_staff
from notifications.services import inbox_message_create, sms_enqueue
from ratings.models import Rectification
from ratings.transitions import OPEN_RECTIFICATION_STATUSES

logger = logging.getLogger(__name__)


def rectifications_escalate(*, today: date) -> int:
    """督办: a rectification still open after its due day is escalated once to the
    department's 审批人员 (站内消息 and SMS). The conditional UPDATE on `escalated_at` is the
    claim, so a second run the same day, or a second host, escalates nothing again."""
    overdue = list(
        Rectification.objects.filter(
            status__in=OPEN_RECTIFICATION_STATUSES,
            due__lt=today,
            escalated_at__isnull=True,
        )
        .order_by("due", "id")
        .values_list("pk", flat=True)
    )
    made = 0
    for pk in overdue:
        with transaction.atomic():
            # Still open and not yet escalated, under the claim: a task closed a moment ago, or
            # escalated by another host, is left alone.
            claimed = Rectification.objects.filter(
                pk=pk, status__in=OPEN_RECTIFICATION_STATUSES, escalated_at__isnull=True
            ).update(escalated_at=timezone.now())
            if claimed != 1:
                continue
            rectification = Rectification.objects.select_related("rating__case__matter").get(pk=pk)
            _escalation_notify(rectification=rectification)
            made += 1
    if made:
        logger.info("escalated %d overdue rectification(s) on %s", made, today.isoformat())
    return made


def _escalation_notify(*, rectification: Rectification) -> None:
    case = rectification.rating.case
    context: dict[str, Any] = {
        "number": case.number,
        "matter": case.matter.name,
        "due": f"{rectification.due:%Y年%m月%d日}",
    }
    for leader in department_staff(department_id=case.department_id, role=StaffRole.DECIDER):
        if leader.mobile:
            sms_enqueue(mobile=leader.mobile, template="rectification_overdue", context=context, user=leader)
        inbox_message_create(
            user=leader,
            title="差评整改已超期，请督办",
            body=f"办件{case.number}（{case.matter.name}）的差评整改期限为{context['due']}，至今未办结。",
            link=reverse("ratings:rectification", args=[rectification.pk]),
        )

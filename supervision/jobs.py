"""Scheduled jobs of 督办, run once a day by `manage.py run_periodic`: safe to run again the
same day and on several hosts at once (the unique `DeadlineAlert` key and the case's row lock
decide who acts)."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.models import StaffRole, User
from cases.deadlines import (
    DECISION_STATUSES,
    AlertStage,
    Deadline,
    alert_stage,
    alert_window_end,
    case_deadline,
)
from cases.models import Case
from lib.errors import ApplicationError
from notifications.services import inbox_message_create, sms_enqueue
from supervision.models import AlertKind, ClockPause, DeadlineAlert
from supervision.selectors import cases_near_due, department_staff, handler_role, step_of
from supervision.services import pause_end

logger = logging.getLogger(__name__)

ALERT_KINDS = {AlertStage.REMIND: AlertKind.REMINDER, AlertStage.ESCALATE: AlertKind.ESCALATION}


def pauses_end(*, today: date) -> int:
    """特别程序 whose stated working days have all passed: the clock runs again and the due
    day moves (`services.pause_end`, which checks again under the case's lock). Runs before
    `deadline_alerts_send`, so that the alerts see the moved due days."""
    case_ids = list(
        ClockPause.objects.filter(
            ended_on__isnull=True, ends_on__lt=today, case__status__in=DECISION_STATUSES
        )
        .order_by("pk")
        .values_list("case_id", flat=True)
    )
    made = 0
    for case_id in case_ids:
        try:
            pause_end(case=Case.objects.get(pk=case_id), actor=None, today=today)
        except ApplicationError:
            continue  # ended by hand or by another host meanwhile
        made += 1
    if made:
        logger.info("ended %d 特别程序 whose time had passed, on %s", made, today.isoformat())
    return made


def deadline_alerts_send(*, today: date) -> int:
    """督办: remind the handlers of a step whose limit ends within `REMIND_WORKDAYS`, and on
    its last day (or later) escalate it: the handlers and the department's 科室负责人 are told,
    and the case is on his 督办 list. Once per case, step, kind and due day (the unique
    `DeadlineAlert` is the claim); a due day moved by 补正, 延期 or a 特别程序 is reminded
    again. A paused clock or an ended case gets nothing. Returns how many alerts were made."""
    candidates = list(
        cases_near_due(within=alert_window_end(today=today)).order_by("pk").values_list("pk", flat=True)
    )
    made = 0
    for pk in candidates:
        with transaction.atomic():
            # Under the lock the case is what the staff's steps left it: accepted a moment ago,
            # it is judged by its new limit (or none), not by the scan.
            # No select_related: on PostgreSQL it would lock the joined rows too.
            case = Case.objects.select_for_update().get(pk=pk)
            deadline = case_deadline(case, today=today)
            stage = alert_stage(deadline, today=today)
            if deadline is None or deadline.due is None or stage is None:
                continue
            step = step_of(case)
            try:
                with transaction.atomic():
                    DeadlineAlert.objects.create(
                        case=case, step=step, kind=ALERT_KINDS[stage], due=deadline.due
                    )
            except IntegrityError:
                continue
            _alert_notify(case=case, deadline=deadline, stage=stage)
            made += 1
    if made:
        logger.info("queued %d deadline reminder(s)/escalation(s) for %s", made, today.isoformat())
    return made


def _alert_notify(*, case: Case, deadline: Deadline, stage: AlertStage) -> None:
    assert deadline.due is not None
    step = step_of(case).label
    role = handler_role(case.status)
    recipients: list[User] = department_staff(department_id=case.department_id, role=role) if role else []
    context: dict[str, Any] = {
        "number": case.number,
        "matter": case.matter.name,
        "step": step,
        "due": f"{deadline.due:%Y年%m月%d日}",
        "badge": deadline.badge,
    }
    stands = (
        f"办件{case.number}（{case.matter.name}，{case.applicant_name}）的{step}期限为{context['due']}，"
        f"{deadline.badge}"
    )
    if stage == AlertStage.ESCALATE:
        recipients += department_staff(department_id=case.department_id, role=StaffRole.LEADER)
        template, title = "deadline_escalated", f"办件{step}期限已到，已列入督办"
        body = f"{stands}，已列入科室负责人督办，请尽快办理。"
    else:
        template, title = "deadline_reminder", f"办件{step}期限即将届满"
        body = f"{stands}，请及时办理。"
    for user in recipients:
        if user.mobile:
            sms_enqueue(mobile=user.mobile, template=template, context=context, user=user)
        inbox_message_create(user=user, title=title, body=body, link=reverse("review:case", args=[case.pk]))

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
from accounts.selectors import department_staff
from cases.deadlines import (
    DECISION_STATUSES,
    AlertStage,
    Deadline,
    alert_stage,
    alert_window_end,
    case_deadline,
    statement_stage,
)
from cases.models import Case, CaseStatus
from lib.errors import ApplicationError
from notifications.services import person_notify
from revocation.models import OPEN_STATUSES, Proceeding
from revocation.selectors import proceeding_decision_deadline, proceeding_statement_deadline
from revocation.services import ACT_VERBS
from supervision.models import AlertKind, ClockPause, DeadlineAlert, DeadlineStep
from supervision.selectors import (
    PROCEEDING_DECISION_STEP,
    cases_near_due,
    handler_role,
    proceedings_open,
    step_of,
)
from supervision.services import pause_end

logger = logging.getLogger(__name__)

ALERT_KINDS = {
    AlertStage.REMIND: AlertKind.REMINDER,
    AlertStage.ESCALATE: AlertKind.ESCALATION,
    AlertStage.LAPSED: AlertKind.LAPSED,
}


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
    again. A paused clock or an ended case gets nothing. The running proceedings are watched
    alike (`_proceeding_alerts`). Returns how many alerts were made."""
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
            if not _claim(case=case, step=step_of(case), stage=stage, due=deadline.due):
                continue
            _alert_notify(case=case, deadline=deadline, stage=stage)
            made += 1
    made += _proceeding_alerts(today=today)
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
        person_notify(
            user=user,
            template=template,
            context=context,
            title=title,
            body=body,
            link=reverse("review:case", args=[case.pk]),
        )


def _claim(*, case: Case, step: DeadlineStep, stage: AlertStage, due: date) -> bool:
    """Insert the alert's row: true for the one caller that made it (the others send nothing)."""
    try:
        with transaction.atomic():
            DeadlineAlert.objects.create(case=case, step=step, kind=ALERT_KINDS[stage], due=due)
    except IntegrityError:
        return False
    return True


def _proceeding_alerts(*, today: date) -> int:
    """撤销注册 and 强制注销 (ADR 27), once each as the applications' limits are: the holder is
    reminded of the 陈述申辩 period in its last `REMIND_WORKDAYS`; once it ended unanswered,
    the department's 科室负责人 is told the proceeding may be decided; and the decision's limit
    (`cases.deadlines.proceeding_decision_due_on`) is reminded and escalated to him, who
    decides. An answer ends the chasing of the holder."""
    case_ids = list(proceedings_open().order_by("pk").values_list("case_id", flat=True))
    made = 0
    for case_id in case_ids:
        with transaction.atomic():
            case = Case.objects.select_for_update().get(pk=case_id)
            if case.status not in OPEN_STATUSES:
                continue  # decided meanwhile
            proceeding = Proceeding.objects.select_related("registration").get(case=case)
            if case.status == CaseStatus.STATEMENT:
                stage = statement_stage(due=proceeding.statement_due, today=today)
                if stage is not None and _claim(
                    case=case, step=DeadlineStep.STATEMENT, stage=stage, due=proceeding.statement_due
                ):
                    if stage == AlertStage.REMIND:
                        _statement_remind(proceeding=proceeding, today=today)
                    else:
                        _statement_lapsed(proceeding=proceeding)
                    made += 1
            deadline = proceeding_decision_deadline(proceeding, today=today)
            stage = alert_stage(deadline, today=today)
            if (
                stage is not None
                and deadline.due is not None
                and _claim(case=case, step=DeadlineStep.DECISION, stage=stage, due=deadline.due)
            ):
                _proceeding_decision_notify(proceeding=proceeding, deadline=deadline, stage=stage)
                made += 1
    return made


def _statement_remind(*, proceeding: Proceeding, today: date) -> None:
    case = proceeding.case
    holder: User = case.applicant
    verb = ACT_VERBS[proceeding.kind_enum]
    deadline = proceeding_statement_deadline(proceeding, today=today)
    due = f"{proceeding.statement_due:%Y年%m月%d日}"
    person_notify(
        user=holder,
        template="statement_reminder",
        context={
            "act": verb,
            "registration_number": proceeding.registration.number,
            "number": case.number,
            "due": due,
            "badge": deadline.badge,
        },
        title="陈述申辩期限即将届满",
        body=f"我厅拟依法{verb}您的二级建造师注册（注册编号{proceeding.registration.number}，"
        f"办件编号{case.number}），陈述申辩期限为{due}，{deadline.badge}。如需陈述、申辩，请在期限内在线提交；"
        "期限届满未提出的，视为放弃陈述、申辩。",
        link=reverse("revocation:mine", args=[case.pk]),
    )


def _statement_lapsed(*, proceeding: Proceeding) -> None:
    case = proceeding.case
    for leader in department_staff(department_id=case.department_id, role=StaffRole.LEADER):
        context = {
            "kind": proceeding.get_kind_display(),
            "number": case.number,
            "due": f"{proceeding.statement_due:%Y年%m月%d日}",
        }
        person_notify(
            user=leader,
            template="statement_lapsed",
            context=context,
            title="陈述申辩期已满，待决定",
            body=f"{context['kind']}程序（办件编号{case.number}，{case.applicant_name}）的陈述申辩期限"
            f"{context['due']}已届满，持证人未陈述申辩，可以作出决定。",
            link=reverse("revocation:case", args=[case.pk]),
        )


def _proceeding_decision_notify(*, proceeding: Proceeding, deadline: Deadline, stage: AlertStage) -> None:
    """The leader decides a proceeding: he is the handler reminded and the leader escalated to."""
    assert deadline.due is not None
    case = proceeding.case
    context: dict[str, Any] = {
        "number": case.number,
        "matter": proceeding.get_kind_display(),
        "step": PROCEEDING_DECISION_STEP,
        "due": f"{deadline.due:%Y年%m月%d日}",
        "badge": deadline.badge,
    }
    stands = (
        f"{context['matter']}程序（办件编号{case.number}，{case.applicant_name}）的决定期限为"
        f"{context['due']}，{deadline.badge}"
    )
    if stage == AlertStage.ESCALATE:
        template, title = "deadline_escalated", "程序决定期限已到，已列入督办"
        body = f"{stands}，已列入督办，请尽快作出决定。"
    else:
        template, title = "deadline_reminder", "程序决定期限即将届满"
        body = f"{stands}，请及时作出决定。"
    for leader in department_staff(department_id=case.department_id, role=StaffRole.LEADER):
        person_notify(
            user=leader,
            template=template,
            context=context,
            title=title,
            body=body,
            link=reverse("revocation:case", args=[case.pk]),
        )

"""Writes of 督办 (ADR 25): a handler's request to extend the decision period and the
科室负责人's answer (《行政许可法》 Art 42), and the 特别程序 that stop the decision clock
(Art 45). Each is one transaction: the case's event through `cases.services.case_transition`
(same-status steps of the table), the due day (`cases.deadlines`), the notice, and the SMS
and 站内消息 queued with it."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import StaffRole, User
from accounts.selectors import department_staff
from cases.deadlines import (
    DECISION_STATUSES,
    EXTENSION_WORKDAYS,
    extended_due_on,
    pause_ends_on,
    paused_workdays,
    resumed_due_on,
)
from cases.models import Case, CaseAction, NoticeKind, PauseKind
from cases.notices import notice_text
from cases.services import case_transition, notice_issue
from lib.errors import ApplicationError
from notifications.services import inbox_message_create, person_notify
from supervision.models import EXTENSION_TAKEN, ClockPause, Extension, ExtensionStatus
from supervision.selectors import is_handler, is_leader
from supervision.transitions import extension_may

# A 特别程序 longer than this is a typing error, not a hearing (the page says so).
PAUSE_MAX_WORKDAYS = 60
ALREADY_EXTENDED = "该办件已申请过延期（办结期限只能延长一次）"


def _day(value: date) -> str:
    return f"{value:%Y年%m月%d日}"


def _applicant_notify(*, case: Case, template: str, title: str, body: str, context: dict[str, Any]) -> None:
    person_notify(
        user=case.applicant,
        template=template,
        context={"matter": case.matter.name, "item": case.item.name, "number": case.number, **context},
        title=title,
        body=f"{case.matter.name}（{case.item.name}），办件编号{case.number}：{body}",
        link=reverse("cases:detail", args=[case.pk]),
    )


# --- 延期 ------------------------------------------------------------------------------------


def extension_request(*, case: Case, actor: User, reason: str) -> Extension:
    """The handler of the case's decision step asks the 科室负责人 to extend the decision
    period by `EXTENSION_WORKDAYS`; the leaders of the department are told in their inbox.
    Refused when the case has had its extension, or has one waiting."""
    reason = reason.strip()
    if not reason:
        raise ApplicationError("请填写延期理由")
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.status not in DECISION_STATUSES or locked.decision_due is None:
            raise ApplicationError("只有审查中或待决定的办件可以申请延期")
        if not is_handler(user=actor, case=locked):
            raise ApplicationError("只有当前环节的办理人员可以申请延期")
        if locked.extensions.filter(status__in=EXTENSION_TAKEN).exists():
            raise ApplicationError(ALREADY_EXTENDED)
        try:
            # The partial unique key is the last word when two handlers ask at once.
            with transaction.atomic():
                extension = Extension.objects.create(
                    case=locked,
                    reason=reason,
                    due_before=locked.decision_due,
                    requested_by=actor,
                    requested_by_name=actor.name,
                )
        except IntegrityError:
            raise ApplicationError(ALREADY_EXTENDED) from None
        for leader in department_staff(department_id=locked.department_id, role=StaffRole.LEADER):
            inbox_message_create(
                user=leader,
                title="延期申请待审批",
                body=f"{actor.get_staff_role_display()}{actor.name}申请将办件{locked.number}（{locked.matter.name}）的"
                f"办结期限（{_day(locked.decision_due)}）延长{EXTENSION_WORKDAYS}个工作日。理由：{reason}",
                link=reverse("supervision:board"),
            )
    return extension


def extension_decide(*, extension: Extension, leader: User, approve: bool, opinion: str = "") -> Extension:
    """The 科室负责人 grants or refuses an extension request of his department. Granted: the
    case's 延期 event (with the new due day, on the applicant's timeline too), `decision_due`
    moved by `EXTENSION_WORKDAYS`, a 延期告知书, SMS and 站内消息 to the applicant. Either
    way the handler who asked is told."""
    opinion = opinion.strip()
    target = ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED
    if not approve and not opinion:
        raise ApplicationError("不予批准的，请填写审批意见")
    with transaction.atomic():
        row = Extension.objects.select_for_update().get(pk=extension.pk)
        if not extension_may(source=row.status, target=target):
            raise ApplicationError(f"该延期申请已{row.get_status_display()}，不能再次审批")
        case = Case.objects.select_for_update().select_related("matter", "item").get(pk=row.case_id)
        if not is_leader(leader) or leader.department_id != case.department_id:
            raise ApplicationError("只有本科室负责人可以审批延期申请")
        if approve:
            if case.decision_due is None:
                raise ApplicationError("该办件没有正在计算的办结期限，不能延期")
            before = case.decision_due
            new_due = extended_due_on(due=before)
            words = f"延期理由：{row.reason}。办结期限由{_day(before)}延长至{_day(new_due)}"
            case, event = case_transition(
                case=case,
                action=CaseAction.EXTEND,
                actor=leader,
                opinion=f"{words}。{opinion}" if opinion else words,
                data={"due_before": before.isoformat(), "new_due": new_due.isoformat(), "extension": row.pk},
            )
            case.decision_due = new_due
            case.save(update_fields=["decision_due", "updated_at"])
            notice_issue(
                case=case,
                kind=NoticeKind.EXTENSION,
                event=event,
                data={
                    **notice_text(
                        NoticeKind.EXTENSION,
                        matter=case.matter.name,
                        item=case.item.name,
                        accepted_at=case.accepted_at,
                        reason=row.reason,
                        days=EXTENSION_WORKDAYS,
                        due_before=before,
                        new_due=new_due,
                    )
                },
            )
            _applicant_notify(
                case=case,
                template="case_extended",
                title="办理期限已延长",
                body=f"经本机关负责人批准，办理期限延长{EXTENSION_WORKDAYS}个工作日，预计{_day(new_due)}前办结。"
                f"理由：{row.reason}",
                context={"days": EXTENSION_WORKDAYS, "due": _day(new_due)},
            )
            row.new_due = new_due
        row.status = target
        row.decided_by = leader
        row.decided_by_name = leader.name
        row.decided_at = timezone.now()
        row.opinion = opinion
        row.save(
            update_fields=["status", "decided_by", "decided_by_name", "decided_at", "opinion", "new_due"]
        )
        requester: User = row.requested_by
        outcome = (
            f"已批准，办结期限延长至{_day(row.new_due)}" if row.new_due else f"未获批准。意见：{opinion}"
        )
        inbox_message_create(
            user=requester,
            title="延期申请已审批",
            body=f"办件{case.number}的延期申请{outcome}",
            link=reverse("review:case", args=[case.pk]),
        )
    return row


# --- 特别程序 ----------------------------------------------------------------------------------


def pause_start(
    *, case: Case, actor: User, kind: str, reason: str, workdays: int, today: date | None = None
) -> ClockPause:
    """The handler records a 特别程序 (专家评审, 听证, 检验检测) of `workdays` working days: the
    decision clock stops from today (`cases.deadlines.case_deadline` shows it), and the
    applicant gets a 特别程序告知书 stating how long, by SMS and 站内消息 too."""
    reason = reason.strip()
    if kind not in PauseKind.values:
        raise ApplicationError("请选择特别程序的种类")
    if not reason:
        raise ApplicationError("请填写特别程序的事由")
    if not 1 <= workdays <= PAUSE_MAX_WORKDAYS:
        raise ApplicationError(f"所需时间应为1至{PAUSE_MAX_WORKDAYS}个工作日")
    today = today or timezone.localdate()
    label = PauseKind(kind).label
    with transaction.atomic():
        locked = Case.objects.select_for_update().select_related("matter", "item").get(pk=case.pk)
        if locked.clock_paused:
            raise ApplicationError("该办件正在特别程序中，已暂停计时")
        ends_on = pause_ends_on(paused_on=today, days=workdays)
        locked, event = case_transition(
            case=locked,
            action=CaseAction.PAUSE,
            actor=actor,
            opinion=f"{label}：{reason}。所需时间{workdays}个工作日（预计至{_day(ends_on)}），期间暂停计时",
            data={"kind": kind, "workdays": workdays, "ends_on": ends_on.isoformat()},
        )
        locked.clock_paused = kind
        locked.save(update_fields=["clock_paused", "updated_at"])
        pause = ClockPause.objects.create(
            case=locked,
            kind=kind,
            reason=reason,
            workdays=workdays,
            started_on=today,
            ends_on=ends_on,
            started_by=actor,
            started_by_name=actor.name,
        )
        notice_issue(
            case=locked,
            kind=NoticeKind.PAUSE,
            event=event,
            data={
                **notice_text(
                    NoticeKind.PAUSE,
                    matter=locked.matter.name,
                    item=locked.item.name,
                    procedure=label,
                    reason=reason,
                    days=workdays,
                    started_on=today,
                    ends_on=ends_on,
                )
            },
        )
        _applicant_notify(
            case=locked,
            template="case_paused",
            title=f"需进行{label}，暂停计时",
            body=f"需进行{label}，所需时间{workdays}个工作日（预计至{_day(ends_on)}），该期间不计入办理期限。"
            f"事由：{reason}",
            context={"kind": label, "days": workdays, "until": _day(ends_on)},
        )
    return pause


def pause_end(*, case: Case, actor: User | None, today: date | None = None) -> ClockPause:
    """End the case's 特别程序: by its handler (`actor`), or by the daily job (`actor` None)
    once the stated days have passed. The decision's due day moves by the working days the
    clock stood (at most those stated); the applicant is told the new day."""
    today = today or timezone.localdate()
    with transaction.atomic():
        locked = Case.objects.select_for_update().select_related("matter", "item").get(pk=case.pk)
        pause = ClockPause.objects.select_for_update().filter(case=locked, ended_on__isnull=True).first()
        if pause is None or not locked.clock_paused:
            raise ApplicationError("该办件没有正在进行的特别程序")
        stood = paused_workdays(paused_on=pause.started_on, ends_on=pause.ends_on, resumed_on=today)
        before = locked.decision_due
        new_due = resumed_due_on(due=before, paused=stood) if before else None
        label = pause.get_kind_display()
        moved = f"，办结期限顺延至{_day(new_due)}" if new_due else ""
        locked, _ = case_transition(
            case=locked,
            action=CaseAction.RESUME if actor is not None else CaseAction.RESUME_DUE,
            actor=actor,
            opinion=f"{label}结束，恢复计时。暂停计时{stood}个工作日{moved}",
            data={
                "kind": pause.kind,
                "paused_workdays": stood,
                "new_due": new_due.isoformat() if new_due else "",
            },
        )
        locked.clock_paused = ""
        locked.decision_due = new_due
        locked.save(update_fields=["clock_paused", "decision_due", "updated_at"])
        pause.ended_on = today
        pause.ended_by_name = actor.name if actor is not None else "系统（期满自动恢复）"
        pause.paused_workdays = stood
        pause.save(update_fields=["ended_on", "ended_by_name", "paused_workdays"])
        if new_due:
            _applicant_notify(
                case=locked,
                template="case_resumed",
                title=f"{label}已结束，恢复计时",
                body=f"{label}已结束，恢复计时，预计{_day(new_due)}前办结。",
                context={"kind": label, "due": _day(new_due)},
            )
    return pause

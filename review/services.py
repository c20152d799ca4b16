"""The staff's decisions on a case. Each is one transaction: the status change with its times
and its record for the 办件 collection (through `cases.services.case_transition`), the
deadlines, the notice, the register when granted, and the SMS and in-site message queued with
it: all or nothing."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from cases.deadlines import decision_due_on, promised_workdays
from cases.models import Case, CaseAction, CaseEvent, NoticeKind
from cases.notices import notice_text
from cases.services import case_transition, notice_issue
from certificates.services import certificate_follow_register
from commitments.services import commitment_checks_open
from lib.errors import ApplicationError
from notifications.services import person_notify
from ratings.selectors import rate_url
from registry.selectors import name_mismatch
from registry.services import RegistryError, registration_apply_effect

REMEDIES = True


@dataclass(frozen=True)
class CorrectionItem:
    material_code: str
    reason: str


def _names(case: Case) -> dict[str, object]:
    """What every notice names: the matter and the 办理项 applied for."""
    return {"matter": case.matter.name, "item": case.item.name}


def _notify(*, case: Case, template: str, title: str, extra: dict[str, object] | None = None) -> None:
    context: dict[str, object] = {
        "matter": case.matter.name,
        "item": case.item.name,
        "number": case.number,
        "promised_days": promised_workdays(case.item),
        **(extra or {}),
    }
    person_notify(
        user=case.applicant,
        template=template,
        context=context,
        title=title,
        body=f"{case.matter.name}（{case.item.name}），办件编号{case.number}：{title}。",
        link=reverse("cases:detail", args=[case.pk]),
    )


def case_accept(*, case: Case, actor: User, opinion: str = "") -> Case:
    """受理: the decision clock (承诺时限, working days) starts today."""
    with transaction.atomic():
        case, event = case_transition(case=case, action=CaseAction.ACCEPT, actor=actor, opinion=opinion)
        today = timezone.localdate()
        case.decision_due = decision_due_on(accepted_on=today, promised_days=promised_workdays(case.item))
        case.save(update_fields=["decision_due", "updated_at"])
        notice_issue(
            case=case,
            kind=NoticeKind.ACCEPTANCE,
            event=event,
            data={
                **notice_text(
                    NoticeKind.ACCEPTANCE,
                    **_names(case),
                    submitted_at=case.submitted_at,
                    promised_days=promised_workdays(case.item),
                    legal_days=case.matter.legal_days,
                    decision_due=case.decision_due,
                )
            },
        )
        _notify(
            case=case,
            template="case_accepted",
            title="申请已受理",
            extra={"due": f"{case.decision_due:%Y年%m月%d日}"},
        )
        return case


def case_request_correction(
    *, case: Case, actor: User, items: list[CorrectionItem], opinion: str = ""
) -> Case:
    """一次性告知补正: every missing or faulty material with its reason, in one notice. The 受理
    clock stops until the applicant submits again."""
    if not items:
        raise ApplicationError("请至少选择一项需要补正的材料，并说明原因")
    if any(not i.reason.strip() for i in items):
        raise ApplicationError("请为每一项需要补正的材料填写原因")
    names = {m.code: m.name for m in case.item.materials.all()}
    if any(i.material_code not in names for i in items):
        raise ApplicationError("补正材料不属于本办件")
    listed = [
        {"code": i.material_code, "name": names[i.material_code], "reason": i.reason.strip()} for i in items
    ]
    with transaction.atomic():
        case, event = case_transition(
            case=case,
            action=CaseAction.REQUEST_CORRECTION,
            actor=actor,
            opinion=opinion,
            data={"items": listed},
        )
        case.accept_due = None
        case.save(update_fields=["accept_due", "updated_at"])
        notice_issue(
            case=case,
            kind=NoticeKind.CORRECTION,
            event=event,
            data={
                **notice_text(NoticeKind.CORRECTION, **_names(case)),
                "items": [{"name": i["name"], "reason": i["reason"]} for i in listed],
            },
        )
        _notify(case=case, template="case_correction", title="申请材料需要补正", extra={"count": len(listed)})
        return case


def case_reject(*, case: Case, actor: User, reason: str) -> Case:
    """不予受理, with the reason and the applicant's remedies."""
    if not reason.strip():
        raise ApplicationError("请填写不予受理的理由")
    with transaction.atomic():
        case, event = case_transition(case=case, action=CaseAction.REJECT, actor=actor, opinion=reason)
        case.accept_due = None
        case.save(update_fields=["accept_due", "updated_at"])
        notice_issue(
            case=case,
            kind=NoticeKind.REJECTION,
            event=event,
            data={
                **notice_text(NoticeKind.REJECTION, **_names(case), reason=reason.strip()),
                "remedies": REMEDIES,
            },
        )
        _notify(case=case, template="case_rejected", title="申请不予受理", extra={"rate_url": rate_url(case)})
        return case


def case_review(*, case: Case, actor: User, opinion: str) -> Case:
    """审查意见: the reviewer's opinion passes the case to the decider."""
    if not opinion.strip():
        raise ApplicationError("请填写审查意见")
    with transaction.atomic():
        case, _ = case_transition(case=case, action=CaseAction.REVIEW, actor=actor, opinion=opinion.strip())
        return case


def case_approve(*, case: Case, actor: User, opinion: str = "", name_confirmed: bool = False) -> Case:
    """准予许可: the register changes for the case's type and the certificate follows it
    (a new version, or revoked by a cancellation), in the same transaction; every 告知承诺
    on the case gets its 核查 task (ADR 20).

    When the applicant's verified name differs from the register's, the decider must have
    confirmed it (`name_confirmed`); the confirmation is kept with the event."""
    with transaction.atomic():
        case, event = case_transition(case=case, action=CaseAction.APPROVE, actor=actor, opinion=opinion)
        mismatch = name_mismatch(applicant=case.applicant)
        if mismatch is not None and not name_confirmed:
            raise ApplicationError(f"{mismatch.warning}。核实后请勾选确认再准予许可")
        try:
            change = registration_apply_effect(case=case)
        except RegistryError as e:
            raise ApplicationError(f"{e.message}。请核实后作出不予许可决定") from None
        registration = change.registration
        certificate = certificate_follow_register(change=change)
        checks = commitment_checks_open(case=case, registration=registration)
        event.data = {
            "registration_number": registration.number,
            "license_id": certificate.license_id if certificate else "",
            "change": change.summary,
            **({"commitment_checks": len(checks)} if checks else {}),
            **(
                {"name_mismatch_confirmed": [mismatch.applicant_name, mismatch.register_name]}
                if mismatch
                else {}
            ),
        }
        event.save(update_fields=["data"])
        notice_issue(
            case=case,
            kind=NoticeKind.APPROVAL,
            event=event,
            data={
                **notice_text(
                    NoticeKind.APPROVAL,
                    **_names(case),
                    summary=change.summary,
                    registration_number=registration.number,
                    employer_name=registration.employer_name,
                    certificate_issued=certificate is not None,
                )
            },
        )
        _notify(
            case=case,
            template="case_finished",
            title="申请已办结（准予许可）",
            extra={"result": "准予许可", "rate_url": rate_url(case)},
        )
        return case


def case_deny(*, case: Case, actor: User, reason: str) -> Case:
    """不予许可, with the reasons and the applicant's remedies."""
    if not reason.strip():
        raise ApplicationError("请填写不予许可的理由")
    with transaction.atomic():
        case, event = case_transition(case=case, action=CaseAction.DENY, actor=actor, opinion=reason.strip())
        notice_issue(
            case=case,
            kind=NoticeKind.DENIAL,
            event=event,
            data={
                **notice_text(NoticeKind.DENIAL, **_names(case), reason=reason.strip()),
                "remedies": REMEDIES,
            },
        )
        _notify(
            case=case,
            template="case_finished",
            title="申请已办结（不予许可）",
            extra={"result": "不予许可", "rate_url": rate_url(case)},
        )
        return case


def last_event(case: Case) -> CaseEvent | None:
    return case.events.order_by("-created_at", "-id").first()

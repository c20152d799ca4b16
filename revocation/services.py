"""Writes of the authority's own proceedings (ADR 27): 撤销注册 and 强制注销.

- `proceeding_start`: the department's 审查人员 starts it with a ground and the facts (or takes
  over a 告知承诺 proposal, `proceeding_take_over`); the case is made and moved to 陈述申辩期,
  the 陈述申辩告知书 is issued, the holder told by SMS and 站内消息.
- `proceeding_state`: the holder's answer (a text, a file if they wish), once, within the period.
- `proceeding_decide`: the 科室负责人 decides, once the holder answered or the period is over:
  the act (the register through `registry/transitions.py`, the history row, the certificate
  revoked) or its refusal, with the decision notice, SMS and 站内消息.

Each is one transaction with its audit row; SMS go through the outbox in it."""

from __future__ import annotations

import uuid
from datetime import date

from django.core.files.storage import default_storage
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from accounts.models import StaffRole, User
from accounts.selectors import account_of_identity, department_staff
from audit.models import AuditAction
from audit.services import audit_record
from cases.deadlines import statement_due_on, statement_period_over
from cases.models import Case, CaseAction, CaseStatus, NoticeKind
from cases.notices import notice_text
from cases.services import case_transition, notice_issue
from catalog.models import ServiceItem
from catalog.registration_types import ProceedingKind
from certificates.services import certificate_follow_register
from commitments.models import RevocationProposal
from lib.errors import ApplicationError
from lib.storage import file_save
from lib.uploads import CheckedFile, safe_display_name
from notifications.services import inbox_message_create, person_notify
from registry.models import Registration
from registry.services import registration_end_by_authority
from registry.transitions import transition_find
from revocation.models import ACTS, GROUNDS, OPEN_STATUSES, OUTCOMES, Ground, Proceeding, legal_basis

FACTS_MAX = 1000
STATEMENT_MAX = 2000
REASON_MAX = 1000

# How the notices and messages name each act ("拟撤销你的注册", "决定注销").
ACT_VERBS = {ProceedingKind.REVOKE: "撤销", ProceedingKind.FORCED_CANCEL: "注销"}
DECISION_NOTICES = {
    CaseAction.REVOKE: NoticeKind.REVOCATION,
    CaseAction.FORCE_CANCEL: NoticeKind.FORCED_CANCEL,
    CaseAction.NOT_REVOKE: NoticeKind.NOT_REVOKED,
    CaseAction.NOT_CANCEL: NoticeKind.NOT_CANCELLED,
}


def may_start(user: User) -> bool:
    """The department's 审查人员 investigate and start a proceeding; the 科室负责人 decides it
    (ADR 27): who found the facts does not judge them."""
    return user.works_on_cases and user.staff_role == StaffRole.REVIEWER and user.department_id is not None


def may_decide(user: User) -> bool:
    return user.is_department_leader


def holder_account(registration: Registration) -> User:
    """The holder's own account: the verified personal account of the registered identity
    (an unverified account holding the number may be someone else's, and must not read the
    notice or answer for the holder), else the account whose application made the
    registration, verified when it applied."""
    person = registration.person
    account = account_of_identity(id_type=person.id_type, id_number=person.id_number)
    return account or registration.created_by_case.applicant


def _proceeding_item(*, registration: Registration, kind: ProceedingKind) -> ServiceItem:
    """The 办理项 a proceeding's case carries, in the matter of the registration: made on first
    use (the catalogue's pages do not list it, and no one may apply for it)."""
    item, _ = ServiceItem.objects.get_or_create(
        matter_id=registration.created_by_case.matter_id,
        code=kind.value,
        defaults={
            "name": kind.label,
            "description": "注册机关依职权办理，不接受申请（ADR 27）",
            "order": 900,
        },
    )
    return item


def _phone(case: Case) -> str:
    return case.matter.phone or case.department.phone


def _notify_holder(*, case: Case, template: str, title: str, body: str, context: dict[str, object]) -> None:
    person_notify(
        user=case.applicant,
        template=template,
        context=context,
        title=title,
        body=body,
        link=reverse("revocation:mine", args=[case.pk]),
    )


def proceeding_start(
    *,
    kind: ProceedingKind,
    registration: Registration,
    ground: str,
    facts: str,
    by: User,
    proposal: RevocationProposal | None = None,
    request: HttpRequest | None = None,
) -> Proceeding:
    """Start a 撤销 or 强制注销 proceeding on `registration` for `ground`: the case (the holder its
    applicant, this department's), its first step 启动 (by the 审查人员, the table says), the
    陈述申辩告知书 with the period (`cases.deadlines.statement_due_on`), SMS and 站内消息. One
    proceeding at a time per registration; the register must allow the act now."""
    facts = facts.strip()
    if not may_start(by):
        raise ApplicationError("撤销注册、强制注销程序由本部门审查人员启动")
    if ground not in Ground.values or GROUNDS[Ground(ground)][0] != kind:
        raise ApplicationError(f"请选择{kind.label}的事由")
    if not facts:
        raise ApplicationError("请填写事实和理由")
    if len(facts) > FACTS_MAX:
        raise ApplicationError(f"事实和理由不能超过{FACTS_MAX}字")
    action = ACTS[kind][1]
    today = timezone.localdate()
    with transaction.atomic():
        # The registration's lock: two staff starting at once make one proceeding.
        locked = Registration.objects.select_for_update().select_related("person").get(pk=registration.pk)
        if locked.created_by_case.department_id != by.department_id:
            raise ApplicationError("只能对本部门准予的注册启动程序")
        if transition_find(registration=locked, action=action, today=today) is None:
            raise ApplicationError(
                f"该注册（注册编号{locked.number}）当前状态为“{locked.status_on(today).label}”，不能{kind.label}"
            )
        running = Proceeding.objects.filter(registration=locked, case__status__in=OPEN_STATUSES).first()
        if running is not None:
            raise ApplicationError(
                f"该注册已有正在办理的{running.get_kind_display()}程序（办件编号{running.case.number}）"
            )
        if proposal is not None and Proceeding.objects.filter(proposal=proposal).exists():
            raise ApplicationError("该撤销建议已转入撤销程序")
        holder = holder_account(locked)
        item = _proceeding_item(registration=locked, kind=kind)
        case = Case.objects.create(
            applicant=holder,
            applicant_name=locked.person.name,
            department_id=by.department_id,
            matter_id=item.matter_id,
            item=item,
            form_data={},
        )
        basis = legal_basis(ground)
        ground_label = Ground(ground).label
        case, event = case_transition(
            case=case,
            action=CaseAction.INITIATE,
            actor=by,
            opinion=facts,
            data={
                "ground": ground_label,
                "basis": basis,
                "registration_number": locked.number,
                **({"proposal_notice": proposal.notice.number} if proposal else {}),
            },
        )
        statement_due = statement_due_on(notified_on=today)
        if proposal is not None:
            # The holder was told of the proposal's period already: never a shorter one now.
            statement_due = max(statement_due, proposal.statement_due)
        verb = ACT_VERBS[kind]
        notice = notice_issue(
            case=case,
            kind=NoticeKind.STATEMENT,
            event=event,
            data={
                **notice_text(
                    NoticeKind.STATEMENT,
                    registration_number=locked.number,
                    employer_name=locked.employer_name,
                    ground=ground_label,
                    facts=facts,
                    basis=basis,
                    act=verb,
                    statement_due=statement_due,
                    phone=_phone(case),
                )
            },
        )
        proceeding = Proceeding.objects.create(
            case=case,
            kind=kind,
            registration=locked,
            ground=ground,
            legal_basis=basis,
            facts=facts,
            proposal=proposal,
            statement_due=statement_due,
            started_by=by,
        )
        _notify_holder(
            case=case,
            template="proceeding_started",
            title=f"拟{verb}注册，请陈述申辩",
            body=f"我厅拟依法{verb}您的二级建造师注册（注册编号{locked.number}），事由：{ground_label}。"
            f"请查看《陈述申辩告知书》（{notice.number}），并于{statement_due:%Y年%m月%d日}前在线提出陈述、申辩。",
            context={
                "act": verb,
                "registration_number": locked.number,
                "number": case.number,
                "due": f"{statement_due:%Y年%m月%d日}",
            },
        )
        audit_record(
            action=AuditAction.PROCEEDING_START,
            request=request,
            actor=by,
            obj=case,
            label=f"{case.number} {kind.label}",
            subject_id=holder.pk,
            detail={"注册编号": locked.number, "事由": ground_label},
        )
        return proceeding


def proceeding_take_over(
    *, proposal: RevocationProposal, by: User, request: HttpRequest | None = None
) -> Proceeding:
    """A 告知承诺 found untrue (ADR 20) becomes a 撤销 proceeding: its reason is the facts, its
    registration the one concerned, and the two are linked. `proposal` must come from
    `commitments.selectors.proposals_for_staff`."""
    if proposal.registration is None:
        raise ApplicationError("该撤销建议没有对应的注册信息，不能转入撤销程序")
    return proceeding_start(
        kind=ProceedingKind.REVOKE,
        registration=proposal.registration,
        ground=Ground.FALSE_PLEDGE,
        facts=proposal.reason,
        by=by,
        proposal=proposal,
        request=request,
    )


def proceeding_state(
    *,
    proceeding: Proceeding,
    user: User,
    text: str,
    checked: CheckedFile | None = None,
    original_name: str = "",
) -> Proceeding:
    """The holder's 陈述、申辩, within the period, once: the case moves on to the decision and
    the department's 科室负责人 is told. The file (optional) is stored before the transaction,
    and removed again if the answer is refused."""
    text = text.strip()
    if not text:
        raise ApplicationError("请填写陈述、申辩意见")
    if len(text) > STATEMENT_MAX:
        raise ApplicationError(f"陈述、申辩意见不能超过{STATEMENT_MAX}字")
    name = ""
    if checked is not None:
        name = file_save(
            f"proceedings/{proceeding.case.uuid}/{uuid.uuid4().hex}.{checked.extension}", checked.content
        )
    try:
        with transaction.atomic():
            locked = Proceeding.objects.select_for_update().select_related("case").get(pk=proceeding.pk)
            if locked.case.status != CaseStatus.STATEMENT:
                raise ApplicationError("已提出陈述、申辩或程序已办结，不能再次提交")
            if statement_period_over(due=locked.statement_due, today=timezone.localdate()):
                raise ApplicationError(f"陈述申辩期限（{locked.statement_due:%Y年%m月%d日}）已过，不能再提交")
            case, _ = case_transition(
                case=locked.case,
                action=CaseAction.STATE,
                actor=user,
                opinion=text,
                data={"file": bool(name)},
            )
            locked.statement = text
            locked.stated_at = timezone.now()
            if name:
                locked.statement_file.name = name
                locked.statement_file_name = safe_display_name(original_name)
                locked.statement_content_type = checked.content_type if checked else ""
            locked.save(
                update_fields=[
                    "statement",
                    "stated_at",
                    "statement_file",
                    "statement_file_name",
                    "statement_content_type",
                ]
            )
            for leader in department_staff(department_id=case.department_id, role=StaffRole.LEADER):
                inbox_message_create(
                    user=leader,
                    title="持证人已陈述申辩，待决定",
                    body=f"{locked.get_kind_display()}程序（办件编号{case.number}）：持证人已提出陈述、申辩意见，请作出决定。",
                    link=reverse("revocation:case", args=[case.pk]),
                )
            return locked
    except BaseException:
        if name:
            default_storage.delete(name)
        raise


def decision_refusal(proceeding: Proceeding, *, today: date | None = None) -> str | None:
    """Why no decision may be taken now, or None: before the period ends only an answer lets
    the leader decide (the holder keeps every day of the period otherwise)."""
    day = today or timezone.localdate()
    if proceeding.case.status == CaseStatus.STATEMENT and not statement_period_over(
        due=proceeding.statement_due, today=day
    ):
        due = f"{proceeding.statement_due:%Y年%m月%d日}"
        return f"陈述申辩期限（{due}）届满前，持证人尚未陈述申辩，暂不能作出决定"
    return None


def proceeding_decide(
    *,
    proceeding: Proceeding,
    by: User,
    action: str,
    reason: str,
    request: HttpRequest | None = None,
) -> Proceeding:
    """The 科室负责人's decision: 撤销/注销 (the register, its history and the certificate follow,
    in this transaction) or 不予撤销/不予注销 (nothing changes). The decision notice is issued,
    the holder told by SMS and 站内消息."""
    reason = reason.strip()
    kind = proceeding.kind_enum
    if not may_decide(by) or by.department_id != proceeding.case.department_id:
        # Before anything else: nobody else learns how the proceeding stands.
        raise ApplicationError("您没有办理该办件此环节的权限")
    if action not in OUTCOMES[kind]:
        raise ApplicationError(
            f"{kind.label}程序只能决定{'或'.join(CaseAction(a).label for a in OUTCOMES[kind])}"
        )
    if not reason:
        raise ApplicationError("请填写决定理由（复核意见）")
    if len(reason) > REASON_MAX:
        raise ApplicationError(f"决定理由不能超过{REASON_MAX}字")
    with transaction.atomic():
        locked = (
            Proceeding.objects.select_for_update()
            .select_related("case", "registration")
            .get(pk=proceeding.pk)
        )
        if locked.case.status in OPEN_STATUSES and (refusal := decision_refusal(locked)):
            raise ApplicationError(refusal)
        case, event = case_transition(case=locked.case, action=action, actor=by, opinion=reason)
        acts = action == ACTS[kind][0]
        registration = locked.registration
        data: dict[str, object] = {"registration_number": registration.number}
        if acts:
            _, registration_action, change_kind = ACTS[kind]
            change = registration_end_by_authority(
                registration=registration,
                case=case,
                action=registration_action,
                kind=change_kind,
                ground=locked.get_ground_display(),
            )
            certificate_follow_register(change=change)
            data["change"] = change.summary
        event.data = data
        event.save(update_fields=["data"])
        stated = locked.stated_at is not None
        notice_kind = DECISION_NOTICES[CaseAction(action)]
        notice = notice_issue(
            case=case,
            kind=notice_kind,
            event=event,
            data={
                **notice_text(
                    notice_kind,
                    registration_number=registration.number,
                    ground=locked.get_ground_display(),
                    facts=locked.facts,
                    basis=locked.legal_basis,
                    notified_on=locked.started_at,
                    stated=stated,
                    stated_on=locked.stated_at,
                    reason=reason,
                ),
                # An adverse act states the remedies (行政复议, 行政诉讼).
                "remedies": acts,
            },
        )
        result = CaseAction(action).label
        _notify_holder(
            case=case,
            template="proceeding_decided",
            title=f"已作出{result}决定",
            body=f"关于您的二级建造师注册（注册编号{registration.number}），我厅已作出{result}决定，"
            f"请查看《{notice.get_kind_display()}》（{notice.number}）。",
            context={"registration_number": registration.number, "number": case.number, "result": result},
        )
        audit_record(
            action=AuditAction.PROCEEDING_DECIDE,
            request=request,
            actor=by,
            obj=case,
            label=f"{case.number} {result}",
            subject_id=case.applicant_id,
            detail={"注册编号": registration.number, "决定": result},
        )
        locked.case = case
        return locked

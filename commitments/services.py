"""Writes of the 告知承诺 verification (ADR 20): the tasks opened by a grant, and their closing
by the department's 审查人员, 核查属实 or 承诺不实. A commitment found untrue starts the
revocation path in the same transaction: the proposal the decider sees, the 告知承诺核查不实
告知书 (a numbered notice, PDF through `paperwork`), the SMS and the 站内消息 to the holder,
and the audit rows."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from accounts.models import StaffRole, User
from audit.models import AuditAction
from audit.services import audit_record
from cases.deadlines import statement_due_on, verification_due_on
from cases.models import Case, NoticeKind
from cases.notices import notice_text
from cases.services import current_commitments, notice_issue
from commitments.models import CheckStatus, CommitmentCheck, RevocationProposal
from commitments.transitions import transition_allowed
from lib.errors import ApplicationError
from notifications.services import inbox_message_create, sms_enqueue
from registry.models import Registration

FINDING_MAX = 1000


def commitment_checks_open(*, case: Case, registration: Registration | None) -> list[CommitmentCheck]:
    """After 准予: one 核查 task for every commitment in force on the case, due within its
    material's 核查期限 (working days from today). Runs inside the approval's transaction, so a
    grant that rolls back leaves no task. Idempotent: a commitment has one task at most."""
    assert transaction.get_connection().in_atomic_block, "opened inside the approval's transaction"
    today = timezone.localdate()
    materials = {m.code: m for m in case.item.materials.all()}
    opened = []
    for commitment in current_commitments(case).values():
        material = materials.get(commitment.material_code)
        if material is None or CommitmentCheck.objects.filter(commitment=commitment).exists():
            continue
        opened.append(
            CommitmentCheck.objects.create(
                commitment=commitment,
                case=case,
                department_id=case.department_id,
                registration=registration,
                opened_on=today,
                due=verification_due_on(granted_on=today, days=material.commitment_check_days),
            )
        )
    return opened


def may_verify(user: User) -> bool:
    """The department's 审查人员 verify commitments: the check is an examination of substance,
    the work they did before the grant."""
    return user.works_on_cases and user.staff_role == StaffRole.REVIEWER and user.department_id is not None


def commitment_check_close(
    *,
    check: CommitmentCheck,
    by: User,
    outcome: CheckStatus,
    finding: str,
    request: HttpRequest | None = None,
) -> CommitmentCheck:
    """「核查属实」 or 「承诺不实」, with what the check found. 承诺不实 starts the revocation
    path (`_revocation_start`). Of two staff closing one task at once, the second waits for
    the lock, then is refused."""
    if not may_verify(by) or by.department_id != check.department_id:
        raise ApplicationError("只有本部门的审查人员可以办理告知承诺核查")
    finding = finding.strip()
    if not finding:
        raise ApplicationError("请填写核查情况（核查方式、核查结果）")
    with transaction.atomic():
        locked = (
            CommitmentCheck.objects.select_for_update()
            .select_related("commitment", "case__matter", "case__item", "case__department", "case__applicant")
            .get(pk=check.pk)
        )
        if not transition_allowed(source=locked.status, target=outcome):
            raise ApplicationError(f"该核查任务已{locked.get_status_display()}，不能再办理")
        locked.status = outcome
        locked.finding = finding[:FINDING_MAX]
        locked.closed_at = timezone.now()
        locked.closed_by = by
        locked.save(update_fields=["status", "finding", "closed_at", "closed_by"])
        proposal = _revocation_start(check=locked, by=by) if outcome == CheckStatus.UNTRUE else None
        audit_record(
            action=AuditAction.COMMITMENT_CHECK,
            request=request,
            actor=by,
            obj=locked,
            label=f"{locked.case.number} {locked.commitment.material_name}",
            subject_id=locked.case.applicant_id,
            detail={"结果": CheckStatus(outcome).label},
        )
        if proposal is not None:
            audit_record(
                action=AuditAction.REVOCATION_PROPOSE,
                request=request,
                actor=by,
                obj=proposal,
                label=f"{locked.case.number} {proposal.notice.number}",
                subject_id=locked.case.applicant_id,
                detail={"注册编号": locked.registration.number if locked.registration else ""},
            )
    return locked


def _revocation_start(*, check: CommitmentCheck, by: User) -> RevocationProposal:
    """承诺不实: the 撤销 proposal the decider sees, the notice telling the holder why and by when
    they may state their case, and the SMS and 站内消息 that point to it. No 撤销 machinery
    exists yet (ADR 20): the registration stays as it is until that procedure decides."""
    case = check.case
    today = timezone.localdate()
    statement_due = statement_due_on(notified_on=today)
    material = f"{check.commitment.material_name}（告知承诺）"
    notice = notice_issue(
        case=case,
        kind=NoticeKind.FALSE_PLEDGE,
        event=None,
        data={
            **notice_text(
                NoticeKind.FALSE_PLEDGE,
                matter=case.matter.name,
                item=case.item.name,
                granted_on=check.opened_on,
                registration_number=check.registration.number if check.registration else "—",
                statement_due=statement_due,
                phone=case.matter.phone or case.department.phone,
            ),
            "items": [{"name": material, "reason": check.finding}],
        },
    )
    proposal = RevocationProposal.objects.create(
        check_task=check,
        case=case,
        department_id=check.department_id,
        registration=check.registration,
        reason=f"{material}经核查与实际情况不符：{check.finding}"[:FINDING_MAX],
        notice=notice,
        statement_due=statement_due,
        proposed_by=by,
        proposed_at=timezone.now(),
    )
    holder: User = case.applicant
    if holder.mobile:
        sms_enqueue(
            mobile=holder.mobile,
            template="commitment_untrue",
            context={
                "matter": case.matter.name,
                "item": case.item.name,
                "number": case.number,
                "material": check.commitment.material_name,
                "due": f"{statement_due:%Y年%m月%d日}",
            },
            user=holder,
        )
    inbox_message_create(
        user=holder,
        title="告知承诺核查不实，拟撤销注册",
        body=(
            f"{case.matter.name}（{case.item.name}），办件编号{case.number}：您就“"
            f"{check.commitment.material_name}”作出的告知承诺经核查与实际情况不符，我厅拟依法撤销相应注册。"
            f"请查看《告知承诺核查不实告知书》（{notice.number}），并于{statement_due:%Y年%m月%d日}前提出陈述、申辩。"
        ),
        link=reverse("cases:detail", args=[case.pk]),
    )
    return proposal

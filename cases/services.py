"""Writes for cases. `case_transition` is the only code that changes a case's status."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.datastructures import MultiValueDict

from accounts.models import User
from accounts.selectors import UNVERIFIED_PERSON, verified_identity
from cases.counters import counter_next
from cases.deadlines import accept_due_on
from cases.forms import ApplicationForm
from cases.models import (
    EDITABLE_STATUSES,
    FINISHED_STATUSES,
    ActorRole,
    Attachment,
    Case,
    CaseAction,
    CaseEvent,
    CaseStatus,
    Commitment,
    Notice,
    NoticeKind,
    SubmitMethod,
)
from cases.register import register_record_for
from cases.sharing import case_record_enqueue
from cases.transitions import transition_find
from cases.types import eligibility_refusals, required_materials, type_for_item
from catalog.models import Material, ServiceItem
from lib.errors import ApplicationError
from lib.storage import file_save
from lib.uploads import CheckedFile, extension_for, safe_display_name

# 《行政许可法》: a complete application is accepted (or refused) within 5 working days.

DRAFT_CONFLICT = "此申请已在其他窗口或设备上修改，请刷新页面后再继续"


class DraftConflict(ApplicationError):
    """A save from a page that did not see the draft's latest version: the autosave answers
    409 and 保存信息 shows it as the form's error, instead of a generic refusal."""


def _actor_may(*, case: Case, actor: User, role: str) -> bool:
    if role == ActorRole.APPLICANT:
        return actor.pk == case.applicant_id
    return (
        actor.is_department_staff and actor.staff_role == role and actor.department_id == case.department_id
    )


def case_transition(
    *, case: Case, action: str, actor: User, opinion: str = "", data: dict[str, Any] | None = None
) -> tuple[Case, CaseEvent]:
    """Move `case` by `action` if the table allows it from its current status and `actor`
    holds the role for it; lock the row and write the event. Must run inside the caller's
    transaction, together with whatever else the step writes.

    Of two people acting on one case at once, the second waits for the lock, then finds the
    status changed and is refused with a message that says so."""
    assert transaction.get_connection().in_atomic_block, "case_transition runs inside a transaction"
    locked = Case.objects.select_for_update().get(pk=case.pk)
    transition = transition_find(status=locked.status, action=action)
    if transition is None:
        raise ApplicationError(
            f"该办件当前状态为“{CaseStatus(locked.status).label}”，不能{CaseAction(action).label}。"
            "可能已由其他人员办理，请刷新页面查看最新状态。"
        )
    if not _actor_may(case=locked, actor=actor, role=transition.role):
        raise ApplicationError("您没有办理该办件此环节的权限")
    event = CaseEvent.objects.create(
        case=locked,
        action=action,
        from_status=locked.status,
        to_status=transition.target,
        actor=actor,
        actor_role=transition.role,
        actor_name=actor.name,
        opinion=opinion,
        data=data or {},
    )
    locked.status = transition.target
    _times_stamp(case=locked, action=CaseAction(action), at=event.created_at)
    locked.save(update_fields=["status", "number", "submitted_at", "accepted_at", "decided_at", "updated_at"])
    # The province's 办件 collection hears of every change, in this transaction.
    case_record_enqueue(case=locked, event=event)
    return locked, event


def _times_stamp(*, case: Case, action: CaseAction, at: datetime) -> None:
    """The times a change writes, with the change itself: a case gets its 办件编号 when first
    submitted, and every (re)submission, 受理 and 办结 is dated by its event."""
    if action in (CaseAction.SUBMIT, CaseAction.RESUBMIT):
        if not case.number:
            today = timezone.localdate(at)
            case.number = f"LN{today:%Y%m%d}{counter_next(key=f'case-{today:%Y%m%d}'):05d}"
        case.submitted_at = at
    elif action == CaseAction.ACCEPT:
        case.accepted_at = at
    if case.status in FINISHED_STATUSES:
        case.decided_at = at


# --- Drafts and materials ---------------------------------------------------------------


def _employer_uscc(user: User, form_data: dict[str, Any]) -> str:
    """The enterprise the case concerns, so its account sees it: the one the form names (a new
    registration, a new employer), else the one the register holds for the applicant."""
    typed = str(form_data.get("employer_uscc") or "").strip()[:18].upper()
    if typed:
        return typed
    record = register_record_for(user)
    return record.employer_uscc if record else ""


def case_draft_save(
    *,
    user: User,
    item: ServiceItem,
    form_data: dict[str, Any],
    submit_method: str = "",
    client_token: uuid.UUID | None = None,
    case: Case | None = None,
    expected_version: int | None = None,
) -> Case:
    """Create or update a draft with whatever was typed (valid or not: nothing is lost).

    A new draft carries the form's `client_token`, so a second POST of the same new form
    returns the first draft instead of making another. `expected_version` is the draft's
    `version` when the saving page was loaded (or last saved): if the draft has moved on
    since (another tab, another device), `DraftConflict` is raised and nothing is written.
    Every save raises the version by one."""
    if submit_method and submit_method not in SubmitMethod.values:
        raise ApplicationError("请选择提交方式")
    with transaction.atomic():
        if case is None and client_token is not None:
            case = Case.objects.filter(client_token=client_token, applicant=user).first()
            if case is not None and expected_version is None:
                # The same new page saved again: it last saw the version its first save made.
                expected_version = case.version
        if case is None:
            try:
                with transaction.atomic():
                    case = Case.objects.create(
                        applicant=user,
                        applicant_name=user.name,
                        department=item.matter.department,
                        matter=item.matter,
                        item=item,
                        client_token=client_token,
                        form_data=form_data,
                        submit_method=submit_method,
                        employer_uscc=_employer_uscc(user, form_data),
                    )
            except IntegrityError:
                # The same new form, posted twice at the same moment: the other request won.
                case = Case.objects.get(client_token=client_token, applicant=user)
            return case
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.status not in EDITABLE_STATUSES:
            raise ApplicationError(f"办件当前状态为“{CaseStatus(locked.status).label}”，不能再修改申请表")
        if expected_version is not None and expected_version != locked.version:
            raise DraftConflict(DRAFT_CONFLICT)
        locked.form_data = form_data
        locked.version += 1
        locked.employer_uscc = _employer_uscc(user, form_data)
        if submit_method:
            locked.submit_method = submit_method
        locked.save(update_fields=["form_data", "employer_uscc", "submit_method", "version", "updated_at"])
        return locked


def case_draft_delete(*, case: Case, user: User) -> None:
    """「删除」 on 我的办件: the applicant's own draft goes, with its attachments' rows and, once
    the deletion is committed, their files. A submitted case is never deleted (it has a
    number, events and notices the department keeps)."""
    with transaction.atomic():
        locked = Case.objects.select_for_update().filter(pk=case.pk, applicant=user).first()
        if locked is None or locked.status != CaseStatus.DRAFT:
            raise ApplicationError("只能删除本人尚未提交的草稿")
        names = [a.file.name for a in locked.attachments.all() if a.file.name]
        locked.delete()
        # Files only after the commit: a rolled-back deletion must still find its files.
        transaction.on_commit(lambda: _files_delete(names))


def _files_delete(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


def attachment_add(
    *,
    case: Case,
    material: Material,
    checked: CheckedFile,
    original_name: str,
    user: User,
    reused_from: Attachment | None = None,
) -> Attachment:
    """Store a checked file for one material. Image-only materials (photo, signature) hold one
    file, so a new one replaces the old; others may hold several (a multi-page scan)."""
    if case.status not in EDITABLE_STATUSES:
        raise ApplicationError("办件已提交，不能再修改材料")
    if material.item_id != case.item_id:
        raise ApplicationError("该材料不属于本办件")
    # Write the file before the transaction: object storage can be slow, and a row must never
    # point at a file that is not there. If the row fails, the orphan file is removed.
    # A full disk or an unreachable store raises StorageUnavailable (503, in Chinese) and
    # leaves no partial file (lib/storage.py).
    name = file_save(f"cases/{case.uuid}/{uuid.uuid4().hex}.{checked.extension}", checked.content)
    try:
        with transaction.atomic():
            locked = Case.objects.select_for_update().get(pk=case.pk)
            if locked.status not in EDITABLE_STATUSES:
                raise ApplicationError("办件已提交，不能再修改材料")
            if material.kind == "image":
                Attachment.objects.filter(
                    case=locked, material_code=material.code, removed_at__isnull=True
                ).update(removed_at=timezone.now())
            attachment = Attachment(
                case=locked,
                material_code=material.code,
                display_name=safe_display_name(original_name),
                content_type=checked.content_type,
                size=len(checked.content),
                sha256=checked.sha256,
                uploaded_by=user,
                reused_from=reused_from,
            )
            attachment.file.name = name
            attachment.save()
            return attachment
    except BaseException:
        default_storage.delete(name)
        raise


def attachment_reuse(*, case: Case, material: Material, source: Attachment, user: User) -> Attachment:
    """Offer again a file the applicant gave in an earlier application (photo, signature, ID,
    qualification): a copy under this case, checked when it was first uploaded, so nobody
    uploads the same file twice. `source` must come from `selectors.reusable_attachments`."""
    if source.uploaded_by_id != user.pk or source.material_code != material.code:
        raise ApplicationError("只能沿用本人此前提交的同类材料")
    with source.file.open("rb") as f:
        content = f.read()
    # The extension follows the type sniffed at the first upload, not the old file's name.
    extension = extension_for(source.content_type)
    # Checked (sniffed, re-encoded) when it was first uploaded: stored as it is.
    checked = CheckedFile(
        content=content,
        extension=extension,
        content_type=source.content_type,
        width=None,
        height=None,
        sha256=source.sha256,
    )
    return attachment_add(
        case=case,
        material=material,
        checked=checked,
        original_name=source.display_name,
        user=user,
        reused_from=source,
    )


def attachment_remove(*, attachment: Attachment, user: User) -> None:
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=attachment.case_id)
        if case.applicant_id != user.pk or case.status not in EDITABLE_STATUSES:
            raise ApplicationError("办件已提交，不能再删除材料")
        attachment.removed_at = timezone.now()
        attachment.save(update_fields=["removed_at"])


def current_attachments(case: Case) -> dict[str, list[Attachment]]:
    """The files that count, by material code."""
    by_code: dict[str, list[Attachment]] = {}
    for a in case.attachments.filter(removed_at__isnull=True):
        by_code.setdefault(a.material_code, []).append(a)
    return by_code


def current_commitments(case: Case) -> dict[str, Commitment]:
    """The commitments in force (not withdrawn), by material code."""
    return {c.material_code: c for c in case.commitments.filter(withdrawn_at__isnull=True)}


def missing_materials(case: Case) -> list[Material]:
    """The required materials with neither a file nor a commitment in force: a 告知承诺
    counts as the material while the catalogue still offers it (ADR 20)."""
    present = current_attachments(case)
    committed = current_commitments(case)
    return [
        m
        for m in required_materials(item=case.item, form_data=case.form_data)
        if not present.get(m.code) and not (m.code in committed and m.commitment_offered)
    ]


COMMITMENT_CHANGED = "承诺书内容已更新，请重新阅读后再勾选同意"


def commitment_accept(*, case: Case, material: Material, user: User, version: str) -> Commitment:
    """「告知承诺」: the applicant accepts the material's commitment text instead of uploading
    it. `version` is the version the page showed: if an administrator changed the text since,
    nothing is recorded and the applicant reads the new text. Accepting again what is already
    in force changes nothing (a double click)."""
    if material.item_id != case.item_id:
        raise ApplicationError("该材料不属于本办件")
    if not material.commitment_offered:
        raise ApplicationError(f"“{material.name}”不适用告知承诺，请上传材料")
    if version != material.commitment_version:
        raise ApplicationError(COMMITMENT_CHANGED)
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.applicant_id != user.pk or locked.status not in EDITABLE_STATUSES:
            raise ApplicationError("办件已提交，不能再修改材料")
        existing = locked.commitments.filter(material_code=material.code, withdrawn_at__isnull=True).first()
        if existing is not None and existing.version == version:
            return existing
        if existing is not None:
            # Accepted under an earlier text: the new acceptance replaces it.
            existing.withdrawn_at = timezone.now()
            existing.save(update_fields=["withdrawn_at"])
        return Commitment.objects.create(
            case=locked,
            material_code=material.code,
            material_name=material.name,
            text=material.commitment_text.strip(),
            version=version,
            accepted_by=user,
            accepted_at=timezone.now(),
        )


def commitment_withdraw(*, case: Case, material_code: str, user: User) -> Commitment:
    """「撤回承诺」: back to uploading the material, while the case is in the applicant's hands."""
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.applicant_id != user.pk or locked.status not in EDITABLE_STATUSES:
            raise ApplicationError("办件已提交，不能再撤回承诺")
        found = locked.commitments.filter(material_code=material_code, withdrawn_at__isnull=True).first()
        if found is None:
            raise ApplicationError("该材料没有可撤回的告知承诺")
        found.withdrawn_at = timezone.now()
        found.save(update_fields=["withdrawn_at"])
        return found


# --- Submission ---------------------------------------------------------------------------


def case_submit(*, case: Case, user: User) -> Case:
    """保存并提交: check the form, eligibility and materials, give the case its 办件编号,
    start the 受理 clock and issue the 材料接收告知单. A second submission of the same case
    (double click, replayed POST, another tab) is refused, so it stays one case."""
    app_type = type_for_item(case.item)
    if app_type is None:
        raise ApplicationError(f"“{case.item.name}”暂未开通网上申请")
    today = timezone.localdate()
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.status not in EDITABLE_STATUSES:
            raise ApplicationError("该办件已提交，请勿重复提交")
        if verified_identity(user) is None:
            # Drafts may wait; nothing reaches the department, the register or a certificate
            # from an identity the real-name source has not confirmed.
            raise ApplicationError(UNVERIFIED_PERSON)
        problems: list[str] = []
        form = form_for_case(locked)
        if form is not None and not form.is_valid():
            labels = [str(form.fields[name].label) for name in form.errors if name in form.fields]
            problems.append("申请表中以下内容需要填写或更正：" + "、".join(labels or ["申请表"]))
        missing = missing_materials(locked)
        if missing:
            problems.append("以下必传材料尚未上传：" + "、".join(m.name for m in missing))
        if not locked.submit_method:
            problems.append("请先点击“保存信息”并选择提交方式")
        problems += eligibility_refusals(
            item=locked.item, user=user, today=today, case_pk=locked.pk, form_data=locked.form_data
        )
        if problems:
            raise ApplicationError("；".join(problems))

        action = CaseAction.SUBMIT if locked.status == CaseStatus.DRAFT else CaseAction.RESUBMIT
        # The transition gives the case its number and dates the (re)submission.
        locked, event = case_transition(case=locked, action=action, actor=user)
        # The 受理 clock starts again at a resubmission: time waiting for 补正 does not count.
        locked.accept_due = accept_due_on(submitted_on=today)
        locked.save(update_fields=["accept_due", "updated_at"])
        notice_issue(case=locked, kind=NoticeKind.RECEIPT, event=event, data=_receipt_data(locked))
        return locked


def form_for_case(case: Case) -> ApplicationForm | None:
    """The type's form bound to what was saved (lists for multi-selects, strings otherwise),
    checked against what the register holds for the applicant now."""
    app_type = type_for_item(case.item)
    if app_type is None:
        return None
    data = MultiValueDict({k: v if isinstance(v, list) else [v] for k, v in case.form_data.items()})
    applicant: User = case.applicant
    return app_type.form_class(data=data, record=register_record_for(applicant))


def _receipt_data(case: Case) -> dict[str, Any]:
    present, committed = current_attachments(case), current_commitments(case)
    materials = [
        {"name": m.name, "files": len(present.get(m.code, []))}
        for m in case.item.materials.all()
        if present.get(m.code)
    ] + [
        # Received as a commitment: no file, the commitment itself (ADR 20).
        {"name": f"{m.name}（告知承诺）", "files": 0}
        for m in case.item.materials.all()
        if m.code in committed and not present.get(m.code)
    ]
    return {
        "materials": materials,
        "promised_days": case.matter.promised_days,
        "legal_days": case.matter.legal_days,
    }


def case_withdraw(*, case: Case, user: User, reason: str = "") -> Case:
    with transaction.atomic():
        locked, _ = case_transition(case=case, action=CaseAction.WITHDRAW, actor=user, opinion=reason)
        return locked


# --- Notices ------------------------------------------------------------------------------

NOTICE_ABBREVIATIONS = {
    NoticeKind.RECEIPT: "收",
    NoticeKind.ACCEPTANCE: "受",
    NoticeKind.CORRECTION: "补",
    NoticeKind.REJECTION: "不受",
    NoticeKind.APPROVAL: "准",
    NoticeKind.DENIAL: "不准",
    NoticeKind.FALSE_PLEDGE: "核",
}


def notice_issue(*, case: Case, kind: str, event: CaseEvent | None, data: dict[str, Any]) -> Notice:
    """Record a document with its content and a 文书编号 such as 辽建许受〔2026〕12号."""
    year = timezone.localdate().year
    serial = counter_next(key=f"notice-{kind}-{year}")
    number = f"辽建许{NOTICE_ABBREVIATIONS[NoticeKind(kind)]}〔{year}〕{serial}号"
    return Notice.objects.create(case=case, kind=kind, number=number, data=data, event=event)

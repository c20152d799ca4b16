"""Writes for cases. `case_transition` is the only code that changes a case's status."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.files.storage import default_storage
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict

from accounts.models import User
from accounts.selectors import (
    PARTICULARS_MISSING,
    UNVERIFIED_PERSON,
    enterprise_for_user,
    particulars_needed,
    verified_identity,
)
from cases.answers import department_counts_replace
from cases.confirmation import Question, answer_due, questions_for, sealed_form_waiver
from cases.counters import counter_next
from cases.deadlines import DECISION_STATUSES, accept_due_on, accept_workdays, promised_workdays
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
    ConfirmationAnswer,
    ConfirmationKind,
    ConfirmationStatus,
    EmployerConfirmation,
    Notice,
    NoticeKind,
    SubmitMethod,
)
from cases.register import register_record_for
from cases.selectors import draft_open_for_applicant
from cases.sharing import case_record_enqueue
from cases.transitions import transition_find
from cases.types import eligibility_refusals, required_materials, type_for_item
from catalog.models import Material, ServiceItem
from catalog.selectors import item_materials_prefetch
from lib.errors import ApplicationError
from lib.storage import file_save
from lib.uploads import CheckedFile, extension_for, safe_display_name
from notifications.services import inbox_message_create, sms_enqueue, sms_render

SMS_SIGNATURE = "【辽宁政务服务网】"

# 《行政许可法》: a complete application is accepted (or refused) within 5 working days.

DRAFT_CONFLICT = "此申请已在其他窗口或设备上修改，请刷新页面后再继续"


# A second fresh page of one 办理项 (two 开始申请 tabs) saving after the first made its draft.
DRAFT_OPEN_ELSEWHERE = "此事项已在其他窗口或设备上开始填写并保存为草稿，请刷新页面后在该草稿中继续填写"


class DraftConflict(ApplicationError):
    """A save from a page that did not see the draft's latest version: the autosave answers
    409 and 保存信息 shows it as the form's error, instead of a generic refusal."""


# The enterprise roles answer the question of their kind (ADR 19).
ENTERPRISE_ROLES = {
    ActorRole.EMPLOYER: ConfirmationKind.EMPLOYMENT,
    ActorRole.FORMER_EMPLOYER: ConfirmationKind.RELEASE,
}


def _actor_may(*, case: Case, actor: User | None, role: str) -> bool:
    if role == ActorRole.SYSTEM or actor is None:
        # Nobody acts as the system, and the system takes no one's step.
        return role == ActorRole.SYSTEM and actor is None
    if role == ActorRole.APPLICANT:
        return actor.pk == case.applicant_id
    if role in ENTERPRISE_ROLES:
        # The verified enterprise the case asks, while it asks: the 统一社会信用代码 of a
        # question waiting on this case is the enterprise's own.
        enterprise = enterprise_for_user(user=actor) if actor.is_legal else None
        return (
            enterprise is not None
            and enterprise.is_verified
            and case.confirmations.filter(
                kind=ENTERPRISE_ROLES[ActorRole(role)],
                uscc=enterprise.uscc,
                status=ConfirmationStatus.WAITING,
            ).exists()
        )
    return (
        actor.is_department_staff and actor.staff_role == role and actor.department_id == case.department_id
    )


def case_lock(case: Case) -> Case:
    """The row of `case`, read again under its lock (inside the caller's transaction). The
    rows the caller read with it (办理项, 事项, 部门, applicant) do not change with a case's
    status: they are kept rather than read again."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    for name in ("item", "matter", "department", "applicant"):
        field = Case._meta.get_field(name)
        assert isinstance(field, models.ForeignKey)
        if field.is_cached(case) and getattr(locked, field.attname) == getattr(case, field.attname):
            field.set_cached_value(locked, field.get_cached_value(case))
    return locked


def case_transition(
    *,
    case: Case,
    action: str,
    actor: User | None,
    opinion: str = "",
    data: dict[str, Any] | None = None,
    locked: bool = False,
    fields: dict[str, Any] | None = None,
) -> tuple[Case, CaseEvent]:
    """Move `case` by `action` if the table allows it from its current status and `actor`
    holds the role for it; lock the row and write the event. Must run inside the caller's
    transaction, together with whatever else the step writes. `actor` is None for the steps
    of the system (the silence rule of 解聘确认, the hand-over to the department).

    `locked`: `case` is the row the caller read with `case_lock` in this transaction, so it
    is not read again. `fields`: other columns the step writes, saved in the same UPDATE.

    Of two people acting on one case at once, the second waits for the lock, then finds the
    status changed and is refused with a message that says so."""
    assert transaction.get_connection().in_atomic_block, "case_transition runs inside a transaction"
    row = case if locked else case_lock(case)
    transition = transition_find(status=row.status, action=action)
    if transition is None:
        raise ApplicationError(
            f"该办件当前状态为“{CaseStatus(row.status).label}”，不能{CaseAction(action).label}。"
            "可能已由其他人员办理，请刷新页面查看最新状态。"
        )
    if not _actor_may(case=row, actor=actor, role=transition.role):
        raise ApplicationError("您没有办理该办件此环节的权限")
    if row.clock_paused and transition.target not in DECISION_STATUSES:
        # A 特别程序 is open (ADR 25): its days are not yet known, so the decision period is not
        # either; deciding now would leave the clock stopped on a finished case.
        raise ApplicationError("该办件正在特别程序中（暂停计时），请先结束特别程序再办理")
    event = CaseEvent.objects.create(
        case=row,
        action=action,
        from_status=row.status,
        to_status=transition.target,
        actor=actor,
        actor_role=transition.role,
        actor_name=actor.name if actor is not None else str(ActorRole.SYSTEM.label),
        opinion=opinion,
        data=data or {},
    )
    row.status = transition.target
    _times_stamp(case=row, action=CaseAction(action), at=event.created_at)
    for name, value in (fields or {}).items():
        setattr(row, name, value)
    row.save(
        update_fields=[
            "status",
            "number",
            "updated_at",
            *CASE_DAYS.keys(),
            *CASE_DAYS.values(),
            *(fields or {}),
        ]
    )
    # The province's 办件 collection hears of every change, in this transaction.
    case_record_enqueue(case=row, event=event)
    # The workbench's tab counts of the department (cases.answers).
    department_counts_replace(department_id=row.department_id)
    return row, event


def _times_stamp(*, case: Case, action: CaseAction, at: datetime) -> None:
    """The times a change writes, with the change itself: a case gets its 办件编号 when first
    submitted, and every (re)submission, 受理 and 办结 is dated by its event."""
    # A proceeding the authority starts (ADR 27) is numbered like an application, when started.
    numbered = (CaseAction.SUBMIT, CaseAction.SUBMIT_TO_EMPLOYER, CaseAction.RESUBMIT, CaseAction.INITIATE)
    if action in numbered and not case.number:
        today = timezone.localdate(at)
        case.number = f"LN{today:%Y%m%d}{counter_next(key=f'case-{today:%Y%m%d}'):05d}"
    # Arriving at the department starts the legal clock; time with the employer does not count.
    if action in (CaseAction.SUBMIT, CaseAction.RESUBMIT, CaseAction.FORWARD, CaseAction.INITIATE):
        case.submitted_at = at
    elif action == CaseAction.ACCEPT:
        case.accepted_at = at
    elif action == CaseAction.REVIEW:
        case.reviewed_at = at
    if case.status in FINISHED_STATUSES:
        case.decided_at = at
    case_days_fill(case=case)


# The times whose local day the case keeps beside them, and the fields of those days.
CASE_DAYS = {
    "submitted_at": "submitted_on",
    "accepted_at": "accepted_on",
    "reviewed_at": "reviewed_on",
    "decided_at": "decided_on",
}


def case_days_fill(*, case: Case) -> None:
    """Write the days (in the portal's time zone) of the case's times on it, not saving: the
    statistics count by day (ADR 0028). Called wherever the times are written — the steps
    (`_times_stamp`), the history written in bulk (`figures.history`); the migration that
    added the days filled the cases before it."""
    for time_field, day_field in CASE_DAYS.items():
        moment = getattr(case, time_field)
        setattr(case, day_field, timezone.localdate(moment) if moment is not None else None)


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
    Every save raises the version by one.

    An applicant has one open draft per 办理项 (开始申请 resumes it): a new page whose first
    save finds another page's draft of the same 办理项 is refused with `DraftConflict` too."""
    if submit_method and submit_method not in SubmitMethod.values:
        raise ApplicationError("请选择提交方式")
    with transaction.atomic():
        if case is None:
            # The applicant's row, locked: two first saves of two fresh pages take turns, so
            # the second sees the draft the first made (and the same page posted twice finds
            # its own draft by its token).
            User.objects.select_for_update().filter(pk=user.pk).first()
        if case is None and client_token is not None:
            case = Case.objects.filter(client_token=client_token, applicant=user).first()
            if case is not None and expected_version is None:
                # The same new page saved again: it last saw the version its first save made.
                expected_version = case.version
        if case is None:
            if draft_open_for_applicant(user=user, item=item) is not None:
                raise DraftConflict(DRAFT_OPEN_ELSEWHERE)
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
        locked = case_lock(case)
        if locked.status not in EDITABLE_STATUSES:
            raise ApplicationError(f"办件当前状态为“{CaseStatus(locked.status).label}”，不能再修改申请表")
        _draft_apply(locked, DraftChange(form_data, submit_method, expected_version), user=user)
        locked.save(update_fields=[*DRAFT_FIELDS, "updated_at"])
        return locked


@dataclass(frozen=True)
class DraftChange:
    """What 保存信息 writes into a draft: the typed answers, the 提交方式 chosen (if any) and
    the draft's version the saving page was loaded with (None: not checked)."""

    form_data: dict[str, Any]
    submit_method: str = ""
    expected_version: int | None = None


DRAFT_FIELDS = ("form_data", "employer_uscc", "submit_method", "version")


def _draft_apply(locked: Case, change: DraftChange, *, user: User) -> None:
    """`change` into the locked draft's fields (saved by the caller, `DRAFT_FIELDS`); refused
    with `DraftConflict` when the draft has moved on since the page was loaded."""
    if change.submit_method and change.submit_method not in SubmitMethod.values:
        raise ApplicationError("请选择提交方式")
    if change.expected_version is not None and change.expected_version != locked.version:
        raise DraftConflict(DRAFT_CONFLICT)
    locked.form_data = change.form_data
    locked.version += 1
    locked.employer_uscc = _employer_uscc(user, change.form_data)
    if change.submit_method:
        locked.submit_method = change.submit_method


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


@dataclass(frozen=True)
class MaterialsGiven:
    """What a case holds for its materials, as the checks and the receipt count it: the files
    in force per material code, and the codes with a commitment in force."""

    files: dict[str, int]
    committed: frozenset[str]


def materials_given(case: Case) -> MaterialsGiven:
    """The files and commitments in force of `case`, by material code, in one statement (the
    codes of both, UNION ALL): 保存并提交 needs their codes, not their rows."""
    files = (
        case.attachments.filter(removed_at__isnull=True)
        .order_by()
        .values_list("material_code", models.Value(False, output_field=models.BooleanField()))
    )
    commitments = (
        case.commitments.filter(withdrawn_at__isnull=True)
        .order_by()
        .values_list("material_code", models.Value(True, output_field=models.BooleanField()))
    )
    counts: dict[str, int] = {}
    committed: set[str] = set()
    for code, is_commitment in files.union(commitments, all=True):
        if is_commitment:
            committed.add(code)
        else:
            counts[code] = counts.get(code, 0) + 1
    return MaterialsGiven(files=counts, committed=frozenset(committed))


def missing_materials(case: Case) -> list[Material]:
    """The required materials with neither a file nor a commitment in force: a 告知承诺
    counts as the material while the catalogue still offers it (ADR 20); the signed-and-sealed
    form is not required while the employer confirms, or confirmed, online (ADR 19)."""
    return _missing(case, materials_given(case), questions=None)


def _missing(case: Case, given: MaterialsGiven, *, questions: list[Question] | None) -> list[Material]:
    required = required_materials(item=case.item, form_data=case.form_data)
    if any(m.sealed_by_employer for m in required) and sealed_form_waiver(case, questions=questions):
        required = [m for m in required if not m.sealed_by_employer]
    return [
        m
        for m in required
        if not given.files.get(m.code) and not (m.code in given.committed and m.commitment_offered)
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


def case_submit(*, case: Case, user: User, draft: DraftChange | None = None, locked: bool = False) -> Case:
    """保存并提交: check the form, eligibility and materials and give the case its 办件编号.
    Then, when an enterprise with a verified account is to confirm it (`cases.confirmation`),
    the case waits for it in 待单位确认 and the enterprise is told; otherwise it reaches the
    department: the 受理 clock starts and the 材料接收告知单 is issued. A second submission of
    the same case (double click, replayed POST, another tab) is refused, so it stays one case.

    With `draft`, the answers the page posted are saved first, under the same lock and in the
    same UPDATE as the submission (保存 and 提交 of one click); they stay saved when the
    submission is refused. `case` should come with its 办理项, 事项 and 部门 (the selectors
    read them together): they are not read again.

    `locked`: `case` is the row the caller read under its lock in the transaction this runs
    in (`selectors.case_get_for_applicant(for_update=True)`), so it is not read again."""
    app_type = type_for_item(case.item)
    if app_type is None:
        raise ApplicationError(f"“{case.item.name}”暂未开通网上申请")
    today = timezone.localdate()
    refused: ApplicationError | None = None
    if locked:
        assert transaction.get_connection().in_atomic_block, "a locked case is locked in a transaction"
    with transaction.atomic():
        row = case if locked else case_lock(case)
        if row.applicant_id == user.pk:
            row.applicant = user
        if row.status not in EDITABLE_STATUSES:
            raise ApplicationError("该办件已提交，请勿重复提交")
        if draft is not None:
            _draft_apply(row, draft, user=user)
        if verified_identity(user) is None:
            # Drafts may wait; nothing reaches the department, the register or a certificate
            # from an identity the real-name source has not confirmed.
            refused = ApplicationError(UNVERIFIED_PERSON)
        elif particulars_needed(user):
            # An account opened with another document before 注册 asked for 性别 and 出生日期
            # (ADR 0038): its draft waits for them, or the grant could not write the register.
            refused = ApplicationError(PARTICULARS_MISSING)
        else:
            refused = _submit_or_refusal(case=row, user=user, today=today, draft=draft)
        if refused is not None and draft is not None:
            # Refused, but what was typed is kept, as 保存信息 would keep it.
            row.save(update_fields=[*DRAFT_FIELDS, "updated_at"])
    if refused is not None:
        raise refused
    return row


def _submit_or_refusal(
    *, case: Case, user: User, today: date, draft: DraftChange | None
) -> ApplicationError | None:
    """The submission of the locked `case`, or why it is refused (nothing written then)."""
    # The catalogue's materials of the 办理项, for the checks and the receipt: kept under the
    # catalogue's version, not read at every submission.
    item_materials_prefetch(item=case.item)
    given = materials_given(case)
    # A resubmission after 补正 goes back to the department: what the employer confirmed
    # stands (and without a confirmation of the employer named now, the sealed form is
    # required, `missing_materials`).
    questions = questions_for(case) if case.status == CaseStatus.DRAFT else []
    problems: list[str] = []
    form = form_for_case(case)
    if form is not None and not form.is_valid():
        labels = [str(form.fields[name].label) for name in form.errors if name in form.fields]
        problems.append("申请表中以下内容需要填写或更正：" + "、".join(labels or ["申请表"]))
    missing = _missing(case, given, questions=questions)
    if missing:
        problems.append("以下必传材料尚未上传：" + "、".join(m.name for m in missing))
    if not case.submit_method:
        problems.append("请先点击“保存信息”并选择提交方式")
    problems += eligibility_refusals(
        item=case.item, user=user, today=today, case_pk=case.pk, form_data=case.form_data
    )
    if problems:
        return ApplicationError("；".join(problems))

    if case.status != CaseStatus.DRAFT:
        action = CaseAction.RESUBMIT
    else:
        action = CaseAction.SUBMIT_TO_EMPLOYER if questions else CaseAction.SUBMIT
    fields: dict[str, Any] = {name: getattr(case, name) for name in DRAFT_FIELDS} if draft else {}
    if action != CaseAction.SUBMIT_TO_EMPLOYER:
        fields.update(_arrival_fields(case=case, today=today))
    # The transition gives the case its number and dates its arrival at the department.
    case, event = case_transition(case=case, action=action, actor=user, locked=True, fields=fields)
    if case.status == CaseStatus.CONFIRMING:
        for question in questions:
            _confirmation_ask(case=case, question=question, today=today)
    else:
        _receipt_issue(case=case, event=event, given=given)
    return None


def _arrival_fields(*, case: Case, today: date) -> dict[str, Any]:
    """What the case's arrival at the department writes with its transition: the 受理 clock
    starts (again, at a resubmission: time waiting for 补正 or for the employer does not
    count)."""
    return {"accept_due": accept_due_on(submitted_on=today, days=accept_workdays(case.item))}


def _receipt_issue(*, case: Case, event: CaseEvent, given: MaterialsGiven | None = None) -> None:
    """The case has reached the department: the 材料接收告知单."""
    if given is None:
        given = materials_given(case)
    notice_issue(case=case, kind=NoticeKind.RECEIPT, event=event, data=_receipt_data(case, given))


def form_for_case(case: Case) -> ApplicationForm | None:
    """The type's form bound to what was saved (lists for multi-selects, strings otherwise),
    checked against what the register holds for the applicant now."""
    app_type = type_for_item(case.item)
    if app_type is None:
        return None
    data = MultiValueDict({k: v if isinstance(v, list) else [v] for k, v in case.form_data.items()})
    applicant: User = case.applicant
    return app_type.form_class(data=data, record=register_record_for(applicant))


def _receipt_data(case: Case, given: MaterialsGiven) -> dict[str, Any]:
    materials = [
        {"name": m.name, "files": given.files[m.code]}
        for m in case.item.materials.all()
        if given.files.get(m.code)
    ] + [
        # Received as a commitment: no file, the commitment itself (ADR 20).
        {"name": f"{m.name}（告知承诺）", "files": 0}
        for m in case.item.materials.all()
        if m.code in given.committed and not given.files.get(m.code)
    ]
    return {
        "materials": materials,
        "promised_days": promised_workdays(case.item),
        "legal_days": case.matter.legal_days,
        # As the receipt states it when issued: the catalogue may change later.
        "accept_days": accept_workdays(case.item),
    }


def case_withdraw(*, case: Case, user: User, reason: str = "") -> Case:
    with transaction.atomic():
        locked, _ = case_transition(case=case, action=CaseAction.WITHDRAW, actor=user, opinion=reason)
        # Withdrawn while the employer was asked: nothing is left for it to answer.
        _confirmations_close(case=locked, status=ConfirmationStatus.CANCELLED)
        return locked


# --- 单位确认 and 解聘确认 (ADR 19) ------------------------------------------------------------


@dataclass(frozen=True)
class AnswerRule:
    action: CaseAction
    status: ConfirmationStatus
    # The reason an enterprise must give; the applicant and the staff read it.
    reason_needed: str = ""


ANSWERS: dict[tuple[str, str], AnswerRule] = {
    (ConfirmationKind.EMPLOYMENT, ConfirmationAnswer.CONFIRM): AnswerRule(
        CaseAction.EMPLOYER_CONFIRM, ConfirmationStatus.CONFIRMED
    ),
    (ConfirmationKind.EMPLOYMENT, ConfirmationAnswer.RETURN): AnswerRule(
        CaseAction.EMPLOYER_RETURN, ConfirmationStatus.RETURNED, "请填写退回理由，申请人将看到此理由"
    ),
    (ConfirmationKind.RELEASE, ConfirmationAnswer.AGREE): AnswerRule(
        CaseAction.RELEASE_AGREE, ConfirmationStatus.AGREED
    ),
    (ConfirmationKind.RELEASE, ConfirmationAnswer.OBJECT): AnswerRule(
        CaseAction.RELEASE_OBJECT, ConfirmationStatus.OBJECTED, "请填写异议理由，审批部门将据此核实"
    ),
}


def _confirmation_ask(*, case: Case, question: Question, today: date) -> EmployerConfirmation:
    """Ask one enterprise about `case`, and tell its 经办人 by SMS and in its 站内消息."""
    enterprise = question.enterprise
    confirmation = EmployerConfirmation.objects.create(
        case=case,
        kind=question.kind,
        uscc=enterprise.uscc,
        enterprise_name=enterprise.user.name,
        due=answer_due(kind=question.kind, matter=case.matter, asked_on=today),
    )
    release = question.kind == ConfirmationKind.RELEASE
    context: dict[str, object] = {
        "applicant": case.applicant_name,
        "item": case.item.name,
        "number": case.number,
        "due": f"{confirmation.due:%Y年%m月%d日}",
    }
    account = enterprise.user
    template = "release_confirm_request" if release else "employer_confirm_request"
    if account.mobile:
        sms_enqueue(mobile=account.mobile, template=template, context=context, user=account)
    inbox_message_create(
        user=account,
        title="解聘确认" if release else "待确认申请",
        # The SMS's own words, without the sender's tag the phone shows.
        body=sms_render(template=template, context=context).removeprefix(SMS_SIGNATURE),
        link=reverse("cases:employer_case", args=[confirmation.pk]),
    )
    return confirmation


def _confirmations_close(*, case: Case, status: ConfirmationStatus) -> None:
    """The questions still waiting on `case` end without an answer (退回, 撤回, 改为纸质确认)."""
    for waiting in case.confirmations.filter(status=ConfirmationStatus.WAITING):
        waiting.status = status
        waiting.save(update_fields=["status"])


def _forward_if_settled(*, case: Case) -> Case:
    """When no enterprise is asked any more, the case goes to the department: the legal clock
    starts now, not at the applicant's submission."""
    if case.confirmations.filter(status=ConfirmationStatus.WAITING).exists():
        return case
    today = timezone.localdate()
    case, event = case_transition(
        case=case, action=CaseAction.FORWARD, actor=None, fields=_arrival_fields(case=case, today=today)
    )
    _receipt_issue(case=case, event=event)
    inbox_message_create(
        user=case.applicant,
        title="申请已送交受理部门",
        body=f"{case.matter.name}（{case.item.name}），办件编号{case.number}：单位确认已完成，申请已送交{case.department.name}，"
        "可在“我的办件”查看材料接收告知单。",
        link=reverse("cases:detail", args=[case.pk]),
    )
    return case


def confirmation_answer(
    *, confirmation: EmployerConfirmation, user: User, answer: str, reason: str = ""
) -> EmployerConfirmation:
    """An enterprise's 「确认」/「退回」 (单位确认) or 「同意解聘」/「有异议」 (解聘确认), with its
    reason where one is needed. The step goes on the case's timeline; when nothing waits any
    more the case reaches the department; a 退回 gives the case back to the applicant, told
    why by SMS and in the 站内消息.

    `confirmation` must come from `selectors.confirmation_get_for_enterprise`. A second click
    of the same answer finds it given and changes nothing; another answer after it is refused."""
    rule = ANSWERS.get((confirmation.kind, answer))
    if rule is None:
        raise ApplicationError("该确认事项不能这样答复")
    reason = reason.strip()
    if rule.reason_needed and not reason:
        raise ApplicationError(rule.reason_needed)
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=confirmation.case_id)
        row = EmployerConfirmation.objects.select_for_update().get(pk=confirmation.pk)
        if row.status != ConfirmationStatus.WAITING:
            if row.status == rule.status and row.answered_by_id == user.pk:
                return row
            raise ApplicationError(f"该申请已办理（{row.get_status_display()}），无需再次办理")
        enterprise = enterprise_for_user(user=user)
        case, _ = case_transition(
            case=case,
            action=rule.action,
            actor=user,
            opinion=reason if rule.reason_needed else "",
            data={"enterprise": row.enterprise_name, "uscc": row.uscc},
        )
        row.status = rule.status
        row.answered_at = timezone.now()
        row.answered_by = user
        row.answered_by_name = user.name
        row.agent_name = enterprise.agent_name if enterprise else ""
        row.reason = reason if rule.reason_needed else ""
        row.save(
            update_fields=["status", "answered_at", "answered_by", "answered_by_name", "agent_name", "reason"]
        )
        if rule.action == CaseAction.EMPLOYER_RETURN:
            # A question to the former employer asked in the same round waits no more: the
            # next submission asks it again unless it answered.
            _confirmations_close(case=case, status=ConfirmationStatus.CANCELLED)
            _returned_notify(case=case, enterprise=row.enterprise_name, reason=reason)
        else:
            _forward_if_settled(case=case)
        return row


def _returned_notify(*, case: Case, enterprise: str, reason: str) -> None:
    applicant: User = case.applicant
    context: dict[str, object] = {
        "matter": case.matter.name,
        "item": case.item.name,
        "number": case.number,
        "reason": reason,
    }
    if applicant.mobile:
        sms_enqueue(
            mobile=applicant.mobile, template="case_employer_returned", context=context, user=applicant
        )
    inbox_message_create(
        user=applicant,
        title="申请被聘用单位退回",
        body=f"{case.matter.name}（{case.item.name}），办件编号{case.number}：{enterprise}退回了申请，理由：{reason}。"
        "请修改后重新点击“保存并提交”。",
        link=reverse("cases:detail", args=[case.pk]),
    )


def release_silence_record(*, confirmation: EmployerConfirmation, today: date) -> bool:
    """解聘确认 unanswered past its last day: recorded as agreement (the province's rule,
    `Matter.release_silence_days`), by the daily job. Returns whether it was recorded now;
    under the case's lock, so a late answer and the job never both count."""
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=confirmation.case_id)
        row = EmployerConfirmation.objects.select_for_update().get(pk=confirmation.pk)
        if (
            row.kind != ConfirmationKind.RELEASE
            or row.status != ConfirmationStatus.WAITING
            or today <= row.due
        ):
            return False
        asked_on = timezone.localdate(row.requested_at)
        case, _ = case_transition(
            case=case,
            action=CaseAction.RELEASE_DEEMED,
            actor=None,
            opinion=f"原聘用单位{row.enterprise_name}自{asked_on:%Y年%m月%d日}收到解聘确认后，"
            f"至{row.due:%Y年%m月%d日}未答复，视为同意解聘",
            data={"enterprise": row.enterprise_name, "uscc": row.uscc},
        )
        row.status = ConfirmationStatus.DEEMED
        row.answered_at = timezone.now()
        row.save(update_fields=["status", "answered_at"])
        _forward_if_settled(case=case)
        return True


def case_paper_path(*, case: Case, user: User) -> Case:
    """「改为纸质确认」: the employer let its 单位确认 run past its time, so the applicant takes
    the case back and goes the manual's way (the signed-and-sealed form is required again for
    this employer). When every required material is there, the case is submitted at once and
    reaches the department; otherwise it waits as a 草稿 for the sealed form's upload."""
    today = timezone.localdate()
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        overdue = locked.confirmations.overdue(kind=ConfirmationKind.EMPLOYMENT, today=today)
        if locked.status != CaseStatus.CONFIRMING:
            # A second click finds the case already switched (or answered meanwhile).
            raise ApplicationError(f"该办件当前状态为“{CaseStatus(locked.status).label}”，无需改为纸质确认")
        if not overdue.exists():
            raise ApplicationError("聘用单位的确认期限未过，暂不能改为纸质确认")
        locked, _ = case_transition(case=locked, action=CaseAction.PAPER_PATH, actor=user)
        _confirmations_close(case=locked, status=ConfirmationStatus.PAPER)
    if missing_materials(locked):
        return locked
    try:
        return case_submit(case=locked, user=user)
    except ApplicationError:
        # Refused for another reason (the form, eligibility): the 草稿's page says which.
        return Case.objects.get(pk=locked.pk)


# --- Notices ------------------------------------------------------------------------------

NOTICE_ABBREVIATIONS = {
    NoticeKind.RECEIPT: "收",
    NoticeKind.ACCEPTANCE: "受",
    NoticeKind.CORRECTION: "补",
    NoticeKind.REJECTION: "不受",
    NoticeKind.APPROVAL: "准",
    NoticeKind.DENIAL: "不准",
    NoticeKind.FALSE_PLEDGE: "核",
    NoticeKind.EXTENSION: "延",
    NoticeKind.PAUSE: "特",
    NoticeKind.STATEMENT: "申",
    NoticeKind.REVOCATION: "撤",
    NoticeKind.FORCED_CANCEL: "销",
    NoticeKind.NOT_REVOKED: "不撤",
    NoticeKind.NOT_CANCELLED: "不销",
}


# Every notice is sealed (ADR 0033): `certificates` owns the seal, and `cases` may not import
# it, so it hands in, when Django starts, what records the sealing of a new notice (in the
# transaction that issues it, for the worker to do), as `registry` hands in its readers (ADR 6).
NoticeSealer = Callable[[Notice], object]
_notice_sealer: list[NoticeSealer] = []


def notice_sealer_provide(sealer: NoticeSealer) -> None:
    """Called by `certificates.apps` at start-up; a second call replaces the first."""
    _notice_sealer[:] = [sealer]


def notice_sealer_missing() -> bool:
    return not _notice_sealer


def notice_issue(*, case: Case, kind: str, event: CaseEvent | None, data: dict[str, Any]) -> Notice:
    """Record a document with its content and a 文书编号 such as 辽建许受〔2026〕12号, and have
    it sealed: its sealed OFD is made in the worker after this transaction commits."""
    year = timezone.localdate().year
    serial = counter_next(key=f"notice-{kind}-{year}")
    number = f"辽建许{NOTICE_ABBREVIATIONS[NoticeKind(kind)]}〔{year}〕{serial}号"
    notice = Notice.objects.create(case=case, kind=kind, number=number, data=data, event=event)
    for sealer in _notice_sealer:
        sealer(notice)
    return notice

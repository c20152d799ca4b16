"""Reads of cases, scoped to who is asking. A case, file or notice that is not yours (or, for
staff, not your department's) does not exist: 404, never someone else's data."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import Enterprise, User
from accounts.selectors import enterprise_for_user
from cases.models import (
    BEFORE_DEPARTMENT_STATUSES,
    Attachment,
    Case,
    CaseAction,
    CaseEvent,
    CaseStatus,
    ConfirmationStatus,
    EmployerConfirmation,
    Notice,
)
from cases.types import REUSABLE_MATERIALS
from catalog.models import ServiceItem


def case_list_for_applicant(*, user: User) -> QuerySet[Case]:
    # 我的办件 shows no answers of the form: their decryption would cost more than the rows.
    return (
        Case.objects.filter(applicant=user)
        .select_related("matter", "item")
        .defer("form_data")
        .order_by("-updated_at", "-id")
    )


def case_get_for_applicant(*, user: User, pk: int, for_update: bool = False) -> Case:
    """`for_update`: the case's row (not its 办理项's, 事项's or 部门's) locked until the
    caller's transaction ends, for a write that starts from this read (保存并提交): the row is
    read once, not read and then read again under the lock."""
    # The 办理项's own 事项 too: its time limits fall back on the 事项's (`cases.deadlines`).
    cases = Case.objects.select_related("matter", "item__matter", "department")
    if for_update:
        cases = cases.select_for_update(of=("self",))
    try:
        return cases.get(pk=pk, applicant=user)
    except Case.DoesNotExist:
        raise Http404("没有这个办件") from None


def case_get_for_applicant_by_number(*, user: User, number: str) -> Case:
    """The applicant's own case by its 办件编号 (the open API): anyone else's is a 404."""
    try:
        return Case.objects.select_related("matter", "item", "department").get(number=number, applicant=user)
    except Case.DoesNotExist:
        raise Http404("没有这个办件") from None


def draft_open_for_applicant(*, user: User, item: ServiceItem) -> Case | None:
    """The applicant's unsubmitted draft for this 办理项, the latest if several were started
    (before 开始申请 resumed drafts): 开始申请 opens it instead of starting another."""
    return (
        Case.objects.filter(applicant=user, item=item, status=CaseStatus.DRAFT)
        .order_by("-updated_at", "-id")
        .first()
    )


def _staff_cases(user: User) -> QuerySet[Case]:
    # Those who 受理, 审查 or 审批 in the case's department, nobody else: not the three
    # administrators (三员分立, accounts/roles.py), whatever their department.
    if not user.works_on_cases or user.department_id is None:
        return Case.objects.none()
    # Drafts are the applicant's own business until submitted, and a case waiting for its
    # employer's confirmation has not reached the department yet.
    return Case.objects.filter(department_id=user.department_id).exclude(
        status__in=BEFORE_DEPARTMENT_STATUSES
    )


def case_get_for_staff(*, user: User, pk: int) -> Case:
    try:
        return _staff_cases(user).select_related("matter", "item", "department", "applicant").get(pk=pk)
    except Case.DoesNotExist:
        raise Http404("没有这个办件") from None


def case_get_for_user(*, user: User, pk: int) -> Case:
    """For pages both sides open (files, notices): the applicant's own, or the department's."""
    if user.is_department_staff:
        return case_get_for_staff(user=user, pk=pk)
    return case_get_for_applicant(user=user, pk=pk)


def attachment_get_for_user(*, user: User, case_pk: int, pk: int) -> Attachment:
    case = case_get_for_user(user=user, pk=case_pk)
    try:
        return case.attachments.get(pk=pk)
    except Attachment.DoesNotExist:
        raise Http404("没有这个文件") from None


def notice_get_for_user(*, user: User, case_pk: int, pk: int) -> Notice:
    case = case_get_for_user(user=user, pk=case_pk)
    try:
        return case.notices.select_related("case", "case__matter", "case__item", "case__department").get(
            pk=pk
        )
    except Notice.DoesNotExist:
        raise Http404("没有这个文书") from None


def case_timeline(case: Case) -> QuerySet[CaseEvent]:
    return case.events.order_by("created_at", "id")


def case_employer_return(case: Case) -> CaseEvent | None:
    """The employer's 退回 the applicant is answering now, if any (the case is a 草稿 again)."""
    if case.status != CaseStatus.DRAFT:
        return None
    latest = case.events.order_by("-created_at", "-id").first()
    return latest if latest is not None and latest.action == CaseAction.EMPLOYER_RETURN else None


def case_open_correction(case: Case) -> CaseEvent | None:
    """The 补正 request the applicant is answering now, if any."""
    if case.status != CaseStatus.CORRECTION:
        return None
    return case.events.filter(action=CaseAction.REQUEST_CORRECTION).order_by("-created_at", "-id").first()


def reusable_attachments(*, user: User, case: Case) -> dict[str, Attachment]:
    """By material code, the newest file the applicant gave for it in an earlier submitted
    application, for the materials that stay true (photo, signature, ID, qualification) and
    that this case still lacks."""
    codes = set(REUSABLE_MATERIALS) & set(case.item.materials.values_list("code", flat=True))
    present = set(
        case.attachments.filter(removed_at__isnull=True, material_code__in=codes).values_list(
            "material_code", flat=True
        )
    )
    earlier = (
        Attachment.objects.filter(
            case__applicant=user,
            case__number__isnull=False,
            uploaded_by=user,
            removed_at__isnull=True,
        )
        .exclude(case=case)
        .order_by("-uploaded_at", "-id")
    )
    found = {code: earlier.filter(material_code=code).first() for code in sorted(codes - present)}
    return {code: a for code, a in found.items() if a is not None}


def reusable_attachment_get(*, user: User, case: Case, code: str) -> Attachment:
    found = reusable_attachments(user=user, case=case).get(code)
    if found is None:
        raise Http404("没有可以沿用的材料")
    return found


# --- the enterprise's 待确认申请 (ADR 19) ------------------------------------------------------


def enterprise_of_legal_user(*, user: User) -> Enterprise:
    """The enterprise of a 法人 account; for anyone else the pages do not exist."""
    enterprise = enterprise_for_user(user=user) if user.is_authenticated and user.is_legal else None
    if enterprise is None:
        raise Http404("只有法人账号可以办理单位确认")
    return enterprise


def confirmations_waiting_for_enterprise(*, user: User) -> QuerySet[EmployerConfirmation]:
    """The questions waiting for the account's own enterprise, oldest first; none until the
    enterprise is verified (anyone can type a 统一社会信用代码)."""
    enterprise = enterprise_of_legal_user(user=user)
    if not enterprise.is_verified:
        return EmployerConfirmation.objects.none()
    return (
        EmployerConfirmation.objects.filter(uscc=enterprise.uscc.upper(), status=ConfirmationStatus.WAITING)
        .select_related("case__item", "case__matter")
        .order_by("requested_at", "id")
    )


def confirmation_get_for_enterprise(*, user: User, pk: int) -> EmployerConfirmation:
    """A question the account's own verified enterprise was asked (waiting or answered); for
    any other account, or another enterprise's question, a 404."""
    enterprise = enterprise_of_legal_user(user=user)
    if not enterprise.is_verified:
        raise Http404("本单位尚未通过企业认证")
    try:
        return EmployerConfirmation.objects.select_related(
            "case__item", "case__matter", "case__department", "case__applicant"
        ).get(pk=pk, uscc=enterprise.uscc.upper())
    except EmployerConfirmation.DoesNotExist:
        raise Http404("没有这个待确认申请") from None


# --- names for the audit row of a refused request -------------------------------------------


def case_named(*, pk: int) -> tuple[Case | None, str, int | None]:
    """The case a refused request asked for, by its number, and whose it is: read without
    scope for the audit trail only (nothing of it is served)."""
    case = Case.objects.filter(pk=pk).only("pk", "number", "applicant_id").first()
    if case is None:
        return None, "", None
    return case, case.number or f"办件 {case.pk}", case.applicant_id


def attachment_named(*, pk: int, att_pk: int) -> tuple[Attachment | None, str, int | None]:
    """The file a refused request asked for, by its case's number, and whose it is: read
    without scope for the audit trail only (nothing of it is served)."""
    _, label, subject = case_named(pk=pk)
    att = Attachment.objects.filter(pk=att_pk, case_id=pk).only("pk", "material_code").first()
    return att, f"{label} 材料 {att.material_code}" if att else label, subject


def notice_named(*, pk: int, notice_pk: int) -> tuple[Notice | None, str, int | None]:
    """The notice a refused request asked for (see `attachment_named`)."""
    _, label, subject = case_named(pk=pk)
    found = Notice.objects.filter(pk=notice_pk, case_id=pk).only("pk", "kind").first()
    return found, f"{label} {found.get_kind_display()}" if found else label, subject

"""The applicant's pages (the manual, section 2.1): 开始申请 → 保存信息 → 打印申请表 → upload
the materials → 保存并提交 → 材料接收告知单; then 我的办件 → 查看详情, 补正 and 撤回.

Each view parses the request, reads through `cases.selectors` (a case, file or notice that is
not yours is a 404), calls one service and renders or redirects."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import login_required_json
from accounts.models import User
from accounts.roles import administrators_refused
from accounts.selectors import UNVERIFIED_ENTERPRISE, request_user
from audit.models import AuditAction, AuditResult
from audit.services import audit_record
from cases import documents, selectors, services
from cases.confirmation import is_overdue, paper_path_open
from cases.deadlines import case_deadline
from cases.forms import ApplicationForm, EmployerAnswerForm
from cases.models import (
    EDITABLE_STATUSES,
    Case,
    CaseStatus,
    ConfirmationAnswer,
    ConfirmationKind,
    ConfirmationStatus,
    EmployerConfirmation,
    NoticeKind,
    SubmitMethod,
)
from cases.register import register_extract, register_reads_shared, register_record_for
from cases.services import DraftConflict
from cases.transitions import can_withdraw
from cases.types import ApplicationType, eligibility_refusals, type_for_item
from catalog.models import Material, MaterialKind, ServiceItem
from catalog.registration_types import is_proceeding
from lib.errors import ApplicationError
from lib.forms import SummaryItem
from lib.http import PRIVATE_HEADERS, private
from lib.ratelimit import LimitName, limit_refusal
from lib.uploads import (
    CheckedFile,
    UploadError,
    check_id_photo,
    check_signature,
    check_upload,
    download_name,
    msg_too_big,
)
from paperwork.pdf import pdf_response_headers, render_pdf

# 我的办件 shows this many cases a page.
MINE_PER_PAGE = 20

# Checks beyond "a real image" for the two materials the certificate prints.
CONTENT_CHECKS = {"photo": check_id_photo, "signature": check_signature}
# Where a refused upload waits for the page it returns to (the material's row shows it).
UPLOAD_REFUSAL_KEY = "cases.upload_refusal"
# ?check=1 on the edit page: a refused 保存并提交 came back, show the error summary.
CHECK_PARAM = "check"


# --- the application page (开始申请 / 继续填写) -------------------------------------------


def _values(data: Mapping[str, Any], name: str) -> list[Any]:
    if isinstance(data, MultiValueDict):
        return data.getlist(name)
    value = data.get(name)
    return value if isinstance(value, list) else [] if value is None else [value]


# No field of an application form is longer, nor has more choices: anything beyond is not
# typing, and a draft (saved every few seconds by the autosave) does not store it.
TYPED_MAX_CHARS = 1000
TYPED_MAX_VALUES = 100


def _typed_data(form_class: type[ApplicationForm], data: Mapping[str, Any]) -> dict[str, Any]:
    """What was typed, as typed, every field kept: a list for a multi-select, else a string."""
    typed: dict[str, Any] = {}
    for name, f in form_class.base_fields.items():
        values = [str(v)[:TYPED_MAX_CHARS] for v in _values(data, name)[:TYPED_MAX_VALUES]]
        typed[name] = values if isinstance(f, forms.MultipleChoiceField) else (values[-1] if values else "")
    return typed


def _with_hints(form: ApplicationForm) -> ApplicationForm:
    """Point out what is wrong in what was typed, without flagging every field still empty:
    a draft may be incomplete, 保存并提交 names what is missing."""
    form.is_valid()
    for name in list(form.errors):
        if name in form.fields and not any(v not in ("", None) for v in _values(form.data, name)):
            del form.errors[name]
    return form


def _version(post: MultiValueDict[str, Any]) -> int | None:
    """The draft version the saving page was loaded with (None from a page that sends none)."""
    try:
        return int(post.get("version", ""))
    except ValueError:
        return None


def _client_token(post: MultiValueDict[str, Any]) -> uuid.UUID | None:
    try:
        return uuid.UUID(post.get("client_token", ""))
    except ValueError:
        return None


def _render_form(
    request: HttpRequest,
    *,
    item: ServiceItem,
    app_type: ApplicationType,
    form: ApplicationForm,
    case: Case | None = None,
    client_token: uuid.UUID | None = None,
    status: int = 200,
    version: int | None = None,
) -> HttpResponse:
    form_data = _typed_data(app_type.form_class, form.data) if form.is_bound else {}
    correction = selectors.case_open_correction(case) if case else None
    user = request_user(request)
    materials = documents.material_rows(
        item=item,
        form_data=form_data,
        case=case,
        reusable=selectors.reusable_attachments(user=user, case=case) if case else {},
    )
    if refusal := _upload_refusal_pop(request, case):
        for row in materials:
            if row.material.code == refusal.get("code"):
                row.refusal = str(refusal.get("message", ""))
    # After a refused 保存并提交 (posted here, or redirected here with ?check=1): the summary
    # at the top lists what to correct, the materials still missing included, and takes the focus.
    # A save refused because another tab changed the draft (409) is not the user's to correct
    # field by field: its message stands alone (templates/cases/form.html).
    show_summary = (request.method == "POST" and status != HTTPStatus.CONFLICT) or CHECK_PARAM in request.GET
    submitted = request.POST.get("action") == "submit" or CHECK_PARAM in request.GET
    context = {
        "item": item,
        "matter": item.matter,
        "case": case,
        "app_type": app_type,
        "form": form,
        "profile": documents.applicant_profile(request_user(request)),
        "materials": materials,
        "correction": correction,
        "ask_method": case is None or not case.submit_method,
        "submit_methods": SubmitMethod.choices,
        "chosen_method": request.POST.get("submit_method", ""),
        "client_token": client_token,
        # A refused save keeps the version its page had, so that saving again is refused too.
        "version": version if version is not None else (case.version if case else None),
        "upload_max_mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024),
        "upload_max_bytes": settings.UPLOAD_MAX_BYTES,
        "show_summary": show_summary,
        "returned": selectors.case_employer_return(case) if case else None,
        "missing_summary": [
            SummaryItem(text=f"请上传“{m.name}”", href="#" + documents.material_anchor(m.code))
            for m in (services.missing_materials(case) if case and submitted else [])
        ],
        "record": form.record if app_type.shows_record else None,
        "extracted": form.extracted(),
    }
    return render(request, "cases/form.html", context, status=status)


def _draft_save(
    request: HttpRequest, *, user: User, case: Case, app_type: ApplicationType, form: ApplicationForm
) -> Case:
    """保存信息 and the autosave: the typed answers into the draft, refused (DraftConflict) when
    the page's version is not the draft's any more."""
    return services.case_draft_save(
        user=user,
        item=case.item,
        case=case,
        form_data=_answers(app_type, form),
        submit_method=request.POST.get("submit_method", ""),
        expected_version=_version(request.POST),
    )


def _draft_change(
    request: HttpRequest, app_type: ApplicationType, form: ApplicationForm
) -> services.DraftChange:
    """What 保存并提交 saves before it submits: the same as 保存信息 (`_draft_save`)."""
    return services.DraftChange(
        form_data=_answers(app_type, form),
        submit_method=request.POST.get("submit_method", ""),
        expected_version=_version(request.POST),
    )


def _form(
    app_type: ApplicationType, user: User, data: MultiValueDict[str, Any] | None = None
) -> ApplicationForm:
    """The type's form, checked against what the register holds for the applicant."""
    return app_type.form_class(data=data, record=register_record_for(user))


def _answers(app_type: ApplicationType, form: ApplicationForm) -> dict[str, Any]:
    """What to store: what was typed, as typed, and what 提取信息 filled in."""
    return {**_typed_data(app_type.form_class, form.data), **form.derived_data()}


def _extract(request: HttpRequest, form: ApplicationForm) -> tuple[ApplicationForm, int]:
    """「提取信息」: fill the form from the register, for the applicant's own 身份证号 only;
    with the HTTP status to answer (429 over the limits)."""
    user = request_user(request)
    # Limited per account, per address and overall: each try reads the register and is logged.
    limited = limit_refusal(LimitName.EXTRACT, request=request, subject=f"user:{user.pk}")
    if limited:
        messages.error(request, f"提取信息失败：{limited}")
        return form, 429
    try:
        record = register_extract(user=user, id_number=str(request.POST.get("id_number", "")))
    except ApplicationError as e:
        _extract_audited(request, user, result=AuditResult.DENIED, reason=e.message)
        messages.error(request, f"提取信息失败：{e.message}")
        return form, 200
    _extract_audited(request, user, result=AuditResult.SUCCESS)
    messages.success(request, "已从注册信息库提取您的注册信息，请核对")
    extracted = type(form)(data=form.data, record=record)
    return _with_hints(extracted), 200


def _extract_audited(request: HttpRequest, user: User, *, result: AuditResult, reason: str = "") -> None:
    # The register's own RegisterLookup row keeps the typed number masked; this row puts the
    # read on the one trail the auditor searches.
    audit_record(
        action=AuditAction.REGISTER_EXTRACT,
        request=request,
        label="提取注册信息",
        subject_id=user.pk,
        result=result,
        detail={"原因": reason} if reason else None,
    )


def _item_get(pk: int) -> ServiceItem:
    return get_object_or_404(ServiceItem.objects.select_related("matter__department"), pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
@register_reads_shared()
def start(request: HttpRequest, item_pk: int) -> HttpResponse:
    user, item = request_user(request), _item_get(item_pk)
    refusals = eligibility_refusals(item=item, user=user, today=timezone.localdate())
    app_type = type_for_item(item)
    if refusals or app_type is None:
        return render(request, "cases/refused.html", {"item": item, "refusals": refusals})
    if request.method != "POST":
        draft = selectors.draft_open_for_applicant(user=user, item=item)
        if draft is not None:
            # One draft per 办理项: 开始申请 again continues it rather than starting over.
            messages.info(request, "已为您打开此前保存的草稿，请继续填写")
            return redirect("cases:edit", pk=draft.pk)
        # A fresh token per page: a second 保存信息 of this page finds the draft the first made.
        form = _form(app_type, user)
        return _render_form(request, item=item, app_type=app_type, form=form, client_token=uuid.uuid4())
    form = _form(app_type, user, request.POST)
    token, method = _client_token(request.POST) or uuid.uuid4(), request.POST.get("submit_method", "")
    if request.POST.get("action") == "extract":
        form, status = _extract(request, form)
        return _render_form(
            request, item=item, app_type=app_type, form=form, client_token=token, status=status
        )
    if not method:
        messages.error(request, "请选择提交方式（网上提交、窗口提交或邮寄）后再点击“保存信息”")
        return _render_form(request, item=item, app_type=app_type, form=_with_hints(form), client_token=token)
    try:
        case = services.case_draft_save(
            user=user,
            item=item,
            form_data=_answers(app_type, form),
            submit_method=method,
            client_token=token,
        )
    except DraftConflict as e:
        # Saved again after another page changed the draft this one had made.
        form = _with_hints(form)
        form.add_error(None, e.message)
        return _render_form(request, item=item, app_type=app_type, form=form, client_token=token, status=409)
    except ApplicationError as e:
        # The same form posted again after it was submitted: that case lives in 我的办件.
        messages.error(request, e.message)
        return redirect("cases:mine")
    messages.success(request, "保存成功")
    if request.POST.get("action") == "submit":
        # The draft is saved: a refusal shows it on its edit page, with the reason.
        checked = reverse("cases:edit", args=[case.pk]) + f"?{CHECK_PARAM}=1"
        return _submit(request, case, on_error=lambda _: redirect(checked))
    return redirect("cases:edit", pk=case.pk)


def _submit(
    request: HttpRequest,
    case: Case,
    *,
    on_error: Callable[[Case], HttpResponse],
    draft: services.DraftChange | None = None,
) -> HttpResponse:
    try:
        submitted = services.case_submit(case=case, user=request_user(request), draft=draft)
    except DraftConflict:
        raise  # the edit page answers it as a conflicting save (409)
    except ApplicationError as e:
        return _refused_submit(request, case, e, on_error=on_error)
    return _submitted(request, submitted)


def _submitted(request: HttpRequest, case: Case) -> HttpResponse:
    if case.status == CaseStatus.CONFIRMING:
        # No 材料接收告知单 yet: the department receives the case after the employer confirms.
        messages.success(request, _CONFIRMING_MESSAGE)
        return redirect("cases:detail", pk=case.pk)
    messages.success(request, "提交成功，请留存材料接收告知单")
    return redirect("cases:receipt", pk=case.pk)


_CONFIRMING_MESSAGE = (
    "提交成功，已通知聘用单位在线确认。单位确认后申请将送交受理部门，届时可查看材料接收告知单"
)


def _refused_submit(
    request: HttpRequest, case: Case, error: ApplicationError, *, on_error: Callable[[Case], HttpResponse]
) -> HttpResponse:
    fresh = selectors.case_get_for_applicant(user=request_user(request), pk=case.pk)
    if fresh.status not in EDITABLE_STATUSES:
        return _not_editable(request, fresh, submitting=True)
    messages.error(request, error.message)
    # The draft as it stands now (what the refused 保存并提交 saved, its new version).
    return on_error(fresh)


def _not_editable(request: HttpRequest, case: Case, *, submitting: bool) -> HttpResponse:
    """A double click, a replayed POST or a second tab: the case was submitted already."""
    if submitting and case.number and case.status == CaseStatus.PENDING:
        messages.info(request, "该办件已提交，请勿重复提交。以下是材料接收告知单。")
        return redirect("cases:receipt", pk=case.pk)
    if submitting and case.status == CaseStatus.CONFIRMING:
        messages.info(request, "该办件已提交，正在等待聘用单位确认，请勿重复提交")
        return redirect("cases:detail", pk=case.pk)
    messages.info(request, f"办件当前状态为“{case.get_status_display()}”，不能再修改申请表和材料")
    return redirect("cases:detail", pk=case.pk)


@login_required
@require_http_methods(["GET", "POST"])
@register_reads_shared()
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    if request.method == "POST" and request.POST.get("action") == "submit":
        return _edit_submit(request, user=user, pk=pk)
    case = selectors.case_get_for_applicant(user=user, pk=pk)
    app_type = type_for_item(case.item)
    if case.status not in EDITABLE_STATUSES or app_type is None:
        return _not_editable(request, case, submitting=False)
    if request.method != "POST":
        saved = services.form_for_case(case)
        assert saved is not None  # the type exists
        # ?check=1: a refused 保存并提交 — every missing field is flagged, not only wrong ones.
        checked = saved if CHECK_PARAM in request.GET else _with_hints(saved)
        return _render_form(request, item=case.item, app_type=app_type, form=checked, case=case)
    form = _form(app_type, user, request.POST)

    def rerender(saved: Case) -> HttpResponse:
        return _render_form(request, item=saved.item, app_type=app_type, form=form, case=saved)

    if request.POST.get("action") == "extract":
        form, status = _extract(request, form)
        return _render_form(request, item=case.item, app_type=app_type, form=form, case=case, status=status)

    try:
        case = _draft_save(request, user=user, case=case, app_type=app_type, form=form)
    except DraftConflict as e:
        return _draft_conflict(request, case=case, app_type=app_type, form=form, error=e)
    except ApplicationError as e:
        return _refused_submit(request, case, e, on_error=rerender)
    messages.success(request, "保存成功")
    return redirect("cases:edit", pk=case.pk)


def _edit_submit(request: HttpRequest, *, user: User, pk: int) -> HttpResponse:
    """保存并提交 on the edit page: 保存 and 提交 under one lock. The draft is read once, locked
    (a double click, a replayed POST or a second tab waits here, then finds it submitted), and
    handed to the service; a refusal re-renders the page bound to what was posted (and saved):
    every field is kept."""
    refusal: ApplicationError | None = None
    with transaction.atomic():
        case = selectors.case_get_for_applicant(user=user, pk=pk, for_update=True)
        app_type = type_for_item(case.item)
        if case.status not in EDITABLE_STATUSES or app_type is None:
            return _not_editable(request, case, submitting=True)
        # The register is the portal's own copy (`registry`), read once for the form and the
        # service (`register_reads_shared`): not read at all for a case already submitted.
        form = _form(app_type, user, request.POST)
        try:
            submitted = services.case_submit(
                case=case, user=user, draft=_draft_change(request, app_type, form), locked=True
            )
        except ApplicationError as e:
            refusal = e
    # Pages are rendered once the lock is let go.
    if isinstance(refusal, DraftConflict):
        return _draft_conflict(request, case=case, app_type=app_type, form=form, error=refusal)
    if refusal is not None:

        def rerender(saved: Case) -> HttpResponse:
            return _render_form(request, item=saved.item, app_type=app_type, form=form, case=saved)

        return _refused_submit(request, case, refusal, on_error=rerender)
    return _submitted(request, submitted)


def _draft_conflict(
    request: HttpRequest,
    *,
    case: Case,
    app_type: ApplicationType,
    form: ApplicationForm,
    error: DraftConflict,
) -> HttpResponse:
    """A save (or 保存并提交) from a page that did not see the draft's latest version: 409."""
    form = _with_hints(form)
    form.add_error(None, error.message)
    return _render_form(
        request,
        item=case.item,
        app_type=app_type,
        form=form,
        case=case,
        status=409,
        version=_version(request.POST),
    )


# --- the autosave ----------------------------------------------------------------------------


def _autosaved(case: Case) -> JsonResponse:
    at = timezone.localtime(case.updated_at).strftime("%H:%M")
    return JsonResponse(
        {
            "ok": True,
            "case": case.pk,
            "version": case.version,
            "edit_url": reverse("cases:edit", args=[case.pk]),
            "autosave_url": reverse("cases:autosave", args=[case.pk]),
            "message": f"已自动保存 {at}",
        },
        headers=PRIVATE_HEADERS,
    )


def _autosave_refused(message: str, status: int) -> JsonResponse:
    return JsonResponse({"ok": False, "message": message}, status=status, headers=PRIVATE_HEADERS)


@login_required_json
@require_POST
def autosave(request: HttpRequest, pk: int) -> JsonResponse:
    """What was typed, saved to the draft a few seconds after typing stops (static/js/cases.js):
    partial data as 保存信息 keeps it, never a submission; 409 when another page saved first."""
    user = request_user(request)
    case = selectors.case_get_for_applicant(user=user, pk=pk)
    app_type = type_for_item(case.item)
    if case.status not in EDITABLE_STATUSES or app_type is None:
        return _autosave_refused("没有可以保存的草稿", 404)
    form = _form(app_type, user, request.POST)
    try:
        case = _draft_save(request, user=user, case=case, app_type=app_type, form=form)
    except ApplicationError as e:
        # Another page saved first, or the case was submitted meanwhile: both are conflicts.
        return _autosave_refused(e.message, 409)
    return _autosaved(case)


@login_required_json
@require_POST
def autosave_new(request: HttpRequest, item_pk: int) -> JsonResponse:
    """The autosave of a form not saved yet: makes its draft, found again by the page's
    `client_token`; the page then saves to that draft (`edit_url`, `version`)."""
    user, item = request_user(request), _item_get(item_pk)
    app_type = type_for_item(item)
    token = _client_token(request.POST)
    refused = eligibility_refusals(item=item, user=user, today=timezone.localdate())
    if refused or app_type is None or token is None:
        return _autosave_refused("该事项不能在网上申请", 404)
    form = _form(app_type, user, request.POST)
    try:
        case = services.case_draft_save(
            user=user,
            item=item,
            form_data=_answers(app_type, form),
            submit_method=request.POST.get("submit_method", ""),
            client_token=token,
            expected_version=_version(request.POST),
        )
    except ApplicationError as e:
        return _autosave_refused(e.message, 409)
    return _autosaved(case)


# --- materials ------------------------------------------------------------------------------


def _checked_upload(material: Material, data: bytes) -> CheckedFile:
    checked = check_upload(
        data, images_only=material.kind == MaterialKind.IMAGE, max_bytes=settings.UPLOAD_MAX_BYTES
    )
    if extra := CONTENT_CHECKS.get(material.code):
        extra(checked)
    return checked


def _wants_json(request: HttpRequest) -> bool:
    """An upload sent by static/js/uploads.js (fetch) rather than by the form itself."""
    return request.headers.get("Accept", "").startswith("application/json")


def _upload_refusal_pop(request: HttpRequest, case: Case | None) -> dict[str, str] | None:
    """The refusal of the upload that just returned to this case's page, shown once on its row."""
    refusal = request.session.get(UPLOAD_REFUSAL_KEY) if case else None
    if not isinstance(refusal, dict) or case is None or refusal.get("case") != case.pk:
        return None
    del request.session[UPLOAD_REFUSAL_KEY]
    return refusal


@login_required
@require_POST
def upload(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    user = request_user(request)
    case = selectors.case_get_for_applicant(user=user, pk=pk)
    material = get_object_or_404(Material, item=case.item, code=code)
    # Back to the material's own row, where the outcome is shown.
    row = reverse("cases:edit", args=[case.pk]) + "#" + documents.material_anchor(material.code)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise UploadError("请选择要上传的文件")
        # Refuse by the declared size before reading a byte of an oversized file into memory.
        if upload.size is not None and upload.size > settings.UPLOAD_MAX_BYTES:
            raise UploadError(msg_too_big(settings.UPLOAD_MAX_BYTES))
        checked = _checked_upload(material, upload.read())
        services.attachment_add(
            case=case, material=material, checked=checked, original_name=upload.name or "", user=user
        )
    except ApplicationError as e:
        message = documents.upload_refusal_text(material, e.message)
        if _wants_json(request):
            return JsonResponse({"ok": False, "message": message}, status=400)
        if case.status not in EDITABLE_STATUSES:
            # Submitted meanwhile (another tab): the page it lands on has no material rows.
            messages.error(request, message)
        else:
            request.session[UPLOAD_REFUSAL_KEY] = {"case": case.pk, "code": material.code, "message": message}
        return redirect(row)
    messages.success(request, f"“{material.name}”上传成功")
    if _wants_json(request):
        return JsonResponse({"ok": True, "location": row})
    return redirect(row)


@login_required
@require_GET
@administrators_refused(AuditAction.ATTACHMENT_VIEW, selectors.attachment_named)
def attachment(request: HttpRequest, pk: int, att_pk: int) -> FileResponse:
    # The owner, or case staff of the case's department: anyone else gets a 404, and is recorded.
    user = request_user(request)
    try:
        att = selectors.attachment_get_for_user(user=user, case_pk=pk, pk=att_pk)
    except Http404:
        audit_record(
            action=AuditAction.ATTACHMENT_VIEW,
            request=request,
            label=f"办件 {pk} 的文件 {att_pk}",
            result=AuditResult.DENIED,
            detail={"办件": pk, "文件": att_pk},
        )
        raise
    if user.is_department_staff:
        case = att.case
        audit_record(
            action=AuditAction.ATTACHMENT_VIEW,
            request=request,
            obj=att,
            # The material, not the file's own name: applicants name files after their ID number.
            label=f"{case.number} 材料 {att.material_code}",
            subject_id=case.applicant_id,
        )
    return private(
        FileResponse(
            att.file.open("rb"),
            content_type=att.content_type,
            as_attachment=False,
            filename=download_name(att.display_name, att.content_type),
        )
    )


@login_required
@require_POST
def reuse(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """「沿用」: the file given for this material in an earlier application, copied to this one."""
    user = request_user(request)
    case = selectors.case_get_for_applicant(user=user, pk=pk)
    offers = selectors.reusable_attachments(user=user, case=case)
    codes = list(offers) if code == "all" else [code]
    reused, failed = [], False
    for material in Material.objects.filter(item=case.item, code__in=codes):
        source = offers.get(material.code)
        if source is None:
            continue  # uploaded meanwhile, or a second click: nothing to copy
        try:
            services.attachment_reuse(case=case, material=material, source=source, user=user)
        except ApplicationError as e:
            messages.error(request, f"“{material.name}”沿用失败：{e.message}")
            failed = True
            break
        reused.append(material.name)
    if reused:
        messages.success(request, "已沿用此前提交的材料：" + "、".join(reused))
    elif not failed:
        messages.info(request, "没有需要沿用的材料，该材料可能已经上传")
    return redirect(reverse("cases:edit", args=[case.pk]) + "#materials")


@login_required
@require_POST
def commit(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """「告知承诺」 instead of uploading a material (ADR 20): the applicant ticked the text the
    page showed, whose version the page sends back."""
    user = request_user(request)
    case = selectors.case_get_for_applicant(user=user, pk=pk)
    material = get_object_or_404(Material, item=case.item, code=code)
    row = reverse("cases:edit", args=[case.pk]) + "#" + documents.material_anchor(material.code)
    if not request.POST.get("agree"):
        messages.error(request, f"请阅读“{material.name}”的承诺内容，勾选“本人已阅读并同意上述承诺”后再提交")
        return redirect(row)
    try:
        services.commitment_accept(
            case=case, material=material, user=user, version=str(request.POST.get("version", ""))
        )
    except ApplicationError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, f"已对“{material.name}”作出告知承诺，无需再上传该材料")
    return redirect(row)


@login_required
@require_POST
def commit_withdraw(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """「撤回承诺」: back to uploading the material."""
    user = request_user(request)
    case = selectors.case_get_for_applicant(user=user, pk=pk)
    row = reverse("cases:edit", args=[case.pk]) + "#" + documents.material_anchor(code)
    try:
        withdrawn = services.commitment_withdraw(case=case, material_code=code, user=user)
    except ApplicationError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, f"已撤回对“{withdrawn.material_name}”的告知承诺，请上传该材料")
    return redirect(row)


@login_required
@require_POST
def attachment_remove(request: HttpRequest, pk: int, att_pk: int) -> HttpResponse:
    user = request_user(request)
    case = selectors.case_get_for_applicant(user=user, pk=pk)
    att = selectors.attachment_get_for_user(user=user, case_pk=case.pk, pk=att_pk)
    try:
        services.attachment_remove(attachment=att, user=user)
    except ApplicationError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, f"已删除“{att.display_name}”")
    return redirect(reverse("cases:edit", args=[case.pk]) + "#materials")


# --- documents ----------------------------------------------------------------------------


def _pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    return HttpResponse(pdf, headers={**pdf_response_headers(filename, inline=True), **PRIVATE_HEADERS})


@login_required
@require_GET
# Framed by the application page itself (static/js/print.js prints it from a hidden frame).
@xframe_options_sameorigin
@administrators_refused(AuditAction.CASE_VIEW, selectors.case_named)
def print_form(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get_for_applicant(user=request_user(request), pk=pk)
    context = documents.application_form_context(case)
    pdf = render_pdf(template="application_form", context=context)
    return _pdf_response(pdf, f"{context['title']}-{case.number or case.applicant_name}.pdf")


@login_required
@require_GET
@administrators_refused(AuditAction.NOTICE_VIEW, selectors.notice_named)
def notice(request: HttpRequest, pk: int, notice_pk: int) -> HttpResponse:
    # Both sides download notices here: the applicant, and the department's staff.
    user = request_user(request)
    found = selectors.notice_get_for_user(user=user, case_pk=pk, pk=notice_pk)
    if user.is_department_staff:
        audit_record(
            action=AuditAction.NOTICE_VIEW,
            request=request,
            obj=found,
            label=f"{found.case.number} {found}",
            subject_id=found.case.applicant_id,
        )
    template, context = documents.notice_document(found)
    return _pdf_response(render_pdf(template=template, context=context), documents.notice_filename(found))


@login_required
@require_GET
@administrators_refused(AuditAction.CASE_VIEW, selectors.case_named)
def receipt(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get_for_applicant(user=request_user(request), pk=pk)
    found = case.notices.filter(kind=NoticeKind.RECEIPT).order_by("-created_at", "-id").first()
    if found is None:
        messages.info(request, "该办件尚未提交，还没有材料接收告知单")
        return redirect("cases:detail", pk=case.pk)
    context = {"case": case, "notice": found, "receipt": documents.receipt_context(found)}
    return render(request, "cases/receipt.html", context)


# --- 我的办件 · 查看详情 ------------------------------------------------------------------------


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    cases = selectors.case_list_for_applicant(user=user) if user.is_person else Case.objects.none()
    # A page at a time, newest first: an agent's account with years of cases stays light.
    page = Paginator(cases, MINE_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "cases/mine.html", {"cases": page, "page": page})


@login_required
@require_GET
@administrators_refused(AuditAction.CASE_VIEW, selectors.case_named)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    case = selectors.case_get_for_applicant(user=user, pk=pk)
    today = timezone.localdate()
    context = {
        "case": case,
        "profile": documents.applicant_profile(user),
        "sections": documents.form_display(case),
        "confirmations": [(c, is_overdue(c, today=today)) for c in case.confirmations.all()],
        "paper_path_open": paper_path_open(case, today=today),
        "returned": selectors.case_employer_return(case),
        "materials": documents.material_rows(item=case.item, form_data=case.form_data, case=case),
        "notices": case.notices.order_by("created_at", "id"),
        "events": selectors.case_timeline(case),
        "correction": selectors.case_open_correction(case),
        "deadline": case_deadline(case, today=today),
        "can_withdraw": can_withdraw(case.status),
        "editable": case.status in EDITABLE_STATUSES,
        # The authority's own proceeding on the holder's registration (ADR 27): no form, no
        # materials; the holder answers on its 陈述申辩 page.
        "proceeding": is_proceeding(case.item.code),
    }
    return render(request, "cases/detail.html", context)


@login_required
@require_POST
def draft_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    case = selectors.case_get_for_applicant(user=user, pk=pk)
    try:
        services.case_draft_delete(case=case, user=user)
    except ApplicationError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, f"已删除“{case.item.name}”的草稿")
    return redirect("cases:mine")


@login_required
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    case = selectors.case_get_for_applicant(user=user, pk=pk)
    try:
        services.case_withdraw(case=case, user=user, reason=request.POST.get("reason", "").strip()[:500])
    except ApplicationError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, "办件已撤回")
    return redirect("cases:detail", pk=case.pk)


@login_required
@require_POST
def paper_path(request: HttpRequest, pk: int) -> HttpResponse:
    """「改为纸质确认」: after the employer let its 单位确认 run past its time (ADR 19)."""
    user = request_user(request)
    case = selectors.case_get_for_applicant(user=user, pk=pk)
    try:
        case = services.case_paper_path(case=case, user=user)
    except ApplicationError as e:
        messages.error(request, e.message)
        return redirect("cases:detail", pk=case.pk)
    if case.status == CaseStatus.PENDING:
        messages.success(request, "已改为纸质确认，申请已送交受理部门，请留存材料接收告知单")
        return redirect("cases:receipt", pk=case.pk)
    messages.info(
        request,
        "已改为纸质确认：请打印申请表，由单位负责人签字并加盖企业公章，扫描后作为“申请表”上传，再点击“保存并提交”",
    )
    return redirect(reverse("cases:edit", args=[case.pk]) + f"?{CHECK_PARAM}=1")


# --- the enterprise's 待确认申请 (ADR 19) -------------------------------------------------------


@login_required
@require_GET
def employer_list(request: HttpRequest) -> HttpResponse:
    """「待确认申请」: what the account's own verified enterprise is asked to confirm."""
    user = request_user(request)
    company = selectors.enterprise_of_legal_user(user=user)
    today = timezone.localdate()
    # A page at a time: a large employer may be asked about hundreds of its people at once.
    page = Paginator(selectors.confirmations_waiting_for_enterprise(user=user), MINE_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "company": company,
        "page": page,
        "rows": [(c, is_overdue(c, today=today)) for c in page],
        "unverified": UNVERIFIED_ENTERPRISE,
    }
    return private(render(request, "cases/employer_list.html", context))


# The two buttons of a question: the answer that lets the case go on, and the one with a reason.
ANSWER_BUTTONS: dict[ConfirmationKind, tuple[ConfirmationAnswer, ConfirmationAnswer]] = {
    ConfirmationKind.EMPLOYMENT: (ConfirmationAnswer.CONFIRM, ConfirmationAnswer.RETURN),
    ConfirmationKind.RELEASE: (ConfirmationAnswer.AGREE, ConfirmationAnswer.OBJECT),
}


def _employer_page(
    request: HttpRequest, confirmation: EmployerConfirmation, *, form: EmployerAnswerForm | None = None
) -> HttpResponse:
    case = confirmation.case
    release = confirmation.kind == ConfirmationKind.RELEASE
    record = register_record_for(case.applicant)
    context = {
        "confirmation": confirmation,
        "case": case,
        "release": release,
        "waiting": confirmation.status == ConfirmationStatus.WAITING,
        "profile": documents.applicant_profile(case.applicant),
        # The former employer learns that its employee leaves, not the application itself.
        "sections": [] if release else documents.form_display(case),
        "specialties": record.specialties if record else (),
        "registration_number": record.number if record else "",
        "form": form or EmployerAnswerForm(),
        "accept_answer": ANSWER_BUTTONS[ConfirmationKind(confirmation.kind)][0],
        "refuse_answer": ANSWER_BUTTONS[ConfirmationKind(confirmation.kind)][1],
    }
    status = 400 if form is not None else 200
    return private(render(request, "cases/employer_case.html", context, status=status))


@login_required
@require_GET
def employer_case(request: HttpRequest, pk: int) -> HttpResponse:
    """The application, read-only and with personal numbers masked, for the enterprise asked."""
    user = request_user(request)
    confirmation = selectors.confirmation_get_for_enterprise(user=user, pk=pk)
    case = confirmation.case
    # The applicant's form, read by someone other than the applicant: on the trail, and in the
    # applicant's 我的信息.
    audit_record(
        action=AuditAction.CASE_VIEW,
        request=request,
        obj=case,
        label=f"{case.number} {confirmation.get_kind_display()}",
        subject_id=case.applicant_id,
    )
    return _employer_page(request, confirmation)


@login_required
@require_POST
def employer_answer(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    confirmation = selectors.confirmation_get_for_enterprise(user=user, pk=pk)
    form = EmployerAnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请按提示补充或更正填写的内容")
        return _employer_page(request, confirmation, form=form)
    try:
        answered = services.confirmation_answer(
            confirmation=confirmation,
            user=user,
            answer=form.cleaned_data["answer"],
            reason=form.cleaned_data["reason"],
        )
    except ApplicationError as e:
        messages.error(request, e.message)
        return redirect("cases:employer_case", pk=confirmation.pk)
    messages.success(
        request,
        f"已办理：{answered.case.applicant_name}的申请（办件编号{answered.case.number}）{answered.get_status_display()}",
    )
    return redirect("cases:employer_list")

"""Pages of the proceedings (ADR 27): the workbench's 「撤销与注销」 list, the start form, the
staff's case page with the leader's decision, the take-over of a 告知承诺 proposal, and the
holder's 陈述申辩 page. Each view: form → selector → one service → redirect."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from accounts.selectors import request_user
from audit.models import AuditAction
from audit.services import audit_record
from cases.deadlines import PROCEEDING_DECISION_WORKDAYS, STATEMENT_WORKDAYS, Deadline, statement_period_over
from cases.models import CaseStatus
from cases.selectors import case_timeline
from catalog.registration_types import ProceedingKind
from lib.errors import ApplicationError
from lib.http import private
from lib.uploads import UploadError, check_upload, download_name
from paperwork.documents import REMEDIES_SENTENCE
from revocation.forms import DecideForm, RegistrationFindForm, StartForm, StatementForm
from revocation.models import OPEN_STATUSES, Proceeding
from revocation.selectors import (
    ENDED,
    RUNNING,
    proceeding_decision_deadline,
    proceeding_get_for_holder,
    proceeding_get_for_staff,
    proceeding_list_for_staff,
    proceeding_statement_deadline,
    proposal_get_for_staff,
    registration_for_staff,
    sees_proceedings,
)
from revocation.services import (
    decision_refusal,
    may_decide,
    may_start,
    proceeding_decide,
    proceeding_start,
    proceeding_state,
    proceeding_take_over,
)

PER_PAGE = 25


def _staff(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not sees_proceedings(user):
        raise PermissionDenied("撤销注册、强制注销程序仅供审查人员、审批人员和科室负责人使用")
    return user


def _deadline(proceeding: Proceeding) -> Deadline | None:
    """The 陈述申辩 period, while it runs."""
    if proceeding.case.status != CaseStatus.STATEMENT:
        return None
    return proceeding_statement_deadline(proceeding, today=timezone.localdate())


# --- Staff --------------------------------------------------------------------------------


@login_required
@require_GET
def staff_list(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    state = ENDED if request.GET.get("state") == ENDED else RUNNING
    page = Paginator(proceeding_list_for_staff(user=user, state=state), PER_PAGE).get_page(
        request.GET.get("page")
    )
    tabs = [
        {"value": value, "label": label, "active": value == state}
        for value, label in ((RUNNING, "办理中"), (ENDED, "已办结"))
    ]
    return render(
        request,
        "revocation/list.html",
        {
            "page": page,
            "rows": [(p, _deadline(p)) for p in page],
            "tabs": tabs,
            "may_start": may_start(user),
            "find_form": RegistrationFindForm(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    """Find the registration by its 注册编号, then start with a ground and the facts."""
    user = _staff(request)
    if not may_start(user):
        raise PermissionDenied("撤销注册、强制注销程序由审查人员启动")
    find = RegistrationFindForm(request.GET or None)
    registration = None
    if find.is_valid():
        registration = registration_for_staff(user=user, number=find.cleaned_data["number"])
        if registration is None:
            find.add_error("number", "本部门准予的注册中没有这个注册编号")
    form = StartForm(request.POST or None)
    if request.method == "POST" and registration is not None and form.is_valid():
        try:
            proceeding = proceeding_start(
                kind=ProceedingKind(form.cleaned_data["kind"]),
                registration=registration,
                ground=form.cleaned_data["ground"],
                facts=form.cleaned_data["facts"],
                by=user,
                request=request,
            )
        except ApplicationError as e:
            messages.error(request, e.message)
        else:
            messages.success(request, "程序已启动，陈述申辩告知书已生成，已短信通知持证人")
            return redirect("revocation:case", pk=proceeding.case_id)
    elif request.method == "POST":
        messages.error(request, "请按提示补充或更正填写的内容")
    today = timezone.localdate()
    return render(
        request,
        "revocation/start.html",
        {
            "find_form": find,
            "registration": registration,
            "status_label": registration.status_on(today).label if registration else "",
            "statement_workdays": STATEMENT_WORKDAYS,
            "form": form,
        },
    )


@login_required
@require_POST
def take_over(request: HttpRequest, pk: int) -> HttpResponse:
    """「转入撤销程序」 on the 告知承诺核查 page's proposals (ADR 20)."""
    user = _staff(request)
    if not may_start(user):
        raise PermissionDenied("撤销注册程序由审查人员启动")
    proposal = proposal_get_for_staff(user=user, pk=pk)
    try:
        proceeding = proceeding_take_over(proposal=proposal, by=user, request=request)
    except ApplicationError as e:
        messages.error(request, e.message)
        return redirect("review:checks")
    messages.success(request, "已转入撤销程序，陈述申辩告知书已生成，已短信通知持证人")
    return redirect("revocation:case", pk=proceeding.case_id)


def _case_page(
    request: HttpRequest, *, user: User, proceeding: Proceeding, form: DecideForm | None = None
) -> HttpResponse:
    case = proceeding.case
    deciding = may_decide(user) and case.status in OPEN_STATUSES
    return render(
        request,
        "revocation/case.html",
        {
            "p": proceeding,
            "case": case,
            "deadline": _deadline(proceeding),
            "decision_deadline": (
                proceeding_decision_deadline(proceeding, today=timezone.localdate())
                if case.status in OPEN_STATUSES
                else None
            ),
            "decision_workdays": PROCEEDING_DECISION_WORKDAYS,
            "timeline": case_timeline(case),
            "notices": case.notices.order_by("created_at", "id"),
            "status_label": proceeding.registration.status_on(timezone.localdate()).label,
            "form": (form or DecideForm(kind=proceeding.kind_enum)) if deciding else None,
            "refusal": decision_refusal(proceeding) if deciding else None,
            "remedies": REMEDIES_SENTENCE,
        },
    )


@login_required
@require_GET
def case(request: HttpRequest, pk: int) -> HttpResponse:
    user = _staff(request)
    proceeding = proceeding_get_for_staff(user=user, case_pk=pk)
    audit_record(
        action=AuditAction.CASE_VIEW,
        request=request,
        obj=proceeding.case,
        label=f"{proceeding.case.number} {proceeding.case.applicant_name}",
        subject_id=proceeding.case.applicant_id,
    )
    return _case_page(request, user=user, proceeding=proceeding)


@login_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    user = _staff(request)
    proceeding = proceeding_get_for_staff(user=user, case_pk=pk)
    form = DecideForm(request.POST, kind=proceeding.kind_enum)
    if not form.is_valid():
        messages.error(request, "请按提示补充或更正填写的内容")
        return _case_page(request, user=user, proceeding=proceeding, form=form)
    try:
        decided = proceeding_decide(
            proceeding=proceeding,
            by=user,
            action=form.cleaned_data["outcome"],
            reason=form.cleaned_data["reason"],
            request=request,
        )
    except ApplicationError as e:
        messages.error(request, e.message)
    else:
        messages.success(
            request, f"已作出决定：{decided.case.get_status_display()}，决定书已生成，已短信通知持证人"
        )
    return redirect("revocation:case", pk=pk)


def _file_response(proceeding: Proceeding) -> FileResponse:
    if not proceeding.statement_file:
        raise Http404("没有证明材料")
    return private(
        FileResponse(
            proceeding.statement_file.open("rb"),
            content_type=proceeding.statement_content_type,
            as_attachment=False,
            filename=download_name(proceeding.statement_file_name, proceeding.statement_content_type),
        )
    )


@login_required
@require_GET
def staff_file(request: HttpRequest, pk: int) -> FileResponse:
    user = _staff(request)
    proceeding = proceeding_get_for_staff(user=user, case_pk=pk)
    audit_record(
        action=AuditAction.ATTACHMENT_VIEW,
        request=request,
        obj=proceeding.case,
        label=f"{proceeding.case.number} 陈述申辩证明材料",
        subject_id=proceeding.case.applicant_id,
    )
    return _file_response(proceeding)


# --- The holder ---------------------------------------------------------------------------


def _holder_page(
    request: HttpRequest, *, proceeding: Proceeding, form: StatementForm | None = None
) -> HttpResponse:
    case = proceeding.case
    today = timezone.localdate()
    answering = case.status == CaseStatus.STATEMENT and not statement_period_over(
        due=proceeding.statement_due, today=today
    )
    return render(
        request,
        "revocation/mine.html",
        {
            "p": proceeding,
            "case": case,
            "deadline": _deadline(proceeding),
            "notices": case.notices.order_by("created_at", "id"),
            "form": (form or StatementForm()) if answering else None,
            "period_over": case.status == CaseStatus.STATEMENT and not answering,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def mine(request: HttpRequest, pk: int) -> HttpResponse:
    """The holder's page: the notices, the period and the 陈述申辩 form (once, in time)."""
    user = request_user(request)
    proceeding = proceeding_get_for_holder(user=user, case_pk=pk)
    if request.method == "GET":
        return _holder_page(request, proceeding=proceeding)
    form = StatementForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "请按提示补充或更正填写的内容")
        return _holder_page(request, proceeding=proceeding, form=form)
    upload = form.cleaned_data.get("file")
    try:
        checked = (
            check_upload(upload.read(), images_only=False, max_bytes=settings.UPLOAD_MAX_BYTES)
            if upload
            else None
        )
        proceeding_state(
            proceeding=proceeding,
            user=user,
            text=form.cleaned_data["text"],
            checked=checked,
            original_name=upload.name if upload else "",
        )
    except UploadError as e:
        form.add_error("file", e.message)
        return _holder_page(request, proceeding=proceeding, form=form)
    except ApplicationError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, "陈述、申辩意见已提交，我厅将在复核后作出决定并通知您")
    return redirect("revocation:mine", pk=pk)


@login_required
@require_GET
def mine_file(request: HttpRequest, pk: int) -> FileResponse:
    proceeding = proceeding_get_for_holder(user=request_user(request), case_pk=pk)
    return _file_response(proceeding)

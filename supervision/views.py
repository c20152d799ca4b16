"""Pages of 督办: the 科室负责人's 督办 list with the extension requests he answers, and the
POSTs of the workbench case page's 督办 panel (延期申请, 特别程序). Each view: form →
selector → one service → redirect with what happened."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from accounts.selectors import request_user
from cases.deadlines import EXTENSION_WORKDAYS, PROCEEDING_DECISION_WORKDAYS, REMIND_WORKDAYS
from cases.selectors import case_get_for_staff
from catalog.calendar import calendar_warning
from lib.errors import ApplicationError
from supervision import services
from supervision.forms import ExtensionAnswer, ExtensionDecisionForm, ExtensionRequestForm, PauseForm
from supervision.selectors import board_for_leader, extension_get_for_leader, is_leader

PANEL = "#supervision"


def _leader(request: HttpRequest) -> User:
    user = request_user(request)
    if not is_leader(user):
        raise PermissionDenied("督办页面仅供科室负责人使用")
    return user


def _case_worker(request: HttpRequest) -> User:
    user = request_user(request)
    if not user.works_on_cases or user.department_id is None:
        raise PermissionDenied("仅供本部门办件人员使用")
    return user


def _form_errors(form: forms.BaseForm) -> str:
    return "；".join(str(e) for errors in form.errors.values() for e in errors)


@login_required
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    user = _leader(request)
    today = timezone.localdate()
    board = board_for_leader(user=user, today=today)
    return render(
        request,
        "supervision/board.html",
        {
            "board": board,
            "decisions": [(e, ExtensionDecisionForm(prefix=f"x{e.pk}")) for e in board.extensions],
            "today": today,
            "proceeding_decision_workdays": PROCEEDING_DECISION_WORKDAYS,
            "remind_workdays": REMIND_WORKDAYS,
            "extension_workdays": EXTENSION_WORKDAYS,
            "warning": calendar_warning(today=today),
        },
    )


@login_required
@require_POST
def extension_decide(request: HttpRequest, pk: int) -> HttpResponse:
    user = _leader(request)
    extension = extension_get_for_leader(user=user, pk=pk)
    form = ExtensionDecisionForm(request.POST, prefix=f"x{pk}")
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("supervision:board")
    approve = form.cleaned_data["answer"] == ExtensionAnswer.APPROVE
    try:
        row = services.extension_decide(
            extension=extension, leader=user, approve=approve, opinion=form.cleaned_data["opinion"]
        )
    except ApplicationError as e:
        messages.error(request, e.message)
    else:
        if row.new_due:
            messages.success(
                request,
                f"已批准延期：办件{row.case.number}的办结期限延长至{row.new_due:%Y-%m-%d}，延期告知书已生成，已通知申请人",
            )
        else:
            messages.success(request, f"已决定不予批准办件{row.case.number}的延期申请，已告知申请人员")
    return redirect("supervision:board")


@login_required
@require_POST
def extension_request(request: HttpRequest, pk: int) -> HttpResponse:
    user = _case_worker(request)
    case = case_get_for_staff(user=user, pk=pk)
    form = ExtensionRequestForm(request.POST, prefix="extension")
    if not form.is_valid():
        messages.error(request, _form_errors(form))
    else:
        try:
            services.extension_request(case=case, actor=user, reason=form.cleaned_data["reason"])
        except ApplicationError as e:
            messages.error(request, e.message)
        else:
            messages.success(request, "延期申请已提交，等待科室负责人审批")
    return redirect(_case_url(case.pk))


@login_required
@require_POST
def pause_start(request: HttpRequest, pk: int) -> HttpResponse:
    user = _case_worker(request)
    case = case_get_for_staff(user=user, pk=pk)
    form = PauseForm(request.POST, prefix="pause")
    if not form.is_valid():
        messages.error(request, _form_errors(form))
    else:
        try:
            pause = services.pause_start(
                case=case,
                actor=user,
                kind=form.cleaned_data["kind"],
                reason=form.cleaned_data["reason"],
                workdays=form.cleaned_data["workdays"],
            )
        except ApplicationError as e:
            messages.error(request, e.message)
        else:
            messages.success(
                request,
                f"已登记{pause.get_kind_display()}，暂停计时{pause.workdays}个工作日，特别程序告知书已生成，已通知申请人",
            )
    return redirect(_case_url(case.pk))


@login_required
@require_POST
def pause_end(request: HttpRequest, pk: int) -> HttpResponse:
    user = _case_worker(request)
    case = case_get_for_staff(user=user, pk=pk)
    try:
        pause = services.pause_end(case=case, actor=user)
    except ApplicationError as e:
        messages.error(request, e.message)
    else:
        messages.success(
            request,
            f"{pause.get_kind_display()}已结束，恢复计时（暂停{pause.paused_workdays}个工作日），已通知申请人",
        )
    return redirect(_case_url(case.pk))


def _case_url(pk: int) -> str:
    return reverse("review:case", args=[pk]) + PANEL

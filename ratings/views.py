"""Pages of 好差评: the applicant's 「评价」 of an ended case (and the department's reply to
it), the department's 差评整改 list and page, and the 系统管理员's 差评申诉 list. Each view:
form → selector → one service → redirect with what happened."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from accounts.selectors import request_user
from cases.selectors import case_get_for_applicant
from lib.errors import ApplicationError
from ratings import selectors, services
from ratings.deadlines import rectification_deadline
from ratings.forms import AppealDecisionForm, AppealForm, FollowUpForm, RatingForm, ReplyForm
from ratings.models import AppealStatus, Rectification, RectificationAction, RectificationStatus
from ratings.transitions import rectification_is_open, rectification_may

PER_PAGE = 25


# --- The applicant ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def rate(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    case = case_get_for_applicant(user=user, pk=pk)
    rating = selectors.rating_for_case(case)
    refusal = None if rating else services.rating_refusal(case=case, user=user)
    # A rated case, or one that cannot be rated, shows its page: a POST to it changes nothing.
    may_rate = rating is None and refusal is None
    form = RatingForm(request.POST if request.method == "POST" and may_rate else None)
    if form.is_bound and form.is_valid():
        try:
            services.rating_submit(
                case=case,
                user=user,
                level=form.cleaned_data["level"],
                indicators=form.cleaned_data["indicators"],
                text=form.cleaned_data["text"],
            )
        except ApplicationError as e:
            form.add_error(None, e.message)
        else:
            messages.success(request, "感谢您的评价！")
            return redirect("ratings:rate", pk=case.pk)
    context = {"case": case, "rating": rating, "form": form, "refusal": refusal}
    return render(request, "ratings/rate.html", context, status=400 if form.errors else 200)


# --- The department ------------------------------------------------------------------------


def _handler(request: HttpRequest) -> User:
    user = request_user(request)
    if not services.may_handle_rectifications(user):
        raise PermissionDenied("差评整改由本部门的受理、审查、审批人员办理")
    return user


@login_required
@require_GET
def rectifications(request: HttpRequest) -> HttpResponse:
    user = _handler(request)
    status = request.GET.get("status", "")
    if status not in RectificationStatus.values:
        status = ""
    page = Paginator(selectors.rectification_list_for_staff(user=user, status=status), PER_PAGE).get_page(
        request.GET.get("page")
    )
    today = timezone.localdate()
    tabs = [{"value": "", "label": "未办结", "active": status == ""}] + [
        {"value": s.value, "label": s.label, "active": s == status} for s in RectificationStatus
    ]
    rows = [(r, rectification_deadline(r, today=today)) for r in page]
    return render(
        request, "ratings/rectifications.html", {"page": page, "rows": rows, "tabs": tabs, "status": status}
    )


def _rectification_page(
    request: HttpRequest,
    rectification: Rectification,
    *,
    reply_form: ReplyForm | None = None,
    follow_up_form: FollowUpForm | None = None,
    appeal_form: AppealForm | None = None,
    status: int = 200,
) -> HttpResponse:
    status_now = rectification.status
    rating = rectification.rating
    appeal = getattr(rating, "appeal", None)
    context = {
        "rectification": rectification,
        "rating": rating,
        "case": rating.case,
        "appeal": appeal,
        "deadline": rectification_deadline(rectification, today=timezone.localdate()),
        "reply_form": reply_form or ReplyForm()
        if rectification_may(status=status_now, action=RectificationAction.REPLY)
        else None,
        "follow_up_form": follow_up_form or FollowUpForm()
        if rectification_may(status=status_now, action=RectificationAction.FOLLOW_UP)
        else None,
        "appeal_form": appeal_form or AppealForm()
        if appeal is None and rectification_is_open(status_now)
        else None,
    }
    return render(request, "ratings/rectification.html", context, status=status)


@login_required
@require_GET
def rectification(request: HttpRequest, pk: int) -> HttpResponse:
    user = _handler(request)
    return _rectification_page(request, selectors.rectification_get_for_staff(user=user, pk=pk))


@login_required
@require_GET
def rectification_for_rating(request: HttpRequest, rating_pk: int) -> HttpResponse:
    user = _handler(request)
    found = selectors.rectification_get_for_rating(user=user, rating_pk=rating_pk)
    return redirect("ratings:rectification", pk=found.pk)


@login_required
@require_POST
def rectification_reply(request: HttpRequest, pk: int) -> HttpResponse:
    user = _handler(request)
    found = selectors.rectification_get_for_staff(user=user, pk=pk)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            services.rectification_reply(rectification=found, by=user, reply=form.cleaned_data["reply"])
        except ApplicationError as e:
            form.add_error(None, e.message)
        else:
            messages.success(request, "已答复，申请人会收到站内消息。回访后请填写回访情况办结")
            return redirect("ratings:rectification", pk=found.pk)
    return _rectification_page(request, found, reply_form=form, status=400)


@login_required
@require_POST
def rectification_follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    user = _handler(request)
    found = selectors.rectification_get_for_staff(user=user, pk=pk)
    form = FollowUpForm(request.POST)
    if form.is_valid():
        try:
            services.rectification_follow_up(rectification=found, by=user, note=form.cleaned_data["note"])
        except ApplicationError as e:
            form.add_error(None, e.message)
        else:
            messages.success(request, "回访情况已记录，整改办结")
            return redirect("ratings:rectification", pk=found.pk)
    return _rectification_page(request, found, follow_up_form=form, status=400)


@login_required
@require_POST
def appeal_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = _handler(request)
    found = selectors.rectification_get_for_staff(user=user, pk=pk)
    form = AppealForm(request.POST)
    if form.is_valid():
        try:
            services.appeal_file(rating=found.rating, by=user, reason=form.cleaned_data["reason"])
        except ApplicationError as e:
            form.add_error(None, e.message)
        else:
            messages.success(request, "申诉已提交，由系统管理员审核；审核期间请继续办理整改")
            return redirect("ratings:rectification", pk=found.pk)
    return _rectification_page(request, found, appeal_form=form, status=400)


# --- The 系统管理员 --------------------------------------------------------------------------


def _decider(request: HttpRequest) -> User:
    user = request_user(request)
    if not services.may_decide_appeals(user):
        raise PermissionDenied("差评申诉由系统管理员审核")
    return user


@login_required
@require_GET
def appeals(request: HttpRequest) -> HttpResponse:
    user = _decider(request)
    status = request.GET.get("status") or AppealStatus.PENDING
    if status not in AppealStatus.values:
        status = AppealStatus.PENDING
    page = Paginator(selectors.appeal_list_for_decider(user=user, status=status), PER_PAGE).get_page(
        request.GET.get("page")
    )
    tabs = [{"value": s.value, "label": s.label, "active": s == status} for s in AppealStatus]
    rows = [
        (a, AppealDecisionForm(prefix=f"a{a.pk}") if a.status == AppealStatus.PENDING else None) for a in page
    ]
    return render(
        request, "ratings/appeals.html", {"page": page, "rows": rows, "tabs": tabs, "status": status}
    )


@login_required
@require_POST
def appeal_decide(request: HttpRequest, pk: int) -> HttpResponse:
    user = _decider(request)
    appeal = selectors.appeal_get_for_decider(user=user, pk=pk)
    form = AppealDecisionForm(request.POST, prefix=f"a{pk}")
    if not form.is_valid():
        messages.error(request, "；".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("ratings:appeals")
    try:
        decided = services.appeal_decide(
            appeal=appeal,
            by=user,
            outcome=form.cleaned_data["outcome"],
            decision=form.cleaned_data["decision"],
        )
    except ApplicationError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, f"已审核：{decided.get_status_display()}，申诉人会收到站内消息")
    return redirect("ratings:appeals")

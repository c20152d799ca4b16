"""「我的信息」 (linked from 个人中心): what the portal holds about the signed-in person, who in
the department looked at it, 申请更正 and 注销账号 (个人信息保护法 Art 44–47)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST

from accounts.middleware import session_login_age
from accounts.models import User
from accounts.selectors import request_user
from accounts.unified import unified_signin_enabled
from audit.models import AuditAction
from audit.services import audit_record
from lib.errors import ApplicationError
from lib.http import private
from privacy import selectors, services
from privacy.forms import AccountCloseForm, CorrectionForm

ACCESSES_PER_PAGE = 20


def _applicant(request: HttpRequest) -> User:
    """A person or a 法人: staff accounts are the department's, not theirs to hold rights in."""
    user = request_user(request)
    if user.is_department_staff:
        raise Http404("工作人员账号没有“我的信息”")
    return user


def _render(request: HttpRequest, user: User, form: CorrectionForm, status: int = 200) -> HttpResponse:
    info = selectors.personal_info(user=user, today=timezone.localdate())
    accesses = Paginator(selectors.accesses_to_person(user=user), ACCESSES_PER_PAGE).get_page(
        request.GET.get("apage")
    )
    context = {
        "info": info,
        "accesses": [selectors.AccessRow(e) for e in accesses],
        "accesses_page": accesses,
        "form": form,
        "close_refusal": services.account_close_refusal(user=user),
    }
    # Reading one's own data is on the record too: the trail shows every read of it.
    audit_record(
        action=AuditAction.PERSONAL_INFO_VIEW, request=request, obj=user, label="我的信息", subject_id=user.pk
    )
    return private(render(request, "privacy/my_info.html", context, status=status))


@login_required
@require_http_methods(["GET"])
def my_info(request: HttpRequest) -> HttpResponse:
    return _render(request, _applicant(request), CorrectionForm())


@login_required
@require_POST
def correction_new(request: HttpRequest) -> HttpResponse:
    user = _applicant(request)
    form = CorrectionForm(request.POST)
    if form.is_valid():
        try:
            services.correction_request_create(user=user, description=form.cleaned_data["description"])
        except ApplicationError as e:
            form.add_error(None, e.message)
        else:
            messages.success(request, "更正申请已提交，受理人员核实后会答复您")
            return redirect(reverse("privacy:my_info") + "#corrections")
    return _render(request, user, form, status=400)


def _login_again_url(request: HttpRequest) -> str:
    """Where an account without a password logs in again and comes back to this page: the
    province's 统一身份认证 that made it (or, switched off since, the login page)."""
    back = urlencode({"next": reverse("privacy:close")})
    if unified_signin_enabled():
        return f"{reverse('accounts:unified_start')}?{back}"
    return f"{reverse('accounts:login')}?{back}"


@login_required
@require_http_methods(["GET", "POST"])
def account_close(request: HttpRequest) -> HttpResponse:
    user = _applicant(request)
    with_password = user.has_usable_password()
    form = AccountCloseForm(request.POST or None, with_password=with_password)
    refusal = services.account_close_refusal(user=user)
    if request.method == "POST" and form.is_valid():
        try:
            services.account_close(
                user=user,
                password=form.cleaned_data.get("password"),
                login_age=session_login_age(request),
                request=request,
            )
        except ApplicationError as e:
            form.add_error(None, e.message)
        else:
            auth_logout(request)
            messages.success(request, "账号已注销。依法需要保存的办件、注册和证照记录仍由主管部门保存")
            return redirect("portal:home")
    context = {
        "form": form,
        "refusal": refusal,
        "account": user,
        # Without a password, the page says how the holder is recognised, and offers to log in
        # again when the login is older than that allows.
        "login_again": None if with_password else _login_again_url(request),
    }
    return private(render(request, "privacy/close.html", context, status=400 if form.errors else 200))

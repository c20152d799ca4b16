from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts import services
from accounts.forms import (
    EnterpriseRegisterForm,
    PasswordLoginForm,
    PasswordResetForm,
    PersonRegisterForm,
    SmsCodeRequestForm,
    SmsLoginForm,
)
from accounts.models import SmsPurpose, User, UserKind
from accounts.selectors import UNVERIFIED_ENTERPRISE, UNVERIFIED_PERSON, enterprise_for_user
from lib.antibot import STAMP_FIELD, antibot_refusal, form_stamp
from lib.mobile import normalize_mobile
from lib.ratelimit import LimitName, limit_refusal

BACKEND = "accounts.backends.PortalBackend"
TOO_MANY = 429


def _mobile_subject(raw: object) -> str:
    """The typed mobile as the limits count it: normalised, so that spaces or a +86 do not
    make a fresh count."""
    return normalize_mobile(str(raw or ""))


def _stamp(request: HttpRequest) -> str:
    return form_stamp(previous=str(request.POST.get(STAMP_FIELD, "")))


def register(request: HttpRequest) -> HttpResponse:
    kind = UserKind.LEGAL if request.GET.get("type") == "legal" else UserKind.PERSON
    form_class = EnterpriseRegisterForm if kind == UserKind.LEGAL else PersonRegisterForm
    form = form_class(request.POST or None)
    status = 200
    refusal = ""
    if request.method == "POST":
        refusal = antibot_refusal(request.POST)
        if not refusal:
            subject = _mobile_subject(request.POST.get("mobile"))
            refusal = limit_refusal(LimitName.REGISTER, request=request, subject=subject)
            status = TOO_MANY if refusal else status
    if refusal:
        form.add_error(None, refusal)
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if kind == UserKind.LEGAL:
                services.enterprise_register(
                    name=data["name"],
                    uscc=data["uscc"],
                    legal_representative=data["legal_representative"],
                    agent_name=data["agent_name"],
                    agent_id_number=data["agent_id_number"],
                    mobile=data["mobile"],
                    password=data["password1"],
                    sms_code=data["sms_code"],
                )
            else:
                services.person_register(
                    name=data["name"],
                    id_type=data["id_type"],
                    id_number=data["id_number"],
                    mobile=data["mobile"],
                    password=data["password1"],
                    sms_code=data["sms_code"],
                )
        except services.AccountError as e:
            form.add_error(None, e.message)
        else:
            messages.success(request, "注册成功，请登录")
            return redirect(f"{reverse('accounts:login')}?kind={kind}")
    context = {"form": form, "kind": kind, "form_stamp": _stamp(request)}
    return render(request, "accounts/register.html", context, status=status)


def _next_url(request: HttpRequest, user: User) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    if user.is_staff:
        return reverse("admin:index")
    return reverse("accounts:profile")


def login_view(request: HttpRequest) -> HttpResponse:
    kind = request.POST.get("kind") or request.GET.get("kind") or UserKind.PERSON
    if kind not in UserKind.values:
        kind = UserKind.PERSON
    method = (
        "sms"
        if (request.POST.get("method") or request.GET.get("method")) == "sms" and kind != UserKind.STAFF
        else "password"
    )
    data = request.POST if request.method == "POST" else None
    form: PasswordLoginForm | SmsLoginForm
    form = (
        SmsLoginForm(data, initial={"kind": kind})
        if method == "sms"
        else PasswordLoginForm(data, initial={"kind": kind})
    )
    status = 200
    if request.method == "POST":
        if method == "sms":
            name, subject = LimitName.SMS_LOGIN, _mobile_subject(request.POST.get("mobile"))
        else:
            name, subject = LimitName.LOGIN, str(request.POST.get("identifier", ""))
        refusal = limit_refusal(name, request=request, subject=f"{kind}:{subject}")
        if refusal:
            form.add_error(None, refusal)
            status = TOO_MANY
    if request.method == "POST" and status != TOO_MANY and form.is_valid():
        try:
            if isinstance(form, SmsLoginForm):
                user = services.user_authenticate_by_sms(
                    kind=form.cleaned_data["kind"],
                    mobile=form.cleaned_data["mobile"],
                    code=form.cleaned_data["sms_code"],
                )
            else:
                user = services.user_authenticate(
                    kind=form.cleaned_data["kind"],
                    identifier=form.cleaned_data["identifier"],
                    password=form.cleaned_data["password"],
                )
        except services.AccountError as e:
            form.add_error(None, e.message)
        else:
            # auth_login gives the browser a new session id, so a planted one is worthless.
            auth_login(request, user, backend=BACKEND)
            return redirect(_next_url(request, user))
    return render(
        request,
        "accounts/login.html",
        {
            "form": form,
            "kind": kind,
            "method": method,
            "next": request.POST.get("next") or request.GET.get("next", ""),
            "form_stamp": _stamp(request),
        },
        status=status,
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    auth_logout(request)  # deletes the session on the server, not just the cookie
    messages.info(request, "您已安全退出")
    return redirect("portal:home")


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    context = {
        "account": user,
        "enterprise": enterprise_for_user(user=user),
        "unverified_person": UNVERIFIED_PERSON,
        "unverified_enterprise": UNVERIFIED_ENTERPRISE,
    }
    return render(request, "accounts/profile.html", context)


@login_required
@require_POST
def verify(request: HttpRequest) -> HttpResponse:
    """实名认证 / 企业认证 again, for an account its identity source has not confirmed yet."""
    user: User = request.user  # type: ignore[assignment]
    try:
        if user.is_legal:
            services.enterprise_verify(user=user)
            messages.success(request, "企业认证已通过，现在可以查看本单位人员")
        else:
            services.person_verify(user=user)
            messages.success(request, "实名认证已通过，现在可以提交申请和查看证照")
    except services.AccountError as e:
        messages.error(request, e.message)
    return redirect("accounts:profile")


def password_reset_view(request: HttpRequest) -> HttpResponse:
    form = PasswordResetForm(request.POST or None)
    status = 200
    if request.method == "POST":
        subject = _mobile_subject(request.POST.get("mobile"))
        refusal = limit_refusal(LimitName.RESET, request=request, subject=subject)
        if refusal:
            form.add_error(None, refusal)
            status = TOO_MANY
    if request.method == "POST" and status != TOO_MANY and form.is_valid():
        data = form.cleaned_data
        try:
            services.password_reset(
                kind=data["kind"], mobile=data["mobile"], code=data["sms_code"], password=data["password1"]
            )
        except services.AccountError as e:
            form.add_error(None, e.message)
        else:
            messages.success(request, "密码已重置，请使用新密码登录")
            return redirect(f"{reverse('accounts:login')}?kind={data['kind']}")
    context = {"form": form, "form_stamp": _stamp(request)}
    return render(request, "accounts/password_reset.html", context, status=status)


@require_POST
def sms_code(request: HttpRequest) -> JsonResponse:
    """The 「获取验证码」 button. Every answer (sent, too soon, over a limit) is the same
    whether or not the number is registered: nothing here looks the number up before the
    limits are counted, and the services count an unregistered number as they count any."""
    refusal = antibot_refusal(request.POST)
    if refusal:
        return JsonResponse({"ok": False, "message": refusal}, status=400)
    form = SmsCodeRequestForm(request.POST)
    if not form.is_valid():
        first = next(iter(form.errors.values()))[0]
        return JsonResponse({"ok": False, "message": first}, status=400)
    mobile, purpose = form.cleaned_data["mobile"], form.cleaned_data["purpose"]
    kind = form.cleaned_data["kind"] or UserKind.PERSON
    refusal = limit_refusal(LimitName.SMS_SEND, request=request, subject=mobile)
    if refusal:
        return JsonResponse({"ok": False, "message": refusal}, status=TOO_MANY)
    try:
        if purpose == SmsPurpose.REGISTER:
            services.sms_code_send(mobile=mobile, purpose=purpose)
            text = "验证码已发送，请查收短信"
        elif purpose == SmsPurpose.LOGIN:
            services.login_sms_code_send(kind=kind, mobile=mobile)
            text = "如该手机号已注册，验证码已发送，请查收短信"
        else:
            services.password_reset_code_send(kind=kind, mobile=mobile)
            text = "如该手机号已注册，验证码已发送，请查收短信"
    except services.AccountError as e:
        return JsonResponse({"ok": False, "message": e.message}, status=TOO_MANY)
    return JsonResponse({"ok": True, "message": text})

from __future__ import annotations

import json
import secrets
from dataclasses import asdict
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.signing import BadSignature
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services, unified
from accounts.decorators import login_required_json
from accounts.forms import (
    EnterpriseRegisterForm,
    PasswordChangeForm,
    PasswordLoginForm,
    PasswordResetForm,
    PersonParticularsForm,
    PersonRegisterForm,
    SecondFactorForm,
    SmsCodeRequestForm,
    SmsLoginForm,
)
from accounts.middleware import session_idle_seconds, session_login_started
from accounts.models import IdType, SecondFactor, SmsPurpose, StaffRole, User, UserKind
from accounts.selectors import (
    UNVERIFIED_ENTERPRISE,
    UNVERIFIED_PERSON,
    enterprise_for_user,
    particulars_needed,
    request_user,
    verified_identity,
)
from audit.models import AuditAction
from audit.services import audit_record
from lib.antibot import STAMP_FIELD, antibot_refusal, form_stamp
from lib.datacrypt import DecryptError, decrypt_text, encrypt_text
from lib.errors import ApplicationError
from lib.masking import mask_id_number, mask_mobile, mask_name
from lib.mobile import normalize_mobile
from lib.ratelimit import LimitName, limit_refusal

BACKEND = "accounts.backends.PortalBackend"
TOO_MANY = 429
# The half-done staff login (password right, second factor still to come).
PENDING_SESSION_KEY = "_staff_login_pending"
DEVICE_COOKIE_SALT = "accounts.device"
# A sign-in through 统一身份认证 between the platform's answer and the person's confirmation:
# the assertion, encrypted (it holds a 证件号码), and until when it may be confirmed.
UNIFIED_PENDING_KEY = "_unified_pending"
UNIFIED_PENDING_CONTEXT = "accounts.session.unified_pending"
UNIFIED_CONFIRM_SECONDS = 10 * 60
UNIFIED_NEXT_KEY = "_unified_next"


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
                    sex=data["sex"],
                    birth_date=data["birth_date"],
                )
        except ApplicationError as e:
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
    if user.staff_role == StaffRole.LEADER:
        return reverse("supervision:board")  # the 督办 list: what runs late in his department
    if user.works_on_cases:
        return reverse("review:queue")  # their work, not the 个人中心 an applicant starts from
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
                    request=request,
                )
            else:
                user = services.user_authenticate(
                    kind=form.cleaned_data["kind"],
                    identifier=form.cleaned_data["identifier"],
                    password=form.cleaned_data["password"],
                    request=request,
                )
        except ApplicationError as e:
            form.add_error(None, e.message)
        else:
            if user.kind != UserKind.STAFF:
                how = services.LOGIN_BY_SMS if method == "sms" else "密码"
                return _login_complete(request, user, next_url=_next_url(request, user), how=how)
            factors = services.staff_second_factors(user=user)
            if factors:
                return _staff_second_step_begin(request, user, factor=factors[0])
            form.add_error(None, services.NO_SECOND_FACTOR)
    return render(
        request,
        "accounts/login.html",
        {
            "form": form,
            "kind": kind,
            "method": method,
            "next": request.POST.get("next") or request.GET.get("next", ""),
            "form_stamp": _stamp(request),
            "unified_signin": unified.unified_signin_enabled() and kind == UserKind.PERSON,
        },
        status=status,
    )


def _unified_enabled_or_404() -> None:
    if not unified.unified_signin_enabled():
        raise Http404("页面不存在")


def _unified_refused(
    request: HttpRequest, reason: str, *, detail: str = "", account: User | None = None
) -> HttpResponse:
    services.unified_signin_refused(reason=reason, detail=detail, account=account, request=request)
    request.session.pop(UNIFIED_PENDING_KEY, None)
    return render(request, "accounts/unified_refused.html", {"reason": reason}, status=403)


def unified_start(request: HttpRequest) -> HttpResponse:
    """「统一身份认证登录」: off to the province's platform, remembering where to go after."""
    _unified_enabled_or_404()
    candidate = request.GET.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    request.session[UNIFIED_NEXT_KEY] = candidate if candidate and safe else ""
    # The platform sends the browser back to exactly this address, registered with it.
    redirect_uri = settings.SITE_URL + reverse("accounts:unified_callback")
    try:
        return unified.unified_signin_redirect(request, redirect_uri=redirect_uri)
    except unified.UnifiedSignInRefused as e:
        return _unified_refused(request, e.reason, detail=e.detail)


def unified_callback(request: HttpRequest) -> HttpResponse:
    """The platform's answer: a known, linked person goes straight in; a first sign-in is
    shown what will be linked or made; anything else is refused and audited."""
    _unified_enabled_or_404()
    try:
        assertion = unified.unified_signin_finish(request)
    except unified.UnifiedSignInRefused as e:
        return _unified_refused(request, e.reason, detail=e.detail)
    match = services.unified_match(assertion=assertion)
    if match.outcome == services.UnifiedOutcome.REFUSED:
        return _unified_refused(request, match.refusal, account=match.account)
    if match.outcome == services.UnifiedOutcome.LOGIN:
        assert match.account is not None
        return _unified_login(request, match.account)
    request.session[UNIFIED_PENDING_KEY] = {
        "assertion": encrypt_text(json.dumps(asdict(assertion)), context=UNIFIED_PENDING_CONTEXT),
        "until": timezone.now().timestamp() + UNIFIED_CONFIRM_SECONDS,
    }
    return redirect("accounts:unified_confirm")


def _unified_pending(request: HttpRequest) -> unified.UnifiedAssertion | None:
    pending = request.session.get(UNIFIED_PENDING_KEY)
    if not isinstance(pending, dict) or pending.get("until", 0) < timezone.now().timestamp():
        return None
    try:
        return unified.UnifiedAssertion(
            **json.loads(decrypt_text(str(pending.get("assertion", "")), context=UNIFIED_PENDING_CONTEXT))
        )
    except (DecryptError, ValueError, TypeError):
        return None


def _unified_login(request: HttpRequest, user: User) -> HttpResponse:
    next_url = request.session.pop(UNIFIED_NEXT_KEY, "") or reverse("accounts:profile")
    request.session.pop(UNIFIED_PENDING_KEY, None)
    return _login_complete(request, user, next_url=next_url, how=services.LOGIN_BY_UNIFIED)


def unified_confirm(request: HttpRequest) -> HttpResponse:
    """The first sign-in through 统一身份认证: what will be linked (or made), masked, and
    nothing happens until the person agrees."""
    _unified_enabled_or_404()
    assertion = _unified_pending(request)
    if assertion is None:
        request.session.pop(UNIFIED_PENDING_KEY, None)
        messages.warning(request, "确认已超时或未开始，请重新点击「统一身份认证登录」")
        return redirect("accounts:login")
    if request.method == "POST" and request.POST.get("action") == "decline":
        request.session.pop(UNIFIED_PENDING_KEY, None)
        messages.info(request, "已取消，没有关联或新建任何账号")
        return redirect("accounts:login")
    if request.method == "POST" and request.POST.get("action") == "confirm":
        try:
            user = services.unified_link_confirm(assertion=assertion, request=request)
        except ApplicationError as e:
            return _unified_refused(request, e.message)
        return _unified_login(request, user)
    match = services.unified_match(assertion=assertion)
    if match.outcome == services.UnifiedOutcome.REFUSED:
        return _unified_refused(request, match.refusal, account=match.account)
    if match.outcome == services.UnifiedOutcome.LOGIN:
        assert match.account is not None
        return _unified_login(request, match.account)  # confirmed meanwhile, in another window
    account = match.account
    context = {
        "outcome": match.outcome,
        "outcomes": services.UnifiedOutcome,
        "name": mask_name(assertion.name),
        "id_type": IdType(assertion.id_type).label,
        "id_number": mask_id_number(assertion.id_number),
        "account_name": mask_name(account.name) if account is not None else "",
        "account_mobile": mask_mobile(account.mobile) if account is not None and account.mobile else "",
        "account_joined": account.date_joined if account is not None else None,
        "minutes": UNIFIED_CONFIRM_SECONDS // 60,
    }
    return render(request, "accounts/unified_confirm.html", context)


def _login_complete(request: HttpRequest, user: User, *, next_url: str, how: str) -> HttpResponse:
    """Log the user in; note the browser, and tell the account's mobile about a new one."""
    # auth_login gives the browser a new session id, so a planted one is worthless.
    auth_login(request, user, backend=BACKEND)
    session_login_started(request)
    try:
        device_id = request.get_signed_cookie(
            settings.DEVICE_COOKIE_NAME, default="", salt=DEVICE_COOKIE_SALT
        )
    except BadSignature:
        device_id = ""  # a cookie we did not sign is no proof of anything: a new browser
    device_id = device_id or secrets.token_urlsafe(24)
    services.login_browser_record(
        user=user,
        device_id=device_id,
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
        request=request,
        how=how,
    )
    response = redirect(next_url)
    response.set_signed_cookie(
        settings.DEVICE_COOKIE_NAME,
        device_id,
        salt=DEVICE_COOKIE_SALT,
        max_age=settings.DEVICE_COOKIE_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.SECURE_COOKIES,
    )
    return response


def _staff_second_step_begin(request: HttpRequest, user: User, *, factor: str) -> HttpResponse:
    # Not logged in yet: only who passed the password, until when, and where to go after.
    request.session[PENDING_SESSION_KEY] = {
        "user_id": user.pk,
        "until": timezone.now().timestamp() + settings.STAFF_SECOND_FACTOR_SECONDS,
        "next": _next_url(request, user),
        "factor": factor,
    }
    if factor == SecondFactor.SMS:
        _staff_code_send(request, user)
    return redirect("accounts:login_verify")


def _staff_code_send(request: HttpRequest, user: User) -> None:
    try:
        services.staff_login_code_send(user=user)
    except ApplicationError as e:
        # Too soon for another code: the one sent a moment ago still works.
        messages.warning(request, e.message)
    else:
        messages.info(request, "验证码已发送到您登记的手机，请查收短信")


def _pending_staff_login(request: HttpRequest) -> tuple[User, dict[str, Any]] | None:
    pending = request.session.get(PENDING_SESSION_KEY)
    if not isinstance(pending, dict) or pending.get("until", 0) < timezone.now().timestamp():
        return None
    user_id = pending.get("user_id")
    if not isinstance(user_id, int):
        return None
    user = User.objects.filter(pk=user_id, kind=UserKind.STAFF, is_active=True).first()
    return (user, pending) if user is not None else None


def login_verify(request: HttpRequest) -> HttpResponse:
    """The second step of a staff login: an SMS code or an authenticator's code."""
    found = _pending_staff_login(request)
    if found is None:
        request.session.pop(PENDING_SESSION_KEY, None)
        messages.warning(request, "登录验证已超时或未开始，请重新输入账号和密码")
        return redirect(f"{reverse('accounts:login')}?kind={UserKind.STAFF}")
    user, pending = found
    factors = services.staff_second_factors(user=user)
    factor = pending["factor"] if pending["factor"] in factors else (factors or [SecondFactor.SMS])[0]
    form = SecondFactorForm(request.POST if request.method == "POST" and "code" in request.POST else None)
    if request.method == "POST" and request.POST.get("action") in SecondFactor.values:
        # 「改用短信验证码」/「重新发送」 or 「改用身份验证器」
        factor = request.POST["action"] if request.POST["action"] in factors else factor
        request.session[PENDING_SESSION_KEY] = {**pending, "factor": factor}
        if factor == SecondFactor.SMS:
            _staff_code_send(request, user)
        return redirect("accounts:login_verify")
    if request.method == "POST" and form.is_valid():
        try:
            services.staff_second_factor_verify(
                user=user, factor=factor, code=form.cleaned_data["code"], request=request
            )
        except ApplicationError as e:
            form.add_error(None, e.message)
        else:
            del request.session[PENDING_SESSION_KEY]
            how = f"密码及{SecondFactor(factor).label}"
            return _login_complete(request, user, next_url=pending["next"], how=how)
    return render(
        request,
        "accounts/login_verify.html",
        {
            "form": form,
            "factor": factor,
            "factors": factors,
            "account": user,
            "minutes": settings.STAFF_SECOND_FACTOR_SECONDS // 60,
        },
    )


def admin_login(request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
    """The admin site's login: the portal's staff login, so that the second factor, the lock
    and the session rules apply to administrators too."""
    next_url = request.GET.get("next") or reverse("admin:index")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("admin:index")
    query = urlencode({"kind": UserKind.STAFF, "next": next_url})
    return redirect(f"{reverse('accounts:login')}?{query}")


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if isinstance(request.user, User):
        audit_record(
            action=AuditAction.LOGOUT,
            request=request,
            obj=request.user,
            label=services.account_audit_label(request.user),
            subject_id=request.user.pk,
        )
    auth_logout(request)  # deletes the session on the server, not just the cookie
    messages.info(request, "您已安全退出")
    return redirect("portal:home")


@login_required_json
@require_POST
def keepalive(request: HttpRequest) -> JsonResponse:
    """「继续办理」 in the dialog shown before the idle timeout: renews the session now
    (`SessionRenewMiddleware` renews it at most once a minute) and says for how long, for the
    page's timer."""
    request.session.modified = True
    return JsonResponse({"ok": True, "idle_seconds": session_idle_seconds()})


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    enterprise = enterprise_for_user(user=user)
    verify_needed: tuple[str, str] | None = None
    if user.is_person and verified_identity(user) is None:
        verify_needed = ("实名认证", UNVERIFIED_PERSON)
    elif enterprise is not None and not enterprise.is_verified:
        verify_needed = ("企业认证", UNVERIFIED_ENTERPRISE)
    context = {
        "account": user,
        "enterprise": enterprise,
        "verify_needed": verify_needed,
        "particulars_needed": particulars_needed(user),
        "totp_device": services.staff_totp_device(user=user) if user.is_department_staff else None,
    }
    return render(request, "accounts/profile.html", context)


@login_required
def particulars(request: HttpRequest) -> HttpResponse:
    """「补充性别和出生日期」: asked of a holder of another document whose account predates the
    question at 注册; an application is not submitted without them (ADR 0038)."""
    user = request_user(request)
    if not user.is_person:
        raise Http404("页面不存在")
    if not particulars_needed(user):
        messages.info(request, "您的性别和出生日期已登记，不用填写")
        return redirect("accounts:profile")
    form = PersonParticularsForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            services.person_particulars_set(
                user=user,
                sex=form.cleaned_data["sex"],
                birth_date=form.cleaned_data["birth_date"],
                request=request,
            )
        except ApplicationError as e:
            form.add_error(None, e.message)
        else:
            messages.success(request, "性别和出生日期已保存，现在可以提交申请")
            return redirect("accounts:profile")
    return render(request, "accounts/particulars.html", {"form": form, "account": user})


@login_required
@require_POST
def verify(request: HttpRequest) -> HttpResponse:
    """实名认证 / 企业认证 again, for an account its identity source has not confirmed yet."""
    user = request_user(request)
    try:
        if user.is_legal:
            services.enterprise_verify(user=user)
            messages.success(request, "企业认证已通过，现在可以查看本单位人员")
        else:
            services.person_verify(user=user)
            messages.success(request, "实名认证已通过，现在可以提交申请和查看证照")
    except ApplicationError as e:
        messages.error(request, e.message)
    return redirect("accounts:profile")


@login_required
def password_change_view(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    form = PasswordChangeForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(
                user=user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"],
                request=request,
            )
        except ApplicationError as e:
            form.add_error(None, e.message)
        else:
            # This session stays; the account's other sessions end (their password hash is old).
            update_session_auth_hash(request, user)
            messages.success(request, "密码已修改，其他设备上的登录已失效")
            return redirect("accounts:profile")
    return render(request, "accounts/password_change.html", {"form": form})


@login_required
def totp_setup(request: HttpRequest) -> HttpResponse:
    """「身份验证器」: a staff member scans a new key and confirms it with one code."""
    user = request_user(request)
    if not user.is_department_staff:
        raise Http404("页面不存在")
    form = SecondFactorForm(request.POST if "code" in request.POST else None)
    if request.method == "POST" and request.POST.get("action") == "start":
        services.totp_device_start(user=user)
        return redirect("accounts:totp_setup")
    if request.method == "POST" and form.is_valid():
        try:
            services.totp_device_confirm(user=user, code=form.cleaned_data["code"])
        except ApplicationError as e:
            form.add_error(None, e.message)
        else:
            messages.success(request, "身份验证器已启用，登录时可输入其中的动态码")
            return redirect("accounts:profile")
    pending = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    qr_svg = ""
    if pending is not None:
        # segno writes the SVG from the URI alone (no text from users): safe to put in the page.
        import segno  # here: only the page that sets up a 动态口令 draws a QR code

        qr_svg = mark_safe(segno.make(pending.config_url, error="m").svg_inline(scale=4))  # noqa: S308
    return render(
        request,
        "accounts/totp_setup.html",
        {
            "form": form,
            "pending": pending,
            "qr_svg": qr_svg,
            "confirmed": services.staff_totp_device(user=user),
        },
    )


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
                kind=data["kind"],
                mobile=data["mobile"],
                code=data["sms_code"],
                password=data["password1"],
                request=request,
            )
        except ApplicationError as e:
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
    except ApplicationError as e:
        return JsonResponse({"ok": False, "message": e.message}, status=TOO_MANY)
    return JsonResponse({"ok": True, "message": text})

"""Writes for accounts: registration, SMS codes, login throttling, the staff second factor,
password change and reset, and the notices a user gets about their account.

Each service raises ApplicationError with a message in Chinese that the view shows as it is."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import (
    Enterprise,
    IdentityCheck,
    IdentityCheckMethod,
    IdentityVerdict,
    IdType,
    KnownBrowser,
    LoginThrottle,
    SecondFactor,
    Sex,
    SmsCode,
    SmsPurpose,
    SmsQuota,
    UnifiedIdentityLink,
    User,
    UserKind,
    person_username_new,
)
from accounts.realname import enterprise_identity_check, person_identity_check
from accounts.roles import enters_admin_site
from accounts.unified import UnifiedAssertion
from audit.models import AuditAction, AuditResult
from audit.services import audit_record
from catalog.models import Department
from lib.datacrypt import identity_index, mobile_index, platform_subject_index, subject_index
from lib.errors import ApplicationError
from lib.idcard import birth_date_plausible, normalize_id_number
from lib.masking import mask_id_number
from lib.metrics import LoginFailureKind, login_failure
from lib.uscc import normalize_uscc
from notifications.services import sms_enqueue

log = logging.getLogger(__name__)

# --- SMS verification codes -------------------------------------------------------------


def _code_hash(*, mobile: str, purpose: str, code: str) -> str:
    # An HMAC with the server's secret, not a bare hash: six digits are a million guesses
    # away from any plain digest, and a copy of the database must not give codes away.
    message = f"{purpose}:{mobile}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def sms_code_send(*, mobile: str, purpose: str, deliver: bool = True) -> None:
    """Make a fresh code for `mobile` and queue the SMS that carries it.

    One code a minute and SMS_CODE_DAILY_CAP a day per phone; the per-phone quota row is
    locked so that a double click cannot send two messages.

    With deliver=False (a login or reset code asked for a number with no account) everything
    happens alike, the quota counted and a code stored, but no SMS goes out: the next click,
    the daily cap and a login with a guessed code then answer exactly as for an account, so
    nothing tells a stranger whether the number is registered. Nobody knows that code, so it
    can only be guessed, within the same SMS_CODE_MAX_TRIES as any other."""
    now = timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        phone = mobile_index(mobile)
        SmsQuota.objects.get_or_create(mobile_index=phone, day=today)
        quota = SmsQuota.objects.select_for_update().get(mobile_index=phone, day=today)
        if quota.last_sent_at and now - quota.last_sent_at < timedelta(
            seconds=settings.SMS_CODE_RESEND_SECONDS
        ):
            wait = settings.SMS_CODE_RESEND_SECONDS - int((now - quota.last_sent_at).total_seconds())
            refusal = f"验证码发送过于频繁，请{max(wait, 1)}秒后再试"
        elif quota.count >= settings.SMS_CODE_DAILY_CAP:
            refusal = "该手机号今日获取验证码次数已达上限，请明天再试"
        else:
            refusal = ""
            quota.count += 1
            quota.last_sent_at = now
            quota.save(update_fields=["count", "last_sent_at"])
            code = f"{secrets.randbelow(10**6):06d}"
            # An older unused code for the same purpose stops working once a new one is sent.
            SmsCode.objects.filter(mobile_index=phone, purpose=purpose, used_at__isnull=True).update(
                expires_at=now
            )
            SmsCode.objects.create(
                mobile_index=phone,
                purpose=purpose,
                code_hash=_code_hash(mobile=mobile, purpose=purpose, code=code),
                created_at=now,
                expires_at=now + timedelta(seconds=settings.SMS_CODE_TTL_SECONDS),
            )
            if deliver:
                sms_enqueue(
                    mobile=mobile,
                    template="verification_code",
                    context={
                        "code": code,
                        "purpose": SmsPurpose(purpose).label,
                        "minutes": settings.SMS_CODE_TTL_SECONDS // 60,
                    },
                    sensitive=True,
                )
    if refusal:
        raise ApplicationError(refusal)


def sms_code_verify(*, mobile: str, purpose: str, code: str) -> None:
    """Use up the code if it is right. A wrong try is counted and committed even though the
    call then raises, so this must not run inside another transaction."""
    now = timezone.now()
    code = code.strip()
    with transaction.atomic():
        sms = (
            SmsCode.objects.select_for_update()
            .filter(mobile_index=mobile_index(mobile), purpose=purpose, used_at__isnull=True)
            .order_by("-created_at")
            .first()
        )
        if sms is None or sms.expires_at <= now:
            refusal = "验证码已失效，请重新获取"
        elif sms.tries >= settings.SMS_CODE_MAX_TRIES:
            refusal = "验证码错误次数过多，请重新获取"
        else:
            sms.tries += 1
            if hmac.compare_digest(sms.code_hash, _code_hash(mobile=mobile, purpose=purpose, code=code)):
                sms.used_at = now
                refusal = ""
            else:
                left = settings.SMS_CODE_MAX_TRIES - sms.tries
                refusal = f"验证码错误，还可尝试{left}次" if left else "验证码错误次数过多，请重新获取"
            sms.save(update_fields=["tries", "used_at"])
    if refusal:
        raise ApplicationError(refusal)


# --- Registration and identity -----------------------------------------------------------


def _identity_check_record(
    *,
    user: User,
    verdict: str,
    method: str = IdentityCheckMethod.SOURCE,
    by: User | None = None,
    note: str = "",
) -> IdentityCheck:
    return IdentityCheck.objects.create(user=user, method=method, verdict=verdict, checked_by=by, note=note)


def person_register(
    *,
    name: str,
    id_type: str,
    id_number: str,
    mobile: str,
    password: str,
    sms_code: str,
    sex: str = "",
    birth_date: date | None = None,
) -> User:
    """Register a 自然人. Inputs are already normalised by the form; `sex` and `birth_date`
    are kept only for a document other than the 居民身份证, whose number carries them
    (ADR 0038), and such a document needs them.

    The SMS code is proven first: until then the answer is the same whether or not the number
    or the mobile is registered. Then the real-name source: a MISMATCH is refused (nothing is
    made from data the source contradicts); when the source cannot be asked, the account is
    made unverified, can browse and save drafts, and retries from 个人中心 (实名认证)."""
    resident = id_type == IdType.RESIDENT
    if not resident:
        _particulars_check(sex=sex, birth_date=birth_date)
    sms_code_verify(mobile=mobile, purpose=SmsPurpose.REGISTER, code=sms_code)
    _refuse_taken_person(id_type=id_type, id_number=id_number, mobile=mobile)
    result = person_identity_check(name=name, id_type=id_type, id_number=id_number)
    if result.verdict == IdentityVerdict.MISMATCH:
        raise ApplicationError(f"实名认证未通过：{result.reason}。验证码已使用，请重新获取")
    try:
        with transaction.atomic():
            user = User(
                username=person_username_new(),
                kind=UserKind.PERSON,
                name=name,
                id_type=id_type,
                id_number=id_number,
                sex="" if resident else sex,
                birth_date=None if resident else birth_date,
                mobile=mobile,
                real_name_verified_at=timezone.now() if result.ok else None,
            )
            user.set_password(password)
            user.save()
            _identity_check_record(user=user, verdict=result.verdict, note=result.reason)
    except IntegrityError:
        # Someone registered the same number between our check and this insert.
        _refuse_taken_person(id_type=id_type, id_number=id_number, mobile=mobile)
        raise
    return user


PARTICULARS_REQUIRED = "证件类型不是居民身份证的，请按证件填写性别和出生日期"


def _particulars_check(*, sex: str, birth_date: date | None) -> None:
    # The forms say this beside each field; a caller without a form (a command, a test) is
    # refused here too, rather than by the database's check on the sex.
    if sex not in Sex.values or birth_date is None:
        raise ApplicationError(PARTICULARS_REQUIRED)
    if not birth_date_plausible(birth_date, today=timezone.localdate()):
        raise ApplicationError("出生日期有误，请按证件上的日期填写")


def person_particulars_set(
    *, user: User, sex: str, birth_date: date, request: HttpRequest | None = None
) -> User:
    """「补充性别和出生日期」: the holder of a document other than the 居民身份证 whose account
    was opened before 注册 asked for them gives them once (the form checked the date).

    Once given they are the holder's declaration, checked by staff against the 身份证明
    material of each application and copied to the register at 准予: the holder cannot
    change them again; a mistake is corrected through 申请更正 (我的信息)."""
    if not user.is_person:
        raise ApplicationError("只有个人账号需要填写性别和出生日期")
    if user.id_type == IdType.RESIDENT:
        raise ApplicationError("居民身份证的性别和出生日期从证件号码读取，不用填写")
    _particulars_check(sex=sex, birth_date=birth_date)
    with transaction.atomic():
        row = User.objects.select_for_update().get(pk=user.pk)
        if row.sex and row.birth_date:
            raise ApplicationError("性别和出生日期已填写，不能自行修改；如有错误，请在“我的信息”中申请更正")
        row.sex, row.birth_date = sex, birth_date
        row.save(update_fields=["sex", "birth_date"])
        audit_record(
            action=AuditAction.PARTICULARS_SET,
            request=request,
            actor=row,
            obj=row,
            label=account_audit_label(row),
            subject_id=row.pk,
        )
    user.sex, user.birth_date = row.sex, row.birth_date
    return user


def person_verify(*, user: User) -> User:
    """实名认证 again for an account the source could not confirm at registration."""
    if not user.is_person:
        raise ApplicationError("只有个人账号需要实名认证")
    if user.real_name_verified_at is not None:
        return user
    result = person_identity_check(name=user.name, id_type=user.id_type, id_number=user.id_number)
    with transaction.atomic():
        _identity_check_record(user=user, verdict=result.verdict, note=result.reason)
        if result.ok:
            user.real_name_verified_at = timezone.now()
            user.save(update_fields=["real_name_verified_at"])
    if not result.ok:
        raise ApplicationError(f"实名认证未通过：{result.reason}")
    return user


def _refuse_taken_person(*, id_type: str, id_number: str, mobile: str) -> None:
    # A closed account (注销账号) holds neither: the person may register again.
    people = User.objects.filter(kind=UserKind.PERSON, closed_at__isnull=True)
    if people.filter(id_index=identity_index(id_type=id_type, id_number=id_number)).exists():
        raise ApplicationError("该证件号码已注册，请直接登录；忘记密码可通过短信验证码找回")
    if people.filter(mobile_index=mobile_index(mobile)).exists():
        raise ApplicationError("该手机号已被其他个人账号使用")


def enterprise_register(
    *,
    name: str,
    uscc: str,
    legal_representative: str,
    agent_name: str,
    agent_id_number: str,
    mobile: str,
    password: str,
    sms_code: str,
) -> User:
    """Register a 法人 account; the 经办人's mobile receives its codes.

    The account is 已认证 when the enterprise register confirms 统一社会信用代码, 单位名称 and
    法定代表人 together, and 未认证 otherwise: it may log in, but sees nothing of its people
    until a later check (企业认证) or an administrator's check by hand confirms it. One
    account per 统一社会信用代码."""
    sms_code_verify(mobile=mobile, purpose=SmsPurpose.REGISTER, code=sms_code)
    _refuse_taken_enterprise(uscc=uscc, mobile=mobile)
    agent = person_identity_check(name=agent_name, id_type=IdType.RESIDENT, id_number=agent_id_number)
    if agent.verdict == IdentityVerdict.MISMATCH:
        raise ApplicationError(f"经办人实名认证未通过：{agent.reason}。验证码已使用，请重新获取")
    result = enterprise_identity_check(uscc=uscc, name=name, legal_representative=legal_representative)
    now = timezone.now()
    try:
        with transaction.atomic():
            user = User(
                username=uscc,
                kind=UserKind.LEGAL,
                name=name,
                mobile=mobile,
                # The 经办人 was checked (or the source could not be asked: then later).
                real_name_verified_at=now if agent.ok else None,
            )
            user.set_password(password)
            user.save()
            Enterprise.objects.create(
                user=user,
                uscc=uscc,
                legal_representative=legal_representative,
                agent_name=agent_name,
                agent_id_number=agent_id_number,
                verified_at=now if result.ok else None,
            )
            _identity_check_record(user=user, verdict=result.verdict, note=result.reason)
    except IntegrityError:
        _refuse_taken_enterprise(uscc=uscc, mobile=mobile)
        raise
    return user


def enterprise_verify(*, user: User) -> Enterprise:
    """企业认证 again against the enterprise register, for an account still 未认证."""
    enterprise = Enterprise.objects.filter(user=user).first()
    if enterprise is None:
        raise ApplicationError("只有法人账号需要企业认证")
    if enterprise.is_verified:
        return enterprise
    result = enterprise_identity_check(
        uscc=enterprise.uscc, name=user.name, legal_representative=enterprise.legal_representative
    )
    with transaction.atomic():
        _identity_check_record(user=user, verdict=result.verdict, note=result.reason)
        if result.ok:
            enterprise.verified_at = timezone.now()
            enterprise.save(update_fields=["verified_at"])
    if not result.ok:
        raise ApplicationError(f"企业认证未通过：{result.reason}")
    return enterprise


def enterprise_verify_by_hand(*, enterprise: Enterprise, by: User, note: str) -> Enterprise:
    """An administrator confirms an enterprise from its papers at the hall (营业执照 seen). The
    check is recorded with who did it and why; it needs a note."""
    if not note.strip():
        raise ApplicationError("人工核验须写明核验依据（如：已查验营业执照原件）")
    with transaction.atomic():
        enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
        if enterprise.is_verified:
            return enterprise
        enterprise.verified_at = timezone.now()
        enterprise.save(update_fields=["verified_at"])
        _identity_check_record(
            user=enterprise.user,
            verdict=IdentityVerdict.MATCH,
            method=IdentityCheckMethod.MANUAL,
            by=by,
            note=note.strip()[:200],
        )
    return enterprise


def _refuse_taken_enterprise(*, uscc: str, mobile: str) -> None:
    if Enterprise.objects.filter(uscc=uscc).exists() or User.objects.filter(username=uscc).exists():
        raise ApplicationError(
            "该统一社会信用代码已有法人账号，每个单位只能有一个账号。请联系本单位该账号的经办人，"
            "或携带营业执照到政务服务大厅办理"
        )
    if User.objects.filter(kind=UserKind.LEGAL, mobile_index=mobile_index(mobile)).exists():
        raise ApplicationError("该手机号已被其他法人账号使用")


def staff_create(
    *,
    username: str,
    name: str,
    role: str,
    department: Department,
    password: str,
    mobile: str = "",
) -> User:
    """Create or update a staff account (used by the demo data and by administrators)."""
    user, _ = User.objects.update_or_create(
        username=username,
        defaults={
            "kind": UserKind.STAFF,
            "name": name,
            "staff_role": role,
            "department": department,
            "mobile": mobile,
            "id_type": "",
            "is_staff": enters_admin_site(role),
            "is_superuser": False,
        },
    )
    user.set_password(password)
    user.save()
    return user


# --- Login ------------------------------------------------------------------------------


LOGIN_WRONG = "账号或密码错误"
LOGIN_BY_SMS = "短信验证码"
LOGIN_BY_UNIFIED = "统一身份认证"
# How a login was proven, when it is not by password: the audit trail's action for it.
LOGIN_ACTIONS: dict[str, AuditAction] = {
    LOGIN_BY_SMS: AuditAction.LOGIN_SMS,
    LOGIN_BY_UNIFIED: AuditAction.LOGIN_UNIFIED,
}
# An applicant's credentials on the other applicant tab (个人 / 法人) get a hint, see
# user_authenticate; staff log in on a page of their own.
OTHER_APPLICANT_KIND: dict[str, str] = {UserKind.PERSON: UserKind.LEGAL, UserKind.LEGAL: UserKind.PERSON}
WRONG_TAB: dict[str, str] = {
    UserKind.PERSON: "该账号是个人账号，请在“个人”标签下登录",
    UserKind.LEGAL: "该账号是法人账号，请在“法人”标签下登录",
}


def account_audit_label(user: User) -> str:
    """How the audit trail names an account: its name and type, never a number."""
    return f"{user.name or user.username}（{user.get_kind_display()}）"


def _login_audited(
    *,
    request: HttpRequest | None,
    action: AuditAction,
    user: User | None,
    result: AuditResult,
    how: str,
    reason: str = "",
    typed: str = "",
) -> None:
    """A login, failed or not, on the audit trail: the account tried (if the name matched
    one) is the row's subject, so that its holder sees attempts on it; what was typed for a
    name that matched nothing is kept masked only."""
    detail = {"方式": how}
    if reason:
        detail["原因"] = reason
    if user is None and typed.strip():
        detail["输入的账号"] = mask_id_number(typed.strip()[:40])
    audit_record(
        action=action,
        request=request,
        actor=user if result == AuditResult.SUCCESS else None,
        obj=user,
        label=account_audit_label(user) if user is not None else "未知账号",
        subject_id=user.pk if user is not None else None,
        result=result,
        detail=detail,
    )


def _lock_message(kind: str) -> str:
    minutes = settings.LOGIN_LOCK_SECONDS // 60
    if kind == UserKind.STAFF:  # staff have no SMS login
        return f"登录失败次数过多，账号已锁定，请{minutes}分钟后再试"
    # Someone else's wrong guesses must not shut the owner out: the code goes to their phone.
    return f"登录失败次数过多，账号已锁定，请{minutes}分钟后再试；您也可使用短信验证码登录"


def user_find(*, kind: str, identifier: str) -> User | None:
    """The account a login name points at: 证件号码 or mobile for a person, 统一社会信用代码
    or the 经办人's mobile for an enterprise, the login name for staff."""
    identifier = identifier.strip()
    if not identifier:
        return None
    users = User.objects.filter(kind=kind, is_active=True)
    # Both numbers are stored encrypted: an account is found by their blind indexes.
    if kind == UserKind.PERSON:
        if len(identifier) == 11 and identifier.isascii() and identifier.isdigit():
            return users.filter(mobile_index=mobile_index(identifier)).first()
        # A number alone is no person: the 证件号码 logs in only a 居民身份证 account; other
        # kinds of ID, which may share digits with it, log in with their mobile.
        index = identity_index(id_type=IdType.RESIDENT, id_number=normalize_id_number(identifier))
        return users.filter(id_index=index).first()
    if kind == UserKind.LEGAL:
        if len(identifier) == 11 and identifier.isascii() and identifier.isdigit():
            return users.filter(mobile_index=mobile_index(identifier)).first()
        return users.filter(username=normalize_uscc(identifier)).first()
    if kind == UserKind.STAFF:
        return users.filter(username=identifier).first()
    return None


def _throttle_key(*, kind: str, identifier: str, user: User | None) -> str:
    # Counted per account; a name that matches no account is counted under the typed name,
    # so an unknown user sees exactly what a wrong password sees, locking included. The name
    # may be someone's 证件号码 or mobile: the row keeps its blind index, never the name.
    if user is not None:
        return f"user:{user.pk}"
    return f"{kind}:{subject_index(identifier)}"


def _login_attempt_begin(key: str) -> bool:
    """Reserve one attempt; False when the account is locked. Attempts are reserved before
    the (slow) password check, so parallel guesses on several hosts cannot exceed the limit."""
    now = timezone.now()
    with transaction.atomic():
        LoginThrottle.objects.get_or_create(key=key)
        throttle = LoginThrottle.objects.select_for_update().get(key=key)
        if throttle.locked_until and throttle.locked_until > now:
            return False
        if throttle.failures >= settings.LOGIN_MAX_FAILURES:
            # Earlier attempts are still being checked; together they reach the limit.
            return False
        throttle.failures += 1
        throttle.locked_until = None
        throttle.save(update_fields=["failures", "locked_until", "updated_at"])
        return True


def _login_attempt_end(key: str, *, success: bool, finished: bool = True) -> None:
    """Record the outcome of a reserved attempt. A success that does not finish the login (a
    staff password, before the second factor) only gives its reservation back: otherwise
    typing the password again would wipe the count of wrong codes."""
    with transaction.atomic():
        throttle = LoginThrottle.objects.select_for_update().get(key=key)
        if success and not finished:
            throttle.failures = max(throttle.failures - 1, 0)
        elif success:
            throttle.failures = 0
            throttle.locked_until = None
        elif throttle.failures >= settings.LOGIN_MAX_FAILURES:
            throttle.failures = 0
            throttle.locked_until = timezone.now() + timedelta(seconds=settings.LOGIN_LOCK_SECONDS)
        throttle.save(update_fields=["failures", "locked_until", "updated_at"])


def login_throttle_unlock(
    *, throttles: list[LoginThrottle], by: User, request: HttpRequest | None = None
) -> int:
    """「解锁」 by the 安全管理员: the failure counts start again at zero, now. Each unlock is
    written to the audit trail with the account it concerned. Returns how many were locked."""
    unlocked = 0
    with transaction.atomic():
        for throttle in LoginThrottle.objects.select_for_update().filter(pk__in=[t.pk for t in throttles]):
            was_locked = throttle.locked_until is not None and throttle.locked_until > timezone.now()
            unlocked += was_locked
            throttle.failures = 0
            throttle.locked_until = None
            throttle.save(update_fields=["failures", "locked_until", "updated_at"])
            kind, _, rest = throttle.key.partition(":")
            audit_record(
                action=AuditAction.ACCOUNT_UNLOCK,
                request=request,
                actor=by,
                obj=throttle,
                label=f"登录失败计数 {throttle.pk}",
                subject_id=int(rest) if kind == "user" and rest.isdigit() else None,
                detail={"was_locked": was_locked},
            )
    return unlocked


def user_authenticate(
    *, kind: str, identifier: str, password: str, request: HttpRequest | None = None
) -> User:
    """Check a password login; raise ApplicationError with the same words for an unknown user and
    a wrong password. A failure is on the audit trail (`request` gives its address); the
    success is recorded when the login completes (`login_browser_record`)."""
    user = user_find(kind=kind, identifier=identifier)
    # No account of this type: maybe the other applicant type's, typed on the wrong tab.
    other_kind = OTHER_APPLICANT_KIND.get(kind) if user is None else None
    other = user_find(kind=other_kind, identifier=identifier) if other_kind else None
    # A try on the wrong tab is a guess at that account's password, counted as one: the hint
    # below must not be a second, unlimited way to test its password.
    key = _throttle_key(kind=kind, identifier=identifier, user=user or other)

    def failed(reason: str) -> ApplicationError:
        _login_audited(
            request=request,
            action=AuditAction.LOGIN,
            user=user or other,
            result=AuditResult.FAILURE,
            how=f"{UserKind(kind).label}密码",
            reason=reason,
            typed=identifier,
        )
        return ApplicationError(reason)

    if not _login_attempt_begin(key):
        login_failure(LoginFailureKind.LOCKED)
        raise failed(_lock_message(kind))
    wrong_tab = False
    if user is not None:
        ok = user.check_password(password)
    elif other is not None:
        # One hash either way, as for an unknown name: the time says nothing of the account.
        ok, wrong_tab = False, other.check_password(password)
    else:
        make_password(password)  # spend the same time as a real check
        ok = False
    if wrong_tab:
        # Only whoever knows the account's password learns its type, and nothing else:
        # the attempt is given back, not counted as a failure nor as a login.
        _login_attempt_end(key, success=True, finished=False)
        assert other is not None
        raise failed(WRONG_TAB[other.kind])
    # Staff are not logged in yet: their second factor finishes (and resets) the count.
    _login_attempt_end(key, success=ok, finished=user is None or user.kind != UserKind.STAFF)
    if not ok:
        login_failure(LoginFailureKind.PASSWORD)
        raise failed(LOGIN_WRONG)
    assert user is not None
    return user


def user_authenticate_by_sms(
    *, kind: str, mobile: str, code: str, request: HttpRequest | None = None
) -> User:
    """Log in with an SMS code sent to the account's mobile.

    A password lock does not apply: it is there against guessed passwords, and whoever reads
    the code on the account's own phone is the owner, whom a stranger's wrong guesses must not
    shut out. Proving the code clears the lock. Only after the code is proven may the answer
    say that the number has no account, or that its account is on the other applicant tab:
    whoever read the code on that phone owns the number, so the hint tells a stranger nothing."""

    def failed(reason: str, user: User | None) -> ApplicationError:
        login_failure(LoginFailureKind.SMS)
        _login_audited(
            request=request,
            action=AuditAction.LOGIN_SMS,
            user=user,
            result=AuditResult.FAILURE,
            how=f"{UserKind(kind).label}短信验证码",
            reason=reason,
            typed=mobile,
        )
        return ApplicationError(reason)

    try:
        sms_code_verify(mobile=mobile, purpose=SmsPurpose.LOGIN, code=code)
    except ApplicationError as e:
        raise failed(e.message, user_find(kind=kind, identifier=mobile)) from None
    user = user_find(kind=kind, identifier=mobile)
    if user is None:
        other = _other_applicant_find(kind=kind, identifier=mobile)
        if other is not None:
            raise failed(WRONG_TAB[other.kind], other)
        raise failed("该手机号未注册，请先注册", None)
    LoginThrottle.objects.filter(key=_throttle_key(kind=kind, identifier=mobile, user=user)).update(
        failures=0, locked_until=None
    )
    return user


def _other_applicant_find(*, kind: str, identifier: str) -> User | None:
    """The account of the other applicant type (个人 / 法人) that `identifier` names, if any:
    someone on the wrong tab."""
    other_kind = OTHER_APPLICANT_KIND.get(kind)
    return user_find(kind=other_kind, identifier=identifier) if other_kind else None


def login_sms_code_send(*, kind: str, mobile: str) -> None:
    """Send a login code only to a registered number, but count and answer alike either way
    (sms_code_send's deliver) so that the form does not tell strangers who is registered.
    A number registered on the other applicant tab gets its code too: proving it earns the
    wrong-tab hint (user_authenticate_by_sms), not a login."""
    registered = (
        user_find(kind=kind, identifier=mobile) is not None
        or _other_applicant_find(kind=kind, identifier=mobile) is not None
    )
    sms_code_send(mobile=mobile, purpose=SmsPurpose.LOGIN, deliver=registered)


def password_reset_code_send(*, kind: str, mobile: str) -> None:
    """As login_sms_code_send, for 找回密码."""
    registered = user_find(kind=kind, identifier=mobile) is not None
    sms_code_send(mobile=mobile, purpose=SmsPurpose.RESET, deliver=registered)


def password_reset(
    *, kind: str, mobile: str, code: str, password: str, request: HttpRequest | None = None
) -> User:
    """Set a new password after the SMS code. Changing the password also ends every other
    session of the account (Django checks the password hash in each session). Both a reset
    and a refused code are on the audit trail."""
    try:
        sms_code_verify(mobile=mobile, purpose=SmsPurpose.RESET, code=code)
    except ApplicationError as e:
        _login_audited(
            request=request,
            action=AuditAction.PASSWORD_RESET,
            user=user_find(kind=kind, identifier=mobile),
            result=AuditResult.FAILURE,
            how="短信验证码",
            reason=e.message,
            typed=mobile,
        )
        raise
    user = user_find(kind=kind, identifier=mobile)
    if user is None:
        raise ApplicationError("该手机号未注册，请先注册")
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        LoginThrottle.objects.filter(key=f"user:{user.pk}").update(failures=0, locked_until=None)
        _password_changed_notice(user=user)
        _login_audited(
            request=request,
            action=AuditAction.PASSWORD_RESET,
            user=user,
            result=AuditResult.SUCCESS,
            how="短信验证码",
        )
    return user


def password_change(
    *, user: User, old_password: str, new_password: str, request: HttpRequest | None = None
) -> None:
    """「修改密码」 by a signed-in user. The old password is checked like a login (a wrong one
    counts towards the lock), so a session left open is not a free guessing machine. The
    caller keeps its own session with update_session_auth_hash; every other session of the
    account fails Django's password-hash check on its next request and ends."""

    def audited(result: AuditResult, reason: str = "") -> None:
        audit_record(
            action=AuditAction.PASSWORD_CHANGE,
            request=request,
            actor=user,
            obj=user,
            label=account_audit_label(user),
            subject_id=user.pk,
            result=result,
            detail={"原因": reason} if reason else None,
        )

    key = _throttle_key(kind=user.kind, identifier=user.username, user=user)
    if not _login_attempt_begin(key):
        audited(AuditResult.FAILURE, "账号已锁定")
        raise ApplicationError(_lock_message(user.kind))
    ok = user.check_password(old_password)
    _login_attempt_end(key, success=ok, finished=False)
    if not ok:
        audited(AuditResult.FAILURE, "原密码不正确")
        raise ApplicationError("原密码不正确")
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        _password_changed_notice(user=user)
        audited(AuditResult.SUCCESS)


def _password_changed_notice(*, user: User) -> None:
    # In the caller's transaction: no notice for a change that was rolled back.
    if user.mobile:
        sms_enqueue(
            mobile=user.mobile,
            template="password_changed",
            context={"time": timezone.localtime().strftime("%Y-%m-%d %H:%M")},
            user=user,
        )


# --- Staff second factor ----------------------------------------------------------------


NO_SECOND_FACTOR = (
    "您的账号尚未登记手机号，也未设置身份验证器，无法完成登录验证。请联系安全管理员或系统管理员登记手机号。"
)


def staff_totp_device(*, user: User) -> TOTPDevice | None:
    """The staff member's confirmed authenticator, if any."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-id").first()


def staff_second_factors(*, user: User) -> list[SecondFactor]:
    """The ways this staff member can finish a login, the authenticator first."""
    factors = []
    if staff_totp_device(user=user) is not None:
        factors.append(SecondFactor.TOTP)
    if user.mobile:
        factors.append(SecondFactor.SMS)
    return factors


def staff_login_code_send(*, user: User) -> None:
    """Send the second-step code to the staff member's mobile (same limits as any code)."""
    if not user.mobile:
        raise ApplicationError(NO_SECOND_FACTOR)
    sms_code_send(mobile=user.mobile, purpose=SmsPurpose.STAFF_LOGIN)


def staff_second_factor_verify(
    *, user: User, factor: str, code: str, request: HttpRequest | None = None
) -> None:
    """Check the second step of a staff login. A wrong code counts as a wrong password, in the
    same throttle row, so the lock after LOGIN_MAX_FAILURES covers both steps together."""
    how = f"工作人员第二步验证（{SecondFactor(factor).label if factor in SecondFactor.values else factor}）"

    def failed(reason: str) -> ApplicationError:
        _login_audited(
            request=request,
            action=AuditAction.LOGIN,
            user=user,
            result=AuditResult.FAILURE,
            how=how,
            reason=reason,
        )
        return ApplicationError(reason)

    key = _throttle_key(kind=UserKind.STAFF, identifier=user.username, user=user)
    if not _login_attempt_begin(key):
        login_failure(LoginFailureKind.LOCKED)
        raise failed(_lock_message(UserKind.STAFF))
    refusal = ""
    if factor == SecondFactor.TOTP:
        device = staff_totp_device(user=user)
        if device is None or not _totp_verify(device=device, code=code):
            refusal = "动态码错误，请查看身份验证器中的最新动态码"
    elif factor == SecondFactor.SMS and user.mobile:
        try:
            sms_code_verify(mobile=user.mobile, purpose=SmsPurpose.STAFF_LOGIN, code=code)
        except ApplicationError as e:
            refusal = e.message
    else:
        refusal = NO_SECOND_FACTOR
    _login_attempt_end(key, success=not refusal)
    if refusal:
        login_failure(LoginFailureKind.SECOND_FACTOR)
        raise failed(refusal)


def _totp_verify(*, device: TOTPDevice, code: str) -> bool:
    # django-otp checks the code against the clock with one step of tolerance, refuses a code
    # already used (last_t) and slows guessing with its own growing delay.
    return bool(device.verify_token(code.strip()))  # type: ignore[no-untyped-call]


def totp_device_start(*, user: User) -> TOTPDevice:
    """A fresh, unconfirmed authenticator key for the staff member to scan. It replaces any
    earlier unconfirmed one; a confirmed device keeps working until the new one is confirmed."""
    if user.kind != UserKind.STAFF:
        raise ApplicationError("只有工作人员账号可以设置身份验证器")
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        device: TOTPDevice = TOTPDevice.objects.create(user=user, name="身份验证器", confirmed=False)
        return device


def totp_device_confirm(*, user: User, code: str) -> TOTPDevice:
    """Confirm the unconfirmed key with one code from the app; older devices are removed, so
    a lost phone stops working once the new one is set up."""
    device: TOTPDevice | None = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        raise ApplicationError("请先点击「设置身份验证器」并扫描二维码")
    if not _totp_verify(device=device, code=code):
        raise ApplicationError("动态码错误，请确认手机时间准确后输入身份验证器中的最新动态码")
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    return device


# --- Logins from new browsers -----------------------------------------------------------


def login_browser_record(
    *,
    user: User,
    device_id: str,
    user_agent: str = "",
    request: HttpRequest | None = None,
    how: str = "密码",
) -> bool:
    """Note that `user` logged in from the browser `device_id`; True if it was new to this
    account, in which case an SMS notice is queued in the same transaction. The login's last
    write: its row on the audit trail (`how` it was proven: 密码, 短信验证码, 第二步验证)."""
    now = timezone.now()
    action = LOGIN_ACTIONS.get(how, AuditAction.LOGIN)
    with transaction.atomic():
        # get_or_create survives two logins from the same browser at once (unique constraint).
        browser, created = KnownBrowser.objects.get_or_create(
            user=user,
            device_id=device_id,
            defaults={"user_agent": user_agent[:200], "first_seen_at": now, "last_seen_at": now},
        )
        if not created:
            browser.last_seen_at = now
            browser.save(update_fields=["last_seen_at"])
        elif user.mobile:
            sms_enqueue(
                mobile=user.mobile,
                template="new_browser_login",
                context={"time": timezone.localtime(now).strftime("%Y-%m-%d %H:%M")},
                user=user,
            )
        _login_audited(
            request=request,
            action=action,
            user=user,
            result=AuditResult.SUCCESS,
            how=how,
        )
    return created


# --- Sign-in through 统一身份认证 ------------------------------------------------------------

UNIFIED_HELD_UNVERIFIED = (
    "该证件号码已注册了本网站账号，但该账号尚未通过实名认证，不能通过统一身份认证关联。"
    "如是您本人的账号，请使用密码或短信验证码登录后在“个人中心”点击“实名认证”；"
    "如不是您注册的，请携带本人证件到政务服务大厅办理"
)
UNIFIED_HELD_DISABLED = "该证件号码的账号已停用，请携带本人证件到政务服务大厅办理"
UNIFIED_SUBJECT_ELSEWHERE = (
    "您的统一身份认证账号已关联本网站的另一个账号，与这次提供的证件信息不一致，"
    "不能自动登录。请携带本人证件到政务服务大厅办理"
)
UNIFIED_CHANGED = "账号信息刚刚发生了变化，请重新点击「统一身份认证登录」"


class UnifiedOutcome(models.TextChoices):
    """What a sign-in through 统一身份认证 leads to for the asserted identity."""

    LOGIN = "login", "直接登录"
    LINK = "link", "关联已有账号"
    CREATE = "create", "新建个人账号"
    REFUSED = "refused", "不能登录"


@dataclass(frozen=True)
class UnifiedMatch:
    outcome: UnifiedOutcome
    # The account the identity (or, when refused, the subject) belongs to, if any.
    account: User | None = None
    refusal: str = ""


def unified_match(*, assertion: UnifiedAssertion) -> UnifiedMatch:
    """Whose account an assertion of the province's 统一身份认证 opens: the open 个人 account
    of exactly this (证件类型, 证件号码), never one found by name or mobile, and never a 法人
    or staff account (they are not persons; their 证件 are not their login).

    Refused: an identity held by an account whose number no source has confirmed (whoever
    registered it may not be this person, and knows its password), a disabled one, and a
    platform subject already linked to another account. Read by the callback to choose the
    page, and again under the confirmation's transaction."""
    holder = User.objects.filter(
        kind=UserKind.PERSON,
        closed_at__isnull=True,
        id_index=identity_index(id_type=assertion.id_type, id_number=assertion.id_number),
    ).first()
    link = (
        UnifiedIdentityLink.objects.filter(
            subject_index=platform_subject_index(issuer=assertion.issuer, subject=assertion.subject),
            user__closed_at__isnull=True,
        )
        .select_related("user")
        .first()
    )
    if link is not None and (holder is None or link.user_id != holder.pk):
        return UnifiedMatch(UnifiedOutcome.REFUSED, link.user, UNIFIED_SUBJECT_ELSEWHERE)
    if holder is None:
        return UnifiedMatch(UnifiedOutcome.CREATE)
    if not holder.is_active:
        return UnifiedMatch(UnifiedOutcome.REFUSED, holder, UNIFIED_HELD_DISABLED)
    if holder.real_name_verified_at is None:
        return UnifiedMatch(UnifiedOutcome.REFUSED, holder, UNIFIED_HELD_UNVERIFIED)
    if link is not None:
        return UnifiedMatch(UnifiedOutcome.LOGIN, holder)
    return UnifiedMatch(UnifiedOutcome.LINK, holder)


def unified_signin_refused(
    *, reason: str, detail: str = "", account: User | None = None, request: HttpRequest | None = None
) -> None:
    """A refused sign-in through 统一身份认证 on the audit trail (the account concerned, if
    any, as its subject, so that its holder sees it); the technical detail goes to the log."""
    log.warning("unified sign-in refused: %s", detail or reason)
    login_failure(LoginFailureKind.UNIFIED)
    _login_audited(
        request=request,
        action=AuditAction.LOGIN_UNIFIED,
        user=account,
        result=AuditResult.FAILURE,
        how=LOGIN_BY_UNIFIED,
        reason=reason,
    )


def unified_link_confirm(*, assertion: UnifiedAssertion, request: HttpRequest | None = None) -> User:
    """The person saw what would be linked and agreed: link the account of their identity,
    or make a 个人 account for it, real-name verified by the platform's assertion. Records
    the link, an IdentityCheck (method 统一身份认证) and the audit row; the login itself is
    recorded by `login_browser_record` after.

    The match is taken again inside the transaction, so that an account registered between
    the page and the click is linked, not duplicated. A new account has no password (it
    signs in through the platform; 找回密码 by SMS sets one if the platform gave a mobile)."""
    now = timezone.now()
    try:
        with transaction.atomic():
            match = unified_match(assertion=assertion)
            if match.outcome == UnifiedOutcome.REFUSED:
                raise ApplicationError(match.refusal)
            if match.outcome == UnifiedOutcome.LOGIN:
                assert match.account is not None
                return match.account  # a second click: linked already
            if match.outcome == UnifiedOutcome.CREATE:
                user = _unified_person_create(assertion=assertion, now=now)
            else:
                assert match.account is not None
                user = match.account
            # A closed account (注销账号) keeps nothing of the platform's subject.
            UnifiedIdentityLink.objects.filter(
                subject_index=platform_subject_index(issuer=assertion.issuer, subject=assertion.subject),
                user__closed_at__isnull=False,
            ).delete()
            UnifiedIdentityLink.objects.update_or_create(
                user=user, issuer=assertion.issuer, defaults={"subject": assertion.subject, "linked_at": now}
            )
            _identity_check_record(
                user=user,
                verdict=IdentityVerdict.MATCH,
                method=IdentityCheckMethod.UNIFIED,
                note=f"统一身份认证平台 {assertion.issuer}"[:200],
            )
            audit_record(
                action=AuditAction.ACCOUNT_LINK,
                request=request,
                actor=user,
                obj=user,
                label=account_audit_label(user),
                subject_id=user.pk,
                detail={"方式": match.outcome.label, "平台": assertion.issuer[:100]},
            )
    except IntegrityError:
        raise ApplicationError(UNIFIED_CHANGED) from None
    return user


def _unified_person_create(*, assertion: UnifiedAssertion, now: datetime) -> User:
    # The platform's mobile is kept only when no other 个人 account uses it (it never finds
    # anyone: matching is by the identity alone).
    mobile = assertion.mobile
    if mobile and User.objects.filter(kind=UserKind.PERSON, mobile_index=mobile_index(mobile)).exists():
        mobile = ""
    user = User(
        username=person_username_new(),
        kind=UserKind.PERSON,
        name=assertion.name,
        id_type=assertion.id_type,
        id_number=assertion.id_number,
        mobile=mobile,
        real_name_verified_at=now,
    )
    if assertion.sex and assertion.birth_date and assertion.id_type != IdType.RESIDENT:
        # As the platform asserted them (ADR 0038): the holder is not asked in 个人中心.
        user.sex, user.birth_date = assertion.sex, date.fromisoformat(assertion.birth_date)
    user.set_unusable_password()
    user.save()
    return user

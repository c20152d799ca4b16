"""Writes of the person's rights: 申请更正 and its closing by the department, and 注销账号.

Each is one service, called alike by the views and by tests; each writes what the law asks
to be on record (the correction request itself, the ACCOUNT_CLOSE audit row)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Enterprise, KnownBrowser, SmsCode, StaffRole, UnifiedIdentityLink, User
from audit.models import AuditAction
from audit.services import audit_record
from cases.models import Case, CaseStatus
from cases.services import case_draft_delete
from cases.types import OPEN_STATUSES
from catalog.models import Department, ServiceItem
from catalog.registration_types import RegistrationType
from lib.datacrypt import mobile_index
from lib.errors import ApplicationError
from notifications.models import InboxMessage
from notifications.services import inbox_message_create, sms_cancel_for_closed_account
from privacy.models import CorrectionRequest, CorrectionStatus
from privacy.transitions import transition_allowed

# A person may have this many requests waiting at once: enough for every part of the record,
# few enough that nobody floods the department's list.
OPEN_CORRECTIONS_MAX = 5
DESCRIPTION_MAX = 1000


def correction_department(*, user: User) -> Department:
    """Who answers a person's correction request: the department of their latest submitted
    case, else the department that grants 初始注册 (the register's keeper)."""
    latest = (
        Case.objects.filter(applicant=user)
        .exclude(status=CaseStatus.DRAFT)
        .order_by("-submitted_at", "-id")
        .first()
    )
    if latest is not None:
        return latest.department
    item = (
        ServiceItem.objects.filter(code=RegistrationType.INITIAL).select_related("matter__department").first()
    )
    if item is None:
        raise ApplicationError("暂无可受理更正申请的部门，请联系政务服务大厅")
    return item.matter.department


def correction_request_create(*, user: User, description: str) -> CorrectionRequest:
    """「申请更正」: the person says what is wrong; the department's 受理人员 find it in their list."""
    if user.is_department_staff or user.closed_at is not None:
        raise ApplicationError("只有申请人本人可以申请更正个人信息")
    text = description.strip()
    if not text:
        raise ApplicationError("请写明哪项信息有误、正确的内容是什么")
    if len(text) > DESCRIPTION_MAX:
        raise ApplicationError(f"更正说明不能超过{DESCRIPTION_MAX}字")
    with transaction.atomic():
        # The account's row, locked: two clicks cannot pass the limit together.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        waiting = CorrectionRequest.objects.filter(user=user, status=CorrectionStatus.OPEN).count()
        if waiting >= OPEN_CORRECTIONS_MAX:
            raise ApplicationError(f"您已有{waiting}件更正申请正在处理，请等待答复后再提交")
        return CorrectionRequest.objects.create(
            user=user, department=correction_department(user=user), description=text
        )


def may_close_corrections(user: User) -> bool:
    """The department's 受理人员 answer correction requests, as they answer applications."""
    return user.works_on_cases and user.staff_role == StaffRole.ACCEPTOR and user.department_id is not None


def correction_request_close(
    *, correction: CorrectionRequest, by: User, outcome: CorrectionStatus, reply: str
) -> CorrectionRequest:
    """更正完成 or 不予更正, with a reply the person reads in 我的信息 and a 站内消息. The
    correction itself is made the ordinary way (a case, the register, the admin) before."""
    if not may_close_corrections(by) or by.department_id != correction.department_id:
        raise ApplicationError("只有本部门的受理人员可以办理更正申请")
    reply = reply.strip()
    if not reply:
        raise ApplicationError("请填写答复内容（更正了什么，或不予更正的理由）")
    with transaction.atomic():
        locked = CorrectionRequest.objects.select_for_update().get(pk=correction.pk)
        if not transition_allowed(source=locked.status, target=outcome):
            raise ApplicationError(f"该更正申请已{locked.get_status_display()}，不能再办理")
        locked.status = outcome
        locked.reply = reply[:DESCRIPTION_MAX]
        locked.closed_at = timezone.now()
        locked.closed_by = by
        locked.save(update_fields=["status", "reply", "closed_at", "closed_by"])
        inbox_message_create(
            user=locked.user,
            title=f"您的个人信息更正申请：{outcome.label}",
            body=locked.reply,
            link=reverse("privacy:my_info") + "#corrections",
        )
    return locked


# --- 注销账号 --------------------------------------------------------------------------------


def account_close_refusal(*, user: User) -> str | None:
    """Why the account cannot be closed now, or None."""
    if user.is_department_staff:
        return "工作人员账号由系统管理员停用，不能自行注销"
    if user.closed_at is not None:
        return "该账号已注销"
    open_cases = Case.objects.filter(applicant=user, status__in=OPEN_STATUSES).order_by("submitted_at", "id")
    numbers = [c.number or "" for c in open_cases[:5]]
    if numbers:
        return (
            f"您有正在办理的办件（{'、'.join(numbers)}），办结或撤回后才能注销账号。"
            "如需撤回，请在“我的办件”中操作"
        )
    return None


# An account without a password (made by 统一身份认证) is closed only this soon after a login:
# whoever finds a signed-in browser left open cannot close it.
CLOSE_LOGIN_SECONDS = 600
CLOSE_LOGIN_AGAIN = "为确认是您本人，请重新登录后在10分钟内注销账号"


def account_close(
    *,
    user: User,
    password: str | None = None,
    login_age: float | None = None,
    request: HttpRequest | None = None,
) -> User:
    """「注销账号」. Kept, because laws and regulations require it: the submitted cases with
    their files and notices, the register record, certificates and their logs, the audit
    trail, and the account's row, which those records name (its name, 证件类型 and 证件号码).
    Removed: the mobile, the password, known browsers, authenticators, the link to
    统一身份认证, the drafts never submitted (with their files), unused SMS codes, 站内消息, and
    for a 法人 the enterprise details (经办人 and his ID number); SMS still queued for it are not
    sent and their texts are deleted. Every session ends, since the password is gone.

    Proof that the holder asks: the password, or for an account without one (made by
    统一身份认证) a login less than `CLOSE_LOGIN_SECONDS` ago (`login_age`, in seconds).

    The 证件号码 (or 统一社会信用代码) may register a new account at once: the closed one no
    longer holds the login name, and the uniqueness rules leave closed accounts out."""
    if user.has_usable_password():
        if password is None or not user.check_password(password):
            raise ApplicationError("密码不正确")
    elif login_age is None or login_age > CLOSE_LOGIN_SECONDS:
        raise ApplicationError(CLOSE_LOGIN_AGAIN)
    with transaction.atomic():
        locked = get_user_model().objects.select_for_update().get(pk=user.pk)
        refusal = account_close_refusal(user=locked)
        if refusal:
            raise ApplicationError(refusal)
        for draft in Case.objects.filter(applicant=locked, status=CaseStatus.DRAFT):
            case_draft_delete(case=draft, user=locked)
        if locked.mobile:
            SmsCode.objects.filter(mobile_index=mobile_index(locked.mobile), used_at__isnull=True).delete()
        KnownBrowser.objects.filter(user=locked).delete()
        TOTPDevice.objects.filter(user=locked).delete()
        InboxMessage.objects.filter(user=locked).delete()
        # Nothing more reaches the closed account's phone, not even what was queued before.
        sms_cancel_for_closed_account(user=locked)
        Enterprise.objects.filter(user=locked).delete()
        # The platform's subject may then sign in again, into a new account (ADR 0023).
        UnifiedIdentityLink.objects.filter(user=locked).delete()
        locked.mobile = ""
        locked.username = f"closed-{locked.pk}"
        locked.is_active = False
        locked.closed_at = timezone.now()
        locked.set_unusable_password()
        locked.save(update_fields=["mobile", "username", "is_active", "closed_at", "password"])
        audit_record(
            action=AuditAction.ACCOUNT_CLOSE,
            request=request,
            actor=locked,
            obj=locked,
            label=f"{locked.get_kind_display()}账号 {locked.pk}",
            subject_id=locked.pk,
        )
    return locked

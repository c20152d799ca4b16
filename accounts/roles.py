"""三员分立: what each of the three administrators may do in the admin site, in one table.

The 系统管理员 keeps the reference data (catalogue, calendar, register and certificate rules),
the staff accounts and the outboxes (SMS, data sharing, 好差评 pushes); the 安全管理员 the
security side (locked logins, known browsers, authenticators, the identity directories and
checks by hand); the 审计管理员 only reads the audit trail. Nobody else has any permission,
and there are no superusers: the table is the whole answer (`accounts.backends.PortalBackend`
asks it, ADR 0016).

None of the three opens an applicant's case files: the case selectors serve only staff who
work on cases (`User.works_on_cases`), and one account holds one role, so an administrator
never is one. Views that serve case files refuse administrators by `administrators_refused`,
which writes the refusal to the audit trail."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any

from django.db import models
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

from accounts.models import ADMINISTRATOR_ROLES, StaffRole, User
from audit.models import AuditAction, AuditResult
from audit.services import audit_record

VIEW, ADD, CHANGE, DELETE = "view", "add", "change", "delete"
ALL = frozenset({VIEW, ADD, CHANGE, DELETE})
READ = frozenset({VIEW})

# Role → model label (lower case, as permissions name it) → what the role may do with it.
# A model admin may still refuse more (a read-only admin answers False to change itself).
ADMIN_PERMISSIONS: Mapping[StaffRole, Mapping[str, frozenset[str]]] = {
    StaffRole.ADMIN: {
        # Reference data.
        "catalog.department": ALL,
        "catalog.matter": ALL,
        "catalog.serviceitem": ALL,
        "catalog.material": ALL,
        "catalog.calendarday": ALL,
        "catalog.calendaryear": frozenset({VIEW, ADD}),
        "registry.registersettings": frozenset({VIEW, ADD, CHANGE}),
        "certificates.certificatesettings": frozenset({VIEW, ADD, CHANGE}),
        # The register as the public query shows it, read only (no case files in it).
        "registry.registration": READ,
        "registry.registeredspecialty": READ,
        "registry.registrationchange": READ,
        # Staff accounts (the admin's user list holds staff only), never deleted: deactivated,
        # so that every record naming them still names someone.
        "accounts.user": frozenset({VIEW, ADD, CHANGE}),
        # Operations: did the SMS go out, did the in-site message arrive, did the task run.
        # `change` on the outbox is the 重新发送 action only (the admin itself is read-only).
        "notifications.smsmessage": frozenset({VIEW, CHANGE}),
        "notifications.inboxmessage": READ,
        # Did the 电子证照库 and the 办件 collection get it; `change` is 重新发送 only.
        "exchange.outboundrecord": frozenset({VIEW, CHANGE}),
        # Did the provincial 好差评 system get the rating; `change` is 重新发送 only.
        "ratings.ratingpush": frozenset({VIEW, CHANGE}),
        "django_tasks_database.dbtaskresult": READ,
        # The open API's relying parties: registered, changed, suspended, never deleted (the
        # audit trail names them); their secrets are shown once, never read back.
        "api.relyingparty": frozenset({VIEW, ADD, CHANGE}),
    },
    StaffRole.SECURITY: {
        # Locked logins (unlocked by the 解锁 action), known browsers, authenticators.
        "accounts.loginthrottle": frozenset({VIEW, CHANGE}),
        "accounts.knownbrowser": frozenset({VIEW, DELETE}),
        "otp_totp.totpdevice": frozenset({VIEW, DELETE}),
        # Real-name and enterprise checks: the directories and the checks by hand.
        "accounts.knownidentity": ALL,
        "accounts.knownenterprise": ALL,
        "accounts.enterprise": frozenset({VIEW, CHANGE}),
        "accounts.identitycheck": READ,
        # Links to 统一身份认证: removed (解除关联) at the hall when the platform's data changed.
        "accounts.unifiedidentitylink": frozenset({VIEW, DELETE}),
    },
    StaffRole.AUDITOR: {
        "audit.auditevent": READ,
        "audit.auditarchive": READ,
    },
}


def role_permissions(user: User | Any) -> frozenset[str]:
    """The Django permission names ("app.action_model") the account's role grants: none for
    an inactive account, an applicant or a staff member who works on cases."""
    if not getattr(user, "is_active", False) or not getattr(user, "is_department_staff", False):
        return frozenset()
    table = ADMIN_PERMISSIONS.get(StaffRole(user.staff_role), {}) if user.staff_role else {}
    return frozenset(
        f"{label.split('.')[0]}.{action}_{label.split('.')[1]}"
        for label, actions in table.items()
        for action in actions
    )


def is_administrator(user: User | Any) -> bool:
    """One of the three administrators (系统管理员, 安全管理员, 审计管理员)."""
    return bool(getattr(user, "is_department_staff", False)) and user.staff_role in ADMINISTRATOR_ROLES


def enters_admin_site(role: str) -> bool:
    """`User.is_staff` follows the role: the three administrators use the admin site."""
    return role in ADMINISTRATOR_ROLES


# --- who may give which role ------------------------------------------------------------------


def staff_role_refusal(*, editor: User, account: User | None, role: str) -> str | None:
    """Why `editor` may not give `role` to `account` (None for a new account), or None.

    One account, one role: the role is one field, so nobody holds two. What keeps the three
    apart over time is that an administrator's role never changes on an existing account, nor
    does another account become an administrator (a reviewer made 审计管理员 would audit his own
    reviews; a 系统管理员 made 审计管理员 would audit his own changes): a new account is made
    instead. Case roles change among themselves. Nobody changes his own role."""
    if editor.staff_role != StaffRole.ADMIN:
        return "只有系统管理员可以设置工作人员岗位"
    if account is None or not account.pk or account.staff_role == role:
        return None
    if account.pk == editor.pk:
        return "不能修改本人的岗位"
    if account.staff_role in ADMINISTRATOR_ROLES or role in ADMINISTRATOR_ROLES:
        return "已有账号不能改任或改为系统管理员、安全管理员、审计管理员（三员分立），请另建账号"
    return None


# --- case files -----------------------------------------------------------------------------

View = Callable[..., HttpResponseBase]
# What a refused view names in the audit row: the object asked for (or None), a label and
# whose personal data it is, from the view's URL arguments.
ObjectOf = Callable[..., tuple[models.Model | None, str, int | None]]


def administrators_refused(action: AuditAction, object_of: ObjectOf) -> Callable[[View], View]:
    """Decorate a view that serves an applicant's case files: an administrator gets the 404
    anyone else without access gets, and the attempt is written to the audit trail as
    DENIED (the person sees it in 我的信息, the 审计管理员 in the trail)."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if is_administrator(request.user):
                obj, label, subject_id = object_of(**kwargs)
                audit_record(
                    action=action,
                    request=request,
                    obj=obj,
                    label=label,
                    subject_id=subject_id,
                    result=AuditResult.DENIED,
                    detail={"reason": "管理员不能查看申请人的办件材料"},
                )
                raise Http404("没有这个文件")
            return view(request, *args, **kwargs)

        return wrapped

    return decorate

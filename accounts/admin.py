"""The admin manages staff accounts and the identity directories; applicants manage themselves.
An enterprise can be verified here by hand, which is recorded with who did it and why.

Who sees which of these pages is the role table's business (accounts/roles.py, 三员分立): the
系统管理员 the staff accounts, the 安全管理员 the identity directories, locked logins, known
browsers and authenticators."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.models import (
    Enterprise,
    IdentityCheck,
    IdType,
    KnownBrowser,
    KnownEnterprise,
    KnownIdentity,
    LoginThrottle,
    UnifiedIdentityLink,
    User,
    UserKind,
)
from accounts.roles import enters_admin_site, staff_role_refusal
from accounts.services import enterprise_verify_by_hand, login_throttle_unlock
from audit.adminhooks import AuditedAdmin
from lib.datacrypt import identity_index, platform_subject_index
from lib.masking import mask_id_number

# Permissions come from roles alone (accounts/roles.py): a group would grant nothing, so the
# admin does not offer to make one.
admin.site.unregister(Group)


class StaffForm(forms.ModelForm[User]):
    # The signed-in 系统管理员, set by StaffAdmin.get_form: the role rules depend on who edits.
    editor: User | None = None

    new_password = forms.CharField(
        label="设置新密码",
        required=False,
        strip=False,
        widget=forms.PasswordInput,
        help_text="新建账号时必填；留空则不修改。至少10位，含大写字母、小写字母、数字、符号中的三类。",
    )

    class Meta:
        model = User
        fields = ["username", "name", "staff_role", "department", "mobile", "is_active"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password = cleaned.get("new_password")
        if not password and not self.instance.pk:
            self.add_error("new_password", "新建工作人员账号必须设置密码")
        role = cleaned.get("staff_role")
        if not role:
            self.add_error("staff_role", "请选择岗位")
        elif self.editor is not None:
            # Read before _post_clean copies the form's values onto the instance.
            account = self.instance if self.instance.pk else None
            refusal = staff_role_refusal(editor=self.editor, account=account, role=role)
            if refusal:
                self.add_error("staff_role", refusal)
        if not cleaned.get("department"):
            self.add_error("department", "请选择所属部门")
        if password:
            probe = User(
                kind=UserKind.STAFF, username=cleaned.get("username", ""), name=cleaned.get("name", "")
            )
            try:
                validate_password(password, user=probe)
            except forms.ValidationError as e:
                self.add_error("new_password", e)
        return cleaned


@admin.register(User)
class StaffAdmin(AuditedAdmin[User]):
    form = StaffForm
    audit_reads = True  # a staff member's mobile

    def audit_subject(self, obj: User) -> int | None:
        return obj.pk

    list_display = ["username", "name", "staff_role", "department", "is_active", "last_login"]
    list_filter = ["staff_role", "department", "is_active"]
    search_fields = ["username", "name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).filter(kind=UserKind.STAFF)

    def get_form(
        self, request: HttpRequest, obj: User | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change, **kwargs)
        return type("StaffFormBy", (form,), {"editor": request.user})

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        obj.kind = UserKind.STAFF
        obj.id_type = ""
        obj.is_staff = enters_admin_site(obj.staff_role)
        obj.is_superuser = False
        if form.cleaned_data.get("new_password"):
            obj.set_password(form.cleaned_data["new_password"])
        super().save_model(request, obj, form, change)


# --- identity directories and enterprise verification ---------------------------------------


@admin.register(KnownIdentity)
class KnownIdentityAdmin(AuditedAdmin[KnownIdentity]):
    """The built-in real-name directory (used while REALNAME_PROVIDER is the directory)."""

    audit_reads = True

    list_display = ["name", "id_type", "masked_number", "note", "created_at"]
    list_filter = ["id_type"]
    search_fields = ["name"]
    search_help_text = "按姓名查询，或输入完整的证件号码（号码加密保存，不支持部分号码查询）"
    fields = ["name", "id_type", "id_number", "note"]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[KnownIdentity], search_term: str
    ) -> tuple[QuerySet[KnownIdentity], bool]:
        # The number is stored encrypted: a whole number is found by its blind index, under
        # every 证件类型 (the search box does not say which); a part of one finds nothing.
        found, duplicates = super().get_search_results(request, queryset, search_term)
        if search_term.strip():
            indexes = [identity_index(id_type=t, id_number=search_term) for t in IdType.values]
            found = found | queryset.filter(id_index__in=indexes)
        return found, duplicates

    @admin.display(description="证件号码")
    def masked_number(self, obj: KnownIdentity) -> str:
        return mask_id_number(obj.id_number)


@admin.register(KnownEnterprise)
class KnownEnterpriseAdmin(admin.ModelAdmin[KnownEnterprise]):
    list_display = ["name", "uscc", "legal_representative", "created_at"]
    search_fields = ["name", "uscc"]
    fields = ["uscc", "name", "legal_representative"]


class EnterpriseVerifyForm(forms.ModelForm[Enterprise]):
    verify_by_hand = forms.BooleanField(label="人工核验通过", required=False)
    verify_note = forms.CharField(
        label="核验依据",
        required=False,
        max_length=200,
        help_text="例如：已查验营业执照原件，单位名称、统一社会信用代码、法定代表人一致",
    )

    class Meta:
        model = Enterprise
        fields: list[str] = []

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("verify_by_hand") and not str(cleaned.get("verify_note", "")).strip():
            self.add_error("verify_note", "人工核验须写明核验依据")
        return cleaned


@admin.register(Enterprise)
class EnterpriseAdmin(AuditedAdmin[Enterprise]):
    """法人 accounts: read-only, except an administrator's check by hand (recorded)."""

    audit_reads = True  # the 经办人's 身份证号

    def audit_subject(self, obj: Enterprise) -> int | None:
        return obj.user_id

    form = EnterpriseVerifyForm
    list_display = ["__str__", "uscc", "legal_representative", "verified_at"]
    list_filter = [("verified_at", admin.EmptyFieldListFilter)]
    search_fields = ["uscc", "user__name"]
    readonly_fields = ["uscc", "legal_representative", "agent_name", "verified_at"]
    fields = [*readonly_fields, "verify_by_hand", "verify_note"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Enterprise | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Enterprise, form: Any, change: bool) -> None:
        if form.cleaned_data.get("verify_by_hand"):
            admin_user: User = request.user  # type: ignore[assignment]
            enterprise_verify_by_hand(enterprise=obj, by=admin_user, note=form.cleaned_data["verify_note"])


@admin.register(IdentityCheck)
class IdentityCheckAdmin(AuditedAdmin[IdentityCheck]):
    audit_reads = True

    def audit_subject(self, obj: IdentityCheck) -> int | None:
        return obj.user_id

    list_display = ["at", "user", "method", "verdict", "checked_by", "note"]
    list_filter = ["method", "verdict"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: IdentityCheck | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: IdentityCheck | None = None) -> bool:
        return False


@admin.register(UnifiedIdentityLink)
class UnifiedIdentityLinkAdmin(AuditedAdmin[UnifiedIdentityLink]):
    """Accounts linked to the province's 统一身份认证. Deleting a link (at the hall, after seeing
    the person's papers, when the platform changed their data) makes their next sign-in ask
    for confirmation again; it never moves an identity to another account."""

    audit_reads = True

    def audit_subject(self, obj: UnifiedIdentityLink) -> int | None:
        return obj.user_id

    list_display = ["user", "issuer", "linked_at"]
    # Shows the search box; the subject is encrypted, so get_search_results finds it instead.
    search_fields = ["=subject"]
    search_help_text = "输入完整的平台用户标识查询"
    fields = readonly_fields = ("user", "issuer", "subject", "linked_at")

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[UnifiedIdentityLink], search_term: str
    ) -> tuple[QuerySet[UnifiedIdentityLink], bool]:
        # A whole subject is found by its blind index, under each platform linked so far (the
        # search box does not say which); a part of one finds nothing.
        term = search_term.strip()
        if not term:
            return queryset, False
        issuers = UnifiedIdentityLink.objects.values_list("issuer", flat=True).distinct()
        indexes = [platform_subject_index(issuer=issuer, subject=term) for issuer in issuers]
        return queryset.filter(subject_index__in=indexes), False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: UnifiedIdentityLink | None = None) -> bool:
        return False


# --- the 安全管理员's pages: locked logins, known browsers --------------------------------------


@admin.register(LoginThrottle)
class LoginThrottleAdmin(admin.ModelAdmin[LoginThrottle]):
    """Failed-login counts. 解锁 ends a lock before its time (the account's owner called the
    service desk), through the service, which writes it to the audit trail."""

    list_display = ["account", "failures", "locked_until", "updated_at"]
    list_filter = [("locked_until", admin.EmptyFieldListFilter)]
    fields = readonly_fields = ("account", "failures", "locked_until", "updated_at")
    actions = ["unlock"]
    ordering = ["-updated_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: LoginThrottle | None = None) -> bool:
        return False  # counts change by logins; the one change by hand is 解锁

    def has_delete_permission(self, request: HttpRequest, obj: LoginThrottle | None = None) -> bool:
        return False

    def has_unlock_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("accounts.change_loginthrottle")

    @admin.display(description="账号")
    def account(self, obj: LoginThrottle) -> str:
        kind, _, rest = obj.key.partition(":")
        if kind == "user" and rest.isdigit():
            user = User.objects.filter(pk=int(rest)).only("name", "username", "kind").first()
            if user is not None:
                shown = user.username if user.is_department_staff else user.get_kind_display()
                return f"{user.name}（{shown}）"
        return "（不存在的登录名）"

    @admin.action(description="解锁", permissions=["unlock"])
    def unlock(self, request: HttpRequest, queryset: QuerySet[LoginThrottle]) -> None:
        by: User = request.user  # type: ignore[assignment]
        count = login_throttle_unlock(throttles=list(queryset), by=by, request=request)
        self.message_user(request, f"已解锁{count}个账号。", messages.SUCCESS)


@admin.register(KnownBrowser)
class KnownBrowserAdmin(admin.ModelAdmin[KnownBrowser]):
    """Browsers accounts logged in from. Deleting one makes the next login from it send the
    owner the 新设备登录 notice again."""

    list_display = ["user", "user_agent", "first_seen_at", "last_seen_at"]
    search_fields = ["=user__username"]
    search_help_text = "输入完整的登录名查询"
    fields = readonly_fields = ("user", "user_agent", "first_seen_at", "last_seen_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: KnownBrowser | None = None) -> bool:
        return False

"""The admin manages staff accounts only (reference data); applicants manage themselves."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.password_validation import validate_password
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.models import StaffRole, User, UserKind


class StaffForm(forms.ModelForm[User]):
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
        if not cleaned.get("staff_role"):
            self.add_error("staff_role", "请选择岗位")
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
class StaffAdmin(admin.ModelAdmin[User]):
    form = StaffForm
    list_display = ["username", "name", "staff_role", "department", "is_active", "last_login"]
    list_filter = ["staff_role", "department", "is_active"]
    search_fields = ["username", "name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).filter(kind=UserKind.STAFF)

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        obj.kind = UserKind.STAFF
        obj.id_type = ""
        obj.is_staff = obj.is_superuser = obj.staff_role == StaffRole.ADMIN
        if form.cleaned_data.get("new_password"):
            obj.set_password(form.cleaned_data["new_password"])
        super().save_model(request, obj, form, change)

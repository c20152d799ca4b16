"""Forms for accounts: they validate and normalise; the services do the writing."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import IdType, Sex, SmsPurpose, User, UserKind
from lib.forms import PortalForm
from lib.idcard import IdNumberError, birth_date_plausible, validate_id_number
from lib.mobile import MobileError, validate_mobile
from lib.names import TextRefused, check_name
from lib.uscc import UsccError, validate_uscc

# Other kinds of ID (passports, permits) have no public check digit: letters and digits only.
OTHER_ID_RE = re.compile(r"[A-Z0-9]{5,20}", re.ASCII)
NAME_MAX = 50


def _clean_mobile(value: str) -> str:
    try:
        return validate_mobile(value)
    except MobileError as e:
        raise ValidationError(str(e)) from None


def _clean_resident_id(value: str) -> str:
    try:
        return validate_id_number(value)
    except IdNumberError as e:
        raise ValidationError(str(e)) from None


def _clean_name(value: str, label: str) -> str:
    value = value.strip()
    if not value:
        raise ValidationError(f"请填写{label}")
    try:
        return check_name(value, label=label)
    except TextRefused as e:
        raise ValidationError(str(e)) from None


class _PasswordPairMixin(PortalForm):
    password1 = forms.CharField(
        label="密码",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
        help_text="至少8位，不能全是数字，不能使用常见密码",
    )
    password2 = forms.CharField(
        label="确认密码", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    password_user_kind = UserKind.PERSON

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "两次输入的密码不一致")
        elif p1:
            try:
                validate_password(p1, user=User(kind=self.password_user_kind, name=cleaned.get("name", "")))
            except ValidationError as e:
                self.add_error("password1", e)
        return cleaned


PARTICULARS_HELP = "按证件填写。证件类型为居民身份证的不用填写，从身份证号码读取"
MSG_BIRTH_FUTURE = "出生日期不能晚于今天，请按证件填写"
MSG_BIRTH_IMPLAUSIBLE = "出生日期有误，请按证件上的日期填写"


def _sex_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label="性别", choices=[("", "请选择"), *Sex.choices], required=False, help_text=PARTICULARS_HELP
    )


def _birth_date_field() -> forms.DateField:
    return forms.DateField(
        label="出生日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=PARTICULARS_HELP,
    )


def particulars_clean(form: forms.Form, cleaned: dict[str, Any], *, id_type: str) -> None:
    """性别 and 出生日期, which a document other than the 居民身份证 does not carry in its
    number: required for those, each refused beside its own field; for a 居民身份证 they are
    dropped (read from the number, `accounts.selectors.person_particulars`)."""
    if id_type == IdType.RESIDENT:
        cleaned["sex"], cleaned["birth_date"] = "", None
        return
    if not cleaned.get("sex") and "sex" not in form.errors:
        form.add_error("sex", "请选择性别")
    born: date | None = cleaned.get("birth_date")
    if "birth_date" in form.errors:
        return
    if born is None:
        form.add_error("birth_date", "请填写出生日期")
    elif not birth_date_plausible(born, today=timezone.localdate()):
        form.add_error(
            "birth_date", MSG_BIRTH_FUTURE if born > timezone.localdate() else MSG_BIRTH_IMPLAUSIBLE
        )


class PersonRegisterForm(_PasswordPairMixin):
    name = forms.CharField(label="姓名", max_length=NAME_MAX)
    id_type = forms.ChoiceField(
        label="证件类型",
        choices=IdType.choices,
        initial=IdType.RESIDENT,
        # static/js/particulars.js hides 性别 and 出生日期 while this type is chosen.
        widget=forms.Select(attrs={"data-without-particulars": IdType.RESIDENT}),
    )
    id_number = forms.CharField(label="证件号码", max_length=32)
    sex = _sex_field()
    birth_date = _birth_date_field()
    mobile = forms.CharField(
        label="手机号",
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "tel"}),
    )
    sms_code = forms.CharField(
        label="短信验证码",
        max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
    consent = forms.BooleanField(
        label="我已阅读并同意《个人信息保护告知书》",
        error_messages={"required": "请阅读并同意《个人信息保护告知书》"},
    )
    field_order = [
        "name",
        "id_type",
        "id_number",
        "sex",
        "birth_date",
        "mobile",
        "sms_code",
        "password1",
        "password2",
        "consent",
    ]

    def clean_name(self) -> str:
        return _clean_name(self.cleaned_data["name"], "姓名")

    def clean_mobile(self) -> str:
        return _clean_mobile(self.cleaned_data["mobile"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        raw = cleaned.get("id_number", "")
        if raw and "id_number" not in self.errors:
            try:
                if cleaned.get("id_type") == IdType.RESIDENT:
                    cleaned["id_number"] = _clean_resident_id(raw)
                else:
                    value = raw.strip().upper()
                    if not OTHER_ID_RE.fullmatch(value):
                        raise ValidationError("证件号码只能包含字母和数字，长度5到20位")
                    cleaned["id_number"] = value
            except ValidationError as e:
                self.add_error("id_number", e)
        if "id_type" in cleaned:
            particulars_clean(self, cleaned, id_type=cleaned["id_type"])
        return cleaned


class PersonParticularsForm(PortalForm):
    """「补充性别和出生日期」 in 个人中心, for an account opened with another document before
    注册 asked for them."""

    sex = _sex_field()
    birth_date = _birth_date_field()

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        for name in ("sex", "birth_date"):
            self.fields[name].help_text = "按证件填写，提交后不能自行修改"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        particulars_clean(self, cleaned, id_type=self.user.id_type)
        return cleaned


class EnterpriseRegisterForm(_PasswordPairMixin):
    name = forms.CharField(label="单位名称", max_length=100)
    uscc = forms.CharField(label="统一社会信用代码", max_length=32)
    legal_representative = forms.CharField(label="法定代表人", max_length=NAME_MAX)
    agent_name = forms.CharField(label="经办人姓名", max_length=NAME_MAX)
    agent_id_number = forms.CharField(label="经办人身份证号码", max_length=32)
    mobile = forms.CharField(
        label="经办人手机号", max_length=20, widget=forms.TextInput(attrs={"inputmode": "numeric"})
    )
    sms_code = forms.CharField(
        label="短信验证码",
        max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
    consent = forms.BooleanField(
        label="我已阅读并同意《个人信息保护告知书》",
        error_messages={"required": "请阅读并同意《个人信息保护告知书》"},
    )
    password_user_kind = UserKind.LEGAL
    field_order = [
        "name",
        "uscc",
        "legal_representative",
        "agent_name",
        "agent_id_number",
        "mobile",
        "sms_code",
        "password1",
        "password2",
        "consent",
    ]

    def clean_name(self) -> str:
        return _clean_name(self.cleaned_data["name"], "单位名称")

    def clean_legal_representative(self) -> str:
        return _clean_name(self.cleaned_data["legal_representative"], "法定代表人")

    def clean_agent_name(self) -> str:
        return _clean_name(self.cleaned_data["agent_name"], "经办人姓名")

    def clean_uscc(self) -> str:
        try:
            return validate_uscc(self.cleaned_data["uscc"])
        except UsccError as e:
            raise ValidationError(str(e)) from None

    def clean_agent_id_number(self) -> str:
        return _clean_resident_id(self.cleaned_data["agent_id_number"])

    def clean_mobile(self) -> str:
        return _clean_mobile(self.cleaned_data["mobile"])


LOGIN_KINDS = [(UserKind.PERSON, "个人"), (UserKind.LEGAL, "法人"), (UserKind.STAFF, "工作人员")]


class PasswordLoginForm(PortalForm):
    kind = forms.ChoiceField(choices=LOGIN_KINDS, widget=forms.HiddenInput, initial=UserKind.PERSON)
    identifier = forms.CharField(
        label="账号", max_length=64, widget=forms.TextInput(attrs={"autocomplete": "username"})
    )
    password = forms.CharField(
        label="密码",
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class SmsLoginForm(PortalForm):
    kind = forms.ChoiceField(choices=LOGIN_KINDS[:2], widget=forms.HiddenInput, initial=UserKind.PERSON)
    mobile = forms.CharField(
        label="手机号", max_length=20, widget=forms.TextInput(attrs={"inputmode": "numeric"})
    )
    sms_code = forms.CharField(
        label="短信验证码",
        max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )

    def clean_mobile(self) -> str:
        return _clean_mobile(self.cleaned_data["mobile"])


class PasswordResetForm(_PasswordPairMixin):
    kind = forms.ChoiceField(
        label="用户类型", choices=LOGIN_KINDS[:2], initial=UserKind.PERSON, widget=forms.RadioSelect
    )
    mobile = forms.CharField(
        label="注册时填写的手机号", max_length=20, widget=forms.TextInput(attrs={"inputmode": "numeric"})
    )
    sms_code = forms.CharField(
        label="短信验证码",
        max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
    field_order = ["kind", "mobile", "sms_code", "password1", "password2"]

    def clean_mobile(self) -> str:
        return _clean_mobile(self.cleaned_data["mobile"])


class SmsCodeRequestForm(PortalForm):
    mobile = forms.CharField(max_length=20)
    # Not the staff login's purpose: that code goes only to the mobile of an account whose
    # password was just typed right (accounts.views.login_verify).
    purpose = forms.ChoiceField(
        choices=[(p.value, p.label) for p in SmsPurpose if p != SmsPurpose.STAFF_LOGIN]
    )
    kind = forms.ChoiceField(choices=LOGIN_KINDS[:2], required=False)

    def clean_mobile(self) -> str:
        return _clean_mobile(self.cleaned_data["mobile"])


class SecondFactorForm(PortalForm):
    """The second step of a staff login, and the confirmation of a new authenticator."""

    code = forms.CharField(
        label="验证码",
        min_length=6,
        max_length=8,
        error_messages={"min_length": "请输入6位验证码", "required": "请输入验证码"},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}
        ),
    )


class PasswordChangeForm(PortalForm):
    """「修改密码」: the old password, then the new one twice, checked by the same validators
    as at registration (with the staff rule for staff accounts)."""

    old_password = forms.CharField(
        label="原密码",
        strip=False,
        max_length=128,
        error_messages={"required": "请输入原密码"},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password1 = forms.CharField(
        label="新密码",
        strip=False,
        max_length=128,
        error_messages={"required": "请输入新密码"},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label="确认新密码",
        strip=False,
        max_length=128,
        error_messages={"required": "请再次输入新密码"},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["new_password1"].help_text = (
            "工作人员密码至少10位，并包含大写字母、小写字母、数字、符号中的至少三类"
            if user.kind == UserKind.STAFF
            else "至少8位，不能全是数字，不能使用常见密码"
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        old, p1, p2 = cleaned.get("old_password"), cleaned.get("new_password1"), cleaned.get("new_password2")
        if p1 and p2 and p1 != p2:
            self.add_error("new_password2", "两次输入的新密码不一致")
        elif p1 and old and p1 == old:
            self.add_error("new_password1", "新密码不能与原密码相同")
        elif p1:
            try:
                validate_password(p1, user=self.user)
            except ValidationError as e:
                self.add_error("new_password1", e)
        return cleaned

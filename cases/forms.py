"""Application forms, one per 办理项 type. They validate and normalise what the applicant
typed; the services store it."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.utils import timezone

from cases.models import ConfirmationAnswer
from cases.register import RegisterRecord
from catalog.specialties import Specialty, specialty_name, specialty_names
from lib.dates import years_have_passed
from lib.forms import PortalForm
from lib.idcard import IdNumberError, validate_id_number
from lib.names import FreeTextValidator, NameValidator
from lib.uscc import UsccError, validate_uscc

PHONE_RE = re.compile(r"(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})", re.ASCII)
EDUCATION_CHOICES = [
    ("", "请选择"),
    ("中专", "中专"),
    ("大专", "大专"),
    ("本科", "本科"),
    ("硕士研究生", "硕士研究生"),
    ("博士研究生", "博士研究生"),
]
# DOMAIN.md: continuing-education proof is required when applying more than 3 years after the
# qualification was issued.
CONTINUING_EDUCATION_AFTER_YEARS = 3


class ApplicationForm(PortalForm):
    """Base of every type's form: `sections` groups fields for the page and the printed form.

    `record` is what the register holds for the applicant (None when never registered): the
    forms of the types that change a registration check the answers against it."""

    sections: list[tuple[str, list[str]]] = []

    def __init__(self, *args: Any, record: RegisterRecord | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.record = record

    def section_fields(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(title, [self[name] for name in names]) for title, names in self.sections]

    def extracted(self) -> RegisterRecord | None:
        """The register's record 提取信息 filled the form with (遗失补办 only)."""
        return None

    def derived_data(self) -> dict[str, Any]:
        """Data stored with the answers that the applicant did not type (提取信息)."""
        record = self.extracted()
        return {"extracted": record.as_data()} if record else {}

    def _codes_in_force(self) -> set[str]:
        """Specialties registered and not expired: an expired one may be added again (增项)."""
        today = timezone.localdate()
        return {s.code for s in self.record.specialties if s.valid_to >= today} if self.record else set()


def _not_future(value: date, message: str) -> date:
    if value > timezone.localdate():
        raise forms.ValidationError(message)
    return value


def _clean_uscc(value: str) -> str:
    try:
        return validate_uscc(value)
    except UsccError as e:
        raise forms.ValidationError(str(e)) from None


def _clean_phone(value: str) -> str:
    value = value.strip()
    if not PHONE_RE.fullmatch(value):
        raise forms.ValidationError("请填写11位手机号或带区号的固定电话，如024-23447766")
    return value


def _names(codes: set[str]) -> str:
    return specialty_names(sorted(codes))


class InitialRegistrationForm(ApplicationForm):
    education = forms.ChoiceField(label="最高学历", choices=EDUCATION_CHOICES)
    major = forms.CharField(label="所学专业", max_length=50)
    qualification_number = forms.CharField(label="资格证书管理号", max_length=50)
    qualification_specialties = forms.MultipleChoiceField(
        label="资格证书专业", choices=Specialty.choices, widget=forms.CheckboxSelectMultiple
    )
    qualification_date = forms.DateField(
        label="取得资格日期", widget=forms.DateInput(attrs={"type": "date"}), help_text="资格证书上的签发日期"
    )
    employer_name = forms.CharField(
        label="聘用企业名称", max_length=200, validators=[NameValidator("聘用企业名称")]
    )
    employer_uscc = forms.CharField(label="聘用企业统一社会信用代码", max_length=32)
    employer_contact = forms.CharField(
        label="企业联系人", max_length=50, validators=[NameValidator("企业联系人")]
    )
    employer_phone = forms.CharField(
        label="企业联系电话", max_length=20, help_text="手机号或带区号的固定电话"
    )
    specialties = forms.MultipleChoiceField(
        label="申请注册专业", choices=Specialty.choices, widget=forms.CheckboxSelectMultiple
    )
    continuing_education_hours = forms.IntegerField(
        label="继续教育学时",
        required=False,
        min_value=0,
        max_value=1000,
        help_text="取得资格证书超过3年申请注册的，须填写学时，并上传继续教育证明或作出告知承诺",
    )

    sections = [
        ("学历信息", ["education", "major"]),
        ("资格信息", ["qualification_number", "qualification_specialties", "qualification_date"]),
        ("聘用企业", ["employer_name", "employer_uscc", "employer_contact", "employer_phone"]),
        ("注册专业", ["specialties", "continuing_education_hours"]),
    ]

    def clean_qualification_date(self) -> date:
        value: date = self.cleaned_data["qualification_date"]
        if value > timezone.localdate():
            raise forms.ValidationError("取得资格日期不能晚于今天")
        if value.year < 1990:
            raise forms.ValidationError("取得资格日期有误，请核对资格证书")
        return value

    def clean_employer_uscc(self) -> str:
        return _clean_uscc(self.cleaned_data["employer_uscc"])

    def clean_employer_phone(self) -> str:
        return _clean_phone(self.cleaned_data["employer_phone"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        held = set(cleaned.get("qualification_specialties") or [])
        wanted = set(cleaned.get("specialties") or [])
        if held and wanted and not wanted <= held:
            self.add_error(
                "specialties",
                f"申请注册的专业须为资格证书上的专业：{_names(wanted - held)}不在资格证书专业中",
            )
        qualified_on = cleaned.get("qualification_date")
        if (
            qualified_on
            and _continuing_education_due(qualified_on)
            and not cleaned.get("continuing_education_hours")
        ):
            self.add_error("continuing_education_hours", "取得资格证书已超过3年，请填写继续教育学时")
        return cleaned


def continuing_education_required(form_data: dict[str, Any]) -> bool:
    """Whether the form says the qualification is more than 3 years old."""
    raw = form_data.get("qualification_date") or ""
    try:
        qualified_on = date.fromisoformat(str(raw))
    except ValueError:
        return False
    return _continuing_education_due(qualified_on)


def _continuing_education_due(qualified_on: date) -> bool:
    return years_have_passed(
        since=qualified_on, years=CONTINUING_EDUCATION_AFTER_YEARS, today=timezone.localdate()
    )


DATE_INPUT = forms.DateInput(attrs={"type": "date"})


class AdditionForm(ApplicationForm):
    """增项注册: a specialty not yet registered, held on a qualification certificate."""

    addition_specialties = forms.MultipleChoiceField(
        label="增项专业", choices=Specialty.choices, widget=forms.CheckboxSelectMultiple
    )
    addition_qualification_number = forms.CharField(label="增项专业资格证书管理号", max_length=50)
    addition_qualification_date = forms.DateField(label="增项专业取得资格日期", widget=DATE_INPUT)

    sections = [
        (
            "增项专业",
            ["addition_specialties", "addition_qualification_number", "addition_qualification_date"],
        ),
    ]

    def clean_addition_qualification_date(self) -> date:
        return _not_future(self.cleaned_data["addition_qualification_date"], "取得资格日期不能晚于今天")

    def clean_addition_specialties(self) -> list[str]:
        wanted: list[str] = self.cleaned_data["addition_specialties"]
        already = set(wanted) & self._codes_in_force()
        if already:
            raise forms.ValidationError(f"{_names(already)}已是您的注册专业，不能申请增项")
        return wanted


CHANGE_EMPLOYER, CHANGE_PERSONAL, CHANGE_EMPLOYER_NAME = "employer", "personal", "employer_name"
CHANGE_KINDS = [
    (CHANGE_EMPLOYER, "执业企业变更"),
    (CHANGE_PERSONAL, "个人信息变更"),
    (CHANGE_EMPLOYER_NAME, "企业名称变更"),
]


class ChangeForm(ApplicationForm):
    """变更注册: a new employer (the old labour relation ended), a new name of the same
    employer, or the holder's own data. Which fields are needed depends on the kind."""

    change_kind = forms.ChoiceField(label="变更类型", choices=CHANGE_KINDS, widget=forms.RadioSelect)
    employer_name = forms.CharField(
        label="变更后聘用企业名称",
        max_length=200,
        required=False,
        validators=[NameValidator("变更后聘用企业名称")],
        help_text="执业企业变更、企业名称变更时填写",
    )
    employer_uscc = forms.CharField(
        label="变更后聘用企业统一社会信用代码",
        max_length=32,
        required=False,
        help_text="企业名称变更时统一社会信用代码不变",
    )
    employer_contact = forms.CharField(
        label="企业联系人", max_length=50, required=False, validators=[NameValidator("企业联系人")]
    )
    employer_phone = forms.CharField(label="企业联系电话", max_length=20, required=False)
    left_previous = forms.BooleanField(
        label="已与原聘用企业解除劳动关系", required=False, help_text="执业企业变更时须确认，并上传离职证明"
    )
    new_name = forms.CharField(
        label="变更后姓名",
        max_length=50,
        required=False,
        help_text="个人信息变更时填写",
        validators=[NameValidator("变更后姓名")],
    )
    change_reason = forms.CharField(
        label="变更原因",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        validators=[FreeTextValidator("变更原因")],
    )

    sections = [
        ("变更类型", ["change_kind"]),
        (
            "变更后聘用企业",
            ["employer_name", "employer_uscc", "employer_contact", "employer_phone", "left_previous"],
        ),
        ("个人信息", ["new_name"]),
        ("变更原因", ["change_reason"]),
    ]

    def clean_employer_uscc(self) -> str:
        value: str = self.cleaned_data["employer_uscc"]
        return _clean_uscc(value) if value.strip() else ""

    def clean_employer_phone(self) -> str:
        value: str = self.cleaned_data["employer_phone"]
        return _clean_phone(value) if value.strip() else ""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        kind = cleaned.get("change_kind")
        record = self.record
        if kind in (CHANGE_EMPLOYER, CHANGE_EMPLOYER_NAME):
            for name in ("employer_name", "employer_uscc"):
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, "请填写变更后的聘用企业信息")
        uscc, employer = cleaned.get("employer_uscc"), (cleaned.get("employer_name") or "").strip()
        if kind == CHANGE_EMPLOYER:
            for name in ("employer_contact", "employer_phone"):
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, "执业企业变更须填写新聘用企业的联系人和联系电话")
            if not cleaned.get("left_previous"):
                self.add_error(
                    "left_previous", "变更执业企业须已与原聘用企业解除劳动关系（一人只能受聘于一个企业）"
                )
            if record and uscc and uscc == record.employer_uscc:
                self.add_error("employer_uscc", "新聘用企业与当前聘用企业相同；企业更名请选择“企业名称变更”")
        elif kind == CHANGE_EMPLOYER_NAME and record and uscc:
            if uscc != record.employer_uscc:
                self.add_error(
                    "employer_uscc",
                    "企业名称变更时统一社会信用代码应与当前聘用企业一致；更换企业请选择“执业企业变更”",
                )
            elif employer == record.employer_name:
                self.add_error("employer_name", "变更后的企业名称与当前名称相同")
        elif kind == CHANGE_PERSONAL:
            new_name = (cleaned.get("new_name") or "").strip()
            if not new_name and "new_name" not in self.errors:
                self.add_error("new_name", "请填写变更后的姓名")
            elif record and new_name == record.name:
                self.add_error("new_name", "变更后的姓名与注册信息中的姓名相同")
            if not (cleaned.get("change_reason") or "").strip() and "change_reason" not in self.errors:
                self.add_error("change_reason", "请说明个人信息变更的原因")
        return cleaned


def change_is_employer(form_data: dict[str, Any]) -> bool:
    """Only a change of employer is age-limited and needs the 离职证明 kind of proof."""
    return form_data.get("change_kind") == CHANGE_EMPLOYER


CANCEL_GROUNDS = [
    ("", "请选择"),
    ("contract_ended", "聘用合同解除"),
    ("enterprise_closed", "聘用企业破产或被吊销营业执照"),
    ("death_incapacity", "死亡或丧失民事行为能力"),
    ("age", "年满65周岁"),
    ("own_request", "本人申请"),
    ("other", "其他"),
]


class CancelForm(ApplicationForm):
    cancel_ground = forms.ChoiceField(label="注销事由", choices=CANCEL_GROUNDS)
    cancel_detail = forms.CharField(
        label="事由说明",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="选择“其他”时必须填写",
        validators=[FreeTextValidator("事由说明")],
    )

    sections = [("注销事由", ["cancel_ground", "cancel_detail"])]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("cancel_ground") == "other" and not (cleaned.get("cancel_detail") or "").strip():
            self.add_error("cancel_detail", "注销事由为“其他”时，请说明具体事由")
        return cleaned


class RenewalForm(ApplicationForm):
    """延续注册: the registered specialties whose window is open, and the continuing education."""

    renewal_specialties = forms.MultipleChoiceField(
        label="延续注册专业", choices=Specialty.choices, widget=forms.CheckboxSelectMultiple
    )
    continuing_education_hours = forms.IntegerField(
        label="继续教育学时", min_value=1, max_value=1000, help_text="本注册有效期内完成的继续教育学时"
    )

    sections = [("延续注册专业", ["renewal_specialties", "continuing_education_hours"])]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.record is not None:
            field = self.fields["renewal_specialties"]
            assert isinstance(field, forms.MultipleChoiceField)
            field.choices = [
                (s.code, f"{s.name}（有效期至{s.valid_to:%Y-%m-%d}）") for s in self.record.specialties
            ]

    def clean_renewal_specialties(self) -> list[str]:
        wanted: list[str] = self.cleaned_data["renewal_specialties"]
        today = timezone.localdate()
        problems = []
        for code in wanted:
            s = self.record.specialty(code) if self.record else None
            if s is None:
                problems.append(f"{specialty_name(code)}不是您的注册专业")
            elif not s.renewable_on(today):
                problems.append(
                    f"{s.name}有效期至{s.valid_to:%Y年%m月%d日}，"
                    f"须在{s.renewal_opens:%Y年%m月%d日}至{s.renewal_closes:%Y年%m月%d日}之间申请延续注册"
                )
        if problems:
            raise forms.ValidationError("；".join(problems))
        return wanted


REISSUE_REASONS = [("", "请选择"), ("lost", "遗失"), ("damaged", "污损")]


class ReissueForm(ApplicationForm):
    """遗失补办: the 身份证号 with 「提取信息」 fills the registration from the register; the
    applicant adds only the reason and the published 遗失声明."""

    id_number = forms.CharField(label="身份证号", max_length=18, help_text="输入本人身份证号后点击“提取信息”")
    reissue_reason = forms.ChoiceField(label="补办原因", choices=REISSUE_REASONS)
    statement_media = forms.CharField(
        label="遗失声明刊登媒体", max_length=100, validators=[NameValidator("遗失声明刊登媒体")]
    )
    statement_date = forms.DateField(label="遗失声明刊登日期", widget=DATE_INPUT)

    sections = [
        ("提取信息", ["id_number"]),
        ("补办信息", ["reissue_reason", "statement_media", "statement_date"]),
    ]

    def clean_id_number(self) -> str:
        try:
            number = validate_id_number(self.cleaned_data["id_number"])
        except IdNumberError as e:
            raise forms.ValidationError(str(e)) from None
        if self.record is None or number != self.record.id_number:
            raise forms.ValidationError("只能提取本人的注册信息：请输入您本人的身份证号并点击“提取信息”")
        return number

    def clean_statement_date(self) -> date:
        return _not_future(self.cleaned_data["statement_date"], "遗失声明刊登日期不能晚于今天")

    def extracted(self) -> RegisterRecord | None:
        """The record, once the typed number is the applicant's own."""
        raw = str(self.data.get("id_number", "")).strip().upper() if self.is_bound else ""
        if self.record is not None and raw and raw == self.record.id_number:
            return self.record
        return None


class EmployerAnswerForm(PortalForm):
    """An enterprise's answer to a 单位确认 or 解聘确认 (ADR 19); the service decides whether the
    answer fits the question and whether its reason is needed."""

    answer = forms.ChoiceField(
        label="答复",
        choices=ConfirmationAnswer.choices,
    )
    reason = forms.CharField(
        label="理由",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[FreeTextValidator("理由")],
    )

"""Application forms, one per 办理项 type. They validate and normalise what the applicant
typed; the services store it."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from django import forms

from catalog.specialties import Specialty
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
CONTINUING_EDUCATION_AFTER = timedelta(days=3 * 365)


class ApplicationForm(forms.Form):
    """Base of every type's form: `sections` groups fields for the page and the printed form."""

    sections: list[tuple[str, list[str]]] = []

    def section_fields(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(title, [self[name] for name in names]) for title, names in self.sections]


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
    employer_name = forms.CharField(label="聘用企业名称", max_length=200)
    employer_uscc = forms.CharField(label="聘用企业统一社会信用代码", max_length=32)
    employer_contact = forms.CharField(label="企业联系人", max_length=50)
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
        help_text="取得资格证书超过3年申请注册的，须填写并上传继续教育证明",
    )

    sections = [
        ("学历信息", ["education", "major"]),
        ("资格信息", ["qualification_number", "qualification_specialties", "qualification_date"]),
        ("聘用企业", ["employer_name", "employer_uscc", "employer_contact", "employer_phone"]),
        ("注册专业", ["specialties", "continuing_education_hours"]),
    ]

    def clean_qualification_date(self) -> date:
        value: date = self.cleaned_data["qualification_date"]
        if value > date.today():
            raise forms.ValidationError("取得资格日期不能晚于今天")
        if value.year < 1990:
            raise forms.ValidationError("取得资格日期有误，请核对资格证书")
        return value

    def clean_employer_uscc(self) -> str:
        try:
            return validate_uscc(self.cleaned_data["employer_uscc"])
        except UsccError as e:
            raise forms.ValidationError(str(e)) from None

    def clean_employer_phone(self) -> str:
        value: str = self.cleaned_data["employer_phone"].strip()
        if not PHONE_RE.fullmatch(value):
            raise forms.ValidationError("请填写11位手机号或带区号的固定电话，如024-23447766")
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        held = set(cleaned.get("qualification_specialties") or [])
        wanted = set(cleaned.get("specialties") or [])
        if held and wanted and not wanted <= held:
            names = "、".join(Specialty(code).label for code in sorted(wanted - held))
            self.add_error("specialties", f"申请注册的专业须为资格证书上的专业：{names}不在资格证书专业中")
        qualified_on = cleaned.get("qualification_date")
        if (
            qualified_on
            and date.today() - qualified_on > CONTINUING_EDUCATION_AFTER
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
    return date.today() - qualified_on > CONTINUING_EDUCATION_AFTER

"""The 审计管理员's search form: it checks and normalises what was typed; the selectors find."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.utils import timezone

from audit.models import AuditAction
from lib.forms import PortalForm
from lib.masking import mask_id_number


class AuditSearchForm(PortalForm):
    person = forms.CharField(
        label="信息主体",
        max_length=50,
        required=False,
        help_text="申请人姓名、证件号码、手机号或统一社会信用代码",
    )
    staff = forms.CharField(label="操作人员", max_length=50, required=False, help_text="工作人员姓名或登录名")
    case_number = forms.CharField(label="办件编号", max_length=40, required=False)
    object_type = forms.CharField(label="对象类型", max_length=40, required=False, help_text="如 cases.Case")
    object_id = forms.CharField(label="对象编号", max_length=40, required=False)
    since = forms.DateField(label="开始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label="结束日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    action = forms.ChoiceField(label="操作", choices=[("", "全部"), *AuditAction.choices], required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name in ("person", "staff", "case_number", "object_type", "object_id"):
            cleaned[name] = str(cleaned.get(name) or "").strip()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", "结束日期不能早于开始日期")
        return cleaned

    def time_range(self) -> tuple[datetime | None, datetime | None]:
        """The dates as local midnights: from the start of `since` to the end of `until`."""
        since, until = self.cleaned_data.get("since"), self.cleaned_data.get("until")
        zone = timezone.get_current_timezone()
        start = datetime.combine(since, time.min, tzinfo=zone) if since else None
        end = datetime.combine(until + timedelta(days=1), time.min, tzinfo=zone) if until else None
        return start, end

    def criteria(self) -> dict[str, str]:
        """What was searched, for the AUDIT_SEARCH row: a typed number masked, as every label."""
        shown = {
            str(self.fields[name].label): str(value)
            for name, value in self.cleaned_data.items()
            if value not in ("", None)
        }
        person = self.cleaned_data.get("person", "")
        if person and any(ch.isdigit() for ch in person):
            shown["信息主体"] = mask_id_number(person)
        return shown

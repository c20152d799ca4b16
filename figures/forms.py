"""The statistics page's period: from one month to another (「起始月份」「截止月份」)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms

from figures.selectors import MAX_MONTHS, Period
from lib.forms import PortalForm


class MonthField(forms.CharField):
    """A month as an `<input type="month">` sends it: 2026-03."""

    widget = forms.TextInput(attrs={"type": "month"})

    def to_python(self, value: Any) -> date | None:  # type: ignore[override]
        text = str(value or "").strip()
        if not text:
            return None
        try:
            year, month = (int(part) for part in text.split("-"))
            return date(year, month, 1)
        except ValueError:
            raise forms.ValidationError("请按“2026-03”的格式填写月份") from None

    def prepare_value(self, value: Any) -> Any:
        return f"{value:%Y-%m}" if isinstance(value, date) else value


class PeriodForm(PortalForm):
    start = MonthField(label="起始月份", required=False)
    end = MonthField(label="截止月份", required=False)

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.default = Period.last_twelve_months(today=today)
        # An empty form shows the period it stands for.
        self.initial = {"start": self.default.first, "end": self.default.last}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start = cleaned.get("start") or self.default.first
        end = cleaned.get("end") or self.default.last
        if start > end:
            raise forms.ValidationError("起始月份不能晚于截止月份")
        if len(Period.of_months(start, end).months) > MAX_MONTHS:
            raise forms.ValidationError(f"统计期间最长{MAX_MONTHS}个月")
        cleaned["period"] = Period.of_months(start, end)
        return cleaned

    @property
    def period(self) -> Period:
        """The period asked for, or the last twelve months when the form is empty or wrong."""
        if self.is_valid():
            period: Period = self.cleaned_data["period"]
            return period
        return self.default

"""Forms of 督办. They check what staff typed; `supervision.services` decides and writes."""

from __future__ import annotations

from django import forms
from django.db import models

from cases.models import PauseKind
from lib.forms import PortalForm
from lib.names import FreeTextValidator
from supervision.services import PAUSE_MAX_WORKDAYS

TEXT_MAX = 1000


def _text(label: str, *, required: bool, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=TEXT_MAX,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=[FreeTextValidator(label)],
    )


class ExtensionAnswer(models.TextChoices):
    APPROVE = "approve", "批准延期"
    REFUSE = "refuse", "不予批准"


class ExtensionRequestForm(PortalForm):
    reason = _text("延期理由", required=True, help_text="经科室负责人批准后写入延期告知书，申请人可见")


class ExtensionDecisionForm(PortalForm):
    answer = forms.ChoiceField(label="审批结果", choices=ExtensionAnswer.choices)
    opinion = _text("审批意见", required=False, help_text="不予批准的必填，将告知申请延期的工作人员")

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        if cleaned.get("answer") == ExtensionAnswer.REFUSE and not str(cleaned.get("opinion") or "").strip():
            self.add_error("opinion", "不予批准的，请填写审批意见")
        return cleaned


class PauseForm(PortalForm):
    kind = forms.ChoiceField(label="特别程序", choices=PauseKind.choices)
    workdays = forms.IntegerField(
        label="所需时间（工作日）",
        min_value=1,
        max_value=PAUSE_MAX_WORKDAYS,
        help_text="将写入特别程序告知书；期满后自动恢复计时，也可提前结束",
    )
    reason = _text("事由", required=True, help_text="写入特别程序告知书，申请人可见")

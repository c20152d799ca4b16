"""The workbench's form for closing a 核查 task: it checks what staff typed;
`commitments.services.commitment_check_close` decides and writes."""

from __future__ import annotations

from django import forms

from commitments.models import CheckStatus
from commitments.services import FINDING_MAX
from commitments.transitions import OUTCOMES
from lib.forms import PortalForm
from lib.names import FreeTextValidator


class CheckCloseForm(PortalForm):
    outcome = forms.ChoiceField(
        label="核查结果",
        choices=[(s.value, s.label) for s in OUTCOMES],
        widget=forms.RadioSelect,
    )
    finding = forms.CharField(
        label="核查情况",
        max_length=FINDING_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="写明核查方式和结果，例如：经查询继续教育管理平台，申请人已完成90学时。"
        "选择“承诺不实”的，将写入告知书并通知持证人，同时提请撤销注册。",
        validators=[FreeTextValidator("核查情况")],
    )

    def clean_outcome(self) -> CheckStatus:
        return CheckStatus(self.cleaned_data["outcome"])
